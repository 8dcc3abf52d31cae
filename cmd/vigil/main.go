// Command vigil compiles monitoring specs for machine-learning services
// into Prometheus rules, Grafana dashboards, runbooks and drift-evaluator
// configs.
//
// Exit codes: 0 success, 1 spec errors or --check found differences,
// 2 usage errors (bad flags, missing files).
package main

import (
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
func Main() int {
	return run(os.Args[1:], os.Stdout, os.Stderr)
}

func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
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

// globals are the persistent flags.
type globals struct {
	errorFormat string
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "vigil",
		Short: "Monitoring-as-code compiler for machine-learning services",
		Long: `vigil compiles a monitoring spec for machine-learning services, written in
CUE (or YAML/JSON), into Prometheus rules, Grafana dashboards, runbooks and
drift-evaluator configs.

Exit codes: 0 success; 1 spec errors or --check found differences;
2 usage errors.`,
		SilenceUsage:  true,
		SilenceErrors: true,
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
		newVersion(stdout),
	)
	return root
}

// loadSpec loads and validates a spec, printing diagnostics in the chosen
// format. It returns an exitError when the spec is not usable: exit 2 when
// the source cannot be read, silentFail (exit 1) after printing spec errors.
//
// Text goes to stderr; the machine-readable formats (json, github-actions)
// go to stdout, where CI runners and scripts read them.
func loadSpec(g *globals, src compiler.Source, stdout, stderr io.Writer) (*compiler.Spec, error) {
	format, err := diag.ParseFormat(g.errorFormat)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	spec, diags, err := compiler.Load(src)
	if err != nil {
		return nil, usageErr("%v", err)
	}
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

Writing is atomic: a new DIR is written to a temporary directory and
renamed into place; in an existing DIR each changed file is replaced by a
rename, and unchanged files are not touched.
A manifest (DIR/.vigil-manifest.json) lists the files vigil owns, so files
from an earlier compile that are no longer generated are removed, and
files vigil did not write are never touched. A spec with errors writes
nothing.

With --check nothing is written: compile exits 1 and lists the files that
differ from what it would write (use it as a CI staleness gate).`,
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
			files, err := compiler.Generate(spec, sel)
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
				diffs, err := output.Check(out, files)
				if err != nil {
					return &exitError{exitFail, err}
				}
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
					l = append(l, diag.Diagnostic{Pos: diag.Position{File: p}, Message: "generated file is " + d.Kind + "; run vigil compile and commit the result"})
				}
				if format != diag.Text {
					// Machine-readable: a JSON list or one GitHub
					// annotation per stale file.
					if err := diag.Write(stdout, format, l); err != nil {
						return &exitError{exitFail, err}
					}
				}
				fmt.Fprintf(stderr, "vigil: %d file%s in %s differ from the spec; run vigil compile to update them\n", len(diffs), plural(len(diffs)), out)
				return silentFail
			}
			if err := output.Write(out, files); err != nil {
				return &exitError{exitFail, err}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "output directory")
	cmd.Flags().StringSliceVar(&names, "target", nil, "generate only these targets (repeatable; known: "+strings.Join(targets.Names(), ", ")+")")
	cmd.Flags().BoolVar(&check, "check", false, "write nothing; exit 1 and list files that differ from the spec")
	cmd.Flags().BoolVar(&listOnly, "list", false, "print the paths that would be written, and write nothing")
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
