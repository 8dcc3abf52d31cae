package prometheus

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/decimal"
)

// Groups returns the rule groups for one model, in a stable order: a
// meta group (the evaluation timestamp), per SLO a raw-SLI group and a
// derived-window/budget group (so each SLO's groups evaluate in parallel
// with other SLOs'), one group for ML recordings, and one group for every
// alert of the model. Group names are "vigil:<model>:<purpose>".
func Groups(spec *compiler.Spec, m *compiler.Model) []rulefmt.RuleGroup {
	return groups(spec, m, Alerts(spec, m))
}

// groups builds the rule groups around alerts already built for the model.
func groups(spec *compiler.Spec, m *compiler.Model, alerts []Alert) []rulefmt.RuleGroup {
	groups := []rulefmt.RuleGroup{{Name: groupName(m, "meta"), Rules: []rulefmt.Rule{
		record(recEvaluation, "vector(time())", map[string]string{"model": m.Name}),
	}}}
	for _, s := range m.SLOs {
		raw, slo := sloRecordings(m, s)
		groups = append(groups,
			rulefmt.RuleGroup{Name: groupName(m, "slo", s.Name, "sli"), Rules: raw},
			rulefmt.RuleGroup{Name: groupName(m, "slo", s.Name, "budget"), Rules: slo},
		)
	}
	if ml := mlRecordings(m); len(ml) > 0 {
		groups = append(groups, rulefmt.RuleGroup{Name: groupName(m, "ml"), Rules: ml})
	}
	if len(alerts) > 0 {
		rules := make([]rulefmt.Rule, len(alerts))
		for i, a := range alerts {
			rules[i] = a.Rule
		}
		groups = append(groups, rulefmt.RuleGroup{Name: groupName(m, "alerts"), Rules: rules})
	}
	return groups
}

func groupName(m *compiler.Model, parts ...string) string {
	return "vigil:" + m.Name + ":" + strings.Join(parts, ":")
}

// labels returns the {model, slo} rule labels.
func sloLabels(m *compiler.Model, s *compiler.SLO) map[string]string {
	return map[string]string{"model": m.Name, "slo": s.Name}
}

func record(name, expr string, labels map[string]string) rulefmt.Rule {
	return rulefmt.Rule{Record: name, Expr: expr, Labels: labels}
}

// sloRecordings returns an SLO's raw-window SLI rules and its
// derived-window and meta rules.
func sloRecordings(m *compiler.Model, s *compiler.SLO) (raw, derived []rulefmt.Rule) {
	ws := windowsFor(s)
	lb := sloLabels(m, s)
	sel := sliSelector(m, s)
	events := func(w time.Duration) string { return rec(recEvents, w) + sel }
	// positive is the recorded event rate over w where it is positive:
	// every ratio divides by it, so a window without traffic has no ratio
	// sample rather than NaN.
	positive := func(w time.Duration) string { return "(" + events(w) + " > 0)" }
	// Only the base window records its error rate (the SLO window
	// averages it); other windows record events (for the low-traffic
	// guard and dashboards) and the error ratio.
	fromBase := func(w time.Duration) []rulefmt.Rule {
		return []rulefmt.Rule{
			record(rec(recEvents, w), fmt.Sprintf("avg_over_time(%s[%s])", events(ws.base), win(w)), lb),
			record(rec(recErrorRatio, w), fmt.Sprintf("avg_over_time(%s%s[%s]) / %s", rec(recErrors, ws.base), sel, win(w), positive(w)), lb),
		}
	}
	for _, w := range ws.raw {
		switch {
		case w == ws.base:
			// Events first: the error rule reads the recorded event rate
			// (rules of a group are evaluated in order, each seeing the
			// samples the ones before it wrote at the same instant).
			errs, ev := rawSLI(m, s, w, "sum("+events(w)+")")
			raw = append(raw,
				record(rec(recEvents, w), ev, lb),
				record(rec(recErrors, w), errs, lb),
				record(rec(recErrorRatio, w), fmt.Sprintf("%s%s / %s", rec(recErrors, w), sel, positive(w)), lb))
		case s.TimeBased():
			raw = append(raw, fromBase(w)...)
		default:
			errs, ev := rawSLI(m, s, w, "sum("+events(w)+")")
			raw = append(raw,
				record(rec(recEvents, w), ev, lb),
				// The error expression is an unlabelled sum; on () matches
				// it with the recorded, labelled event rate.
				record(rec(recErrorRatio, w), fmt.Sprintf("%s / on () %s", errs, positive(w)), lb))
		}
	}
	for _, w := range ws.derived {
		derived = append(derived, fromBase(w)...)
	}

	budget := s.ErrorBudget()
	full := time.Duration(s.Window)
	derived = append(derived,
		record(recObjective, "vector("+s.ObjectiveRatio().String()+")", lb),
		record(recErrorBudget, "vector("+budget.String()+")", lb),
		record(rec(recSLI, full), fmt.Sprintf("1 - %s%s", rec(recErrorRatio, full), sel), lb),
	)
	// Burn rate now (over the shortest long window of the alert policy)
	// and over the whole period.
	for _, w := range []time.Duration{CurrentWindow(s), full} {
		derived = append(derived, record(rec(recBurnRate, w), fmt.Sprintf("%s%s / %s", rec(recErrorRatio, w), sel, budget), lb))
	}
	// The same current burn rate under a window-free name, so fleet views
	// can show every SLO whatever its policy.
	derived = append(derived, record(recBurnRateCurrent, rec(recBurnRate, CurrentWindow(s))+sel, lb))
	derived = append(derived,
		record(recBudgetConsumed, budgetConsumed(m, s, ws), lb),
		record(recBudgetRemaining, fmt.Sprintf("1 - %s%s", recBudgetConsumed, sel), lb),
		// The budget left, as seconds of full outage, for dashboards and
		// runbooks ("12 minutes left").
		record(recBudgetSeconds, fmt.Sprintf("%s%s * %s", recBudgetRemaining, sel, budget.Mul(decimal.FromInt(int64(full/time.Second)))), lb),
	)
	return raw, derived
}

