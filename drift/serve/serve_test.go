package serve

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/drift/config"
)

func modelConfig(name string) *config.Config {
	return &config.Config{
		Version: config.Version, Model: name, Schedule: "1d", Window: "1d",
		Reference: config.Source{Path: "ref.csv", Format: "auto"},
		Current:   config.Source{Path: "cur.csv", Format: "auto", TimeColumn: "ts"},
		Features:  []config.Feature{{Name: "x", Column: "x", Type: "numeric", Test: config.Test{Method: "psi", Consecutive: 1}}},
		Metrics: config.Metrics{
			FeatureLabels: []string{"model", "feature", "test"}, ModelLabels: []string{"model"},
			Score: "vigil_drift_score", Threshold: "vigil_drift_threshold", Detected: "vigil_drift_detected",
			MissingRatio: "vigil_drift_missing_ratio", LastRun: "vigil_drift_last_run_timestamp_seconds",
			ConsecutiveBreaches: "vigil_drift_consecutive_breaches", PValue: "vigil_drift_p_value",
			SampleSize: "vigil_drift_sample_size", RowsRead: "vigil_drift_rows_read", FeatureErrors: "vigil_drift_feature_errors",
			EvaluationDuration: "vigil_drift_evaluation_duration_seconds", Errors: "vigil_drift_errors_total",
		},
	}
}

// modelDir writes a reference and one day (2026-11-24) of current data;
// shift moves the current values.
func modelDir(t *testing.T, shift float64) string {
	dir := t.TempDir()
	var ref, cur strings.Builder
	ref.WriteString("ts,x\n")
	cur.WriteString("ts,x\n")
	for i := range 200 {
		fmt.Fprintf(&ref, "2026-11-01T00:%02d:00Z,%d\n", i%60, i%40)
		fmt.Fprintf(&cur, "2026-11-24T%02d:00:00Z,%g\n", i%24, float64(i%40)+shift)
	}
	os.WriteFile(filepath.Join(dir, "ref.csv"), []byte(ref.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "cur.csv"), []byte(cur.String()), 0o644)
	return dir
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitFor polls url until its body contains every string, or fails.
func waitFor(t *testing.T, url string, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := get(t, url)
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(body, w)
		}
		if ok {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never contained %q; last body:\n%s", url, want, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServe(t *testing.T) {
	drifting, stable := modelDir(t, 100), modelDir(t, 0)
	now := func() time.Time { return time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC) }
	srv, err := New([]Model{
		{Config: modelConfig("a"), BaseDir: drifting},
		{Config: modelConfig("b"), BaseDir: stable},
	}, Options{Interval: 30 * time.Millisecond, Now: now, ShutdownTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	waitFor(t, base+"/healthz", "a ok: evaluated at 2026-11-25T02:00:00Z", "b ok:")
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz answered %d", code)
	}
	metrics := waitFor(t, base+"/metrics", `vigil_drift_consecutive_breaches{feature="x",model="a",test="psi"} 3`)
	for _, want := range []string{
		`vigil_drift_detected{feature="x",model="a",test="psi"} 1`,
		`vigil_drift_detected{feature="x",model="b",test="psi"} 0`,
		`vigil_drift_rows_read{model="a",sample="current"} 200`,
		`vigil_drift_last_run_timestamp_seconds{model="a"} 1.795572e+09`,
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// The data of model a disappears: a keeps serving, without scores,
	// and counts the errors; b is unaffected.
	os.Remove(filepath.Join(drifting, "cur.csv"))
	waitFor(t, base+"/healthz", "a error: evaluation at 2026-11-25T02:00:00Z failed: current data: no files match cur.csv")
	metrics = waitFor(t, base+"/metrics", `vigil_drift_errors_total{model="a",reason="read_error"}`)
	if strings.Contains(metrics, `vigil_drift_score{feature="x",model="a"`) {
		t.Error("model a still exports a score after its data went away")
	}
	if !strings.Contains(metrics, `vigil_drift_score{feature="x",model="b",test="psi"}`) {
		t.Error("model b lost its score")
	}
	if !strings.Contains(metrics, `vigil_drift_last_run_timestamp_seconds{model="a"}`) {
		t.Error("model a lost its last successful run")
	}

	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve returned %v after cancellation, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancellation")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the server still answers after shutdown")
	}
}

func TestNewRejectsBadConfigs(t *testing.T) {
	if _, err := New(nil, Options{}); err == nil {
		t.Error("no models must be an error")
	}
	c := modelConfig("a")
	if _, err := New([]Model{{Config: c}, {Config: modelConfig("a")}}, Options{}); err == nil || !strings.Contains(err.Error(), "configured twice") {
		t.Errorf("duplicate model: %v", err)
	}
	c.Schedule = "daily"
	if _, err := New([]Model{{Config: c}}, Options{}); err == nil || !strings.Contains(err.Error(), `schedule "daily"`) {
		t.Errorf("bad schedule: %v", err)
	}
	c.Cron = "0 2 * * 7"
	if _, err := New([]Model{{Config: c}}, Options{}); err == nil || !strings.Contains(err.Error(), "day of week 7 is out of range") {
		t.Errorf("bad cron: %v", err)
	}
	c.Cron = "CRON_TZ=UTC 0 2 * * *"
	if _, err := New([]Model{{Config: c}}, Options{}); err == nil || !strings.Contains(err.Error(), "sets a time zone") {
		t.Errorf("cron with a time zone: %v", err)
	}
}

// TestSchedule checks when a model runs: at its cron's times in UTC
// (what the CronJob does), else every schedule interval, else every
// --interval, which overrides both.
func TestSchedule(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	from := time.Date(2026, 7, 1, 3, 30, 0, 0, paris) // 01:30 UTC
	c := modelConfig("a")
	cases := []struct {
		cron     string
		interval time.Duration
		want     []time.Time
	}{
		{"0 2 * * mon-fri", 0, []time.Time{ // 2026-07-01 is a Wednesday
			time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC),
			time.Date(2026, 7, 2, 2, 0, 0, 0, time.UTC),
			time.Date(2026, 7, 3, 2, 0, 0, 0, time.UTC),
			time.Date(2026, 7, 6, 2, 0, 0, 0, time.UTC),
		}},
		{"@every 6h", 0, []time.Time{from.Add(6 * time.Hour), from.Add(12 * time.Hour)}},
		{"0 2 * * *", time.Hour, nil}, // relative to now: checked below
	}
	for _, tc := range cases {
		c.Cron = tc.cron
		sched, err := schedule(c, tc.interval)
		if err != nil {
			t.Fatalf("%q: %v", tc.cron, err)
		}
		if tc.interval > 0 {
			now := time.Now()
			if next := sched.Next(now); next.Sub(now) <= 0 || next.Sub(now) > tc.interval {
				t.Errorf("--interval %v: next run in %v", tc.interval, next.Sub(now))
			}
			continue
		}
		at := from
		for _, w := range tc.want {
			at = sched.Next(at)
			if !at.Equal(w) {
				t.Errorf("%q: next run %v, want %v", tc.cron, at.UTC(), w.UTC())
			}
		}
	}
	c.Cron = ""
	c.Schedule = "6h"
	sched, err := schedule(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	e := sched.(every)
	for k, at := range []time.Duration{0, time.Minute, 6 * time.Hour, 13 * time.Hour} {
		want := e.start.Add([]time.Duration{6, 6, 12, 18}[k] * time.Hour)
		if got := sched.Next(e.start.Add(at)); !got.Equal(want) {
			t.Errorf("schedule 6h, %v after start: next run %v, want %v", at, got, want)
		}
	}
}
