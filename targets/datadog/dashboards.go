package datadog

import (
	"fmt"
	"strings"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadog"
	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"

	"github.com/vigil-dev/vigil/compiler"
)

// DashboardMarker is the last line of a vigil dashboard's description:
// Datadog dashboards carry team tags only, so their ownership and
// identity are written there, as the tags other objects carry.
func DashboardMarker(spec *compiler.Spec, id string) string {
	return ManagedTag + " " + SpecTag(spec) + " " + IDTagKey + ":" + id
}

// DashboardID is the identity of a model's dashboard.
func DashboardID(model string) string { return "dashboard/" + model }

// FleetDashboardID is the identity of the fleet dashboard.
const FleetDashboardID = "dashboard/fleet"

func widget(d datadogV1.WidgetDefinition) datadogV1.Widget { return datadogV1.Widget{Definition: d} }

func timeseries(title string, queries ...string) datadogV1.Widget {
	def := datadogV1.NewTimeseriesWidgetDefinitionWithDefaults()
	def.Title = ptr(title)
	def.Requests = []datadogV1.TimeseriesWidgetRequest{}
	for _, q := range queries {
		def.Requests = append(def.Requests, datadogV1.TimeseriesWidgetRequest{Q: ptr(q), DisplayType: datadogV1.WIDGETDISPLAYTYPE_LINE.Ptr()})
	}
	return widget(datadogV1.TimeseriesWidgetDefinitionAsWidgetDefinition(def))
}

func note(content string) datadogV1.Widget {
	def := datadogV1.NewNoteWidgetDefinitionWithDefaults()
	def.Content = content
	return widget(datadogV1.NoteWidgetDefinitionAsWidgetDefinition(def))
}

func group(title string, ws []datadogV1.Widget) datadogV1.Widget {
	if ws == nil {
		ws = []datadogV1.Widget{}
	}
	def := datadogV1.NewGroupWidgetDefinitionWithDefaults()
	def.Title = ptr(title)
	def.LayoutType = datadogV1.WIDGETLAYOUTTYPE_ORDERED
	def.Widgets = ws
	return widget(datadogV1.GroupWidgetDefinitionAsWidgetDefinition(def))
}

func sloWidget(title, ref string, tf datadogV1.SLOTimeframe) datadogV1.Widget {
	def := datadogV1.NewSLOWidgetDefinitionWithDefaults()
	def.Title = ptr(title)
	def.SloId = ptr(ref)
	def.ViewType = "detail"
	def.ShowErrorBudget = ptr(true)
	def.TimeWindows = []datadogV1.WidgetTimeWindows{datadogV1.WidgetTimeWindows(tf)}
	return widget(datadogV1.SLOWidgetDefinitionAsWidgetDefinition(def))
}

