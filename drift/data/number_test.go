package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestParseNumberMatchesStrconv: parseNumber gives strconv.ParseFloat's
// value (bit for bit) and error on chosen hard cases and on 1.5 million
// random strings: every float64 class printed shortest, with fixed
// precision and in exponent form, and random decimals of 1 to 25 digits
// with exponents from -400 to 400 (subnormals, overflow, truncated
// mantissas, halfway cases).
func TestParseNumberMatchesStrconv(t *testing.T) {
	check := func(s string) {
		t.Helper()
		got, gerr := parseNumber(s)
		want, werr := strconv.ParseFloat(s, 64)
		if math.Float64bits(got) != math.Float64bits(want) || fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Fatalf("%q: %v (%x), %v; strconv: %v (%x), %v", s, got, math.Float64bits(got), gerr, want, math.Float64bits(want), werr)
		}
	}
	for _, s := range []string{
		"", "0", "-0", "+0", "0.0", "-0.0", "00", ".0", "0.", ".", "-", "+", "e5", "1e", "1e+", "1e-", "1e+5", "1E5",
		"1_0", "1_000.5", "0x10", "0x1p-2", "inf", "-Inf", "nan", "NaN", "1.2.3", "1..2", "1e5.5", "1 ", " 1", "1x",
		"1e-400", "1e400", "-1e400", "4.9e-324", "5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
		"2.2250738585072011e-308", "2.2250738585072012e-308", "1.7976931348623157e308", "1.7976931348623158e308",
		"1.7976931348623159e308", "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
		"4503599627370496", "4503599627370497.5", "18446744073709551615", "18446744073709551616", "1844674407370955161",
		"0.1", "0.30000000000000004", "123456789012345678901234567890", "1.000000000000000000000000001",
		"0.000000000000000000000000000000000000000001", "100000000000000000000000", "1e22", "1e23", "1e-22", "1e-23",
		"7.4109846876186982e-323", "1e10000", "1e-10000", "1e99999999999", "-0e5", "0e-400",
	} {
		check(s)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	formats := []byte{'g', 'e', 'f'}
	for range 500_000 {
		x := math.Float64frombits(rng.Uint64())
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		prec := -1
		if rng.IntN(3) == 0 {
			prec = rng.IntN(20)
		}
		fm := formats[rng.IntN(3)]
		if fm == 'f' && math.Abs(x) > 1e30 {
			fm = 'e'
		}
		check(strconv.FormatFloat(x, fm, prec, 64))
		check(strconv.FormatFloat(rng.NormFloat64()*math.Pow(10, float64(rng.IntN(20)-10)), 'g', -1, 64))
	}
	var b strings.Builder
	for range 500_000 {
		b.Reset()
		switch rng.IntN(3) {
		case 0:
			b.WriteByte('-')
		case 1:
			b.WriteByte('+')
		}
		n := 1 + rng.IntN(25)
		dot := rng.IntN(n + 2)
		for i := range n {
			if i == dot {
				b.WriteByte('.')
			}
			if i < rng.IntN(4) {
				b.WriteByte('0')
			} else {
				b.WriteByte(byte('0' + rng.IntN(10)))
			}
		}
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&b, "e%d", rng.IntN(801)-400)
		}
		check(b.String())
	}
}

// TestPow10TableMatchesGo compares the powers of ten with Go's own table
// (internal/strconv/pow10tab.go of the Go release that builds this test).
func TestPow10TableMatchesGo(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "src", "internal", "strconv", "pow10tab.go"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("Go's table is not readable here (%v); TestParseNumberMatchesStrconv still checks the results", err)
	}
	pow10Once.Do(buildPow10)
	rows := regexp.MustCompile(`\{(0x[0-9a-f]+), (0x[0-9a-f]+)\}, // 1e(-?\d+) `).FindAllStringSubmatch(string(src), -1)
	if len(rows) != len(pow10Tab) {
		t.Fatalf("Go's table has %d rows, ours %d", len(rows), len(pow10Tab))
	}
	for _, r := range rows {
		hi, _ := strconv.ParseUint(r[1], 0, 64)
		lo, _ := strconv.ParseUint(r[2], 0, 64)
		e, _ := strconv.Atoi(r[3])
		if got := pow10Tab[e-pow10Min]; got != [2]uint64{hi, lo} {
			t.Fatalf("1e%d: %#x, Go's %#x %#x", e, got, hi, lo)
		}
	}
}

func BenchmarkParseNumber(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	strs := make([]string, 4096)
	for i := range strs {
		strs[i] = strconv.FormatFloat(rng.NormFloat64()*3, 'g', -1, 64)
	}
	var sink float64
	b.Run("strconv", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			v, _ := strconv.ParseFloat(strs[i&4095], 64)
			sink += v
		}
	})
	b.Run("parseNumber", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			v, _ := parseNumber(strs[i&4095])
			sink += v
		}
	})
	_ = sink
}
