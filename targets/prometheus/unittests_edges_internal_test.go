package prometheus

import (
	"testing"

	"github.com/vigil-dev/vigil/compiler"
)

// TestEdgeCounter checks the promtool values of a synthetic counter: an
// offset of ten times the traffic's total rounded up to a power of ten
// (at least 1000), then one sample a minute, runs written as promtool's
// expanding notation (a+bxn is n+1 samples, axn too).
func TestEdgeCounter(t *testing.T) {
	tr := edgeTraffic{good: []float64{2, 2, 2, 0, 0, 5}, bad: []float64{0, 0, 0, 0, 0, 1}}
	// Good: 1000, then 1002 1004 1006, 1006 1006, 1011.
	if got, want := edgeCounter(tr.good, tr), "1000 1002+2x2 1006x1 1011"; got != want {
		t.Errorf("good counter %q, want %q", got, want)
	}
	if got, want := edgeCounter(tr.bad, tr), "1000 1000x4 1001"; got != want {
		t.Errorf("bad counter %q, want %q", got, want)
	}
	big := edgeTraffic{good: []float64{600, 600}, bad: []float64{0, 0}}
	// Total 1200: offset 10^ceil(log10(12000)) = 100000.
	if got, want := edgeCounter(big.good, big), "100000 100600+600x1"; got != want {
		t.Errorf("counter %q, want %q", got, want)
	}
}

// TestEdgeTrafficWindow checks which increments a rate over w minutes at
// minute t sees: the w before t under Prometheus 2's closed ranges, one
// fewer under Prometheus 3's left-open ones, all of them while t < w.
func TestEdgeTrafficWindow(t *testing.T) {
	var tr edgeTraffic
	tr.add(10, 1, 0)
	tr.add(1, 0, 1)
	for _, c := range []struct {
		t, w       int
		open       bool
		good, bad  float64
		increments int
	}{
		{11, 5, false, 4, 1, 5},
		{11, 5, true, 3, 1, 4},
		{3, 5, false, 3, 0, 3},
		{3, 5, true, 3, 0, 3},
		{10, 60, true, 10, 0, 10},
	} {
		g, b, n := tr.window(c.t, c.w, c.open)
		if g != c.good || b != c.bad || n != c.increments {
			t.Errorf("window(%d, %d, open=%v) = %g, %g, %d; want %g, %g, %d", c.t, c.w, c.open, g, b, n, c.good, c.bad, c.increments)
		}
	}
}

// TestRegexpExample checks that the values synthesised for regular
// expression matchers match them, anchored as PromQL anchors them.
func TestRegexpExample(t *testing.T) {
	for re, want := range map[string]string{
		"5..":           "500",
		"5xx|error":     "5xx",
		"(?:4|5)[0-9]+": "40",
		"err.*":         "err",
		"[^a]b?":        "0",
		"timeout":       "timeout",
	} {
		if got, ok := regexpExample(re); !ok || got != want {
			t.Errorf("regexpExample(%q) = %q, %v; want %q", re, got, ok, want)
		}
	}
	for _, re := range []string{"a\\bb", "[a"} {
		if got, ok := regexpExample(re); ok {
			t.Errorf("regexpExample(%q) = %q; want none", re, got)
		}
	}
}

// TestConcreteSelector checks the series labels synthesised for request
// selectors: negative matchers leave their label out, and a successful
// request's series must not match the error selector.
func TestConcreteSelector(t *testing.T) {
	sel := compiler.Selector{
		{Name: "code", Op: "=~", Value: "5.."},
		{Name: "route", Op: "=", Value: "classify"},
		{Name: "shadow", Op: "!=", Value: "true"},
	}
	got, ok := concreteSelector(sel)
	if want := `code="500",route="classify"`; !ok || got.String() != want {
		t.Errorf("concreteSelector = %s, %v; want %s", got, ok, want)
	}
	if _, ok := concreteSelector(compiler.Selector{{Name: "env", Op: "!~", Value: ".*"}}); ok {
		t.Error("a negative matcher that rejects the empty value has no series")
	}
	// An error selector that also matches the successful series (status
	// !~ "2.." is true of a series without status) leaves no case.
	m := &compiler.Model{Metrics: compiler.Metrics{
		Requests:      compiler.Series{Metric: "req_total", Selector: compiler.Selector{{Name: "job", Op: "=", Value: "api"}}},
		ErrorSelector: compiler.Selector{{Name: "status", Op: "!~", Value: "2.."}},
	}}
	if _, _, ok := requestSeries(m); ok {
		t.Error("requestSeries accepted an error selector that the successful series matches")
	}
}
