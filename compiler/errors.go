package compiler

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/vigil-dev/vigil/diag"
	"github.com/vigil-dev/vigil/schema"
)

// fromCUE converts CUE errors into diagnostics, one per error, with the
// field path and every contributing position.
func fromCUE(err error, dir string) diag.List {
	var out diag.List
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		d := diag.Diagnostic{
			Pos:     position(e.Position(), dir),
			Path:    formatPath(e.Path()),
			Message: fmt.Sprintf(format, args...),
		}
		if strings.TrimSpace(d.Message) == "" {
			// Some scanner errors carry no message of their own (found by
			// FuzzLoad with a lone `"`).
			d.Message = strings.TrimSpace(e.Error())
			if i := strings.Index(d.Message, "cannot get syntax for "); i >= 0 {
				if j := strings.Index(d.Message[i:], `": `); j >= 0 {
					d.Message = d.Message[i+j+3:]
				}
			}
			if d.Message == "" || strings.HasSuffix(d.Message, ":") {
				d.Message = "syntax error: unexpected end of input or unterminated literal"
			}
		}
		for _, p := range e.InputPositions() {
			rp := position(p, dir)
			if rp.IsValid() && rp != d.Pos {
				d.Related = append(d.Related, rp)
			}
		}
		// Lead with a position in the user's files: the schema's own
		// position is context, not the place to fix.
		if !d.Pos.IsValid() || isSchemaFile(d.Pos.File) {
			for i, r := range d.Related {
				if !isSchemaFile(r.File) {
					rel := append([]diag.Position{}, d.Related[:i]...)
					if d.Pos.IsValid() {
						rel = append(rel, d.Pos)
					}
					rel = append(rel, d.Related[i+1:]...)
					d.Pos, d.Related = r, rel
					break
				}
			}
		}
		d.Related = dedupePositions(d.Pos, d.Related)
		d.Message = friendlyMessage(d.Message)
		out = append(out, d)
	}
	return mergeDisjunctions(out)
}

