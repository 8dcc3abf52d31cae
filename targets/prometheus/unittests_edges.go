package prometheus

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-dev/vigil/compiler"
)

// Generated promtool cases for SLOs at the edges: a cold start, a total
// outage at low traffic, a single failure, scarce feedback and a traffic
// gap (see the list at the top of unittests.go).
//
// What each case expects is not read from the rules: a small model of
// the SRE workbook's alert conditions (edgeModel) predicts, minute by
// minute, every window's bad and total events from the synthetic
// traffic, and from them each alert's condition (error ratios over both
// windows of a pair above factor x budget, at least min_bad_events bad
// events and min_feedback_rate labelled predictions per second in the
// long window; the rolling-window quality check; budget consumption
// projected over the SLO window) and its `for`. promtool, evaluating the
// generated rules, is the independent check. An assertion is generated
// only where the model is sure of the outcome: under both Prometheus 2's
// closed and Prometheus 3's left-open range selectors, with rate()'s
// extrapolation, and at least 2% away from every threshold; a value that
// lands close to a threshold is left unasserted rather than flipping with
// float rounding.
//
// Every counter starts at a large offset (the service ran before the
// rules were deployed), so rate() never clamps its extrapolation at a
// counter's zero, which it would do for the bad-event counter and not
// for the others, skewing the ratios.

// edgeMinute is the sample interval of the synthetic series, which is
// also the test files' evaluation interval.
const edgeMinute = time.Minute

// tri is a prediction: sure true, sure false, or too close to call.
type tri int

const (
	unsure tri = iota
	yes
	no
)

func and3(ts ...tri) tri {
	out := yes
	for _, t := range ts {
		switch t {
		case no:
			return no
		case unsure:
			out = unsure
		}
	}
	return out
}

func or3(ts ...tri) tri {
	out := no
	for _, t := range ts {
		switch t {
		case yes:
			return yes
		case unsure:
			out = unsure
		}
	}
	return out
}

// edgeMargin is the relative distance from a threshold a predicted value
// must keep to be asserted.
const edgeMargin = 0.02

// above compares a value known to lie in [lo, hi] with a threshold:
// yes when it is surely above (so also at least the threshold), no when
// surely below, unsure within edgeMargin of it.
func above(lo, hi, th float64) tri {
	switch {
	case lo > th*(1+edgeMargin) && lo > th+1e-12:
		return yes
	case hi < th*(1-edgeMargin):
		return no
	}
	return unsure
}

// edgeTraffic is synthetic SLO traffic: good[i] and bad[i] events happen
// between the samples at minutes i and i+1.
type edgeTraffic struct{ good, bad []float64 }

// minutes is the traffic's length: samples run from 0 to it.
func (tr edgeTraffic) minutes() int { return len(tr.good) }

// add appends n minutes of good and bad events per minute.
func (tr *edgeTraffic) add(n int, good, bad float64) {
	for range n {
		tr.good = append(tr.good, good)
		tr.bad = append(tr.bad, bad)
	}
}

// window sums the events a rate over w minutes evaluated at minute t
// sees, for one range semantics: Prometheus 2's closed range [t-w, t]
// holds the increments of the w minutes before t, Prometheus 3's
// left-open (t-w, t] one fewer. n is the number of increments.
func (tr edgeTraffic) window(t, w int, open bool) (good, bad float64, n int) {
	from := t - w
	if open {
		from++
	}
	for i := max(from, 0); i < t && i < len(tr.good); i++ {
		good += tr.good[i]
		bad += tr.bad[i]
		n++
	}
	return good, bad, n
}

// extrapolation is the most rate() scales up an increase seen over n
// intervals: by up to 1.1 intervals at the window's start.
func extrapolation(n int) float64 { return (float64(n) + 1.1) / float64(n) }

// edgeModel predicts an SLO's alerts on synthetic traffic.
type edgeModel struct {
	s  *compiler.SLO
	tr edgeTraffic
}

// minutesOf is d in whole minutes, rounded up.
func minutesOf(d time.Duration) int {
	return int((d + edgeMinute - 1) / edgeMinute)
}

