package prometheus

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/decimal"
)

// Alert kinds, matching the schema's #AlertKind (runbook content is keyed
// by them).
const (
	KindBurnRate   = "burn_rate"
	KindBudgetTier = "budget_tier"
	KindQuality    = "quality"
	KindDrift      = "drift"
	KindDriftStale = "drift_stale"
	KindShare      = "share"
	KindAnomaly    = "anomaly"
	KindAbsent     = "absent"
)

// Alert is one generated alerting rule with what other targets (runbooks,
// dashboards, routing) need to know about it.
type Alert struct {
	// Rule is the alerting rule as written to the rule file.
	Rule rulefmt.Rule
	// Kind is one of the Kind constants.
	Kind string
	// Severity is the vigil severity (the rule's severity label may carry
	// a renamed value, see routing.severity_names).
	Severity compiler.Severity
	// SLO is set for burn-rate, budget-tier and quality alerts.
	SLO *compiler.SLO
	// Windows are the burn-rate window pairs (burn-rate alerts).
	Windows []compiler.BurnWindow
	// Tier is set for budget-tier alerts.
	Tier *compiler.BudgetTier
	// Feature is set for per-feature drift alerts.
	Feature *compiler.Feature
	// Share, Anomaly are set for those kinds.
	Share   *compiler.ShareAlert
	Anomaly *compiler.AnomalyAlert
	// Metric is the absent series (absent-data alerts).
	Metric string
	// selector is the absent series' selector.
	selector compiler.Selector
}

// Alerts returns every alert of a model, sorted by name. Names are unique
// within a model (the compiler rejects spec names that would collide).
func Alerts(spec *compiler.Spec, m *compiler.Model) []Alert {
	return spec.Memo.Get(alertsKey{m}, func() any { return newAlerts(spec, m).list }).([]Alert)
}

// alertsKey is the key of a model's alerts in a compiler.Memo.
type alertsKey struct{ m *compiler.Model }

type alertBuilder struct {
	spec *compiler.Spec
	m    *compiler.Model
	list []Alert
}

func newAlerts(spec *compiler.Spec, m *compiler.Model) *alertBuilder {
	b := &alertBuilder{spec: spec, m: m}
	for _, s := range m.SLOs {
		b.slo(s)
	}
	b.drift()
	for _, a := range m.Shares {
		b.share(a)
	}
	for _, a := range m.Anomalies {
		b.anomaly(a)
	}
	b.absent()
	sort.SliceStable(b.list, func(i, j int) bool { return b.list[i].Rule.Alert < b.list[j].Rule.Alert })
	return b
}

// add completes an alert's labels and annotations and records it.
func (b *alertBuilder) add(a Alert, summary, description string, extra map[string]string) {
	m := b.m
	lb := map[string]string{
		"severity": b.spec.Routing.SeverityNames[a.Severity],
		"model":    m.Name,
		"team":     m.Team,
	}
	for _, l := range m.Labels {
		lb[l.Name] = l.Value
	}
	if a.SLO != nil {
		lb["slo"] = a.SLO.Name
	}
	for k, v := range extra {
		lb[k] = v
	}
	if Retrains(m, a) {
		// Routed to the retraining webhook (see the alertmanager target),
		// with a numeric priority for the training pipeline to order by.
		lb["action"] = "retrain"
		lb["severity_score"] = fmt.Sprint(a.Severity.Rank())
	}
	// Prometheus expands label values and annotations as templates. No
	// label value is a template of vigil's, so all are escaped (spec
	// text such as severity names and model labels may hold "{{"); the
	// callers escape the spec text they put into summaries and
	// descriptions, around vigil's own {{ $value }}.
	for k, v := range lb {
		lb[k] = compiler.EscapeTemplate(v)
	}
	a.Rule.Labels = lb
	a.Rule.Annotations = map[string]string{
		"summary":       summary,
		"description":   description,
		"runbook_url":   compiler.EscapeTemplate(b.spec.RunbookURL(m.Name, a.Rule.Alert)),
		"dashboard_url": compiler.EscapeTemplate(b.spec.DashboardURL(m.Name)),
	}
	b.list = append(b.list, a)
}

