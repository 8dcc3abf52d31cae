package drift

import (
	"slices"
	"testing"
)

// A category seen only in the current sample gets its own bin (count 0 in
// the reference), so a new category shows as drift instead of vanishing.
func TestUnseenCategoryGetsItsOwnBin(t *testing.T) {
	r, c := categoryCounts([]string{"b", "a", "a"}, []string{"a", "new"})
	// Bins in sorted order: a, b, new.
	if want := []float64{2, 1, 0}; !slices.Equal(r, want) {
		t.Errorf("reference counts %v, want %v", r, want)
	}
	if want := []float64{1, 0, 1}; !slices.Equal(c, want) {
		t.Errorf("current counts %v, want %v", c, want)
	}
}
