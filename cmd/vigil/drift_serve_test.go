package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's and the test's
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const serveConfig = `version: 1
model: m
schedule: 1d
window: 1d
reference: {path: ref.csv, format: auto}
current: {path: cur.csv, format: auto}
features:
  - {name: x, column: x, type: numeric, test: {method: psi, drift: above, consecutive: 1}}
metrics:
  feature_labels: [model, feature, test]
  model_labels: [model]
  score: vigil_drift_score
  threshold: vigil_drift_threshold
  detected: vigil_drift_detected
  missing_ratio: vigil_drift_missing_ratio
  last_run: vigil_drift_last_run_timestamp_seconds
  consecutive_breaches: vigil_drift_consecutive_breaches
  p_value: vigil_drift_p_value
  sample_size: vigil_drift_sample_size
  rows_read: vigil_drift_rows_read
  feature_errors: vigil_drift_feature_errors
  evaluation_duration: vigil_drift_evaluation_duration_seconds
  errors: vigil_drift_errors_total
`

// TestDriftServe runs `vigil drift serve` in process: it serves the drift
// series on the address it logs and exits cleanly when its context ends.
func TestDriftServe(t *testing.T) {
	dir := t.TempDir()
	var ref, cur strings.Builder
	ref.WriteString("x\n")
	cur.WriteString("x\n")
	for i := range 100 {
		fmt.Fprintf(&ref, "%d\n", i%10)
		fmt.Fprintf(&cur, "%d\n", 50+i%10)
	}
	os.WriteFile(filepath.Join(dir, "ref.csv"), []byte(ref.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "cur.csv"), []byte(cur.String()), 0o644)
	cfg := filepath.Join(dir, "m.yaml")
	os.WriteFile(cfg, []byte(serveConfig), 0o644)

	var stderr syncBuffer
	cmd := newDrift(io.Discard, &stderr)
	cmd.SetArgs([]string{"serve", "--config", cfg, "--listen", "127.0.0.1:0"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	addrRE := regexp.MustCompile(`msg=serving addr=(\S+)`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == ""; {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no address logged:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var body string
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(body, "vigil_drift_detected"); {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		if time.Now().After(deadline) {
			t.Fatalf("no drift series served:\n%s\n%s", body, stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(body, `vigil_drift_detected{feature="x",model="m",test="psi"} 1`) {
		t.Errorf("want a breach of x:\n%s", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not exit after cancellation")
	}
	if !strings.Contains(stderr.String(), "msg=stopped") {
		t.Errorf("no clean stop logged:\n%s", stderr.String())
	}
}
