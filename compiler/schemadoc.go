package compiler

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/vigil-dev/vigil/schema"
)

// schemaDoc says in words what a field of the spec accepts, read from
// the embedded schema's syntax: the field's constraint (kinds, bounds,
// enumerations, maps and lists) and the doc comments of the definitions
// it uses ("#Percent is a percentage strictly between 0 and 100, e.g.
// 99.9."). Error messages use it instead of CUE's rendering of the
// constraint, which shows schema internals (`>0 & <100`,
// `{[string]:(#SLO & {name:Name})}`) and points into schema files a YAML
// or JSON user never sees.
type schemaDoc struct {
	defs map[string]*ast.Field
}

// dialect is the input format a message is for: it decides the words
// for structs and lists.
type dialect int

const (
	dialectCUE dialect = iota
	dialectYAML
	dialectJSON
)

// dialectOf returns the dialect of a spec file by its extension.
func dialectOf(file string) dialect {
	switch {
	case strings.HasSuffix(strings.ToLower(file), ".json"):
		return dialectJSON
	case strings.HasSuffix(strings.ToLower(file), ".yaml"), strings.HasSuffix(strings.ToLower(file), ".yml"):
		return dialectYAML
	}
	return dialectCUE
}

// structWord and listWord name the composite kinds in a dialect.
func (d dialect) structWord() string {
	switch d {
	case dialectJSON:
		return "object"
	case dialectYAML:
		return "mapping"
	}
	return "struct"
}

func (d dialect) listWord() string {
	if d == dialectJSON {
		return "array"
	}
	return "list"
}

// kindWord names a CUE kind (as CUE's messages print it) for users:
// numbers rather than ints and floats, and the dialect's composites.
func (d dialect) kindWord(kind string) string {
	switch kind {
	case "int":
		return "whole number"
	case "float", "number":
		return "number"
	case "struct":
		return d.structWord()
	case "list":
		return d.listWord()
	}
	return kind
}

var (
	schemaDocOnce sync.Once
	schemaDocVal  *schemaDoc
)

// loadSchemaDoc parses the embedded schema once per process. It returns
// nil when the schema cannot be read, and messages fall back to what the
// error itself says.
func loadSchemaDoc() *schemaDoc {
	schemaDocOnce.Do(func() {
		files := schema.Files()
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		s := &schemaDoc{defs: map[string]*ast.Field{}}
		for _, n := range names {
			f, err := parser.ParseFile(n, files[n], parser.ParseComments)
			if err != nil {
				return
			}
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.Field); ok {
					if id, ok := fd.Label.(*ast.Ident); ok && strings.HasPrefix(id.Name, "#") {
						s.defs[id.Name] = fd
					}
				}
			}
		}
		if s.defs["#Spec"] != nil {
			schemaDocVal = s
		}
	})
	return schemaDocVal
}

// fieldInfo is what the schema says about one field.
type fieldInfo struct {
	// value holds the conjuncts that constrain the field's value.
	value []ast.Expr
	// doc is the field's doc comment.
	doc string
	// declared reports whether the field is declared by name (not only
	// matched by a pattern).
	declared bool
}

// lookup finds the field at sels, a path below the root of #Spec.
func (s *schemaDoc) lookup(sels []cue.Selector) (fieldInfo, bool) {
	if s == nil {
		return fieldInfo{}, false
	}
	info := fieldInfo{value: []ast.Expr{s.defs["#Spec"].Value}, declared: true}
	for _, sel := range sels {
		var next fieldInfo
		if sel.LabelType() == cue.IndexLabel {
			for _, x := range s.flatten(info.value) {
				if l, ok := x.(*ast.ListLit); ok && len(l.Elts) == 1 {
					if e, ok := l.Elts[0].(*ast.Ellipsis); ok && e.Type != nil {
						next.value = append(next.value, e.Type)
					}
				}
			}
			next.declared = true
		} else {
			name := labelName(sel)
			var patterns []*ast.Field
			for _, st := range s.structs(info.value) {
				for _, el := range st.Elts {
					f, ok := el.(*ast.Field)
					if !ok {
						continue
					}
					if _, isPattern := f.Label.(*ast.ListLit); isPattern {
						patterns = append(patterns, f)
						continue
					}
					if l, ok := simpleLabel(f.Label); ok && l == name {
						next.value = append(next.value, f.Value)
						next.declared = true
						if doc := docOf(f); doc != "" && next.doc == "" {
							next.doc = doc
						}
					}
				}
			}
			if !next.declared {
				for _, f := range patterns {
					next.value = append(next.value, f.Value)
					if doc := docOf(f); doc != "" && next.doc == "" {
						next.doc = doc
					}
				}
			}
		}
		if len(next.value) == 0 {
			return fieldInfo{}, false
		}
		info = next
	}
	return info, true
}

