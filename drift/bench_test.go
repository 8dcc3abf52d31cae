package drift

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/vigil-dev/vigil/drift/config"
)

// Benchmark data: 100 features, 80 numeric (20 each of psi, ks,
// wasserstein, jensen_shannon) and 20 categorical (10 chi_square, 10
// jensen_shannon); 1M current rows over one day, 250k reference rows.
const (
	benchFeatures    = 100
	benchNumeric     = 80
	benchCurrentRows = 1_000_000
	benchRefRows     = 250_000
)

var benchDay = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

// benchFiles writes the benchmark's Parquet files once per machine (in
// the temporary directory, reused by later runs) and returns their
// directory.
func benchFiles(b *testing.B) string {
	dir := filepath.Join(os.TempDir(), "vigil-bench-evaluate-parquet-v2")
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		return dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := writeBenchFile(filepath.Join(dir, "ref.parquet"), benchRefRows, 1, 0); err != nil {
		b.Fatal(err)
	}
	if err := writeBenchFile(filepath.Join(dir, "cur.parquet"), benchCurrentRows, 2, 0.05); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "done"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("wrote the benchmark data to %s in %s", dir, time.Since(start).Round(time.Second))
	return dir
}

func benchColumn(i int) string { return fmt.Sprintf("f%03d", i) }

// benchCategories are realistic labels (single-byte strings would never
// allocate, hiding the cost of reading text).
var benchCategories = []string{"books", "beauty", "electronics", "fashion", "garden", "home", "sports", "toys", "grocery", "music", "office", "pets"}

// writeBenchFile writes rows of the benchmark schema: column ts (a
// millisecond timestamp within benchDay), f000..f079 doubles and
// f080..f099 strings, with a small shift.
func writeBenchFile(path string, rows int, seed uint64, shift float64) error {
	group := parquet.Group{"ts": parquet.Timestamp(parquet.Millisecond)}
	for i := range benchFeatures {
		if i < benchNumeric {
			group[benchColumn(i)] = parquet.Leaf(parquet.DoubleType)
		} else {
			group[benchColumn(i)] = parquet.String()
		}
	}
	schema := parquet.NewSchema("bench", group)
	// Group columns are sorted by name: f000..f099, then ts.
	rng := rand.New(rand.NewPCG(seed, 7))
	return writeParquet(path, schema, rows, 1024, nil, func(r int) parquet.Row {
		row := make(parquet.Row, 0, benchFeatures+1)
		for i := range benchFeatures {
			var v parquet.Value
			if i < benchNumeric {
				v = parquet.DoubleValue(rng.NormFloat64()*(1+float64(i%5)) + shift*float64(i%3))
			} else {
				k := int(math.Abs(rng.NormFloat64()*3+shift*10)) % len(benchCategories)
				v = parquet.ByteArrayValue([]byte(benchCategories[k]))
			}
			row = append(row, v.Level(0, 0, i))
		}
		ts := benchDay.Add(time.Duration(r) * (24 * time.Hour / time.Duration(rows)))
		return append(row, parquet.Int64Value(ts.UnixMilli()).Level(0, 0, benchFeatures))
	})
}

