package prometheus

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/decimal"
)

// Windows.
//
// Every SLO records, for each window its alerts and dashboards need, the
// rate of all events and the ratio of bad to all events:
//
//	vigil:sli_events:rate<W>       events per second over W
//	vigil:sli_error_ratio:rate<W>  bad events / events over W
//
// all labelled {model, slo}; the base window (5m, or a policy's shorter
// short window) also records vigil:sli_errors:rate<base>, bad events per
// second.
//
// Every window an alert reads (the burn-rate pairs and a quality SLO's
// rolling window, 1d and 3d included) is a rate over the raw counters,
// so an alert sees exactly what the workbook's formulas assume: a 3d
// window averaged from 5m recordings trails the raw rate by minutes. Only
// the SLO window itself (28-30 days, for the budget and its tiers) is
// derived from the base window's recorded rates:
//
//	errors(W) = avg_over_time(vigil:sli_errors:rate<base>[W])
//	events(W) = avg_over_time(vigil:sli_events:rate<base>[W])
//
// so that Prometheus never scans 30 days of raw samples for every model
// on every evaluation; it reads one recorded sample per evaluation
// interval instead. The ratio of the two averages is traffic-weighted:
// each base interval counts in proportion to its traffic, exactly as a
// rate over the raw counters would (up to the base window at the edge),
// unlike averaging per-interval error ratios (Sloth's "optimized" mode),
// which gives a quiet night the same weight as a busy day and is wrong
// whenever traffic varies. The SLO window starts when the base recording
// started: after the rules are first deployed it covers only the time
// since, which the budget recordings account for (see budgetConsumed).
//
// No recording is ever NaN or Inf: a ratio divides only by a positive
// event rate, so a window without traffic has no ratio sample (an alert
// on it is silent, a dashboard shows no data) instead of a NaN that would
// poison every window that averages it.
const derivedFrom = 24 * time.Hour

// baseWindow is the preferred base window; a policy with a shorter short
// window lowers it.
const baseWindow = 5 * time.Minute

// sloWindows is the set of windows one SLO needs.
type sloWindows struct {
	base    time.Duration
	raw     []time.Duration // every alert window and the base, ascending
	derived []time.Duration // the SLO window when >= derivedFrom (else empty)
}

// windowsFor collects the windows an SLO's policy, quality alert and
// meta rules use: every alert window is raw; the SLO window is derived
// when it is at least derivedFrom long.
func windowsFor(s *compiler.SLO) sloWindows {
	set := map[time.Duration]bool{}
	for _, w := range s.AlertWindows() {
		set[time.Duration(w.Long)] = true
		set[time.Duration(w.Short)] = true
	}
	if s.Quality != nil {
		set[time.Duration(s.Quality.RollingWindow)] = true
	}
	base := baseWindow
	for w := range set {
		if w < base {
			base = w
		}
	}
	set[base] = true
	full := time.Duration(s.Window)
	out := sloWindows{base: base}
	if full >= derivedFrom {
		delete(set, full)
		out.derived = []time.Duration{full}
	} else {
		set[full] = true
	}
	for w := range set {
		out.raw = append(out.raw, w)
	}
	sort.Slice(out.raw, func(i, j int) bool { return out.raw[i] < out.raw[j] })
	return out
}

// Recording rule names.
const (
	// recEvaluation records the time of every evaluation of a model's
	// rules ({model}): min_over_time of it over a window says since when
	// the rules have been running, for how much of a derived window
	// history exists (budget consumption after a cold start) and whether
	// an absent series has been absent for long enough to matter (drift
	// staleness on a fresh database).
	recEvaluation = "vigil:rules_evaluation:timestamp"

	recErrors     = "vigil:sli_errors:rate"
	recEvents     = "vigil:sli_events:rate"
	recErrorRatio = "vigil:sli_error_ratio:rate"
	recBurnRate   = "vigil:slo_burn_rate:rate"

	recBurnRateCurrent = "vigil:slo_burn_rate:current"

	recObjective       = "vigil:slo_objective:ratio"
	recErrorBudget     = "vigil:slo_error_budget:ratio"
	recSLI             = "vigil:slo_sli:ratio_rate"
	recBudgetConsumed  = "vigil:slo_budget_consumed:ratio"
	recBudgetRemaining = "vigil:slo_budget_remaining:ratio"
	recBudgetSeconds   = "vigil:slo_budget_remaining:seconds"

	recShare       = "vigil:share:ratio_rate"
	recShareEvents = "vigil:share_events:rate"

	recAnomalyValue  = "vigil:anomaly:value"
	recAnomalyMean   = "vigil:anomaly_baseline:mean"
	recAnomalyStddev = "vigil:anomaly_baseline:stddev"
	recAnomalyZ      = "vigil:anomaly:zscore"
)

