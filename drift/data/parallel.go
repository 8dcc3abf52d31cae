package data

import (
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/vigil-dev/vigil/drift/stats"
)

// batchSize is how many records a worker parses at a time.
const batchSize = 2048

// part is what one worker made of one batch: the wanted columns (in the
// reader's field order) and the selection counts.
type part struct {
	cols []*Column
	sel  Selection
	err  error
}

// batch is a run of consecutive records and their line (or record)
// numbers; readErr is the read error that ended the input after them.
type batch[T any] struct {
	seq     int
	lines   []int
	items   []T
	readErr error
	out     part
}

// readParallel reads a text file's records on several cores: next (on
// one goroutine) yields each record and its line number, io.EOF at the
// end; parse (on GOMAXPROCS workers, each with its own interner) adds one
// record to a part's columns and counts, or returns the record's error.
// The parts are appended to cols in input order, so the result, and the
// error reported (the first in the file), are those of reading the
// records one by one.
//
// Columns kept as counts (Column.Counts, Column.Binned) are counted per
// batch and the counts added up; the values of a binned column are
// counted into its bins at the end of each batch, so only a batch's worth
// of them is ever held.
func readParallel[T any](cols []*Column, next func() (T, int, error), parse func(item T, line int, p *part, in *interner) error) (Selection, error) {
	return readParallelBatches(cols, batchSize, next, parse)
}

// readParallelBatches is readParallel with size items per batch.
func readParallelBatches[T any](cols []*Column, size int, next func() (T, int, error), parse func(item T, line int, p *part, in *interner) error) (Selection, error) {
	var sel Selection
	workers := runtime.GOMAXPROCS(0)
	todo := make(chan *batch[T], 2*workers)
	done := make(chan *batch[T], 2*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup

	// The producer: batches of records, in order.
	wg.Go(func() {
		defer close(todo)
		for seq := 0; ; seq++ {
			b := &batch[T]{seq: seq, items: make([]T, 0, size)}
			for len(b.items) < size {
				item, line, err := next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.readErr = err
					break
				}
				b.items = append(b.items, item)
				b.lines = append(b.lines, line)
			}
			if len(b.items) == 0 && b.readErr == nil {
				return
			}
			// Decided before the send: a worker owns b after it.
			last := b.readErr != nil || len(b.items) < size
			select {
			case todo <- b:
			case <-stop:
				return
			}
			if last {
				return
			}
		}
	})
	// The workers.
	var workersWG sync.WaitGroup
	for range workers {
		workersWG.Go(func() {
			in := newInterner()
			// scratch holds the binned columns' values of one batch.
			scratch := make([][]float64, len(cols))
			// hint is each numeric column's number of values in this
			// worker's last batch: batches are alike, so a batch's values
			// are appended without regrowing their slice (which would
			// allocate about three times their size and hold up to twice
			// it until the columns are assembled).
			hint := make([]int, len(cols))
			for b := range todo {
				b.out.cols = make([]*Column, len(cols))
				for i, c := range cols {
					b.out.cols[i] = emptyLike(c)
					switch {
					case c.Binned != nil:
						b.out.cols[i].Numbers = scratch[i][:0]
					case c.Kind == Numeric && hint[i] > 0:
						b.out.cols[i].Numbers = make([]float64, 0, hint[i]+hint[i]/8)
					}
				}
				for i, item := range b.items {
					if err := parse(item, b.lines[i], &b.out, in); err != nil {
						b.out.err = err
						break
					}
				}
				for i, c := range b.out.cols {
					hint[i] = len(c.Numbers)
					if c.Binned != nil {
						c.fold()
						scratch[i], c.Numbers = c.Numbers[:0], nil
					}
				}
				b.items = nil
				select {
				case done <- b:
				case <-stop:
				}
			}
		})
	}
	go func() {
		workersWG.Wait()
		close(done)
	}()

	// In order: keep each part, stop at the first error. The columns are
	// assembled at the end into slices of exactly their length, so no
	// column is ever held twice by append's growth.
	parts := make([][]*Column, len(cols))
	pending := map[int]*batch[T]{}
	nextSeq := 0
	var firstErr error
	for b := range done {
		if firstErr != nil {
			continue // draining
		}
		pending[b.seq] = b
		for {
			b, ok := pending[nextSeq]
			if !ok {
				break
			}
			delete(pending, nextSeq)
			nextSeq++
			sel.Rows += b.out.sel.Rows
			sel.Skipped += b.out.sel.Skipped
			if b.out.err == nil {
				for i, p := range b.out.cols {
					parts[i] = append(parts[i], p)
				}
			}
			if err := firstOf(b.out.err, b.readErr); err != nil {
				firstErr = err
				close(stop)
				break
			}
		}
	}
	wg.Wait()
	if firstErr != nil {
		return sel, firstErr
	}
	for i, c := range cols {
		c.Numbers = concat(c.Numbers, parts[i], func(p *Column) []float64 { return p.Numbers })
		c.Labels = concat(c.Labels, parts[i], func(p *Column) []string { return p.Labels })
		for _, p := range parts[i] {
			c.Missing += p.Missing
			c.Rows += p.Rows
			c.addCounts(p)
		}
		parts[i] = nil // the parts of the columns still to assemble are all that is held twice
	}
	return sel, nil
}

