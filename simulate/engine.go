package simulate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
)

// engine is a Prometheus TSDB in a temporary directory, the PromQL engine
// and the rules manager's groups: the same machinery a Prometheus server
// (and `promtool test rules`) runs, driven step by step.
type engine struct {
	dir    string
	db     *tsdb.DB
	qe     *promql.Engine
	groups []*rules.Group
	refs   map[*series]storage.SeriesRef
	// history are the recording rules whose results other rules read
	// over a range (e.g. the 5m error rate that long windows average).
	history []*rules.RecordingRule
}

// epoch is the simulated start time. Prometheus rejects nothing about
// times near 0, but a realistic date keeps `time()` arithmetic ordinary.
var epoch = time.Unix(0, 0).UTC()

// newEngine loads the rule groups (as rendered in ruleFile) into a fresh
// storage and rules manager.
func newEngine(groups []rulefmt.RuleGroup, ruleFile []byte) (*engine, error) {
	dir, err := os.MkdirTemp("", "vigil-simulate-")
	if err != nil {
		return nil, err
	}
	e := &engine{dir: dir, refs: map[*series]storage.SeriesRef{}}
	opts := tsdb.DefaultOptions()
	// Day-long blocks, compacted explicitly as simulated time passes (see
	// compact): samples and rule results are appended in time order, so
	// compaction never closes a window still being written, and it keeps
	// the head small; a head holding weeks of chunks makes every query
	// walk all of them. (2h blocks cost more in index writing than they
	// save.)
	opts.MinBlockDuration = int64(24 * time.Hour / time.Millisecond)
	opts.MaxBlockDuration = opts.MinBlockDuration
	opts.RetentionDuration = 0
	opts.OutOfOrderTimeWindow = 0
	db, err := tsdb.Open(filepath.Join(dir, "data"), nil, nil, opts, tsdb.NewDBStats())
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("opening the simulation storage: %w", err)
	}
	db.DisableCompactions()
	e.db = db
	e.qe = promql.NewEngine(promql.EngineOpts{
		Logger:        nil,
		MaxSamples:    50_000_000,
		Timeout:       10 * time.Minute,
		LookbackDelta: 5 * time.Minute,
		Parser:        parser.NewParser(parser.Options{}),
	})
	f := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(f, ruleFile, 0o644); err != nil {
		e.Close()
		return nil, err
	}
	p := parser.NewParser(parser.Options{})
	m := rules.NewManager(&rules.ManagerOptions{
		QueryFunc:    rules.EngineQueryFunc(e.qe, db),
		AppendableV2: db,
		Queryable:    db,
		Context:      context.Background(),
		NotifyFunc:   func(context.Context, string, ...*rules.Alert) {},
		Logger:       promslog.NewNopLogger(),
		Parser:       p,
	})
	gm, errs := m.LoadGroups(time.Minute, labels.EmptyLabels(), "", nil, false, f)
	if len(errs) > 0 {
		e.Close()
		return nil, fmt.Errorf("loading rules: %v", errs)
	}
	// Evaluate groups in file order, as promtool does with the
	// group_eval_order vigil writes into its test files (without one,
	// promtool picks a random order): vigil lists recording groups before
	// the alerts that read them.
	order := map[string]int{}
	for i, g := range groups {
		order[g.Name] = i
	}
	for _, g := range gm {
		e.groups = append(e.groups, g)
	}
	ranged := rangeReadNames(groups, p)
	sort.Slice(e.groups, func(i, j int) bool { return order[e.groups[i].Name()] < order[e.groups[j].Name()] })
	for _, g := range e.groups {
		for _, r := range g.Rules() {
			if ar, ok := r.(*rules.AlertingRule); ok {
				// No earlier state to restore from the TSDB.
				ar.SetRestored(true)
			}
			if rr, ok := r.(*rules.RecordingRule); ok && ranged[rr.Name()] {
				e.history = append(e.history, rr)
			}
		}
	}
	return e, nil
}

