package stats

import (
	"os"
	"strings"
	"testing"
)

// cmpBase is a fixtures file in the shape gen_fixtures.py writes, small
// enough to edit by hand in the cases below.
const cmpBase = `{
 "binned": [
  {"name": "shifted", "ref_counts": [40.0, 0.0], "cur_counts": [10.0, 20.0],
   "psi": 0.5493061443340549, "kl": 0.0, "chi_square": 12.5, "chi_square_p": 0.0004069520174449589}
 ],
 "ks": [
  {"name": "tiny", "ref": [1.0, 2.0], "cur": [2.5], "statistic": 0.5, "pvalue": 1.0},
  {"name": "ties", "ref": [1.0, 1.0, 2.0], "cur": [2.0, 3.0], "statistic": 0.6666666666666666, "pvalue": 0.1236},
  {"name": "generated",
   "ref_gen": {"loc": 0.0, "n": 10000, "scale": 1.0, "seed": 1, "step": 0.0},
   "cur_gen": {"loc": 0.03, "n": 9999, "scale": 1.0, "seed": 2, "step": 0.0},
   "statistic": 0.0211, "pvalue": 6.740171754060498e-10}
 ],
 "kstwo": [
  {"n": 10, "x": 0.05, "sf": 3.122e-321},
  {"n": 141, "x": 0.5, "sf": 0.0}
 ],
 "bessel_k_quarter": [
  {"kv": 10.746098892921648, "q": 0.0014000832056153937}
 ]
}
`

func TestCompareFixtures(t *testing.T) {
	for _, c := range []struct {
		name     string
		old, new string // one replacement in cmpBase
		failures []string
		moved    int
	}{
		{name: "unchanged"},
		{
			name: "statistic within 1e-9",
			old:  `"statistic": 0.6666666666666666`, new: `"statistic": 0.6666666666666667`,
			moved: 1,
		},
		{
			name: "statistic moved",
			old:  `"statistic": 0.6666666666666666`, new: `"statistic": 0.66666667`,
			failures: []string{`ks[1] "ties".statistic: regenerated 0.66666667, committed 0.6666666666666666 (relative difference 5e-09 > 1e-09)`},
		},
		{
			name: "p-value within 1e-6 relative",
			old:  `"pvalue": 0.1236`, new: `"pvalue": 0.12360008`,
			moved: 1,
		},
		{
			name: "p-value moved",
			old:  `"pvalue": 0.1236`, new: `"pvalue": 0.1234`,
			failures: []string{`ks[1] "ties".pvalue: regenerated 0.1234, committed 0.1236 (relative difference 0.0016 > 1e-06 and absolute difference 0.0002 > 1e-14)`},
		},
		{
			// 3.3e-7 relative, as between two x86-64 CPUs.
			name: "small p-value within 1e-6 relative",
			old:  `6.740171754060498e-10`, new: `6.740169533614448e-10`,
			moved: 1,
		},
		{
			// 7.4e-6 relative, but 5e-15 absolute.
			name: "small p-value within 1e-14 absolute",
			old:  `6.740171754060498e-10`, new: `6.740221754060498e-10`,
			moved: 1,
		},
		{
			name: "small p-value moved",
			old:  `6.740171754060498e-10`, new: `6.7e-10`,
			failures: []string{`ks[2] "generated".pvalue: regenerated 6.7e-10, committed 6.740171754060498e-10`},
		},
		{
			name: "chi-square p-value moved",
			old:  `0.0004069520174449589`, new: `0.000407`,
			failures: []string{`binned[0] "shifted".chi_square_p: regenerated 0.000407, committed 0.0004069520174449589`},
		},
		{
			name: "kstwo sf is a p-value",
			old:  `"sf": 0.0`, new: `"sf": 1e-300`,
			moved: 1,
		},
		{
			name: "a zero statistic stays zero",
			old:  `"kl": 0.0`, new: `"kl": 1e-300`,
			failures: []string{`binned[0] "shifted".kl: regenerated 1e-300, committed 0.0 (an exact zero must stay zero)`},
		},
		{
			name: "negative zero",
			old:  `"kl": 0.0`, new: `"kl": -0.0`,
			moved: 1,
		},
		{
			name: "generated input within 1e-9",
			old:  `"q": 0.0014000832056153937`, new: `"q": 0.001400083205615394`,
			moved: 1,
		},
		{
			name: "generated input moved",
			old:  `"q": 0.0014000832056153937`, new: `"q": 0.0014`,
			failures: []string{`bessel_k_quarter[0].q: regenerated 0.0014, committed 0.0014000832056153937`},
		},
		{
			name: "count changed",
			old:  `"cur_counts": [10.0, 20.0]`, new: `"cur_counts": [10.0, 21.0]`,
			failures: []string{`binned[0] "shifted".cur_counts[1]: regenerated 21.0, committed 20.0 (must be equal)`},
		},
		{
			name: "count within 1e-9 still changed",
			old:  `"ref_counts": [40.0, 0.0]`, new: `"ref_counts": [40.0000000001, 0.0]`,
			failures: []string{`binned[0] "shifted".ref_counts[0]: regenerated 40.0000000001, committed 40.0 (must be equal)`},
		},
		{
			name: "sample size changed",
			old:  `"n": 10,`, new: `"n": 11,`,
			failures: []string{`kstwo[0].n: regenerated 11, committed 10 (integers must be equal)`},
		},
		{
			name: "seed changed",
			old:  `"seed": 2`, new: `"seed": 3`,
			failures: []string{`ks[2] "generated".cur_gen.seed: regenerated 3, committed 2 (integers must be equal)`},
		},
		{
			name: "generator parameter changed",
			old:  `"loc": 0.03`, new: `"loc": 0.0300000000001`,
			failures: []string{`ks[2] "generated".cur_gen.loc: regenerated 0.0300000000001, committed 0.03 (must be equal)`},
		},
		{
			name: "integer became a float",
			old:  `"n": 141`, new: `"n": 141.0`,
			failures: []string{`kstwo[1].n: regenerated a float (141.0), committed an integer (141)`},
		},
		{
			name: "missing key",
			old:  `"statistic": 0.5, "pvalue": 1.0`, new: `"statistic": 0.5`,
			failures: []string{`ks[0] "tiny": key "pvalue" is missing from the regenerated output`},
		},
		{
			name: "extra key",
			old:  `"statistic": 0.5, "pvalue": 1.0`, new: `"statistic": 0.5, "pvalue": 1.0, "method": "exact"`,
			failures: []string{`ks[0] "tiny": key "method" is not in the committed file`},
		},
		{
			name: "renamed case",
			old:  `"name": "ties"`, new: `"name": "tied"`,
			failures: []string{`ks[1] "ties": regenerated case is named "tied", committed "ties"`},
		},
		{
			name: "missing case",
			old:  `,` + "\n" + `  {"n": 141, "x": 0.5, "sf": 0.0}`, new: "",
			failures: []string{`kstwo: regenerated 1 elements, committed 2`},
		},
		{
			name: "shorter sample",
			old:  `"cur": [2.0, 3.0]`, new: `"cur": [2.0]`,
			failures: []string{`ks[1] "ties".cur: regenerated 1 elements, committed 2`},
		},
		{
			name: "missing section",
			old:  `"bessel_k_quarter"`, new: `"bessel_k"`,
			failures: []string{
				`(top level): key "bessel_k" is not in the committed file`,
				`(top level): key "bessel_k_quarter" is missing from the regenerated output`,
			},
		},
		{
			name: "every value that moved is reported",
			old:  `"statistic": 0.5, "pvalue": 1.0`, new: `"statistic": 0.25, "pvalue": 0.5`,
			failures: []string{
				`ks[0] "tiny".pvalue: regenerated 0.5, committed 1.0`,
				`ks[0] "tiny".statistic: regenerated 0.25, committed 0.5`,
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			regenerated := cmpBase
			if c.old != "" {
				if strings.Count(cmpBase, c.old) != 1 {
					t.Fatalf("%q does not occur exactly once in the base", c.old)
				}
				regenerated = strings.Replace(cmpBase, c.old, c.new, 1)
			}
			got, err := compareFixtures([]byte(regenerated), []byte(cmpBase))
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Failures) != len(c.failures) {
				t.Fatalf("%d failures, want %d:\n%s", len(got.Failures), len(c.failures), strings.Join(got.Failures, "\n"))
			}
			for i, want := range c.failures {
				if !strings.HasPrefix(got.Failures[i], want) {
					t.Errorf("failure %d:\n got %s\nwant %s…", i, got.Failures[i], want)
				}
			}
			if len(got.Moved) != c.moved {
				t.Errorf("%d values moved within tolerance, want %d: %v", len(got.Moved), c.moved, got.Moved)
			}
		})
	}
}

