package runbook

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/targets/grafana"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// A diagnosis query is PromQL an on-call engineer can run as is, in
// Grafana's Explore (each gets a link) or Prometheus's own UI: literal
// ranges rather than Grafana's $__rate_interval, and only series the
// generated rules record or the spec's mapping names (tested). Where a
// dashboard panel plots the same thing, the query also links to it.
type diagQuery struct {
	// title says what the query shows, note how to read it.
	title, note string
	expr        string
	// last is the time range Explore opens with, e.g. "6h".
	last string
	// panel is the key of the model dashboard's panel that plots it, if
	// any (a grafana panel key).
	panel string
}

// rateWindow is the range of the queries' rates: the base window of the
// SLI recordings and the short window of the fastest default page.
const rateWindow = "5m"

// breakdown is a label a query splits by; outlier says what one line
// above the others means.
type breakdown struct{ label, words, outlier string }

// breakdowns are the labels a model's serving series can be split by:
// its version label when the spec declares one, and `instance`, the
// label Prometheus gives every scraped series (through federation or
// remote write without it, the split shows a single line).
func breakdowns(m *compiler.Model) []breakdown {
	var out []breakdown
	if m.VersionLabel != "" {
		out = append(out, breakdown{m.VersionLabel, "model version (`" + m.VersionLabel + "`)",
			"One line per version: one version above the others points at a rollout."})
	}
	return append(out, breakdown{"instance", "instance",
		"One line per instance: one instance above the others points at it (a bad node, a stale model file), all of them at something they share."})
}

// series renders a selector.
func series(metric string, sel compiler.Selector) string {
	if len(sel) == 0 {
		return metric
	}
	return metric + "{" + sel.String() + "}"
}

// sumRate is sum [by (labels)] (rate(series[w])).
func sumRate(by []string, metric string, sel compiler.Selector, w string) string {
	agg := "sum"
	if len(by) > 0 {
		agg += " by (" + strings.Join(by, ", ") + ")"
	}
	return fmt.Sprintf("%s (rate(%s[%s]))", agg, series(metric, sel), w)
}

// leSelector selects a histogram bucket the way the Prometheus target's
// rules do: integer bounds match both "1" and "1.0".
func leSelector(le string) compiler.Selector {
	if !strings.Contains(le, ".") {
		return compiler.Selector{{Name: "le", Op: "=~", Value: le + `(\.0)?`}}
	}
	return compiler.Selector{{Name: "le", Op: "=", Value: le}}
}

// labelled adds the label name=value to every series of expr, so that
// several expressions can be shown as lines of one query with `or`.
func labelled(expr, name, value string) string {
	return fmt.Sprintf("label_replace(%s, %s, %s, \"\", \"\")", expr, compiler.Quote(name), compiler.Quote(value))
}

// lastFor is an Explore range that shows d of history and what came
// before it: four times d, at least 6h.
func lastFor(d time.Duration) string { return win(compiler.Duration(max(4*d, 6*time.Hour))) }

// diagnosisQueries returns the queries for an alert's page.
func diagnosisQueries(m *compiler.Model, a prometheus.Alert) []diagQuery {
	switch a.Kind {
	case prometheus.KindBurnRate, prometheus.KindBudgetTier:
		return sloQueries(m, a)
	case prometheus.KindQuality:
		return qualityQueries(m, a.SLO)
	case prometheus.KindDrift:
		return driftQueries(m, a.Feature)
	case prometheus.KindDriftStale:
		return driftStaleQueries(m)
	case prometheus.KindShare:
		return shareQueries(m, a.Share)
	case prometheus.KindAnomaly:
		return anomalyQueries(m, a.Anomaly)
	case prometheus.KindAbsent:
		return absentQueries(a)
	}
	return nil
}