// writeParquet writes rows rows, row(r) for r = 0, 1, ..., to a new
// Parquet file at path, batchSize rows per write.
func writeParquet(path string, schema *parquet.Schema, rows, batchSize int, opts []parquet.WriterOption, row func(r int) parquet.Row) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := parquet.NewWriter(f, append([]parquet.WriterOption{schema}, opts...)...)
	batch := make([]parquet.Row, 0, batchSize)
	for r := range rows {
		batch = append(batch, row(r))
		if len(batch) == cap(batch) {
			if _, err := w.WriteRows(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if _, err := w.WriteRows(batch); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return f.Close()
}

func benchConfig() *config.Config {
	return benchConfigFor("parquet", benchFeatures, benchNumeric)
}

// benchConfigFor is the benchmarks' drift config: ref.<format> against
// cur.<format> (one-day window on ts), features f000.. of which the first
// numeric are numeric (psi, ks, wasserstein, jensen_shannon in turn), the
// rest categorical (chi_square, jensen_shannon in turn).
func benchConfigFor(format string, features, numeric int) *config.Config {
	c := testConfig()
	c.Reference = config.Source{Path: "ref." + format, Format: format}
	c.Current = config.Source{Path: "cur." + format, Format: format, TimeColumn: "ts"}
	numericTests := []string{"psi", "ks", "wasserstein", "jensen_shannon"}
	categoricalTests := []string{"chi_square", "jensen_shannon"}
	for i := range features {
		f := config.Feature{Name: benchColumn(i), Column: benchColumn(i), Type: "numeric", Test: config.Test{Consecutive: 1}}
		if i < numeric {
			f.Test.Method = numericTests[i%len(numericTests)]
		} else {
			f.Type = "categorical"
			f.Test.Method = categoricalTests[i%len(categoricalTests)]
		}
		c.Features = append(c.Features, f)
	}
	return c
}

// peakHeap samples the live heap every few milliseconds until stopped.
type peakHeap struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

func startPeakHeap() *peakHeap {
	p := &peakHeap{stop: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			p.peak = max(p.peak, sample[0].Value.Uint64())
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peakHeap) Stop() uint64 {
	close(p.stop)
	p.wg.Wait()
	return p.peak
}

// BenchmarkEvaluateParquet evaluates 100 features over 1M current rows
// (selected by a one-day window) against 250k reference rows, from
// Parquet, on GOMAXPROCS workers. It reports current rows per second,
// values (rows × features, both samples) per second and the peak live
// heap. Data generation is not timed.
func BenchmarkEvaluateParquet(b *testing.B) {
	secs := benchEvaluate(b, benchConfig(), benchFiles(b), benchCurrentRows)
	b.ReportMetric(benchCurrentRows/secs, "rows/s")
	b.ReportMetric((benchCurrentRows+benchRefRows)*benchFeatures/secs, "values/s")
}

// benchEvaluate runs Run on c over the files in dir (the window ending a
// day after benchDay) in every iteration of b, failing on any error and,
// when wantRows > 0, on another number of current rows in the window. It
// reports the CPU seconds, peak live heap, peak resident set (where the
// kernel tells) and processors, and returns the wall seconds per op.
func benchEvaluate(b *testing.B, c *config.Config, dir string, wantRows int) (secs float64) {
	o := Options{BaseDir: dir, At: benchDay.Add(24 * time.Hour)}
	// Twice: the first cycle moves pooled buffers (e.g. the Parquet
	// writer's, when the data was just generated) to the victim cache,
	// the second frees them, so the peak measures the evaluation only.
	runtime.GC()
	runtime.GC()
	resetPeakRSS()
	b.ReportAllocs()
	b.ResetTimer()
	var peak uint64
	idle0, total0 := pIdle()
	cpu0 := cpuTime()
	for b.Loop() {
		p := startPeakHeap()
		rep := Run(context.Background(), c, o)
		peak = max(peak, p.Stop())
		if rep.Err != nil {
			b.Fatal(rep.Err)
		}
		for _, r := range rep.Results {
			if r.Err != nil {
				b.Fatalf("%s: %v", r.Feature, r.Err)
			}
		}
		if wantRows > 0 && rep.CurrentRows != wantRows {
			b.Fatalf("%d current rows in the window, want %d", rep.CurrentRows, wantRows)
		}
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	if idle1, total1 := pIdle(); total1 > total0 {
		// The share of the Ps' time (GOMAXPROCS × wall) with no Go code
		// to run: how well the evaluation keeps every core busy, whatever
		// else the machine runs (a P whose thread the kernel has
		// descheduled still counts as busy).
		b.ReportMetric(100*(idle1-idle0)/(total1-total0), "idle-P-%")
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	if rss := peakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MB")
	}
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
	return b.Elapsed().Seconds() / float64(b.N)
}

// pIdle returns the runtime's estimates of the Ps' idle and total time
// so far (runtime/metrics /cpu/classes/idle and total, brought up to
// date by a collection).
func pIdle() (idle, total float64) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/cpu/classes/idle:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64(), s[1].Value.Float64()
}

// cpuTime is the CPU time (user + system) this process used so far; on a
// shared machine it varies less than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEvaluateParquet20 is BenchmarkEvaluateCSV's shape from
// Parquet: 20 features (16 numeric: 4 each of psi, ks, wasserstein,
// jensen_shannon; 4 categorical: 2 chi_square, 2 jensen_shannon) over 1M
// current rows (a one-day window) against 250k reference rows. It reads
// 20 of the 100 columns of BenchmarkEvaluateParquet's files (f000..f015
// and f080..f083); Parquet reads only the columns tested.
func BenchmarkEvaluateParquet20(b *testing.B) {
	c := benchConfigFor("parquet", benchCSVFeatures, benchCSVNumeric)
	for i := benchCSVNumeric; i < benchCSVFeatures; i++ {
		col := benchColumn(benchNumeric + i - benchCSVNumeric)
		c.Features[i].Name, c.Features[i].Column = col, col
	}
	secs := benchEvaluate(b, c, benchFiles(b), benchCurrentRows)
	b.ReportMetric(benchCurrentRows/secs, "rows/s")
	b.ReportMetric((benchCurrentRows+benchRefRows)/secs, "all-rows/s")
}
