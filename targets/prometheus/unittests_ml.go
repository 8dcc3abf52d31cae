package prometheus

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/vigil-dev/vigil/compiler"
)

// Generated promtool cases for anomaly and drift-staleness alerts.
//
// promtool runs each case from an empty database at time 0, which is
// exactly a fresh deployment. The expected values are chosen to be exact
// under both Prometheus 2's closed and Prometheus 3's left-open range
// selectors: no window an assertion depends on starts on a sample whose
// inclusion would change the result.

// gapMinutes is the traffic gap of the anomaly cases.
const gapMinutes = 15

// anomalyTests returns an anomaly alert's cases for the 1m test file:
// a traffic gap on its source series, and a drop after a gap.
func anomalyTests(m *compiler.Model, a *compiler.AnomalyAlert, byName map[string]Alert) []unitTest {
	var out []unitTest
	if t, ok := anomalyGapTest(m, a); ok {
		out = append(out, t)
	}
	if alert, ok := byName[compiler.Camel(a.Name)+"Anomaly"]; ok {
		if t, ok := anomalyDropTest(m, a, alert); ok {
			out = append(out, t)
		}
	}
	return out
}

// anomalySelector is the {model, anomaly} selector of the anomaly's
// recordings, labels sorted (as promtool prints them).
func anomalySelector(m *compiler.Model, a *compiler.AnomalyAlert) compiler.Selector {
	return compiler.Selector{{Name: "anomaly", Op: "=", Value: a.Name}, {Name: "model", Op: "=", Value: m.Name}}
}

// querySelectors returns the source series the anomaly's query reads,
// one series per selector (rendered as a series name with labels), or
// false when some selector cannot be
// satisfied by a plain series (a regular expression, a negative matcher
// that rejects the empty value) or the query yields samples without any
// series (vector(), absent()).
func querySelectors(query string) ([]string, bool) {
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(query)
	if err != nil {
		return nil, false
	}
	var out []string
	seen := map[string]bool{}
	ok := true
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.Call:
			switch n.Func.Name {
			case "vector", "absent", "absent_over_time", "time":
				ok = false
			}
		case *parser.VectorSelector:
			if n.Name == "" {
				ok = false
				return nil
			}
			sel := compiler.Selector{}
			for _, mt := range n.LabelMatchers {
				switch {
				case mt.Name == labels.MetricName:
				case mt.Type == labels.MatchEqual:
					sel = append(sel, compiler.Matcher{Name: mt.Name, Op: "=", Value: mt.Value})
				case mt.Matches(""):
					// Leaving the label out satisfies it.
				default:
					ok = false
				}
			}
			if s := selector(n.Name, sel); !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
		return nil
	})
	return out, ok && len(out) > 0
}

// anomalyGapTest: every series the anomaly's query reads grows for 2h,
// stands still for 15 minutes (a ratio KPI is 0/0 then) and grows again
// for an hour. During and after the gap no anomaly recording may hold a
// NaN or ±Inf (before the fix, the value was NaN during the gap and the
// standard deviation stayed NaN for a whole baseline window).
func anomalyGapTest(m *compiler.Model, a *compiler.AnomalyAlert) (unitTest, bool) {
	sels, ok := querySelectors(a.Query)
	if !ok {
		return unitTest{}, false
	}
	before, after := 120, 60
	const perMin = 60
	values := fmt.Sprintf("0+%dx%d %dx%d %d+%dx%d",
		perMin, before, before*perMin, gapMinutes-1, (before+1)*perMin, perMin, after-1)
	var in []inputSeries
	for _, s := range sels {
		in = append(in, inputSeries{Series: s, Values: values})
	}
	sel := anomalySelector(m, a)
	var parts []string
	names := []string{recAnomalyValue, recAnomalyMean, recAnomalyStddev, recAnomalyZ}
	if a.Baseline == "seasonal" {
		names = append(names, recAnomalySeasonal)
	}
	for _, n := range names {
		s := selector(n, sel)
		parts = append(parts, fmt.Sprintf("(%s unless (%s > -Inf < Inf))", s, s))
	}
	nonFinite := strings.Join(parts, " or ")
	return unitTest{
		Name:        fmt.Sprintf("%s: a %d-minute traffic gap records no NaN or Inf", a.Name, gapMinutes),
		Interval:    "1m",
		InputSeries: in,
		PromQLTests: []promqlTest{
			{Expr: nonFinite, EvalTime: win(time.Duration(before+gapMinutes-5) * time.Minute), ExpSamples: []expSample{}},
			{Expr: nonFinite, EvalTime: win(time.Duration(before+gapMinutes+after) * time.Minute), ExpSamples: []expSample{}},
		},
	}, true
}

