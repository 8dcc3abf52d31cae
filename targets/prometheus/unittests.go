package prometheus

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/decimal"
)

// Generated promtool unit tests.
//
// For each model, tests/<model>.test.yaml holds `promtool test rules`
// cases that users (and vigil's CI) run against the generated rules: for
// every SLO whose series can be synthesised (availability, latency,
// precision, recall and accuracy with equality selectors; the request
// and error selectors may hold regular expressions, see requestSeries),
// a total outage must fire the fast-burn page (or, with paging disabled,
// the slow-burn ticket) and healthy traffic must fire nothing. The same SLOs
// get cases at the edges (unittests_edges.go), each asserting what the
// workbook's formulas predict:
//
//   - cold start: traffic from deployment, a 1-minute total outage an
//     hour later; every SLO alert as predicted (budget tiers silent, the
//     fast-burn page firing where 14.4 x budget x 1h is under a minute),
//     and the budget consumed equal to the outage's seconds over the
//     budget's seconds of the SLO window;
//   - low-traffic outage: every request failing at 0.5 and at 0.01 per
//     second fires the fast-burn page (or slow-burn ticket) in the
//     evaluation after min_bad_events have failed, and not before;
//   - single failure: one failure among 10 events an hour fires no
//     burn-rate alert when min_bad_events is 2 or more;
//   - scarce feedback (quality SLOs with min_feedback_rate): one labelled
//     prediction every 2 minutes, half of them wrong, fires nothing;
//   - traffic gap: 15 minutes without events fire nothing and leave the
//     error ratios of windows within the gap without a sample; healthy
//     traffic after it fires nothing, an outage after it fires.
//
// Share alerts fire at twice their threshold; absent-data alerts fire
// when their series is missing. The total outage lasts long enough that
// every window's error ratio is exactly 1, so the templated annotations
// are predictable. Anomaly alerts get a
// traffic gap on their source series (no anomaly recording may be NaN or
// ±Inf) and a drop after a gap, fed as the recorded value, that must fire
// (see unittests_ml.go).
//
// Cases that need days of history (drift staleness on a fresh database,
// the switch to a seasonal baseline) go to tests/<model>.history.test.yaml,
// evaluated at a coarser interval so that promtool gets through days of
// evaluations in seconds.

// unitTestFile is promtool's test file layout.
type unitTestFile struct {
	RuleFiles          []string `yaml:"rule_files"`
	EvaluationInterval string   `yaml:"evaluation_interval"`
	// GroupEvalOrder lists the rule groups in file order: without it
	// promtool evaluates them in random order, and an alert may read a
	// recording from this evaluation or from the previous one.
	GroupEvalOrder []string   `yaml:"group_eval_order,omitempty"`
	Tests          []unitTest `yaml:"tests"`
}

type unitTest struct {
	Name        string          `yaml:"name"`
	Interval    string          `yaml:"interval"`
	InputSeries []inputSeries   `yaml:"input_series"`
	AlertTests  []alertRuleTest `yaml:"alert_rule_test"`
	PromQLTests []promqlTest    `yaml:"promql_expr_test,omitempty"`
}

type inputSeries struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type alertRuleTest struct {
	EvalTime  string     `yaml:"eval_time"`
	Alertname string     `yaml:"alertname"`
	ExpAlerts []expAlert `yaml:"exp_alerts"`
}

type expAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

type promqlTest struct {
	Expr       string      `yaml:"expr"`
	EvalTime   string      `yaml:"eval_time"`
	ExpSamples []expSample `yaml:"exp_samples"`
}

type expSample struct {
	Labels string  `yaml:"labels"`
	Value  float64 `yaml:"value"`
}

// testMinutes is how long synthetic series run. The outage starts at 0,
// so every window's error ratio is exactly 1 from the first evaluation
// on; the outage cases are checked once every alert they expect has
// fired (see outageMinute), or at testEvalTime; the healthy cases once
// the 1h windows are full.
const (
	testMinutes     = 150
	testEvalTime    = "2h"
	healthyEvalTime = "1h5m"
)

