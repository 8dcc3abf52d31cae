package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/importer"
	"github.com/vigil-dev/vigil/importer/openslo"
	"github.com/vigil-dev/vigil/importer/sloth"
	"github.com/vigil-dev/vigil/output"
)

func newImport(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var (
		out          string
		allowPartial bool
	)
	cmd := &cobra.Command{
		Use:   "import sloth|openslo FILE... [-o DIR]",
		Short: "Convert Sloth or OpenSLO SLOs into a vigil spec",
		Long: `import reads Sloth specs (prometheus/v1 and the PrometheusServiceLevel CRD)
or OpenSLO v1 documents and writes a formatted vigil CUE spec, one file per
service (<service>.cue), that passes vigil vet unchanged.

Everything that could not be carried over is listed on stderr with its
source position and what to do instead, and import writes nothing and
exits 1, unless --allow-partial is given (then it writes what it could
import and exits 0). Notes (defaults chosen, names changed) never
fail an import. docs/import.md has the mapping tables.

With -o DIR the files are written as one transaction (see compile);
without it, a single output file is printed to stdout.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, paths := args[0], args[1:]
			if !slices.Contains([]string{"sloth", "openslo"}, format) {
				return usageErr("import %q: want sloth or openslo", format)
			}
			var res importer.Result
			switch format {
			case "sloth":
				var files []sloth.File
				for _, p := range paths {
					b, err := os.ReadFile(p)
					if err != nil {
						return usageErr("%v", err)
					}
					files = append(files, sloth.File{Name: p, Data: b})
				}
				res = sloth.Import(files)
			case "openslo":
				r, err := importOpenSLO(paths)
				if err != nil {
					return err
				}
				res = r
			}
			return writeImport(g, res, out, allowPartial, stdout, stderr)
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "output directory (default: print the one generated file)")
	cmd.Flags().BoolVar(&allowPartial, "allow-partial", false, "exit 0 even when some content could not be imported")
	return cmd
}

// writeImport prints the findings and writes the files.
func writeImport(g *globals, res importer.Result, out string, allowPartial bool, stdout, stderr io.Writer) error {
	for _, f := range res.Findings {
		fmt.Fprintln(stderr, f.String())
	}
	fmt.Fprintf(stderr, "vigil: %s\n", importer.Summary(res.Findings))
	if len(res.Files) == 0 {
		fmt.Fprintln(stderr, "vigil: nothing to write")
		return silentFail
	}
	if res.Findings.Dropped() > 0 && !allowPartial {
		fmt.Fprintln(stderr, "vigil: nothing written; fix the source, or rerun with --allow-partial to write what could be imported")
		return silentFail
	}
	if out == "" {
		if len(res.Files) > 1 {
			return usageErr("the import gives %d files (one per service); write them with -o DIR", len(res.Files))
		}
		for _, b := range res.Files {
			stdout.Write(b)
		}
		return nil
	}
	rec, err := output.Write(g.context(), out, res.Files)
	printRecovery(stderr, out, rec)
	if errors.Is(err, output.ErrInterrupted) {
		return interrupted(g.context(), out+" is as it was")
	}
	if err != nil {
		return &exitError{exitUsage, err}
	}
	return nil
}

func importOpenSLO(paths []string) (importer.Result, error) {
	var files []openslo.File
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return importer.Result{}, usageErr("%v", err)
		}
		files = append(files, openslo.File{Name: p, Data: b})
	}
	return openslo.Import(files), nil
}

func newExport(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var (
		out          string
		allowPartial bool
	)
	cmd := &cobra.Command{
		Use:   "export openslo [SPEC...] [-o DIR]",
		Short: "Write a spec's SLOs as OpenSLO v1 documents",
		Long: `export openslo loads the spec (like vet) and writes its SLOs as OpenSLO v1
documents: datasource.yaml (the Prometheus DataSource) and <model>.yaml per
model (its Service, its SLOs with their SLIs, one AlertPolicy and
AlertCondition per burn-rate window pair). What OpenSLO cannot say is kept
in vigil.dev/ annotations, so that vigil import openslo gives back an
equivalent spec. SLOs that cannot be exported (freshness) are listed on
stderr and export exits 1, unless --allow-partial is given.

With -o DIR the files are written as one transaction; without it, every
document is printed to stdout as one YAML stream.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "openslo" {
				return usageErr("export %q: want openslo", args[0])
			}
			spec, err := loadSpec(g, compiler.Source{Args: args[1:]}, stdout, stderr)
			if err != nil {
				return err
			}
			files, findings := openslo.Export(spec)
			for _, f := range findings {
				kind := "not exported"
				if f.Level == importer.Note {
					kind = "note"
				}
				fmt.Fprintf(stderr, "vigil: model %s: %s: %s\n", f.Pos.File, kind, f.Message)
			}
			if out == "" {
				for _, p := range compiler.SortedPaths(files) {
					stdout.Write(files[p])
				}
			} else {
				rec, err := output.Write(g.context(), out, files)
				printRecovery(stderr, out, rec)
				if errors.Is(err, output.ErrInterrupted) {
					return interrupted(g.context(), out+" is as it was")
				}
				if err != nil {
					return &exitError{exitUsage, err}
				}
			}
			if findings.Dropped() > 0 && !allowPartial {
				return silentFail
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "output directory (default: print the documents)")
	cmd.Flags().BoolVar(&allowPartial, "allow-partial", false, "exit 0 even when some SLOs could not be exported")
	return cmd
}
