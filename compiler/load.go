package compiler

import (
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	"cuelang.org/go/encoding/json"
	"cuelang.org/go/encoding/yaml"

	"github.com/vigil-dev/vigil/diag"
	"github.com/vigil-dev/vigil/schema"
)

// syntheticModule is the cue.mod/module.cue served when a spec directory
// has none, so that specs work without `vigil init`.
const syntheticModule = "module: \"vigil.local/spec\"\nlanguage: version: \"v0.12.0\"\n"

// Source names the spec inputs: CUE files, YAML or JSON files, or
// directories holding a CUE package (or only YAML/JSON files).
type Source struct {
	// Args are the paths given on the command line. Empty means ".".
	Args []string
	// Dir is the working directory that relative paths (and the paths in
	// diagnostics) are relative to. Empty means the process's.
	Dir string
}

// loaded is the result of loading: one build instance plus what is needed
// to evaluate it.
type loaded struct {
	inst *build.Instance
	// files are the spec's own files (relative to Source.Dir), for
	// diagnostics and for the manifest.
	files []string
	dir   string
	// external counts models validated outside this instance (by the
	// fast path), so an instance without models is not an empty spec.
	external int
	// moduleRoot is the spec's CUE module root.
	moduleRoot string
	// partial is set by evaluate when it reports diagnostics: the spec
	// it normalized anyway (spec-level parts and the valid models), which
	// the fast path needs to check its own models against.
	partial *Spec
}

// resolveArgs expands the command-line arguments into the loader's form.
// A directory holding .cue files is loaded as a package; a directory
// without any is expanded into its .yaml, .yml and .json files.
func resolveArgs(src Source) (dir string, args []string, err error) {
	dir = src.Dir
	if dir == "" {
		if dir, err = os.Getwd(); err != nil {
			return "", nil, err
		}
	}
	in := src.Args
	if len(in) == 0 {
		in = []string{"."}
	}
	for _, a := range in {
		p := a
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		fi, err := os.Stat(p)
		if err != nil {
			return "", nil, unreadable(a, p, err)
		}
		if !fi.IsDir() {
			switch strings.ToLower(filepath.Ext(a)) {
			case ".cue", ".yaml", ".yml", ".json":
			default:
				return "", nil, fmt.Errorf("%s: unsupported file type (want .cue, .yaml, .yml or .json)", a)
			}
			args = append(args, a)
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return "", nil, err
		}
		var cueFiles, dataFiles []string
		for _, e := range ents {
			if e.IsDir() || strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") {
				continue
			}
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if ext != ".cue" && ext != ".yaml" && ext != ".yml" && ext != ".json" {
				continue
			}
			// A spec file that cannot be opened (a symbolic-link loop,
			// a dangling link, no permission) is a problem of the
			// environment, not of the spec.
			f, err := os.Open(filepath.Join(p, e.Name()))
			if err != nil {
				return "", nil, unreadable(filepath.Join(a, e.Name()), filepath.Join(p, e.Name()), err)
			}
			f.Close()
			if ext == ".cue" {
				cueFiles = append(cueFiles, filepath.Join(a, e.Name()))
			} else {
				dataFiles = append(dataFiles, filepath.Join(a, e.Name()))
			}
		}
		switch {
		case len(cueFiles) > 0:
			// Files without a package clause cannot form a package; load
			// them (and any data files) as a list of files, as the cue
			// command does when given them by name.
			named, unnamed := packageClauses(dir, cueFiles)
			if named == 0 {
				sort.Strings(cueFiles)
				sort.Strings(dataFiles)
				args = append(args, cueFiles...)
				args = append(args, dataFiles...)
				continue
			}
			if len(unnamed) > 0 {
				var l diag.List
				for _, u := range unnamed {
					l = append(l, diag.Diagnostic{Pos: diag.Position{File: u, Line: 1, Column: 1},
						Message: "no package clause, but other .cue files in this directory have one; add the same `package` line to every file"})
				}
				return "", nil, specErrors{l}
			}
			// Load the directory as a package, from inside it, so that
			// cue.mod and package clauses behave as with the cue command.
			if len(in) > 1 {
				return "", nil, fmt.Errorf("%s: give either one package directory or a list of files", a)
			}
			return dir, []string{p}, nil
		case len(dataFiles) > 0:
			sort.Strings(dataFiles)
			args = append(args, dataFiles...)
		default:
			return "", nil, fmt.Errorf("%s: directory holds no .cue, .yaml or .json files", a)
		}
	}
	return dir, args, nil
}