// outageMinute is the first minute at which the edge model (see
// unittests_edges.go) is sure that every alert fires with $value 100% on
// a total outage of perMin events a minute from deployment (after their
// `for`, and for quality SLOs once the long windows' feedback rate
// reaches min_feedback_rate), or testEvalTime's minute when it is not
// sure of that before.
func outageMinute(s *compiler.SLO, perMin float64, alerts []Alert) int {
	last := int(2 * time.Hour / time.Minute)
	var tr edgeTraffic
	tr.add(last, 0, perMin)
	md := edgeModel{s: s, tr: tr}
	for t := 1; t < last; t++ {
		all := true
		for _, a := range alerts {
			v, exact := md.exactValue(a, t)
			if a.Kind == KindQuality {
				// The rolling-window ratio is 1 on a total outage.
				v, exact = "100%", true
			}
			all = all && md.firing(a, t) == yes && exact && v == "100%"
		}
		if all {
			return t
		}
	}
	return last
}

// UnitTests returns the promtool test file for a model, or nil when no
// case can be generated.
func UnitTests(spec *compiler.Spec, m *compiler.Model) ([]byte, error) {
	alerts := Alerts(spec, m)
	return unitTests(spec, m, alerts, groupNames(groups(spec, m, alerts)))
}

// unitTests builds the test file from alerts and rule groups (their
// names, in file order) already built for the model.
func unitTests(spec *compiler.Spec, m *compiler.Model, alerts []Alert, order []string) ([]byte, error) {
	byName := map[string]Alert{}
	for _, a := range alerts {
		byName[a.Rule.Alert] = a
	}
	var tests []unitTest
	for _, s := range m.SLOs {
		tests = append(tests, sloTests(m, s, byName)...)
		tests = append(tests, edgeTests(m, s, byName)...)
	}
	for _, a := range m.Shares {
		if t, ok := shareTest(m, a, byName); ok {
			tests = append(tests, t)
		}
	}
	for _, a := range m.Anomalies {
		tests = append(tests, anomalyTests(m, a, byName)...)
	}
	if t, ok := absentTest(byName); ok {
		tests = append(tests, t)
	}
	if len(tests) == 0 {
		return nil, nil
	}
	f := unitTestFile{
		RuleFiles:          []string{"../" + m.Name + ".rules.yaml"},
		EvaluationInterval: "1m",
		GroupEvalOrder:     order,
		Tests:              tests,
	}
	return renderYAML(f, "Run with: promtool test rules "+m.Name+".test.yaml")
}

// groupNames returns the names of rule groups, in order.
func groupNames(rgs []rulefmt.RuleGroup) []string {
	out := make([]string, len(rgs))
	for i, g := range rgs {
		out[i] = g.Name
	}
	return out
}

// HistoryTests returns the promtool test file of a model's cases that
// need days of history (tests/<model>.history.test.yaml), or nil when it
// has none; see historyTests.
func HistoryTests(spec *compiler.Spec, m *compiler.Model) ([]byte, error) {
	alerts := Alerts(spec, m)
	return historyTestFile(m, alerts, groupNames(groups(spec, m, alerts)))
}

// historyTestFile builds the history test file from alerts and rule
// group names already built for the model.
func historyTestFile(m *compiler.Model, alerts []Alert, order []string) ([]byte, error) {
	byName := map[string]Alert{}
	for _, a := range alerts {
		byName[a.Rule.Alert] = a
	}
	tests, interval := historyTests(m, byName)
	if len(tests) == 0 {
		return nil, nil
	}
	f := unitTestFile{
		RuleFiles:          []string{"../" + m.Name + ".rules.yaml"},
		EvaluationInterval: win(interval),
		GroupEvalOrder:     order,
		Tests:              tests,
	}
	return renderYAML(f, "Run with: promtool test rules "+m.Name+".history.test.yaml")
}

// equalityOnly reports whether every matcher is an equality, so a series
// with exactly those labels matches.
func equalityOnly(sels ...compiler.Selector) bool {
	for _, s := range sels {
		for _, m := range s {
			if m.Op != "=" {
				return false
			}
		}
	}
	return true
}

// seriesText renders a series name with labels for promtool input.
func seriesText(metric string, sel compiler.Selector) string {
	return selector(metric, sel)
}

// counter returns promtool values for a counter growing by perMin each
// minute for testMinutes.
func counter(perMin float64) string {
	if perMin == 0 {
		return fmt.Sprintf("0x%d", testMinutes)
	}
	return fmt.Sprintf("0+%sx%d", decimal.MustParse(fmt.Sprintf("%g", perMin)), testMinutes)
}

