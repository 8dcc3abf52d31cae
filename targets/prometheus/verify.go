package prometheus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/template"
)

// A ruleChecker performs rulefmt.Parse's checks on rule groups that the
// dedicated writer (rulefile.go) rendered, without what makes rulefmt.Parse
// cost about 16 ms per generated file: two yaml.v3 decodes of the bytes,
// and a fresh Prometheus template function map (registered by reflection)
// for every label and annotation of every alert. It exists so that a
// 1,000-model compile can check every rule in well under a second; see
// docs/performance.md ("The validation decision").
//
// What it checks, for every group and rule, is what rulefmt checks, with
// rulefmt's and Prometheus's own code wherever that code is reachable:
//
//   - Group names non-empty and unique, group label names and values
//     valid: rulefmt.(*RuleGroups).Validate, which cannot be called
//     without the YAML node tree, restated line for line.
//   - Every rule: rulefmt's own (*Rule).Validate (record xor alert, expr
//     present and parsed by the PromQL parser, record names, fields not
//     allowed on recording rules, label names and values). Alerts are
//     validated without their labels and annotations, which are then
//     checked with rulefmt's loops restated line for line.
//   - Every alert label and annotation parsed as a template by
//     Prometheus's own template.Expander.ParseTest, exactly as rulefmt's
//     testTemplateParsing does, with results shared by identical
//     (alert name, text) pairs. Texts without "{{" are not parsed: after
//     the four variable definitions rulefmt puts in front, such a text
//     lexes as one text node, so its parse succeeds exactly when the
//     definitions' parse does, and that is checked once per checker.
//   - Every expression parsed by the PromQL parser, with results shared
//     by expressions that differ only in the values of equality matchers
//     (see canonicalExpr for why that is exact).
//
// What it relies on instead of decoding the bytes: the dedicated writer
// produces, for the groups it is given, the bytes yaml.v3's encoder
// produces (rulefile_test.go, on the golden files, 20,000 random strings
// and 2,000 random rule files), and yaml.v3 decodes its own output back
// to the same groups. Files the writer does not support are rendered by
// yaml.v3 and checked with rulefmt.Parse itself (Validate).
//
// When the checker finds a problem, the file is parsed with
// rulefmt.Parse for the error message, so errors read exactly as
// Prometheus would report them. verify_test.go checks that the checker
// and rulefmt.Parse agree on the golden files and on thousands of broken
// and valid random rule files.
//
// A ruleChecker is safe for concurrent use; one is shared by all models
// of a compile so that identical expression shapes are parsed once.
type ruleChecker struct {
	parser parser.Parser

	// exprs holds the canonical forms (canonicalExpr) of expressions
	// that parsed; templates the (alert name, text) pairs that parsed.
	exprs     sync.Map
	templates sync.Map

	defsOnce sync.Once
	defsErr  error
}

// newRuleChecker returns a checker with empty caches.
func newRuleChecker() *ruleChecker {
	return &ruleChecker{parser: parser.NewParser(parser.Options{})}
}

// check reports whether groups pass rulefmt.Parse's checks and vigil's
// rule that alert names are unique within a file; the error, if any, is
// rulefmt.Parse's own for the rendered file b.
func (c *ruleChecker) check(groups []rulefmt.RuleGroup, b []byte) error {
	err := c.problem(groups)
	if err == nil {
		return nil
	}
	if verr := Validate(b); verr != nil {
		return verr
	}
	// rulefmt accepts what the checker rejects: the checker is wrong,
	// which is as much a vigil bug as a broken rule, so it is reported
	// rather than ignored.
	return fmt.Errorf("rule check disagrees with rulefmt.Parse: %w", err)
}

