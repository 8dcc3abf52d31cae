// Package ruletest evaluates generated Prometheus rule files in the real
// Prometheus rule engine, in process, over synthetic series: the same
// machinery `promtool test rules` uses (promqltest's lazy loader, the
// rules manager's group loading, Group.Eval step by step). It is imported
// only by tests, so the engine and its dependencies stay out of the vigil
// binary.
package ruletest

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

// Run is one evaluation of rule files over series.
type Run struct {
	suite  *promqltest.LazyLoader
	engine *promql.Engine
	groups []*rules.Group
	dir    string
	// intervals: evaluate groups only at multiples of their interval.
	intervals bool
}

// HonourGroupIntervals makes Eval and EvalFrom evaluate a group that sets
// its own interval (rule files' `interval:`) only at the steps that are
// multiples of it, counted from the start, as if Prometheus had scheduled
// it with no offset. Without it every group is evaluated at every step.
func (r *Run) HonourGroupIntervals() { r.intervals = true }

// maxSamples is Prometheus's default --query.max-samples. The lazy
// loader's own engine allows 10,000 samples per query, fewer than one
// series holds over 30 days at a 1-minute scrape interval, so rules that
// read raw series over a 30-day window would fail here and not in
// Prometheus.
const maxSamples = 50_000_000

// New loads series (promqltest `load` syntax, e.g. "load 1m\n  x 0+1x60")
// and rule files (their contents). Evaluation time starts at the Unix
// epoch, like promtool.
func New(series string, ruleFiles ...[]byte) (*Run, error) {
	return NewEvery(time.Minute, series, ruleFiles...)
}

