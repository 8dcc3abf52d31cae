// Package decimal provides exact decimal numbers for thresholds,
// objectives and burn-rate factors, so that generated artifacts say 0.001
// and never 0.0009999999999999432.
package decimal

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// maxFractionDigits bounds the digits printed for a non-terminating
// result (e.g. 1/3). Such values are rounded half away from zero.
const maxFractionDigits = 12

// D is an exact decimal number held in canonical form: no exponent, no
// trailing fractional zeros, no leading "+", "0" for zero. The zero value
// of D is 0. D is comparable with ==.
type D struct{ s string }

// Zero, One and Hundred are common constants.
var (
	Zero    = D{}
	One     = MustParse("1")
	Hundred = MustParse("100")
)

// Parse reads a decimal literal such as "99.9", "-0.5", "1e-3" or "14.4".
func Parse(s string) (D, error) {
	t := strings.TrimSpace(s)
	if canonical(t) {
		// Already in canonical form (the usual case): FromRat would
		// give back the same text.
		if t == "0" {
			return D{}, nil
		}
		return D{t}, nil
	}
	r, ok := new(big.Rat).SetString(t)
	if !ok {
		return D{}, fmt.Errorf("invalid decimal %q", s)
	}
	return FromRat(r), nil
}

// canonical reports whether s is a decimal in the canonical form of D's
// text (or "0"): an optional "-", an integer part without leading zeros,
// and an optional fraction without trailing zeros; not "-0".
func canonical(s string) bool {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	ip, fp, dot := strings.Cut(s, ".")
	if ip == "" || len(ip) > 1 && ip[0] == '0' || !digits(ip) {
		return false
	}
	if dot && (fp == "" || fp[len(fp)-1] == '0' || !digits(fp)) {
		return false
	}
	return !neg || ip != "0" || dot
}

// digits reports whether s consists of ASCII digits only.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MustParse is Parse for constants; it panics on invalid input.
func MustParse(s string) D {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// FromInt returns the decimal for an integer.
func FromInt(i int64) D {
	if i == 0 {
		return D{}
	}
	return D{strconv.FormatInt(i, 10)}
}

// FromRat returns the decimal closest to r: exact when r has a finite
// decimal expansion, otherwise rounded to 12 fractional digits.
func FromRat(r *big.Rat) D {
	if r.Sign() == 0 {
		return D{}
	}
	digits := maxFractionDigits
	if n, exact := r.FloatPrec(); exact {
		digits = n
	}
	s := r.FloatString(digits)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	if s == "0" {
		return D{}
	}
	return D{s}
}

// String returns the canonical decimal text, e.g. "0.001".
func (d D) String() string {
	if d.s == "" {
		return "0"
	}
	return d.s
}

// Rat returns the value as a new big.Rat.
func (d D) Rat() *big.Rat {
	r, _ := new(big.Rat).SetString(d.String())
	return r
}

// Float64 returns the nearest float64.
func (d D) Float64() float64 {
	f, _ := d.Rat().Float64()
	return f
}

// IsZero reports whether d is 0.
func (d D) IsZero() bool { return d.s == "" }

// Sign returns -1, 0 or +1.
func (d D) Sign() int {
	switch {
	case d.s == "":
		return 0
	case d.s[0] == '-':
		return -1
	}
	return 1
}

// Cmp compares d and e: -1 if d < e, 0 if equal, +1 if d > e.
//
// The canonical text is compared directly: by sign, then by the length
// and digits of the integer part, then by the fraction's digits (which
// have no trailing zeros, so a fraction that extends another is larger).
func (d D) Cmp(e D) int {
	ds, es := d.Sign(), e.Sign()
	switch {
	case ds != es:
		return cmpInt(ds, es)
	case ds == 0:
		return 0
	case ds < 0:
		return cmpMagnitude(e.s[1:], d.s[1:])
	}
	return cmpMagnitude(d.s, e.s)
}

// cmpMagnitude compares two canonical non-negative decimal texts.
func cmpMagnitude(a, b string) int {
	ai, af, _ := strings.Cut(a, ".")
	bi, bf, _ := strings.Cut(b, ".")
	if len(ai) != len(bi) {
		return cmpInt(len(ai), len(bi))
	}
	if c := strings.Compare(ai, bi); c != 0 {
		return c
	}
	return strings.Compare(af, bf)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Add returns d + e.
func (d D) Add(e D) D {
	return memo('+', d, e, func() D { return FromRat(new(big.Rat).Add(d.Rat(), e.Rat())) })
}

// Sub returns d - e.
func (d D) Sub(e D) D {
	return memo('-', d, e, func() D { return FromRat(new(big.Rat).Sub(d.Rat(), e.Rat())) })
}

// Mul returns d * e.
func (d D) Mul(e D) D {
	return memo('*', d, e, func() D { return FromRat(new(big.Rat).Mul(d.Rat(), e.Rat())) })
}

// Quo returns d / e. It panics if e is zero, like integer division.
func (d D) Quo(e D) D {
	if e.IsZero() {
		panic("decimal: division by zero")
	}
	return memo('/', d, e, func() D { return FromRat(new(big.Rat).Quo(d.Rat(), e.Rat())) })
}

// A spec repeats the same few numbers (objectives, windows, factors)
// across many SLOs, and big.Rat arithmetic through decimal text is slow,
// so results of binary operations are memoized, up to maxMemo entries.
const maxMemo = 1 << 16

type memoKey struct {
	op   byte
	a, b string
}

var (
	memoTable sync.Map
	memoSize  atomic.Int64
)

func memo(op byte, a, b D, f func() D) D {
	k := memoKey{op, a.s, b.s}
	if v, ok := memoTable.Load(k); ok {
		return v.(D)
	}
	r := f()
	if memoSize.Load() < maxMemo {
		if _, loaded := memoTable.LoadOrStore(k, r); !loaded {
			memoSize.Add(1)
		}
	}
	return r
}

// MarshalText implements encoding.TextMarshaler.
func (d D) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *D) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON writes the decimal as a JSON number.
func (d D) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }
