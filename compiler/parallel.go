package compiler

import (
	"runtime"
	"slices"
	"sort"
	"sync"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
)

// Parallel evaluation.
//
// CUE evaluates one value on one goroutine, and a cue.Context is not safe
// for concurrent use. A large spec is mostly independent models, so Load
// splits the models of the parsed package into partitions, evaluates each
// partition in its own context on its own goroutine, and merges the
// results. Everything that is not a model (links, teams, routing, let
// clauses, definitions, pattern constraints under models) is kept in every
// partition.
//
// The split is only done when it is provably the same as evaluating the
// whole package: every model is declared as a literal field under a
// literal `models` struct, and no expression refers to `models` or to a
// model by name (so no model can depend on one in another partition). A
// partition that yields a model it was not assigned (a model produced by a
// comprehension or an embedding) or any diagnostic at all makes Load fall
// back to the sequential path, which then produces the authoritative
// diagnostics with positions. The fast path is for valid specs.

// minParallelModels is the spec size below which splitting does not pay.
const minParallelModels = 64

// partition is one slice of the package's models.
type partition struct {
	inst   *build.Instance
	models map[string]bool
}

// partitionInstance splits inst's models into n partitions, or returns
// nil when the split would not be safe or not worth it.
func partitionInstance(inst *build.Instance, n int) []partition {
	if n < 2 {
		return nil
	}
	keys, ok := literalModelKeys(inst.Files)
	if !ok || len(keys) < minParallelModels {
		return nil
	}
	if refersToModels(inst.Files, keys) {
		return nil
	}
	for _, f := range inst.Files {
		if hasModels(f) && scopedToCopies(f) {
			return nil
		}
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	if n > len(names) {
		n = len(names)
	}
	parts := make([]partition, n)
	for i := range parts {
		parts[i].models = map[string]bool{}
	}
	// Contiguous chunks of the sorted names, so each file (often one model
	// per file) lands in one partition.
	for i, name := range names {
		parts[i*n/len(names)].models[name] = true
	}
	for i := range parts {
		p := *inst
		p.Files = make([]*ast.File, len(inst.Files))
		for j, f := range inst.Files {
			p.Files[j] = filterModels(f, parts[i].models)
		}
		parts[i].inst = &p
	}
	return parts
}

// literalModelKeys collects the names of models declared as literal fields
// under a top-level `models` field whose value is a struct literal. It
// reports false when models is declared any other way.
func literalModelKeys(files []*ast.File) (map[string]bool, bool) {
	keys := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := modelsField(d)
			if !ok {
				continue
			}
			st, ok := fd.Value.(*ast.StructLit)
			if !ok {
				return nil, false
			}
			for _, e := range st.Elts {
				mf, ok := e.(*ast.Field)
				if !ok {
					continue
				}
				if mname, _, err := ast.LabelName(mf.Label); err == nil {
					keys[mname] = true
				}
			}
		}
	}
	return keys, true
}

// refersToModels reports whether any identifier outside field labels is
// named `models` or names a model: such a reference could reach across
// partitions.
func refersToModels(files []*ast.File, keys map[string]bool) bool {
	found := false
	for _, f := range files {
		labels := map[*ast.Ident]bool{}
		ast.Walk(f, func(n ast.Node) bool {
			if fd, ok := n.(*ast.Field); ok {
				if id, ok := fd.Label.(*ast.Ident); ok {
					labels[id] = true
				}
			}
			return true
		}, nil)
		ast.Walk(f, func(n ast.Node) bool {
			if found {
				return false
			}
			if id, ok := n.(*ast.Ident); ok && !labels[id] && (id.Name == "models" || keys[id.Name]) {
				found = true
			}
			return true
		}, nil)
		if found {
			return true
		}
	}
	return false
}

// modelsField returns d as a field when it declares `models`.
func modelsField(d ast.Decl) (*ast.Field, bool) {
	fd, ok := d.(*ast.Field)
	if !ok {
		return nil, false
	}
	name, _, err := ast.LabelName(fd.Label)
	return fd, err == nil && name == "models"
}

// modelsStruct returns the struct literal d declares as `models`.
func modelsStruct(d ast.Decl) (*ast.StructLit, bool) {
	fd, ok := modelsField(d)
	if !ok {
		return nil, false
	}
	st, ok := fd.Value.(*ast.StructLit)
	return st, ok
}

