package drift

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/vigil-dev/vigil/drift/config"
)

// Exporter holds one model's latest drift series and serves them as a
// prometheus.Collector. Each Update replaces the whole set, so a feature
// that failed, or an evaluation that failed, exports no score at all
// rather than the previous one as if it were fresh. It also keeps the
// state that spans evaluations: the consecutive-breach counts, the errors
// counter and the last successful run. It is safe for concurrent use.
//
// The collector is unchecked (Describe sends nothing), so several models
// whose configs name the same series can share one registry.
type Exporter struct {
	c     *config.Config
	descs exportDescs

	mu      sync.Mutex
	metrics []prometheus.Metric
	state   State
}

type exportDescs struct {
	score, threshold, detected, pValue, consecutive *prometheus.Desc
	missing, featureErrors, sampleSize, rowsRead    *prometheus.Desc
	binShare                                        *prometheus.Desc
	lastRun, duration, errors                       *prometheus.Desc
}

// NewExporter returns an exporter for the config's series, with an empty
// state. Score, Threshold, Detected and LastRun must be named; a series
// whose name the config leaves empty (a config written by an older vigil)
// is not exported. Names must be valid metric names, FeatureLabels three
// label names (model, feature, test) and ModelLabels one (model).
func NewExporter(c *config.Config) (*Exporter, error) { return newLabelledExporter(c, nil) }

// ShardLabel is the label that tells the series of the shards of a
// sharded evaluation apart (docs/drift.md, "Sharded evaluation").
const ShardLabel = "shard"

// NewShardExporter is NewExporter for shard i of a sharded evaluation:
// every series carries the label shard="i" (ShardLabel), and the state
// records the shard, so that one shard's state file cannot be loaded by
// another. c is the shard's configuration (config.Config.Shard).
func NewShardExporter(c *config.Config, i int) (*Exporter, error) {
	e, err := newLabelledExporter(c, prometheus.Labels{ShardLabel: strconv.Itoa(i)})
	if err != nil {
		return nil, err
	}
	e.state.Shard = strconv.Itoa(i)
	return e, nil
}

func newLabelledExporter(c *config.Config, constLabels prometheus.Labels) (*Exporter, error) {
	m := c.Metrics
	if len(m.FeatureLabels) != 3 || len(m.ModelLabels) != 1 {
		return nil, fmt.Errorf("drift config: metrics.feature_labels must list 3 labels and model_labels 1, got %v and %v", m.FeatureLabels, m.ModelLabels)
	}
	for _, l := range append(slices.Clone(m.FeatureLabels), m.ModelLabels...) {
		if !model.LabelName(l).IsValidLegacy() {
			return nil, fmt.Errorf("drift config: %q is not a valid label name", l)
		}
		if _, ok := constLabels[l]; ok {
			return nil, fmt.Errorf("drift config: label %q is reserved for the shard of a sharded evaluation", l)
		}
	}
	var errs []error
	for _, req := range []struct{ key, name string }{{"score", m.Score}, {"threshold", m.Threshold}, {"detected", m.Detected}, {"last_run", m.LastRun}} {
		if req.name == "" {
			errs = append(errs, fmt.Errorf("drift config: metrics.%s is not named", req.key))
		}
	}
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		if name == "" {
			return nil
		}
		if !model.IsValidLegacyMetricName(name) {
			errs = append(errs, fmt.Errorf("drift config: %q is not a valid metric name", name))
			return nil
		}
		return prometheus.NewDesc(name, help, labels, constLabels)
	}
	fl := m.FeatureLabels
	e := &Exporter{c: c, state: newState(c.Model)}
	e.descs = exportDescs{
		score:         desc(m.Score, "Drift statistic: a distance, or the p-value of hypothesis tests.", fl...),
		threshold:     desc(m.Threshold, "Threshold the drift statistic is compared with.", fl...),
		detected:      desc(m.Detected, "1 when the latest evaluation breached the threshold.", fl...),
		pValue:        desc(m.PValue, "p-value of the hypothesis test (hypothesis tests only).", fl...),
		consecutive:   desc(m.ConsecutiveBreaches, "Latest successful evaluations in a row that breached the threshold (informational: the alert rules count breaches themselves).", fl...),
		missing:       desc(m.MissingRatio, "Share of missing values in the current sample.", "model", "feature"),
		featureErrors: desc(m.FeatureErrors, "1 when a feature could not be tested in the latest evaluation.", "model", "feature"),
		sampleSize:    desc(m.SampleSize, "Non-missing values of a feature in each sample.", "model", "feature", "sample"),
		binShare:      desc(m.BinShare, "Share of each sample's values in each bin of the feature (numeric: its bins; categorical: its most frequent reference categories, (other) and (unseen)).", "model", "feature", "sample", "bin"),
		rowsRead:      desc(m.RowsRead, "Rows read per sample in the latest evaluation; current rows are those inside the time window.", "model", "sample"),
		lastRun:       desc(m.LastRun, "Unix time of the latest successful evaluation.", m.ModelLabels...),
		duration:      desc(m.EvaluationDuration, "How long the latest evaluation took, in seconds.", m.ModelLabels...),
		errors:        desc(m.Errors, "Failed evaluations and failed features, by reason.", "model", "reason"),
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

// Describe sends nothing: the collector is unchecked.
func (e *Exporter) Describe(chan<- *prometheus.Desc) {}

// Collect sends the series of the latest evaluation.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	ms := e.metrics
	e.mu.Unlock()
	for _, m := range ms {
		ch <- m
	}
}

