// Package check compares what a compiled spec reads with what a running
// Prometheus holds: `vigil check`. Deps derives, per model, every series
// selector the generated rules and dashboards depend on by parsing their
// PromQL with Prometheus's own parser (vigil's recording rules and ALERTS
// are left out: Prometheus produces those from the sources). Run asks a
// Prometheus HTTP API about each of them (see docs/check.md).
package check

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/targets/grafana"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// MetricType is the Prometheus metadata type a metric must have, or
// Unknown when the contract does not say (series named in the spec's own
// PromQL).
type MetricType string

// The metric types the contract fixes.
const (
	Unknown   MetricType = ""
	Counter   MetricType = "counter"
	Histogram MetricType = "histogram"
	Gauge     MetricType = "gauge"
)

// Selector is one series selector the generated artifacts read.
type Selector struct {
	// Expr is the selector in PromQL, e.g.
	// model_requests_total{service="fraud-scoring",status="error"}.
	Expr string `json:"selector"`
	// Metric is the metric name it selects.
	Metric string `json:"metric"`
	// Matchers are its label matchers, without the name.
	Matchers []*labels.Matcher `json:"-"`
	// Rated reports whether some expression takes rate(), irate() or
	// increase() of it, which is meaningful for counters only.
	Rated bool `json:"-"`
	// UsedBy names the rules and panels that read it, sorted.
	UsedBy []string `json:"used_by"`
}

// Metric is a metric name the model's artifacts read.
type Metric struct {
	Name string `json:"name"`
	// Family is the metric family name the metadata API reports (the
	// histogram's base name for _bucket, _count and _sum series).
	Family string `json:"family,omitempty"`
	// Type is the type the metric contract requires, Unknown when it
	// does not say.
	Type MetricType `json:"type,omitempty"`
	// Role says what the metric is for: "requests", "latency", ... or
	// "query" for series named in the spec's own PromQL.
	Role string `json:"role"`
}

// Model is what one model's artifacts read.
type Model struct {
	Name    string     `json:"model"`
	Metrics []Metric   `json:"metrics"`
	Deps    []Selector `json:"selectors"`
	// Requests selects the model's request counter, whose labels'
	// cardinality the check bounds.
	Requests string `json:"requests"`
	// Latency lists the latency SLOs' thresholds, which must be buckets
	// of the latency histogram.
	Latency []LatencyThreshold `json:"latency_thresholds,omitempty"`
}

// LatencyThreshold is a latency SLO's threshold on its histogram.
type LatencyThreshold struct {
	SLO string `json:"slo"`
	// Buckets selects the histogram's _bucket series (without le).
	Buckets string `json:"buckets"`
	// Le is the bucket boundary the SLO counts as good, e.g. "0.25".
	Le string `json:"le"`
}

// ignored are series Prometheus produces itself.
var ignored = map[string]bool{"ALERTS": true, "ALERTS_FOR_STATE": true}

// Deps derives what every model of the spec reads: the selectors of the
// generated recording and alerting rules and of the model's dashboard.
func Deps(spec *compiler.Spec) ([]Model, error) {
	recorded := map[string]bool{}
	groups := make([][]ruleExpr, len(spec.Models))
	for i, m := range spec.Models {
		for _, g := range prometheus.Groups(spec, m) {
			for _, r := range g.Rules {
				if r.Record != "" {
					recorded[r.Record] = true
					groups[i] = append(groups[i], ruleExpr{"rule " + r.Record, r.Expr})
				} else {
					groups[i] = append(groups[i], ruleExpr{"alert " + r.Alert, r.Expr})
				}
			}
		}
	}
	p := parser.NewParser(parser.Options{})
	var out []Model
	for i, m := range spec.Models {
		exprs := groups[i]
		panels, err := dashboardExprs(spec, m)
		if err != nil {
			return nil, err
		}
		exprs = append(exprs, panels...)
		deps := map[string]*Selector{}
		for _, e := range exprs {
			ast, err := p.ParseExpr(e.expr)
			if err != nil {
				return nil, fmt.Errorf("model %s: %s: %w", m.Name, e.by, err)
			}
			parser.Inspect(ast, func(n parser.Node, path []parser.Node) error {
				vs, ok := n.(*parser.VectorSelector)
				if !ok {
					return nil
				}
				name, matchers := splitName(vs.LabelMatchers)
				if name == "" || recorded[name] || ignored[name] {
					return nil
				}
				matchers = slices.DeleteFunc(matchers, matchesAll)
				sort.Slice(matchers, func(a, b int) bool { return matchers[a].Name < matchers[b].Name })
				expr := render(name, matchers)
				d := deps[expr]
				if d == nil {
					d = &Selector{Expr: expr, Metric: name, Matchers: matchers}
					deps[expr] = d
				}
				if !slices.Contains(d.UsedBy, e.by) {
					d.UsedBy = append(d.UsedBy, e.by)
				}
				if rated(path) {
					d.Rated = true
				}
				return nil
			})
		}
		mm := Model{Name: m.Name, Requests: render(m.Metrics.Requests.Metric, mustMatchers(m.Metrics.Requests.Selector))}
		roles := contractRoles(m)
		names := map[string]bool{}
		for _, k := range slices.Sorted(maps.Keys(deps)) {
			d := deps[k]
			sort.Strings(d.UsedBy)
			mm.Deps = append(mm.Deps, *d)
			if !names[d.Metric] {
				names[d.Metric] = true
				mt, ok := roles[d.Metric]
				if !ok {
					mt = Metric{Name: d.Metric, Family: d.Metric, Role: "query"}
				}
				mm.Metrics = append(mm.Metrics, mt)
			}
		}
		for _, s := range m.SLOs {
			if s.Latency == nil {
				continue
			}
			h := m.Metrics.Latency
			mm.Latency = append(mm.Latency, LatencyThreshold{SLO: s.Name,
				Buckets: render(h.Metric+"_bucket", mustMatchers(h.Selector)), Le: s.Latency.Le.String()})
		}
		out = append(out, mm)
	}
	return out, nil
}

