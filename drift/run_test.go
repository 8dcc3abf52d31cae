package drift

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-dev/vigil/drift/config"
)

// testConfig is a config over ref.csv and cur*.csv in a directory, with a
// daily window over the ts column.
func testConfig(features ...config.Feature) *config.Config {
	return &config.Config{
		Version: config.Version, Model: "m", Schedule: "1d", Window: "1d",
		Reference: config.Source{Path: "ref.csv", Format: "auto"},
		Current:   config.Source{Path: "cur*.csv", Format: "auto", TimeColumn: "ts"},
		Features:  features,
		Metrics: config.Metrics{
			FeatureLabels: []string{"model", "feature", "test"}, ModelLabels: []string{"model"},
			Score: "d_score", Threshold: "d_threshold", Detected: "d_detected", MissingRatio: "d_missing_ratio",
			LastRun: "d_last_run_timestamp_seconds", ConsecutiveBreaches: "d_consecutive_breaches", PValue: "d_p_value",
			SampleSize: "d_sample_size", RowsRead: "d_rows_read", FeatureErrors: "d_feature_errors",
			EvaluationDuration: "d_evaluation_duration_seconds", Errors: "d_errors_total",
		},
	}
}

func feature(name, typ, method string) config.Feature {
	return config.Feature{Name: name, Column: name, Type: typ, Test: config.Test{Method: method, Consecutive: 1}}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// dayCSV writes n rows per day for the given days of November 2026, with
// value(day, i) in column x and a category in column c.
func dayCSV(days []int, n int, value func(day, i int) float64) string {
	var b strings.Builder
	b.WriteString("ts,x,c,k\n")
	for _, d := range days {
		for i := range n {
			ts := time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
			fmt.Fprintf(&b, "%s,%g,%s,7\n", ts.Format(time.RFC3339), value(d, i), []string{"a", "b", "c"}[i%3])
		}
	}
	return b.String()
}

// TestRunSelectsTheWindow checks the window over the current data, with
// --at, and without it from the clock. Windows are UTC days whatever the
// local time zone: the test runs with time.Local at UTC+13:45, where
// 23:59 UTC is already the next day.
func TestRunSelectsTheWindow(t *testing.T) {
	far := time.FixedZone("UTC+13:45", 13*3600+45*60)
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = far
	same := func(_, i int) float64 { return float64(i % 50) }
	// Day 24 is shifted by +100: only a window over day 24 drifts.
	shifted := func(d, i int) float64 {
		if d == 24 {
			return float64(i%50) + 100
		}
		return float64(i % 50)
	}
	dir := writeFiles(t, map[string]string{
		"ref.csv":  dayCSV([]int{1}, 200, same),
		"cur1.csv": dayCSV([]int{22, 23}, 100, shifted),
		"cur2.csv": dayCSV([]int{24}, 100, shifted),
	})
	c := testConfig(feature("x", "numeric", "psi"))
	for _, tc := range []struct {
		at      time.Time
		now     time.Time
		drift   bool
		skipped int
	}{
		{at: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), drift: false, skipped: 200},
		{at: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), drift: true, skipped: 200},
		// Without --at, the window ends at the start of the run's day.
		{now: time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC), drift: true, skipped: 200},
		{now: time.Date(2026, 11, 24, 23, 59, 0, 0, time.UTC), drift: false, skipped: 200},
		// The same instants on a clock in another zone.
		{now: time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC).In(far), drift: true, skipped: 200},
		{now: time.Date(2026, 11, 24, 23, 59, 0, 0, time.UTC).In(far), drift: false, skipped: 200},
		{now: time.Date(2026, 11, 24, 23, 59, 0, 0, time.UTC).Local(), drift: false, skipped: 200},
		{at: time.Date(2026, 11, 25, 13, 45, 0, 0, far), drift: true, skipped: 200},
	} {
		now := tc.now
		rep := Run(context.Background(), c, Options{BaseDir: dir, At: tc.at, Now: func() time.Time { return now }})
		if rep.Err != nil {
			t.Fatal(rep.Err)
		}
		end := tc.at
		if end.IsZero() {
			u := now.UTC()
			end = time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
		}
		if !rep.Window.End.Equal(end) || !rep.Window.Start.Equal(end.AddDate(0, 0, -1)) {
			t.Errorf("at %v now %v: window %v–%v", tc.at, tc.now, rep.Window.Start, rep.Window.End)
		}
		if rep.CurrentRows != 100 || rep.SkippedRows != tc.skipped || rep.ReferenceRows != 200 {
			t.Errorf("at %v now %v: rows %d current, %d skipped, %d reference", tc.at, tc.now, rep.CurrentRows, rep.SkippedRows, rep.ReferenceRows)
		}
		if r := rep.Results[0]; r.Err != nil || r.Detected != tc.drift || r.CurRows != 100 {
			t.Errorf("at %v now %v: %+v, want drift %v", tc.at, tc.now, r, tc.drift)
		}
	}
	// AllRows ignores the time column.
	rep := Run(context.Background(), c, Options{BaseDir: dir, AllRows: true})
	if rep.Err != nil || rep.Window != nil || rep.CurrentRows != 300 || rep.Results[0].CurRows != 300 {
		t.Errorf("all rows: %+v", rep)
	}
}

