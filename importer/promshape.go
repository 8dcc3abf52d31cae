package importer

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Window is vigil's placeholder for the range of a ratio query.
const WindowVar = "$window"

// sentinel is the range written in place of $window while a query is
// parsed; queries that already contain it are not recognised.
const sentinel = "7777s"

const sentinelDur = 7777 * time.Second

var promParser = parser.NewParser(parser.Options{})

// ParsePromQL parses q with $window replaced by a range, returning the
// parser's message on failure.
func ParsePromQL(q string) (parser.Expr, error) {
	return promParser.ParseExpr(strings.ReplaceAll(q, WindowVar, "5m"))
}

// IsVector reports whether q (which parses) returns an instant vector.
func IsVector(q string) bool {
	e, err := ParsePromQL(q)
	return err == nil && e.Type() == parser.ValueTypeVector
}

// SplitRatio splits an error-ratio query of the form A / B (outer
// parentheses allowed, no vector matching) into A and B, both containing
// $window. ok is false for any other shape.
func SplitRatio(q string) (num, den string, ok bool) {
	if strings.Contains(q, sentinel) {
		return "", "", false
	}
	in := strings.ReplaceAll(q, WindowVar, sentinel)
	e, err := promParser.ParseExpr(in)
	if err != nil {
		return "", "", false
	}
	e = unparen(e)
	b, isBin := e.(*parser.BinaryExpr)
	if !isBin || b.Op != parser.DIV || b.VectorMatching != nil && (len(b.VectorMatching.MatchingLabels) > 0 || b.VectorMatching.On || len(b.VectorMatching.Include) > 0) || b.ReturnBool {
		return "", "", false
	}
	slice := func(x parser.Expr) string {
		r := x.PositionRange()
		return strings.TrimSpace(strings.ReplaceAll(in[r.Start:r.End], sentinel, WindowVar))
	}
	num, den = slice(b.LHS), slice(b.RHS)
	if !strings.Contains(num, WindowVar) || !strings.Contains(den, WindowVar) {
		return "", "", false
	}
	return num, den, true
}

// SplitSuccessRatio splits a query of the form 1 - (A / B), a success
// ratio turned into an error ratio, into bad events (B) - (A) and all
// events B.
func SplitSuccessRatio(q string) (bad, total string, ok bool) {
	if strings.Contains(q, sentinel) {
		return "", "", false
	}
	in := strings.ReplaceAll(q, WindowVar, sentinel)
	e, err := promParser.ParseExpr(in)
	if err != nil {
		return "", "", false
	}
	b, isBin := unparen(e).(*parser.BinaryExpr)
	if !isBin || b.Op != parser.SUB || b.VectorMatching != nil && (b.VectorMatching.On || len(b.VectorMatching.MatchingLabels) > 0) {
		return "", "", false
	}
	one, isNum := unparen(b.LHS).(*parser.NumberLiteral)
	if !isNum || one.Val != 1 {
		return "", "", false
	}
	r := b.RHS.PositionRange()
	num, den, ok := SplitRatio(strings.ReplaceAll(in[r.Start:r.End], sentinel, WindowVar))
	if !ok {
		return "", "", false
	}
	return "(" + den + ") - (" + num + ")", den, true
}

func unparen(e parser.Expr) parser.Expr {
	for {
		p, ok := e.(*parser.ParenExpr)
		if !ok {
			return e
		}
		e = p.Expr
	}
}

// sumRate matches sum(rate(M{...}[$window])) and returns the metric name
// and the other matchers.
func sumRate(e parser.Expr) (string, []*labels.Matcher, bool) {
	a, ok := unparen(e).(*parser.AggregateExpr)
	if !ok || a.Op != parser.SUM || len(a.Grouping) > 0 || a.Without || a.Param != nil {
		return "", nil, false
	}
	c, ok := unparen(a.Expr).(*parser.Call)
	if !ok || c.Func.Name != "rate" || len(c.Args) != 1 {
		return "", nil, false
	}
	ms, ok := c.Args[0].(*parser.MatrixSelector)
	if !ok || ms.Range != sentinelDur {
		return "", nil, false
	}
	vs, ok := ms.VectorSelector.(*parser.VectorSelector)
	if !ok || vs.OriginalOffset != 0 || vs.Timestamp != nil || vs.StartOrEnd != 0 || vs.Name == "" {
		return "", nil, false
	}
	var rest []*labels.Matcher
	for _, m := range vs.LabelMatchers {
		if m.Name == labels.MetricName {
			continue
		}
		rest = append(rest, m)
	}
	return vs.Name, rest, true
}

