package stats

import (
	"math"
	"runtime"
	"sync"
)

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
	if nTerms >= smirnovParallelMin && runtime.GOMAXPROCS(0) > 1 {
		return clip01(x * smirnovSumParallel(n, x, nTerms))
	}
	sum := math.Pow(1-x, fn) / x // v = 0
	c := newBinomialChain(fn)
	for v := 1; v < nTerms; v++ {
		a := c.term(v, x)
		sum += a
		if smirnovSumDone(a, sum, v, nTerms, n/2) {
			break
		}
		c.advance(v)
	}
	return clip01(x * sum)
}

// epsilon is DBL_EPSILON, 2^-52.
const epsilon = 0x1p-52

// binomialChain is C(n, v) as a mantissa in [0.5, 1) and a binary
// exponent, advanced from v to v+1 by one multiplication, so that it
// neither overflows nor loses precision over n steps (SciPy's
// representation).
type binomialChain struct {
	fn   float64
	man  float64
	exp2 int
}

// newBinomialChain is C(n, 1) = n.
func newBinomialChain(fn float64) binomialChain {
	man, e := math.Frexp(fn)
	return binomialChain{fn: fn, man: man, exp2: e}
}

// term is the v-th term of the Smirnov sum, C(n,v) (x + v/n)^(v-1)
// (1 - x - v/n)^(n-v), formed in logarithms.
func (c *binomialChain) term(v int, x float64) float64 {
	fn, fv := c.fn, float64(v)
	t1 := math.FMA(fn, x, fv) / fn     // x + v/n
	t2 := math.FMA(-fn, x, fn-fv) / fn // 1 - x - v/n
	logA := math.Log(c.man) + float64(c.exp2)*math.Ln2 + (fv-1)*math.Log(t1) + (fn-fv)*math.Log(t2)
	return math.Exp(logA)
}

// advance turns C(n, v) into C(n, v+1).
func (c *binomialChain) advance(v int) {
	fv := float64(v)
	var e int
	c.man, e = math.Frexp(c.man * ((c.fn - fv) / (fv + 1)))
	c.exp2 += e
}

// smirnovSumDone reports whether the sum may stop after term v (of
// nTerms) with value a, the sum so far being sum: the remaining terms
// cannot change it (SciPy's stopping rule), or the terms have underflowed
// past the middle of the sum.
func smirnovSumDone(a, sum float64, v, nTerms, vmid int) bool {
	if a != 0 {
		return 4*float64(nTerms-v)*a < epsilon*sum && v != nTerms-1
	}
	return v > vmid
}

// smirnovParallelMin is the number of terms from which smirnovSF forms the
// terms on several goroutines. A 1M x 1M KS test's p-value sums about
// 500,000 terms (three logarithms and an exponential each), which on one
// core took as long as sorting both samples.
const smirnovParallelMin = 1 << 15

// smirnovBlock is the number of consecutive terms one goroutine forms.
const smirnovBlock = 1 << 12

// smirnovSumParallel is the Smirnov sum of smirnovSF (without the factor
// x) with the terms formed concurrently, bit for bit the serial loop's
// result: the binomial chain is advanced serially (one multiplication a
// term) to record its state at the start of every block, each block's
// terms are formed from that state by the same operations as the serial
// loop, and the terms are then added in order with the same stopping
// rule. Terms are formed a round of blocks at a time, so a sum that stops
// early wastes at most one round.
func smirnovSumParallel(n int, x float64, nTerms int) float64 {
	fn := float64(n)
	workers := runtime.GOMAXPROCS(0)
	roundLen := workers * 4 * smirnovBlock
	terms := make([]float64, roundLen)
	sum := math.Pow(1-x, fn) / x // v = 0
	chain := newBinomialChain(fn)
	starts := make([]binomialChain, 0, roundLen/smirnovBlock)
	for first := 1; first < nTerms; first += roundLen {
		end := min(first+roundLen, nTerms)
		starts = starts[:0]
		for v := first; v < end; v++ {
			if (v-first)%smirnovBlock == 0 {
				starts = append(starts, chain)
			}
			chain.advance(v)
		}
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for b := w; b < len(starts); b += workers {
					c := starts[b]
					lo := first + b*smirnovBlock
					hi := min(lo+smirnovBlock, end)
					for v := lo; v < hi; v++ {
						terms[v-first] = c.term(v, x)
						c.advance(v)
					}
				}
			})
		}
		wg.Wait()
		for v := first; v < end; v++ {
			a := terms[v-first]
			sum += a
			if smirnovSumDone(a, sum, v, nTerms, n/2) {
				return sum
			}
		}
	}
	return sum
}
