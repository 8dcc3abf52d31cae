package compiler

import (
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
)

// posIndex maps a field path (as cue.Path.String prints it) to the
// position where the user's files declare it. CUE reports the position of
// a unified value's first conjunct, which is often the schema; for
// messages we want the line the user wrote.
type posIndex map[string]token.Pos

// indexFiles records the position of every field with a literal label in
// the given files, including fields nested in struct and list literals.
//
// The empty path maps to the start of the first file, the fallback for
// diagnostics about something the spec does not declare at all.
func indexFiles(files []*ast.File) posIndex {
	idx := posIndex{}
	if len(files) > 0 {
		idx[""] = files[0].Pos()
	}
	for _, f := range files {
		indexDecls(idx, nil, f.Decls)
	}
	return idx
}

func indexDecls(idx posIndex, prefix []cue.Selector, decls []ast.Decl) {
	for _, d := range decls {
		switch x := d.(type) {
		case *ast.Field:
			name, isIdent, err := ast.LabelName(x.Label)
			if err != nil || (isIdent && len(name) > 0 && (name[0] == '#' || name[0] == '_')) {
				continue
			}
			sels := append(append([]cue.Selector(nil), prefix...), cue.Str(name))
			key := cue.MakePath(sels...).String()
			if _, seen := idx[key]; !seen {
				idx[key] = x.Label.Pos()
			}
			indexExpr(idx, sels, x.Value)
		case *ast.EmbedDecl:
			indexExpr(idx, prefix, x.Expr)
		}
	}
}

func indexExpr(idx posIndex, prefix []cue.Selector, e ast.Expr) {
	switch x := e.(type) {
	case *ast.StructLit:
		indexDecls(idx, prefix, x.Elts)
	case *ast.ListLit:
		for i, el := range x.Elts {
			sels := append(append([]cue.Selector(nil), prefix...), cue.Index(i))
			key := cue.MakePath(sels...).String()
			if _, seen := idx[key]; !seen {
				idx[key] = el.Pos()
			}
			indexExpr(idx, sels, el)
		}
	case *ast.BinaryExpr:
		if x.Op == token.AND {
			indexExpr(idx, prefix, x.X)
			indexExpr(idx, prefix, x.Y)
		}
	}
}

// lazyIndex builds a posIndex on first use: positions are only needed
// when there is something to report, and indexing a large spec is not
// free.
type lazyIndex struct {
	files []*ast.File
	once  sync.Once
	idx   posIndex
}

func newLazyIndex(files []*ast.File) *lazyIndex { return &lazyIndex{files: files} }

// get returns the index, building it once.
func (z *lazyIndex) get() posIndex {
	if z == nil {
		return nil
	}
	z.once.Do(func() { z.idx = indexFiles(z.files) })
	return z.idx
}
