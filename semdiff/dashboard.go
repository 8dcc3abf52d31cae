package semdiff

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// panel is a dashboard panel as far as a reviewer is concerned. Panels
// are matched across compiles by ID: the Grafana target derives each ID
// from a stable key, so a panel keeps its ID when it is retitled or
// moved.
type panel struct {
	ID      int64
	Type    string
	Title   string
	Pos     gridPos
	Targets []map[string]any
	// Rest holds every other top-level panel setting (fieldConfig,
	// options, links, …), compared structurally.
	Rest map[string]any
}

type gridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

func (g gridPos) String() string {
	return fmt.Sprintf("x=%d y=%d w=%d h=%d", g.X, g.Y, g.W, g.H)
}

// dashboard is a parsed dashboard: its title, template variables and
// panels by ID (the panels of collapsed rows included).
type dashboard struct {
	Title     string
	Variables string
	Panels    map[int64]*panel
}

// parseDashboard reads Grafana dashboard JSON. Missing content (nil) is
// an empty dashboard.
func parseDashboard(path string, b []byte) (*dashboard, error) {
	d := &dashboard{Panels: map[int64]*panel{}}
	if b == nil {
		return d, nil
	}
	var raw struct {
		Title      string            `json:"title"`
		Panels     []json.RawMessage `json:"panels"`
		Templating struct {
			List []struct {
				Name string `json:"name"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d.Title = raw.Title
	for i, v := range raw.Templating.List {
		if i > 0 {
			d.Variables += ", "
		}
		d.Variables += v.Name
	}
	if err := d.addPanels(path, raw.Panels); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *dashboard) addPanels(path string, list []json.RawMessage) error {
	for _, r := range list {
		var p struct {
			ID      int64             `json:"id"`
			Type    string            `json:"type"`
			Title   string            `json:"title"`
			GridPos gridPos           `json:"gridPos"`
			Targets []map[string]any  `json:"targets"`
			Panels  []json.RawMessage `json:"panels"`
		}
		var rest map[string]any
		if err := json.Unmarshal(r, &p); err != nil {
			return fmt.Errorf("%s: panel: %w", path, err)
		}
		if err := json.Unmarshal(r, &rest); err != nil {
			return fmt.Errorf("%s: panel: %w", path, err)
		}
		for _, k := range []string{"id", "type", "title", "gridPos", "targets", "panels"} {
			delete(rest, k)
		}
		if _, dup := d.Panels[p.ID]; dup {
			return fmt.Errorf("%s: two panels with id %d", path, p.ID)
		}
		d.Panels[p.ID] = &panel{ID: p.ID, Type: p.Type, Title: p.Title, Pos: p.GridPos, Targets: p.Targets, Rest: rest}
		if err := d.addPanels(path, p.Panels); err != nil {
			return err
		}
	}
	return nil
}

// panelName is how a report names a panel: its title, with rows marked.
func panelName(prefix string, p *panel) string {
	name := p.Title
	if name == "" {
		name = "panel " + strconv.FormatInt(p.ID, 10)
	}
	if p.Type == "row" {
		name = "row " + name
	}
	return prefix + name
}

// compareDashboards compares two versions of a dashboard. Panel names are
// prefixed with prefix (for the fleet dashboard). It returns the changes
// and the number of panels that only reflowed.
func compareDashboards(prefix string, o, n *dashboard) ([]Change, int) {
	var out []Change
	if o.Title != "" && n.Title != "" && o.Title != n.Title {
		out = append(out, Change{Kind: KindPanel, Name: prefix + "dashboard", Action: Changed, Fields: []Field{{Name: "title", Old: o.Title, New: n.Title}}})
	}
	if len(o.Panels) > 0 && len(n.Panels) > 0 && o.Variables != n.Variables {
		out = append(out, Change{Kind: KindPanel, Name: prefix + "dashboard", Action: Changed, Fields: []Field{{Name: "variables", Old: o.Variables, New: n.Variables}}})
	}
	moved := movedPanels(o, n)
	reflowed := 0
	for _, id := range unionIDs(o.Panels, n.Panels) {
		op, np := o.Panels[id], n.Panels[id]
		switch {
		case op == nil:
			out = append(out, Change{Kind: KindPanel, Name: panelName(prefix, np), Action: Added, Fields: panelSummary(np, false)})
		case np == nil:
			out = append(out, Change{Kind: KindPanel, Name: panelName(prefix, op), Action: Removed, Fields: panelSummary(op, true)})
		default:
			f := panelFields(op, np)
			if op.Pos != np.Pos {
				if moved[id] {
					out = append(out, Change{Kind: KindPanel, Name: panelName(prefix, np), Action: Moved, Fields: []Field{{Name: "position", Old: op.Pos.String(), New: np.Pos.String()}}})
				} else {
					reflowed++
				}
			}
			if len(f) > 0 {
				out = append(out, Change{Kind: KindPanel, Name: panelName(prefix, np), Action: Changed, Fields: f})
			}
		}
	}
	return out, reflowed
}

// panelSummary describes an added or removed panel: its type and queries.
func panelSummary(p *panel, old bool) []Field {
	f := []Field{{Name: "type", New: p.Type}}
	ts := targetsByRef(p.Targets)
	for _, ref := range sortedKeys(ts) {
		if q := targetExpr(ts[ref]); q != "" {
			f = append(f, Field{Name: queryLabel(ref, len(ts)), New: q})
		}
	}
	if old {
		return asOld(f)
	}
	return f
}

// queryLabel names a panel's query: "query" when the panel has one,
// else "query " and its refId.
func queryLabel(ref string, n int) string {
	if n == 1 {
		return "query"
	}
	return "query " + ref
}

func targetExpr(t map[string]any) string {
	s, _ := t["expr"].(string)
	if s == "" {
		return ""
	}
	return NormalizeExpr(s)
}

func refID(t map[string]any) string {
	s, _ := t["refId"].(string)
	return s
}

// panelFields lists what changed in a panel apart from its position:
// title, type, queries (normalised PromQL) and other settings.
func panelFields(o, n *panel) []Field {
	var f []Field
	if o.Title != n.Title {
		f = append(f, Field{Name: "title", Old: o.Title, New: n.Title})
	}
	if o.Type != n.Type {
		f = append(f, Field{Name: "type", Old: o.Type, New: n.Type})
	}
	ot, nt := targetsByRef(o.Targets), targetsByRef(n.Targets)
	for _, ref := range unionKeys(ot, nt) {
		a, b := ot[ref], nt[ref]
		label := queryLabel(ref, max(len(ot), len(nt)))
		if qa, qb := targetExpr(a), targetExpr(b); qa != qb {
			f = append(f, Field{Name: label, Old: qa, New: qb})
		}
		f = append(f, settingFields(label+" ", without(a, "expr", "refId"), without(b, "expr", "refId"))...)
	}
	return append(f, settingFields("", o.Rest, n.Rest)...)
}

// targetsByRef keys a panel's targets by refId (by position when a
// target has none).
func targetsByRef(ts []map[string]any) map[string]map[string]any {
	m := map[string]map[string]any{}
	for i, t := range ts {
		ref := refID(t)
		if ref == "" {
			ref = "#" + strconv.Itoa(i+1)
		}
		m[ref] = t
	}
	return m
}

func without(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// settingFields compares two JSON objects leaf by leaf, so a changed
// threshold inside a panel's fieldConfig reads as
// "fieldConfig.defaults.thresholds.steps.1.value: 0.999 → 0.995".
func settingFields(prefix string, o, n map[string]any) []Field {
	ol, nl := map[string]string{}, map[string]string{}
	for k, v := range o {
		flatten(join(prefix, k), v, ol)
	}
	for k, v := range n {
		flatten(join(prefix, k), v, nl)
	}
	return mapFields("", ol, nl)
}

// flatten records the leaves of a decoded JSON or YAML value by dotted
// path. Lists of scalars are one leaf (compact JSON); lists of objects
// are indexed from 0; an empty object has no leaves, as it means the
// same as an absent one.
func flatten(path string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			flatten(join(path, k), e, out)
		}
	case []any:
		scalars := true
		for _, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				scalars = false
			}
		}
		if scalars {
			out[path] = compactJSON(x)
			return
		}
		for i, e := range x {
			flatten(join(path, strconv.Itoa(i)), e, out)
		}
	default:
		out[path] = compactJSON(v)
		if v == nil {
			out[path] = "null"
		}
	}
}

func join(path, key string) string {
	if path == "" || strings.HasSuffix(path, " ") {
		return path + key
	}
	return path + "." + key
}

func compactJSON(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func unionIDs(a, b map[int64]*panel) []int64 {
	seen := map[int64]bool{}
	var ids []int64
	for _, m := range []map[int64]*panel{a, b} {
		for id := range m {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// movedPanels finds the panels present in both dashboards that a
// reviewer would call moved: those outside the longest common
// subsequence of the two reading orders (top to bottom, left to right),
// and those resized. Panels that keep their place in the reading order
// and their size, but whose coordinates changed because panels before
// them came or went, are not moved but reflowed.
func movedPanels(o, n *dashboard) map[int64]bool {
	var common []int64
	for id := range o.Panels {
		if n.Panels[id] != nil {
			common = append(common, id)
		}
	}
	order := func(d *dashboard) []int64 {
		ids := append([]int64(nil), common...)
		sort.Slice(ids, func(i, j int) bool {
			a, b := d.Panels[ids[i]].Pos, d.Panels[ids[j]].Pos
			if a.Y != b.Y {
				return a.Y < b.Y
			}
			if a.X != b.X {
				return a.X < b.X
			}
			return ids[i] < ids[j]
		})
		return ids
	}
	keep := lcs(order(o), order(n))
	moved := map[int64]bool{}
	for _, id := range common {
		op, np := o.Panels[id].Pos, n.Panels[id].Pos
		if !keep[id] || op.W != np.W || op.H != np.H {
			moved[id] = true
		}
	}
	return moved
}

// lcs returns the members of a longest common subsequence of a and b.
func lcs(a, b []int64) map[int64]bool {
	t := make([][]int, len(a)+1)
	for i := range t {
		t[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	out := map[int64]bool{}
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			out[a[i]] = true
			i++
			j++
		case t[i+1][j] >= t[i][j+1]:
			i++
		default:
			j++
		}
	}
	return out
}
