package datadog

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/vigil-dev/vigil/compiler"
)

// Namespace is the OpenMetrics check's namespace: every metric the Agent
// collects for vigil is named "vigil.<metric>".
const Namespace = "vigil"

// ddName is the Datadog name of a Prometheus metric as the OpenMetrics
// check (openmetrics_endpoint, "v2") submits it under Namespace, with
// the metric mapped to its own name (see agentConfig): counters lose
// their "_total" suffix and gain ".count", histogram series become
// "<name>.bucket" (the le label becomes the upper_bound tag), ".count"
// and ".sum"; gauges keep their name.
//
// kind is "counter", "gauge", "bucket", "hcount" or "hsum".
//
// Source: the check's transformers in DataDog/integrations-core,
// datadog_checks_base/datadog_checks/base/checks/openmetrics/v2/transformers/
// counter.py and histogram.py at commit
// 11850e01d475a99d790c4c0121e8df19e53d3690 (f'{metric_name}.count' for
// the samples ending in _total; f'{metric_name}.bucket', .count, .sum).
func ddName(metric, kind string) string {
	switch kind {
	case "counter":
		return Namespace + "." + strings.TrimSuffix(metric, "_total") + ".count"
	case "bucket":
		return Namespace + "." + metric + ".bucket"
	case "hcount":
		return Namespace + "." + metric + ".count"
	case "hsum":
		return Namespace + "." + metric + ".sum"
	}
	return Namespace + "." + metric
}

// filter is a Datadog tag filter under construction: terms joined by
// commas (AND).
type filter struct {
	terms []string
	// approx collects matchers that Datadog can only approximate.
	approx []string
}

// tagValue is a label value as the Datadog tag value it becomes:
// Datadog lowercases tags and turns characters other than letters,
// digits, "_", "-", ".", "/" and ":" into "_", collapsing runs of "_"
// and dropping trailing ones (Datadog's tag rules; "*" and "?" are kept
// for wildcard patterns).
func tagValue(v string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(v) {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("_-./:*?", r) {
			r = '_'
		}
		if r == '_' && strings.HasSuffix(b.String(), "_") {
			continue
		}
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), "_")
}

// add appends a matcher.
func (f *filter) add(m compiler.Matcher) {
	key := m.Name
	switch m.Op {
	case "=":
		if m.Value == "" {
			f.terms = append(f.terms, "!"+key+":*")
			return
		}
		f.terms = append(f.terms, key+":"+tagValue(m.Value))
	case "!=":
		if m.Value == "" {
			f.terms = append(f.terms, key+":*")
			return
		}
		f.terms = append(f.terms, "!"+key+":"+tagValue(m.Value))
	case "=~", "!~":
		vals, exact := regexValues(m.Value)
		if !exact {
			f.approx = append(f.approx, m.String())
		}
		var t string
		if len(vals) == 1 {
			t = key + ":" + vals[0]
		} else {
			t = key + " IN (" + strings.Join(vals, ", ") + ")"
		}
		if m.Op == "!~" {
			if len(vals) == 1 {
				t = "!" + t
			} else {
				t = key + " NOT IN (" + strings.Join(vals, ", ") + ")"
			}
		}
		f.terms = append(f.terms, t)
	}
}

// String renders the filter, "*" when empty.
func (f *filter) String() string {
	if len(f.terms) == 0 {
		return "*"
	}
	return strings.Join(f.terms, ",")
}

// newFilter builds the filter of a selector plus extra terms.
func newFilter(sel compiler.Selector, extra ...string) *filter {
	f := &filter{}
	for _, m := range sel {
		f.add(m)
	}
	f.terms = append(f.terms, extra...)
	return f
}

