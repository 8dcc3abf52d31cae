package compiler

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/diag"
	"github.com/vigil-dev/vigil/internal/specmut"
)

// TestSchemaShape checks that the whole embedded schema is in the
// vocabulary the fast path understands: if a schema change leaves it,
// the fast path would silently switch off for every spec.
func TestSchemaShape(t *testing.T) {
	s, err := schemaSpecShape()
	if err != nil {
		t.Fatalf("deriving the schema's shapes: %v", err)
	}
	if fieldConj(s, "models") == nil {
		t.Fatal("#Spec has no models field")
	}
}

// loadBoth loads src with the fast path and with CUE alone and fails t
// unless both give the same IR and the same diagnostics. It returns the
// number of models the fast path took (before any fallback).
func loadBoth(t *testing.T, src Source) (fast int, diags diag.List) {
	t.Helper()
	fastPathDisabled.Store(true)
	slowSpec, slowDiags, slowErr := Load(src)
	fastPathDisabled.Store(false)
	spec, diags, err := Load(src)
	if fmt.Sprint(err) != fmt.Sprint(slowErr) {
		t.Fatalf("error: fast path %v, CUE %v", err, slowErr)
	}
	all := cmp.Exporter(func(reflect.Type) bool { return true })
	if d := cmp.Diff(slowDiags, diags, all); d != "" {
		t.Fatalf("diagnostics differ (-CUE +fast path):\n%s", d)
	}
	if d := cmp.Diff(slowSpec, spec, all); d != "" {
		t.Fatalf("IR differs (-CUE +fast path):\n%s", d)
	}
	dir, args, err := resolveArgs(src)
	if err != nil {
		return 0, diags
	}
	l, d, err := loadInstance(dir, args)
	if err != nil || len(d) > 0 {
		return 0, diags
	}
	if fs := splitFast(l); fs != nil {
		fast = len(fs.models)
	}
	return fast, diags
}

// TestFastPathMatchesCUE loads every example with and without the fast
// path: the IR must be identical, and the fast path must take the
// examples' models (otherwise this test would prove nothing).
func TestFastPathMatchesCUE(t *testing.T) {
	dirs, _ := filepath.Glob("../examples/*/spec.cue")
	if len(dirs) == 0 {
		t.Fatal("no examples found")
	}
	for _, f := range dirs {
		t.Run(filepath.Base(filepath.Dir(f)), func(t *testing.T) {
			fast, diags := loadBoth(t, Source{Args: []string{f}})
			if len(diags) > 0 {
				t.Fatalf("example does not compile: %v", diags)
			}
			if fast == 0 {
				t.Fatal("the fast path took no model of this example")
			}
		})
	}
}

// TestFastPathBadInputs replays the bad-input corpus with and without the
// fast path; the diagnostics must be identical.
func TestFastPathBadInputs(t *testing.T) {
	dirs, _ := filepath.Glob("../testdata/errors/*")
	if len(dirs) == 0 {
		t.Fatal("no bad-input cases found")
	}
	for _, dir := range dirs {
		abs, err := filepath.Abs(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			loadBoth(t, Source{Args: []string{"."}, Dir: abs})
		})
	}
}

// TestFastPathMutations mutates the examples' models at random (values
// replaced by valid and invalid ones, fields deleted, renamed or added;
// internal/specmut)
// and checks that Load gives the same result with and without the fast
// path. Whenever the fast path accepts a model, the IR must be CUE's;
// whenever CUE rejects the spec, the diagnostics must be CUE's. Set
// VIGIL_FASTPATH_MUTATIONS=N for a longer run.
func TestFastPathMutations(t *testing.T) {
	n := 150
	if testing.Short() {
		n = 30
	}
	if s := os.Getenv("VIGIL_FASTPATH_MUTATIONS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatalf("VIGIL_FASTPATH_MUTATIONS: %v", err)
		}
	}
	var sources, copies [][]byte
	files, _ := filepath.Glob("../examples/*/spec.cue")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, b)
		c, err := specmut.ModelCopy(b)
		if err != nil {
			t.Fatal(err)
		}
		copies = append(copies, c)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var accepted, rejected, fastValid, fastRejected int
	for i := range n {
		src := sources[i%len(sources)]
		out, desc, err := specmut.Mutate(src, rng, specmut.Options{})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "spec.cue"), out, 0o644); err != nil {
			t.Fatal(err)
		}
		// Every other case adds an unmutated copy of the model in a
		// second file, so that the fast path has a model to take while
		// CUE reports the mutated one's errors.
		if i%2 == 1 {
			if err := os.WriteFile(filepath.Join(dir, "copy.cue"), copies[i%len(copies)], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Run(fmt.Sprintf("%03d", i), func(t *testing.T) {
			t.Logf("mutations: %s", desc)
			fast, diags := loadBoth(t, Source{Args: []string{"."}, Dir: dir})
			if len(diags) > 0 {
				rejected++
				if fast > 0 {
					fastRejected++
				}
			} else {
				accepted++
				if fast > 0 {
					fastValid++
				}
			}
		})
	}
	t.Logf("%d mutated specs: %d valid (%d through the fast path), %d rejected (%d with a fast model beside)", n, accepted, fastValid, rejected, fastRejected)
	if accepted == 0 || rejected == 0 || fastValid == 0 || fastRejected == 0 {
		t.Errorf("the mutations do not exercise every outcome: %d valid (%d fast), %d rejected (%d with a fast model)", accepted, fastValid, rejected, fastRejected)
	}
}

