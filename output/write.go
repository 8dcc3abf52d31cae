// Package output writes generated artifacts into an output directory as
// one transaction, tracks the files it owns in a manifest, and compares an
// output directory with what a compile would write (for --check).
//
// # The transaction
//
// Write never changes a file in place. It stages every new or changed
// file in DIR/.vigil-txn/, and only when all of them are written does it
// commit, by renaming a journal (DIR/.vigil-txn/journal.json, the list of
// renames and removals still to do) into place. It then removes the files
// vigil no longer generates, renames the staged files over their
// destinations (the manifest last) and deletes the transaction directory.
//
// So an interruption at any instant (kill -9, a power cut after the
// staged data reached the disk, SIGTERM) leaves one of two states, and
// the next Write or Recover on the directory turns either into a whole
// tree, saying so in its Recovery:
//
//   - no journal: the transaction never committed. Its staged files are
//     deleted and the directory is the old tree (or, when the write was
//     the one creating DIR, DIR is gone again).
//   - a journal: the transaction committed. The renames and removals it
//     lists are finished and the directory is the new tree.
//
// Nothing is ever written beside DIR, and unchanged files are not
// touched (same inode, same modification time). Files vigil does not own
// (not in the manifest) are never touched; a generated path that collides
// with one is refused before anything is written. A lock on DIR (flock)
// keeps two vigil processes from writing, or recovering, the same
// directory at once.
package output

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

const (
	// txnName is the transaction directory inside the output directory.
	txnName = ".vigil-txn"
	// journalName is the commit record inside the transaction directory.
	journalName = "journal.json"
	// createdName marks a transaction whose write created the output
	// directory: undoing it removes the directory again.
	createdName = "created"
	// legacyTempPrefix starts the names of the temporary files that vigil
	// versions before the transaction staged next to each destination
	// (and of the sibling directories they wrote fresh trees into).
	// Recover removes any it finds.
	legacyTempPrefix = ".vigil-tmp-"
)

// ErrInterrupted is returned (wrapped) by Write when its context was
// cancelled before the transaction committed; the directory is then as
// it was before the call.
var ErrInterrupted = errors.New("interrupted before the output was committed; the output directory is as it was")

// ErrBusy is returned (wrapped) when another process holds the output
// directory's lock.
var ErrBusy = errors.New("another vigil process is writing it")

// afterStep is called after every change Write and Recover make to the
// file system. Tests replace it to stop the process at a chosen step.
var afterStep = func() {}

// journal is the commit record: what is left to do once every staged
// file exists. Applying it twice is harmless, so a recovery can finish
// it from any point.
type journal struct {
	// Generator is always "vigil".
	Generator string `json:"generator"`
	// Remove lists owned files no longer generated (slash-separated,
	// relative to the output directory), removed before the moves so
	// that a file may become a directory and the other way round.
	Remove []string `json:"remove,omitempty"`
	// Moves rename staged files into place, the manifest last. A move
	// whose staged file is gone was done already.
	Moves []move `json:"moves"`
}

type move struct {
	// Staged is the file's name in the transaction directory.
	Staged string `json:"staged"`
	// Path is the destination, slash-separated, relative to the output
	// directory.
	Path string `json:"path"`
}

// Write makes dir hold exactly files plus the manifest, as far as files
// vigil owns are concerned, in one transaction (see the package comment).
// It first recovers from an interrupted earlier write and reports what it
// did in the returned Recovery, also when it then fails.
//
// When ctx is cancelled before the commit, Write undoes the transaction
// and returns ErrInterrupted; after the commit it finishes (the renames
// take a fraction of the time the staging does) and returns nil.
func Write(ctx context.Context, dir string, files map[string][]byte) (Recovery, error) {
	paths := slices.Sorted(maps.Keys(files))
	for _, p := range paths {
		if !safeRel(p) || p == ManifestName || p == txnName || strings.HasPrefix(p, txnName+"/") {
			return Recovery{}, fmt.Errorf("generated path %q is not a plain relative path", p)
		}
	}
	d, err := openDir(dir, true)
	if err != nil {
		return Recovery{}, err
	}
	defer d.close()
	rec, err := d.recover()
	if err != nil {
		return rec, err
	}
	old, err := ReadManifest(dir)
	if err != nil {
		return rec, err
	}
	if err := d.checkCollisions(old, paths); err != nil {
		d.undoCreate()
		return rec, err
	}
	man := Manifest{Generator: "vigil", Files: paths}
	plan := d.plan(old, files, paths, man.Encode())
	if len(plan.moves) == 0 && len(plan.remove) == 0 {
		return rec, nil
	}
	if err := d.stage(ctx, plan); err != nil {
		return rec, err
	}
	if err := d.apply(plan.journal()); err != nil {
		return rec, fmt.Errorf("the new output was committed but not finished: %w; the next vigil compile of %s finishes it", err, dir)
	}
	return rec, nil
}

