package grafana

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/dashboardv2"
	"github.com/grafana/grafana-foundation-sdk/go/heatmap"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/resource"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// The v2 form: each dashboard as a dashboard.grafana.app/v2 resource
// (dashboardv2.DashboardAPIVersion in the foundation SDK v0.0.22), built
// with the SDK's dashboardv2 builders from the same dashSpec as the v1
// JSON. Mapping from v1:
//
//   - panels become elements named panel-<id>, with the same hashed ID;
//   - rows become a RowsLayout whose rows each hold a GridLayout; x, width
//     and height are the v1 values and y is relative to the row (the v1 y
//     minus the row header's y minus 1), as Grafana's own v1-to-v2
//     conversion does. A dashboard without rows (the fleet dashboard) gets
//     a GridLayout with the v1 positions unchanged;
//   - a query's data source is the DataQueryKind's group (prometheus) and
//     datasource name (${datasource}); refIds Grafana would assign in v1
//     (A, B, …) are written out, since v2 requires them;
//   - the version variable's label_values() string goes into the query
//     spec's __legacyStringValue, as Grafana converts v1 string queries;
//   - the firing-alerts annotation's expr is its Prometheus query; its
//     titleFormat, textFormat, tagKeys, step and useValueForTime have no
//     v2 field and go into legacyOptions, as Grafana converts them.
//
// v1 properties with no v2 equivalent: row panel IDs (v2 rows have no
// ID; nothing links to a row), the panel-level datasource (v2 keeps only
// the per-query one, which vigil sets to the same variable),
// schemaVersion, and the folder (a v2 resource is placed in a folder by
// the grafana.app/folder annotation, which takes a folder UID, not the
// output.grafana.folder title; the v2 form does not set it).

// FormatV2 is the output.grafana.format value of the v2 resource form.
const FormatV2 = "v2"

// V2Dir is the directory of the v2 resources in the output tree.
const V2Dir = "grafana/v2/"

// dsV2 is the data source of every v2 query: the `datasource` variable.
func dsV2() *dashboardv2.Dashboardv2DataQueryKindDatasourceBuilder {
	return dashboardv2.NewDashboardv2DataQueryKindDatasourceBuilder().Name("${" + DatasourceVar + "}")
}

// ElementName is the name of a panel's element in a v2 dashboard.
func ElementName(id uint32) string { return fmt.Sprintf("panel-%d", id) }

// encodeV2 renders d as a dashboard.grafana.app/v2 Dashboard resource
// named by its UID, in the given namespace when not empty.
func encodeV2(d *dashSpec, labels map[string]string, namespace string) ([]byte, error) {
	meta := resource.Named(d.uid).Labels(labels)
	if namespace != "" {
		meta.Namespace(namespace)
	}
	m, err := dashboardv2.Manifest(d.uid, renderV2(d)).Metadata(meta).Build()
	if err != nil {
		return nil, err
	}
	return encode(m)
}

// renderV2 returns the v2 dashboard builder of d.
func renderV2(d *dashSpec) *dashboardv2.DashboardBuilder {
	b := dashboardv2.NewDashboardBuilder(d.title).
		Description(d.description).
		Tags(d.tags).
		Editable(false).
		CursorSync(dashboardv2.DashboardCursorSyncOff).
		TimeSettings(dashboardv2.NewTimeSettingsBuilder().From(timeFrom).To(timeTo).AutoRefresh(refresh).Timezone("browser")).
		DatasourceVariable(dashboardv2.NewDatasourceVariableBuilder(DatasourceVar).Label(datasourceLabel).PluginId("prometheus"))
	if v := d.versionVar; v != nil {
		b.QueryVariable(dashboardv2.NewQueryVariableBuilder(v.name).Label(v.label).
			Query(legacyStringQuery(v.query)).Definition(v.query).Sort(dashboardv2.VariableSortDisabled).
			Refresh(dashboardv2.VariableRefreshOnTimeRangeChanged).IncludeAll(true).AllValue(allValue).Multi(true))
	}
	links := []cog.Builder[dashboardv2.DashboardLink]{}
	for _, l := range d.links {
		links = append(links, v2Link(l))
	}
	b.Links(links)
	if a := d.alerts; a != nil {
		b.Annotations([]cog.Builder[dashboardv2.AnnotationQueryKind]{
			dashboardv2.NewAnnotationQueryBuilder().Name(a.name).Enable(true).IconColor("red").
				Query(prometheus.NewQueryV2Builder().Datasource(dsV2()).Expr(a.expr)).
				LegacyOptions(map[string]any{
					"titleFormat":     alertTitleFormat,
					"textFormat":      alertTextFormat,
					"tagKeys":         alertTagKeys,
					"step":            alertStep,
					"useValueForTime": false,
				}),
		})
	}
	for _, it := range d.items {
		if p := it.panel; p != nil {
			b.Panel(ElementName(p.id()), v2Panel(p))
		}
	}
	v2Layout(b, d.items)
	return b
}

