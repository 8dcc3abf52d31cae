package datadog

import (
	"strconv"
	"testing"

	"github.com/vigil-dev/vigil/compiler"
)

// TestUpperBound compares with Python's str(float(le) or 0), the
// OpenMetrics check's upper_bound tag (values printed by
// /usr/bin/python3 3.x: str(float(x) or 0) for each input).
func TestUpperBound(t *testing.T) {
	for in, want := range map[string]string{
		"0.5": "0.5", "1": "1.0", "0.00001": "1e-05", "1e16": "1e+16", "0.0001": "0.0001",
		"2.5": "2.5", "0": "0", "10": "10.0", "123456789012345678": "1.2345678901234568e+17",
		"0.25": "0.25", "0.001": "0.001", "60": "60.0", "1e-7": "1e-07", "99999999999999999": "1e+17",
	} {
		f, err := strconv.ParseFloat(in, 64)
		if err != nil {
			t.Fatal(err)
		}
		if got := UpperBound(f); got != want {
			t.Errorf("UpperBound(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestFilter(t *testing.T) {
	for _, c := range []struct {
		sel    compiler.Selector
		want   string
		approx bool
	}{
		{compiler.Selector{{Name: "service", Op: "=", Value: "Fraud-Scoring"}}, "service:fraud-scoring", false},
		{compiler.Selector{{Name: "code", Op: "=~", Value: "5.."}}, "code:5??", false},
		{compiler.Selector{{Name: "code", Op: "=~", Value: "500|503"}}, "code IN (500, 503)", false},
		{compiler.Selector{{Name: "env", Op: "!~", Value: "dev|test"}}, "env NOT IN (dev, test)", false},
		{compiler.Selector{{Name: "env", Op: "=~", Value: "prod-.*"}}, "env:prod-*", false},
		{compiler.Selector{{Name: "code", Op: "=~", Value: "5[0-9]{2}"}}, "code:5??", true},
		{compiler.Selector{{Name: "route", Op: "=", Value: "A  b!"}}, `route:a_b`, false},
		{compiler.Selector{{Name: "team", Op: "=", Value: "Équipe/ML"}}, `team:équipe/ml`, false},
		{compiler.Selector{{Name: "x", Op: "!=", Value: ""}}, "x:*", false},
		{compiler.Selector{{Name: "x", Op: "!=", Value: "y"}}, "!x:y", false},
	} {
		f := newFilter(c.sel)
		if f.String() != c.want || (len(f.approx) > 0) != c.approx {
			t.Errorf("%v: got %q (approx %v), want %q (approx %v)", c.sel, f, f.approx, c.want, c.approx)
		}
	}
}

func TestTranslate(t *testing.T) {
	for in, want := range map[string]string{
		`sum(rate(recs_clicks_total{model="product-recs"}[5m])) / sum(rate(recs_impressions_total{model="product-recs"}[5m]))`: "sum:vigil.recs_clicks.count{model:product-recs}.as_rate() / sum:vigil.recs_impressions.count{model:product-recs}.as_rate()",
		`max by (pod) (container_memory_bytes{app="x"})`:                                                                       "max:vigil.container_memory_bytes{app:x} by {pod}",
		`sum(increase(orders_total[1h])) * 2`:                                                                                  "sum:vigil.orders.count{*}.as_count() * 2",
	} {
		var tr translator
		got, err := tr.translate(in)
		if err != nil || got != want {
			t.Errorf("%s:\n got %q, %v\nwant %q", in, got, err, want)
		}
	}
	for _, in := range []string{`histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))`, `a / on (x) b`, `sum without (x) (y)`, `count(up)`, `x offset 1h`} {
		var tr translator
		if got, err := tr.translate(in); err == nil {
			t.Errorf("%s: translated to %q, want an error", in, got)
		}
	}
}
