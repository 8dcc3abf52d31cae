package prometheus_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/vigil-dev/vigil/internal/ruletest"
)

// The rule-cost comparison: vigil's recording rules for one availability
// SLO next to the rules Sloth and Pyrra generate for the same SLO (99.9%
// over 30d, errors model_requests_total{model="m",outcome="error"}, total
// model_requests_total{model="m"}), evaluated on the same synthetic data.
// The other tools' rules are transcribed from their repositories into
// testdata/evalcmp; each file names its source and commit.

// evalDays is the length of the synthetic data: the 30d window is full at
// the end.
const evalDays = 30

// evalEnd is the offset of the evaluation the benchmark times.
const evalEnd = evalDays*day - 5*time.Minute

// availabilitySLO is the spec whose rules the comparison uses.
const availabilitySLO = `package x
models: m: {
	team: "t"
	slos: availability: {objective: 99.9, availability: {}}
}
`

// ruleSet is one generator's rule file for the SLO.
type ruleSet struct {
	name  string
	rules []byte
	// history names the recordings the rules read back over a range (the
	// 5m recordings a 30d window averages); 30 days of them, every 5
	// minutes, are recorded before timing. Rules that read only raw series
	// over ranges need none.
	history []string
	// errorRatio30d is a PromQL expression for the generator's recorded
	// 30-day error ratio.
	errorRatio30d string
}

func ruleSets(t testing.TB) []ruleSet {
	t.Helper()
	return []ruleSet{
		// The 1d, 3d and 30d windows average the 5m rates.
		// The evaluation timestamp tells the budget recording the
		// evaluation interval (5m here, as the history is recorded).
		{"vigil", compileRules(t, availabilitySLO), []string{"vigil:sli_errors:rate5m", "vigil:sli_events:rate5m", "vigil:rules_evaluation:timestamp"},
			`vigil:sli_error_ratio:rate30d{model="m",slo="availability"}`},
		// The 30d window averages the 5m error ratios.
		{"sloth", loadRuleFile(t, "sloth.yaml"), []string{"slo:sli_error:ratio_rate5m"},
			`slo:sli_error:ratio_rate30d{sloth_id="m-availability"}`},
		// model_requests:increase30d reads the raw counters; the generic
		// rules read it at one instant.
		{"pyrra", loadRuleFile(t, "pyrra.yaml"), nil, `1 - pyrra_availability{slo="availability"}`},
	}
}

