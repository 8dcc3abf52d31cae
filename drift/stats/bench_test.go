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

// BenchmarkKS1Mx1M runs the two-sample KS test, statistic and p-value, on
// 1M standard normals against 1M normals shifted by 0.01 (fixed seed);
// testdata/drift/bench_scipy.py times scipy.stats.ks_2samp on the same
// kind of data (issue target: at least 5x faster than SciPy).
func BenchmarkKS1Mx1M(b *testing.B) {
	ref, cur := shiftedNormals(7, 8)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := KS(ref, cur); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWasserstein1Mx1M computes the Wasserstein-1 distance between
// 1M standard normals and 1M normals shifted by 0.01 (fixed seed).
func BenchmarkWasserstein1Mx1M(b *testing.B) {
	ref, cur := shiftedNormals(9, 10)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Wasserstein1(ref, cur); err != nil {
			b.Fatal(err)
		}
	}
}

// shiftedNormals returns 1M standard normals and 1M normals shifted by
// 0.01, from a PCG seeded with s1, s2 (one value of each per draw, in
// turn, as the benchmarks always drew them).
func shiftedNormals(s1, s2 uint64) (ref, cur []float64) {
	rng := rand.New(rand.NewPCG(s1, s2))
	ref, cur = make([]float64, 1_000_000), make([]float64, 1_000_000)
	for i := range ref {
		ref[i] = rng.NormFloat64()
		cur[i] = rng.NormFloat64() + 0.01
	}
	return ref, cur
}
