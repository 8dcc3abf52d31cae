package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/semdiff"
	"github.com/vigil-dev/vigil/targets"
)

// diffRenderers are the --format choices of vigil diff.
var diffRenderers = map[string]func(io.Writer, *semdiff.Report, string) error{
	"text":     semdiff.Text,
	"markdown": semdiff.Markdown,
	"json":     semdiff.JSON,
}

func newDiff(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var baseRev, baseDir, format string
	var withDatadog bool
	cmd := &cobra.Command{
		Use:   "diff (--base REF | --base-dir DIR) [SPEC...]",
		Short: "Summarise what a spec change does to the generated monitoring",
		Long: `diff compiles the spec twice, at a base and in the working tree, and
prints what changed in reviewer's terms: models, SLOs with their error
budgets, alerts, recording rules, drift tests, dashboard panels, runbook
pages and Alertmanager routes. The comparison is structural: a change that
only reorders or reformats the spec shows as no change.

The base is the spec at git revision REF (--base; SPEC paths are mapped
into the revision's tree) or the spec at the same relative paths under DIR
(--base-dir). A spec that does not exist at the base counts as everything
added.

--datadog also compiles the Datadog target on both sides and compares
its SLOs, monitors and dashboards (by their vigil-id; changed JSON fields
are listed); its agent configs and NOTES.md compare as files.

--format text (default) is for terminals, markdown for a pull-request
comment, json for scripts (see docs/review.md for its structure).

Exit codes: 0 nothing changed; 1 something changed; 2 errors (bad flags,
not a git repository, unknown revision, spec errors on either side).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			render, ok := diffRenderers[format]
			if !ok {
				return usageErr("--format %q: want markdown, text or json", format)
			}
			if (baseRev == "") == (baseDir == "") {
				return usageErr("diff needs exactly one of --base REF and --base-dir DIR")
			}
			if withDatadog {
				g.diffTargets = append(targets.All(), targets.OptIn()...)
			}
			// The base first, so that a missing repository or revision is
			// reported before anything else.
			var base semdiff.Side
			var err error
			label := baseDir
			if baseRev != "" {
				label = baseRev
				base, err = compileRevision(g, baseRev, args, stdout, stderr)
			} else {
				base, err = compileBaseDir(g, baseDir, args, stdout, stderr)
			}
			if err != nil {
				return err
			}
			head, err := compileSide(g, compiler.Source{Args: args}, "the working tree", stdout, stderr)
			if err != nil {
				return err
			}
			report, err := semdiff.Compare(base, head)
			if err != nil {
				return &exitError{exitUsage, err}
			}
			if err := render(stdout, report, label); err != nil {
				return &exitError{exitUsage, err}
			}
			if report.Changed() {
				return silentFail
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&baseRev, "base", "", "git revision to compare with (e.g. origin/main)")
	cmd.Flags().StringVar(&baseDir, "base-dir", "", "directory holding the base spec, at the same relative paths")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, markdown or json")
	cmd.Flags().BoolVar(&withDatadog, "datadog", false, "also compare the Datadog target's SLOs, monitors and dashboards")
	return cmd
}

// compileSide loads a spec and generates its artifacts in the forms the
// comparison reads (plain rules and dashboards; the spec's chosen forms
// are compared as settings). Spec errors are printed and exit 2: diff
// has nothing to compare.
func compileSide(g *globals, src compiler.Source, what string, stdout, stderr io.Writer) (semdiff.Side, error) {
	spec, err := loadSpec(g, src, stdout, stderr)
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) && ee.err == nil {
			return semdiff.Side{}, &exitError{exitUsage, fmt.Errorf("the spec in %s has errors", what)}
		}
		if errors.As(err, &ee) {
			return semdiff.Side{}, &exitError{exitUsage, fmt.Errorf("%s: %v", what, ee.err)}
		}
		return semdiff.Side{}, &exitError{exitUsage, err}
	}
	plain := *spec
	plain.Output.RulesFormat = "plain"
	plain.Output.DashboardsFormat = "plain"
	files, err := await(g.context(), func() (map[string][]byte, error) {
		sel := g.diffTargets
		if sel == nil {
			sel = targets.All()
		}
		return compiler.Generate(&plain, sel)
	})
	var ee *exitError
	if errors.As(err, &ee) {
		return semdiff.Side{}, err
	}
	if err != nil {
		return semdiff.Side{}, &exitError{exitUsage, fmt.Errorf("%s: %v", what, err)}
	}
	return semdiff.Side{Spec: spec, Files: files}, nil
}

// compileBaseDir compiles the spec at the same paths, relative to the
// working directory, under dir.
func compileBaseDir(g *globals, dir string, args []string, stdout, stderr io.Writer) (semdiff.Side, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return semdiff.Side{}, usageErr("--base-dir %s: no such directory", dir)
	}
	cwd, err := workingDir()
	if err != nil {
		return semdiff.Side{}, &exitError{exitUsage, err}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return semdiff.Side{}, &exitError{exitUsage, err}
	}
	return compileMirror(g, cwd, abs, args, "--base-dir "+dir, stdout, stderr)
}

// compileMirror compiles the base spec in a tree that mirrors the
// working tree: workRoot in the working tree corresponds to baseRoot.
// Spec arguments missing at the base are dropped; when none is left the
// base is empty, so everything counts as added.
func compileMirror(g *globals, workRoot, baseRoot string, args []string, what string, stdout, stderr io.Writer) (semdiff.Side, error) {
	cwd, err := workingDir()
	if err != nil {
		return semdiff.Side{}, &exitError{exitUsage, err}
	}
	mirror := func(p string) (string, error) {
		rel, err := filepath.Rel(workRoot, p)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "", usageErr("%s is outside %s, so it has no counterpart in %s", p, workRoot, what)
		}
		return filepath.Join(baseRoot, rel), nil
	}
	dir, err := mirror(cwd)
	if err != nil {
		return semdiff.Side{}, err
	}
	in := args
	if len(in) == 0 {
		in = []string{"."}
	}
	var baseArgs []string
	for _, a := range in {
		p := a
		if !filepath.IsAbs(p) {
			p = filepath.Join(cwd, p)
		}
		m, err := mirror(filepath.Clean(p))
		if err != nil {
			return semdiff.Side{}, err
		}
		if _, err := os.Stat(m); err == nil {
			baseArgs = append(baseArgs, m)
		}
	}
	if len(baseArgs) == 0 {
		return semdiff.Side{}, nil
	}
	return compileSide(g, compiler.Source{Args: baseArgs, Dir: dir}, what, stdout, stderr)
}

// workingDir is the process's working directory with symlinks resolved,
// so that it compares with the paths git reports.
func workingDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(wd)
}
