package stats

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"
)

type fixtures struct {
	Binned []struct {
		Name          string
		RefCounts     []float64 `json:"ref_counts"`
		CurCounts     []float64 `json:"cur_counts"`
		PSI           float64   `json:"psi"`
		KL            float64   `json:"kl"`
		JensenShannon float64   `json:"jensen_shannon"`
		Hellinger     float64   `json:"hellinger"`
		ChiSquareJ    float64   `json:"chi_square"`
		ChiSquarePJ   float64   `json:"chi_square_p"`
	} `json:"binned"`
	Binning []struct {
		Name     string
		Ref, Cur []float64
		Bins     int
		Edges    []float64
		Counts   []float64
	} `json:"binning"`
	Samples []struct {
		Name        string
		Ref, Cur    []float64
		Wasserstein float64 `json:"wasserstein"`
		KS          float64 `json:"ks"`
	} `json:"samples"`
}

// close reports whether got matches want to a relative tolerance (or an
// absolute one near zero, where relative error is meaningless).
func close(got, want, rel float64) bool {
	if got == want {
		return true
	}
	if math.Abs(want) < 1e-12 {
		return math.Abs(got) < 1e-12
	}
	return math.Abs(got-want)/math.Abs(want) <= rel
}

// TestAgainstSciPy compares every test with the values SciPy/NumPy
// computed for testdata/drift/fixtures.json (testdata/drift/gen_fixtures.py):
// statistics to 1e-9 relative, p-values to 1e-6.
func TestAgainstSciPy(t *testing.T) {
	b, err := os.ReadFile("../../testdata/drift/fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixtures
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Binned) == 0 || len(f.Samples) == 0 {
		t.Fatal("no fixtures")
	}
	for _, c := range f.Binned {
		check := func(name string, got float64, err error, want, rel float64) {
			t.Helper()
			if err != nil {
				t.Errorf("%s/%s: %v", c.Name, name, err)
			} else if !close(got, want, rel) {
				t.Errorf("%s/%s = %.17g, SciPy says %.17g", c.Name, name, got, want)
			}
		}
		v, err := PSI(c.RefCounts, c.CurCounts)
		check("psi", v, err, c.PSI, 1e-9)
		v, err = KL(c.RefCounts, c.CurCounts)
		check("kl", v, err, c.KL, 1e-9)
		v, err = JensenShannon(c.RefCounts, c.CurCounts)
		check("jensen_shannon", v, err, c.JensenShannon, 1e-9)
		v, err = Hellinger(c.RefCounts, c.CurCounts)
		check("hellinger", v, err, c.Hellinger, 1e-9)
		st, p, err := ChiSquare(c.RefCounts, c.CurCounts)
		check("chi_square", st, err, c.ChiSquareJ, 1e-9)
		check("chi_square_p", p, err, c.ChiSquarePJ, 1e-6)
	}
	if len(f.Binning) == 0 {
		t.Fatal("no binning fixtures")
	}
	for _, c := range f.Binning {
		edges, err := QuantileEdges(c.Ref, c.Bins)
		if err != nil || len(edges) != len(c.Edges) {
			t.Fatalf("%s: %d edges (%v), want %d", c.Name, len(edges), err, len(c.Edges))
		}
		for i := range edges {
			if !close(edges[i], c.Edges[i], 1e-9) {
				t.Errorf("%s: edge %d = %.17g, NumPy says %.17g", c.Name, i, edges[i], c.Edges[i])
			}
		}
		// Count against NumPy's edges (the counting), then against
		// vigil's own (the edges to the last digit: a value on an edge
		// moves to the lower bin if the edge is a rounding error above
		// it, as the "deciles on data points" fixtures check).
		for _, own := range []bool{false, true} {
			counter := NewCounter(c.Edges)
			if own {
				counter = NewCounter(edges)
			}
			counter.Add(c.Cur)
			for i := range c.Counts {
				if counter.Counts[i] != c.Counts[i] {
					t.Errorf("%s: bin %d holds %v values (vigil's edges: %v), numpy.digitize says %v", c.Name, i, counter.Counts[i], own, c.Counts[i])
				}
			}
		}
	}
	for _, c := range f.Samples {
		v, err := Wasserstein1(c.Ref, c.Cur)
		if err != nil || !close(v, c.Wasserstein, 1e-9) {
			t.Errorf("%s/wasserstein = %.17g (%v), SciPy says %.17g", c.Name, v, err, c.Wasserstein)
		}
		v, err = KSStatistic(c.Ref, c.Cur)
		if err != nil || !close(v, c.KS, 1e-9) {
			t.Errorf("%s/ks = %.17g (%v), SciPy says %.17g", c.Name, v, err, c.KS)
		}
	}
}

func TestEmptyAndMismatched(t *testing.T) {
	if _, err := PSI([]float64{0, 0}, []float64{1, 2}); err != ErrEmpty {
		t.Errorf("PSI of an empty reference: %v, want ErrEmpty", err)
	}
	if _, err := KL([]float64{1}, []float64{1, 2}); err != ErrMismatch {
		t.Errorf("KL of mismatched bins: %v, want ErrMismatch", err)
	}
	if _, err := Wasserstein1(nil, []float64{1}); err != ErrEmpty {
		t.Errorf("Wasserstein of an empty sample: %v", err)
	}
}

func TestPoolSparse(t *testing.T) {
	// Valid tables come back as they are (categories empty in both
	// dropped).
	r, c := PoolSparse([]float64{50, 30, 0, 20}, []float64{40, 35, 0, 25})
	if !slices.Equal(r, []float64{50, 30, 20}) || !slices.Equal(c, []float64{40, 35, 25}) {
		t.Errorf("a valid table changed: %v %v", r, c)
	}
	// Row totals 106 and 105 of 211; category totals 200, 2, 3, 6. The
	// total-2 category expects ~1.0 and ~0.99 events (below 1), and 6 of
	// 8 cells expect fewer than 5. Pooling the two smallest (totals 2
	// and 3, other = 5, expecting ~2.5 each) leaves 4 of 6 cells below
	// 5 (the total-6 category expects ~3 each); pooling it too (other =
	// 11, expecting ~5.5 each) leaves none: valid.
	r, c = PoolSparse([]float64{100, 1, 2, 3}, []float64{100, 1, 1, 3})
	if !slices.Equal(r, []float64{100, 6}) || !slices.Equal(c, []float64{100, 5}) {
		t.Errorf("pooled %v %v, want [100 6] [100 5]", r, c)
	}
}

// TestChiSquareFlagsUnseenCategories: a current sample of 1,000,000
// categories the reference never saw, each once, against a reference of
// one category. Unpooled, every unseen cell's expected count is below 1
// and the p-value says nothing useful; pooled into "other" the table is
// [[1000, 0], [0, 1000000]], a certain difference.
func TestChiSquareFlagsUnseenCategories(t *testing.T) {
	const unseen = 1000000
	ref := make([]float64, unseen+1)
	cur := make([]float64, unseen+1)
	ref[0] = 1000
	for i := 1; i <= unseen; i++ {
		cur[i] = 1
	}
	r, c := PoolSparse(ref, cur)
	if !slices.Equal(r, []float64{1000, 0}) || !slices.Equal(c, []float64{0, unseen}) {
		t.Fatalf("pooled %v %v", r, c)
	}
	_, p, err := ChiSquare(r, c)
	if err != nil || p > 1e-12 {
		t.Errorf("p = %v (%v), want ~0", p, err)
	}
}
