package output

import (
	"context"
	"errors"
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
	if _, err := Write(context.Background(), dir, old); err != nil {
		t.Fatal(err)
	}
	// "c" becomes a regular file, so staging "c/three.txt" must fail.
	if err := os.WriteFile(filepath.Join(dir, "c"), []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	next := map[string][]byte{"a/one.txt": []byte("new one\n"), "b/two.txt": []byte("new two\n"), "c/three.txt": []byte("three\n")}
	if _, err := Write(context.Background(), dir, next); err == nil {
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

// TestUpdateRewritesOnlyChangedFiles recompiles into an existing output
// directory: files whose bytes are unchanged keep their inode (they are
// not rewritten), changed and new files are written, dropped files are
// removed, and the result checks clean.
func TestUpdateRewritesOnlyChangedFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	first := map[string][]byte{"a/same.txt": []byte("same\n"), "a/changes.txt": []byte("v1\n"), "b/dropped.txt": []byte("x\n")}
	if _, err := Write(context.Background(), dir, first); err != nil {
		t.Fatal(err)
	}
	stat := func(p string) os.FileInfo {
		t.Helper()
		fi, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	same, changes, manifest := stat("a/same.txt"), stat("a/changes.txt"), stat(ManifestName)
	second := map[string][]byte{"a/same.txt": []byte("same\n"), "a/changes.txt": []byte("v2\n"), "c/new.txt": []byte("new\n")}
	if _, err := Write(context.Background(), dir, second); err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(same, stat("a/same.txt")) {
		t.Error("an unchanged file was rewritten")
	}
	if os.SameFile(changes, stat("a/changes.txt")) {
		t.Error("a changed file was not replaced")
	}
	if os.SameFile(manifest, stat(ManifestName)) {
		t.Error("the manifest lists other files but was not replaced")
	}
	if _, err := os.Stat(filepath.Join(dir, "b/dropped.txt")); !os.IsNotExist(err) {
		t.Errorf("a file no longer generated is still there: %v", err)
	}
	if diffs, err := Check(dir, second); err != nil || len(diffs) != 0 {
		t.Errorf("output does not check clean: %v %v", diffs, err)
	}
	// A third identical compile touches nothing, the manifest included.
	manifest = stat(ManifestName)
	if _, err := Write(context.Background(), dir, second); err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(manifest, stat(ManifestName)) {
		t.Error("an identical compile rewrote the manifest")
	}
}

// TestLockedDirectoryIsBusy: while one process holds an output
// directory's lock (here, this test), Write and Recover refuse it with
// ErrBusy instead of interleaving with, or recovering, a live write.
func TestLockedDirectoryIsBusy(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	files := map[string][]byte{"a.txt": []byte("a\n")}
	if _, err := Write(context.Background(), dir, files); err != nil {
		t.Fatal(err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(context.Background(), dir, map[string][]byte{"b.txt": nil}); !errors.Is(err, ErrBusy) {
		t.Errorf("Write into a locked directory: %v, want ErrBusy", err)
	}
	if _, err := Recover(dir); !errors.Is(err, ErrBusy) {
		t.Errorf("Recover of a locked directory: %v, want ErrBusy", err)
	}
	lock.Close()
	if _, err := Write(context.Background(), dir, files); err != nil {
		t.Errorf("Write after the lock was released: %v", err)
	}
	if diffs, err := Check(dir, files); err != nil || len(diffs) != 0 {
		t.Errorf("not clean: %v %v", diffs, err)
	}
}
