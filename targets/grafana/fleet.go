package grafana

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/decimal"
	vprom "github.com/vigil-dev/vigil/targets/prometheus"
)

// FleetDashboard builds the overview across every model of the spec: a
// table of every SLO (objective, SLI, budget remaining, burn rate, firing
// alerts) and the number of drifting features per model, with links to
// each model's dashboard (the v1 JSON model).
func FleetDashboard(spec *compiler.Spec) (dashboard.Dashboard, error) {
	return renderV1(fleetDashSpec(spec))
}

// The fleet SLO table's columns: one instant query per column, each
// aggregated to exactly the labels {model, slo}, so that the merge
// transformation joins the queries into one row per SLO (a recording's
// __name__, or any other label, would keep the rows apart).
const (
	refObjective = "objective"
	refSLI       = "sli"
	refRemaining = "remaining"
	refBurn      = "burn"
	refAlerts    = "alerts"
)

// valueField is the name Grafana gives a table query's value column.
func valueField(ref string) string { return "Value #" + ref }

// BurnRateUnit is the unit of burn-rate panels: Grafana's custom-unit
// syntax for a suffix, so that a burn rate of 14.4 reads "14.4×"
// (Grafana's unit list has no "times" unit; see getValueFormat in
// grafana-data's valueFormats.ts).
const BurnRateUnit = "suffix:×"

// fleetDashSpec describes the fleet dashboard independently of the form.
func fleetDashSpec(spec *compiler.Spec) *dashSpec {
	d := &dashSpec{
		uid:         spec.FleetDashboardUID(),
		title:       "vigil fleet overview: " + spec.FleetName(),
		description: "Every model's SLOs and drift at a glance; follow the links to a model's dashboard.",
		tags:        []string{"vigil", "fleet"},
		links:       []dashLink{{title: "Models", dashboards: true, tags: []string{"vigil"}, asDropdown: true, keepTime: true}},
	}
	var l layout
	names := make([]string, 0, len(spec.Models))
	for _, m := range spec.Models {
		names = append(names, m.Name)
	}
	// Model names are [a-z0-9_-]: no regex metacharacters to escape.
	models := compiler.Quote("^(" + strings.Join(names, "|") + ")$")
	sel := fmt.Sprintf(`{model=~%s}`, models)
	instant := func(expr, ref string) promQuery {
		q := query(expr, "")
		q.refID, q.instant, q.format = ref, true, prometheus.PromQueryFormatTable
		return q
	}
	byModelSLO := func(expr string) string { return "max by (model, slo) (" + expr + ")" }
	if p := fleetSLOTable(spec, sel, models, instant, byModelSLO); p != nil {
		p.pos = l.place(24, 12)
		d.items = append(d.items, item{panel: p})
	}
	prefixes := map[string][]string{}
	for _, m := range spec.Models {
		if len(m.Features) > 0 {
			dm := m.DriftMetricNames()
			prefixes[dm.Detected] = append(prefixes[dm.Detected], m.Name)
		}
	}
	var detected []string
	for k := range prefixes {
		detected = append(detected, k)
	}
	sort.Strings(detected)
	if len(detected) > 0 {
		p := &panelSpec{key: "fleet:drift", typ: statPanel, pos: l.place(24, 6),
			title:       "Drifting features per model",
			description: "Features whose latest drift evaluation breached its threshold, per model.",
			unit:        "short",
			thresholds:  steps(nil, "green", 1.0, "orange")}
		for i, metric := range detected {
			q := query(fmt.Sprintf("sum by (model) (%s{model=~%s})", metric, compiler.Quote("^("+strings.Join(prefixes[metric], "|")+")$")), "{{model}}")
			q.refID = fmt.Sprintf("D%d", i)
			p.queries = append(p.queries, q)
		}
		d.items = append(d.items, item{panel: p})
	}
	for _, m := range spec.Models {
		d.links = append(d.links, dashLink{title: m.DisplayName, url: "/d/" + compiler.DashboardUID(m.Name), keepTime: true})
	}
	return d
}

