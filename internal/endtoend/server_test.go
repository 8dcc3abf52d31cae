package endtoend

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/vigil-dev/vigil/internal/extserver"
)

// e2eSpec is a model whose service is down: every request fails.
const e2eSpec = `package e2e
models: e2e: {
	team: "sre"
	slos: availability: {objective: 99.9, availability: {}}
}
`

// TestRealPrometheus starts Debian's Prometheus server on loopback with
// the rules of every example plus a model whose synthetic service fails
// every request, scrapes that service, and checks through the HTTP API
// that every rule group evaluates without error and that the outage page
// reaches the firing state.
func TestRealPrometheus(t *testing.T) {

	work := t.TempDir()

	// Rules: the examples and the e2e model.
	var ruleFiles []string
	for _, name := range examples(t) {
		out := writeExample(t, name)
		files, _ := filepath.Glob(filepath.Join(out, "prometheus", "*.rules.yaml"))
		ruleFiles = append(ruleFiles, files...)
	}
	specDir := filepath.Join(work, "spec")
	os.MkdirAll(specDir, 0o755)
	if err := os.WriteFile(filepath.Join(specDir, "spec.cue"), []byte(e2eSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	e2eOut := writeSpec(t, specDir)
	ruleFiles = append(ruleFiles, filepath.Join(e2eOut, "prometheus", "e2e.rules.yaml"))

	// The synthetic service: 10 failed requests a second.
	start := time.Now()
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "model_requests_total", Help: "Requests.", ConstLabels: prometheus.Labels{"model": "e2e", "outcome": "error"}},
			func() float64 { return 10 * time.Since(start).Seconds() }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "model_requests_total", Help: "Requests.", ConstLabels: prometheus.Labels{"model": "e2e", "outcome": "success"}},
			func() float64 { return 0 }),
	)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}
	go srv.Serve(ln)
	defer srv.Close()

	base := extserver.StartPrometheus(t, work, ruleFiles, []string{ln.Addr().String()})

	deadline := time.Now().Add(90 * time.Second)
	var lastState string
	for time.Now().Before(deadline) {
		time.Sleep(time.Second)
		var rules struct {
			Data struct {
				Groups []struct {
					Name           string `json:"name"`
					LastEvaluation string `json:"lastEvaluation"`
					Rules          []struct {
						Name      string `json:"name"`
						Health    string `json:"health"`
						LastError string `json:"lastError"`
					} `json:"rules"`
				} `json:"groups"`
			} `json:"data"`
		}
		if err := extserver.GetJSON(base+"/api/v1/rules", &rules); err != nil {
			lastState = err.Error()
			continue
		}
		evaluated, unhealthy := 0, []string{}
		for _, g := range rules.Data.Groups {
			if !strings.HasPrefix(g.LastEvaluation, "0001") {
				evaluated++
			}
			for _, r := range g.Rules {
				if r.Health == "err" {
					unhealthy = append(unhealthy, fmt.Sprintf("%s/%s: %s", g.Name, r.Name, r.LastError))
				}
			}
		}
		if len(unhealthy) > 0 {
			t.Fatalf("rules failed to evaluate in Prometheus:\n%s", strings.Join(unhealthy, "\n"))
		}
		alerts, err := extserver.Alerts(base)
		if err != nil {
			lastState = err.Error()
			continue
		}
		firing := false
		for _, a := range alerts {
			if a.Labels["alertname"] == "AvailabilityFastBurn" && a.Labels["model"] == "e2e" && a.State == "firing" {
				firing = true
			}
		}
		lastState = fmt.Sprintf("%d/%d groups evaluated, %d alerts active", evaluated, len(rules.Data.Groups), len(alerts))
		if firing && evaluated == len(rules.Data.Groups) && len(rules.Data.Groups) > 0 {
			t.Logf("%s; AvailabilityFastBurn firing after %s", lastState, time.Since(start).Round(time.Second))
			return
		}
	}
	t.Fatalf("outage alert did not reach firing in time; last state: %s", lastState)
}
