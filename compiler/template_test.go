package compiler

import (
	"context"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/template"
)

// expandAlertTemplate expands text as Prometheus's rule engine expands
// an alert's labels and annotations (rules/alerting.go): the variable
// definitions in front, then Expander.Expand.
func expandAlertTemplate(text string) (string, error) {
	defs := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	data := template.AlertTemplateData(map[string]string{"team": "t"}, map[string]string{"cluster": "c"}, "https://prom.example", promql.Sample{F: 0.5})
	u, _ := url.Parse("https://prom.example")
	return template.NewTemplateExpander(context.Background(), defs+text, "__alert_A", data, 0, nil, u, nil).Expand()
}

// templateTexts are spec texts that template syntax could mangle.
var templateTexts = []string{
	"", "plain", "{{", "}}", "{}}", "{{}", "{{{", "}}}", "{{{{", "}}{{", "{ {", "{{ .Labels }}",
	"{{ .Labels.team }}", "{{ $value }}", "$value", "{{ $labels.team }}", "{{- x -}}", "{{/* c */}}",
	`{{ "{{" }}`, `{{ "}}" }}`, "{{ end }}", `{{ define "__alert_A" }}x{{ end }}`, "`raw`", `"quoted"`,
	"'single'", "line\nbreak", "tab\there", "back\\slash", "unicode é 日本 🙂", "a{{b}}c{{d",
	"{{ humanize 1234 }}", "{{ template \"x\" }}", "text {", "text }", "{{\n}}", "%s %d %v",
}

// TestEscapeTemplateInPrometheus checks, in Prometheus's own template
// expander, that an escaped text expands to the text as written, for
// hand-picked texts and random ones over an alphabet of template syntax;
// and that UnescapeTemplate inverts EscapeTemplate.
func TestEscapeTemplateInPrometheus(t *testing.T) {
	texts := append([]string(nil), templateTexts...)
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []string{"{", "}", "{{", "}}", "$", "value", ".", "Labels", " ", "-", "/*", "*/", "\"", "`", "'", "\n", "|", "(", ")", "é", "\\", "x"}
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	for _, s := range texts {
		esc := EscapeTemplate(s)
		got, err := expandAlertTemplate(esc)
		if err != nil {
			t.Errorf("%q escaped as %q does not expand: %v", s, esc, err)
			continue
		}
		if got != s {
			t.Errorf("%q escaped as %q expands to %q", s, esc, got)
		}
		if u := UnescapeTemplate(esc); u != s {
			t.Errorf("UnescapeTemplate(EscapeTemplate(%q)) = %q", s, u)
		}
	}
	// The escape is needed: unescaped, several of these texts run or
	// fail as templates.
	changed := 0
	for _, s := range templateTexts {
		if got, err := expandAlertTemplate(s); err != nil || got != s {
			changed++
		}
	}
	if changed < 10 {
		t.Errorf("only %d of the hand-picked texts change when expanded unescaped; the test proves little", changed)
	}
}
