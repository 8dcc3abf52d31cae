package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/spf13/cobra"

	"github.com/vigil-dev/vigil/output"
	"github.com/vigil-dev/vigil/schema"
)

// starterSpec is the spec `vigil init` writes: a small but complete model
// that compiles as is.
const starterSpec = `// Monitoring spec for %[1]s. Run ` + "`vigil vet`" + ` to check it and
// ` + "`vigil compile -o out`" + ` to generate rules, dashboards and runbooks.
// ` + "`vigil schema`" + ` prints every field with its documentation.
package monitoring

import "github.com/vigil-dev/vigil/schema"

schema.#Spec

models: "%[1]s": {
	description: "What this model does and who depends on it."
	team:        "ml-platform"

	slos: {
		availability: {
			objective: 99.9
			availability: {}
		}
		latency: {
			objective: 99
			latency: threshold: "500ms"
		}
	}
}
`

const initModule = `module: %q
language: version: "v0.12.0"
`

var modulePathRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*\.[a-z]+(/[a-zA-Z0-9._-]+)*$`)

func newInit(stdout, stderr io.Writer) *cobra.Command {
	var module, model string
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create a starter spec and a CUE module that stock cue tools understand",
		Long: `init lays down, in DIR (default: the current directory):

  cue.mod/module.cue                              a CUE module (unless one exists)
  cue.mod/pkg/github.com/vigil-dev/vigil/schema/  the schema, so that
                                                  'cue vet' and editors resolve
                                                  the schema import offline
  spec.cue                                        a starter spec (never overwritten)

Re-running init refreshes the schema copy to this binary's version.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			if !modulePathRE.MatchString(module) {
				return usageErr("--module %q is not a valid CUE module path (e.g. example.com/monitoring)", module)
			}
			if !nameOK(model) {
				return usageErr("--model %q is not a safe name: use lower-case letters, digits, '-' and '_', starting with a letter", model)
			}
			if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
				return usageErr("cannot initialise %s: it exists and is not a directory", dir)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return usageErr("cannot create %s: %v", dir, unwrapPath(err))
			}
			modFile := filepath.Join(dir, "cue.mod", "module.cue")
			if _, err := os.Stat(modFile); errors.Is(err, fs.ErrNotExist) {
				if err := writeFile(modFile, []byte(fmt.Sprintf(initModule, module))); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "created %s\n", filepath.ToSlash(modFile))
			}
			pkgDir := filepath.Join(dir, "cue.mod", "pkg", filepath.FromSlash(schema.ImportPath))
			files := schema.Files()
			for _, name := range schema.Names() {
				if err := writeFile(filepath.Join(pkgDir, name), files[name]); err != nil {
					return err
				}
			}
			fmt.Fprintf(stdout, "wrote schema to %s\n", filepath.ToSlash(pkgDir))
			specFile := filepath.Join(dir, "spec.cue")
			if _, err := os.Stat(specFile); err == nil {
				fmt.Fprintf(stdout, "kept existing %s\n", filepath.ToSlash(specFile))
				return nil
			}
			if err := writeFile(specFile, []byte(fmt.Sprintf(starterSpec, model))); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "created %s\n", filepath.ToSlash(specFile))
			return nil
		},
	}
	cmd.Flags().StringVar(&module, "module", "example.com/monitoring", "CUE module path for a new cue.mod/module.cue")
	cmd.Flags().StringVar(&model, "model", "my-model", "name of the model in the starter spec")
	return cmd
}

var safeNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

func nameOK(s string) bool { return safeNameRE.MatchString(s) }

// writeFile writes one of init's files atomically (a killed init leaves
// the old file or the new one); a failure is an environment problem.
func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return usageErr("cannot create %s: %v", filepath.Dir(path), unwrapPath(err))
	}
	if err := output.WriteFile(path, b); err != nil {
		return usageErr("cannot write %s: %v", path, unwrapPath(err))
	}
	return nil
}

// unwrapPath drops the operation and path of a *fs.PathError when the
// message names the path already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}