// regexValues turns an anchored PromQL regex into Datadog tag values: an
// alternation of literals exactly ("a|b" → a, b), anything else as
// wildcard patterns ("5.." → 5??, "prod-.*" → prod-*), which Datadog
// matches with * (any run) and ? (one character); exact is false when
// the wildcards can match values the regex does not (a character class,
// a repetition count).
func regexValues(re string) (vals []string, exact bool) {
	// Go's parser factors common prefixes out of alternations
	// ("500|503" → "50[03]"), so literal alternatives are split first.
	if parts := strings.Split(re, "|"); len(parts) > 1 && !slices.ContainsFunc(parts, func(p string) bool { return p == "" || regexp.QuoteMeta(p) != p }) {
		for _, p := range parts {
			vals = append(vals, tagValue(p))
		}
		sort.Strings(vals)
		return slices.Compact(vals), true
	}
	r, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return []string{"*"}, false
	}
	r = r.Simplify()
	alts := []*syntax.Regexp{r}
	if r.Op == syntax.OpAlternate {
		alts = r.Sub
	}
	exact = true
	for _, a := range alts {
		v, ok := wildcard(a)
		if !ok {
			exact = false
		}
		vals = append(vals, v)
	}
	sort.Strings(vals)
	return vals, exact
}

// wildcard renders one regex branch as a Datadog wildcard pattern.
func wildcard(r *syntax.Regexp) (string, bool) {
	switch r.Op {
	case syntax.OpLiteral:
		return tagValue(string(r.Rune)), r.Flags&syntax.FoldCase == 0
	case syntax.OpEmptyMatch:
		return "", true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return "?", true
	case syntax.OpStar:
		if s := r.Sub[0]; s.Op == syntax.OpAnyChar || s.Op == syntax.OpAnyCharNotNL {
			return "*", true
		}
		return "*", false
	case syntax.OpPlus:
		if s := r.Sub[0]; s.Op == syntax.OpAnyChar || s.Op == syntax.OpAnyCharNotNL {
			return "?*", true
		}
		return "*", false
	case syntax.OpConcat:
		var b strings.Builder
		ok := true
		for _, s := range r.Sub {
			v, e := wildcard(s)
			ok = ok && e
			b.WriteString(v)
		}
		return b.String(), ok
	case syntax.OpCapture:
		return wildcard(r.Sub[0])
	case syntax.OpCharClass:
		return "?", false
	}
	return "*", false
}

// countQuery is the Datadog query of a count metric's events:
// sum:<metric>{filter}.as_count().
func countQuery(metric string, f *filter) string {
	return fmt.Sprintf("sum:%s{%s}.as_count()", metric, f)
}

// monitorWindow renders a duration as a monitor time window,
// "last_<n>m" / "last_<n>h" / "last_<n>d" (Datadog accepts minutes and
// hours, and days up to a week).
func monitorWindow(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0 && d <= 7*24*time.Hour:
		if d == 7*24*time.Hour {
			return "last_1w"
		}
		if d == 24*time.Hour {
			return "last_1d"
		}
		return fmt.Sprintf("last_%dh", d/time.Hour)
	case d%time.Hour == 0:
		return fmt.Sprintf("last_%dh", d/time.Hour)
	}
	m := d / time.Minute
	if m < 1 {
		m = 1
	}
	return fmt.Sprintf("last_%dm", m)
}

// maxMonitorWindow is the longest time window of a metric monitor
// (last_1w).
const maxMonitorWindow = 7 * 24 * time.Hour

// clampWindow limits a monitor window to Datadog's range, rounding to
// whole minutes; changed reports whether it had to.
func clampWindow(d time.Duration) (time.Duration, bool) {
	r := d.Round(time.Minute)
	if r < time.Minute {
		r = time.Minute
	}
	if r > maxMonitorWindow {
		r = maxMonitorWindow
	}
	return r, r != d
}

// translator turns the PromQL the spec writes (KPIs, anomaly queries,
// infrastructure panels) into Datadog metric queries. It knows the forms
// such queries take: selectors, rate/increase/irate over a range,
// sum/avg/min/max/count by (...), arithmetic between them and numbers.
// Metrics it reads are collected, so the Agent config scrapes them.
type translator struct {
	// metrics maps each Prometheus metric read to its kind ("counter" or
	// "gauge").
	metrics map[string]string
	approx  []string
}

// errUntranslatable explains why PromQL has no Datadog form.
type errUntranslatable struct{ what string }

func (e errUntranslatable) Error() string { return e.what }

