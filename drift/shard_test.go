package drift

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestShardExporterLabelsEverySeries checks that a shard's exporter
// adds shard="i" to every series, feature-level and model-level alike,
// and changes nothing else.
func TestShardExporterLabelsEverySeries(t *testing.T) {
	c := testConfig(feature("x", "numeric", "psi"))
	plain := newExporter(t, c)
	shard, err := NewShardExporter(c, 2)
	if err != nil {
		t.Fatal(err)
	}
	rep := report(time.Unix(1000, 0), Result{Feature: "x", Method: "psi", Score: 0.5, Threshold: 0.2, Detected: true, RefRows: 10, CurRows: 8})
	plain.Update(rep)
	shard.Update(rep)
	want := map[string]float64{}
	for k, v := range gather(t, plain) {
		if strings.Contains(k, "shard=") {
			t.Fatalf("an unsharded series has a shard label: %s", k)
		}
		// promsamples sorts labels by name (no value here holds a
		// comma).
		name, labels, _ := strings.Cut(strings.TrimSuffix(k, "}"), "{")
		ls := append(strings.Split(labels, ","), `shard="2"`)
		slices.Sort(ls)
		want[name+"{"+strings.Join(ls, ",")+"}"] = v
	}
	got := gather(t, shard)
	if len(got) != len(want) || len(got) < 10 {
		t.Fatalf("shard exporter: %d series, unsharded %d", len(got), len(want))
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s: got %v (present %t), want %v", k, g, ok, v)
		}
	}
}

func TestShardExporterRejectsShardAsConfiguredLabel(t *testing.T) {
	c := testConfig(feature("x", "numeric", "psi"))
	c.Metrics.ModelLabels = []string{"shard"}
	if _, err := NewShardExporter(c, 0); err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("model label shard: %v", err)
	}
}

// TestShardStateBelongsToItsShard checks that a shard's state file is
// refused by another shard and by an unsharded run, and the reverse.
func TestShardStateBelongsToItsShard(t *testing.T) {
	dir := t.TempDir()
	c := testConfig(feature("x", "numeric", "psi"))
	e, err := NewShardExporter(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	e.Update(report(time.Unix(1000, 0), Result{Feature: "x", Method: "psi", Score: 0.5, Threshold: 0.2, Detected: true}))
	path := filepath.Join(dir, "s1.json")
	if err := SaveState(path, e.State()); err != nil {
		t.Fatal(err)
	}
	if s, err := LoadShardState(path, "m", "1"); err != nil || s.Consecutive["x/psi"] != 1 || s.Shard != "1" {
		t.Errorf("own state: %+v, %v", s, err)
	}
	if _, err := LoadShardState(path, "m", "0"); err == nil || !strings.Contains(err.Error(), "state of shard 1, not shard 0") {
		t.Errorf("another shard's state: %v", err)
	}
	if _, err := LoadState(path, "m"); err == nil || !strings.Contains(err.Error(), "not an unsharded evaluation") {
		t.Errorf("a shard's state in an unsharded run: %v", err)
	}
	plain := filepath.Join(dir, "plain.json")
	if err := SaveState(plain, newExporter(t, c).State()); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadShardState(plain, "m", "0"); err == nil || !strings.Contains(err.Error(), "state of an unsharded evaluation, not shard 0") {
		t.Errorf("an unsharded state in shard 0: %v", err)
	}
	// Restore keeps the exporter's shard whatever the state says.
	e.Restore(State{Model: "m"})
	if e.State().Shard != "1" {
		t.Errorf("after Restore the state's shard is %q", e.State().Shard)
	}
}
