package prometheus_test

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// promtoolEdgeSpec has the branches the shipped examples lack: an SLO without
// the low-traffic guard (min_bad_events 0) and with a budget tier low
// enough for a 1-minute outage to reach it, and a request SLO that only
// opens tickets, with a guard of a single failure.
const promtoolEdgeSpec = `package x
models: m: {
	team: "t"
	slos: {
		avail: {
			objective: 99.9
			availability: {}
			alerting: {
				budget_tiers: [{consumed: 1, severity: "warning"}, {consumed: 50, severity: "critical"}]
				min_bad_events: 0
			}
		}
		lat: {
			objective: 99
			latency: threshold: "250ms"
			alerting: {page: enabled: false, min_bad_events: 1}
		}
	}
}
`

// TestGeneratedEdgeCasesPassInPromtool checks which edge cases the
// generator writes for promtoolEdgeSpec, and when they expect the alerts to
// fire, against the workbook's arithmetic; then runs them with the real
// promtool against the generated rules. (internal/endtoend's TestPromtool
// runs the cases of every shipped example.)
func TestGeneratedEdgeCasesPassInPromtool(t *testing.T) {
	t.Parallel()
	_, _, rules, tests := generatedTests(t, promtoolEdgeSpec)
	var f struct {
		Tests []struct {
			Name        string `yaml:"name"`
			PromQLTests []struct {
				Expr     string `yaml:"expr"`
				EvalTime string `yaml:"eval_time"`
			} `yaml:"promql_expr_test"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(tests, &f); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range f.Tests {
		names = append(names, c.Name)
	}
	// A total outage at r requests per second fires once min_bad_events
	// requests have failed, at the first evaluation (every minute) after:
	// with no guard at the first evaluation that sees a failure.
	within := func(perSecond float64, minBad int) string {
		return fmt.Sprintf("%dm", max(1, int(math.Ceil(float64(minBad)/(perSecond*60)))))
	}
	want := []string{
		"avail: a total outage fires AvailFastBurn",
		"avail: healthy traffic fires nothing",
		"avail: cold start, 1-minute outage 1h after deployment",
		"avail: a total outage at 0.5 requests/s fires AvailFastBurn within " + within(0.5, 0),
		"avail: a total outage at 0.01 requests/s fires AvailFastBurn within " + within(0.01, 0),
		// No single-failure case without a guard of at least 2.
		"avail: a 15-minute traffic gap fires nothing and records no error ratio; an outage 10m after it fires AvailFastBurn",
		"lat: a total outage fires LatSlowBurn",
		"lat: healthy traffic fires nothing",
		"lat: cold start, 1-minute outage 1h after deployment",
		"lat: a total outage at 0.5 requests/s fires LatSlowBurn within " + within(0.5, 1) + " (min_bad_events 1)",
		"lat: a total outage at 0.01 requests/s fires LatSlowBurn within " + within(0.01, 1) + " (min_bad_events 1)",
		"lat: a 15-minute traffic gap fires nothing and records no error ratio; an outage 10m after it fires LatSlowBurn",
		"absent series fire their absent-data alerts",
	}
	if !slices.Equal(names, want) {
		t.Errorf("cases:\n  %s\nwant\n  %s", strings.Join(names, "\n  "), strings.Join(want, "\n  "))
	}

	// The cold-start cases compare the budget consumed with the
	// workbook's: 60 seconds of full outage over the budget's seconds of
	// a 30-day window.
	consumed := regexp.MustCompile(`^abs\(vigil:slo_budget_consumed:ratio\{model="m",slo="(\w+)"\} / ([0-9.e-]+) - 1\) < bool 0\.1$`)
	budgets := map[string]float64{"avail": 0.001, "lat": 0.01}
	seen := 0
	for _, c := range f.Tests {
		for _, p := range c.PromQLTests {
			sm := consumed.FindStringSubmatch(p.Expr)
			if sm == nil {
				continue
			}
			seen++
			got, err := strconv.ParseFloat(sm[2], 64)
			if err != nil {
				t.Fatal(err)
			}
			if w := 60 / (budgets[sm[1]] * 30 * 86400); math.Abs(got/w-1) > 1e-9 {
				t.Errorf("%s: expected consumption %g, want %g", sm[1], got, w)
			}
		}
	}
	if seen != 2 {
		t.Errorf("%d budget-consumption checks, want 2 (one per cold-start case)", seen)
	}

	runPromtool(t, rules, map[string][]byte{"m.test.yaml": tests})
}
