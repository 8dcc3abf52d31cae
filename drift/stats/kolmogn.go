package stats

import "math"

// This file ports scipy/stats/_ksstats.py (SciPy 1.10): the distribution of
// the two-sided one-sample Kolmogorov-Smirnov statistic D_n for a finite n,
// which ks_2samp's asymptotic method evaluates at n = round(n1*n2/(n1+n2))
// through scipy.stats.kstwo.sf. The choice between the exact and
// approximate algorithms is Simard and L'Ecuyer's:
//
//	Simard, R., L'Ecuyer, P. (2011). Computing the Two-Sided
//	Kolmogorov-Smirnov Distribution. Journal of Statistical Software 39(11).
//
// with Durbin's matrix algorithm in Marsaglia, Tsang and Wang's form
// (J. Stat. Softw. 8(18), 2003), Pomeranz's recursion (CACM 17(12), 1974),
// the Pelz-Good asymptotic series (JRSS B 38(2), 1976) and the exact
// one-sided Smirnov sum (smirnov.go). SciPy keeps a few intermediate values
// in x87 extended precision (np.longdouble); here everything is float64,
// which moves results by a few ulps at most.

const (
	e128     = 128
	ep128    = 0x1p128  // 2^128
	em128    = 0x1p-128 // 2^-128
	minLog   = -708
	sqrt2Pi  = 2.5066282746310002 // sqrt(2*pi)
	logTwoPi = 1.8378770664093453 // log(2*pi)
)

// stirlingCoeffs are B_2j/(2j)/(2j-1) for j = 8 down to 1 (Bernoulli numbers).
var stirlingCoeffs = []float64{-2.955065359477124183e-2, 6.4102564102564102564e-3,
	-1.9175269175269175269e-3, 8.4175084175084175084e-4,
	-5.952380952380952381e-4, 7.9365079365079365079e-4,
	-2.7777777777777777778e-3, 8.3333333333333333333e-2}

// polyval evaluates the polynomial with coefficients c (highest power
// first) at x by Horner's rule, as numpy.polyval.
func polyval(c []float64, x float64) float64 {
	y := 0.0
	for _, v := range c {
		y = y*x + v
	}
	return y
}

// logFactorialOverPow is log(n!/n^n) by Stirling's series with n*log(n)
// removed up front (no cancellation).
func logFactorialOverPow(n int) float64 {
	fn := float64(n)
	rn := 1 / fn
	return math.Log(fn)/2 - fn + logTwoPi/2 + rn*polyval(stirlingCoeffs, rn/fn)
}

func clip01(p float64) float64 { return math.Min(math.Max(p, 0), 1) }

// kolmogorovSF is Pr(D_n >= x), the survival function of the two-sided
// one-sample KS statistic for sample size n >= 1, as
// scipy.stats.kstwo.sf(x, n) (which is _kolmogn(n, x, cdf=False) inside
// the support (0.5/n, 1), 1 below it and 0 above it).
func kolmogorovSF(n int, x float64) float64 {
	if x <= 0.5/float64(n) {
		return 1
	}
	if x >= 1 {
		return 0
	}
	fn := float64(n)
	t := fn * x
	if t <= 1 { // Ruben-Gambino: 1/2n <= x <= 1/n
		var prob float64
		if n <= 140 {
			prob = 1.0
			for i := 1; i <= n; i++ {
				prob *= float64(i) * (1 / fn) * (2*t - 1)
			}
		} else {
			prob = math.Exp(logFactorialOverPow(n) + fn*math.Log(2*t-1))
		}
		return clip01(1 - prob)
	}
	if t >= fn-1 { // Ruben-Gambino
		return clip01(2 * math.Pow(1-x, fn))
	}
	if x >= 0.5 { // exact: 2 * smirnov
		return clip01(2 * smirnovSF(n, x))
	}
	nxSquared := t * x
	if n <= 140 {
		if nxSquared <= 0.754693 {
			return clip01(1 - kolmogorovDMTW(n, x))
		}
		if nxSquared <= 4 {
			return clip01(1 - kolmogorovPomeranz(n, x))
		}
		return clip01(2 * smirnovSF(n, x)) // Miller's approximation
	}
	if nxSquared >= 370 {
		return 0
	}
	if nxSquared >= 2.2 {
		return clip01(2 * smirnovSF(n, x))
	}
	// The survival function as 1 - CDF.
	var cdf float64
	if n <= 100000 && fn*math.Pow(x, 1.5) <= 1.4 {
		cdf = kolmogorovDMTW(n, x)
	} else {
		cdf = kolmogorovPelzGood(n, x)
	}
	return clip01(1 - cdf)
}

