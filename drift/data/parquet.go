package data

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// ReadParquet reads the wanted top-level columns of a Parquet file. Only
// those column chunks are read (Parquet is columnar), page by page; null
// and NaN values count as missing.
func ReadParquet(r io.ReaderAt, size int64, want map[string]Kind) (map[string]*Column, error) {
	p, err := OpenParquet(r, size, nil)
	if err != nil {
		return nil, err
	}
	cols := make(map[string]*Column, len(want))
	for name, k := range want {
		c, err := p.Column(name, k)
		if err != nil {
			return nil, err
		}
		cols[name] = c
	}
	return cols, nil
}

// ParquetFile is an open Parquet file whose columns are read one at a
// time, on demand, so a caller can hold one column in memory instead of
// all of them. With a window, the time column is read once when the file
// is opened, and every column read keeps only the rows inside the window.
// Column may be called from several goroutines at once.
type ParquetFile struct {
	f *parquet.File
	// groups says, per row group, which rows lie in the window; nil
	// without a window.
	groups []groupSelection
	sel    Selection
}

// groupSelection is the window's selection in one row group.
type groupSelection struct {
	// skip: no row is in the window, the group is not read at all.
	skip bool
	// keep says which rows are in the window; nil (and not skip) means
	// all of them.
	keep []bool
}

// OpenParquet opens a Parquet file for column reads, selecting the rows
// of the window (all rows when w is nil). For TIMESTAMP and DATE time
// columns, the row groups' min/max statistics decide without reading the
// column when a group lies wholly outside (or, without nulls, wholly
// inside) the window, so partitions outside the window cost only their
// metadata.
func OpenParquet(r io.ReaderAt, size int64, w *Window) (*ParquetFile, error) {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, err
	}
	p := &ParquetFile{f: f}
	if w == nil {
		p.sel.Rows = int(f.NumRows())
		return p, nil
	}
	leaf, ok := f.Schema().Lookup(w.Column)
	if !ok {
		return nil, fmt.Errorf("time column %q is not in the file", w.Column)
	}
	toTime, err := timeConverter(leaf.Node.Type())
	if err != nil {
		return nil, fmt.Errorf("time column %q: %w", w.Column, err)
	}
	ordered := isTimeType(leaf.Node.Type())
	buf := make([]parquet.Value, 4096)
	for _, rg := range f.RowGroups() {
		chunk := rg.ColumnChunks()[leaf.ColumnIndex]
		n := int(rg.NumRows())
		if ordered {
			if sel, ok := selectByBounds(chunk, toTime, w); ok {
				if sel.skip {
					p.sel.Skipped += n
					p.sel.SkippedGroups++
				} else {
					p.sel.Rows += n
				}
				p.groups = append(p.groups, sel)
				continue
			}
		}
		keep := make([]bool, 0, n)
		err := eachValue(chunk, buf, func(v parquet.Value) error {
			if v.IsNull() {
				keep = append(keep, false)
				return nil
			}
			t, err := toTime(v)
			if err != nil {
				return err
			}
			keep = append(keep, w.contains(t))
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("time column %q: %w", w.Column, err)
		}
		if len(keep) != n {
			return nil, fmt.Errorf("time column %q: %d values for %d rows (only top-level, non-repeated columns are supported)", w.Column, len(keep), n)
		}
		for _, k := range keep {
			if k {
				p.sel.Rows++
			} else {
				p.sel.Skipped++
			}
		}
		p.groups = append(p.groups, groupSelection{keep: keep})
	}
	return p, nil
}

// isTimeType reports whether a column's values order like its times
// (TIMESTAMP and DATE columns), so min/max statistics bound the times.
func isTimeType(t parquet.Type) bool {
	if lt := t.LogicalType(); lt != nil {
		switch lt.Value.(type) {
		case *format.TimestampType, *format.DateType:
			return true
		}
	}
	return false
}

// selectByBounds decides a row group from its time column's statistics:
// wholly outside the window (skip), or wholly inside without nulls (keep
// all). ok is false when the statistics are missing or the group
// straddles a window edge.
func selectByBounds(chunk parquet.ColumnChunk, toTime func(parquet.Value) (time.Time, error), w *Window) (groupSelection, bool) {
	fc, ok := chunk.(*parquet.FileColumnChunk)
	if !ok {
		return groupSelection{}, false
	}
	lo, hi, ok := fc.Bounds()
	if !ok || lo.IsNull() || hi.IsNull() {
		return groupSelection{}, false
	}
	first, err1 := toTime(lo)
	last, err2 := toTime(hi)
	if err1 != nil || err2 != nil {
		return groupSelection{}, false
	}
	switch {
	case last.Before(w.Start) || !first.Before(w.End):
		return groupSelection{skip: true}, true
	case w.contains(first) && w.contains(last) && fc.NullCount() == 0:
		return groupSelection{}, true
	}
	return groupSelection{}, false
}

