package stats

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// genSpec names a sample that gen_fixtures.py's generated() builds: splitmix64
// uniforms, four summed left to right per value (an Irwin-Hall stand-in for
// a normal), scaled and shifted, optionally floored to a step. Both sides
// use the same IEEE-754 operations, so the samples agree bit for bit.
type genSpec struct {
	Seed  uint64
	N     int
	Loc   float64
	Scale float64
	Step  float64
}

func splitmixUniforms(seed uint64, count int) []float64 {
	out := make([]float64, count)
	for i := range out {
		z := seed + uint64(i+1)*0x9E3779B97F4A7C15
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		z ^= z >> 31
		out[i] = float64(z>>11) * 0x1p-53
	}
	return out
}

func (g genSpec) sample() []float64 {
	u := splitmixUniforms(g.Seed, 4*g.N)
	v := make([]float64, g.N)
	for i := range v {
		s := float64(float64(u[4*i]+u[4*i+1])+u[4*i+2]) + u[4*i+3]
		v[i] = g.Loc + float64(g.Scale*(s-2))
		if g.Step != 0 {
			v[i] = math.Floor(v[i]/g.Step) * g.Step
		}
	}
	return v
}

// twoSampleCase is one SciPy result for a sample test on inline or
// generated samples.
type twoSampleCase struct {
	Name      string
	Ref, Cur  []float64
	RefGen    *genSpec `json:"ref_gen"`
	CurGen    *genSpec `json:"cur_gen"`
	Statistic float64
	PValue    float64 `json:"pvalue"`
}

func (c twoSampleCase) samples() ([]float64, []float64) {
	if c.RefGen != nil {
		return c.RefGen.sample(), c.CurGen.sample()
	}
	return c.Ref, c.Cur
}

type sampleTestFixtures struct {
	KS              []twoSampleCase `json:"ks"`
	CramerVonMises  []twoSampleCase `json:"cramer_von_mises"`
	AndersonDarling []twoSampleCase `json:"anderson_darling"`
	BesselK         []struct {
		Q, KV float64
	} `json:"bessel_k_quarter"`
	KSTwo []struct {
		N  int
		X  float64
		SF float64
	} `json:"kstwo"`
}