// anomalyDropTest feeds the recorded value directly (the query's series
// are absent, so the value rule records nothing): B minutes at 1, a
// 15-minute gap with no samples, then j minutes at the bad side (0.5
// down, 1.5 up). The trailing window holds all of it, so at j bad
// samples the mean is (B + j*v)/(B + j), the standard deviation
// 0.5*sqrt(B*j)/(B + j), and z = ∓sqrt(B/j) exactly, whatever the values.
// With B = k²·j for the integer k just above z_threshold, z is ∓k at the
// last evaluation and beyond ∓k before it, so the alert is pending from
// the first bad sample and fires after its `for`, with $value exactly ∓k.
// Seasonal baselines are on their rolling fallback throughout (the test
// is shorter than baseline_window, let alone a season), which the case
// checks too. Skipped when the case would not fit in baseline_window (the
// window must start before the first sample for the arithmetic to hold
// under either range semantics).
func anomalyDropTest(m *compiler.Model, a *compiler.AnomalyAlert, alert Alert) (unitTest, bool) {
	if _, ok := querySelectors(a.Query); !ok {
		return unitTest{}, false
	}
	k := int(math.Floor(a.ZThreshold.Float64())) + 1
	forMin := int((time.Duration(a.For) + time.Minute - 1) / time.Minute)
	j := forMin + 3
	b := k * k * j
	total := b + gapMinutes + j
	if time.Duration(total)*time.Minute > time.Duration(a.BaselineWindow) || total > 24*60 {
		return unitTest{}, false
	}
	bad, value := "0.5", fmt.Sprint(-k)
	switch a.Direction {
	case "up":
		bad, value = "1.5", fmt.Sprint(k)
	case "both":
		value = fmt.Sprint(k)
	}
	sel := anomalySelector(m, a)
	eval := win(time.Duration(total-1) * time.Minute)
	t := unitTest{
		Name:     fmt.Sprintf("%s: a drop after a %d-minute traffic gap fires %s", a.Name, gapMinutes, alert.Rule.Alert),
		Interval: "1m",
		InputSeries: []inputSeries{{
			Series: selector(recAnomalyValue, sel),
			// The blanks are written out: promtool 2's `_xN` expands to
			// N+1 of them, 3's to N.
			Values: fmt.Sprintf("1x%d %s %sx%d", b-1, strings.TrimSpace(strings.Repeat("_ ", gapMinutes)), bad, j-1),
		}},
		AlertTests: []alertRuleTest{{
			EvalTime:  eval,
			Alertname: alert.Rule.Alert,
			ExpAlerts: []expAlert{expected(alert, map[string]string{"model": m.Name, "anomaly": a.Name}, value)},
		}},
	}
	if a.Baseline == "seasonal" {
		t.Name += " (on the rolling fallback of the seasonal baseline)"
		t.PromQLTests = []promqlTest{{
			Expr: selector(recAnomalySeasonal, sel), EvalTime: eval,
			ExpSamples: []expSample{{Labels: selector(recAnomalySeasonal, sel), Value: 0}},
		}}
	}
	return t, true
}

