package prometheus_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// mlUnitTestSpec has anomaly alerts in every direction and baseline, with
// windows that leave the generated cases room or not, and an hourly drift
// evaluator.
const mlUnitTestSpec = `package x
models: m: {
	team: "t"
	kpis: ctr: query: "sum(rate(clicks_total{app=\"shop\"}[5m])) / sum(rate(impressions_total{app=\"shop\"}[5m]))"
	alerts: anomalies: {
		"ctr-drop": {kpi: "ctr", direction: "down", z_threshold: 3, for: "30m"}
		"ctr-spike": {kpi: "ctr", direction: "up", z_threshold: 2.5, baseline_window: "12h", for: "10m"}
		"orders": {query: "sum(rate(orders_total[5m]))", direction: "both", baseline: "seasonal", season: "1d", baseline_window: "6h", for: "15m"}
		"short-window": {query: "sum(rate(orders_total[5m]))", baseline: "seasonal", season: "2h", baseline_window: "3h", for: "1h"}
		"regex-query": {query: "sum(rate(orders_total{shop=~\"a|b\"}[5m]))"}
	}
	drift: {
		reference: path: "ref.parquet"
		current: {path: "cur/*.parquet", time_column: "ts"}
		schedule: "hourly"
	}
	features: f: {type: "numeric", test: method: "psi"}
}
`

// TestGeneratedMLUnitTestsPassInPromtool generates the promtool cases
// for a spec that exercises every branch of their generator and runs
// them with the real promtool against the generated rules: the expected
// values are computed by the generator, and promtool, evaluating the
// rules, is the independent check.
func TestGeneratedMLUnitTestsPassInPromtool(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "spec.cue"), []byte(mlUnitTestSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, diags, err := compiler.Load(compiler.Source{Args: []string{"spec.cue"}, Dir: dir})
	if err != nil || len(diags) > 0 {
		t.Fatalf("spec does not compile: %v %v", err, diags)
	}
	m := spec.Models[0]
	rules, err := prometheus.Render(prometheus.Groups(spec, m))
	if err != nil {
		t.Fatal(err)
	}
	tests, err := prometheus.UnitTests(spec, m)
	if err != nil {
		t.Fatal(err)
	}
	history, err := prometheus.HistoryTests(spec, m)
	if err != nil {
		t.Fatal(err)
	}
	names := func(b []byte) []string {
		var f struct {
			EvaluationInterval string `yaml:"evaluation_interval"`
			Tests              []struct {
				Name string `yaml:"name"`
			} `yaml:"tests"`
		}
		if err := yaml.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		out := []string{"interval " + f.EvaluationInterval}
		for _, c := range f.Tests {
			out = append(out, c.Name)
		}
		return out
	}
	// Which cases exist is decided by the spec: the 1d window of
	// ctr-drop holds its 9h36m drop case (k = 4: 528 minutes before the
	// gap, 33 after); ctr-spike's 12h holds 2h25m (k = 3: 117 and 13);
	// orders' 6h holds 5h21m (k = 4: 288 and 18); short-window's 3h
	// cannot hold the case for a 1h `for` (k = 4: 1008 and 63); a regular
	// expression in the query leaves both cases out for regex-query.
	want := []string{
		"interval 1m",
		"ctr-drop: a 15-minute traffic gap records no NaN or Inf",
		"ctr-drop: a drop after a 15-minute traffic gap fires CtrDropAnomaly",
		"ctr-spike: a 15-minute traffic gap records no NaN or Inf",
		"ctr-spike: a drop after a 15-minute traffic gap fires CtrSpikeAnomaly",
		"orders: a 15-minute traffic gap records no NaN or Inf",
		"orders: a drop after a 15-minute traffic gap fires OrdersAnomaly (on the rolling fallback of the seasonal baseline)",
		"short-window: a 15-minute traffic gap records no NaN or Inf",
	}
	if got := names(tests); !slices.Equal(got, want) {
		t.Errorf("unit test cases:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	// Hourly drift: the margin of a 2h history check is 30m; orders'
	// season + window is 1d6h (margin 1h), short-window's 5h (1h).
	wantHistory := []string{
		"interval 30m",
		"fresh database: DriftEvaluationStale waits 2h (twice the schedule) for a first evaluation",
		"a first evaluation within the schedule keeps DriftEvaluationStale silent; when evaluations stop, it fires 2h after the last",
		"orders: the seasonal mean replaces the rolling fallback once 1d6h (season + baseline_window) of history exists",
		"short-window: the seasonal mean replaces the rolling fallback once 5h (season + baseline_window) of history exists",
	}
	if got := names(history); !slices.Equal(got, wantHistory) {
		t.Errorf("history test cases:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(wantHistory, "\n  "))
	}

	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not found on PATH; CI must install it (apt-get install -y prometheus)")
		}
		t.Skip("promtool not found on PATH; install it with `apt-get install -y prometheus` to run the cases")
	}
	out := t.TempDir()
	for path, b := range map[string][]byte{
		"m.rules.yaml": rules, "tests/m.test.yaml": tests, "tests/m.history.test.yaml": history,
	} {
		p := filepath.Join(out, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(promtool, "test", "rules", "m.test.yaml", "m.history.test.yaml")
	cmd.Dir = filepath.Join(out, "tests")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, b)
	}
}