// ratioAbove predicts error ratio over w > th at minute t: under both
// range semantics the window must hold events and its ratio be above
// the threshold (rate() extrapolates good and bad events alike, so it
// does not move the ratio).
func (md edgeModel) ratioAbove(t, w int, th float64) tri {
	var out []tri
	for _, open := range []bool{false, true} {
		g, b, _ := md.tr.window(t, w, open)
		if g+b == 0 {
			out = append(out, no) // no ratio sample
			continue
		}
		r := b / (g + b)
		out = append(out, above(r, r, th))
	}
	return same(out)
}

// same is the common prediction of the range semantics, or unsure.
func same(ts []tri) tri {
	for _, t := range ts[1:] {
		if t != ts[0] {
			return unsure
		}
	}
	return ts[0]
}

// countAtLeast predicts (extrapolated bad or all events over w) >= th.
func (md edgeModel) countAtLeast(t, w int, th float64, bad bool) tri {
	var out []tri
	for _, open := range []bool{false, true} {
		g, b, n := md.tr.window(t, w, open)
		v := g + b
		if bad {
			v = b
		}
		if n == 0 || g+b == 0 {
			out = append(out, no)
			continue
		}
		out = append(out, above(v, v*extrapolation(n), th))
	}
	return same(out)
}

// burnCondition predicts a burn-rate alert's expression at minute t.
func (md edgeModel) burnCondition(a Alert, t int) tri {
	s := md.s
	budget := s.ErrorBudget().Float64()
	var pairs []tri
	for _, w := range a.Windows {
		th := w.Factor.Float64() * budget
		long, short := minutesOf(time.Duration(w.Long)), minutesOf(time.Duration(w.Short))
		conds := []tri{md.ratioAbove(t, long, th), md.ratioAbove(t, short, th)}
		if s.MinBadEvents > 0 {
			conds = append(conds, md.countAtLeast(t, long, float64(s.MinBadEvents), true))
		}
		if s.Quality != nil && !s.Quality.MinFeedbackRate.IsZero() {
			conds = append(conds, md.countAtLeast(t, long, s.Quality.MinFeedbackRate.Float64()*float64(long)*60, false))
		}
		pairs = append(pairs, and3(conds...))
	}
	return or3(pairs...)
}

// qualityCondition predicts the rolling-window quality alert's
// expression at minute t.
func (md edgeModel) qualityCondition(t int) tri {
	q := md.s.Quality
	rw := minutesOf(time.Duration(q.RollingWindow))
	conds := []tri{md.ratioAbove(t, rw, md.s.ErrorBudget().Float64())}
	if !q.MinFeedbackRate.IsZero() {
		conds = append(conds, md.countAtLeast(t, rw, q.MinFeedbackRate.Float64()*float64(rw)*60, false))
	}
	return and3(conds...)
}

// consumed is the workbook's budget consumption at minute t: bad events
// over the bad events the SLO window allows, its total projected from
// the traffic so far while the window is not yet full of history. A
// window shorter than a day is a rate over the raw counters, whose
// history may predate the rules: its ratio is not projected.
func (md edgeModel) consumed(t int) (float64, bool) {
	window := time.Duration(md.s.Window)
	from, share := 0, min(1, float64(t)/window.Minutes())
	if window < derivedFrom {
		from, share = t-minutesOf(window), 1
	}
	var good, bad float64
	for i := max(from, 0); i < t && i < md.tr.minutes(); i++ {
		good += md.tr.good[i]
		bad += md.tr.bad[i]
	}
	if good+bad == 0 {
		return 0, false
	}
	return bad / (good + bad) / md.s.ErrorBudget().Float64() * share, true
}

// tierCondition predicts a budget tier's expression at minute t. The SLO
// window's ratio averages 5-minute recordings, which lag and lead the
// raw events by minutes: the margin is 10%.
func (md edgeModel) tierCondition(a Alert, t int) tri {
	c, ok := md.consumed(t)
	if !ok {
		return no
	}
	frac := a.Tier.Consumed.Float64() / 100
	switch {
	case c > frac*1.1:
		return yes
	case c < frac/1.1:
		return no
	}
	return unsure
}

// condition predicts an SLO alert's expression at minute t.
func (md edgeModel) condition(a Alert, t int) tri {
	switch a.Kind {
	case KindBurnRate:
		return md.burnCondition(a, t)
	case KindQuality:
		return md.qualityCondition(t)
	case KindBudgetTier:
		return md.tierCondition(a, t)
	}
	return unsure
}

