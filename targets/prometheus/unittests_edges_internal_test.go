package prometheus

import "testing"

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
