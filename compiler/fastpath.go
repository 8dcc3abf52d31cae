package compiler

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"

	"github.com/vigil-dev/vigil/diag"
	"github.com/vigil-dev/vigil/schema"
)

// The fast path for models written as plain data.
//
// CUE evaluation costs about 4 ms of CPU per model of typical size (most
// of a 1,000-model compile), and most models are plain data: struct and
// list literals of strings, numbers and booleans, unified with the
// schema's #Model. For such a model, checking the data against the
// schema's shapes (shape.go) and writing it as JSON gives what CUE's
// export gives, at a small fraction of the cost.
//
// The fast path is an optimization, never an authority. It takes a model
// only when:
//
//   - every file's top level is the package clause, imports, `let`
//     clauses, fields, and at most the embedding of schema.#Spec (nothing
//     else can contribute to models);
//   - every `models` field is a plain struct literal whose elements are
//     plain fields (no patterns, comprehensions or embeddings that would
//     constrain every model);
//   - nothing refers to `models` or to a model by name;
//   - the model is declared once, its file can be copied without it
//     (scopedToCopies), cue.mod holds no schema files but the embedded
//     ones, and its value is pure data that satisfies the schema.
//
// Every other model (including one the fast path rejects, valid or not)
// is evaluated by CUE as before, in a build instance without the fast
// models. When only that remainder has problems, its diagnostics, which
// CUE positioned, are the spec's. When a fast model has a normalization
// problem, or the split fails in any other way, Load evaluates the whole
// spec with CUE, which produces the authoritative diagnostics with
// positions. So the fast path never decides that anything is wrong, and
// the tests in fastpath_test.go check that Load's IR and diagnostics are
// the same with and without it (examples, bad-input corpus, layouts,
// random mutations, and FuzzFastPathAgrees).

// fastPathDisabled turns the fast path off (for differential tests).
var fastPathDisabled atomic.Bool

// fastSplit is a spec split into fast models and a CUE remainder.
type fastSplit struct {
	// models holds each fast model's value as JSON, as CUE would export it.
	models map[string][]byte
	// rest is the instance without the fast models.
	rest *build.Instance
	// restModels counts the models left to CUE.
	restModels int
}

// splitFast finds the models that can skip CUE evaluation. It returns
// nil when none can.
func splitFast(l *loaded) *fastSplit {
	if fastPathDisabled.Load() || !embeddedSchemaOnly(l.moduleRoot) {
		return nil
	}
	inst := l.inst
	spec, err := schemaSpecShape()
	if err != nil {
		return nil
	}
	modelsConj := fieldConj(spec, "models")
	if modelsConj == nil {
		return nil
	}
	type decl struct {
		field *ast.Field
		// count is the number of declarations; only a model declared
		// once can be fast.
		count int
		// pinned keeps the model with CUE (its file cannot be copied).
		pinned bool
	}
	decls := map[string]*decl{}
	var order []string
	for _, f := range inst.Files {
		schemaName := schemaImportName(f)
		// A file whose references CUE resolves through the file or its
		// models struct cannot be copied without its fast models (see
		// scopedToCopies); its models stay with CUE.
		scoped := hasModels(f) && scopedToCopies(f)
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.Package, *ast.ImportDecl, *ast.CommentGroup, *ast.Attribute, *ast.LetClause:
			case *ast.EmbedDecl:
				if !isSpecEmbed(d, schemaName) {
					return nil
				}
			case *ast.Field:
				name, ok := simpleLabel(d.Label)
				if !ok {
					if _, isIdent := d.Label.(*ast.Ident); !isIdent {
						return nil
					}
					continue
				}
				if name != "models" {
					continue
				}
				st, ok := d.Value.(*ast.StructLit)
				if !ok || d.Constraint != token.ILLEGAL || d.Alias != nil || len(d.Attrs) > 0 {
					return nil
				}
				for _, e := range st.Elts {
					mf, mname, skip, ok := dataField(e)
					if skip {
						continue
					}
					if !ok {
						return nil
					}
					if decls[mname] == nil {
						decls[mname] = &decl{field: mf}
						order = append(order, mname)
					}
					decls[mname].count++
					decls[mname].pinned = decls[mname].pinned || scoped
				}
			default:
				return nil
			}
		}
	}
	keys := make(map[string]bool, len(decls))
	for k := range decls {
		keys[k] = true
	}
	if len(keys) == 0 || refersToModels(inst.Files, keys) {
		return nil
	}
	// Check the models on every core; each result is the model's JSON, or
	// nil when CUE must evaluate it.
	results := make([][]byte, len(order))
	w := min(workers(), len(order))
	var wg sync.WaitGroup
	for i := range w {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var buf bytes.Buffer
			for j := i * len(order) / w; j < (i+1)*len(order)/w; j++ {
				d := decls[order[j]]
				buf.Reset()
				if d.count == 1 && !d.pinned && checkField(&buf, modelsConj, order[j], d.field.Value) {
					results[j] = bytes.Clone(buf.Bytes())
				}
			}
		}(i)
	}
	wg.Wait()
	out := &fastSplit{models: map[string][]byte{}}
	keepRest := map[string]bool{}
	for j, name := range order {
		if results[j] != nil {
			out.models[name] = results[j]
		} else {
			keepRest[name] = true
		}
	}
	if len(out.models) == 0 {
		return nil
	}
	out.restModels = len(keepRest)
	rest := *inst
	rest.Files = make([]*ast.File, len(inst.Files))
	for i, f := range inst.Files {
		rest.Files[i] = filterModels(f, keepRest)
	}
	out.rest = &rest
	return out
}