// Selection counts the rows inside and outside the window.
func (p *ParquetFile) Selection() Selection { return p.sel }

// Column reads one top-level column, keeping the rows in the window.
func (p *ParquetFile) Column(name string, k Kind) (*Column, error) {
	return p.ColumnSpec(name, Spec{Kind: k})
}

// ColumnSpec is Column keeping a categorical column as counts when
// s.Count is set (s.Edges does not apply: a Parquet column is read when
// its feature is tested, so its values are not held for long).
func (p *ParquetFile) ColumnSpec(name string, s Spec) (*Column, error) {
	k := s.Kind
	leaf, ok := p.f.Schema().Lookup(name)
	if !ok {
		return nil, fmt.Errorf("column %q is not in the file", name)
	}
	c := &Column{Kind: k}
	switch {
	case k == Numeric:
		c.Numbers = make([]float64, 0, p.sel.Rows)
	case s.Count:
		c.Counts = map[string]int{}
	default:
		c.Labels = make([]string, 0, p.sel.Rows)
	}
	// Required (non-null) DOUBLE columns, the common case for numeric
	// features, are read as float64s without building a parquet.Value
	// per row; one value is one row then.
	fast := k == Numeric && leaf.Node.Type().Kind() == parquet.Double && leaf.MaxDefinitionLevel == 0 && leaf.MaxRepetitionLevel == 0
	buf := make([]parquet.Value, 4096)
	labels := newInterner()
	var doubles []float64
	if fast {
		doubles = make([]float64, 4096)
	}
	for g, rg := range p.f.RowGroups() {
		var keep []bool
		if p.groups != nil {
			if p.groups[g].skip {
				continue
			}
			keep = p.groups[g].keep
		}
		if fast {
			if err := readDoubles(rg.ColumnChunks()[leaf.ColumnIndex], keep, c, buf, doubles); err != nil {
				return nil, fmt.Errorf("column %q: %w", name, err)
			}
			continue
		}
		row := 0
		err := eachValue(rg.ColumnChunks()[leaf.ColumnIndex], buf, func(v parquet.Value) error {
			if ok, err := keepRow(keep, &row); !ok {
				return err
			}
			add(c, v, labels)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", name, err)
		}
	}
	return c, nil
}

// keepRow reports whether the value at *row belongs to a kept row (every
// row when keep is nil) and advances *row; a value past the last row is
// an error.
func keepRow(keep []bool, row *int) (bool, error) {
	r := *row
	*row++
	if keep == nil {
		return true, nil
	}
	if r >= len(keep) {
		return false, fmt.Errorf("more values than rows (only top-level, non-repeated columns are supported)")
	}
	return keep[r], nil
}

// readDoubles appends a required DOUBLE column chunk's values of the
// kept rows (all rows when keep is nil) to c. Pages that do not decode to
// plain doubles (e.g. dictionary-encoded ones) take the generic path.
func readDoubles(chunk parquet.ColumnChunk, keep []bool, c *Column, buf []parquet.Value, doubles []float64) error {
	row := 0
	addRow := func(f float64) error {
		if ok, err := keepRow(keep, &row); !ok {
			return err
		}
		c.Rows++
		if math.IsNaN(f) {
			c.Missing++
			return nil
		}
		c.Numbers = append(c.Numbers, f)
		return nil
	}
	return eachPage(chunk, func(page parquet.Page) error {
		dr, ok := page.Values().(parquet.DoubleReader)
		if !ok {
			return eachPageValue(page, buf, func(v parquet.Value) error { return addRow(v.Double()) })
		}
		for {
			n, rerr := dr.ReadDoubles(doubles)
			for _, f := range doubles[:n] {
				if err := addRow(f); err != nil {
					return err
				}
			}
			if errors.Is(rerr, io.EOF) {
				return nil
			}
			if rerr != nil {
				return rerr
			}
		}
	})
}

// eachValue calls fn for every value of a column chunk, page by page.
func eachValue(chunk parquet.ColumnChunk, buf []parquet.Value, fn func(parquet.Value) error) error {
	return eachPage(chunk, func(page parquet.Page) error { return eachPageValue(page, buf, fn) })
}

// eachPage calls fn for every page of a column chunk, releasing each
// page after fn returns.
func eachPage(chunk parquet.ColumnChunk, fn func(parquet.Page) error) error {
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
		err = fn(page)
		parquet.Release(page)
		if err != nil {
			return err
		}
	}
}

