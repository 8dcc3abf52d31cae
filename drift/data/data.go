// Package data reads the feature columns `vigil drift` tests from CSV and
// JSON Lines files: only the requested columns are kept, numeric and
// categorical values are separated, and missing values (empty cells,
// null, NaN, absent keys) are counted rather than tested, because a
// rising share of missing values is drift too.
package data

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Kind says how a column's values are read.
type Kind int

// The column kinds.
const (
	// Numeric columns hold numbers (booleans read as 0/1).
	Numeric Kind = iota
	// Categorical columns hold labels (numbers and booleans read as
	// their text).
	Categorical
)

// Column is one column's values.
type Column struct {
	Kind Kind
	// Numbers holds a numeric column's values, Labels a categorical one's.
	Numbers []float64
	Labels  []string
	// Counts, when not nil, holds a categorical column as a count per
	// label instead of Labels (see Spec.Count).
	Counts map[string]int
	// Binned, when not nil, holds a numeric column as counts in fixed
	// bins instead of Numbers (see Spec.Edges).
	Binned *Binned
	// Missing counts rows without a usable value; Rows counts all rows.
	Missing, Rows int
}

// Binned is a numeric column kept as the counts of its values in the bins
// that Edges define (stats.Counter's bins: bin i holds
// Edges[i-1] <= x < Edges[i]), with the smallest and largest value.
type Binned struct {
	Edges []float64
	// Counts has len(Edges)+1 whole numbers.
	Counts []float64
	// N is the number of values. First is one of them and Same reports
	// whether all are == First (so -0 and 0 count as one value); both
	// are meaningless when N is 0.
	N     int
	First float64
	Same  bool
}

// Spec says which column to read and how to keep it.
type Spec struct {
	Kind Kind
	// Count keeps a categorical column as Column.Counts.
	Count bool
	// Edges, when not nil, keeps a numeric column as Column.Binned in the
	// bins these sorted interior edges define, instead of its values.
	Edges []float64
}

// Specs is want with every column kept as values.
func Specs(want map[string]Kind) map[string]Spec {
	out := make(map[string]Spec, len(want))
	for name, k := range want {
		out[name] = Spec{Kind: k}
	}
	return out
}

// Len is the number of values: numbers or labels, counted or not.
func (c *Column) Len() int {
	n := len(c.Numbers) + len(c.Labels)
	if c.Binned != nil {
		n += c.Binned.N
	}
	for _, k := range c.Counts {
		n += k
	}
	return n
}

// LabelCounts returns the count of each label: Counts, or Labels counted.
func (c *Column) LabelCounts() map[string]int {
	if c.Counts != nil {
		return c.Counts
	}
	m := map[string]int{}
	for _, l := range c.Labels {
		m[l]++
	}
	return m
}

// MissingShare is the share of rows without a value.
func (c *Column) MissingShare() float64 {
	if c.Rows == 0 {
		return 0
	}
	return float64(c.Missing) / float64(c.Rows)
}

func newColumns(want map[string]Spec) map[string]*Column {
	out := make(map[string]*Column, len(want))
	for name, s := range want {
		out[name] = newColumn(s)
	}
	return out
}

// newColumn is an empty column kept as s says.
func newColumn(s Spec) *Column {
	c := &Column{Kind: s.Kind}
	switch {
	case s.Kind == Categorical && s.Count:
		c.Counts = map[string]int{}
	case s.Kind == Numeric && s.Edges != nil:
		c.Binned = &Binned{Edges: s.Edges, Counts: make([]float64, len(s.Edges)+1)}
	}
	return c
}

// missingText reports values that mean "no value" in text formats:
// empty, or (ignoring case and surrounding space) nan, null, na, n/a or
// none.
func missingText(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) > 4 {
		return false // the common case, a number or a label, without lowering it
	}
	for _, m := range [...]string{"", "nan", "null", "na", "n/a", "none"} {
		if strings.EqualFold(s, m) {
			return true
		}
	}
	return false
}