// NewEvery is New for rules evaluated every interval (Prometheus's
// global evaluation_interval): the default step of subqueries without
// one ([1h:]) and the interval of groups that set none.
func NewEvery(interval time.Duration, series string, ruleFiles ...[]byte) (*Run, error) {
	p := parser.NewParser(parser.Options{})
	suite, err := promqltest.NewLazyLoader(series, promqltest.LazyLoaderOpts{
		EnableAtModifier: true, EnableNegativeOffset: true, Parser: p,
	})
	if err != nil {
		return nil, err
	}
	engine := promql.NewEngine(promql.EngineOpts{
		MaxSamples:               maxSamples,
		Timeout:                  2 * time.Minute, // Prometheus's default --query.timeout
		NoStepSubqueryIntervalFn: func(int64) int64 { return interval.Milliseconds() },
		EnableAtModifier:         true,
		EnableNegativeOffset:     true,
		Parser:                   p,
	})
	dir, err := os.MkdirTemp("", "vigil-ruletest-")
	if err != nil {
		suite.Close()
		return nil, err
	}
	var files []string
	for i, b := range ruleFiles {
		f := filepath.Join(dir, fmt.Sprintf("rules-%d.yaml", i))
		if err := os.WriteFile(f, b, 0o644); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	m := rules.NewManager(&rules.ManagerOptions{
		QueryFunc:    rules.EngineQueryFunc(engine, suite.Storage()),
		AppendableV2: suite.Storage(),
		Queryable:    suite.Storage(),
		Context:      context.Background(),
		NotifyFunc:   func(context.Context, string, ...*rules.Alert) {},
		Logger:       promslog.NewNopLogger(),
		Parser:       p,
	})
	gm, errs := m.LoadGroups(interval, labels.EmptyLabels(), "", nil, false, files...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("loading rules: %v", errs)
	}
	r := &Run{suite: suite, engine: engine, dir: dir}
	// Evaluate groups in the order the files list them, as promtool does
	// with the group_eval_order vigil writes into its test files (without
	// one, promtool picks a random order): vigil lists recording groups
	// before the alerts that read them.
	order := map[string]int{}
	for fi, b := range ruleFiles {
		rgs, errs := rulefmt.Parse(b, false, model.UTF8Validation, p, nil)
		if len(errs) > 0 {
			return nil, fmt.Errorf("parsing rules: %v", errs)
		}
		for gi, g := range rgs.Groups {
			order[fmt.Sprintf("%s;%s", files[fi], g.Name)] = fi*100000 + gi
		}
	}
	for _, g := range gm {
		r.groups = append(r.groups, g)
	}
	sort.Slice(r.groups, func(i, j int) bool {
		return order[r.groups[i].File()+";"+r.groups[i].Name()] < order[r.groups[j].File()+";"+r.groups[j].Name()]
	})
	for _, g := range r.groups {
		for _, rl := range g.Rules() {
			if ar, ok := rl.(*rules.AlertingRule); ok {
				ar.SetRestored(true)
			}
		}
	}
	return r, nil
}

// Close releases the storage.
func (r *Run) Close() error {
	os.RemoveAll(r.dir)
	return r.suite.Close()
}

// Firing maps alert names to the label sets of their firing alerts.
type Firing map[string][]labels.Labels

// Names returns the firing alert names, sorted.
func (f Firing) Names() []string {
	var out []string
	for k := range f {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Eval evaluates every group at every step from 0 to until (inclusive),
// calling fn after each step with the offset from the start and the alerts
// firing then. It stops early when fn returns false. Any rule evaluation
// error fails the run.
func (r *Run) Eval(until, step time.Duration, fn func(at time.Duration, firing Firing) bool) error {
	return r.EvalFrom(0, until, step, fn)
}

// EvalFrom is Eval starting at offset from instead of 0: for rules that
// read no history of their own recordings, the steps before from change
// nothing they compute.
func (r *Run) EvalFrom(from, until, step time.Duration, fn func(at time.Duration, firing Firing) bool) error {
	start := time.Unix(0, 0).UTC()
	for at := from; at <= until; at += step {
		ts := start.Add(at)
		err := r.withSamplesTill(ts, func() (evalErr error) {
			for _, g := range r.groups {
				if r.intervals && g.Interval() > 0 && at%g.Interval() != 0 {
					continue
				}
				g.Eval(r.suite.Context(), ts)
				for _, rl := range g.Rules() {
					if rl.LastError() != nil && evalErr == nil {
						evalErr = fmt.Errorf("rule %s at %s: %w", rl.Name(), at, rl.LastError())
					}
				}
			}
			return evalErr
		})
		if err != nil {
			return err
		}
		firing := Firing{}
		for _, g := range r.groups {
			for _, rl := range g.Rules() {
				ar, ok := rl.(*rules.AlertingRule)
				if !ok {
					continue
				}
				for _, a := range ar.ActiveAlerts() {
					if a.State == rules.StateFiring {
						firing[ar.Name()] = append(firing[ar.Name()], a.Labels)
					}
				}
			}
		}
		if !fn(at, firing) {
			return nil
		}
	}
	return nil
}

// FiringAlerts returns the alerts firing after the latest evaluation,
// with the labels and annotations the rule engine expanded from the
// rules' templates, sorted by alert name and labels.
func (r *Run) FiringAlerts() []*rules.Alert {
	var out []*rules.Alert
	for _, g := range r.groups {
		for _, rl := range g.Rules() {
			if ar, ok := rl.(*rules.AlertingRule); ok {
				for _, a := range ar.ActiveAlerts() {
					if a.State == rules.StateFiring {
						out = append(out, a)
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return labels.Compare(out[i].Labels, out[j].Labels) < 0 })
	return out
}

// withSamplesTill loads the series' samples up to ts and then runs fn,
// returning the load's error or fn's.
func (r *Run) withSamplesTill(ts time.Time, fn func() error) error {
	var err error
	r.suite.WithSamplesTill(ts, func(loadErr error) {
		if loadErr != nil {
			err = loadErr
			return
		}
		err = fn()
	})
	return err
}

// Record evaluates only the recording rules named, at every step from
// offset from to until (inclusive), and stores their results as a group
// evaluation would, in file order, each rule's before the next one's. It
// builds the history of the recordings that other rules read over long
// ranges (e.g. 30 days of 5m rates) without evaluating every rule at
// every step. Every name must match at least one recording rule; with no
// names, Record only appends the series' samples step by step, as
// scrapes would. (Appending 30 days in one step, as the first evaluation
// after a long gap does, leaves a storage layout in which range queries
// over raw series run several times slower.)
func (r *Run) Record(from, until, step time.Duration, names ...string) error {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = false
	}
	for _, g := range r.groups {
		for _, rl := range g.Rules() {
			if _, ok := want[rl.Name()]; ok {
				if _, rec := rl.(*rules.RecordingRule); rec {
					want[rl.Name()] = true
				}
			}
		}
	}
	for n, found := range want {
		if !found {
			return fmt.Errorf("no recording rule %s", n)
		}
	}
	start := time.Unix(0, 0).UTC()
	q := rules.EngineQueryFunc(r.engine, r.suite.Storage())
	ctx := r.suite.Context()
	for at := from; at <= until; at += step {
		ts := start.Add(at)
		err := r.withSamplesTill(ts, func() error {
			for _, g := range r.groups {
				for _, rl := range g.Rules() {
					rr, ok := rl.(*rules.RecordingRule)
					if !ok || !want[rr.Name()] {
						continue
					}
					vec, err := rr.Eval(ctx, 0, ts, q, nil, 0)
					if err != nil {
						return fmt.Errorf("rule %s at %s: %w", rr.Name(), at, err)
					}
					app := r.suite.Storage().Appender(ctx)
					for _, smpl := range vec {
						if _, err := app.Append(0, smpl.Metric, smpl.T, smpl.F); err != nil {
							app.Rollback()
							return fmt.Errorf("rule %s at %s: %w", rr.Name(), at, err)
						}
					}
					if err := app.Commit(); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Compact compacts the storage's head into blocks, as far as it is
// compactable, and returns when done. The storage compacts in the
// background after appends; a test that times queries calls Compact
// first, so that it times queries against settled storage (mostly blocks,
// as in a Prometheus server) and not against a compaction in progress.
func (r *Run) Compact() error {
	c, ok := r.suite.Storage().(interface{ Compact(context.Context) error })
	if !ok {
		return fmt.Errorf("storage %T cannot compact", r.suite.Storage())
	}
	return c.Compact(r.suite.Context())
}

// EvalRecordingAt evaluates only the recording rules of every group once,
// at offset at (for benchmarks of rule cost), and returns the number of
// samples they produced. The results are not stored: rules that read
// other rules' recordings read what Eval stored, so run Eval up to and
// including at first for them to see their inputs, as they would within
// one group evaluation.
func (r *Run) EvalRecordingAt(at time.Duration) (samples int, err error) {
	err = r.evalRecording(at, func(_ string, n int) { samples += n })
	return samples, err
}

// RecordingOutput evaluates the recording rules like EvalRecordingAt and
// returns the number of samples each produced, by recorded name (summed
// over rules of the same name).
func (r *Run) RecordingOutput(at time.Duration) (map[string]int, error) {
	out := map[string]int{}
	err := r.evalRecording(at, func(name string, n int) { out[name] += n })
	return out, err
}

func (r *Run) evalRecording(at time.Duration, fn func(name string, samples int)) error {
	ts := time.Unix(0, 0).UTC().Add(at)
	q := rules.EngineQueryFunc(r.engine, r.suite.Storage())
	for _, g := range r.groups {
		for _, rl := range g.Rules() {
			rr, ok := rl.(*rules.RecordingRule)
			if !ok {
				continue
			}
			vec, err := rr.Eval(r.suite.Context(), 0, ts, q, nil, 0)
			if err != nil {
				return fmt.Errorf("rule %s: %w", rr.Name(), err)
			}
			fn(rr.Name(), len(vec))
		}
	}
	return nil
}

// RecordingRules returns the number of recording rules loaded.
func (r *Run) RecordingRules() int {
	n := 0
	for _, g := range r.groups {
		for _, rl := range g.Rules() {
			if _, ok := rl.(*rules.RecordingRule); ok {
				n++
			}
		}
	}
	return n
}

// Query evaluates an instant query at offset at (after Eval has run past
// it) and returns the sample values by label set string.
func (r *Run) Query(expr string, at time.Duration) (map[string]float64, error) {
	q, err := r.engine.NewInstantQuery(context.Background(), r.suite.Queryable(), nil, expr, time.Unix(0, 0).UTC().Add(at))
	if err != nil {
		return nil, err
	}
	res := q.Exec(context.Background())
	if res.Err != nil {
		return nil, res.Err
	}
	vec, err := res.Vector()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, s := range vec {
		out[s.Metric.String()] = s.F
	}
	return out, nil
}

// Sample is one stored sample.
type Sample struct {
	// At is the offset from the start.
	At    time.Duration
	Value float64
}

// Stored returns every sample stored so far (input series and recording
// rule results alike) of the series the selector matches, e.g.
// `{__name__=~"vigil:.+"}`, by label set string, in time order. Stale
// markers (the NaN the rule engine writes when a rule stops producing a
// series) are left out: they mark the end of a series, not a value.
func (r *Run) Stored(selector string) (map[string][]Sample, error) {
	ms, err := parser.NewParser(parser.Options{}).ParseMetricSelector(selector)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	q, err := r.suite.Storage().Querier(math.MinInt64, math.MaxInt64)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	set := q.Select(ctx, false, nil, ms...)
	out := map[string][]Sample{}
	start := time.Unix(0, 0).UTC()
	for set.Next() {
		s := set.At()
		var samples []Sample
		it := s.Iterator(nil)
		for typ := it.Next(); typ != chunkenc.ValNone; typ = it.Next() {
			if typ != chunkenc.ValFloat {
				continue
			}
			t, f := it.At()
			if value.IsStaleNaN(f) {
				continue
			}
			samples = append(samples, Sample{At: time.UnixMilli(t).UTC().Sub(start), Value: f})
		}
		if err := it.Err(); err != nil {
			return nil, err
		}
		out[s.Labels().String()] = samples
	}
	return out, set.Err()
}

// Series builds a promqltest load block.
type Series struct {
	step  time.Duration
	lines []string
}

// NewSeries starts a load block with the given scrape step.
func NewSeries(step time.Duration) *Series { return &Series{step: step} }

// Add appends one series given as a metric selector and a value list in
// promqltest expanding notation (e.g. "0+10x60 600+0x60").
func (s *Series) Add(metric, values string) *Series {
	s.lines = append(s.lines, "  "+metric+" "+values)
	return s
}

// Counter appends a counter starting at 0 that grows by
// segments[i].PerStep per step during segments[i].Steps steps, one segment
// after another.
func (s *Series) Counter(metric string, segments ...Segment) *Series {
	var parts []string
	v := 0.0
	first := true
	for _, seg := range segments {
		if seg.Steps <= 0 {
			continue
		}
		if first {
			parts = append(parts, fmt.Sprintf("%s+%sx%d", num(v), num(seg.PerStep), seg.Steps))
			v += seg.PerStep * float64(seg.Steps)
			first = false
			continue
		}
		v += seg.PerStep
		parts = append(parts, fmt.Sprintf("%s+%sx%d", num(v), num(seg.PerStep), seg.Steps-1))
		v += seg.PerStep * float64(seg.Steps-1)
	}
	return s.Add(metric, strings.Join(parts, " "))
}

// Gauge appends a gauge holding segments[i].Value for segments[i].Steps
// samples each, starting with the sample at time 0.
func (s *Series) Gauge(metric string, segments ...Segment) *Series {
	var parts []string
	for _, seg := range segments {
		if seg.Steps <= 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%sx%d", num(seg.Value), seg.Steps-1))
	}
	return s.Add(metric, strings.Join(parts, " "))
}

// Segment is a run of steps for Counter (PerStep) or Gauge (Value).
type Segment struct {
	Steps   int
	PerStep float64
	Value   float64
}

// String renders the load block.
func (s *Series) String() string {
	return "load " + model.Duration(s.step).String() + "\n" + strings.Join(s.lines, "\n") + "\n"
}

func num(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.6f", f), "0"), ".")
}
