package compiler

import (
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
)

// TestSchemaDocDescribes pins what messages say a field accepts; each
// phrase was checked against the schema by hand.
func TestSchemaDocDescribes(t *testing.T) {
	doc := loadSchemaDoc()
	if doc == nil {
		t.Fatal("the embedded schema could not be read")
	}
	for _, tc := range []struct {
		path string
		d    dialect
		want string
	}{
		{`models`, dialectYAML, "a map from model name to model"},
		{`models.m.slos`, dialectCUE, "a map from SLO name to SLO"},
		{`models.m.slos.a.objective`, dialectCUE, "a percentage strictly between 0 and 100, e.g. 99.9"},
		{`models.m.slos.a.window`, dialectCUE, `one of "30d", "28d" or "7d", or a Prometheus duration such as "30s", "5m", "1h30m" or "30d": number-unit pairs from the largest unit to the smallest, with units ms, s, m, h, d (24h), w (7d) and y (365d)`},
		{`models.m.slos.a.availability`, dialectJSON, "an empty object ({})"},
		{`models.m.slos.a.alerting.budget_tiers`, dialectJSON, "an array of budget tiers"},
		{`models.m.slos.a.alerting.budget_tiers[0].consumed`, dialectCUE, "a number greater than 0 and at most 100"},
		{`models.m.slos.a.alerting.budget_tiers[0].severity`, dialectCUE, `an alert severity: one of "critical", "warning" or "info"`},
		{`models.m.slos.a.alerting.page.windows`, dialectYAML, "a list of burn windows"},
		{`models.m.slos.a.quality.min_feedback_rate`, dialectCUE, "a number of at least 0"},
		{`models.m.features.f.test.bins`, dialectCUE, "a whole number from 2 to 1000"},
		{`models.m.features.f.critical`, dialectCUE, "true or false"},
		{`models.m.metrics.latency.buckets`, dialectYAML, "a list of numbers"},
		{`models.m.metrics.selector`, dialectCUE, `a set of equality label matchers, e.g. {job: "fraud-api"}`},
		{`models.m.labels`, dialectYAML, "a map from label name to label value"},
		{`models.m.links`, dialectYAML, "a map from name to URL"},
		{`models.m.display_name`, dialectCUE, "a non-empty string"},
		{`models.m.contacts.email`, dialectCUE, ""}, // a pattern: the field's doc speaks
		{`teams.t.receivers`, dialectCUE, "a map from severity to name"},
		{`routing.group_by`, dialectCUE, "a list of label names"},
		{`output.prometheus.labels`, dialectCUE, "a map from string to string"},
	} {
		info, ok := doc.lookup(cue.ParsePath(tc.path).Selectors())
		if !ok {
			t.Errorf("%s: not found in the schema", tc.path)
			continue
		}
		if got := doc.describe(info.value, tc.d); got != tc.want {
			t.Errorf("%s: describe = %q, want %q", tc.path, got, tc.want)
		}
	}
	if _, ok := doc.lookup(cue.ParsePath("models.m.nosuchfield").Selectors()); ok {
		t.Error("lookup found a field the schema does not declare")
	}
}

// TestSchemaDocCoversEveryField walks the whole schema: every field must
// have a description in words (from its constraint, or from its doc
// comment when the constraint is a pattern), free of CUE syntax, so that
// no message falls back to printing the constraint.
func TestSchemaDocCoversEveryField(t *testing.T) {
	doc := loadSchemaDoc()
	n := 0
	var walk func(sels []cue.Selector, depth int)
	walk = func(sels []cue.Selector, depth int) {
		info, ok := doc.lookup(sels)
		if !ok {
			t.Errorf("%s: not found", cue.MakePath(sels...))
			return
		}
		if len(sels) > 0 {
			n++
			want := doc.describe(info.value, dialectYAML)
			if want == "" {
				want = fieldPhrase(info.doc)
			}
			path := cue.MakePath(sels...).String()
			if testing.Verbose() {
				t.Logf("%s: %s", path, want)
			}
			if want == "" {
				t.Errorf("%s: no description", path)
			}
			for _, bad := range []string{`=~"^`, "#", "_|_", " & ", "[string]", "..."} {
				if strings.Contains(want, bad) {
					t.Errorf("%s: description %q shows schema syntax %q", path, want, bad)
				}
			}
		}
		if depth > 8 {
			return
		}
		for _, name := range doc.fieldNames(info.value) {
			if name == "name" && len(sels) > 0 {
				continue // filled in from the key
			}
			walk(append(append([]cue.Selector(nil), sels...), cue.Str(name)), depth+1)
		}
		if _, isMap := doc.keyOf(info.value); isMap {
			walk(append(append([]cue.Selector(nil), sels...), cue.Str("k")), depth+1)
		}
		for _, x := range doc.flatten(info.value) {
			if _, isList := x.(*ast.ListLit); isList {
				walk(append(append([]cue.Selector(nil), sels...), cue.Index(0)), depth+1)
				break
			}
		}
	}
	walk(nil, 0)
	t.Logf("%d fields", n)
	if n < 150 {
		t.Errorf("walked %d fields; the schema has more", n)
	}
}
