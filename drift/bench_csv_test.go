package drift

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The CSV benchmark's data: 20 features (16 numeric: 4 each of psi, ks,
// wasserstein, jensen_shannon; 4 categorical: 2 chi_square, 2
// jensen_shannon), 1M current rows over one day and 250k reference rows.
const (
	benchCSVFeatures = 20
	benchCSVNumeric  = 16
)

// benchCSVFiles writes the CSV benchmark's files once per machine (in the
// temporary directory) and returns their directory.
func benchCSVFiles(b *testing.B) string {
	dir := filepath.Join(os.TempDir(), "vigil-bench-evaluate-csv-v1")
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		return dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for _, f := range []struct {
		name  string
		rows  int
		seed  uint64
		shift float64
	}{{"ref.csv", benchRefRows, 1, 0}, {"cur.csv", benchCurrentRows, 2, 0.05}} {
		if err := writeBenchCSV(filepath.Join(dir, f.name), f.rows, f.seed, f.shift); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "done"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// writeBenchCSV writes ts (Unix milliseconds within benchDay), then
// f000..f015 numbers and f016..f019 labels, like writeBenchFile.
func writeBenchCSV(path string, rows int, seed uint64, shift float64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("ts")
	for i := range benchCSVFeatures {
		w.WriteString("," + benchColumn(i))
	}
	w.WriteString("\n")
	rng := rand.New(rand.NewPCG(seed, 7))
	var buf []byte
	for r := range rows {
		ts := benchDay.Add(time.Duration(r) * (24 * time.Hour / time.Duration(rows)))
		buf = strconv.AppendInt(buf[:0], ts.UnixMilli(), 10)
		for i := range benchCSVFeatures {
			buf = append(buf, ',')
			if i < benchCSVNumeric {
				buf = strconv.AppendFloat(buf, rng.NormFloat64()*(1+float64(i%5))+shift*float64(i%3), 'g', -1, 64)
			} else {
				k := int(math.Abs(rng.NormFloat64()*3+shift*10)) % len(benchCategories)
				buf = append(buf, benchCategories[k]...)
			}
		}
		buf = append(buf, '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// BenchmarkEvaluateCSV evaluates 20 features over 1M current rows (a
// one-day window) against 250k reference rows, from CSV, and reports
// current rows per second, the peak live heap and the process's peak
// resident set (VmHWM, reset before the run where the kernel allows it),
// and the CPU seconds used (steadier than wall time on a shared machine).
func BenchmarkEvaluateCSV(b *testing.B) {
	secs := benchEvaluate(b, benchConfigFor("csv", benchCSVFeatures, benchCSVNumeric), benchCSVFiles(b), benchCurrentRows)
	b.ReportMetric(benchCurrentRows/secs, "rows/s")
	b.ReportMetric((benchCurrentRows+benchRefRows)/secs, "all-rows/s")
}

// resetPeakRSS resets the kernel's peak-RSS mark (VmHWM) of this process
// (Linux: writing 5 to /proc/self/clear_refs); elsewhere it does nothing.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns VmHWM from /proc/self/status in bytes, or 0.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		var kb uint64
		if n, _ := fmt.Sscanf(line, "VmHWM: %d kB", &kb); n == 1 {
			return kb << 10
		}
	}
	return 0
}