// Rec returns a windowed recording rule name, e.g. Rec(recErrorRatio,
// 5m) = "vigil:sli_error_ratio:rate5m".
func rec(prefix string, w time.Duration) string { return prefix + win(w) }

func win(w time.Duration) string { return compiler.FormatDuration(w) }

// sliSelector selects one SLO's recorded series.
func sliSelector(m *compiler.Model, s *compiler.SLO) string {
	return fmt.Sprintf(`{model=%s,slo=%s}`, compiler.Quote(m.Name), compiler.Quote(s.Name))
}

// selector renders a metric selector.
func selector(metric string, sel compiler.Selector) string {
	if len(sel) == 0 {
		return metric
	}
	return metric + "{" + sel.String() + "}"
}

// eqMatcher is an equality matcher.
func eqMatcher(name, value string) compiler.Selector {
	return compiler.Selector{{Name: name, Op: "=", Value: value}}
}

// leMatcher selects the bucket of an upper bound. Integer bounds are
// written "1" by some client libraries and "1.0" by others (and by
// Prometheus 3, which normalizes classic histogram `le` labels), so they
// match both.
func leMatcher(le string) compiler.Selector {
	if !strings.Contains(le, ".") {
		return compiler.Selector{{Name: "le", Op: "=~", Value: le + `(\.0)?`}}
	}
	return eqMatcher("le", le)
}

// rawSLI returns the PromQL for bad and all events per second over w, from
// the raw series. recordedEvents is the event rate over w as recorded by
// the rule evaluated just before the error rule (an unlabelled sum of
// it): where the error expression needs the event rate too (the zero when
// no error series exists; latency and accuracy, whose errors are events
// minus good events), it reads that recording instead of scanning the raw
// series over w a second time.
func rawSLI(m *compiler.Model, s *compiler.SLO, w time.Duration, recordedEvents string) (errors, events string) {
	r := "[" + win(w) + "]"
	mt := m.Metrics
	sumRate := func(metric string, sel compiler.Selector) string {
		return fmt.Sprintf("sum(rate(%s%s))", selector(metric, sel), r)
	}
	orZero := func(e string) string { return "(" + e + " or vector(0))" }
	// zeroWithEvents is e, or 0 where only the event count exists: a
	// service with no failures yet has no error series, but an error
	// sample must exist exactly when an event sample does, or the derived
	// windows would average in zeros from moments without traffic.
	zeroWithEvents := func(e, events string) string { return "(" + e + " or 0 * " + events + ")" }
	if s.Slices != nil {
		return slicedSLI(m, s)
	}
	switch s.Kind {
	case compiler.Availability:
		sel := mt.Requests.Selector
		events = sumRate(mt.Requests.Metric, sel)
		errors = zeroWithEvents(sumRate(mt.Requests.Metric, sel.With(mt.ErrorSelector)), recordedEvents)
	case compiler.Latency:
		h := mt.Latency
		events = sumRate(h.Metric+"_count", h.Selector)
		good := orZero(sumRate(h.Metric+"_bucket", h.Selector.With(leMatcher(s.Latency.Le.String()))))
		errors = fmt.Sprintf("(%s - %s)", recordedEvents, good)
	case compiler.Quality:
		f := mt.Feedback
		q := s.Quality
		pred, act := mt.FeedbackPredicted, mt.FeedbackActual
		switch q.Metric {
		case "precision":
			events = sumRate(f.Metric, f.Selector.With(eqMatcher(pred, q.PositiveClass)))
			errors = zeroWithEvents(sumRate(f.Metric, f.Selector.With(eqMatcher(pred, q.PositiveClass)).With(compiler.Selector{{Name: act, Op: "!=", Value: q.PositiveClass}})), recordedEvents)
		case "recall":
			events = sumRate(f.Metric, f.Selector.With(eqMatcher(act, q.PositiveClass)))
			errors = zeroWithEvents(sumRate(f.Metric, f.Selector.With(eqMatcher(act, q.PositiveClass)).With(compiler.Selector{{Name: pred, Op: "!=", Value: q.PositiveClass}})), recordedEvents)
		default: // accuracy: PromQL cannot compare two labels, so sum the diagonal.
			events = sumRate(f.Metric, f.Selector)
			var diag []string
			for _, c := range mt.FeedbackClasses {
				diag = append(diag, orZero(sumRate(f.Metric, f.Selector.With(eqMatcher(pred, c)).With(eqMatcher(act, c)))))
			}
			errors = fmt.Sprintf("(%s - (%s))", recordedEvents, strings.Join(diag, " + "))
		}
	case compiler.Ratio:
		errors = zeroWithEvents("sum("+strings.ReplaceAll(s.Ratio.Errors, "$window", win(w))+")", recordedEvents)
		events = "sum(" + strings.ReplaceAll(s.Ratio.Total, "$window", win(w)) + ")"
	case compiler.Freshness:
		// Time-based: each evaluation is one event, bad when the data is
		// older than max_age. Only the base window has this form.
		q := s.Freshness.LastSuccess
		maxAge := int64(time.Duration(s.Freshness.MaxAge) / time.Second)
		errors = fmt.Sprintf("((time() - max(%s)) > bool %d)", q, maxAge)
		events = fmt.Sprintf("((time() - max(%s)) * 0 + 1)", q)
	}
	return errors, events
}

