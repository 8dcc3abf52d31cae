package decimal

import "testing"

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
