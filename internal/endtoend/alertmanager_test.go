package endtoend

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/internal/extserver"
)

// TestAmtool checks every example's generated Alertmanager configuration
// with Debian's amtool.
func TestAmtool(t *testing.T) {
	amtool := extserver.RequireBinary(t, "amtool", "prometheus-alertmanager")
	for _, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			out := writeExample(t, name)
			f := filepath.Join(out, "alertmanager", "alertmanager.example.yaml")
			if b, err := exec.Command(amtool, "check-config", f).CombinedOutput(); err != nil {
				t.Fatalf("amtool check-config: %v\n%s", err, b)
			}
		})
	}
}

const retrainSpec = `package e2e
routing: {
	default_receiver: "sre-chat"
	group_wait:       "1s"
	group_interval:   "1s"
	receivers: {
		"sre-chat": {kind: "slack", target: "#sre"}
		retrain: {kind: "webhook", url: %q}
	}
}
models: e2e: {
	team: "sre"
	drift: {
		reference: path: "ref.parquet"
		current: {path: "cur/*.parquet", time_column: "ts"}
	}
	features: f: {type: "numeric", critical: true, test: method: "psi"}
	retraining: receiver: "retrain"
}
`

// TestRealAlertmanager starts Debian's Alertmanager on loopback with the
// generated example configuration, posts the drift alert the Prometheus
// target generates (with its action="retrain" label) and checks that the
// retraining webhook, a local HTTP server, receives it.
func TestRealAlertmanager(t *testing.T) {
	// Debian installs the server as prometheus-alertmanager.
	bin := extserver.RequireBinary(t, "alertmanager", "prometheus-alertmanager", "prometheus-alertmanager")
	work := t.TempDir()

	got := make(chan string, 10)
	hook, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	})}
	go srv.Serve(hook)
	defer srv.Close()

	specDir := filepath.Join(work, "spec")
	os.MkdirAll(specDir, 0o755)
	src := fmt.Sprintf(retrainSpec, "http://"+hook.Addr().String()+"/retrain")
	if err := os.WriteFile(filepath.Join(specDir, "spec.cue"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := writeSpec(t, specDir)
	// The alert exactly as the generated rule labels it.
	rulesFile, err := os.ReadFile(filepath.Join(out, "prometheus", "e2e.rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rules := string(rulesFile)
	if !strings.Contains(rules, "action: retrain") {
		t.Fatalf("the drift alert of a critical feature is not labelled for retraining:\n%s", rules)
	}

	addr := extserver.FreeAddr(t)
	extserver.Start(t, work, "alertmanager", bin,
		"--config.file="+filepath.Join(out, "alertmanager", "alertmanager.example.yaml"),
		"--storage.path="+filepath.Join(work, "data"),
		"--web.listen-address="+addr,
		"--cluster.listen-address=",
	)

	alert := []map[string]any{{
		"labels": map[string]string{
			"alertname": "FDrift", "action": "retrain", "severity_score": "2",
			"model": "e2e", "team": "sre", "severity": "warning", "feature": "f",
		},
		"annotations": map[string]string{"summary": "Feature f of e2e has drifted in 3 consecutive evaluations."},
	}}
	body, _ := json.Marshal(alert)
	deadline := time.Now().Add(60 * time.Second)
	posted := false
	for time.Now().Before(deadline) {
		if !posted {
			resp, err := http.Post("http://"+addr+"/api/v2/alerts", "application/json", bytes.NewReader(body))
			if err == nil {
				resp.Body.Close()
				posted = resp.StatusCode == 200
			}
		}
		select {
		case b := <-got:
			if strings.Contains(b, `"alertname":"FDrift"`) && strings.Contains(b, `"action":"retrain"`) {
				return
			}
			t.Logf("webhook got an unexpected payload: %s", b)
		case <-time.After(time.Second):
		}
	}
	t.Fatalf("the retraining webhook received nothing (alert posted: %v)", posted)
}