func pct(d decimal.D) string { return d.Mul(decimal.Hundred).String() + "%" }

// humanDuration renders a duration for sentences, e.g. "2 days 2 hours".
func humanDuration(d time.Duration) string {
	return compiler.FormatDuration(d.Round(time.Minute))
}

func (b *alertBuilder) slo(s *compiler.SLO) {
	m := b.m
	sel := sliSelector(m, s)
	budget := s.ErrorBudget()
	name := compiler.Camel(s.Name)
	what := fmt.Sprintf("%s %s SLO", compiler.EscapeTemplate(m.DisplayName), s.Name)

	for _, class := range []struct {
		policy compiler.BurnPolicy
		suffix string
		speed  string
	}{{s.Page, "FastBurn", "fast"}, {s.Ticket, "SlowBurn", "steadily"}} {
		p := class.policy
		if !p.Enabled || len(p.Windows) == 0 {
			continue
		}
		var pairs, conds []string
		for _, w := range p.Windows {
			th := w.Factor.Mul(budget)
			parts := []string{
				fmt.Sprintf("%s%s > %s", rec(recErrorRatio, time.Duration(w.Long)), sel, th),
				fmt.Sprintf("%s%s > %s", rec(recErrorRatio, time.Duration(w.Short)), sel, th),
			}
			parts = append(parts, burnGuards(s, sel, time.Duration(w.Long))...)
			pairs = append(pairs, "(\n  "+strings.Join(parts, "\nand\n  ")+"\n)")
			exhaust := time.Duration(float64(time.Duration(s.Window)) / w.Factor.Float64())
			conds = append(conds, fmt.Sprintf("%sx over %s and %s (error ratio above %s; the budget would last %s)",
				w.Factor, win(time.Duration(w.Long)), win(time.Duration(w.Short)), pct(th), humanDuration(exhaust)))
		}
		a := Alert{
			Rule:     rulefmt.Rule{Alert: name + class.suffix, Expr: strings.Join(pairs, "\nor\n"), For: dur(time.Duration(p.For))},
			Kind:     KindBurnRate,
			Severity: p.Severity,
			SLO:      s,
			Windows:  p.Windows,
		}
		var extra map[string]string
		if len(p.Labels) > 0 {
			extra = map[string]string{}
			for _, l := range p.Labels {
				extra[l.Name] = l.Value
			}
		}
		b.add(a,
			fmt.Sprintf("%s is burning its error budget %s.", what, class.speed),
			fmt.Sprintf("The %s error ratio is {{ $value | humanizePercentage }} over the long window, against a budget of %s over %s. Fires at %s.",
				s.Name, pct(budget), win(time.Duration(s.Window)), strings.Join(conds, ", or ")),
			extra)
		last := &b.list[len(b.list)-1]
		for _, an := range p.Annotations {
			// Spec text, not a template: escaped like every label.
			last.Rule.Annotations[an.Name] = compiler.EscapeTemplate(an.Value)
		}
	}

	for i := range s.Tiers {
		t := &s.Tiers[i]
		frac := t.Consumed.Quo(decimal.Hundred)
		a := Alert{
			Rule: rulefmt.Rule{
				Alert: fmt.Sprintf("%sBudget%sPercentConsumed", name, strings.ReplaceAll(t.Consumed.String(), ".", "p")),
				Expr:  fmt.Sprintf("%s%s >= %s", recBudgetConsumed, sel, frac),
				For:   dur(5 * time.Minute),
			},
			Kind:     KindBudgetTier,
			Severity: t.Severity,
			SLO:      s,
			Tier:     t,
		}
		b.add(a,
			fmt.Sprintf("%s has used %s%% of its error budget.", what, t.Consumed),
			fmt.Sprintf("{{ $value | humanizePercentage }} of the %s error budget (%s of events over %s, %s of full outage) is spent.",
				s.Name, pct(budget), win(time.Duration(s.Window)), humanDuration(s.BudgetDuration())),
			nil)
	}

	if s.Quality != nil {
		rw := time.Duration(s.Quality.RollingWindow)
		parts := append([]string{fmt.Sprintf("%s%s > %s", rec(recErrorRatio, rw), sel, budget)}, feedbackGuard(s, sel, rw)...)
		a := Alert{
			Rule:     rulefmt.Rule{Alert: name + "BelowObjective", Expr: strings.Join(parts, "\nand\n"), For: dur(10 * time.Minute)},
			Kind:     KindQuality,
			Severity: s.Ticket.Severity,
			SLO:      s,
		}
		b.add(a,
			fmt.Sprintf("%s %s is below its %s%% objective.", compiler.EscapeTemplate(m.DisplayName), s.Quality.Metric, s.Objective),
			fmt.Sprintf("Over the last %s, {{ $value | humanizePercentage }} of labelled predictions were wrong for %s (at most %s allowed).",
				win(rw), s.Quality.Metric, pct(budget)),
			nil)
	}
}

