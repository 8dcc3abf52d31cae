// Package simulate replays a scenario (traffic, errors, latency,
// confidence and drift over time) through a model's generated Prometheus
// rules in the real Prometheus rule engine, in process, and reports when
// each alert goes pending, fires and resolves, how much error budget the
// scenario consumed, and how long detection took. `vigil simulate` is its
// command line; scenario expectations turn it into alert-behaviour tests.
package simulate

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/vigil-dev/vigil/compiler"
)

// Scenario describes synthetic traffic for one model over time. Values are
// piecewise constant: the baseline holds from the start, and each phase
// overrides the fields it sets from its start time until a later phase
// sets them again.
type Scenario struct {
	// Name identifies the scenario (defaults to the file name).
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Description says what the scenario models, in one or two sentences.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Model is the model (by name) whose generated rules run.
	Model string `json:"model" yaml:"model"`
	// SLO is the SLO charted and used for budget and detection figures;
	// defaults to the model's first SLO.
	SLO string `json:"slo,omitempty" yaml:"slo,omitempty"`
	// Duration is the simulated time span.
	Duration Duration `json:"duration" yaml:"duration"`
	// Interval is the rule evaluation interval (default 1m).
	Interval Duration `json:"interval,omitempty" yaml:"interval,omitempty"`
	// ScrapeInterval is the spacing of synthetic samples (default 15s).
	ScrapeInterval Duration `json:"scrape_interval,omitempty" yaml:"scrape_interval,omitempty"`
	// Warmup is how long the baseline runs before the scenario starts,
	// so that long windows (1d, 3d) hold history when it does; defaults
	// to the model's longest burn-rate alert window. Warmup is evaluated
	// like the scenario but not reported.
	Warmup *Duration `json:"warmup,omitempty" yaml:"warmup,omitempty"`
	// Incident is when the incident starts, the reference for time to
	// detect; defaults to the first phase's start.
	Incident *Duration `json:"incident,omitempty" yaml:"incident,omitempty"`
	// Baseline is the state at the start.
	Baseline Phase `json:"baseline" yaml:"baseline"`
	// Phases change the state over time, in order of At.
	Phases []Phase `json:"phases,omitempty" yaml:"phases,omitempty"`
	// Expect are the assertions `vigil simulate --check` verifies.
	Expect []Expectation `json:"expect,omitempty" yaml:"expect,omitempty"`
}

// Phase is the state of the synthetic service from At on. Unset fields
// keep their previous value.
type Phase struct {
	// At is the phase's start, from the scenario start.
	At Duration `json:"at,omitempty" yaml:"at,omitempty"`
	// RPS is the request rate per second.
	RPS *float64 `json:"rps,omitempty" yaml:"rps,omitempty"`
	// ErrorRatio is the share of requests that fail, 0 to 1.
	ErrorRatio *float64 `json:"error_ratio,omitempty" yaml:"error_ratio,omitempty"`
	// LatencyMedian and LatencyP99 shape a log-normal latency
	// distribution.
	LatencyMedian *Duration `json:"latency_median,omitempty" yaml:"latency_median,omitempty"`
	LatencyP99    *Duration `json:"latency_p99,omitempty" yaml:"latency_p99,omitempty"`
	// ConfidenceMean (0 to 1) and ConfidenceConcentration (>0, default
	// 20) shape a Beta distribution of prediction confidence.
	ConfidenceMean          *float64 `json:"confidence_mean,omitempty" yaml:"confidence_mean,omitempty"`
	ConfidenceConcentration *float64 `json:"confidence_concentration,omitempty" yaml:"confidence_concentration,omitempty"`
	// FeedbackRate is ground-truth labels per second; Accuracy the share
	// of them where the prediction was right (errors spread evenly over
	// the other classes).
	FeedbackRate *float64 `json:"feedback_rate,omitempty" yaml:"feedback_rate,omitempty"`
	Accuracy     *float64 `json:"accuracy,omitempty" yaml:"accuracy,omitempty"`
	// Drift sets the score each feature's evaluation reports from now
	// on (feature name to score; for p-value tests, the p-value).
	Drift map[string]float64 `json:"drift,omitempty" yaml:"drift,omitempty"`
}

