package grafana

import (
	"github.com/grafana/grafana-foundation-sdk/go/barchart"
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
	OverrideByName(string, []dashboard.DynamicConfigValue) B
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
	case barChartPanel:
		return fillV1(barchart.NewPanelBuilder(), p).XField(p.xField).Legend(barLegend()).Tooltip(barTooltip())
	case tablePanel:
		// The SDK's default footer has a null reducer list, which its
		// strict decoder rejects; an empty list means the same (no footer
		// calculation; the footer is hidden either way).
		b := fillV1(table.NewPanelBuilder(), p).
			Footer(common.NewTableFooterOptionsBuilder().Show(false).Reducer([]string{}).CountRows(false))
		if s := p.sortBy; s != nil {
			b.SortBy([]cog.Builder[common.TableSortByFieldState]{common.NewTableSortByFieldStateBuilder().DisplayName(s.displayName).Desc(s.desc)})
		}
		return b
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
	if p.unit != "" {
		b.Unit(p.unit)
	}
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
		b.Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(v1Steps(p.thresholds)))
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
	for _, tr := range p.transformations {
		b.WithTransformation(dashboard.DataTransformerConfig{Id: tr.id, Options: tr.options})
	}
	for _, o := range p.overrides {
		b.OverrideByName(o.field, v1Override(o))
	}
	return b
}

func v1Steps(steps []step) []dashboard.Threshold {
	var st []dashboard.Threshold
	for _, s := range steps {
		st = append(st, dashboard.Threshold{Value: s.value, Color: s.color})
	}
	return st
}

// v1Override is a field override's properties, in the order Grafana's
// editor writes them.
func v1Override(o fieldOverride) []dashboard.DynamicConfigValue {
	var props []dashboard.DynamicConfigValue
	if o.displayName != "" {
		props = append(props, dashboard.DynamicConfigValue{Id: "displayName", Value: o.displayName})
	}
	if o.unit != "" {
		props = append(props, dashboard.DynamicConfigValue{Id: "unit", Value: o.unit})
	}
	if o.decimals != nil {
		props = append(props, dashboard.DynamicConfigValue{Id: "decimals", Value: *o.decimals})
	}
	if o.thresholds != nil {
		props = append(props, dashboard.DynamicConfigValue{Id: "thresholds",
			Value: dashboard.ThresholdsConfig{Mode: dashboard.ThresholdsModeAbsolute, Steps: v1Steps(o.thresholds)}})
	}
	if o.cellDisplay != "" {
		props = append(props, dashboard.DynamicConfigValue{Id: "custom.cellOptions", Value: cellOptions(o.cellDisplay)})
	}
	return props
}

// cellOptions is a table cell type's options, the same in both forms.
func cellOptions(display string) any {
	if display == string(common.TableCellDisplayModeColorBackground) {
		return common.TableColoredBackgroundCellOptions{Type: common.TableCellDisplayModeColorBackground,
			Mode: cog.ToPtr(common.TableCellBackgroundDisplayModeBasic)}
	}
	return common.TableAutoCellOptions{Type: common.TableCellDisplayMode(display)}
}
