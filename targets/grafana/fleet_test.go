package grafana_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/ruletest"
	"github.com/vigil-dev/vigil/targets/grafana"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// fleetTable returns the fleet dashboard's "Service-level objectives"
// table from the plain v1 JSON.
func fleetTable(t *testing.T, spec *compiler.Spec) jsonPanel {
	t.Helper()
	var d jsonDashboard
	if err := json.Unmarshal(generate(t, spec, "plain")["fleet"], &d); err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Panels {
		if p.Type == "table" {
			return p
		}
	}
	t.Fatal("no table in the fleet dashboard")
	return jsonPanel{}
}

// TestFleetTableOneRowPerSLO evaluates each query of the fleet SLO table
// in the Prometheus engine, over the series it reads as the generated
// rules record them (each recording rule's name and labels, a distinct
// value per SLO) and ALERTS (a firing and a pending alert of one SLO per
// model, and a firing alert of no SLO). Every query must return exactly
// one sample per SLO of the spec, labelled exactly {model, slo}, holding
// that SLO's value: the label sets are what Grafana's merge
// transformation joins the columns on, so the table has one row per SLO
// and each cell shows its own SLO's value.
func TestFleetTableOneRowPerSLO(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	for name, spec := range examples(t) {
		t.Run(name, func(t *testing.T) {
			table := fleetTable(t, spec)
			read := map[string]bool{}
			for _, tg := range table.Targets {
				e, err := p.ParseExpr(tg.Expr)
				if err != nil {
					t.Fatal(err)
				}
				parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
					if vs, ok := n.(*parser.VectorSelector); ok {
						read[vs.Name] = true
					}
					return nil
				})
			}
			series := ruletest.NewSeries(time.Minute)
			// want[refID][{model, slo}] is the value the cell must show.
			want := map[string]map[string]float64{}
			set := func(ref, key string, v float64) {
				if want[ref] == nil {
					want[ref] = map[string]float64{}
				}
				want[ref][key] = v
			}
			refOf := map[string]string{
				"vigil:slo_objective:ratio":        "objective",
				"vigil:slo_budget_remaining:ratio": "remaining",
				"vigil:slo_burn_rate:current":      "burn",
			}
			n := 0
			for _, m := range spec.Models {
				for i, s := range m.SLOs {
					n++
					key := fmt.Sprintf(`{model=%q, slo=%q}`, m.Name, s.Name)
					base := float64(n)
					recorded := 0
					for _, g := range prometheus.Groups(spec, m) {
						for _, r := range g.Rules {
							if r.Record == "" || !read[r.Record] || r.Labels["slo"] != s.Name {
								continue
							}
							recorded++
							var lbs []string
							for _, k := range sortedKeys(r.Labels) {
								lbs = append(lbs, fmt.Sprintf("%s=%q", k, r.Labels[k]))
							}
							v := base
							switch {
							case r.Record == "vigil:slo_objective:ratio":
								v = s.ObjectiveRatio().Float64()
							case strings.HasPrefix(r.Record, "vigil:slo_sli:ratio_rate"):
								v = 0.9 + base/1000
								set("sli", key, v)
							case r.Record == "vigil:slo_budget_remaining:ratio":
								v = base / 100
							}
							if ref, ok := refOf[r.Record]; ok {
								set(ref, key, v)
							}
							series.Add(r.Record+"{"+strings.Join(lbs, ",")+"}", fmt.Sprintf("%gx10", v))
						}
					}
					if recorded != 4 {
						t.Fatalf("%s: %d recordings read by the table, want 4 (objective, SLI, remaining, burn)", key, recorded)
					}
					firing := 0.0
					if i == 0 {
						firing = 1
						series.Add(fmt.Sprintf(`ALERTS{alertname="X",alertstate="firing",model=%q,slo=%q,severity="critical"}`, m.Name, s.Name), "1x10")
						series.Add(fmt.Sprintf(`ALERTS{alertname="Y",alertstate="pending",model=%q,slo=%q,severity="critical"}`, m.Name, s.Name), "1x10")
					}
					set("alerts", key, firing)
				}
				series.Add(fmt.Sprintf(`ALERTS{alertname="Drift",alertstate="firing",model=%q,severity="warning"}`, m.Name), "1x10")
			}
			run, err := ruletest.New(series.String())
			if err != nil {
				t.Fatal(err)
			}
			defer run.Close()
			if err := run.Eval(5*time.Minute, time.Minute, func(time.Duration, ruletest.Firing) bool { return true }); err != nil {
				t.Fatal(err)
			}
			if len(table.Targets) != len(want) {
				t.Errorf("%d queries, want %d", len(table.Targets), len(want))
			}
			for _, tg := range table.Targets {
				got, err := run.Query(tg.Expr, 5*time.Minute)
				if err != nil {
					t.Fatalf("%s: %v", tg.RefID, err)
				}
				w := want[tg.RefID]
				if len(got) != len(w) || len(w) != n {
					t.Errorf("query %s: %d samples for %d SLOs: %v", tg.RefID, len(got), n, got)
				}
				for k, v := range w {
					if g, ok := got[k]; !ok || g != v {
						t.Errorf("query %s: %s = %v (present %t), want %v", tg.RefID, k, g, ok, v)
					}
				}
			}
		})
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// colour is the colour Grafana gives v: that of the last threshold step
// at or below it (the base step has no value).
func colour(t *testing.T, raw json.RawMessage, v float64) string {
	t.Helper()
	var th struct {
		Mode  string `json:"mode"`
		Steps []struct {
			Value *float64 `json:"value"`
			Color string   `json:"color"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(raw, &th); err != nil {
		t.Fatal(err)
	}
	if th.Mode != "absolute" {
		t.Fatalf("threshold mode %q", th.Mode)
	}
	c := ""
	for _, s := range th.Steps {
		if s.Value == nil || v >= *s.Value {
			c = s.Color
		}
	}
	return c
}

// TestFleetTableColumns checks each column of the fleet SLO table: its
// title, unit and, for the coloured ones, the colour a value gets. A burn
// rate of 1 is "1×" and orange, not "100%" and red.
func TestFleetTableColumns(t *testing.T) {
	spec := examples(t)["saas-sla"]
	table := fleetTable(t, spec)
	cols := map[string]jsonOverride{}
	for _, o := range table.FieldConfig.Overrides {
		cols[o.Matcher.Options] = o
	}
	str := func(o jsonOverride, id string) string {
		raw, _ := o.prop(id)
		var s string
		json.Unmarshal(raw, &s)
		return s
	}
	for field, want := range map[string][2]string{
		"model":            {"Model", ""},
		"slo":              {"SLO", ""},
		"Value #objective": {"Objective", "percentunit"},
		"Value #sli":       {"SLI", "percentunit"},
		"Value #remaining": {"Budget remaining", "percentunit"},
		"Value #burn":      {"Burn rate", grafana.BurnRateUnit},
		"Value #alerts":    {"Firing alerts", "none"},
	} {
		o, ok := cols[field]
		if !ok {
			t.Errorf("no override for %s", field)
			continue
		}
		if got := [2]string{str(o, "displayName"), str(o, "unit")}; got != want {
			t.Errorf("%s: title and unit %q, want %q", field, got, want)
		}
	}
	for _, c := range []struct {
		field string
		value float64
		want  string
	}{
		{"Value #remaining", -0.3, "red"},
		{"Value #remaining", 0.1, "red"},
		{"Value #remaining", 0.3, "orange"},
		{"Value #remaining", 0.9, "green"},
		{"Value #burn", 0, "green"},
		{"Value #burn", 0.8, "green"},
		{"Value #burn", 1, "orange"},
		{"Value #burn", 6, "orange"},
		{"Value #burn", 14.4, "red"},
		{"Value #alerts", 0, "green"},
		{"Value #alerts", 2, "red"},
	} {
		raw, ok := cols[c.field].prop("thresholds")
		if !ok {
			t.Errorf("%s has no thresholds", c.field)
			continue
		}
		if got := colour(t, raw, c.value); got != c.want {
			t.Errorf("%s = %v is %s, want %s", c.field, c.value, got, c.want)
		}
		if raw, _ := cols[c.field].prop("custom.cellOptions"); !strings.Contains(string(raw), `"color-background"`) {
			t.Errorf("%s: cells are not coloured: %s", c.field, raw)
		}
	}
	for _, f := range []string{"Value #objective", "Value #sli", "model", "slo"} {
		if _, ok := cols[f].prop("custom.cellOptions"); ok {
			t.Errorf("%s is coloured, but no colour of it means anything", f)
		}
	}
}
