package grafana_test

import (
	"testing"

	"github.com/vigil-dev/vigil/internal/specgen"
	"github.com/vigil-dev/vigil/targets/grafana"
)

// BenchmarkGrafanaTarget generates the dashboards of the 1,000-model spec.
func BenchmarkGrafanaTarget(b *testing.B) {
	spec := specgen.Compile(b, specgen.Large)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := (grafana.Target{}).Generate(spec); err != nil {
			b.Fatal(err)
		}
	}
}