// burnGuards are the low-traffic conditions of a burn-rate pair with
// long window l: at least min_bad_events bad events in l (bad events =
// error ratio * event rate * seconds), and for a quality SLO at least
// min_feedback_rate labelled predictions per second over l. The guard
// counts failures, not traffic: a total outage pages as soon as it has
// failed min_bad_events requests, at any request rate, while a single
// failure among a handful of requests, whose ratio breaches every
// threshold, does not page. A time-based (freshness) SLO counts
// evaluations, not requests, and has no guard.
func burnGuards(s *compiler.SLO, sel string, l time.Duration) []string {
	var out []string
	if s.MinBadEvents > 0 && !s.TimeBased() {
		out = append(out, fmt.Sprintf("%s%s * %s%s * %d >= %d",
			rec(recErrorRatio, l), sel, rec(recEvents, l), sel, int64(l/time.Second), s.MinBadEvents))
	}
	return append(out, feedbackGuard(s, sel, l)...)
}

// feedbackGuard is a quality SLO's condition that window w holds at
// least min_feedback_rate labelled predictions per second (none when the
// SLO has no such guard).
func feedbackGuard(s *compiler.SLO, sel string, w time.Duration) []string {
	if s.Quality == nil || s.Quality.MinFeedbackRate.IsZero() {
		return nil
	}
	return []string{fmt.Sprintf("%s%s >= %s", rec(recEvents, w), sel, s.Quality.MinFeedbackRate)}
}

// driftMargin is how much shorter than n-1 schedules the consecutive-
// breach window is, to absorb scrape delay and schedule jitter.
func driftMargin(schedule time.Duration) time.Duration {
	m := schedule / 4
	if m > time.Hour {
		m = time.Hour
	}
	return m
}