// emptyLike is an empty column kept as c is.
func emptyLike(c *Column) *Column {
	e := &Column{Kind: c.Kind}
	if c.Counts != nil {
		e.Counts = map[string]int{}
	}
	if b := c.Binned; b != nil {
		e.Binned = &Binned{Edges: b.Edges, Counts: make([]float64, len(b.Counts))}
	}
	return e
}

// fold counts a binned column's Numbers into its bins (stats.Counter, the
// counter the binned tests use) and notes whether they are all equal.
func (c *Column) fold() {
	b := c.Binned
	if len(c.Numbers) == 0 {
		return
	}
	ctr := stats.NewCounter(b.Edges)
	ctr.Add(c.Numbers)
	for i, k := range ctr.Counts {
		b.Counts[i] += k
	}
	b.join(c.Numbers[0], !slices.ContainsFunc(c.Numbers, func(v float64) bool { return v != c.Numbers[0] }), len(c.Numbers))
}

// join adds n values to b's First and Same: first is one of them, and
// same says whether all are == first.
func (b *Binned) join(first float64, same bool, n int) {
	if b.N == 0 {
		b.First, b.Same = first, same
	} else {
		b.Same = b.Same && same && first == b.First
	}
	b.N += n
}

// BinColumn returns c (numeric, kept as values) kept as counts in the
// bins of edges instead, as a read with Spec.Edges would have kept it.
func BinColumn(c *Column, edges []float64) *Column {
	out := &Column{Kind: c.Kind, Missing: c.Missing, Rows: c.Rows}
	out.Binned = newColumn(Spec{Kind: Numeric, Edges: edges}).Binned
	v := &Column{Numbers: c.Numbers, Binned: out.Binned}
	v.fold()
	return out
}

// addCounts adds p's counts (labels or bins) to c's. Counts are whole
// numbers, so their sums do not depend on the order they are added in.
func (c *Column) addCounts(p *Column) {
	for l, k := range p.Counts {
		c.Counts[l] += k
	}
	if b, pb := c.Binned, p.Binned; b != nil && pb != nil {
		for i, k := range pb.Counts {
			b.Counts[i] += k
		}
		if pb.N > 0 {
			b.join(pb.First, pb.Same, pb.N)
		}
	}
}

// Merge returns the column of a whole sample from its files' columns, in
// order: values concatenated, counts added up. When some files' columns
// are kept as counts (a row-oriented file read with a Spec that asks for
// it) and others as values (Parquet), the values are counted too.
func Merge(k Kind, files []*Column) *Column {
	all := &Column{Kind: k}
	for _, c := range files {
		if c.Counts != nil && all.Counts == nil {
			all.Counts = map[string]int{}
		}
		if c.Binned != nil && all.Binned == nil {
			all.Binned = emptyLike(c).Binned
		}
	}
	for _, c := range files {
		all.Missing += c.Missing
		all.Rows += c.Rows
		all.addCounts(c)
		switch {
		case all.Counts != nil:
			for _, l := range c.Labels {
				all.Counts[l]++
			}
		default:
			all.Labels = append(all.Labels, c.Labels...)
		}
		switch {
		case all.Binned != nil && len(c.Numbers) > 0:
			v := &Column{Numbers: c.Numbers, Binned: all.Binned}
			v.fold()
		default:
			all.Numbers = append(all.Numbers, c.Numbers...)
		}
	}
	return all
}

// concat appends each part's values to dst in one allocation.
func concat[V any](dst []V, parts []*Column, values func(*Column) []V) []V {
	n := len(dst)
	for _, p := range parts {
		n += len(values(p))
	}
	if n == len(dst) {
		return dst
	}
	out := make([]V, 0, n)
	out = append(out, dst...)
	for _, p := range parts {
		out = append(out, values(p)...)
	}
	return out
}

func firstOf(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
