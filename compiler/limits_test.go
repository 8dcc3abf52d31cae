package compiler

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEnormousFileIsRefused checks the size limit without committing a
// 32 MiB file: the spec is generated here.
func TestEnormousFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	b.WriteString("package x\n")
	line := "// " + strings.Repeat("x", 1020) + "\n"
	for b.Len() <= MaxFileSize {
		b.WriteString(line)
	}
	if err := os.WriteFile(filepath.Join(dir, "spec.cue"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, diags, err := Load(Source{Args: []string{"spec.cue"}, Dir: dir})
	if err != nil || spec != nil || len(diags) != 1 {
		t.Fatalf("want one diagnostic, got spec=%v diags=%v err=%v", spec != nil, diags, err)
	}
	if d := diags[0]; d.Pos.File != "spec.cue" || !strings.Contains(d.Message, "limited to") {
		t.Fatalf("unexpected diagnostic %v", d)
	}
}

func TestNestingScanner(t *testing.T) {
	deep := strings.Repeat("[", MaxNesting+1) + strings.Repeat("]", MaxNesting+1)
	for _, tc := range []struct {
		name string
		src  string
		yaml bool
		deep bool
	}{
		{"shallow CUE", "a: [[1]]", false, false},
		{"deep CUE", "a: " + deep, false, true},
		{"brackets in a string do not count", `a: "` + deep + `"`, false, false},
		{"brackets in a comment do not count", "// " + deep + "\na: 1", false, false},
		{"brackets in a YAML comment do not count", "# " + deep + "\na: 1", true, false},
		{"deep YAML flow", "a: " + deep, true, true},
		{"deep YAML indentation", "a:\n" + strings.Repeat(" ", 4*MaxNesting+2) + "b: 1", true, true},
	} {
		if _, _, got := tooDeep([]byte(tc.src), tc.yaml); got != tc.deep {
			t.Errorf("%s: tooDeep = %v, want %v", tc.name, got, tc.deep)
		}
	}
}