// embeddedSchemaOnly reports whether CUE will see exactly the embedded
// schema. cue/load merges a package's files from cue.mod/pkg, cue.mod/usr
// and cue.mod/gen; the overlay replaces the embedded files' names under
// pkg, but a user may add constraints of their own next to them (in usr,
// say), or keep a file an older vigil wrote. The fast path's shapes come
// from the embedded files only, so any other schema file turns it off.
func embeddedSchemaOnly(root string) bool {
	embedded := map[string]bool{}
	for _, n := range schema.Names() {
		embedded[n] = true
	}
	for _, sub := range []string{"pkg", "usr", "gen"} {
		entries, err := os.ReadDir(filepath.Join(root, "cue.mod", sub, filepath.FromSlash(schema.ImportPath)))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return false
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".cue") && (sub != "pkg" || !embedded[e.Name()]) {
				return false
			}
		}
	}
	return true
}

// dataField reads a struct element as a plain data field: a regular field
// with an identifier or plain string label, without alias or attributes,
// and not a definition or hidden field. skip reports a comment.
func dataField(e ast.Decl) (f *ast.Field, name string, skip, ok bool) {
	f, isField := e.(*ast.Field)
	if !isField {
		_, skip = e.(*ast.CommentGroup)
		return nil, "", skip, false
	}
	name, ok = simpleLabel(f.Label)
	ok = ok && f.Constraint == token.ILLEGAL && f.Alias == nil && len(f.Attrs) == 0 &&
		!strings.HasPrefix(name, "#") && !strings.HasPrefix(name, "_")
	return f, name, false, ok
}

// schemaImportName is the name under which f imports the schema, or "".
func schemaImportName(f *ast.File) string {
	for imp := range f.ImportSpecs() {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil || path != schema.ImportPath {
			continue
		}
		if imp.Name != nil {
			return imp.Name.Name
		}
		return "schema"
	}
	return ""
}

// isSpecEmbed reports whether d embeds <schema>.#Spec.
func isSpecEmbed(d *ast.EmbedDecl, schemaName string) bool {
	sel, ok := d.Expr.(*ast.SelectorExpr)
	if !ok || schemaName == "" {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	if !ok || x.Name != schemaName {
		return false
	}
	name, _, err := ast.LabelName(sel.Sel)
	return err == nil && name == "#Spec"
}

// fieldConj returns the conjunction a declared field of a struct
// conjunction must satisfy, or nil.
func fieldConj(conj []*shape, name string) []*shape {
	var out []*shape
	for _, s := range conj {
		if f, ok := s.fields[name]; ok {
			out = append(out, f.conj...)
		}
	}
	return out
}

var (
	plainInt   = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)
	plainFloat = regexp.MustCompile(`^(0|[1-9][0-9]*)\.[0-9]+$`)
)

// scalar is a pure-data leaf value.
type scalar struct {
	kind kindSet
	str  string // string value, or the number's literal text
	b    bool
}

