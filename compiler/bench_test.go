package compiler_test

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/benchcpu"
	"github.com/vigil-dev/vigil/internal/specgen"
	"github.com/vigil-dev/vigil/targets"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// BenchmarkCompileLarge compiles a generated spec (models x 10 features x
// 3 SLOs): "frontend" runs load, validation and normalization;
// "prometheus" adds the Prometheus target (issue 3's end-to-end measure);
// "all-targets" adds every registered target. It reports the peak Go heap
// seen during the run. The default sizes are 100 and 1000 models; set VIGIL_BENCH_MODELS=5000 (a
// comma-separated list) for the scaling run.
func BenchmarkCompileLarge(b *testing.B) {
	sizes := []int{100, 1000}
	if s := os.Getenv("VIGIL_BENCH_MODELS"); s != "" {
		sizes = nil
		for _, f := range splitComma(s) {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatal(err)
			}
			sizes = append(sizes, n)
		}
	}
	for _, stage := range []string{"frontend", "prometheus", "all-targets"} {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("%s/models=%d", stage, n), func(b *testing.B) {
				dir := b.TempDir()
				if err := specgen.Write(dir, specgen.Size{Models: n, Features: 10, SLOs: 3}); err != nil {
					b.Fatal(err)
				}
				all := targets.All()
				if stage == "prometheus" {
					all = []compiler.Target{prometheus.Target{}}
				}
				var peak atomic.Uint64
				stop := make(chan struct{})
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					var ms runtime.MemStats
					t := time.NewTicker(5 * time.Millisecond)
					defer t.Stop()
					for {
						select {
						case <-stop:
							return
						case <-t.C:
							runtime.ReadMemStats(&ms)
							if ms.HeapAlloc > peak.Load() {
								peak.Store(ms.HeapAlloc)
							}
						}
					}
				}()
				runtime.GC()
				b.ReportAllocs()
				cpu := benchcpu.Start()
				for b.Loop() {
					spec, diags, err := compiler.Load(compiler.Source{Args: []string{dir}})
					if err != nil || len(diags) > 0 {
						b.Fatalf("compile failed: %v %v", err, diags)
					}
					if len(spec.Models) != n {
						b.Fatalf("got %d models, want %d", len(spec.Models), n)
					}
					if stage == "frontend" {
						continue
					}
					if _, err := compiler.Generate(spec, all); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				cpu.Report(b)
				close(stop)
				wg.Wait()
				b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
			})
		}
	}
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}