// sloQueries are a burn-rate or budget-tier alert's queries: the burn over
// the alert's windows or the budget, then the SLI's own breakdowns.
func sloQueries(m *compiler.Model, a prometheus.Alert) []diagQuery {
	s := a.SLO
	sel := prometheus.SLISelector(m, s)
	budget := s.ErrorBudget().String()
	var out []diagQuery
	if a.Kind == prometheus.KindBurnRate && len(a.Windows) > 0 {
		var ws []time.Duration
		for _, w := range a.Windows {
			for _, d := range []time.Duration{time.Duration(w.Long), time.Duration(w.Short)} {
				if !slices.Contains(ws, d) {
					ws = append(ws, d)
				}
			}
		}
		slices.Sort(ws)
		var parts []string
		for _, w := range ws {
			parts = append(parts, labelled(prometheus.ErrorRatioRecord(w)+sel, "window", win(compiler.Duration(w))))
		}
		out = append(out, diagQuery{
			title: "Burn rate over each of the alert's windows",
			note:  "One line per window: the error ratio over the window divided by the error budget (" + budget + "). A pair fires when both its windows are above its factor; a short window back below it means the burn has stopped.",
			expr:  "(\n  " + strings.Join(parts, "\nor\n  ") + "\n) / " + budget,
			last:  lastFor(ws[len(ws)-1]),
			panel: grafana.SLOPanelKey(s.Name, grafana.ViewBurn),
		})
	}
	if a.Kind == prometheus.KindBudgetTier {
		out = append(out, diagQuery{
			title: "Error budget consumed over the SLO window",
			note:  "When the budget was spent: a step is an incident, a steady slope a chronic error rate.",
			expr:  "vigil:slo_budget_consumed:ratio" + sel,
			last:  win(s.Window),
			panel: grafana.SLOPanelKey(s.Name, grafana.ViewConsumed),
		})
		if s.Kind == compiler.Availability {
			out = append(out, diagQuery{
				title: "Budget left, in seconds of full outage",
				expr:  "vigil:slo_budget_remaining:seconds" + sel,
				last:  win(s.Window),
				panel: grafana.SLOPanelKey(s.Name, grafana.ViewDowntime),
			})
		}
	}
	mt := m.Metrics
	switch s.Kind {
	case compiler.Availability:
		req, errs := mt.Requests.Selector, mt.Requests.Selector.With(mt.ErrorSelector)
		for _, b := range breakdowns(m) {
			out = append(out, diagQuery{
				title: "Error ratio by " + b.words,
				note:  b.outlier,
				expr: sumRate([]string{b.label}, mt.Requests.Metric, errs, rateWindow) + "\n/\n" +
					sumRate([]string{b.label}, mt.Requests.Metric, req, rateWindow),
				last: "6h",
			})
		}
		for _, em := range mt.ErrorSelector {
			if em.Op == "=" {
				continue // one value: nothing to rank
			}
			out = append(out, diagQuery{
				title: fmt.Sprintf("Failed requests per second by `%s`, top 10", em.Name),
				note:  "Which error values dominate the failures.",
				expr:  "topk(10, " + sumRate([]string{em.Name}, mt.Requests.Metric, errs, rateWindow) + ")",
				last:  "6h",
			})
		}
	case compiler.Latency:
		h := mt.Latency
		var qs []string
		for _, q := range []string{"0.5", "0.9", "0.99"} {
			qs = append(qs, labelled(fmt.Sprintf("histogram_quantile(%s, %s)", q, sumRate([]string{"le"}, h.Metric+"_bucket", h.Selector, rateWindow)), "quantile", q))
		}
		out = append(out, diagQuery{
			title: "Latency p50, p90 and p99",
			note:  fmt.Sprintf("Against the %s threshold: a shifted p50 means every request is slower (capacity, a dependency); only p99 means a tail (GC pauses, cold caches, large inputs).", compiler.FormatDuration(time.Duration(s.Latency.Threshold))),
			expr:  strings.Join(qs, "\nor\n"),
			last:  "6h",
			panel: grafana.KeyLatency,
		})
		le := s.Latency.Le.String()
		for _, b := range breakdowns(m) {
			out = append(out, diagQuery{
				title: fmt.Sprintf("Share of requests slower than %s by %s", compiler.FormatDuration(time.Duration(s.Latency.Threshold)), b.words),
				note:  b.outlier,
				expr: "1 - " + sumRate([]string{b.label}, h.Metric+"_bucket", h.Selector.With(leSelector(le)), rateWindow) + "\n/\n" +
					sumRate([]string{b.label}, h.Metric+"_count", h.Selector, rateWindow),
				last: "6h",
			})
			out = append(out, diagQuery{
				title: "p99 latency by " + b.words,
				expr:  fmt.Sprintf("histogram_quantile(0.99, %s)", sumRate([]string{"le", b.label}, h.Metric+"_bucket", h.Selector, rateWindow)),
				last:  "6h",
			})
		}
	case compiler.Quality:
		out = append(out, qualityQueries(m, s)...)
	case compiler.Ratio:
		q := func(e string) string { return "sum(" + strings.ReplaceAll(e, "$window", rateWindow) + ")" }
		out = append(out, diagQuery{
			title: "Error ratio from the SLO's own queries, over " + rateWindow,
			expr:  q(s.Ratio.Errors) + "\n/\n" + q(s.Ratio.Total),
			last:  "6h",
		})
	case compiler.Freshness:
		out = append(out, diagQuery{
			title: "Age of the data, in seconds",
			note:  fmt.Sprintf("Bad while above %d (max_age %s).", int64(time.Duration(s.Freshness.MaxAge)/time.Second), compiler.FormatDuration(time.Duration(s.Freshness.MaxAge))),
			expr:  "time() - max(" + s.Freshness.LastSuccess + ")",
			last:  "1d",
		})
	}
	return out
}

