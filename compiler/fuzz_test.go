package compiler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader as a CUE file and as a YAML
// file. Whatever the input, Load must not panic, and every diagnostic it
// returns must carry a message and a line in the user's file; a spec
// without diagnostics must yield an IR. The examples and the bad-input corpus are the seed corpus; crashers
// found by `go test -fuzz=FuzzLoad -fuzzminimizetime=10x ./compiler` are
// committed under testdata/fuzz/FuzzLoad and replayed by plain `go test`.
// (Without a small -fuzzminimizetime the fuzzer spends its time
// minimizing inputs whose coverage merely varies between runs.)
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{
		"../examples/*/*.cue",
		"../testdata/errors/*/*.cue",
		"../testdata/errors/*/*.yaml",
	} {
		matches, _ := filepath.Glob(pattern)
		for _, m := range matches {
			b, err := os.ReadFile(m)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(string(b), strings.HasSuffix(m, ".yaml"))
		}
	}
	f.Add("", false)
	f.Add("models: m: {team: \"t\", slos: up: {objective: 99, availability: {}}}", false)
	f.Fuzz(func(t *testing.T, src string, asYAML bool) {
		dir := t.TempDir()
		name := "spec.cue"
		if asYAML {
			name = "spec.yaml"
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		spec, diags, err := Load(Source{Args: []string{name}, Dir: dir})
		if err != nil {
			return // not a spec problem (e.g. unsupported input), fine
		}
		for _, d := range diags {
			if d.Message == "" {
				t.Fatalf("diagnostic without message: %+v", d)
			}
			if d.Pos.File == "" || d.Pos.Line < 1 {
				t.Fatalf("diagnostic without a line: %+v", d)
			}
			if isSchemaFile(d.Pos.File) {
				t.Fatalf("diagnostic positioned in the schema: %+v", d)
			}
		}
		if len(diags) == 0 && spec == nil {
			t.Fatal("no diagnostics and no spec")
		}
	})
}
