package grafana

import (
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/heatmap"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// ds is the v1 data-source reference of every panel and query: the
// `datasource` variable.
var ds = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${" + DatasourceVar + "}")}

// renderV1 builds the v1 dashboard JSON model of d.
func renderV1(d *dashSpec) (dashboard.Dashboard, error) {
	b := dashboard.NewDashboardBuilder(d.title).
		Uid(d.uid).
		Description(d.description).
		Tags(d.tags).
		Readonly().
		Time(timeFrom, timeTo).
		Refresh(refresh).
		WithVariable(dashboard.NewDatasourceVariableBuilder(DatasourceVar).Label(datasourceLabel).Type("prometheus"))
	for _, l := range d.links {
		b.Link(v1Link(l))
	}
	if a := d.alerts; a != nil {
		b.Annotation(dashboard.NewAnnotationQueryBuilder().Name(a.name).Datasource(ds).Enable(true).
			IconColor("red").Expr(a.expr).
			TitleFormat(alertTitleFormat).TextFormat(alertTextFormat).TagKeys(alertTagKeys).
			Step(alertStep).UseValueForTime(false))
	}
	if v := d.versionVar; v != nil {
		b.WithVariable(dashboard.NewQueryVariableBuilder(v.name).Label(v.label).Datasource(ds).
			Query(dashboard.StringOrMap{String: cog.ToPtr(v.query)}).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).IncludeAll(true).AllValue(allValue).Multi(true))
	}
	for _, it := range d.items {
		if r := it.row; r != nil {
			b.WithRow(dashboard.NewRowBuilder(r.title).Id(panelID(r.key)).GridPos(v1Pos(r.pos)))
			continue
		}
		b.WithPanel(v1Panel(it.panel))
	}
	return b.Build()
}

func v1Link(l dashLink) *dashboard.DashboardLinkBuilder {
	b := dashboard.NewDashboardLinkBuilder(l.title).Type(dashboard.DashboardLinkTypeLink)
	if l.dashboards {
		b.Type(dashboard.DashboardLinkTypeDashboards)
	}
	if l.url != "" {
		b.Url(l.url)
	}
	if len(l.tags) > 0 {
		b.Tags(l.tags)
	}
	return b.AsDropdown(l.asDropdown).KeepTime(l.keepTime).TargetBlank(l.targetBlank)
}

func v1Pos(p gridPos) dashboard.GridPos {
	return dashboard.GridPos{X: p.x, Y: p.y, W: p.w, H: p.h}
}

// v1PanelBuilder is the part of the SDK's per-plugin v1 panel builders
// (stat, bargauge, timeseries, heatmap, table) that vigil uses; they
// share these methods.
type v1PanelBuilder[B any] interface {
	cog.Builder[dashboard.Panel]
	Id(uint32) B
	GridPos(dashboard.GridPos) B
	Title(string) B
	Description(string) B
	Datasource(common.DataSourceRef) B
	Unit(string) B
	Decimals(float64) B
	Min(float64) B
	Max(float64) B
	Thresholds(cog.Builder[dashboard.ThresholdsConfig]) B
	WithTarget(cog.Builder[variants.Dataquery]) B
	WithTransformation(dashboard.DataTransformerConfig) B
}

// v1Panel builds p with its plugin's v1 panel builder.
func v1Panel(p *panelSpec) cog.Builder[dashboard.Panel] {
	switch p.typ {
	case statPanel:
		return fillV1(stat.NewPanelBuilder(), p)
	case barGaugePanel:
		return fillV1(bargauge.NewPanelBuilder(), p)
	case heatmapPanel:
		return fillV1(heatmap.NewPanelBuilder(), p)
	case tablePanel:
		return fillV1(table.NewPanelBuilder(), p)
	default:
		b := fillV1(timeseries.NewPanelBuilder(), p)
		if p.thresholdLines {
			b.ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeLine))
		}
		return b
	}
}

func fillV1[B v1PanelBuilder[B]](b B, p *panelSpec) B {
	b.Id(p.id())
	b.GridPos(v1Pos(p.pos))
	b.Title(p.title)
	b.Description(p.description)
	b.Datasource(ds)
	b.Unit(p.unit)
	if p.decimals != nil {
		b.Decimals(*p.decimals)
	}
	if p.min != nil {
		b.Min(*p.min)
	}
	if p.max != nil {
		b.Max(*p.max)
	}
	if p.thresholds != nil {
		var st []dashboard.Threshold
		for _, s := range p.thresholds {
			st = append(st, dashboard.Threshold{Value: s.value, Color: s.color})
		}
		b.Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(st))
	}
	for _, q := range p.queries {
		t := prometheus.NewDataqueryBuilder().Datasource(ds).Expr(q.expr).LegendFormat(q.legend)
		if q.refID != "" {
			t.RefId(q.refID)
		}
		if q.instant {
			t.Instant()
		}
		if q.format != "" {
			t.Format(q.format)
		}
		b.WithTarget(t)
	}
	for _, id := range p.transformations {
		b.WithTransformation(dashboard.DataTransformerConfig{Id: id})
	}
	return b
}