func (b *alertBuilder) drift() {
	m := b.m
	if m.Drift == nil || len(m.Features) == 0 {
		return
	}
	dm := m.DriftMetricNames()
	sched := time.Duration(m.Drift.Schedule)
	model := "model=" + compiler.Quote(m.Name)
	lastRun := dm.LastRun + "{" + model + "}"
	fresh := fmt.Sprintf("time() - %s < %d", lastRun, int64(2*sched/time.Second))
	// A sharded evaluation's series carry the shard that produced them,
	// and a feature's verdict is fresh when its own shard's latest run
	// is: joining on the model alone would let a fresh shard vouch for a
	// stale one. Unsharded series have no shard label, so on (model,
	// shard) would match them too; the unsharded rules keep on (model).
	on := "model"
	if m.Drift.Sharded() {
		on = "model, shard"
	}
	for _, f := range m.Features {
		n := f.Test.Consecutive
		// The detected flag holds each evaluation's verdict until the
		// next one, so a window spanning the last n evaluations has
		// minimum 1 only if all n breached. n-1 changes of the run
		// timestamp in the window prove that n evaluations happened (one
		// breach right after the evaluator starts does not count as
		// three), and the freshness guard stops a stale verdict from
		// alerting forever. Everything is read from the TSDB, so a
		// Prometheus restart does not reset the count the way a `for`
		// clause would.
		sel := fmt.Sprintf("{%s,feature=%s}", model, compiler.Quote(f.Name))
		expr := fmt.Sprintf("%s%s == 1\nand on (%s)\n%s", dm.Detected, sel, on, fresh)
		if n > 1 {
			// Just after the n-th run, a window of (n-1) schedules less a
			// margin reaches back into the (n-1)-th previous run's verdict
			// but not the one before; just before the next run it has
			// lost that verdict, but then it also holds only n-2 run
			// timestamp changes, which the second condition rejects.
			//
			// From one margin before the next run is due until one margin
			// after, that short window is false although nothing
			// improved, so a lasting drift would resolve and fire again
			// every schedule. A second window, one margin longer than the
			// schedules, bridges that gap. Either window is safe on its
			// own at any time: every verdict it holds must be 1, and n-1
			// run timestamp changes mean it holds at least n runs, the
			// last of them the latest. The short one alone would gap; the
			// long one alone would wait, after the n-th breach, until the
			// clean verdict before them leaves it (a margin). This is
			// written into the expression rather than as keep_firing_for
			// so that every engine evaluates it (vmalert 1.79, Debian's,
			// rejects keep_firing_for), and a clean run resolves the
			// alert at once instead of a keep_firing_for later.
			margin := driftMargin(sched)
			window := func(l time.Duration) string {
				return fmt.Sprintf("min_over_time(%s%s[%s]) == 1\n  and on (%s)\n  changes(%s[%s]) >= %d",
					dm.Detected, sel, win(l), on, lastRun, win(l), n-1)
			}
			expr = fmt.Sprintf("(\n  %s\nor\n  %s\n)\nand on (%s)\n%s",
				window(time.Duration(n-1)*sched-margin), window(time.Duration(n-1)*sched+margin), on, fresh)
		}
		rule := rulefmt.Rule{Alert: compiler.Camel(f.Name) + "Drift", Expr: expr}
		a := Alert{
			Rule:     rule,
			Kind:     KindDrift,
			Severity: f.Test.Severity,
			Feature:  f,
		}
		b.add(a,
			fmt.Sprintf("Feature %s of %s has drifted in %d consecutive evaluations.", f.Name, compiler.EscapeTemplate(m.DisplayName), n),
			fmt.Sprintf("The %s test on %s breached its threshold in each of the last %d %s evaluations against the reference sample.",
				f.Test.Method, f.Name, n, humanDuration(sched)),
			map[string]string{"feature": f.Name})
	}
	// Stale when the latest run is older than two schedules, or when no
	// run is on record for two schedules, counted only once the rules
	// themselves have been running that long: on a fresh database (or a
	// newly deployed model) the evaluator's first scheduled run may be up
	// to a schedule away, and absence before then proves nothing.
	staleSecs := int64(2 * sched / time.Second)
	stale := fmt.Sprintf("time() - max by (model) (%s) > %d\nor\nabsent_over_time(%s[%s])\nand on (model)\n%s >= %d",
		lastRun, staleSecs, lastRun, win(2*sched), rulesRunning(m, 2*sched), staleSecs)
	staleText := fmt.Sprintf("No drift evaluation completed in the last %s (twice the %s schedule), so drift alerts cannot fire.", humanDuration(2*sched), humanDuration(sched))
	if n := m.Drift.ShardCount(); n > 1 {
		// Stale when any shard is: the oldest shard's latest run (the
		// freshest copy of each shard's timestamp, should two scrapes
		// expose one) is older than two schedules, or fewer than n
		// shards reported a run in the last two schedules (a shard
		// that never ran, or whose runs fail without a --state file,
		// pushes no timestamp), counted, as absence is, only once the
		// rules have been running that long.
		stale = fmt.Sprintf("time() - min by (model) (max by (model, shard) (%s)) > %d\nor\n(\n  count by (model) (count by (model, shard) (last_over_time(%s[%s]))) < %d\n  or\n  absent_over_time(%s[%s])\n)\nand on (model)\n%s >= %d",
			lastRun, staleSecs, lastRun, win(2*sched), n, lastRun, win(2*sched), rulesRunning(m, 2*sched), staleSecs)
		staleText = fmt.Sprintf("At least one of the %d shards of the evaluation completed no drift evaluation in the last %s (twice the %s schedule), so drift alerts on its features cannot fire.", n, humanDuration(2*sched), humanDuration(sched))
	}
	b.add(Alert{
		Rule:     rulefmt.Rule{Alert: "DriftEvaluationStale", Expr: stale},
		Kind:     KindDriftStale,
		Severity: compiler.Warning,
	},
		fmt.Sprintf("Drift evaluation for %s is stale.", compiler.EscapeTemplate(m.DisplayName)),
		staleText,
		nil)
	if !m.Drift.ShareThreshold.IsZero() {
		expr := fmt.Sprintf("100 * sum by (model) (%s{%s}) / count by (model) (%s{%s}) >= %s\nand on (model)\n%s",
			dm.Detected, model, dm.Detected, model, m.Drift.ShareThreshold, fresh)
		shareText := "{{ $value | humanize }}% of the model's features breached their drift threshold in the latest evaluation."
		if m.Drift.Sharded() {
			// The share of the features whose shard is fresh: each
			// feature is tested by exactly one shard, so with every
			// shard fresh this is the share over all features.
			freshVerdicts := fmt.Sprintf("  %s{%s}\n  and on (model, shard)\n  %s", dm.Detected, model, fresh)
			expr = fmt.Sprintf("100 * sum by (model) (\n%s\n)\n/\ncount by (model) (\n%s\n) >= %s",
				freshVerdicts, freshVerdicts, m.Drift.ShareThreshold)
			shareText = "{{ $value | humanize }}% of the model's features breached their drift threshold in the latest evaluation of their shard (features of shards without an evaluation in the last two schedules left out)."
		}
		b.add(Alert{
			Rule:     rulefmt.Rule{Alert: "FeatureDriftShareHigh", Expr: expr},
			Kind:     KindDrift,
			Severity: m.Drift.Severity,
		},
			fmt.Sprintf("At least %s%% of the features of %s drift at once.", m.Drift.ShareThreshold, compiler.EscapeTemplate(m.DisplayName)),
			shareText,
			nil)
	}
}

