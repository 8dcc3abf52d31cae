package importer

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/literal"
)

// Spec is the part of a vigil spec an import produces: one file.
type Spec struct {
	// Package is the CUE package name of the file.
	Package string
	// Header is the file's leading comment, one line per entry.
	Header []string
	// SeverityNames renames severities (routing.severity_names), keyed by
	// vigil severity (critical, warning, info).
	SeverityNames map[string]string
	// Teams are declared teams: team name -> severity -> receiver. When
	// any is declared, every model's team is declared too.
	Teams map[string]map[string]string
	// Receivers are routing.receivers by name.
	Receivers map[string]Receiver
	Models    []*Model
}

// Receiver is one routing.receivers entry.
type Receiver struct {
	Kind   string
	Target string
}

// Model is one vigil model.
type Model struct {
	Name        string
	DisplayName string
	Description string
	Team        string
	// Comments are comment lines written above the model.
	Comments []string
	Labels   map[string]string
	Requests *Requests
	Latency  *Latency
	SLOs     []*SLO
}

// Requests is metrics.requests.
type Requests struct {
	Metric        string
	Selector      map[string]string
	Matchers      []string
	ErrorSelector map[string]string
	ErrorMatchers []string
}

// Latency is metrics.latency.
type Latency struct {
	Metric   string
	Selector map[string]string
	// Buckets are the bucket bounds as written, e.g. "0.4".
	Buckets []string
}

// SLO is one vigil SLO.
type SLO struct {
	Name        string
	Description string
	Comments    []string
	// Objective is the percentage as a decimal literal, e.g. "99.9".
	Objective string
	// Window is the compliance window; empty means vigil's default (30d).
	Window string
	// Kind is "availability", "latency" or "ratio".
	Kind string
	// Threshold is the latency bound (Kind latency), e.g. "400ms".
	Threshold string
	// Errors and Total are the ratio queries (Kind ratio), with $window.
	Errors, Total string
	Page, Ticket  Policy
	// MinBadEvents, when set, is written as alerting.min_bad_events.
	MinBadEvents *int
	// Tiers are budget tiers (consumed percent, severity).
	Tiers []Tier
	// Slices, when set, makes the SLO time-slice based.
	Slices *Slices
}

// Slices are a time-slice SLO's slices (decimal literals).
type Slices struct {
	Length          string
	Percentile      string
	MaxErrorPercent string
}

// Policy is a page or ticket burn-rate policy. The zero value keeps
// vigil's defaults.
type Policy struct {
	Disabled    bool
	Severity    string
	For         string
	Windows     []Window
	Labels      map[string]string
	Annotations map[string]string
}

// Window is a burn-rate window pair.
type Window struct {
	Long, Short string
	// Factor is a decimal literal; when empty, BudgetPercent is.
	Factor        string
	BudgetPercent string
}

// Tier is a budget tier.
type Tier struct {
	Consumed string
	Severity string
}

// Render writes the spec as formatted CUE.
func (s *Spec) Render() ([]byte, error) {
	var w writer
	for _, h := range s.Header {
		w.comment(h)
	}
	pkg := s.Package
	if pkg == "" {
		pkg = "monitoring"
	}
	w.line("package %s", pkg)
	w.line("")
	w.line(`import "github.com/vigil-dev/vigil/schema"`)
	w.line("")
	w.line("schema.#Spec")
	if len(s.SeverityNames) > 0 {
		w.line("")
		w.line("routing: severity_names: {")
		for _, k := range slices.Sorted(maps.Keys(s.SeverityNames)) {
			w.line("%s: %s", k, Quote(s.SeverityNames[k]))
		}
		w.line("}")
	}
	if len(s.Teams) > 0 {
		teams := maps.Clone(s.Teams)
		for _, m := range s.Models {
			if teams[m.Team] == nil {
				teams[m.Team] = map[string]string{}
			}
		}
		w.line("")
		w.line("teams: {")
		for _, t := range slices.Sorted(maps.Keys(teams)) {
			if len(teams[t]) == 0 {
				w.line("%s: {}", Key(t))
				continue
			}
			w.line("%s: receivers: {", Key(t))
			w.stringMap(teams[t])
			w.line("}")
		}
		w.line("}")
	}
	if len(s.Receivers) > 0 {
		w.line("")
		w.line("routing: receivers: {")
		for _, n := range slices.Sorted(maps.Keys(s.Receivers)) {
			r := s.Receivers[n]
			if r.Target != "" {
				w.line("%s: {kind: %s, target: %s}", Key(n), Quote(r.Kind), Quote(r.Target))
			} else {
				w.line("%s: kind: %s", Key(n), Quote(r.Kind))
			}
		}
		w.line("}")
	}
	for _, m := range s.Models {
		w.line("")
		for _, c := range m.Comments {
			w.comment(c)
		}
		w.line("models: %s: {", Key(m.Name))
		if m.DisplayName != "" {
			w.line("display_name: %s", Quote(m.DisplayName))
		}
		if m.Description != "" {
			w.line("description: %s", Quote(m.Description))
		}
		w.line("team: %s", Quote(m.Team))
		if len(m.Labels) > 0 {
			w.line("labels: {")
			w.stringMap(m.Labels)
			w.line("}")
		}
		if m.Requests != nil || m.Latency != nil {
			w.line("metrics: {")
			if r := m.Requests; r != nil {
				w.line("requests: {")
				w.line("metric: %s", Quote(r.Metric))
				if len(r.Selector) > 0 {
					w.line("selector: {")
					w.stringMap(r.Selector)
					w.line("}")
				}
				w.list("matchers", r.Matchers)
				if len(r.ErrorSelector) > 0 {
					w.line("error_selector: {")
					w.stringMap(r.ErrorSelector)
					w.line("}")
				}
				w.list("error_matchers", r.ErrorMatchers)
				w.line("}")
			}
			if h := m.Latency; h != nil {
				w.line("latency: {")
				w.line("metric: %s", Quote(h.Metric))
				if len(h.Selector) > 0 {
					w.line("selector: {")
					w.stringMap(h.Selector)
					w.line("}")
				}
				if len(h.Buckets) > 0 {
					w.line("buckets: [%s]", strings.Join(h.Buckets, ", "))
				}
				w.line("}")
			}
			w.line("}")
		}
		if len(m.SLOs) > 0 {
			w.line("slos: {")
			for _, o := range m.SLOs {
				o.render(&w)
			}
			w.line("}")
		}
		w.line("}")
	}
	out, err := format.Source([]byte(w.b.String()))
	if err != nil {
		return nil, fmt.Errorf("formatting the generated CUE: %v", err)
	}
	return out, nil
}