// firing predicts whether the alert is firing at minute t: its
// expression must hold at every evaluation of its `for` (Prometheus
// fires once the condition has held for `for` since it became active).
func (md edgeModel) firing(a Alert, t int) tri {
	if md.condition(a, t) == no {
		return no
	}
	from := t - minutesOf(time.Duration(a.Rule.For))
	if from < 0 {
		return no
	}
	out := yes
	for k := from; k <= t; k++ {
		switch md.condition(a, k) {
		case no:
			return no
		case unsure:
			out = unsure
		}
	}
	return out
}

// exactValue is the alert's $value when the model knows it exactly: a
// burn-rate alert whose first pair that can hold does hold, and whose
// long window holds only bad events under both range semantics (ratio
// 1, "100%").
func (md edgeModel) exactValue(a Alert, t int) (string, bool) {
	if a.Kind != KindBurnRate {
		return "", false
	}
	for _, w := range a.Windows {
		single := Alert{Kind: a.Kind, Windows: []compiler.BurnWindow{w}}
		switch md.burnCondition(single, t) {
		case no:
			continue
		case unsure:
			return "", false
		}
		for _, open := range []bool{false, true} {
			if g, b, _ := md.tr.window(t, minutesOf(time.Duration(w.Long)), open); g != 0 || b == 0 {
				return "", false
			}
		}
		return "100%", true
	}
	return "", false
}

// edgeSeries returns a function rendering traffic as the SLO's input
// series, or false when the SLO's series cannot be synthesised (see
// sloTests).
func edgeSeries(m *compiler.Model, s *compiler.SLO) (func(tr edgeTraffic) []inputSeries, bool) {
	if s.Slices != nil {
		return nil, false // event-based edge cases do not apply to slices
	}
	mt := m.Metrics
	switch s.Kind {
	case compiler.Availability:
		okSel, errSel, ok := requestSeries(m)
		if !ok {
			return nil, false
		}
		return goodAndBad(mt.Requests.Metric, okSel, errSel), true
	case compiler.Latency:
		h := mt.Latency
		if !equalityOnly(h.Selector) {
			return nil, false
		}
		bucket := h.Selector.With(compiler.Selector{{Name: "le", Op: "=", Value: s.Latency.Le.String()}})
		return func(tr edgeTraffic) []inputSeries {
			all := make([]float64, tr.minutes())
			for i := range all {
				all[i] = tr.good[i] + tr.bad[i]
			}
			return []inputSeries{
				{seriesText(h.Metric+"_count", h.Selector), edgeCounter(all, tr)},
				{seriesText(h.Metric+"_bucket", bucket), edgeCounter(tr.good, tr)},
			}
		}, true
	case compiler.Quality:
		wrong, right, ok := feedbackSelectors(m, s)
		if !ok {
			return nil, false
		}
		return goodAndBad(mt.Feedback.Metric, right, wrong), true
	}
	return nil, false
}

// goodAndBad renders traffic as two counters of one metric: good events
// under the good selector, bad ones under the bad.
func goodAndBad(metric string, good, bad compiler.Selector) func(tr edgeTraffic) []inputSeries {
	return func(tr edgeTraffic) []inputSeries {
		return []inputSeries{
			{seriesText(metric, good), edgeCounter(tr.good, tr)},
			{seriesText(metric, bad), edgeCounter(tr.bad, tr)},
		}
	}
}

// edgeCounter renders a counter of the given per-minute increments for
// promtool, starting at an offset well above the traffic's total so that
// rate() never clamps its extrapolation at zero.
func edgeCounter(inc []float64, tr edgeTraffic) string {
	total := 0.0
	for i := range tr.good {
		total += tr.good[i] + tr.bad[i]
	}
	v := math.Pow(10, math.Ceil(math.Log10(max(total, 100)*10)))
	parts := []string{num(v)}
	for i := 0; i < len(inc); {
		j := i
		for j < len(inc) && inc[j] == inc[i] {
			j++
		}
		n, d := j-i, inc[i]
		switch {
		case d == 0 && n == 1:
			parts = append(parts, num(v))
		case d == 0:
			parts = append(parts, fmt.Sprintf("%sx%d", num(v), n-1))
		case n == 1:
			v += d
			parts = append(parts, num(v))
		default:
			start := v + d
			parts = append(parts, fmt.Sprintf("%s+%sx%d", num(start), num(d), n-1))
			v = start + d*float64(n-1)
		}
		i = j
	}
	return strings.Join(parts, " ")
}

