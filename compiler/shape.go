package compiler

import (
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"sync"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/vigil-dev/vigil/schema"
)

// Schema shapes: the embedded CUE schema, read as a data validator.
//
// The fast path (fastpath.go) checks models written as plain data (no
// references, no expressions) without evaluating them in CUE. It needs the
// schema's constraints in a form Go can check directly, and it must never
// accept a value CUE would reject. A shape is derived from the schema's
// syntax, not written by hand, so the two cannot drift apart: the schema
// stays the single source of truth.
//
// Derivation understands exactly the vocabulary the schema uses, and
// fails (disabling the fast path, which TestSchemaShape catches) on
// anything else:
//
//   - definitions (#Name) and references to them;
//   - the kinds string, number, int and bool;
//   - =~ (a Go regexp, as CUE uses), != and the bounds > >= < <= against
//     literals;
//   - conjunctions (&) and disjunctions (|) without defaults;
//   - struct literals with regular and optional fields, embedded
//     definitions, and pattern constraints [K]: V, where K is string, a
//     definition, or an alias (Name=string) that V may use as the value of
//     one field, as in [Name=string]: #SLO & {name: Name};
//   - open lists [...T].
//
// Every struct in the schema sits inside a definition and is therefore
// closed: a field is allowed only when some conjunct declares it or some
// pattern matches it. The allowed set of a conjunction is the union of its
// conjuncts' fields, which is what CUE does for the only kind of
// conjunction of structs the schema has, a definition and a literal that
// re-declares one of its fields ({name: Name}); a field must satisfy every
// conjunct that declares it and every pattern that matches it.

// shape is a compiled schema constraint.
type shape struct {
	// kinds is the set of kinds a value may have (kindString|...); 0 means
	// no kind constraint seen yet (top).
	kinds kindSet
	// checks must all hold on a scalar value.
	checks []scalarCheck
	// anyOf, when set, means the value must satisfy one of the
	// alternatives (in addition to everything else in this shape).
	anyOf [][]*shape
	// fields, patterns and inject describe a struct.
	fields   map[string]*fieldShape
	patterns []patternShape
	// inject names the field whose value is the key of the pattern this
	// shape is the value of ({name: Name}).
	inject string
	// elem is the element shape of an open list [...T]; set only when
	// the shape allows lists.
	elem []*shape
}

// fieldShape is one declared field of a struct shape: the conjunction of
// every declaration of it.
type fieldShape struct {
	conj     []*shape
	optional bool
}

// patternShape is a pattern constraint [key]: value.
type patternShape struct {
	// key restricts the labels the pattern applies to; nil for string.
	key []*shape
	// value is the conjunction the matched field's value must satisfy.
	value []*shape
}

type kindSet uint8

const (
	kindString kindSet = 1 << iota
	kindInt
	kindFloat
	kindBool
	kindStruct
	kindList

	kindNumber = kindInt | kindFloat
	kindAll    = kindString | kindNumber | kindBool | kindStruct | kindList
)

// scalarCheck is one leaf constraint.
type scalarCheck struct {
	op    token.Token // MAT (=~), NEQ, GTR, GEQ, LSS, LEQ
	re    *regexp.Regexp
	str   string   // operand of != on strings
	num   *big.Rat // operand of != or a bound on numbers
	isNum bool
}

// shapeDeriver turns the schema's definitions into shapes.
type shapeDeriver struct {
	defs  map[string]ast.Expr
	cache map[string][]*shape
	busy  map[string]bool
}

var (
	specShapeOnce sync.Once
	specShape     []*shape
	specShapeErr  error
)

// schemaSpecShape returns the shape of #Spec, derived once per process.
func schemaSpecShape() ([]*shape, error) {
	specShapeOnce.Do(func() {
		specShape, specShapeErr = deriveSpecShape(schema.Files())
	})
	return specShape, specShapeErr
}

// deriveSpecShape parses the schema files and derives #Spec.
func deriveSpecShape(files map[string][]byte) ([]*shape, error) {
	d := &shapeDeriver{defs: map[string]ast.Expr{}, cache: map[string][]*shape{}, busy: map[string]bool{}}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := parser.ParseFile(n, files[n])
		if err != nil {
			return nil, err
		}
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.Package, *ast.ImportDecl, *ast.CommentGroup:
			case *ast.Field:
				id, ok := decl.Label.(*ast.Ident)
				if !ok || !strings.HasPrefix(id.Name, "#") || decl.Constraint != token.ILLEGAL || decl.Alias != nil {
					return nil, fmt.Errorf("%s: unsupported top-level declaration", decl.Pos())
				}
				d.defs[id.Name] = decl.Value
			default:
				return nil, fmt.Errorf("%s: unsupported top-level declaration", decl.Pos())
			}
		}
	}
	return d.def("#Spec")
}

