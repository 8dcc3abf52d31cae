package grafana

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"

	"github.com/vigil-dev/vigil/compiler"
	vprom "github.com/vigil-dev/vigil/targets/prometheus"
)

// modelBuilder accumulates one model's dashboard.
type modelBuilder struct {
	spec *compiler.Spec
	m    *compiler.Model
	d    *dashSpec
	l    layout
}

func (b *modelBuilder) row(key, title string) {
	b.d.items = append(b.d.items, item{row: &rowSpec{key: "row:" + key, title: title, pos: b.l.row()}})
}

func (b *modelBuilder) add(p *panelSpec) {
	b.d.items = append(b.d.items, item{panel: p})
}

// ModelDashboard builds a model's dashboard (the v1 JSON model).
func ModelDashboard(spec *compiler.Spec, m *compiler.Model) (dashboard.Dashboard, error) {
	return renderV1(modelDashSpec(spec, m))
}

// modelDashSpec describes a model's dashboard independently of the form.
func modelDashSpec(spec *compiler.Spec, m *compiler.Model) *dashSpec {
	b := &modelBuilder{spec: spec, m: m}
	b.d = &dashSpec{
		uid:         compiler.DashboardUID(m.Name),
		title:       m.DisplayName,
		description: strings.TrimSpace(m.Description),
		tags:        []string{"vigil", "model:" + m.Name, "team:" + m.Team},
		links: []dashLink{
			fleetLink(spec),
			{title: "Runbooks", url: strings.TrimSuffix(spec.RunbookURL(m.Name, "index"), "index.md") + "index.md", targetBlank: true},
		},
		alerts: &alertAnnotation{name: "Firing alerts", expr: fmt.Sprintf(`ALERTS{model=%s,alertstate="firing"}`, compiler.Quote(m.Name))},
	}
	for _, l := range m.Links {
		b.d.links = append(b.d.links, dashLink{title: l.Name, url: l.Value, targetBlank: true})
	}
	if m.VersionLabel != "" {
		sel := m.Metrics.Requests.Selector.String()
		b.d.versionVar = &queryVar{name: "version", label: "Model version",
			query: fmt.Sprintf("label_values(%s{%s}, %s)", m.Metrics.Requests.Metric, sel, m.VersionLabel)}
	}
	b.sloOverview()
	b.operational()
	b.modelHealth()
	b.business()
	b.infrastructure()
	return b.d
}

func sliSel(m *compiler.Model, s *compiler.SLO) string {
	return fmt.Sprintf("{model=%s,slo=%s}", compiler.Quote(m.Name), compiler.Quote(s.Name))
}

