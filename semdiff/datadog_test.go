package semdiff

import (
	"testing"
)

// TestCompareDatadog keys objects by vigil-id (dashboards by their
// description's marker), lists changed JSON paths, compares tags as sets
// and ignores reordering of objects in a file.
func TestCompareDatadog(t *testing.T) {
	base := map[string][]byte{
		"datadog/monitors/m.json": []byte(`[
			{"name":"a","query":"q > 1","tags":["vigil-id:monitor/m/a","x:1"],"options":{"thresholds":{"critical":1}}},
			{"name":"b","query":"q","tags":["vigil-id:monitor/m/b"]}]`),
		"datadog/dashboards/m.json": []byte(`{"title":"T","description":"d\n\nmanaged-by:vigil vigil-spec:s vigil-id:dashboard/m","widgets":[]}`),
	}
	head := map[string][]byte{
		"datadog/monitors/m.json": []byte(`[
			{"name":"c","query":"q","tags":["vigil-id:monitor/m/c"]},
			{"name":"a","query":"q > 2","tags":["x:1","vigil-id:monitor/m/a"],"options":{"thresholds":{"critical":2}}}]`),
		"datadog/dashboards/m.json": []byte(`{"title":"T","description":"d\n\nmanaged-by:vigil vigil-spec:s vigil-id:dashboard/m","widgets":[]}`),
	}
	covered := map[string]bool{}
	got, err := compareDatadog(base, head, covered, ddPaths("m")...)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name   string
		action Action
		fields []string
	}{
		{"monitor/m/a", Changed, []string{"options.thresholds.critical", "query"}},
		{"monitor/m/b", Removed, []string{"name", "query"}},
		{"monitor/m/c", Added, []string{"name", "query"}},
	}
	if len(got) != len(want) {
		t.Fatalf("changes %+v, want %d", got, len(want))
	}
	for i, w := range want {
		c := got[i]
		if c.Kind != KindDatadog || c.Name != w.name || c.Action != w.action || len(c.Fields) != len(w.fields) {
			t.Errorf("change %d: %+v, want %s %s %v", i, c, w.name, w.action, w.fields)
			continue
		}
		for j, f := range w.fields {
			if c.Fields[j].Name != f {
				t.Errorf("change %d field %d: %s, want %s", i, j, c.Fields[j].Name, f)
			}
		}
	}
	if got[0].Fields[1].Old != "q > 1" || got[0].Fields[1].New != "q > 2" {
		t.Errorf("query field %+v", got[0].Fields[1])
	}
	for _, p := range ddPaths("m") {
		if !covered[p] {
			t.Errorf("%s not marked covered", p)
		}
	}
}
