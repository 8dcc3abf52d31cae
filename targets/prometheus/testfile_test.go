package prometheus

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestTestFileWriterOnGoldens decodes every golden promtool test file
// and checks that renderYAML (yamlout's writer) reproduces it, and
// yaml.v3's rendering of the same value, byte for byte.
func TestTestFileWriterOnGoldens(t *testing.T) {
	for _, f := range goldenFiles(t, "prometheus/tests/*.test.yaml", 3) {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var tf unitTestFile
		dec := yaml.NewDecoder(bytes.NewReader(want))
		dec.KnownFields(true)
		if err := dec.Decode(&tf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		lines := strings.SplitN(string(want), "\n", 3)
		comment := strings.TrimPrefix(lines[1], "# ")
		got, err := renderYAML(tf, comment)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: the writer's output differs from the golden file:\n%s", f, got)
		}
		if v3 := renderV3(t, tf, comment); string(got) != v3 {
			t.Errorf("%s: the writer's output differs from yaml.v3's", f)
		}
	}
}

// TestTestFileWriterMatchesYAMLv3 renders random test files (random
// strings everywhere, empty and nil sequences and maps, odd floats) with
// renderYAML and with yaml.v3 alone; the bytes must be equal (yamlout's
// writer where it takes the file, its yaml.v3 fallback elsewhere).
func TestTestFileWriterMatchesYAMLv3(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	g := &randomStrings{r: r}
	str := g.value
	strMap := func() map[string]string {
		switch r.IntN(4) {
		case 0:
			return nil
		case 1:
			return map[string]string{}
		}
		m := map[string]string{}
		for n := r.IntN(4); n >= 0; n-- {
			k := g.key()
			if r.IntN(2) == 0 {
				k = []string{"model", "slo", "severity", "team", "x1", "x10", "A"}[r.IntN(7)]
			}
			m[k] = str()
		}
		return m
	}
	floats := []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e21, 1e-7, 123456789, math.Inf(1), math.Inf(-1), math.NaN(), 0.999}
	// count returns a slice length: often 0 (written []), sometimes nil.
	count := func() int { return r.IntN(4) }
	for n := 0; n < 2000; n++ {
		g.tame = r.IntN(5) != 0
		f := unitTestFile{EvaluationInterval: str()}
		for i := count(); i > 0; i-- {
			f.RuleFiles = append(f.RuleFiles, str())
		}
		for i := count(); i > 0; i-- {
			ut := unitTest{Name: str(), Interval: str()}
			for j := count(); j > 0; j-- {
				ut.InputSeries = append(ut.InputSeries, inputSeries{Series: str(), Values: str()})
			}
			for j := count(); j > 0; j-- {
				a := alertRuleTest{EvalTime: str(), Alertname: str()}
				for k := count(); k > 0; k-- {
					a.ExpAlerts = append(a.ExpAlerts, expAlert{ExpLabels: strMap(), ExpAnnotations: strMap()})
				}
				ut.AlertTests = append(ut.AlertTests, a)
			}
			for j := count(); j > 0; j-- {
				p := promqlTest{Expr: str(), EvalTime: str()}
				for k := count(); k > 0; k-- {
					p.ExpSamples = append(p.ExpSamples, expSample{Labels: str(), Value: floats[r.IntN(len(floats))]})
				}
				ut.PromQLTests = append(ut.PromQLTests, p)
			}
			f.Tests = append(f.Tests, ut)
		}
		comment := "Run with: promtool test rules x.test.yaml"
		got, err := renderYAML(f, comment)
		if err != nil {
			t.Fatal(err)
		}
		if want := renderV3(t, f, comment); string(got) != want {
			t.Fatalf("file %d: renderYAML differs from yaml.v3\nrenderYAML:\n%s\nyaml.v3:\n%s", n, got, want)
		}
	}
}
