package targets_test

import (
	"testing"

	"github.com/vigil-dev/vigil/internal/benchcpu"
	"github.com/vigil-dev/vigil/internal/specgen"
	"github.com/vigil-dev/vigil/targets"
)

// BenchmarkTarget generates each registered target for the 1,000-model
// spec (10 features and 3 SLOs per model), one sub-benchmark per target.
func BenchmarkTarget(b *testing.B) {
	spec := specgen.Compile(b, specgen.Large)
	for _, t := range targets.All() {
		b.Run(t.Name(), func(b *testing.B) {
			b.ReportAllocs()
			cpu := benchcpu.Start()
			for b.Loop() {
				if _, err := t.Generate(spec); err != nil {
					b.Fatal(err)
				}
			}
			cpu.Report(b)
		})
	}
}