// hasModels reports whether f declares a top-level models field.
func hasModels(f *ast.File) bool {
	for _, d := range f.Decls {
		if _, ok := modelsField(d); ok {
			return true
		}
	}
	return false
}

// dropped reports whether e is a model field whose name keep lacks.
func dropped(e ast.Decl, keep map[string]bool) bool {
	mf, ok := e.(*ast.Field)
	if !ok {
		return false
	}
	name, _, err := ast.LabelName(mf.Label)
	return err == nil && !keep[name]
}

// scopedToCopies reports whether some reference in f is resolved to a
// node filterModels would copy: the file itself (a file-level let, or a
// field of the same file) or a top-level models struct literal. CUE's
// compiler finds such a reference's scope by pointer, so in a copy it
// would not find it (and for a let it panics, cue v0.17.1), so such a
// file must be evaluated as it was parsed.
func scopedToCopies(f *ast.File) bool {
	scopes := map[ast.Node]bool{f: true}
	for _, d := range f.Decls {
		if st, ok := modelsStruct(d); ok {
			scopes[st] = true
		}
	}
	found := false
	ast.Walk(f, func(n ast.Node) bool {
		if found {
			return false
		}
		if id, ok := n.(*ast.Ident); ok && id.Node != nil && scopes[id.Scope] {
			if _, isImport := id.Node.(*ast.ImportSpec); !isImport {
				found = true
			}
		}
		return true
	}, nil)
	return found
}

// filterModels returns a shallow copy of f whose top-level `models`
// struct literals keep only the models in keep (plus every element that is
// not a model field), or f itself when it keeps every model. Nodes are
// shared, never modified.
func filterModels(f *ast.File, keep map[string]bool) *ast.File {
	if !dropsModels(f, keep) {
		return f
	}
	nf := *f
	nf.Decls = make([]ast.Decl, 0, len(f.Decls))
	for _, d := range f.Decls {
		st, ok := modelsStruct(d)
		if !ok {
			nf.Decls = append(nf.Decls, d)
			continue
		}
		nst := *st
		nst.Elts = make([]ast.Decl, 0, len(st.Elts))
		for _, e := range st.Elts {
			if !dropped(e, keep) {
				nst.Elts = append(nst.Elts, e)
			}
		}
		nfd := *d.(*ast.Field)
		nfd.Value = &nst
		nf.Decls = append(nf.Decls, &nfd)
	}
	return &nf
}

// dropsModels reports whether filterModels(f, keep) would remove a model.
func dropsModels(f *ast.File, keep map[string]bool) bool {
	for _, d := range f.Decls {
		if st, ok := modelsStruct(d); ok && slices.ContainsFunc(st.Elts, func(e ast.Decl) bool { return dropped(e, keep) }) {
			return true
		}
	}
	return false
}

// loadParallel evaluates the partitions concurrently. It returns the
// merged spec, or ok=false when the caller must evaluate sequentially.
func loadParallel(l *loaded, parts []partition) (*Spec, bool) {
	type result struct {
		spec *Spec
		ok   bool
	}
	results := make([]result, len(parts))
	var wg sync.WaitGroup
	for i := range parts {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			pl := &loaded{inst: parts[i].inst, files: l.files, dir: l.dir, external: l.external}
			spec, diags, err := evaluateInstance(pl)
			if err != nil || len(diags) > 0 || spec == nil || len(spec.Models) != len(parts[i].models) {
				return
			}
			for _, m := range spec.Models {
				if !parts[i].models[m.Name] {
					return
				}
			}
			results[i] = result{spec, true}
		}(i)
	}
	wg.Wait()
	merged := results[0].spec
	if !results[0].ok {
		return nil, false
	}
	for _, r := range results[1:] {
		if !r.ok {
			return nil, false
		}
		merged.Models = append(merged.Models, r.spec.Models...)
	}
	sort.Slice(merged.Models, func(i, j int) bool { return merged.Models[i].Name < merged.Models[j].Name })
	return merged, true
}

// workers is the number of partitions Load evaluates concurrently.
func workers() int { return runtime.GOMAXPROCS(0) }
