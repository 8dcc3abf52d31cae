package grafana_test

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboardv2"
	sdkprom "github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/resource"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/targets/grafana"
)

// v2Resource is a generated v2 file read back through the SDK's types.
type v2Resource struct {
	APIVersion string                `json:"apiVersion"`
	Kind       string                `json:"kind"`
	Metadata   resource.Metadata     `json:"metadata"`
	Spec       dashboardv2.Dashboard `json:"spec"`
}

// v1Full is the v1 dashboard JSON, with what the forms must agree on.
type v1Full struct {
	UID         string   `json:"uid"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	Editable    bool     `json:"editable"`
	Links       []struct {
		Title       string `json:"title"`
		Type        string `json:"type"`
		URL         string `json:"url"`
		Tags        []string
		AsDropdown  bool `json:"asDropdown"`
		TargetBlank bool `json:"targetBlank"`
		KeepTime    bool `json:"keepTime"`
	} `json:"links"`
	Templating struct {
		List []struct {
			Type  string `json:"type"`
			Name  string `json:"name"`
			Label string `json:"label"`
			Query string `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Name string `json:"name"`
			Expr string `json:"expr"`
		} `json:"list"`
	} `json:"annotations"`
	Panels []struct {
		ID          uint32                      `json:"id"`
		Type        string                      `json:"type"`
		Title       string                      `json:"title"`
		Description string                      `json:"description"`
		GridPos     struct{ X, Y, W, H uint32 } `json:"gridPos"`
		FieldConfig struct {
			Defaults struct {
				Unit       string          `json:"unit"`
				Decimals   *float64        `json:"decimals"`
				Min        *float64        `json:"min"`
				Max        *float64        `json:"max"`
				Thresholds json.RawMessage `json:"thresholds"`
				Custom     json.RawMessage `json:"custom"`
			} `json:"defaults"`
			Overrides json.RawMessage `json:"overrides"`
		} `json:"fieldConfig"`
		Options struct {
			SortBy json.RawMessage `json:"sortBy"`
		} `json:"options"`
		Targets []struct {
			Datasource struct {
				Type string `json:"type"`
				UID  string `json:"uid"`
			} `json:"datasource"`
			Expr         string `json:"expr"`
			LegendFormat string `json:"legendFormat"`
			RefID        string `json:"refId"`
			Instant      *bool  `json:"instant"`
			Format       string `json:"format"`
		} `json:"targets"`
		Transformations []struct {
			ID      string          `json:"id"`
			Options json.RawMessage `json:"options"`
		} `json:"transformations"`
	} `json:"panels"`
}

// dashFacts is what the v1 and v2 forms of one dashboard must agree on.
type dashFacts struct {
	UID, Title, Description string
	Tags                    []string
	Editable                bool
	Links                   []string
	Variables               []string
	Annotations             []string
	Rows                    []string
	Panels                  map[uint32]panelFacts
}

// panelFacts is what both forms must agree on for one panel. Row is the
// title of the row holding it and Y is relative to that row.
type panelFacts struct {
	Type, Title, Description, Unit string
	Row                            string
	X, Y, W, H                     int64
	Decimals, Min, Max             string
	Thresholds, ThresholdsStyle    string
	Overrides, SortBy              string
	Queries                        []string
	Transformations                []string
}

func fmtPtr(f *float64) string {
	if f == nil {
		return "-"
	}
	return fmt.Sprint(*f)
}

// canon re-encodes a JSON value compactly with sorted keys.
func canon(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var g any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if g == nil {
		return ""
	}
	b, _ = json.Marshal(g)
	return string(b)
}

// thresholdsStyle is the thresholdsStyle.mode of a custom field config.
func thresholdsStyle(t *testing.T, custom any) string {
	var c struct {
		ThresholdsStyle struct{ Mode string } `json:"thresholdsStyle"`
	}
	if s := canon(t, custom); s != "" {
		json.Unmarshal([]byte(s), &c)
	}
	return c.ThresholdsStyle.Mode
}

func query(ds, expr, legend, ref string, instant bool, format string) string {
	return fmt.Sprintf("%s|%s|legend=%s|ref=%s|instant=%t|format=%s", ds, expr, legend, ref, instant, format)
}

