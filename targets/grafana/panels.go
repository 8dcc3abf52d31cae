package grafana

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

// The Grafana target describes each dashboard once, in the form-neutral
// model below, and renders that model to the v1 dashboard JSON (v1.go)
// and to the dashboard.grafana.app/v2 resource (v2.go). Both renderers
// read the same values, so the two forms cannot disagree on a panel's
// title, queries, unit, thresholds or position.

// dashSpec is one dashboard, independent of the output form.
type dashSpec struct {
	uid, title, description string
	tags                    []string
	links                   []dashLink
	// versionVar, when set, adds a multi-value query variable `version`
	// listing the values of the model's version label.
	versionVar *queryVar
	// alerts, when set, adds the "Firing alerts" annotation.
	alerts *alertAnnotation
	// items are the rows and panels in v1 order (top to bottom, left to
	// right); a panel belongs to the last row before it.
	items []item
}

// item is a row header or a panel.
type item struct {
	row   *rowSpec
	panel *panelSpec
}

// rowSpec is a (never collapsed) row header.
type rowSpec struct {
	key, title string
	pos        gridPos
}

// panelType is a Grafana panel plugin ID.
type panelType string

const (
	statPanel       panelType = "stat"
	barGaugePanel   panelType = "bargauge"
	timeSeriesPanel panelType = "timeseries"
	heatmapPanel    panelType = "heatmap"
	tablePanel      panelType = "table"
	barChartPanel   panelType = "barchart"
)

// panelSpec is one visualization.
type panelSpec struct {
	// key is unique in the dashboard; the panel ID is its hash.
	key                      string
	typ                      panelType
	title, description, unit string
	pos                      gridPos
	decimals, min, max       *float64
	thresholds               []step // nil: no thresholds
	thresholdLines           bool   // draw thresholds as lines (time series)
	queries                  []promQuery
	transformations          []transformation
	// overrides set a table column's own display (tables only).
	overrides []fieldOverride
	// sortBy is a table's initial sort (tables only).
	sortBy *sortField
	// xField is the field a bar chart puts on its x axis (bar charts
	// only).
	xField string
}

// transformation is one data transformation; options is never nil (the
// SDK's strict decoders require the field).
type transformation struct {
	id      string
	options map[string]any
}

// fieldOverride sets how one field (column) of a table is shown,
// overriding the panel's defaults: matched by the field's name, e.g.
// "model" or "Value #burn" (a table query's value column is named after
// its refId).
type fieldOverride struct {
	field, displayName, unit string
	decimals                 *float64
	thresholds               []step // nil: the defaults'
	// cellDisplay is the cell type: "" (plain text) or
	// "color-background" (the cell coloured by its threshold step).
	cellDisplay string
}

// sortField is a table's initial sort: by a column's display name.
type sortField struct {
	displayName string
	desc        bool
}

// promQuery is one Prometheus query of a panel.
type promQuery struct {
	expr, legend string
	refID        string // empty: Grafana assigns A, B, … in v1
	instant      bool
	format       prometheus.PromQueryFormat // empty: time series
}

// step is a threshold step; a nil value is the base (-Infinity) step.
type step struct {
	value *float64
	color string
}

// gridPos is a position on Grafana's 24-column grid.
type gridPos struct {
	x, y, w, h uint32
}

// dashLink is a dashboard link: a URL, or a dropdown of dashboards with
// the given tags.
type dashLink struct {
	title, url           string
	dashboards           bool
	tags                 []string
	asDropdown, keepTime bool
	targetBlank          bool
}

// queryVar is a Prometheus query variable (label_values(…)), refreshed
// on time-range change, multi-value, with an "All" option matching .*.
type queryVar struct {
	name, label, query string
}

// alertAnnotation marks firing alerts on the time axis from ALERTS.
type alertAnnotation struct {
	name, expr string
}

// id is the panel's stable ID.
func (p *panelSpec) id() uint32 { return panelID(p.key) }

// barLegend is a bar chart's legend, which names the bars' series (the
// SDK's default hides it).
func barLegend() *common.VizLegendOptionsBuilder {
	return common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom).Calcs([]string{})
}

// barTooltip shows every series of the bin under the cursor.
func barTooltip() *common.VizTooltipOptionsBuilder {
	return common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderNone)
}