// outDir is an output directory held under its lock.
type outDir struct {
	path string
	// created is set when this process created the directory, or when
	// the transaction it recovered from had: undoing the write then
	// removes the directory.
	created bool
	lock    *os.File
}

// openDir locks the output directory, creating it (and its parents)
// first when create is set. Without create, a missing directory gives a
// nil *outDir and no error.
func openDir(dir string, create bool) (*outDir, error) {
	d := &outDir{path: dir}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist) && create:
		if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o755); err != nil {
			return nil, notDirError(dir, err)
		}
		switch err := os.Mkdir(dir, 0o755); {
		case err == nil:
			d.created = true
			afterStep()
		case !errors.Is(err, fs.ErrExist):
			return nil, notDirError(dir, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, notDirError(dir, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("%s exists and is not a directory", dir)
	}
	lock, err := lockDir(dir)
	if err != nil {
		if d.created {
			os.Remove(dir)
		}
		return nil, err
	}
	d.lock = lock
	return d, nil
}

// notDirError explains a failure to use dir: when a parent of dir is a
// file, it says which.
func notDirError(dir string, err error) error {
	for p := filepath.Clean(dir); ; {
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		if fi, serr := os.Stat(parent); serr == nil {
			if !fi.IsDir() {
				return fmt.Errorf("cannot use %s as the output directory: %s is not a directory", dir, parent)
			}
			break
		}
		p = parent
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot use %s as the output directory: %s: %v", dir, pe.Path, pe.Err)
	}
	return fmt.Errorf("cannot use %s as the output directory: %v", dir, err)
}

func (d *outDir) close() {
	if d != nil && d.lock != nil {
		d.lock.Close()
	}
}

func (d *outDir) txn() string { return filepath.Join(d.path, txnName) }

func (d *outDir) full(p string) string { return filepath.Join(d.path, filepath.FromSlash(p)) }

// undoCreate removes the output directory again when this write created
// it and it is still empty.
func (d *outDir) undoCreate() {
	if d.created {
		if os.Remove(d.path) == nil {
			afterStep()
		}
	}
}

// checkCollisions refuses generated paths that would overwrite or pass
// through something vigil does not own: an existing file or directory
// not in the manifest, or a parent directory that is a file other than
// an owned one (which the write removes).
func (d *outDir) checkCollisions(old Manifest, paths []string) error {
	owned := map[string]bool{}
	for _, f := range old.Files {
		owned[f] = true
	}
	var foreign []string
	seenDirs := map[string]bool{}
	for _, p := range paths {
		if !owned[p] {
			if fi, err := os.Lstat(d.full(p)); err == nil {
				if !fi.IsDir() {
					foreign = append(foreign, p)
					continue
				}
				// A directory of owned files only (a file that
				// becomes a directory's name) is emptied by the
				// write's removals.
				if f := foreignIn(d.path, p, owned); len(f) > 0 {
					foreign = append(foreign, f...)
					continue
				}
			}
		}
		for dir := path.Dir(p); dir != "." && !seenDirs[dir]; dir = path.Dir(dir) {
			seenDirs[dir] = true
			fi, err := os.Lstat(d.full(dir))
			if err == nil && !fi.IsDir() && !owned[dir] {
				foreign = append(foreign, dir)
			}
		}
	}
	if len(foreign) == 0 {
		return nil
	}
	slices.Sort(foreign)
	foreign = slices.Compact(foreign)
	if len(old.Files) == 0 {
		return fmt.Errorf("%s holds files vigil did not write (%s); choose an empty or vigil-managed output directory", d.path, strings.Join(foreign, ", "))
	}
	return fmt.Errorf("refusing to overwrite files vigil does not own in %s: %s", d.path, strings.Join(foreign, ", "))
}

// foreignIn lists the files under the directory rel that are not owned.
func foreignIn(root, rel string, owned map[string]bool) []string {
	var out []string
	filepath.WalkDir(filepath.Join(root, filepath.FromSlash(rel)), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			out = append(out, rel)
			return fs.SkipAll
		}
		if r, rerr := filepath.Rel(root, p); rerr == nil && !e.IsDir() && !owned[filepath.ToSlash(r)] {
			out = append(out, filepath.ToSlash(r))
		}
		return nil
	})
	return out
}

// plan is what a write changes: the files to stage (new or changed, the
// manifest last) and the owned files to remove.
type plan struct {
	moves  []staged
	remove []string
}

type staged struct {
	path string
	data []byte
}

