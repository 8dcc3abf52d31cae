// Package otel is the OpenTelemetry variant of package instrument: it
// records the metric contract with the OTel metrics API, for services
// whose spec says metrics.naming: "otel" and whose metrics reach
// Prometheus through the OTel Prometheus exporter
// (go.opentelemetry.io/otel/exporters/prometheus).
//
//	exp, _ := prometheus.New()                       // the OTel exporter
//	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
//	cfg, _ := instrument.LoadConfig("instrument/shop.json")
//	m, _ := otel.New(cfg, mp.Meter("shop"), otel.Options{})
//	http.Handle("POST /predict", m.Middleware(predict))
//	http.Handle("GET /metrics", promhttp.Handler())
//
// The instruments are those of the config's otel section: by default the
// semantic conventions' http.server.request.duration (seconds, with the
// http.response.status_code attribute), which counts requests and
// measures their latency, and model.predictions, model.prediction.
// confidence and model.feedback. The exporter's translation of their
// names is the one the compiler applied to the spec, which the package's
// tests check against the real exporter (see docs/instrument.md).
package otel

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/vigil-dev/vigil/instrument"
)

// Options are the service's part of the attributes and rules.
type Options struct {
	// Version is the model version, the value of the config's
	// version_label (required when the spec declares one).
	Version string
	// Labels are further attributes, required for the labels the spec's
	// selectors match with other than equality; their values must match.
	Labels map[string]string
	// IsError classifies a status code as a failure when the config
	// labels outcomes by value (default: code >= 500).
	IsError func(code int) bool
}

// semconvAttributes maps exported label names back to the semantic
// conventions' attribute names that the exporter translates to them.
var semconvAttributes = map[string]string{
	"http_response_status_code": "http.response.status_code",
	"http_request_method":       "http.request.method",
	"http_route":                "http.route",
	"error_type":                "error.type",
}

func attrName(label string) string {
	if a, ok := semconvAttributes[label]; ok {
		return a
	}
	return label
}

// Model records one model's instruments.
type Model struct {
	cfg     *instrument.Config
	isError func(int) bool

	duration metric.Float64Histogram
	// requests is nil when duration counts the requests.
	requests metric.Int64Counter
	// Attribute sets, resolved once.
	latencyOpt     metric.RecordOption
	okOpt, failOpt metric.MeasurementOption
	statusCode     bool
	codeAttr       string
	reqBase        []attribute.KeyValue
	byCode         [600]atomic.Pointer[metric.MeasurementOption]

	confidence    metric.Float64Histogram
	confidenceOpt metric.RecordOption

	predictions metric.Int64Counter
	predBase    []attribute.KeyValue
	predLabel   string
	predOpts    map[string]metric.AddOption

	feedback         metric.Int64Counter
	fbBase           []attribute.KeyValue
	fbPred, fbActual string
	fbOpts           map[[2]string]metric.AddOption
}

