package drift_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/internal/exampletest"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/promql/parser"
	jsval "github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/targets/drift"
	"github.com/vigil-dev/vigil/targets/grafana"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

func examples(t *testing.T) map[string]*compiler.Spec { return exampletest.Load(t) }

// TestConfigsMatchTheirSchemaAndParseBack validates each generated config
// against the generated JSON Schema (with an independent validator) and
// checks that the evaluator's parser reads back exactly what was built.
func TestConfigsMatchTheirSchemaAndParseBack(t *testing.T) {
	schemaJSON, err := config.Schema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsval.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		t.Fatal(err)
	}
	c := jsval.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for name, spec := range examples(t) {
		arts, err := drift.Target{}.Generate(spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range arts {
			if !strings.HasPrefix(a.Path, "drift/") || !strings.HasSuffix(a.Path, ".yaml") {
				continue
			}
			n++
			var v any
			if err := yaml.Unmarshal(a.Bytes, &v); err != nil {
				t.Fatal(err)
			}
			j, _ := json.Marshal(v)
			inst, _ := jsval.UnmarshalJSON(bytes.NewReader(j))
			if err := sch.Validate(inst); err != nil {
				t.Errorf("%s %s does not match the schema: %v", name, a.Path, err)
			}
			got, err := config.Parse(a.Bytes)
			if err != nil {
				t.Fatalf("%s: %v", a.Path, err)
			}
			model := strings.TrimSuffix(strings.TrimPrefix(a.Path, "drift/"), ".yaml")
			if d := cmp.Diff(drift.Config(spec.Model(model)), got); d != "" {
				t.Errorf("%s does not parse back to what was built:\n%s", a.Path, d)
			}
		}
	}
	if n == 0 {
		t.Fatal("no example has drift configs")
	}
	// The schema must reject a config of another version and unknown fields.
	for _, bad := range []string{`{"version": 2}`, `{"version": 1, "bogus": true}`} {
		inst, _ := jsval.UnmarshalJSON(strings.NewReader(bad))
		if sch.Validate(inst) == nil {
			t.Errorf("schema accepts %s", bad)
		}
	}
}

