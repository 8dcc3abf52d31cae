package stats

import "math"

// cephesMinLog is cephes' MINLOG, log(2^-1022): exp below it underflows.
const cephesMinLog = -7.08396418532264106224e2

// smirnovSF is the exact one-sided Kolmogorov-Smirnov survival function
// Pr(D_n^+ >= x), as scipy.special.smirnov(n, x) (SciPy's
// special/cephes/kolmogorov.c, after van Mulbregt, arXiv:1802.06966), by the
// Smirnov (1944) / Birnbaum-Tingey (1951) sum
//
//	x * sum_{v=0}^{floor(n(1-x))} C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v)
//
// whose terms are all positive. SciPy sums it in double-double arithmetic;
// here each term is formed in logarithms from float64 pieces (n*x and
// 1 - x - v/n computed with a fused multiply-add, the binomial coefficient
// kept as a mantissa and a binary exponent, as SciPy does), which keeps
// the relative error near n * 1e-16. SciPy's alternative "upper" sum is
// only chosen for x <= 0.5/sqrt(n), which kolmogorovSF never passes.
func smirnovSF(n int, x float64) float64 {
	if n == 1 {
		return 1 - x
	}
	if x <= 0 {
		return 1
	}
	if x >= 1 {
		return 0
	}
	fn := float64(n)
	// floor(n*x) and its remainder alpha, exactly (SciPy's modNX).
	hi := fn * x
	lo := math.FMA(fn, x, -hi)
	nxfl := math.Floor(hi)
	if nxfl == hi && lo < 0 {
		nxfl--
	}
	alpha := (hi - nxfl) + lo
	if alpha >= 1 {
		nxfl++
		alpha = 0
	}
	nxFloor := int(nxfl)
	// The last v of the sum: floor(n(1-x)), less one when n*x is an
	// integer, as that term is 0.
	last := n - nxFloor - 1
	if nxFloor == 0 || (nxFloor == 1 && alpha == 0) { // x <= 1/n
		return 1 - x*math.Pow(1+x, fn-1)
	}
	if -2*fn*x*x < cephesMinLog { // the survival function underflows
		return 0
	}
	if nxFloor >= n-1 { // x >= 1 - 1/n
		return math.Pow(1-x, fn)
	}
	if n > 1000000 { // too long to sum: p ~ exp(-(6nx+1)^2 / 18n)
		logp := -math.Pow(6*fn*x+1, 2) / 18 / fn
		if logp < -math.Ln2 {
			return math.Exp(logp)
		}
		return 1 + math.Expm1(logp)
	}

	nTerms := last + 1
	vmid := n / 2
	sum := math.Pow(1-x, fn) / x // v = 0
	// C(n, v) = cMan * 2^cExp, cMan in [0.5, 1).
	cMan, cExp := math.Frexp(fn)
	for v := 1; v < nTerms; v++ {
		fv := float64(v)
		t1 := math.FMA(fn, x, fv) / fn     // x + v/n
		t2 := math.FMA(-fn, x, fn-fv) / fn // 1 - x - v/n
		logA := math.Log(cMan) + float64(cExp)*math.Ln2 + (fv-1)*math.Log(t1) + (fn-fv)*math.Log(t2)
		a := math.Exp(logA)
		sum += a
		if a != 0 {
			if 4*float64(nTerms-v)*a < epsilon*sum && v != nTerms-1 {
				break
			}
		} else if v > vmid {
			break
		}
		var e int
		cMan, e = math.Frexp(cMan * ((fn - fv) / (fv + 1)))
		cExp += e
	}
	return clip01(x * sum)
}

// epsilon is DBL_EPSILON, 2^-52.
const epsilon = 0x1p-52
