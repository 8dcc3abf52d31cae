package data

// parseNumber is strconv.ParseFloat(s, 64) with a faster reading of the
// common form: a plain decimal ([+-]digits[.digits][e[+-]digits], at most
// 19 significant digits). strconv's own digit loop (readFloat) was the
// largest cost of reading numeric CSV (41% of BenchmarkEvaluateCSV's
// CPU); the conversion that follows it, the exact float64 fast path and
// the Eisel-Lemire algorithm, is carried over from Go's strconv
// (internal/strconv/atof.go and atofeisel.go, Go 1.26, BSD license) line
// for line, with its 128-bit powers of ten computed exactly as Go's
// pow10gen.go does. Whenever that path does not decide (other syntax,
// more digits, Eisel-Lemire's ambiguous cases, out of range), the string
// goes to strconv.ParseFloat, so results and errors are strconv's.
// TestParseNumberMatchesStrconv compares the two on millions of strings.

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"sync"
)

func parseNumber(s string) (float64, error) {
	if f, ok := fastFloat(s); ok {
		return f, nil
	}
	return strconv.ParseFloat(s, 64)
}

// fastFloat reads s as readFloat would (decimal, no underscores, the
// whole string) and converts it as atof64 would when the mantissa is not
// truncated; ok is false when it cannot decide.
func fastFloat(s string) (f float64, ok bool) {
	i := 0
	neg := false
	if i < len(s) {
		switch s[i] {
		case '+':
			i++
		case '-':
			i++
			neg = true
		}
	}
	var mantissa uint64
	sawdot, sawdigits := false, false
	nd, ndMant, dp := 0, 0, 0
loop:
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			sawdigits = true
			if c == '0' && nd == 0 { // leading zeros
				dp--
				continue
			}
			nd++
			if ndMant < 19 {
				mantissa = mantissa*10 + uint64(c-'0')
				ndMant++
			} else if c != '0' {
				return 0, false // truncated: strconv decides
			}
		case c == '.':
			if sawdot {
				break loop
			}
			sawdot = true
			dp = nd
		default:
			break loop
		}
	}
	if !sawdigits {
		return 0, false
	}
	if !sawdot {
		dp = nd
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i >= len(s) {
			return 0, false
		}
		esign := 1
		switch s[i] {
		case '+':
			i++
		case '-':
			i++
			esign = -1
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		e := 0
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			if e < 10000 {
				e = e*10 + int(s[i]) - '0'
			}
		}
		dp += e * esign
	}
	if i != len(s) {
		return 0, false // other syntax (hex, underscores, inf, nan, trailing text)
	}
	exp := 0
	if mantissa != 0 {
		exp = dp - ndMant
	}
	if f, ok := atof64exact(mantissa, exp, neg); ok {
		return f, true
	}
	return eiselLemire64(mantissa, exp, neg)
}

// float64pow10 are the powers of ten a float64 holds exactly.
var float64pow10 = []float64{
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
	1e20, 1e21, 1e22,
}

// atof64exact is strconv's: the mantissa and, when it is one, the power
// of ten are exact float64s, so one IEEE operation rounds correctly.
func atof64exact(mantissa uint64, exp int, neg bool) (f float64, ok bool) {
	if mantissa>>52 != 0 {
		return
	}
	f = float64(mantissa)
	if neg {
		f = -f
	}
	switch {
	case exp == 0:
		return f, true
	case exp > 0 && exp <= 15+22:
		if exp > 22 {
			f *= float64pow10[exp-22]
			exp = 22
		}
		if f > 1e15 || f < -1e15 {
			return
		}
		return f * float64pow10[exp], true
	case exp < 0 && exp >= -22:
		return f / float64pow10[-exp], true
	}
	return
}

const (
	pow10Min     = -348
	pow10Max     = 347
	float64Bias  = -1023
	float64Mant  = 52
	float64Bits0 = 0x8000000000000000
)

// pow10Tab holds the 128-bit mantissas of 10^e, e in [pow10Min,
// pow10Max], scaled so the high bit is set (truncated), as Go's
// strconv pow10Tab; built on first use.
var (
	pow10Once sync.Once
	pow10Tab  [pow10Max - pow10Min + 1][2]uint64
)

func buildPow10() {
	one, ten := big.NewInt(1), big.NewInt(10)
	for e := pow10Min; e <= pow10Max; e++ {
		var d *big.Int
		if e >= 0 {
			n := new(big.Int).Exp(ten, big.NewInt(int64(e)), nil)
			// floor(n * 2^k) in [2^127, 2^128).
			if k := 128 - n.BitLen(); k >= 0 {
				d = n.Lsh(n, uint(k))
			} else {
				d = n.Rsh(n, uint(-k))
			}
		} else {
			p := new(big.Int).Exp(ten, big.NewInt(int64(-e)), nil)
			// floor(2^k / p) in [2^127, 2^128): 2^k/p lies in
			// [2^(k-len), 2^(k-len+1)), so k = 127 + len(p) puts it in
			// [2^127, 2^128).
			k := 127 + p.BitLen()
			d = new(big.Int).Lsh(one, uint(k))
			d.Quo(d, p)
		}
		lo := new(big.Int).And(d, new(big.Int).SetUint64(math.MaxUint64)).Uint64()
		hi := new(big.Int).Rsh(d, 64).Uint64()
		pow10Tab[e-pow10Min] = [2]uint64{hi, lo}
	}
}

// eiselLemire64 is strconv's (atofeisel.go), with pow10 and mulLog2_10
// from its math.go.
func eiselLemire64(man uint64, exp10 int, neg bool) (f float64, ok bool) {
	if man == 0 {
		if neg {
			f = math.Float64frombits(float64Bits0)
		}
		return f, true
	}
	if exp10 < pow10Min || exp10 > pow10Max {
		return 0, false
	}
	pow10Once.Do(buildPow10)
	pow := pow10Tab[exp10-pow10Min]
	exp2 := 1 + (exp10*108853)>>15 // mulLog2_10

	clz := bits.LeadingZeros64(man)
	man <<= uint(clz)
	retExp2 := uint64(exp2+63-float64Bias) - uint64(clz)

	xHi, xLo := bits.Mul64(man, pow[0])

	if xHi&0x1FF == 0x1FF && xLo+man < man {
		yHi, yLo := bits.Mul64(man, pow[1])
		mergedHi, mergedLo := xHi, xLo+yHi
		if mergedLo < xLo {
			mergedHi++
		}
		if mergedHi&0x1FF == 0x1FF && mergedLo+1 == 0 && yLo+man < man {
			return 0, false
		}
		xHi, xLo = mergedHi, mergedLo
	}

	msb := xHi >> 63
	retMantissa := xHi >> (msb + 9)
	retExp2 -= 1 ^ msb

	if xLo == 0 && xHi&0x1FF == 0 && retMantissa&3 == 1 {
		return 0, false
	}

	retMantissa += retMantissa & 1
	retMantissa >>= 1
	if retMantissa>>53 > 0 {
		retMantissa >>= 1
		retExp2 += 1
	}
	if retExp2-1 >= 0x7FF-1 {
		return 0, false
	}
	retBits := retExp2<<float64Mant | retMantissa&(1<<float64Mant-1)
	if neg {
		retBits |= float64Bits0
	}
	return math.Float64frombits(retBits), true
}