// dedupePositions drops related positions equal to the primary one or
// listed before.
func dedupePositions(primary diag.Position, rel []diag.Position) []diag.Position {
	var out []diag.Position
	for _, r := range rel {
		// The start of a YAML or JSON file is where its whole document
		// begins: it says nothing the primary position does not.
		ext := strings.ToLower(filepath.Ext(r.File))
		if r.Line == 1 && r.Column == 1 && (ext == ".json" || ext == ".yaml" || ext == ".yml") {
			continue
		}
		if r != primary && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// Patterns of CUE messages that friendlyMessage rewrites.
var (
	outOfBoundRE   = regexp.MustCompile(`^invalid value (.+) \(out of bound =~"(.*)"\)$`)
	enumPatternRE  = regexp.MustCompile(`^\^\(([a-z0-9_]+(?:\|[a-z0-9_]+)*)\)\$$`)
	mismatchRE     = regexp.MustCompile(`^conflicting values (.+) and (.+) \(mismatched types (\w+) and (\w+)\)$`)
	disjunctionRE  = regexp.MustCompile(`^\d+ errors in empty disjunction:?$`)
	literalRE      = regexp.MustCompile(`^("([^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false|null)$`)
	durationSchema = `^([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$`
	nameSchema     = `^[a-z][a-z0-9_-]{0,62}$`
)

// wantPhrase says in words what a schema pattern accepts, or returns ""
// for patterns it does not know.
func wantPhrase(pattern string) string {
	switch pattern {
	case durationSchema:
		return `a Prometheus duration such as "30s", "5m", "1h30m" or "7d" (units ms, s, m, h, d, w, y, largest first)`
	case nameSchema:
		return "a name of lower-case ASCII letters, digits, '-' and '_', starting with a letter, at most 63 characters"
	}
	if m := enumPatternRE.FindStringSubmatch(pattern); m != nil {
		vals := strings.Split(m[1], "|")
		for i, v := range vals {
			vals[i] = strconv.Quote(v)
		}
		if len(vals) == 1 {
			return vals[0]
		}
		return "one of " + strings.Join(vals[:len(vals)-1], ", ") + " or " + vals[len(vals)-1]
	}
	return ""
}

// friendlyMessage rewrites CUE's messages about a value that does not
// match a schema pattern or type into what the field wants, keeping the
// offending value.
func friendlyMessage(msg string) string {
	if m := outOfBoundRE.FindStringSubmatch(msg); m != nil {
		if want := wantPhrase(m[2]); want != "" {
			return fmt.Sprintf("invalid value %s: want %s", m[1], want)
		}
		return msg
	}
	if m := mismatchRE.FindStringSubmatch(msg); m != nil && literalRE.MatchString(m[1]) && !literalRE.MatchString(m[2]) {
		article := "a"
		if strings.ContainsAny(m[4][:1], "aeiou") {
			article = "an"
		}
		hint := ""
		if uq, err := strconv.Unquote(m[1]); err == nil && m[3] == "string" && m[4] != "string" && literalRE.MatchString(uq) {
			hint = " (remove the quotes)"
		}
		return fmt.Sprintf("want %s %s, got the %s %s%s", article, m[4], typeWord(m[3]), m[1], hint)
	}
	if m := mismatchRE.FindStringSubmatch(msg); m != nil && m[3] != m[4] && len(m[2]) > 60 {
		// The constraint is a whole schema struct: printing it helps no one.
		return fmt.Sprintf("want a %s here, got a %s", typeWord(m[4]), typeWord(m[3]))
	}
	return msg
}

// mergeDisjunctions folds CUE's "N errors in empty disjunction" (which
// has no position) and the errors of its alternatives, reported at the
// same path, into one diagnostic: one mistake, one error.
func mergeDisjunctions(in diag.List) diag.List {
	var out diag.List
	done := map[int]bool{}
	for i, d := range in {
		if done[i] {
			continue
		}
		if !disjunctionRE.MatchString(d.Message) {
			out = append(out, d)
			continue
		}
		var alts []diag.Diagnostic
		for j := i + 1; j < len(in); j++ {
			if !done[j] && in[j].Path == d.Path && !disjunctionRE.MatchString(in[j].Message) {
				alts = append(alts, in[j])
				done[j] = true
			}
		}
		if len(alts) == 0 {
			out = append(out, d)
			continue
		}
		merged := alts[0]
		var msgs []string
		value, wants := "", []string{}
		for _, a := range alts {
			msgs = append(msgs, a.Message)
			if m := regexp.MustCompile(`^invalid value (.+): want (.+)$`).FindStringSubmatch(a.Message); m != nil && (value == "" || value == m[1]) {
				value = m[1]
				wants = append(wants, m[2])
			}
			merged.Related = append(merged.Related, a.Pos)
			merged.Related = append(merged.Related, a.Related...)
		}
		if len(wants) == len(alts) {
			merged.Message = fmt.Sprintf("invalid value %s: want %s", value, strings.Join(wants, ", or "))
		} else {
			merged.Message = strings.Join(msgs, "; ")
		}
		merged.Related = dedupePositions(merged.Pos, merged.Related)
		out = append(out, merged)
	}
	return out
}

// position converts a CUE position; files of the embedded schema are
// shown under the schema's import path so messages do not depend on
// where the spec lives.
func position(p token.Pos, dir string) diag.Position {
	if !p.IsValid() {
		return diag.Position{}
	}
	f := p.Filename()
	marker := "/cue.mod/pkg/" + schema.ImportPath + "/"
	if i := strings.Index(strings.ReplaceAll(f, "\\", "/"), marker); i >= 0 {
		f = schema.ImportPath + "/" + f[i+len(marker):]
	} else {
		f = relPath(dir, f)
	}
	return diag.Position{File: f, Line: p.Line(), Column: p.Column()}
}

// formatPath renders a field path the way CUE prints it: identifiers
// joined by dots, other labels quoted.
func formatPath(sel []string) string {
	var b strings.Builder
	for i, s := range sel {
		if i > 0 && !strings.HasPrefix(s, "[") {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// isSchemaFile reports whether a diagnostic file is part of the embedded
// schema.
func isSchemaFile(f string) bool { return strings.HasPrefix(f, schema.ImportPath+"/") }

// typeWord names a CUE kind for messages: users write numbers, not ints
// and floats.
func typeWord(kind string) string {
	if kind == "int" || kind == "float" {
		return "number"
	}
	return kind
}
