// Package compiler is vigil's front end: it loads a spec written in CUE
// (or YAML/JSON), validates it against the embedded schema and with
// checks CUE cannot express, and normalizes it into the IR that output
// targets consume. It never writes files.
package compiler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/load"

	"github.com/vigil-dev/vigil/diag"
	"github.com/vigil-dev/vigil/schema"
)

// Limits protect the loader from inputs that would exhaust memory or the
// stack. They are far above any real spec.
const (
	// MaxFileSize is the largest spec file accepted.
	MaxFileSize = 32 << 20
	// MaxNesting is the deepest bracket nesting accepted in a spec file.
	MaxNesting = 200
)

// Load validates the spec named by src and returns its IR. Spec problems
// come back as diagnostics (all of them, sorted); err is reserved for
// problems outside the spec, such as a missing file.
func Load(src Source) (*Spec, diag.List, error) {
	dir, args, err := resolveArgs(src)
	var se specErrors
	if errors.As(err, &se) {
		return nil, se.list.Sort(), nil
	}
	if err != nil {
		return nil, nil, err
	}
	if d := precheck(dir, args); len(d) > 0 {
		return nil, d.Sort(), nil
	}
	l, d, err := loadInstance(dir, args)
	if err != nil || len(d) > 0 {
		return nil, d.Sort(), err
	}
	if fs := splitFast(l); fs != nil {
		if spec, diags, ok := loadFast(l, fs); ok {
			return spec, diags, nil
		}
	}
	if parts := partitionInstance(l.inst, workers()); parts != nil {
		if spec, ok := loadParallel(l, parts); ok {
			return spec, nil, nil
		}
	}
	return evaluateInstance(l)
}

// evaluateInstance builds, validates and normalizes one build instance in
// a context of its own.
func evaluateInstance(l *loaded) (*Spec, diag.List, error) {
	ctx := newContext()
	v := ctx.BuildInstance(l.inst)
	if err := v.Err(); err != nil {
		// The root's error is only the first of the spec's errors (when
		// the spec embeds #Spec, an error in any model is one). If the
		// root is still a struct, evaluate collects every error, model by
		// model, with the Go-side checks of the valid ones.
		if _, ferr := v.Fields(); ferr != nil {
			root := loc{root: v, idx: newLazyIndex(l.inst.Files)}
			return nil, placeDiags(fromCUEIn(err, l.dir, root.idx), root, l.dir).Sort(), nil
		}
	}
	// A spec that embeds schema.#Spec is already checked against it;
	// unifying again would evaluate everything twice.
	if !embedsSpec(l.inst.Files) {
		specDef, err := schemaDef(ctx, l)
		if err != nil {
			return nil, nil, err
		}
		v = v.Unify(specDef)
	}
	return evaluate(v, l)
}

// embedsSpec reports whether some file of the package embeds the
// schema's #Spec at top level (`schema.#Spec`, with the schema imported
// under any name).
func embedsSpec(files []*ast.File) bool {
	for _, f := range files {
		local := ""
		for imp := range f.ImportSpecs() {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil || path != schema.ImportPath {
				continue
			}
			local = "schema"
			if imp.Name != nil {
				local = imp.Name.Name
			}
		}
		if local == "" {
			continue
		}
		for _, d := range f.Decls {
			e, ok := d.(*ast.EmbedDecl)
			if !ok {
				continue
			}
			sel, ok := e.Expr.(*ast.SelectorExpr)
			if !ok {
				continue
			}
			x, ok := sel.X.(*ast.Ident)
			if ok && x.Name == local {
				if name, _, err := ast.LabelName(sel.Sel); err == nil && name == "#Spec" {
					return true
				}
			}
		}
	}
	return false
}