func (b *alertBuilder) share(a *compiler.ShareAlert) {
	m := b.m
	w := time.Duration(a.Window)
	sel := fmt.Sprintf(`{model=%s,share=%s}`, compiler.Quote(m.Name), compiler.Quote(a.Name))
	parts := []string{fmt.Sprintf("%s%s > %s", rec(recShare, w), sel, a.MaxPercent.Quo(decimal.Hundred))}
	if !a.MinRate.IsZero() {
		parts = append(parts, fmt.Sprintf("%s%s >= %s", rec(recShareEvents, w), sel, a.MinRate))
	}
	side := "at or below"
	if !a.Below {
		side = "above"
	}
	noun := "predictions have confidence"
	if a.Histogram == "latency" {
		noun = "requests take"
	}
	b.add(Alert{
		Rule:     rulefmt.Rule{Alert: compiler.Camel(a.Name) + "ShareHigh", Expr: strings.Join(parts, "\nand\n"), For: dur(time.Duration(a.For))},
		Kind:     KindShare,
		Severity: a.Severity,
		Share:    a,
	},
		fmt.Sprintf("More than %s%% of %s %s %s %s.", a.MaxPercent, compiler.EscapeTemplate(m.DisplayName), noun, side, a.Bound),
		fmt.Sprintf("{{ $value | humanizePercentage }} of observations over the last %s were %s %s (threshold %s%%).", win(w), side, a.Bound, a.MaxPercent),
		map[string]string{"share": a.Name})
}

