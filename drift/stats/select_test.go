package stats

import (
	"math"
	"testing"
)

func TestAuto(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		rows int
		want string
	}{
		{"numeric", 500, "ks"}, {"numeric", 1000, "ks"}, {"numeric", 1001, "wasserstein"},
		{"categorical", 10, "chi_square"}, {"boolean", 100000, "jensen_shannon"},
	} {
		if got := Auto(tc.typ, tc.rows); got != tc.want {
			t.Errorf("Auto(%s, %d) = %s, want %s", tc.typ, tc.rows, got, tc.want)
		}
	}
}

// TestCorrections uses the worked example of Benjamini & Hochberg's method
// on p = (0.01, 0.04, 0.03, 0.005): sorted 0.005, 0.01, 0.03, 0.04 give
// raw p*m/rank 0.02, 0.02, 0.04, 0.04, already monotone.
func TestCorrections(t *testing.T) {
	p := []float64{0.01, 0.04, 0.03, 0.005}
	bh := BenjaminiHochberg(p)
	for i, want := range []float64{0.02, 0.04, 0.04, 0.02} {
		if math.Abs(bh[i]-want) > 1e-15 {
			t.Errorf("BH = %v, want 0.02 0.04 0.04 0.02", bh)
		}
	}
	// Monotonicity: a larger raw p later in the order can lower an
	// earlier q (p = 0.04 at rank 3 of 3 gives 0.04; rank 2 p = 0.035
	// gives 0.0525, capped by the later 0.04).
	if q := BenjaminiHochberg([]float64{0.001, 0.035, 0.04}); math.Abs(q[1]-0.04) > 1e-15 {
		t.Errorf("BH step-up not applied: %v", q)
	}
	bf := Bonferroni([]float64{0.01, 0.3, 0.02})
	if math.Abs(bf[0]-0.03) > 1e-15 || math.Abs(bf[1]-0.9) > 1e-15 || math.Abs(bf[2]-0.06) > 1e-15 {
		t.Errorf("Bonferroni = %v", bf)
	}
	if Bonferroni([]float64{0.6, 0.5})[0] != 1 {
		t.Error("Bonferroni must cap at 1")
	}
}