// New creates the model's instruments on meter.
func New(cfg *instrument.Config, meter metric.Meter, opt Options) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.OTel == nil {
		return nil, fmt.Errorf("model %s is not instrumented with OpenTelemetry (naming %q): use package instrument", cfg.Model, cfg.Naming)
	}
	if cfg.VersionLabel != "" && opt.Version == "" {
		return nil, fmt.Errorf("the spec labels series with the model version (%s): set Options.Version", cfg.VersionLabel)
	}
	m := &Model{cfg: cfg, isError: opt.IsError, predOpts: map[string]metric.AddOption{}, fbOpts: map[[2]string]metric.AddOption{}}
	if m.isError == nil {
		m.isError = func(code int) bool { return code >= 500 }
	}
	var errs []error
	attrs := func(s instrument.Series) []attribute.KeyValue {
		l := map[string]string{}
		maps.Copy(l, s.Labels)
		if cfg.VersionLabel != "" {
			l[cfg.VersionLabel] = opt.Version
		}
		for _, mt := range s.Matchers {
			v, ok := opt.Labels[mt.Name]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: the spec selects %s%s%q: set Options.Labels[%q]", s.Metric, mt.Name, mt.Op, mt.Value, mt.Name))
				continue
			}
			l[mt.Name] = v
		}
		for k, v := range opt.Labels {
			if _, ok := l[k]; !ok {
				l[k] = v
			}
		}
		var kv []attribute.KeyValue
		for _, k := range slices.Sorted(maps.Keys(l)) {
			kv = append(kv, attribute.String(attrName(k), l[k]))
		}
		return kv
	}
	set := func(kv ...[]attribute.KeyValue) attribute.Set { return attribute.NewSet(slices.Concat(kv...)...) }
	o := cfg.OTel
	var err error
	m.duration, err = meter.Float64Histogram(o.Latency.Name, metric.WithUnit(o.Latency.Unit),
		metric.WithDescription("Duration of requests."), metric.WithExplicitBucketBoundaries(cfg.Latency.Buckets...))
	errs = append(errs, err)
	if o.Requests != nil {
		m.requests, err = meter.Int64Counter(o.Requests.Name, metric.WithUnit(o.Requests.Unit), metric.WithDescription("Requests served."))
		errs = append(errs, err)
		m.latencyOpt = metric.WithAttributeSet(set(attrs(cfg.Latency.Series)))
	}
	out := cfg.Requests.Outcome
	m.reqBase = attrs(cfg.Requests.Series)
	if o.Requests == nil {
		// The histogram counts the requests: its attributes are the
		// request counter's.
		m.reqBase = attrs(instrument.Series{Metric: cfg.Requests.Metric, Labels: mergeLabels(cfg.Requests.Labels, cfg.Latency.Labels), Matchers: cfg.Requests.Matchers})
	}
	if out.StatusCode {
		m.statusCode, m.codeAttr = true, attrName(out.Label)
		if _, err := regexp.Compile("^(?:" + out.ErrorPattern + ")$"); err != nil {
			errs = append(errs, err)
		}
	} else {
		var okKV, failKV []attribute.KeyValue
		okKV = append(okKV, attribute.String(attrName(out.Label), out.OK))
		failKV = append(failKV, attribute.String(attrName(out.Label), out.Error))
		for _, k := range slices.Sorted(maps.Keys(out.Extra)) {
			failKV = append(failKV, attribute.String(attrName(k), out.Extra[k]))
		}
		m.okOpt = metric.WithAttributeSet(set(m.reqBase, okKV))
		m.failOpt = metric.WithAttributeSet(set(m.reqBase, failKV))
	}

	m.confidence, err = meter.Float64Histogram(o.Confidence.Name, metric.WithUnit(o.Confidence.Unit),
		metric.WithDescription("Confidence of the predicted class (0 to 1)."), metric.WithExplicitBucketBoundaries(cfg.Confidence.Buckets...))
	errs = append(errs, err)
	m.confidenceOpt = metric.WithAttributeSet(set(attrs(cfg.Confidence.Series)))

	ctx := context.Background()
	m.predictions, err = meter.Int64Counter(o.Predictions.Name, metric.WithUnit(o.Predictions.Unit), metric.WithDescription("Predictions by predicted class."))
	errs = append(errs, err)
	m.predBase, m.predLabel = attrs(cfg.Predictions.Series), attrName(cfg.Predictions.Label)
	m.feedback, err = meter.Int64Counter(o.Feedback.Name, metric.WithUnit(o.Feedback.Unit), metric.WithDescription("Labelled predictions, by predicted and actual class."))
	errs = append(errs, err)
	m.fbBase, m.fbPred, m.fbActual = attrs(cfg.Feedback.Series), attrName(cfg.Feedback.Predicted), attrName(cfg.Feedback.Actual)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// Every series the rules read that a counter can hold exists from
	// the start, at zero.
	if m.requests != nil {
		if m.statusCode {
			m.requests.Add(ctx, 0, m.codeOpt(200))
		} else {
			m.requests.Add(ctx, 0, m.okOpt)
			m.requests.Add(ctx, 0, m.failOpt)
		}
	}
	for _, c := range cfg.Predictions.Classes {
		m.predOpts[c] = m.predOpt(c)
		m.predictions.Add(ctx, 0, m.predOpts[c])
	}
	for _, a := range cfg.Feedback.Classes {
		for _, b := range cfg.Feedback.Classes {
			k := [2]string{a, b}
			m.fbOpts[k] = m.fbOpt(a, b)
			m.feedback.Add(ctx, 0, m.fbOpts[k])
		}
	}
	return m, nil
}

