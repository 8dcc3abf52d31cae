package compiler

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
// models made by a comprehension), where it has to fall back.
func TestParallelMatchesSequential(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra string
		split bool
	}{
		{"plain models", "", true},
		{"pattern defaults under models", `models: [string]: tier: "high"`, true},
		{"a model refers to another", `models: m001: description: models.m000.team`, false},
		{"models from a comprehension", `for i in [1, 2] {models: "gen\(i)": {team: "g", slos: up: {objective: 99, availability: {}}}}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeModels(t, 2*minParallelModels, tc.extra)
			l, d, err := loadDir(t, dir)
			if err != nil || len(d) > 0 {
				t.Fatal(err, d)
			}
			if parts := partitionInstance(l.inst, 2); (parts != nil) != tc.split {
				t.Fatalf("partitioned = %v, want %v", parts != nil, tc.split)
			}
			got, d, err := Load(Source{Args: []string{dir}})
			if err != nil || len(d) > 0 {
				t.Fatal(err, d)
			}
			if diff := cmp.Diff(irJSON(t, sequential(t, dir)), irJSON(t, got)); diff != "" {
				t.Fatalf("parallel and sequential IR differ:\n%s", diff)
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