// addText adds one text cell. Labels go through in, so that a column of
// a million rows over a dozen categories holds a dozen strings, and no
// label keeps the whole row it was cut from (encoding/csv returns a
// record's fields as substrings of one string) alive.
func (c *Column) addText(s string, in *interner) error {
	c.Rows++
	if c.Kind == Numeric && plainNumber(s) {
		// The common case, without the checks below that cannot apply.
		if v, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(v) {
			c.Numbers = append(c.Numbers, v)
			return nil
		}
	}
	if missingText(s) {
		c.Missing++
		return nil
	}
	s = strings.TrimSpace(s)
	if c.Kind == Categorical {
		if c.Counts != nil {
			c.Counts[in.text(s)]++
		} else {
			c.Labels = append(c.Labels, in.text(s))
		}
		return nil
	}
	if len(s) <= 5 {
		switch strings.ToLower(s) {
		case "true":
			c.Numbers = append(c.Numbers, 1)
			return nil
		case "false":
			c.Numbers = append(c.Numbers, 0)
			return nil
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) {
		c.Missing++
		return nil
	}
	c.Numbers = append(c.Numbers, v)
	return nil
}

// plainNumber reports whether s starts with a sign, a digit or a point
// and ends with a digit: then it is not a missing-value word or a
// boolean, and has no surrounding space, so addText's answer is
// strconv.ParseFloat's when that succeeds (it takes the general path
// otherwise, which reports the error).
func plainNumber(s string) bool {
	if len(s) == 0 {
		return false
	}
	first, last := s[0], s[len(s)-1]
	return (first == '-' || first == '+' || first == '.' || '0' <= first && first <= '9') && '0' <= last && last <= '9'
}

// wantedField is a wanted column's position in a record.
type wantedField struct {
	name  string
	index int
	col   *Column
}

// ReadCSV reads the wanted columns of a CSV file with a header row.
func ReadCSV(r io.Reader, want map[string]Kind) (map[string]*Column, error) {
	cols, _, err := ReadCSVWindow(r, want, nil)
	return cols, err
}

// ReadCSVWindow reads the wanted columns of a CSV file with a header row,
// keeping only the rows inside the window (all rows when w is nil).
func ReadCSVWindow(r io.Reader, want map[string]Kind, w *Window) (map[string]*Column, Selection, error) {
	return ReadCSVSpecs(r, Specs(want), w)
}

// ReadCSVSpecs is ReadCSVWindow with each column kept as its Spec says.
func ReadCSVSpecs(r io.Reader, want map[string]Spec, w *Window) (map[string]*Column, Selection, error) {
	return readCSV(r, want, w, true)
}

// readCSV reads a CSV file. Chunked, the records after the header are
// cut into chunks of whole records (see chunker), each parsed by its own
// csv.Reader on a worker; otherwise one csv.Reader reads every record and
// the workers parse their values (the reference the chunked reading is
// tested against).
func readCSV(r io.Reader, want map[string]Spec, w *Window, chunked bool) (map[string]*Column, Selection, error) {
	var sel Selection
	// csv.NewReader keeps br (a large enough *bufio.Reader) as its
	// input, so after the header br is positioned at the first record.
	br := bufio.NewReaderSize(r, 1<<20)
	cr := csv.NewReader(br)
	header, err := cr.Read()
	if err != nil {
		return nil, sel, fmt.Errorf("reading the header: %w", err)
	}
	cols := newColumns(want)
	index := map[string]int{}
	timeIndex := -1
	for i, h := range header {
		if _, ok := want[h]; ok {
			index[h] = i
		}
		if w != nil && h == w.Column {
			timeIndex = i
		}
	}
	var fields []wantedField
	for _, name := range slices.Sorted(maps.Keys(want)) {
		i, ok := index[name]
		if !ok {
			return nil, sel, fmt.Errorf("column %q is not in the header", name)
		}
		fields = append(fields, wantedField{name, i, cols[name]})
	}
	if w != nil && timeIndex < 0 {
		return nil, sel, fmt.Errorf("time column %q is not in the header", w.Column)
	}
	colList := make([]*Column, len(fields))
	for i, f := range fields {
		colList[i] = f.col
	}
	parse := func(rec []string, line int, p *part, in *interner) error {
		if w != nil {
			keep, err := w.keepText(rec[timeIndex])
			if err != nil {
				return fmt.Errorf("line %d, time column %q: %w", line, w.Column, err)
			}
			if !keep {
				p.sel.Skipped++
				return nil
			}
		}
		p.sel.Rows++
		for i, f := range fields {
			if err := p.cols[i].addText(rec[f.index], in); err != nil {
				return fmt.Errorf("line %d, column %q: %w", line, f.name, err)
			}
		}
		return nil
	}
	if chunked {
		// The header's lines: those before its last field, plus that
		// field's (a quoted field may hold line breaks).
		last := len(header) - 1
		headerLines, _ := cr.FieldPos(last)
		headerLines += strings.Count(header[last], "\n")
		next := newChunker(br, headerLines).next
		parseChunk := func(ch chunk, _ int, p *part, in *interner) error {
			defer ch.release()
			cr := csv.NewReader(bytes.NewReader(ch.data))
			cr.FieldsPerRecord = len(header) // as the file's reader sets it from the header
			cr.ReuseRecord = true
			for {
				rec, err := cr.Read()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return ch.shift(err)
				}
				line, _ := cr.FieldPos(0)
				if err := parse(rec, ch.lines+line, p, in); err != nil {
					return err
				}
			}
		}
		sel, err = readParallelBatches(colList, 1, next, parseChunk)
	} else {
		// Records are parsed on other goroutines while the next ones are
		// read, so each needs its own slice (no ReuseRecord).
		next := func() ([]string, int, error) {
			rec, err := cr.Read()
			if err != nil {
				return nil, 0, err
			}
			line, _ := cr.FieldPos(0)
			return rec, line, nil
		}
		sel, err = readParallel(colList, next, parse)
	}
	if err != nil {
		return nil, sel, err
	}
	return cols, sel, nil
}

