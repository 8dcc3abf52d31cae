package data

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// ReadParquet reads the wanted top-level columns of a Parquet file. Only
// those column chunks are read (Parquet is columnar), page by page; null
// and NaN values count as missing.
func ReadParquet(r io.ReaderAt, size int64, want map[string]Kind) (map[string]*Column, error) {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, err
	}
	cols := newColumns(want)
	index := map[string]int{}
	for name := range want {
		leaf, ok := f.Schema().Lookup(name)
		if !ok {
			return nil, fmt.Errorf("column %q is not in the file", name)
		}
		index[name] = leaf.ColumnIndex
	}
	buf := make([]parquet.Value, 4096)
	for _, rg := range f.RowGroups() {
		chunks := rg.ColumnChunks()
		for name, i := range index {
			if err := readChunk(chunks[i], cols[name], buf); err != nil {
				return nil, fmt.Errorf("column %q: %w", name, err)
			}
		}
	}
	return cols, nil
}

func readChunk(chunk parquet.ColumnChunk, c *Column, buf []parquet.Value) error {
	pages := chunk.Pages()
	defer pages.Close()
	for {
		page, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		values := page.Values()
		for {
			n, err := values.ReadValues(buf)
			for _, v := range buf[:n] {
				add(c, v)
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				parquet.Release(page)
				return err
			}
		}
		parquet.Release(page)
	}
}

func add(c *Column, v parquet.Value) {
	c.Rows++
	if v.IsNull() {
		c.Missing++
		return
	}
	var f float64
	var s string
	switch v.Kind() {
	case parquet.Boolean:
		if v.Boolean() {
			f, s = 1, "true"
		} else {
			f, s = 0, "false"
		}
	case parquet.Int32:
		f = float64(v.Int32())
		s = strconv.FormatInt(int64(v.Int32()), 10)
	case parquet.Int64:
		f = float64(v.Int64())
		s = strconv.FormatInt(v.Int64(), 10)
	case parquet.Float:
		f = float64(v.Float())
		s = strconv.FormatFloat(f, 'g', -1, 32)
	case parquet.Double:
		f = v.Double()
		s = strconv.FormatFloat(f, 'g', -1, 64)
	default:
		s = string(v.ByteArray())
		if c.Kind == Numeric {
			parsed, err := strconv.ParseFloat(s, 64)
			if err != nil {
				c.Missing++
				return
			}
			f = parsed
		}
	}
	if c.Kind == Categorical {
		c.Labels = append(c.Labels, s)
		return
	}
	if math.IsNaN(f) {
		c.Missing++
		return
	}
	c.Numbers = append(c.Numbers, f)
}