// def derives a definition by name.
func (d *shapeDeriver) def(name string) ([]*shape, error) {
	if s, ok := d.cache[name]; ok {
		return s, nil
	}
	x, ok := d.defs[name]
	if !ok {
		return nil, fmt.Errorf("unknown definition %s", name)
	}
	if d.busy[name] {
		return nil, fmt.Errorf("recursive definition %s", name)
	}
	d.busy[name] = true
	s, err := d.expr(x, "")
	d.busy[name] = false
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	d.cache[name] = s
	return s, nil
}

// expr derives the conjunction of shapes an expression denotes. alias is
// the name of the enclosing pattern's label alias, if any.
func (d *shapeDeriver) expr(x ast.Expr, alias string) ([]*shape, error) {
	switch x := x.(type) {
	case *ast.Ident:
		switch {
		case strings.HasPrefix(x.Name, "#"):
			return d.def(x.Name)
		case x.Name == "string":
			return []*shape{{kinds: kindString}}, nil
		case x.Name == "number":
			return []*shape{{kinds: kindNumber}}, nil
		case x.Name == "int":
			return []*shape{{kinds: kindInt}}, nil
		case x.Name == "bool":
			return []*shape{{kinds: kindBool}}, nil
		}
		return nil, fmt.Errorf("%s: unsupported identifier %s", x.Pos(), x.Name)
	case *ast.BinaryExpr:
		l, err := d.expr(x.X, alias)
		if err != nil {
			return nil, err
		}
		r, err := d.expr(x.Y, alias)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case token.AND:
			return append(append([]*shape(nil), l...), r...), nil
		case token.OR:
			alts := [][]*shape{}
			for _, side := range [][]*shape{l, r} {
				// Flatten nested disjunctions.
				if len(side) == 1 && side[0].anyOf != nil && side[0].kinds == 0 && len(side[0].checks) == 0 && side[0].fields == nil {
					alts = append(alts, side[0].anyOf...)
				} else {
					alts = append(alts, side)
				}
			}
			return []*shape{{anyOf: alts}}, nil
		}
		return nil, fmt.Errorf("%s: unsupported operator %s", x.Pos(), x.Op)
	case *ast.UnaryExpr:
		lit, ok := x.X.(*ast.BasicLit)
		if !ok {
			return nil, fmt.Errorf("%s: unsupported operand of %s", x.Pos(), x.Op)
		}
		c := scalarCheck{op: x.Op}
		switch lit.Kind {
		case token.STRING:
			s, err := literal.Unquote(lit.Value)
			if err != nil {
				return nil, err
			}
			c.str = s
		case token.INT, token.FLOAT:
			r, ok := new(big.Rat).SetString(lit.Value)
			if !ok {
				return nil, fmt.Errorf("%s: unsupported number %s", lit.Pos(), lit.Value)
			}
			c.num, c.isNum = r, true
		default:
			return nil, fmt.Errorf("%s: unsupported literal", lit.Pos())
		}
		sh := &shape{checks: []scalarCheck{c}}
		switch x.Op {
		case token.MAT:
			if c.isNum {
				return nil, fmt.Errorf("%s: =~ needs a string", x.Pos())
			}
			re, err := regexp.Compile(c.str)
			if err != nil {
				return nil, err
			}
			sh.checks[0].re = re
			sh.kinds = kindString
		case token.NEQ:
		case token.GTR, token.GEQ, token.LSS, token.LEQ:
			if !c.isNum {
				return nil, fmt.Errorf("%s: bound needs a number", x.Pos())
			}
			sh.kinds = kindNumber
		default:
			return nil, fmt.Errorf("%s: unsupported operator %s", x.Pos(), x.Op)
		}
		return []*shape{sh}, nil
	case *ast.ListLit:
		if len(x.Elts) != 1 {
			return nil, fmt.Errorf("%s: only open lists [...T] are supported", x.Pos())
		}
		e, ok := x.Elts[0].(*ast.Ellipsis)
		if !ok || e.Type == nil {
			return nil, fmt.Errorf("%s: only open lists [...T] are supported", x.Pos())
		}
		elem, err := d.expr(e.Type, "")
		if err != nil {
			return nil, err
		}
		return []*shape{{kinds: kindList, elem: elem}}, nil
	case *ast.StructLit:
		return d.structLit(x, alias)
	}
	return nil, fmt.Errorf("%s: unsupported expression %T", x.Pos(), x)
}