// translate returns the Datadog query of a PromQL expression.
func (t *translator) translate(expr string) (string, error) {
	e, err := promParser.ParseExpr(expr)
	if err != nil {
		return "", err
	}
	return t.expr(e, "")
}

func (t *translator) expr(e parser.Expr, agg string) (string, error) {
	switch n := e.(type) {
	case *parser.ParenExpr:
		s, err := t.expr(n.Expr, agg)
		return "(" + s + ")", err
	case *parser.NumberLiteral:
		return fmt.Sprint(n.Val), nil
	case *parser.BinaryExpr:
		if n.VectorMatching != nil && (len(n.VectorMatching.MatchingLabels) > 0 || n.VectorMatching.Card != parser.CardOneToOne) {
			return "", errUntranslatable{"vector matching (on/ignoring/group_left) has no Datadog form"}
		}
		op := n.Op.String()
		if !strings.Contains("+-*/", op) || n.ReturnBool {
			return "", errUntranslatable{"operator " + op + " has no Datadog metric-query form"}
		}
		l, err := t.expr(n.LHS, agg)
		if err != nil {
			return "", err
		}
		r, err := t.expr(n.RHS, agg)
		if err != nil {
			return "", err
		}
		return l + " " + op + " " + r, nil
	case *parser.AggregateExpr:
		var space string
		switch n.Op {
		case parser.SUM, parser.AVG, parser.MIN, parser.MAX:
			space = n.Op.String()
		default:
			return "", errUntranslatable{"aggregation " + n.Op.String() + " has no Datadog form"}
		}
		if n.Without {
			return "", errUntranslatable{"aggregation without (...) has no Datadog form"}
		}
		q, err := t.expr(n.Expr, space)
		if err != nil {
			return "", err
		}
		if len(n.Grouping) > 0 {
			g := append([]string(nil), n.Grouping...)
			sort.Strings(g)
			q = strings.Replace(q, "}", "} by {"+strings.Join(g, ",")+"}", 1)
		}
		return q, nil
	case *parser.Call:
		switch n.Func.Name {
		case "rate", "irate", "increase":
			ms, ok := n.Args[0].(*parser.MatrixSelector)
			if !ok {
				return "", errUntranslatable{n.Func.Name + " of a subquery has no Datadog form"}
			}
			vs := ms.VectorSelector.(*parser.VectorSelector)
			q, err := t.selector(vs, "counter", agg)
			if err != nil {
				return "", err
			}
			if n.Func.Name == "increase" {
				return q + ".as_count()", nil
			}
			return q + ".as_rate()", nil
		}
		return "", errUntranslatable{"function " + n.Func.Name + " has no Datadog form in vigil"}
	case *parser.VectorSelector:
		return t.selector(n, "gauge", agg)
	}
	return "", errUntranslatable{fmt.Sprintf("%T has no Datadog form", e)}
}

func (t *translator) selector(vs *parser.VectorSelector, kind, agg string) (string, error) {
	if vs.OriginalOffset != 0 || vs.Timestamp != nil {
		return "", errUntranslatable{"offset and @ have no Datadog metric-query form"}
	}
	if agg == "" {
		agg = "avg"
	}
	var sel compiler.Selector
	for _, m := range vs.LabelMatchers {
		if m.Name == labels.MetricName {
			continue
		}
		op := map[labels.MatchType]string{labels.MatchEqual: "=", labels.MatchNotEqual: "!=", labels.MatchRegexp: "=~", labels.MatchNotRegexp: "!~"}[m.Type]
		sel = append(sel, compiler.Matcher{Name: m.Name, Op: op, Value: m.Value})
	}
	if vs.Name == "" {
		return "", errUntranslatable{"a selector without a metric name has no Datadog form"}
	}
	if t.metrics == nil {
		t.metrics = map[string]string{}
	}
	if t.metrics[vs.Name] != "counter" {
		t.metrics[vs.Name] = kind
	}
	f := newFilter(sel)
	t.approx = append(t.approx, f.approx...)
	return fmt.Sprintf("%s:%s{%s}", agg, ddName(vs.Name, kind), f), nil
}

// promParser parses the spec's PromQL (safe for concurrent use: every
// call gets its own parser state).
var promParser = parser.NewParser(parser.Options{})
