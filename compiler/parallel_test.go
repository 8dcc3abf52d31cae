package compiler

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/diag"
)

// sequential evaluates a spec without partitions, for comparison.
// loadDir resolves and loads a spec directory's instance.
func loadDir(t *testing.T, dir string) (*loaded, diag.List, error) {
	t.Helper()
	d, args, err := resolveArgs(Source{Args: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	return loadInstance(d, args)
}

func sequential(t *testing.T, dir string) *Spec {
	t.Helper()
	l, d, err := loadDir(t, dir)
	if err != nil || len(d) > 0 {
		t.Fatal(err, d)
	}
	spec, d, err := evaluateInstance(l)
	if err != nil || len(d) > 0 {
		t.Fatal(err, d)
	}
	return spec
}

func irJSON(t *testing.T, s *Spec) string {
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeModels(t *testing.T, n int, extra string) string {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("package x\n\n" + extra + "\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "models: \"m%03d\": {team: \"t%d\", slos: up: {objective: 99.%d, availability: {}}}\n", i, i%3, i%10)
	}
	if err := os.WriteFile(filepath.Join(dir, "spec.cue"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestParallelMatchesSequential checks that the partitioned evaluation
// yields exactly the IR of the sequential one, including when the spec
// uses shapes the partitioner must not split (references to models,
// models made by a comprehension), where it has to fall back. Load splits
// into GOMAXPROCS partitions, so on a one-CPU machine it would never
// partition: the partition counts are set here, not taken from the
// machine.
func TestParallelMatchesSequential(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, tc := range []struct {
		name  string
		extra string
		split bool
		// merge: the partitions account for every model (otherwise
		// loadParallel must fall back to the sequential path).
		merge bool
	}{
		{"plain models", "", true, true},
		{"pattern defaults under models", `models: [string]: tier: "high"`, true, true},
		{"a model refers to another", `models: m001: description: models.m000.team`, false, false},
		// Every partition makes the comprehension's models.
		{"models from a comprehension", `for i in [1, 2] {models: "gen\(i)": {team: "g", slos: up: {objective: 99, availability: {}}}}`, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeModels(t, 2*minParallelModels, tc.extra)
			l, d, err := loadDir(t, dir)
			if err != nil || len(d) > 0 {
				t.Fatal(err, d)
			}
			seq := irJSON(t, sequential(t, dir))
			for _, n := range []int{2, 3, 7} {
				parts := partitionInstance(l.inst, n)
				if (parts != nil) != tc.split {
					t.Fatalf("%d partitions: partitioned = %v, want %v", n, parts != nil, tc.split)
				}
				if parts == nil {
					continue
				}
				if len(parts) != n {
					t.Fatalf("asked for %d partitions, got %d", n, len(parts))
				}
				spec, ok := loadParallel(l, parts)
				if ok != tc.merge {
					t.Fatalf("%d partitions: loadParallel merged = %v, want %v", n, ok, tc.merge)
				}
				if !ok {
					continue
				}
				if diff := cmp.Diff(seq, irJSON(t, spec)); diff != "" {
					t.Fatalf("%d partitions: parallel and sequential IR differ:\n%s", n, diff)
				}
			}
			got, d, err := Load(Source{Args: []string{dir}})
			if err != nil || len(d) > 0 {
				t.Fatal(err, d)
			}
			if diff := cmp.Diff(seq, irJSON(t, got)); diff != "" {
				t.Fatalf("Load and sequential IR differ:\n%s", diff)
			}
			want := 2 * minParallelModels
			if strings.Contains(tc.extra, "for i") {
				want += 2
			}
			if len(got.Models) != want {
				t.Fatalf("got %d models, want %d", len(got.Models), want)
			}
		})
	}
}
