package prometheus

import (
	"maps"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// goldenGroups parses every golden rule file with rulefmt.
func goldenGroups(t testing.TB) map[string][]rulefmt.RuleGroup {
	t.Helper()
	out := map[string][]rulefmt.RuleGroup{}
	for _, f := range goldenFiles(t, "prometheus/*.rules.yaml", 4) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rgs, errs := rulefmt.Parse(b, false, model.UTF8Validation, parser.NewParser(parser.Options{}), nil)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", f, errs)
		}
		out[f] = rgs.Groups
	}
	return out
}

// copyGroups returns a deep copy of groups.
func copyGroups(groups []rulefmt.RuleGroup) []rulefmt.RuleGroup {
	out := make([]rulefmt.RuleGroup, len(groups))
	for i, g := range groups {
		out[i] = g
		out[i].Labels = maps.Clone(g.Labels)
		out[i].Rules = make([]rulefmt.Rule, len(g.Rules))
		for j, r := range g.Rules {
			r.Labels, r.Annotations = maps.Clone(r.Labels), maps.Clone(r.Annotations)
			out[i].Rules[j] = r
		}
	}
	return out
}

// TestRuleCheckerOnGoldens: every golden rule file passes the checker.
func TestRuleCheckerOnGoldens(t *testing.T) {
	c := newRuleChecker()
	for f, groups := range goldenGroups(t) {
		if err := c.problem(groups); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// oddStrings are values that stress the places where the checker and
// rulefmt could part: empty strings, quotes, backslashes, template
// delimiters, unknown template functions, a template redefining the
// alert's own template name, names that are invalid or reserved, and
// regular expressions that do not compile.
var oddStrings = []string{
	"", "x", "_", "a-b", "a b", `a"b`, `a\b`, `\"`, "ü", "日本", "line\nbreak",
	"__name__", "{{", "}}", "{{ $value }}", "{{ $labels.model }}", "{{ $labels.model",
	"{{ nosuch }}", "{{ humanize $value }}", "{{ $value | humanizePercentage }}",
	`{{ define "x" }}y{{ end }}`, "{{ end }}", "{{/* c */}}", "{{- $value -}}",
	"(", "a|b", ".*", "$1", "{x}", "5m",
}

// mutation changes one thing in groups, often into something invalid.
type mutation func(r *rand.Rand, groups []rulefmt.RuleGroup)

// matcherRE finds equality and regex matchers with a plain value.
var matcherRE = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)(=~|!~|!=|=)"([^"\\]*)"`)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// someRule returns a random rule of groups.
func someRule(r *rand.Rand, groups []rulefmt.RuleGroup) *rulefmt.Rule {
	g := &groups[r.IntN(len(groups))]
	return &g.Rules[r.IntN(len(g.Rules))]
}

// editMatcher rewrites one matcher of a random rule's expression with f.
func editMatcher(f func(r *rand.Rand, name, op, value string) string) mutation {
	return func(r *rand.Rand, groups []rulefmt.RuleGroup) {
		rule := someRule(r, groups)
		ms := matcherRE.FindAllStringSubmatchIndex(rule.Expr, -1)
		if len(ms) == 0 {
			return
		}
		m := pick(r, ms)
		e := rule.Expr
		rule.Expr = e[:m[0]] + f(r, e[m[2]:m[3]], e[m[4]:m[5]], e[m[6]:m[7]]) + e[m[1]:]
	}
}

var mutations = []mutation{
	// A matcher's value, raw (quotes and backslashes may break the
	// string) or properly quoted.
	editMatcher(func(r *rand.Rand, name, op, _ string) string {
		return name + op + `"` + pick(r, oddStrings) + `"`
	}),
	editMatcher(func(r *rand.Rand, name, op, _ string) string {
		return name + op + strconv.Quote(pick(r, oddStrings))
	}),
	// A matcher's label name or operator.
	editMatcher(func(r *rand.Rand, _, op, value string) string {
		return pick(r, []string{"__name__", "model", "le"}) + op + `"` + value + `"`
	}),
	editMatcher(func(r *rand.Rand, name, _, value string) string {
		return name + pick(r, []string{"=", "!=", "=~", "!~"}) + `"` + value + `"`
	}),
	// A byte of an expression deleted or inserted.
	func(r *rand.Rand, groups []rulefmt.RuleGroup) {
		rule := someRule(r, groups)
		if len(rule.Expr) == 0 {
			return
		}
		i := r.IntN(len(rule.Expr))
		if r.IntN(2) == 0 {
			rule.Expr = rule.Expr[:i] + rule.Expr[i+1:]
		} else {
			rule.Expr = rule.Expr[:i] + string("(){}[]\"'=!~,+*/ 0a_:"[r.IntN(20)]) + rule.Expr[i:]
		}
	},
	func(r *rand.Rand, groups []rulefmt.RuleGroup) { someRule(r, groups).Expr = "" },
	// Rule kinds and names.
	func(r *rand.Rand, groups []rulefmt.RuleGroup) {
		rule := someRule(r, groups)
		switch r.IntN(4) {
		case 0:
			rule.Record = pick(r, []string{"", "a{b}", "vigil:x", "a b", rule.Alert})
		case 1:
			rule.Alert = pick(r, []string{"", "X", rule.Record})
		case 2:
			rule.For = model.Duration(5 * 60e9)
		default:
			rule.KeepFiringFor = model.Duration(60e9)
		}
	},
	// Labels and annotations.
	func(r *rand.Rand, groups []rulefmt.RuleGroup) {
		rule := someRule(r, groups)
		k := pick(r, []string{"", "__name__", "a-b", "ok", "severity", "a b"})
		v := pick(r, oddStrings)
		if r.IntN(2) == 0 {
			if rule.Labels == nil {
				rule.Labels = map[string]string{}
			}
			rule.Labels[k] = v
		} else {
			if rule.Annotations == nil {
				rule.Annotations = map[string]string{}
			}
			if r.IntN(3) == 0 && rule.Alert != "" {
				// A template defining the alert's own template name.
				v = `{{ define "__alert_` + rule.Alert + `" }}x{{ end }}`
			}
			rule.Annotations[k] = v
		}
	},
	// Groups: names, labels, a duplicated alert.
	func(r *rand.Rand, groups []rulefmt.RuleGroup) {
		g := &groups[r.IntN(len(groups))]
		switch r.IntN(3) {
		case 0:
			g.Name = pick(r, []string{"", groups[0].Name, "other"})
		case 1:
			if g.Labels == nil {
				g.Labels = map[string]string{}
			}
			g.Labels[pick(r, []string{"__name__", "ok", ""})] = pick(r, oddStrings)
		default:
			rule := *someRule(r, groups)
			g.Rules = append(g.Rules, rule)
		}
	},
}