// State returns a copy of the state that spans evaluations.
func (e *Exporter) State() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state.clone()
}

// Restore replaces the state that spans evaluations (as saved by a
// previous `vigil drift run`), and exports the restored last successful
// run and errors until the next Update.
func (e *Exporter) Restore(s State) {
	e.mu.Lock()
	defer e.mu.Unlock()
	shard := e.state.Shard
	e.state = s.clone()
	e.state.Model = e.c.Model
	e.state.Shard = shard
	e.metrics = e.build(nil)
}

// Update folds an evaluation into the state and replaces the exported
// series. A cancelled evaluation changes nothing.
func (e *Exporter) Update(rep *Report) {
	if rep.Err != nil && isCancel(rep.Err) {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	st := &e.state
	if rep.Err != nil {
		st.Errors[rep.Reason]++
	}
	for _, r := range rep.Results {
		if r.Err != nil {
			st.Errors[r.Reason]++
			continue
		}
		// A failed feature neither extends nor resets its count, as the
		// alert rules, which only see successful verdicts, do.
		key := streakKey(r.Feature, r.Method)
		if r.Detected {
			st.Consecutive[key]++
		} else {
			delete(st.Consecutive, key)
		}
	}
	if rep.Succeeded() {
		st.LastSuccess = rep.Finished.Unix()
	}
	e.metrics = e.build(rep)
}

// build renders the series for an evaluation (nil: only the state's).
// Call with e.mu held.
func (e *Exporter) build(rep *Report) []prometheus.Metric {
	var out []prometheus.Metric
	add := func(d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
		if d == nil {
			return // not named in the config
		}
		// Descs and label counts were checked by NewExporter, so this
		// cannot fail.
		if m, err := prometheus.NewConstMetric(d, t, v, labels...); err == nil {
			out = append(out, m)
		}
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) { add(d, prometheus.GaugeValue, v, labels...) }
	name, d := e.c.Model, e.descs
	if rep != nil && rep.Succeeded() {
		gauge(d.rowsRead, float64(rep.ReferenceRows), name, "reference")
		gauge(d.rowsRead, float64(rep.CurrentRows), name, "current")
		for _, r := range rep.Results {
			gauge(d.missing, r.MissingShare, name, r.Feature)
			gauge(d.sampleSize, float64(r.RefRows), name, r.Feature, "reference")
			gauge(d.sampleSize, float64(r.CurRows), name, r.Feature, "current")
			if r.Err != nil {
				gauge(d.featureErrors, 1, name, r.Feature)
				continue
			}
			gauge(d.featureErrors, 0, name, r.Feature)
			gauge(d.score, r.Score, name, r.Feature, r.Method)
			gauge(d.threshold, r.Threshold, name, r.Feature, r.Method)
			gauge(d.detected, b2f(r.Detected), name, r.Feature, r.Method)
			gauge(d.consecutive, float64(e.state.Consecutive[streakKey(r.Feature, r.Method)]), name, r.Feature, r.Method)
			if config.PValueTests[r.Method] {
				gauge(d.pValue, r.Score, name, r.Feature, r.Method)
			}
			for _, b := range r.Bins {
				gauge(d.binShare, b.Ref, name, r.Feature, "reference", b.Label)
				gauge(d.binShare, b.Cur, name, r.Feature, "current", b.Label)
			}
		}
	}
	if rep != nil {
		gauge(d.duration, rep.Duration().Seconds(), name)
	}
	if e.state.LastSuccess != 0 {
		gauge(d.lastRun, float64(e.state.LastSuccess), name)
	}
	reasons := make([]string, 0, len(e.state.Errors))
	for r := range e.state.Errors {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		add(d.errors, prometheus.CounterValue, e.state.Errors[r], name, r)
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