// TestDriftSeriesAgreeAcrossTargets checks that the series the Prometheus
// target's drift alerts and the Grafana target's drift panels query are
// series the evaluator config tells `vigil drift` to export, with labels
// the config declares and the same model and feature label values.
func TestDriftSeriesAgreeAcrossTargets(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	checked := 0
	for name, spec := range examples(t) {
		for _, m := range spec.Models {
			cfg := drift.Config(m)
			if cfg == nil {
				continue
			}
			mn := cfg.Metrics
			exported := map[string]bool{mn.Score: true, mn.Threshold: true, mn.Detected: true, mn.MissingRatio: true, mn.LastRun: true,
				mn.ConsecutiveBreaches: true, mn.PValue: true, mn.SampleSize: true, mn.RowsRead: true, mn.FeatureErrors: true,
				mn.EvaluationDuration: true, mn.Errors: true, mn.BinShare: true}
			if len(exported) != 13 {
				t.Errorf("%s/%s: the config names %d distinct drift series, want 13", name, m.Name, len(exported))
			}
			// The labels each series carries besides the feature labels.
			labels := func(series string) []string {
				if series == mn.BinShare {
					return []string{"model", "feature", "sample", "bin"}
				}
				return cfg.Metrics.FeatureLabels
			}
			features := map[string]bool{}
			for _, f := range cfg.Features {
				features[f.Name] = true
			}
			// The rules' own recordings (how long the rules have been
			// running, for staleness on a fresh database) are not the
			// evaluator's series.
			recorded := map[string]bool{}
			for _, g := range prometheus.Groups(spec, m) {
				for _, r := range g.Rules {
					recorded[r.Record] = r.Record != ""
				}
			}
			used := map[string]bool{}
			for _, a := range prometheus.Alerts(spec, m) {
				if a.Kind != prometheus.KindDrift && a.Kind != prometheus.KindDriftStale {
					continue
				}
				expr, err := p.ParseExpr(a.Rule.Expr)
				if err != nil {
					t.Fatal(err)
				}
				parser.Inspect(expr, func(node parser.Node, path []parser.Node) error {
					vs, ok := node.(*parser.VectorSelector)
					if !ok || recorded[vs.Name] {
						return nil
					}
					used[vs.Name] = true
					// Roles: the run timestamp is what changes() and
					// absent_over_time() watch; a per-feature selector reads
					// the verdict.
					for _, anc := range path {
						if call, ok := anc.(*parser.Call); ok && (call.Func.Name == "changes" || call.Func.Name == "absent_over_time") && vs.Name != cfg.Metrics.LastRun {
							t.Errorf("%s: alert %s watches %s in %s, want the run timestamp %s", name, a.Rule.Alert, vs.Name, call.Func.Name, cfg.Metrics.LastRun)
						}
					}
					for _, lm := range vs.LabelMatchers {
						if lm.Name == "feature" && vs.Name != cfg.Metrics.Detected {
							t.Errorf("%s: alert %s reads %s per feature, want the verdict %s", name, a.Rule.Alert, vs.Name, cfg.Metrics.Detected)
						}
					}
					if !exported[vs.Name] {
						t.Errorf("%s/%s: alert %s queries %s, which the evaluator does not export", name, m.Name, a.Rule.Alert, vs.Name)
					}
					allowedLabels := cfg.Metrics.FeatureLabels
					if vs.Name == cfg.Metrics.LastRun {
						allowedLabels = cfg.Metrics.ModelLabels
					}
					for _, lm := range vs.LabelMatchers {
						if lm.Name != "__name__" && !contains(allowedLabels, lm.Name) {
							t.Errorf("%s: alert %s selects %s by label %s, which the evaluator does not export on it", name, a.Rule.Alert, vs.Name, lm.Name)
						}
						switch lm.Name {
						case "model":
							if lm.Value != cfg.Model {
								t.Errorf("%s: alert %s selects model %q, config exports %q", name, a.Rule.Alert, lm.Value, cfg.Model)
							}
						case "feature":
							if !features[lm.Value] {
								t.Errorf("%s: alert %s selects feature %q, which the config does not test", name, a.Rule.Alert, lm.Value)
							}
						}
					}
					checked++
					return nil
				})
			}
			// Grafana: every drift-prefixed series a dashboard reads.
			dash, err := grafana.ModelDashboard(spec, m)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(dash)
			var panels struct {
				Panels []struct {
					Title   string `json:"title"`
					Targets []struct {
						Expr string `json:"expr"`
					} `json:"targets"`
				} `json:"panels"`
			}
			json.Unmarshal(b, &panels)
			prefix := m.Metrics.DriftPrefix + "_"
			drawn := false
			for _, pn := range panels.Panels {
				for _, tg := range pn.Targets {
					e, err := p.ParseExpr(strings.ReplaceAll(tg.Expr, "$__rate_interval", "5m"))
					if err != nil {
						t.Fatal(err)
					}
					parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
						vs, ok := node.(*parser.VectorSelector)
						if !ok || !strings.HasPrefix(vs.Name, prefix) {
							return nil
						}
						drawn = true
						if !exported[vs.Name] {
							t.Errorf("%s: panel %q reads %s, which the evaluator does not export", name, pn.Title, vs.Name)
						}
						for _, lm := range vs.LabelMatchers {
							if lm.Name != "__name__" && !contains(labels(vs.Name), lm.Name) {
								t.Errorf("%s: panel %q selects label %s, which the evaluator does not export on %s", name, pn.Title, lm.Name, vs.Name)
							}
							if lm.Name == "feature" && !features[lm.Value] {
								t.Errorf("%s: panel %q selects feature %q, which the config does not test", name, pn.Title, lm.Value)
							}
							if lm.Name == "model" && lm.Value != cfg.Model {
								t.Errorf("%s: panel %q selects model %q, config exports %q", name, pn.Title, lm.Value, cfg.Model)
							}
						}
						return nil
					})
				}
			}
			if !drawn {
				t.Errorf("%s/%s: no dashboard panel plots the drift series", name, m.Name)
			}
			for _, must := range []string{cfg.Metrics.Detected, cfg.Metrics.LastRun} {
				if !used[must] {
					t.Errorf("%s/%s: no drift alert reads %s", name, m.Name, must)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no drift selectors checked")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
