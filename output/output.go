// Package output writes generated artifacts to an output directory
// atomically, tracks the files it owns in a manifest, and compares an
// output directory with what a compile would write (for --check).
package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// ManifestName is the manifest's file name inside the output directory.
const ManifestName = ".vigil-manifest.json"

// Manifest lists the files a compile wrote, so the next compile can remove
// the ones it no longer generates and never touch anything else.
type Manifest struct {
	// Generator is always "vigil".
	Generator string `json:"generator"`
	// Files are slash-separated paths relative to the output directory,
	// sorted.
	Files []string `json:"files"`
}

// Encode renders the manifest (deterministic, trailing newline).
func (m Manifest) Encode() []byte {
	b, _ := json.MarshalIndent(m, "", "  ")
	return append(b, '\n')
}

// ReadManifest reads dir's manifest. A missing manifest is an empty one.
func ReadManifest(dir string) (Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return Manifest{}, nil
	}
	if err != nil {
		return Manifest{}, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil || m.Generator != "vigil" {
		return Manifest{}, fmt.Errorf("%s is not a vigil manifest; refusing to manage %s", filepath.Join(dir, ManifestName), dir)
	}
	for _, f := range m.Files {
		if !safeRel(f) {
			return Manifest{}, fmt.Errorf("%s lists unsafe path %q", filepath.Join(dir, ManifestName), f)
		}
	}
	return m, nil
}

func safeRel(p string) bool {
	return p != "" && !filepath.IsAbs(p) && filepath.Clean(filepath.FromSlash(p)) == filepath.FromSlash(p) && !strings.HasPrefix(p, "..")
}

func sortedKeys(files map[string][]byte) []string {
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Write makes dir hold exactly files plus the manifest, as far as files
// vigil owns are concerned:
//
//   - If dir does not exist, everything is written to a temporary sibling
//     directory that is then renamed into place, so a reader never sees a
//     half-written tree.
//   - If dir exists, each changed file is written to a temporary file in
//     its final directory and renamed over the old one, and unchanged
//     files are not touched; files listed in the old manifest but no
//     longer generated are removed; files vigil never wrote are left
//     alone. A generated path that collides with a file vigil does not
//     own is an error, detected before anything is written.
func Write(dir string, files map[string][]byte) error {
	paths := sortedKeys(files)
	man := Manifest{Generator: "vigil", Files: paths}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return writeFresh(dir, files, man)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s exists and is not a directory", dir)
	}
	old, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	owned := map[string]bool{}
	for _, f := range old.Files {
		owned[f] = true
	}
	// Refuse to overwrite files vigil does not own, before writing.
	var foreign []string
	for _, p := range paths {
		if owned[p] {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(p))); err == nil {
			foreign = append(foreign, p)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, ManifestName)); err != nil && len(old.Files) == 0 {
		// A non-empty directory without a manifest is not ours.
		ents, _ := os.ReadDir(dir)
		if len(ents) > 0 && len(foreign) > 0 {
			return fmt.Errorf("%s holds files vigil did not write (%s); choose an empty or vigil-managed output directory", dir, strings.Join(foreign, ", "))
		}
	}
	if len(foreign) > 0 {
		return fmt.Errorf("refusing to overwrite files vigil does not own in %s: %s", dir, strings.Join(foreign, ", "))
	}
	// Stage every file next to its destination first; only when all are
	// written are they renamed into place, so a failure while writing
	// (a full disk, say) leaves the previous output as it was.
	all := append(paths, ManifestName)
	if err := makeDirs(dir, all); err != nil {
		return err
	}
	staged := map[string]string{}
	cleanup := func() {
		for _, tmp := range staged {
			os.Remove(tmp)
		}
	}
	for _, p := range all {
		b := files[p]
		if p == ManifestName {
			b = man.Encode()
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if (owned[p] || p == ManifestName) && sameContent(dst, b) {
			// Unchanged: left as it is (same inode and modification
			// time, nothing for file watchers to reload, and no
			// rename-over-file for the filesystem to flush).
			continue
		}
		tmp, err := stageFile(dst, b)
		if err != nil {
			cleanup()
			return err
		}
		staged[dst] = tmp
	}
	for _, p := range all {
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if _, ok := staged[dst]; !ok {
			continue
		}
		if err := os.Rename(staged[dst], dst); err != nil {
			cleanup()
			return err
		}
		delete(staged, dst)
	}
	for _, f := range old.Files {
		if _, still := files[f]; still {
			continue
		}
		full := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.Remove(full); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		removeEmptyParents(dir, filepath.Dir(full))
	}
	return nil
}

// writeFresh writes a new tree into a temporary sibling and renames it.
func writeFresh(dir string, files map[string][]byte, man Manifest) error {
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".vigil-tmp-")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	paths := sortedKeys(files)
	if err := makeDirs(tmp, paths); err != nil {
		return err
	}
	for _, p := range paths {
		if err := os.WriteFile(filepath.Join(tmp, filepath.FromSlash(p)), files[p], 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, ManifestName), man.Encode(), 0o644); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	ok = true
	return nil
}

// sameContent reports whether path is a regular file holding exactly b.
func sameContent(path string, b []byte) bool {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != int64(len(b)) {
		return false
	}
	old, err := os.ReadFile(path)
	return err == nil && bytes.Equal(old, b)
}

// makeDirs creates the directories of the slash-separated paths under
// root, each once (a compile writes thousands of files into a handful of
// directories). Files are then written one after another: writing them
// from several goroutines was measured slower on ext4 (lock contention)
// and only 5% faster on tmpfs.
func makeDirs(root string, paths []string) error {
	done := map[string]bool{}
	for _, p := range paths {
		d := filepath.Join(root, filepath.FromSlash(path.Dir(p)))
		if done[d] {
			continue
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		done[d] = true
	}
	return nil
}

// stageFile writes b to a temporary file next to path (whose directory
// exists) and returns its name; the caller renames it into place.
func stageFile(path string, b []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".vigil-tmp-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(name)
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", err
	}
	if err := os.Chmod(name, 0o644); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// removeEmptyParents removes now-empty directories from d up to root.
func removeEmptyParents(root, d string) {
	root = filepath.Clean(root)
	for d = filepath.Clean(d); d != root && strings.HasPrefix(d, root); d = filepath.Dir(d) {
		if err := os.Remove(d); err != nil {
			return
		}
	}
}

// Difference is one file that differs between a directory and a compile.
type Difference struct {
	// Path is slash-separated, relative to the output directory.
	Path string
	// Kind is "missing" (would be written), "changed" or "stale" (would be
	// removed).
	Kind string
}

// Check compares dir with files (and the manifest a Write would leave)
// and returns every difference, sorted by path. It writes nothing.
func Check(dir string, files map[string][]byte) ([]Difference, error) {
	var diffs []Difference
	old, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	want := map[string][]byte{}
	for k, v := range files {
		want[k] = v
	}
	want[ManifestName] = Manifest{Generator: "vigil", Files: sortedKeys(files)}.Encode()
	for _, p := range sortedKeys(want) {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			diffs = append(diffs, Difference{p, "missing"})
		case err != nil:
			return nil, err
		case !bytes.Equal(got, want[p]):
			diffs = append(diffs, Difference{p, "changed"})
		}
	}
	for _, f := range old.Files {
		if _, ok := want[f]; ok {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err == nil {
			diffs = append(diffs, Difference{f, "stale"})
		}
	}
	sort.Slice(diffs, func(i, j int) bool { return diffs[i].Path < diffs[j].Path })
	return diffs, nil
}
