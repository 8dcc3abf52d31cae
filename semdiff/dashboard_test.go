package semdiff

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testPanel is a panel for building dashboard JSON in tests.
type testPanel struct {
	ID      int64            `json:"id"`
	Type    string           `json:"type"`
	Title   string           `json:"title"`
	GridPos gridPos          `json:"gridPos"`
	Targets []map[string]any `json:"targets,omitempty"`
	Unit    string           `json:"unit,omitempty"`
}

func dash(t *testing.T, panels ...testPanel) *dashboard {
	t.Helper()
	b, err := json.Marshal(map[string]any{"title": "d", "panels": panels})
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseDashboard("d.json", b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func p(id int64, title string, x, y int, expr string) testPanel {
	return testPanel{ID: id, Type: "timeseries", Title: title, GridPos: gridPos{H: 8, W: 8, X: x, Y: y},
		Targets: []map[string]any{{"refId": "A", "expr": expr}}}
}

func TestPanelRetitleIsNotAMove(t *testing.T) {
	o := dash(t, p(1, "Requests", 0, 0, "sum(rate(x[5m]))"), p(2, "Errors", 8, 0, "e"))
	n := dash(t, p(1, "Requests per second", 0, 0, "sum(rate(x[5m]))"), p(2, "Errors", 8, 0, "e"))
	got, reflowed := compareDashboards("", o, n)
	want := []Change{{Kind: KindPanel, Name: "Requests per second", Action: Changed, Fields: []Field{{Name: "title", Old: "Requests", New: "Requests per second"}}}}
	if d := cmp.Diff(want, got); d != "" || reflowed != 0 {
		t.Errorf("retitle (-want +got):\n%s\nreflowed %d", d, reflowed)
	}
}

func TestPanelMoveVersusReflow(t *testing.T) {
	// Base: A B C in a row, D below. Head: A removed (B and C shift left,
	// keeping their order: reflow), D moved above B.
	o := dash(t, p(1, "A", 0, 0, "a"), p(2, "B", 8, 0, "b"), p(3, "C", 16, 0, "c"), p(4, "D", 0, 8, "d"))
	n := dash(t, p(4, "D", 0, 0, "d"), p(2, "B", 8, 0, "b"), p(3, "C", 16, 0, "c"))
	got, reflowed := compareDashboards("", o, n)
	want := []Change{
		{Kind: KindPanel, Name: "A", Action: Removed, Fields: []Field{{Name: "type", Old: "timeseries"}, {Name: "query", Old: "a"}}},
		{Kind: KindPanel, Name: "D", Action: Moved, Fields: []Field{{Name: "position", Old: "x=0 y=8 w=8 h=8", New: "x=0 y=0 w=8 h=8"}}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// B and C kept their positions here; shift them and they reflow.
	n = dash(t, p(2, "B", 0, 0, "b"), p(3, "C", 8, 0, "c"), p(4, "D", 0, 8, "d"))
	got, reflowed = compareDashboards("", o, n)
	if len(got) != 1 || got[0].Name != "A" || reflowed != 2 {
		t.Errorf("reflow: got %+v, reflowed %d; want only A removed and 2 reflowed", got, reflowed)
	}
}

func TestPanelResizeIsAMove(t *testing.T) {
	o := dash(t, p(1, "A", 0, 0, "a"))
	wide := p(1, "A", 0, 0, "a")
	wide.GridPos.W = 24
	got, _ := compareDashboards("", o, dash(t, wide))
	if len(got) != 1 || got[0].Action != Moved {
		t.Errorf("resize: got %+v, want one move", got)
	}
}

func TestPanelQueryAndSettings(t *testing.T) {
	a := p(1, "A", 0, 0, "sum(rate(x[5m]))")
	b := p(1, "A", 0, 0, "sum  (\n rate(x[5m]))")
	if got, _ := compareDashboards("", dash(t, a), dash(t, b)); len(got) != 0 {
		t.Errorf("reformatted query reported: %+v", got)
	}
	c := p(1, "A", 0, 0, "sum(rate(x[1h]))")
	c.Unit = "s"
	got, _ := compareDashboards("", dash(t, a), dash(t, c))
	want := []Change{{Kind: KindPanel, Name: "A", Action: Changed, Fields: []Field{
		{Name: "query", Old: "sum(rate(x[5m]))", New: "sum(rate(x[1h]))"},
		{Name: "unit", New: "s"},
	}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestFlattenNested(t *testing.T) {
	var o, n map[string]any
	json.Unmarshal([]byte(`{"fieldConfig":{"defaults":{"thresholds":{"steps":[{"value":null},{"value":0.999}]}}},"tags":["a","b"]}`), &o)
	json.Unmarshal([]byte(`{"fieldConfig":{"defaults":{"thresholds":{"steps":[{"value":null},{"value":0.995}]}}},"tags":["a","c"]}`), &n)
	want := []Field{
		{Name: "fieldConfig.defaults.thresholds.steps.1.value", Old: "0.999", New: "0.995"},
		{Name: "tags", Old: `["a","b"]`, New: `["a","c"]`},
	}
	if d := cmp.Diff(want, settingFields("", o, n)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