// num formats a sample value without an exponent.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// edgeCase collects one generated case's assertions.
type edgeCase struct {
	md  edgeModel
	lb  map[string]string
	ut  unitTest
	sel string
}

// expect asserts the model's prediction for alert a at minute t, when it
// is sure: no alert, the alert with its exact annotations, or (when its
// $value is not exact) the firing ALERTS series. It reports the
// prediction.
func (c *edgeCase) expect(a Alert, t int) tri {
	at := win(time.Duration(t) * edgeMinute)
	p := c.md.firing(a, t)
	switch p {
	case no:
		c.ut.AlertTests = append(c.ut.AlertTests, alertRuleTest{EvalTime: at, Alertname: a.Rule.Alert, ExpAlerts: []expAlert{}})
	case yes:
		if v, ok := c.md.exactValue(a, t); ok {
			c.ut.AlertTests = append(c.ut.AlertTests, alertRuleTest{EvalTime: at, Alertname: a.Rule.Alert, ExpAlerts: []expAlert{expected(a, c.lb, v)}})
			break
		}
		c.ut.PromQLTests = append(c.ut.PromQLTests, promqlTest{
			Expr:       fmt.Sprintf(`count by (alertname) (ALERTS{alertname=%s,alertstate="firing"})`, compiler.Quote(a.Rule.Alert)),
			EvalTime:   at,
			ExpSamples: []expSample{{Labels: fmt.Sprintf(`{alertname=%s}`, compiler.Quote(a.Rule.Alert)), Value: 1}},
		})
	}
	return p
}

// firstFiring is the first minute in [from, to] at which the model is
// sure the alert fires, or -1.
func (md edgeModel) firstFiring(a Alert, from, to int) int {
	for t := from; t <= to; t++ {
		if md.firing(a, t) == yes {
			return t
		}
	}
	return -1
}

// edgeTests returns an SLO's edge cases.
func edgeTests(m *compiler.Model, s *compiler.SLO, byName map[string]Alert) []unitTest {
	series, ok := edgeSeries(m, s)
	if !ok {
		return nil
	}
	name := compiler.Camel(s.Name)
	target, ok := byName[name+"FastBurn"]
	if !ok {
		if target, ok = byName[name+"SlowBurn"]; !ok {
			return nil
		}
	}
	var all, burn []Alert
	for _, a := range byName {
		if a.SLO != s {
			continue
		}
		all = append(all, a)
		if a.Kind == KindBurnRate {
			burn = append(burn, a)
		}
	}
	sortAlerts(all)
	sortAlerts(burn)
	g := edgeGen{m: m, s: s, series: series, target: target, all: all, burn: burn}
	var out []unitTest
	for _, f := range []func() (unitTest, bool){
		g.coldStart,
		func() (unitTest, bool) { return g.lowTraffic("0.5", 30) },
		func() (unitTest, bool) { return g.lowTraffic("0.01", 0.6) },
		g.singleFailure,
		g.scarceFeedback,
		g.trafficGap,
	} {
		if t, ok := f(); ok {
			out = append(out, t)
		}
	}
	return out
}

func sortAlerts(as []Alert) {
	slices.SortFunc(as, func(a, b Alert) int { return strings.Compare(a.Rule.Alert, b.Rule.Alert) })
}

// edgeGen builds one SLO's edge cases.
type edgeGen struct {
	m      *compiler.Model
	s      *compiler.SLO
	series func(edgeTraffic) []inputSeries
	// target is the fast-burn page, or the slow-burn ticket when paging
	// is disabled.
	target    Alert
	all, burn []Alert
}

// newCase starts a case on the given traffic.
func (g edgeGen) newCase(title string, tr edgeTraffic) *edgeCase {
	return &edgeCase{
		md:  edgeModel{s: g.s, tr: tr},
		lb:  map[string]string{"model": g.m.Name, "slo": g.s.Name},
		sel: sliSelector(g.m, g.s),
		ut:  unitTest{Name: g.s.Name + ": " + title, Interval: win(edgeMinute), InputSeries: g.series(tr)},
	}
}

// done returns the case if it asserts anything.
func (c *edgeCase) done() (unitTest, bool) {
	return c.ut, len(c.ut.AlertTests)+len(c.ut.PromQLTests) > 0
}

