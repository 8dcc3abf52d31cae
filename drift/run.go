package drift

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/drift/data"
)

// Options control one evaluation.
type Options struct {
	// BaseDir is the directory relative data paths start from (the
	// config file's directory).
	BaseDir string
	// At is the end of the current-data window (exclusive). Zero means
	// the evaluation's start time truncated to the window.
	At time.Time
	// AllRows reads every current row, ignoring the time column.
	AllRows bool
	// Workers is how many features are read and tested at once; 0 means
	// GOMAXPROCS.
	Workers int
	// Logger receives per-feature and progress logs; nil discards them.
	Logger *slog.Logger
	// Progress is the interval of progress logs; 0 means 10 seconds.
	Progress time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// valuesOnly keeps every column as values (no counts), the path the
	// differential tests compare the counting one with.
	valuesOnly bool
}

// Report is the outcome of one evaluation of one model.
type Report struct {
	// Model is the config's model.
	Model string
	// Results has one entry per feature, in config order; empty when the
	// evaluation failed as a whole.
	Results []Result
	// Started is when the evaluation started; Finished when it ended.
	Started, Finished time.Time
	// Window is the current-data window read; nil when every row was read.
	Window *data.Window
	// ReferenceRows and CurrentRows are the rows read (current: inside
	// the window); SkippedRows are the current rows outside it.
	ReferenceRows, CurrentRows, SkippedRows int
	// Err is set when the evaluation failed as a whole, and Reason
	// classifies it.
	Err    error
	Reason string
}

// Duration is how long the evaluation took.
func (r *Report) Duration() time.Duration { return r.Finished.Sub(r.Started) }

// Succeeded reports whether the evaluation produced at least one fresh
// verdict. An evaluation whose every feature failed (for example because
// the window held no rows) did not succeed: its last-run timestamp is not
// advanced, so the staleness alert fires.
func (r *Report) Succeeded() bool {
	if r.Err != nil {
		return false
	}
	for _, res := range r.Results {
		if res.Err == nil {
			return true
		}
	}
	return false
}

// Run evaluates a model: it selects the current rows of the window, then
// reads and tests the features on a pool of workers, and returns the
// results in config order. It never panics on bad data: failures end up
// in the report. Cancelling ctx stops handing out features; the report
// then carries ctx's error.
func Run(ctx context.Context, c *config.Config, o Options) *Report {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("model", c.Model)
	rep := &Report{Model: c.Model, Started: now()}
	defer func() { rep.Finished = now() }()
	fail := func(reason string, err error) *Report {
		rep.Err, rep.Reason = err, reason
		return rep
	}

	if !o.AllRows {
		w, err := currentWindow(c, o.At, rep.Started)
		if err != nil {
			return fail(ReasonInvalidConfig, err)
		}
		rep.Window = w
	}
	ref, cur, refErr, curErr := openSources(c, o.BaseDir, rep.Window, o.valuesOnly)
	if ref != nil {
		defer ref.close()
	}
	if cur != nil {
		defer cur.close()
	}
	if refErr != nil {
		return fail(ReasonReadError, fmt.Errorf("reference: %w", refErr))
	}
	if curErr != nil {
		return fail(ReasonReadError, fmt.Errorf("current data: %w", curErr))
	}
	rep.ReferenceRows, rep.CurrentRows, rep.SkippedRows = ref.sel.Rows, cur.sel.Rows, cur.sel.Skipped
	args := []any{"features", len(c.Features), "reference_rows", rep.ReferenceRows, "current_rows", rep.CurrentRows, "skipped_rows", rep.SkippedRows}
	if w := rep.Window; w != nil {
		args = append(args, "window_start", w.Start.Format(time.RFC3339), "window_end", w.End.Format(time.RFC3339), "row_groups_skipped", cur.sel.SkippedGroups)
	}
	log.Info("data selected", args...)

	results, err := evaluateAll(ctx, c.Features, ref, cur, o, log)
	if err != nil {
		return fail("", err)
	}
	correct(c, results)
	rep.Results = results
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
		}
	}
	log.Info("features done", "tested", len(results)-failed, "failed", failed, "seconds", now().Sub(rep.Started).Seconds())
	return rep
}

// evaluateAll tests the features on a bounded pool of workers. Each
// result lands at its feature's index, so the output order is the
// config's whatever the scheduling.
func evaluateAll(ctx context.Context, features []config.Feature, ref, cur *source, o Options, log *slog.Logger) ([]Result, error) {
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(len(features), 1))
	every := o.Progress
	if every <= 0 {
		every = 10 * time.Second
	}
	results := make([]Result, len(features))
	var done atomic.Int64
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = testFeature(features[i], ref, cur)
				logResult(log, results[i])
				done.Add(1)
			}
		}()
	}
	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-t.C:
				log.Info("progress", "done", done.Load(), "total", len(features))
			}
		}
	}()
	var err error
feed:
	for i := range features {
		if err = ctx.Err(); err != nil {
			break
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	close(stopProgress)
	<-progressDone
	if err != nil {
		return nil, fmt.Errorf("evaluation cancelled after %d of %d features: %w", done.Load(), len(features), err)
	}
	return results, nil
}

// testFeature reads one feature's columns and tests them. A panic in a
// reader or a test fails the feature, not the process: a long-running
// `drift serve` must outlive one bad column.
func testFeature(f config.Feature, ref, cur *source) (r Result) {
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			r = Result{Feature: f.Name, Method: f.Test.Method, Err: fmt.Errorf("testing %s panicked (a vigil bug): %v", f.Name, p), Reason: ReasonTestError}
		}
		r.Took = time.Since(start)
	}()
	k := kindOf(f)
	rc, err := ref.column(f.Column, k)
	if err != nil {
		return Result{Feature: f.Name, Method: f.Test.Method, Err: fmt.Errorf("reference: %w", err), Reason: ReasonReadError}
	}
	cc, err := cur.column(f.Column, k)
	if err != nil {
		return Result{Feature: f.Name, Method: f.Test.Method, Err: fmt.Errorf("current data: %w", err), Reason: ReasonReadError}
	}
	var edges []float64
	if b := cc.Binned; b != nil && cur.binnedFrom[f.Column] == rc {
		// The edges the current sample was counted in were cut from this
		// very reference column, with this feature's bins (binnable).
		edges = b.Edges
	}
	r = evaluateFeatureEdges(f, rc, cc, edges)
	if r.Err != nil {
		r.Reason = columnReason(r.Err, k == data.Numeric, rc)
		switch {
		case r.Reason != ReasonEmptyColumn:
		case r.RefRows == 0:
			r.Err = fmt.Errorf("the reference sample has no values of column %q: %w", f.Column, r.Err)
		case r.CurRows == 0:
			r.Err = fmt.Errorf("the current sample has no values of column %q (in the time window, if any): %w", f.Column, r.Err)
		}
	}
	return r
}

func kindOf(f config.Feature) data.Kind {
	if f.Type == "numeric" {
		return data.Numeric
	}
	return data.Categorical
}

func logResult(log *slog.Logger, r Result) {
	args := []any{"feature", r.Feature, "test", r.Method, "reference_values", r.RefRows, "current_values", r.CurRows, "seconds", r.Took.Seconds()}
	if r.Err != nil {
		log.Warn("feature not tested", append(args, "reason", r.Reason, "error", r.Err)...)
		return
	}
	log.Info("feature tested", append(args, "score", r.Score, "threshold", r.Threshold, "drift", r.Detected)...)
}

// isCancel reports whether err comes from a cancelled or expired context.
func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
