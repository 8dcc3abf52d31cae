package drift

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/drift/data"
)

// Bin is one bin of a feature's distribution, with the share of each
// sample's values in it.
type Bin struct {
	// Label is the `bin` label: for numeric features the bin's index and
	// interval, e.g. "03 [0.52, 1.3)"; for categorical and boolean ones
	// the category, OtherBin or UnseenBin.
	Label    string
	Ref, Cur float64
}

// MaxCategoryBins is the number of reference categories exported one by
// one; the less frequent ones share OtherBin.
const MaxCategoryBins = 20

// The synthetic categories of a categorical distribution.
const (
	// OtherBin holds the reference categories beyond the MaxCategoryBins
	// most frequent ones.
	OtherBin = "(other)"
	// UnseenBin holds the current categories the reference lacks.
	UnseenBin = "(unseen)"
)

// distribution bins both samples for the dashboard's bar chart, bounded
// whatever the data: numeric features into the feature's bins (bins,
// default 10, at the reference's quantiles or of equal width, as vigil's
// binned tests cut them, whatever the test and its conventions);
// categorical and boolean features into their MaxCategoryBins most
// frequent reference categories (ties by name), OtherBin and UnseenBin,
// which are always present. Shares are of the sample's non-missing values.
// e gives the bin edges of ref.
func distribution(f config.Feature, ref, cur *data.Column, e *edgesOf) []Bin {
	if f.Type != "numeric" {
		return categoryDistribution(ref.LabelCounts(), cur.LabelCounts())
	}
	nRef, nCur := ref.Len(), cur.Len()
	if nRef == 0 || nCur == 0 {
		return nil
	}
	n := f.Test.Bins
	if n < 2 {
		n = 10
	}
	edges, err := e.get()
	if err != nil {
		return nil
	}
	rc, err := binCounts(edges, ref)
	if err != nil {
		return nil
	}
	cc, err := binCounts(edges, cur)
	if err != nil {
		return nil
	}
	width := len(strconv.Itoa(n))
	bound := func(i int) string {
		switch {
		case i < 0:
			return "-Inf"
		case i >= len(edges):
			return "+Inf"
		}
		return strconv.FormatFloat(edges[i], 'g', 4, 64)
	}
	out := make([]Bin, n)
	for i := range out {
		out[i] = Bin{
			Label: fmt.Sprintf("%0*d [%s, %s)", width, i+1, bound(i-1), bound(i)),
			Ref:   rc[i] / float64(nRef),
			Cur:   cc[i] / float64(nCur),
		}
	}
	return out
}

func categoryDistribution(refCounts, curCounts map[string]int) []Bin {
	var nRef, nCur int
	rc, cc := make(map[string]float64, len(refCounts)), make(map[string]float64, len(curCounts))
	for l, k := range refCounts {
		rc[l] = float64(k)
		nRef += k
	}
	for l, k := range curCounts {
		cc[l] = float64(k)
		nCur += k
	}
	if nRef == 0 || nCur == 0 {
		return nil
	}
	cats := make([]string, 0, len(rc))
	for c := range rc {
		cats = append(cats, c)
	}
	slices.SortFunc(cats, func(a, b string) int {
		return cmp.Or(cmp.Compare(rc[b], rc[a]), cmp.Compare(a, b))
	})
	nr, nc := float64(nRef), float64(nCur)
	var out []Bin
	// Counts are whole numbers, so their sums do not depend on the order
	// they are added in.
	var otherRef, otherCur, unseenCur float64
	for i, c := range cats {
		if i < MaxCategoryBins {
			out = append(out, Bin{Label: categoryLabel(c, rc), Ref: rc[c] / nr, Cur: cc[c] / nc})
		} else {
			otherRef += rc[c]
			otherCur += cc[c]
		}
	}
	for c, k := range cc {
		if _, ok := rc[c]; !ok {
			unseenCur += k
		}
	}
	return append(out, Bin{Label: OtherBin, Ref: otherRef / nr, Cur: otherCur / nc}, Bin{Label: UnseenBin, Cur: unseenCur / nc})
}

// categoryLabel is a category's bin label: the category, unless it is
// spelled like OtherBin or UnseenBin, whose series it would duplicate;
// then " (category)" is appended until the label names no other
// reference category.
func categoryLabel(c string, ref map[string]float64) string {
	if c != OtherBin && c != UnseenBin {
		return c
	}
	l := c + " (category)"
	for {
		if _, taken := ref[l]; !taken {
			return l
		}
		l += " (category)"
	}
}
