// Package endtoend holds the golden tests: every example under examples/
// is compiled with every target and compared byte for byte with the
// expected output tree in testdata/golden/<example>/, in the style of
// sqlc's endtoend tests. Regenerate with VIGIL_UPDATE=1 go test ./...
// and review the diff.
package endtoend

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/model/rulefmt"
	"go.yaml.in/yaml/v3"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/output"
	"github.com/vigil-dev/vigil/targets"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

const (
	examplesDir = "../../examples"
	goldenDir   = "../../testdata/golden"
)

func update() bool { return os.Getenv("VIGIL_UPDATE") == "1" }

// compileExample returns the full output tree a compile writes, manifest
// included.
func compileExample(t *testing.T, dir string) map[string][]byte {
	return compileExampleWith(t, dir, func(*compiler.Output) {})
}

// compileExampleWith compiles with the output settings changed by set.
func compileExampleWith(t *testing.T, dir string, set func(*compiler.Output)) map[string][]byte {
	t.Helper()
	spec, diags, err := compiler.Load(compiler.Source{Args: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) > 0 {
		t.Fatalf("example does not compile:\n%v", diags)
	}
	set(&spec.Output)
	files, err := compiler.Generate(spec, targets.All())
	if err != nil {
		t.Fatal(err)
	}
	tree := map[string][]byte{}
	for k, v := range files {
		tree[k] = v
	}
	tree[output.ManifestName] = output.Manifest{Generator: "vigil", Files: compiler.SortedPaths(files)}.Encode()
	return tree
}

// readTree reads every file below dir, keyed by slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	tree := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		tree[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return tree
}

func examples(t *testing.T) []string {
	ents, err := os.ReadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) < 3 {
		t.Fatalf("want at least 3 examples, found %v", names)
	}
	return names
}

func TestGolden(t *testing.T) {
	for _, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			compareGolden(t, compileExample(t, filepath.Join(examplesDir, name)), filepath.Join(goldenDir, name))
		})
	}
}

// TestGoldenRulesForms pins the PrometheusRule and Mimir forms of each
// example's rules (the Prometheus files only) under
// testdata/golden-forms/<example>/<form>/.
func TestGoldenRulesForms(t *testing.T) {
	for _, name := range examples(t) {
		for _, form := range []string{"operator", "mimir"} {
			t.Run(name+"/"+form, func(t *testing.T) {
				tree := compileExampleWith(t, filepath.Join(examplesDir, name), func(o *compiler.Output) { o.RulesFormat = form })
				for p := range tree {
					if !strings.HasPrefix(p, "prometheus/") {
						delete(tree, p)
					}
				}
				compareGolden(t, tree, filepath.Join("../../testdata/golden-forms", name, form))
			})
		}
	}
}

// TestGoldenDashboardForms pins the sidecar ConfigMap, grafana-operator
// and dashboard v2 resource forms of each example's dashboards under
// testdata/golden-forms/<example>/dashboards-<form>/.
func TestGoldenDashboardForms(t *testing.T) {
	for _, name := range examples(t) {
		for form, dir := range map[string]string{"configmap": "kubernetes/grafana/", "operator": "kubernetes/grafana/", "v2": "grafana/v2/"} {
			t.Run(name+"/"+form, func(t *testing.T) {
				tree := compileExampleWith(t, filepath.Join(examplesDir, name), func(o *compiler.Output) { o.DashboardsFormat = form })
				for p := range tree {
					if !strings.HasPrefix(p, dir) {
						delete(tree, p)
					}
				}
				if len(tree) == 0 {
					t.Fatal("no dashboard objects generated")
				}
				compareGolden(t, tree, filepath.Join("../../testdata/golden-forms", name, "dashboards-"+form))
			})
		}
	}
}

