// Package exampletest loads the repository's examples for tests.
package exampletest

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vigil-dev/vigil/compiler"
)

// Dir is the examples directory of this repository.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "examples")
}

// Load compiles every example, and every golden edge case under
// testdata/cases (named "case-<name>"), and returns their IR by name. It
// fails the test if one does not compile or fewer than three examples
// exist.
func Load(tb testing.TB) map[string]*compiler.Spec {
	tb.Helper()
	dirs, _ := filepath.Glob(filepath.Join(Dir(), "*"))
	out := map[string]*compiler.Spec{}
	for _, d := range dirs {
		spec, diags, err := compiler.Load(compiler.Source{Args: []string{d}})
		if err != nil || len(diags) > 0 {
			tb.Fatalf("%s: %v %v", d, err, diags)
		}
		out[filepath.Base(d)] = spec
	}
	if len(out) < 3 {
		tb.Fatalf("found %d examples, want at least 3", len(out))
	}
	// The golden edge cases (testdata/cases/<case>/input) too.
	cases, _ := filepath.Glob(filepath.Join(Dir(), "..", "testdata", "cases", "*", "input"))
	for _, c := range cases {
		spec, diags, err := compiler.Load(compiler.Source{Args: []string{c}})
		if err != nil || len(diags) > 0 {
			tb.Fatalf("%s: %v %v", c, err, diags)
		}
		out["case-"+filepath.Base(filepath.Dir(c))] = spec
	}
	return out
}
