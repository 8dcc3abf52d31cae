package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRadixSorted compares the radix sort with slices.Sort on values with
// both signs, signed zeros, infinities, subnormals and many duplicates.
func TestRadixSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	x := make([]float64, 3*radixMin)
	special := []float64{math.Copysign(0, -1), 0, math.Inf(1), math.Inf(-1), 5e-324, -5e-324, math.MaxFloat64, -math.MaxFloat64, 1, -1}
	for i := range x {
		switch i % 4 {
		case 0:
			x[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(40)-20))
		case 1:
			x[i] = float64(rng.IntN(7) - 3)
		case 2:
			x[i] = special[rng.IntN(len(special))]
		default:
			x[i] = -rng.ExpFloat64()
		}
	}
	orig := slices.Clone(x)
	got := radixSorted(x)
	want := slices.Clone(x)
	slices.Sort(want)
	if !slices.Equal(x, orig) {
		t.Fatal("radixSorted modified its input")
	}
	for i := range got {
		// -0 and +0 are equal floats; the radix sort orders -0 first.
		if got[i] != want[i] {
			t.Fatalf("index %d: %v, slices.Sort has %v", i, got[i], want[i])
		}
		if i > 0 && got[i] == 0 && got[i-1] == 0 && math.Signbit(got[i]) && !math.Signbit(got[i-1]) {
			t.Fatalf("index %d: -0 after +0", i)
		}
	}
	a, b := sortedPair(x, orig[:len(orig)/3])
	if !slices.IsSorted(a) || !slices.IsSorted(b) || len(a) != len(x) || len(b) != len(orig)/3 {
		t.Fatal("sortedPair did not sort both samples")
	}
}