func v1Facts(t *testing.T, b []byte) dashFacts {
	var d v1Full
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	f := dashFacts{UID: d.UID, Title: d.Title, Description: d.Description, Tags: d.Tags, Editable: d.Editable, Panels: map[uint32]panelFacts{}}
	for _, l := range d.Links {
		f.Links = append(f.Links, fmt.Sprint(l.Title, l.Type, l.URL, l.Tags, l.AsDropdown, l.TargetBlank, l.KeepTime))
	}
	for _, v := range d.Templating.List {
		f.Variables = append(f.Variables, fmt.Sprint(v.Type, v.Name, v.Label, v.Query))
	}
	for _, a := range d.Annotations.List {
		f.Annotations = append(f.Annotations, a.Name+"|"+a.Expr)
	}
	row, rowY := "", int64(0)
	for _, p := range d.Panels {
		if p.Type == "row" {
			row, rowY = p.Title, int64(p.GridPos.Y)+1
			f.Rows = append(f.Rows, row)
			continue
		}
		fd := p.FieldConfig.Defaults
		pf := panelFacts{Type: p.Type, Title: p.Title, Description: p.Description, Unit: fd.Unit, Row: row,
			X: int64(p.GridPos.X), Y: int64(p.GridPos.Y) - rowY, W: int64(p.GridPos.W), H: int64(p.GridPos.H),
			Decimals: fmtPtr(fd.Decimals), Min: fmtPtr(fd.Min), Max: fmtPtr(fd.Max),
			Thresholds: canon(t, fd.Thresholds), ThresholdsStyle: thresholdsStyle(t, fd.Custom),
			Overrides: canon(t, p.FieldConfig.Overrides), SortBy: canon(t, p.Options.SortBy)}
		for i, q := range p.Targets {
			ref := q.RefID
			if ref == "" {
				ref = string(rune('A' + i)) // what Grafana assigns
			}
			pf.Queries = append(pf.Queries, query(q.Datasource.Type+"/"+q.Datasource.UID, q.Expr, q.LegendFormat, ref, q.Instant != nil && *q.Instant, q.Format))
		}
		for _, tr := range p.Transformations {
			pf.Transformations = append(pf.Transformations, tr.ID+" "+canon(t, tr.Options))
		}
		f.Panels[p.ID] = pf
	}
	return f
}

// v2SortBy is the sortBy of a v2 visualization's options, like v1's.
func v2SortBy(t *testing.T, options any) string {
	var o struct {
		SortBy json.RawMessage `json:"sortBy"`
	}
	if s := canon(t, options); s != "" {
		json.Unmarshal([]byte(s), &o)
	}
	return canon(t, o.SortBy)
}

// v2Placed is a grid item with the title of the row holding it.
type v2Placed struct {
	row  string
	item dashboardv2.GridLayoutItemSpec
}

// v2Items lists the grid items of a v2 layout (a GridLayout, or a
// RowsLayout of GridLayouts), with their rows.
func v2Items(t *testing.T, l dashboardv2.GridLayoutKindOrRowsLayoutKindOrAutoGridLayoutKindOrTabsLayoutKind) (rows []string, items []v2Placed) {
	switch {
	case l.GridLayoutKind != nil:
		for _, it := range l.GridLayoutKind.Spec.Items {
			items = append(items, v2Placed{"", it.Spec})
		}
	case l.RowsLayoutKind != nil:
		for _, r := range l.RowsLayoutKind.Spec.Rows {
			title := ""
			if r.Spec.Title != nil {
				title = *r.Spec.Title
			}
			rows = append(rows, title)
			if r.Spec.Layout.GridLayoutKind == nil {
				t.Fatalf("row %q: want a GridLayout", title)
			}
			for _, it := range r.Spec.Layout.GridLayoutKind.Spec.Items {
				items = append(items, v2Placed{title, it.Spec})
			}
		}
	default:
		t.Fatal("want a GridLayout or a RowsLayout")
	}
	return rows, items
}