// unreadable explains why the spec path arg (full: its absolute form)
// cannot be read.
func unreadable(arg, full string, err error) error {
	switch {
	case errors.Is(err, syscall.ELOOP):
		return fmt.Errorf("%s: symbolic link loop (too many levels of symbolic links)", arg)
	case errors.Is(err, fs.ErrNotExist):
		if target, lerr := os.Readlink(full); lerr == nil {
			return fmt.Errorf("%s: broken symbolic link (it points to %s, which does not exist)", arg, target)
		}
		return fmt.Errorf("%s: no such file or directory", arg)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: permission denied", arg)
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("%s: a parent of it is not a directory", arg)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: cannot read it: %v", arg, err)
}

// moduleRoot finds the directory holding cue.mod at or above start, or
// returns start when there is none.
func moduleRoot(start string) (root string, found bool) {
	for d := start; ; {
		if fi, err := os.Stat(filepath.Join(d, "cue.mod")); err == nil && fi.IsDir() {
			return d, true
		}
		parent := filepath.Dir(d)
		if parent == d {
			return start, false
		}
		d = parent
	}
}

// loadConfig builds the CUE loader configuration: the embedded schema is
// overlaid under cue.mod/pkg so the import resolves offline, and a module
// file is synthesised when the spec has none.
func loadConfig(dir string, args []string) *load.Config {
	// The module root is found from the first argument's directory.
	first := args[0]
	if !filepath.IsAbs(first) {
		first = filepath.Join(dir, first)
	}
	if fi, err := os.Stat(first); err != nil || !fi.IsDir() {
		first = filepath.Dir(first)
	}
	root, found := moduleRoot(first)
	overlay := map[string]load.Source{}
	if !found {
		overlay[filepath.Join(root, "cue.mod", "module.cue")] = load.FromString(syntheticModule)
	} else if _, err := os.Stat(filepath.Join(root, "cue.mod", "module.cue")); err != nil {
		overlay[filepath.Join(root, "cue.mod", "module.cue")] = load.FromString(syntheticModule)
	}
	pkgDir := filepath.Join(root, "cue.mod", "pkg", filepath.FromSlash(schema.ImportPath))
	for name, b := range schemaFiles() {
		overlay[filepath.Join(pkgDir, name)] = load.FromBytes(b)
	}
	return &load.Config{
		Dir:        dir,
		ModuleRoot: root,
		Overlay:    overlay,
		// Specs must not reach a registry: every import is either the
		// embedded schema or the user's own module.
		Env: []string{"CUE_REGISTRY=none"},
	}
}

// loadInstance loads the spec's build instance from arguments resolved by
// resolveArgs. Errors come back as diagnostics.
func loadInstance(dir string, args []string) (*loaded, diag.List, error) {
	args = append([]string(nil), args...)
	cfg := loadConfig(dir, args)
	var cueFiles []string
	if fi, err := os.Stat(args[0]); err == nil && fi.IsDir() {
		cfg.Dir = args[0]
		args = []string{"."}
		cueFiles = cueFilesIn(cfg.Dir)
	} else {
		for i, a := range args {
			if !filepath.IsAbs(a) {
				args[i] = filepath.Join(dir, a)
			}
			if strings.EqualFold(filepath.Ext(a), ".cue") {
				cueFiles = append(cueFiles, args[i])
			}
		}
	}
	if pp := newPreparser(cueFiles); pp != nil {
		cfg.ParseFile = pp.parseFile
		defer pp.stop()
	}
	insts := load.Instances(args, cfg)
	if len(insts) != 1 {
		return nil, nil, fmt.Errorf("spec arguments form %d packages; give the files of one package", len(insts))
	}
	inst := insts[0]
	if inst.Err != nil {
		return nil, firstPerFile(fromCUE(inst.Err, dir)), nil
	}
	l := &loaded{inst: inst, dir: dir, moduleRoot: cfg.ModuleRoot}
	for _, f := range inst.BuildFiles {
		l.files = append(l.files, relPath(dir, f.Filename))
	}
	data, d := addDataFiles(inst, dir)
	if len(d) > 0 {
		return nil, d, nil
	}
	l.files = append(l.files, data...)
	return l, nil, nil
}

// addDataFiles decodes the instance's YAML and JSON files and adds them to
// it as CUE syntax. cue/load sets data files aside as orphaned files
// rather than parsing them, so without this a YAML or JSON spec would
// load as an empty value and its syntax errors would go unreported. It
// returns the files added (relative to dir) and their syntax errors.
func addDataFiles(inst *build.Instance, dir string) ([]string, diag.List) {
	var files []string
	var out diag.List
	for _, bf := range inst.OrphanedFiles {
		var f *ast.File
		var err error
		switch bf.Encoding {
		case build.YAML:
			f, err = extractYAML(bf.Filename, bf.Source)
		case build.JSON:
			var b []byte
			if b, err = os.ReadFile(bf.Filename); err == nil {
				var x ast.Expr
				if x, err = json.Extract(bf.Filename, b); err == nil {
					f = &ast.File{Filename: bf.Filename, Decls: jsonDecls(x)}
				}
			}
		default:
			continue
		}
		if err != nil {
			out = append(out, dataFileError(err, bf.Filename, dir))
			continue
		}
		if d, ok := topLevelShape(f, bf.Encoding == build.JSON, dir); !ok {
			out = append(out, d)
			continue
		}
		if err := inst.AddSyntax(f); err != nil {
			out = append(out, fromCUE(err, dir)...)
			continue
		}
		files = append(files, relPath(dir, bf.Filename))
	}
	return files, out
}

// topLevelShape checks that a decoded YAML or JSON file is one mapping
// (or empty), as a spec must be, and explains what it is otherwise. A
// YAML stream of several documents decodes as a list of them: the schema
// would only say that a list is not a struct, at no position. Empty
// documents are dropped from f.
func topLevelShape(f *ast.File, isJSON bool, dir string) (diag.Diagnostic, bool) {
	if len(f.Decls) != 1 {
		return diag.Diagnostic{}, true
	}
	emb, ok := f.Decls[0].(*ast.EmbedDecl)
	if !ok {
		return diag.Diagnostic{}, true
	}
	at := func(p token.Pos) diag.Position {
		pos := position(p, dir)
		if !pos.IsValid() {
			pos = diag.Position{File: relPath(dir, f.Filename)}
		}
		if pos.Line == 0 {
			pos.Line, pos.Column = 1, 1
		}
		return pos
	}
	what, want := "a mapping", "a mapping of fields (models: ...)"
	if isJSON {
		want = `an object ({"models": ...})`
	}
	switch x := emb.Expr.(type) {
	case *ast.StructLit:
		return diag.Diagnostic{}, true
	case *ast.BinaryExpr:
		// An empty YAML file decodes as *null | _.
		return diag.Diagnostic{}, true
	case *ast.ListLit:
		if !isJSON && !x.Lbrack.IsValid() {
			// Several YAML documents. Empty ones (a stray "---" at the
			// end) hold nothing and are dropped.
			var docs []ast.Expr
			for _, e := range x.Elts {
				if lit, ok := e.(*ast.BasicLit); !ok || lit.Kind != token.NULL {
					docs = append(docs, e)
				}
			}
			switch len(docs) {
			case 0:
				f.Decls = nil
				return diag.Diagnostic{}, true
			case 1:
				emb.Expr = docs[0]
				if st, ok := docs[0].(*ast.StructLit); ok {
					f.Decls = st.Elts
				}
				return topLevelShape(f, isJSON, dir)
			}
			return diag.Diagnostic{Pos: at(docs[1].Pos()),
				Message: "a second YAML document starts here: a spec file holds one document; remove the '---' line above, or put each document in a file of its own"}, false
		}
		what = "a list"
		if isJSON {
			what = "an array"
		}
	case *ast.BasicLit:
		what = "the value " + x.Value
		if x.Kind == token.NULL {
			what = "null"
		}
	}
	return diag.Diagnostic{Pos: at(emb.Expr.Pos()), Message: "the top level of a spec must be " + want + ", not " + what}, false
}

// extractYAML is yaml.Extract, with a panic of the decoder (seen on line
// breaks it mispositions) turned into an error at the file's start.
func extractYAML(name string, src any) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("%s:1: the YAML reader failed on this file (%v); please report it, with the file, as a vigil bug", name, r)
		}
	}()
	return yaml.Extract(name, src)
}

