package output

import (
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

// Recovery says what a Write or Recover found left over from an
// interrupted write, and what it did about it.
type Recovery struct {
	// Finished is set when a committed transaction was finished: the
	// directory now holds the tree that write was making.
	Finished bool
	// Undone is set when an uncommitted transaction was removed: the
	// directory holds the tree from before that write.
	Undone bool
	// Removed lists leftover temporary files and directories of older
	// vigil versions that were deleted, relative to the output directory
	// (siblings of it start with "../").
	Removed []string
}

// Empty reports whether there was nothing to recover.
func (r Recovery) Empty() bool { return !r.Finished && !r.Undone && len(r.Removed) == 0 }

// Notes describe the recovery in one line each, for a command's standard
// error, naming the output directory as dir.
func (r Recovery) Notes(dir string) []string {
	var out []string
	if r.Finished {
		out = append(out, fmt.Sprintf("%s: an earlier compile was interrupted after committing its output; finished it", dir))
	}
	if r.Undone {
		out = append(out, fmt.Sprintf("%s: an earlier compile was interrupted before committing its output; removed what it had staged (the directory is as it was before it)", dir))
	}
	if n := len(r.Removed); n > 0 {
		list := r.Removed
		more := ""
		if n > 3 {
			list, more = list[:3], fmt.Sprintf(" and %d more", n-3)
		}
		out = append(out, fmt.Sprintf("%s: removed %d leftover temporary file%s of an interrupted compile: %s%s", dir, n, plural(n), strings.Join(list, ", "), more))
	}
	return out
}

// Differences lists what was recovered as check differences (an
// unfinished write, stray temporary files), so that --check reports a
// directory it had to recover as not clean.
func (r Recovery) Differences() []Difference {
	var out []Difference
	if r.Finished || r.Undone {
		out = append(out, Difference{Path: txnName, Kind: KindUnfinished})
	}
	for _, p := range r.Removed {
		out = append(out, Difference{Path: p, Kind: KindStray})
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Recover finishes or undoes an interrupted write into dir and removes
// leftover temporary files, under the directory's lock. A missing dir has
// nothing to recover (but its parent may still hold an older version's
// leftover siblings of it, which are removed).
func Recover(dir string) (Recovery, error) {
	d, err := openDir(dir, false)
	if err != nil {
		return Recovery{}, err
	}
	if d == nil {
		var rec Recovery
		err := removeLeftovers(dir, nil, &rec)
		return rec, err
	}
	defer d.close()
	rec, err := d.recover()
	if err == nil && rec.Undone {
		// An undone write that had created the directory leaves none.
		d.undoCreate()
	}
	return rec, err
}

// recover finishes a committed transaction, removes an uncommitted one,
// and deletes older versions' leftover temporary files.
func (d *outDir) recover() (Recovery, error) {
	var rec Recovery
	txn := d.txn()
	if _, err := os.Lstat(txn); err == nil {
		j, err := readJournal(filepath.Join(txn, journalName))
		switch {
		case err == nil:
			if err := d.apply(j); err != nil {
				return rec, fmt.Errorf("cannot finish an interrupted compile of %s: %w; fix that, or remove %s to abandon it", d.path, err, txn)
			}
			rec.Finished = true
		case errors.Is(err, fs.ErrNotExist):
			// Uncommitted. An empty transaction directory is all that
			// is left of one interrupted just after it was made, or
			// just before it was deleted: nothing to undo.
			ents, _ := os.ReadDir(txn)
			_, cerr := os.Lstat(filepath.Join(txn, createdName))
			d.created = d.created || cerr == nil
			if err := os.RemoveAll(txn); err != nil {
				return rec, fmt.Errorf("cannot undo an interrupted compile of %s: %w", d.path, err)
			}
			afterStep()
			if len(ents) == 0 {
				rec.Removed = append(rec.Removed, txnName)
			} else {
				rec.Undone = true
			}
		default:
			return rec, fmt.Errorf("cannot recover an interrupted compile of %s: %w; remove %s to abandon it", d.path, err, txn)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return rec, err
	}
	man, err := ReadManifest(d.path)
	if err != nil {
		man = Manifest{}
	}
	return rec, removeLeftovers(d.path, man.Files, &rec)
}

func readJournal(name string) (journal, error) {
	var j journal
	b, err := os.ReadFile(name)
	if err != nil {
		return j, err
	}
	if err := json.Unmarshal(b, &j); err != nil || j.Generator != "vigil" {
		return j, fmt.Errorf("%s is not a vigil journal", name)
	}
	for _, p := range j.Remove {
		if !safeRel(p) {
			return j, fmt.Errorf("%s lists unsafe path %q", name, p)
		}
	}
	for _, m := range j.Moves {
		if !safeRel(m.Path) || m.Staged == "" || strings.ContainsAny(m.Staged, `/\`) || strings.HasPrefix(m.Staged, ".") {
			return j, fmt.Errorf("%s lists unsafe move %q -> %q", name, m.Staged, m.Path)
		}
	}
	return j, nil
}

// leftover is an older vigil version's temporary file or directory.
type leftover struct {
	// rel is relative to the output directory ("../" for siblings).
	rel string
	// full is the path to remove.
	full string
}

// leftovers finds older vigil versions' temporary files: ".vigil-tmp-*"
// files in the directories holding owned files (they were staged next to
// their destination) and ".<base>.vigil-tmp-*" directories beside dir
// (fresh trees were written there and renamed).
func leftovers(dir string, owned []string) []leftover {
	dirs := map[string]bool{".": true}
	for _, f := range owned {
		for p := path.Dir(f); p != "."; p = path.Dir(p) {
			dirs[p] = true
		}
	}
	var out []leftover
	for _, rel := range slices.Sorted(maps.Keys(dirs)) {
		full := filepath.Join(dir, filepath.FromSlash(rel))
		ents, err := os.ReadDir(full)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), legacyTempPrefix) && e.Type().IsRegular() {
				out = append(out, leftover{path.Join(rel, e.Name()), filepath.Join(full, e.Name())})
			}
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return out
	}
	parent := filepath.Dir(abs)
	if parent == abs {
		return out
	}
	ents, err := os.ReadDir(parent)
	if err != nil {
		return out
	}
	prefix := "." + filepath.Base(abs) + legacyTempPrefix
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) && e.IsDir() {
			out = append(out, leftover{"../" + e.Name(), filepath.Join(parent, e.Name())})
		}
	}
	return out
}

// removeLeftovers deletes what leftovers finds and records it in rec.
func removeLeftovers(dir string, owned []string, rec *Recovery) error {
	for _, l := range leftovers(dir, owned) {
		if err := os.RemoveAll(l.full); err != nil {
			return fmt.Errorf("cannot remove a leftover temporary file: %w", err)
		}
		afterStep()
		rec.Removed = append(rec.Removed, l.rel)
	}
	return nil
}
