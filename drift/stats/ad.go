package stats

import (
	"errors"
	"math"
	"math/big"

	"gonum.org/v1/gonum/mat"
)

// ErrConstant is returned when the pooled samples hold a single distinct
// value, where the Anderson-Darling statistic is undefined.
var ErrConstant = errors.New("samples hold a single distinct value")

// AndersonDarlingMinP and AndersonDarlingMaxP bound the significance level
// AndersonDarling returns: Scholz and Stephens tabulate critical values
// for levels 0.25 down to 0.001 only, and SciPy caps (floors) the
// interpolated level at these ends rather than extrapolate.
const (
	AndersonDarlingMinP = 0.001
	AndersonDarlingMaxP = 0.25
)

// adLevels are the significance levels of Scholz and Stephens' Table 2,
// and adB0..adB2 the coefficients of their critical values
// b0 + b1/sqrt(m) + b2/m for m = k-1 degrees of freedom.
var (
	adLevels = []float64{0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001}
	adB0     = []float64{0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085}
	adB1     = []float64{-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615}
	adB2     = []float64{-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154}
)

// adCritical are the two-sample (m = 1) critical values, and adFit the
// least-squares quadratic through (critical value, log level), highest
// power first, as numpy.polyfit(critical, log(sig), 2).
var adCritical, adFit = adInterpolation()

func adInterpolation() ([]float64, []float64) {
	crit := make([]float64, len(adLevels))
	V := mat.NewDense(len(crit), 3, nil)
	y := mat.NewVecDense(len(crit), nil)
	for i := range crit {
		crit[i] = adB0[i] + adB1[i]/math.Sqrt(1) + adB2[i]/1
		V.Set(i, 0, crit[i]*crit[i])
		V.Set(i, 1, crit[i])
		V.Set(i, 2, 1)
		y.SetVec(i, math.Log(adLevels[i]))
	}
	var c mat.VecDense
	if err := c.SolveVec(V, y); err != nil {
		panic(err) // a fixed, well-conditioned 7x3 least-squares problem
	}
	return crit, []float64{c.AtVec(0), c.AtVec(1), c.AtVec(2)}
}

// AndersonDarling is the k-sample Anderson-Darling test of Scholz and
// Stephens (1987), "K-Sample Anderson-Darling Tests", JASA 82(399), for
// k = 2, as scipy.stats.anderson_ksamp([ref, cur], midrank=True) (SciPy
// 1.10). It needs at least four observations in all and two distinct
// values; NaNs must be removed first.
//
// The statistic is the standardised midrank version (their eq. 7,
// A2akN, for continuous and discrete data alike):
//
//	A2akN = (N-1)/N * sum_i 1/n_i * sum_j l_j/N * (N*M_ij - n_i*B_j)^2 /
//	        (B_j*(N - B_j) - N*l_j/4)
//
// over the distinct pooled values z_j, with l_j copies of z_j in all, B_j
// the pooled values below z_j plus l_j/2, and M_ij the values of sample
// i below z_j plus half its copies of z_j; returned as
// (A2akN - (k-1)) / sigma_N, with sigma_N^2 its exact null variance.
//
// The p-value is the significance level SciPy interpolates: exp of the
// quadratic fitted to log(level) against the tabulated critical values,
// evaluated at the statistic, capped to [AndersonDarlingMinP,
// AndersonDarlingMaxP]: a statistic beyond the table gives exactly 0.001
// (or 0.25), not a smaller (larger) p-value.
func AndersonDarling(ref, cur []float64) (statistic, pValue float64, err error) {
	if len(ref) == 0 || len(cur) == 0 {
		return 0, 0, ErrEmpty
	}
	if len(ref)+len(cur) < 4 {
		return 0, 0, ErrTooFew
	}
	a, b := sortedPair(ref, cur)
	A2kN, distinct := adMidrank(a, b)
	if distinct < 2 {
		return 0, 0, ErrConstant
	}
	N := len(a) + len(b)
	fN := float64(N)
	const k = 2.0
	H := 1/float64(len(a)) + 1/float64(len(b))
	// hs_cs = cumsum(1/(N-1), 1/(N-2), ..., 1/2); h = hs_cs[-1] + 1;
	// g = sum(hs_cs[i] / (i+2)).
	hs := make([]float64, N-2)
	c := 0.0
	for i := range hs {
		c += 1 / float64(N-1-i)
		hs[i] = c
	}
	h := 1.0
	if len(hs) > 0 {
		h = hs[len(hs)-1] + 1
	}
	for i := range hs {
		hs[i] /= float64(i + 2)
	}
	g := numpySum(hs)
	aa := (4*g-6)*(k-1) + (10-6*g)*H
	bb := (2*g-4)*k*k + 8*h*k + (2*g-14*h-4)*H - 8*h + 4*g - 6
	cc := (6*h+2*g-2)*k*k + (4*h-4*g+6)*k + (2*h-6)*H + 4*h
	dd := (2*h+6)*k*k - 4*h*k
	bigN := big.NewInt(int64(N))
	N2, _ := new(big.Float).SetInt(new(big.Int).Mul(bigN, bigN)).Float64()
	N3, _ := new(big.Float).SetInt(new(big.Int).Mul(bigN, new(big.Int).Mul(bigN, bigN))).Float64()
	sigmaSq := (aa*N3 + bb*N2 + cc*fN + dd) / ((fN - 1) * (fN - 2) * (fN - 3))
	statistic = (A2kN - (k - 1)) / math.Sqrt(sigmaSq)

	lo, hi := adCritical[0], adCritical[len(adCritical)-1]
	switch {
	case statistic < lo:
		pValue = AndersonDarlingMaxP
	case statistic > hi:
		pValue = AndersonDarlingMinP
	default:
		pValue = math.Exp(polyval(adFit, statistic))
	}
	return statistic, pValue, nil
}

// adMidrank is A2akN of Scholz and Stephens' eq. 7 for two sorted samples
// (SciPy's _anderson_ksamp_midrank), with the number of distinct values.
func adMidrank(a, b []float64) (float64, int) {
	N := len(a) + len(b)
	fN := float64(N)
	type level struct{ l, below, ca, ba, cb, bbelow int }
	var levels []level
	for w := newTieWalk(a, b); w.next(); {
		i0, i, j0, j := w.i0, w.i, w.j0, w.j
		levels = append(levels, level{l: (i - i0) + (j - j0), below: i0 + j0, ca: i - i0, ba: i0, cb: j - j0, bbelow: j0})
	}
	inner := make([]float64, len(levels))
	total := 0.0
	for s, n := range []int{len(a), len(b)} {
		fn := float64(n)
		for q, lv := range levels {
			lj := float64(lv.l)
			Bj := float64(lv.below) + lj/2
			var M float64
			if s == 0 {
				M = float64(lv.ba+lv.ca) - float64(lv.ca)/2
			} else {
				M = float64(lv.bbelow+lv.cb) - float64(lv.cb)/2
			}
			x := fN*M - Bj*fn
			inner[q] = lj / fN * (x * x) / (Bj*(fN-Bj) - float64(N*lv.l)/4)
		}
		total += numpySum(inner) / fn
	}
	return total * ((fN - 1) / fN), len(levels)
}