func TestRunClassifiesFailures(t *testing.T) {
	rows := dayCSV([]int{24}, 60, func(_, i int) float64 { return float64(i) })
	dir := writeFiles(t, map[string]string{"ref.csv": rows, "cur.csv": rows})
	at := Options{BaseDir: dir, At: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)}

	c := testConfig(
		feature("x", "numeric", "psi"),
		// k is 7 on every row of both samples: identical single-valued
		// samples are tested (no drift), not failed.
		feature("k", "numeric", "wasserstein"),
		feature("c", "categorical", "chi_square"),
	)
	rep := Run(context.Background(), c, at)
	if rep.Err != nil {
		t.Fatal(rep.Err)
	}
	got := map[string]string{}
	for _, r := range rep.Results {
		got[r.Feature] = r.Reason
	}
	if d := cmp.Diff(map[string]string{"x": "", "k": "", "c": ""}, got); d != "" {
		t.Errorf("reasons: %s", d)
	}
	if !rep.Succeeded() {
		t.Error("an evaluation with a tested feature succeeded")
	}

	// A window without rows: every feature is empty, and the evaluation failed.
	empty := at
	empty.At = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	rep = Run(context.Background(), c, empty)
	for _, r := range rep.Results {
		if r.Reason != ReasonEmptyColumn || !strings.Contains(r.Err.Error(), "current sample has no values") {
			t.Errorf("%s: %v (%s)", r.Feature, r.Err, r.Reason)
		}
	}
	if rep.Succeeded() {
		t.Error("an evaluation without a tested feature did not succeed")
	}

	bad := testConfig(feature("x", "numeric", "psi"))
	bad.Window = "one day"
	if rep := Run(context.Background(), bad, at); rep.Reason != ReasonInvalidConfig || rep.Err == nil {
		t.Errorf("bad window: %v (%s)", rep.Err, rep.Reason)
	}
	missing := testConfig(feature("x", "numeric", "psi"))
	missing.Reference.Path = "nothing-*.csv"
	if rep := Run(context.Background(), missing, at); rep.Reason != ReasonReadError || !errors.Is(rep.Err, errNoFiles) {
		t.Errorf("no reference files: %v (%s)", rep.Err, rep.Reason)
	}
	// A column missing from the files fails its feature only.
	noColumn := testConfig(feature("nope", "numeric", "psi"), feature("x", "numeric", "psi"))
	rep = Run(context.Background(), noColumn, at)
	if rep.Err != nil || !rep.Succeeded() {
		t.Fatalf("unknown column: %v", rep.Err)
	}
	if r := rep.Results[0]; r.Reason != ReasonReadError || !strings.Contains(r.Err.Error(), `column "nope" is not in the file`) {
		t.Errorf("unknown column: %v (%s)", r.Err, r.Reason)
	}
	if r := rep.Results[1]; r.Err != nil {
		t.Errorf("the other feature failed too: %v", r.Err)
	}
}

