package prometheus

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/yamlout"
	"github.com/vigil-dev/vigil/internal/yamlout/yamltest"
)

// goldenFiles returns the files matching pattern (below an output
// directory) in the golden examples and the golden end-to-end cases, and
// fails when there are fewer than min.
func goldenFiles(t testing.TB, pattern string, min int) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{"../../testdata/golden/*/", "../../testdata/cases/*/output/"} {
		m, err := filepath.Glob(dir + pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < min {
		t.Fatalf("found only %d golden files matching %s", len(files), pattern)
	}
	return files
}

// randomStrings draws yamltest strings. In most files of a property test
// ("tame") every string is redrawn until the scalar writer accepts it, so
// that many files take the writer; the other files hold any string.
type randomStrings struct {
	r    *rand.Rand
	tame bool
}

// value returns a string for a mapping value.
func (g *randomStrings) value() string {
	for {
		s := yamltest.String(g.r)
		if _, ok := yamlout.AppendValue(nil, s, 0); ok || !g.tame {
			return s
		}
	}
}

// key returns a string for a mapping key.
func (g *randomStrings) key() string {
	for {
		s := yamltest.String(g.r)
		if _, ok := yamlout.AppendKey(nil, s); ok || !g.tame {
			return s
		}
	}
}

// renderV3 is the reference rendering: the generated header, then
// yaml.v3's encoding alone (yamlout.Render has writers of its own).
func renderV3(t *testing.T, v any, comments ...string) string {
	t.Helper()
	h := "# " + compiler.GeneratedHeader + "\n"
	for _, c := range comments {
		h += "# " + c + "\n"
	}
	return h + yamltest.V3(t, v)
}

// TestRuleFileWriterOnGoldens parses every golden rule file and checks
// that the dedicated writer takes the fast path and reproduces the file
// and yaml.v3's rendering byte for byte.
func TestRuleFileWriterOnGoldens(t *testing.T) {
	for _, f := range goldenFiles(t, "prometheus/*.rules.yaml", 4) {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rgs, errs := rulefmt.Parse(want, false, model.UTF8Validation, parser.NewParser(parser.Options{}), nil)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", f, errs)
		}
		got, ok := appendRuleFile(nil, rgs.Groups)
		if !ok {
			t.Errorf("%s: the writer fell back to yaml.v3", f)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("%s: the writer's output differs from the golden file", f)
		}
		if v3 := renderV3(t, rulefmt.RuleGroups{Groups: rgs.Groups}); string(got) != v3 {
			t.Errorf("%s: the writer's output differs from yaml.v3's", f)
		}
	}
}

// TestRuleFileWriterMatchesYAMLv3 renders random rule groups (random
// strings in every field, optional fields set or not) with the writer
// and with yaml.v3; whenever the writer accepts the groups the bytes
// must be equal, and Render must always equal yaml.v3.
func TestRuleFileWriterMatchesYAMLv3(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	g := &randomStrings{r: r}
	str, key := g.value, g.key
	strMap := func() map[string]string {
		if r.IntN(3) == 0 {
			return nil
		}
		m := map[string]string{}
		for n := r.IntN(5); n >= 0; n-- {
			k := key()
			if r.IntN(2) == 0 {
				k = []string{"model", "slo", "severity", "team", "business_unit", "x1", "x10", "x2", "A"}[r.IntN(9)]
			}
			m[k] = str()
		}
		return m
	}
	dur := func() model.Duration {
		if r.IntN(2) == 0 {
			return 0
		}
		return model.Duration(r.Int64N(int64(400 * 24 * 3600e9)))
	}
	accepted, total := 0, 2000
	for n := 0; n < total; n++ {
		g.tame = r.IntN(5) != 0
		var groups []rulefmt.RuleGroup
		for g := r.IntN(3); g >= 0; g-- {
			grp := rulefmt.RuleGroup{Name: str(), Interval: dur(), Limit: r.IntN(3) - 1}
			if r.IntN(4) == 0 {
				d := dur()
				grp.QueryOffset = &d
			}
			if r.IntN(4) == 0 {
				grp.Labels = strMap()
			}
			for k := r.IntN(4); k >= 0; k-- {
				rule := rulefmt.Rule{Expr: str(), For: dur(), KeepFiringFor: dur(), Labels: strMap(), Annotations: strMap()}
				switch r.IntN(3) {
				case 0:
					rule.Record = str()
				case 1:
					rule.Alert = str()
				default:
					rule.Record, rule.Alert = str(), str()
				}
				grp.Rules = append(grp.Rules, rule)
			}
			groups = append(groups, grp)
		}
		want := renderV3(t, rulefmt.RuleGroups{Groups: groups})
		if got, ok := appendRuleFile(nil, groups); ok {
			accepted++
			if string(got) != want {
				t.Fatalf("writer output differs from yaml.v3:\n got %q\nwant %q", got, want)
			}
		}
		got, err := Render(groups)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Fatalf("Render differs from yaml.v3:\n got %q\nwant %q", got, want)
		}
	}
	t.Logf("%d of %d random files took the fast path", accepted, total)
	if accepted < total/2 {
		t.Errorf("only %d of %d random files took the fast path", accepted, total)
	}
}
