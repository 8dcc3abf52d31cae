// Package instrument emits vigil's metric contract with client_golang, so
// a Go inference service is instrumented in a few lines:
//
//	cfg, _ := instrument.LoadConfig("instrument/fraud-detector.json")
//	m, _ := instrument.New(cfg, instrument.Options{Version: "v3"})
//	http.Handle("/predict", m.Middleware(predictHandler))
//	...
//	m.Prediction("fraud", 0.93)
//	m.Feedback("fraud", "legit")
//
// The config is what `vigil compile --target instrument` writes for the
// model: metric names, the labels the rules select on, how failed
// requests are labelled, and the histograms' buckets, so every latency
// threshold of the spec is a bucket boundary. Every series the rules read
// is created at start (failed requests, every feedback class pair), so
// the rules see zeros rather than nothing (see docs/instrument.md).
//
// The hot path allocates nothing: label children are resolved once, in
// New, and the middleware's response recorder is pooled.
package instrument

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options are the service's part of the labels and rules.
type Options struct {
	// Registerer receives the collectors (prometheus.DefaultRegisterer
	// when nil).
	Registerer prometheus.Registerer
	// Version is the model version, the value of the config's
	// version_label (required when the spec declares one).
	Version string
	// Labels are further constant labels, required for the labels the
	// spec's selectors match with other than equality (e.g. env=~"prod|
	// canary"); their values must match.
	Labels map[string]string
	// IsError classifies an HTTP status code as a failed request when
	// the config labels outcomes by value (default: code >= 500).
	IsError func(code int) bool
	// FeatureBuckets are the buckets of each feature's value histogram
	// (prometheus.DefBuckets when a feature has none).
	FeatureBuckets map[string][]float64
}

// Model instruments one model.
type Model struct {
	cfg     *Config
	isError func(int) bool

	ok, failed prometheus.Counter
	// byCode holds the status-code label's children (code mode), created
	// on first use; codeVec makes them.
	byCode  [600]atomic.Pointer[prometheus.Counter]
	codeVec *prometheus.CounterVec

	latency, confidence prometheus.Observer

	predVec     *prometheus.CounterVec
	predictions map[string]prometheus.Counter

	fbVec    *prometheus.CounterVec
	feedback map[[2]string]prometheus.Counter

	features map[string]prometheus.Observer
}

// New creates and registers the model's collectors.
func New(cfg *Config, opt Options) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Naming != "prometheus" {
		return nil, fmt.Errorf("model %s is instrumented with OpenTelemetry (naming %q): use package instrument/otel", cfg.Model, cfg.Naming)
	}
	reg := opt.Registerer
	if reg == nil {
		reg = prometheus.DefaultRegisterer
	}
	m := &Model{cfg: cfg, isError: opt.IsError,
		predictions: map[string]prometheus.Counter{}, feedback: map[[2]string]prometheus.Counter{},
		features: map[string]prometheus.Observer{}}
	if m.isError == nil {
		m.isError = func(code int) bool { return code >= 500 }
	}
	if cfg.VersionLabel != "" && opt.Version == "" {
		return nil, fmt.Errorf("the spec labels series with the model version (%s): set Options.Version", cfg.VersionLabel)
	}
	constLabels := func(s Series) (prometheus.Labels, error) {
		l := prometheus.Labels{}
		maps.Copy(l, s.Labels)
		if cfg.VersionLabel != "" {
			l[cfg.VersionLabel] = opt.Version
		}
		for _, mt := range s.Matchers {
			v, ok := opt.Labels[mt.Name]
			if !ok {
				return nil, fmt.Errorf("%s: the spec selects %s%s%q: set Options.Labels[%q]", s.Metric, mt.Name, mt.Op, mt.Value, mt.Name)
			}
			match, _ := mt.compile()
			if !match(v) {
				return nil, fmt.Errorf("%s: Options.Labels[%q] = %q does not match the spec's %s%s%q", s.Metric, mt.Name, v, mt.Name, mt.Op, mt.Value)
			}
			l[mt.Name] = v
		}
		for k, v := range opt.Labels {
			if _, ok := l[k]; !ok {
				l[k] = v
			}
		}
		return l, nil
	}
	var errs []error
	must := func(s Series) prometheus.Labels {
		l, err := constLabels(s)
		if err != nil {
			errs = append(errs, err)
		}
		return l
	}
	register := func(c prometheus.Collector) {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}

	r := cfg.Requests
	o := r.Outcome
	reqLabels := must(r.Series)
	if o.StatusCode {
		m.codeVec = prometheus.NewCounterVec(prometheus.CounterOpts{Name: r.Metric, Help: "Requests served, by status code.", ConstLabels: reqLabels}, []string{o.Label})
		register(m.codeVec)
		// A success and a failure exist from the start: the first code
		// from 200 that the error pattern does not match, and the first
		// from 500 (then from 400) that it does.
		errRE := regexp.MustCompile("^(?:" + o.ErrorPattern + ")$")
		first := func(from, to int, failing bool) {
			for c := from; c < to; c++ {
				if errRE.MatchString(strconv.Itoa(c)) == failing {
					m.codeCounter(c)
					return
				}
			}
		}
		first(200, 600, false)
		first(500, 600, true)
		if !errRE.MatchString("500") {
			first(400, 500, true)
		}
	} else {
		names := []string{o.Label}
		for _, k := range slices.Sorted(maps.Keys(o.Extra)) {
			names = append(names, k)
		}
		vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: r.Metric, Help: "Requests served, by outcome.", ConstLabels: reqLabels}, names)
		register(vec)
		okVals := []string{o.OK}
		errVals := []string{o.Error}
		for _, k := range names[1:] {
			okVals = append(okVals, "")
			errVals = append(errVals, o.Extra[k])
		}
		m.ok = vec.WithLabelValues(okVals...)
		m.failed = vec.WithLabelValues(errVals...)
	}

	lat := prometheus.NewHistogram(prometheus.HistogramOpts{Name: cfg.Latency.Metric, Help: "Request latency in seconds.",
		ConstLabels: must(cfg.Latency.Series), Buckets: cfg.Latency.Buckets})
	register(lat)
	m.latency = lat
	conf := prometheus.NewHistogram(prometheus.HistogramOpts{Name: cfg.Confidence.Metric, Help: "Confidence of the predicted class (0 to 1).",
		ConstLabels: must(cfg.Confidence.Series), Buckets: cfg.Confidence.Buckets})
	register(conf)
	m.confidence = conf

	p := cfg.Predictions
	m.predVec = prometheus.NewCounterVec(prometheus.CounterOpts{Name: p.Metric, Help: "Predictions by predicted class.", ConstLabels: must(p.Series)}, []string{p.Label})
	register(m.predVec)
	for _, c := range p.Classes {
		m.predictions[c] = m.predVec.WithLabelValues(c)
	}

	f := cfg.Feedback
	m.fbVec = prometheus.NewCounterVec(prometheus.CounterOpts{Name: f.Metric, Help: "Labelled predictions, by predicted and actual class.", ConstLabels: must(f.Series)}, []string{f.Predicted, f.Actual})
	register(m.fbVec)
	for _, a := range f.Classes {
		for _, b := range f.Classes {
			m.feedback[[2]string{a, b}] = m.fbVec.WithLabelValues(a, b)
		}
	}

	if len(cfg.Features) > 0 {
		fl := must(cfg.Latency.Series)
		for _, name := range cfg.Features {
			l := maps.Clone(fl)
			l["feature"] = name
			b := opt.FeatureBuckets[name]
			if b == nil {
				b = prometheus.DefBuckets
			}
			h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: FeatureMetric, Help: "Values of the model's input features.", ConstLabels: l, Buckets: b})
			register(h)
			m.features[name] = h
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// FeatureMetric is the name of the per-feature value histograms (labelled
// feature, each with its own buckets).
const FeatureMetric = "model_feature_value"