// ReadJSONL reads the wanted keys of a JSON Lines file (one object per
// line). A missing key or null counts as missing.
func ReadJSONL(r io.Reader, want map[string]Kind) (map[string]*Column, error) {
	cols, _, err := ReadJSONLWindow(r, want, nil)
	return cols, err
}

// ReadJSONLWindow reads the wanted keys of a JSON Lines file, keeping only
// the rows inside the window (all rows when w is nil). The time key holds
// a string or a number (see ParseTime).
func ReadJSONLWindow(r io.Reader, want map[string]Kind, w *Window) (map[string]*Column, Selection, error) {
	return ReadJSONLSpecs(r, Specs(want), w)
}

// ReadJSONLSpecs is ReadJSONLWindow with each column kept as its Spec
// says.
func ReadJSONLSpecs(r io.Reader, want map[string]Spec, w *Window) (map[string]*Column, Selection, error) {
	cols := newColumns(want)
	var fields []wantedField
	var colList []*Column
	for _, name := range slices.Sorted(maps.Keys(want)) {
		fields = append(fields, wantedField{name: name, col: cols[name]})
		colList = append(colList, cols[name])
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	next := func() ([]byte, int, error) {
		for sc.Scan() {
			line++
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) > 0 {
				return bytes.Clone(b), line, nil
			}
		}
		if err := sc.Err(); err != nil {
			return nil, line, err
		}
		return nil, line, io.EOF
	}
	parse := func(b []byte, line int, p *part, in *interner) error {
		var row map[string]json.RawMessage
		if err := json.Unmarshal(b, &row); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if w != nil {
			s, ok, err := rawText(row[w.Column])
			if err != nil {
				return fmt.Errorf("line %d, time key %q: %w", line, w.Column, err)
			}
			keep := false
			if ok {
				if keep, err = w.keepText(s); err != nil {
					return fmt.Errorf("line %d, time key %q: %w", line, w.Column, err)
				}
			}
			if !keep {
				p.sel.Skipped++
				return nil
			}
		}
		p.sel.Rows++
		for i, f := range fields {
			c := p.cols[i]
			s, ok, err := rawText(row[f.name])
			if err != nil {
				return fmt.Errorf("line %d, key %q: %w", line, f.name, err)
			}
			if !ok {
				c.Rows++
				c.Missing++
				continue
			}
			if err := c.addText(s, in); err != nil {
				return fmt.Errorf("line %d, key %q: %w", line, f.name, err)
			}
		}
		return nil
	}
	sel, err := readParallel(colList, next, parse)
	if err != nil {
		return nil, sel, err
	}
	return cols, sel, nil
}

// rawText is a JSON value as text: strings unquoted, other values as
// written; ok is false for an absent key or null.
func rawText(raw json.RawMessage) (s string, ok bool, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false, nil
	}
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, err
		}
		return s, true, nil
	}
	return string(raw), true, nil
}
