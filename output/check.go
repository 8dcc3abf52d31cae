package output

import (
	"bytes"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// Kinds of Difference.
const (
	// KindMissing: the file would be written.
	KindMissing = "missing"
	// KindChanged: the file would be rewritten.
	KindChanged = "changed"
	// KindStale: the file would be removed.
	KindStale = "stale"
	// KindUnfinished: an interrupted write is still pending (Path is the
	// transaction directory).
	KindUnfinished = "unfinished"
	// KindStray: a leftover temporary file of an interrupted write.
	KindStray = "stray"
)

// Difference is one file that differs between a directory and a compile.
type Difference struct {
	// Path is slash-separated, relative to the output directory.
	Path string
	// Kind is one of the Kind constants.
	Kind string
}

// Check compares dir with files (and the manifest a Write would leave)
// and returns every difference, sorted by path. A directory with an
// unfinished write or leftover temporary files is not clean. Check writes
// nothing; see Recover for putting such a directory right.
func Check(dir string, files map[string][]byte) ([]Difference, error) {
	var diffs []Difference
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, errors.New(dir + " exists and is not a directory")
	}
	old, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	want := maps.Clone(files)
	want[ManifestName] = Manifest{Generator: "vigil", Files: slices.Sorted(maps.Keys(files))}.Encode()
	for _, p := range slices.Sorted(maps.Keys(want)) {
		full := filepath.Join(dir, filepath.FromSlash(p))
		got, err := os.ReadFile(full)
		switch {
		case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
			// ENOTDIR: a parent is a file (an owned one the write
			// would replace by a directory).
			diffs = append(diffs, Difference{p, KindMissing})
		case err != nil && isDir(full):
			diffs = append(diffs, Difference{p, KindChanged})
		case err != nil:
			return nil, err
		case !bytes.Equal(got, want[p]):
			diffs = append(diffs, Difference{p, KindChanged})
		}
	}
	for _, f := range old.Files {
		if _, ok := want[f]; ok {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err == nil {
			diffs = append(diffs, Difference{f, KindStale})
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, txnName)); err == nil {
		diffs = append(diffs, Difference{txnName, KindUnfinished})
	}
	for _, l := range leftovers(dir, append(old.Files, slices.Collect(maps.Keys(files))...)) {
		diffs = append(diffs, Difference{l.rel, KindStray})
	}
	slices.SortFunc(diffs, func(a, b Difference) int { return strings.Compare(a.Path, b.Path) })
	return diffs, nil
}

func isDir(name string) bool {
	fi, err := os.Lstat(name)
	return err == nil && fi.IsDir()
}