func (b *modelBuilder) sloOverview() {
	if len(b.m.SLOs) == 0 {
		return
	}
	b.row("slo", "SLO overview")
	for _, s := range b.m.SLOs {
		sel := sliSel(b.m, s)
		obj := s.ObjectiveRatio().Float64()
		events, good := "events", "good events"
		if sl := s.Slices; sl != nil {
			// A time-slice SLO counts slices (docs/time-slices.md).
			events = win(sl.Length) + " slices"
			good = fmt.Sprintf("good %s slices (judged at every rule evaluation)", win(sl.Length))
		}
		b.add(&panelSpec{key: SLOPanelKey(s.Name, ViewSLI), typ: statPanel, pos: b.l.place(4, 6),
			title:       fmt.Sprintf("%s SLI (%s)", s.Name, win(s.Window)),
			description: fmt.Sprintf("Share of %s over the last %s. Red below the %s%% objective.", good, win(s.Window), s.Objective),
			unit:        "percentunit", decimals: ptr(3),
			thresholds: steps(nil, "red", obj, "green"),
			queries:    []promQuery{query("vigil:slo_sli:ratio_rate"+win(s.Window)+sel, s.Name)}})
		b.add(&panelSpec{key: SLOPanelKey(s.Name, ViewRemaining), typ: barGaugePanel, pos: b.l.place(5, 6),
			title:       s.Name + " error budget remaining",
			description: fmt.Sprintf("The %s window's error budget (%s of %s) that is left, from 100%% down to 0%%.", win(s.Window), pct(s.ErrorBudget().Float64()), events),
			unit:        "percentunit", min: ptr(0), max: ptr(1),
			thresholds: steps(nil, "red", 0.2, "orange", 0.5, "green"),
			queries:    []promQuery{query("vigil:slo_budget_remaining:ratio"+sel, "remaining")}})
		tierSteps := []any{nil, "green"}
		for _, t := range s.Tiers {
			color := "orange"
			if t.Severity == compiler.Critical {
				color = "red"
			}
			tierSteps = append(tierSteps, t.Consumed.Float64()/100, color)
		}
		b.add(&panelSpec{key: SLOPanelKey(s.Name, ViewConsumed), typ: timeSeriesPanel, pos: b.l.place(5, 6),
			title:       s.Name + " budget consumed",
			description: "Share of the period's error budget spent, against the budget tiers that alert.",
			unit:        "percentunit", min: ptr(0),
			thresholds: steps(tierSteps...), thresholdLines: true,
			queries: []promQuery{query("vigil:slo_budget_consumed:ratio"+sel, "consumed")}})
		// Grafana colours a value by the last step at or below it, so the
		// factors go in ascending order; where a ticket and a page factor
		// are equal, the page's red wins.
		type burnStep struct {
			factor float64
			color  string
		}
		var factors []burnStep
		for _, p := range []struct {
			policy compiler.BurnPolicy
			color  string
		}{{s.Ticket, "orange"}, {s.Page, "red"}} {
			if !p.policy.Enabled {
				continue
			}
			for _, w := range p.policy.Windows {
				factors = append(factors, burnStep{w.Factor.Float64(), p.color})
			}
		}
		sort.SliceStable(factors, func(i, j int) bool { return factors[i].factor < factors[j].factor })
		burnSteps := []any{nil, "green"}
		for i, f := range factors {
			if i+1 < len(factors) && factors[i+1].factor == f.factor {
				continue
			}
			burnSteps = append(burnSteps, f.factor, f.color)
		}
		cur := vprom.CurrentWindow(s)
		b.add(&panelSpec{key: SLOPanelKey(s.Name, ViewBurn), typ: timeSeriesPanel, pos: b.l.place(5, 6),
			title:       fmt.Sprintf("%s burn rate (%s)", s.Name, win(compiler.Duration(cur))),
			description: "How many times faster than sustainable the budget burns. Lines: ticket (orange) and page (red) factors.",
			unit:        BurnRateUnit, min: ptr(0),
			thresholds: steps(burnSteps...), thresholdLines: true,
			queries: []promQuery{query("vigil:slo_burn_rate:rate"+win(compiler.Duration(cur))+sel, "burn rate")}})
		if s.Kind == compiler.Availability {
			b.add(&panelSpec{key: SLOPanelKey(s.Name, ViewDowntime), typ: statPanel, pos: b.l.place(5, 6),
				title:       s.Name + " downtime left",
				description: fmt.Sprintf("The remaining budget as minutes of full outage (the whole budget is %s).", compiler.FormatDuration(s.BudgetDuration().Round(time.Second))),
				unit:        "s",
				thresholds:  steps(nil, "red", 0.2*s.BudgetDuration().Seconds(), "green"),
				queries:     []promQuery{query("vigil:slo_budget_remaining:seconds"+sel, "left")}})
		} else {
			b.l.place(5, 6)
		}
	}
}

func pct(f float64) string { return fmt.Sprintf("%g%%", f*100) }

// versioned adds the version variable's filter to a raw-metric selector
// when the model declares a version label (recording rules aggregate
// versions away, so only raw-metric panels can be filtered).
func (b *modelBuilder) versioned(sel compiler.Selector) compiler.Selector {
	if b.m.VersionLabel == "" {
		return sel
	}
	return sel.With(compiler.Selector{{Name: b.m.VersionLabel, Op: "=~", Value: "$version"}})
}

func rateOf(metric string, sel compiler.Selector) string {
	s := metric
	if len(sel) > 0 {
		s += "{" + sel.String() + "}"
	}
	return "rate(" + s + "[$__rate_interval])"
}

func (b *modelBuilder) sloOf(kind compiler.SLIKind) *compiler.SLO {
	for _, s := range b.m.SLOs {
		if s.Kind == kind {
			return s
		}
	}
	return nil
}

