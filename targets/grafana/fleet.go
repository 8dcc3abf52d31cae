package grafana

import (
	"fmt"
	"sort"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"

	"github.com/vigil-dev/vigil/compiler"
)

// FleetDashboard builds the overview across every model of the spec: a
// table of every SLO (objective, SLI, budget remaining, burn rate) and the
// number of drifting features per model, with links to each model's
// dashboard.
func FleetDashboard(spec *compiler.Spec) (dashboard.Dashboard, error) {
	d := dashboard.NewDashboardBuilder("vigil fleet overview").
		Uid(compiler.FleetDashboardUID).
		Description("Every model's SLOs and drift at a glance; follow the links to a model's dashboard.").
		Tags([]string{"vigil", "fleet"}).
		Readonly().
		Time("now-24h", "now").
		Refresh("1m").
		WithVariable(datasourceVariable()).
		Link(dashboard.NewDashboardLinkBuilder("Models").Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{"vigil"}).AsDropdown(true).KeepTime(true))
	var l layout
	names := make([]string, 0, len(spec.Models))
	for _, m := range spec.Models {
		names = append(names, m.Name)
	}
	// Model names are [a-z0-9_-]: no regex metacharacters to escape.
	models := "^(" + strings.Join(names, "|") + ")$"
	sel := fmt.Sprintf(`{model=~%s}`, compiler.Quote(models))
	instant := func(expr, ref string) *prometheus.DataqueryBuilder {
		return query(expr, "").RefId(ref).Instant().Format(prometheus.PromQueryFormatTable)
	}
	d.WithPanel(table.NewPanelBuilder().Id(panelID("fleet:slos")).GridPos(l.place(24, 12)).
		Title("Service-level objectives").
		Description("One row per SLO: objective, SLI over its window, error budget left and the current burn rate (over the shortest alerting window). Red rows need attention.").
		Datasource(ds).Unit("percentunit").
		Thresholds(thresholds(nil, "red", 0.2, "orange", 0.5, "green")).
		WithTarget(instant("vigil:slo_objective:ratio"+sel, "objective")).
		WithTarget(instant("1 - vigil:slo_budget_consumed:ratio"+sel+" * on (model, slo) vigil:slo_error_budget:ratio"+sel, "sli")).
		WithTarget(instant("vigil:slo_budget_remaining:ratio"+sel, "remaining")).
		WithTarget(instant("vigil:slo_burn_rate:current"+sel, "burn")).
		WithTransformation(dashboard.DataTransformerConfig{Id: "merge"}))
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
		p := stat.NewPanelBuilder().Id(panelID("fleet:drift")).GridPos(l.place(24, 6)).
			Title("Drifting features per model").
			Description("Features whose latest drift evaluation breached its threshold, per model.").
			Datasource(ds).Unit("short").
			Thresholds(thresholds(nil, "green", 1.0, "orange"))
		for i, metric := range detected {
			p.WithTarget(query(fmt.Sprintf("sum by (model) (%s{model=~%s})", metric, compiler.Quote("^("+strings.Join(prefixes[metric], "|")+")$")), "{{model}}").RefId(fmt.Sprintf("D%d", i)))
		}
		d.WithPanel(p)
	}
	for _, m := range spec.Models {
		d.Link(dashboard.NewDashboardLinkBuilder(m.DisplayName).Type(dashboard.DashboardLinkTypeLink).
			Url("/d/" + compiler.DashboardUID(m.Name)).KeepTime(true))
	}
	return d.Build()
}
