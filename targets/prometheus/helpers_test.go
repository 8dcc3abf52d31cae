package prometheus_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// loadSpec compiles a one-file CUE spec and fails the test on any error.
func loadSpec(t testing.TB, src string) *compiler.Spec {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "spec.cue"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, diags, err := compiler.Load(compiler.Source{Args: []string{"spec.cue"}, Dir: dir})
	if err != nil || len(diags) > 0 {
		t.Fatalf("spec does not compile: %v %v", err, diags)
	}
	return spec
}

// runPromtool writes m.rules.yaml and the given test files (named
// relative to its tests/ directory, from which they read
// ../m.rules.yaml) into a temporary directory and runs `promtool test
// rules` on the test files. It skips when promtool is missing, and fails
// instead under CI=true.
func runPromtool(t *testing.T, rules []byte, tests map[string][]byte) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not found on PATH; CI must install it (apt-get install -y prometheus)")
		}
		t.Skip("promtool not found on PATH; install it with `apt-get install -y prometheus` to run the cases")
	}
	out := t.TempDir()
	if err := os.MkdirAll(filepath.Join(out, "tests"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "m.rules.yaml"), rules, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"test", "rules"}
	for name, b := range tests {
		if err := os.WriteFile(filepath.Join(out, "tests", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, name)
	}
	cmd := exec.Command(promtool, args...)
	cmd.Dir = filepath.Join(out, "tests")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, b)
	}
}

// generatedTests compiles a one-file CUE spec and returns its only
// model's rule file and generated promtool unit tests.
func generatedTests(t testing.TB, src string) (spec *compiler.Spec, m *compiler.Model, rules, tests []byte) {
	t.Helper()
	spec = loadSpec(t, src)
	m = spec.Models[0]
	rules, err := prometheus.Render(prometheus.Groups(spec, m))
	if err != nil {
		t.Fatal(err)
	}
	if tests, err = prometheus.UnitTests(spec, m); err != nil {
		t.Fatal(err)
	}
	return spec, m, rules, tests
}