func parseSentinel(q string) (parser.Expr, bool) {
	if strings.Contains(q, sentinel) {
		return nil, false
	}
	e, err := promParser.ParseExpr(strings.ReplaceAll(q, WindowVar, sentinel))
	return e, err == nil
}

func matcherStrings(ms []*labels.Matcher) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return out
}

// splitMatchers separates equality matchers (a selector) from the others.
func splitMatchers(ms []*labels.Matcher) (sel map[string]string, other []string) {
	sel = map[string]string{}
	for _, m := range ms {
		if m.Type == labels.MatchEqual && m.Value != "" {
			sel[m.Name] = m.Value
		} else {
			other = append(other, m.String())
		}
	}
	return sel, other
}

// RecogniseAvailability recognises the availability shape:
// errors = sum(rate(M{T..., E...}[$window])), total = sum(rate(M{T...}[$window]))
// with at least one matcher in T and one in E. It returns vigil's
// metrics.requests for it.
func RecogniseAvailability(errors, total string) (*Requests, bool) {
	ee, ok1 := parseSentinel(errors)
	te, ok2 := parseSentinel(total)
	if !ok1 || !ok2 {
		return nil, false
	}
	em, ems, ok1 := sumRate(ee)
	tm, tms, ok2 := sumRate(te)
	if !ok1 || !ok2 || em != tm || len(tms) == 0 {
		return nil, false
	}
	es, ts := matcherStrings(ems), matcherStrings(tms)
	for _, t := range ts {
		if !slices.Contains(es, t) {
			return nil, false
		}
	}
	var extra []*labels.Matcher
	for i, e := range es {
		if !slices.Contains(ts, e) {
			extra = append(extra, ems[i])
		}
	}
	if len(extra) == 0 {
		return nil, false
	}
	r := &Requests{Metric: tm}
	r.Selector, r.Matchers = splitMatchers(tms)
	r.ErrorSelector, r.ErrorMatchers = splitMatchers(extra)
	return r, true
}

