package drift

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/drift/data"
)

// TestNumericDistribution: 1..100 against five 1s and five 100s, in the
// default 10 quantile bins. numpy.quantile(range(1, 101), k/10) is
// 10.9, 20.8, ..., 90.1 (virtual index 9.9k), so every reference bin holds
// 10 values and the current sample sits in the outer bins, half each.
func TestNumericDistribution(t *testing.T) {
	ref := &data.Column{Kind: data.Numeric, Rows: 100}
	for v := 1; v <= 100; v++ {
		ref.Numbers = append(ref.Numbers, float64(v))
	}
	cur := &data.Column{Kind: data.Numeric, Numbers: []float64{1, 1, 1, 1, 1, 100, 100, 100, 100, 100}, Rows: 10}
	for _, m := range []string{"psi", "ks", "auto"} {
		r := evaluateFeature(feature("x", "numeric", m), ref, cur)
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		want := []string{"01 [-Inf, 10.9)", "02 [10.9, 20.8)", "03 [20.8, 30.7)", "04 [30.7, 40.6)", "05 [40.6, 50.5)",
			"06 [50.5, 60.4)", "07 [60.4, 70.3)", "08 [70.3, 80.2)", "09 [80.2, 90.1)", "10 [90.1, +Inf)"}
		if len(r.Bins) != len(want) {
			t.Fatalf("%s: %d bins, want %d: %v", m, len(r.Bins), len(want), r.Bins)
		}
		for i, b := range r.Bins {
			wantCur := 0.0
			if i == 0 || i == 9 {
				wantCur = 0.5
			}
			if b.Label != want[i] || math.Abs(b.Ref-0.1) > 1e-15 || b.Cur != wantCur {
				t.Errorf("%s: bin %d = %+v, want {%s 0.1 %v}", m, i, b, want[i], wantCur)
			}
		}
	}
	// Configured bins and equal widths: [1, 100] in 4 bins of 24.75.
	f := feature("x", "numeric", "psi")
	f.Test.Bins, f.Test.Binning = 4, "equal_width"
	r := evaluateFeature(f, ref, cur)
	got := make([]string, len(r.Bins))
	for i, b := range r.Bins {
		got[i] = fmt.Sprintf("%s %g %g", b.Label, b.Ref, b.Cur)
	}
	if want := []string{"1 [-Inf, 25.75) 0.25 0.5", "2 [25.75, 50.5) 0.25 0", "3 [50.5, 75.25) 0.25 0", "4 [75.25, +Inf) 0.25 0.5"}; !slices.Equal(got, want) {
		t.Errorf("equal widths: %q, want %q", got, want)
	}
}

// TestCategoryDistributionIsBounded: 25 reference categories c00..c24
// seen 25, 24, ..., 1 times (325 values) against ten c00 and ten of a
// category the reference lacks. The 20 most frequent reference categories
// have bins of their own, c20..c24 (5+4+3+2+1 = 15 values) share
// "(other)", and "new" is "(unseen)".
func TestCategoryDistributionIsBounded(t *testing.T) {
	ref := &data.Column{Kind: data.Categorical}
	for i := range 25 {
		for range 25 - i {
			ref.Labels = append(ref.Labels, fmt.Sprintf("c%02d", i))
		}
	}
	cur := &data.Column{Kind: data.Categorical, Labels: slices.Concat(slices.Repeat([]string{"c00"}, 10), slices.Repeat([]string{"new"}, 10))}
	ref.Rows, cur.Rows = len(ref.Labels), len(cur.Labels)
	r := evaluateFeature(feature("c", "categorical", "chi_square"), ref, cur)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if len(r.Bins) != MaxCategoryBins+2 {
		t.Fatalf("%d bins, want %d", len(r.Bins), MaxCategoryBins+2)
	}
	sumRef, sumCur := 0.0, 0.0
	for i, b := range r.Bins {
		sumRef, sumCur = sumRef+b.Ref, sumCur+b.Cur
		var want Bin
		switch {
		case i < MaxCategoryBins:
			want = Bin{Label: fmt.Sprintf("c%02d", i), Ref: float64(25-i) / 325}
			if i == 0 {
				want.Cur = 0.5
			}
		case i == MaxCategoryBins:
			want = Bin{Label: OtherBin, Ref: 15.0 / 325}
		default:
			want = Bin{Label: UnseenBin, Cur: 0.5}
		}
		if b != want {
			t.Errorf("bin %d = %+v, want %+v", i, b, want)
		}
	}
	if math.Abs(sumRef-1) > 1e-12 || math.Abs(sumCur-1) > 1e-12 {
		t.Errorf("shares sum to %v and %v, want 1", sumRef, sumCur)
	}
}

// TestBinSharesExported: with metrics.bin_share named, each bin of a
// tested feature is exported per sample; a failed feature exports none.
func TestBinSharesExported(t *testing.T) {
	c := testConfig(feature("x", "categorical", "psi"), feature("y", "numeric", "psi"))
	c.Metrics.BinShare = "d_bin_share"
	e := newExporter(t, c)
	e.Update(report(time.Unix(1000, 0),
		Result{Feature: "x", Method: "psi", RefRows: 10, CurRows: 8, Bins: []Bin{{Label: "a", Ref: 0.75, Cur: 0.5}, {Label: OtherBin}, {Label: UnseenBin, Cur: 0.5}}},
		Result{Feature: "y", Method: "psi", Err: fmt.Errorf("boom"), Reason: ReasonTestError, Bins: []Bin{{Label: "never", Ref: 1}}}))
	got := map[string]float64{}
	for k, v := range gather(t, e) {
		if len(k) > 11 && k[:11] == "d_bin_share" {
			got[k] = v
		}
	}
	want := map[string]float64{
		`d_bin_share{bin="a",feature="x",model="m",sample="reference"}`:        0.75,
		`d_bin_share{bin="a",feature="x",model="m",sample="current"}`:          0.5,
		`d_bin_share{bin="(other)",feature="x",model="m",sample="reference"}`:  0,
		`d_bin_share{bin="(other)",feature="x",model="m",sample="current"}`:    0,
		`d_bin_share{bin="(unseen)",feature="x",model="m",sample="reference"}`: 0,
		`d_bin_share{bin="(unseen)",feature="x",model="m",sample="current"}`:   0.5,
	}
	if len(got) != len(want) {
		t.Errorf("got %d bin_share series, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (exported: %v), want %v", k, g, ok, v)
		}
	}
}

// TestCategoryNamedLikeASyntheticBin: a category spelled "(other)" or
// "(unseen)" gets a label of its own, so no two series collide (which
// would fail the whole scrape).
func TestCategoryNamedLikeASyntheticBin(t *testing.T) {
	ref := &data.Column{Kind: data.Categorical, Labels: []string{"(other)", "(unseen)", "(other) (category)", "a"}, Rows: 4}
	cur := &data.Column{Kind: data.Categorical, Labels: []string{"(unseen)", "b"}, Rows: 2}
	r := evaluateFeature(feature("c", "categorical", "psi"), ref, cur)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	var got []string
	for _, b := range r.Bins {
		got = append(got, fmt.Sprintf("%s %g %g", b.Label, b.Ref, b.Cur))
	}
	want := []string{"(other) (category) (category) 0.25 0", "(other) (category) 0.25 0", "(unseen) (category) 0.25 0.5", "a 0.25 0", "(other) 0 0", "(unseen) 0 0.5"}
	if !slices.Equal(got, want) {
		t.Errorf("bins %q, want %q", got, want)
	}
}