// ObserveRequest records a request that took d and failed or not.
func (m *Model) ObserveRequest(d time.Duration, failed bool) {
	if m.codeVec != nil {
		code := http.StatusOK
		if failed {
			code = http.StatusInternalServerError
		}
		m.codeCounter(code).Inc()
	} else if failed {
		m.failed.Inc()
	} else {
		m.ok.Inc()
	}
	m.latency.Observe(d.Seconds())
}

// ObserveStatus records a request that took d and ended with an HTTP
// status code: failed by Options.IsError, or, when the spec's error
// selector matches status codes, labelled with the code.
func (m *Model) ObserveStatus(d time.Duration, code int) {
	if m.codeVec != nil {
		m.codeCounter(code).Inc()
	} else if m.isError(code) {
		m.failed.Inc()
	} else {
		m.ok.Inc()
	}
	m.latency.Observe(d.Seconds())
}

func (m *Model) codeCounter(code int) prometheus.Counter {
	if code < 0 || code >= len(m.byCode) {
		code = 0
	}
	if c := m.byCode[code].Load(); c != nil {
		return *c
	}
	c := m.codeVec.WithLabelValues(strconv.Itoa(code))
	m.byCode[code].Store(&c)
	return c
}

// Prediction records a prediction of class label with the given
// confidence (the top class's score, 0 to 1).
func (m *Model) Prediction(label string, confidence float64) {
	c, ok := m.predictions[label]
	if !ok {
		c = m.predVec.WithLabelValues(label)
	}
	c.Inc()
	m.confidence.Observe(confidence)
}

// Feedback records the ground truth for one earlier prediction.
func (m *Model) Feedback(predicted, actual string) {
	c, ok := m.feedback[[2]string{predicted, actual}]
	if !ok {
		c = m.fbVec.WithLabelValues(predicted, actual)
	}
	c.Inc()
}

// FeatureValue records one value of a numeric input feature declared in
// the spec; other names are ignored (they would be unbounded series).
func (m *Model) FeatureValue(name string, v float64) {
	if h, ok := m.features[name]; ok {
		h.Observe(v)
	}
}

// Middleware records every request next serves: the latency, and the
// outcome by the response's status code (200 when the handler writes
// none; 500 when it panics, and the panic goes on).
func (m *Model) Middleware(next http.Handler) http.Handler { return Wrap(next, m.ObserveStatus) }

// Wrap calls observe with the duration and status code of every request
// next serves (200 when the handler writes no status; 500 when it
// panics, and the panic goes on). It allocates nothing per request: the
// status recorder is pooled. Package instrument/otel uses it too.
func Wrap(next http.Handler, observe func(d time.Duration, code int)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := recorders.Get().(*recorder)
		rec.ResponseWriter, rec.code, rec.written = w, http.StatusOK, false
		defer func() {
			code := rec.code
			rec.ResponseWriter = nil
			recorders.Put(rec)
			if p := recover(); p != nil {
				observe(time.Since(start), http.StatusInternalServerError)
				panic(p)
			}
			observe(time.Since(start), code)
		}()
		next.ServeHTTP(rec, r)
	})
}

var recorders = sync.Pool{New: func() any { return new(recorder) }}

// recorder remembers the status code written through it.
type recorder struct {
	http.ResponseWriter
	code    int
	written bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.written {
		r.code, r.written = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.written = true
	return r.ResponseWriter.Write(b)
}

// Flush passes flushes through to a writer that supports them.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
