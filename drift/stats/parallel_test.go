package stats

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// withProcs runs f with GOMAXPROCS set to procs (the parallel paths of
// ksSorted and smirnovSF split their work by GOMAXPROCS, whatever the
// machine's core count).
func withProcs(t *testing.T, procs int, f func()) {
	t.Helper()
	old := runtime.GOMAXPROCS(procs)
	defer runtime.GOMAXPROCS(old)
	f()
}

// TestSmirnovParallelSumIsTheSerialSum checks that the Smirnov sum formed
// on several goroutines gives the one-goroutine result, for sums long
// enough to take the parallel path: stopping early (large x), running to
// the end (small x, the 1M x 1M KS test's case), and sizes that are not a
// multiple of the block. The terms are the same operations in the same
// order, so the results are expected equal; the tolerance of 4 ulps only
// allows for a compiler fusing a multiply-add differently in the two
// call sites.
func TestSmirnovParallelSumIsTheSerialSum(t *testing.T) {
	cases := []struct {
		n int
		x float64
	}{
		{500000, 0.004462},
		{500000, 0.003},
		{500000, 0.02},
		{200003, 0.0061},
		{99991, 0.011},
		{100000, 0.05},
		{50000, 0.08},
		{smirnovParallelMin + 5, 0.0125},
	}
	for _, c := range cases {
		var serial, parallel float64
		withProcs(t, 1, func() { serial = smirnovSF(c.n, c.x) })
		for _, procs := range []int{2, 3, 8} {
			withProcs(t, procs, func() { parallel = smirnovSF(c.n, c.x) })
			if serial <= 0 || serial >= 1 {
				t.Fatalf("n=%d x=%g: smirnovSF = %g, want a probability strictly inside (0, 1) for this case", c.n, c.x, serial)
			}
			if math.Abs(parallel-serial) > 4*ulp(serial) {
				t.Errorf("n=%d x=%g GOMAXPROCS=%d: parallel %.17g, serial %.17g", c.n, c.x, procs, parallel, serial)
			}
		}
	}
}

func ulp(x float64) float64 { return math.Nextafter(x, math.Inf(1)) - x }

// TestKSSortedSplitIsTheSinglePass checks that the KS statistic merged in
// ranges on several goroutines is the single pass's, on samples with many
// ties (values on a coarse grid, so split points fall inside runs of equal
// values), without ties, and of very different sizes.
func TestKSSortedSplitIsTheSinglePass(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sample := func(n int, grid float64, shift float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			v := rng.NormFloat64() + shift
			if grid > 0 {
				v = math.Round(v/grid) * grid
			}
			x[i] = v
		}
		slices.Sort(x)
		return x
	}
	cases := []struct {
		name string
		a, b []float64
	}{
		{"ties", sample(60000, 0.25, 0), sample(50000, 0.25, 0.05)},
		{"few values", sample(70000, 2, 0), sample(70000, 2, 0.3)},
		{"continuous", sample(80000, 0, 0), sample(90000, 0, 0.01)},
		{"unequal sizes", sample(ksParallelMin, 0.001, 0), sample(300, 0.001, 0.2)},
		{"one value", slices.Repeat([]float64{1.5}, 40000), slices.Repeat([]float64{1.5}, 40000)},
	}
	for _, c := range cases {
		want := ksMaxDiff(c.a, c.b, 0, 0, float64(len(c.a)), float64(len(c.b)))
		for _, procs := range []int{2, 3, 7} {
			var got float64
			withProcs(t, procs, func() { got = ksSorted(c.a, c.b) })
			if got != want {
				t.Errorf("%s, GOMAXPROCS=%d: split merge %.17g, single pass %.17g", c.name, procs, got, want)
			}
		}
	}
}
