package drift

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/vigil-dev/vigil/drift/config"
)

// wideSize reads the wide benchmark's size from the environment:
// VIGIL_BENCH_WIDE=ROWS,COLUMNS (e.g. 3000000,1000). Without it the
// benchmark skips: its data takes minutes to write and gigabytes of disk.
func wideSize(b *testing.B) (rows, columns int) {
	v := os.Getenv("VIGIL_BENCH_WIDE")
	if v == "" {
		b.Skip("set VIGIL_BENCH_WIDE=ROWS,COLUMNS (e.g. 3000000,1000) to run the wide benchmark; it writes its Parquet data (several GB) to the temporary directory first")
	}
	var err error
	for i, f := range strings.Split(v, ",") {
		n, e := strconv.Atoi(f)
		if e != nil || n <= 0 || i > 1 {
			err = e
		}
		if i == 0 {
			rows = n
		} else {
			columns = n
		}
	}
	if err != nil || rows == 0 || columns == 0 {
		b.Fatalf("VIGIL_BENCH_WIDE=%q: want ROWS,COLUMNS", v)
	}
	return rows, columns
}

// writeWideFile writes rows × columns doubles (normals rounded to three
// decimals, as logged features often are), plus ts,
// a millisecond timestamp within benchDay.
func writeWideFile(path string, rows, columns int, seed uint64, shift float64) error {
	group := parquet.Group{"ts": parquet.Timestamp(parquet.Millisecond)}
	for i := range columns {
		group[benchColumn(i)] = parquet.Leaf(parquet.DoubleType)
	}
	schema := parquet.NewSchema("wide", group)
	// Row groups of 100k rows, as writers of large files use: one group
	// of millions of rows would be buffered whole in memory.
	opts := []parquet.WriterOption{parquet.PageBufferSize(1 << 20), parquet.MaxRowsPerRowGroup(100_000)}
	rng := rand.New(rand.NewPCG(seed, 11))
	return writeParquet(path, schema, rows, 256, opts, func(r int) parquet.Row {
		row := make(parquet.Row, 0, columns+1)
		for i := range columns {
			v := math.Round((rng.NormFloat64()*(1+float64(i%5))+shift*float64(i%3))*1000) / 1000
			row = append(row, parquet.DoubleValue(v).Level(0, 0, i))
		}
		ts := benchDay.Add(time.Duration(r) * (24 * time.Hour / time.Duration(rows)))
		return append(row, parquet.Int64Value(ts.UnixMilli()).Level(0, 0, columns))
	})
}

// BenchmarkEvaluateWide evaluates COLUMNS numeric features with the
// default test (auto) over a ROWS-row reference and a current day of
// ROWS/3 rows, from Parquet: the shape of "3M reference rows × 1,000
// columns" that Evidently users report taking hours. It reports the wall
// and CPU time, the peak live heap and the peak resident set.
func BenchmarkEvaluateWide(b *testing.B) {
	rows, columns := wideSize(b)
	dir := filepath.Join(os.TempDir(), "vigil-bench-wide-"+strconv.Itoa(rows)+"x"+strconv.Itoa(columns))
	if _, err := os.Stat(filepath.Join(dir, "done")); err != nil {
		start := time.Now()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := writeWideFile(filepath.Join(dir, "ref.parquet"), rows, columns, 1, 0); err != nil {
			b.Fatal(err)
		}
		if err := writeWideFile(filepath.Join(dir, "cur.parquet"), rows/3, columns, 2, 0.05); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "done"), nil, 0o644); err != nil {
			b.Fatal(err)
		}
		b.Logf("wrote the data to %s in %s", dir, time.Since(start).Round(time.Second))
	}
	c := testConfig()
	c.Reference = config.Source{Path: "ref.parquet", Format: "parquet"}
	c.Current = config.Source{Path: "cur.parquet", Format: "parquet", TimeColumn: "ts"}
	for i := range columns {
		c.Features = append(c.Features, config.Feature{Name: benchColumn(i), Column: benchColumn(i), Type: "numeric", Test: config.Test{Method: "auto", Consecutive: 1}})
	}
	benchEvaluate(b, c, dir, 0)
}
