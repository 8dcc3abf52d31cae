package compiler

import (
	"testing"

	"cuelang.org/go/cue"
)

// TestDiagSelectors parses diagnostic paths as fromCUE formats them.
func TestDiagSelectors(t *testing.T) {
	for _, c := range []struct {
		path string
		want string // cue.Path's rendering; "" when the path is refused
	}{
		{"models", "models"},
		{`models."fraud-detector".team`, `models."fraud-detector".team`},
		{"models.m.slos.up.alerting.budget_tiers.0.severity", "models.m.slos.up.alerting.budget_tiers[0].severity"},
		{"models.m.metrics.feedback.classes.12", "models.m.metrics.feedback.classes[12]"},
		{"models.m.buckets[3]", "models.m.buckets[3]"},
		{`models."a.0.b".team`, `models."a.0.b".team`},
		{`models."q\"x.y".team`, `models."q\"x.y".team`},
		{"models..team", ""},
		{"models.-1", ""},
		{"", ""},
	} {
		sels, ok := diagSelectors(c.path)
		got := ""
		if ok {
			got = cue.MakePath(sels...).String()
		}
		if got != c.want {
			t.Errorf("diagSelectors(%q) = %q, want %q", c.path, got, c.want)
		}
	}
}