// problem returns the first problem found in groups, or nil.
func (c *ruleChecker) problem(groups []rulefmt.RuleGroup) error {
	// rulefmt.(*RuleGroups).Validate, restated.
	set := map[string]struct{}{}
	for _, g := range groups {
		if g.Name == "" {
			return errors.New("Groupname must not be empty")
		}
		if _, ok := set[g.Name]; ok {
			return fmt.Errorf("groupname: %q is repeated in the same file", g.Name)
		}
		set[g.Name] = struct{}{}
		if err := checkLabels(g.Labels); err != nil {
			return err
		}
	}
	p := memoParser{Parser: c.parser, c: c}
	alerts := map[string]bool{}
	for _, g := range groups {
		for i := range g.Rules {
			r := &g.Rules[i]
			if err := c.checkRule(r, p); err != nil {
				name := r.Alert
				if name == "" {
					name = r.Record
				}
				return fmt.Errorf("group %q, rule %d, %q: %w", g.Name, i+1, name, err)
			}
			if r.Alert != "" {
				if alerts[r.Alert] {
					return fmt.Errorf("alert %s is defined twice", r.Alert)
				}
				alerts[r.Alert] = true
			}
		}
	}
	return nil
}

// checkRule is rulefmt's (*Rule).Validate for r, with the template check
// shared between identical texts.
func (c *ruleChecker) checkRule(r *rulefmt.Rule, p parser.Parser) error {
	if r.Alert == "" {
		// A recording rule: rulefmt's Validate parses no templates, so it
		// runs as is (labels and any stray annotations included).
		return firstError(r.Validate(rulefmt.RuleNode{}, model.UTF8Validation, p))
	}
	bare := *r
	bare.Labels, bare.Annotations = nil, nil
	if err := firstError(bare.Validate(rulefmt.RuleNode{}, model.UTF8Validation, p)); err != nil {
		return err
	}
	// The label and annotation loops of rulefmt's (*Rule).Validate.
	if err := checkLabels(r.Labels); err != nil {
		return err
	}
	for k := range r.Annotations {
		if !model.UTF8Validation.IsValidLabelName(k) {
			return fmt.Errorf("invalid annotation name: %s", k)
		}
	}
	// rulefmt's testTemplateParsing.
	for k, v := range r.Labels {
		if err := c.checkTemplate(r.Alert, v); err != nil {
			return fmt.Errorf("label %q: %w", k, err)
		}
	}
	for k, v := range r.Annotations {
		if err := c.checkTemplate(r.Alert, v); err != nil {
			return fmt.Errorf("annotation %q: %w", k, err)
		}
	}
	return nil
}

// checkLabels is the label loop of rulefmt's group and rule validation.
func checkLabels(ls map[string]string) error {
	for k, v := range ls {
		if !model.UTF8Validation.IsValidLabelName(k) || k == model.MetricNameLabel {
			return fmt.Errorf("invalid label name: %s", k)
		}
		if !model.LabelValue(v).IsValid() {
			return fmt.Errorf("invalid label value: %s", v)
		}
	}
	return nil
}

// firstError returns the first of rulefmt's errors, or nil.
func firstError(errs []rulefmt.WrappedError) error {
	if len(errs) == 0 {
		return nil
	}
	return &errs[0]
}

// templateDefs is what rulefmt's testTemplateParsing puts in front of
// every label and annotation before parsing it.
var templateDefs = []string{
	"{{$labels := .Labels}}",
	"{{$externalLabels := .ExternalLabels}}",
	"{{$externalURL := .ExternalURL}}",
	"{{$value := .Value}}",
}

// parseTemplate is rulefmt's testTemplateParsing's parseTest: text, after
// the variable definitions, parsed by Prometheus's template expander
// under the alert's template name.
func parseTemplate(alert, text string) error {
	tmplData := template.AlertTemplateData(map[string]string{}, map[string]string{}, "", promql.Sample{})
	return template.NewTemplateExpander(
		context.TODO(),
		strings.Join(append(templateDefs[:len(templateDefs):len(templateDefs)], text), ""),
		"__alert_"+alert,
		tmplData,
		0,
		nil,
		nil,
		nil,
	).ParseTest()
}