// pureScalar reads a literal leaf. Only literal forms whose CUE export is
// the literal text itself are accepted (no 1e3, 0x10, 1Ki, 1_000, -0.0).
func pureScalar(x ast.Expr) (scalar, bool) {
	lit, ok := x.(*ast.BasicLit)
	if !ok {
		return scalar{}, false
	}
	switch lit.Kind {
	case token.STRING:
		if !strings.HasPrefix(strings.TrimLeft(lit.Value, "#"), `"`) {
			return scalar{}, false // bytes
		}
		s, err := literal.Unquote(lit.Value)
		if err != nil || !utf8.ValidString(s) {
			return scalar{}, false
		}
		return scalar{kind: kindString, str: s}, true
	case token.INT:
		if plainInt.MatchString(lit.Value) {
			return scalar{kind: kindInt, str: lit.Value}, true
		}
	case token.FLOAT:
		if plainFloat.MatchString(lit.Value) {
			return scalar{kind: kindFloat, str: lit.Value}, true
		}
	case token.TRUE:
		return scalar{kind: kindBool, b: true}, true
	case token.FALSE:
		return scalar{kind: kindBool}, true
	}
	return scalar{}, false
}

// checkField checks the value x of field label, given the conjunction of
// the struct it is in, and writes it as JSON to buf. It reports false
// when the field is not allowed, the value is not pure data, or it does
// not satisfy the schema.
func checkField(buf *bytes.Buffer, parent []*shape, label string, x ast.Expr) bool {
	var conj []*shape
	allowed := false
	for _, s := range parent {
		if f, ok := s.fields[label]; ok {
			allowed = true
			conj = append(conj, f.conj...)
		}
		for _, p := range s.patterns {
			if p.key != nil && !checkScalar(p.key, scalar{kind: kindString, str: label}) {
				continue
			}
			allowed = true
			conj = append(conj, p.value...)
		}
	}
	return allowed && checkValue(buf, conj, label, x)
}

// checkValue checks x against conj and writes it as JSON. key is the
// label of the field x is the value of, for {name: Name} injection.
func checkValue(buf *bytes.Buffer, conj []*shape, key string, x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.StructLit:
		return checkStruct(buf, conj, key, x)
	case *ast.ListLit:
		var elem []*shape
		for _, s := range conj {
			if s.kinds != 0 && s.kinds&kindList == 0 || s.anyOf != nil {
				return false
			}
			elem = append(elem, s.elem...)
		}
		buf.WriteByte('[')
		for i, e := range x.Elts {
			if i > 0 {
				buf.WriteByte(',')
			}
			if !checkValue(buf, elem, "", e) {
				return false
			}
		}
		buf.WriteByte(']')
		return true
	}
	v, ok := pureScalar(x)
	if !ok || !checkScalar(conj, v) {
		return false
	}
	writeScalar(buf, v)
	return true
}