func (b *modelBuilder) operational() {
	mt := b.m.Metrics
	avail, lat := b.sloOf(compiler.Availability), b.sloOf(compiler.Latency)
	if avail == nil && lat == nil {
		return
	}
	b.row("ops", "Operational")
	b.add(&panelSpec{key: KeyRequests, typ: timeSeriesPanel, pos: b.l.place(8, 8),
		title:       "Requests per second",
		description: "Prediction requests per second; a drop can mean lost traffic upstream, a rise explains saturation.",
		unit:        "reqps", min: ptr(0),
		queries: []promQuery{query("sum("+rateOf(mt.Requests.Metric, b.versioned(mt.Requests.Selector))+")", "requests")}})
	if avail != nil {
		b.add(&panelSpec{key: KeyErrorRatio, typ: timeSeriesPanel, pos: b.l.place(8, 8),
			title:       "Error ratio",
			description: fmt.Sprintf("Share of failed requests over 5m, against the %s error budget.", pct(avail.ErrorBudget().Float64())),
			unit:        "percentunit", min: ptr(0),
			thresholds: steps(nil, "green", avail.ErrorBudget().Float64(), "red"), thresholdLines: true,
			queries: []promQuery{query("vigil:sli_error_ratio:rate5m"+sliSel(b.m, avail), "error ratio")}})
	}
	h := mt.Latency
	p := &panelSpec{key: KeyLatency, typ: timeSeriesPanel, pos: b.l.place(8, 8),
		title:       "Latency p50, p90, p99",
		description: "Request latency quantiles from the histogram; the line is the latency objective's threshold.",
		unit:        "s", min: ptr(0)}
	for _, q := range []string{"0.5", "0.9", "0.99"} {
		p.queries = append(p.queries, query(fmt.Sprintf("histogram_quantile(%s, sum by (le) (%s))", q, rateOf(h.Metric+"_bucket", b.versioned(h.Selector))), "p"+strings.TrimPrefix(q, "0.")))
	}
	if lat != nil {
		p.thresholds, p.thresholdLines = steps(nil, "green", time.Duration(lat.Latency.Threshold).Seconds(), "red"), true
	}
	b.add(p)
}

func (b *modelBuilder) modelHealth() {
	m, mt := b.m, b.m.Metrics
	quality := []*compiler.SLO{}
	for _, s := range m.SLOs {
		if s.Kind == compiler.Quality {
			quality = append(quality, s)
		}
	}
	if len(m.Shares) == 0 && len(quality) == 0 && len(m.Features) == 0 {
		return
	}
	b.row("health", "Model health")
	if len(m.Shares) > 0 {
		c := mt.Confidence
		heat := query("sum by (le) ("+rateOf(c.Metric+"_bucket", b.versioned(c.Selector))+")", "{{le}}")
		heat.format = prometheus.PromQueryFormatHeatmap
		b.add(&panelSpec{key: KeyConfidence, typ: heatmapPanel, pos: b.l.place(12, 8),
			title:       "Prediction confidence distribution",
			description: "Predictions per confidence bucket over time; mass moving down means the model is less sure.",
			unit:        "short",
			queries:     []promQuery{heat}})
		for _, a := range m.Shares {
			b.add(&panelSpec{key: SharePanelKey(a.Name), typ: timeSeriesPanel, pos: b.l.place(12, 8),
				title:       a.Name + " share",
				description: fmt.Sprintf("Share of observations beyond %s over %s; the line is the %s%% alert threshold.", a.Bound, win(a.Window), a.MaxPercent),
				unit:        "percentunit", min: ptr(0),
				thresholds: steps(nil, "green", a.MaxPercent.Float64()/100, "red"), thresholdLines: true,
				queries: []promQuery{query(fmt.Sprintf("vigil:share:ratio_rate%s{model=%s,share=%s}", win(a.Window), compiler.Quote(m.Name), compiler.Quote(a.Name)), a.Name)}})
		}
		b.add(&panelSpec{key: KeyLabelMix, typ: timeSeriesPanel, pos: b.l.place(12, 8),
			title:       "Predicted label mix",
			description: "Predictions per second by predicted class; a shift in the mix often precedes a quality drop.",
			unit:        "short", min: ptr(0),
			queries: []promQuery{query(fmt.Sprintf("sum by (%s) (%s)", mt.PredictionLabel, rateOf(mt.Predictions.Metric, b.versioned(mt.Predictions.Selector))), "{{"+mt.PredictionLabel+"}}")}})
	}
	for _, s := range quality {
		rw := win(s.Quality.RollingWindow)
		obj := s.ObjectiveRatio().Float64()
		b.add(&panelSpec{key: QualityPanelKey(s.Name), typ: timeSeriesPanel, pos: b.l.place(12, 8),
			title:       fmt.Sprintf("%s, rolling %s", s.Quality.Metric, rw),
			description: fmt.Sprintf("%s from ground-truth feedback over the last %s; the line is the %s%% objective.", s.Quality.Metric, rw, s.Objective),
			unit:        "percentunit", max: ptr(1),
			thresholds: steps(nil, "red", obj, "green"), thresholdLines: true,
			queries: []promQuery{query("1 - vigil:sli_error_ratio:rate"+rw+sliSel(m, s), s.Quality.Metric)}})
	}
	if len(m.Features) > 0 {
		dm := m.DriftMetricNames()
		b.add(&panelSpec{key: KeyDrift, typ: timeSeriesPanel, pos: b.l.place(12, 8),
			title:       "Drift score per feature",
			description: "Each feature's drift statistic from `vigil drift` (distance, or p-value for hypothesis tests), with the threshold each test alerts at.",
			unit:        "short",
			queries: []promQuery{
				query(fmt.Sprintf("%s{model=%s}", dm.Score, compiler.Quote(m.Name)), "{{feature}} ({{test}})"),
				query(fmt.Sprintf("%s{model=%s}", dm.Threshold, compiler.Quote(m.Name)), "{{feature}} threshold"),
			}})
		if k := driftKPI(m); k != nil {
			b.add(&panelSpec{key: KeyDriftKPI, typ: timeSeriesPanel, pos: b.l.place(12, 8),
				title:       k.Title + " beside drift",
				description: "The business KPI the features are supposed to explain, placed next to the drift scores to see whether drift hurts it.",
				unit:        k.Unit,
				queries:     []promQuery{query(k.Query, k.Title)}})
		}
		for _, f := range m.Features {
			b.add(b.driftBinsPanel(f))
		}
	}
}