// dashboard builds the model's dashboard: the Grafana dashboard's rows
// (SLO overview, Operational, Model health, Business, Infrastructure) as
// group widgets, each present when the Grafana row is.
func (b *builder) dashboard() datadogV1.Dashboard {
	m, mt := b.m, b.m.Metrics
	// Empty lists are [] (the client's types require widgets; null
	// would not decode).
	groups := []datadogV1.Widget{}
	sloOf := func(k compiler.SLIKind) *compiler.SLO {
		for _, s := range m.SLOs {
			if s.Kind == k {
				return s
			}
		}
		return nil
	}

	if len(m.SLOs) > 0 {
		ws := []datadogV1.Widget{}
		for _, s := range m.SLOs {
			if !b.made[s.Name] {
				ws = append(ws, note(fmt.Sprintf("**%s**: this %s SLO has no Datadog SLO (see NOTES.md).", s.Name, s.Kind)))
				continue
			}
			ws = append(ws, sloWidget(fmt.Sprintf("%s (%s%%)", s.Name, s.Objective), SLORef(m.Name, s.Name), b.timeframe(s)))
		}
		groups = append(groups, group("SLO overview", ws))
	}

	avail, lat := sloOf(compiler.Availability), sloOf(compiler.Latency)
	if avail != nil || lat != nil {
		r := mt.Requests
		all := newFilter(r.Selector)
		name := ddName(r.Metric, "counter")
		ws := []datadogV1.Widget{timeseries("Requests per second", fmt.Sprintf("sum:%s{%s}.as_rate()", name, all))}
		if avail != nil {
			bad := newFilter(r.Selector.With(mt.ErrorSelector))
			ws = append(ws, timeseries("Error ratio", countQuery(name, bad)+" / "+countQuery(name, all)))
		}
		h := mt.Latency
		hf := newFilter(h.Selector)
		lq := []string{fmt.Sprintf("sum:%s{%s}.as_count() / sum:%s{%s}.as_count()", ddName(h.Metric, "hsum"), hf, ddName(h.Metric, "hcount"), hf)}
		title := "Mean latency (s)"
		if lat != nil {
			title = fmt.Sprintf("Mean latency (s) and share of requests within %s", compiler.FormatDuration(timeDur(lat.Latency.Threshold)))
			lq = append(lq, countQuery(ddName(h.Metric, "bucket"), newFilter(h.Selector, "upper_bound:"+UpperBound(lat.Latency.Le.Float64())))+" / "+countQuery(ddName(h.Metric, "hcount"), hf))
		}
		ws = append(ws, timeseries(title, lq...))
		groups = append(groups, group("Operational", ws))
	}

	var quality []*compiler.SLO
	for _, s := range m.SLOs {
		if s.Kind == compiler.Quality {
			quality = append(quality, s)
		}
	}
	if len(m.Shares) > 0 || len(quality) > 0 || len(m.Features) > 0 {
		ws := []datadogV1.Widget{}
		if len(m.Shares) > 0 {
			for _, a := range m.Shares {
				h := mt.Confidence
				if a.Histogram == "latency" {
					h = mt.Latency
				}
				f := newFilter(h.Selector)
				bucket := countQuery(ddName(h.Metric, "bucket"), newFilter(h.Selector, "upper_bound:"+UpperBound(a.Bound.Float64())))
				count := countQuery(ddName(h.Metric, "hcount"), f)
				num := bucket
				if !a.Below {
					num = "(" + count + " - " + bucket + ")"
				}
				ws = append(ws, timeseries(fmt.Sprintf("%s share (alert above %s%%)", a.Name, a.MaxPercent), num+" / "+count))
			}
			if mt.Predictions.Metric != "" && mt.PredictionLabel != "" {
				ws = append(ws, timeseries("Predicted label mix", fmt.Sprintf("sum:%s{%s} by {%s}.as_rate()",
					ddName(mt.Predictions.Metric, "counter"), newFilter(mt.Predictions.Selector), mt.PredictionLabel)))
			}
		}
		for _, s := range quality {
			if q, ok := b.sliQueries(s); ok {
				ws = append(ws, timeseries(fmt.Sprintf("%s (objective %s%%)", s.Quality.Metric, s.Objective), "("+q.good+") / "+q.total))
			}
		}
		if len(m.Features) > 0 {
			dm := m.DriftMetricNames()
			model := "model:" + tagValue(m.Name)
			ws = append(ws, timeseries("Drift score per feature",
				fmt.Sprintf("max:%s{%s} by {feature,test}", ddName(dm.Score, "gauge"), model),
				fmt.Sprintf("max:%s{%s} by {feature}", ddName(dm.Threshold, "gauge"), model)))
		}
		groups = append(groups, group("Model health", ws))
	}

	if len(m.KPIs) > 0 || len(m.Anomalies) > 0 {
		ws := []datadogV1.Widget{}
		for _, k := range m.KPIs {
			ws = append(ws, b.promWidget(k.Title, k.Query))
		}
		for _, a := range m.Anomalies {
			q, err := b.tr.translate(a.Query)
			if err != nil {
				ws = append(ws, note(fmt.Sprintf("**%s**: the query has no Datadog form (%v).", a.Name, err)))
				continue
			}
			b.noteTranslated("anomaly " + a.Name)
			ws = append(ws, timeseries(a.Name+" against its expected band", fmt.Sprintf("anomalies(%s, 'basic', %s)", q, a.ZThreshold)))
		}
		groups = append(groups, group("Business", ws))
	}

	inf, pl := m.Infrastructure, m.Pipeline
	if inf != (compiler.Infrastructure{}) || pl.LastSuccess != "" || pl.Rows != "" {
		ws := []datadogV1.Widget{}
		for _, p := range []struct{ title, q string }{
			{"CPU", inf.CPU}, {"Memory", inf.Memory}, {"Replicas", inf.Replicas},
			{"Pipeline last success", pl.LastSuccess}, {"Pipeline volume", pl.Rows},
		} {
			if p.q != "" {
				ws = append(ws, b.promWidget(p.title, p.q))
			}
		}
		groups = append(groups, group("Infrastructure and data pipeline", ws))
	}

	desc := strings.TrimSpace(m.Description)
	if desc != "" {
		desc += "\n\n"
	}
	desc += DashboardMarker(b.spec, DashboardID(m.Name))
	d := datadogV1.NewDashboard(datadogV1.DASHBOARDLAYOUTTYPE_ORDERED, m.DisplayName+" (vigil)", groups)
	d.Description = *datadog.NewNullableString(&desc)
	d.ReflowType = datadogV1.DASHBOARDREFLOWTYPE_AUTO.Ptr()
	return *d
}