func (b *alertBuilder) anomaly(a *compiler.AnomalyAlert) {
	m := b.m
	z := fmt.Sprintf(`%s{model=%s,anomaly=%s}`, recAnomalyZ, compiler.Quote(m.Name), compiler.Quote(a.Name))
	var expr, dir string
	switch a.Direction {
	case "up":
		expr, dir = fmt.Sprintf("%s > %s", z, a.ZThreshold), "above"
	case "down":
		expr, dir = fmt.Sprintf("%s < -%s", z, a.ZThreshold), "below"
	default:
		expr, dir = fmt.Sprintf("abs(%s) > %s", z, a.ZThreshold), "away from"
	}
	what := a.Name
	if a.KPI != "" {
		what = "KPI " + a.KPI
	}
	bw := win(time.Duration(a.BaselineWindow))
	base := fmt.Sprintf("its mean over the last %s", bw)
	if a.Baseline == "seasonal" {
		base = fmt.Sprintf("its mean over the %s that ended one season (%s) earlier, or over the last %s until that history exists", bw, win(time.Duration(a.Season)), bw)
	}
	b.add(Alert{
		Rule:     rulefmt.Rule{Alert: compiler.Camel(a.Name) + "Anomaly", Expr: expr, For: dur(time.Duration(a.For))},
		Kind:     KindAnomaly,
		Severity: a.Severity,
		Anomaly:  a,
	},
		fmt.Sprintf("%s of %s is anomalous.", upperFirst(what), compiler.EscapeTemplate(m.DisplayName)),
		fmt.Sprintf("The value is {{ $value | humanize }} standard deviations %s %s (threshold %s).", dir, base, a.ZThreshold),
		map[string]string{"anomaly": a.Name})
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// absent adds an absent-data alert for every source series the model's
// rules read.
func (b *alertBuilder) absent() {
	m := b.m
	if !m.Absent.Enabled {
		return
	}
	type src struct {
		metric, sel string
		matchers    compiler.Selector
	}
	seen := map[string]bool{}
	var srcs []src
	use := func(metric string, sel compiler.Selector) {
		s := selector(metric, sel)
		if !seen[s] {
			seen[s] = true
			srcs = append(srcs, src{metric, s, sel})
		}
	}
	mt := m.Metrics
	for _, s := range m.SLOs {
		switch s.Kind {
		case compiler.Availability:
			use(mt.Requests.Metric, mt.Requests.Selector)
		case compiler.Latency:
			use(mt.Latency.Metric+"_count", mt.Latency.Selector)
		case compiler.Quality:
			use(mt.Feedback.Metric, mt.Feedback.Selector)
		}
	}
	for _, a := range m.Shares {
		h := mt.Confidence
		if a.Histogram == "latency" {
			h = mt.Latency
		}
		use(h.Metric+"_count", h.Selector)
	}
	count := map[string]int{}
	for _, s := range srcs {
		name := compiler.Camel(strings.ReplaceAll(strings.ToLower(s.metric), ":", "_")) + "Absent"
		// The same metric under two selectors gets numbered names.
		if count[name]++; count[name] > 1 {
			name = fmt.Sprintf("%s%d", name, count[name])
		}
		b.add(Alert{
			Rule:     rulefmt.Rule{Alert: name, Expr: "absent(" + s.sel + ")", For: dur(time.Duration(m.Absent.For))},
			Kind:     KindAbsent,
			Severity: m.Absent.Severity,
			Metric:   s.sel,
			selector: s.matchers,
		},
			fmt.Sprintf("%s has reported no %s series for %s.", compiler.EscapeTemplate(m.DisplayName), s.metric, humanDuration(time.Duration(m.Absent.For))),
			fmt.Sprintf("No series match %s. Alerts that read it cannot fire: check the scrape target, the exporter and the metric name.", compiler.EscapeTemplate(s.sel)),
			nil)
	}
}

// Retrains reports whether the model's retraining policy selects the
// alert: drift alerts on critical (or all) features, and quality alerts
// (the rolling-window alert and the burn alerts of quality SLOs), at or
// above the policy's minimum severity.
func Retrains(m *compiler.Model, a Alert) bool {
	r := m.Retraining
	if r == nil || a.Severity.Rank() < r.MinSeverity.Rank() {
		return false
	}
	switch a.Kind {
	case KindDrift:
		if a.Feature == nil {
			return r.Drift == "all"
		}
		return r.Drift == "all" || r.Drift == "critical" && a.Feature.Critical
	case KindQuality:
		return r.Quality
	case KindBurnRate:
		return r.Quality && a.SLO != nil && a.SLO.Kind == compiler.Quality
	}
	return false
}
