// Package specmut mutates vigil specs written in CUE at random, for
// property tests: values replaced by valid and invalid ones, fields
// deleted, renamed or added, list elements replaced, and (optionally)
// string and number literals replaced by odd texts and numbers of the
// same kind. It is test support; nothing in the binary imports it.
package specmut

import (
	"fmt"
	"math/rand/v2"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// Values are the default replacement values (CUE expressions): valid and
// invalid for the schema's various constraints, and literal forms the
// fast path leaves to CUE.
var Values = []string{
	`"x"`, `""`, `"5m"`, `"1h30m"`, `"30d"`, `"7d"`, `"28d"`, `"bad"`, `"Fraud"`, `"a-b_c"`,
	`"critical"`, `"warning"`, `"info"`, `"page"`, `"numeric"`, `"categorical"`, `"boolean"`,
	`"psi"`, `"auto"`, `"ks"`, `"accuracy"`, `"recall"`, `"https://x.example"`, `"http//x"`,
	`"a\nb"`, `"\u00e9t\u00e9"`, `"level:metric:op"`, `"env=\"prod\""`, `"a@b.c"`, `"daily"`, `"quantile"`,
	"\"\"\"\n\tmulti\n\tline\n\t\"\"\"", `#"raw"#`, `'bytes'`, `"\(1)"`,
	`0`, `1`, `2`, `3`, `50`, `99.9`, `99.90`, `100`, `101`, `0.5`, `1000`, `1001`, `-1`, `1e3`,
	`1_000`, `0x10`, `2.0`, `true`, `false`, `null`, `{}`, `[]`, `["a"]`, `[1, 2.5]`,
	`{x: 1}`, `{name: "other"}`, `string`, `int & >1`, `*"a" | "b"`,
}

// Fields are the default field names to add or rename to: the schema's,
// and unknown ones.
var Fields = []string{
	"name", "team", "objective", "window", "threshold", "bins", "method", "severity", "type",
	"consecutive", "metric", "selector", "buckets", "labels", "tier", "display_name",
	"description", "for", "enabled", "factor", "long", "short", "consumed", "max_percent",
	"below", "above", "query", "unit", "classes", "availability", "latency", "quality",
	"budget_tiers", "page", "ticket", "windows", "min_bad_events", "min_event_rate", "unknown", "Team", "#def", "_hidden",
}

// Options choose what Mutate changes. The zero value mutates the models
// with Values and Fields.
type Options struct {
	// Values and Fields replace the defaults when set.
	Values, Fields []string
	// Everywhere mutates every struct of the file, not only those under
	// models (links, routing, teams, output).
	Everywhere bool
	// Texts and Numbers, when set, add a mutation that replaces a string
	// literal with one of Texts (Go strings, quoted for CUE) or a number
	// literal with one of Numbers (CUE literals), keeping the spec's
	// shape: free-text fields stay valid, constrained ones mostly not.
	Texts, Numbers []string
	// LiteralsOnly makes every mutation a replacement of a string or
	// number literal (Texts and Numbers), so that the spec mostly stays
	// valid and the odd values reach the targets.
	LiteralsOnly bool
}

// Mutate applies one to three random mutations to src, a CUE file, and
// returns the formatted result and a description of the mutations.
func Mutate(src []byte, rng *rand.Rand, o Options) ([]byte, string, error) {
	values, fields := o.Values, o.Fields
	if values == nil {
		values = Values
	}
	if fields == nil {
		fields = Fields
	}
	f, err := parser.ParseFile("spec.cue", src, parser.ParseComments)
	if err != nil {
		return nil, "", err
	}
	var structs []*ast.StructLit
	var lists []*ast.ListLit
	var strs, nums []*ast.BasicLit
	collect := func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.StructLit:
			structs = append(structs, n)
		case *ast.ListLit:
			lists = append(lists, n)
		case *ast.Interpolation:
			return false // its fragments are not whole literals
		case *ast.BasicLit:
			switch n.Kind {
			case token.STRING:
				strs = append(strs, n)
			case token.INT, token.FLOAT:
				nums = append(nums, n)
			}
		}
		return true
	}
	for _, d := range f.Decls {
		if _, ok := d.(*ast.ImportDecl); ok {
			continue
		}
		if fd, ok := modelsField(d); ok || o.Everywhere {
			if o.Everywhere && !ok {
				ast.Walk(d, collect, nil)
				continue
			}
			ast.Walk(fd.Value, collect, nil)
		}
	}
	if len(structs) == 0 {
		return nil, "", fmt.Errorf("no struct to mutate")
	}
	var perr error
	value := func() ast.Expr {
		x, err := parser.ParseExpr("value", values[rng.IntN(len(values))])
		if err != nil && perr == nil {
			perr = err
		}
		return x
	}
	label := func() ast.Label {
		name := fields[rng.IntN(len(fields))]
		if name[0] == '#' || name[0] == '_' {
			return ast.NewIdent(name)
		}
		return ast.NewString(name)
	}
	ops := 5
	if len(o.Texts) > 0 || len(o.Numbers) > 0 {
		ops = 7
	}
	var desc []string
	for range 1 + rng.IntN(3) {
		st := structs[rng.IntN(len(structs))]
		var fs []int
		for i, e := range st.Elts {
			if _, ok := e.(*ast.Field); ok {
				fs = append(fs, i)
			}
		}
		op := rng.IntN(ops)
		if o.LiteralsOnly {
			op = 5 + rng.IntN(2)
		}
		switch {
		case op == 0 && len(fs) > 0:
			i := fs[rng.IntN(len(fs))]
			fd := st.Elts[i].(*ast.Field)
			fd.Value = value()
			desc = append(desc, "set "+labelName(fd.Label))
		case op == 1 && len(fs) > 0:
			i := fs[rng.IntN(len(fs))]
			desc = append(desc, "delete "+labelName(st.Elts[i].(*ast.Field).Label))
			st.Elts = append(st.Elts[:i:i], st.Elts[i+1:]...)
		case op == 2 && len(fs) > 0:
			i := fs[rng.IntN(len(fs))]
			fd := st.Elts[i].(*ast.Field)
			fd.Label = label()
			desc = append(desc, "rename to "+labelName(fd.Label))
		case op == 3 && len(lists) > 0:
			l := lists[rng.IntN(len(lists))]
			if len(l.Elts) > 0 {
				l.Elts[rng.IntN(len(l.Elts))] = value()
				desc = append(desc, "set a list element")
			}
		case op == 5 && len(strs) > 0 && len(o.Texts) > 0:
			s := strs[rng.IntN(len(strs))]
			text := o.Texts[rng.IntN(len(o.Texts))]
			desc = append(desc, fmt.Sprintf("text %s -> %.40q", s.Value, text))
			s.Value = ast.NewString(text).Value
		case op == 6 && len(nums) > 0 && len(o.Numbers) > 0:
			n := nums[rng.IntN(len(nums))]
			lit := o.Numbers[rng.IntN(len(o.Numbers))]
			x, err := parser.ParseExpr("number", lit)
			if err != nil {
				return nil, "", err
			}
			bl, ok := x.(*ast.BasicLit)
			if !ok {
				return nil, "", fmt.Errorf("number %q is not a literal", lit)
			}
			desc = append(desc, fmt.Sprintf("number %s -> %s", n.Value, lit))
			n.Kind, n.Value = bl.Kind, bl.Value
		default:
			fd := &ast.Field{Label: label(), Value: value()}
			st.Elts = append(st.Elts, fd)
			desc = append(desc, "add "+labelName(fd.Label))
		}
	}
	if perr != nil {
		return nil, "", perr
	}
	out, err := format.Node(f)
	if err != nil {
		return nil, "", err
	}
	return out, fmt.Sprint(desc), nil
}

// ModelCopy returns a file of the same package as src declaring a copy
// of src's first model under the name "<name>-copy".
func ModelCopy(src []byte) ([]byte, error) {
	f, err := parser.ParseFile("spec.cue", src)
	if err != nil {
		return nil, err
	}
	for _, d := range f.Decls {
		fd, ok := modelsField(d)
		if !ok {
			continue
		}
		st, ok := fd.Value.(*ast.StructLit)
		if !ok {
			continue
		}
		for _, e := range st.Elts {
			mf, ok := e.(*ast.Field)
			if !ok {
				continue
			}
			name, _, _ := ast.LabelName(mf.Label)
			b, err := format.Node(mf.Value)
			if err != nil {
				return nil, err
			}
			return fmt.Appendf(nil, "package %s\n\nmodels: %q: %s\n", f.PackageName(), name+"-copy", b), nil
		}
	}
	return nil, fmt.Errorf("no model in the spec")
}

// labelName is a label as the spec writes it, for descriptions.
func labelName(l ast.Label) string {
	if name, _, err := ast.LabelName(l); err == nil {
		return name
	}
	return fmt.Sprint(l)
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
