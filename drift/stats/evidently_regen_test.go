package stats

import (
	"os"
	"strings"
	"testing"
)

// TestEvidentlyFixturesMatchReference re-runs
// testdata/drift/evidently_reference.py (Evidently's default tests written
// with NumPy and SciPy from Evidently's source) with Debian's
// python3-scipy and compares its output with the committed
// testdata/drift/evidently_fixtures.json, with the tolerances of
// TestFixturesMatchSciPy (compareFixtures): p-values 1e-6 relative or
// 1e-14 absolute, other floats 1e-9 relative, everything else equal.
// drift/evidently_test.go checks the evaluator against the committed
// file. Without SciPy it skips, except under CI (CI=true), where it
// fails.
func TestEvidentlyFixturesMatchReference(t *testing.T) {
	requireSciPy(t)
	t.Parallel()
	out, err := runPython(nil, "../../testdata/drift/evidently_reference.py")
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../../testdata/drift/evidently_fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := compareFixtures(out, committed)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Failures); n > 0 {
		t.Errorf("evidently_reference.py disagrees with testdata/drift/evidently_fixtures.json in %d places beyond tolerance; if the reference really changed, regenerate the file and review the diff:\n%s", n, strings.Join(c.Failures[:min(n, 100)], "\n"))
	}
	logMoved(t, "evidently_reference.py against the committed file", c.Moved)
}
