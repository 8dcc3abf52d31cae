package prometheus_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/internal/exampletest"
	"github.com/vigil-dev/vigil/internal/ruletest"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// Edge cases of the ML alerts in the rule engine: traffic gaps, the
// seasonal baseline before and after a season of history, and drift
// staleness on a fresh database.

// exampleRules returns the rule file of one model of a shipped example.
func exampleRules(t *testing.T, example, model string) []byte {
	t.Helper()
	spec := exampletest.Load(t)[example]
	m := spec.Model(model)
	if m == nil {
		t.Fatalf("example %s has no model %s", example, model)
	}
	b, err := prometheus.Render(prometheus.Groups(spec, m))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// finite fails the test for every stored sample of the selected series
// that is NaN or ±Inf.
func finite(t *testing.T, run *ruletest.Run, selector string) {
	t.Helper()
	stored, err := run.Stored(selector)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) == 0 {
		t.Fatalf("no series match %s", selector)
	}
	for series, samples := range stored {
		for _, s := range samples {
			if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
				t.Errorf("%s = %v at %s", series, s.Value, s.At)
				break
			}
		}
	}
}

// firingSpans evaluates the rules and returns, per alert name, the
// evaluation offsets at which it was firing.
func firingSpans(t *testing.T, run *ruletest.Run, until, step time.Duration) map[string][]time.Duration {
	t.Helper()
	out := map[string][]time.Duration{}
	err := run.Eval(until, step, func(at time.Duration, f ruletest.Firing) bool {
		for name := range f {
			out[name] = append(out[name], at)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCtrDropAnomalyFiresAfterATrafficGap runs the recommendations-drift
// example's rules over 11 hours of click-through rate alternating between
// 4% and 5% every 10 minutes, a 15-minute traffic gap (no impressions, no
// clicks: the CTR is 0/0), an hour of normal traffic, then a drop to 1%.
// CtrDropAnomaly (z < -3 for 30m) must fire 30 minutes after the drop:
// the gap must not poison the baseline. It used to: the CTR recorded NaN
// during the gap, and the 1d standard deviation over it stayed NaN for a
// day. No anomaly recording may ever be NaN or ±Inf.
//
// The example's baseline is seasonal (one week); in the first week it
// falls back to the mean of the last day. At the drop the window holds
// about 12 hours of CTR with mean 4.5% and standard deviation 0.5%, so 31
// minutes of 1% CTR give z = -3.9.
func TestCtrDropAnomalyFiresAfterATrafficGap(t *testing.T) {
	rules := exampleRules(t, "recommendations-drift", "product-recs")
	const (
		gapAt   = 11 * time.Hour
		gap     = 15 * time.Minute
		dropAt  = gapAt + gap + time.Hour
		dropFor = time.Hour
		perMin  = 1000.0 // impressions
	)
	minutes := func(d time.Duration) int { return int(d / time.Minute) }
	var clicks, impressions []ruletest.Segment
	for i := 0; i < minutes(gapAt)/10; i++ {
		ctr := 0.04
		if i%2 == 1 {
			ctr = 0.05
		}
		clicks = append(clicks, ruletest.Segment{Steps: 10, PerStep: ctr * perMin})
	}
	impressions = append(impressions, ruletest.Segment{Steps: minutes(gapAt), PerStep: perMin})
	// The gap: both counters stand still.
	clicks = append(clicks, ruletest.Segment{Steps: minutes(gap)})
	impressions = append(impressions, ruletest.Segment{Steps: minutes(gap)})
	for i := 0; i < 6; i++ {
		ctr := 0.04
		if i%2 == 1 {
			ctr = 0.05
		}
		clicks = append(clicks, ruletest.Segment{Steps: 10, PerStep: ctr * perMin})
	}
	clicks = append(clicks, ruletest.Segment{Steps: minutes(dropFor), PerStep: 0.01 * perMin})
	impressions = append(impressions, ruletest.Segment{Steps: minutes(time.Hour + dropFor), PerStep: perMin})
	series := ruletest.NewSeries(time.Minute).
		Counter(`recs_clicks_total{model="product-recs"}`, clicks...).
		Counter(`recs_impressions_total{model="product-recs"}`, impressions...).String()

	run, err := ruletest.New(series, rules)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	spans := firingSpans(t, run, dropAt+dropFor-time.Minute, time.Minute)
	got := spans["CtrDropAnomaly"]
	if len(got) == 0 {
		t.Fatalf("CtrDropAnomaly never fired after the traffic gap; fired: %v", keys(spans))
	}
	// `for: 30m` from the first 1% sample: the 5m rate reaches the drop
	// within a minute or two, so the alert fires 30-35 minutes later.
	if first := got[0]; first < dropAt+30*time.Minute || first > dropAt+35*time.Minute {
		t.Errorf("CtrDropAnomaly first fired at %s, want 30-35 minutes after the drop at %s", first, dropAt)
	}
	finite(t, run, `{__name__=~"vigil:anomaly.*"}`)
	// The gap leaves a hole in the recorded CTR instead of a NaN: the 5m
	// rates are 0/0 from 5 minutes into the gap until traffic returns.
	stored, err := run.Stored(`vigil:anomaly:value{anomaly="ctr-drop"}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, samples := range stored {
		for _, s := range samples {
			if s.At > gapAt+5*time.Minute && s.At < gapAt+gap {
				t.Errorf("the CTR recorded %v at %s, inside the traffic gap", s.Value, s.At)
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// seasonalSpec watches a gauge with a 6h season and a 2h baseline
// window: the seasonal history exists once the rules have run for 8h.
const seasonalSpec = `package x
models: m: {
	team: "t"
	alerts: anomalies: kpi: {
		query:           "kpi_value"
		baseline:        "seasonal"
		season:          "6h"
		baseline_window: "2h"
		direction:       "down"
		z_threshold:     3
		for:             "5m"
	}
}
`

// kpiSeries returns a 1m-resolution gauge from per-minute values (NaN:
// no sample).
func kpiSeries(values []float64) string {
	var parts []string
	for _, v := range values {
		if math.IsNaN(v) {
			parts = append(parts, "_")
		} else {
			parts = append(parts, strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
	return "load 1m\n  kpi_value " + strings.Join(parts, " ") + "\n"
}

// TestSeasonalBaselineFallsBackUntilTheSeasonIsInHistory checks the
// seasonal state and mean at every evaluation against values computed
// here from the recorded KPI: the rolling mean (last 2h) while the rules
// have run for less than season + baseline_window (8h), and again while
// the window one season ago holds no sample (a 3-hour hole in the KPI);
// the mean of the 2h that ended 6h earlier otherwise.
func TestSeasonalBaselineFallsBackUntilTheSeasonIsInHistory(t *testing.T) {
	rules := compileRules(t, seasonalSpec)
	const end = 12 * 60
	values := make([]float64, end+1)
	for i := range values {
		switch {
		case i < 120:
			values[i] = 10 + float64(i%2)
		case i < 300:
			values[i] = math.NaN() // no samples for 3h
		default:
			values[i] = 20 + float64(i%2)
		}
	}
	run, err := ruletest.New(kpiSeries(values), rules)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	if err := run.Eval(end*time.Minute, time.Minute, func(time.Duration, ruletest.Firing) bool { return true }); err != nil {
		t.Fatal(err)
	}
	one := func(sel string) map[time.Duration]float64 {
		stored, err := run.Stored(sel)
		if err != nil || len(stored) != 1 {
			t.Fatalf("%s: %v %v", sel, stored, err)
		}
		out := map[time.Duration]float64{}
		for _, samples := range stored {
			for _, s := range samples {
				out[s.At] = s.Value
			}
		}
		return out
	}
	value := one(`vigil:anomaly:value{anomaly="kpi"}`)
	state := one(`vigil:anomaly_baseline:seasonal{anomaly="kpi"}`)
	mean := one(`vigil:anomaly_baseline:mean{anomaly="kpi"}`)
	// avg over (from, to], the range a rule at `to` reads.
	avg := func(from, to time.Duration) (float64, bool) {
		sum, n := 0.0, 0
		for at, v := range value {
			if at > from && at <= to {
				sum += v
				n++
			}
		}
		return sum / float64(n), n > 0
	}
	const season, window = 6 * time.Hour, 2 * time.Hour
	var switches []time.Duration
	prev := -1.0
	for at := time.Duration(0); at <= end*time.Minute; at += time.Minute {
		_, seasonalData := avg(at-season-window, at-season)
		wantState := 0.0
		if at >= season+window && seasonalData {
			wantState = 1
		}
		if got, ok := state[at]; !ok || got != wantState {
			t.Fatalf("at %s: seasonal state %v (recorded: %v), want %v", at, got, ok, wantState)
		}
		if wantState != prev {
			switches = append(switches, at)
			prev = wantState
		}
		want, ok := avg(at-window, at)
		if wantState == 1 {
			want, ok = avg(at-season-window, at-season)
		}
		got, recorded := mean[at]
		if recorded != ok || ok && math.Abs(got-want) > 1e-9 {
			t.Fatalf("at %s (state %v): mean %v (recorded: %v), want %v (exists: %v)", at, wantState, got, recorded, want, ok)
		}
	}
	// Fallback, seasonal from 8h, fallback while the window a season ago
	// lies in the hole (recorded values up to 2h03m: the KPI's last
	// sample, at 1h59m, stays current for the 5m lookback), seasonal once
	// it reaches 5h.
	want := []time.Duration{0, 8 * time.Hour, 10*time.Hour + 3*time.Minute, 11 * time.Hour}
	if len(switches) != len(want) {
		t.Fatalf("state changes at %v, want %v", switches, want)
	}
	for i := range want {
		if switches[i] != want[i] {
			t.Fatalf("state changes at %v, want %v", switches, want)
		}
	}
	finite(t, run, `{__name__=~"vigil:anomaly.*"}`)
}

// TestSeasonalAnomalyFiresBeforeAndAfterTheSeason drops the KPI from
// 10/11 (alternating) to 5 for 30 minutes twice: at 2h, in the first
// season (the rolling fallback: at 6 minutes z = -4.0 against the last
// 2h), and at 11h, against the seasonal mean (the 2h that ended at 5h,
// mean 10.5; z = -4.25). Both must fire after the 5m `for`, and nothing
// else may. It used to be blind for the first season: the seasonal mean
// read the hour one season ago, which did not exist.
func TestSeasonalAnomalyFiresBeforeAndAfterTheSeason(t *testing.T) {
	rules := compileRules(t, seasonalSpec)
	const end = 12 * 60
	values := make([]float64, end+1)
	drops := []int{120, 660}
	for i := range values {
		values[i] = 10 + float64(i%2)
		for _, d := range drops {
			if i >= d && i < d+30 {
				values[i] = 5
			}
		}
	}
	run, err := ruletest.New(kpiSeries(values), rules)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	spans := firingSpans(t, run, end*time.Minute, time.Minute)
	got := spans["KpiAnomaly"]
	for _, d := range drops {
		at := time.Duration(d) * time.Minute
		fired := false
		for _, f := range got {
			if f >= at+5*time.Minute && f <= at+7*time.Minute {
				fired = true
			}
		}
		if !fired {
			t.Errorf("the drop at %s did not fire within 5-7 minutes; firing at %v", at, got)
		}
	}
	for _, f := range got {
		ok := false
		for _, d := range drops {
			at := time.Duration(d) * time.Minute
			ok = ok || f >= at+5*time.Minute && f <= at+40*time.Minute
		}
		if !ok {
			t.Errorf("KpiAnomaly firing at %s, away from both drops", f)
		}
	}
	// The second drop is judged against the seasonal mean.
	state, err := run.Query(`vigil:anomaly_baseline:seasonal{anomaly="kpi"}`, 11*time.Hour+5*time.Minute)
	if err != nil || len(state) != 1 {
		t.Fatalf("seasonal state: %v %v", state, err)
	}
	for _, v := range state {
		if v != 1 {
			t.Errorf("seasonal state %v at 11h05m, want 1", v)
		}
	}
	finite(t, run, `{__name__=~"vigil:anomaly.*"}`)
}

// driftRuns lays out the last-run timestamp of a daily evaluator at 5m
// resolution over `days`: runs[i] is the offset of the i-th run (the
// gauge is absent before the first one).
func driftRuns(days int, runs ...time.Duration) string {
	step := 5 * time.Minute
	n := int(time.Duration(days) * day / step)
	var parts []string
	for i := 0; i <= n; i++ {
		at := time.Duration(i) * step
		last := -1
		for j, r := range runs {
			if r <= at {
				last = j
			}
		}
		if last < 0 {
			parts = append(parts, "_")
			continue
		}
		parts = append(parts, strconv.FormatFloat(runs[last].Seconds(), 'f', -1, 64))
	}
	return "load 5m\n  vigil_drift_last_run_timestamp_seconds{model=\"m\"} " + strings.Join(parts, " ") +
		fmt.Sprintf("\n  unrelated_total{job=\"x\"} 0+1x%d\n", n)
}

// TestDriftStaleOnAFreshDatabase: on a fresh database the evaluator's
// first daily run may be up to a day away, so DriftEvaluationStale must
// stay silent until the rules have run for two schedules without a run
// on record (it used to fire within a minute of deployment). A run within
// the schedule keeps it silent; runs that stop make it fire two schedules
// after the last one.
func TestDriftStaleOnAFreshDatabase(t *testing.T) {
	rules := compileRules(t, driftSpec)
	const step = 5 * time.Minute
	for _, c := range []struct {
		name  string
		runs  []time.Duration
		fires time.Duration // 0: never within 4 days
	}{
		{"no run ever", nil, 2 * day},
		{"daily runs from the first hour", []time.Duration{time.Hour, day + time.Hour, 2*day + time.Hour, 3*day + time.Hour}, 0},
		{"one run, then none", []time.Duration{time.Hour}, 2*day + time.Hour + step},
	} {
		t.Run(c.name, func(t *testing.T) {
			first := firstFiring(t, driftRuns(4, c.runs...), rules, 4*day, step)
			got, fired := first["DriftEvaluationStale"]
			switch {
			case c.fires == 0 && fired:
				t.Errorf("DriftEvaluationStale fired at %s", got)
			case c.fires != 0 && !fired:
				t.Errorf("DriftEvaluationStale never fired, want at %s", c.fires)
			case c.fires != 0 && got != c.fires:
				t.Errorf("DriftEvaluationStale fired at %s, want at %s", got, c.fires)
			}
		})
	}
}
