package output

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/benchcpu"
	"github.com/vigil-dev/vigil/internal/specgen"
	"github.com/vigil-dev/vigil/targets"
)

// benchTrees compiles two 1,000-model specs (10 features and 3 SLOs per
// model, every target) that differ in their runbook link, so that nearly
// every generated file differs between them (runbook URLs sit in every
// alert, runbook and dashboard).
func benchTrees(b *testing.B) (a, c map[string][]byte) {
	b.Helper()
	gen := func(host string) map[string][]byte {
		dir := b.TempDir()
		if err := specgen.Write(dir, specgen.Size{Models: 1000, Features: 10, SLOs: 3}); err != nil {
			b.Fatal(err)
		}
		if host != "" {
			head := filepath.Join(dir, "spec.cue")
			src, err := os.ReadFile(head)
			if err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(head, []byte(strings.ReplaceAll(string(src), "git.example.com", host)), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		spec, diags, err := compiler.Load(compiler.Source{Args: []string{dir}})
		if err != nil || len(diags) > 0 {
			b.Fatal(err, diags)
		}
		files, err := compiler.Generate(spec, targets.All())
		if err != nil {
			b.Fatal(err)
		}
		return files
	}
	return gen(""), gen("git.example.org")
}

// BenchmarkWrite measures what writing the 1,000-model spec's output
// tree (about 30,000 files) costs with the transaction (Write), against
// the per-file replacement vigil used before it (writeInPlace below,
// which was not crash-safe: a kill mid-write left a torn tree and
// orphaned temporary files). Cases:
//
//   - update: the directory holds the other spec's tree, so nearly every
//     file is rewritten (what a changed spec costs);
//   - unchanged: the directory already holds this tree (what re-running
//     compile costs);
//   - fresh: the directory does not exist.
//
// Each op alternates between the two trees, so update always changes
// them. It reports CPU seconds per op next to wall time.
func BenchmarkWrite(b *testing.B) {
	a, c := benchTrees(b)
	b.Logf("%d and %d files", len(a), len(c))
	writers := []struct {
		name  string
		write func(dir string, files map[string][]byte) error
	}{
		{"transaction", func(dir string, files map[string][]byte) error {
			_, err := Write(context.Background(), dir, files)
			return err
		}},
		{"per-file-rename", writeInPlace},
	}
	for _, w := range writers {
		for _, kind := range []string{"update", "unchanged", "fresh"} {
			b.Run(fmt.Sprintf("%s/%s", kind, w.name), func(b *testing.B) {
				root := b.TempDir()
				dir := filepath.Join(root, "out")
				if err := w.write(dir, a); err != nil {
					b.Fatal(err)
				}
				trees := []map[string][]byte{c, a}
				cpu := benchcpu.Start()
				i := 0
				for b.Loop() {
					files := trees[i%2]
					switch kind {
					case "unchanged":
						files = a
					case "fresh":
						b.StopTimer()
						os.RemoveAll(dir)
						b.StartTimer()
					}
					if err := w.write(dir, files); err != nil {
						b.Fatal(err)
					}
					i++
				}
				cpu.Report(b)
			})
		}
	}
}

// writeInPlace is Write as it was before the transaction, kept as the
// benchmark's baseline: a missing directory was written to a temporary
// sibling and renamed; in an existing one each changed file was staged
// next to its destination and renamed over it, then dropped files were
// removed. (The collision and manifest checks are left out: they cost
// the same in both.)
func writeInPlace(dir string, files map[string][]byte) error {
	paths := slices.Sorted(maps.Keys(files))
	man := Manifest{Generator: "vigil", Files: paths}
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+legacyTempPrefix)
		if err != nil {
			return err
		}
		made := map[string]bool{}
		for _, p := range paths {
			d := filepath.Dir(filepath.Join(tmp, p))
			if !made[d] {
				if err := os.MkdirAll(d, 0o755); err != nil {
					return err
				}
				made[d] = true
			}
			if err := os.WriteFile(filepath.Join(tmp, p), files[p], 0o644); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(tmp, ManifestName), man.Encode(), 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, dir)
	}
	old, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	staged := map[string]string{}
	all := append(paths, ManifestName)
	for _, p := range all {
		b := files[p]
		if p == ManifestName {
			b = man.Encode()
		}
		dst := filepath.Join(dir, p)
		if sameContent(dst, b) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		f, err := os.CreateTemp(filepath.Dir(dst), legacyTempPrefix+"*")
		if err != nil {
			return err
		}
		if _, err := f.Write(b); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := os.Chmod(f.Name(), 0o644); err != nil {
			return err
		}
		staged[dst] = f.Name()
	}
	for _, p := range all {
		dst := filepath.Join(dir, p)
		if tmp, ok := staged[dst]; ok {
			if err := os.Rename(tmp, dst); err != nil {
				return err
			}
		}
	}
	for _, f := range old.Files {
		if _, still := files[f]; !still {
			os.Remove(filepath.Join(dir, f))
		}
	}
	return nil
}