// checkStruct checks a struct literal against conj.
func checkStruct(buf *bytes.Buffer, conj []*shape, key string, x *ast.StructLit) bool {
	inject := ""
	for _, s := range conj {
		if s.kinds != 0 && s.kinds&kindStruct == 0 || s.anyOf != nil || len(s.checks) > 0 {
			return false
		}
		if s.inject != "" {
			if key == "" || inject != "" && inject != s.inject {
				return false
			}
			inject = s.inject
		}
	}
	seen := make(map[string]bool, len(x.Elts))
	buf.WriteByte('{')
	n := 0
	for _, e := range x.Elts {
		f, name, skip, ok := dataField(e)
		if skip {
			continue
		}
		if !ok || seen[name] {
			return false
		}
		seen[name] = true
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		writeString(buf, name)
		buf.WriteByte(':')
		if name == inject {
			// The pattern's key is the field's value: the data must agree.
			v, ok := pureScalar(f.Value)
			if !ok || v.kind != kindString || v.str != key {
				return false
			}
		}
		if !checkField(buf, conj, name, f.Value) {
			return false
		}
	}
	if inject != "" && !seen[inject] {
		v := scalar{kind: kindString, str: key}
		if !checkScalar(fieldConj(conj, inject), v) {
			return false
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		writeString(buf, inject)
		buf.WriteByte(':')
		writeScalar(buf, v)
		seen[inject] = true
	}
	// Regular (non-optional) fields must be present: CUE's export fails on
	// a field that is declared but not concrete.
	for _, s := range conj {
		for name, f := range s.fields {
			if !f.optional && !seen[name] {
				return false
			}
		}
	}
	buf.WriteByte('}')
	return true
}

// checkScalar checks a leaf value against a conjunction.
func checkScalar(conj []*shape, v scalar) bool {
	for _, s := range conj {
		if s.fields != nil || s.elem != nil {
			return false
		}
		if s.kinds != 0 && s.kinds&v.kind == 0 {
			return false
		}
		for _, c := range s.checks {
			if !c.holds(v) {
				return false
			}
		}
		if s.anyOf != nil {
			ok := false
			for _, alt := range s.anyOf {
				if checkScalar(alt, v) {
					ok = true
					break
				}
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// holds evaluates one leaf check.
func (c scalarCheck) holds(v scalar) bool {
	switch c.op {
	case token.MAT:
		return v.kind == kindString && c.re.MatchString(v.str)
	case token.NEQ:
		if c.isNum {
			if v.kind&kindNumber == 0 {
				return false
			}
			return cmpNum(v.str, c.num) != 0
		}
		return v.kind == kindString && v.str != c.str
	}
	if v.kind&kindNumber == 0 {
		return false
	}
	d := cmpNum(v.str, c.num)
	switch c.op {
	case token.GTR:
		return d > 0
	case token.GEQ:
		return d >= 0
	case token.LSS:
		return d < 0
	case token.LEQ:
		return d <= 0
	}
	return false
}

// cmpNum compares a plain decimal literal with a rational exactly.
func cmpNum(lit string, r *big.Rat) int {
	x, ok := new(big.Rat).SetString(lit)
	if !ok {
		return -2
	}
	return x.Cmp(r)
}

// writeScalar writes a leaf as JSON: numbers as their literal text, as
// CUE exports them.
func writeScalar(buf *bytes.Buffer, v scalar) {
	switch v.kind {
	case kindString:
		writeString(buf, v.str)
	case kindBool:
		buf.WriteString(strconv.FormatBool(v.b))
	default:
		buf.WriteString(v.str)
	}
}

// writeString writes s as a JSON string.
func writeString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	buf.Write(b)
}

// loadFast evaluates the CUE remainder of a split and normalizes the fast
// models against it. It returns the spec, or the remainder's diagnostics
// when the fast models themselves are clean: every problem is then in the
// remainder, which CUE evaluated with positions (so a spec of 1,000
// models with one mistake is checked in about the time of a valid one).
// ok=false means the caller must evaluate the whole spec with CUE (a fast
// model has a problem, or the split is not sound for this spec).
func loadFast(l *loaded, fs *fastSplit) (spec *Spec, restDiags diag.List, ok bool) {
	rest := &loaded{inst: fs.rest, files: l.files, dir: l.dir, external: len(fs.models), moduleRoot: l.moduleRoot}
	if parts := partitionInstance(rest.inst, workers()); parts != nil {
		spec, _ = loadParallel(rest, parts)
	}
	if spec == nil {
		s, diags, err := evaluateInstance(rest)
		switch {
		case err != nil:
			return nil, nil, false
		case len(diags) > 0:
			if rest.partial == nil {
				return nil, nil, false
			}
			spec, restDiags = rest.partial, diags
		default:
			spec = s
		}
	}
	if spec == nil || len(restDiags) == 0 && len(spec.Models) != fs.restModels {
		return nil, nil, false
	}
	names := make([]string, 0, len(fs.models))
	for n := range fs.models {
		names = append(names, n)
	}
	sort.Strings(names)
	models := make([]*Model, len(names))
	w := min(workers(), len(names))
	failed := make([]bool, w)
	var wg sync.WaitGroup
	for i := range w {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := newChecker(l.dir)
			c.noPositions = true
			for j := i * len(names) / w; j < (i+1)*len(names)/w; j++ {
				var rm rawModel
				if err := strictDecode(fs.models[names[j]], &rm); err != nil {
					failed[i] = true
					return
				}
				models[j] = c.normalizeModel(loc{}.field("models", names[j]), names[j], &rm, spec)
			}
			failed[i] = len(c.diags) > 0
		}(i)
	}
	wg.Wait()
	for _, f := range failed {
		if f {
			return nil, nil, false
		}
	}
	if len(restDiags) > 0 {
		return nil, restDiags, true
	}
	spec.Models = append(spec.Models, models...)
	sort.Slice(spec.Models, func(i, j int) bool { return spec.Models[i].Name < spec.Models[j].Name })
	return spec, nil, true
}
