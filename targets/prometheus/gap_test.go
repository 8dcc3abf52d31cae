package prometheus_test

import (
	"fmt"
	"maps"
	"math"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/vigil-dev/vigil/internal/exampletest"
	"github.com/vigil-dev/vigil/internal/ruletest"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// TestNoRecordingIsEverNaNThroughATrafficGap feeds every shipped
// example's rules (and the golden edge cases') a series for every source
// selector they read, with traffic that stops and comes back: 2h of
// traffic, a 15-minute gap, 2h at other rates (so ratios and baselines
// move), a 25-hour gap (longer than every window computed from the raw
// counters and than the 1d derived windows), and 3h of traffic again. In
// one variant the counters stand still during the gaps (the service is
// up but idle); in the other the series have no samples (the scrape
// fails). No sample any recording rule stores, at any evaluation, may be
// NaN or ±Inf: a NaN in a recording poisons every window over it, and
// dashboards and alerts read them.
func TestNoRecordingIsEverNaNThroughATrafficGap(t *testing.T) {
	specs := exampletest.Load(t)
	for _, name := range slices.Sorted(maps.Keys(specs)) {
		spec := specs[name]
		for _, m := range spec.Models {
			groups := prometheus.Groups(spec, m)
			rules, err := prometheus.Render(groups)
			if err != nil {
				t.Fatal(err)
			}
			sources, err := sourceSeries(groups)
			if err != nil {
				t.Fatalf("%s/%s: %v", name, m.Name, err)
			}
			for _, absent := range []bool{false, true} {
				variant := "idle"
				if absent {
					variant = "unscraped"
				}
				t.Run(name+"/"+m.Name+"/"+variant, func(t *testing.T) {
					t.Parallel()
					checkGap(t, rules, sources, absent)
				})
			}
		}
	}
}

// gapPhases are the traffic phases: rate multiplier per series parity
// (0: a gap), and length.
var gapPhases = []struct {
	even, odd float64
	d         time.Duration
}{
	{1, 1, 2 * time.Hour},
	{0, 0, 15 * time.Minute},
	{1, 1.5, 2 * time.Hour},
	{0, 0, 25 * time.Hour},
	{1, 1, 3 * time.Hour},
}

func checkGap(t *testing.T, rules []byte, sources []labels.Labels, absent bool) {
	s := ruletest.NewSeries(time.Minute)
	for i, lb := range sources {
		perMin := float64(60 + 7*i)
		var values []string
		v := 0.0
		for _, p := range gapPhases {
			mult := p.even
			if i%2 == 1 {
				mult = p.odd
			}
			for range int(p.d / time.Minute) {
				if mult == 0 && absent {
					values = append(values, "_")
					continue
				}
				values = append(values, strconv.FormatFloat(v, 'f', -1, 64))
				v += perMin * mult
			}
		}
		s.Add(seriesDesc(lb), strings.Join(values, " "))
	}
	run, err := ruletest.New(s.String(), rules)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	// Every minute around the gaps' edges, every 5 minutes elsewhere,
	// every 15 minutes within the long gap (a NaN, once a window holds
	// only the gap, lasts until traffic returns).
	for _, span := range []struct{ from, until, step time.Duration }{
		{0, 115 * time.Minute, 5 * time.Minute},
		{116 * time.Minute, 165 * time.Minute, time.Minute},
		{170 * time.Minute, 250 * time.Minute, 5 * time.Minute},
		{251 * time.Minute, 315 * time.Minute, time.Minute},
		{330 * time.Minute, 29 * time.Hour, 15 * time.Minute},
		{29*time.Hour + time.Minute, 30*time.Hour + 30*time.Minute, time.Minute},
		{30*time.Hour + 35*time.Minute, 32 * time.Hour, 5 * time.Minute},
	} {
		if err := run.EvalFrom(span.from, span.until, span.step, func(time.Duration, ruletest.Firing) bool { return true }); err != nil {
			t.Fatal(err)
		}
	}
	stored, err := run.Stored(`{__name__=~"vigil:.+"}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) == 0 {
		t.Fatal("the rules recorded nothing")
	}
	// One message per recorded name: where it first went wrong.
	bad := map[string]string{}
	for series, samples := range stored {
		_, name, _ := strings.Cut(series, `__name__="`)
		name, _, _ = strings.Cut(name, `"`)
		for _, smp := range samples {
			if math.IsNaN(smp.Value) || math.IsInf(smp.Value, 0) {
				if _, seen := bad[name]; !seen {
					bad[name] = fmt.Sprintf("%s = %v at %s", series, smp.Value, smp.At)
				}
				break
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(bad)) {
		t.Errorf("%s", bad[name])
	}
}

// seriesDesc renders a label set as a promqltest series description.
func seriesDesc(lb labels.Labels) string {
	var parts []string
	name := ""
	lb.Range(func(l labels.Label) {
		if l.Name == labels.MetricName {
			name = l.Value
			return
		}
		parts = append(parts, l.Name+"="+strconv.Quote(l.Value))
	})
	return name + "{" + strings.Join(parts, ",") + "}"
}

// sourceSeries returns one label set for every selector of a source
// series (a series no rule records) in the rule groups, satisfying its
// matchers: equality matchers give their value, regular expressions a
// string they match, negative matchers leave the label out (or pick a
// value they accept).
func sourceSeries(groups []rulefmt.RuleGroup) ([]labels.Labels, error) {
	recorded := map[string]bool{}
	for _, g := range groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				recorded[r.Record] = true
			}
		}
	}
	p := parser.NewParser(parser.Options{})
	seen := map[string]labels.Labels{}
	for _, g := range groups {
		for _, r := range g.Rules {
			expr, err := p.ParseExpr(r.Expr)
			if err != nil {
				return nil, err
			}
			var walkErr error
			parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
				vs, ok := n.(*parser.VectorSelector)
				if !ok || recorded[vs.Name] || vs.Name == "" {
					return nil
				}
				lb, err := satisfy(vs.LabelMatchers)
				if err != nil {
					walkErr = fmt.Errorf("%s: %w", vs, err)
					return nil
				}
				seen[lb.String()] = lb
				return nil
			})
			if walkErr != nil {
				return nil, walkErr
			}
		}
	}
	var out []labels.Labels
	for _, k := range slices.Sorted(maps.Keys(seen)) {
		out = append(out, seen[k])
	}
	return out, nil
}

