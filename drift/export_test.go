package drift

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/internal/promsamples"
)

// gather renders an exporter's series as "name{l="v",...}" → value.
func gather(t *testing.T, e *Exporter) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(e)
	out, err := promsamples.Gather(reg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func report(finished time.Time, results ...Result) *Report {
	return &Report{Model: "m", Results: results, Started: finished.Add(-2 * time.Second), Finished: finished, ReferenceRows: 10, CurrentRows: 8}
}

func TestExporterKeepsNoStaleScores(t *testing.T) {
	c := testConfig(feature("x", "numeric", "psi"), feature("y", "numeric", "ks"))
	e := newExporter(t, c)
	t1 := time.Unix(1000, 0)
	ok := func(name, method string, score float64, drift bool) Result {
		return Result{Feature: name, Method: method, Score: score, Threshold: 0.2, Detected: drift, RefRows: 10, CurRows: 8}
	}
	e.Update(report(t1, ok("x", "psi", 0.5, true), ok("y", "ks", 0.01, false)))
	got := gather(t, e)
	want := map[string]float64{
		`d_score{feature="x",model="m",test="psi"}`:                0.5,
		`d_threshold{feature="x",model="m",test="psi"}`:            0.2,
		`d_detected{feature="x",model="m",test="psi"}`:             1,
		`d_consecutive_breaches{feature="x",model="m",test="psi"}`: 1,
		`d_score{feature="y",model="m",test="ks"}`:                 0.01,
		`d_p_value{feature="y",model="m",test="ks"}`:               0.01,
		`d_threshold{feature="y",model="m",test="ks"}`:             0.2,
		`d_detected{feature="y",model="m",test="ks"}`:              0,
		`d_consecutive_breaches{feature="y",model="m",test="ks"}`:  0,
		`d_missing_ratio{feature="x",model="m"}`:                   0,
		`d_missing_ratio{feature="y",model="m"}`:                   0,
		`d_feature_errors{feature="x",model="m"}`:                  0,
		`d_feature_errors{feature="y",model="m"}`:                  0,
		`d_sample_size{feature="x",model="m",sample="reference"}`:  10,
		`d_sample_size{feature="x",model="m",sample="current"}`:    8,
		`d_sample_size{feature="y",model="m",sample="reference"}`:  10,
		`d_sample_size{feature="y",model="m",sample="current"}`:    8,
		`d_rows_read{model="m",sample="reference"}`:                10,
		`d_rows_read{model="m",sample="current"}`:                  8,
		`d_last_run_timestamp_seconds{model="m"}`:                  1000,
		`d_evaluation_duration_seconds{model="m"}`:                 2,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("first evaluation (-want +got):\n%s", d)
	}

	// x breaches again; y fails: its score, verdict and p-value go away.
	t2 := time.Unix(2000, 0)
	e.Update(report(t2, ok("x", "psi", 0.6, true), Result{Feature: "y", Method: "ks", Err: errors.New("boom"), Reason: ReasonReadError}))
	got = gather(t, e)
	for _, gone := range []string{`d_score{feature="y",model="m",test="ks"}`, `d_p_value{feature="y",model="m",test="ks"}`, `d_detected{feature="y",model="m",test="ks"}`} {
		if _, ok := got[gone]; ok {
			t.Errorf("%s is still exported after the feature failed", gone)
		}
	}
	for k, v := range map[string]float64{
		`d_consecutive_breaches{feature="x",model="m",test="psi"}`: 2,
		`d_feature_errors{feature="y",model="m"}`:                  1,
		`d_errors_total{model="m",reason="read_error"}`:            1,
		`d_last_run_timestamp_seconds{model="m"}`:                  2000,
	} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}

	// The whole evaluation fails: no per-feature series, the last
	// successful run stays, the error is counted.
	e.Update(&Report{Model: "m", Started: time.Unix(2999, 0), Finished: time.Unix(3000, 0), Err: errors.New("no files"), Reason: ReasonReadError})
	got = gather(t, e)
	want = map[string]float64{
		`d_last_run_timestamp_seconds{model="m"}`:       2000,
		`d_evaluation_duration_seconds{model="m"}`:      1,
		`d_errors_total{model="m",reason="read_error"}`: 2,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("failed evaluation (-want +got):\n%s", d)
	}

	// The count survives the failure (the rules ignore failed runs too)
	// and resets on a clean verdict.
	e.Update(report(time.Unix(4000, 0), ok("x", "psi", 0.7, true)))
	if got := gather(t, e)[`d_consecutive_breaches{feature="x",model="m",test="psi"}`]; got != 3 {
		t.Errorf("after a failed run and a breach: %v, want 3", got)
	}
	e.Update(report(time.Unix(5000, 0), ok("x", "psi", 0.1, false)))
	if got := gather(t, e)[`d_consecutive_breaches{feature="x",model="m",test="psi"}`]; got != 0 {
		t.Errorf("after a clean run: %v, want 0", got)
	}
}

