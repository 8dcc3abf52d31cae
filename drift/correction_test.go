package drift

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/drift/config"
)

// correctionData is 200 reference rows and 200 current rows per column:
// the current sample of column k is the reference shifted by shifts[k],
// so the KS p-values run from 1 (no shift) to tiny, with one (a shift of
// 30, D = 0.15) between threshold/m and the threshold.
func correctionData(shifts []float64) map[string]string {
	write := func(shift bool) string {
		var b strings.Builder
		b.WriteString("ts")
		for k := range shifts {
			fmt.Fprintf(&b, ",f%d", k)
		}
		b.WriteString(",w\n")
		for i := range 200 {
			fmt.Fprintf(&b, "2026-11-02T00:%02d:00Z", i%60)
			for _, s := range shifts {
				v := float64(i)
				if shift {
					v += s
				}
				fmt.Fprintf(&b, ",%g", v)
			}
			v := float64(i % 17)
			if shift {
				v = float64(i%17) * 1.5
			}
			fmt.Fprintf(&b, ",%g\n", v)
		}
		return b.String()
	}
	return map[string]string{"ref.csv": write(false), "cur.csv": write(true)}
}

// TestCorrectionAdjustsPValues checks the model's multiple-testing
// correction on an evaluation: every hypothesis test's score becomes its
// adjusted p-value (Bonferroni min(1, p·m); Benjamini-Hochberg's q-value,
// computed here by its definition, the smallest p(j)·m/rank(j) over the
// p-values at least as large) and its verdict follows the adjusted value,
// while a distance (Wasserstein) is left as it is.
func TestCorrectionAdjustsPValues(t *testing.T) {
	shifts := []float64{0, 20, 30, 60}
	dir := writeFiles(t, correctionData(shifts))
	run := func(correction string) []Result {
		var fs []config.Feature
		for k := range shifts {
			f := feature(fmt.Sprintf("f%d", k), "numeric", "ks")
			fs = append(fs, f)
		}
		fs = append(fs, feature("w", "numeric", "wasserstein"))
		c := testConfig(fs...)
		c.Current.Path = "cur.csv"
		c.Correction = correction
		res, err := Evaluate(c, dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatalf("%s: %v", r.Feature, r.Err)
			}
		}
		return res
	}
	raw := run(config.CorrectionNone)
	const m, alpha = 4.0, 0.05
	if p := raw[2].Score; !(p > alpha/m && p < alpha) || !raw[2].Detected || raw[2].Threshold != alpha {
		t.Fatalf("test data: f2's p-value %g (threshold %g) should drift uncorrected and lie in (%g, %g)", p, raw[2].Threshold, alpha/m, alpha)
	}
	bh := func(i int) float64 {
		q := 1.0
		for j := range 4 {
			if raw[j].Score >= raw[i].Score {
				rank := 0
				for k := range 4 {
					if raw[k].Score <= raw[j].Score {
						rank++
					}
				}
				q = min(q, raw[j].Score*m/float64(rank))
			}
		}
		return q
	}
	for _, tc := range []struct {
		correction string
		want       func(i int) float64
	}{
		{config.CorrectionBonferroni, func(i int) float64 { return min(1, raw[i].Score*m) }},
		{config.CorrectionBenjaminiHochberg, bh},
	} {
		got := run(tc.correction)
		for i := range 4 {
			want := tc.want(i)
			if d := got[i].Score - want; d > 1e-15*want || d < -1e-15*want {
				t.Errorf("%s: %s score %g, want the adjusted p-value %g (raw %g)", tc.correction, got[i].Feature, got[i].Score, want, raw[i].Score)
			}
			if got[i].Detected != (want < alpha) {
				t.Errorf("%s: %s detected %v with adjusted p-value %g", tc.correction, got[i].Feature, got[i].Detected, want)
			}
		}
		if got[4].Score != raw[4].Score || got[4].Detected != raw[4].Detected {
			t.Errorf("%s: the Wasserstein distance changed: %v, was %v", tc.correction, got[4], raw[4])
		}
	}
	if got := run(config.CorrectionBonferroni); got[2].Detected {
		t.Errorf("bonferroni: f2 (raw p %g) still drifts at %g", raw[2].Score, got[2].Score)
	}
}

// TestCorrectionNeedsOneProcess checks that a sharded config with a
// correction is refused: one shard cannot adjust by the others' p-values.
func TestCorrectionNeedsOneProcess(t *testing.T) {
	c := testConfig(feature("a", "numeric", "ks"), feature("b", "numeric", "ks"))
	c.Shards, c.Correction = 2, config.CorrectionBonferroni
	if err := c.Check(); err == nil || !strings.Contains(err.Error(), "correction") {
		t.Errorf("a sharded config with a correction passed the check: %v", err)
	}
}
