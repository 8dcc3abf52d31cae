package stats

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkBinning counts values into 10 bins against precomputed edges;
// it reports values per second (issue target: 100M per core).
func BenchmarkBinning(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	ref := make([]float64, 100000)
	for i := range ref {
		ref[i] = rng.NormFloat64()
	}
	edges, _ := QuantileEdges(ref, 10)
	values := make([]float64, 1<<20)
	for i := range values {
		values[i] = rng.NormFloat64() + 0.1
	}
	c := NewCounter(edges)
	b.SetBytes(int64(len(values) * 8))
	b.ResetTimer()
	for b.Loop() {
		c.Add(values)
	}
	b.ReportMetric(float64(b.N)*float64(len(values))/b.Elapsed().Seconds()/1e6, "Mvalues/s")
}