// structLit derives a struct literal: its fields, patterns and
// embeddings.
func (d *shapeDeriver) structLit(x *ast.StructLit, alias string) ([]*shape, error) {
	sh := &shape{kinds: kindStruct, fields: map[string]*fieldShape{}}
	out := []*shape{sh}
	for _, e := range x.Elts {
		switch e := e.(type) {
		case *ast.CommentGroup:
		case *ast.EmbedDecl:
			s, err := d.expr(e.Expr, alias)
			if err != nil {
				return nil, err
			}
			// An embedded definition's fields join this struct.
			for _, es := range s {
				if es.fields == nil {
					return nil, fmt.Errorf("%s: only structs may be embedded", e.Pos())
				}
				for name, f := range es.fields {
					sh.addField(name, f.conj, f.optional)
				}
				sh.patterns = append(sh.patterns, es.patterns...)
				if es.inject != "" {
					sh.inject = es.inject
				}
			}
		case *ast.Field:
			if e.Alias != nil || len(e.Attrs) > 0 {
				return nil, fmt.Errorf("%s: unsupported field form", e.Pos())
			}
			if pat, ok := e.Label.(*ast.ListLit); ok {
				p, err := d.pattern(pat, e)
				if err != nil {
					return nil, err
				}
				sh.patterns = append(sh.patterns, p)
				continue
			}
			name, ok := simpleLabel(e.Label)
			if !ok || strings.HasPrefix(name, "#") || strings.HasPrefix(name, "_") {
				return nil, fmt.Errorf("%s: unsupported field label", e.Pos())
			}
			if id, ok := e.Value.(*ast.Ident); ok && alias != "" && id.Name == alias {
				// {name: Name}: the value is the pattern's key.
				sh.inject = name
				sh.addField(name, nil, false)
				continue
			}
			var optional bool
			switch e.Constraint {
			case token.ILLEGAL:
			case token.OPTION:
				optional = true
			default:
				return nil, fmt.Errorf("%s: unsupported field constraint", e.Pos())
			}
			v, err := d.expr(e.Value, "")
			if err != nil {
				return nil, err
			}
			sh.addField(name, v, optional)
		default:
			return nil, fmt.Errorf("%s: unsupported struct element %T", e.Pos(), e)
		}
	}
	return out, nil
}

// pattern derives [K]: V.
func (d *shapeDeriver) pattern(label *ast.ListLit, f *ast.Field) (patternShape, error) {
	if len(label.Elts) != 1 || f.Constraint != token.ILLEGAL {
		return patternShape{}, fmt.Errorf("%s: unsupported pattern", f.Pos())
	}
	var p patternShape
	key, alias := label.Elts[0], ""
	if a, ok := key.(*ast.Alias); ok {
		alias, key = a.Ident.Name, a.Expr
	}
	if id, ok := key.(*ast.Ident); !ok || id.Name != "string" {
		k, err := d.expr(key, "")
		if err != nil {
			return patternShape{}, err
		}
		p.key = k
	}
	v, err := d.expr(f.Value, alias)
	if err != nil {
		return patternShape{}, err
	}
	p.value = v
	return p, nil
}

// addField adds one declaration of a field.
func (s *shape) addField(name string, conj []*shape, optional bool) {
	f, ok := s.fields[name]
	if !ok {
		s.fields[name] = &fieldShape{conj: append([]*shape(nil), conj...), optional: optional}
		return
	}
	f.conj = append(f.conj, conj...)
	f.optional = f.optional && optional
}

// simpleLabel returns the name of an identifier or plain string label.
func simpleLabel(l ast.Label) (string, bool) {
	switch l := l.(type) {
	case *ast.Ident:
		return l.Name, true
	case *ast.BasicLit:
		if l.Kind != token.STRING || !strings.HasPrefix(l.Value, `"`) || strings.HasPrefix(l.Value, `"""`) {
			return "", false
		}
		s, err := literal.Unquote(l.Value)
		return s, err == nil
	}
	return "", false
}