// structs returns the struct literals among the conjuncts, with the
// definitions they embed or refer to expanded.
func (s *schemaDoc) structs(xs []ast.Expr) []*ast.StructLit {
	var out []*ast.StructLit
	for _, x := range s.flatten(xs) {
		st, ok := x.(*ast.StructLit)
		if !ok {
			continue
		}
		out = append(out, st)
		for _, el := range st.Elts {
			if e, ok := el.(*ast.EmbedDecl); ok {
				out = append(out, s.structs([]ast.Expr{e.Expr})...)
			}
		}
	}
	return out
}

// flatten splits conjunctions and expands references to definitions.
func (s *schemaDoc) flatten(xs []ast.Expr) []ast.Expr {
	var out []ast.Expr
	var walk func(x ast.Expr, depth int)
	walk = func(x ast.Expr, depth int) {
		if depth > 20 {
			return
		}
		switch x := x.(type) {
		case *ast.BinaryExpr:
			if x.Op == token.AND {
				walk(x.X, depth+1)
				walk(x.Y, depth+1)
				return
			}
		case *ast.ParenExpr:
			walk(x.X, depth+1)
			return
		case *ast.Ident:
			if d := s.defs[x.Name]; d != nil {
				walk(d.Value, depth+1)
				return
			}
		}
		out = append(out, x)
	}
	for _, x := range xs {
		walk(x, 0)
	}
	return out
}

// keyOf returns the key constraint of the map patterns among the
// conjuncts (nil when keys are any string), and whether there are
// patterns at all.
func (s *schemaDoc) keyOf(xs []ast.Expr) (ast.Expr, bool) {
	for _, st := range s.structs(xs) {
		for _, el := range st.Elts {
			f, ok := el.(*ast.Field)
			if !ok {
				continue
			}
			if l, ok := f.Label.(*ast.ListLit); ok && len(l.Elts) == 1 {
				k := l.Elts[0]
				if a, ok := k.(*ast.Alias); ok {
					k = a.Expr
				}
				if id, ok := k.(*ast.Ident); ok && id.Name == "string" {
					return nil, true
				}
				return k, true
			}
		}
	}
	return nil, false
}

// fieldNames lists the fields the conjuncts declare by name.
func (s *schemaDoc) fieldNames(xs []ast.Expr) []string {
	seen := map[string]bool{}
	var out []string
	for _, st := range s.structs(xs) {
		for _, el := range st.Elts {
			if f, ok := el.(*ast.Field); ok {
				if l, ok := simpleLabel(f.Label); ok && !seen[l] {
					seen[l] = true
					out = append(out, l)
				}
			}
		}
	}
	return out
}

// docOf returns the doc comment of a field, as plain text.
func docOf(f *ast.Field) string {
	var parts []string
	for _, cg := range ast.Comments(f) {
		if cg.Position == 0 && !cg.Line {
			parts = append(parts, cg.Text())
		}
	}
	return strings.TrimSpace(strings.Join(parts, "\n"))
}

// firstSentence returns the first sentence of a doc comment, on one
// line and without its final period. A sentence ends at a period
// followed by a space, or at a blank line; "e.g." and "i.e." do not end
// one.
func firstSentence(doc string) string {
	if i := strings.Index(doc, "\n\n"); i >= 0 {
		doc = doc[:i]
	}
	doc = strings.Join(strings.Fields(doc), " ")
	for i := 0; i+1 < len(doc); i++ {
		if doc[i] == '.' && doc[i+1] == ' ' && !strings.HasSuffix(doc[:i], "e.g") && !strings.HasSuffix(doc[:i], "i.e") {
			doc = doc[:i+1]
			break
		}
	}
	doc = strings.TrimSuffix(doc, ".")
	return strings.ReplaceAll(doc, "`", "'")
}

// defPhrase returns what a definition's doc comment says it is: "a
// percentage strictly between 0 and 100, e.g. 99.9" from "#Percent is a
// percentage ...", or "" when the comment does not start that way.
func (s *schemaDoc) defPhrase(name string) string {
	d := s.defs[name]
	if d == nil {
		return ""
	}
	rest, ok := strings.CutPrefix(firstSentence(docOf(d)), name+" is ")
	if !ok {
		return ""
	}
	return rest
}

