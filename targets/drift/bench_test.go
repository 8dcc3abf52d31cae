package drift_test

import (
	"testing"

	"github.com/vigil-dev/vigil/internal/specgen"
	"github.com/vigil-dev/vigil/targets/drift"
)

// BenchmarkDriftTarget generates this target for the 1,000-model spec.
func BenchmarkDriftTarget(b *testing.B) {
	spec := specgen.Compile(b, specgen.Large)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := (drift.Target{}).Generate(spec); err != nil {
			b.Fatal(err)
		}
	}
}