// driftBinsPanel is a bar chart of a feature's reference and current
// shares per bin, from the evaluator's latest run: the bins of a numeric
// feature, or its most frequent reference categories, (other) and
// (unseen).
func (b *modelBuilder) driftBinsPanel(f *compiler.Feature) *panelSpec {
	m := b.m
	dm := m.DriftMetricNames()
	share := func(sample string) promQuery {
		return promQuery{
			expr:    fmt.Sprintf("max by (bin) (%s{model=%s,feature=%s,sample=%q})", dm.BinShare, compiler.Quote(m.Name), compiler.Quote(f.Name), sample),
			legend:  sample,
			refID:   sample,
			instant: true,
			format:  prometheus.PromQueryFormatTable,
		}
	}
	what := "its most frequent reference categories, (other) for the rest and (unseen) for current categories the reference lacks"
	if f.Type == compiler.Numeric {
		// The evaluator's bins (drift.distribution): the feature's own,
		// 10 by default and with conventions "evidently".
		n, cut := f.Test.Bins, "at the reference's quantiles"
		if n < 2 {
			n = 10
		}
		if f.Test.Binning == "equal_width" {
			cut = "of equal width over the reference's range"
		}
		what = fmt.Sprintf("its %d bins %s", n, cut)
	}
	return &panelSpec{key: DriftBinsPanelKey(f.Name), typ: barChartPanel, pos: b.l.place(12, 8),
		title:       f.Name + ": reference vs current",
		description: fmt.Sprintf("Share of %s's values in each bin (%s), in the reference and in the latest evaluation's current data: the bins whose bars differ most are what moved the drift score.", f.Name, what),
		unit:        "percentunit", min: ptr(0),
		queries: []promQuery{share("reference"), share("current")},
		transformations: []transformation{
			{id: "merge", options: map[string]any{}},
			{id: "organize", options: map[string]any{
				"excludeByName": map[string]any{"Time": true},
				"renameByName":  map[string]any{"Value #reference": "reference", "Value #current": "current"},
			}},
			{id: "sortBy", options: map[string]any{"fields": map[string]any{}, "sort": []any{map[string]any{"field": "bin"}}}},
		},
		xField: "bin",
	}
}

func (b *modelBuilder) business() {
	m := b.m
	if len(m.KPIs) == 0 && len(m.Anomalies) == 0 {
		return
	}
	b.row("business", "Business")
	for _, k := range m.KPIs {
		desc := k.Description
		if desc == "" {
			desc = "Business KPI " + k.Name + " from the spec."
		}
		b.add(&panelSpec{key: KPIPanelKey(k.Name), typ: timeSeriesPanel, pos: b.l.place(12, 8),
			title: k.Title, description: desc, unit: k.Unit,
			queries: []promQuery{query(k.Query, k.Title)}})
	}
	for _, a := range m.Anomalies {
		b.anomaly(a)
	}
}