func v2Facts(t *testing.T, r v2Resource, legacy map[string]string) dashFacts {
	d := r.Spec
	f := dashFacts{UID: r.Metadata.Name, Title: d.Title, Tags: d.Tags, Editable: d.Editable != nil && *d.Editable, Panels: map[uint32]panelFacts{}}
	if d.Description != nil {
		f.Description = *d.Description
	}
	for _, l := range d.Links {
		url := ""
		if l.Url != nil {
			url = *l.Url
		}
		f.Links = append(f.Links, fmt.Sprint(l.Title, l.Type, url, l.Tags, l.AsDropdown, l.TargetBlank, l.KeepTime))
	}
	for _, v := range d.Variables {
		switch {
		case v.DatasourceVariableKind != nil:
			s := v.DatasourceVariableKind.Spec
			f.Variables = append(f.Variables, fmt.Sprint("datasource", s.Name, *s.Label, s.PluginId))
		case v.QueryVariableKind != nil:
			s := v.QueryVariableKind.Spec
			f.Variables = append(f.Variables, fmt.Sprint("query", s.Name, *s.Label, legacy[s.Name]))
		default:
			t.Errorf("unexpected variable kind %+v", v)
		}
	}
	for _, a := range d.Annotations {
		pq, ok := a.Spec.Query.Spec.(*sdkprom.Dataquery)
		if !ok {
			t.Fatalf("annotation %q: query spec is %T, want a Prometheus query", a.Spec.Name, a.Spec.Query.Spec)
		}
		f.Annotations = append(f.Annotations, a.Spec.Name+"|"+pq.Expr)
	}
	rows, items := v2Items(t, d.Layout)
	f.Rows = rows
	for _, pl := range items {
		el, ok := d.Elements[pl.item.Element.Name]
		if !ok || el.PanelKind == nil {
			t.Fatalf("grid item %q has no panel element", pl.item.Element.Name)
		}
		p := el.PanelKind.Spec
		if want := grafana.ElementName(uint32(p.Id)); pl.item.Element.Name != want {
			t.Errorf("element %q holds panel %v, want the name %s", pl.item.Element.Name, p.Id, want)
		}
		fd := p.VizConfig.Spec.FieldConfig.Defaults
		pf := panelFacts{Type: p.VizConfig.Group, Title: p.Title, Row: pl.row,
			X: pl.item.X, Y: pl.item.Y, W: pl.item.Width, H: pl.item.Height,
			Decimals: fmtPtr(fd.Decimals), Min: fmtPtr(fd.Min), Max: fmtPtr(fd.Max),
			Thresholds: canon(t, fd.Thresholds), ThresholdsStyle: thresholdsStyle(t, fd.Custom),
			Overrides: canon(t, p.VizConfig.Spec.FieldConfig.Overrides), SortBy: v2SortBy(t, p.VizConfig.Spec.Options)}
		if p.Description != nil {
			pf.Description = *p.Description
		}
		if fd.Unit != nil {
			pf.Unit = *fd.Unit
		}
		for _, q := range p.Data.Spec.Queries {
			pq, ok := q.Spec.Query.Spec.(*sdkprom.Dataquery)
			if !ok {
				t.Fatalf("%q: query spec is %T, want a Prometheus query", p.Title, q.Spec.Query.Spec)
			}
			ds := q.Spec.Query.Group + "/"
			if q.Spec.Query.Datasource != nil && q.Spec.Query.Datasource.Name != nil {
				ds += *q.Spec.Query.Datasource.Name
			}
			legend, format := "", ""
			if pq.LegendFormat != nil {
				legend = *pq.LegendFormat
			}
			if pq.Format != nil {
				format = string(*pq.Format)
			}
			pf.Queries = append(pf.Queries, query(ds, pq.Expr, legend, q.Spec.RefId, pq.Instant != nil && *pq.Instant, format))
		}
		for _, tr := range p.Data.Spec.Transformations {
			pf.Transformations = append(pf.Transformations, tr.Group+" "+canon(t, tr.Spec.Options))
		}
		if _, dup := f.Panels[uint32(p.Id)]; dup {
			t.Errorf("panel %v is laid out twice", p.Id)
		}
		f.Panels[uint32(p.Id)] = pf
	}
	if len(items) != len(d.Elements) {
		t.Errorf("%d elements, %d laid out", len(d.Elements), len(items))
	}
	return f
}

