package compiler

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"cuelang.org/go/cue"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/vigil-dev/vigil/diag"
)

// loc is a field path inside the evaluated spec, used to position Go-side
// diagnostics on the CUE value they concern.
type loc struct {
	root cue.Value
	sels []cue.Selector
	// idx maps paths written in the user's files to their positions.
	idx *lazyIndex
}

// field returns the location of a struct field below l.
func (l loc) field(names ...string) loc {
	sels := make([]cue.Selector, len(l.sels), len(l.sels)+len(names))
	copy(sels, l.sels)
	for _, n := range names {
		sels = append(sels, cue.Str(n))
	}
	return loc{l.root, sels, l.idx}
}

// index returns the location of a list element below l.
func (l loc) index(i int) loc {
	sels := make([]cue.Selector, len(l.sels), len(l.sels)+1)
	copy(sels, l.sels)
	return loc{l.root, append(sels, cue.Index(i)), l.idx}
}

// String renders the path as CUE prints it, e.g.
// models."fraud-detector".slos.availability.objective.
func (l loc) String() string { return cue.MakePath(l.sels...).String() }

// pos returns the position of the value at l, or of its nearest ancestor
// that exists in the source (a defaulted field has no position of its own).
func (l loc) pos(dir string) diag.Position {
	// Prefer where the user wrote the field, or its nearest written
	// ancestor.
	for n := len(l.sels); n > 0; n-- {
		if p, ok := l.idx.get()[cue.MakePath(l.sels[:n]...).String()]; ok {
			return position(p, dir)
		}
	}
	for n := len(l.sels); n >= 0; n-- {
		v := l.root.LookupPath(cue.MakePath(l.sels[:n]...))
		if !v.Exists() {
			continue
		}
		if p := position(v.Pos(), dir); p.IsValid() && !isSchemaFile(p.File) {
			return p
		}
	}
	// Nothing the user wrote: point at their file rather than at the
	// schema's declaration of the field (at line 1 of an empty file).
	if p, ok := l.idx.get()[""]; ok && p.IsValid() {
		pos := position(p, dir)
		if pos.Line == 0 {
			pos.Line, pos.Column = 1, 1
		}
		return pos
	}
	return diag.Position{}
}

// checker collects Go-side diagnostics.
type checker struct {
	dir   string
	diags diag.List
	// parser is reused across PromQL checks.
	parser parser.Parser
	// noPositions skips locating diagnostics: the fast path only needs to
	// know whether there are any, and re-runs CUE for positions.
	noPositions bool
	// cueDiags are the spec's CUE errors, for failed.
	cueDiags diag.List
}

// failed reports whether a diagnostic has been recorded at l or below it,
// by CUE or by an earlier check. A check that depends on the value at l
// then stays quiet: one mistake gives one error, not a second one about
// a value that was replaced by its default or left out.
func (c *checker) failed(l loc) bool {
	p := l.String()
	below := func(ds diag.List) bool {
		for _, d := range ds {
			if d.Path == p || strings.HasPrefix(d.Path, p+".") || strings.HasPrefix(d.Path, p+"[") {
				return true
			}
		}
		return false
	}
	return below(c.diags) || below(c.cueDiags)
}

// up returns the location n selectors above l.
func (l loc) up(n int) loc {
	return loc{l.root, l.sels[:max(len(l.sels)-n, 0):max(len(l.sels)-n, 0)], l.idx}
}

func newChecker(dir string) *checker {
	return &checker{dir: dir, parser: parser.NewParser(parser.Options{})}
}

// errorf records a diagnostic at l.
func (c *checker) errorf(l loc, format string, args ...any) {
	var pos diag.Position
	if !c.noPositions {
		pos = l.pos(c.dir)
	}
	c.diags = append(c.diags, diag.Diagnostic{
		Pos:     pos,
		Path:    l.String(),
		Message: fmt.Sprintf(format, args...),
	})
}

// nameRE is the safe-name rule of #Name in the schema.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// reservedModelNames would collide with files vigil writes next to the
// per-model ones (grafana/fleet.json, runbooks/index.md).
var reservedModelNames = map[string]bool{"fleet": true, "index": true, "tests": true, "provisioning": true}