// historyTests returns the cases that need days of history, and the
// evaluation interval they run at: the longest of 1h, 30m, 15m, 10m, 5m
// and 1m that divides every duration they step through and is no longer
// than the margin of any history check (see rulesRunning).
func historyTests(m *compiler.Model, byName map[string]Alert) ([]unitTest, time.Duration) {
	type pending struct {
		build   func(c time.Duration) unitTest
		durs    []time.Duration // must be multiples of the interval
		span    time.Duration   // history checked by rulesRunning
		horizon time.Duration
	}
	var cases []pending
	if stale, ok := byName["DriftEvaluationStale"]; ok && m.Drift != nil {
		d := 2 * time.Duration(m.Drift.Schedule)
		cases = append(cases,
			pending{build: func(c time.Duration) unitTest { return freshDriftTest(m, stale, d, c) }, durs: []time.Duration{d}, span: d, horizon: d},
			pending{build: func(c time.Duration) unitTest { return stoppedDriftTest(m, stale, d, c) }, durs: []time.Duration{d}, span: d, horizon: d + 2*time.Hour},
		)
		if m.Drift.Sharded() {
			cases = append(cases,
				pending{build: func(c time.Duration) unitTest { return missingShardTest(m, stale, d, c) }, durs: []time.Duration{d}, span: d, horizon: d})
		}
	}
	for _, a := range m.Anomalies {
		if a.Baseline != "seasonal" {
			continue
		}
		if _, ok := querySelectors(a.Query); !ok {
			continue
		}
		season, bw := time.Duration(a.Season), time.Duration(a.BaselineWindow)
		cases = append(cases, pending{build: func(c time.Duration) unitTest { return seasonalSwitchTest(m, a, c) },
			durs: []time.Duration{season, bw}, span: season + bw, horizon: season + bw})
	}
	if len(cases) == 0 {
		return nil, 0
	}
	for _, c := range []time.Duration{time.Hour, 30 * time.Minute, 15 * time.Minute, 10 * time.Minute, 5 * time.Minute, time.Minute} {
		fits := true
		for _, p := range cases {
			margin := min(p.span/4, time.Hour).Truncate(time.Second)
			for _, d := range p.durs {
				fits = fits && d%c == 0
			}
			// At most 20,000 evaluations, a few seconds of promtool.
			fits = fits && c <= margin && p.horizon/c <= 20000
		}
		if !fits {
			continue
		}
		var out []unitTest
		for _, p := range cases {
			out = append(out, p.build(c))
		}
		return out, c
	}
	return nil, 0
}

// samples returns n samples of v at the test interval.
func samples(v string, n int) string { return fmt.Sprintf("%sx%d", v, n-1) }

// freshDriftTest: promtool starts from an empty database, a fresh
// deployment. With no drift series at all, DriftEvaluationStale is
// silent one interval before two schedules and fires at two schedules.
func freshDriftTest(m *compiler.Model, stale Alert, d, c time.Duration) unitTest {
	return unitTest{
		Name:        fmt.Sprintf("fresh database: %s waits %s (twice the schedule) for a first evaluation", stale.Rule.Alert, win(d)),
		Interval:    win(c),
		InputSeries: []inputSeries{{"vigil_unrelated_series", fmt.Sprintf("0+1x%d", int(d/c))}},
		AlertTests: []alertRuleTest{
			{EvalTime: win(d - c), Alertname: stale.Rule.Alert, ExpAlerts: []expAlert{}},
			{EvalTime: win(d), Alertname: stale.Rule.Alert, ExpAlerts: []expAlert{expected(stale, map[string]string{"model": m.Name}, "")}},
		},
	}
}

// stoppedDriftTest: one evaluation lands one interval after deployment,
// then none. DriftEvaluationStale is silent at two schedules (the run is
// younger) and fires once the run is more than two schedules old.
// A sharded model's shards all report in it.
func stoppedDriftTest(m *compiler.Model, stale Alert, d, c time.Duration) unitTest {
	n := int((d + 2*c) / c)
	var in []inputSeries
	for _, lastRun := range lastRunSeries(m, m.Drift.ShardCount()) {
		in = append(in, inputSeries{lastRun, "_ " + samples(fmt.Sprint(int64(c/time.Second)), n)})
	}
	return unitTest{
		Name:        fmt.Sprintf("a first evaluation within the schedule keeps %s silent; when evaluations stop, it fires %s after the last", stale.Rule.Alert, win(d)),
		Interval:    win(c),
		InputSeries: in,
		AlertTests: []alertRuleTest{
			{EvalTime: win(d), Alertname: stale.Rule.Alert, ExpAlerts: []expAlert{}},
			{EvalTime: win(d + 2*c), Alertname: stale.Rule.Alert, ExpAlerts: []expAlert{expected(stale, map[string]string{"model": m.Name}, "")}},
		},
	}
}