// Expectation is one assertion on the simulated alerts. Alert and
// Severity select alerts (both optional; none selects every alert); then
// exactly one of Fires=false, FiresWithin or FiresAfter states what must
// happen.
type Expectation struct {
	// Alert is an alert name.
	Alert string `json:"alert,omitempty" yaml:"alert,omitempty"`
	// Severity restricts to alerts of this severity.
	Severity string `json:"severity,omitempty" yaml:"severity,omitempty"`
	// Labels restricts to alerts with these label values (e.g. feature).
	Labels map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
	// Fires=false asserts that no selected alert ever fires.
	Fires *bool `json:"fires,omitempty" yaml:"fires,omitempty"`
	// FiresWithin asserts that a selected alert fires no later than this
	// long after the incident start.
	FiresWithin *Duration `json:"fires_within,omitempty" yaml:"fires_within,omitempty"`
	// FiresAfter asserts that no selected alert fires earlier than this
	// long after the incident start, and that one does fire.
	FiresAfter *Duration `json:"fires_after,omitempty" yaml:"fires_after,omitempty"`
}

// Duration is a Prometheus duration (5m, 1h30m, 3d) in scenario files.
// It prints as vigil writes durations everywhere (compiler.FormatDuration:
// days rather than weeks, so a 28d window reads 28d, as specs write it,
// not Prometheus's 4w).
type Duration time.Duration

// UnmarshalText parses a Prometheus duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := model.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q (want e.g. 30s, 5m, 1h, 3d)", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText formats the duration as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String formats the duration as compiler.FormatDuration does, e.g.
// 28d, 1d12h, 90s as 1m30s.
func (d Duration) String() string { return compiler.FormatDuration(time.Duration(d)) }

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Limits on scenario size, so a typo cannot run for hours.
const (
	maxSteps   = 100_000
	maxSamples = 2_000_000
)