// v2Layout lays the elements out: a GridLayout when there are no rows,
// else a RowsLayout of GridLayouts.
func v2Layout(b *dashboardv2.DashboardBuilder, items []item) {
	hasRows := false
	for _, it := range items {
		hasRows = hasRows || it.row != nil
	}
	if !hasRows {
		g := dashboardv2.NewGridBuilder()
		for _, it := range items {
			g.Item(v2GridItem(it.panel, 0))
		}
		b.GridLayout(g)
		return
	}
	rows := dashboardv2.NewRowsBuilder()
	var cur *dashboardv2.RowBuilder
	var grid *dashboardv2.GridBuilder
	var rowY int64
	flush := func() {
		if cur != nil {
			rows.Row(cur.GridLayout(grid))
		}
	}
	for _, it := range items {
		if r := it.row; r != nil {
			flush()
			cur, grid, rowY = dashboardv2.Row(r.title).Collapse(false), dashboardv2.NewGridBuilder(), int64(r.pos.y)+1
			continue
		}
		if cur == nil {
			// Panels above the first row: a row without a header, as
			// Grafana converts them.
			cur, grid, rowY = dashboardv2.Row("").Collapse(false).HideHeader(true), dashboardv2.NewGridBuilder(), 0
		}
		grid.Item(v2GridItem(it.panel, rowY))
	}
	flush()
	b.RowsLayout(rows)
}

func v2GridItem(p *panelSpec, rowY int64) *dashboardv2.GridItemBuilder {
	return dashboardv2.GridItem(ElementName(p.id())).
		X(int64(p.pos.x)).Y(int64(p.pos.y) - rowY).Width(int64(p.pos.w)).Height(int64(p.pos.h))
}

func v2Link(l dashLink) *dashboardv2.DashboardLinkBuilder {
	b := dashboardv2.NewDashboardLinkBuilder().Title(l.title).Type(dashboardv2.DashboardLinkTypeLink)
	if l.dashboards {
		b.Type(dashboardv2.DashboardLinkTypeDashboards)
	}
	if l.url != "" {
		b.Url(l.url)
	}
	if len(l.tags) > 0 {
		b.Tags(l.tags)
	}
	return b.AsDropdown(l.asDropdown).KeepTime(l.keepTime).TargetBlank(l.targetBlank)
}

// v2Panel builds p's element: the panel, its query group and its
// visualization from the plugin's v2 builder.
func v2Panel(p *panelSpec) *dashboardv2.PanelBuilder {
	data := dashboardv2.NewQueryGroupBuilder()
	for i, q := range p.queries {
		qb := prometheus.NewQueryV2Builder().Datasource(dsV2()).Expr(q.expr).LegendFormat(q.legend)
		if q.instant {
			qb.Instant(true).Range(false)
		}
		if q.format != "" {
			qb.Format(q.format)
		}
		ref := q.refID
		if ref == "" {
			ref = string(rune('A' + i))
		}
		data.Target(dashboardv2.NewTargetBuilder().Query(qb).RefId(ref))
	}
	for _, tr := range p.transformations {
		data.Transformation(dashboardv2.NewTransformationBuilder().Group(tr.id).Options(tr.options))
	}
	return dashboardv2.NewPanelBuilder().Id(float64(p.id())).Title(p.title).Description(p.description).
		Data(data).Visualization(v2Viz(p))
}