// events names the SLO's events.
func (g edgeGen) events() string {
	if g.s.Kind == compiler.Quality {
		return "labelled predictions"
	}
	return "requests"
}

// perMinute is the healthy traffic of the cases that do not study low
// traffic: well above the feedback guard.
func (g edgeGen) perMinute() float64 { return rateFor(g.s) }

// coldStart: traffic from the first sample, a 1-minute total outage an
// hour later, healthy traffic after. Every SLO alert is asserted as the
// model predicts a minute after the outage and at the end (by the
// workbook a 1-minute outage in a 1h window pages when 14.4 x budget x
// 1h is under a minute, i.e. at 99.9%; a budget tier of 5% or more stays
// silent at 99.9% over 30 days, the outage being 2.3% of the budget);
// budget consumption at the end is the outage's seconds over the
// budget's seconds of the SLO window, within 10% (the 5-minute
// recordings the SLO window averages start below the traffic's rate
// after a cold start, by about 2.5% after 70 minutes).
func (g edgeGen) coldStart() (unitTest, bool) {
	r := g.perMinute()
	var tr edgeTraffic
	tr.add(60, r, 0)
	tr.add(1, 0, r)
	tr.add(coldStartEnd-61, r, 0)
	c := g.newCase("cold start, 1-minute outage 1h after deployment", tr)
	for _, t := range []int{62, coldStartEnd} {
		for _, a := range g.all {
			c.expect(a, t)
		}
	}
	window := time.Duration(g.s.Window)
	if window >= derivedFrom {
		want := 60 / (g.s.ErrorBudget().Float64() * window.Seconds())
		consumed := recBudgetConsumed + c.sel
		c.ut.PromQLTests = append(c.ut.PromQLTests, promqlTest{
			Expr:       fmt.Sprintf("abs(%s / %s - 1) < bool 0.1", consumed, num(want)),
			EvalTime:   win(coldStartEnd * edgeMinute),
			ExpSamples: []expSample{{Labels: labelText(c.lb), Value: 1}},
		})
	}
	return c.done()
}

// labelText renders a label set as promtool prints it.
func labelText(lb map[string]string) string {
	sel := compiler.Selector{}
	for _, k := range slices.Sorted(maps.Keys(lb)) {
		sel = append(sel, compiler.Matcher{Name: k, Op: "=", Value: lb[k]})
	}
	return "{" + sel.String() + "}"
}

// Lengths of the edge cases, in minutes: each promtool evaluation runs
// every rule of the model, so the cases are no longer than their
// windows need.
const (
	// coldStartEnd is when the cold-start case ends, 9 minutes after its
	// outage: past the budget tiers' 5-minute `for`.
	coldStartEnd = 70
	// lowTrafficHorizon is how long an outage case runs at most.
	lowTrafficHorizon = 60
)

// lowTraffic: every event fails from deployment on, at perSecond events
// per second (perMin a minute). The target alert fires once
// min_bad_events have failed (and, for quality SLOs, once the long
// window's rate of labelled predictions reaches min_feedback_rate),
// within the evaluation that follows; before that it is silent. No case
// when the model does not see it fire within lowTrafficHorizon (a
// quality SLO whose feedback guard the traffic does not reach; the
// scarce-feedback case covers that).
func (g edgeGen) lowTraffic(perSecond string, perMin float64) (unitTest, bool) {
	var tr edgeTraffic
	tr.add(lowTrafficHorizon, 0, perMin)
	md := edgeModel{s: g.s, tr: tr}
	first := md.firstFiring(g.target, 1, lowTrafficHorizon)
	if first < 0 {
		return unitTest{}, false
	}
	tr = edgeTraffic{good: tr.good[:first], bad: tr.bad[:first]}
	title := fmt.Sprintf("a total outage at %s %s/s fires %s within %s", perSecond, g.events(), g.target.Rule.Alert, win(time.Duration(first)*edgeMinute))
	if g.s.MinBadEvents > 0 {
		title += fmt.Sprintf(" (min_bad_events %d)", g.s.MinBadEvents)
	}
	c := g.newCase(title, tr)
	// The last minute before at which the model is sure the alert is
	// silent.
	for t := first - 1; t > 0; t-- {
		if c.md.firing(g.target, t) == no {
			c.expect(g.target, t)
			break
		}
	}
	c.expect(g.target, first)
	return c.done()
}

