package drift

import (
	"math"
	"slices"
	"testing"

	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/drift/data"
)

var numericMethods = []string{"psi", "kl", "jensen_shannon", "hellinger", "ks", "cramer_von_mises", "anderson_darling", "wasserstein"}

func numbers(v float64, n int) *data.Column {
	return &data.Column{Kind: data.Numeric, Numbers: slices.Repeat([]float64{v}, n), Rows: n}
}

func labels(l string, n int) *data.Column {
	return &data.Column{Kind: data.Categorical, Labels: slices.Repeat([]string{l}, n), Rows: n}
}

// TestIdenticalSingleValuedSamplesNeverDrift: two constant columns of
// different sizes holding the same value, or the same single label, are
// tested by every method and never reported as drift (SciPy's Cramér-von
// Mises says p ≈ 1.9e-9 for the numeric case; Anderson-Darling and the
// normalized Wasserstein distance are undefined on it).
func TestIdenticalSingleValuedSamplesNeverDrift(t *testing.T) {
	check := func(f config.Feature, ref, cur *data.Column) {
		t.Helper()
		r := evaluateFeature(f, ref, cur)
		want := 0.0
		if config.PValueTests[r.Method] {
			want = 1
		}
		if r.Err != nil || r.Detected || r.Score != want {
			t.Errorf("%s %s: score %v, detected %v, error %v; want %v, no drift", f.Type, r.Method, r.Score, r.Detected, r.Err, want)
		}
	}
	for _, m := range append(numericMethods, "auto") {
		check(feature("x", "numeric", m), numbers(5, 100), numbers(5, 37))
	}
	for _, m := range []string{"chi_square", "psi", "kl", "jensen_shannon", "hellinger", "auto"} {
		check(feature("c", "categorical", m), labels("a", 50), labels("a", 20))
	}
}

// TestConstantReferenceAgainstAnotherValueDrifts: a constant reference
// and a current sample that holds a smaller value is drift for every
// method, with a finite score (the normalized Wasserstein distance falls
// back to the pooled standard deviation). A larger value is drift for the
// sample tests; the binned tests, binning as numpy.quantile and
// numpy.digitize do, put the reference's value and every larger one in
// the top bin and cannot see it (docs/drift-tests.md).
func TestConstantReferenceAgainstAnotherValueDrifts(t *testing.T) {
	binned := map[string]bool{"psi": true, "kl": true, "jensen_shannon": true, "hellinger": true}
	for _, m := range numericMethods {
		for _, v := range []float64{4, 6} {
			r := evaluateFeature(feature("x", "numeric", m), numbers(5, 100), numbers(v, 50))
			want := !(binned[m] && v > 5)
			if r.Err != nil || r.Detected != want || math.IsNaN(r.Score) || math.IsInf(r.Score, 0) {
				t.Errorf("%s, current %v: score %v, detected %v, error %v; want detected %v", m, v, r.Score, r.Detected, r.Err, want)
			}
		}
	}
	// Wasserstein: distance 1 over the pooled standard deviation of 100
	// fives and 50 sixes, sqrt(2/9).
	r := evaluateFeature(feature("x", "numeric", "wasserstein"), numbers(5, 100), numbers(6, 50))
	if want := 1 / math.Sqrt(2.0/9); math.Abs(r.Score-want) > 1e-12 {
		t.Errorf("wasserstein = %.17g, want %.17g", r.Score, want)
	}
	r = evaluateFeature(feature("c", "categorical", "chi_square"), labels("a", 50), labels("b", 20))
	if r.Err != nil || !r.Detected {
		t.Errorf("chi_square on disjoint single labels: score %v, detected %v, error %v; want drift", r.Score, r.Detected, r.Err)
	}
}