// TestRuleCheckerAgreesWithRulefmt mutates the golden rule files at
// random (one to three mutations each) and checks that the rule checker
// accepts exactly the files rulefmt.Parse (plus vigil's unique-alert
// rule) accepts. Half the files share one checker, so its caches are
// filled by earlier files, as in a compile; the other half use a fresh
// one. Files the dedicated writer does not render are skipped: they are
// checked by rulefmt.Parse itself. VIGIL_RULECHECK_MUTATIONS sets the
// number of files (default 400; 20,000 were run once, see
// docs/performance.md).
func TestRuleCheckerAgreesWithRulefmt(t *testing.T) {
	t.Parallel()
	total := 400
	if s := os.Getenv("VIGIL_RULECHECK_MUTATIONS"); s != "" {
		var err error
		if total, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	golden := goldenGroups(t)
	var bases [][]rulefmt.RuleGroup
	for _, f := range slices.Sorted(maps.Keys(golden)) {
		bases = append(bases, golden[f])
	}
	r := rand.New(rand.NewPCG(11, 12))
	shared := newRuleChecker()
	var valid, invalid, skipped int
	for n := 0; n < total; n++ {
		groups := copyGroups(pick(r, bases))
		for k := r.IntN(3); k >= 0; k-- {
			pick(r, mutations)(r, groups)
		}
		b, ok := appendRuleFile(nil, groups)
		if !ok {
			skipped++
			continue
		}
		c := shared
		if n%2 == 1 {
			c = newRuleChecker()
		}
		want := Validate(b)
		got := c.problem(groups)
		if (got == nil) != (want == nil) {
			t.Fatalf("file %d: checker says %v, rulefmt.Parse says %v\n%s", n, got, want, b)
		}
		if want == nil {
			valid++
		} else {
			invalid++
		}
		// check returns rulefmt's own message.
		if err := c.check(groups, b); (err == nil) != (want == nil) || (err != nil && err.Error() != want.Error()) {
			t.Fatalf("file %d: check returned %v, want %v", n, err, want)
		}
	}
	t.Logf("%d files: %d valid, %d invalid, %d not rendered by the writer", total, valid, invalid, skipped)
	if valid < total/10 || invalid < total/2 {
		t.Errorf("too few valid (%d) or invalid (%d) files to mean anything", valid, invalid)
	}
}

// goldenExprs returns every expression of the golden rule files.
func goldenExprs(t testing.TB) []string {
	var out []string
	golden := goldenGroups(t)
	for _, f := range slices.Sorted(maps.Keys(golden)) {
		for _, g := range golden[f] {
			for _, r := range g.Rules {
				out = append(out, r.Expr)
			}
		}
	}
	return out
}

// sameVerdict fails when the PromQL parser accepts one of input and a
// canonical form of it (quickCanonical's or lexCanonical's) and rejects
// the other, or when the two canonical forms differ. It reports whether
// canonicalExpr changed input.
func sameVerdict(t *testing.T, p parser.Parser, input string) (canonical bool) {
	quick, qok := quickCanonical(input)
	lexed, lok := lexCanonical(input)
	if qok && lok && quick != lexed {
		t.Fatalf("%q: quickCanonical gives %q, lexCanonical %q", input, quick, lexed)
	}
	_, e1 := p.ParseExpr(input)
	for _, k := range []struct {
		key string
		ok  bool
	}{{quick, qok}, {lexed, lok}} {
		if !k.ok {
			continue
		}
		if _, e2 := p.ParseExpr(k.key); (e1 == nil) != (e2 == nil) {
			t.Fatalf("the parser's verdicts differ:\n%q: %v\n%q: %v", input, e1, k.key, e2)
		}
	}
	key, ok := canonicalExpr(input)
	return ok && key != input
}

// oddExprs are expressions where a matcher's value decides the parser's
// verdict, or nearly does: selectors without a metric name (where an
// empty value makes the selector match everything), the metric name as a
// matcher, regular expressions, quoted label names, function arguments.
var oddExprs = []string{
	`up{job=""}`, `up{job="a\"b"}`, `{job="x"}`, `{job=""}`, `{job!=""}`, `{job!="x"}`,
	`{job="x",other=""}`, `{job="",other!=""}`, `{__name__="x"}`, `{__name__=""}`,
	`x{__name__="y"}`, `{job="x",__name__!="y"}`, `sum by (job) (rate(x{a="b"}[5m]))`,
	`label_replace(x{a="b"}, "c", "$1", "a", "(.*)")`, `x{a=~"("}`, `{a=~"x"}`, `{a=~""}`,
	`x{"a"="b"}`, `{"a"="b"}`, `{"a"=""}`, `x{a="\xff"}`, `x{a="\q"}`, `x{a='b'}`, "x{a=`b`}",
	`info(x{a="b"}, {c="d"})`, `info(x, {c=""})`, `count_values("a", x{b="c"})`,
}

// TestCanonicalExprKeepsTheParsersVerdict substitutes random values
// (valid, empty, with quotes or escapes, and so on) into the matchers of
// every golden expression and checks that the PromQL parser gives the
// expression and its canonical form the same verdict.
func TestCanonicalExprKeepsTheParsersVerdict(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	r := rand.New(rand.NewPCG(13, 14))
	exprs := goldenExprs(t)
	changed := 0
	for _, e := range append(oddExprs, exprs...) {
		if sameVerdict(t, p, e) {
			changed++
		}
		for i := 0; i < 20; i++ {
			groups := []rulefmt.RuleGroup{{Rules: []rulefmt.Rule{{Expr: e}}}}
			for k := r.IntN(3); k >= 0; k-- {
				pick(r, mutations[:5])(r, groups)
			}
			sameVerdict(t, p, groups[0].Rules[0].Expr)
		}
	}
	if changed < len(exprs)/2 {
		t.Errorf("only %d of %d golden expressions have a canonical form of their own", changed, len(exprs))
	}
}

// TestQuickCanonicalTakesGeneratedExpressions pins down that the
// expressions vigil generates take the lexer-free path.
func TestQuickCanonicalTakesGeneratedExpressions(t *testing.T) {
	exprs := goldenExprs(t)
	quick := 0
	for _, e := range exprs {
		if _, ok := quickCanonical(e); ok {
			quick++
		}
	}
	// odd-label-values holds values with quotes and backslashes, which
	// take the lexer.
	if quick < len(exprs)*9/10 {
		t.Errorf("only %d of %d golden expressions take quickCanonical", quick, len(exprs))
	}
}

// FuzzCanonicalExpr checks canonicalExpr's claim on any input: the
// PromQL parser accepts an expression exactly when it accepts its
// canonical form.
func FuzzCanonicalExpr(f *testing.F) {
	for _, e := range goldenExprs(f) {
		f.Add(e)
	}
	for _, e := range oddExprs {
		f.Add(e)
	}
	p := parser.NewParser(parser.Options{})
	f.Fuzz(func(t *testing.T, input string) {
		sameVerdict(t, p, input)
	})
}

// FuzzTemplateCheck checks the template check's shortcut for texts
// without "{{" (and its cache) against rulefmt's parse of each text.
func FuzzTemplateCheck(f *testing.F) {
	for _, s := range oddStrings {
		f.Add(s)
	}
	f.Add(`{{ define "__alert_A" }}x{{ end }}`)
	f.Add("}}{{")
	f.Add(" -}}")
	c := newRuleChecker()
	f.Fuzz(func(t *testing.T, text string) {
		want := parseTemplate("A", text)
		for i := 0; i < 2; i++ { // the second time from the cache
			if got := c.checkTemplate("A", text); (got == nil) != (want == nil) {
				t.Fatalf("%q: check says %v, rulefmt's parse says %v", text, got, want)
			}
		}
	})
}

// TestParseTemplateIsRulefmts checks parseTemplate against rulefmt's
// own template check, through an alert rule with each odd string as an
// annotation.
func TestParseTemplateIsRulefmts(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	for _, s := range append(oddStrings, `{{ define "__alert_A" }}x{{ end }}`) {
		r := rulefmt.Rule{Alert: "A", Expr: "up", Annotations: map[string]string{"a": s}}
		want := len(r.Validate(rulefmt.RuleNode{}, model.UTF8Validation, p)) == 0
		if got := parseTemplate("A", s) == nil; got != want {
			t.Errorf("%q: parseTemplate ok=%v, rulefmt ok=%v", s, got, want)
		}
	}
}