// missingShardTest: every shard but the last reports a run each
// interval from one interval after deployment, the last never does.
// DriftEvaluationStale waits, as for a fresh database, two schedules for
// the late shard, then fires although the other shards are fresh.
func missingShardTest(m *compiler.Model, stale Alert, d, c time.Duration) unitTest {
	n := m.Drift.ShardCount()
	var in []inputSeries
	for _, lastRun := range lastRunSeries(m, n-1) {
		in = append(in, inputSeries{lastRun, fmt.Sprintf("_ %d+%dx%d", int64(c/time.Second), int64(c/time.Second), int(d/c)-1)})
	}
	return unitTest{
		Name:        fmt.Sprintf("shard %d of %d never reports: %s waits %s (twice the schedule), then fires although the other shards are fresh", n-1, n, stale.Rule.Alert, win(d)),
		Interval:    win(c),
		InputSeries: in,
		AlertTests: []alertRuleTest{
			{EvalTime: win(d - c), Alertname: stale.Rule.Alert, ExpAlerts: []expAlert{}},
			{EvalTime: win(d), Alertname: stale.Rule.Alert, ExpAlerts: []expAlert{expected(stale, map[string]string{"model": m.Name}, "")}},
		},
	}
}

// lastRunSeries are the last-run series of the first k shards of a
// model (unsharded: its one series).
func lastRunSeries(m *compiler.Model, k int) []string {
	name := m.DriftMetricNames().LastRun
	sel := compiler.Selector{{Name: "model", Op: "=", Value: m.Name}}
	if !m.Drift.Sharded() {
		return []string{selector(name, sel)}
	}
	var out []string
	for i := range k {
		out = append(out, selector(name, append(slices.Clone(sel), compiler.Matcher{Name: "shard", Op: "=", Value: fmt.Sprint(i)})))
	}
	return out
}

// seasonalSwitchTest feeds the recorded value directly: 2 for the first
// baseline_window (samples 0 to baseline_window inclusive), 1 after. One
// interval before season + baseline_window the baseline is on its
// rolling fallback (state 0; mean 1 when the season is longer than the
// window plus an interval, so the rolling window holds only 1s; no
// z-score, the trailing deviation being 0); at season + baseline_window it
// is seasonal (state 1; mean 2, the window one season earlier holding
// only the first baseline_window's 2s).
func seasonalSwitchTest(m *compiler.Model, a *compiler.AnomalyAlert, c time.Duration) unitTest {
	season, bw := time.Duration(a.Season), time.Duration(a.BaselineWindow)
	s := season + bw
	sel := anomalySelector(m, a)
	state, mean, z := selector(recAnomalySeasonal, sel), selector(recAnomalyMean, sel), selector(recAnomalyZ, sel)
	before, at := win(s-c), win(s)
	tests := []promqlTest{
		{Expr: state, EvalTime: before, ExpSamples: []expSample{{Labels: state, Value: 0}}},
		{Expr: state, EvalTime: at, ExpSamples: []expSample{{Labels: state, Value: 1}}},
		{Expr: mean, EvalTime: at, ExpSamples: []expSample{{Labels: mean, Value: 2}}},
	}
	if season > bw+c {
		tests = append(tests,
			promqlTest{Expr: mean, EvalTime: before, ExpSamples: []expSample{{Labels: mean, Value: 1}}},
			promqlTest{Expr: z, EvalTime: before, ExpSamples: []expSample{}},
		)
	}
	return unitTest{
		Name:     fmt.Sprintf("%s: the seasonal mean replaces the rolling fallback once %s (season + baseline_window) of history exists", a.Name, win(s)),
		Interval: win(c),
		InputSeries: []inputSeries{{selector(recAnomalyValue, sel),
			samples("2", int(bw/c)+1) + " " + samples("1", int((s-bw)/c))}},
		PromQLTests: tests,
	}
}
