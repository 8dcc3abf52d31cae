package semdiff

import (
	"strings"
	"testing"
)

func TestNormalizeExprIgnoresWhitespace(t *testing.T) {
	a := "sum by (le) (rate(x{a=\"1\"}[5m])) > 0.5"
	b := "sum   by(le)(\n  rate( x{ a = \"1\" }[5m] )\n)\n>\n0.5"
	if NormalizeExpr(a) != NormalizeExpr(b) {
		t.Errorf("whitespace-only change not normalised:\n%s\n%s", NormalizeExpr(a), NormalizeExpr(b))
	}
	if c := strings.Replace(a, "0.5", "0.6", 1); NormalizeExpr(a) == NormalizeExpr(c) {
		t.Errorf("a threshold change normalised away")
	}
	// Not PromQL (a template): whitespace runs collapse.
	if got := NormalizeExpr("sum(rate(x[$window]))  /\n 2"); got != "sum(rate(x[$window])) / 2" {
		t.Errorf("template: got %q", got)
	}
}

func TestThresholds(t *testing.T) {
	q := `(a > 0.0144 and b > 0.0144 and c >= 1) or (d > 0.006 and 0.5 < e) or f / 2`
	got := strings.Join(Thresholds(q), ", ")
	if want := "0.0144, 1, 0.006, 0.5"; got != want {
		t.Errorf("Thresholds = %q, want %q", got, want)
	}
	if Thresholds("sum(") != nil {
		t.Errorf("unparsable PromQL has thresholds")
	}
}
