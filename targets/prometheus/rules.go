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
	// Only the base window records its error rate (the derived windows
	// average it); other windows record events (for the low-traffic guard
	// and dashboards) and the error ratio.
	fromBase := func(w time.Duration) []rulefmt.Rule {
		return []rulefmt.Rule{
			record(rec(recEvents, w), fmt.Sprintf("avg_over_time(%s[%s])", events(ws.base), win(w)), lb),
			record(rec(recErrorRatio, w), fmt.Sprintf("avg_over_time(%s%s[%s]) / %s", rec(recErrors, ws.base), sel, win(w), events(w)), lb),
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
				record(rec(recErrorRatio, w), fmt.Sprintf("%s%s / %s", rec(recErrors, w), sel, events(w)), lb))
		case s.Kind == compiler.Freshness:
			raw = append(raw, fromBase(w)...)
		default:
			errs, ev := rawSLI(m, s, w, "sum("+events(w)+")")
			raw = append(raw,
				record(rec(recEvents, w), ev, lb),
				// The error expression is an unlabelled sum; on () matches
				// it with the recorded, labelled event rate.
				record(rec(recErrorRatio, w), fmt.Sprintf("%s / on () %s", errs, events(w)), lb))
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
		record(recBudgetConsumed, fmt.Sprintf("%s%s / %s", rec(recErrorRatio, full), sel, budget), lb),
		record(recBudgetRemaining, fmt.Sprintf("1 - %s%s", recBudgetConsumed, sel), lb),
		// The budget left, as seconds of full outage, for dashboards and
		// runbooks ("12 minutes left").
		record(recBudgetSeconds, fmt.Sprintf("%s%s * %s", recBudgetRemaining, sel, budget.Mul(decimal.FromInt(int64(full/time.Second)))), lb),
	)
	return raw, derived
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
		share := below + " / " + count
		if !a.Below {
			share = "1 - " + share
		}
		out = append(out,
			record(rec(recShareEvents, time.Duration(a.Window)), count, lb),
			record(rec(recShare, time.Duration(a.Window)), share, lb),
		)
	}
	for _, a := range m.Anomalies {
		lb := map[string]string{"model": m.Name, "anomaly": a.Name}
		sel := fmt.Sprintf(`{model=%s,anomaly=%s}`, compiler.Quote(m.Name), compiler.Quote(a.Name))
		bw := win(time.Duration(a.BaselineWindow))
		mean := fmt.Sprintf("avg_over_time(%s%s[%s])", recAnomalyValue, sel, bw)
		if a.Baseline == "seasonal" {
			// The same hour one season ago.
			mean = fmt.Sprintf("avg_over_time(%s%s[1h] offset %s)", recAnomalyValue, sel, win(time.Duration(a.Season)))
		}
		out = append(out,
			record(recAnomalyValue, "sum("+a.Query+")", lb),
			record(recAnomalyMean, mean, lb),
			record(recAnomalyStddev, fmt.Sprintf("stddev_over_time(%s%s[%s])", recAnomalyValue, sel, bw), lb),
			record(recAnomalyZ, fmt.Sprintf("(%s%s - %s%s) / %s%s", recAnomalyValue, sel, recAnomalyMean, sel, recAnomalyStddev, sel), lb),
		)
	}
	return out
}

// dur converts a time.Duration to the rule file's duration type.
func dur(d time.Duration) model.Duration { return model.Duration(d) }
