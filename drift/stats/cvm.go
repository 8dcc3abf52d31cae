package stats

import (
	"errors"
	"math"
	"math/big"
)

// ErrTooFew is returned when a test needs more observations than it got
// (Cramér-von Mises: two per sample; Anderson-Darling: four in all).
var ErrTooFew = errors.New("too few observations for this test")

// cvmMaxExact is the largest sample size for which CramerVonMises
// computes the exact p-value, as cramervonmises_2samp(method='auto').
const cvmMaxExact = 20

// CramerVonMises is the two-sample Cramér-von Mises test, as
// scipy.stats.cramervonmises_2samp(ref, cur, method='auto') (SciPy 1.10).
// Each sample needs at least two observations; NaNs must be removed first.
//
// The statistic is Anderson's (1962) T (his eq. 9):
//
//	U = n * sum_i (r_i - i)^2 + m * sum_j (s_j - j)^2
//	T = U / (n*m*(n+m)) - (4*n*m - 1) / (6*(n+m))
//
// where r_i and s_j are the ranks, in the pooled sample, of the i-th
// smallest reference and j-th smallest current value (midranks for ties).
//
// The p-value is Pr(T' >= T) under the null hypothesis. When both samples
// have at most 20 observations it is exact, by enumerating the
// distribution of U over all lattice paths with the recursion of Xiao,
// Gordon and Yakovlev (J. Stat. Softw. 17(8), 2006). Otherwise T is
// standardised with its exact mean and variance (Anderson 1962, eqs. 11,
// 14, 15) and referred to the limiting distribution of the one-sample
// statistic, whose CDF is the series of Csörgő and Faraway (1996, eq. 1.2),
// summed until a term falls below 1e-7, as SciPy does. SciPy documents that
// series as inaccurate beyond about 4, where the CDF is within ~1e-7 of 1:
// there the p-value is tiny but not monotone in T, and it is clipped at 0.
func CramerVonMises(ref, cur []float64) (statistic, pValue float64, err error) {
	if len(ref) < 2 || len(cur) < 2 {
		return 0, 0, ErrTooFew
	}
	a, b := sortedPair(ref, cur)
	ra, rb := pooledMidranks(a, b)
	nx, ny := len(a), len(b)
	u := float64(nx)*numpySum(rankDeviations(ra)) + float64(ny)*numpySum(rankDeviations(rb))

	k := new(big.Int).Mul(big.NewInt(int64(nx)), big.NewInt(int64(ny)))
	bigN := big.NewInt(int64(nx + ny))
	kN, _ := new(big.Float).SetInt(new(big.Int).Mul(k, bigN)).Float64()
	four := new(big.Int).Sub(new(big.Int).Mul(big.NewInt(4), k), big.NewInt(1))
	t := u/kN - ratio(four, new(big.Int).Mul(big.NewInt(6), bigN))

	if max(nx, ny) <= cvmMaxExact {
		return t, cvmExactPValue(u, nx, ny), nil
	}
	N := float64(nx + ny)
	et := (1 + 1/N) / 6
	// vt = (N+1) * (4kN - 3(nx^2 + ny^2) - 2k) / (45 * N^2 * 4k), exactly
	// as Python's integer arithmetic and true division give it.
	n2 := new(big.Int).Add(new(big.Int).Mul(big.NewInt(int64(nx)), big.NewInt(int64(nx))), new(big.Int).Mul(big.NewInt(int64(ny)), big.NewInt(int64(ny))))
	num := new(big.Int).Mul(big.NewInt(4), new(big.Int).Mul(k, bigN))
	num.Sub(num, new(big.Int).Mul(big.NewInt(3), n2))
	num.Sub(num, new(big.Int).Mul(big.NewInt(2), k))
	num.Mul(num, new(big.Int).Add(bigN, big.NewInt(1)))
	den := new(big.Int).Mul(big.NewInt(45*4), new(big.Int).Mul(new(big.Int).Mul(bigN, bigN), k))
	vt := ratio(num, den)
	tn := 1.0/6 + (t-et)/math.Sqrt(45*vt)
	if tn < 0.003 { // the CDF is below 1.3e-18
		return t, 1, nil
	}
	return t, math.Max(0, 1-cvmLimitCDF(tn)), nil
}

// ratio is num/den correctly rounded, as Python's int / int.
func ratio(num, den *big.Int) float64 {
	f, _ := new(big.Rat).SetFrac(num, den).Float64()
	return f
}

// pooledMidranks returns the ranks of the sorted samples a and b in the
// pooled sample, ties getting the average of the ranks they span
// (scipy.stats.rankdata(method='average')).
func pooledMidranks(a, b []float64) (ra, rb []float64) {
	ra, rb = make([]float64, len(a)), make([]float64, len(b))
	for w := newTieWalk(a, b); w.next(); {
		before, tied := w.i0+w.j0, (w.i-w.i0)+(w.j-w.j0)
		r := 0.5 * float64(2*before+tied+1)
		for p := w.i0; p < w.i; p++ {
			ra[p] = r
		}
		for p := w.j0; p < w.j; p++ {
			rb[p] = r
		}
	}
	return ra, rb
}

// rankDeviations is (r_i - i)^2 for i = 1..len(r), in place.
func rankDeviations(r []float64) []float64 {
	for i := range r {
		d := r[i] - float64(i+1)
		r[i] = d * d
	}
	return r
}

// cvmLimitCDF is the CDF of the limiting distribution of the one-sample
// Cramér-von Mises statistic (Csörgő and Faraway 1996, eq. 1.2, second
// line of 1.3), as SciPy's _cdf_cvm_inf:
//
//	sum_k Gamma(k+1/2) / (Gamma(k+1) pi^1.5 sqrt(x)) * sqrt(4k+1)
//	      * exp(-(4k+1)^2/(16x)) * K_{1/4}((4k+1)^2/(16x))
//
// stopping after the first term below 1e-7.
func cvmLimitCDF(x float64) float64 {
	tot := 0.0
	for k := 0; ; k++ {
		lg1, _ := math.Lgamma(float64(k) + 0.5)
		lg2, _ := math.Lgamma(float64(k) + 1)
		u := math.Exp(lg1-lg2) / (math.Pow(math.Pi, 1.5) * math.Sqrt(x))
		y := float64(4*k + 1)
		q := y * y / (16 * x)
		z := u * math.Sqrt(y) * math.Exp(-q) * besselK(0.25, q)
		tot += z
		if math.Abs(z) < 1e-7 {
			return tot
		}
	}
}

// besselK is the modified Bessel function of the second kind K_nu(q) for
// q > 0, from its integral representation
//
//	K_nu(q) = exp(-q) * integral_0^inf exp(-q (cosh t - 1)) cosh(nu t) dt
//
// by the trapezoidal rule. The integrand is analytic in a strip around the
// real axis, so the rule converges geometrically in 1/h; its peak at t = 0
// has width about 1/sqrt(q), so the step is min(1/8, 1/(10 sqrt(q))),
// which leaves the discretisation error far below double precision. The
// sum stops once terms no longer change it.
func besselK(nu, q float64) float64 {
	h := math.Min(0.125, 0.1/math.Sqrt(q))
	sum := 0.5
	for i := 1; ; i++ {
		t := float64(i) * h
		f := math.Exp(-q*(math.Cosh(t)-1)) * math.Cosh(nu*t)
		sum += f
		if f < 1e-18*sum {
			return math.Exp(-q) * sum * h
		}
	}
}
