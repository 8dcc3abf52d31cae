package compiler

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/vigil-dev/vigil/diag"
	"github.com/vigil-dev/vigil/schema"
)

// fromCUE converts CUE errors into diagnostics, one per error, with the
// field path, the positions in the user's files, and a message in plain
// words (explain). Positions in the embedded schema are dropped: the
// message says what the schema requires, and the schema's files are not
// where the user fixes anything (`vigil schema` prints them).
func fromCUE(err error, dir string) diag.List { return fromCUEIn(err, dir, nil) }

// fromCUEIn is fromCUE for an evaluated spec whose files idx indexes: a
// value CUE finds incomplete is a missing field only when the user's
// files do not declare it (`objective: >99` in CUE is declared, but not
// concrete). Without an index, a value with no position in the user's
// files counts as missing.
func fromCUEIn(err error, dir string, idx *lazyIndex) diag.List {
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
		var rel []diag.Position
		for _, p := range e.InputPositions() {
			if rp := position(p, dir); rp.IsValid() && !isSchemaFile(rp.File) {
				rel = append(rel, rp)
			}
		}
		// Lead with a position in the user's files.
		if !d.Pos.IsValid() || isSchemaFile(d.Pos.File) {
			d.Pos = diag.Position{}
			if len(rel) > 0 {
				d.Pos, rel = rel[0], rel[1:]
			}
		}
		d.Related = dedupePositions(d.Pos, rel)
		written := func(path string) bool { return d.Pos.IsValid() }
		if idx != nil {
			written = func(path string) bool { _, ok := idx.get()[path]; return ok }
		}
		quoted := func(p diag.Position) bool {
			c := sourceByte(dir, p)
			return c == '"' || c == '\''
		}
		d.Path, d.Message = explain(loadSchemaDoc(), d, written, quoted)
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

// Patterns of CUE messages that explain rewrites.
var (
	outOfBoundRE  = regexp.MustCompile(`^invalid value (.+) \(out of bound (.+)\)$`)
	enumPatternRE = regexp.MustCompile(`^\^\(([a-z0-9_]+(?:\|[a-z0-9_]+)*)\)\$$`)
	mismatchRE    = regexp.MustCompile(`^conflicting values (.+) and (.+) \(mismatched types (\w+) and (\w+)\)$`)
	conflictRE    = regexp.MustCompile(`^conflicting values (.+) and (.+)$`)
	incompleteRE  = regexp.MustCompile(`^(incomplete value|non-concrete value) (.+)$`)
	disjunctionRE = regexp.MustCompile(`^\d+ errors in empty disjunction:?$`)
	literalRE     = regexp.MustCompile(`^("([^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false|null)$`)
)

// explain rewrites a CUE message in the words of the schema: what the
// field accepts (from schemaDoc) and what it got, instead of CUE's
// rendering of the constraint. It returns the diagnostic's path (a
// missing field is reported at the struct that lacks it) and message.
// Messages it does not recognize, such as errors in a CUE spec's own
// expressions, are returned as they are. written reports whether the
// user's files declare a field (by its path); quoted whether the value at
// a position is written in quotes.
func explain(doc *schemaDoc, d diag.Diagnostic, written func(path string) bool, quoted func(diag.Position) bool) (string, string) {
	msg := d.Message
	p := cue.ParsePath(d.Path)
	if d.Path == "" || p.Err() != nil {
		return d.Path, msg
	}
	sels := p.Selectors()
	dl := dialectOf(d.Pos.File)
	info, known := doc.lookup(sels)
	want := ""
	if known {
		want = doc.describe(info.value, dl)
		if want == "" {
			want = fieldPhrase(info.doc)
		}
	}
	field := ""
	if n := len(sels); n > 0 {
		field = sels[n-1].String()
	}

	if m := incompleteRE.FindStringSubmatch(msg); m != nil {
		if len(sels) > 0 && !written(cue.MakePath(sels...).String()) {
			// Nothing in the user's files: the field is not there.
			parent := cue.MakePath(sels[:len(sels)-1]...).String()
			if want != "" {
				return parent, fmt.Sprintf("missing required field %s (%s)", field, want)
			}
			return parent, "missing required field " + field
		}
		if want != "" {
			return d.Path, "no concrete value: must be " + want
		}
		return d.Path, "no concrete value"
	}
	if m := outOfBoundRE.FindStringSubmatch(msg); m != nil {
		value, bound := m[1], m[2]
		if want == "" {
			want = boundWords(bound)
		}
		return d.Path, fmt.Sprintf("invalid value %s: must be %s", value, want)
	}
	if conflictRE.MatchString(msg) && len(d.Related) > 0 && d.Related[0].File == d.Pos.File && dialectOf(d.Pos.File) != dialectCUE {
		// Two values in one YAML or JSON file: the key is there twice.
		return d.Path, fmt.Sprintf("duplicate key %s (also set on line %d); %s %s holds each key once", field, d.Related[0].Line, article(dl.structWord()), dl.structWord())
	}
	if m := mismatchRE.FindStringSubmatch(msg); m != nil {
		user, userKind, other, otherKind := m[1], m[3], m[2], m[4]
		if literalRE.MatchString(m[2]) && !literalRE.MatchString(m[1]) || looksLikeSchema(m[1]) && !looksLikeSchema(m[2]) {
			user, userKind, other, otherKind = m[2], m[4], m[1], m[3]
		}
		if !looksLikeSchema(other) && !(literalRE.MatchString(user) && !literalRE.MatchString(other)) {
			// Two values from the user's files.
			return d.Path, fmt.Sprintf("conflicting values %s and %s", m[1], m[2])
		}
		if want == "" {
			want = article(dl.kindWord(otherKind)) + " " + dl.kindWord(otherKind)
		}
		got := gotPhrase(user, userKind, dl)
		hint := ""
		if uq, err := strconv.Unquote(user); err == nil && userKind == "string" && otherKind != "string" && literalRE.MatchString(uq) {
			hint = " (remove the quotes)"
			if !quoted(d.Pos) {
				// Unquoted, yet read as text: a number YAML cannot
				// represent, such as 1e400.
				hint = " (it is read as text: not a number this file format can represent)"
			}
		} else if err == nil && userKind == "string" && otherKind == "bool" {
			// YAML 1.1 booleans are strings in YAML 1.2.
			switch strings.ToLower(uq) {
			case "yes", "y", "on":
				hint = " (write true: yes and on are strings in YAML 1.2)"
			case "no", "n", "off":
				hint = " (write false: no and off are strings in YAML 1.2)"
			}
		}
		if strings.Contains(want, ", ") {
			// The description has commas of its own.
			if hint != "" {
				hint = "; " + strings.TrimSuffix(strings.TrimPrefix(hint, " ("), ")")
			}
			return d.Path, fmt.Sprintf("must be %s (not %s%s)", want, got, hint)
		}
		return d.Path, fmt.Sprintf("must be %s, not %s%s", want, got, hint)
	}
	if m := conflictRE.FindStringSubmatch(msg); m != nil && field == "name" && isKeyedEntry(sels) {
		key := strconv.Quote(labelName(sels[len(sels)-2]))
		return d.Path, fmt.Sprintf("name must equal the entry's key %s (it is filled in from the key; leave name out)", key)
	}
	if msg == "field not allowed" && len(sels) > 0 {
		parent, ok := doc.lookup(sels[:len(sels)-1])
		if ok && !info.declared {
			if key, isMap := doc.keyOf(parent.value); isMap && key != nil {
				if kw := doc.describe([]ast.Expr{key}, dl); kw != "" {
					return d.Path, fmt.Sprintf("invalid key %s: must be %s", strconv.Quote(labelName(sels[len(sels)-1])), kw)
				}
			}
		}
	}
	return d.Path, msg
}

// isKeyedEntry reports whether sels ends in a field of an entry of a
// map whose entries carry their key as name (models.<key>.name).
func isKeyedEntry(sels []cue.Selector) bool {
	n := len(sels)
	return n >= 3 && keyKinds[sels[n-3].String()] != "" && sels[n-2].LabelType() == cue.StringLabel
}

// looksLikeSchema reports whether a value in a CUE message is a
// constraint (a kind, a bound, a pattern, a definition) rather than data.
func looksLikeSchema(s string) bool {
	switch s {
	case "string", "number", "int", "float", "bool", "bytes", "struct", "list", "null":
		return s != "null"
	}
	return strings.Contains(s, "#") || strings.Contains(s, "=~") || strings.Contains(s, " & ") ||
		strings.Contains(s, "[string]") || strings.Contains(s, "...") ||
		strings.HasPrefix(s, ">") || strings.HasPrefix(s, "<") || strings.HasPrefix(s, "!=")
}

// gotPhrase names the value a user gave: `the string "x"`, `the number
// 4`, true, null, a list, a mapping.
func gotPhrase(value, kind string, dl dialect) string {
	switch kind {
	case "string":
		return "the string " + value
	case "int", "float", "number":
		return "the number " + value
	case "bool", "null":
		return value
	case "list", "struct":
		w := dl.kindWord(kind)
		return article(w) + " " + w
	}
	return value
}

// boundWords says what a bound from a CUE message requires, for fields
// the schema lookup does not know.
func boundWords(bound string) string {
	if pat, ok := strings.CutPrefix(bound, "=~"); ok {
		if p, err := strconv.Unquote(pat); err == nil {
			if m := enumPatternRE.FindStringSubmatch(p); m != nil {
				return oneOf(strings.Split(m[1], "|"))
			}
			return "a string matching " + p
		}
	}
	if bound == `!=""` {
		return "a non-empty string"
	}
	var parts []string
	for _, b := range strings.Split(bound, " & ") {
		parts = append(parts, strings.TrimSpace(b))
	}
	if w := strings.TrimSpace(boundsPhrase(parts)); w != "" {
		return "a number " + w
	}
	return "within " + bound
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
		for _, a := range alts {
			// Each alternative's message describes the whole field,
			// so they are usually the same.
			if !slices.Contains(msgs, a.Message) {
				msgs = append(msgs, a.Message)
			}
			if !merged.Pos.IsValid() {
				merged.Pos = a.Pos
			}
			merged.Related = append(merged.Related, a.Pos)
			merged.Related = append(merged.Related, a.Related...)
		}
		merged.Message = strings.Join(msgs, "; ")
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

// formatPath renders a field path the way cue.Path prints it:
// identifiers joined by dots, other labels quoted, list indices in
// brackets.
func formatPath(sel []string) string {
	var b strings.Builder
	for i, s := range sel {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			// A list index, printed as cue.Path prints it.
			s = "[" + s + "]"
		}
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

// sourceByte returns the byte at position p of the user's file (relative
// to dir), or 0 when it cannot tell.
func sourceByte(dir string, p diag.Position) byte {
	if !p.IsValid() || p.Line < 1 || p.Column < 1 {
		return 0
	}
	name := p.File
	if !filepath.IsAbs(name) {
		name = filepath.Join(dir, name)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return 0
	}
	lines := strings.SplitN(string(b), "\n", p.Line+1)
	if len(lines) < p.Line || p.Column > len(lines[p.Line-1]) {
		return 0
	}
	return lines[p.Line-1][p.Column-1]
}
