package prometheus_test

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// promtoolSliceSpec has latency time-slice SLOs of 1-minute and 5-minute
// slices, one that only opens tickets, and a ratio time-slice SLO, whose
// queries cannot be synthesised (no case).
const promtoolSliceSpec = `package x
models: m: {
	team: "t"
	metrics: {
		selector: job: "api"
		latency: {metric: "http_request_duration_seconds", buckets: [0.1, 0.3, 1]}
	}
	slos: {
		p95: {
			objective: 99.5
			latency: threshold: "300ms"
			slices: {length: "1m", percentile: 95}
		}
		p99: {
			objective: 99
			latency: threshold: "1s"
			slices: {length: "5m", percentile: 99}
		}
		quiet: {
			objective: 99
			latency: threshold: "100ms"
			slices: {length: "1m", percentile: 90}
			alerting: page: enabled: false
		}
		errs: {
			objective: 99
			ratio: {
				errors: #"sum(rate(http_requests_total{job="api",code=~"5.."}[$window]))"#
				total:  #"sum(rate(http_requests_total{job="api"}[$window]))"#
			}
			slices: {length: "5m", max_error_percent: 1}
		}
	}
}
`

// TestGeneratedSliceCasesPassInPromtool checks the time-slice cases the
// generator writes against hand arithmetic, then runs them with the real
// promtool. The histogram is scraped every half slice; the first
// evaluation (a minute apart) whose slice holds two samples is t1 = 1m
// for 1-minute slices (samples at 0 and 30s) and 3m for 5-minute slices
// (samples at 0 and 2m30s); from t1 + W on, W the first pair's long
// window (1h for the page), every slice in W is bad and the alert's $value
// is 100%. The ticket-only SLO's first pair (3x over 1d and 2h) is checked
// at t1 + 9m = 10m, when both windows hold the 11 evaluations so far, 10
// of them bad: 10/11 = 90.91% > 3 x 1%.
func TestGeneratedSliceCasesPassInPromtool(t *testing.T) {
	t.Parallel()
	_, _, rules, tests := generatedTests(t, promtoolSliceSpec)
	var f struct {
		Tests []struct {
			Name       string `yaml:"name"`
			Interval   string `yaml:"interval"`
			AlertTests []struct {
				EvalTime  string `yaml:"eval_time"`
				Alertname string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(tests, &f); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range f.Tests {
		for _, a := range c.AlertTests {
			got = append(got, strings.Join([]string{c.Name, c.Interval, a.EvalTime, a.Alertname, map[bool]string{true: "fires", false: "silent"}[len(a.ExpAlerts) > 0]}, " | "))
		}
	}
	want := []string{
		"p95: every 1m slice slow fires P95FastBurn | 30s | 1h1m | P95FastBurn | fires",
		"p95: every slice fast fires nothing | 30s | 1h1m | P95FastBurn | silent",
		"p99: every 5m slice slow fires P99FastBurn | 2m30s | 1h3m | P99FastBurn | fires",
		"p99: every slice fast fires nothing | 2m30s | 1h3m | P99FastBurn | silent",
		"quiet: every 1m slice slow fires QuietSlowBurn | 30s | 10m | QuietSlowBurn | fires",
		"quiet: every slice fast fires nothing | 30s | 10m | QuietSlowBurn | silent",
	}
	var sliceCases []string
	for _, g := range got {
		if !strings.HasPrefix(g, "absent series") {
			sliceCases = append(sliceCases, g)
		}
	}
	if !strings.Contains(string(tests), "The quiet error ratio is 90.91% over the long window") {
		t.Errorf("the ticket-only case should expect $value 90.91%%:\n%s", tests)
	}
	if !slices.Equal(sliceCases, want) {
		t.Errorf("cases:\n  %s\nwant\n  %s", strings.Join(sliceCases, "\n  "), strings.Join(want, "\n  "))
	}
	runPromtool(t, rules, map[string][]byte{"m.test.yaml": tests})
}
