package prometheus_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/ruletest"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// These tests run the generated rules in the real Prometheus rule engine
// over synthetic series and check when alerts fire. Expected times come
// from the SRE workbook's formulas, computed here, not from the code
// under test:
//
//	time to detect = factor * budget * long window / error ratio
//	budget consumed after t of steady burn = error ratio * t / (budget * SLO window)

const (
	day    = 24 * time.Hour
	budget = 0.001 // objective 99.9
)

// compileRules compiles a CUE spec and returns the rule file of its only
// model.
func compileRules(t testing.TB, src string) []byte {
	t.Helper()
	spec := loadSpec(t, src)
	b, err := prometheus.Render(prometheus.Groups(spec, spec.Models[0]))
	if err != nil {
		t.Fatal(err)
	}
	if err := prometheus.Validate(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// firstFiring evaluates until `until` and returns, per alert name, the
// first offset at which it was firing.
func firstFiring(t *testing.T, series string, rules []byte, until, step time.Duration) map[string]time.Duration {
	t.Helper()
	run, err := ruletest.New(series, rules)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	first := map[string]time.Duration{}
	err = run.Eval(until, step, func(at time.Duration, firing ruletest.Firing) bool {
		for name := range firing {
			if _, ok := first[name]; !ok {
				first[name] = at
			}
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return first
}

const availabilitySpec = `package x
models: m: {
	team: "t"
	slos: availability: {objective: 99.9, availability: {}%s}
}
`

// requests returns success and error counters at 1m resolution: `rps`
// requests per second, with error ratio ratios[i] during steps[i] minutes.
func requests(s *ruletest.Series, rps float64, phases ...phase) *ruletest.Series {
	var ok, bad []ruletest.Segment
	for _, p := range phases {
		perMin := rps * 60
		ok = append(ok, ruletest.Segment{Steps: int(p.d / time.Minute), PerStep: perMin * (1 - p.ratio)})
		bad = append(bad, ruletest.Segment{Steps: int(p.d / time.Minute), PerStep: perMin * p.ratio})
	}
	return s.Counter(`model_requests_total{model="m",outcome="success"}`, ok...).
		Counter(`model_requests_total{model="m",outcome="error"}`, bad...)
}

type phase struct {
	d     time.Duration
	ratio float64
}

func TestOutagePagesWithinTwoMinutes(t *testing.T) {
	rules := compileRules(t, fmt.Sprintf(availabilitySpec, ""))
	start := 2 * time.Hour
	series := requests(ruletest.NewSeries(time.Minute), 10, phase{start, 0}, phase{time.Hour, 1}).String()
	first := firstFiring(t, series, rules, 3*time.Hour, time.Minute)

	// Workbook: a 100% outage crosses the 14.4x threshold over 1h after
	// 14.4 * 0.001 * 1h = 52s; add one scrape for the first error sample
	// and one evaluation step.
	detect := time.Duration(14.4 * budget * float64(time.Hour))
	limit := start + detect + 2*time.Minute
	got, ok := first["AvailabilityFastBurn"]
	if !ok {
		t.Fatalf("page alert never fired; fired: %v", first)
	}
	if got <= start || got > limit || got-start > 2*time.Minute+detect {
		t.Fatalf("page fired at %s, want after the outage at %s and by %s", got, start, limit)
	}
	if got-start > 2*time.Minute {
		t.Fatalf("page fired %s after the outage began, want within 2 minutes", got-start)
	}
}

func TestTwoXBurnTicketsButDoesNotPage(t *testing.T) {
	rules := compileRules(t, fmt.Sprintf(availabilitySpec, ""))
	history := 3 * day
	series := requests(ruletest.NewSeries(time.Minute), 10, phase{history, 0}, phase{2 * day, 2 * budget}).String()
	first := firstFiring(t, series, rules, history+2*day, 5*time.Minute)

	if at, ok := first["AvailabilityFastBurn"]; ok {
		t.Errorf("a 2x burn paged at %s; the page thresholds are 14.4x and 6x", at)
	}
	// Ticket: the 3x/1d pair never fires at 2x; the 1x/3d pair fires when
	// the 3d window, which starts clean, averages above the budget:
	// x * 2*budget / 3d > budget  =>  x > 1.5d (the workbook's detection
	// time 1 * budget * 3d / (2*budget)).
	want := history + time.Duration(1*budget*float64(3*day)/(2*budget))
	got, ok := first["AvailabilitySlowBurn"]
	if !ok {
		t.Fatalf("a 2x burn never opened a ticket; fired: %v", first)
	}
	if d := got - want; d < -30*time.Minute || d > 30*time.Minute {
		t.Fatalf("ticket fired at %s, want %s ± 30m", got, want)
	}
}

func TestHalfXBurnIsQuietForThreeDays(t *testing.T) {
	rules := compileRules(t, fmt.Sprintf(availabilitySpec, ""))
	series := requests(ruletest.NewSeries(time.Minute), 10, phase{3 * day, 0.5 * budget}).String()
	first := firstFiring(t, series, rules, 3*day, 5*time.Minute)
	if len(first) > 0 {
		t.Fatalf("a 0.5x burn fired %v", first)
	}
}

func TestBudgetTiersFireOnSchedule(t *testing.T) {
	rules := compileRules(t, fmt.Sprintf(availabilitySpec, `
		window: "7d"
		alerting: budget_tiers: [{consumed: 50, severity: "warning"}, {consumed: 80, severity: "critical"}]`))
	history, window := 7*day, 7*day
	ratio := 2 * budget
	series := requests(ruletest.NewSeries(time.Minute), 10, phase{history, 0}, phase{3 * day, ratio}).String()
	first := firstFiring(t, series, rules, history+3*day, 5*time.Minute)

	for _, tier := range []struct {
		alert    string
		consumed float64
	}{{"AvailabilityBudget50PercentConsumed", 0.5}, {"AvailabilityBudget80PercentConsumed", 0.8}} {
		// consumed(x) = ratio * x / (budget * window)
		want := history + time.Duration(tier.consumed*budget*float64(window)/ratio) + 5*time.Minute // + for: 5m
		got, ok := first[tier.alert]
		if !ok {
			t.Errorf("%s never fired; fired: %v", tier.alert, first)
			continue
		}
		if d := got - want; d < -30*time.Minute || d > 30*time.Minute {
			t.Errorf("%s fired at %s, want %s ± 30m", tier.alert, got, want)
		}
	}
	if first["AvailabilityBudget50PercentConsumed"] >= first["AvailabilityBudget80PercentConsumed"] {
		t.Errorf("the 50%% tier must fire before the 80%% tier: %v", first)
	}
}

func TestLowTrafficGuardSuppressesASingleFailure(t *testing.T) {
	// 10 requests an hour; one of them fails. Its error ratio over 1h
	// (10%) and 5m (100%) breach the 14.4x page threshold (1.44%).
	rps := 10.0 / 3600
	s := ruletest.NewSeries(time.Minute)
	perMin := rps * 60
	series := s.Counter(`model_requests_total{model="m",outcome="success"}`, ruletest.Segment{Steps: 240, PerStep: perMin}).
		Counter(`model_requests_total{model="m",outcome="error"}`,
			ruletest.Segment{Steps: 120}, ruletest.Segment{Steps: 1, PerStep: 1}, ruletest.Segment{Steps: 119}).String()

	// Control: without the guard the single failure pages, so the test
	// below can fail for the right reason.
	first := firstFiring(t, series, compileRules(t, fmt.Sprintf(availabilitySpec, `
		alerting: min_bad_events: 0`)), 4*time.Hour, time.Minute)
	if _, ok := first["AvailabilityFastBurn"]; !ok {
		t.Fatalf("control: without a guard the failure should page; fired %v", first)
	}
	// The default guard (3 bad events in the long window) holds.
	first = firstFiring(t, series, compileRules(t, fmt.Sprintf(availabilitySpec, "")), 4*time.Hour, time.Minute)
	for _, a := range []string{"AvailabilityFastBurn", "AvailabilitySlowBurn"} {
		if at, ok := first[a]; ok {
			t.Errorf("%s fired at %s for one failed request", a, at)
		}
	}
}

func TestLowTrafficGuardPagesATotalOutageAtAnyRate(t *testing.T) {
	rules := compileRules(t, fmt.Sprintf(availabilitySpec, ""))
	for _, rps := range []float64{0.5, 0.01} {
		series := requests(ruletest.NewSeries(time.Minute), rps, phase{2 * time.Hour, 0}, phase{time.Hour, 1}).String()
		first := firstFiring(t, series, rules, 3*time.Hour, time.Minute)
		at, ok := first["AvailabilityFastBurn"]
		// Three failures take 3/rps seconds; rate() needs two samples of
		// the error counter (one scrape), and the rule one evaluation.
		want := 2*time.Hour + time.Duration(3/rps*float64(time.Second))
		if !ok || at > want+3*time.Minute {
			t.Errorf("total outage at %g requests/s: paged at %v (fired %v), want by %s", rps, at-2*time.Hour, ok, want+3*time.Minute-2*time.Hour)
		}
	}
}

const driftSpec = `package x
models: m: {
	team: "t"
	drift: {
		reference: path: "ref.parquet"
		current: {path: "cur/*.parquet", time_column: "ts"}
		schedule: "daily"
		consecutive: 3
	}
	features: f: {type: "numeric", test: method: "psi"}
}
`

// driftSeries lays out daily evaluations: verdicts[i] is the detected flag
// of the run at day i, held until the next run, at 5m resolution.
func driftSeries(verdicts ...float64) string {
	s := ruletest.NewSeries(5 * time.Minute)
	perDay := int(day / (5 * time.Minute))
	var det, ts []ruletest.Segment
	for i, v := range verdicts {
		det = append(det, ruletest.Segment{Steps: perDay, Value: v})
		ts = append(ts, ruletest.Segment{Steps: perDay, Value: float64(i) * day.Seconds()})
	}
	return s.Gauge(`vigil_drift_detected{model="m",feature="f",test="psi"}`, det...).
		Gauge(`vigil_drift_last_run_timestamp_seconds{model="m"}`, ts...).String()
}

func TestDriftFiresOnThirdConsecutiveBreach(t *testing.T) {
	rules := compileRules(t, driftSpec)
	// Runs at day 0..4; breaches from day 1: the 3rd consecutive breach is
	// the run at day 3.
	first := firstFiring(t, driftSeries(0, 1, 1, 1, 1), rules, 5*day-5*time.Minute, 5*time.Minute)
	got, ok := first["FDrift"]
	if !ok {
		t.Fatalf("drift alert never fired; fired: %v", first)
	}
	if got < 3*day {
		t.Fatalf("drift alert fired at %s, before the 3rd consecutive breach at %s", got, 3*day)
	}
	if got > 3*day+5*time.Minute {
		t.Fatalf("drift alert fired at %s, want at the 3rd breach (%s) within one evaluation", got, 3*day)
	}
}

func TestDriftNeedsConsecutiveBreaches(t *testing.T) {
	rules := compileRules(t, driftSpec)
	first := firstFiring(t, driftSeries(1, 1, 0, 1, 1, 0), rules, 6*day-5*time.Minute, 5*time.Minute)
	if at, ok := first["FDrift"]; ok {
		t.Fatalf("drift alert fired at %s, but no three breaches were consecutive", at)
	}
}

func TestDriftStaleWhenEvaluatorStops(t *testing.T) {
	rules := compileRules(t, driftSpec)
	// Two runs, then the evaluator stops: the timestamp keeps its value
	// (the Pushgateway keeps serving it).
	s := ruletest.NewSeries(5*time.Minute).
		Gauge(`vigil_drift_detected{model="m",feature="f",test="psi"}`, ruletest.Segment{Steps: 4 * 288, Value: 1}).
		Gauge(`vigil_drift_last_run_timestamp_seconds{model="m"}`, ruletest.Segment{Steps: 288, Value: 0}, ruletest.Segment{Steps: 3 * 288, Value: day.Seconds()})
	first := firstFiring(t, s.String(), rules, 4*day-5*time.Minute, 5*time.Minute)
	// Last run at day 1; stale after twice the daily schedule.
	got, ok := first["DriftEvaluationStale"]
	if !ok || got < 3*day || got > 3*day+10*time.Minute {
		t.Fatalf("stale alert fired at %v (fired: %v), want at %s", got, ok, 3*day)
	}
}

const shareSpec = `package x
models: m: {
	team: "t"
	alerts: shares: "low-confidence": {below: 0.8, max_percent: 5, window: "1h"}
}
`

func confidenceSeries(lowPercent float64) string {
	n := int(2 * time.Hour / time.Minute)
	return ruletest.NewSeries(time.Minute).
		Counter(`model_prediction_confidence_bucket{model="m",le="0.8"}`, ruletest.Segment{Steps: n, PerStep: lowPercent}).
		Counter(`model_prediction_confidence_count{model="m"}`, ruletest.Segment{Steps: n, PerStep: 100}).String()
}

func TestConfidenceShareAlert(t *testing.T) {
	rules := compileRules(t, shareSpec)
	first := firstFiring(t, confidenceSeries(6), rules, 2*time.Hour, time.Minute)
	got, ok := first["LowConfidenceShareHigh"]
	if !ok {
		t.Fatalf("6%% low-confidence predictions did not fire; fired: %v", first)
	}
	// The 1h share is 6% as soon as two samples exist; for: 5m.
	if got > 10*time.Minute {
		t.Fatalf("fired at %s, want within the 5m `for` plus a few evaluations", got)
	}
	first = firstFiring(t, confidenceSeries(4), rules, 2*time.Hour, time.Minute)
	if at, ok := first["LowConfidenceShareHigh"]; ok {
		t.Fatalf("4%% low-confidence predictions fired at %s", at)
	}
}

func TestAbsentMetricFires(t *testing.T) {
	rules := compileRules(t, fmt.Sprintf(availabilitySpec, ""))
	series := ruletest.NewSeries(time.Minute).Counter(`unrelated_total{job="x"}`, ruletest.Segment{Steps: 60, PerStep: 1}).String()
	first := firstFiring(t, series, rules, time.Hour, time.Minute)
	got, ok := first["ModelRequestsTotalAbsent"]
	if !ok {
		t.Fatalf("absent alert did not fire; fired: %v", first)
	}
	if got < 15*time.Minute || got > 17*time.Minute {
		t.Fatalf("absent alert fired at %s, want after its 15m `for`", got)
	}
	// With the metric present, it stays quiet.
	first = firstFiring(t, requests(ruletest.NewSeries(time.Minute), 10, phase{time.Hour, 0}).String(), rules, time.Hour, time.Minute)
	if at, ok := first["ModelRequestsTotalAbsent"]; ok {
		t.Fatalf("absent alert fired at %s with the metric present", at)
	}
}

// TestLongWindowIsTrafficWeighted checks the derived 1d error ratio
// against the exact traffic-weighted value when traffic varies: 12h at 100
// rps with 1% errors, then 12h at 1 rps with 50% errors. An unweighted
// average of the two halves would say ~25.5%; the truth is
// (0.01*100 + 0.5*1) / (100 + 1) = 1.49%.
func TestLongWindowIsTrafficWeighted(t *testing.T) {
	rules := compileRules(t, fmt.Sprintf(availabilitySpec, ""))
	half := 12 * time.Hour
	s := ruletest.NewSeries(time.Minute).
		Counter(`model_requests_total{model="m",outcome="success"}`,
			ruletest.Segment{Steps: int(half / time.Minute), PerStep: 100 * 60 * 0.99},
			ruletest.Segment{Steps: int(half / time.Minute), PerStep: 1 * 60 * 0.5}).
		Counter(`model_requests_total{model="m",outcome="error"}`,
			ruletest.Segment{Steps: int(half / time.Minute), PerStep: 100 * 60 * 0.01},
			ruletest.Segment{Steps: int(half / time.Minute), PerStep: 1 * 60 * 0.5})
	run, err := ruletest.New(s.String(), rules)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	end := 2 * half
	if err := run.Eval(end, 5*time.Minute, func(time.Duration, ruletest.Firing) bool { return true }); err != nil {
		t.Fatal(err)
	}
	got, err := run.Query(`vigil:sli_error_ratio:rate1d{model="m",slo="availability"}`, end)
	if err != nil || len(got) != 1 {
		t.Fatalf("query: %v %v", got, err)
	}
	want := (0.01*100 + 0.5*1) / (100 + 1)
	for _, v := range got {
		if math.Abs(v-want)/want > 0.02 {
			t.Fatalf("1d error ratio %.5f, want traffic-weighted %.5f (±2%%)", v, want)
		}
	}
}

// TestSelectorValuesAreEscaped puts quotes, a backslash and a brace in a
// selector value: the generated PromQL must select exactly the series with
// that label value (no injected matcher, no parse error).
func TestSelectorValuesAreEscaped(t *testing.T) {
	rules := compileRules(t, `package x
models: m: {
	team: "t"
	metrics: selector: service: #"we"ird\"} or vector(1) #"#
	slos: availability: {objective: 99.9, availability: {}}
}
`)
	value := `we"ird\"} or vector(1) #`
	odd := func(outcome string) string {
		return fmt.Sprintf(`model_requests_total{service=%q,outcome=%q}`, value, outcome)
	}
	n := 120
	// The odd service is healthy and another service fails: a mangled or
	// dropped matcher would pick up the failures and page.
	series := ruletest.NewSeries(time.Minute).
		Counter(odd("success"), ruletest.Segment{Steps: n, PerStep: 600}).
		Counter(`model_requests_total{service="other",outcome="error"}`, ruletest.Segment{Steps: n, PerStep: 600}).String()
	if first := firstFiring(t, series, rules, 2*time.Hour, time.Minute); len(first) > 0 {
		t.Fatalf("the healthy odd-named service fired %v: its matcher selects other series", first)
	}
	// And its own failures are seen.
	series = ruletest.NewSeries(time.Minute).
		Counter(odd("error"), ruletest.Segment{Steps: n, PerStep: 600}).String()
	if first := firstFiring(t, series, rules, 2*time.Hour, time.Minute); first["AvailabilityFastBurn"] == 0 {
		if _, ok := first["AvailabilityFastBurn"]; !ok {
			t.Fatalf("the failing odd-named service was not selected; fired: %v", first)
		}
	}
}

func TestFreshnessSLOBurnsWhileDataIsStale(t *testing.T) {
	rules := compileRules(t, `package x
models: m: {
	team: "t"
	pipeline: {last_success: "max(pipeline_last_success_timestamp_seconds{pipeline=\"p\"})", max_age: "1h"}
	slos: fresh: {objective: 99, freshness: {}}
}
`)
	// The pipeline succeeds every 10 minutes for 4h, then stops: from
	// 5h the data is older than max_age (1h) and every evaluation is bad.
	var segs []ruletest.Segment
	for i := 0; i < 24; i++ {
		segs = append(segs, ruletest.Segment{Steps: 10, Value: float64(i * 600)})
	}
	segs = append(segs, ruletest.Segment{Steps: 180, Value: float64(23 * 600)})
	series := ruletest.NewSeries(time.Minute).Gauge(`pipeline_last_success_timestamp_seconds{pipeline="p"}`, segs...).String()
	first := firstFiring(t, series, rules, 7*time.Hour, time.Minute)
	staleFrom := time.Duration(23*600)*time.Second + time.Hour // last success + max_age
	got, ok := first["FreshFastBurn"]
	if !ok {
		t.Fatalf("stale data did not page; fired: %v", first)
	}
	// Workbook: the 1h window's bad share passes 14.4 * 1% = 14.4% after
	// 14.4% of an hour.
	threshold := 14.4 * 0.01
	want := staleFrom + time.Duration(threshold*float64(time.Hour))
	if d := got - want; d < -5*time.Minute || d > 5*time.Minute {
		t.Fatalf("freshness page at %s, want %s ± 5m", got, want)
	}
}

func TestRatioSLOUsesTheGivenQueries(t *testing.T) {
	rules := compileRules(t, `package x
models: m: {
	team: "t"
	slos: limited: {
		objective: 99
		ratio: {
			errors: "sum(rate(gateway_rejected_total{reason=\"rate_limit\"}[$window]))"
			total:  "sum(rate(gateway_requests_total[$window]))"
		}
	}
}
`)
	n := int(3 * time.Hour / time.Minute)
	series := ruletest.NewSeries(time.Minute).
		Counter(`gateway_requests_total{route="a"}`, ruletest.Segment{Steps: n, PerStep: 1000}).
		Counter(`gateway_rejected_total{reason="rate_limit"}`, ruletest.Segment{Steps: n / 2, PerStep: 0}, ruletest.Segment{Steps: n - n/2, PerStep: 200}).
		Counter(`gateway_rejected_total{reason="bad_request"}`, ruletest.Segment{Steps: n, PerStep: 500}).String()
	first := firstFiring(t, series, rules, 3*time.Hour, time.Minute)
	got, ok := first["LimitedFastBurn"]
	if !ok {
		t.Fatalf("20%% rate-limited requests did not page; fired: %v", first)
	}
	// 20% rejections. The 14.4x pair (threshold 14.4%) passes over 1h
	// after 0.144/0.2 of an hour. The 6x pair (6%) looks at 6h, but only
	// start+x of data exists, so its ratio is 0.2x/(start+x), which passes
	// 6% at x = 0.06*start/(0.2-0.06). The page fires at the earlier one.
	// Bad requests (another reason) must not count, or it would have paged
	// from the start.
	start := time.Duration(n/2) * time.Minute
	rejected := 0.2
	fast := time.Duration(14.4 * 0.01 / rejected * float64(time.Hour))
	slow := time.Duration(6 * 0.01 * float64(start) / (rejected - 6*0.01))
	want := start + min(fast, slow)
	if d := got - want; d < -3*time.Minute || d > 3*time.Minute {
		t.Fatalf("ratio page at %s, want %s ± 3m", got, want)
	}
}

func TestAnomalyOnKPIDrop(t *testing.T) {
	rules := compileRules(t, `package x
models: m: {
	team: "t"
	kpis: ctr: query: "sum(rate(clicks_total[5m])) / sum(rate(impressions_total[5m]))"
	alerts: anomalies: "ctr-drop": {kpi: "ctr", baseline_window: "6h", direction: "down", z_threshold: 3, for: "10m"}
}
`)
	// CTR alternates between 9% and 11% every 10 minutes for 8h (mean
	// 10%, standard deviation 1%), then falls to 5%: z = -5 against the 6h
	// baseline. A rise to 15% must not fire a "down" alert.
	mk := func(after float64) string {
		var clicks []ruletest.Segment
		for i := 0; i < 48; i++ {
			v := 90.0
			if i%2 == 1 {
				v = 110
			}
			clicks = append(clicks, ruletest.Segment{Steps: 10, PerStep: v})
		}
		clicks = append(clicks, ruletest.Segment{Steps: 120, PerStep: after * 1000})
		return ruletest.NewSeries(time.Minute).
			Counter(`clicks_total`, clicks...).
			Counter(`impressions_total`, ruletest.Segment{Steps: 600, PerStep: 1000}).String()
	}
	first := firstFiring(t, mk(0.05), rules, 10*time.Hour, time.Minute)
	got, ok := first["CtrDropAnomaly"]
	if !ok {
		t.Fatalf("a CTR drop from 10%% to 5%% did not fire; fired: %v", first)
	}
	drop := 8 * time.Hour
	if got < drop || got > drop+30*time.Minute {
		t.Fatalf("anomaly fired at %s, want shortly after the drop at %s", got, drop)
	}
	if first := firstFiring(t, mk(0.15), rules, 10*time.Hour, time.Minute); len(first) > 0 {
		t.Fatalf("a CTR rise fired a down-only anomaly alert: %v", first)
	}
}

func TestDriftAlertStaysFiringBetweenRuns(t *testing.T) {
	rules := compileRules(t, driftSpec)
	// Breaches from day 1 on: the alert fires at the day-3 run and must
	// stay firing through the day-4 and day-5 runs, not resolve in the
	// hour before each run and fire again after it. The drift stops at
	// day 6; the alert resolves at that clean run.
	run, err := ruletest.New(driftSeries(0, 1, 1, 1, 1, 1, 0, 0), rules)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	var firing, gaps []time.Duration
	err = run.Eval(8*day-5*time.Minute, 5*time.Minute, func(at time.Duration, f ruletest.Firing) bool {
		on := len(f["FDrift"]) > 0
		if on {
			firing = append(firing, at)
		} else if at > 3*day && at < 6*day {
			gaps = append(gaps, at)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(firing) == 0 {
		t.Fatal("drift alert never fired")
	}
	if len(gaps) > 0 {
		t.Fatalf("drift alert stopped firing at %s (%d evaluations) while every run breached", gaps[0], len(gaps))
	}
	last := firing[len(firing)-1]
	if last < 6*day-15*time.Minute || last >= 6*day+15*time.Minute {
		t.Fatalf("drift alert last fired at %s; want it to resolve at the clean day-6 run", last)
	}
}

// TestSpecTextReachesAlertsLiterally writes template syntax, quotes,
// backquotes and newlines into every spec text that reaches an alert's
// labels and annotations, fires the absent-data alert in the rule
// engine, and checks that the alert carries each text as written:
// Prometheus expands labels and annotations as templates, and vigil must
// not let spec text run as one.
func TestSpecTextReachesAlertsLiterally(t *testing.T) {
	const (
		display  = "Fraud {{ .Labels.team }} `q` \"d\" 'a' }} {}} {{{ $value {{- x -}} {{/* c */}} {{ \"{{\" }}\nsecond line"
		label    = "a {{ $labels }} b }} {}} $value `x` \"y\""
		severity = "P2 {{ $value }}"
		runbooks = "https://x.example/{{.Labels}}/{}}"
		grafana  = "https://g.example/{{x}}`'\"$value"
		job      = "{{ x }} \"q\" }}"
	)
	spec := map[string]any{
		"links":   map[string]any{"runbooks": runbooks, "grafana": grafana},
		"routing": map[string]any{"severity_names": map[string]any{"warning": severity}},
		"models": map[string]any{"m": map[string]any{
			"team":         "t",
			"display_name": display,
			"labels":       map[string]any{"bu": label},
			"metrics":      map[string]any{"selector": map[string]any{"job": job}},
			"slos":         map[string]any{"up": map[string]any{"objective": 99.9, "availability": map[string]any{}}},
		}},
	}
	src, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "spec.json"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	s, diags, err := compiler.Load(compiler.Source{Args: []string{"spec.json"}, Dir: dir})
	if err != nil || len(diags) > 0 {
		t.Fatalf("spec does not compile: %v %v", err, diags)
	}
	rules, err := prometheus.Render(prometheus.Groups(s, s.Models[0]))
	if err != nil {
		t.Fatal(err)
	}
	if err := prometheus.Validate(rules); err != nil {
		t.Fatal(err)
	}
	series := ruletest.NewSeries(time.Minute).Counter(`unrelated_total{job="x"}`, ruletest.Segment{Steps: 30, PerStep: 1}).String()
	run, err := ruletest.New(series, rules)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	if err := run.Eval(20*time.Minute, time.Minute, func(time.Duration, ruletest.Firing) bool { return true }); err != nil {
		t.Fatal(err)
	}
	alerts := run.FiringAlerts()
	if len(alerts) != 1 || alerts[0].Labels.Get("alertname") != "ModelRequestsTotalAbsent" {
		t.Fatalf("want the absent-data alert alone firing, got %v", alerts)
	}
	a := alerts[0]
	selector := `model_requests_total{job=` + strconv.Quote(job) + `}`
	for _, c := range []struct{ what, got, want string }{
		{"label bu", a.Labels.Get("bu"), label},
		{"label severity", a.Labels.Get("severity"), severity},
		{"label job (from absent())", a.Labels.Get("job"), job},
		{"summary", a.Annotations.Get("summary"), display + " has reported no model_requests_total series for 15m."},
		{"description", a.Annotations.Get("description"), "No series match " + selector + ". Alerts that read it cannot fire: check the scrape target, the exporter and the metric name."},
		{"runbook_url", a.Annotations.Get("runbook_url"), runbooks + "/m/ModelRequestsTotalAbsent.md"},
		{"dashboard_url", a.Annotations.Get("dashboard_url"), grafana + "/d/vigil-m"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
}

// TestShortSLOWindowBudgetAfterAColdStart checks that an SLO window
// shorter than a day, a rate over the raw counters, is projected like a
// month's: one minute of full outage an hour after a service starts is
// that minute's share of a 12h budget (60 s of 1% of 12h: 13.9%), not the
// hour's error ratio over the budget (133%), and no budget tier fires.
// Once the window is full the consumption is the window's error ratio
// over the budget.
func TestShortSLOWindowBudgetAfterAColdStart(t *testing.T) {
	const objectiveBudget = 0.01 // objective 99
	rules := compileRules(t, `package x
models: m: {
	team: "t"
	slos: availability: {
		objective: 99
		window: "12h"
		availability: {}
		alerting: {
			page: windows: [{long: "1h", short: "5m", factor: 14.4}]
			ticket: enabled: false
			budget_tiers: [{consumed: 50, severity: "warning"}, {consumed: 80, severity: "critical"}]
		}
	}
}
`)
	start := time.Hour
	series := requests(ruletest.NewSeries(time.Minute), 10,
		phase{start, 0}, phase{time.Minute, 1}, phase{12 * time.Hour, 0}).String()
	run, err := ruletest.New(series, rules)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	want := time.Minute.Seconds() / (objectiveBudget * (12 * time.Hour).Seconds())
	checks := map[time.Duration]string{
		start + 15*time.Minute:        "15 minutes after the outage, 1h15m after the start",
		12*time.Hour + 30*time.Minute: "with the window full",
	}
	var tiers []string
	err = run.Eval(13*time.Hour, time.Minute, func(at time.Duration, firing ruletest.Firing) bool {
		for name := range firing {
			if strings.Contains(name, "PercentConsumed") {
				tiers = append(tiers, fmt.Sprintf("%s at %s", name, at))
			}
		}
		what, ok := checks[at]
		if !ok {
			return true
		}
		got, err := run.Query(`vigil:slo_budget_consumed:ratio{model="m",slo="availability"}`, at)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("%s: want one consumption sample, got %v", what, got)
		}
		for _, v := range got {
			// 20%: rate() does not extrapolate the error counter back
			// past zero, so the hour's 5m rates count the first
			// failures short (see the cold-start rows of
			// docs/edge-cases.md); without the projection it reads
			// 9.6 times the budget's share.
			if v < 0.8*want || v > 1.2*want {
				t.Errorf("%s: budget consumed %.4f, want %.4f ± 20%%", what, v, want)
			}
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(tiers) > 0 {
		t.Errorf("a budget tier fired for %.1f%% of the budget: %v", 100*want, tiers[:min(len(tiers), 3)])
	}
}