// TestExporterNamesAreTheConfigs checks that every series the evaluator
// exports is named in the config's metrics.
func TestExporterNamesAreTheConfigs(t *testing.T) {
	c := testConfig(feature("x", "numeric", "ks"))
	m := c.Metrics
	named := map[string]bool{m.Score: true, m.Threshold: true, m.Detected: true, m.MissingRatio: true, m.LastRun: true,
		m.ConsecutiveBreaches: true, m.PValue: true, m.SampleSize: true, m.RowsRead: true, m.FeatureErrors: true,
		m.EvaluationDuration: true, m.Errors: true}
	e := newExporter(t, c)
	e.Update(report(time.Unix(1, 0), Result{Feature: "x", Method: "ks", Score: 0.5}))
	e.Update(&Report{Model: "m", Err: errors.New("x"), Reason: ReasonReadError})
	e.Update(report(time.Unix(1, 0), Result{Feature: "x", Method: "ks", Score: 0.5}))
	seen := map[string]bool{}
	for k := range gather(t, e) {
		name := k[:strings.Index(k, "{")]
		seen[name] = true
		if !named[name] {
			t.Errorf("exported %s is not named in the config", name)
		}
	}
	if len(seen) != len(named) {
		t.Errorf("exported %d of the %d configured series: %v", len(seen), len(named), seen)
	}
}

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := LoadState(path, "m")
	if err != nil || s.LastSuccess != 0 || len(s.Consecutive) != 0 {
		t.Fatalf("missing file: %+v, %v", s, err)
	}
	s.LastSuccess = 42
	s.Consecutive["x/psi"] = 2
	s.Errors[ReasonReadError] = 1
	if err := SaveState(path, s); err != nil {
		t.Fatal(err)
	}
	back, err := LoadState(path, "m")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(s, back); d != "" {
		t.Error(d)
	}
	if _, err := LoadState(path, "other"); err == nil || !strings.Contains(err.Error(), `model "m", not "other"`) {
		t.Errorf("another model's state: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	os.WriteFile(path, []byte("{"), 0o644)
	if _, err := LoadState(path, "m"); err == nil {
		t.Error("a corrupt state file must be an error")
	}

	// Restoring brings the counts and the last success back.
	e := newExporter(t, testConfig(feature("x", "numeric", "psi")))
	e.Restore(s)
	e.Update(report(time.Unix(100, 0), Result{Feature: "x", Method: "psi", Score: 1, Threshold: 0.2, Detected: true}))
	if got := e.State().Consecutive["x/psi"]; got != 3 {
		t.Errorf("restored count + 1 breach = %d, want 3", got)
	}
	e.Restore(s)
	if got := gather(t, e)[`d_last_run_timestamp_seconds{model="m"}`]; got != 42 {
		t.Errorf("restored last run %v, want 42", got)
	}
}

func newExporter(t *testing.T, c *config.Config) *Exporter {
	t.Helper()
	e, err := NewExporter(c)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestNewExporterRejectsBadMetrics(t *testing.T) {
	for name, edit := range map[string]func(m *config.Metrics){
		"no score":           func(m *config.Metrics) { m.Score = "" },
		"bad name":           func(m *config.Metrics) { m.Detected = "drift-detected" },
		"two feature labels": func(m *config.Metrics) { m.FeatureLabels = []string{"model", "feature"} },
		"bad label":          func(m *config.Metrics) { m.ModelLabels = []string{"the model"} },
	} {
		c := testConfig()
		edit(&c.Metrics)
		if _, err := NewExporter(c); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	// A config written before a series existed simply does not export it.
	c := testConfig(feature("x", "numeric", "ks"))
	c.Metrics.PValue, c.Metrics.Errors = "", ""
	e := newExporter(t, c)
	e.Update(report(time.Unix(1, 0), Result{Feature: "x", Method: "ks", Score: 0.5}))
	e.Update(&Report{Model: "m", Err: errors.New("x"), Reason: ReasonReadError})
	for k := range gather(t, e) {
		if strings.HasPrefix(k, "d_p_value") || strings.HasPrefix(k, "d_errors_total") || strings.HasPrefix(k, "{") {
			t.Errorf("exported %s, which the config does not name", k)
		}
	}
}