// budgetConsumed is the share of the SLO window's error budget consumed:
// bad events over the bad events the whole window allows,
//
//	consumed = bad events so far / (budget * events in the window)
//
// Once the window is full of history this is the window's error ratio
// over the budget, exactly. Before that (after the rules are first
// deployed, or after a history loss) the window's total is projected
// from the traffic seen so far: if the base recordings cover a share c
// of the window, bad events so far = ratio * events so far and the
// projected total = events so far / c, so
//
//	consumed = ratio / budget * c
//	c = min(1, base samples in the window * evaluation interval / window)
//
// An error ratio measured over one hour is not a month's consumption:
// one minute of full outage an hour after deployment is 2.3% of a
// 99.9%/30d budget, not 1667%. The evaluation interval is the gap
// between the last two evaluations of the model's meta group (idelta of
// vigil:rules_evaluation:timestamp). Counting the base recording's own
// samples, rather than time since the rules were deployed, keeps the
// history an upgrade from an earlier vigil inherits, and leaves out
// stretches without counters as the average does. An SLO window shorter
// than a day is a rate over the raw counters, whose history may predate
// the rules; it is scaled the same way, so that a service's cold start
// never overstates its consumption. The price, for at most that window
// after vigil is first deployed on a service whose counters are older
// than the rules, is a consumption read low in proportion to the rules'
// history (never high).
func budgetConsumed(m *compiler.Model, s *compiler.SLO, ws sloWindows) string {
	full := time.Duration(s.Window)
	sel := sliSelector(m, s)
	ratio := fmt.Sprintf("%s%s / %s", rec(recErrorRatio, full), sel, s.ErrorBudget())
	secs := int64(full / time.Second)
	return fmt.Sprintf("%s\n* on ()\nclamp_max(\n  count_over_time(%s%s[%s])\n  * on ()\n  idelta(%s{model=%s}[1h]) / %d,\n  1\n)",
		ratio, rec(recEvents, ws.base), sel, win(full), recEvaluation, compiler.Quote(m.Name), secs)
}

// CurrentWindow is the window of the "current burn rate" recording: the
// shortest long window of the enabled policies (1h by default), or the SLO
// window. Dashboards plot vigil:slo_burn_rate:rate<CurrentWindow>.
func CurrentWindow(s *compiler.SLO) time.Duration {
	cur := time.Duration(0)
	for _, w := range s.AlertWindows() {
		if l := time.Duration(w.Long); cur == 0 || l < cur {
			cur = l
		}
	}
	if cur == 0 {
		cur = time.Duration(s.Window)
	}
	return cur
}