// TestFastPathSpecShapes covers the layouts the fast path must either
// take or leave to CUE: several files, definitions and lets used by some
// models, a model declared twice, patterns under models, YAML and JSON
// specs, a spec without the #Spec embedding, and enough models for the
// remainder to be evaluated in parallel partitions.
func TestFastPathSpecShapes(t *testing.T) {
	head := "package s\n\nimport \"github.com/vigil-dev/vigil/schema\"\n\nschema.#Spec\n\n"
	model := func(name string) string {
		return fmt.Sprintf("models: %q: {team: \"t\", slos: up: {objective: 99.9, availability: {}}}\n", name)
	}
	many := map[string]string{"spec.cue": head}
	for i := range 70 {
		if i%10 == 0 {
			many[fmt.Sprintf("m%02d.cue", i)] = fmt.Sprintf("package s\n\nlet obj = 99.5\nmodels: \"m%02d\": {team: \"t\", slos: up: {objective: obj, availability: {}}}\n", i)
			continue
		}
		many[fmt.Sprintf("m%02d.cue", i)] = "package s\n\n" + model(fmt.Sprintf("m%02d", i))
	}
	cases := []struct {
		name  string
		files map[string]string
		fast  int // models the fast path must take
	}{
		{"two files, one model uses a definition", map[string]string{
			"a.cue": head + model("a"),
			"b.cue": "package s\n\n#Base: {team: \"t\"}\nmodels: b: #Base & {slos: up: {objective: 99, availability: {}}}\n",
		}, 1},
		{"model declared twice", map[string]string{
			"a.cue": head + model("a") + model("b"),
			"b.cue": "package s\n\nmodels: a: team: \"t\"\n",
		}, 1},
		{"pattern under models", map[string]string{
			"a.cue": head + model("a") + "models: [string]: tier: \"critical\"\n",
		}, 0},
		{"a model refers to another", map[string]string{
			"a.cue": head + model("a") + "models: b: {team: models.a.team}\n",
		}, 0},
		{"embedded struct", map[string]string{
			"a.cue": head + model("a") + "{models: b: {team: \"t\"}}\n",
		}, 0},
		{"no #Spec embedding", map[string]string{
			"a.cue": "package s\n\n" + model("a") + model("b"),
		}, 2},
		{"YAML", map[string]string{
			"spec.yaml": "models:\n  a:\n    team: t\n    slos:\n      up: {objective: 99.9, availability: {}}\n",
		}, 1},
		{"JSON", map[string]string{
			"spec.json": `{"models": {"a": {"team": "t", "slos": {"up": {"objective": 99.9, "availability": {}}}}}}`,
		}, 1},
		{"JSON, not an object", map[string]string{
			"spec.json": `[1, 2]`,
		}, 0},
		{"invalid fast model", map[string]string{
			"a.cue": head + model("a") + "models: b: {team: \"T\"}\n",
		}, 1},
		{"valid for CUE, invalid for the normalizer", map[string]string{
			"a.cue": head + model("a") + "models: fleet: {team: \"t\"}\n",
		}, 2},
		{"70 models, 7 use a let", many, 63},
		{"schema files of the user's own", map[string]string{
			"cue.mod/module.cue": "module: \"example.com/s\"\nlanguage: version: \"v0.12.0\"\n",
			"cue.mod/usr/github.com/vigil-dev/vigil/schema/org.cue": "package schema\n\n#Model: tier: \"critical\"\n",
			"a.cue": head + model("a"),
		}, 0},
		{"an older schema file left in cue.mod/pkg", map[string]string{
			"cue.mod/module.cue": "module: \"example.com/s\"\nlanguage: version: \"v0.12.0\"\n",
			"cue.mod/pkg/github.com/vigil-dev/vigil/schema/old.cue": "package schema\n\n#Model: team: \"other\"\n",
			"a.cue": head + model("a"),
		}, 0},
		{"vigil init's copy of the schema", map[string]string{
			"cue.mod/module.cue": "module: \"example.com/s\"\nlanguage: version: \"v0.12.0\"\n",
			"cue.mod/pkg/github.com/vigil-dev/vigil/schema/spec.cue": "package schema\n",
			"a.cue": head + model("a"),
		}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range c.files {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			fast, diags := loadBoth(t, Source{Args: []string{"."}, Dir: dir})
			if fast != c.fast {
				t.Errorf("the fast path took %d models, want %d (diagnostics: %v)", fast, c.fast, diags)
			}
		})
	}
}

// FuzzFastPathAgrees loads arbitrary CUE with and without the fast path;
// the results must be identical. The examples are the seed corpus.
func FuzzFastPathAgrees(f *testing.F) {
	files, _ := filepath.Glob("../examples/*/spec.cue")
	for _, m := range files {
		b, err := os.ReadFile(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("models: m: {team: \"t\", slos: up: {objective: 99, availability: {}}}")
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "spec.cue"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		loadBoth(t, Source{Args: []string{"spec.cue"}, Dir: dir})
	})
}