// schemaDef returns #Spec, loaded through the same overlay as the spec.
func schemaDef(ctx *cue.Context, l *loaded) (cue.Value, error) {
	cfg := loadConfig(l.dir, []string{"."})
	insts := load.Instances([]string{schema.ImportPath}, cfg)
	if len(insts) != 1 || insts[0].Err != nil {
		return cue.Value{}, fmt.Errorf("loading the embedded schema: %v", insts[0].Err)
	}
	sv := ctx.BuildInstance(insts[0])
	if err := sv.Err(); err != nil {
		return cue.Value{}, fmt.Errorf("building the embedded schema: %v", err)
	}
	return sv.LookupPath(cue.ParsePath("#Spec")), nil
}

// evaluate validates the unified value and normalizes it model by model.
// Models with CUE errors are reported and skipped; the others are still
// checked, so one run reports every problem.
func evaluate(v cue.Value, l *loaded) (*Spec, diag.List, error) {
	c := newChecker(l.dir)
	var all diag.List
	root := loc{root: v, idx: newLazyIndex(l.inst.Files)}
	var raw rawSpec
	raw.Models = map[string]json.RawMessage{}
	broken := map[string]bool{}
	topBroken := false

	// Validation is done piecewise: every top-level field but models is
	// validated and decoded on its own, and each model is exported on its
	// own. Exporting a model checks that it is concrete and error-free,
	// so the (expensive) full Validate walk runs only for a model whose
	// export failed, to collect all of its errors rather than the first.
	it, err := v.Fields(cue.Optional(false))
	if err != nil {
		return nil, placeDiags(fromCUEIn(err, l.dir, root.idx), root, l.dir).Sort(), nil
	}
	for it.Next() {
		name, fv := labelName(it.Selector()), it.Value()
		if name == "models" {
			mit, err := fv.Fields()
			if err != nil {
				all = append(all, fromCUEIn(err, l.dir, root.idx)...)
				topBroken = true
				continue
			}
			for mit.Next() {
				mname, mv := labelName(mit.Selector()), mit.Value()
				b, err := mv.MarshalJSON()
				if err != nil {
					broken[mname] = true
					if verr := mv.Validate(cue.Concrete(true)); verr != nil {
						err = verr
					}
					all = append(all, fromCUEIn(err, l.dir, root.idx)...)
					if pb, ok := partialModel(mv); ok {
						raw.Models[mname] = pb
						delete(broken, mname)
					}
					continue
				}
				raw.Models[mname] = b
			}
			continue
		}
		if err := fv.Validate(cue.Concrete(true)); err != nil {
			all = append(all, fromCUEIn(err, l.dir, root.idx)...)
			topBroken = true
			continue
		}
		var out any
		switch name {
		case "name":
			out = &raw.Name
		case "links":
			out = &raw.Links
		case "teams":
			out = &raw.Teams
		case "routing":
			out = &raw.Routing
		case "output":
			out = &raw.Output
		default:
			// #Spec is closed, so CUE has already rejected any other field.
			continue
		}
		if err := decodeValue(fv, out); err != nil {
			c.errorf(root.field(name), "cannot decode: %v", err)
		}
	}
	if err := v.Err(); err != nil {
		all = append(all, fromCUEIn(err, l.dir, root.idx)...)
		topBroken = true
	}
	c.cueDiags = all
	spec := c.normalizeSpec(root, &raw)
	if len(raw.Models) == 0 && len(broken) == 0 && !topBroken && l.external == 0 {
		c.errorf(root.field("models"), "the spec declares no models; add at least one under models")
	}
	for _, name := range sortedKeys(raw.Models) {
		if broken[name] {
			continue
		}
		var rm rawModel
		if err := strictDecode(raw.Models[name], &rm); err != nil {
			c.errorf(root.field("models", name), "cannot decode model: %v", err)
			continue
		}
		spec.Models = append(spec.Models, c.normalizeModel(root.field("models", name), name, &rm, spec))
	}
	all = placeDiags(suggestFields(c.mergeDiags(all, root), v), root, l.dir)
	spec.Files = append([]string(nil), l.files...)
	sort.Strings(spec.Files)
	if len(all) > 0 {
		l.partial = spec
		return nil, all.Sort(), nil
	}
	return spec, nil, nil
}

