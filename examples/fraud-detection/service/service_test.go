package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/exampletest"
	"github.com/vigil-dev/vigil/internal/promserver"
	instrtarget "github.com/vigil-dev/vigil/targets/instrument"
	promtarget "github.com/vigil-dev/vigil/targets/prometheus"
)

func loadSpec(t *testing.T, dir string) *compiler.Spec {
	t.Helper()
	spec, diags, err := compiler.Load(compiler.Source{Args: []string{dir}})
	if err != nil || len(diags) > 0 {
		t.Fatalf("%s: %v %v", dir, err, diags)
	}
	return spec
}

// TestConfigIsCurrent: the embedded instrumentation config is what
// vigil compile --target instrument writes for the spec today.
func TestConfigIsCurrent(t *testing.T) {
	files, err := compiler.Generate(loadSpec(t, ".."), []compiler.Target{instrtarget.Target{}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(files["instrument/fraud-detector.json"], configJSON) {
		t.Fatal("instrument/fraud-detector.json is stale: run go run ./cmd/vigil compile examples/fraud-detection --target instrument -o examples/fraud-detection/service")
	}
}

func requirePrometheus(t *testing.T) {
	t.Helper()
	if _, err := promserver.Binary(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true)", err)
		}
		t.Skip(err)
	}
}

func runCheck(t *testing.T, ctx context.Context, url string, models []check.Model) *check.Report {
	t.Helper()
	c, err := api.NewClient(api.Config{Address: url})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := check.Run(ctx, v1.NewAPI(c), url, models, check.Options{MaxLabelValues: 100})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestEndToEnd runs the example service with synthetic traffic, Debian's
// real Prometheus scraping it every second with the example's compiled
// rules loaded, and then: vigil check finds every series (ready); the
// service is told to fail every request (and to slow down), and the
// availability page, AvailabilityFastBurn (no `for:`: it fires as soon
// as its expression holds), reaches firing in that Prometheus.
func TestEndToEnd(t *testing.T) {
	requirePrometheus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	spec := loadSpec(t, "..")
	work := t.TempDir()
	files, err := compiler.Generate(spec, []compiler.Target{promtarget.Target{}})
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for p, b := range files {
		if strings.HasSuffix(p, ".rules.yaml") {
			f := filepath.Join(work, filepath.Base(p))
			if err := os.WriteFile(f, b, 0o644); err != nil {
				t.Fatal(err)
			}
			rules = append(rules, f)
		}
	}

	s, err := newService(prometheus.NewRegistry(), "v3")
	if err != nil {
		t.Fatal(err)
	}
	go s.generate(ctx, 50, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s.handler()}
	go srv.Serve(ln)
	defer srv.Close()

	prom, err := promserver.Start(ctx, promserver.Config{Dir: work, Targets: []string{ln.Addr().String()}, RuleFiles: rules})
	if err != nil {
		t.Fatal(err)
	}
	defer prom.Stop()

	deps, err := check.Deps(spec)
	if err != nil {
		t.Fatal(err)
	}
	rep := runCheck(t, ctx, prom.URL, deps)
	if !rep.OK() {
		t.Fatalf("vigil check against the instrumented service: %+v", rep.Models)
	}

	// Break it: every request fails, slowly.
	s.setKnobs(1, 20*time.Millisecond)
	start := time.Now()
	var last string
	for {
		if errs, err := prom.RuleErrors(ctx); err == nil && len(errs) > 0 {
			t.Fatalf("rules failed to evaluate:\n%s", strings.Join(errs, "\n"))
		}
		alerts, err := prom.Alerts(ctx)
		if err == nil {
			last = fmt.Sprint(alerts)
			if alerts["AvailabilityFastBurn/fraud-detector"] == "firing" {
				t.Logf("AvailabilityFastBurn firing %s after the service started failing", time.Since(start).Round(time.Second))
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the page did not fire; alerts: %s\nprometheus log:\n%s", last, prom.Log())
		case <-time.After(time.Second):
		}
	}
	// vigil check still finds everything: a failing service is not a
	// missing one.
	if rep := runCheck(t, ctx, prom.URL, deps); !rep.OK() {
		t.Errorf("vigil check after the outage: %+v", rep.Models)
	}
}

// TestHeldOutPrometheus points vigil check at a Prometheus that has none
// of the shipped examples' series: every model is not ready, and every
// metric its rules and dashboards read is named as missing.
func TestHeldOutPrometheus(t *testing.T) {
	requirePrometheus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	prom, err := promserver.Start(ctx, promserver.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer prom.Stop()
	for name, spec := range exampletest.Load(t) {
		if strings.HasPrefix(name, "case-") {
			continue
		}
		deps, err := check.Deps(spec)
		if err != nil {
			t.Fatal(err)
		}
		rep := runCheck(t, ctx, prom.URL, deps)
		if rep.OK() {
			t.Errorf("%s: ready against an empty Prometheus", name)
		}
		for i, m := range rep.Models {
			var want, got []string
			for _, mt := range deps[i].Metrics {
				want = append(want, mt.Name)
			}
			for _, p := range m.Problems {
				if p.Kind != check.KindMissingMetric {
					t.Errorf("%s/%s: unexpected %s problem: %s", name, m.Model, p.Kind, p.Message)
					continue
				}
				got = append(got, p.Metric)
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(want, got) || len(want) == 0 {
				t.Errorf("%s/%s: missing metrics named %v, want %v", name, m.Model, got, want)
			}
		}
	}
}
