package grafana_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/dashboardv2"
	sdkprom "github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/resource"
	"go.yaml.in/yaml/v3"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/targets/grafana"
)

// Strict decoding.
//
// The foundation SDK (v0.0.22) generates, next to each type's lenient
// json.Unmarshaler, an UnmarshalJSONStrict method (go/*/types_gen.go)
// that fails on fields the type does not have, on required fields that
// are missing or null, and on values of the wrong type, and a Validate
// method for the schema's constraints. Strict decoding of the parts a
// dashboard leaves open (panel options and field configs, queries) goes
// through the plugin registry that cog/plugins.RegisterDefaultPlugins
// fills: (*dashboard.Panel).UnmarshalJSONStrict hands a panel's options
// to its plugin's variants.PanelcfgConfig.StrictOptionsUnmarshaler (e.g.
// table.Options), its fieldConfig.defaults.custom to
// StrictFieldConfigUnmarshaler, and each target to
// cog.StrictUnmarshalDataquery (prometheus.Dataquery).
//
// The v2 decoder is strict about the dashboard and the visualization
// options, but reads a v2 panel's fieldConfig and each query's spec with
// the lenient decoders; strictV2 decodes those again with the strict ones
// (dashboardv2.FieldConfigSource, the plugin's strict field-config
// decoder, prometheus.Dataquery), so nothing in a v2 dashboard escapes
// strict decoding either.

// noErr turns the strict decoders' "no error" into nil: they return a
// nil cog.BuildErrors as a non-nil error interface.
func noErr(err error) error {
	if be, ok := err.(cog.BuildErrors); ok && len(be) == 0 {
		return nil
	}
	return err
}

// strictV1 decodes a v1 dashboard strictly, validates it and checks that
// the decoded value encodes back to the same JSON.
//
// (*dashboard.PanelOrRowPanel).UnmarshalJSONStrict returns its panel's
// "no error" (an empty cog.BuildErrors in a non-nil error) before it
// stores the panel, so a strictly decoded dashboard has no panels: its
// errors are complete, its value is not. Validation and the round trip
// therefore read the lenient decoder's value.
func strictV1(b []byte) error {
	var strict dashboard.Dashboard
	if err := noErr(strict.UnmarshalJSONStrict(b)); err != nil {
		return fmt.Errorf("strict decoding: %w", err)
	}
	var d dashboard.Dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return fmt.Errorf("validation: %w", err)
	}
	return sameJSON(b, d)
}

