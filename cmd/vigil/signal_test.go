//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/specgen"
	"github.com/vigil-dev/vigil/output"
	"github.com/vigil-dev/vigil/targets"
)

// vigilProcess is the vigil command in a process of its own: the test
// binary, which testscript.Main (TestMain) turns into vigil when its
// argv[0] is "vigil".
func vigilProcess(args ...string) *exec.Cmd {
	return &exec.Cmd{Path: os.Args[0], Args: append([]string{"vigil"}, args...)}
}

// generate compiles spec in process, for comparing an output directory
// with what each spec generates.
func generate(t *testing.T, spec string) map[string][]byte {
	t.Helper()
	s, diags, err := compiler.Load(compiler.Source{Args: []string{spec}})
	if err != nil || len(diags) > 0 {
		t.Fatalf("loading %s: %v %v", spec, err, diags)
	}
	files, err := compiler.Generate(s, targets.All())
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestSignalsDuringCompile sends a real signal to a vigil process while it
// writes a changed spec's output (as soon as its transaction directory
// appears) and checks the promises of docs/architecture.md, "Output":
//
//   - SIGTERM: vigil stops, exits 2 with one line on stderr, and leaves
//     the old tree or the new one, with no temporary file anywhere;
//   - SIGKILL (kill -9): the next compile --check finishes or undoes the
//     interrupted write, says so, and exits 1; the directory is then the
//     old tree or the new one, and a compile makes it clean.
//
// Where the signal lands is up to the scheduler; every assertion holds
// wherever it lands (output's TestCrashAtEveryStep covers every step
// deterministically), and the log says where it landed.
func TestSignalsDuringCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a 100-model spec several times")
	}
	root := t.TempDir()
	specA, specB := filepath.Join(root, "a"), filepath.Join(root, "b")
	size := specgen.Size{Models: 100, Features: 3, SLOs: 3}
	for _, d := range []string{specA, specB} {
		if err := specgen.Write(d, size); err != nil {
			t.Fatal(err)
		}
	}
	// B links its runbooks elsewhere: nearly every file changes.
	head := filepath.Join(specB, "spec.cue")
	b, err := os.ReadFile(head)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(head, bytes.Replace(b, []byte("git.example.com"), []byte("git.example.org"), 1), 0o644)
	filesA, filesB := generate(t, specA), generate(t, specB)

	cases := []struct {
		name  string
		sig   syscall.Signal
		fresh bool
	}{
		{"SIGTERM", syscall.SIGTERM, false},
		{"SIGINT", syscall.SIGINT, false},
		{"SIGKILL", syscall.SIGKILL, false},
		{"SIGKILL into a new directory", syscall.SIGKILL, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "out")
			if !c.fresh {
				if _, err := output.Write(context.Background(), out, filesA); err != nil {
					t.Fatal(err)
				}
			}
			var stderr bytes.Buffer
			cmd := vigilProcess("compile", specB, "-o", out)
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			landed := "after the process exited"
			var waitErr error
		poll:
			for {
				select {
				case waitErr = <-done:
					break poll
				default:
				}
				if _, err := os.Lstat(filepath.Join(out, ".vigil-txn")); err == nil {
					cmd.Process.Signal(c.sig)
					landed = "while the transaction directory existed"
					waitErr = <-done
					break
				}
				time.Sleep(200 * time.Microsecond)
			}
			t.Logf("%s landed %s; exit: %v; stderr: %s", c.name, landed, waitErr, stderr.String())

			inTree := func() string {
				t.Helper()
				for name, files := range map[string]map[string][]byte{"old": filesA, "new": filesB} {
					if diffs, err := output.Check(out, files); err == nil && len(diffs) == 0 {
						return name
					}
				}
				if c.fresh {
					// Before a first compile there were no files: no
					// directory, or an empty one (a kill between creating
					// the directory and recording that the compile made
					// it leaves it empty; output's crash tests accept the
					// same).
					ents, err := os.ReadDir(out)
					if errors.Is(err, os.ErrNotExist) || err == nil && len(ents) == 0 {
						return "old"
					}
				}
				return ""
			}
			noSiblings := func() {
				t.Helper()
				ents, _ := os.ReadDir(parent)
				for _, e := range ents {
					if e.Name() != "out" {
						t.Errorf("left beside the output directory: %s", e.Name())
					}
				}
			}

			if c.sig != syscall.SIGKILL {
				var ee *exec.ExitError
				if landed != "after the process exited" {
					if !errors.As(waitErr, &ee) || ee.ExitCode() != 2 {
						t.Errorf("exit %v, want 2", waitErr)
					}
					want := regexp.MustCompile(`^vigil: interrupted by ` + c.name + `; (` + regexp.QuoteMeta(out) + ` is as it was|the output in ` + regexp.QuoteMeta(out) + ` was already complete)\n$`)
					if !want.MatchString(stderr.String()) {
						t.Errorf("stderr %q, want one line matching %s", stderr.String(), want)
					}
				}
				if tree := inTree(); tree == "" {
					t.Error("the output directory is neither the old tree nor the new one")
				}
				noSiblings()
				return
			}

			// kill -9: the next --check recovers, says so, and is not clean.
			_, txnErr := os.Lstat(filepath.Join(out, ".vigil-txn"))
			var checkErr bytes.Buffer
			check := vigilProcess("compile", specB, "-o", out, "--check")
			check.Stdout, check.Stderr = io.Discard, &checkErr
			err := check.Run()
			var ee *exec.ExitError
			if txnErr == nil {
				if !errors.As(err, &ee) || ee.ExitCode() != 1 {
					t.Errorf("--check after kill -9: exit %v, want 1", err)
				}
				// "an earlier compile was interrupted ...", or, when the
				// kill landed while the transaction directory was still
				// (or again) empty, "removed ... of an interrupted compile".
				if !strings.Contains(checkErr.String(), "interrupted") {
					t.Errorf("--check does not say it recovered:\n%s", checkErr.String())
				}
			}
			tree := inTree()
			if tree == "" {
				t.Error("after recovery the output directory is neither the old tree nor the new one")
			}
			t.Logf("after recovery: the %s tree", tree)
			noSiblings()
			if err := vigilProcess("compile", specB, "-o", out).Run(); err != nil {
				t.Fatalf("compile after recovery: %v", err)
			}
			if err := vigilProcess("compile", specB, "-o", out, "--check").Run(); err != nil {
				t.Errorf("--check after the next compile: %v", err)
			}
			noSiblings()
		})
	}
}