// kolmogorovDMTW is Pr(D_n <= d) by Durbin's matrix algorithm as
// Marsaglia, Tsang and Wang compute it: with d = (k-h)/n, the k-th
// diagonal entry of (n!/n^n) H^n for an m x m matrix H, m = 2k-1, with
// the powers rescaled by 2^128 to stay in range (_kolmogn_DMTW).
func kolmogorovDMTW(n int, d float64) float64 {
	if d >= 1 {
		return 1
	}
	nd := float64(n) * d
	if nd <= 0.5 {
		return 0
	}
	k := int(math.Ceil(nd))
	h := float64(k) - nd
	m := 2*k - 1

	v := make([]float64, m)
	w := make([]float64, m)
	fac := 1.0
	for j := 1; j <= m; j++ {
		v[j-1] = 1 - math.Pow(h, float64(j))
		w[j-1] = fac
		fac /= float64(j)
		v[j-1] *= fac
	}
	tt := math.Pow(math.Max(2*h-1, 0), float64(m)) - 2*math.Pow(h, float64(m))
	v[m-1] = (1 + tt) * fac

	H := newSquare(m)
	for i := 1; i < m; i++ {
		for r := i - 1; r < m; r++ {
			H.set(r, i, w[r-(i-1)])
		}
	}
	for r := 0; r < m; r++ {
		H.set(r, 0, v[r])
	}
	for c := 0; c < m; c++ {
		H.set(m-1, c, v[m-1-c])
	}

	pwr := identity(m)
	expnt, hExpnt := 0, 0
	for nn := n; nn > 0; nn /= 2 {
		if nn%2 == 1 {
			pwr = pwr.mul(H)
			expnt += hExpnt
		}
		H = H.mul(H)
		hExpnt *= 2
		if math.Abs(H.at(k-1, k-1)) > ep128 {
			for i := range H.a {
				H.a[i] /= ep128
			}
			hExpnt += e128
		}
	}
	p := pwr.at(k-1, k-1)
	// Multiply by n!/n^n.
	for i := 1; i <= n; i++ {
		p = float64(i) * p / float64(n)
		if math.Abs(p) < em128 {
			p *= ep128
			expnt -= e128
		}
	}
	if expnt != 0 {
		p = math.Ldexp(p, expnt)
	}
	return clip01(p)
}

// square is a dense row-major m x m matrix.
type square struct {
	m int
	a []float64
}

func newSquare(m int) square             { return square{m, make([]float64, m*m)} }
func (s square) at(r, c int) float64     { return s.a[r*s.m+c] }
func (s square) set(r, c int, v float64) { s.a[r*s.m+c] = v }

func identity(m int) square {
	s := newSquare(m)
	for i := 0; i < m; i++ {
		s.set(i, i, 1)
	}
	return s
}

func (s square) mul(t square) square {
	out := newSquare(s.m)
	for r := 0; r < s.m; r++ {
		row := out.a[r*s.m : (r+1)*s.m]
		for k := 0; k < s.m; k++ {
			v := s.a[r*s.m+k]
			if v == 0 {
				continue
			}
			trow := t.a[k*s.m : (k+1)*s.m]
			for c := range row {
				row[c] += v * trow[c]
			}
		}
	}
	return out
}