// compact persists head data older than the head's block range as
// blocks, as a Prometheus server does every few hours.
func (e *engine) compact(ctx context.Context) error { return e.db.Compact(ctx) }

// Close removes the storage.
func (e *engine) Close() {
	if e.db != nil {
		e.db.Close()
	}
	os.RemoveAll(e.dir)
}

// append writes one sample of every series at storage offset t.
func (e *engine) append(s *synth, t time.Duration) error {
	app := e.db.Appender(context.Background())
	ts := epoch.Add(t).UnixMilli()
	for _, x := range s.series {
		ref, err := app.Append(e.refs[x], x.labels, ts, s.sample(x))
		if err != nil {
			app.Rollback()
			return fmt.Errorf("appending %s: %w", x.labels, err)
		}
		e.refs[x] = ref
	}
	return app.Commit()
}

// alertState is one active alert at one evaluation.
type alertState struct {
	name   string
	labels labels.Labels
	state  rules.AlertState
}

// rangeReadNames returns the recorded series names that some rule reads
// over a range (inside a range selector).
func rangeReadNames(groups []rulefmt.RuleGroup, p parser.Parser) map[string]bool {
	recorded := map[string]bool{}
	for _, g := range groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				recorded[r.Record] = true
			}
		}
	}
	out := map[string]bool{}
	for _, g := range groups {
		for _, r := range g.Rules {
			expr, err := p.ParseExpr(r.Expr)
			if err != nil {
				continue
			}
			parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
				if ms, ok := n.(*parser.MatrixSelector); ok {
					if vs, ok := ms.VectorSelector.(*parser.VectorSelector); ok && recorded[vs.Name] {
						out[vs.Name] = true
					}
				}
				return nil
			})
		}
	}
	return out
}

// evalHistory evaluates only the recording rules whose history other
// rules read, writing their results, at storage offset t.
func (e *engine) evalHistory(ctx context.Context, t time.Duration) error {
	ts := epoch.Add(t)
	q := rules.EngineQueryFunc(e.qe, e.db)
	app := e.db.Appender(ctx)
	for _, r := range e.history {
		vec, err := r.Eval(ctx, 0, ts, q, nil, 0)
		if err != nil {
			app.Rollback()
			return fmt.Errorf("rule %s at %s: %w", r.Name(), t, err)
		}
		for _, smp := range vec {
			if _, err := app.Append(0, smp.Metric, ts.UnixMilli(), smp.F); err != nil {
				app.Rollback()
				return err
			}
		}
	}
	return app.Commit()
}

// eval evaluates every group at storage offset t and returns the active
// alerts.
func (e *engine) eval(ctx context.Context, t time.Duration) ([]alertState, error) {
	ts := epoch.Add(t)
	var out []alertState
	for _, g := range e.groups {
		g.Eval(ctx, ts)
		for _, r := range g.Rules() {
			if err := r.LastError(); err != nil {
				return nil, fmt.Errorf("rule %s at %s: %w", r.Name(), t, err)
			}
			ar, ok := r.(*rules.AlertingRule)
			if !ok {
				continue
			}
			for _, a := range ar.ActiveAlerts() {
				out = append(out, alertState{name: ar.Name(), labels: a.Labels, state: a.State})
			}
		}
	}
	return out, nil
}

// query evaluates an instant query at storage offset t and returns its first
// sample's value (ok false when the result is empty).
func (e *engine) query(ctx context.Context, expr string, t time.Duration) (float64, bool, error) {
	q, err := e.qe.NewInstantQuery(ctx, e.db, nil, expr, epoch.Add(t))
	if err != nil {
		return 0, false, err
	}
	defer q.Close()
	res := q.Exec(ctx)
	if res.Err != nil {
		return 0, false, res.Err
	}
	vec, err := res.Vector()
	if err != nil {
		return 0, false, err
	}
	if len(vec) == 0 {
		return 0, false, nil
	}
	return vec[0].F, true, nil
}
