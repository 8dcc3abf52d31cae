//go:build unix

package output

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// crashScenario is an output directory before a write (old, nil for a
// directory that does not exist yet), the files the write generates
// (new), and files vigil does not own that must survive anything.
type crashScenario struct {
	name    string
	old     map[string][]byte
	new     map[string][]byte
	foreign map[string][]byte
	// legacy holds leftovers of older vigil versions, relative to the
	// output directory ("../" for siblings), present before the write.
	legacy []string
}

func crashScenarios() []crashScenario {
	old := map[string][]byte{
		"a/changes.txt":  []byte("v1\n"),
		"a/same.txt":     []byte("same\n"),
		"b/dropped.txt":  []byte("dropped\n"),
		"c/d/keep.txt":   []byte("keep\n"),
		"becomes-a-dir":  []byte("a file today\n"),
		"dir/becomes-fi": []byte("in a directory today\n"),
	}
	next := map[string][]byte{
		"a/changes.txt":        []byte("v2\n"),
		"a/same.txt":           []byte("same\n"),
		"c/d/keep.txt":         []byte("keep\n"),
		"e/f/new.txt":          []byte("new\n"),
		"becomes-a-dir/inside": []byte("now inside a directory\n"),
		"dir":                  []byte("now a file\n"),
	}
	foreign := map[string][]byte{
		"README.md":       []byte("not vigil's\n"),
		"a/notes.txt":     []byte("not vigil's either\n"),
		"c/d/.gitkeep":    nil,
		"foreign/x.yaml":  []byte("x: 1\n"),
		"b/not-owned.txt": []byte("keeps b alive\n"),
	}
	return []crashScenario{
		{name: "fresh", new: next},
		{name: "update", old: old, new: next, foreign: foreign},
		{name: "update-with-legacy-leftovers", old: old, new: next, foreign: foreign,
			legacy: []string{"a/.vigil-tmp-123", ".vigil-tmp-9", "../.out.vigil-tmp-77"}},
	}
}

// setup creates the scenario's starting state in a fresh directory and
// returns the output directory's path.
func (sc crashScenario) setup(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	if sc.old != nil {
		if _, err := Write(context.Background(), dir, sc.old); err != nil {
			t.Fatal(err)
		}
	}
	for p, b := range sc.foreign {
		writeTestFile(t, filepath.Join(dir, p), b)
	}
	for _, p := range sc.legacy {
		full := filepath.Join(dir, p)
		if strings.HasPrefix(p, "../") {
			full = filepath.Join(full, "prometheus", "m.rules.yaml")
		}
		writeTestFile(t, full, []byte("half"))
	}
	return dir
}

func writeTestFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// tree returns what the output directory should hold with files as the
// generated set: those files, their manifest and the foreign files. A
// nil files means no output directory.
func (sc crashScenario) tree(files map[string][]byte) map[string]string {
	if files == nil {
		return nil
	}
	out := map[string]string{}
	for p, b := range files {
		out[p] = string(b)
	}
	out[ManifestName] = string(Manifest{Generator: "vigil", Files: slices.Sorted(maps.Keys(files))}.Encode())
	for p, b := range sc.foreign {
		out[p] = string(b)
	}
	return out
}

// snapshot reads every file under dir (nil when dir does not exist, an
// empty map for an empty directory), and also returns the entries beside
// dir in its parent.
func snapshot(t *testing.T, dir string) (files map[string]string, siblings []string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != filepath.Base(dir) {
			siblings = append(siblings, e.Name())
		}
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, siblings
	}
	files = map[string]string{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, siblings
}