// pomeranzJ1J2 is the interval of non-zero entries of row i in
// Pomeranz's recursion (_pomeranz_compute_j1j2).
func pomeranzJ1J2(i, n, ll, ceilf, roundf int) (int, int) {
	var j1, j2 int
	if i == 0 {
		j1, j2 = -ll-ceilf-1, ll+ceilf-1
	} else {
		ip1div2, ip1mod2 := (i+1)/2, (i+1)%2
		if ip1mod2 == 0 { // i is odd
			if ip1div2 == n+1 {
				j1, j2 = n-ll-ceilf-1, n+ll+ceilf-1
			} else {
				j1, j2 = ip1div2-1-ll-roundf-1, ip1div2+ll-1+ceilf-1
			}
		} else {
			j1, j2 = ip1div2-1-ll-1, ip1div2+ll+roundf-1
		}
	}
	return max(j1+2, 0), min(j2, n)
}

// kolmogorovPomeranz is Pr(D_n <= x) by Pomeranz's recursion: 2n+2 rows,
// each the convolution of the previous row with (almost) Poisson
// probabilities, keeping two rows and the few non-zero entries of each,
// rescaled by 2^128 against underflow (_kolmogn_Pomeranz).
func kolmogorovPomeranz(n int, x float64) float64 {
	fn := float64(n)
	t := fn * x
	ll := int(math.Floor(t))
	f := t - float64(ll)
	g := math.Min(f, 1-f)
	ceilf, roundf := 0, 0
	if f > 0 {
		ceilf = 1
	}
	if f > 0.5 {
		roundf = 1
	}
	npwrs := 2 * (ll + 1)
	gpower := make([]float64, npwrs)      // (g/n)^m/m!
	twogpower := make([]float64, npwrs)   // (2g/n)^m/m!
	onem2gpower := make([]float64, npwrs) // ((1-2g)/n)^m/m!
	gpower[0], twogpower[0], onem2gpower[0] = 1, 1, 1
	gOverN, twoGOverN, oneMinusTwoGOverN := g/fn, 2*g/fn, (1-2*g)/fn
	for m := 1; m < npwrs; m++ {
		gpower[m] = gpower[m-1] * gOverN / float64(m)
		twogpower[m] = twogpower[m-1] * twoGOverN / float64(m)
		onem2gpower[m] = onem2gpower[m-1] * oneMinusTwoGOverN / float64(m)
	}

	V0 := make([]float64, npwrs)
	V1 := make([]float64, npwrs)
	V1[0] = 1
	V0s, V1s := 0, 0
	expnt := 0
	conv := make([]float64, 2*npwrs)
	j1, j2 := pomeranzJ1J2(0, n, ll, ceilf, roundf)
	for i := 1; i < 2*n+2; i++ {
		k1 := j1
		V0, V1 = V1, V0
		V0s, V1s = V1s, V0s
		clear(V1)
		j1, j2 = pomeranzJ1J2(i, n, ll, ceilf, roundf)
		var pwrs []float64
		switch {
		case i == 1 || i == 2*n+1:
			pwrs = gpower
		case i%2 == 1:
			pwrs = twogpower
		default:
			pwrs = onem2gpower
		}
		ln2 := j2 - k1 + 1
		if ln2 <= 0 {
			continue
		}
		// np.convolve(V0[k1-V0s : k1-V0s+ln2], pwrs[:ln2]), full mode;
		// slices past the end are shorter, as NumPy's are.
		a := V0[min(k1-V0s, len(V0)):min(k1-V0s+ln2, len(V0))]
		b := pwrs[:min(ln2, len(pwrs))]
		if len(a) == 0 || len(b) == 0 {
			continue
		}
		cl := len(a) + len(b) - 1
		conv = conv[:0]
		for j := 0; j < cl; j++ {
			s := 0.0
			for p := max(0, j-len(b)+1); p <= min(j, len(a)-1); p++ {
				s += a[p] * b[j-p]
			}
			conv = append(conv, s)
		}
		convStart := j1 - k1
		convLen := j2 - j1 + 1
		if convLen > 0 && convStart < len(conv) {
			copy(V1[:convLen], conv[convStart:min(convStart+convLen, len(conv))])
		}
		mx := 0.0
		for _, v := range V1 {
			mx = math.Max(mx, v)
		}
		if 0 < mx && mx < em128 {
			for j := range V1 {
				V1[j] *= ep128
			}
			expnt -= e128
		}
		V1s = V0s + j1 - k1
	}
	// Multiply by n!.
	ans := V1[n-V1s]
	for m := 1; m <= n; m++ {
		if math.Abs(ans) > ep128 {
			ans *= em128
			expnt += e128
		}
		ans *= float64(m)
	}
	if expnt != 0 {
		ans = math.Ldexp(ans, expnt)
	}
	return clip01(ans)
}

