package grafana

import (
	"fmt"
	"sort"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"

	"github.com/vigil-dev/vigil/compiler"
)

// FleetDashboard builds the overview across every model of the spec: a
// table of every SLO (objective, SLI, budget remaining, burn rate) and the
// number of drifting features per model, with links to each model's
// dashboard (the v1 JSON model).
func FleetDashboard(spec *compiler.Spec) (dashboard.Dashboard, error) {
	return renderV1(fleetDashSpec(spec))
}

// fleetDashSpec describes the fleet dashboard independently of the form.
func fleetDashSpec(spec *compiler.Spec) *dashSpec {
	d := &dashSpec{
		uid:         compiler.FleetDashboardUID,
		title:       "vigil fleet overview",
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
	models := "^(" + strings.Join(names, "|") + ")$"
	sel := fmt.Sprintf(`{model=~%s}`, compiler.Quote(models))
	instant := func(expr, ref string) promQuery {
		q := query(expr, "")
		q.refID, q.instant, q.format = ref, true, prometheus.PromQueryFormatTable
		return q
	}
	d.items = append(d.items, item{panel: &panelSpec{key: "fleet:slos", typ: tablePanel, pos: l.place(24, 12),
		title:       "Service-level objectives",
		description: "One row per SLO: objective, SLI over its window, error budget left and the current burn rate (over the shortest alerting window). Red rows need attention.",
		unit:        "percentunit",
		thresholds:  steps(nil, "red", 0.2, "orange", 0.5, "green"),
		queries: []promQuery{
			instant("vigil:slo_objective:ratio"+sel, "objective"),
			instant("1 - vigil:slo_budget_consumed:ratio"+sel+" * on (model, slo) vigil:slo_error_budget:ratio"+sel, "sli"),
			instant("vigil:slo_budget_remaining:ratio"+sel, "remaining"),
			instant("vigil:slo_burn_rate:current"+sel, "burn"),
		},
		transformations: []string{"merge"}}})
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
