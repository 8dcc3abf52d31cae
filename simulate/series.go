package simulate

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/drift/config"
)

// This file turns a scenario into the source series a model's rules read,
// following the metric mapping in the model's IR: request counters split
// by the error selector, the latency and confidence histograms, predicted
// labels, ground-truth feedback, and the drift evaluator's gauges.
// Counters integrate piecewise-constant rates exactly, so the error ratio
// over any window is exactly what the scenario says.
//
// Not synthesized: free-PromQL inputs (business KPIs, infrastructure,
// pipeline health, custom ratio and freshness SLIs), which name series
// vigil cannot invent values for.

// series is one synthetic series: a counter with a rate per state, or a
// gauge with a value per time.
type series struct {
	labels labels.Labels
	// rate is the counter's increase per second in a state.
	rate func(st *Phase) float64
	// gauge is the value at offset t; nil for counters.
	gauge func(t time.Duration) float64
	// value is the counter's current value.
	value float64
}

// synth holds the synthetic series of one scenario.
type synth struct {
	sc     *Scenario
	series []*series
	// at is the offset up to which counters are integrated; it starts at
	// minus the warmup.
	at time.Duration
	// warmup shifts scenario offsets to storage time: the TSDB's time 0
	// (the Unix epoch) is the warmup's start.
	warmup time.Duration
}