// describe summarises how a snapshot differs from a tree, for messages.
func describe(got, want map[string]string) string {
	var out []string
	for _, p := range slices.Sorted(maps.Keys(got)) {
		if w, ok := want[p]; !ok {
			out = append(out, "extra "+p)
		} else if w != got[p] {
			out = append(out, "changed "+p)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(want)) {
		if _, ok := got[p]; !ok {
			out = append(out, "missing "+p)
		}
	}
	if got == nil {
		out = append(out, "(no directory)")
	}
	return strings.Join(out, ", ")
}

// Environment of the crash helper process (see TestMain).
const (
	crashScenarioEnv = "VIGIL_OUTPUT_CRASH_SCENARIO"
	crashDirEnv      = "VIGIL_OUTPUT_CRASH_DIR"
	crashStepEnv     = "VIGIL_OUTPUT_CRASH_STEP"
)

// TestMain turns the test binary into the crash helper when the crash
// environment is set: it runs the scenario's Write into the directory (or,
// for the scenario "recover", Recover) and kills itself with SIGKILL
// right after the given step, as kill -9 would at that instant. A run
// with fewer steps exits 0.
func TestMain(m *testing.M) {
	name := os.Getenv(crashScenarioEnv)
	if name == "" {
		os.Exit(m.Run())
	}
	k, _ := strconv.Atoi(os.Getenv(crashStepEnv))
	n := 0
	afterStep = func() {
		if n++; n == k {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}
	dir := os.Getenv(crashDirEnv)
	if name == "recover" {
		if _, err := Recover(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	for _, sc := range crashScenarios() {
		if sc.name == name {
			if _, err := Write(context.Background(), dir, sc.new); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
			os.Exit(0)
		}
	}
	os.Exit(4)
}

// countSteps runs the scenario's write in-process and counts its steps.
func (sc crashScenario) countSteps(t *testing.T) int {
	t.Helper()
	dir := sc.setup(t)
	n := 0
	afterStep = func() { n++ }
	defer func() { afterStep = func() {} }()
	if _, err := Write(context.Background(), dir, sc.new); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCrashAtEveryStep kills a writing process (SIGKILL, from inside, at
// a chosen step: deterministic, no timing) after each step of the write
// in turn, then checks:
//
//   - before any recovery, Check reports the directory as not clean
//     unless it already holds exactly the new tree;
//   - Recover leaves exactly the old tree or exactly the new tree (Undone
//     means old, Finished means new), foreign files untouched, and no
//     temporary file inside the directory or beside it;
//   - a recovery killed after any of its own steps is recoverable too;
//   - a following Write gives the new tree, and Check finds it clean.
func TestCrashAtEveryStep(t *testing.T) {
	for _, sc := range crashScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			steps := sc.countSteps(t)
			if steps < 10 {
				t.Fatalf("the write has %d steps; the scenario is meant to exercise many", steps)
			}
			oldTree, newTree := sc.tree(sc.old), sc.tree(sc.new)
			outcomes := map[string]int{}
			for k := 1; k <= steps+1; k++ {
				dir := sc.setup(t)
				if killed := crash(t, sc.name, dir, k); killed != (k <= steps) {
					t.Fatalf("step %d of %d: killed %v", k, steps, killed)
				}
				if k <= steps {
					crashRecovery(t, sc, dir, k)
				}

				before, _ := snapshot(t, dir)
				if diffs, err := Check(dir, sc.new); err != nil {
					t.Fatalf("step %d: Check: %v", k, err)
				} else if !mapsEqual(before, newTree) && len(diffs) == 0 {
					t.Errorf("step %d: Check reports a clean tree, but it is not the new one: %s", k, describe(before, newTree))
				}

				rec, err := Recover(dir)
				if err != nil {
					t.Fatalf("step %d: Recover: %v", k, err)
				}
				after, siblings := snapshot(t, dir)
				isOld := mapsEqual(after, oldTree) || (sc.old == nil && len(after) == 0)
				isNew := mapsEqual(after, newTree)
				switch {
				case len(siblings) > 0:
					t.Errorf("step %d: left beside the output directory: %v", k, siblings)
				case rec.Finished && !isNew:
					t.Errorf("step %d: Recover finished the write, but the tree is not the new one: %s", k, describe(after, newTree))
				case rec.Undone && !isOld:
					t.Errorf("step %d: Recover undid the write, but the tree is not the old one: %s", k, describe(after, oldTree))
				case !isOld && !isNew:
					t.Errorf("step %d: torn tree after recovery: against the old: %s; against the new: %s", k, describe(after, oldTree), describe(after, newTree))
				}
				switch {
				case rec.Finished:
					outcomes["finished"]++
				case rec.Undone:
					outcomes["undone"]++
				case isNew:
					outcomes["new, nothing to recover"]++
				default:
					outcomes["old, nothing to recover"]++
				}

				if _, err := Write(context.Background(), dir, sc.new); err != nil {
					t.Fatalf("step %d: Write after recovery: %v", k, err)
				}
				if got, siblings := snapshot(t, dir); !mapsEqual(got, newTree) || len(siblings) > 0 {
					t.Errorf("step %d: Write after recovery: %s; beside it: %v", k, describe(got, newTree), siblings)
				}
				if diffs, err := Check(dir, sc.new); err != nil || len(diffs) != 0 {
					t.Errorf("step %d: not clean after the next Write: %v %v", k, diffs, err)
				}
			}
			t.Logf("%d steps; outcomes after recovery: %v", steps, outcomes)
			if outcomes["finished"] == 0 || outcomes["undone"] == 0 {
				t.Errorf("the crash points reached no committed and uncommitted transactions: %v", outcomes)
			}
		})
	}
}

// crash runs the crash helper for scenario on dir, killed after step k,
// and reports whether it was killed (false: it finished first).
func crash(t *testing.T, scenario, dir string, k int) (killed bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashScenarioEnv+"="+scenario, crashDirEnv+"="+dir, crashStepEnv+"="+strconv.Itoa(k))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() {
		return true
	}
	if err != nil {
		t.Fatalf("%s helper, step %d: %v\n%s", scenario, k, err, out)
	}
	return false
}

// crashRecovery kills a Recover of a copy of dir (a write killed after
// step k) after each of its steps in turn, and checks that a second,
// uninterrupted Recover still leaves the old or the new tree and nothing
// else: an interrupted recovery is itself recoverable.
func crashRecovery(t *testing.T, sc crashScenario, dir string, k int) {
	t.Helper()
	oldTree, newTree := sc.tree(sc.old), sc.tree(sc.new)
	for j := 1; ; j++ {
		cp := filepath.Join(t.TempDir(), "out")
		copyTree(t, dir, cp)
		if !crash(t, "recover", cp, j) {
			return
		}
		if _, err := Recover(cp); err != nil {
			t.Fatalf("write killed after step %d, recovery after step %d: Recover: %v", k, j, err)
		}
		got, siblings := snapshot(t, cp)
		isOld := mapsEqual(got, oldTree) || (sc.old == nil && len(got) == 0)
		if !isOld && !mapsEqual(got, newTree) || len(siblings) > 0 {
			t.Errorf("write killed after step %d, recovery after step %d: torn tree: against the old: %s; against the new: %s; beside it: %v",
				k, j, describe(got, oldTree), describe(got, newTree), siblings)
		}
	}
}

// copyTree copies the directory src (files and directories) to dst, and
// the older versions' sibling leftovers of src beside dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	copyDir := func(from, to string) {
		err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(from, p)
			target := filepath.Join(to, rel)
			if d.IsDir() {
				return os.MkdirAll(target, 0o755)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(src); err == nil {
		copyDir(src, dst)
	}
	_, siblings := snapshot(t, src)
	for _, s := range siblings {
		copyDir(filepath.Join(filepath.Dir(src), s), filepath.Join(filepath.Dir(dst), s))
	}
}

func mapsEqual(a, b map[string]string) bool {
	return (a == nil) == (b == nil) && maps.Equal(a, b)
}

// TestCancelAtEveryStep cancels the write's context (what SIGINT and
// SIGTERM do in the CLI) after each step in turn: before the commit the
// write is undone and returns ErrInterrupted, leaving the old tree and
// nothing else; after it, the write finishes.
func TestCancelAtEveryStep(t *testing.T) {
	defer func() { afterStep = func() {} }()
	for _, sc := range crashScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			steps := sc.countSteps(t)
			oldTree, newTree := sc.tree(sc.old), sc.tree(sc.new)
			var interrupted, finished int
			for k := 1; k <= steps; k++ {
				dir := sc.setup(t)
				// Leftovers are removed before the write starts; the old
				// tree to come back to is the one without them.
				if _, err := Recover(dir); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				n := 0
				afterStep = func() {
					if n++; n == k {
						cancel()
					}
				}
				_, err := Write(ctx, dir, sc.new)
				afterStep = func() {}
				cancel()
				got, siblings := snapshot(t, dir)
				switch {
				case errors.Is(err, ErrInterrupted):
					interrupted++
					if !mapsEqual(got, oldTree) {
						t.Errorf("step %d: interrupted, but the tree is not the old one: %s", k, describe(got, oldTree))
					}
				case err != nil:
					t.Fatalf("step %d: %v", k, err)
				default:
					finished++
					if !mapsEqual(got, newTree) {
						t.Errorf("step %d: finished, but the tree is not the new one: %s", k, describe(got, newTree))
					}
				}
				if len(siblings) > 0 {
					t.Errorf("step %d: left beside the output directory: %v", k, siblings)
				}
			}
			if interrupted == 0 || finished == 0 {
				t.Errorf("interrupted %d times, finished %d times: the steps do not reach both sides of the commit", interrupted, finished)
			}
		})
	}
}