func eachPageValue(page parquet.Page, buf []parquet.Value, fn func(parquet.Value) error) error {
	values := page.Values()
	for {
		n, err := values.ReadValues(buf)
		for _, v := range buf[:n] {
			if ferr := fn(v); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// timeConverter reads a time column's values: TIMESTAMP columns in their
// unit, DATE columns as days, other numbers as Unix time by magnitude
// (UnixTime), strings with ParseTime.
func timeConverter(t parquet.Type) (func(parquet.Value) (time.Time, error), error) {
	if lt := t.LogicalType(); lt != nil {
		switch v := lt.Value.(type) {
		case *format.TimestampType:
			if v.Unit.Value == nil {
				return nil, fmt.Errorf("TIMESTAMP without a unit")
			}
			unit := v.Unit.Value.Duration()
			return func(x parquet.Value) (time.Time, error) {
				return time.Unix(0, x.Int64()*int64(unit)).UTC(), nil
			}, nil
		case *format.DateType:
			return func(x parquet.Value) (time.Time, error) {
				return time.Unix(int64(x.Int32())*86400, 0).UTC(), nil
			}, nil
		}
	}
	switch t.Kind() {
	case parquet.Int32:
		return func(x parquet.Value) (time.Time, error) { return UnixTime(float64(x.Int32())) }, nil
	case parquet.Int64:
		return func(x parquet.Value) (time.Time, error) { return UnixTime(float64(x.Int64())) }, nil
	case parquet.Float:
		return func(x parquet.Value) (time.Time, error) { return UnixTime(float64(x.Float())) }, nil
	case parquet.Double:
		return func(x parquet.Value) (time.Time, error) { return UnixTime(x.Double()) }, nil
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return func(x parquet.Value) (time.Time, error) { return ParseTime(string(x.ByteArray())) }, nil
	}
	return nil, fmt.Errorf("a %s column cannot hold times", t.Kind())
}

// add appends a value to a column. Numeric columns take numbers (text is
// parsed, unparsable text counts as missing); categorical columns take
// every value as text.
func add(c *Column, v parquet.Value, labels *interner) {
	c.Rows++
	if v.IsNull() {
		c.Missing++
		return
	}
	if c.Kind == Categorical {
		if c.Counts != nil {
			c.Counts[label(v, labels)]++
		} else {
			c.Labels = append(c.Labels, label(v, labels))
		}
		return
	}
	var f float64
	switch v.Kind() {
	case parquet.Boolean:
		if v.Boolean() {
			f = 1
		}
	case parquet.Int32:
		f = float64(v.Int32())
	case parquet.Int64:
		f = float64(v.Int64())
	case parquet.Float:
		f = float64(v.Float())
	case parquet.Double:
		f = v.Double()
	default:
		parsed, err := strconv.ParseFloat(string(v.ByteArray()), 64)
		if err != nil {
			c.Missing++
			return
		}
		f = parsed
	}
	if math.IsNaN(f) {
		c.Missing++
		return
	}
	c.Numbers = append(c.Numbers, f)
}

// label is a value as categorical text.
func label(v parquet.Value, labels *interner) string {
	switch v.Kind() {
	case parquet.Boolean:
		return strconv.FormatBool(v.Boolean())
	case parquet.Int32:
		return strconv.FormatInt(int64(v.Int32()), 10)
	case parquet.Int64:
		return strconv.FormatInt(v.Int64(), 10)
	case parquet.Float:
		return strconv.FormatFloat(float64(v.Float()), 'g', -1, 32)
	case parquet.Double:
		return strconv.FormatFloat(v.Double(), 'g', -1, 64)
	}
	return labels.str(v.ByteArray())
}

// maxInterned bounds an interner: past that many distinct labels a
// column is high-cardinality (IDs, free text) and sharing gains little.
const maxInterned = 1 << 16

// interner shares one string per distinct label, so a categorical column
// of a million rows over a dozen categories allocates a dozen strings
// rather than a million.
type interner struct{ m map[string]string }

// newInterner returns an empty interner.
func newInterner() *interner { return &interner{m: map[string]string{}} }

// text is str for a string: the shared copy, or a copy of s (never s
// itself, which may be part of a larger string).
func (in *interner) text(s string) string {
	if t, ok := in.m[s]; ok {
		return t
	}
	t := strings.Clone(s)
	if len(in.m) < maxInterned {
		in.m[t] = t
	}
	return t
}

func (in *interner) str(b []byte) string {
	if s, ok := in.m[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}
