// Command vigil compiles monitoring specs for machine-learning services
// into Prometheus rules, Grafana dashboards, runbooks and drift-evaluator
// configs.
//
// Exit codes (see exitContract): 0 success; 1 the spec is wrong or a
// check found differences; 2 usage and environment problems.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/diag"
	"github.com/vigil-dev/vigil/output"
	"github.com/vigil-dev/vigil/schema"
	"github.com/vigil-dev/vigil/targets"
)

func main() { os.Exit(Main()) }

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// exitContract is the exit-code contract, printed by vigil --help and
// kept in the README; testdata/script/exit_codes.txtar covers each rule.
const exitContract = `Exit codes:
  0  success
  1  the spec is wrong, compile --check found differences, diff found
     changes, simulate --check found a failed expectation, or check
     found series missing on the server
  2  usage and environment problems: bad flags or arguments, paths that
     cannot be read or written (missing, unreadable, symbolic-link
     loops), an output path that is not a directory, a collision with a
     file vigil does not own, an output directory another vigil process
     is writing, an interruption by SIGINT or SIGTERM, a server check
     cannot query; and, for diff (where 1 means "changed"), a spec with
     errors on either side`

// exitError carries an exit code out of a cobra command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func usageErr(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, args...)}
}

// silentFail exits 1 after the command already printed what went wrong.
var silentFail = &exitError{code: exitFail}

// Main runs the vigil command line with os.Args and returns the exit code.
// Tests drive it in-process through testscript.
//
// SIGINT and SIGTERM cancel the command's context: the command stops,
// removes what it had staged, and exits 2 with a one-line message.
func Main() int {
	ctx, stop := notifyInterrupt(context.Background())
	defer stop()
	return run(ctx, os.Args[1:], os.Stdout, os.Stderr)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "vigil: %v\n", ee.err)
		}
		return ee.code
	}
	// Anything else comes from cobra's flag and argument parsing.
	fmt.Fprintf(stderr, "vigil: %v\nRun 'vigil --help' for usage.\n", err)
	return exitUsage
}

// globals are the persistent flags and the invocation's context.
type globals struct {
	errorFormat string
	// ctx is cancelled by SIGINT and SIGTERM (see Main).
	ctx context.Context
	// diffTargets are the targets diff compiles (nil: targets.All()).
	diffTargets []compiler.Target
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "vigil",
		Short: "Monitoring-as-code compiler for machine-learning services",
		Long: `vigil compiles a monitoring spec for machine-learning services, written in
CUE (or YAML/JSON), into Prometheus rules, Grafana dashboards, runbooks and
drift-evaluator configs.

` + exitContract,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			g.ctx = cmd.Context()
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&g.errorFormat, "error-format", "text", "how to print spec errors: text, json or github-actions")
	root.AddCommand(
		newInit(stdout, stderr),
		newVet(g, stdout, stderr),
		newCompile(g, stdout, stderr),
		newDiff(g, stdout, stderr),
		newSchema(stdout),
		newDrift(stdout, stderr),
		newSimulate(g, stdout, stderr),
		newApply(g, stdout, stderr),
		newCheck(g, stdout, stderr),
		newImport(g, stdout, stderr),
		newExport(g, stdout, stderr),
		newVersion(stdout),
	)
	return root
}

// loadSpec loads and validates a spec, printing diagnostics in the chosen
// format. It returns an exitError when the spec is not usable: exit 2 when
// the source cannot be read (or a signal interrupted the load), silentFail
// (exit 1) after printing spec errors.
//
// Text goes to stderr; the machine-readable formats (json, github-actions)
// go to stdout, where CI runners and scripts read them.
func loadSpec(g *globals, src compiler.Source, stdout, stderr io.Writer) (*compiler.Spec, error) {
	format, err := diag.ParseFormat(g.errorFormat)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	type loaded struct {
		spec  *compiler.Spec
		diags diag.List
	}
	l, err := await(g.context(), func() (loaded, error) {
		spec, diags, err := compiler.Load(src)
		return loaded{spec, diags}, err
	})
	var ee *exitError
	if errors.As(err, &ee) {
		return nil, err
	}
	if err != nil {
		return nil, usageErr("%v", err)
	}
	spec, diags := l.spec, l.diags
	if len(diags) > 0 {
		w := stderr
		if format != diag.Text {
			w = stdout
		}
		if err := diag.Write(w, format, diags); err != nil {
			return nil, err
		}
		if format == diag.Text {
			fmt.Fprintf(stderr, "vigil: %d error%s in spec\n", len(diags), plural(len(diags)))
		}
		return nil, silentFail
	}
	return spec, nil
}