// strictV2 decodes a dashboard.grafana.app/v2 resource strictly: the
// envelope (resource.Manifest), the dashboard, every panel's field config
// and every query, then validates it.
func strictV2(b []byte) error {
	var m resource.Manifest
	if err := noErr(m.UnmarshalJSONStrict(b)); err != nil {
		return fmt.Errorf("strict decoding of the resource: %w", err)
	}
	if err := m.Validate(); err != nil {
		return fmt.Errorf("resource validation: %w", err)
	}
	var raw struct {
		Spec json.RawMessage `json:"spec"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var d dashboardv2.Dashboard
	if err := noErr(d.UnmarshalJSONStrict(raw.Spec)); err != nil {
		return fmt.Errorf("strict decoding of the dashboard: %w", err)
	}
	if err := d.Validate(); err != nil {
		return fmt.Errorf("dashboard validation: %w", err)
	}
	// What the v2 decoder reads leniently.
	var spec struct {
		Elements map[string]struct {
			Kind string `json:"kind"`
			Spec struct {
				Data struct {
					Spec struct {
						Queries []struct {
							Spec struct {
								Query struct {
									Group string          `json:"group"`
									Spec  json.RawMessage `json:"spec"`
								} `json:"query"`
							} `json:"spec"`
						} `json:"queries"`
					} `json:"spec"`
				} `json:"data"`
				VizConfig struct {
					Group string `json:"group"`
					Spec  struct {
						FieldConfig json.RawMessage `json:"fieldConfig"`
					} `json:"spec"`
				} `json:"vizConfig"`
			} `json:"spec"`
		} `json:"elements"`
		Annotations []struct {
			Spec struct {
				Query struct {
					Spec json.RawMessage `json:"spec"`
				} `json:"query"`
			} `json:"spec"`
		} `json:"annotations"`
		Variables []struct {
			Kind string `json:"kind"`
			Spec struct {
				Name  string `json:"name"`
				Query struct {
					Spec json.RawMessage `json:"spec"`
				} `json:"query"`
			} `json:"spec"`
		} `json:"variables"`
	}
	if err := json.Unmarshal(raw.Spec, &spec); err != nil {
		return err
	}
	var errs []string
	for _, name := range slices.Sorted(maps.Keys(spec.Elements)) {
		el := spec.Elements[name]
		var fc dashboardv2.FieldConfigSource
		if err := noErr(fc.UnmarshalJSONStrict(el.Spec.VizConfig.Spec.FieldConfig)); err != nil {
			errs = append(errs, fmt.Sprintf("%s: fieldConfig: %v", name, err))
		}
		var custom struct {
			Defaults struct {
				Custom json.RawMessage `json:"custom"`
			} `json:"defaults"`
		}
		json.Unmarshal(el.Spec.VizConfig.Spec.FieldConfig, &custom)
		if cfg, ok := cog.ConfigForPanelcfgVariant(el.Spec.VizConfig.Group); !ok || cfg.StrictFieldConfigUnmarshaler == nil {
			if custom.Defaults.Custom != nil {
				errs = append(errs, fmt.Sprintf("%s: no strict field-config decoder for %q", name, el.Spec.VizConfig.Group))
			}
		} else if custom.Defaults.Custom != nil {
			if _, err := cfg.StrictFieldConfigUnmarshaler(custom.Defaults.Custom); noErr(err) != nil {
				errs = append(errs, fmt.Sprintf("%s: fieldConfig.defaults.custom: %v", name, err))
			}
		}
		for i, q := range el.Spec.Data.Spec.Queries {
			if q.Spec.Query.Group != "prometheus" {
				errs = append(errs, fmt.Sprintf("%s: query %d has group %q", name, i, q.Spec.Query.Group))
				continue
			}
			if err := strictPromQuery(q.Spec.Query.Spec); err != nil {
				errs = append(errs, fmt.Sprintf("%s: query %d: %v", name, i, err))
			}
		}
	}
	for i, a := range spec.Annotations {
		if err := strictPromQuery(a.Spec.Query.Spec); err != nil {
			errs = append(errs, fmt.Sprintf("annotation %d: %v", i, err))
		}
	}
	// A query variable's query is a v1 string query, kept the way
	// Grafana converts one ({"__legacyStringValue": "label_values(…)"});
	// the Prometheus query type has no field for it, so its shape is
	// checked here.
	for _, v := range spec.Variables {
		if v.Kind != "QueryVariable" {
			continue
		}
		var legacy map[string]any
		if err := json.Unmarshal(v.Spec.Query.Spec, &legacy); err != nil {
			errs = append(errs, fmt.Sprintf("variable %s: %v", v.Spec.Name, err))
			continue
		}
		if s, ok := legacy["__legacyStringValue"].(string); !ok || s == "" || len(legacy) != 1 {
			errs = append(errs, fmt.Sprintf("variable %s: query spec %v, want only a __legacyStringValue string", v.Spec.Name, legacy))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

func strictPromQuery(b json.RawMessage) error {
	var q sdkprom.Dataquery
	if err := noErr(q.UnmarshalJSONStrict(b)); err != nil {
		return err
	}
	if q.Expr == "" {
		return fmt.Errorf("empty expr")
	}
	return q.Validate()
}

// sameJSON checks that v encodes to the JSON value b holds.
func sameJSON(b []byte, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	var orig, back any
	if err := json.Unmarshal(b, &orig); err != nil {
		return err
	}
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		return err
	}
	if d := cmp.Diff(orig, back); d != "" {
		return fmt.Errorf("does not round-trip through the SDK's types (-generated +decoded):\n%s", d)
	}
	return nil
}

// dashboardsInForm generates spec's dashboards in the given form and
// returns each dashboard's JSON by file name, unwrapped from its
// ConfigMap or GrafanaDashboard (whose YAML must decode into the object's
// known fields only).
func dashboardsInForm(t *testing.T, spec *compiler.Spec, form string) map[string][]byte {
	t.Helper()
	s := *spec
	s.Output.DashboardsFormat = form
	if form == "operator" && len(s.Output.GrafanaInstanceLabels) == 0 {
		s.Output.GrafanaInstanceLabels = []compiler.Label{{Name: "dashboards", Value: "grafana"}}
	}
	arts, err := grafana.Target{}.Generate(&s)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, a := range arts {
		name := path.Base(a.Path)
		switch {
		case form == "configmap" || form == "operator":
			if !strings.HasPrefix(a.Path, "kubernetes/grafana/") {
				continue
			}
			var obj struct {
				APIVersion string            `yaml:"apiVersion"`
				Kind       string            `yaml:"kind"`
				Metadata   map[string]any    `yaml:"metadata"`
				Data       map[string]string `yaml:"data"`
				Spec       struct {
					InstanceSelector map[string]any `yaml:"instanceSelector"`
					Folder           string         `yaml:"folder"`
					JSON             string         `yaml:"json"`
				} `yaml:"spec"`
			}
			dec := yaml.NewDecoder(bytes.NewReader(a.Bytes))
			dec.KnownFields(true)
			if err := dec.Decode(&obj); err != nil {
				t.Fatalf("%s: %v", a.Path, err)
			}
			js := obj.Spec.JSON
			if form == "configmap" {
				if len(obj.Data) != 1 {
					t.Fatalf("%s: %d data keys, want 1", a.Path, len(obj.Data))
				}
				for _, v := range obj.Data {
					js = v
				}
			}
			out[strings.TrimSuffix(name, ".yaml")] = []byte(js)
		case strings.HasSuffix(a.Path, ".json"):
			out[strings.TrimSuffix(name, ".json")] = a.Bytes
		}
	}
	if len(out) != len(spec.Models)+1 {
		t.Fatalf("%s: %d dashboards for %d models", form, len(out), len(spec.Models))
	}
	return out
}

// TestDashboardsDecodeStrictly decodes every generated dashboard of every
// example and test case, in every form (plain JSON, sidecar ConfigMap,
// grafana-operator GrafanaDashboard, dashboard v2 resource), with the
// SDK's strict decoders (see above) and validation.
func TestDashboardsDecodeStrictly(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	for name, spec := range examples(t) {
		for _, form := range compiler.DashboardsFormats {
			t.Run(name+"/"+form, func(t *testing.T) {
				for dash, b := range dashboardsInForm(t, spec, form) {
					check := strictV1
					if form == grafana.FormatV2 {
						check = strictV2
					}
					if err := check(b); err != nil {
						t.Errorf("%s: %v", dash, err)
					}
				}
			})
		}
	}
}

// TestStrictDecodingCatches makes sure the strict checks above can fail:
// each mutation of a generated dashboard is one the lenient decoders
// accept.
func TestStrictDecodingCatches(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	spec := examples(t)["saas-sla"]
	v1 := dashboardsInForm(t, spec, "plain")
	v2 := dashboardsInForm(t, spec, grafana.FormatV2)
	for _, m := range []struct {
		name, dash string
		v2         bool
		old, new   string
	}{
		{"unknown dashboard field", "doc-classifier", false, `"editable": false,`, `"editable": false, "editabel": true,`},
		{"unknown field in stat options", "doc-classifier", false, `"graphMode": "area",`, `"graphMode": "area", "graphMod": "area",`},
		{"null transformation options", "fleet", false, `"options": {}`, `"options": null`},
		{"null table footer reducer", "fleet", false, `"reducer": []`, `"reducer": null`},
		{"unknown field in a Prometheus target", "fleet", false, `"instant": true,`, `"instant": true, "instnt": true,`},
		{"unknown field in a v2 query", "doc-classifier", true, `"legendFormat": "remaining"`, `"legendFormat": "remaining", "legend": "x"`},
		{"unknown field in a v2 field config", "doc-classifier", true, `"unit": "percentunit"`, `"unit": "percentunit", "unitt": "x"`},
		{"null v2 table footer reducer", "fleet", true, `"reducer": []`, `"reducer": null`},
		{"v2 variable query with another field", "doc-classifier", true, `"__legacyStringValue": `, `"expr": "up", "__legacyStringValue": `},
	} {
		src, check := v1[m.dash], strictV1
		if m.v2 {
			src, check = v2[m.dash], strictV2
		}
		if err := check(src); err != nil {
			t.Fatalf("%s: %v", m.dash, err)
		}
		if !bytes.Contains(src, []byte(m.old)) {
			t.Errorf("%s: %q not in the dashboard", m.name, m.old)
			continue
		}
		mut := bytes.Replace(src, []byte(m.old), []byte(m.new), 1)
		if err := check(mut); err == nil {
			t.Errorf("%s: accepted", m.name)
		}
	}
}
