package alertmanager_test

import (
	"testing"

	"github.com/vigil-dev/vigil/internal/specgen"
	"github.com/vigil-dev/vigil/targets/alertmanager"
)

// BenchmarkAlertmanagerTarget generates this target for the 1,000-model spec.
func BenchmarkAlertmanagerTarget(b *testing.B) {
	spec := specgen.Compile(b, specgen.Large)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := (alertmanager.Target{}).Generate(spec); err != nil {
			b.Fatal(err)
		}
	}
}