// qualityQueries are a quality SLO's queries: the metric over its
// rolling window, the feedback volume the guard reads, and the feedback
// broken down by predicted and actual class.
func qualityQueries(m *compiler.Model, s *compiler.SLO) []diagQuery {
	q := s.Quality
	rw := time.Duration(q.RollingWindow)
	sel := prometheus.SLISelector(m, s)
	mt := m.Metrics
	f := mt.Feedback
	guard := ""
	if !q.MinFeedbackRate.IsZero() {
		guard = fmt.Sprintf(" The alerts judge only above %s per second (min_feedback_rate).", q.MinFeedbackRate)
	}
	out := []diagQuery{
		{
			title: fmt.Sprintf("%s over the rolling %s", q.Metric, win(compiler.Duration(rw))),
			note:  fmt.Sprintf("Against the %s%% objective.", s.Objective),
			expr:  "1 - " + prometheus.ErrorRatioRecord(rw) + sel,
			last:  lastFor(rw),
			panel: grafana.QualityPanelKey(s.Name),
		},
		{
			title: "Feedback per second counted by the SLO, over the rolling window",
			note:  "Scarce or late labels make the ratio noisy." + guard,
			expr:  "vigil:sli_events:rate" + win(compiler.Duration(rw)) + sel,
			last:  lastFor(rw),
		},
	}
	by := []string{mt.FeedbackPredicted, mt.FeedbackActual}
	title := "Feedback by predicted and actual class over the rolling window"
	if m.VersionLabel != "" {
		by = append([]string{m.VersionLabel}, by...)
		title = "Feedback by model version, predicted and actual class over the rolling window"
	}
	return append(out, diagQuery{
		title: title,
		note:  fmt.Sprintf("A confusion matrix (view it as a table): the diagonal (%s = %s) is correct; one class collapsing usually means a label-map or preprocessing change.", mt.FeedbackPredicted, mt.FeedbackActual),
		expr:  fmt.Sprintf("sum by (%s) (increase(%s[%s]))", strings.Join(by, ", "), series(f.Metric, f.Selector), win(compiler.Duration(rw))),
		last:  "1h",
	})
}

// driftRange shows a drift series over enough evaluations to see the
// streak start: four times the streak, at least a week.
func driftRange(m *compiler.Model, consecutive int) string {
	d := 7 * 24 * time.Hour
	if m.Drift != nil {
		d = max(d, 4*time.Duration(consecutive)*time.Duration(m.Drift.Schedule))
	}
	return win(compiler.Duration(d))
}

