// Package specgen writes synthetic vigil specs of a chosen size, for
// benchmarks and scale tests.
package specgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/compiler"
)

// Size says how big the generated spec is.
type Size struct {
	// Models is the number of models.
	Models int
	// Features is the number of features per model.
	Features int
	// SLOs is the number of SLOs per model (cycling through availability,
	// latency and quality).
	SLOs int
}

// Write lays out a CUE package in dir: one file with the spec header and
// one file per model, as a team keeping one file per model would.
func Write(dir string, s Size) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	head := `package bench

import "github.com/vigil-dev/vigil/schema"

schema.#Spec

links: runbooks: "https://git.example.com/monitoring/blob/main/out/runbooks"
`
	if err := os.WriteFile(filepath.Join(dir, "spec.cue"), []byte(head), 0o644); err != nil {
		return err
	}
	for i := 0; i < s.Models; i++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("model_%05d.cue", i)), []byte(Model(i, s)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Model returns the CUE source of the i-th synthetic model.
func Model(i int, s Size) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package bench\n\nmodels: \"model-%05d\": {\n", i)
	fmt.Fprintf(&b, "\tteam: \"team-%d\"\n\tdescription: \"Synthetic model %d.\"\n", i%10, i)
	b.WriteString("\tmetrics: feedback: classes: [\"a\", \"b\"]\n")
	if s.Features > 0 {
		b.WriteString("\tdrift: {\n\t\treference: path: \"ref.parquet\"\n\t\tcurrent: {path: \"cur/*.parquet\", time_column: \"ts\"}\n\t}\n")
		b.WriteString("\tfeatures: {\n")
		for f := 0; f < s.Features; f++ {
			switch f % 3 {
			case 0:
				fmt.Fprintf(&b, "\t\t\"f%d\": {type: \"numeric\", test: {method: \"psi\", bins: 20}}\n", f)
			case 1:
				fmt.Fprintf(&b, "\t\t\"f%d\": {type: \"categorical\", test: method: \"jensen_shannon\"}\n", f)
			default:
				fmt.Fprintf(&b, "\t\t\"f%d\": {type: \"numeric\", test: {}}\n", f)
			}
		}
		b.WriteString("\t}\n")
	}
	b.WriteString("\tslos: {\n")
	for j := 0; j < s.SLOs; j++ {
		switch j % 3 {
		case 0:
			fmt.Fprintf(&b, "\t\t\"availability-%d\": {objective: 99.9, availability: {}, alerting: budget_tiers: [{consumed: 50, severity: \"warning\"}, {consumed: 80, severity: \"critical\"}]}\n", j)
		case 1:
			fmt.Fprintf(&b, "\t\t\"latency-%d\": {objective: 99, latency: threshold: \"500ms\"}\n", j)
		default:
			fmt.Fprintf(&b, "\t\t\"accuracy-%d\": {objective: 95, window: \"7d\", quality: metric: \"accuracy\"}\n", j)
		}
	}
	b.WriteString("\t}\n}\n")
	return b.String()
}

// Compile writes a spec of the given size into a temporary directory of
// tb and returns its IR, for target benchmarks.
func Compile(tb testing.TB, s Size) *compiler.Spec {
	tb.Helper()
	dir := tb.TempDir()
	if err := Write(dir, s); err != nil {
		tb.Fatal(err)
	}
	spec, diags, err := compiler.Load(compiler.Source{Args: []string{dir}})
	if err != nil || len(diags) > 0 {
		tb.Fatalf("generated spec does not compile: %v %v", err, diags)
	}
	return spec
}

// Large is the benchmark spec size: 1,000 models with 10 features and 3
// SLOs each.
var Large = Size{Models: 1000, Features: 10, SLOs: 3}