type ruleExpr struct{ by, expr string }

// contractRoles maps the metric names of the model's metric contract to
// their role and required type.
func contractRoles(m *compiler.Model) map[string]Metric {
	mt := m.Metrics
	roles := map[string]Metric{}
	add := func(name, family, role string, t MetricType) {
		if _, ok := roles[name]; !ok {
			roles[name] = Metric{Name: name, Family: family, Type: t, Role: role}
		}
	}
	if base, ok := strings.CutSuffix(mt.Requests.Metric, "_count"); ok && base == mt.Latency.Metric {
		// Requests counted by the latency histogram (OTel's
		// http.server.request.duration).
		add(mt.Requests.Metric, base, "requests", Histogram)
	} else {
		add(mt.Requests.Metric, mt.Requests.Metric, "requests", Counter)
	}
	add(mt.Predictions.Metric, mt.Predictions.Metric, "predictions", Counter)
	add(mt.Feedback.Metric, mt.Feedback.Metric, "feedback", Counter)
	for _, h := range []struct {
		base, role string
	}{{mt.Latency.Metric, "latency"}, {mt.Confidence.Metric, "confidence"}} {
		for _, suf := range []string{"_bucket", "_count", "_sum"} {
			add(h.base+suf, h.base, h.role, Histogram)
		}
	}
	dm := m.DriftMetricNames()
	for _, n := range []string{dm.Score, dm.Threshold, dm.Detected, dm.LastRun, dm.MissingRatio,
		dm.ConsecutiveBreaches, dm.PValue, dm.SampleSize, dm.RowsRead, dm.FeatureErrors, dm.EvaluationDuration, dm.BinShare} {
		add(n, n, "drift", Gauge)
	}
	add(dm.Errors, dm.Errors, "drift", Counter)
	return roles
}

// rated reports whether the selector at the end of path sits in a range
// that rate, irate or increase reads.
func rated(path []parser.Node) bool {
	for i := len(path) - 1; i >= 0; i-- {
		switch n := path[i].(type) {
		case *parser.MatrixSelector:
			continue
		case *parser.Call:
			switch n.Func.Name {
			case "rate", "irate", "increase":
				return true
			}
			return false
		default:
			return false
		}
	}
	return false
}

func splitName(ms []*labels.Matcher) (string, []*labels.Matcher) {
	var name string
	var rest []*labels.Matcher
	for _, m := range ms {
		if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
			name = m.Value
			continue
		}
		rest = append(rest, m)
	}
	return name, rest
}

// matchesAll reports a regular-expression matcher that every value
// matches (a dashboard variable's "All"): it constrains nothing.
func matchesAll(m *labels.Matcher) bool {
	return m.Type == labels.MatchRegexp && m.Value == ".*"
}

// render prints a selector in PromQL with its matchers in the given order.
func render(name string, ms []*labels.Matcher) string {
	if len(ms) == 0 {
		return name
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// mustMatchers converts an IR selector (already checked by the compiler)
// into label matchers.
func mustMatchers(s compiler.Selector) []*labels.Matcher {
	var out []*labels.Matcher
	for _, m := range s {
		t := map[string]labels.MatchType{"=": labels.MatchEqual, "!=": labels.MatchNotEqual,
			"=~": labels.MatchRegexp, "!~": labels.MatchNotRegexp}[m.Op]
		lm, err := labels.NewMatcher(t, m.Name, m.Value)
		if err != nil {
			continue
		}
		out = append(out, lm)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// grafanaVar matches a dashboard variable reference: $name, ${name} or
// ${name:format}.
var grafanaVar = regexp.MustCompile(`\$\{?(\w+)(?::\w+)?\}?`)

// dashboardExprs returns the PromQL of every panel of the model's
// dashboard, with Grafana's variables replaced: interval variables
// ($__rate_interval, $__interval, $__range) by 5m, others by ".*" (the
// "All" value; such matchers are then dropped).
func dashboardExprs(spec *compiler.Spec, m *compiler.Model) ([]ruleExpr, error) {
	d, err := grafana.ModelDashboard(spec, m)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	type panel struct {
		Title   string            `json:"title"`
		Panels  []json.RawMessage `json:"panels"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	}
	var top struct {
		Panels []json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, err
	}
	var out []ruleExpr
	var walk func([]json.RawMessage) error
	walk = func(ps []json.RawMessage) error {
		for _, raw := range ps {
			var p panel
			if err := json.Unmarshal(raw, &p); err != nil {
				return err
			}
			for _, t := range p.Targets {
				if t.Expr == "" {
					continue
				}
				expr := grafanaVar.ReplaceAllStringFunc(t.Expr, func(v string) string {
					if strings.HasPrefix(strings.TrimPrefix(v, "${"), "__") || strings.HasPrefix(v, "$__") {
						return "5m"
					}
					return ".*"
				})
				out = append(out, ruleExpr{"panel " + strconv.Quote(p.Title), expr})
			}
			if err := walk(p.Panels); err != nil {
				return err
			}
		}
		return nil
	}
	return out, walk(top.Panels)
}