// newSynth builds the series for model m.
func newSynth(sc *Scenario, m *compiler.Model, warmup time.Duration) (*synth, error) {
	s := &synth{sc: sc, at: -warmup, warmup: warmup}
	mt := m.Metrics
	var errs []error
	add := func(name string, sel compiler.Selector, extra map[string]string, rate func(*Phase) float64) {
		lb, err := labelsFor(name, sel, extra)
		if err != nil {
			errs = append(errs, err)
			return
		}
		s.series = append(s.series, &series{labels: lb, rate: rate})
	}

	// Requests, split into failures (matching the error selector) and
	// successes (not matching it).
	errLabels, okLabels, err := errorLabels(mt.ErrorSelector)
	if err != nil {
		errs = append(errs, err)
	} else {
		add(mt.Requests.Metric, mt.Requests.Selector, okLabels, func(p *Phase) float64 { return *p.RPS * (1 - *p.ErrorRatio) })
		add(mt.Requests.Metric, mt.Requests.Selector, errLabels, func(p *Phase) float64 { return *p.RPS * *p.ErrorRatio })
	}

	// Latency: log-normal through the median and the 99th percentile.
	addHistogram := func(h compiler.Histogram, cdf func(p *Phase, x float64) float64, mean func(p *Phase) float64) {
		for _, b := range h.Buckets {
			le := b.Float64()
			add(h.Metric+"_bucket", h.Selector, map[string]string{"le": promFloat(le)}, func(p *Phase) float64 { return *p.RPS * cdf(p, le) })
		}
		add(h.Metric+"_bucket", h.Selector, map[string]string{"le": "+Inf"}, func(p *Phase) float64 { return *p.RPS })
		add(h.Metric+"_count", h.Selector, nil, func(p *Phase) float64 { return *p.RPS })
		add(h.Metric+"_sum", h.Selector, nil, func(p *Phase) float64 { return *p.RPS * mean(p) })
	}
	addHistogram(mt.Latency, func(p *Phase, x float64) float64 {
		mu, sigma := logNormal(p)
		return distuv.LogNormal{Mu: mu, Sigma: sigma}.CDF(x)
	}, func(p *Phase) float64 {
		mu, sigma := logNormal(p)
		return math.Exp(mu + sigma*sigma/2)
	})
	addHistogram(mt.Confidence, func(p *Phase, x float64) float64 {
		if x >= 1 {
			return 1
		}
		return beta(p).CDF(x)
	}, func(p *Phase) float64 { return *p.ConfidenceMean })

	classes := feedbackClasses(m)
	if mt.Predictions.Metric != "" && mt.PredictionLabel != "" {
		for _, c := range classes {
			add(mt.Predictions.Metric, mt.Predictions.Selector, map[string]string{mt.PredictionLabel: c},
				func(p *Phase) float64 { return *p.RPS / float64(len(classes)) })
		}
	}
	if mt.Feedback.Metric != "" {
		k := float64(len(classes))
		for _, pred := range classes {
			for _, act := range classes {
				right := pred == act
				add(mt.Feedback.Metric, mt.Feedback.Selector, map[string]string{mt.FeedbackPredicted: pred, mt.FeedbackActual: act},
					func(p *Phase) float64 {
						if right {
							return *p.FeedbackRate / k * *p.Accuracy
						}
						return *p.FeedbackRate / k * (1 - *p.Accuracy) / (k - 1)
					})
			}
		}
	}

	if m.Drift != nil && len(m.Features) > 0 {
		s.addDrift(m)
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	for _, f := range sc.knownFeatures() {
		if !hasFeature(m, f) {
			errs = append(errs, fmt.Errorf("drift: model %s has no feature %q", m.Name, f))
		}
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return s, nil
}

// addDrift adds the evaluator's gauges: each evaluation (at every
// multiple of the drift schedule, the first at the start) reports the
// scenario's score per feature, and the verdict against the threshold.
func (s *synth) addDrift(m *compiler.Model) {
	dm := m.DriftMetricNames()
	sched := time.Duration(m.Drift.Schedule)
	lastEval := func(t time.Duration) time.Duration { return floorTo(t, sched) }
	model := map[string]string{"model": m.Name}
	// A sharded evaluation's series carry their shard (drift/config's
	// split), and every shard reports its own run.
	n := m.Drift.ShardCount()
	names := make([]string, len(m.Features))
	for i, f := range m.Features {
		names[i] = f.Name
	}
	shardOf := config.ShardAssignment(names, n)
	withShard := func(l map[string]string, shard int) map[string]string {
		if n > 1 {
			l["shard"] = strconv.Itoa(shard)
		}
		return l
	}
	for i, f := range m.Features {
		threshold := f.Test.Threshold.Float64()
		below := compiler.PValueTests[f.Test.Method]
		score := func(t time.Duration) float64 {
			st := s.sc.state(lastEval(t))
			if v, ok := st.Drift[f.Name]; ok {
				return v
			}
			if below {
				return 1 // no evidence of drift
			}
			return 0
		}
		fl := withShard(map[string]string{"model": m.Name, "feature": f.Name, "test": f.Test.Method}, shardOf[i])
		s.gauge(dm.Score, fl, score)
		s.gauge(dm.Threshold, fl, func(time.Duration) float64 { return threshold })
		s.gauge(dm.Detected, fl, func(t time.Duration) float64 {
			v := score(t)
			if below && v < threshold || !below && v > threshold {
				return 1
			}
			return 0
		})
		s.gauge(dm.MissingRatio, withShard(map[string]string{"model": m.Name, "feature": f.Name}, shardOf[i]), func(time.Duration) float64 { return 0 })
	}
	for shard := range n {
		s.gauge(dm.LastRun, withShard(maps.Clone(model), shard), func(t time.Duration) float64 { return (lastEval(t) + s.warmup).Seconds() })
	}
}

// floorTo rounds t down to a multiple of d (also for negative t).
func floorTo(t, d time.Duration) time.Duration {
	q := t / d * d
	if q > t {
		q -= d
	}
	return q
}

func (s *synth) gauge(name string, lb map[string]string, v func(time.Duration) float64) {
	b := labels.NewBuilder(labels.EmptyLabels())
	b.Set(labels.MetricName, name)
	for k, x := range lb {
		b.Set(k, x)
	}
	s.series = append(s.series, &series{labels: b.Labels(), gauge: v})
}

// advance integrates every counter up to offset t.
func (s *synth) advance(t time.Duration) {
	s.sc.segments(s.at, t, func(st *Phase, seconds float64) {
		for _, x := range s.series {
			if x.rate != nil {
				x.value += x.rate(st) * seconds
			}
		}
	})
	s.at = max(s.at, t)
}

// sample returns the value of x at the current offset.
func (s *synth) sample(x *series) float64 {
	if x.gauge != nil {
		return x.gauge(s.at)
	}
	return x.value
}

func logNormal(p *Phase) (mu, sigma float64) {
	med := p.LatencyMedian.D().Seconds()
	p99 := p.LatencyP99.D().Seconds()
	mu = math.Log(med)
	// z(0.99) of the standard normal.
	sigma = math.Log(p99/med) / 2.3263478740408408
	if sigma <= 0 || math.IsNaN(sigma) {
		sigma = 1e-9
	}
	return mu, sigma
}

func beta(p *Phase) distuv.Beta {
	k := *p.ConfidenceConcentration
	return distuv.Beta{Alpha: *p.ConfidenceMean * k, Beta: (1 - *p.ConfidenceMean) * k}
}

// feedbackClasses are the classes feedback and predictions use: the
// declared ones, else the quality SLOs' positive classes and "other".
func feedbackClasses(m *compiler.Model) []string {
	if len(m.Metrics.FeedbackClasses) >= 2 {
		return m.Metrics.FeedbackClasses
	}
	set := map[string]bool{}
	for _, c := range m.Metrics.FeedbackClasses {
		set[c] = true
	}
	for _, s := range m.SLOs {
		if s.Quality != nil && s.Quality.PositiveClass != "" {
			set[s.Quality.PositiveClass] = true
		}
	}
	set["other"] = true
	if len(set) < 2 {
		set["positive"] = true
	}
	var out []string
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// labelsFor builds a label set that the selector matches.
func labelsFor(name string, sel compiler.Selector, extra map[string]string) (labels.Labels, error) {
	b := labels.NewBuilder(labels.EmptyLabels())
	b.Set(labels.MetricName, name)
	for _, m := range sel {
		if _, ok := extra[m.Name]; ok {
			continue
		}
		v, ok := matching(m)
		if !ok {
			return labels.EmptyLabels(), fmt.Errorf("cannot synthesize %s: no simple value matches %s", name, m)
		}
		if v != "" {
			b.Set(m.Name, v)
		}
	}
	for k, v := range extra {
		b.Set(k, v)
	}
	return b.Labels(), nil
}

// errorLabels returns labels that make a request match the error
// selector, and labels that make it not match.
func errorLabels(sel compiler.Selector) (bad, good map[string]string, err error) {
	bad, good = map[string]string{}, map[string]string{}
	for _, m := range sel {
		v, ok := matching(m)
		if !ok {
			return nil, nil, fmt.Errorf("cannot synthesize failed requests: no simple value matches %s", m)
		}
		bad[m.Name] = v
	}
	// One label that does not match is enough to make a success.
	if len(sel) == 0 {
		return nil, nil, fmt.Errorf("the model has no error selector")
	}
	m := sel[0]
	v, ok := notMatching(m)
	if !ok {
		return nil, nil, fmt.Errorf("cannot synthesize successful requests: no simple value avoids %s", m)
	}
	good[m.Name] = v
	for _, o := range sel[1:] {
		good[o.Name] = bad[o.Name]
	}
	return bad, good, nil
}

var candidates = []string{"ok", "success", "2xx", "200", "vigil-simulated"}

// matching returns a label value the matcher accepts ("" means absent).
func matching(m compiler.Matcher) (string, bool) {
	switch m.Op {
	case "=":
		return m.Value, true
	case "!=":
		for _, c := range candidates {
			if c != m.Value {
				return c, true
			}
		}
	case "=~", "!~":
		re, err := regexp.Compile("^(?:" + m.Value + ")$")
		if err != nil {
			return "", false
		}
		want := m.Op == "=~"
		// Try a string built from the regex itself, its literal
		// alternatives, then common values.
		try := alternatives(m.Value)
		if x, ok := sampleOf(m.Value); ok {
			try = append([]string{x}, try...)
		}
		try = append(try, candidates...)
		try = append(try, "")
		for _, c := range try {
			if re.MatchString(c) == want {
				return c, true
			}
		}
	}
	return "", false
}

// notMatching returns a label value the matcher rejects.
func notMatching(m compiler.Matcher) (string, bool) {
	inv := m
	switch m.Op {
	case "=":
		inv.Op = "!="
	case "!=":
		inv.Op = "="
	case "=~":
		inv.Op = "!~"
	case "!~":
		inv.Op = "=~"
	}
	v, ok := matching(inv)
	return v, ok && v != ""
}

// sampleOf builds a string the regular expression matches, walking its
// syntax tree: the first alternative, the minimum repetitions, the first
// character of a class. Callers verify the result against the regex.
func sampleOf(re string) (string, bool) {
	t, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	var walk func(t *syntax.Regexp) bool
	walk = func(t *syntax.Regexp) bool {
		switch t.Op {
		case syntax.OpLiteral:
			b.WriteString(string(t.Rune))
		case syntax.OpCharClass:
			if len(t.Rune) == 0 {
				return false
			}
			b.WriteRune(t.Rune[0])
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			b.WriteByte('x')
		case syntax.OpCapture:
			return walk(t.Sub[0])
		case syntax.OpConcat:
			for _, s := range t.Sub {
				if !walk(s) {
					return false
				}
			}
		case syntax.OpAlternate:
			return walk(t.Sub[0])
		case syntax.OpStar, syntax.OpQuest:
		case syntax.OpPlus:
			return walk(t.Sub[0])
		case syntax.OpRepeat:
			for range t.Min {
				if !walk(t.Sub[0]) {
					return false
				}
			}
		case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText:
		default:
			return false
		}
		return true
	}
	if !walk(t) {
		return "", false
	}
	return b.String(), true
}

var alternativeSplit = regexp.MustCompile(`[|()]`)

func alternatives(re string) []string {
	var out []string
	for _, a := range alternativeSplit.Split(re, -1) {
		if a != "" && regexp.QuoteMeta(a) == a {
			out = append(out, a)
		}
	}
	return out
}

// promFloat formats a bucket bound as client libraries do.
func promFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func (s *Scenario) knownFeatures() []string {
	set := map[string]bool{}
	for k := range s.Baseline.Drift {
		set[k] = true
	}
	for _, p := range s.Phases {
		for k := range p.Drift {
			set[k] = true
		}
	}
	return sortedKeys(set)
}

func hasFeature(m *compiler.Model, name string) bool {
	for _, f := range m.Features {
		if f.Name == name {
			return true
		}
	}
	return false
}

func joinErrors(errs []error) error {
	msg := ""
	for i, e := range errs {
		if i > 0 {
			msg += "\n  "
		}
		msg += e.Error()
	}
	return fmt.Errorf("%s", msg)
}