// readV2 reads a generated v2 file through the SDK's types, strictly
// (unknown or missing fields fail), and checks that it round-trips. It
// also returns the label_values() query of each query variable, by name.
//
// A query variable's query is a v1 string kept, as Grafana converts one,
// in spec.__legacyStringValue. The SDK decodes every prometheus-group
// query spec as its Prometheus query type, which has no such field, so
// those specs are read from the JSON and left out of the SDK checks.
func readV2(t *testing.T, p string, b []byte) (v2Resource, map[string]string) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: invalid JSON: %v", p, err)
	}
	legacy := map[string]string{}
	spec, _ := doc["spec"].(map[string]any)
	vars, _ := spec["variables"].([]any)
	for _, v := range vars {
		v := v.(map[string]any)
		if v["kind"] != "QueryVariable" {
			continue
		}
		vs := v["spec"].(map[string]any)
		q := vs["query"].(map[string]any)
		qs, _ := q["spec"].(map[string]any)
		s, ok := qs["__legacyStringValue"].(string)
		if !ok || len(qs) != 1 {
			t.Fatalf("%s: variable %v: query spec %v, want only __legacyStringValue", p, vs["name"], qs)
		}
		legacy[vs["name"].(string)] = s
		q["spec"] = map[string]any{"expr": ""} // what the SDK decodes an empty Prometheus query to
	}
	rest, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var r v2Resource
	if err := json.Unmarshal(rest, &r); err != nil {
		t.Fatalf("%s: the SDK cannot read it: %v", p, err)
	}
	var strict dashboardv2.Dashboard
	// The strict decoder returns a nil cog.BuildErrors as a non-nil error
	// when it finds nothing wrong.
	if err := strict.UnmarshalJSONStrict([]byte(canon(t, spec))); err != nil {
		if errs, ok := err.(cog.BuildErrors); !ok || len(errs) > 0 {
			t.Errorf("%s: the SDK's strict v2 decoder rejects it: %v", p, err)
		}
	}
	if err := r.Spec.Validate(); err != nil {
		t.Errorf("%s: the SDK's v2 validation fails: %v", p, err)
	}
	var back any
	json.Unmarshal([]byte(canon(t, r)), &back)
	if d := cmp.Diff(any(doc), back); d != "" {
		t.Errorf("%s does not round-trip through the SDK's v2 types:\n%s", p, d)
	}
	return r, legacy
}

func generate(t *testing.T, spec *compiler.Spec, format string) map[string][]byte {
	t.Helper()
	s := *spec
	s.Output.DashboardsFormat = format
	arts, err := grafana.Target{}.Generate(&s)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, a := range arts {
		if strings.HasSuffix(a.Path, ".json") {
			out[strings.TrimSuffix(path.Base(a.Path), ".json")] = a.Bytes
		}
	}
	return out
}

// TestV2AgreesWithV1 reads every v2 resource back through the SDK's v2
// types and checks, per dashboard, that it says what the v1 JSON says:
// UID, title, description, tags, links, variables, annotation, rows, and
// for every panel its type, title, description, unit, decimals, min, max,
// thresholds, position (row and offset in it), queries (expression,
// legend, refId, data source, instant, format) and transformations. It
// also checks the resource envelope and that two compiles are identical.
func TestV2AgreesWithV1(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	for name, spec := range examples(t) {
		t.Run(name, func(t *testing.T) {
			v1 := generate(t, spec, "plain")
			v2 := generate(t, spec, grafana.FormatV2)
			if d := cmp.Diff(v2, generate(t, spec, grafana.FormatV2)); d != "" {
				t.Errorf("v2 output differs between two compiles:\n%s", d)
			}
			if len(v2) != len(spec.Models)+1 || len(v1) != len(v2) {
				t.Fatalf("%d v2 files and %d v1 files for %d models", len(v2), len(v1), len(spec.Models))
			}
			for dash, b := range v2 {
				r, legacy := readV2(t, dash, b)
				if r.APIVersion != dashboardv2.DashboardAPIVersion || r.Kind != dashboardv2.DashboardKind {
					t.Errorf("%s: %s %s, want %s %s", dash, r.APIVersion, r.Kind, dashboardv2.DashboardAPIVersion, dashboardv2.DashboardKind)
				}
				want, ok := v1[dash]
				if !ok {
					t.Fatalf("%s: no v1 dashboard", dash)
				}
				if d := cmp.Diff(v1Facts(t, want), v2Facts(t, r, legacy)); d != "" {
					t.Errorf("%s: the v2 form disagrees with v1 (-v1 +v2):\n%s", dash, d)
				}
			}
		})
	}
}