// fleetSLOTable is the "Service-level objectives" table, or nil when no
// model has an SLO. Each column has its own unit, decimals, thresholds
// and cell colouring (field overrides); only the columns whose colour
// means something are coloured.
func fleetSLOTable(spec *compiler.Spec, sel, models string, instant func(expr, ref string) promQuery, byModelSLO func(string) string) *panelSpec {
	var slos []*compiler.SLO
	windows := map[string]bool{}
	objDecimals := 0
	var pageFactor *decimal.D
	for _, m := range spec.Models {
		for _, s := range m.SLOs {
			slos = append(slos, s)
			windows[win(s.Window)] = true
			if _, frac, ok := strings.Cut(s.Objective.String(), "."); ok {
				objDecimals = max(objDecimals, len(frac))
			}
			if f, ok := currentPageFactor(s); ok && (pageFactor == nil || f.Cmp(*pageFactor) < 0) {
				pageFactor = &f
			}
		}
	}
	if len(slos) == 0 {
		return nil
	}
	// The SLI over each SLO's own window: one recording per window length,
	// each recorded only for the SLOs with that window.
	var sli []string
	for _, w := range slices.Sorted(maps.Keys(windows)) {
		sli = append(sli, "vigil:slo_sli:ratio_rate"+w+sel)
	}
	burnSteps := []any{nil, "green", 1.0, "orange"}
	burnWords := "orange from 1× (the budget runs out before the window ends)"
	if pageFactor != nil {
		burnSteps = append(burnSteps, pageFactor.Float64(), "red")
		burnWords += fmt.Sprintf(", red from %s× (the lowest factor at which a burn-rate page fires over that window)", pageFactor)
	}
	return &panelSpec{key: "fleet:slos", typ: tablePanel,
		title: "Service-level objectives",
		description: "One row per SLO. Budget remaining: the error budget of the SLO's window that is left, red below 20%, orange below 50%. " +
			"Burn rate: how fast the budget burns now (over the SLO's shortest alerting window), " + burnWords + ". " +
			"Firing alerts: the SLO's alerts firing now, red from 1. Rows are sorted by budget remaining, lowest first.",
		queries: []promQuery{
			instant(byModelSLO("vigil:slo_objective:ratio"+sel), refObjective),
			instant(byModelSLO(strings.Join(sli, " or ")), refSLI),
			instant(byModelSLO("vigil:slo_budget_remaining:ratio"+sel), refRemaining),
			instant(byModelSLO("vigil:slo_burn_rate:current"+sel), refBurn),
			// Zero for every SLO without a firing alert, so that the
			// column always has a value.
			instant(fmt.Sprintf(`count by (model, slo) (ALERTS{alertstate="firing",model=~%s,slo!=""}) or %s`,
				models, byModelSLO("0 * vigil:slo_objective:ratio"+sel)), refAlerts),
		},
		transformations: []transformation{
			{id: "merge", options: map[string]any{}},
			{id: "organize", options: map[string]any{
				"excludeByName": map[string]any{"Time": true},
				"indexByName": map[string]any{"model": 0, "slo": 1,
					valueField(refObjective): 2, valueField(refSLI): 3, valueField(refRemaining): 4,
					valueField(refBurn): 5, valueField(refAlerts): 6},
				"renameByName": map[string]any{},
			}},
		},
		overrides: []fieldOverride{
			{field: "model", displayName: "Model"},
			{field: "slo", displayName: "SLO"},
			{field: valueField(refObjective), displayName: "Objective", unit: "percentunit", decimals: ptr(float64(objDecimals))},
			{field: valueField(refSLI), displayName: "SLI", unit: "percentunit", decimals: ptr(float64(objDecimals + 1))},
			{field: valueField(refRemaining), displayName: "Budget remaining", unit: "percentunit", decimals: ptr(1),
				thresholds: steps(nil, "red", 0.2, "orange", 0.5, "green"), cellDisplay: string(common.TableCellDisplayModeColorBackground)},
			{field: valueField(refBurn), displayName: "Burn rate", unit: BurnRateUnit, decimals: ptr(2),
				thresholds: steps(burnSteps...), cellDisplay: string(common.TableCellDisplayModeColorBackground)},
			{field: valueField(refAlerts), displayName: "Firing alerts", unit: "none", decimals: ptr(0),
				thresholds: steps(nil, "green", 1.0, "red"), cellDisplay: string(common.TableCellDisplayModeColorBackground)},
		},
		sortBy: &sortField{displayName: "Budget remaining"},
	}
}

// currentPageFactor is the lowest burn factor of the SLO's page policy
// over the window vigil:slo_burn_rate:current is recorded for.
func currentPageFactor(s *compiler.SLO) (decimal.D, bool) {
	if !s.Page.Enabled {
		return decimal.D{}, false
	}
	cur := vprom.CurrentWindow(s)
	var f decimal.D
	found := false
	for _, w := range s.Page.Windows {
		if time.Duration(w.Long) == cur && (!found || w.Factor.Cmp(f) < 0) {
			f, found = w.Factor, true
		}
	}
	return f, found
}
