package data

import (
	"io"
	"runtime"
	"sync"
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
func readParallel[T any](cols []*Column, next func() (T, int, error), parse func(item T, line int, p *part, in *interner) error) (Selection, error) {
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
			b := &batch[T]{seq: seq, items: make([]T, 0, batchSize)}
			for len(b.items) < batchSize {
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
			last := b.readErr != nil || len(b.items) < batchSize
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
			for b := range todo {
				b.out.cols = make([]*Column, len(cols))
				for i, c := range cols {
					b.out.cols[i] = &Column{Kind: c.Kind}
				}
				for i, item := range b.items {
					if err := parse(item, b.lines[i], &b.out, in); err != nil {
						b.out.err = err
						break
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
		}
		parts[i] = nil // the parts of the columns still to assemble are all that is held twice
	}
	return sel, nil
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