// promWidget is a timeseries of spec PromQL translated to Datadog, or a
// note saying why there is none.
func (b *builder) promWidget(title, promql string) datadogV1.Widget {
	q, err := b.tr.translate(promql)
	if err != nil {
		b.note("panel %q: the query %q has no Datadog form (%v); the dashboard shows a note instead.", title, promql, err)
		return note(fmt.Sprintf("**%s**: the query has no Datadog form (%v).", title, err))
	}
	b.noteTranslated("panel " + title)
	return timeseries(title, q)
}

// fleetDashboard is one group per model: its SLOs and its monitors'
// states.
func fleetDashboard(spec *compiler.Spec) datadogV1.Dashboard {
	groups := []datadogV1.Widget{}
	for _, m := range spec.Models {
		b := newBuilder(spec, m)
		ws := []datadogV1.Widget{}
		for _, s := range m.SLOs {
			if _, ok := b.sliQueries(s); ok {
				ws = append(ws, sloWidget(fmt.Sprintf("%s %s", m.Name, s.Name), SLORef(m.Name, s.Name), b.timeframe(s)))
			}
		}
		ms := datadogV1.NewMonitorSummaryWidgetDefinitionWithDefaults()
		ms.Title = ptr(m.DisplayName + " monitors")
		ms.Query = fmt.Sprintf(`tag:"%s" tag:"model:%s"`, SpecTag(spec), m.Name)
		ws = append(ws, widget(datadogV1.MonitorSummaryWidgetDefinitionAsWidgetDefinition(ms)))
		groups = append(groups, group(fmt.Sprintf("%s (team %s, tier %s)", m.DisplayName, m.Team, m.Tier), ws))
	}
	desc := "Every model of spec " + spec.FleetName() + ": SLOs and monitor states.\n\n" + DashboardMarker(spec, FleetDashboardID)
	d := datadogV1.NewDashboard(datadogV1.DASHBOARDLAYOUTTYPE_ORDERED, spec.FleetName()+" fleet (vigil)", groups)
	d.Description = *datadog.NewNullableString(&desc)
	d.ReflowType = datadogV1.DASHBOARDREFLOWTYPE_AUTO.Ptr()
	return *d
}