// expected builds the exp_alerts entry for an alert firing with the given
// series labels and $value.
func expected(a Alert, seriesLabels map[string]string, value string) expAlert {
	lb := map[string]string{}
	for k, v := range seriesLabels {
		lb[k] = v
	}
	for k, v := range a.Rule.Labels {
		lb[k] = compiler.UnescapeTemplate(v)
	}
	ann := map[string]string{}
	for k, v := range a.Rule.Annotations {
		ann[k] = expandValue(v, value)
	}
	return expAlert{ExpLabels: lb, ExpAnnotations: ann}
}

// expandValue fills the only template vigil's annotations use on values
// these tests make exact.
func expandValue(s, value string) string {
	for _, pat := range []string{"{{ $value | humanizePercentage }}", "{{ $value | humanize }}"} {
		s = strings.ReplaceAll(s, pat, value)
	}
	return compiler.UnescapeTemplate(s)
}

// rateFor returns an event rate (per minute) well above the SLO's
// feedback guard.
func rateFor(s *compiler.SLO) float64 {
	perMin := 600.0
	if s.Quality != nil {
		perMin = max(perMin, s.Quality.MinFeedbackRate.Float64()*60*10)
	}
	return perMin
}

func sloTests(m *compiler.Model, s *compiler.SLO, byName map[string]Alert) []unitTest {
	if s.Slices != nil {
		// Time-slice SLOs count slices, not events: the event-based
		// outage and healthy cases below do not describe them.
		return sliceTests(m, s, byName)
	}
	name := compiler.Camel(s.Name)
	var target Alert
	var ok bool
	if target, ok = byName[name+"FastBurn"]; !ok {
		if target, ok = byName[name+"SlowBurn"]; !ok {
			return nil
		}
	}
	mt := m.Metrics
	perMin := rateFor(s)
	var outage, healthy []inputSeries
	switch s.Kind {
	case compiler.Availability:
		okSel, errSel, ok := requestSeries(m)
		if !ok {
			return nil
		}
		// Successful requests carry the request selector only; failures
		// add the error labels.
		outage = []inputSeries{{seriesText(mt.Requests.Metric, errSel), counter(perMin)}}
		healthy = []inputSeries{{seriesText(mt.Requests.Metric, okSel), counter(perMin)}}
	case compiler.Latency:
		h := mt.Latency
		le := leMatcher(s.Latency.Le.String())
		if !equalityOnly(h.Selector) {
			return nil
		}
		bucket := h.Selector.With(compiler.Selector{{Name: "le", Op: "=", Value: le[0].Value}})
		if le[0].Op != "=" {
			bucket = h.Selector.With(compiler.Selector{{Name: "le", Op: "=", Value: s.Latency.Le.String()}})
		}
		outage = []inputSeries{
			{seriesText(h.Metric+"_count", h.Selector), counter(perMin)},
			{seriesText(h.Metric+"_bucket", bucket), counter(0)},
		}
		healthy = []inputSeries{
			{seriesText(h.Metric+"_count", h.Selector), counter(perMin)},
			{seriesText(h.Metric+"_bucket", bucket), counter(perMin)},
		}
	case compiler.Quality:
		wrong, right, ok := feedbackSelectors(m, s)
		if !ok {
			return nil
		}
		perMin = 600
		if g := s.Quality.MinFeedbackRate.Float64() * 600; g > perMin {
			perMin = g
		}
		outage = []inputSeries{{seriesText(mt.Feedback.Metric, wrong), counter(perMin)}}
		healthy = []inputSeries{{seriesText(mt.Feedback.Metric, right), counter(perMin)}}
	default:
		return nil
	}
	lb := map[string]string{"model": m.Name, "slo": s.Name}
	firing := []Alert{target}
	if q, ok := byName[name+"BelowObjective"]; ok {
		firing = append(firing, q)
	}
	outageAt := win(time.Duration(outageMinute(s, perMin, firing)) * time.Minute)
	var outageTests, healthyTests []alertRuleTest
	for _, a := range firing {
		outageTests = append(outageTests, alertRuleTest{EvalTime: outageAt, Alertname: a.Rule.Alert, ExpAlerts: []expAlert{expected(a, lb, "100%")}})
		healthyTests = append(healthyTests, alertRuleTest{EvalTime: healthyEvalTime, Alertname: a.Rule.Alert, ExpAlerts: []expAlert{}})
	}
	return []unitTest{
		{Name: s.Name + ": a total outage fires " + target.Rule.Alert, Interval: "1m", InputSeries: outage, AlertTests: outageTests},
		{Name: s.Name + ": healthy traffic fires nothing", Interval: "1m", InputSeries: healthy, AlertTests: healthyTests},
	}
}

