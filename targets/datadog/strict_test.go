package datadog_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/ddstrict"
	"github.com/vigil-dev/vigil/internal/exampletest"
	"github.com/vigil-dev/vigil/targets/datadog"
)

// generate compiles a spec with the Datadog target alone.
func generate(t *testing.T, spec *compiler.Spec) map[string][]byte {
	t.Helper()
	files, err := compiler.Generate(spec, []compiler.Target{datadog.Target{}})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// decodeFile decodes one generated payload file strictly into the
// client's type for its directory.
func decodeFile(p string, data []byte) (int, error) {
	switch path.Base(path.Dir(p)) {
	case "slos":
		v, err := ddstrict.Decode[[]datadogV1.ServiceLevelObjectiveRequest](data)
		return len(v), err
	case "monitors":
		v, err := ddstrict.Decode[[]datadogV1.Monitor](data)
		return len(v), err
	case "dashboards":
		_, err := ddstrict.Decode[datadogV1.Dashboard](data)
		return 1, err
	}
	return 0, nil
}

// TestPayloadsDecodeStrictly decodes every generated SLO, monitor and
// dashboard of every example and edge case into the client's model
// types, with no unknown or unparsed field anywhere and nothing lost
// when the value is encoded again.
func TestPayloadsDecodeStrictly(t *testing.T) {
	for name, spec := range exampletest.Load(t) {
		t.Run(name, func(t *testing.T) {
			files := generate(t, spec)
			counts := map[string]int{}
			for p, data := range files {
				n, err := decodeFile(p, data)
				if err != nil {
					t.Errorf("%s: %v", p, err)
				}
				counts[path.Base(path.Dir(p))] += n
			}
			// Every model has a dashboard, and the fleet one.
			if counts["dashboards"] != len(spec.Models)+1 {
				t.Errorf("%d dashboards, want %d", counts["dashboards"], len(spec.Models)+1)
			}
			if !strings.HasPrefix(name, "case-") && (counts["slos"] == 0 || counts["monitors"] == 0) {
				t.Errorf("example has %d SLOs and %d monitors, want some of each", counts["slos"], counts["monitors"])
			}
		})
	}
}

// TestStrictDecodeCatches shows that the strict decoding fails where it
// must: an unknown field at the top and deep inside, an invalid enum
// value, a missing required field at the top (the client's own
// UnmarshalJSON error) and deep inside (where the client keeps the raw
// object instead of failing).
func TestStrictDecodeCatches(t *testing.T) {
	spec := exampletest.Load(t)["fraud-detection"]
	files := generate(t, spec)
	monitors := files["datadog/monitors/fraud-detector.json"]
	slos := files["datadog/slos/fraud-detector.json"]
	dash := files["datadog/dashboards/fraud-detector.json"]
	for _, p := range [][]byte{monitors, slos, dash} {
		if p == nil {
			t.Fatal("missing generated file")
		}
	}
	mutate := func(data []byte, f func(v any)) []byte {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		f(v)
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	first := func(v any) map[string]any { return v.([]any)[0].(map[string]any) }
	cases := []struct {
		name string
		file string
		data []byte
	}{
		{"unknown top-level monitor field", "monitors/x.json", mutate(monitors, func(v any) { first(v)["bogus"] = 1 })},
		{"unknown field in monitor options", "monitors/x.json", mutate(monitors, func(v any) { first(v)["options"].(map[string]any)["bogus"] = true })},
		{"invalid monitor type", "monitors/x.json", mutate(monitors, func(v any) { first(v)["type"] = "slo alarm" })},
		{"missing monitor query", "monitors/x.json", mutate(monitors, func(v any) { delete(first(v), "query") })},
		{"missing SLO thresholds", "slos/x.json", mutate(slos, func(v any) { delete(first(v), "thresholds") })},
		{"missing SLO threshold timeframe", "slos/x.json", mutate(slos, func(v any) {
			delete(first(v)["thresholds"].([]any)[0].(map[string]any), "timeframe")
		})},
		{"invalid SLO timeframe", "slos/x.json", mutate(slos, func(v any) { first(v)["timeframe"] = "28d" })},
		{"missing widget definition type deep in a group", "dashboards/x.json", mutate(dash, func(v any) {
			g := v.(map[string]any)["widgets"].([]any)[0].(map[string]any)["definition"].(map[string]any)
			delete(g["widgets"].([]any)[0].(map[string]any)["definition"].(map[string]any), "type")
		})},
		{"unknown dashboard field", "dashboards/x.json", mutate(dash, func(v any) { v.(map[string]any)["bogus"] = "x" })},
	}
	for _, c := range cases {
		if _, err := decodeFile(c.file, c.data); err == nil {
			t.Errorf("%s: decoded without error", c.name)
		} else {
			t.Logf("%s: %v", c.name, err)
		}
	}
	// The unmutated files decode (the mutations above are what fails).
	for p, d := range map[string][]byte{"monitors/x.json": monitors, "slos/x.json": slos, "dashboards/x.json": dash} {
		if _, err := decodeFile(p, d); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestRequiredFieldsEnforcedByClient confirms that the client's
// UnmarshalJSON itself reports missing required fields (so Decode's
// first step checks them): monitor query and type, SLO name, thresholds
// and type, dashboard layout_type, title and widgets.
func TestRequiredFieldsEnforcedByClient(t *testing.T) {
	for _, c := range []struct {
		data string
		into json.Unmarshaler
	}{
		{`{"type":"query alert"}`, &datadogV1.Monitor{}},
		{`{"query":"avg(last_5m):x{*} > 1"}`, &datadogV1.Monitor{}},
		{`{"thresholds":[],"type":"metric"}`, &datadogV1.ServiceLevelObjectiveRequest{}},
		{`{"name":"n","type":"metric"}`, &datadogV1.ServiceLevelObjectiveRequest{}},
		{`{"name":"n","thresholds":[]}`, &datadogV1.ServiceLevelObjectiveRequest{}},
		{`{"title":"t","widgets":[]}`, &datadogV1.Dashboard{}},
		{`{"layout_type":"ordered","widgets":[]}`, &datadogV1.Dashboard{}},
		{`{"layout_type":"ordered","title":"t"}`, &datadogV1.Dashboard{}},
	} {
		if err := c.into.UnmarshalJSON([]byte(c.data)); err == nil || !strings.Contains(err.Error(), "required field") {
			t.Errorf("%T from %s: error %v, want a required-field error", c.into, c.data, err)
		}
	}
}

// TestDeterministic compiles twice and compares the bytes.
func TestDeterministic(t *testing.T) {
	for name, spec := range exampletest.Load(t) {
		a, b := generate(t, spec), generate(t, spec)
		for p := range a {
			if !bytes.Equal(a[p], b[p]) {
				t.Errorf("%s %s: differs between runs", name, p)
			}
		}
	}
}

// edgeSpecs are specs the examples do not cover: a bare model, and one
// whose PromQL and SLOs have no Datadog form.
var edgeSpecs = map[string]string{
	"bare": `package m
import "github.com/vigil-dev/vigil/schema"
schema.#Spec
models: bare: team: "t"
`,
	"untranslatable": `package m
import "github.com/vigil-dev/vigil/schema"
schema.#Spec
models: odd: {
	team: "t"
	metrics: {
		selector: {service: "Odd Service", env: "prod"}
		requests: error_selector: {code: "5.."}
	}
	kpis: p90: query: "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))"
	kpis: ok: query: "sum(rate(y_total{a=~\"b|c\"}[5m]))"
	alerts: anomalies: q: {query: "a / on (x) b", baseline: "seasonal", season: "2d", baseline_window: "30d", for: "1m"}
	alerts: anomalies: kpi: {kpi: "ok", direction: "down"}
	infrastructure: cpu: "count(up)"
	slos: {
		fresh: {objective: 99, freshness: {last_success: "max(last_ok_timestamp_seconds)", max_age: "1h"}}
		ratio: {objective: 99, window: "28d", ratio: {errors: "sum(rate(e_total[$window]))", total: "sum(rate(t_total[$window]))"}}
		avail: {objective: 99.9, window: "7d", availability: {}}
	}
}
`,
}

// TestEdgeSpecsDecodeStrictly compiles the edge specs and decodes their
// payloads strictly; what has no Datadog form is in NOTES.md.
func TestEdgeSpecsDecodeStrictly(t *testing.T) {
	for name, src := range edgeSpecs {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "spec.cue"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			spec, diags, err := compiler.Load(compiler.Source{Args: []string{dir}})
			if err != nil || len(diags) > 0 {
				t.Fatalf("%v %v", err, diags)
			}
			files := generate(t, spec)
			for p, data := range files {
				if _, err := decodeFile(p, data); err != nil {
					t.Errorf("%s: %v", p, err)
				}
			}
			notes := string(files["datadog/NOTES.md"])
			for _, want := range map[string][]string{
				"bare": {"Nothing: every alert and SLO has an exact Datadog form."},
				"untranslatable": {
					"SLO fresh: freshness SLOs", "SLO ratio: ratio SLOs", `panel "p90"`, "QAnomaly: the query",
					`panel "CPU"`, "SLO avail: the matcher code=~\"5..\"", // exact: 5?? is not an approximation
				},
			}[name] {
				if strings.HasPrefix(want, "SLO avail: the matcher") {
					if strings.Contains(notes, want) {
						t.Errorf("NOTES.md calls an exact wildcard approximate:\n%s", notes)
					}
					continue
				}
				if !strings.Contains(notes, want) {
					t.Errorf("NOTES.md lacks %q:\n%s", want, notes)
				}
			}
		})
	}
}