// TestRunIsDeterministicAcrossWorkers checks that the worker pool does not
// change the results or their order.
func TestRunIsDeterministicAcrossWorkers(t *testing.T) {
	rows := dayCSV([]int{24}, 300, func(_, i int) float64 { return float64(i*7%101) / 3 })
	cur := dayCSV([]int{24}, 300, func(_, i int) float64 { return float64(i*11%97)/3 + 1 })
	dir := writeFiles(t, map[string]string{"ref.csv": rows, "cur.csv": cur})
	var fs []config.Feature
	for i, m := range []string{"psi", "ks", "wasserstein", "jensen_shannon", "kl", "hellinger"} {
		f := feature(fmt.Sprintf("f%d", i), "numeric", m)
		f.Column = "x"
		fs = append(fs, f)
	}
	fs = append(fs, feature("c", "categorical", "chi_square"))
	c := testConfig(fs...)
	o := Options{BaseDir: dir, At: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), Workers: 1}
	one := Run(context.Background(), c, o)
	o.Workers = 4
	four := Run(context.Background(), c, o)
	if one.Err != nil || four.Err != nil {
		t.Fatal(one.Err, four.Err)
	}
	if d := cmp.Diff(one.Results, four.Results, cmpopts.IgnoreFields(Result{}, "Took")); d != "" {
		t.Errorf("results differ between 1 and 4 workers: %s", d)
	}
	for i, r := range four.Results {
		if r.Feature != fs[i].Name {
			t.Errorf("result %d is %s, want %s", i, r.Feature, fs[i].Name)
		}
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	rows := dayCSV([]int{24}, 10, func(_, i int) float64 { return float64(i) })
	dir := writeFiles(t, map[string]string{"ref.csv": rows, "cur.csv": rows})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := Run(ctx, testConfig(feature("x", "numeric", "psi")), Options{BaseDir: dir, AllRows: true})
	if !errors.Is(rep.Err, context.Canceled) || rep.Results != nil {
		t.Errorf("cancelled run: %v, %d results", rep.Err, len(rep.Results))
	}
}

func TestRunLogs(t *testing.T) {
	rows := dayCSV([]int{24}, 60, func(_, i int) float64 { return float64(i) })
	dir := writeFiles(t, map[string]string{"ref.csv": rows, "cur.csv": rows})
	var buf bytes.Buffer
	c := testConfig(feature("x", "numeric", "psi"), feature("nope", "numeric", "wasserstein"))
	Run(context.Background(), c, Options{BaseDir: dir, At: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	for _, want := range []string{
		`msg="data selected" model=m features=2 reference_rows=60 current_rows=60 skipped_rows=0 window_start=2026-11-24T00:00:00Z window_end=2026-11-25T00:00:00Z`,
		`msg="feature tested" model=m feature=x test=psi reference_values=60 current_values=60 seconds=`,
		`level=WARN msg="feature not tested" model=m feature=nope test=wasserstein reference_values=0 current_values=0 seconds=`,
		`reason=read_error error="reference: `,
		`msg="features done" model=m tested=1 failed=1 seconds=`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, buf.String())
		}
	}
}

// TestFeaturePanicFailsTheFeature checks that a panic while testing a
// feature (here: no sources at all) becomes that feature's error.
func TestFeaturePanicFailsTheFeature(t *testing.T) {
	r := testFeature(feature("x", "numeric", "psi"), nil, nil)
	if r.Reason != ReasonTestError || r.Err == nil || !strings.Contains(r.Err.Error(), "panicked") {
		t.Errorf("got %+v", r)
	}
}