// anomaly adds an anomaly alert's two panels: the watched value against
// its baseline mean and the band the alert tolerates, and the z-score
// against its threshold. A seasonal baseline's z-score panel also plots
// vigil:anomaly_baseline:seasonal, which is 0 while the rules fall back
// to the rolling mean (the first season after deployment, or when the
// window one season ago was a gap) and 1 once the seasonal mean is used.
func (b *modelBuilder) anomaly(a *compiler.AnomalyAlert) {
	m := b.m
	sel := fmt.Sprintf("{model=%s,anomaly=%s}", compiler.Quote(m.Name), compiler.Quote(a.Name))
	unit := ""
	for _, k := range m.KPIs {
		if k.Name == a.KPI {
			unit = k.Unit
		}
	}
	z := a.ZThreshold.String()
	band := func(sign string) string {
		return fmt.Sprintf("vigil:anomaly_baseline:mean%s %s %s * vigil:anomaly_baseline:stddev%s", sel, sign, z, sel)
	}
	bw := win(a.BaselineWindow)
	base := fmt.Sprintf("The baseline is the mean over the last %s.", bw)
	if a.Baseline == "seasonal" {
		base = fmt.Sprintf("The baseline is the mean over the %s that ended one season (%s) earlier; until that history exists (the first %s after deployment) or while it is a gap, the rules fall back to the mean over the last %s.",
			bw, win(a.Season), compiler.FormatDuration(time.Duration(a.Season)+time.Duration(a.BaselineWindow)), bw)
	}
	b.add(&panelSpec{key: AnomalyPanelKey(a.Name), typ: timeSeriesPanel, pos: b.l.place(12, 8),
		title:       "Anomaly " + a.Name + ": value against its baseline",
		description: fmt.Sprintf("The watched value, its baseline mean, and the band of %s standard deviations (over the last %s) beyond which the alert fires. %s", z, bw, base),
		unit:        unit,
		queries: []promQuery{
			query("vigil:anomaly:value"+sel, "value"),
			query("vigil:anomaly_baseline:mean"+sel, "baseline mean"),
			query(band("+"), "mean + "+z+" sd"),
			query(band("-"), "mean - "+z+" sd"),
		}})
	queries := []promQuery{query("vigil:anomaly:zscore"+sel, "z-score")}
	desc := fmt.Sprintf("Standard deviations from the baseline; the alert fires beyond %s (direction %s). %s", z, a.Direction, base)
	if a.Baseline == "seasonal" {
		queries = append(queries, query("vigil:anomaly_baseline:seasonal"+sel, "seasonal baseline in use (1) or rolling fallback (0)"))
		desc += " The second line is 1 while the seasonal mean is in use and 0 during the fallback."
	}
	zf := a.ZThreshold.Float64()
	th := steps(nil, "red", -zf, "green", zf, "red")
	switch a.Direction {
	case "up":
		th = steps(nil, "green", zf, "red")
	case "down":
		th = steps(nil, "red", -zf, "green")
	}
	b.add(&panelSpec{key: AnomalyZPanelKey(a.Name), typ: timeSeriesPanel, pos: b.l.place(12, 8),
		title: "Anomaly " + a.Name + ": z-score", description: desc, unit: "short",
		thresholds: th, thresholdLines: true,
		queries: queries})
}

func (b *modelBuilder) infrastructure() {
	inf, pl := b.m.Infrastructure, b.m.Pipeline
	if inf == (compiler.Infrastructure{}) && pl.LastSuccess == "" && pl.Rows == "" {
		return
	}
	b.row("infra", "Infrastructure and data pipeline")
	add := func(key, expr, title, desc, unit string) {
		if expr == "" {
			return
		}
		b.add(&panelSpec{key: InfraPanelKey(key), typ: timeSeriesPanel, pos: b.l.place(8, 8),
			title: title, description: desc, unit: unit,
			queries: []promQuery{query(expr, title)}})
	}
	add("cpu", inf.CPU, "CPU of serving pods", "CPU cores used by the model's pods; saturation explains latency.", "short")
	add("memory", inf.Memory, "Memory of serving pods", "Working set of the model's pods; growth toward the limit precedes OOM kills.", "bytes")
	add("replicas", inf.Replicas, "Ready replicas", "Ready pods serving the model.", "short")
	if pl.LastSuccess != "" {
		add("freshness", "time() - ("+pl.LastSuccess+")", "Pipeline data age", "Seconds since the upstream pipeline last succeeded; stale features degrade predictions.", "s")
	}
	add("rows", pl.Rows, "Pipeline volume", "Rows ingested per second by the upstream pipeline; a drop means missing data.", "short")
}

// driftKPI picks the business KPI shown beside the drift scores: the first
// one an anomaly alert watches (the KPI the team cares about most), else
// the first one.
func driftKPI(m *compiler.Model) *compiler.KPI {
	for _, a := range m.Anomalies {
		for _, k := range m.KPIs {
			if k.Name == a.KPI {
				return k
			}
		}
	}
	if len(m.KPIs) > 0 {
		return m.KPIs[0]
	}
	return nil
}