func mergeLabels(a, b map[string]string) map[string]string {
	out := map[string]string{}
	maps.Copy(out, b)
	maps.Copy(out, a)
	return out
}

// predOpt returns the attributes of a predicted class: resolved in New
// for the known classes (the map is read-only afterwards), built per call
// for others.
func (m *Model) predOpt(c string) metric.AddOption {
	if o, ok := m.predOpts[c]; ok {
		return o
	}
	return metric.WithAttributeSet(attribute.NewSet(append(slices.Clone(m.predBase), attribute.String(m.predLabel, c))...))
}

// fbOpt is predOpt for feedback pairs.
func (m *Model) fbOpt(p, a string) metric.AddOption {
	if o, ok := m.fbOpts[[2]string{p, a}]; ok {
		return o
	}
	return metric.WithAttributeSet(attribute.NewSet(append(slices.Clone(m.fbBase), attribute.String(m.fbPred, p), attribute.String(m.fbActual, a))...))
}

// codeOpt returns the attribute option of a status code, resolved once
// per code.
func (m *Model) codeOpt(code int) metric.MeasurementOption {
	if code < 0 || code >= len(m.byCode) {
		code = 0
	}
	if o := m.byCode[code].Load(); o != nil {
		return *o
	}
	kv := append(slices.Clone(m.reqBase), attribute.Int(m.codeAttr, code))
	o := metric.WithAttributeSet(attribute.NewSet(kv...))
	m.byCode[code].Store(&o)
	return o
}

// ObserveStatus records a request that took d and ended with an HTTP
// status code.
func (m *Model) ObserveStatus(d time.Duration, code int) {
	ctx := context.Background()
	var o metric.MeasurementOption
	switch {
	case m.statusCode:
		o = m.codeOpt(code)
	case m.isError(code):
		o = m.failOpt
	default:
		o = m.okOpt
	}
	if m.requests != nil {
		m.requests.Add(ctx, 1, o)
		m.duration.Record(ctx, d.Seconds(), m.latencyOpt)
		return
	}
	m.duration.Record(ctx, d.Seconds(), o)
}

// ObserveRequest records a request that took d and failed or not (as
// status 500 or 200).
func (m *Model) ObserveRequest(d time.Duration, failed bool) {
	code := http.StatusOK
	if failed {
		code = http.StatusInternalServerError
	}
	m.ObserveStatus(d, code)
}

// Middleware records every request next serves, like
// instrument.Model.Middleware.
func (m *Model) Middleware(next http.Handler) http.Handler {
	return instrument.Wrap(next, m.ObserveStatus)
}

// Prediction records a prediction of class label with its confidence.
func (m *Model) Prediction(label string, confidence float64) {
	ctx := context.Background()
	m.predictions.Add(ctx, 1, m.predOpt(label))
	m.confidence.Record(ctx, confidence, m.confidenceOpt)
}

// Feedback records the ground truth for one earlier prediction.
func (m *Model) Feedback(predicted, actual string) {
	m.feedback.Add(context.Background(), 1, m.fbOpt(predicted, actual))
}
