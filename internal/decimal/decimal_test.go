package decimal

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestArithmeticIsExact(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  D
		want string
	}{
		{"budget of 99.9", One.Sub(MustParse("99.9").Quo(Hundred)), "0.001"},
		{"page factor 14.4 times budget", MustParse("14.4").Mul(MustParse("0.001")), "0.0144"},
		{"2% of 30d over 1h", MustParse("0.02").Mul(FromInt(720)), "14.4"},
		{"2% of 28d over 1h", MustParse("0.02").Mul(FromInt(672)), "13.44"},
		{"float trap 0.1+0.2", MustParse("0.1").Add(MustParse("0.2")), "0.3"},
		{"exponent form", MustParse("1e-3"), "0.001"},
		{"trailing zeros", MustParse("99.900"), "99.9"},
		{"integer", MustParse("100.0"), "100"},
		{"zero", MustParse("-0.0"), "0"},
		{"negative", MustParse("-2.50"), "-2.5"},
		{"non-terminating rounds to 12 digits", One.Quo(FromInt(3)), "0.333333333333"},
		{"two thirds rounds half up", FromInt(2).Quo(FromInt(3)), "0.666666666667"},
	} {
		if tc.got.String() != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}

func TestCompareAndParse(t *testing.T) {
	if MustParse("0.5").Cmp(MustParse("0.50")) != 0 || MustParse("0.5") != MustParse("5e-1") {
		t.Error("equal decimals must compare equal and be == in canonical form")
	}
	if MustParse("1").Cmp(MustParse("0.999")) != 1 {
		t.Error("1 > 0.999")
	}
	for _, bad := range []string{"", "abc", "1..2", "0x"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
	if (D{}).String() != "0" || !Zero.IsZero() {
		t.Error("zero value must print 0")
	}
}

// parseRat is Parse without the fast path: through big.Rat.
func parseRat(s string) (D, bool) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok {
		return D{}, false
	}
	return FromRat(r), true
}

// randomDecimal returns decimal text from a small alphabet, so that
// equal integer parts and shared fraction prefixes are common.
func randomDecimal(rng *rand.Rand) string {
	ints := []string{"0", "1", "9", "10", "99", "100", "101", "999", "123456789012345678901"}
	s := ints[rng.IntN(len(ints))]
	if n := rng.IntN(7); n > 0 {
		frac := make([]byte, n)
		for i := range frac {
			frac[i] = "0159"[rng.IntN(4)]
		}
		s += "." + string(frac)
	}
	if rng.IntN(2) == 0 {
		s = "-" + s
	}
	return s
}

func TestCmpAndSignMatchRat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50000 {
		a, _ := parseRat(randomDecimal(rng))
		b, _ := parseRat(randomDecimal(rng))
		if got, want := a.Cmp(b), a.Rat().Cmp(b.Rat()); got != want {
			t.Fatalf("%s.Cmp(%s) = %d, big.Rat says %d", a, b, got, want)
		}
		if got, want := a.Sign(), a.Rat().Sign(); got != want {
			t.Fatalf("%s.Sign() = %d, big.Rat says %d", a, got, want)
		}
	}
	// Results of arithmetic, including rounded non-terminating ones.
	for range 20000 {
		a := FromRat(big.NewRat(rng.Int64N(2000001)-1000000, rng.Int64N(999)+1))
		b := FromRat(big.NewRat(rng.Int64N(2000001)-1000000, rng.Int64N(999)+1))
		if got, want := a.Cmp(b), a.Rat().Cmp(b.Rat()); got != want {
			t.Fatalf("%s.Cmp(%s) = %d, big.Rat says %d", a, b, got, want)
		}
	}
}

func TestParseFastPathMatchesRat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	// Non-canonical spellings take the big.Rat path; canonical ones the
	// fast path. Both must give the same decimal.
	spell := []func(string) string{
		func(s string) string { return s },
		func(s string) string { return s + "0" },
		func(s string) string { return "0" + s },
		func(s string) string { return "+" + s },
		func(s string) string { return " " + s + "\t" },
		func(s string) string { return s + "e0" },
		func(s string) string { return s + "e-2" },
		func(s string) string { return s + "." },
		func(s string) string { return "-" + s },
		func(s string) string { return "." + s },
	}
	for range 50000 {
		s := spell[rng.IntN(len(spell))](randomDecimal(rng))
		got, err := Parse(s)
		want, ok := parseRat(s)
		if (err == nil) != ok || got != want {
			t.Fatalf("Parse(%q) = %v, %v; big.Rat gives %v, %v", s, got, err, want, ok)
		}
	}
	for _, s := range []string{"0", "-0", "0.0", "-0.0", "00", "1", "-1", "0.5", "-0.50", "1.", ".5", "-", "", "1e3", "١"} {
		got, err := Parse(s)
		want, ok := parseRat(s)
		if (err == nil) != ok || got != want {
			t.Errorf("Parse(%q) = %v, %v; big.Rat gives %v, %v", s, got, err, want, ok)
		}
	}
}

func TestFromIntMatchesRat(t *testing.T) {
	for _, i := range []int64{0, 1, -1, 9, 10, -10, 3600, 2592000, math.MaxInt64, math.MinInt64} {
		if got, want := FromInt(i), FromRat(new(big.Rat).SetInt64(i)); got != want {
			t.Errorf("FromInt(%d) = %s, want %s", i, got, want)
		}
	}
}

// FuzzCmpAndParse checks the text comparison and the parse fast path
// against big.Rat.
func FuzzCmpAndParse(f *testing.F) {
	f.Add("0.5", "0.50")
	f.Add("-1.25", "-1.3")
	f.Add("99.9", "100")
	f.Add("0.001", "1e-3")
	f.Add("-0", "0")
	f.Fuzz(func(t *testing.T, x, y string) {
		// Keep big.Rat away from huge exponents.
		if len(x) > 64 || len(y) > 64 || strings.ContainsAny(x+y, "eEpP") {
			t.Skip()
		}
		a, okA := parseRat(x)
		if got, err := Parse(x); (err == nil) != okA || got != a {
			t.Fatalf("Parse(%q) = %v, %v; big.Rat gives %v, %v", x, got, err, a, okA)
		}
		b, okB := parseRat(y)
		if !okA || !okB {
			return
		}
		if got, want := a.Cmp(b), a.Rat().Cmp(b.Rat()); got != want {
			t.Fatalf("%s.Cmp(%s) = %d, big.Rat says %d", a, b, got, want)
		}
		if got, want := a.Sign(), a.Rat().Sign(); got != want {
			t.Fatalf("%s.Sign() = %d, big.Rat says %d", a, got, want)
		}
	})
}