// decodeValue exports a concrete CUE value as JSON and decodes it,
// keeping numbers as exact text.
func decodeValue(v cue.Value, out any) error {
	b, err := v.MarshalJSON()
	if err != nil {
		return err
	}
	return strictDecode(b, out)
}

func strictDecode(b []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(out)
}

// precheck rejects files too large or too deeply nested to load safely,
// and files that are not UTF-8 text, before the parsers see them.
func precheck(dir string, args []string) diag.List {
	var out diag.List
	var files []string
	for _, a := range args {
		p := a
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		// The files cue/load reads from a package directory: its .cue
		// files and the YAML and JSON files it adds to the package.
		ents, _ := os.ReadDir(p)
		for _, e := range ents {
			n := e.Name()
			if e.IsDir() || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") {
				continue
			}
			switch strings.ToLower(filepath.Ext(n)) {
			case ".cue", ".yaml", ".yml", ".json":
				files = append(files, filepath.Join(p, n))
			}
		}
	}
	for _, f := range files {
		rel := relPath(dir, f)
		fi, err := os.Stat(f)
		if err != nil {
			continue
		}
		if fi.Size() > MaxFileSize {
			out = append(out, diag.Diagnostic{Pos: diag.Position{File: rel}, Message: fmt.Sprintf("file is %d bytes; spec files are limited to %d bytes", fi.Size(), MaxFileSize)})
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		ext := strings.ToLower(filepath.Ext(f))
		isYAML := ext == ".yaml" || ext == ".yml"
		if line, col, msg, bad := checkText(b, isYAML); bad {
			out = append(out, diag.Diagnostic{Pos: diag.Position{File: rel, Line: line, Column: col}, Message: msg})
			continue
		}
		if line, col, ok := tooDeep(b, isYAML); ok {
			out = append(out, diag.Diagnostic{Pos: diag.Position{File: rel, Line: line, Column: col}, Message: fmt.Sprintf("nesting deeper than %d levels; split the spec into smaller values", MaxNesting)})
		}
	}
	return out
}

// tooDeep scans for bracket nesting beyond MaxNesting, skipping string
// literals and comments, and returns where the limit was crossed.
func tooDeep(b []byte, yaml bool) (line, col int, deep bool) {
	depth := 0
	line, col = 1, 0
	inStr := byte(0)
	for i := 0; i < len(b); i++ {
		ch := b[i]
		col++
		if ch == '\n' {
			line, col = line+1, 0
			if inStr == '\'' || inStr == '"' {
				// Single-line strings end at a line break (multi-line
				// strings use triple quotes, which still balance here).
				inStr = 0
			}
			continue
		}
		if inStr != 0 {
			if ch == '\\' {
				i++
				col++
			} else if ch == inStr {
				inStr = 0
			}
			continue
		}
		switch ch {
		case '"', '\'':
			inStr = ch
		case '/':
			if i+1 < len(b) && b[i+1] == '/' {
				for i < len(b) && b[i] != '\n' {
					i++
				}
				i--
			}
		case '#':
			// YAML comment (only at line start or after a space).
			if yaml && (i == 0 || b[i-1] == ' ' || b[i-1] == '\n') {
				for i < len(b) && b[i] != '\n' {
					i++
				}
				i--
			}
		case ' ':
			// YAML block nesting is indentation: bound it too.
			if yaml && col > 4*MaxNesting && (i-col+1 == 0 || allSpaces(b[i-col+1:i])) {
				return line, col, true
			}
		case '{', '[', '(':
			depth++
			if depth > MaxNesting {
				return line, col, true
			}
		case '}', ']', ')':
			depth--
		}
	}
	return 0, 0, false
}

func allSpaces(b []byte) bool {
	for _, c := range b {
		if c != ' ' {
			return false
		}
	}
	return true
}