// RecogniseLatency recognises the latency shape:
// errors = sum(rate(H_count{T}[$window])) - sum(rate(H_bucket{T, le="X"}[$window])),
// total = sum(rate(H_count{T}[$window])), with T equality matchers only
// (at least one). It returns metrics.latency and the threshold in seconds
// as written.
func RecogniseLatency(errors, total string) (*Latency, string, bool) {
	ee, ok1 := parseSentinel(errors)
	te, ok2 := parseSentinel(total)
	if !ok1 || !ok2 {
		return nil, "", false
	}
	tm, tms, ok := sumRate(te)
	if !ok || !strings.HasSuffix(tm, "_count") || len(tms) == 0 {
		return nil, "", false
	}
	base := strings.TrimSuffix(tm, "_count")
	b, ok := unparen(ee).(*parser.BinaryExpr)
	if !ok || b.Op != parser.SUB || b.VectorMatching != nil && (b.VectorMatching.On || len(b.VectorMatching.MatchingLabels) > 0) {
		return nil, "", false
	}
	lm, lms, ok1 := sumRate(b.LHS)
	bm, bms, ok2 := sumRate(b.RHS)
	if !ok1 || !ok2 || lm != tm || bm != base+"_bucket" {
		return nil, "", false
	}
	ts := matcherStrings(tms)
	if !sameSet(matcherStrings(lms), ts) {
		return nil, "", false
	}
	var le string
	var rest []*labels.Matcher
	for _, m := range bms {
		if m.Name == "le" {
			if m.Type != labels.MatchEqual || le != "" {
				return nil, "", false
			}
			le = m.Value
			continue
		}
		rest = append(rest, m)
	}
	if le == "" || !sameSet(matcherStrings(rest), ts) {
		return nil, "", false
	}
	sel, other := splitMatchers(tms)
	if len(other) > 0 {
		return nil, "", false
	}
	if _, err := strconv.ParseFloat(le, 64); err != nil {
		return nil, "", false
	}
	return &Latency{Metric: base, Selector: sel}, le, true
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

var secondsRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// SecondsToDuration turns a bucket bound in seconds ("0.4") into a vigil
// duration ("400ms"); ok is false when it is not a whole number of
// milliseconds.
func SecondsToDuration(s string) (string, bool) {
	if !secondsRE.MatchString(s) {
		return "", false
	}
	whole, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	if len(frac) > 3 {
		return "", false
	}
	frac += strings.Repeat("0", 3-len(frac))
	ms, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || ms <= 0 {
		return "", false
	}
	switch {
	case ms%3_600_000 == 0:
		return strconv.FormatInt(ms/3_600_000, 10) + "h", true
	case ms%60_000 == 0:
		return strconv.FormatInt(ms/60_000, 10) + "m", true
	case ms%1000 == 0:
		return strconv.FormatInt(ms/1000, 10) + "s", true
	}
	return strconv.FormatInt(ms, 10) + "ms", true
}

// DefaultLatencyBuckets are vigil's default latency buckets, as written.
var DefaultLatencyBuckets = []string{"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"}

// EventsSLI makes s an availability SLI on the model's request metric or
// a latency SLI on its latency histogram when the bad and total queries
// have that shape and the model's slot is free (or already holds the
// same metric and selector); the histogram gains the threshold as a
// bucket when the default layout lacks it. It returns a note saying what
// was recognised, and false when neither shape applies (the caller keeps
// the queries as a ratio SLI).
func EventsSLI(m *Model, s *SLO, errQ, totQ string) (note string, ok bool) {
	if req, ok := RecogniseAvailability(errQ, totQ); ok && (m.Requests == nil || sameRequests(m.Requests, req)) {
		m.Requests = req
		s.Kind = "availability"
		return "recognised as an availability SLI on metrics.requests " + req.Metric, true
	}
	h, le, ok := RecogniseLatency(errQ, totQ)
	if !ok || m.Latency != nil && (m.Latency.Metric != h.Metric || !maps.Equal(m.Latency.Selector, h.Selector)) {
		return "", false
	}
	th, ok := SecondsToDuration(le)
	if !ok {
		return "", false
	}
	if m.Latency == nil {
		m.Latency = h
	}
	if !slices.Contains(DefaultLatencyBuckets, le) && !slices.Contains(m.Latency.Buckets, le) {
		m.Latency.Buckets = append(m.Latency.Buckets, le)
		slices.SortFunc(m.Latency.Buckets, func(a, b string) int {
			x, _ := strconv.ParseFloat(a, 64)
			y, _ := strconv.ParseFloat(b, 64)
			return cmp.Compare(x, y)
		})
	}
	s.Kind, s.Threshold = "latency", th
	return fmt.Sprintf("recognised as a latency SLI (threshold %s) on the histogram %s", th, h.Metric), true
}

func sameRequests(a, b *Requests) bool {
	return a.Metric == b.Metric && maps.Equal(a.Selector, b.Selector) && slices.Equal(a.Matchers, b.Matchers) &&
		maps.Equal(a.ErrorSelector, b.ErrorSelector) && slices.Equal(a.ErrorMatchers, b.ErrorMatchers)
}

// metricsQLFuncs are functions of VictoriaMetrics' MetricsQL that PromQL
// lacks (the ones queries written for VictoriaMetrics use most).
var metricsQLFuncs = map[string]bool{
	"histogram_share": true, "histogram_avg": true, "histogram_stddev": true, "histogram_stdvar": true,
	"histogram_over_time": true, "prometheus_buckets": true, "buckets_limit": true,
	"share_le_over_time": true, "share_gt_over_time": true, "share_eq_over_time": true,
	"count_le_over_time": true, "count_gt_over_time": true, "count_eq_over_time": true, "count_ne_over_time": true,
	"sum_le_over_time": true, "sum_gt_over_time": true, "increase_pure": true, "increase_prometheus": true,
	"rate_over_sum": true, "range_first": true, "range_last": true, "range_avg": true, "range_sum": true,
	"rollup": true, "rollup_rate": true, "rollup_increase": true, "median_over_time": true, "distinct_over_time": true,
}

// MetricsQLHint says what to do about a query that PromQL rejected with
// err when the query looks like VictoriaMetrics' MetricsQL (a MetricsQL
// function, or a range on an expression other than a selector, which
// MetricsQL allows), and "" otherwise.
func MetricsQLHint(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	fn := ""
	if _, rest, ok := strings.Cut(msg, `unknown function with name "`); ok {
		fn, _, _ = strings.Cut(rest, `"`)
	}
	switch {
	case metricsQLFuncs[fn]:
		return fmt.Sprintf("%s is MetricsQL (VictoriaMetrics), not PromQL; vigil writes PromQL rules (which vmalert runs too, docs/scale.md): write the SLI in PromQL, e.g. a latency SLI over a histogram's le buckets, or errors and total rates", fn)
	case strings.Contains(msg, "ranges only allowed for vector selectors"):
		return "a range on an expression is MetricsQL (VictoriaMetrics); PromQL needs a subquery ([w:]) or a range on a selector: write the query in PromQL"
	}
	return ""
}
