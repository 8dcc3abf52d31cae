package compiler

import (
	"strings"

	"github.com/prometheus/otlptranslator"
)

// Naming values of metrics.naming.
const (
	NamingPrometheus = "prometheus"
	NamingOTel       = "otel"
)

// OTelInstrument is an OpenTelemetry instrument of the metric contract:
// what a service instrumented with OpenTelemetry records, and what the
// OTel Prometheus exporter turns into the Series the rules read.
type OTelInstrument struct {
	// Name is the instrument name, e.g. "http.server.request.duration".
	Name string `json:"name"`
	// Unit is its UCUM unit, e.g. "s", "1" or "{request}".
	Unit string `json:"unit,omitempty"`
	// Kind is "counter" or "histogram".
	Kind string `json:"kind"`
}

// OTelInstruments are the contract's instruments under naming "otel".
type OTelInstruments struct {
	// Requests is nil when requests are counted by the latency
	// histogram (its _count series), as the semantic conventions'
	// http.server.request.duration does.
	Requests    *OTelInstrument `json:"requests,omitempty"`
	Latency     OTelInstrument  `json:"latency"`
	Confidence  OTelInstrument  `json:"confidence"`
	Predictions OTelInstrument  `json:"predictions"`
	Feedback    OTelInstrument  `json:"feedback"`
}

// The semantic conventions' defaults under naming "otel".
const (
	// OTelHTTPDuration is the semantic conventions' HTTP server request
	// duration histogram, in seconds.
	OTelHTTPDuration = "http.server.request.duration"
	// OTelStatusCodeLabel is the attribute http.response.status_code as
	// the exporter names the label.
	OTelStatusCodeLabel = "http_response_status_code"
)

// otelDefaultLatencyBuckets are the semantic conventions' explicit
// bucket advice for http.server.request.duration.
var otelDefaultLatencyBuckets = decimals("0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1", "2.5", "5", "7.5", "10")

// otelNamer translates instrument names as the OpenTelemetry Go
// Prometheus exporter does by default (go.opentelemetry.io/otel/
// exporters/prometheus: otlptranslator.UnderscoreEscapingWithSuffixes,
// no namespace); instrument/otel's tests check the result against that
// exporter.
var otelNamer = otlptranslator.NewMetricNamer("", otlptranslator.UnderscoreEscapingWithSuffixes)

// OTelPrometheusName is the name under which the OTel Prometheus
// exporter exposes an instrument (histograms: the base name, without
// _bucket, _count or _sum).
func OTelPrometheusName(in OTelInstrument) (string, error) {
	var t otlptranslator.MetricType = otlptranslator.MetricTypeMonotonicCounter
	if in.Kind == "histogram" {
		t = otlptranslator.MetricTypeHistogram
	}
	return otelNamer.Build(otlptranslator.Metric{Name: in.Name, Unit: in.Unit, Type: t})
}

// otelMetrics fills the contract's series from OTel instruments, for
// naming "otel": each concept's instrument is the spec's metric name (or
// the default), translated as the exporter translates it.
func (c *checker) otelMetrics(l loc, r *rawMetrics, m *Metrics) {
	in := &OTelInstruments{
		Latency:     OTelInstrument{Name: or(r.Latency.Metric, OTelHTTPDuration), Unit: "s", Kind: "histogram"},
		Confidence:  OTelInstrument{Name: or(r.Confidence.Metric, "model.prediction.confidence"), Unit: "1", Kind: "histogram"},
		Predictions: OTelInstrument{Name: or(r.Predictions.Metric, "model.predictions"), Unit: "{prediction}", Kind: "counter"},
		Feedback:    OTelInstrument{Name: or(r.Feedback.Metric, "model.feedback"), Unit: "{feedback}", Kind: "counter"},
	}
	if r.Requests.Metric != "" {
		in.Requests = &OTelInstrument{Name: r.Requests.Metric, Unit: "{request}", Kind: "counter"}
	}
	name := func(field string, i OTelInstrument) string {
		n, err := OTelPrometheusName(i)
		if err != nil {
			c.errorf(l.field(field, "metric"), "OTel instrument name %q cannot be translated to a Prometheus name: %v", i.Name, err)
		}
		return n
	}
	m.Naming = NamingOTel
	m.OTel = in
	m.Latency.Metric = name("latency", in.Latency)
	m.Confidence.Metric = name("confidence", in.Confidence)
	m.Predictions.Metric = name("predictions", in.Predictions)
	m.Feedback.Metric = name("feedback", in.Feedback)
	if in.Requests != nil {
		m.Requests.Metric = name("requests", *in.Requests)
	} else {
		m.Requests.Metric = m.Latency.Metric + "_count"
	}
	if r.Requests.ErrorSelector == nil && r.Requests.ErrorMatchers == nil {
		m.ErrorSelector = Selector{{Name: OTelStatusCodeLabel, Op: "=~", Value: "5.."}}
	}
	if r.Latency.Buckets == nil {
		m.Latency.Buckets = otelDefaultLatencyBuckets
	}
}

// checkPromNames rejects OTel-style names (with dots) under Prometheus
// naming.
func (c *checker) checkPromNames(l loc, r *rawMetrics) {
	for _, f := range []struct{ field, name string }{
		{"requests", r.Requests.Metric}, {"latency", r.Latency.Metric}, {"confidence", r.Confidence.Metric},
		{"predictions", r.Predictions.Metric}, {"feedback", r.Feedback.Metric},
	} {
		if strings.Contains(f.name, ".") {
			c.errorf(l.field(f.field, "metric"), "metric name %q contains a dot, which Prometheus metric names cannot; write the Prometheus name, or set metrics.naming: \"otel\" if %q is an OpenTelemetry instrument name", f.name, f.name)
		}
	}
}
