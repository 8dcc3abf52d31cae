package prometheus_test

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

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
	spec, m, rules, tests := generatedTests(t, mlUnitTestSpec)
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

	runPromtool(t, rules, map[string][]byte{"m.test.yaml": tests, "m.history.test.yaml": history})
}
