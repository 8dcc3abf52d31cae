package semdiff

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const rulesBase = `groups:
  - name: a
    rules:
      - record: vigil:x:rate5m
        expr: sum(rate(x[5m]))
        labels: {model: m, slo: s}
      - alert: Fast
        expr: vigil:x:rate5m{slo="s"} > 0.0144
        for: 2m
        labels: {severity: critical, team: t}
        annotations: {summary: fast burn}
  - name: b
    rules:
      - record: vigil:x:rate5m
        expr: sum(rate(y[5m]))
        labels: {model: m, slo: other}
`

// The same rules: groups reordered, expressions re-wrapped, maps in
// another order.
const rulesReformatted = `groups:
- name: b
  rules:
  - record: vigil:x:rate5m
    labels: {slo: other, model: m}
    expr: |
      sum(
        rate(y[5m])
      )
- name: a
  rules:
  - alert: Fast
    labels: {team: t, severity: critical}
    annotations: {summary: fast burn}
    for: 120s
    expr: vigil:x:rate5m{slo="s"}   >   0.0144
  - expr: sum(rate(x[5m]))
    record: vigil:x:rate5m
    labels: {model: m, slo: s}
`

const rulesChanged = `groups:
  - name: a
    rules:
      - record: vigil:x:rate5m
        expr: sum(rate(x[5m]))
        labels: {model: m, slo: s}
      - alert: Fast
        expr: vigil:x:rate5m{slo="s"} > 0.072
        for: 2m
        labels: {severity: warning, team: t}
        annotations: {summary: fast burn}
      - alert: New
        expr: up == 0
        labels: {severity: info}
`

func rules(t *testing.T, s string) ruleSet {
	t.Helper()
	rs, err := parseRules("r.yaml", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestCompareRulesReformatIsNoChange(t *testing.T) {
	if got := compareRules(rules(t, rulesBase), rules(t, rulesReformatted)); len(got) != 0 {
		t.Errorf("reformatted rules reported as changes: %+v", got)
	}
}

func TestCompareRules(t *testing.T) {
	got := compareRules(rules(t, rulesBase), rules(t, rulesChanged))
	want := []Change{
		{Kind: KindAlert, Name: "Fast", Action: Changed, Fields: []Field{
			{Name: "thresholds", Old: "0.0144", New: "0.072"},
			{Name: "expr", Old: `vigil:x:rate5m{slo="s"} > 0.0144`, New: `vigil:x:rate5m{slo="s"} > 0.072`},
			{Name: "label severity", Old: "critical", New: "warning"},
		}},
		{Kind: KindAlert, Name: "New", Action: Added, Fields: []Field{{Name: "severity", New: "info"}, {Name: "thresholds", New: "0"}}},
		{Kind: KindRecordingRule, Name: `vigil:x:rate5m{slo="other"}`, Action: Removed},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestParseRulesRejectsInvalid(t *testing.T) {
	if _, err := parseRules("r.yaml", []byte("groups:\n  - name: a\n    rules:\n      - record: x\n        expr: sum(\n")); err == nil {
		t.Error("invalid PromQL accepted")
	}
}