// TestRecoverRemovesLegacyLeftovers: the temporary files older vigil
// versions left when interrupted (next to destinations, and sibling
// directories of fresh trees) make Check report the tree as not clean,
// and Recover removes exactly those, reporting each.
func TestRecoverRemovesLegacyLeftovers(t *testing.T) {
	sc := crashScenarios()[2]
	dir := sc.setup(t)
	diffs, err := Check(dir, sc.old)
	if err != nil {
		t.Fatal(err)
	}
	var stray []string
	for _, d := range diffs {
		if d.Kind != KindStray {
			t.Errorf("unexpected difference %v", d)
		}
		stray = append(stray, d.Path)
	}
	want := slices.Sorted(slices.Values(sc.legacy))
	if !slices.Equal(stray, want) {
		t.Errorf("Check reports strays %v, want %v", stray, want)
	}
	rec, err := Recover(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(slices.Values(rec.Removed)); !slices.Equal(got, want) || rec.Finished || rec.Undone {
		t.Errorf("Recover = %+v, want removed %v", rec, want)
	}
	if got, siblings := snapshot(t, dir); !mapsEqual(got, sc.tree(sc.old)) || len(siblings) > 0 {
		t.Errorf("after Recover: %s; beside it: %v", describe(got, sc.tree(sc.old)), siblings)
	}
	if diffs, err := Check(dir, sc.old); err != nil || len(diffs) != 0 {
		t.Errorf("not clean after Recover: %v %v", diffs, err)
	}
}