// loadRuleFile reads a transcribed rule file and fails unless Prometheus
// would load it: rulefmt.Parse parses every expression with the PromQL
// parser; each is parsed again here so that a file whose groups failed to
// load cannot pass with no rules checked.
func loadRuleFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "evalcmp", name))
	if err != nil {
		t.Fatal(err)
	}
	p := parser.NewParser(parser.Options{})
	rgs, errs := rulefmt.Parse(b, false, model.UTF8Validation, p, nil)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", name, errs)
	}
	n := 0
	for _, g := range rgs.Groups {
		for _, r := range g.Rules {
			if _, err := p.ParseExpr(r.Expr); err != nil {
				t.Fatalf("%s: group %s, rule %s%s: %v", name, g.Name, r.Record, r.Alert, err)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatalf("%s: no rules", name)
	}
	return b
}

// evalSeries is the benchmark's data: series request counters of 60
// requests a minute each for evalDays, every tenth of them (i = 9, 19, ...)
// all errors. With 1 series there are no errors; from 10 series on the
// error ratio is exactly 0.1.
func evalSeries(series int) string {
	s := ruletest.NewSeries(time.Minute)
	steps := evalDays * 24 * 60
	for i := 0; i < series; i++ {
		outcome := "success"
		if i%10 == 9 {
			outcome = "error"
		}
		s.Counter(fmt.Sprintf(`model_requests_total{model="m",instance="i%d",outcome=%q}`, i, outcome), ruletest.Segment{Steps: steps, PerStep: 60})
	}
	return s.String()
}

// prepare loads the data and rules, records the history the rules read
// (every 5 minutes for 30 days), then evaluates every group once at
// evalEnd, storing the results: a rule that reads another rule's
// recording at one instant finds it at evalEnd, as it does when the group
// evaluates rules in order. Last it compacts the storage, so that all
// generators' rules read the same settled layout (1-day blocks and a
// head), however the data was appended.
func prepare(t testing.TB, rs ruleSet, series int) *ruletest.Run {
	t.Helper()
	run, err := ruletest.New(evalSeries(series), rs.rules)
	if err != nil {
		t.Fatal(err)
	}
	// With no history to record this still appends the data step by step,
	// so that every generator's rules read the same storage layout.
	if err := run.Record(0, evalEnd-5*time.Minute, 5*time.Minute, rs.history...); err != nil {
		run.Close()
		t.Fatal(err)
	}
	if err := run.EvalFrom(evalEnd, evalEnd, 5*time.Minute, func(time.Duration, ruletest.Firing) bool { return true }); err != nil {
		run.Close()
		t.Fatal(err)
	}
	if err := run.Compact(); err != nil {
		run.Close()
		t.Fatal(err)
	}
	return run
}

// TestRuleSetsAgreeOnThirtyDayErrorRatio checks that the comparison is
// like for like: on the benchmark's data at 10 series, where one request
// in ten fails at constant traffic, vigil's, Sloth's and Pyrra's recorded
// 30-day error ratios all equal 0.1. Their estimators differ (vigil: mean
// error rate / mean request rate of 5m recordings; Sloth: mean of 5m error
// ratios; Pyrra: increase of the raw counters over 30d), and agree only
// because traffic and ratio are constant: under varying traffic Sloth's
// mean of ratios weighs a quiet interval like a busy one. So the tolerance
// is float rounding (1e-9), not an estimation error; a larger difference
// would mean the rule sets read different data or lost samples.
func TestRuleSetsAgreeOnThirtyDayErrorRatio(t *testing.T) {
	const want, tol = 0.1, 1e-9
	for _, rs := range ruleSets(t) {
		t.Run(rs.name, func(t *testing.T) {
			run := prepare(t, rs, 10)
			defer run.Close()
			// The 30d windows that average recordings see 30 days of them.
			for _, h := range rs.history {
				n, err := run.Query(fmt.Sprintf("count_over_time(%s[30d])", h), evalEnd)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range n {
					if v < evalDays*24*12-1 {
						t.Errorf("%s: %s has %g samples over 30d, want a 5m recording for 30 days", rs.name, k, v)
					}
				}
			}
			got, err := run.Query(rs.errorRatio30d, evalEnd)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("%s: %d series %v, want 1", rs.errorRatio30d, len(got), got)
			}
			for k, v := range got {
				t.Logf("%s = %.12g", k, v)
				if math.Abs(v-want) > tol {
					t.Errorf("%s %s = %.12g, want %g ± %g", rs.name, k, v, want, tol)
				}
			}
			if rs.name != "vigil" {
				return
			}
			// With the window (nearly) full of history the budget consumed
			// is the window's error ratio over the budget: the history
			// starts at 0 and the evaluation is at 30d-5m, so the window
			// lacks one 5m sample of 8640 and the projection scales by
			// 8639/8640; allow that one sample.
			consumed, err := run.Query(`vigil:slo_budget_consumed:ratio{model="m",slo="availability"}`, evalEnd)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range consumed {
				t.Logf("%s = %.12g", k, v)
				if full := want / budget; v > full*(1+tol) || v < full*(1-1.0/8640)-tol {
					t.Errorf("%s = %.12g, want %g", k, v, want/budget)
				}
			}
			if len(consumed) != 1 {
				t.Errorf("budget consumed: %d series, want 1", len(consumed))
			}
		})
	}
}