// checkTemplate reports whether rulefmt's template parse of text for the
// alert succeeds. A text without "{{" cannot change the parse of the
// definitions in front of it (text/template's lexer takes everything up
// to the next left delimiter as one text node), so only the definitions
// are parsed for it, once.
func (c *ruleChecker) checkTemplate(alert, text string) error {
	if !strings.Contains(text, "{{") {
		c.defsOnce.Do(func() { c.defsErr = parseTemplate("", "") })
		return c.defsErr
	}
	key := alert + "\x00" + text
	if _, ok := c.templates.Load(key); ok {
		return nil
	}
	if err := parseTemplate(alert, text); err != nil {
		return err
	}
	c.templates.Store(key, struct{}{})
	return nil
}

// memoParser is the PromQL parser with results shared between
// expressions of the same canonical form. Only ParseExpr is used by
// rulefmt; its Expr result is discarded there, and nil is returned for a
// shared result.
type memoParser struct {
	parser.Parser
	c *ruleChecker
}

// ParseExpr implements parser.Parser.
func (p memoParser) ParseExpr(input string) (parser.Expr, error) {
	key, ok := canonicalExpr(input)
	if !ok {
		return p.Parser.ParseExpr(input)
	}
	if _, ok := p.c.exprs.Load(key); ok {
		return nil, nil
	}
	// The first expression of a shape is parsed itself, as is its
	// canonical form; the shape is remembered only when both parse.
	e, err := p.Parser.ParseExpr(input)
	if err != nil {
		return e, err
	}
	if key != input {
		if _, err := p.Parser.ParseExpr(key); err != nil {
			return e, nil
		}
	}
	p.c.exprs.Store(key, struct{}{})
	return e, nil
}

// canonicalExpr returns input with the value of every equality matcher
// (label="v" or label!="v", on a label other than __name__, inside a
// selector's braces) replaced by "_", and whether the input lexed
// cleanly. Identical expressions have the same canonical form, so an
// expression without such matchers is its own.
//
// The PromQL parser's verdict on an expression never depends on such a
// value, as long as the value is non-empty and written without escapes:
//
//   - The lexer reads a double-quoted string up to its closing quote or
//     a backslash; a value without '"', '\\' or a newline ends where "_"
//     ends, so every other token is the same.
//   - The parser unquotes the value (strutil.Unquote, which cannot fail
//     on such text when it is valid UTF-8) and builds an equality
//     matcher (labels.NewMatcher, which checks only regular
//     expressions).
//   - The one later check that reads a matcher's value is "a vector
//     selector must contain at least one non-empty matcher", through
//     Matches(""), which is the same for every non-empty value of an
//     equality or inequality matcher.
//   - The one check that reads a matcher's name with its value is "metric
//     name must not be set twice", which is why __name__ is left as is.
//
// Regular-expression matchers, function arguments and every other string
// are left as they are.
//
// quickCanonical computes the same form without the lexer for the plain
// expressions vigil generates; lexCanonical, with the PromQL lexer, takes
// the rest.
func canonicalExpr(input string) (string, bool) {
	if key, ok := quickCanonical(input); ok {
		return key, true
	}
	return lexCanonical(input)
}