// fieldPhrase turns a field's doc comment into a noun phrase with an
// article: "E-mail address or list." becomes "an e-mail address or list".
func fieldPhrase(doc string) string {
	s := firstSentence(doc)
	if s == "" {
		return ""
	}
	r := []rune(s)
	if len(r) > 1 && unicode.IsUpper(r[0]) && !unicode.IsUpper(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return article(string(r)) + " " + string(r)
}

// article returns "a" or "an" for a noun phrase.
func article(s string) string {
	if s != "" && strings.ContainsRune("aeiouAEIOU", rune(s[0])) {
		return "an"
	}
	return "a"
}

// describe says what a value constrained by the conjuncts accepts, as a
// noun phrase with an article ("a number greater than 0 and at most
// 100"). It returns "" when the constraint holds a pattern it cannot put
// in words.
func (s *schemaDoc) describe(xs []ast.Expr, d dialect) string {
	// A definition that documents what it is speaks for itself, with
	// its allowed values when it is an enumeration.
	for _, x := range xs {
		for _, name := range defRefs(x) {
			if p := s.defPhrase(name); p != "" {
				if enum := s.enumOf([]ast.Expr{s.defs[name].Value}); enum != nil && !strings.Contains(p, strconv.Quote(enum[0])) {
					p += ": " + oneOf(enum)
				}
				return p
			}
		}
	}
	flat := s.flatten(xs)
	for _, x := range flat {
		if b, ok := x.(*ast.BinaryExpr); ok && b.Op == token.OR {
			l := s.describe([]ast.Expr{b.X}, d)
			r := s.describe([]ast.Expr{b.Y}, d)
			if l == "" || r == "" {
				return ""
			}
			return l + ", or " + r
		}
	}
	if enum := s.enumOf(xs); enum != nil {
		return oneOf(enum)
	}
	kind, nonEmpty := "", false
	var bounds []string
	for _, x := range flat {
		switch x := x.(type) {
		case *ast.Ident:
			switch x.Name {
			case "string", "number", "int", "bool":
				if kind == "" || x.Name == "int" {
					kind = x.Name
				}
			}
		case *ast.UnaryExpr:
			lit, ok := x.X.(*ast.BasicLit)
			if !ok {
				continue
			}
			switch x.Op {
			case token.MAT:
				return "" // a pattern: the field's doc says it better
			case token.NEQ:
				if lit.Value == `""` {
					nonEmpty = true
				}
			case token.GTR, token.GEQ, token.LSS, token.LEQ:
				bounds = append(bounds, x.Op.String()+lit.Value)
				if kind == "" {
					kind = "number"
				}
			}
		case *ast.StructLit:
			if key, ok := s.keyOf([]ast.Expr{x}); ok {
				return "a map from " + s.keyNoun(key, x) + " to " + s.valueNoun(x, d)
			}
			if len(s.fieldNames([]ast.Expr{x})) == 0 && len(x.Elts) == 0 {
				return "an empty " + d.structWord() + " ({})"
			}
			return article(d.structWord()) + " " + d.structWord()
		case *ast.ListLit:
			if len(x.Elts) == 1 {
				if e, ok := x.Elts[0].(*ast.Ellipsis); ok && e.Type != nil {
					return article(d.listWord()) + " " + d.listWord() + " of " + plural(s.noun(e.Type, d))
				}
			}
			return article(d.listWord()) + " " + d.listWord()
		}
	}
	switch kind {
	case "string":
		if nonEmpty {
			return "a non-empty string"
		}
		return "a string"
	case "bool":
		return "true or false"
	case "number", "int":
		w := "a number"
		if kind == "int" {
			w = "a whole number"
		}
		return w + boundsPhrase(bounds)
	}
	return ""
}

// boundsPhrase puts numeric bounds such as [">0", "<=100"] in words.
func boundsPhrase(bounds []string) string {
	var lo, hi string
	for _, b := range bounds {
		if strings.HasPrefix(b, ">") {
			lo = b
		} else {
			hi = b
		}
	}
	if strings.HasPrefix(lo, ">=") && strings.HasPrefix(hi, "<=") {
		return " from " + lo[2:] + " to " + hi[2:]
	}
	var parts []string
	for _, b := range []string{lo, hi} {
		switch {
		case b == "":
		case strings.HasPrefix(b, ">="):
			parts = append(parts, "at least "+b[2:])
		case strings.HasPrefix(b, "<="):
			parts = append(parts, "at most "+b[2:])
		case strings.HasPrefix(b, ">"):
			parts = append(parts, "greater than "+b[1:])
		case strings.HasPrefix(b, "<"):
			parts = append(parts, "less than "+b[1:])
		}
	}
	switch {
	case len(parts) == 0:
		return ""
	case len(parts) == 1 && strings.HasPrefix(parts[0], "at "):
		return " of " + parts[0]
	}
	return " " + strings.Join(parts, " and ")
}

// enumOf returns the values of an enumeration (=~"^(a|b|c)$"), or nil.
func (s *schemaDoc) enumOf(xs []ast.Expr) []string {
	for _, x := range s.flatten(xs) {
		u, ok := x.(*ast.UnaryExpr)
		if !ok || u.Op != token.MAT {
			continue
		}
		lit, ok := u.X.(*ast.BasicLit)
		if !ok {
			continue
		}
		pat, err := literal.Unquote(lit.Value)
		if err != nil {
			continue
		}
		if m := enumPatternRE.FindStringSubmatch(pat); m != nil {
			return strings.Split(m[1], "|")
		}
	}
	return nil
}

// oneOf lists allowed values: `one of "a", "b" or "c"`.
func oneOf(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = strconv.Quote(v)
	}
	if len(q) == 1 {
		return q[0]
	}
	return "one of " + strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// defRefs lists the definitions a conjunction refers to directly.
func defRefs(x ast.Expr) []string {
	switch x := x.(type) {
	case *ast.Ident:
		if strings.HasPrefix(x.Name, "#") {
			return []string{x.Name}
		}
	case *ast.BinaryExpr:
		if x.Op == token.AND {
			return append(defRefs(x.X), defRefs(x.Y)...)
		}
	case *ast.ParenExpr:
		return defRefs(x.X)
	}
	return nil
}

// noun names what a constraint holds, for use inside a phrase: a
// definition by its name in words ("label name", "SLO"), a kind by its
// word.
func (s *schemaDoc) noun(x ast.Expr, d dialect) string {
	if refs := defRefs(x); len(refs) > 0 {
		return defNoun(refs[0])
	}
	for _, y := range s.flatten([]ast.Expr{x}) {
		switch y := y.(type) {
		case *ast.Ident:
			switch y.Name {
			case "string", "number", "bool":
				return y.Name
			case "int":
				return "whole number"
			}
		case *ast.StructLit:
			return d.structWord()
		case *ast.ListLit:
			return d.listWord()
		}
	}
	return "value"
}

// keyNoun names the keys of a map: its key definition, or "<value> name"
// when any string is a key and each value carries it as its name
// ([Name=string]: #SLO & {name: Name}).
func (s *schemaDoc) keyNoun(key ast.Expr, st *ast.StructLit) string {
	if key != nil {
		return s.noun(key, dialectCUE)
	}
	for _, el := range st.Elts {
		if f, ok := el.(*ast.Field); ok {
			if l, ok := f.Label.(*ast.ListLit); ok && len(l.Elts) == 1 {
				if _, aliased := l.Elts[0].(*ast.Alias); aliased {
					if refs := defRefs(f.Value); len(refs) > 0 {
						return defNoun(refs[0]) + " name"
					}
				}
			}
		}
	}
	return "string"
}

// valueNoun names the values of a map.
func (s *schemaDoc) valueNoun(st *ast.StructLit, d dialect) string {
	for _, el := range st.Elts {
		if f, ok := el.(*ast.Field); ok {
			if _, ok := f.Label.(*ast.ListLit); ok {
				return s.noun(f.Value, d)
			}
		}
	}
	return "value"
}

// defNoun turns a definition name into words: #LabelName is "label
// name", #SLO "SLO", #PromQL "PromQL", #ShareAlert "share alert".
func defNoun(name string) string {
	name = strings.TrimPrefix(name, "#")
	var words []string
	start := 0
	r := []rune(name)
	for i := 1; i < len(r); i++ {
		// A word starts at an upper-case letter followed by a
		// lower-case one ("SLOAlerting" is "SLO" "Alerting").
		if unicode.IsUpper(r[i]) && i+1 < len(r) && unicode.IsLower(r[i+1]) {
			words = append(words, string(r[start:i]))
			start = i
		}
	}
	words = append(words, string(r[start:]))
	for i, w := range words {
		upper := 0
		for _, c := range w {
			if unicode.IsUpper(c) {
				upper++
			}
		}
		if upper == 1 {
			words[i] = strings.ToLower(w)
		}
	}
	return strings.Join(words, " ")
}

// plural makes a noun plural for "a list of ...".
func plural(n string) string {
	if strings.HasSuffix(n, "s") {
		return n + "es"
	}
	return n + "s"
}
