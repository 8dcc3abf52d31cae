package drift

import (
	"fmt"
	"math"
	"slices"

	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/drift/data"
	"github.com/vigil-dev/vigil/drift/stats"
)

// evidentlyFeature runs r.Method as Evidently runs it (conventions
// "evidently", docs/drift-tests.md): Evidently's binning (Sturges bins
// over the pooled samples, or one bin per value when the reference holds
// at most 20 distinct values, or per category), smoothing, statistics and
// threshold directions. The sources are cited in drift/stats/evidently.go
// and testdata/drift/evidently_reference.py. r carries the method (auto
// already resolved), the threshold and the sample sizes.
func evidentlyFeature(r Result, numeric bool, ref, cur *data.Column) Result {
	nRef, nCur := r.RefRows, r.CurRows
	// binned returns the bin counts of get_binned_data (utils.py).
	var err error
	binned := func() (rc, cc []float64) {
		if numeric && distinctUpTo(21, true, ref, nil) > 20 {
			edges := stats.SturgesEdges(ref.Numbers, cur.Numbers)
			if edges == nil {
				err = stats.ErrInfiniteRange
				return []float64{1}, []float64{1}
			}
			return stats.HistogramCounts(edges, ref.Numbers), stats.HistogramCounts(edges, cur.Numbers)
		}
		return valueCounts(numeric, ref, cur)
	}
	switch r.Method {
	case "psi":
		rc, cc := binned()
		r.Score = stats.EvidentlyPSI(stats.EvidentlyShares(rc, cc, nRef, nCur, true))
	case "kl":
		rc, cc := binned()
		r.Score = stats.EvidentlyKL(stats.EvidentlyShares(rc, cc, nRef, nCur, true))
	case "jensen_shannon":
		rc, cc := binned()
		r.Score = stats.EvidentlyJensenShannon(stats.EvidentlyShares(rc, cc, nRef, nCur, false))
	case "hellinger":
		if numeric {
			r.Score, err = stats.EvidentlyHellingerNumeric(ref.Numbers, cur.Numbers)
		} else {
			rc, cc := valueCounts(false, ref, cur)
			r.Score = stats.EvidentlyHellingerCategorical(rc, cc, nRef, nCur)
		}
	case "chi_square":
		// Categorical in Evidently; numeric only when auto picks it for
		// at most 5 distinct values: one category per value.
		rc, cc := valueCounts(numeric, ref, cur)
		r.Score = stats.EvidentlyChiSquare(rc, cc, nRef, nCur)
	case "z":
		// The share of values other than the first (sorted) value; auto
		// picks z for at most two distinct values.
		rc, cc := valueCounts(numeric, ref, cur)
		r.Score = stats.ZTest(float64(nRef)-rc[0], float64(nCur)-cc[0], nRef, nCur)
	case "wasserstein":
		var d float64
		d, err = stats.Wasserstein1(ref.Numbers, cur.Numbers)
		r.Score = d / max(stats.StdDev(ref.Numbers), 0.001)
	case "ks":
		_, r.Score, err = stats.KS(ref.Numbers, cur.Numbers)
	case "cramer_von_mises":
		_, r.Score, err = stats.CramerVonMises(ref.Numbers, cur.Numbers)
	case "anderson_darling":
		_, r.Score, err = stats.AndersonDarling(ref.Numbers, cur.Numbers)
	default:
		err = fmt.Errorf("%w: test %q is not implemented by this evaluator", errFeatureConfig, r.Method)
	}
	if err == nil && (math.IsNaN(r.Score) || math.IsInf(r.Score, 0)) {
		err = fmt.Errorf("%s produced %v", r.Method, r.Score)
	}
	if err != nil {
		r.Err = err
		return r
	}
	r.Detected = config.Drifts(config.ConventionsEvidently, r.Method, r.Score, r.Threshold)
	return r
}

// distinctUpTo counts the distinct values (numeric) or labels of both
// columns (cur may be nil), stopping at limit.
func distinctUpTo(limit int, numeric bool, ref, cur *data.Column) int {
	if numeric {
		seen := map[float64]struct{}{}
		for _, c := range []*data.Column{ref, cur} {
			if c == nil {
				continue
			}
			for _, v := range c.Numbers {
				seen[v+0] = struct{}{} // -0 and 0 are one value, as in pandas
				if len(seen) >= limit {
					return limit
				}
			}
		}
		return len(seen)
	}
	seen := map[string]struct{}{}
	for _, c := range []*data.Column{ref, cur} {
		if c == nil {
			continue
		}
		for l := range c.LabelCounts() {
			seen[l] = struct{}{}
			if len(seen) >= limit {
				return limit
			}
		}
	}
	return len(seen)
}

// valueCounts counts each distinct value (numeric) or label of the two
// columns, over their union in sorted order.
func valueCounts(numeric bool, ref, cur *data.Column) (rc, cc []float64) {
	if !numeric {
		return countCategories(ref.LabelCounts(), cur.LabelCounts())
	}
	keys := slices.Concat(ref.Numbers, cur.Numbers)
	for i := range keys {
		keys[i] += 0 // -0 counts as 0
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	count := func(x []float64) []float64 {
		out := make([]float64, len(keys))
		for _, v := range x {
			i, _ := slices.BinarySearch(keys, v+0)
			out[i]++
		}
		return out
	}
	return count(ref.Numbers), count(cur.Numbers)
}

// finite returns the column without its infinite values (the same column
// when it has none).
func finite(c *data.Column) *data.Column {
	inf := func(v float64) bool { return math.IsInf(v, 0) }
	if !slices.ContainsFunc(c.Numbers, inf) {
		return c
	}
	out := *c
	out.Numbers = slices.DeleteFunc(slices.Clone(c.Numbers), inf)
	return &out
}