func loadSampleTestFixtures(t *testing.T) sampleTestFixtures {
	t.Helper()
	b, err := os.ReadFile("../../testdata/drift/fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	var f sampleTestFixtures
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// relErr is |got - want| / |want| (0 when equal, +Inf for a non-zero
// value where SciPy has 0). Below the smallest normal float64 (2.2e-308)
// SciPy's values are subnormal and keep only a few significant bits, so
// differences under 1e-300 count as none.
func relErr(got, want float64) float64 {
	if got == want || math.Abs(got-want) < 1e-300 {
		return 0
	}
	return math.Abs(got-want) / math.Abs(want)
}

// TestKSTwoAgainstSciPy compares the kstwo survival function with
// scipy.stats.kstwo.sf over every branch of Simard and L'Ecuyer's
// algorithm, to 1e-6 relative.
func TestKSTwoAgainstSciPy(t *testing.T) {
	f := loadSampleTestFixtures(t)
	if len(f.KSTwo) < 100 {
		t.Fatalf("only %d kstwo fixtures", len(f.KSTwo))
	}
	worst := 0.0
	for _, c := range f.KSTwo {
		got := kolmogorovSF(c.N, c.X)
		e := relErr(got, c.SF)
		worst = math.Max(worst, e)
		if e > 1e-6 {
			t.Errorf("kstwo.sf(%.17g, %d) = %.17g, SciPy says %.17g (rel. error %.2g)", c.X, c.N, got, c.SF, e)
		}
	}
	t.Logf("%d cases, max relative error %.3g", len(f.KSTwo), worst)
}

// TestKSAgainstSciPy compares KS with scipy.stats.ks_2samp: statistics to
// 1e-9 relative, p-values to 1e-6.
func TestKSAgainstSciPy(t *testing.T) {
	f := loadSampleTestFixtures(t)
	if len(f.KS) < 10 {
		t.Fatalf("only %d ks fixtures", len(f.KS))
	}
	worstStat, worstP := 0.0, 0.0
	for _, c := range f.KS {
		ref, cur := c.samples()
		st, p, err := KS(ref, cur)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		es, ep := relErr(st, c.Statistic), relErr(p, c.PValue)
		worstStat, worstP = math.Max(worstStat, es), math.Max(worstP, ep)
		if es > 1e-9 {
			t.Errorf("%s: statistic %.17g, SciPy says %.17g", c.Name, st, c.Statistic)
		}
		if ep > 1e-6 {
			t.Errorf("%s: p-value %.17g, SciPy says %.17g (rel. error %.2g)", c.Name, p, c.PValue, ep)
		}
	}
	t.Logf("%d cases, max relative error: statistic %.3g, p-value %.3g", len(f.KS), worstStat, worstP)
}

// checkSampleTest compares a sample test with SciPy's results: statistics
// to 1e-9 relative, p-values to 1e-6 relative or pAbs absolute.
func checkSampleTest(t *testing.T, name string, cases []twoSampleCase, pAbs float64, test func(ref, cur []float64) (float64, float64, error)) {
	t.Helper()
	if len(cases) < 10 {
		t.Fatalf("only %d %s fixtures", len(cases), name)
	}
	worstStat, worstP := 0.0, 0.0
	for _, c := range cases {
		ref, cur := c.samples()
		st, p, err := test(ref, cur)
		if err != nil {
			t.Errorf("%s/%s: %v", name, c.Name, err)
			continue
		}
		es, ep := relErr(st, c.Statistic), relErr(p, c.PValue)
		worstStat, worstP = math.Max(worstStat, es), math.Max(worstP, ep)
		if es > 1e-9 {
			t.Errorf("%s/%s: statistic %.17g, SciPy says %.17g", name, c.Name, st, c.Statistic)
		}
		if ep > 1e-6 && math.Abs(p-c.PValue) > pAbs {
			t.Errorf("%s/%s: p-value %.17g, SciPy says %.17g (rel. error %.2g)", name, c.Name, p, c.PValue, ep)
		}
	}
	t.Logf("%s: %d cases, max relative error: statistic %.3g, p-value %.3g", name, len(cases), worstStat, worstP)
}

// TestCramerVonMisesAgainstSciPy compares CramerVonMises with
// scipy.stats.cramervonmises_2samp, exact and asymptotic. SciPy's
// asymptotic p-value is 1 - CDF, the CDF summed in float64 from terms
// (scipy.special.kv among them) accurate to about 1e-15 relative, so its
// p-values carry absolute errors of that order; where p < 1e-9 that is
// coarser than 1e-6 relative, hence an absolute floor of 1e-14.
func TestCramerVonMisesAgainstSciPy(t *testing.T) {
	checkSampleTest(t, "cramer_von_mises", loadSampleTestFixtures(t).CramerVonMises, 1e-14, CramerVonMises)
}

// TestBesselKAgainstSciPy checks the K_1/4 quadrature against
// scipy.special.kv to 1e-13 relative.
func TestBesselKAgainstSciPy(t *testing.T) {
	cases := loadSampleTestFixtures(t).BesselK
	if len(cases) < 10 {
		t.Fatal("no bessel_k_quarter fixtures")
	}
	for _, c := range cases {
		if got := besselK(0.25, c.Q); relErr(got, c.KV) > 1e-13 {
			t.Errorf("K_1/4(%.17g) = %.17g, scipy.special.kv says %.17g", c.Q, got, c.KV)
		}
	}
}

// TestAndersonDarlingAgainstSciPy compares AndersonDarling with
// scipy.stats.anderson_ksamp(midrank=True), interpolated and capped.
func TestAndersonDarlingAgainstSciPy(t *testing.T) {
	checkSampleTest(t, "anderson_darling", loadSampleTestFixtures(t).AndersonDarling, 0, AndersonDarling)
}
