package stats

import (
	"errors"
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

// TestSampleTestProperties checks KS, Cramér-von Mises and Anderson-Darling
// over random samples: identical samples give KS D = 0 and p = 1 and no
// evidence of drift from the other two (CvM p = 1 exactly where SciPy's
// tn < 0.003 shortcut or the exact path applies, AD at its 0.25 cap);
// the statistics are invariant under strictly increasing transforms
// (they depend on ranks only) and symmetric in the two samples.
func TestSampleTestProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 100; trial++ {
		n, m := 2+rng.IntN(60), 2+rng.IntN(60)
		if trial%10 == 0 { // the asymptotic KS path
			n, m = 10001+rng.IntN(50), 2+rng.IntN(300)
		}
		x, y := make([]float64, n), make([]float64, m)
		for i := range x {
			x[i] = math.Round(rng.NormFloat64()*20) / 10 // ties
		}
		for i := range y {
			y[i] = math.Round((rng.NormFloat64()+0.3)*20) / 10
		}
		if d, p, err := KS(x, x); err != nil || d != 0 || p != 1 {
			t.Fatalf("KS of identical samples = %v, p %v, %v", d, p, err)
		}
		if st, p, err := CramerVonMises(x, x); err != nil || p < 0.9 || st > 0.1 {
			t.Fatalf("CvM of identical samples (n=%d) = %v, p %v, %v", n, st, p, err)
		}
		if st, p, err := AndersonDarling(x, x); err == nil && (st > 0 || p != AndersonDarlingMaxP) {
			t.Fatalf("AD of identical samples (n=%d) = %v, p %v", n, st, p)
		}

		for name, f := range map[string]func(a, b []float64) (float64, float64, error){
			"ks": KS, "cramer_von_mises": CramerVonMises, "anderson_darling": AndersonDarling,
		} {
			st, p, err := f(x, y)
			if errors.Is(err, ErrConstant) {
				continue
			}
			if err != nil || math.IsNaN(st) || math.IsNaN(p) || p < 0 || p > 1 {
				t.Fatalf("%s(%d, %d) = %v, p %v, %v", name, n, m, st, p, err)
			}
			for tname, tr := range map[string]func(float64) float64{
				"exp":  math.Exp,
				"3x+7": func(v float64) float64 { return 3*v + 7 },
				"x^3":  func(v float64) float64 { return v * v * v },
			} {
				tx, ty := make([]float64, n), make([]float64, m)
				for i := range x {
					tx[i] = tr(x[i])
				}
				for i := range y {
					ty[i] = tr(y[i])
				}
				st2, p2, _ := f(tx, ty)
				if st2 != st || p2 != p {
					t.Fatalf("%s changed under %s: %v, p %v -> %v, p %v", name, tname, st, p, st2, p2)
				}
			}
			if name == "anderson_darling" {
				continue // AD weighs each sample by 1/n_i: symmetric too, but not bit for bit
			}
			st2, p2, _ := f(y, x)
			if st2 != st || p2 != p {
				t.Fatalf("%s is not symmetric: %v, p %v vs %v, p %v", name, st, p, st2, p2)
			}
		}
	}
}
