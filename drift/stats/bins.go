package stats

import (
	"math"
	"sort"
)

// QuantileEdges returns the bins-1 interior bin edges of the reference
// sample at quantiles 1/bins, 2/bins, ..., with NumPy's default ("linear")
// interpolation, so numpy.quantile(ref, [k/bins for k in 1..bins-1])
// agrees. Equal edges (heavy ties) are kept: the bins between them stay
// empty, as numpy.digitize would leave them. NaNs must be removed first.
func QuantileEdges(ref []float64, bins int) ([]float64, error) {
	if len(ref) == 0 || bins < 1 {
		return nil, ErrEmpty
	}
	s := sortedCopy(ref) // a radix sort: the order sort.Float64s gives, for values without NaN
	n := float64(len(s))
	edges := make([]float64, 0, bins-1)
	for k := 1; k < bins; k++ {
		q := float64(k) / float64(bins)
		// numpy.quantile's "linear" method: virtual index (n-1)*q. (The
		// general alpha/beta form n*q + (1-q) - 1 is the same number in
		// exact arithmetic but not in floating point: for n = 41 and
		// q = 0.1 it gives 4.000000000000001, which puts the edge just
		// above the fifth value and moves that value to the lower bin.)
		v := float64((n - 1) * q)
		lo := math.Floor(v)
		i := int(lo)
		if i < 0 {
			i = 0
		}
		j := i + 1
		if j > len(s)-1 {
			j = len(s) - 1
		}
		if i > len(s)-1 {
			i = len(s) - 1
		}
		edges = append(edges, lerp(s[i], s[j], v-lo))
	}
	return edges, nil
}

// lerp is NumPy's _lerp, which interpolates from the nearer end.
// The conversions keep each product rounded on its own, as NumPy's
// separate ufuncs do: Go may otherwise fuse a multiply and an add into one
// FMA instruction on some CPUs (arm64), which rounds once.
func lerp(a, b, t float64) float64 {
	d := b - a
	if t >= 0.5 {
		return b - float64(d*(1-t))
	}
	return a + float64(d*t)
}

// EqualWidthEdges returns bins-1 interior edges splitting [min, max] of
// the reference into equal widths.
func EqualWidthEdges(ref []float64, bins int) ([]float64, error) {
	if len(ref) == 0 || bins < 1 {
		return nil, ErrEmpty
	}
	lo, hi := ref[0], ref[0]
	for _, v := range ref {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	edges := make([]float64, bins-1)
	for k := range edges {
		edges[k] = lo + (hi-lo)*float64(k+1)/float64(bins)
	}
	return edges, nil
}

// Counter counts values into the bins that sorted interior edges define:
// bin i holds edges[i-1] <= x < edges[i] (numpy.digitize with
// right=False), the first and last bins are open-ended. It keeps only the
// counts, so memory is proportional to the bins, not to the rows.
type Counter struct {
	edges  []float64
	Counts []float64
}

// NewCounter returns a counter for the given edges.
func NewCounter(edges []float64) *Counter {
	return &Counter{edges: append([]float64(nil), edges...), Counts: make([]float64, len(edges)+1)}
}

// Add counts a batch of values (NaNs must be filtered first).
func (c *Counter) Add(values []float64) {
	e := c.edges
	if len(e) <= 16 {
		// Few edges: count the edges each value passes, without branches
		// the CPU would mispredict.
		// x >= edge exactly when x - edge is +0 or positive, i.e. its
		// sign bit is clear. Adding +0 first turns x = -0 into +0, so
		// -0 - 0 cannot yield -0 (values are not NaN; edges are finite).
		// Four integer tallies, one per position mod 4, so that
		// consecutive values in the same bin do not wait on each other's
		// increment (a store-to-load dependency through memory).
		var tally [4][17]int
		n := len(e)
		i := 0
		for ; i+4 <= len(values); i += 4 {
			x0, x1, x2, x3 := values[i]+0, values[i+1]+0, values[i+2]+0, values[i+3]+0
			b0, b1, b2, b3 := n, n, n, n
			for _, edge := range e {
				b0 -= int(math.Float64bits(x0-edge) >> 63)
				b1 -= int(math.Float64bits(x1-edge) >> 63)
				b2 -= int(math.Float64bits(x2-edge) >> 63)
				b3 -= int(math.Float64bits(x3-edge) >> 63)
			}
			tally[0][b0]++
			tally[1][b1]++
			tally[2][b2]++
			tally[3][b3]++
		}
		for ; i < len(values); i++ {
			x := values[i] + 0
			b := n
			for _, edge := range e {
				b -= int(math.Float64bits(x-edge) >> 63)
			}
			tally[0][b]++
		}
		for b := range c.Counts {
			c.Counts[b] += float64(tally[0][b] + tally[1][b] + tally[2][b] + tally[3][b])
		}
		return
	}
	for _, x := range values {
		c.Counts[sort.Search(len(e), func(j int) bool { return e[j] > x })]++
	}
}