// slicedSLI is a time-slice SLO's per-evaluation SLI: one event per
// evaluation, bad (1) when the slice ending then (the last slice length
// of traffic) failed its condition, good (0) otherwise, including a slice
// without traffic. Like freshness, only the base window has this form;
// longer windows average it, giving the share of bad slices.
func slicedSLI(m *compiler.Model, s *compiler.SLO) (errors, events string) {
	r := "[" + win(time.Duration(s.Slices.Length)) + "]"
	sumRate := func(metric string, sel compiler.Selector) string {
		return fmt.Sprintf("sum(rate(%s%s))", selector(metric, sel), r)
	}
	var cond string
	switch s.Kind {
	case compiler.Latency:
		h := m.Metrics.Latency
		good := "(" + sumRate(h.Metric+"_bucket", h.Selector.With(leMatcher(s.Latency.Le.String()))) + " or vector(0))"
		total := sumRate(h.Metric+"_count", h.Selector)
		// Bad: fewer than percentile% of the slice's requests within
		// the threshold.
		cond = fmt.Sprintf("(%s / (%s > 0)) < bool %s", good, total, s.Slices.Percentile.Quo(decimal.Hundred))
	default: // compiler.Ratio (normalize allows nothing else)
		errs := "(sum(" + strings.ReplaceAll(s.Ratio.Errors, "$window", win(time.Duration(s.Slices.Length))) + ") or vector(0))"
		total := "sum(" + strings.ReplaceAll(s.Ratio.Total, "$window", win(time.Duration(s.Slices.Length))) + ")"
		cond = fmt.Sprintf("(%s / (%s > 0)) > bool %s", errs, total, s.Slices.MaxErrorPercent.Quo(decimal.Hundred))
	}
	return "((" + cond + ") or vector(0))", "vector(1)"
}

// ErrorRatioRecord is the name of the recorded error ratio over window w,
// e.g. "vigil:sli_error_ratio:rate1h", recorded for every window of an
// SLO's burn-rate policy (for tools that read the rules' results, such as
// `vigil simulate`).
func ErrorRatioRecord(w time.Duration) string { return rec(recErrorRatio, w) }

// SLISelector is the {model, slo} selector of an SLO's recorded series.
func SLISelector(m *compiler.Model, s *compiler.SLO) string { return sliSelector(m, s) }

// SLIQueries returns an event-based SLO's bad-event and all-event rates
// as standalone PromQL, with `$window` where the range goes: the
// expressions the error-ratio recordings divide (for tools that need
// the SLI outside vigil's rules, such as `vigil export openslo`). ok is
// false for freshness and time-slice SLOs, whose events are rule
// evaluations, not rates over a window.
func SLIQueries(m *compiler.Model, s *compiler.SLO) (errors, events string, ok bool) {
	if s.TimeBased() {
		return "", "", false
	}
	const sentinel = 7777 * time.Second
	_, events = rawSLI(m, s, sentinel, "")
	errors, _ = rawSLI(m, s, sentinel, events)
	w := "[" + win(sentinel) + "]"
	return strings.ReplaceAll(errors, w, "[$window]"), strings.ReplaceAll(events, w, "[$window]"), true
}
