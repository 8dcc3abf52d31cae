package grafana_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/internal/exampletest"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/targets/grafana"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

func examples(t *testing.T) map[string]*compiler.Spec { return exampletest.Load(t) }

// Generic JSON views of what the lint rules look at.
type jsonDashboard struct {
	UID        string `json:"uid"`
	Editable   *bool  `json:"editable"`
	Templating struct {
		List []struct {
			Type  string `json:"type"`
			Name  string `json:"name"`
			Label string `json:"label"`
		} `json:"list"`
	} `json:"templating"`
	Panels []jsonPanel `json:"panels"`
}

type jsonPanel struct {
	ID          uint32 `json:"id"`
	Type        string `json:"type"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Datasource  *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	GridPos     struct{ X, Y, W, H uint32 } `json:"gridPos"`
	FieldConfig struct {
		Defaults struct {
			Unit       string `json:"unit"`
			Thresholds *struct {
				Steps []struct {
					Value *float64 `json:"value"`
				} `json:"steps"`
			} `json:"thresholds"`
		} `json:"defaults"`
		Overrides []jsonOverride `json:"overrides"`
	} `json:"fieldConfig"`
	Targets []struct {
		RefID      string `json:"refId"`
		Expr       string `json:"expr"`
		Datasource *struct {
			UID string `json:"uid"`
		} `json:"datasource"`
	} `json:"targets"`
}

// jsonOverride is a field override matched by field name.
type jsonOverride struct {
	Matcher struct {
		ID      string `json:"id"`
		Options string `json:"options"`
	} `json:"matcher"`
	Properties []struct {
		ID    string          `json:"id"`
		Value json.RawMessage `json:"value"`
	} `json:"properties"`
}

// prop returns the value of the override's property id.
func (o jsonOverride) prop(id string) (json.RawMessage, bool) {
	for _, p := range o.Properties {
		if p.ID == id {
			return p.Value, true
		}
	}
	return nil, false
}

var rateRE = regexp.MustCompile(`\b(rate|increase|irate)\(([^()]*)\)`)

// varRE finds dashboard-variable references ($name or ${name}) in a query.
var varRE = regexp.MustCompile(`\$\{?(\w+)`)

// userQueries are PromQL strings copied from the spec (KPIs,
// infrastructure, pipeline): linted for parsing, not for their ranges.
func userQueries(m *compiler.Model) map[string]bool {
	q := map[string]bool{}
	for _, k := range m.KPIs {
		q[k.Query] = true
	}
	for _, s := range []string{m.Infrastructure.CPU, m.Infrastructure.Memory, m.Infrastructure.Replicas, m.Pipeline.Rows} {
		q[s] = true
	}
	if m.Pipeline.LastSuccess != "" {
		q["time() - ("+m.Pipeline.LastSuccess+")"] = true
	}
	return q
}

// allowedSeries are the series a model's dashboard may read: the metric
// contract's sources, the drift evaluator's series, ALERTS, the recording
// rules the Prometheus target emits for the model, and series named in
// the spec's own PromQL.
func allowedSeries(t *testing.T, spec *compiler.Spec, m *compiler.Model) map[string]bool {
	mt := m.Metrics
	ok := map[string]bool{"ALERTS": true,
		mt.Requests.Metric: true, mt.Predictions.Metric: true, mt.Feedback.Metric: true,
		mt.Latency.Metric + "_bucket": true, mt.Latency.Metric + "_count": true,
		mt.Confidence.Metric + "_bucket": true, mt.Confidence.Metric + "_count": true}
	dm := m.DriftMetricNames()
	for _, n := range []string{dm.Score, dm.Threshold, dm.Detected, dm.LastRun, dm.MissingRatio, dm.BinShare} {
		ok[n] = true
	}
	for _, g := range prometheus.Groups(spec, m) {
		for _, r := range g.Rules {
			if r.Record != "" {
				ok[r.Record] = true
			}
		}
	}
	p := parser.NewParser(parser.Options{})
	for q := range userQueries(m) {
		if q == "" {
			continue
		}
		e, err := p.ParseExpr(q)
		if err != nil {
			t.Fatal(err)
		}
		parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
			if vs, isVS := n.(*parser.VectorSelector); isVS {
				ok[vs.Name] = true
			}
			return nil
		})
	}
	return ok
}

// TestDashboards lints every generated dashboard (datasource variable and
// references, $__rate_interval, units, titles, descriptions, read-only,
// stable UIDs and IDs, a non-overlapping grid), cross-checks every query
// (it parses, uses only declared variables and reads only series that
// exist), round-trips the JSON
// through the SDK's types, and checks that two compiles are identical.
func TestDashboards(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	for name, spec := range examples(t) {
		t.Run(name, func(t *testing.T) {
			arts, err := grafana.Target{}.Generate(spec)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := grafana.Target{}.Generate(spec)
			fleetAllowed, allowedBy, user := queryScope(t, spec)
			for i, a := range arts {
				if !bytes.Equal(a.Bytes, again[i].Bytes) {
					t.Errorf("%s differs between two compiles", a.Path)
				}
				if !strings.HasSuffix(a.Path, ".json") {
					continue
				}
				var sdk dashboard.Dashboard
				if err := json.Unmarshal(a.Bytes, &sdk); err != nil {
					t.Fatalf("%s: the SDK cannot read it: %v", a.Path, err)
				}
				var rt bytes.Buffer
				enc := json.NewEncoder(&rt)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				enc.Encode(sdk)
				// Panel options are untyped maps in the SDK, so compare the
				// JSON values, not the key order.
				var orig, back any
				json.Unmarshal(a.Bytes, &orig)
				json.Unmarshal(rt.Bytes(), &back)
				if d := cmp.Diff(orig, back); d != "" {
					t.Errorf("%s does not round-trip through the SDK's types:\n%s", a.Path, d)
				}
				var d jsonDashboard
				if err := json.Unmarshal(a.Bytes, &d); err != nil {
					t.Fatal(err)
				}
				model := strings.TrimSuffix(filepath.Base(a.Path), ".json")
				allowed, userQ := allowedBy[model], user[model]
				if model == "fleet" {
					allowed, userQ = fleetAllowed, map[string]bool{}
				}
				lint(t, a.Path, d, allowed, userQ, p)
			}
		})
	}
}

func lint(t *testing.T, path string, d jsonDashboard, allowed, userQ map[string]bool, p parser.Parser) {
	t.Helper()
	if d.Editable == nil || *d.Editable {
		t.Errorf("%s: dashboard must not be editable", path)
	}
	if d.UID == "" || len(d.UID) > 40 {
		t.Errorf("%s: uid %q must be 1 to 40 characters", path, d.UID)
	}
	dsVars := 0
	declared := map[string]bool{}
	for _, v := range d.Templating.List {
		declared[v.Name] = true
		if v.Type == "datasource" {
			dsVars++
			if v.Name != "datasource" || v.Label != "Data source" {
				t.Errorf("%s: data-source variable %q labelled %q, want datasource / Data source", path, v.Name, v.Label)
			}
		}
	}
	if dsVars != 1 {
		t.Errorf("%s: %d data-source variables, want 1", path, dsVars)
	}
	ids := map[uint32]bool{}
	type cell struct{ x, y uint32 }
	used := map[cell]string{}
	for _, pn := range d.Panels {
		if ids[pn.ID] {
			t.Errorf("%s: panel id %d repeats", path, pn.ID)
		}
		ids[pn.ID] = true
		if pn.GridPos.X+pn.GridPos.W > 24 {
			t.Errorf("%s: panel %q overflows the 24-column grid", path, pn.Title)
		}
		for x := pn.GridPos.X; x < pn.GridPos.X+pn.GridPos.W; x++ {
			for y := pn.GridPos.Y; y < pn.GridPos.Y+pn.GridPos.H; y++ {
				if other, ok := used[cell{x, y}]; ok {
					t.Errorf("%s: panels %q and %q overlap", path, other, pn.Title)
				}
				used[cell{x, y}] = pn.Title
			}
		}
		if pn.Type == "row" {
			continue
		}
		if pn.Title == "" || pn.Description == "" {
			t.Errorf("%s: panel %d needs a title and a description", path, pn.ID)
		}
		if pn.Type == "table" {
			lintTable(t, path, pn)
		} else if pn.FieldConfig.Defaults.Unit == "" {
			t.Errorf("%s: panel %q has no unit", path, pn.Title)
		}
		if pn.FieldConfig.Defaults.Unit == "x" || strings.Contains(strings.ToLower(pn.Title), "burn rate") && strings.HasPrefix(pn.FieldConfig.Defaults.Unit, "percent") {
			t.Errorf("%s: panel %q: unit %q is not a burn-rate unit", path, pn.Title, pn.FieldConfig.Defaults.Unit)
		}
		if th := pn.FieldConfig.Defaults.Thresholds; th != nil {
			var vals []*float64
			for _, s := range th.Steps {
				vals = append(vals, s.Value)
			}
			lintSteps(t, path, pn.Title, vals)
		}
		if pn.Datasource == nil || pn.Datasource.UID != "${datasource}" {
			t.Errorf("%s: panel %q does not use the datasource variable", path, pn.Title)
		}
		if len(pn.Targets) == 0 {
			t.Errorf("%s: panel %q has no query", path, pn.Title)
		}
		for _, tg := range pn.Targets {
			if tg.Datasource == nil || tg.Datasource.UID != "${datasource}" {
				t.Errorf("%s: a query of %q does not use the datasource variable", path, pn.Title)
			}
			for _, m := range varRE.FindAllStringSubmatch(tg.Expr, -1) {
				if !declared[m[1]] && !strings.HasPrefix(m[1], "__") {
					t.Errorf("%s: %q: query uses $%s, which the dashboard does not declare", path, pn.Title, m[1])
				}
			}
			if !userQ[tg.Expr] {
				for _, m := range rateRE.FindAllStringSubmatch(tg.Expr, -1) {
					if !strings.Contains(m[2], "[$__rate_interval]") {
						t.Errorf("%s: %q: %s must use [$__rate_interval]", path, pn.Title, m[0])
					}
				}
			}
			expr := strings.ReplaceAll(tg.Expr, "$__rate_interval", "5m")
			e, err := p.ParseExpr(expr)
			if err != nil {
				t.Errorf("%s: %q: query does not parse: %v\n%s", path, pn.Title, err, tg.Expr)
				continue
			}
			parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
				if vs, ok := n.(*parser.VectorSelector); ok && !allowed[vs.Name] {
					t.Errorf("%s: %q reads %s, which is neither a source metric nor a recording rule vigil emits", path, pn.Title, vs.Name)
				}
				return nil
			})
		}
	}
}

// lintSteps checks that threshold steps ascend: Grafana colours a value
// by the last step at or below it (the first, base step has no value).
func lintSteps(t *testing.T, path, what string, vals []*float64) {
	t.Helper()
	for i := 2; i < len(vals); i++ {
		a, b := vals[i-1], vals[i]
		if a != nil && b != nil && *b < *a {
			t.Errorf("%s: %s: threshold steps descend: %v after %v", path, what, *b, *a)
		}
	}
}

// lintTable checks a table panel: every query is an instant table query
// with a refId, whose value column ("Value #<refId>") has an override
// with its own display name and unit; thresholds ascend; a coloured cell
// has thresholds; no unit or thresholds are set for all columns at once.
func lintTable(t *testing.T, path string, pn jsonPanel) {
	t.Helper()
	if pn.FieldConfig.Defaults.Unit != "" || pn.FieldConfig.Defaults.Thresholds != nil {
		t.Errorf("%s: table %q sets a unit or thresholds for every column; set them per column", path, pn.Title)
	}
	byField := map[string]jsonOverride{}
	for _, o := range pn.FieldConfig.Overrides {
		if o.Matcher.ID != "byName" {
			t.Errorf("%s: table %q: override matcher %q, want byName", path, pn.Title, o.Matcher.ID)
		}
		byField[o.Matcher.Options] = o
		if raw, ok := o.prop("thresholds"); ok {
			var th struct {
				Steps []struct {
					Value *float64 `json:"value"`
				} `json:"steps"`
			}
			if err := json.Unmarshal(raw, &th); err != nil {
				t.Fatal(err)
			}
			var vals []*float64
			for _, s := range th.Steps {
				vals = append(vals, s.Value)
			}
			lintSteps(t, path, pn.Title+" column "+o.Matcher.Options, vals)
		}
		if _, colored := o.prop("custom.cellOptions"); colored {
			if _, ok := o.prop("thresholds"); !ok {
				t.Errorf("%s: table %q: column %s is coloured without thresholds", path, pn.Title, o.Matcher.Options)
			}
		}
	}
	for _, tg := range pn.Targets {
		if tg.RefID == "" {
			t.Errorf("%s: table %q: a query has no refId", path, pn.Title)
			continue
		}
		o, ok := byField["Value #"+tg.RefID]
		if !ok {
			t.Errorf("%s: table %q: no override for the column of query %s", path, pn.Title, tg.RefID)
			continue
		}
		for _, id := range []string{"displayName", "unit"} {
			if _, ok := o.prop(id); !ok {
				t.Errorf("%s: table %q: column of query %s has no %s", path, pn.Title, tg.RefID, id)
			}
		}
	}
}

// queryScope returns, for the lint and cross-check, the series each
// model's dashboard may read (allowedBy), the fleet dashboard's (every
// model's), and each model's PromQL copied from the spec (user).
func queryScope(t *testing.T, spec *compiler.Spec) (fleetAllowed map[string]bool, allowedBy, user map[string]map[string]bool) {
	t.Helper()
	fleetAllowed = map[string]bool{}
	allowedBy = map[string]map[string]bool{}
	user = map[string]map[string]bool{}
	for _, m := range spec.Models {
		allowedBy[m.Name] = allowedSeries(t, spec, m)
		user[m.Name] = userQueries(m)
		for k := range allowedBy[m.Name] {
			fleetAllowed[k] = true
		}
	}
	return fleetAllowed, allowedBy, user
}
