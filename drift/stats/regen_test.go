package stats

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
)

const (
	// python is Debian's interpreter, with python3-scipy.
	python       = "/usr/bin/python3"
	fixturesPath = "../../testdata/drift/fixtures.json"
	generator    = "../../testdata/drift/gen_fixtures.py"
)

// requireSciPy skips the test when python3-scipy is missing, or fails it
// under CI (CI=true), which must install it.
func requireSciPy(t *testing.T) {
	t.Helper()
	if err := exec.Command(python, "-I", "-c", "import scipy, numpy").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3-scipy is not installed; CI must install it (apt-get install -y python3-scipy): %v", err)
		}
		t.Skipf("python3-scipy not available (%v); install it with `apt-get install -y python3-scipy`", err)
	}
}

// runPython runs Debian's python3 in isolated mode (-I: no PYTHON*
// variables, no user site-packages, so the system's NumPy and SciPy) with
// extra environment variables, and returns its standard output.
func runPython(env []string, args ...string) ([]byte, error) {
	cmd := exec.Command(python, append([]string{"-I"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		err = fmt.Errorf("%s %s: %w\n%s", python, strings.Join(args, " "), err, ee.Stderr)
	}
	return out, err
}

// defaultFixtures runs the generator once per test binary with NumPy as it
// comes; both tests below use its output.
var defaultFixtures = sync.OnceValues(func() ([]byte, error) {
	return runPython(nil, generator)
})

// checkRegenerated compares regenerated fixtures with the committed file
// (compareFixtures) and reports every value that moved beyond tolerance.
func checkRegenerated(t *testing.T, run string, regenerated []byte) {
	t.Helper()
	committed, err := os.ReadFile(fixturesPath)
	if err != nil {
		t.Fatal(err)
	}
	c, err := compareFixtures(regenerated, committed)
	if err != nil {
		t.Fatalf("gen_fixtures.py with %s: %v", run, err)
	}
	const shown = 100
	if n := len(c.Failures); n > 0 {
		msg := strings.Join(c.Failures[:min(n, shown)], "\n")
		if n > shown {
			msg += fmt.Sprintf("\n… and %d more", n-shown)
		}
		t.Errorf("gen_fixtures.py with %s disagrees with testdata/drift/fixtures.json in %d places beyond tolerance; if SciPy's results really changed, regenerate the file and review the diff:\n%s", run, n, msg)
	}
	logMoved(t, run+" against the committed file", c.Moved)
}

// logMoved logs how many values moved within tolerance, and the five that
// moved most relative to their value.
func logMoved(t *testing.T, what string, moved []movedValue) {
	t.Helper()
	t.Logf("%s: %d values moved within tolerance", what, len(moved))
	moved = slices.SortedFunc(slices.Values(moved), func(a, b movedValue) int { return cmp.Compare(b.Rel, a.Rel) })
	for _, m := range moved[:min(len(moved), 5)] {
		t.Logf("  %s", m.Text)
	}
}

// TestFixturesMatchSciPy re-runs testdata/drift/gen_fixtures.py with
// Debian's python3-scipy and compares its output with the committed
// testdata/drift/fixtures.json, so the reference values cannot drift from
// what SciPy computes. SciPy's results depend on the CPU in their last
// digits (NumPy picks SIMD code paths at run time), so the comparison is
// structural, not byte for byte: the same sections, cases in the same
// order with the same names, the same keys; integers, counts, bin counts
// and generator specs (seeds, sizes) equal; p-values (pvalue,
// chi_square_p, kstwo's sf) within 1e-6 relative or 1e-14 absolute; every
// other float (statistics, distances, Bessel values, quantile edges and
// generated inputs such as np.logspace's) within 1e-9 relative, an exact
// zero staying zero. Every value beyond tolerance is reported with its
// JSON path and case name. Without SciPy it skips, except under CI
// (CI=true), where it fails.
func TestFixturesMatchSciPy(t *testing.T) {
	requireSciPy(t)
	t.Parallel()
	out, err := defaultFixtures()
	if err != nil {
		t.Fatal(err)
	}
	checkRegenerated(t, "default NumPy", out)
}

// numpyCPUProbe prints the SIMD features NumPy dispatches on that this CPU
// has (NumPy refuses to disable any other).
const numpyCPUProbe = `
try:
    from numpy._core import _multiarray_umath as m
except ImportError:
    from numpy.core import _multiarray_umath as m
print(" ".join(f for f in m.__cpu_dispatch__ if m.__cpu_features__.get(f)))
`

// TestFixturesMatchSciPyWithoutSIMD runs the generator with every SIMD
// feature NumPy dispatches on disabled (NPY_DISABLE_CPU_FEATURES), as on
// an older or different CPU, and requires the same tolerant agreement with
// the committed fixtures as TestFixturesMatchSciPy. Whether the output
// differs byte for byte from the default run depends on the CPU, so it is
// logged, not asserted. It runs alongside TestFixturesMatchSciPy.
func TestFixturesMatchSciPyWithoutSIMD(t *testing.T) {
	requireSciPy(t)
	t.Parallel()
	probe, err := runPython(nil, "-c", numpyCPUProbe)
	if err != nil {
		t.Fatalf("listing NumPy's dispatched CPU features: %v", err)
	}
	features := strings.Fields(string(probe))
	if len(features) == 0 {
		t.Skip("NumPy dispatches no SIMD feature on this CPU; there is nothing to disable")
	}
	env := []string{"NPY_DISABLE_CPU_FEATURES=" + strings.Join(features, " ")}
	t.Logf("NPY_DISABLE_CPU_FEATURES=%q", strings.Join(features, " "))

	type result struct {
		out []byte
		err error
	}
	perturbed := make(chan result, 1)
	go func() {
		out, err := runPython(env, generator)
		perturbed <- result{out, err}
	}()
	// The probe again under the variable: NumPy must report them all off,
	// or the run below perturbs nothing.
	after, err := runPython(env, "-c", numpyCPUProbe)
	if err != nil {
		t.Fatalf("NumPy with NPY_DISABLE_CPU_FEATURES: %v", err)
	}
	if left := strings.TrimSpace(string(after)); left != "" {
		t.Fatalf("NPY_DISABLE_CPU_FEATURES left %s enabled", left)
	}
	def, defErr := defaultFixtures()
	r := <-perturbed
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkRegenerated(t, "NumPy without SIMD", r.out)
	switch {
	case defErr != nil:
		t.Logf("no default run to compare with: %v", defErr)
	case bytes.Equal(def, r.out):
		t.Log("the output without SIMD equals the default run's byte for byte on this CPU")
	default:
		c, err := compareFixtures(r.out, def)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("the output without SIMD differs from the default run's on this CPU (%d values beyond tolerance of each other)", len(c.Failures))
		logMoved(t, "NumPy without SIMD against default NumPy", c.Moved)
	}
}
