package stats

import "math"

// freqTable is a distribution of integer values: value -> number of
// lattice paths, sorted by value.
type freqTable struct {
	values []int64
	counts []uint64
}

// mergeShift returns (a ∪ b), counts of equal values added, with every
// value increased by shift.
func mergeShift(a, b freqTable, shift int64) freqTable {
	out := freqTable{make([]int64, 0, len(a.values)+len(b.values)), make([]uint64, 0, len(a.values)+len(b.values))}
	i, j := 0, 0
	for i < len(a.values) || j < len(b.values) {
		switch {
		case j == len(b.values) || (i < len(a.values) && a.values[i] < b.values[j]):
			out.values, out.counts = append(out.values, a.values[i]+shift), append(out.counts, a.counts[i])
			i++
		case i == len(a.values) || b.values[j] < a.values[i]:
			out.values, out.counts = append(out.values, b.values[j]+shift), append(out.counts, b.counts[j])
			j++
		default:
			out.values, out.counts = append(out.values, a.values[i]+shift), append(out.counts, a.counts[i]+b.counts[j])
			i++
			j++
		}
	}
	return out
}

// cvmExactPValue is the exact p-value of the two-sample Cramér-von Mises
// statistic with U = s for sample sizes m and n, as SciPy's
// _pval_cvm_2samp_exact: the share of the C(m+n, m) lattice paths whose
// sum of (a*v - b*u)^2 over their points, a = lcm/m, b = lcm/n, reaches
// zeta, the value of that sum equivalent to s (Xiao, Gordon and Yakovlev
// 2006, Algorithm 1 and eqs. 2, 11; Anderson 1962, eq. 9).
func cvmExactPValue(s float64, m, n int) float64 {
	lcm := int64(m / gcd(m, n) * n)
	a, b := lcm/int64(m), lcm/int64(n)
	mn := int64(m * n)
	zeta := floorDivide(float64(lcm*lcm*int64(m+n))*(6*s-float64(mn*(4*mn-1))), float64(6*mn*mn))

	// gs[v] is the table of paths ending at (u, v), row u at a time.
	gs := make([]freqTable, m+1)
	gs[0] = freqTable{[]int64{0}, []uint64{1}}
	for u := int64(0); u <= int64(n); u++ {
		next := make([]freqTable, m+1)
		var tmp freqTable
		for v := range gs {
			d := a*int64(v) - b*u
			tmp = mergeShift(tmp, gs[v], d*d)
			next[v] = tmp
		}
		gs = next
	}
	var hits uint64
	for i, v := range gs[m].values {
		if float64(v) >= zeta {
			hits += gs[m].counts[i]
		}
	}
	return float64(hits) / binomial(m+n, m)
}

// binomial is C(n, k) as a float64 (exact while it is below 2^53, which
// covers n <= 40 as the exact tests use it).
func binomial(n, k int) float64 {
	c := uint64(1)
	for i := 1; i <= k; i++ {
		c = c * uint64(n-k+i) / uint64(i)
	}
	return float64(c)
}

// floorDivide is Python's float floor division a // b, as NumPy's
// npy_divmod computes it.
func floorDivide(a, b float64) float64 {
	mod := math.Mod(a, b)
	div := (a - mod) / b
	if mod != 0 && (b < 0) != (mod < 0) {
		div--
	}
	if div == 0 {
		return math.Copysign(0, a/b)
	}
	fl := math.Floor(div)
	if div-fl > 0.5 {
		fl++
	}
	return fl
}