func (o *SLO) render(w *writer) {
	for _, c := range o.Comments {
		w.comment(c)
	}
	w.line("%s: {", Key(o.Name))
	if o.Description != "" {
		w.line("description: %s", Quote(o.Description))
	}
	w.line("objective: %s", o.Objective)
	if o.Window != "" {
		w.line("window: %s", Quote(o.Window))
	}
	switch o.Kind {
	case "availability":
		w.line("availability: {}")
	case "latency":
		w.line("latency: threshold: %s", Quote(o.Threshold))
	default:
		w.line("ratio: {")
		w.line("errors: %s", Quote(o.Errors))
		w.line("total: %s", Quote(o.Total))
		w.line("}")
	}
	if sl := o.Slices; sl != nil {
		switch {
		case sl.Percentile != "":
			w.line("slices: {length: %s, percentile: %s}", Quote(sl.Length), sl.Percentile)
		default:
			w.line("slices: {length: %s, max_error_percent: %s}", Quote(sl.Length), sl.MaxErrorPercent)
		}
	}
	var al []func()
	pol := func(name string, p Policy) {
		if p.Disabled {
			al = append(al, func() { w.line("%s: enabled: false", name) })
			return
		}
		if p.Severity == "" && p.For == "" && len(p.Windows) == 0 && len(p.Labels) == 0 && len(p.Annotations) == 0 {
			return
		}
		al = append(al, func() {
			w.line("%s: {", name)
			if p.Severity != "" {
				w.line("severity: %s", Quote(p.Severity))
			}
			if p.For != "" {
				w.line("for: %s", Quote(p.For))
			}
			if len(p.Labels) > 0 {
				w.line("labels: {")
				w.stringMap(p.Labels)
				w.line("}")
			}
			if len(p.Annotations) > 0 {
				w.line("annotations: {")
				w.stringMap(p.Annotations)
				w.line("}")
			}
			if len(p.Windows) > 0 {
				w.line("windows: [")
				for _, x := range p.Windows {
					if x.Factor == "" {
						w.line("{long: %s, short: %s, budget_percent: %s},", Quote(x.Long), Quote(x.Short), x.BudgetPercent)
						continue
					}
					w.line("{long: %s, short: %s, factor: %s},", Quote(x.Long), Quote(x.Short), x.Factor)
				}
				w.line("]")
			}
			w.line("}")
		})
	}
	pol("page", o.Page)
	pol("ticket", o.Ticket)
	if len(o.Tiers) > 0 {
		al = append(al, func() {
			w.line("budget_tiers: [")
			for _, t := range o.Tiers {
				w.line("{consumed: %s, severity: %s},", t.Consumed, Quote(t.Severity))
			}
			w.line("]")
		})
	}
	if o.MinBadEvents != nil {
		al = append(al, func() { w.line("min_bad_events: %d", *o.MinBadEvents) })
	}
	if len(al) > 0 {
		w.line("alerting: {")
		for _, f := range al {
			f()
		}
		w.line("}")
	}
	w.line("}")
}

// Quote returns s as a CUE string literal: a raw #"..."# literal when s
// is one line holding double quotes (PromQL label matchers read better
// unescaped), otherwise a double-quoted literal.
func Quote(s string) string {
	if strings.Contains(s, `"`) && !strings.ContainsAny(s, "\n\r\\\t") && !strings.Contains(s, `"#`) &&
		!strings.Contains(s, `\#`) && isPrintable(s) {
		return `#"` + s + `"#`
	}
	return literal.String.Quote(s)
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return false
		}
	}
	return true
}

type writer struct{ b strings.Builder }

func (w *writer) line(format string, args ...any) {
	fmt.Fprintf(&w.b, format, args...)
	w.b.WriteByte('\n')
}

func (w *writer) comment(s string) {
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, " \t\r")
		if l == "" {
			w.b.WriteString("//\n")
			continue
		}
		w.b.WriteString("// " + l + "\n")
	}
}

func (w *writer) stringMap(m map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		w.line("%s: %s", Key(k), Quote(m[k]))
	}
}

func (w *writer) list(name string, l []string) {
	if len(l) == 0 {
		return
	}
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = Quote(s)
	}
	w.line("%s: [%s]", name, strings.Join(q, ", "))
}

var identRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)

// Key returns s as a CUE field label: bare when it is a plain identifier
// (and not a keyword), quoted otherwise.
func Key(s string) string {
	switch s {
	case "if", "for", "in", "let", "import", "package", "true", "false", "null", "div", "mod", "quo", "rem", "func":
		return Quote(s)
	}
	if identRE.MatchString(s) {
		return s
	}
	return Quote(s)
}