// mlRecordings returns share-of-observation and anomaly recordings.
func mlRecordings(m *compiler.Model) []rulefmt.Rule {
	var out []rulefmt.Rule
	for _, a := range m.Shares {
		lb := map[string]string{"model": m.Name, "share": a.Name}
		h := m.Metrics.Confidence
		if a.Histogram == "latency" {
			h = m.Metrics.Latency
		}
		r := "[" + win(time.Duration(a.Window)) + "]"
		count := fmt.Sprintf("sum(rate(%s%s))", selector(h.Metric+"_count", h.Selector), r)
		below := fmt.Sprintf("(sum(rate(%s%s)) or vector(0))", selector(h.Metric+"_bucket", h.Selector.With(leMatcher(a.Bound.String()))), r)
		// A window without observations has no share sample, not NaN.
		share := below + " / (" + count + " > 0)"
		if !a.Below {
			share = "1 - " + share
		}
		out = append(out,
			record(rec(recShareEvents, time.Duration(a.Window)), count, lb),
			record(rec(recShare, time.Duration(a.Window)), share, lb),
		)
	}
	for _, a := range m.Anomalies {
		out = append(out, anomalyRecordings(m, a)...)
	}
	return out
}

// BudgetConsumedRecord is the recorded share of an SLO's error budget
// consumed, which the budget-tier alerts compare with their thresholds,
// for tools that read the rules' results (`vigil simulate`).
const BudgetConsumedRecord = recBudgetConsumed

// recAnomalySeasonal says which mean a seasonal anomaly baseline uses:
// 1 the seasonal one, 0 the non-seasonal fallback.
const recAnomalySeasonal = "vigil:anomaly_baseline:seasonal"

// anomalyRecordings returns an anomaly alert's value, baseline and
// z-score recordings. None of them ever records NaN or ±Inf: the value
// keeps only finite samples (a ratio KPI is 0/0 during a traffic gap),
// so a gap leaves a hole in the history instead of poisoning every
// window that holds it, and the z-score divides only by a positive
// standard deviation (a flat baseline gives no z-score rather than
// ±Inf). Every window therefore recovers as soon as traffic returns.
//
// A rolling baseline's mean is the average over baseline_window. A
// seasonal one averages the same window one season earlier, once that
// window lies within the rules' history and holds samples; until then
// (the first season + baseline_window after deployment, or when the
// window a season ago was a gap) it falls back to the rolling mean, and
// vigil:anomaly_baseline:seasonal says which is in use. The standard
// deviation is always the trailing one.
func anomalyRecordings(m *compiler.Model, a *compiler.AnomalyAlert) []rulefmt.Rule {
	lb := map[string]string{"model": m.Name, "anomaly": a.Name}
	sel := fmt.Sprintf(`{model=%s,anomaly=%s}`, compiler.Quote(m.Name), compiler.Quote(a.Name))
	value := recAnomalyValue + sel
	bw := time.Duration(a.BaselineWindow)
	rolling := fmt.Sprintf("avg_over_time(%s[%s])", value, win(bw))
	out := []rulefmt.Rule{record(recAnomalyValue, "(sum("+a.Query+") > -Inf) < Inf", lb)}
	mean := rolling
	if a.Baseline == "seasonal" {
		season := time.Duration(a.Season)
		seasonal := fmt.Sprintf("avg_over_time(%s[%s] offset %s)", value, win(bw), win(season))
		out = append(out, record(recAnomalySeasonal, fmt.Sprintf("(%s >= bool %d)\n* on ()\n(present_over_time(%s[%s] offset %s) or on () vector(0))",
			rulesRunning(m, season+bw), int64((season+bw)/time.Second), value, win(bw), win(season)), lb))
		mean = fmt.Sprintf("%s\nand on ()\n(%s%s == 1)\nor\n%s", seasonal, recAnomalySeasonal, sel, rolling)
	}
	return append(out,
		record(recAnomalyMean, mean, lb),
		record(recAnomalyStddev, fmt.Sprintf("stddev_over_time(%s[%s])", value, win(bw)), lb),
		record(recAnomalyZ, fmt.Sprintf("(%s - %s%s) / (%s%s > 0)", value, recAnomalyMean, sel, recAnomalyStddev, sel), lb),
	)
}

// rulesRunning is how long the model's rules have been evaluated, up to
// d plus a margin: `rulesRunning(m, d) >= d` holds once they have run for
// d. The range reaches a margin beyond d so that it still holds a sample
// at least d old between evaluations; the margin (a quarter of d, at most
// an hour) must be at least the evaluation interval. It reads
// vigil:rules_evaluation:timestamp, which the model's meta group records
// at every evaluation, so a fresh database or a Prometheus that was down
// for longer than d starts counting from zero.
func rulesRunning(m *compiler.Model, d time.Duration) string {
	margin := min(d/4, time.Hour).Truncate(time.Second)
	return fmt.Sprintf("time() - min_over_time(%s{model=%s}[%s])", recEvaluation, compiler.Quote(m.Name), win(d+margin))
}

// dur converts a time.Duration to the rule file's duration type.
func dur(d time.Duration) model.Duration { return model.Duration(d) }