// v2VizBuilder is the part of the SDK's per-plugin v2 visualization
// builders that vigil uses; they share these methods.
type v2VizBuilder[B any] interface {
	cog.Builder[dashboardv2.VizConfigKind]
	Unit(string) B
	Decimals(float64) B
	Min(float64) B
	Max(float64) B
	Thresholds(cog.Builder[dashboardv2.ThresholdsConfig]) B
	OverrideByName(string, []dashboardv2.DynamicConfigValue) B
}

func v2Viz(p *panelSpec) cog.Builder[dashboardv2.VizConfigKind] {
	switch p.typ {
	case statPanel:
		return fillV2(stat.NewVisualizationV2Builder(), p)
	case barGaugePanel:
		return fillV2(bargauge.NewVisualizationV2Builder(), p)
	case heatmapPanel:
		return fillV2(heatmap.NewVisualizationV2Builder(), p)
	case barChartPanel:
		return fillV2(barchart.NewVisualizationV2Builder(), p).XField(p.xField).Legend(barLegend()).Tooltip(barTooltip())
	case tablePanel:
		// The SDK's default table footer has a null reducer list, which
		// its own strict v2 decoder rejects; an empty list means the same
		// (no footer calculation; the footer is hidden either way).
		b := fillV2(table.NewVisualizationV2Builder(), p).
			Footer(common.NewTableFooterOptionsBuilder().Show(false).Reducer([]string{}).CountRows(false))
		if s := p.sortBy; s != nil {
			b.SortBy([]cog.Builder[common.TableSortByFieldState]{common.NewTableSortByFieldStateBuilder().DisplayName(s.displayName).Desc(s.desc)})
		}
		return b
	default:
		b := fillV2(timeseries.NewVisualizationV2Builder(), p)
		if p.thresholdLines {
			b.ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeLine))
		}
		return b
	}
}

func fillV2[B v2VizBuilder[B]](b B, p *panelSpec) B {
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
		b.Thresholds(dashboardv2.NewThresholdsConfigBuilder().Mode(dashboardv2.ThresholdsModeAbsolute).Steps(v2Steps(p.thresholds)))
	}
	for _, o := range p.overrides {
		b.OverrideByName(o.field, v2Override(o))
	}
	return b
}

func v2Steps(steps []step) []dashboardv2.Threshold {
	var st []dashboardv2.Threshold
	for _, s := range steps {
		st = append(st, dashboardv2.Threshold{Value: s.value, Color: s.color})
	}
	return st
}

// v2Override is v1Override in the v2 types.
func v2Override(o fieldOverride) []dashboardv2.DynamicConfigValue {
	var props []dashboardv2.DynamicConfigValue
	for _, p := range v1Override(o) {
		v := p.Value
		if _, ok := v.(dashboard.ThresholdsConfig); ok {
			v = dashboardv2.ThresholdsConfig{Mode: dashboardv2.ThresholdsModeAbsolute, Steps: v2Steps(o.thresholds)}
		}
		props = append(props, dashboardv2.DynamicConfigValue{Id: p.Id, Value: v})
	}
	return props
}

// legacyStringQuery is a v2 DataQueryKind holding a v1 string query
// (label_values(…) for a Prometheus variable) the way Grafana converts
// one: spec.__legacyStringValue. The SDK's Prometheus query builder has
// no field for it, so this small builder fills the SDK type.
type legacyStringQuery string

// Build implements cog.Builder.
func (q legacyStringQuery) Build() (dashboardv2.DataQueryKind, error) {
	k := dashboardv2.NewDataQueryKind()
	k.Group = "prometheus"
	ds, err := dsV2().Build()
	if err != nil {
		return dashboardv2.DataQueryKind{}, err
	}
	k.Datasource = &ds
	k.Spec = map[string]any{"__legacyStringValue": string(q)}
	return *k, nil
}
