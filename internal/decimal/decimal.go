// Package decimal provides exact decimal numbers for thresholds,
// objectives and burn-rate factors, so that generated artifacts say 0.001
// and never 0.0009999999999999432.
package decimal

import (
	"fmt"
	"math/big"
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
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok {
		return D{}, fmt.Errorf("invalid decimal %q", s)
	}
	return FromRat(r), nil
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
func FromInt(i int64) D { return FromRat(new(big.Rat).SetInt64(i)) }

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
func (d D) Sign() int { return d.Rat().Sign() }

// Cmp compares d and e: -1 if d < e, 0 if equal, +1 if d > e.
func (d D) Cmp(e D) int { return d.Rat().Cmp(e.Rat()) }

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