func TestCompareFixturesNotJSON(t *testing.T) {
	for _, c := range []struct{ regenerated, committed, want string }{
		{`{"a": NaN}`, `{"a": 1.0}`, "regenerated fixtures: "},
		{`{"a": 1.0}`, `{"a": 1.0} {}`, "committed fixtures: data after the first JSON value"},
		{``, `{"a": 1.0}`, "regenerated fixtures: EOF"},
	} {
		_, err := compareFixtures([]byte(c.regenerated), []byte(c.committed))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("compareFixtures(%q, %q) = %v, want an error starting %q", c.regenerated, c.committed, err, c.want)
		}
	}
}

// TestCompareFixturesCommitted runs the comparison on the committed file
// itself, and on a copy with one p-value moved, so the tolerant comparison
// is known to see the real file's values.
func TestCompareFixturesCommitted(t *testing.T) {
	b, err := os.ReadFile(fixturesPath)
	if err != nil {
		t.Fatal(err)
	}
	c, err := compareFixtures(b, b)
	if err != nil || len(c.Failures) > 0 || len(c.Moved) > 0 {
		t.Fatalf("the committed file against itself: %v %v %d moved", err, c.Failures, len(c.Moved))
	}
	const old = `"pvalue": 6.740171754060498e-10`
	if strings.Count(string(b), old) != 1 {
		t.Fatalf("%s does not occur once in fixtures.json", old)
	}
	moved := strings.Replace(string(b), old, `"pvalue": 6.75e-10`, 1)
	c, err = compareFixtures([]byte(moved), b)
	if err != nil {
		t.Fatal(err)
	}
	want := `cramer_von_mises[11] "shifted".pvalue: regenerated 6.75e-10, committed 6.740171754060498e-10`
	if len(c.Failures) != 1 || !strings.HasPrefix(c.Failures[0], want) {
		t.Errorf("failures %q, want one starting %q", c.Failures, want)
	}
}
