package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"

	"github.com/spf13/cobra"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/output"
	"github.com/vigil-dev/vigil/simulate"
)

func newSimulate(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var scenarios []string
	var check bool
	var format, chartDir string
	cmd := &cobra.Command{
		Use:   "simulate [SPEC...] [--scenario FILE]... [--check] [--chart DIR]",
		Short: "Replay scenarios through the generated alert rules",
		Long: `simulate generates synthetic series for a scenario (traffic, error ratio,
latency, confidence, feedback and drift scores over time), runs the model's
generated rules in the Prometheus rule engine in process, and prints a
timeline: when each alert went pending, fired and resolved, the error
budget consumed at the end (the rules' own vigil:slo_budget_consumed:ratio,
which the budget-tier alerts compare), and the time to detect from the
incident start.

Scenarios are YAML or CUE files (see docs/simulate.md). Without --scenario,
simulate runs every scenarios/*.yaml, *.yml and *.cue next to the spec.

--check verifies the expectations written in each scenario and exits 1 if
any fails, or if one names an alert the model does not have. --chart DIR writes <scenario>.svg and <scenario>.png: burn rate
and budget consumed over time (or drift scores), with the alert thresholds
and firing intervals marked.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageErr("--format must be text or json, not %q", format)
			}
			if len(scenarios) == 0 {
				found, err := findScenarios(args)
				if err != nil {
					return err
				}
				scenarios = found
			}
			var parsed []*simulate.Scenario
			var bad bool
			for _, f := range scenarios {
				b, err := os.ReadFile(f)
				if err != nil {
					return usageErr("%v", err)
				}
				sc, err := simulate.ParseScenario(f, b)
				if err != nil {
					fmt.Fprintln(stderr, err)
					bad = true
					continue
				}
				parsed = append(parsed, sc)
			}
			if bad {
				return silentFail
			}
			spec, err := loadSpec(g, compiler.Source{Args: args}, stdout, stderr)
			if err != nil {
				return err
			}
			// Scenarios are independent and CPU-bound: simulate them
			// concurrently, one per core, and report in file order.
			results := make([]*simulate.Result, len(parsed))
			errs := make([]error, len(parsed))
			next := make(chan int)
			var wg sync.WaitGroup
			for range min(runtime.GOMAXPROCS(0), len(parsed)) {
				wg.Go(func() {
					for i := range next {
						results[i], errs[i] = simulate.Run(g.context(), spec, parsed[i])
					}
				})
			}
			for i := range parsed {
				next <- i
			}
			close(next)
			wg.Wait()
			if g.context().Err() != nil {
				return interrupted(g.context(), "no scenario was reported")
			}
			failed := false
			for i, res := range results {
				if err := errs[i]; err != nil {
					return &exitError{exitFail, fmt.Errorf("%s: %w", scenarios[i], err)}
				}
				if i > 0 && format == "text" {
					fmt.Fprintln(stdout)
				}
				var err error
				if format == "json" {
					err = res.WriteJSON(stdout)
				} else {
					err = res.WriteText(stdout)
				}
				if err != nil {
					return err
				}
				if chartDir != "" {
					if err := writeCharts(chartDir, res); err != nil {
						return &exitError{exitFail, err}
					}
				}
				if !res.Passed() {
					failed = true
				}
			}
			if check && failed {
				fmt.Fprintln(stderr, "vigil: some scenario expectations failed")
				return silentFail
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&scenarios, "scenario", nil, "scenario file (YAML or CUE); repeatable")
	cmd.Flags().BoolVar(&check, "check", false, "exit 1 when a scenario's expectations fail")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().StringVar(&chartDir, "chart", "", "write an SVG and a PNG chart per scenario into this directory")
	return cmd
}

// findScenarios lists scenarios/*.{yaml,yml,cue} next to the spec.
func findScenarios(args []string) ([]string, error) {
	dir := "."
	if len(args) > 0 {
		dir = args[0]
		if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
			dir = filepath.Dir(dir)
		}
	}
	var out []string
	for _, pat := range []string{"*.yaml", "*.yml", "*.cue"} {
		m, _ := filepath.Glob(filepath.Join(dir, "scenarios", pat))
		out = append(out, m...)
	}
	if len(out) == 0 {
		return nil, usageErr("no --scenario given and no scenarios/*.yaml or *.cue in %s", dir)
	}
	sort.Strings(out)
	return out, nil
}

// writeCharts renders the result's chart as SVG and PNG, atomically per
// file.
func writeCharts(dir string, res *simulate.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, kind := range []string{"svg", "png"} {
		b, err := simulate.Chart(res, kind)
		if err != nil {
			return fmt.Errorf("chart for %s: %w", res.Scenario.Name, err)
		}
		if err := output.WriteFile(filepath.Join(dir, res.Scenario.Name+"."+kind), b); err != nil {
			return err
		}
	}
	return nil
}
