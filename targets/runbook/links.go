package runbook

import (
	"fmt"
	"strings"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/targets/grafana"
)

// linker renders one model's links into Grafana: dashboard panels (by
// their stable keys, grafana.ModelPanels, so a link names a panel only if
// the generated dashboard has it, and with its title) and Explore.
type linker struct {
	spec   *compiler.Spec
	m      *compiler.Model
	panels map[string]grafana.PanelRef
}

func newLinker(spec *compiler.Spec, m *compiler.Model) *linker {
	return &linker{spec: spec, m: m, panels: grafana.ModelPanels(spec, m)}
}

// absolute reports whether links.grafana is set: only then can a runbook
// hold links into Grafana (a path from Grafana's root would resolve
// against the runbook's own location).
func (l *linker) absolute() bool { return l.spec.Links.Grafana != "" }

// panel renders a reference to the model dashboard's panel with the given
// key, named by its title: a Markdown link "[title](…?viewPanel=id)", or,
// without links.grafana, the title in emphasis and the path in a code
// span. ok is false when the dashboard has no such panel.
func (l *linker) panel(key string) (string, bool) {
	p, ok := l.panels[key]
	if key == "" || !ok {
		return "", false
	}
	u := l.spec.PanelURL(l.m.Name, p.ID)
	if l.absolute() {
		return "[" + mdText(p.Title) + "](" + u + ")", true
	}
	return "*" + mdText(p.Title) + "* (" + urlText(u) + ")", true
}

// dashboard renders a reference to the model's dashboard with the given
// words.
func (l *linker) dashboard(words string) string {
	u := l.spec.DashboardURL(l.m.Name)
	if l.absolute() {
		return "[" + words + "](" + u + ")"
	}
	return words + " (" + urlText(u) + ")"
}

// panelList renders references to the panels of the keys the dashboard
// has, joined with "and".
func (l *linker) panelList(keys ...string) string {
	var refs []string
	for _, k := range keys {
		if ref, ok := l.panel(k); ok {
			refs = append(refs, ref)
		}
	}
	switch len(refs) {
	case 0:
		return ""
	case 1:
		return refs[0]
	}
	return strings.Join(refs[:len(refs)-1], ", ") + " and " + refs[len(refs)-1]
}

func (l *linker) infraCheck() string {
	if refs := l.panelList(grafana.InfraPanelKey("cpu"), grafana.InfraPanelKey("memory"), grafana.InfraPanelKey("replicas")); refs != "" {
		return "Check saturation of the serving pods on " + refs + "."
	}
	return "Check saturation of the serving pods (CPU, memory, restarts); this model's dashboard has no infrastructure panels (set `infrastructure` in the spec to add them)."
}

func (l *linker) pipelineCheck() string {
	const why = ": stale or missing features cause errors and slow requests."
	if refs := l.panelList(grafana.InfraPanelKey("freshness"), grafana.InfraPanelKey("rows")); refs != "" {
		return "Check the upstream data pipeline on " + refs + why
	}
	return "Check the upstream data pipeline's freshness and volume" + why
}

// queries writes the "Diagnosis queries" section.
func queries(b *strings.Builder, l *linker, qs []diagQuery) {
	if len(qs) == 0 {
		return
	}
	b.WriteString("## Diagnosis queries\n\n")
	fmt.Fprintf(b, "Ready to run in Grafana's Explore or in Prometheus (rates over %s", rateWindow)
	if !l.absolute() {
		b.WriteString("; set `links.grafana` in the spec for links into Explore")
	}
	b.WriteString(").\n\n")
	for _, q := range qs {
		fmt.Fprintf(b, "**%s.**", q.title)
		if q.note != "" {
			b.WriteString(" " + q.note)
		}
		b.WriteString("\n\n")
		codeBlock(b, "promql", q.expr)
		var refs []string
		if l.absolute() {
			refs = append(refs, "[Open in Explore]("+l.spec.ExploreURL(q.expr, q.last)+")")
		}
		if ref, ok := l.panel(q.panel); ok {
			refs = append(refs, "on the dashboard: "+ref)
		}
		if len(refs) > 0 {
			s := strings.Join(refs, " · ")
			b.WriteString(strings.ToUpper(s[:1]) + s[1:] + "\n\n")
		}
	}
}

// codeBlock writes a fenced code block whose fence is longer than any
// run of backticks in the text (spec label values may hold some).
func codeBlock(b *strings.Builder, lang, text string) {
	run, longest := 0, 0
	for _, r := range text {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", max(3, longest+1))
	b.WriteString(fence + lang + "\n" + text + "\n" + fence + "\n\n")
}

// mdText escapes text for Markdown inline content, such as a link's
// text: the characters that could start or end inline markup (code
// spans, emphasis, links, autolinks and HTML, entities, table cells) are
// backslash-escaped, and line breaks become spaces.
func mdText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			b.WriteByte(' ')
		case strings.ContainsRune("\\`*_[]<>&!|", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
