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

// Load compiles every example and returns its IR by example name. It
// fails the test if an example does not compile or fewer than three exist.
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
	return out
}