// feedbackSelectors returns the feedback series of one wrong and one
// right labelled prediction for a quality SLO: for precision, predicted
// positive but actually another class (right: both positive); for
// recall, actually positive but predicted another class; for accuracy,
// the first class predicted and another one actual (right: the first
// class on both labels). False when the feedback selector is not made
// of equalities.
func feedbackSelectors(m *compiler.Model, s *compiler.SLO) (wrong, right compiler.Selector, ok bool) {
	mt := m.Metrics
	q := s.Quality
	if !equalityOnly(mt.Feedback.Selector) {
		return nil, nil, false
	}
	pred, act := mt.FeedbackPredicted, mt.FeedbackActual
	positive := q.PositiveClass
	if q.Metric == "accuracy" {
		if len(mt.FeedbackClasses) == 0 {
			return nil, nil, false
		}
		positive = mt.FeedbackClasses[0]
	}
	other := otherClass(mt.FeedbackClasses, positive)
	pair := func(p, a string) compiler.Selector {
		return mt.Feedback.Selector.With(compiler.Selector{{Name: pred, Op: "=", Value: p}, {Name: act, Op: "=", Value: a}})
	}
	wrong = pair(positive, other)
	if q.Metric == "recall" {
		wrong = pair(other, positive)
	}
	return wrong, pair(positive, positive), true
}

// requestSeries returns the labels of a successful and of a failed
// request's series: the request selector's, plus the error selector's
// for failures. A regular-expression matcher gets a value it matches
// (`code=~"5.."`: code="500"), a negative matcher is satisfied by
// leaving its label out. False when no such labels exist, or when the
// successful series would match the error selector or the failed one
// not the request selector.
func requestSeries(m *compiler.Model) (okSel, errSel compiler.Selector, ok bool) {
	reqs := m.Metrics.Requests.Selector
	errs := reqs.With(m.Metrics.ErrorSelector)
	okSel, ok1 := concreteSelector(reqs)
	errSel, ok2 := concreteSelector(errs)
	if !ok1 || !ok2 || sameLabels(okSel, errSel) || !selects(reqs, errSel) || selects(errs, okSel) {
		return nil, nil, false
	}
	return okSel, errSel, true
}

// concreteSelector returns equality matchers naming one series that sel
// selects, or false when it finds none.
func concreteSelector(sel compiler.Selector) (compiler.Selector, bool) {
	out := compiler.Selector{}
	for _, mt := range sel {
		switch mt.Op {
		case "=":
			if mt.Value != "" {
				out = append(out, mt)
			}
		case "=~":
			v, ok := regexpExample(mt.Value)
			if !ok {
				return nil, false
			}
			if v != "" {
				out = append(out, compiler.Matcher{Name: mt.Name, Op: "=", Value: v})
			}
		}
	}
	// Labels left out must satisfy the negative matchers (and a regular
	// expression that only matched the empty value).
	return out, selects(sel, out)
}

// selects reports whether a series with exactly the labels of the
// equality selector series matches sel (a missing label is empty).
func selects(sel, series compiler.Selector) bool {
	value := map[string]string{}
	for _, mt := range series {
		value[mt.Name] = mt.Value
	}
	for _, mt := range sel {
		v := value[mt.Name]
		var ok bool
		switch mt.Op {
		case "=":
			ok = v == mt.Value
		case "!=":
			ok = v != mt.Value
		case "=~", "!~":
			re, err := regexp.Compile("^(?:" + mt.Value + ")$")
			if err != nil {
				return false
			}
			ok = re.MatchString(v) == (mt.Op == "=~")
		}
		if !ok {
			return false
		}
	}
	return true
}

