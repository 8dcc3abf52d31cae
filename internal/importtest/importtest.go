// Package importtest is test support for the importers: it writes an
// import's files to a directory and loads (vets) and compiles them as
// `vigil vet` and `vigil compile` would.
package importtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/targets"
)

// Write writes files under a new temporary directory and returns it.
func Write(t testing.TB, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for p, b := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Vet loads the files as one spec and fails the test on any diagnostic.
func Vet(t testing.TB, files map[string][]byte) *compiler.Spec {
	t.Helper()
	dir := Write(t, files)
	spec, diags, err := compiler.Load(compiler.Source{Args: []string{dir}})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if len(diags) > 0 {
		for p, b := range files {
			t.Logf("%s:\n%s", p, b)
		}
		t.Fatalf("vet of the imported spec:\n%v", diags)
	}
	return spec
}

// Compile vets the files and generates every default target's
// artifacts, failing the test on any error.
func Compile(t testing.TB, files map[string][]byte) (*compiler.Spec, map[string][]byte) {
	t.Helper()
	spec := Vet(t, files)
	sel, err := targets.Select(nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := compiler.Generate(spec, sel)
	if err != nil {
		t.Fatalf("compile of the imported spec: %v", err)
	}
	return spec, out
}