// driftQueries are a drift alert's: the feature's score history against
// its threshold and what the evaluator saw, or every feature's for the
// model-level alert.
func driftQueries(m *compiler.Model, f *compiler.Feature) []diagQuery {
	dm := m.DriftMetricNames()
	model := "model=" + compiler.Quote(m.Name)
	if f == nil {
		sel := "{" + model + "}"
		return []diagQuery{
			{title: "Features drifting in the latest evaluation", expr: dm.Detected + sel + " == 1", last: "1d"},
			{
				title: "Drift score of every feature against its threshold",
				note:  "Several features crossing on the same day points at an upstream data change.",
				expr:  labelled(dm.Score+sel, "series", "score") + "\nor\n" + labelled(dm.Threshold+sel, "series", "threshold"),
				last:  driftRange(m, 1),
				panel: grafana.KeyDrift,
			},
		}
	}
	sel := fmt.Sprintf("{%s,feature=%s}", model, compiler.Quote(f.Name))
	direction := "above"
	if compiler.PValueTests[f.Test.Method] {
		direction = "below (a p-value)"
	}
	if f.Test.Conventions == compiler.ConventionsEvidently && compiler.EvidentlyInclusive[f.Test.Method] {
		direction = "at or " + direction
	}
	return []diagQuery{
		{
			title: fmt.Sprintf("Drift score of `%s` against its threshold", f.Name),
			note:  fmt.Sprintf("Drift while the score is %s the threshold; a step on one day usually follows a release, a schema change or a broken join upstream.", direction),
			expr:  labelled(dm.Score+sel, "series", "score") + "\nor\n" + labelled(dm.Threshold+sel, "series", "threshold"),
			last:  driftRange(m, f.Test.Consecutive),
			panel: grafana.KeyDrift,
		},
		{
			title: "Reference and current share per bin",
			note:  "The latest evaluation's distribution against the reference's; the bins that differ most moved the score.",
			expr:  dm.BinShare + sel, last: "1d",
			panel: grafana.DriftBinsPanelKey(f.Name),
		},
		{title: "Breaching evaluations in a row", expr: dm.ConsecutiveBreaches + sel, last: driftRange(m, f.Test.Consecutive)},
		{
			title: "Share of missing values in the current sample",
			note:  "A rise means the pipeline lost the column for some rows, not that the world changed.",
			expr:  dm.MissingRatio + sel, last: driftRange(m, f.Test.Consecutive),
		},
		{
			title: "Values tested per sample (reference, current)",
			note:  "A small current sample makes the test noisy; a changed reference size means the reference was replaced.",
			expr:  dm.SampleSize + sel, last: driftRange(m, f.Test.Consecutive),
		},
	}
}

func driftStaleQueries(m *compiler.Model) []diagQuery {
	dm := m.DriftMetricNames()
	sel := "{model=" + compiler.Quote(m.Name) + "}"
	first := diagQuery{title: "Seconds since the latest successful evaluation", expr: "time() - " + dm.LastRun + sel, last: driftRange(m, 1)}
	if m.Drift != nil && m.Drift.Sharded() {
		first = diagQuery{
			title: fmt.Sprintf("Seconds since each shard's latest successful evaluation (%d shards)", m.Drift.Shards),
			note:  fmt.Sprintf("A shard missing here has not reported a successful run: look at the pod of that index in the CronJob's latest Job. Shards %d and above are left over from a larger shard count: delete their Pushgateway groups.", m.Drift.Shards),
			expr:  fmt.Sprintf("time() - max by (shard) (%s%s)", dm.LastRun, sel),
			last:  driftRange(m, 1),
		}
	}
	return []diagQuery{
		first,
		{title: "Failed evaluations and features over the last day, by reason", expr: fmt.Sprintf("sum by (reason) (increase(%s%s[1d]))", dm.Errors, sel), last: driftRange(m, 1)},
		{title: "Rows read per sample in each evaluation", note: "Zero current rows means the window's partition was missing or empty.", expr: dm.RowsRead + sel, last: driftRange(m, 1)},
		{title: "Features that could not be tested", expr: dm.FeatureErrors + sel + " == 1", last: "1d"},
	}
}