// ParseScenario reads a scenario from YAML or CUE (by the file name's
// extension: .cue is CUE, anything else YAML), fills in defaults and
// validates it. Errors name the file and, for YAML, the line.
func ParseScenario(name string, b []byte) (*Scenario, error) {
	var s Scenario
	if filepath.Ext(name) == ".cue" {
		v := cuecontext.New().CompileBytes(b, cue.Filename(name))
		if err := v.Err(); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		// CUE checks the shape through JSON: encode the value and decode
		// it into the YAML path (JSON is YAML), which rejects unknown
		// fields the same way.
		j, err := v.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		b = j
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	}
	if err := s.normalize(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &s, nil
}

func (s *Scenario) normalize() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if s.Model == "" {
		bad("model: required (the model whose rules to run)")
	}
	if s.Duration <= 0 {
		bad("duration: required and positive")
	}
	if s.Interval == 0 {
		s.Interval = Duration(time.Minute)
	}
	if s.ScrapeInterval == 0 {
		s.ScrapeInterval = Duration(15 * time.Second)
	}
	if s.Interval <= 0 || s.ScrapeInterval <= 0 {
		bad("interval and scrape_interval must be positive")
	} else {
		if s.Interval.D()%s.ScrapeInterval.D() != 0 {
			bad("interval %s must be a multiple of scrape_interval %s", s.Interval, s.ScrapeInterval)
		}
		if s.Duration > 0 && s.Duration.D()/s.Interval.D() > maxSteps {
			bad("duration %s at interval %s is more than %d evaluations; raise interval", s.Duration, s.Interval, maxSteps)
		}
		if s.Duration > 0 && s.Duration.D()/s.ScrapeInterval.D() > maxSamples/10 {
			bad("duration %s at scrape_interval %s is too many samples; raise scrape_interval", s.Duration, s.ScrapeInterval)
		}
	}
	if s.Warmup != nil && (*s.Warmup < 0 || s.Interval > 0 && s.Warmup.D()%s.Interval.D() != 0) {
		bad("warmup: %s must be a non-negative multiple of interval %s", *s.Warmup, s.Interval)
	}
	if s.Baseline.At != 0 {
		bad("baseline.at: the baseline starts at 0; leave it out")
	}
	base := &s.Baseline
	setDefault(&base.RPS, 10)
	setDefault(&base.ErrorRatio, 0)
	setDefault(&base.LatencyMedian, Duration(50*time.Millisecond))
	setDefault(&base.LatencyP99, Duration(200*time.Millisecond))
	setDefault(&base.ConfidenceMean, 0.95)
	setDefault(&base.ConfidenceConcentration, 20)
	setDefault(&base.FeedbackRate, 1)
	setDefault(&base.Accuracy, 0.99)
	checkPhase := func(where string, p *Phase) {
		if p.RPS != nil && *p.RPS < 0 {
			bad("%s.rps: must not be negative", where)
		}
		for _, f := range []struct {
			n string
			v *float64
		}{{"error_ratio", p.ErrorRatio}, {"confidence_mean", p.ConfidenceMean}, {"accuracy", p.Accuracy}} {
			if f.v != nil && (*f.v < 0 || *f.v > 1) {
				bad("%s.%s: %v is not between 0 and 1", where, f.n, *f.v)
			}
		}
		if p.ConfidenceMean != nil && (*p.ConfidenceMean <= 0 || *p.ConfidenceMean >= 1) {
			bad("%s.confidence_mean: must be strictly between 0 and 1", where)
		}
		if p.ConfidenceConcentration != nil && *p.ConfidenceConcentration <= 0 {
			bad("%s.confidence_concentration: must be positive", where)
		}
		if p.FeedbackRate != nil && *p.FeedbackRate < 0 {
			bad("%s.feedback_rate: must not be negative", where)
		}
		if p.LatencyMedian != nil && *p.LatencyMedian <= 0 {
			bad("%s.latency_median: must be positive", where)
		}
	}
	checkPhase("baseline", base)
	prev := time.Duration(0)
	for i := range s.Phases {
		p := &s.Phases[i]
		where := fmt.Sprintf("phases[%d]", i)
		checkPhase(where, p)
		if p.At.D() <= prev && !(i == 0 && p.At > 0) {
			bad("%s.at: %s must be after the previous phase's start", where, p.At)
		}
		if s.Duration > 0 && p.At >= s.Duration {
			bad("%s.at: %s is not before the end of the scenario (%s)", where, p.At, s.Duration)
		}
		prev = p.At.D()
	}
	if s.Incident == nil && len(s.Phases) > 0 {
		at := s.Phases[0].At
		s.Incident = &at
	}
	for i, e := range s.Expect {
		where := fmt.Sprintf("expect[%d]", i)
		n := 0
		if e.Fires != nil {
			n++
			if *e.Fires {
				bad("%s.fires: only fires: false is meaningful; use fires_within to require firing", where)
			}
		}
		if e.FiresWithin != nil {
			n++
		}
		if e.FiresAfter != nil {
			n++
		}
		if n != 1 {
			bad("%s: set exactly one of fires: false, fires_within or fires_after", where)
		}
		if (e.FiresWithin != nil || e.FiresAfter != nil) && s.Incident == nil {
			bad("%s: fires_within and fires_after count from the incident start; set incident or add a phase", where)
		}
		if e.Severity != "" && e.Severity != "critical" && e.Severity != "warning" && e.Severity != "info" {
			bad("%s.severity: %q is not critical, warning or info", where, e.Severity)
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("%s", strings.Join(errs, "\n  "))
	}
	return nil
}

// segments calls fn for each piece of [a, b) over which the state is
// constant, with that state and the piece's length in seconds.
func (s *Scenario) segments(a, b time.Duration, fn func(st *Phase, seconds float64)) {
	for a < b {
		end := b
		for _, p := range s.Phases {
			if at := p.At.D(); at > a && at < end {
				end = at
			}
		}
		st := s.state(a)
		fn(&st, (end - a).Seconds())
		a = end
	}
}

// state returns the effective phase (every field set) at offset t (the
// baseline before the start).
func (s *Scenario) state(t time.Duration) Phase {
	st := s.Baseline
	st.Drift = map[string]float64{}
	for k, v := range s.Baseline.Drift {
		st.Drift[k] = v
	}
	for _, p := range s.Phases {
		if p.At.D() > t {
			break
		}
		override(&st.RPS, p.RPS)
		override(&st.ErrorRatio, p.ErrorRatio)
		override(&st.LatencyMedian, p.LatencyMedian)
		override(&st.LatencyP99, p.LatencyP99)
		override(&st.ConfidenceMean, p.ConfidenceMean)
		override(&st.ConfidenceConcentration, p.ConfidenceConcentration)
		override(&st.FeedbackRate, p.FeedbackRate)
		override(&st.Accuracy, p.Accuracy)
		for k, v := range p.Drift {
			st.Drift[k] = v
		}
	}
	return st
}

// setDefault points *dst at v when the baseline leaves it unset.
func setDefault[T any](dst **T, v T) {
	if *dst == nil {
		*dst = &v
	}
}

// override sets *dst to v when the phase sets it.
func override[T any](dst **T, v *T) {
	if v != nil {
		*dst = v
	}
}