func compareGolden(t *testing.T, got map[string][]byte, want string) {
	t.Helper()
	if update() {
		if err := os.RemoveAll(want); err != nil {
			t.Fatal(err)
		}
		for p, b := range got {
			full := filepath.Join(want, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	wantTree := readTree(t, want)
	if len(wantTree) == 0 {
		t.Fatalf("no golden files in %s; run VIGIL_UPDATE=1 go test ./internal/endtoend and review them", want)
	}
	for _, p := range union(got, wantTree) {
		g, gok := got[p]
		w, wok := wantTree[p]
		switch {
		case !gok:
			t.Errorf("%s: in golden tree but no longer generated", p)
		case !wok:
			t.Errorf("%s: generated but missing from golden tree", p)
		default:
			if d := cmp.Diff(string(w), string(g)); d != "" {
				t.Errorf("%s differs from golden (-want +got):\n%s", p, d)
			}
		}
		if wok {
			reparse(t, p, w)
		}
	}
}

// TestGoldenCases compiles each testdata/cases/<case>/input spec (edge
// cases that are not examples a user would copy) and compares the whole
// output with testdata/cases/<case>/output.
func TestGoldenCases(t *testing.T) {
	cases, _ := filepath.Glob("../../testdata/cases/*")
	if len(cases) == 0 {
		t.Fatal("no golden cases")
	}
	for _, c := range cases {
		t.Run(filepath.Base(c), func(t *testing.T) {
			compareGolden(t, compileExample(t, filepath.Join(c, "input")), filepath.Join(c, "output"))
		})
	}
}

// TestGoldenOrphans fails when a golden tree has no example.
func TestGoldenOrphans(t *testing.T) {
	have := map[string]bool{}
	for _, n := range examples(t) {
		have[n] = true
	}
	ents, _ := os.ReadDir(goldenDir)
	for _, e := range ents {
		if !have[e.Name()] {
			t.Errorf("testdata/golden/%s has no example; delete it", e.Name())
		}
	}
}

// TestIdempotent compiles each example twice and writes it twice: the
// bytes must not change, and --check must see no difference. The second
// compile checks every rule file with rulefmt.Parse itself
// (--rule-check rulefmt), which must accept them and change nothing.
func TestIdempotent(t *testing.T) {
	for _, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(examplesDir, name)
			first := compileExample(t, dir)
			second := compileExampleWith(t, dir, func(o *compiler.Output) { o.RuleCheck = "rulefmt" })
			if d := cmp.Diff(first, second); d != "" {
				t.Fatalf("two compiles differ:\n%s", d)
			}
			spec, _, err := compiler.Load(compiler.Source{Args: []string{dir}})
			if err != nil {
				t.Fatal(err)
			}
			files, err := compiler.Generate(spec, targets.All())
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "out")
			for i := 0; i < 2; i++ {
				if _, err := output.Write(context.Background(), out, files); err != nil {
					t.Fatal(err)
				}
				diffs, err := output.Check(out, files)
				if err != nil {
					t.Fatal(err)
				}
				if len(diffs) > 0 {
					t.Fatalf("after write %d, check reports %v", i+1, diffs)
				}
			}
			if d := cmp.Diff(first, readTree(t, out)); d != "" {
				t.Fatalf("written tree differs from the compile:\n%s", d)
			}
		})
	}
}

// reparse checks that a golden file is valid in its format, so a golden
// file can never enshrine unparsable output.
func reparse(t *testing.T, p string, b []byte) {
	t.Helper()
	switch {
	case strings.HasSuffix(p, ".json"):
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Errorf("%s: invalid JSON: %v", p, err)
		}
	case strings.HasSuffix(p, ".rules.yaml"):
		if err := prometheus.Validate(b); err != nil {
			t.Errorf("%s: not a valid Prometheus rule file: %v", p, err)
		}
	case strings.HasSuffix(p, ".prometheusrule.yaml"), strings.HasPrefix(p, "prometheus/mimir/"):
		// Both forms hold rule groups: under spec (PrometheusRule) or at
		// the top (Mimir namespace). Re-render them as a rule file and
		// validate that.
		var doc struct {
			Kind   string              `yaml:"kind"`
			Spec   rulefmt.RuleGroups  `yaml:"spec"`
			Groups []rulefmt.RuleGroup `yaml:"groups"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Errorf("%s: invalid YAML: %v", p, err)
			return
		}
		groups := doc.Groups
		if doc.Kind == "PrometheusRule" {
			groups = doc.Spec.Groups
		}
		if len(groups) == 0 {
			t.Errorf("%s: no rule groups", p)
		}
		rb, err := prometheus.Render(groups)
		if err == nil {
			err = prometheus.Validate(rb)
		}
		if err != nil {
			t.Errorf("%s: rule groups invalid: %v", p, err)
		}
	case strings.HasPrefix(p, "kubernetes/grafana/"):
		// A ConfigMap (data) or GrafanaDashboard (spec.json) holding a
		// dashboard: the embedded JSON must parse too.
		var obj struct {
			Kind string            `yaml:"kind"`
			Data map[string]string `yaml:"data"`
			Spec struct {
				JSON string `yaml:"json"`
			} `yaml:"spec"`
		}
		if err := yaml.Unmarshal(b, &obj); err != nil {
			t.Errorf("%s: invalid YAML: %v", p, err)
			return
		}
		var embedded []string
		for _, v := range obj.Data {
			embedded = append(embedded, v)
		}
		if obj.Spec.JSON != "" {
			embedded = append(embedded, obj.Spec.JSON)
		}
		if len(embedded) != 1 {
			t.Errorf("%s: want one embedded dashboard, got %d", p, len(embedded))
		}
		for _, js := range embedded {
			var v any
			if err := json.Unmarshal([]byte(js), &v); err != nil {
				t.Errorf("%s: embedded dashboard is not JSON: %v", p, err)
			}
		}
	case strings.HasSuffix(p, ".yaml"), strings.HasSuffix(p, ".yml"):
		var v any
		if err := yaml.Unmarshal(b, &v); err != nil {
			t.Errorf("%s: invalid YAML: %v", p, err)
		}
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Errorf("%s: does not end with a newline", p)
	}
	if strings.Contains(string(b), "\r") {
		t.Errorf("%s: contains a carriage return", p)
	}
}

func union(a, b map[string][]byte) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