// shareQueries are a share alert's: the share split by version and
// instance, the observation rate its guard reads, the distribution.
func shareQueries(m *compiler.Model, a *compiler.ShareAlert) []diagQuery {
	h := m.Metrics.Confidence
	if a.Histogram == "latency" {
		h = m.Metrics.Latency
	}
	w := win(a.Window)
	var out []diagQuery
	for _, b := range breakdowns(m) {
		share := sumRate([]string{b.label}, h.Metric+"_bucket", h.Selector.With(leSelector(a.Bound.String())), w) + "\n/\n" +
			sumRate([]string{b.label}, h.Metric+"_count", h.Selector, w)
		side := "at or below"
		if !a.Below {
			share, side = "1 - "+share, "above"
		}
		out = append(out, diagQuery{
			title: fmt.Sprintf("Share of observations %s %s over %s, by %s", side, a.Bound, w, b.words),
			note:  fmt.Sprintf("Against %s%%. %s", a.MaxPercent, b.outlier),
			expr:  share,
			last:  lastFor(time.Duration(a.Window)),
		})
	}
	guard := ""
	if !a.MinRate.IsZero() {
		guard = fmt.Sprintf(" The alert judges only above %s per second (min_rate).", a.MinRate)
	}
	out = append(out, diagQuery{
		title: "Observations per second over " + w,
		note:  "The share's denominator." + guard,
		expr:  fmt.Sprintf("vigil:share_events:rate%s{model=%s,share=%s}", w, compiler.Quote(m.Name), compiler.Quote(a.Name)),
		last:  lastFor(time.Duration(a.Window)),
	})
	if a.Histogram == "confidence" {
		out = append(out, diagQuery{
			title: "Predictions per confidence bucket",
			note:  "Cumulative buckets per `le`; mass moving to lower buckets means the model is less sure.",
			expr:  sumRate([]string{"le"}, h.Metric+"_bucket", h.Selector, rateWindow),
			last:  "1d",
			panel: grafana.KeyConfidence,
		})
	}
	return out
}

func anomalyQueries(m *compiler.Model, a *compiler.AnomalyAlert) []diagQuery {
	sel := fmt.Sprintf("{model=%s,anomaly=%s}", compiler.Quote(m.Name), compiler.Quote(a.Name))
	panel := grafana.AnomalyPanelKey(a.Name)
	last := lastFor(time.Duration(a.BaselineWindow))
	return []diagQuery{
		{
			title: "The watched value against its baseline mean",
			expr:  labelled("vigil:anomaly:value"+sel, "series", "value") + "\nor\n" + labelled("vigil:anomaly_baseline:mean"+sel, "series", "baseline mean"),
			last:  last,
			panel: panel,
		},
		{
			title: "Standard deviations from the baseline (z-score)",
			note:  fmt.Sprintf("The alert fires beyond %s (direction %s).", a.ZThreshold, a.Direction),
			expr:  "vigil:anomaly:zscore" + sel,
			last:  last,
			panel: grafana.AnomalyZPanelKey(a.Name),
		},
		{
			title: "This week against the same time last week",
			note:  "Rules out weekly seasonality.",
			expr:  labelled("vigil:anomaly:value"+sel, "week", "this") + "\nor\n" + labelled("vigil:anomaly:value"+sel+" offset 7d", "week", "last"),
			last:  "2d",
		},
	}
}

// absentQueries are an absent-data alert's: the series it watches (a.Metric
// is its selector), and its metric under any labels.
func absentQueries(a prometheus.Alert) []diagQuery {
	metric, _, _ := strings.Cut(a.Metric, "{")
	return []diagQuery{
		{title: "Series matching the alert's selector", note: "Empty while the alert fires.", expr: "count(" + a.Metric + ")", last: "1d"},
		{
			title: fmt.Sprintf("`%s` under any labels, per job and instance", metric),
			note:  "Series here but not above mean a changed label (a relabelled target, a renamed service) rather than a stopped scrape.",
			expr:  "count by (job, instance) (" + metric + ")",
			last:  "1d",
		},
	}
}
