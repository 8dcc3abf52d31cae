package drift

import (
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
	lastRun, duration, errors                       *prometheus.Desc
}

// NewExporter returns an exporter for the config's series, with an empty
// state.
func NewExporter(c *config.Config) *Exporter {
	m := c.Metrics
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
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
		rowsRead:      desc(m.RowsRead, "Rows read per sample in the latest evaluation; current rows are those inside the time window.", "model", "sample"),
		lastRun:       desc(m.LastRun, "Unix time of the latest successful evaluation.", m.ModelLabels...),
		duration:      desc(m.EvaluationDuration, "How long the latest evaluation took, in seconds.", m.ModelLabels...),
		errors:        desc(m.Errors, "Failed evaluations and failed features, by reason.", "model", "reason"),
	}
	return e
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
	e.state = s.clone()
	e.state.Model = e.c.Model
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
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	model, d := e.c.Model, e.descs
	if rep != nil && rep.Succeeded() {
		gauge(d.rowsRead, float64(rep.ReferenceRows), model, "reference")
		gauge(d.rowsRead, float64(rep.CurrentRows), model, "current")
		for _, r := range rep.Results {
			gauge(d.missing, r.MissingShare, model, r.Feature)
			gauge(d.sampleSize, float64(r.RefRows), model, r.Feature, "reference")
			gauge(d.sampleSize, float64(r.CurRows), model, r.Feature, "current")
			if r.Err != nil {
				gauge(d.featureErrors, 1, model, r.Feature)
				continue
			}
			gauge(d.featureErrors, 0, model, r.Feature)
			gauge(d.score, r.Score, model, r.Feature, r.Method)
			gauge(d.threshold, r.Threshold, model, r.Feature, r.Method)
			gauge(d.detected, b2f(r.Detected), model, r.Feature, r.Method)
			gauge(d.consecutive, float64(e.state.Consecutive[streakKey(r.Feature, r.Method)]), model, r.Feature, r.Method)
			if config.PValueTests[r.Method] {
				gauge(d.pValue, r.Score, model, r.Feature, r.Method)
			}
		}
	}
	if rep != nil {
		gauge(d.duration, rep.Duration().Seconds(), model)
	}
	if e.state.LastSuccess != 0 {
		gauge(d.lastRun, float64(e.state.LastSuccess), model)
	}
	reasons := make([]string, 0, len(e.state.Errors))
	for r := range e.state.Errors {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		out = append(out, prometheus.MustNewConstMetric(d.errors, prometheus.CounterValue, e.state.Errors[r], model, r))
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Registry builds a registry holding one evaluation's series, named and
// labelled as the config says (for a one-shot run).
func Registry(c *config.Config, results []Result, ran time.Time, took time.Duration) *prometheus.Registry {
	e := NewExporter(c)
	e.Update(&Report{Model: c.Model, Results: results, Started: ran.Add(-took), Finished: ran})
	reg := prometheus.NewRegistry()
	reg.MustRegister(e)
	return reg
}