// quickCanonical is lexCanonical for expressions made only of ASCII
// letters, digits, spaces, line breaks and the punctuation of selectors,
// operators, calls and ranges, whose strings are double-quoted without
// escapes, quotes or control characters. On such text the PromQL lexer's
// tokens are plain to see: a string runs from '"' to the next '"'; a '{'
// outside a string opens a selector whose tokens are names, '=', '=~',
// '!=', '!~', ',', strings and spaces; ranges hold no strings. It reports
// false, leaving the expression to lexCanonical, on anything else
// (comments, other quotes, escapes, nested braces, strings inside
// brackets, unbalanced brackets or braces). TestQuickCanonicalIsLexCanonical
// and FuzzCanonicalExpr check that it agrees with lexCanonical.
func quickCanonical(input string) (string, bool) {
	const (
		tokOther = iota
		tokName
		tokMetricName // the name __name__
		tokEq         // = or !=
	)
	var (
		b        []byte
		last     int
		inBraces bool
		brackets int
		prev     [2]int // kinds of the two tokens before, inside braces
	)
	push := func(k int) { prev[0], prev[1] = prev[1], k }
	for i := 0; i < len(input); {
		c := input[i]
		switch {
		case c == '"':
			if brackets > 0 {
				return "", false
			}
			j := i + 1
			for j < len(input) && input[j] != '"' {
				if d := input[j]; d == '\\' || d < 0x20 || d == 0x7f {
					return "", false
				}
				j++
			}
			if j == len(input) || !utf8.ValidString(input[i+1:j]) {
				return "", false
			}
			if inBraces && prev[1] == tokEq && prev[0] == tokName && j > i+1 {
				if b == nil {
					b = make([]byte, 0, len(input))
				}
				b = append(b, input[last:i]...)
				b = append(b, `"_"`...)
				last = j + 1
			}
			if inBraces {
				push(tokOther)
			}
			i = j + 1
		case inBraces:
			switch {
			case c == ' ' || c == '\n' || c == '\t':
				i++
			case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
				j := i + 1
				for j < len(input) && (input[j] == '_' || input[j] >= 'a' && input[j] <= 'z' || input[j] >= 'A' && input[j] <= 'Z' || input[j] >= '0' && input[j] <= '9') {
					j++
				}
				if input[i:j] == labels.MetricName {
					push(tokMetricName)
				} else {
					push(tokName)
				}
				i = j
			case c == '=' || c == '!':
				next := byte(0)
				if i+1 < len(input) {
					next = input[i+1]
				}
				switch {
				case next == '~':
					push(tokOther)
					i += 2
				case c == '!' && next != '=':
					return "", false
				case c == '!':
					push(tokEq)
					i += 2
				default:
					push(tokEq)
					i++
				}
			case c == ',':
				push(tokOther)
				i++
			case c == '}':
				inBraces = false
				i++
			default:
				return "", false
			}
		case c == '{':
			if brackets > 0 {
				return "", false
			}
			inBraces, prev = true, [2]int{}
			i++
		case c == '[':
			brackets++
			i++
		case c == ']':
			if brackets == 0 {
				return "", false
			}
			brackets--
			i++
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte(" \n\t_:.,()=!~<>+-*/^%", c) >= 0:
			i++
		default:
			return "", false
		}
	}
	if inBraces || brackets > 0 {
		return "", false
	}
	if b == nil {
		return input, true
	}
	return string(append(b, input[last:]...)), true
}

// lexCanonical is canonicalExpr with the PromQL lexer.
func lexCanonical(input string) (string, bool) {
	var (
		b     []byte
		last  int // bytes of input copied to b so far
		depth int
		item  parser.Item
		prev  [2]parser.Item // the two items before item
	)
	l := parser.Lex(input)
	for {
		l.NextItem(&item)
		switch item.Typ {
		case parser.EOF:
			if b == nil {
				return input, true
			}
			return string(append(b, input[last:]...)), true
		case parser.ERROR:
			return "", false
		case parser.LEFT_BRACE:
			depth++
		case parser.RIGHT_BRACE:
			depth--
		case parser.STRING:
			if depth == 1 &&
				(prev[1].Typ == parser.EQL || prev[1].Typ == parser.NEQ) &&
				prev[0].Typ == parser.IDENTIFIER && prev[0].Val != labels.MetricName &&
				plainString(item.Val) {
				start := int(item.Pos)
				if b == nil {
					b = make([]byte, 0, len(input))
				}
				b = append(b, input[last:start]...)
				b = append(b, `"_"`...)
				last = start + len(item.Val)
			}
		}
		prev[0], prev[1] = prev[1], item
	}
}

// plainString reports whether a STRING token is a double-quoted,
// non-empty, valid UTF-8 value without escapes, quotes or control
// characters.
func plainString(tok string) bool {
	if len(tok) < 3 || tok[0] != '"' || tok[len(tok)-1] != '"' {
		return false
	}
	v := tok[1 : len(tok)-1]
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '"' || c == '\\' || c < 0x20 || c == 0x7f {
			return false
		}
	}
	return utf8.ValidString(v)
}