func (d *outDir) plan(old Manifest, files map[string][]byte, paths []string, manifest []byte) plan {
	var pl plan
	owned := map[string]bool{}
	for _, f := range old.Files {
		owned[f] = true
	}
	for _, p := range paths {
		// Unchanged files are left as they are (same inode and
		// modification time, nothing for file watchers to reload).
		if owned[p] && sameContent(d.full(p), files[p]) {
			continue
		}
		pl.moves = append(pl.moves, staged{p, files[p]})
	}
	for _, f := range old.Files {
		if _, still := files[f]; !still {
			pl.remove = append(pl.remove, f)
		}
	}
	if len(pl.moves) > 0 || len(pl.remove) > 0 || !sameContent(d.full(ManifestName), manifest) {
		pl.moves = append(pl.moves, staged{ManifestName, manifest})
	}
	return pl
}

// stagedName is a staged file's name in the transaction directory.
func stagedName(i int) string { return fmt.Sprintf("%06d", i) }

func (pl plan) journal() journal {
	j := journal{Generator: "vigil", Remove: pl.remove, Moves: make([]move, len(pl.moves))}
	for i, m := range pl.moves {
		j.Moves[i] = move{Staged: stagedName(i), Path: m.path}
	}
	return j
}

// stage writes every file of the plan into the transaction directory and
// commits the journal. On any failure, or when ctx is cancelled, it
// removes what it staged and leaves the directory as it was.
func (d *outDir) stage(ctx context.Context, pl plan) (err error) {
	txn := d.txn()
	if err := os.Mkdir(txn, 0o755); err != nil {
		d.undoCreate()
		return err
	}
	afterStep()
	defer func() {
		if err != nil {
			os.RemoveAll(txn)
			afterStep()
			d.undoCreate()
		}
	}()
	if d.created {
		if err := os.WriteFile(filepath.Join(txn, createdName), nil, 0o644); err != nil {
			return err
		}
		afterStep()
	}
	for i, m := range pl.moves {
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		if err := writeNew(filepath.Join(txn, stagedName(i)), m.data); err != nil {
			return err
		}
		afterStep()
	}
	if ctx.Err() != nil {
		return ErrInterrupted
	}
	if err := syncFS(txn); err != nil {
		return err
	}
	b, err := json.Marshal(pl.journal())
	if err != nil {
		return err
	}
	tmp := filepath.Join(txn, journalName+".tmp")
	if err := writeNew(tmp, b); err != nil {
		return err
	}
	afterStep()
	if err := syncFile(tmp); err != nil {
		return err
	}
	// The commit point.
	if err := os.Rename(tmp, filepath.Join(txn, journalName)); err != nil {
		return err
	}
	afterStep()
	return syncFile(txn)
}

// writeNew creates path, which must not exist, holding b.
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// apply carries out a committed journal: removals, then the moves (the
// manifest last), then it deletes the transaction. Every step can be
// repeated, so recovery calls it from wherever an interrupted apply
// stopped.
func (d *outDir) apply(j journal) error {
	txn := d.txn()
	for _, r := range j.Remove {
		full := d.full(r)
		// Gone, or replaced already by a directory of new files (or
		// cut off by a new file where its directory was): removed
		// before an interruption.
		if fi, err := os.Lstat(full); err == nil && !fi.IsDir() {
			if err := os.Remove(full); err != nil {
				return err
			}
			afterStep()
		}
		removeEmptyParents(d.path, filepath.Dir(full))
	}
	made := map[string]bool{}
	for _, m := range j.Moves {
		src := filepath.Join(txn, m.Staged)
		if _, err := os.Lstat(src); errors.Is(err, fs.ErrNotExist) {
			continue // moved before an interruption
		}
		dst := d.full(m.Path)
		if parent := filepath.Dir(dst); !made[parent] {
			if err := os.MkdirAll(parent, 0o755); err != nil {
				return err
			}
			made[parent] = true
		}
		if err := os.Rename(src, dst); err != nil {
			return err
		}
		afterStep()
	}
	// The marker and then the journal go first: from then on, what is
	// left is an empty transaction directory, with nothing to undo.
	if err := os.Remove(filepath.Join(txn, createdName)); err == nil {
		afterStep()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Remove(filepath.Join(txn, journalName)); err != nil {
		return err
	}
	afterStep()
	if err := os.RemoveAll(txn); err != nil {
		return err
	}
	afterStep()
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

// removeEmptyParents removes now-empty directories from d up to root.
func removeEmptyParents(root, d string) {
	root = filepath.Clean(root)
	for d = filepath.Clean(d); d != root && strings.HasPrefix(d, root+string(filepath.Separator)); d = filepath.Dir(d) {
		// Only directories: on a repeated removal, d may be a new
		// file that took the place of the removed file's directory.
		if fi, err := os.Lstat(d); err != nil || !fi.IsDir() {
			return
		}
		if err := os.Remove(d); err != nil {
			return
		}
		afterStep()
	}
}
