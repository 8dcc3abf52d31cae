package check

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
)

// Options tune the checks.
type Options struct {
	// Lookback is how far back the series API looks for series.
	Lookback time.Duration
	// StaleAfter is the age of a selector's newest sample from which its
	// series count as stopped. Prometheus's instant queries see samples
	// at most its lookback delta old (5m by default), so longer values
	// act as that delta.
	StaleAfter time.Duration
	// MaxLabelValues bounds the distinct values of each label on the
	// request counter; 0 disables the check.
	MaxLabelValues int
	// Now is the evaluation time (time.Now when zero).
	Now time.Time
}

// Problem kinds.
const (
	KindMissingMetric   = "missing-metric"
	KindNoMatch         = "selector-matches-nothing"
	KindMissingBucket   = "missing-bucket"
	KindWrongType       = "wrong-type"
	KindRateOfGauge     = "rate-of-gauge"
	KindStale           = "stale"
	KindHighCardinality = "high-cardinality"
)

// Problem is one thing the model's artifacts need and the server lacks.
type Problem struct {
	Kind string `json:"kind"`
	// Metric and Selector name what is wrong (Selector is empty for
	// problems about a whole metric).
	Metric   string `json:"metric,omitempty"`
	Selector string `json:"selector,omitempty"`
	Message  string `json:"message"`
	// UsedBy lists the rules and panels affected.
	UsedBy []string `json:"used_by,omitempty"`
	// Le is the missing bucket boundary of a missing-bucket problem.
	Le string `json:"le,omitempty"`
}

// ModelReport is the outcome for one model.
type ModelReport struct {
	Model string `json:"model"`
	// Ready is true when nothing is missing.
	Ready    bool      `json:"ready"`
	Metrics  int       `json:"metrics"`
	Checked  int       `json:"selectors"`
	Problems []Problem `json:"problems"`
}

// Report is the outcome for a spec.
type Report struct {
	Server string        `json:"server"`
	Time   time.Time     `json:"time"`
	Models []ModelReport `json:"models"`
}

// OK reports whether every model is ready.
func (r *Report) OK() bool {
	for _, m := range r.Models {
		if !m.Ready {
			return false
		}
	}
	return true
}

// UnreachableError is returned by Run when the server cannot be asked:
// connection refused, DNS, timeouts, authentication or a response that is
// not the Prometheus API's.
type UnreachableError struct{ Err error }

func (e *UnreachableError) Error() string { return "cannot query the Prometheus API: " + e.Err.Error() }
func (e *UnreachableError) Unwrap() error { return e.Err }

// Run checks the models' dependencies against the server behind api.
// Any failed request makes it return an *UnreachableError: a partial
// answer would report metrics as missing that are not.
func Run(ctx context.Context, api v1.API, server string, models []Model, opt Options) (*Report, error) {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	if opt.Lookback <= 0 {
		opt.Lookback = time.Hour
	}
	if opt.StaleAfter <= 0 {
		opt.StaleAfter = 5 * time.Minute
	}
	start := now.Add(-opt.Lookback)
	c := &client{ctx: ctx, api: api, start: start, end: now}

	names, err := c.labelValues(labels.MetricName, nil)
	if err != nil {
		return nil, err
	}
	present := map[string]bool{}
	for _, n := range names {
		present[n] = true
	}
	meta, err := c.metadata()
	if err != nil {
		return nil, err
	}

	rep := &Report{Server: server, Time: now.UTC()}
	for _, m := range models {
		mr := ModelReport{Model: m.Name, Metrics: len(m.Metrics), Checked: len(m.Deps), Problems: []Problem{}}
		missing := map[string]bool{}
		for _, mt := range m.Metrics {
			if !present[mt.Name] {
				missing[mt.Name] = true
				mr.Problems = append(mr.Problems, Problem{Kind: KindMissingMetric, Metric: mt.Name,
					Message: fmt.Sprintf("metric %s (%s) has no series in the last %s", mt.Name, roleText(mt), model.Duration(opt.Lookback)),
					UsedBy:  usedByMetric(m, mt.Name)})
				continue
			}
			if p, bad := typeProblem(mt, meta); bad {
				mr.Problems = append(mr.Problems, p)
			}
		}
		for _, l := range m.Latency {
			name := strings.SplitN(l.Buckets, "{", 2)[0]
			if missing[name] {
				continue
			}
			les, err := c.labelValues("le", []string{l.Buckets})
			if err != nil {
				return nil, err
			}
			if len(les) > 0 && !hasLe(les, l.Le) {
				mr.Problems = append(mr.Problems, Problem{Kind: KindMissingBucket, Metric: name, Selector: l.Buckets,
					Message: fmt.Sprintf("SLO %s: latency threshold %ss is not a bucket of %s (buckets: %s); export a bucket with le=%q",
						l.SLO, l.Le, l.Buckets, strings.Join(les, ", "), l.Le),
					UsedBy: []string{"slo " + l.SLO}, Le: l.Le})
			}
		}
		for _, d := range m.Deps {
			if missing[d.Metric] {
				continue
			}
			if d.Rated {
				if t, ok := lookupType(meta, d.Metric, d.Metric); ok && t == v1.MetricTypeGauge {
					mr.Problems = append(mr.Problems, Problem{Kind: KindRateOfGauge, Metric: d.Metric, Selector: d.Expr,
						Message: fmt.Sprintf("%s is a gauge, but rate() or increase() reads it; those are meaningful for counters only", d.Metric),
						UsedBy:  d.UsedBy})
				}
			}
			series, err := c.series(d.Expr)
			if err != nil {
				return nil, err
			}
			if len(series) == 0 {
				p, err := c.noMatch(d)
				if err != nil {
					return nil, err
				}
				mr.Problems = append(mr.Problems, p)
				continue
			}
			age, err := c.age(d.Expr)
			if err != nil {
				return nil, err
			}
			if age < 0 || age > opt.StaleAfter {
				msg := fmt.Sprintf("%s matched %d series in the last %s, but none has a sample now: the series stopped", d.Expr, len(series), model.Duration(opt.Lookback))
				if age >= 0 {
					msg = fmt.Sprintf("%s: the newest sample is %s old (more than %s): the series stopped", d.Expr, model.Duration(age.Round(time.Second)), model.Duration(opt.StaleAfter))
				}
				mr.Problems = append(mr.Problems, Problem{Kind: KindStale, Metric: d.Metric, Selector: d.Expr, Message: msg, UsedBy: d.UsedBy})
			}
		}
		if opt.MaxLabelValues > 0 && !missing[strings.SplitN(m.Requests, "{", 2)[0]] {
			ps, err := c.cardinality(m.Requests, opt.MaxLabelValues)
			if err != nil {
				return nil, err
			}
			mr.Problems = append(mr.Problems, ps...)
		}
		mr.Problems = dedupe(mr.Problems)
		mr.Ready = len(mr.Problems) == 0
		rep.Models = append(rep.Models, mr)
	}
	return rep, nil
}