// jsonDecls turns a JSON document into file declarations: an object's
// members become top-level fields (the same value as embedding the
// object, and the form the partitioned and fast paths recognize); any
// other document is embedded as is.
func jsonDecls(x ast.Expr) []ast.Decl {
	st, ok := x.(*ast.StructLit)
	if !ok {
		return []ast.Decl{&ast.EmbedDecl{Expr: x}}
	}
	decls := make([]ast.Decl, 0, len(st.Elts))
	for _, e := range st.Elts {
		decls = append(decls, e)
	}
	return decls
}

// newContext returns a fresh CUE context. A context is not safe for
// concurrent use; each worker makes its own.
func newContext() *cue.Context { return cuecontext.New() }

// relPath makes a diagnostic path relative to dir when it lies below it.
func relPath(dir, p string) string {
	if p == "" || p == "-" {
		return p
	}
	if filepath.IsAbs(p) {
		if r, err := filepath.Rel(dir, p); err == nil {
			return r
		}
	}
	return p
}

// schemaFiles returns the schema sources served to the loader.
var schemaFiles = schema.Files

// dataFileError turns a YAML or JSON syntax error into a diagnostic.
// The decoders report "FILE:LINE: message" as plain text (YAML) or wrap
// encoding/json's error with a position and the absolute file name
// (JSON); both become a position in the user's file and the bare message.
// YAML errors carry a line at most, often not the problem's:
// yamlSyntaxError finds the line and column.
func dataFileError(err error, file, dir string) diag.Diagnostic {
	d := diag.Diagnostic{Pos: diag.Position{File: relPath(dir, file)}, Message: err.Error()}
	if errs := cueerrors.Errors(err); len(errs) == 1 {
		if p := position(errs[0].Position(), dir); p.IsValid() {
			d.Pos = p
		}
	}
	var inner *stdjson.SyntaxError
	if errors.As(err, &inner) {
		src, _ := os.ReadFile(file)
		d.Message = jsonSyntaxMessage(src, inner)
		if d.Pos.Line == 0 {
			d.Pos.Line, d.Pos.Column = 1, 1
		}
		return d
	}
	if strings.HasPrefix(d.Message, "invalid JSON for file ") {
		// encoding/json accepted what CUE's parser did not; CUE's own
		// message names the file, which the position already does.
		d.Message = "invalid JSON"
		if errs := cueerrors.Errors(err); len(errs) == 1 {
			if f, a := errs[0].Msg(); f != "" {
				if m := fmt.Sprintf(f, a...); !strings.HasPrefix(m, "invalid JSON for file ") {
					d.Message += ": " + m
				}
			}
		}
		if d.Pos.Line == 0 {
			d.Pos.Line, d.Pos.Column = 1, 1
		}
		return d
	}
	rest, ok := strings.CutPrefix(d.Message, file+":")
	if !ok {
		if d.Pos.Line == 0 {
			d.Pos.Line, d.Pos.Column = 1, 1
		}
		return d
	}
	line, msg := 0, strings.TrimSpace(rest)
	if num, m, ok := strings.Cut(rest, ":"); ok {
		if n, err := strconv.Atoi(num); err == nil && n > 0 {
			line, msg = n, strings.TrimSpace(m)
		}
	}
	src, err := os.ReadFile(file)
	if err != nil {
		d.Pos.Line, d.Pos.Column, d.Message = max(line, 1), 1, msg
		return d
	}
	d.Pos.Line, d.Pos.Column, d.Message = yamlSyntaxError(src, line, msg)
	return d
}

// packageClauses counts the files that declare a package and lists those
// that do not (unreadable or unparsable files count as declaring one, so
// the loader reports their real problem).
func packageClauses(dir string, files []string) (named int, unnamed []string) {
	for _, f := range files {
		full := f
		if !filepath.IsAbs(full) {
			full = filepath.Join(dir, f)
		}
		src, err := os.ReadFile(full)
		if err != nil {
			named++
			continue
		}
		af, err := parser.ParseFile(full, src, parser.PackageClauseOnly)
		if err != nil || af.PackageName() != "" {
			named++
			continue
		}
		unnamed = append(unnamed, f)
	}
	return named, unnamed
}

// specErrors carries diagnostics found while resolving the arguments
// (problems of the spec, not of the command line).
type specErrors struct{ list diag.List }

func (e specErrors) Error() string { return e.list.Error() }
