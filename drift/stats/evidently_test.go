package stats

import (
	"math"
	"slices"
	"testing"
)

// TestSturgesEdges: values printed by NumPy 1.24,
// numpy.histogram_bin_edges(x, bins="sturges") and numpy.histogram(x,
// edges)[0]; an infinite range has no edges (NumPy raises).
func TestSturgesEdges(t *testing.T) {
	x := []float64{0, 1, 2, 3, 4, 5, 6, 7}
	if got, want := SturgesEdges(x), []float64{0, 1.75, 3.5, 5.25, 7}; !slices.Equal(got, want) {
		t.Errorf("edges of 0..7: %v, want %v", got, want)
	}
	if got, want := HistogramCounts(SturgesEdges(x), x), []float64{2, 2, 2, 2}; !slices.Equal(got, want) {
		t.Errorf("counts of 0..7: %v, want %v (7, on the last edge, in the last bin)", got, want)
	}
	// Split samples pool: the same edges.
	if got := SturgesEdges(x[:3], x[3:]); !slices.Equal(got, SturgesEdges(x)) {
		t.Errorf("pooled edges %v differ from %v", got, SturgesEdges(x))
	}
	if got, want := SturgesEdges([]float64{5, 5}), []float64{4.5, 5.5}; !slices.Equal(got, want) {
		t.Errorf("edges of a constant: %v, want %v", got, want)
	}
	if got := SturgesEdges([]float64{0, math.Inf(1)}); got != nil {
		t.Errorf("edges over an infinite range: %v, want none", got)
	}
	if _, err := EvidentlyHellingerNumeric([]float64{0, 1}, []float64{math.Inf(-1)}); err != ErrInfiniteRange {
		t.Errorf("Hellinger over an infinite range: error %v, want ErrInfiniteRange", err)
	}
	// Outside the edges: not counted.
	if got, want := HistogramCounts([]float64{0, 1, 2}, []float64{-1, 0, 1, 2, 3}), []float64{1, 2}; !slices.Equal(got, want) {
		t.Errorf("counts with values outside: %v, want %v", got, want)
	}
}
