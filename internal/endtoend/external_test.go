package endtoend

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/vigil-dev/vigil/internal/extserver"
	"github.com/vigil-dev/vigil/output"
)

// writeExample compiles an example into a fresh output directory.
func writeExample(t *testing.T, name string) string {
	t.Helper()
	return writeSpec(t, filepath.Join(examplesDir, name))
}

// writeSpec compiles a spec directory into a fresh output directory.
func writeSpec(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	files := compileExample(t, dir)
	delete(files, output.ManifestName) // Write makes its own
	if _, err := output.Write(context.Background(), out, files); err != nil {
		t.Fatal(err)
	}
	return out
}

// specDirs returns the spec directories of every example and test case,
// by test name (case-<name> for the cases).
func specDirs(t *testing.T) map[string]string {
	dirs := map[string]string{}
	for _, name := range examples(t) {
		dirs[name] = filepath.Join(examplesDir, name)
	}
	cases, _ := filepath.Glob("../../testdata/cases/*")
	for _, c := range cases {
		dirs["case-"+filepath.Base(c)] = filepath.Join(c, "input")
	}
	return dirs
}

// TestPromtool runs Prometheus's own promtool over every example's
// generated rules (`check rules`) and generated unit tests (`test rules`).
func TestPromtool(t *testing.T) {
	promtool := extserver.RequireBinary(t, "promtool", "prometheus")
	for name, dir := range specDirs(t) {
		t.Run(name, func(t *testing.T) {
			// promtool runs every generated case (seconds each, one core).
			t.Parallel()
			out := writeSpec(t, dir)
			rules, _ := filepath.Glob(filepath.Join(out, "prometheus", "*.rules.yaml"))
			if len(rules) == 0 {
				t.Fatal("no rule files generated")
			}
			for _, f := range rules {
				cmd := exec.Command(promtool, "check", "rules", f)
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("promtool check rules %s: %v\n%s", filepath.Base(f), err, b)
				}
			}
			tests, _ := filepath.Glob(filepath.Join(out, "prometheus", "tests", "*.test.yaml"))
			if len(tests) == 0 {
				t.Fatal("no promtool unit tests generated")
			}
			for _, f := range tests {
				cmd := exec.Command(promtool, "test", "rules", filepath.Base(f))
				cmd.Dir = filepath.Dir(f)
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("promtool test rules %s: %v\n%s", filepath.Base(f), err, b)
				}
			}
		})
	}
}
