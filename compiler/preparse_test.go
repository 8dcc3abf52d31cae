package compiler

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"
)

// writePackage writes n small files of package p into a new directory;
// bad maps file numbers to syntactically broken contents.
func writePackage(t *testing.T, n int, bad map[int]string) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		src := fmt.Sprintf("package p\n\n// field %d\nx_%d: {\n\ta: %d\n\tb: \"s%d\" // trailing\n}\n", i, i, i, i)
		if b, ok := bad[i]; ok {
			src = b
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.cue", i)), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadPackage loads dir as loadInstance does, with or without the
// preparser, and returns the instance's error and formatted files.
func loadPackage(t *testing.T, dir string, concurrent bool) (errText string, files []string, pp *preparser) {
	t.Helper()
	cfg := loadConfig(dir, []string{dir})
	cfg.Dir = dir
	if concurrent {
		pp = newPreparser(cueFilesIn(dir))
		if pp == nil {
			t.Fatal("no preparser")
		}
		// Once the second full parse has started the workers, let them
		// parse every other file before cue/load asks for it, so that
		// the test does not depend on scheduling.
		calls := 0
		cfg.ParseFile = func(name string, src any, c parser.Config) (*ast.File, error) {
			f, err := pp.parseFile(name, src, c)
			if _, ok := pp.index[name]; ok && c.Mode&(parser.PackageClauseOnly|parser.ImportsOnly) == 0 {
				if calls++; calls == 2 {
					pp.wg.Wait()
				}
			}
			return f, err
		}
		defer pp.stop()
	}
	insts := load.Instances([]string{"."}, cfg)
	if len(insts) != 1 {
		t.Fatalf("%d instances", len(insts))
	}
	if err := insts[0].Err; err != nil {
		errText = fmt.Sprint(fromCUE(err, dir))
	}
	for _, f := range insts[0].Files {
		b, err := format.Node(f)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fmt.Sprintf("%s\n%s", f.Filename, b))
	}
	return errText, files, pp
}

func TestPreparseMatchesSequentialLoad(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, tc := range []struct {
		name string
		bad  map[int]string
	}{
		{"valid", nil},
		{"syntax errors", map[int]string{
			7:  "package p\n\nx_7: {\n\ta: \n}\n",
			23: "package p\n\nx_23: [1, 2\n",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 40
			dir := writePackage(t, n, tc.bad)
			wantErr, wantFiles, _ := loadPackage(t, dir, false)
			gotErr, gotFiles, pp := loadPackage(t, dir, true)
			if gotErr != wantErr {
				t.Errorf("errors differ:\nconcurrent: %s\nsequential: %s", gotErr, wantErr)
			}
			if tc.bad != nil && wantErr == "" {
				t.Error("the broken files gave no error")
			}
			if !reflect.DeepEqual(gotFiles, wantFiles) {
				t.Errorf("syntax differs:\nconcurrent: %q\nsequential: %q", gotFiles, wantFiles)
			}
			taken := 0
			for cfg, bt := range pp.batches {
				for i := range bt.entries {
					if bt.entries[i].taken.Load() {
						taken++
						if cfg.Mode&parser.ParseComments == 0 {
							t.Errorf("a partial parse (mode %v) was done concurrently", cfg.Mode)
						}
					}
				}
			}
			if taken != n-2 {
				t.Errorf("%d files came from the workers, want %d", taken, n-2)
			}
		})
	}
}

func TestPreparseFallsBack(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	dir := writePackage(t, 10, nil)
	names := cueFilesIn(dir)
	pp := newPreparser(names)
	defer pp.stop()
	cfg := parser.NewConfig(parser.ParseComments)
	src := func(i int) []byte {
		b, err := os.ReadFile(names[i])
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	check := func(name string, b []byte, want string) {
		t.Helper()
		f, err := pp.parseFile(name, b, cfg)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := fieldName(f); got != want {
			t.Errorf("%s: got field %s, want %s", name, got, want)
		}
	}
	check(names[0], src(0), "x_0") // parsed on the spot; no workers yet
	check(names[1], src(1), "x_1") // starts the workers
	pp.wg.Wait()                   // and lets them parse the rest
	var full *parseBatch
	for _, bt := range pp.batches {
		full = bt
	}
	want := full.entries[4].file
	if f, _ := pp.parseFile(names[4], src(4), cfg); want == nil || f != want {
		t.Error("the workers' parse of a file was not used")
	}
	// Bytes other than those on disk are parsed as given.
	check(names[2], []byte("package p\nchanged: 1\n"), "changed")
	// A repeated request is parsed again.
	check(names[1], src(1), "x_1")
	// Files outside the set are parsed as given.
	check(filepath.Join(dir, "other.cue"), []byte("package p\nother: 1\n"), "other")
	// After stop, requests are still answered.
	pp.stop()
	check(names[3], src(3), "x_3")
}

// fieldName returns the label of f's first field.
func fieldName(f *ast.File) string {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.Field); ok {
			name, _, _ := ast.LabelName(fd.Label)
			return name
		}
	}
	return ""
}