// regexpExample returns a string the (fully anchored) regular
// expression matches, preferring digits for any-character classes
// ("5.." gives "500"), or false.
func regexpExample(expr string) (string, bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	var walk func(*syntax.Regexp) bool
	walk = func(r *syntax.Regexp) bool {
		switch r.Op {
		case syntax.OpLiteral:
			b.WriteString(string(r.Rune))
		case syntax.OpCharClass:
			if len(r.Rune) == 0 {
				return false
			}
			c := r.Rune[0]
			if r.Rune[0] <= '0' && '0' <= r.Rune[1] {
				c = '0'
			}
			b.WriteRune(c)
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			b.WriteRune('0')
		case syntax.OpCapture, syntax.OpPlus:
			return walk(r.Sub[0])
		case syntax.OpRepeat:
			for range r.Min {
				if !walk(r.Sub[0]) {
					return false
				}
			}
		case syntax.OpConcat:
			for _, sub := range r.Sub {
				if !walk(sub) {
					return false
				}
			}
		case syntax.OpAlternate:
			return walk(r.Sub[0])
		case syntax.OpStar, syntax.OpQuest, syntax.OpEmptyMatch,
			syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText:
		default:
			return false
		}
		return true
	}
	if !walk(re) {
		return "", false
	}
	v := b.String()
	ok, err := regexp.MatchString("^(?:"+expr+")$", v)
	return v, err == nil && ok
}

func sameLabels(a, b compiler.Selector) bool { return a.String() == b.String() }

func otherClass(classes []string, positive string) string {
	for _, c := range classes {
		if c != positive {
			return c
		}
	}
	return "not_" + positive
}

func shareTest(m *compiler.Model, a *compiler.ShareAlert, byName map[string]Alert) (unitTest, bool) {
	alert, ok := byName[compiler.Camel(a.Name)+"ShareHigh"]
	h := m.Metrics.Confidence
	if a.Histogram == "latency" {
		h = m.Metrics.Latency
	}
	if !ok || !equalityOnly(h.Selector) || !a.MinRate.IsZero() && a.MinRate.Float64() > 10 {
		return unitTest{}, false
	}
	// Twice the allowed share (capped at 100%) of 600 observations a
	// minute land on the alerting side of the bound.
	share := a.MaxPercent.Mul(decimal.FromInt(2))
	if share.Cmp(decimal.Hundred) > 0 {
		share = decimal.Hundred
	}
	side := share.Mul(decimal.FromInt(6)) // per minute, out of 600
	bucketPerMin := side.Float64()
	if !a.Below {
		bucketPerMin = 600 - bucketPerMin
	}
	bucket := h.Selector.With(compiler.Selector{{Name: "le", Op: "=", Value: a.Bound.String()}})
	in := []inputSeries{
		{seriesText(h.Metric+"_count", h.Selector), counter(600)},
		{seriesText(h.Metric+"_bucket", bucket), counter(bucketPerMin)},
	}
	lb := map[string]string{"model": m.Name, "share": a.Name}
	return unitTest{
		Name:        a.Name + ": twice the allowed share fires " + alert.Rule.Alert,
		Interval:    "1m",
		InputSeries: in,
		AlertTests:  []alertRuleTest{{EvalTime: testEvalTime, Alertname: alert.Rule.Alert, ExpAlerts: []expAlert{expected(alert, lb, share.String()+"%")}}},
	}, true
}