// checkName verifies a name that becomes a label value and a file name.
// CUE already enforces the pattern; this re-checks for specs built from
// YAML with odd keys and explains why the rule exists.
func (c *checker) checkName(l loc, kind, name string) bool {
	if nameRE.MatchString(name) {
		return true
	}
	var why string
	switch {
	case name == "":
		why = "it is empty"
	case strings.ContainsAny(name, "/\\"):
		why = "it contains a path separator"
	case strings.Contains(name, ".."):
		why = `it contains ".."`
	case strings.ContainsAny(name, "\n\r\t"):
		why = "it contains a line break or tab"
	case strings.ContainsAny(name, `"'`+"`"):
		why = "it contains a quote"
	case hasNonASCII(name):
		r := firstNonASCII(name)
		why = fmt.Sprintf("it contains the non-ASCII character %q (%U); look-alike letters are not allowed", r, r)
	case strings.ToLower(name) != name:
		why = "it contains upper-case letters"
	case len(name) > 63:
		why = "it is longer than 63 characters"
	default:
		why = "it does not match ^[a-z][a-z0-9_-]*$"
	}
	c.errorf(l, "%s name %q is not safe: %s; names become label values and file names, so use lower-case letters, digits, '-' and '_', starting with a letter", kind, name, why)
	return false
}

// firstNonASCII returns the first rune of s outside ASCII.
func firstNonASCII(s string) rune {
	for _, r := range s {
		if r > unicode.MaxASCII {
			return r
		}
	}
	return 0
}

func hasNonASCII(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII {
			return true
		}
	}
	return false
}

// duration parses a Prometheus duration at l. Empty strings yield def.
func (c *checker) duration(l loc, s string, def Duration) Duration {
	if s == "" {
		return def
	}
	d, err := model.ParseDuration(s)
	if err != nil {
		c.errorf(l, "invalid duration %q: %v", s, err)
		return def
	}
	return d
}

// positiveDuration is duration for values that must be greater than zero.
// A zero duration is reported and replaced by def, so that checks which
// depend on it (such as burn windows against the SLO window) do not
// report follow-on errors.
func (c *checker) positiveDuration(l loc, s string, def Duration) Duration {
	d := c.duration(l, s, def)
	if d <= 0 && s != "" {
		c.errorf(l, "duration %q must be greater than zero", s)
		return def
	}
	return d
}

// promQL parses a PromQL expression at l. `$window` placeholders are
// replaced by a sample range before parsing.
func (c *checker) promQL(l loc, q string) bool {
	if q == "" {
		return true
	}
	expr := strings.ReplaceAll(q, "$window", "5m")
	if _, err := c.parser.ParseExpr(expr); err != nil {
		var perrs parser.ParseErrors
		if errors.As(err, &perrs) && len(perrs) > 0 {
			// Only the first error: the parser's later ones are usually
			// follow-on noise (an unclosed parenthesis also reports
			// "no arguments for aggregate expression").
			pe := perrs[0]
			c.errorf(l, "invalid PromQL %q: %s: %v", q, pe.PositionRange.StartPosInput(pe.Query, 0), pe.Err)
		} else {
			c.errorf(l, "invalid PromQL %q: %v", q, err)
		}
		return false
	}
	return true
}

// vectorQuery checks that q, a query that parses and that the generated
// rules aggregate (agg is "sum" or "max"), returns an instant vector:
// sum(0) or sum(x[5m]) does not parse. what names the query for the
// message.
func (c *checker) vectorQuery(l loc, what, q, agg string) {
	if q == "" {
		return
	}
	expr, err := c.parser.ParseExpr(strings.ReplaceAll(q, "$window", "5m"))
	if err != nil {
		return // promQL reports it
	}
	if t := expr.Type(); t != parser.ValueTypeVector {
		hint := ""
		switch t {
		case parser.ValueTypeScalar:
			hint = "; for a constant, write vector(...)"
		case parser.ValueTypeMatrix:
			hint = "; take a rate or an *_over_time of the range"
		}
		c.errorf(l, "%s %q returns a %s, but the generated rules aggregate it with %s(), which needs an instant vector%s", what, q, typeWordPromQL(t), agg, hint)
	}
}

// typeWordPromQL names a PromQL value type for messages.
func typeWordPromQL(t parser.ValueType) string {
	switch t {
	case parser.ValueTypeScalar:
		return "scalar"
	case parser.ValueTypeMatrix:
		return "range vector"
	case parser.ValueTypeString:
		return "string"
	}
	return string(t)
}

// camel turns a name into the CamelCase form used in alert names:
// "api-latency" and "api_latency" both become "ApiLatency".
func camel(name string) string {
	var b strings.Builder
	up := true
	for _, r := range name {
		if r == '-' || r == '_' {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Camel is the exported form of camel for targets building alert names.
func Camel(name string) string { return camel(name) }

// reservedLabels are set by vigil and cannot be overridden by a model's
// extra labels.
var reservedLabels = map[string]bool{
	"model": true, "team": true, "slo": true, "severity": true, "feature": true,
	"test": true, "alertname": true, "le": true, "window": true, "action": true,
	"tier": true, "sli": true, "__name__": true,
}

// IsReservedLabel reports whether a model's extra labels may not use
// name, because vigil sets that label itself (or Prometheus reserves it).
func IsReservedLabel(name string) bool {
	return reservedLabels[name] || strings.HasPrefix(name, "__")
}
