package stats

// Evidently's statistics, binning and smoothing, for `conventions:
// "evidently"`. Each function cites the Evidently source it reproduces:
// github.com/evidentlyai/evidently at commit
// a4aa4c2b37fe7a4344cc5031f566deccf3d69e4f, directory
// src/evidently/legacy/calculations/stattests. The reference
// implementation is testdata/drift/evidently_reference.py; the evaluator
// is checked against its output (drift/evidently_test.go).

import (
	"errors"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// ErrInfiniteRange is returned when values span an infinite range, over
// which no equal-width bins exist.
var ErrInfiniteRange = errors.New("the values span an infinite range: equal-width bins are undefined")

// SturgesEdges returns the bin edges numpy.histogram_bin_edges(x,
// bins="sturges") gives for the pooled samples (NumPy 1.24,
// lib/histograms.py): the range [min, max] (widened by 0.5 on each side
// when it is a single value), ceil(range / width) bins of width
// range / (log2(n) + 1), and the edges of numpy.linspace(min, max,
// bins+1): start + i*step, the last edge exactly max. The samples must be
// free of NaNs and hold at least one value; nil means no edges (no
// values, or an infinite range, which NumPy rejects too).
func SturgesEdges(samples ...[]float64) []float64 {
	n := 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range samples {
		n += len(s)
		for _, v := range s {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if n == 0 || math.IsInf(hi-lo, 0) || math.IsNaN(hi-lo) {
		return nil
	}
	ptp := hi - lo // _hist_bin_sturges: _ptp(x) / (log2(x.size) + 1.0)
	first, last := lo, hi
	if first == last {
		first, last = first-0.5, last+0.5
	}
	bins := 1
	if width := ptp / (math.Log2(float64(n)) + 1.0); width != 0 {
		bins = int(math.Ceil((last - first) / width))
	}
	return linspace(first, last, bins+1)
}

// linspace is numpy.linspace(start, stop, num) with endpoint=True.
func linspace(start, stop float64, num int) []float64 {
	out := make([]float64, num)
	div := float64(num - 1)
	delta := stop - start
	step := delta / div
	for i := range out {
		if step == 0 {
			out[i] = float64(float64(i)/div*delta) + start
		} else {
			// float64(...) keeps the product rounded on its own (no FMA),
			// as NumPy's separate multiply and add.
			out[i] = float64(float64(i)*step) + start
		}
	}
	out[num-1] = stop
	return out
}

// HistogramCounts counts x into the bins of edges as numpy.histogram(x,
// bins=edges) does when given the edges: bin i holds edges[i] <= x <
// edges[i+1], the last bin also x == edges[len-1]; values outside
// [edges[0], edges[len-1]] are not counted.
func HistogramCounts(edges, x []float64) []float64 {
	counts := make([]float64, len(edges)-1)
	last := len(edges) - 1
	for _, v := range x {
		if v < edges[0] || v > edges[last] {
			continue
		}
		// The number of edges <= v, minus one, is v's bin.
		i, found := slices.BinarySearch(edges, v)
		if found {
			for i+1 < len(edges) && edges[i+1] == v {
				i++
			}
			i++
		}
		counts[min(i-1, last-1)]++
	}
	return counts
}

// EvidentlyShares turns the bin counts of the reference (nRef values) and
// the current sample (nCur values) into the shares Evidently's
// get_binned_data (utils.py) returns: count / sample size, and with
// smooth (its feel_zeroes), every zero share replaced, separately per
// sample, by 1e-4, or by the smallest non-zero share / 1e6 when that is
// at most 1e-4. Shares are not renormalised afterwards.
func EvidentlyShares(refCounts, curCounts []float64, nRef, nCur int, smooth bool) (ref, cur []float64) {
	shares := func(counts []float64, n int) []float64 {
		out := make([]float64, len(counts))
		for i, c := range counts {
			out[i] = c / float64(n)
		}
		if !smooth {
			return out
		}
		least := math.Inf(1)
		for _, s := range out {
			if s != 0 {
				least = min(least, s)
			}
		}
		fill := 0.0001
		if least <= 0.0001 {
			fill = least / 1e6
		}
		for i, s := range out {
			if s == 0 {
				out[i] = fill
			}
		}
		return out
	}
	return shares(refCounts, nRef), shares(curCounts, nCur)
}

// EvidentlyPSI is psi.py's statistic over shares from EvidentlyShares
// (smoothed): sum of (ref - cur) * ln(ref / cur).
func EvidentlyPSI(ref, cur []float64) float64 {
	terms := make([]float64, len(ref))
	for i := range ref {
		terms[i] = float64(ref[i]-cur[i]) * math.Log(ref[i]/cur[i])
	}
	return numpySum(terms)
}

// EvidentlyKL is kl_div.py's statistic, scipy.stats.entropy(ref, cur):
// D(reference ‖ current) in nats over the smoothed shares, each
// renormalised to sum to 1.
func EvidentlyKL(ref, cur []float64) float64 {
	p, q := scale(ref), scale(cur)
	terms := make([]float64, len(p))
	for i := range p {
		terms[i] = relEntr(p[i], q[i])
	}
	return numpySum(terms)
}

// EvidentlyJensenShannon is jensenshannon.py's statistic,
// scipy.spatial.distance.jensenshannon(ref, cur) over unsmoothed shares:
// the square root of the mean of the two relative entropies to the
// midpoint, natural log.
func EvidentlyJensenShannon(ref, cur []float64) float64 {
	p, q := scale(ref), scale(cur)
	left, right := make([]float64, len(p)), make([]float64, len(p))
	for i := range p {
		m := (p[i] + q[i]) / 2.0
		left[i], right[i] = relEntr(p[i], m), relEntr(q[i], m)
	}
	return math.Sqrt((numpySum(left) + numpySum(right)) / 2.0)
}

// scale is x / numpy.sum(x).
func scale(x []float64) []float64 {
	t := numpySum(x)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v / t
	}
	return out
}

// relEntr is scipy.special.rel_entr.
func relEntr(x, y float64) float64 {
	switch {
	case x > 0 && y > 0:
		return x * math.Log(x/y)
	case x == 0 && y >= 0:
		return 0
	}
	return math.Inf(1)
}

// EvidentlyHellingerCategorical is hellinger_distance.py's categorical
// branch: sqrt(1 - min(1, sum over categories of sqrt(p_ref * p_cur))),
// with shares count / sample size.
func EvidentlyHellingerCategorical(refCounts, curCounts []float64, nRef, nCur int) float64 {
	h := 0.0
	for i := range refCounts {
		h += math.Sqrt(refCounts[i] / float64(nRef) * (curCounts[i] / float64(nCur)))
	}
	return math.Sqrt(1 - clip01(h))
}

// EvidentlyHellingerNumeric is hellinger_distance.py's numeric branch:
// Sturges bins over the distinct values of both samples (not the values
// themselves), density histograms h of each sample, and
// sqrt(1 - min(1, sum of sqrt(h_ref * h_cur) * width)), width being
// (last edge - first edge) / bins.
func EvidentlyHellingerNumeric(ref, cur []float64) (float64, error) {
	keys := slices.Concat(ref, cur)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	edges := SturgesEdges(keys)
	if edges == nil {
		return 0, ErrInfiniteRange
	}
	h1, h2 := density(edges, ref), density(edges, cur)
	width := (edges[len(edges)-1] - edges[0]) / float64(len(edges)-1)
	h := 0.0
	for i := range h1 {
		h += float64(math.Sqrt(h1[i]*h2[i]) * width)
	}
	return math.Sqrt(1 - clip01(h)), nil
}

// density is numpy.histogram(x, edges, density=True): counts / bin width
// / total count.
func density(edges, x []float64) []float64 {
	c := HistogramCounts(edges, x)
	total := numpySum(c)
	for i := range c {
		c[i] = c[i] / (edges[i+1] - edges[i]) / total
	}
	return c
}

// EvidentlyChiSquare is chisquare_stattest.py: Pearson's goodness-of-fit
// test of the current counts against the reference counts scaled to the
// current sample size, scipy.stats.chisquare(cur, ref * nCur / nRef),
// with k - 1 degrees of freedom for k categories. A category the
// reference lacks and the current sample has makes the statistic infinite
// and the p-value 0. It returns the p-value.
func EvidentlyChiSquare(refCounts, curCounts []float64, nRef, nCur int) float64 {
	kNorm := float64(nCur) / float64(nRef)
	terms := make([]float64, len(refCounts))
	for i := range refCounts {
		exp := refCounts[i] * kNorm
		d := curCounts[i] - exp
		terms[i] = d * d / exp
	}
	stat := numpySum(terms)
	dof := float64(len(terms) - 1)
	switch {
	case math.IsNaN(stat) || dof < 1:
		return math.NaN()
	case math.IsInf(stat, 1):
		return 0
	}
	return distuv.ChiSquared{K: dof}.Survival(stat)
}

// ZTest is z_stattest.py: the two-proportion z-test of the share of
// values other than the first category (sorted), with the pooled
// proportion, two-sided: 2 * (1 - Phi(|z|)). refOther and curOther count
// the values other than the first category in samples of nRef and nCur
// values. Two samples holding one and the same value get p = 1.
func ZTest(refOther, curOther float64, nRef, nCur int) float64 {
	n1, n2 := float64(nRef), float64(nCur)
	p1, p2 := refOther/n1, curOther/n2
	P := (float64(p1*n1) + float64(p2*n2)) / float64(nRef+nCur)
	z := (p1 - p2) / math.Sqrt(float64(P*(1-P))*(1.0/n1+1.0/n2))
	return 2 * (1 - ndtr(math.Abs(z)))
}

// ndtr is the standard normal CDF as scipy.special.ndtr (Cephes) computes
// it.
func ndtr(a float64) float64 {
	const sqrth = math.Sqrt2 / 2
	x := a * sqrth
	z := math.Abs(x)
	if z < sqrth {
		return 0.5 + 0.5*math.Erf(x)
	}
	y := 0.5 * math.Erfc(z)
	if x > 0 {
		y = 1 - y
	}
	return y
}

// EvidentlyAuto is Evidently's choice of test when none is configured
// (registry.py, _get_default_stattest), for a numeric or categorical
// feature (booleans are categorical) with referenceRows non-missing
// reference values and distinct non-missing values over both samples:
// up to 1000 reference rows, "chi_square" for more than 2 and at most 5
// distinct values, "z" for at most 2, else (numeric) "ks"; more rows:
// "jensen_shannon" for numeric features with at most 5 distinct values
// and for categorical ones, else "wasserstein".
func EvidentlyAuto(numeric bool, referenceRows, distinct int) string {
	if referenceRows <= 1000 {
		if !numeric || distinct <= 5 {
			if distinct > 2 {
				return "chi_square"
			}
			return "z"
		}
		return "ks"
	}
	if numeric && distinct > 5 {
		return "wasserstein"
	}
	return "jensen_shannon"
}

// StdDev is numpy.std(x): the population standard deviation, the mean and
// the sum of squared deviations added as numpy.sum adds.
func StdDev(x []float64) float64 {
	mean := numpySum(x) / float64(len(x))
	sq := make([]float64, len(x))
	for i, v := range x {
		d := v - mean
		sq[i] = d * d
	}
	return math.Sqrt(numpySum(sq) / float64(len(x)))
}
