package openslo

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/diag"
	"github.com/vigil-dev/vigil/importer"
	"github.com/vigil-dev/vigil/internal/decimal"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// Annotation naming the vigil SLO an exported OpenSLO SLO came from
// (OpenSLO names are global, vigil's per model).
const AnnSLOName = "vigil.dev/slo-name"

// DataSourceName is the DataSource every exported metric source refers to.
const DataSourceName = "prometheus"

type doc struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   md     `yaml:"metadata"`
	Spec       any    `yaml:"spec"`
}

type md struct {
	Name        string            `yaml:"name"`
	DisplayName string            `yaml:"displayName,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

type dataSourceSpec struct {
	Description string `yaml:"description,omitempty"`
	Type        string `yaml:"type"`
}

type serviceSpec struct {
	Description string `yaml:"description,omitempty"`
}

type sloSpec struct {
	Description     string       `yaml:"description,omitempty"`
	Service         string       `yaml:"service"`
	Indicator       indicator    `yaml:"indicator"`
	TimeWindow      []timeWindow `yaml:"timeWindow"`
	BudgetingMethod string       `yaml:"budgetingMethod"`
	Objectives      []objective  `yaml:"objectives"`
	AlertPolicies   []policyRef  `yaml:"alertPolicies"`
}

type indicator struct {
	Metadata md      `yaml:"metadata"`
	Spec     sliSpec `yaml:"spec"`
}

type sliSpec struct {
	RatioMetric ratioMetric `yaml:"ratioMetric"`
}

type ratioMetric struct {
	Counter bool   `yaml:"counter"`
	Bad     metric `yaml:"bad"`
	Total   metric `yaml:"total"`
}

type metric struct {
	MetricSource metricSource `yaml:"metricSource"`
}

type metricSource struct {
	MetricSourceRef string            `yaml:"metricSourceRef"`
	Type            string            `yaml:"type"`
	Spec            map[string]string `yaml:"spec"`
}

type timeWindow struct {
	Duration  string `yaml:"duration"`
	IsRolling bool   `yaml:"isRolling"`
}

type objective struct {
	DisplayName     string  `yaml:"displayName,omitempty"`
	TargetPercent   yamlNum `yaml:"targetPercent"`
	TimeSliceTarget yamlNum `yaml:"timeSliceTarget,omitempty"`
	TimeSliceWindow string  `yaml:"timeSliceWindow,omitempty"`
}

// yamlNum is a decimal written as a YAML number, exactly as given.
type yamlNum string

func (n yamlNum) MarshalYAML() (any, error) {
	tag := "!!int"
	if strings.ContainsAny(string(n), ".eE") {
		tag = "!!float"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(n)}, nil
}

type policyRef struct {
	AlertPolicyRef string `yaml:"alertPolicyRef"`
}

type policySpec struct {
	Description        string         `yaml:"description,omitempty"`
	AlertWhenBreaching bool           `yaml:"alertWhenBreaching"`
	AlertWhenResolved  bool           `yaml:"alertWhenResolved"`
	AlertWhenNoData    bool           `yaml:"alertWhenNoData"`
	Conditions         []conditionRef `yaml:"conditions"`
}

type conditionRef struct {
	ConditionRef string `yaml:"conditionRef"`
}

type conditionSpec struct {
	Description string    `yaml:"description,omitempty"`
	Severity    string    `yaml:"severity"`
	Condition   condition `yaml:"condition"`
}

type condition struct {
	Kind           string  `yaml:"kind"`
	Op             string  `yaml:"op"`
	Threshold      yamlNum `yaml:"threshold"`
	LookbackWindow string  `yaml:"lookbackWindow"`
	AlertAfter     string  `yaml:"alertAfter,omitempty"`
}

// Export writes a spec's SLOs as OpenSLO v1 documents: datasource.yaml
// (the Prometheus DataSource every SLI refers to) and <model>.yaml per
// model with SLOs (its Service, its SLOs with their SLIs inline, and one
// AlertPolicy and AlertCondition per burn-rate window pair). What OpenSLO
// cannot say is kept in vigil.dev/ annotations that Import reads back;
// what cannot be exported at all is reported.
func Export(spec *compiler.Spec) (map[string][]byte, importer.Findings) {
	files := map[string][]byte{}
	var findings importer.Findings
	report := func(m *compiler.Model, msg string) {
		findings = append(findings, importer.Finding{Level: importer.Dropped, Pos: diag.Position{File: m.Name}, Message: msg})
	}
	note := func(m *compiler.Model, msg string) {
		findings = append(findings, importer.Finding{Level: importer.Note, Pos: diag.Position{File: m.Name}, Message: msg})
	}
	exported := false
	for _, m := range spec.Models {
		if len(m.SLOs) == 0 {
			continue
		}
		labels := map[string]string{"team": m.Team}
		for _, l := range m.Labels {
			labels[l.Name] = l.Value
		}
		docs := []doc{{APIVersion: APIVersion, Kind: "Service",
			Metadata: md{Name: m.Name, DisplayName: displayName(m), Labels: labels},
			Spec:     serviceSpec{Description: m.Description}}}
		for _, s := range m.SLOs {
			d, extra, err := exportSLO(m, s)
			if err != "" {
				report(m, fmt.Sprintf("SLO %s not exported: %s", s.Name, err))
				continue
			}
			for _, p := range []compiler.BurnPolicy{s.Page, s.Ticket} {
				if p.Enabled && (len(p.Labels) > 0 || len(p.Annotations) > 0) {
					note(m, fmt.Sprintf("SLO %s: the extra labels and annotations of its %s alerts are not exported (OpenSLO conditions have none)", s.Name, p.Severity))
				}
			}
			if s.Quality != nil {
				note(m, fmt.Sprintf("SLO %s: the quality SLI is exported as its bad and total feedback rates; its rolling-window alert (%s below the objective) has no OpenSLO counterpart", s.Name, s.Quality.Metric))
			}
			docs = append(docs, d)
			docs = append(docs, extra...)
			exported = true
		}
		files[m.Name+".yaml"] = render(docs)
	}
	if exported {
		files["datasource.yaml"] = render([]doc{{APIVersion: APIVersion, Kind: "DataSource",
			Metadata: md{Name: DataSourceName},
			Spec:     dataSourceSpec{Type: "Prometheus", Description: "The Prometheus that evaluates vigil's rules."}}})
	}
	findings.Sort()
	return files, findings
}

func displayName(m *compiler.Model) string {
	if m.DisplayName == m.Name {
		return ""
	}
	return m.DisplayName
}

func render(docs []doc) []byte {
	var b bytes.Buffer
	b.WriteString("# " + compiler.GeneratedHeader + "\n# OpenSLO v1 documents exported by `vigil export openslo`.\n")
	for _, d := range docs {
		b.WriteString("---\n")
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(d); err != nil {
			panic(err) // the values are plain strings, numbers and maps
		}
		enc.Close()
	}
	return b.Bytes()
}

// shorthand writes a duration in OpenSLO's duration-shorthand (one
// number and unit: m, h, d, w); ok is false for durations that are not
// whole minutes.
func shorthand(d time.Duration) (string, bool) {
	switch {
	case d <= 0 || d%time.Minute != 0:
		return "", false
	case d%(7*24*time.Hour) == 0:
		return fmt.Sprintf("%dw", d/(7*24*time.Hour)), true
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour)), true
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour), true
	}
	return fmt.Sprintf("%dm", d/time.Minute), true
}

func promWindow(q string) string { return strings.ReplaceAll(q, "$window", "{{.window}}") }

func exportSLO(m *compiler.Model, s *compiler.SLO) (doc, []doc, string) {
	var bad, total string
	mt := m.Metrics
	sumRate := func(metric string, sel compiler.Selector) string {
		if len(sel) == 0 {
			return fmt.Sprintf("sum(rate(%s[{{.window}}]))", metric)
		}
		return fmt.Sprintf("sum(rate(%s{%s}[{{.window}}]))", metric, sel.String())
	}
	switch s.Kind {
	case compiler.Availability:
		total = sumRate(mt.Requests.Metric, mt.Requests.Selector)
		bad = sumRate(mt.Requests.Metric, mt.Requests.Selector.With(mt.ErrorSelector))
	case compiler.Latency:
		h := mt.Latency
		total = sumRate(h.Metric+"_count", h.Selector)
		le := compiler.Selector{{Name: "le", Op: "=", Value: s.Latency.Le.String()}}
		bad = total + " - " + sumRate(h.Metric+"_bucket", h.Selector.With(le))
	case compiler.Ratio:
		bad, total = promWindow(s.Ratio.Errors), promWindow(s.Ratio.Total)
	default:
		e, t, ok := prometheus.SLIQueries(m, s)
		if !ok {
			return doc{}, nil, fmt.Sprintf("a %s SLI counts rule evaluations (time), not events over a window; OpenSLO would need time-slice budgeting, which vigil does not export", s.Kind)
		}
		bad, total = promWindow(e), promWindow(t)
	}
	window, ok := shorthand(time.Duration(s.Window))
	if !ok {
		return doc{}, nil, fmt.Sprintf("window %s is not whole minutes", s.Window)
	}
	name := m.Name + "-" + s.Name
	ann := map[string]string{
		AnnSLOName:      s.Name,
		AnnMinBadEvents: fmt.Sprint(s.MinBadEvents),
	}
	if len(s.Tiers) > 0 {
		var parts []string
		for _, t := range s.Tiers {
			parts = append(parts, t.Consumed.String()+":"+string(t.Severity))
		}
		ann[AnnBudgetTiers] = strings.Join(parts, ",")
	}
	src := func(q string) metric {
		return metric{metricSource{MetricSourceRef: DataSourceName, Type: "Prometheus", Spec: map[string]string{"query": q}}}
	}
	spec := sloSpec{
		Description: s.Description,
		Service:     m.Name,
		Indicator: indicator{Metadata: md{Name: name},
			Spec: sliSpec{ratioMetric{Counter: true, Bad: src(bad), Total: src(total)}}},
		TimeWindow:      []timeWindow{{Duration: window, IsRolling: true}},
		BudgetingMethod: "Occurrences",
		Objectives:      []objective{{TargetPercent: yamlNum(s.Objective.String())}},
		AlertPolicies:   []policyRef{},
	}
	if sl := s.Slices; sl != nil {
		length, ok := shorthand(time.Duration(sl.Length))
		if !ok {
			return doc{}, nil, fmt.Sprintf("slice length %s is not whole minutes", sl.Length)
		}
		target := decimal.One.Sub(sl.MaxErrorPercent.Quo(decimal.Hundred))
		if s.Kind == compiler.Latency {
			target = sl.Percentile.Quo(decimal.Hundred)
		}
		spec.BudgetingMethod = "Timeslices"
		spec.Objectives[0].TimeSliceTarget = yamlNum(target.String())
		spec.Objectives[0].TimeSliceWindow = length
	}
	var extra []doc
	for _, class := range []struct {
		name string
		p    compiler.BurnPolicy
	}{{"page", s.Page}, {"ticket", s.Ticket}} {
		if !class.p.Enabled {
			continue
		}
		for i, w := range class.p.Windows {
			long, ok := shorthand(time.Duration(w.Long))
			if !ok {
				return doc{}, nil, fmt.Sprintf("burn window %s is not whole minutes", w.Long)
			}
			cn := fmt.Sprintf("%s-%s-%d", name, class.name, i+1)
			c := condition{Kind: "burnrate", Op: "gt", Threshold: yamlNum(w.Factor.String()), LookbackWindow: long}
			if f := time.Duration(class.p.For); f > 0 {
				if c.AlertAfter, ok = shorthand(f); !ok {
					return doc{}, nil, fmt.Sprintf("for %s is not whole minutes", class.p.For)
				}
			}
			extra = append(extra,
				doc{APIVersion: APIVersion, Kind: "AlertPolicy", Metadata: md{Name: cn},
					Spec: policySpec{AlertWhenBreaching: true, Conditions: []conditionRef{{cn}}}},
				doc{APIVersion: APIVersion, Kind: "AlertCondition",
					Metadata: md{Name: cn, Annotations: map[string]string{
						AnnClass:       class.name,
						AnnShortWindow: compiler.FormatDuration(time.Duration(w.Short)),
					}},
					Spec: conditionSpec{Severity: string(class.p.Severity), Condition: c}})
			spec.AlertPolicies = append(spec.AlertPolicies, policyRef{cn})
		}
	}
	d := doc{APIVersion: APIVersion, Kind: "SLO", Metadata: md{Name: name, Annotations: ann}, Spec: spec}
	return d, extra, ""
}