// dedupe drops repeated problems (a latency bucket reported both by its
// rule's selector and by the SLO).
func dedupe(ps []Problem) []Problem {
	seen := map[string]bool{}
	out := ps[:0]
	for _, p := range ps {
		k := p.Kind + "\x00" + p.Selector + "\x00" + p.Metric
		if p.Kind == KindMissingBucket {
			k = p.Kind + "\x00" + p.Metric + "\x00" + canonicalLe(p.Le)
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, p)
	}
	return out
}

// canonicalLe prints a bucket boundary as a number ("0.250" and "0.25"
// are one bucket).
func canonicalLe(le string) string {
	if f, err := strconv.ParseFloat(le, 64); err == nil {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return le
}

func roleText(m Metric) string {
	switch m.Role {
	case "query":
		return "named in the spec's PromQL"
	case "drift":
		return "written by vigil drift"
	}
	return "the " + m.Role + " " + string(m.Type)
}

func usedByMetric(m Model, name string) []string {
	set := map[string]bool{}
	for _, d := range m.Deps {
		if d.Metric == name {
			for _, u := range d.UsedBy {
				set[u] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// typeProblem compares a contract metric's metadata with its required
// type. Missing metadata (a server fed by remote write, say) is not a
// problem.
func typeProblem(mt Metric, meta map[string][]v1.Metadata) (Problem, bool) {
	if mt.Type == Unknown {
		return Problem{}, false
	}
	t, ok := lookupType(meta, mt.Name, mt.Family)
	if !ok || t == v1.MetricTypeUnknown {
		return Problem{}, false
	}
	want := v1.MetricType(mt.Type)
	if t == want || (want == v1.MetricTypeHistogram && t == v1.MetricTypeGaugeHistogram) {
		return Problem{}, false
	}
	return Problem{Kind: KindWrongType, Metric: mt.Name,
		Message: fmt.Sprintf("%s is a %s according to the server's metadata, but the %s metric must be a %s", mt.Name, t, mt.Role, mt.Type)}, true
}

// lookupType finds a metric's type in the metadata API's answer, under
// its own name, its family's, or its name without a counter's _total
// (OpenMetrics names the family without it).
func lookupType(meta map[string][]v1.Metadata, name, family string) (v1.MetricType, bool) {
	for _, n := range []string{name, family, strings.TrimSuffix(name, "_total")} {
		if ms, ok := meta[n]; ok && len(ms) > 0 {
			return ms[0].Type, true
		}
	}
	return "", false
}

func hasLe(les []string, le string) bool {
	want, err := strconv.ParseFloat(le, 64)
	if err != nil {
		return slices.Contains(les, le)
	}
	for _, l := range les {
		if f, err := strconv.ParseFloat(l, 64); err == nil && f == want {
			return true
		}
	}
	return false
}

// client wraps the API calls and turns their errors into
// UnreachableError.
type client struct {
	ctx        context.Context
	api        v1.API
	start, end time.Time
}

func (c *client) fail(what string, err error) error {
	return &UnreachableError{fmt.Errorf("%s: %w", what, explain(err))}
}

// explain shortens the client's errors to their cause.
func explain(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		var oe *net.OpError
		if errors.As(ue.Err, &oe) {
			return oe
		}
		return ue.Err
	}
	return err
}

func (c *client) labelValues(label string, match []string) ([]string, error) {
	vs, _, _, err := c.api.LabelValues(c.ctx, label, match, c.start, c.end)
	if err != nil {
		return nil, c.fail("label values of "+label, err)
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	sort.Slice(out, func(i, j int) bool { return lessLe(out[i], out[j]) })
	return out, nil
}

// lessLe orders numbers numerically, then everything else as text.
func lessLe(a, b string) bool {
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	if ea == nil && eb == nil {
		return fa < fb
	}
	return a < b
}

func (c *client) metadata() (map[string][]v1.Metadata, error) {
	m, err := c.api.Metadata(c.ctx, "", "")
	if err != nil {
		return nil, c.fail("metadata", err)
	}
	return m, nil
}

func (c *client) series(sel string) ([]model.LabelSet, error) {
	s, _, _, err := c.api.Series(c.ctx, []string{sel}, c.start, c.end)
	if err != nil {
		return nil, c.fail("series "+sel, err)
	}
	return s, nil
}

// age returns how old the newest sample of the selector's series is at
// the end of the range, or -1 when no series has a sample within the
// server's lookback delta.
func (c *client) age(sel string) (time.Duration, error) {
	v, _, _, err := c.api.Query(c.ctx, "max(timestamp("+sel+"))", c.end)
	if err != nil {
		return 0, c.fail("query timestamp("+sel+")", err)
	}
	vec, ok := v.(model.Vector)
	if !ok || len(vec) == 0 {
		return -1, nil
	}
	ts := float64(vec[0].Value)
	if math.IsNaN(ts) {
		return -1, nil
	}
	age := time.Duration((float64(c.end.UnixNano())/1e9 - ts) * float64(time.Second))
	if age < 0 {
		age = 0
	}
	return age, nil
}

// noMatch explains a selector that matches nothing although its metric
// exists: the first matcher whose removal makes it match is the culprit;
// for an le matcher, the histogram's buckets are listed.
func (c *client) noMatch(d Selector) (Problem, error) {
	p := Problem{Kind: KindNoMatch, Metric: d.Metric, Selector: d.Expr, UsedBy: d.UsedBy,
		Message: fmt.Sprintf("%s matches no series", d.Expr)}
	for i, m := range d.Matchers {
		rest := slices.Delete(slices.Clone(d.Matchers), i, i+1)
		sel := render(d.Metric, rest)
		s, err := c.series(sel)
		if err != nil {
			return p, err
		}
		if len(s) == 0 {
			continue
		}
		vals := map[string]bool{}
		for _, ls := range s {
			vals[string(ls[model.LabelName(m.Name)])] = true
		}
		vs := slices.SortedFunc(maps.Keys(vals), func(a, b string) int {
			if lessLe(a, b) {
				return -1
			}
			if lessLe(b, a) {
				return 1
			}
			return 0
		})
		if m.Name == "le" && m.Type == labels.MatchEqual && strings.HasSuffix(d.Metric, "_bucket") {
			p.Kind = KindMissingBucket
			p.Le = m.Value
			p.Message = fmt.Sprintf("%s has no bucket le=%q (buckets: %s): the threshold must be a bucket boundary the service exports", sel, m.Value, strings.Join(vs, ", "))
			return p, nil
		}
		p.Message = fmt.Sprintf("%s matches no series: the series of %s have %s in {%s}%s", d.Expr, sel, m.Name, quoteList(vs, 10), initHint(d))
		return p, nil
	}
	p.Message += initHint(d)
	return p, nil
}

// initHint reminds that a labelled counter has no series before its first
// increment.
func initHint(d Selector) string {
	if strings.HasSuffix(d.Metric, "_total") {
		return "; a labelled counter has no series until it is first incremented: initialise every label combination the rules read at start-up (package instrument does)"
	}
	return ""
}

func quoteList(vs []string, max int) string {
	var parts []string
	for i, v := range vs {
		if i == max {
			parts = append(parts, fmt.Sprintf("… %d more", len(vs)-max))
			break
		}
		parts = append(parts, strconv.Quote(v))
	}
	return strings.Join(parts, ", ")
}

// cardinality reports labels of the request counter with more than max
// distinct values.
func (c *client) cardinality(sel string, max int) ([]Problem, error) {
	s, err := c.series(sel)
	if err != nil {
		return nil, err
	}
	vals := map[string]map[string]bool{}
	for _, ls := range s {
		for k, v := range ls {
			if k == model.MetricNameLabel {
				continue
			}
			if vals[string(k)] == nil {
				vals[string(k)] = map[string]bool{}
			}
			vals[string(k)][string(v)] = true
		}
	}
	var out []Problem
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		if n := len(vals[k]); n > max {
			out = append(out, Problem{Kind: KindHighCardinality, Metric: strings.SplitN(sel, "{", 2)[0], Selector: sel,
				Message: fmt.Sprintf("label %s of %s has %d values (more than %d): every rule over the request counter sums that many series; drop the label or bound its values (--max-label-values)", k, sel, n, max)})
		}
	}
	return out, nil
}