func absentTest(byName map[string]Alert) (unitTest, bool) {
	var names []string
	for n, a := range byName {
		if a.Kind == KindAbsent {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return unitTest{}, false
	}
	sort.Strings(names)
	t := unitTest{
		Name:        "absent series fire their absent-data alerts",
		Interval:    "1m",
		InputSeries: []inputSeries{{"vigil_unrelated_series", counter(1)}},
	}
	for _, n := range names {
		a := byName[n]
		// absent() returns the equality matchers of its selector as labels.
		lb := map[string]string{}
		for _, m := range a.selector {
			if m.Op == "=" {
				lb[m.Name] = m.Value
			}
		}
		t.AlertTests = append(t.AlertTests, alertRuleTest{EvalTime: "30m", Alertname: n, ExpAlerts: []expAlert{expected(a, lb, "1")}})
	}
	return t, true
}

// sliceTests are the outage and healthy cases of a latency time-slice
// SLO (docs/time-slices.md), on a histogram scraped every half slice, so
// that every slice holds two samples. A slice is bad when too few of its
// requests are fast: on a total outage (the threshold's bucket stays at
// 0) every slice is bad from the first evaluation whose slice holds two
// samples, t1 (the first evaluation at or after half a slice; before it
// the slice is empty, hence good), and the share of bad slices over a
// window W, the average of the per-evaluation slice states, is exactly 1
// from t1 + W on, under both range semantics (Prometheus 3's left-open
// windows, and the closed ones of promtool 2, which at t1 + W - 1m still
// hold the good evaluation before t1). The case checks the alert at
// t1 + W, W its first window pair's long window, where its $value is
// exactly 100%; for windows of a day (tickets), earlier (below). Ratio
// time-slice SLOs have arbitrary queries and get no case.
func sliceTests(m *compiler.Model, s *compiler.SLO, byName map[string]Alert) []unitTest {
	if s.Kind != compiler.Latency || !equalityOnly(m.Metrics.Latency.Selector) {
		return nil
	}
	name := compiler.Camel(s.Name)
	target, ok := byName[name+"FastBurn"]
	if !ok {
		if target, ok = byName[name+"SlowBurn"]; !ok {
			return nil
		}
	}
	if len(target.Windows) == 0 {
		return nil
	}
	length := time.Duration(s.Slices.Length)
	scrape := length / 2
	if scrape < time.Second || scrape%time.Second != 0 {
		return nil
	}
	// Evaluations are a minute apart (the file's evaluation_interval).
	t1 := (scrape + time.Minute - 1) / time.Minute * time.Minute
	first := target.Windows[0]
	at := t1 + time.Duration(first.Long)
	value := "100%"
	if at > 3*time.Hour {
		// A long window of a day or more would need a day of series:
		// check the alert 9 minutes after t1 instead, when every window
		// of the pair (longer than that) holds all evaluations so far,
		// the 10 from t1 on bad: its $value is 10 / (at + 1) (at in
		// minutes), written as humanizePercentage does. No case when the
		// pair is not clearly met then, or the rounded value would
		// change within 1e-9.
		at = t1 + 9*time.Minute
		if time.Duration(first.Short) <= at {
			return nil
		}
		ratio := 10 / (at.Minutes() + 1)
		if ratio <= first.Factor.Float64()*(1-s.ObjectiveRatio().Float64())*(1+1e-9) {
			return nil
		}
		value = fmt.Sprintf("%.4g%%", ratio*100)
		if fmt.Sprintf("%.4g%%", ratio*100*(1+1e-9)) != value || fmt.Sprintf("%.4g%%", ratio*100*(1-1e-9)) != value {
			return nil
		}
	}
	steps := int((at+5*time.Minute)/scrape) + 1
	perStep := decimal.MustParse(fmt.Sprintf("%g", rateFor(s)*scrape.Minutes()))
	grow := fmt.Sprintf("0+%sx%d", perStep, steps)
	h := m.Metrics.Latency
	le := leMatcher(s.Latency.Le.String())
	bucket := h.Selector.With(compiler.Selector{{Name: "le", Op: "=", Value: le[0].Value}})
	if le[0].Op != "=" {
		bucket = h.Selector.With(compiler.Selector{{Name: "le", Op: "=", Value: s.Latency.Le.String()}})
	}
	count := seriesText(h.Metric+"_count", h.Selector)
	outage := []inputSeries{{count, grow}, {seriesText(h.Metric+"_bucket", bucket), fmt.Sprintf("0x%d", steps)}}
	healthy := []inputSeries{{count, grow}, {seriesText(h.Metric+"_bucket", bucket), grow}}
	lb := map[string]string{"model": m.Name, "slo": s.Name}
	return []unitTest{
		{Name: fmt.Sprintf("%s: every %s slice slow fires %s", s.Name, win(length), target.Rule.Alert), Interval: win(scrape), InputSeries: outage,
			AlertTests: []alertRuleTest{{EvalTime: win(at), Alertname: target.Rule.Alert, ExpAlerts: []expAlert{expected(target, lb, value)}}}},
		{Name: s.Name + ": every slice fast fires nothing", Interval: win(scrape), InputSeries: healthy,
			AlertTests: []alertRuleTest{{EvalTime: win(at), Alertname: target.Rule.Alert, ExpAlerts: []expAlert{}}}},
	}
}
