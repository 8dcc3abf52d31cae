// Package benchcpu reports the CPU time a benchmark's process spends per
// operation. On a shared machine wall time per op moves with other jobs'
// load; CPU time moves much less, so benchmarks report both.
package benchcpu

import (
	"testing"
	"time"
)

// Timer measures the process's user+system CPU time from Start.
type Timer struct {
	start time.Duration
}

// Start begins a measurement (call it next to b.ResetTimer).
func Start() Timer { return Timer{start: now()} }

// Report adds a "cpu-s/op" metric to b: the CPU time since Start divided
// by b.N. The process's other goroutines (the heap sampler of
// BenchmarkCompileLarge, the GC) are included.
func (t Timer) Report(b *testing.B) {
	if b.N == 0 || !supported {
		return
	}
	b.ReportMetric((now()-t.start).Seconds()/float64(b.N), "cpu-s/op")
}