// singleFailure: 10 events an hour (one every 6 minutes), the second of
// which fails; checked up to half an hour later. With min_bad_events of 2 or more no burn-rate alert fires,
// although one failure among a handful of events breaches every ratio
// threshold.
func (g edgeGen) singleFailure() (unitTest, bool) {
	if g.s.MinBadEvents < 2 {
		return unitTest{}, false
	}
	const every, failing = 6, 2
	var tr edgeTraffic
	for i := 1; i <= 7; i++ {
		tr.add(every-1, 0, 0)
		if i == failing {
			tr.add(1, 0, 1)
		} else {
			tr.add(1, 1, 0)
		}
	}
	c := g.newCase(fmt.Sprintf("a single failure among 10 %s an hour fires no burn-rate alert (min_bad_events %d)", g.events(), g.s.MinBadEvents), tr)
	failed := every * failing
	for _, t := range []int{failed + 1, failed + 6, failed + 30} {
		for _, a := range g.burn {
			c.expect(a, t)
		}
	}
	return c.done()
}

// scarceFeedback: one labelled prediction every 2 minutes, every other
// one wrong, for an hour. Below min_feedback_rate neither the burn-rate
// alerts nor the rolling-window alert may judge a 50% error ratio.
func (g edgeGen) scarceFeedback() (unitTest, bool) {
	q := g.s.Quality
	const rate = 1.0 / 120 // per second
	if q == nil || q.MinFeedbackRate.IsZero() || rate > q.MinFeedbackRate.Float64()*0.9 {
		return unitTest{}, false
	}
	var tr edgeTraffic
	for i := range 30 {
		tr.add(1, 0, 0)
		if i%2 == 0 {
			tr.add(1, 1, 0)
		} else {
			tr.add(1, 0, 1)
		}
	}
	c := g.newCase(fmt.Sprintf("scarce feedback (one labelled prediction every 2 minutes, half wrong; min_feedback_rate %s/s) fires nothing", q.MinFeedbackRate), tr)
	for _, t := range []int{30, 60} {
		for _, a := range g.all {
			if a.Kind != KindBudgetTier {
				c.expect(a, t)
			}
		}
	}
	return c.done()
}

// trafficGap: half an hour of healthy traffic, 15 minutes in which the
// counters stand still, 10 minutes of healthy traffic, then a total
// outage. Nothing fires through the gap and the recovery; at the end of
// the gap every error ratio whose window lies within it has no sample
// (no traffic is no data, not 0 and not NaN); the outage after the gap
// fires the target alert.
func (g edgeGen) trafficGap() (unitTest, bool) {
	r := g.perMinute()
	const before, gap, after = 30, gapMinutes, 10
	var tr edgeTraffic
	tr.add(before, r, 0)
	tr.add(gap, 0, 0)
	tr.add(after, r, 0)
	outage := before + gap + after
	tr.add(lowTrafficHorizon, 0, r)
	md := edgeModel{s: g.s, tr: tr}
	first := md.firstFiring(g.target, outage+1, outage+lowTrafficHorizon)
	end := outage + lowTrafficHorizon
	if first > 0 {
		end = first
	}
	tr = edgeTraffic{good: tr.good[:end], bad: tr.bad[:end]}
	title := fmt.Sprintf("a %d-minute traffic gap fires nothing and records no error ratio", gap)
	if first > 0 {
		title += fmt.Sprintf("; an outage %dm after it fires %s", after, g.target.Rule.Alert)
	}
	c := g.newCase(title, tr)
	for _, t := range []int{before + gap, outage} {
		for _, a := range g.all {
			c.expect(a, t)
		}
	}
	for _, w := range windowsFor(g.s).raw {
		empty := true
		for _, open := range []bool{false, true} {
			gd, bd, _ := tr.window(before+gap, minutesOf(w), open)
			empty = empty && gd+bd == 0
		}
		if empty {
			c.ut.PromQLTests = append(c.ut.PromQLTests, promqlTest{
				Expr:       rec(recErrorRatio, w) + c.sel,
				EvalTime:   win(time.Duration(before+gap) * edgeMinute),
				ExpSamples: []expSample{},
			})
		}
	}
	if first > 0 {
		c.expect(g.target, first)
	}
	return c.done()
}