// context is the invocation's context (a background one for commands
// run without Execute, as some tests do).
func (g *globals) context() context.Context {
	if g.ctx == nil {
		return context.Background()
	}
	return g.ctx
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func newVet(g *globals, stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "vet [SPEC...]",
		Short: "Validate a spec without generating anything",
		Long: `vet loads the spec (a CUE package directory, CUE files, or YAML/JSON
files; default: the current directory), checks it against the schema and
vigil's semantic rules, and prints every problem with its position.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := loadSpec(g, compiler.Source{Args: args}, stdout, stderr)
			return err
		},
	}
}

func newCompile(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var (
		out       string
		names     []string
		check     bool
		listOnly  bool
		rulesFmt  string
		ruleCheck string
		dashFmt   string
	)
	cmd := &cobra.Command{
		Use:   "compile [SPEC...] -o DIR",
		Short: "Generate rules, dashboards, runbooks and configs from a spec",
		Long: `compile validates the spec and writes every target's artifacts under DIR.

Writing is one transaction: new and changed files are staged in
DIR/.vigil-txn/ and renamed into place only once all of them are written,
so DIR always holds the old tree or the new one; unchanged files are not
touched. If a compile is killed mid-write, the next compile (or compile
--check) of DIR finishes or undoes that write first and says so. SIGINT
and SIGTERM stop a compile cleanly (exit 2).
A manifest (DIR/.vigil-manifest.json) lists the files vigil owns, so files
from an earlier compile that are no longer generated are removed, and
files vigil did not write are never touched (a generated file that would
overwrite one is refused, exit 2). A spec with errors writes nothing.

With --check nothing is generated into DIR: compile exits 1 and lists the
files that differ from what it would write (use it as a CI staleness
gate); a DIR left by an interrupted compile is recovered and reported as
not clean.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErr("compile needs an output directory: -o DIR")
			}
			sel, err := targets.Select(names)
			if err != nil {
				return usageErr("%v", err)
			}
			if rulesFmt != "" && !contains(compiler.RulesFormats, rulesFmt) {
				return usageErr("--rules-format %q: want one of %s", rulesFmt, strings.Join(compiler.RulesFormats, ", "))
			}
			if ruleCheck != "" && !contains(compiler.RuleChecks, ruleCheck) {
				return usageErr("--rule-check %q: want one of %s", ruleCheck, strings.Join(compiler.RuleChecks, ", "))
			}
			if dashFmt != "" && !contains(compiler.DashboardsFormats, dashFmt) {
				return usageErr("--dashboards-format %q: want one of %s", dashFmt, strings.Join(compiler.DashboardsFormats, ", "))
			}
			spec, err := loadSpec(g, compiler.Source{Args: args}, stdout, stderr)
			if err != nil {
				return err
			}
			if rulesFmt != "" {
				spec.Output.RulesFormat = rulesFmt
			}
			if dashFmt != "" {
				spec.Output.DashboardsFormat = dashFmt
			}
			spec.Output.RuleCheck = ruleCheck
			files, err := await(g.context(), func() (map[string][]byte, error) {
				return compiler.Generate(spec, sel)
			})
			var ee *exitError
			if errors.As(err, &ee) {
				return err
			}
			if err != nil {
				return &exitError{exitFail, err}
			}
			if listOnly {
				for _, p := range compiler.SortedPaths(files) {
					fmt.Fprintln(stdout, p)
				}
				return nil
			}
			if check {
				return checkOutput(g, out, files, stdout, stderr)
			}
			rec, err := output.Write(g.context(), out, files)
			printRecovery(stderr, out, rec)
			if errors.Is(err, output.ErrInterrupted) {
				return interrupted(g.context(), out+" is as it was")
			}
			if err != nil {
				return &exitError{exitUsage, err}
			}
			if g.context().Err() != nil {
				return interrupted(g.context(), "the output in "+out+" was already complete")
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "output directory")
	cmd.Flags().StringSliceVar(&names, "target", nil, "generate only these targets (repeatable; known: "+strings.Join(targets.Names(), ", ")+")")
	cmd.Flags().BoolVar(&check, "check", false, "write nothing; exit 1 and list files that differ from the spec")
	cmd.Flags().BoolVar(&listOnly, "list", false, "print the paths that would be written, and write nothing")
	cmd.MarkFlagsMutuallyExclusive("list", "check")
	cmd.Flags().StringVar(&rulesFmt, "rules-format", "", "Prometheus rules form: plain, operator (PrometheusRule) or mimir (ruler namespaces); overrides output.prometheus.format")
	cmd.Flags().StringVar(&ruleCheck, "rule-check", "", "how each generated rule file is checked before it is written: shapes (default; rulefmt's checks on the rule groups, shared between identical expression shapes, see docs/prometheus.md) or rulefmt (rulefmt.Parse of every file, as Prometheus loads it; about 16 ms of CPU per file)")
	cmd.Flags().StringVar(&dashFmt, "dashboards-format", "", "Grafana dashboards form: plain (JSON + provisioning), configmap (sidecar), operator (GrafanaDashboard) or v2 (dashboard.grafana.app/v2 resources); overrides output.grafana.format")
	return cmd
}