func satisfy(ms []*labels.Matcher) (labels.Labels, error) {
	b := labels.NewScratchBuilder(len(ms))
	for _, m := range ms {
		var v string
		switch m.Type {
		case labels.MatchEqual:
			v = m.Value
		case labels.MatchRegexp:
			re, err := syntax.Parse(m.Value, syntax.Perl)
			if err != nil {
				return labels.EmptyLabels(), err
			}
			v = example(re.Simplify())
		default:
			// A label left out reads as "", which most negative matchers
			// accept; otherwise try a few values.
			for _, c := range []string{"", "x", "vigil-gap-test"} {
				if m.Matches(c) {
					v = c
					break
				}
			}
		}
		if !m.Matches(v) {
			return labels.EmptyLabels(), fmt.Errorf("no value found for matcher %s", m)
		}
		if v != "" {
			b.Add(m.Name, v)
		}
	}
	b.Sort()
	return b.Labels(), nil
}

// example returns a short string the (simplified) regular expression
// matches in full.
func example(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		return string(re.Rune)
	case syntax.OpCharClass:
		if len(re.Rune) > 0 {
			return string(re.Rune[0])
		}
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return "x"
	case syntax.OpCapture, syntax.OpPlus:
		return example(re.Sub[0])
	case syntax.OpRepeat:
		return strings.Repeat(example(re.Sub[0]), re.Min)
	case syntax.OpConcat:
		var b strings.Builder
		for _, s := range re.Sub {
			b.WriteString(example(s))
		}
		return b.String()
	case syntax.OpAlternate:
		return example(re.Sub[0])
	}
	return ""
}
