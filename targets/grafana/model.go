package grafana

import (
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/heatmap"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"github.com/vigil-dev/vigil/compiler"
	vprom "github.com/vigil-dev/vigil/targets/prometheus"
)

// modelBuilder accumulates one model's dashboard.
type modelBuilder struct {
	spec *compiler.Spec
	m    *compiler.Model
	d    *dashboard.DashboardBuilder
	l    layout
}

func (b *modelBuilder) row(key, title string) {
	b.d.WithRow(dashboard.NewRowBuilder(title).Id(panelID("row:" + key)).GridPos(b.l.row()))
}

// ModelDashboard builds a model's dashboard.
func ModelDashboard(spec *compiler.Spec, m *compiler.Model) (dashboard.Dashboard, error) {
	b := &modelBuilder{spec: spec, m: m}
	b.d = dashboard.NewDashboardBuilder(m.DisplayName).
		Uid(compiler.DashboardUID(m.Name)).
		Description(strings.TrimSpace(m.Description)).
		Tags([]string{"vigil", "model:" + m.Name, "team:" + m.Team}).
		Readonly().
		Time("now-24h", "now").
		Refresh("1m").
		WithVariable(datasourceVariable()).
		Link(fleetLink()).
		Link(dashboard.NewDashboardLinkBuilder("Runbooks").Type(dashboard.DashboardLinkTypeLink).
			Url(strings.TrimSuffix(spec.RunbookURL(m.Name, "index"), "index.md") + "index.md").TargetBlank(true)).
		Annotation(dashboard.NewAnnotationQueryBuilder().Name("Firing alerts").Datasource(ds).Enable(true).
			IconColor("red").
			Expr(fmt.Sprintf(`ALERTS{model=%s,alertstate="firing"}`, compiler.Quote(m.Name))).
			TitleFormat("{{alertname}}").TextFormat("{{severity}}").TagKeys("alertname,severity").
			Step("1m").UseValueForTime(false))
	for _, l := range m.Links {
		b.d.Link(dashboard.NewDashboardLinkBuilder(l.Name).Type(dashboard.DashboardLinkTypeLink).Url(l.Value).TargetBlank(true))
	}
	if m.VersionLabel != "" {
		sel := m.Metrics.Requests.Selector.String()
		b.d.WithVariable(dashboard.NewQueryVariableBuilder("version").Label("Model version").Datasource(ds).
			Query(dashboard.StringOrMap{String: cog.ToPtr(fmt.Sprintf("label_values(%s{%s}, %s)", m.Metrics.Requests.Metric, sel, m.VersionLabel))}).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).IncludeAll(true).AllValue(".*").Multi(true))
	}
	b.sloOverview()
	b.operational()
	b.modelHealth()
	b.business()
	b.infrastructure()
	return b.d.Build()
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
		key := "slo:" + s.Name + ":"
		obj := s.ObjectiveRatio().Float64()
		b.d.WithPanel(stat.NewPanelBuilder().Id(panelID(key + "sli")).GridPos(b.l.place(4, 6)).
			Title(fmt.Sprintf("%s SLI (%s)", s.Name, win(s.Window))).
			Description(fmt.Sprintf("Share of good events over the last %s. Red below the %s%% objective.", win(s.Window), s.Objective)).
			Datasource(ds).Unit("percentunit").Decimals(3).
			Thresholds(thresholds(nil, "red", obj, "green")).
			WithTarget(query("vigil:slo_sli:ratio_rate"+win(s.Window)+sel, s.Name)))
		b.d.WithPanel(bargauge.NewPanelBuilder().Id(panelID(key + "remaining")).GridPos(b.l.place(5, 6)).
			Title(s.Name + " error budget remaining").
			Description(fmt.Sprintf("The %s window's error budget (%s of events) that is left, from 100%% down to 0%%.", win(s.Window), pct(s.ErrorBudget().Float64()))).
			Datasource(ds).Unit("percentunit").Min(0).Max(1).
			Thresholds(thresholds(nil, "red", 0.2, "orange", 0.5, "green")).
			WithTarget(query("vigil:slo_budget_remaining:ratio"+sel, "remaining")))
		tierSteps := []any{nil, "green"}
		for _, t := range s.Tiers {
			color := "orange"
			if t.Severity == compiler.Critical {
				color = "red"
			}
			tierSteps = append(tierSteps, t.Consumed.Float64()/100, color)
		}
		b.d.WithPanel(timeseries.NewPanelBuilder().Id(panelID(key + "consumed")).GridPos(b.l.place(5, 6)).
			Title(s.Name + " budget consumed").
			Description("Share of the period's error budget spent, against the budget tiers that alert.").
			Datasource(ds).Unit("percentunit").Min(0).
			Thresholds(thresholds(tierSteps...)).ThresholdsStyle(lines()).
			WithTarget(query("vigil:slo_budget_consumed:ratio"+sel, "consumed")))
		burnSteps := []any{nil, "green"}
		for _, p := range []struct {
			policy compiler.BurnPolicy
			color  string
		}{{s.Ticket, "orange"}, {s.Page, "red"}} {
			if !p.policy.Enabled {
				continue
			}
			for _, w := range p.policy.Windows {
				burnSteps = append(burnSteps, w.Factor.Float64(), p.color)
			}
		}
		cur := vprom.CurrentWindow(s)
		b.d.WithPanel(timeseries.NewPanelBuilder().Id(panelID(key + "burn")).GridPos(b.l.place(5, 6)).
			Title(fmt.Sprintf("%s burn rate (%s)", s.Name, win(compiler.Duration(cur)))).
			Description("How many times faster than sustainable the budget burns. Lines: ticket (orange) and page (red) factors.").
			Datasource(ds).Unit("x").Min(0).
			Thresholds(thresholds(burnSteps...)).ThresholdsStyle(lines()).
			WithTarget(query("vigil:slo_burn_rate:rate"+win(compiler.Duration(cur))+sel, "burn rate")))
		if s.Kind == compiler.Availability {
			b.d.WithPanel(stat.NewPanelBuilder().Id(panelID(key + "downtime")).GridPos(b.l.place(5, 6)).
				Title(s.Name + " downtime left").
				Description(fmt.Sprintf("The remaining budget as minutes of full outage (the whole budget is %s).", compiler.FormatDuration(s.BudgetDuration().Round(time.Second)))).
				Datasource(ds).Unit("s").
				Thresholds(thresholds(nil, "red", 0.2*s.BudgetDuration().Seconds(), "green")).
				WithTarget(query("vigil:slo_budget_remaining:seconds"+sel, "left")))
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
	b.d.WithPanel(timeseries.NewPanelBuilder().Id(panelID("ops:rps")).GridPos(b.l.place(8, 8)).
		Title("Requests per second").
		Description("Prediction requests per second; a drop can mean lost traffic upstream, a rise explains saturation.").
		Datasource(ds).Unit("reqps").Min(0).
		WithTarget(query("sum("+rateOf(mt.Requests.Metric, b.versioned(mt.Requests.Selector))+")", "requests")))
	if avail != nil {
		b.d.WithPanel(timeseries.NewPanelBuilder().Id(panelID("ops:errors")).GridPos(b.l.place(8, 8)).
			Title("Error ratio").
			Description(fmt.Sprintf("Share of failed requests over 5m, against the %s error budget.", pct(avail.ErrorBudget().Float64()))).
			Datasource(ds).Unit("percentunit").Min(0).
			Thresholds(thresholds(nil, "green", avail.ErrorBudget().Float64(), "red")).ThresholdsStyle(lines()).
			WithTarget(query("vigil:sli_error_ratio:rate5m"+sliSel(b.m, avail), "error ratio")))
	}
	{
		h := mt.Latency
		p := timeseries.NewPanelBuilder().Id(panelID("ops:latency")).GridPos(b.l.place(8, 8)).
			Title("Latency p50, p90, p99").
			Description("Request latency quantiles from the histogram; the line is the latency objective's threshold.").
			Datasource(ds).Unit("s").Min(0)
		for _, q := range []string{"0.5", "0.9", "0.99"} {
			p.WithTarget(query(fmt.Sprintf("histogram_quantile(%s, sum by (le) (%s))", q, rateOf(h.Metric+"_bucket", b.versioned(h.Selector))), "p"+strings.TrimPrefix(q, "0.")))
		}
		if lat != nil {
			p.Thresholds(thresholds(nil, "green", time.Duration(lat.Latency.Threshold).Seconds(), "red")).ThresholdsStyle(lines())
		}
		b.d.WithPanel(p)
	}
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
		b.d.WithPanel(heatmap.NewPanelBuilder().Id(panelID("health:confidence")).GridPos(b.l.place(12, 8)).
			Title("Prediction confidence distribution").
			Description("Predictions per confidence bucket over time; mass moving down means the model is less sure.").
			Datasource(ds).Unit("short").
			WithTarget(query("sum by (le) ("+rateOf(c.Metric+"_bucket", b.versioned(c.Selector))+")", "{{le}}").Format(prometheus.PromQueryFormatHeatmap)))
		for _, a := range m.Shares {
			b.d.WithPanel(timeseries.NewPanelBuilder().Id(panelID("health:share:" + a.Name)).GridPos(b.l.place(12, 8)).
				Title(a.Name + " share").
				Description(fmt.Sprintf("Share of observations beyond %s over %s; the line is the %s%% alert threshold.", a.Bound, win(a.Window), a.MaxPercent)).
				Datasource(ds).Unit("percentunit").Min(0).
				Thresholds(thresholds(nil, "green", a.MaxPercent.Float64()/100, "red")).ThresholdsStyle(lines()).
				WithTarget(query(fmt.Sprintf("vigil:share:ratio_rate%s{model=%s,share=%s}", win(a.Window), compiler.Quote(m.Name), compiler.Quote(a.Name)), a.Name)))
		}
		b.d.WithPanel(timeseries.NewPanelBuilder().Id(panelID("health:labels")).GridPos(b.l.place(12, 8)).
			Title("Predicted label mix").
			Description("Predictions per second by predicted class; a shift in the mix often precedes a quality drop.").
			Datasource(ds).Unit("short").Min(0).
			WithTarget(query(fmt.Sprintf("sum by (%s) (%s)", mt.PredictionLabel, rateOf(mt.Predictions.Metric, b.versioned(mt.Predictions.Selector))), "{{"+mt.PredictionLabel+"}}")))
	}
	for _, s := range quality {
		rw := win(s.Quality.RollingWindow)
		obj := s.ObjectiveRatio().Float64()
		b.d.WithPanel(timeseries.NewPanelBuilder().Id(panelID("health:quality:" + s.Name)).GridPos(b.l.place(12, 8)).
			Title(fmt.Sprintf("%s, rolling %s", s.Quality.Metric, rw)).
			Description(fmt.Sprintf("%s from ground-truth feedback over the last %s; the line is the %s%% objective.", s.Quality.Metric, rw, s.Objective)).
			Datasource(ds).Unit("percentunit").Max(1).
			Thresholds(thresholds(nil, "red", obj, "green")).ThresholdsStyle(lines()).
			WithTarget(query("1 - vigil:sli_error_ratio:rate"+rw+sliSel(m, s), s.Quality.Metric)))
	}
	if len(m.Features) > 0 {
		dm := m.DriftMetricNames()
		p := timeseries.NewPanelBuilder().Id(panelID("health:drift")).GridPos(b.l.place(12, 8)).
			Title("Drift score per feature").
			Description("Each feature's drift statistic from `vigil drift` (distance, or p-value for hypothesis tests), with the threshold each test alerts at.").
			Datasource(ds).Unit("short").
			WithTarget(query(fmt.Sprintf("%s{model=%s}", dm.Score, compiler.Quote(m.Name)), "{{feature}} ({{test}})")).
			WithTarget(query(fmt.Sprintf("%s{model=%s}", dm.Threshold, compiler.Quote(m.Name)), "{{feature}} threshold"))
		b.d.WithPanel(p)
		if k := driftKPI(m); k != nil {
			b.d.WithPanel(timeseries.NewPanelBuilder().Id(panelID("health:drift-kpi")).GridPos(b.l.place(12, 8)).
				Title(k.Title + " beside drift").
				Description("The business KPI the features are supposed to explain, placed next to the drift scores to see whether drift hurts it.").
				Datasource(ds).Unit(k.Unit).
				WithTarget(query(k.Query, k.Title)))
		}
	}
}

func (b *modelBuilder) business() {
	if len(b.m.KPIs) == 0 {
		return
	}
	b.row("business", "Business")
	for _, k := range b.m.KPIs {
		desc := k.Description
		if desc == "" {
			desc = "Business KPI " + k.Name + " from the spec."
		}
		b.d.WithPanel(timeseries.NewPanelBuilder().Id(panelID("kpi:" + k.Name)).GridPos(b.l.place(12, 8)).
			Title(k.Title).Description(desc).Datasource(ds).Unit(k.Unit).
			WithTarget(query(k.Query, k.Title)))
	}
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
		b.d.WithPanel(timeseries.NewPanelBuilder().Id(panelID("infra:" + key)).GridPos(b.l.place(8, 8)).
			Title(title).Description(desc).Datasource(ds).Unit(unit).
			WithTarget(query(expr, title)))
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
