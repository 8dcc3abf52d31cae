package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Properties every implementation must have, over random inputs: zero
// distance for identical inputs, symmetry where the measure is symmetric,
// and invariance of the KS statistic under monotone transforms.
func TestProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		k := 2 + rng.IntN(12)
		a, b := make([]float64, k), make([]float64, k)
		for i := range a {
			a[i], b[i] = float64(1+rng.IntN(100)), float64(1+rng.IntN(100))
		}
		for name, f := range map[string]func(x, y []float64) (float64, error){
			"psi": PSI, "kl": KL, "jensen_shannon": JensenShannon, "hellinger": Hellinger,
		} {
			if v, err := f(a, a); err != nil || math.Abs(v) > 1e-12 {
				t.Fatalf("%s of identical counts = %v, %v; want 0", name, v, err)
			}
			if v, _ := f(a, b); v < 0 {
				t.Fatalf("%s = %v < 0", name, v)
			}
		}
		for name, f := range map[string]func(x, y []float64) (float64, error){
			"psi": PSI, "jensen_shannon": JensenShannon, "hellinger": Hellinger,
		} {
			ab, _ := f(a, b)
			ba, _ := f(b, a)
			if math.Abs(ab-ba) > 1e-12 {
				t.Fatalf("%s is not symmetric: %v vs %v", name, ab, ba)
			}
		}
		if st, p, _ := ChiSquare(a, a); math.Abs(st) > 1e-9 || math.Abs(p-1) > 1e-9 {
			t.Fatalf("chi-square of identical counts = %v, p %v", st, p)
		}

		n, m := 1+rng.IntN(60), 1+rng.IntN(60)
		x, y := make([]float64, n), make([]float64, m)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for i := range y {
			y[i] = rng.NormFloat64() + 0.5
		}
		ks, _ := KSStatistic(x, y)
		ks2, _ := KSStatistic(y, x)
		if ks != ks2 {
			t.Fatalf("KS is not symmetric: %v vs %v", ks, ks2)
		}
		ex, ey := make([]float64, n), make([]float64, m)
		for i := range x {
			ex[i] = math.Exp(x[i])
		}
		for i := range y {
			ey[i] = math.Exp(y[i])
		}
		if kse, _ := KSStatistic(ex, ey); kse != ks {
			t.Fatalf("KS changed under a monotone transform: %v vs %v", ks, kse)
		}
		if v, _ := KSStatistic(x, x); v != 0 {
			t.Fatalf("KS of identical samples = %v", v)
		}
		w, _ := Wasserstein1(x, y)
		w2, _ := Wasserstein1(y, x)
		if math.Abs(w-w2) > 1e-12 {
			t.Fatalf("Wasserstein is not symmetric: %v vs %v", w, w2)
		}
		if v, _ := Wasserstein1(x, x); v != 0 {
			t.Fatalf("Wasserstein of identical samples = %v", v)
		}
	}
}

// TestCounterMatchesSearch checks the branch-free counter against a plain
// binary search, including signed zeros, infinities and values on edges.
func TestCounterMatchesSearch(t *testing.T) {
	edges := []float64{-1, 0, 0, 2.5, 7}
	values := []float64{math.Copysign(0, -1), 0, -1, -1.0000001, 2.5, 7, 8, math.Inf(1), math.Inf(-1), 1, -5}
	check := func(edges []float64) {
		t.Helper()
		c := NewCounter(edges)
		c.Add(values)
		want := make([]float64, len(edges)+1)
		for _, x := range values {
			i := 0
			for i < len(edges) && edges[i] <= x {
				i++
			}
			want[i]++
		}
		for i := range want {
			if c.Counts[i] != want[i] {
				t.Fatalf("%d edges: counts %v, want %v", len(edges), c.Counts, want)
			}
		}
	}
	check(edges)
	// Many edges take the binary-search path; it must agree too.
	many := make([]float64, 40)
	for i := range many {
		many[i] = float64(i - 20)
	}
	check(many)
}