// kolmogorovPelzGood is the Pelz-Good approximation of Pr(D_n <= x): the
// Li-Chien/Korolyuk expansion K0(z) + K1(z)/sqrt(n) + K2(z)/n +
// K3(z)/n^1.5, z = x*sqrt(n), with each K_i rewritten through Jacobi
// theta functions to suit small z (_kolmogn_PelzGood).
func kolmogorovPelzGood(n int, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	const pi2 = math.Pi * math.Pi
	const pi4, pi6 = pi2 * pi2, pi2 * pi2 * pi2
	fn := float64(n)
	z := math.Sqrt(fn) * x
	z2, z3, z4, z6 := z*z, z*z*z, math.Pow(z, 4), math.Pow(z, 6)

	qlog := -pi2 / 8 / z2
	if qlog < minLog { // z ~ 0.0417
		return 0
	}
	q := math.Exp(qlog)

	k1a, k1b := -z2, pi2/4
	k2a := 6*z6 + 2*z4
	k2b := (2*z4 - 5*z2) * pi2 / 4
	k2c := pi4 * (1 - 2*z2) / 16
	k3d := pi6 * (5 - 30*z2) / 64
	k3c := pi4 * (-60*z2 + 212*z4) / 16
	k3b := pi2 * (135*z4 - 96*z6) / 4
	k3a := -30*z6 - 90*math.Pow(z, 8)

	// Horner scheme for sum c_i q^(i^2) over odd i.
	var K [4]float64
	maxk := int(math.Ceil(16 * z / math.Pi))
	for k := maxk; k > 0; k-- {
		m := float64(2*k - 1)
		m2, m4, m6 := m*m, math.Pow(m, 4), math.Pow(m, 6)
		qpower := math.Pow(q, float64(8*k))
		coeffs := [4]float64{1, k1a + k1b*m2, k2a + k2b*m2 + k2c*m4, k3a + k3b*m2 + k3c*m4 + k3d*m6}
		for i := range K {
			K[i] = K[i]*qpower + coeffs[i]
		}
	}
	div := [4]float64{z, 6 * z4, 72 * math.Pow(z, 7), 6480 * math.Pow(z, 10)}
	for i := range K {
		K[i] = K[i] * q * sqrt2Pi / div[i]
	}

	// The other sums, over all integers k, for K2 and K3.
	q = math.Exp(-pi2 / 2 / z2)
	sqrt3z := math.Sqrt(3) * z
	k2extra, k3extra := 0.0, 0.0
	for k := maxk; k > 0; k-- {
		fk := float64(k)
		qp := math.Pow(q, fk*fk)
		k2extra += fk * fk * qp
		kspi := math.Pi * fk
		k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * fk * fk * qp
	}
	K[2] += k2extra * (pi2 * sqrt2Pi / (-36 * z3))
	K[3] += k3extra * (pi2 * sqrt2Pi / (216 * z6))
	sum := 0.0
	for i := range K {
		sum += K[i] / math.Pow(fn, float64(i)/2)
	}
	return sum
}
