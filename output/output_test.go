package output

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFailedUpdateLeavesOldOutput makes staging fail part-way (a
// directory sits where a new file's parent directory must go) and checks
// that every previously written file is unchanged and no temporary file
// is left behind.
func TestFailedUpdateLeavesOldOutput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	old := map[string][]byte{"a/one.txt": []byte("old one\n"), "b/two.txt": []byte("old two\n")}
	if err := Write(dir, old); err != nil {
		t.Fatal(err)
	}
	// "c" becomes a regular file, so staging "c/three.txt" must fail.
	if err := os.WriteFile(filepath.Join(dir, "c"), []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	next := map[string][]byte{"a/one.txt": []byte("new one\n"), "b/two.txt": []byte("new two\n"), "c/three.txt": []byte("three\n")}
	if err := Write(dir, next); err == nil {
		t.Fatal("want an error")
	}
	for p, want := range old {
		got, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil || string(got) != string(want) {
			t.Errorf("%s = %q, %v; want the old content %q", p, got, err, want)
		}
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(p)[:min(len(filepath.Base(p)), 11)] == ".vigil-tmp-" {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
	if diffs, err := Check(dir, old); err != nil || len(diffs) != 0 {
		t.Errorf("old output no longer checks clean: %v %v", diffs, err)
	}
}
