package datadog

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadog"
	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/decimal"
	vprom "github.com/vigil-dev/vigil/targets/prometheus"
)

func timeDur(d compiler.Duration) time.Duration { return time.Duration(d) }

// ddWindow renders a burn-rate window as Datadog writes it: whole hours
// as "<n>h", else minutes "<n>m".
func ddWindow(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

func float(d decimal.D) float64 {
	f, _ := strconv.ParseFloat(d.String(), 64)
	return f
}

// MonitorID is the identity of a monitor of a model's alert; burn-rate
// alerts have one monitor per window pair, suffixed "-<long>-<short>".
func MonitorID(model, alert string) string {
	return "monitor/" + model + "/" + strings.ToLower(alert)
}

// monitor assembles a monitor.
func (b *builder) monitor(a *vprom.Alert, id, name, query string, typ datadogV1.MonitorType, critical float64, detail string, opts datadogV1.MonitorOptions, extra ...string) datadogV1.Monitor {
	opts.Thresholds = &datadogV1.MonitorThresholds{Critical: &critical}
	opts.IncludeTags = ptr(true)
	tags := append([]string{"severity:" + string(a.Severity), "alert:" + strings.ToLower(a.Rule.Alert)}, extra...)
	if a.SLO != nil {
		tags = append(tags, "slo:"+a.SLO.Name)
	}
	return datadogV1.Monitor{
		Name:     ptr("[" + b.m.DisplayName + "] " + name),
		Type:     typ,
		Query:    query,
		Message:  ptr(b.message(a, detail)),
		Priority: *datadog.NewNullableInt64(ptr(priority(a.Severity))),
		Tags:     b.tags(id, tags...),
		Options:  &opts,
	}
}

// monitors returns the model's monitors, in the order of the Prometheus
// target's alerts (sorted by name), window pairs in policy order.
func (b *builder) monitors() []datadogV1.Monitor {
	out := []datadogV1.Monitor{}
	for i := range b.alerts {
		a := &b.alerts[i]
		switch a.Kind {
		case vprom.KindBurnRate:
			out = append(out, b.burnRate(a)...)
		case vprom.KindBudgetTier:
			if !b.made[a.SLO.Name] {
				continue
			}
			tf := b.timeframe(a.SLO)
			q := fmt.Sprintf(`error_budget("%s").over("%s") >= %s`, SLORef(b.m.Name, a.SLO.Name), tf, a.Tier.Consumed)
			out = append(out, b.monitor(a, MonitorID(b.m.Name, a.Rule.Alert), a.Rule.Alert, q, datadogV1.MONITORTYPE_SLO_ALERT, float(a.Tier.Consumed),
				fmt.Sprintf("%s%% of the %s error budget is spent.", a.Tier.Consumed, tf), datadogV1.MonitorOptions{}))
		case vprom.KindQuality:
			if m, ok := b.quality(a); ok {
				out = append(out, m)
			}
		case vprom.KindDrift:
			if m, ok := b.drift(a); ok {
				out = append(out, m)
			}
		case vprom.KindDriftStale:
			out = append(out, b.driftStale(a))
		case vprom.KindShare:
			out = append(out, b.share(a))
		case vprom.KindAnomaly:
			if m, ok := b.anomaly(a); ok {
				out = append(out, m)
			}
		case vprom.KindAbsent:
			if m, ok := b.absent(a); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

// burnRate is one SLO burn-rate monitor per window pair: Datadog's burn
// rate alert takes one long and one short window; the factor is the
// threshold, exactly the Prometheus target's (its error-ratio threshold
// is factor × error budget).
func (b *builder) burnRate(a *vprom.Alert) []datadogV1.Monitor {
	if !b.made[a.SLO.Name] {
		return nil
	}
	tf := b.timeframe(a.SLO)
	var out []datadogV1.Monitor
	for _, w := range a.Windows {
		long, short := timeDur(w.Long), timeDur(w.Short)
		if long > 48*time.Hour {
			b.note("%s: the %s/%s pair has a long window over 48 hours; Datadog's burn-rate alerts are documented with windows of hours, and vigil has not verified that Datadog accepts this one (if it refuses the monitor, give the policy shorter windows in the spec).", a.Rule.Alert, compiler.FormatDuration(long), compiler.FormatDuration(short))
		}
		q := fmt.Sprintf(`burn_rate("%s").over("%s").long_window("%s").short_window("%s") > %s`,
			SLORef(b.m.Name, a.SLO.Name), tf, ddWindow(long), ddWindow(short), w.Factor)
		id := MonitorID(b.m.Name, a.Rule.Alert) + "-" + ddWindow(long) + "-" + ddWindow(short)
		name := fmt.Sprintf("%s %s/%s at %sx", a.Rule.Alert, compiler.FormatDuration(long), compiler.FormatDuration(short), w.Factor)
		detail := fmt.Sprintf("The burn rate is above %s over both %s and %s (an error ratio above %s against the %s%% objective).",
			w.Factor, compiler.FormatDuration(long), compiler.FormatDuration(short), w.Factor.Mul(a.SLO.ErrorBudget()), a.SLO.Objective)
		out = append(out, b.monitor(a, id, name, q, datadogV1.MONITORTYPE_SLO_ALERT, float(w.Factor), detail, datadogV1.MonitorOptions{},
			"window:"+ddWindow(long)+"-"+ddWindow(short)))
	}
	return out
}

// quality is the rolling-window quality alert as a metric monitor on
// the error ratio.
func (b *builder) quality(a *vprom.Alert) (datadogV1.Monitor, bool) {
	s := a.SLO
	q, ok := b.sliQueries(s)
	if !ok {
		return datadogV1.Monitor{}, false
	}
	rw, changed := clampWindow(timeDur(s.Quality.RollingWindow))
	if changed {
		b.note("%s: the %s rolling window is longer than a metric monitor's longest window; the monitor uses %s.", a.Rule.Alert, compiler.FormatDuration(timeDur(s.Quality.RollingWindow)), compiler.FormatDuration(rw))
	}
	if !s.Quality.MinFeedbackRate.IsZero() {
		b.note("%s: the min_feedback_rate guard (%s labelled predictions per second) has no place in a single metric monitor; the monitor alerts on the error ratio alone.", a.Rule.Alert, s.Quality.MinFeedbackRate)
	}
	budget := s.ErrorBudget()
	query := fmt.Sprintf("sum(%s):(%s - (%s)) / %s > %s", monitorWindow(rw), q.total, q.good, q.total, budget)
	return b.monitor(a, MonitorID(b.m.Name, a.Rule.Alert), a.Rule.Alert, query, datadogV1.MONITORTYPE_QUERY_ALERT, float(budget),
		fmt.Sprintf("The share of wrong labelled predictions over %s is above %s.", compiler.FormatDuration(rw), budget), datadogV1.MonitorOptions{}), true
}

// driftMargin is the Prometheus target's margin of the consecutive-
// breach window (a quarter schedule, at most an hour).
func driftMargin(schedule time.Duration) time.Duration {
	return min(schedule/4, time.Hour)
}

func (b *builder) driftGauge(metric string) string { return ddName(metric, "gauge") }

// drift is a per-feature drift monitor (the detected flag held at 1 over
// the window of the consecutive evaluations) or the model's drift-share
// monitor.
func (b *builder) drift(a *vprom.Alert) (datadogV1.Monitor, bool) {
	m := b.m
	dm := m.DriftMetricNames()
	sched := timeDur(m.Drift.Schedule)
	model := "model:" + tagValue(m.Name)
	if a.Feature == nil {
		q := fmt.Sprintf("avg(last_5m):100 * sum:%s{%s} / count_not_null(max:%s{%s} by {feature}) >= %s",
			b.driftGauge(dm.Detected), model, b.driftGauge(dm.Detected), model, m.Drift.ShareThreshold)
		return b.monitor(a, MonitorID(m.Name, a.Rule.Alert), a.Rule.Alert, q, datadogV1.MONITORTYPE_QUERY_ALERT, float(m.Drift.ShareThreshold),
			"", datadogV1.MonitorOptions{}), true
	}
	f := a.Feature
	n := f.Test.Consecutive
	sel := model + ",feature:" + tagValue(f.Name)
	var q string
	if n > 1 {
		l, changed := clampWindow(time.Duration(n-1)*sched - driftMargin(sched))
		if changed {
			b.note("%s: %d consecutive evaluations every %s span more than a metric monitor's longest window; the monitor requires every verdict in %s to be a breach.", a.Rule.Alert, n, compiler.FormatDuration(sched), compiler.FormatDuration(l))
		}
		q = fmt.Sprintf("min(%s):min:%s{%s} >= 1", monitorWindow(l), b.driftGauge(dm.Detected), sel)
	} else {
		q = fmt.Sprintf("max(last_5m):max:%s{%s} >= 1", b.driftGauge(dm.Detected), sel)
	}
	return b.monitor(a, MonitorID(m.Name, a.Rule.Alert), a.Rule.Alert, q, datadogV1.MONITORTYPE_QUERY_ALERT, 1,
		fmt.Sprintf("The %s test on %s breached its threshold in the last %d evaluations (the detected flag stayed 1). A stale evaluator keeps its last verdict: see the drift-evaluation-stale monitor.", f.Test.Method, f.Name, n),
		datadogV1.MonitorOptions{}, "feature:"+tagValue(f.Name)), true
}

// driftStale alerts when the evaluator's last-run timestamp did not
// advance for two schedules, or is not reported at all.
func (b *builder) driftStale(a *vprom.Alert) datadogV1.Monitor {
	m := b.m
	dm := m.DriftMetricNames()
	sched := timeDur(m.Drift.Schedule)
	w, changed := clampWindow(2 * sched)
	if changed {
		b.note("%s: two schedules (%s) exceed a metric monitor's longest window; staleness is judged over %s.", a.Rule.Alert, compiler.FormatDuration(2*sched), compiler.FormatDuration(w))
	}
	// A sharded evaluation reports one timestamp per shard: the oldest
	// (min) stops advancing when any shard stops.
	agg, what := "max", "The last-run timestamp of `vigil drift`"
	if m.Drift.Sharded() {
		agg, what = "min", fmt.Sprintf("The oldest last-run timestamp of the %d shards of `vigil drift`", m.Drift.Shards)
		b.note("%s: the monitor follows the oldest shard's last run; unlike the Prometheus rule it cannot tell that a shard never reported at all.", a.Rule.Alert)
	}
	q := fmt.Sprintf("sum(%s):diff(%s:%s{model:%s}) <= 0", monitorWindow(w), agg, b.driftGauge(dm.LastRun), tagValue(m.Name))
	opts := datadogV1.MonitorOptions{NotifyNoData: ptr(true), NoDataTimeframe: *datadog.NewNullableInt64(ptr(int64(w / time.Minute)))}
	return b.monitor(a, MonitorID(m.Name, a.Rule.Alert), a.Rule.Alert, q, datadogV1.MONITORTYPE_QUERY_ALERT, 0,
		fmt.Sprintf("%s has not advanced in %s, or is not reported.", what, compiler.FormatDuration(w)), opts)
}

// share is a share alert as a metric monitor on the ratio of the
// histogram's bucket to its count over the window.
func (b *builder) share(a *vprom.Alert) datadogV1.Monitor {
	s := a.Share
	h := b.m.Metrics.Confidence
	if s.Histogram == "latency" {
		h = b.m.Metrics.Latency
	}
	f := newFilter(h.Selector)
	le := newFilter(h.Selector, "upper_bound:"+UpperBound(s.Bound.Float64()))
	b.approx(a.Rule.Alert, f, le)
	bucket := countQuery(ddName(h.Metric, "bucket"), le)
	count := countQuery(ddName(h.Metric, "hcount"), f)
	num := bucket
	if !s.Below {
		num = "(" + count + " - " + bucket + ")"
	}
	w, changed := clampWindow(timeDur(s.Window))
	if changed {
		b.note("%s: the %s window exceeds a metric monitor's longest window; the monitor uses %s.", a.Rule.Alert, compiler.FormatDuration(timeDur(s.Window)), compiler.FormatDuration(w))
	}
	if !s.MinRate.IsZero() {
		b.note("%s: the min_rate guard (%s observations per second) has no place in a single metric monitor; the monitor alerts on the share alone.", a.Rule.Alert, s.MinRate)
	}
	th := s.MaxPercent.Quo(decimal.Hundred)
	q := fmt.Sprintf("sum(%s):%s / %s > %s", monitorWindow(w), num, count, th)
	return b.monitor(a, MonitorID(b.m.Name, a.Rule.Alert), a.Rule.Alert, q, datadogV1.MONITORTYPE_QUERY_ALERT, float(th), "", datadogV1.MonitorOptions{}, "share:"+s.Name)
}

// anomaly is an anomaly alert as a Datadog anomaly monitor on the
// translated query: the spec's z threshold is the band's width (bounds,
// in standard deviations), its direction the band's side, its `for` the
// alert window, its baseline window the monitor's evaluation window, and
// a seasonal baseline Datadog's agile algorithm with the season as
// seasonality (basic, without seasonality, for a rolling baseline).
func (b *builder) anomaly(a *vprom.Alert) (datadogV1.Monitor, bool) {
	an := a.Anomaly
	q, err := b.tr.translate(an.Query)
	if err != nil {
		b.note("%s: the query %q has no Datadog form (%v); no monitor is generated.", a.Rule.Alert, an.Query, err)
		return datadogV1.Monitor{}, false
	}
	b.noteTranslated(a.Rule.Alert)
	algo := "'basic', " + an.ZThreshold.String()
	if an.Baseline == "seasonal" {
		season := map[time.Duration]string{time.Hour: "hourly", 24 * time.Hour: "daily", 7 * 24 * time.Hour: "weekly"}[timeDur(an.Season)]
		if season == "" {
			season = "weekly"
			b.note("%s: Datadog's anomaly seasonality is hourly, daily or weekly; the %s season becomes weekly.", a.Rule.Alert, compiler.FormatDuration(timeDur(an.Season)))
		}
		algo = "'agile', " + an.ZThreshold.String() + ", seasonality='" + season + "'"
	}
	dir := map[string]string{"up": "above", "down": "below"}[an.Direction]
	if dir == "" {
		dir = "both"
	}
	alertWin, _ := clampWindow(max(timeDur(an.For), 5*time.Minute))
	evalWin, changed := clampWindow(max(timeDur(an.BaselineWindow), alertWin))
	if changed {
		b.note("%s: the %s baseline window exceeds a monitor's longest window; the monitor evaluates %s.", a.Rule.Alert, compiler.FormatDuration(timeDur(an.BaselineWindow)), compiler.FormatDuration(evalWin))
	}
	query := fmt.Sprintf("avg(%s):anomalies(%s, %s, direction='%s', alert_window='%s', interval=60, count_default_zero='true') >= 1",
		monitorWindow(evalWin), q, algo, dir, monitorWindow(alertWin))
	opts := datadogV1.MonitorOptions{ThresholdWindows: &datadogV1.MonitorThresholdWindowOptions{
		TriggerWindow:  *datadog.NewNullableString(ptr(monitorWindow(alertWin))),
		RecoveryWindow: *datadog.NewNullableString(ptr(monitorWindow(alertWin))),
	}}
	return b.monitor(a, MonitorID(b.m.Name, a.Rule.Alert), a.Rule.Alert, query, datadogV1.MONITORTYPE_QUERY_ALERT, 1,
		"Watched query (PromQL in the spec): `"+an.Query+"`", opts, "anomaly:"+an.Name), true
}

// noteTranslated records approximations of the last translation.
func (b *builder) noteTranslated(what string) {
	for _, a := range b.tr.approx {
		b.note("%s: the matcher %s becomes a Datadog wildcard that can match more values than the regular expression.", what, a)
	}
	b.tr.approx = nil
}

// absent is an absent-data alert as a metric monitor that alerts on no
// data only (its threshold, a negative event count, cannot be reached).
func (b *builder) absent(a *vprom.Alert) (datadogV1.Monitor, bool) {
	e, err := promParser.ParseExpr(a.Metric)
	vs, ok := e.(*parser.VectorSelector)
	if err != nil || !ok {
		return datadogV1.Monitor{}, false
	}
	var sel compiler.Selector
	for _, m := range vs.LabelMatchers {
		if m.Name == "__name__" {
			continue
		}
		sel = append(sel, compiler.Matcher{Name: m.Name, Op: m.Type.String(), Value: m.Value})
	}
	name := ddName(vs.Name, "counter")
	if base, ok := strings.CutSuffix(vs.Name, "_count"); ok {
		name = ddName(base, "hcount")
	}
	f := newFilter(sel)
	b.approx(a.Rule.Alert, f)
	forMin := int64(timeDur(b.m.Absent.For) / time.Minute)
	opts := datadogV1.MonitorOptions{NotifyNoData: ptr(true), NoDataTimeframe: *datadog.NewNullableInt64(ptr(max(forMin, 10)))}
	if forMin < 10 {
		b.note("%s: Datadog's no-data timeframe is at least twice the monitor's 5m window; the monitor waits 10m instead of %s.", a.Rule.Alert, compiler.FormatDuration(timeDur(b.m.Absent.For)))
	}
	q := fmt.Sprintf("sum(last_5m):%s < -1", countQuery(name, f))
	return b.monitor(a, MonitorID(b.m.Name, a.Rule.Alert), a.Rule.Alert, q, datadogV1.MONITORTYPE_QUERY_ALERT, -1,
		"No data for "+name+"{"+f.String()+"}.", opts), true
}