// TestV2Lint runs the v1 lint and PromQL cross-check over the v2 form:
// its panels and queries are turned into the generic view lint reads,
// with absolute positions computed by stacking the rows.
func TestV2Lint(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	p := parser.NewParser(parser.Options{})
	for name, spec := range examples(t) {
		t.Run(name, func(t *testing.T) {
			fleetAllowed, allowedBy, user := queryScope(t, spec)
			for dash, b := range generate(t, spec, grafana.FormatV2) {
				allowed, userQ := allowedBy[dash], user[dash]
				if dash == "fleet" {
					allowed, userQ = fleetAllowed, map[string]bool{}
				}
				r, _ := readV2(t, dash, b)
				lint(t, "v2/"+dash, lintView(t, r), allowed, userQ, p)
			}
		})
	}
}

// lintView turns a v2 resource into the v1-shaped view lint reads. A v2
// panel has no data source of its own; it gets its queries' one when they
// all share it.
func lintView(t *testing.T, r v2Resource) jsonDashboard {
	type ref struct {
		UID string `json:"uid"`
	}
	type target struct {
		RefID      string `json:"refId"`
		Expr       string `json:"expr"`
		Datasource *ref   `json:"datasource"`
	}
	var vars []map[string]string
	for _, v := range r.Spec.Variables {
		switch {
		case v.DatasourceVariableKind != nil:
			vars = append(vars, map[string]string{"type": "datasource", "name": v.DatasourceVariableKind.Spec.Name, "label": *v.DatasourceVariableKind.Spec.Label})
		case v.QueryVariableKind != nil:
			vars = append(vars, map[string]string{"type": "query", "name": v.QueryVariableKind.Spec.Name})
		}
	}
	var panels []map[string]any
	rows, items := v2Items(t, r.Spec.Layout)
	offset, bottom := map[string]int64{}, int64(0)
	if len(rows) > 0 {
		// Stack the rows: a header line, then the row's grid.
		byRow := map[string][]v2Placed{}
		for _, it := range items {
			byRow[it.row] = append(byRow[it.row], it)
		}
		for _, row := range rows {
			panels = append(panels, map[string]any{"type": "row", "title": row, "id": len(panels),
				"gridPos": map[string]int64{"x": 0, "y": bottom, "w": 24, "h": 1}})
			offset[row] = bottom + 1
			bottom++
			end := bottom
			for _, it := range byRow[row] {
				end = max(end, offset[row]+it.item.Y+it.item.Height)
			}
			bottom = end
		}
	}
	for _, it := range items {
		p := r.Spec.Elements[it.item.Element.Name].PanelKind.Spec
		var targets []target
		dsSet := map[string]bool{}
		for _, q := range p.Data.Spec.Queries {
			tg := target{RefID: q.Spec.RefId}
			if pq, ok := q.Spec.Query.Spec.(*sdkprom.Dataquery); ok {
				tg.Expr = pq.Expr
			}
			if q.Spec.Query.Group == "prometheus" && q.Spec.Query.Datasource != nil && q.Spec.Query.Datasource.Name != nil {
				tg.Datasource = &ref{*q.Spec.Query.Datasource.Name}
				dsSet[*q.Spec.Query.Datasource.Name] = true
			} else {
				dsSet[""] = true
			}
			targets = append(targets, tg)
		}
		pn := map[string]any{"id": p.Id, "type": p.VizConfig.Group, "title": p.Title, "description": p.Description,
			"gridPos": map[string]int64{"x": it.item.X, "y": offset[it.row] + it.item.Y, "w": it.item.Width, "h": it.item.Height},
			"fieldConfig": map[string]any{"defaults": map[string]any{"unit": p.VizConfig.Spec.FieldConfig.Defaults.Unit,
				"thresholds": p.VizConfig.Spec.FieldConfig.Defaults.Thresholds},
				"overrides": p.VizConfig.Spec.FieldConfig.Overrides},
			"targets": targets}
		if len(dsSet) == 1 && !dsSet[""] {
			for uid := range dsSet {
				pn["datasource"] = ref{uid}
			}
		}
		panels = append(panels, pn)
	}
	view := map[string]any{"uid": r.Metadata.Name, "editable": r.Spec.Editable,
		"templating": map[string]any{"list": vars}, "panels": panels}
	var d jsonDashboard
	if err := json.Unmarshal([]byte(canon(t, view)), &d); err != nil {
		t.Fatal(err)
	}
	return d
}