func newSchema(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the CUE schema embedded in this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			files := schema.Files()
			for i, name := range schema.Names() {
				if i > 0 {
					fmt.Fprintln(stdout)
				}
				fmt.Fprintf(stdout, "// ---- %s/%s ----\n", schema.ImportPath, name)
				stdout.Write(files[name])
			}
			return nil
		},
	}
}

// version is set by the release build with -ldflags "-X main.version=...".
var version = ""

func newVersion(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print vigil's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := version
			if v == "" {
				v = "(devel)"
				if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
					v = bi.Main.Version
				}
			}
			fmt.Fprintf(stdout, "vigil %s\n", v)
			return nil
		},
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkOutput is compile --check: it recovers DIR from an interrupted
// write (reporting that as a difference), then lists every file that
// differs from files. Exit 1 when anything differs.
func checkOutput(g *globals, out string, files map[string][]byte, stdout, stderr io.Writer) error {
	rec, err := output.Recover(out)
	printRecovery(stderr, out, rec)
	if err != nil {
		return &exitError{exitUsage, err}
	}
	diffs, err := output.Check(out, files)
	if err != nil {
		return &exitError{exitUsage, err}
	}
	diffs = append(rec.Differences(), diffs...)
	if len(diffs) == 0 {
		return nil
	}
	format, _ := diag.ParseFormat(g.errorFormat)
	var l diag.List
	for _, d := range diffs {
		p := filepath.ToSlash(filepath.Join(out, d.Path))
		if format == diag.Text {
			fmt.Fprintf(stdout, "%s: %s\n", p, d.Kind)
		}
		l = append(l, diag.Diagnostic{Pos: diag.Position{File: p}, Message: checkMessage(d.Kind)})
	}
	if format != diag.Text {
		// Machine-readable: a JSON list or one GitHub annotation per
		// file.
		if err := diag.Write(stdout, format, l); err != nil {
			return &exitError{exitUsage, err}
		}
	}
	fmt.Fprintf(stderr, "vigil: %d file%s in %s differ from the spec; run vigil compile to update them\n", len(diffs), plural(len(diffs)), out)
	return silentFail
}

// checkMessage explains a --check difference of the given kind.
func checkMessage(kind string) string {
	switch kind {
	case output.KindUnfinished:
		return "an interrupted compile had left this write unfinished (recovered now); run vigil compile and commit the result"
	case output.KindStray:
		return "a leftover temporary file of an interrupted compile (removed now); run vigil compile and commit the result"
	}
	return "generated file is " + kind + "; run vigil compile and commit the result"
}

// printRecovery tells the user what was recovered from an interrupted
// write, one line each.
func printRecovery(stderr io.Writer, out string, rec output.Recovery) {
	for _, n := range rec.Notes(out) {
		fmt.Fprintf(stderr, "vigil: %s\n", n)
	}
}
