package instrument_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vigil-dev/vigil/instrument"
	"github.com/vigil-dev/vigil/internal/benchcpu"
)

func newModel(t testing.TB, cfgJSON string, opt instrument.Options) (*instrument.Model, *prometheus.Registry) {
	t.Helper()
	cfg, err := instrument.ParseConfig([]byte(cfgJSON))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	opt.Registerer = reg
	m, err := instrument.New(cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

// nopWriter is a ResponseWriter that keeps nothing.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })

// TestMiddlewareAllocs: the middleware adds no allocation to a request
// (client_golang's counter and histogram updates allocate nothing either).
func TestMiddlewareAllocs(t *testing.T) {
	m, _ := newModel(t, exampleConfig, instrument.Options{})
	h := m.Middleware(okHandler)
	w := &nopWriter{h: http.Header{}}
	r := httptest.NewRequest("GET", "/predict", nil)
	h.ServeHTTP(w, r) // warm the pool
	if n := testing.AllocsPerRun(1000, func() { h.ServeHTTP(w, r) }); n != 0 {
		t.Errorf("%v allocations per request, want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { m.Prediction("fraud", 0.9); m.Feedback("fraud", "legit") }); n != 0 {
		t.Errorf("%v allocations per Prediction and Feedback of known classes, want 0", n)
	}
}

// BenchmarkMiddleware is the middleware's per-request cost: the
// instrumented handler minus the bare one (BenchmarkBareHandler).
func BenchmarkMiddleware(b *testing.B) {
	m, _ := newModel(b, exampleConfig, instrument.Options{})
	h := m.Middleware(okHandler)
	w := &nopWriter{h: http.Header{}}
	r := httptest.NewRequest("GET", "/predict", nil)
	b.ReportAllocs()
	cpu := benchcpu.Start()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
	cpu.Report(b)
}

// BenchmarkBareHandler is the handler without the middleware.
func BenchmarkBareHandler(b *testing.B) {
	w := &nopWriter{h: http.Header{}}
	r := httptest.NewRequest("GET", "/predict", nil)
	b.ReportAllocs()
	cpu := benchcpu.Start()
	for b.Loop() {
		okHandler.ServeHTTP(w, r)
	}
	cpu.Report(b)
}

// BenchmarkMiddlewareParallel is the middleware under concurrent
// requests (contention on the shared counters).
func BenchmarkMiddlewareParallel(b *testing.B) {
	m, _ := newModel(b, exampleConfig, instrument.Options{})
	h := m.Middleware(okHandler)
	r := httptest.NewRequest("GET", "/predict", nil)
	b.ReportAllocs()
	cpu := benchcpu.Start()
	b.RunParallel(func(pb *testing.PB) {
		w := &nopWriter{h: http.Header{}}
		for pb.Next() {
			h.ServeHTTP(w, r)
		}
	})
	cpu.Report(b)
}

func TestMiddlewareOutcomes(t *testing.T) {
	m, reg := newModel(t, exampleConfig, instrument.Options{IsError: func(code int) bool { return code >= 500 || code == 429 }})
	codes := []int{200, 204, 404, 429, 500, 503}
	for _, c := range codes {
		h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(c) }))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	// A handler that writes a body without a header is a 200.
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	// A panicking handler is a failure, and the panic goes on.
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed")
			}
		}()
		m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") })).
			ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}()
	want := `
# HELP model_requests_total Requests served, by outcome.
# TYPE model_requests_total counter
model_requests_total{model="fraud",outcome="error"} 4
model_requests_total{model="fraud",outcome="success"} 4
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "model_requests_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "model_request_duration_seconds"); n != 1 {
		t.Errorf("%d latency histograms", n)
	}
}

// statusConfig labels requests with the status code; failures are the
// codes the spec's error matcher code=~"5.." matches.
const statusConfig = `{
  "model": "docs",
  "naming": "prometheus",
  "version_label": "model_version",
  "requests": {"metric": "api_requests_total", "labels": {"route": "classify"}, "matchers": [{"name": "env", "op": "=~", "value": "prod|canary"}],
               "outcome": {"label": "code", "status_code": true, "error_pattern": "5.."}},
  "latency": {"metric": "api_request_duration_seconds", "buckets": [0.5, 1]},
  "confidence": {"metric": "conf", "buckets": [0.5, 1]},
  "predictions": {"metric": "preds_total", "label": "class"},
  "feedback": {"metric": "fb_total", "predicted": "p", "actual": "a"}
}`

func TestStatusCodeOutcome(t *testing.T) {
	m, reg := newModel(t, statusConfig, instrument.Options{Version: "v7", Labels: map[string]string{"env": "canary"}})
	m.ObserveStatus(time.Millisecond, 404)
	m.ObserveStatus(time.Millisecond, 404)
	m.ObserveRequest(time.Millisecond, true)
	// 200 and 500 exist from the start.
	want := `
# HELP api_requests_total Requests served, by status code.
# TYPE api_requests_total counter
api_requests_total{code="200",env="canary",model_version="v7",route="classify"} 0
api_requests_total{code="404",env="canary",model_version="v7",route="classify"} 2
api_requests_total{code="500",env="canary",model_version="v7",route="classify"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "api_requests_total"); err != nil {
		t.Error(err)
	}
}

func TestNewRejects(t *testing.T) {
	cfg, err := instrument.ParseConfig([]byte(statusConfig))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		opt  instrument.Options
		want string
	}{
		{instrument.Options{Labels: map[string]string{"env": "prod"}}, "set Options.Version"},
		{instrument.Options{Version: "v1"}, `the spec selects env=~"prod|canary": set Options.Labels["env"]`},
		{instrument.Options{Version: "v1", Labels: map[string]string{"env": "staging"}}, `Options.Labels["env"] = "staging" does not match the spec's env=~"prod|canary"`},
	} {
		c.opt.Registerer = prometheus.NewRegistry()
		_, err := instrument.New(cfg, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want an error containing %q", c.opt, err, c.want)
		}
	}
	for _, bad := range []struct{ json, want string }{
		{`{}`, "model: missing"},
		{`[1]`, "not an instrumentation config"},
		{strings.Replace(statusConfig, `"5.."`, `"5(("`, 1), "error_pattern"},
		{strings.Replace(statusConfig, `[0.5, 1]`, `[1, 0.5]`, 1), "latency.buckets: want ascending boundaries"},
	} {
		if _, err := instrument.ParseConfig([]byte(bad.json)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseConfig(%.40s...) = %v, want an error containing %q", bad.json, err, bad.want)
		}
	}
}

// TestFeatureValues: each numeric feature of the config gets its own
// histogram (its own buckets) under one metric name; undeclared names are
// dropped rather than becoming unbounded series.
func TestFeatureValues(t *testing.T) {
	cfgJSON := strings.Replace(exampleConfig, `"model": "fraud",`, `"model": "fraud", "features": ["amount", "risk"],`, 1)
	m, reg := newModel(t, cfgJSON, instrument.Options{FeatureBuckets: map[string][]float64{"amount": {10, 100}, "risk": {0.5}}})
	m.FeatureValue("amount", 50)
	m.FeatureValue("amount", 500)
	m.FeatureValue("risk", 0.2)
	m.FeatureValue("undeclared", 1)
	want := `
# HELP model_feature_value Values of the model's input features.
# TYPE model_feature_value histogram
model_feature_value_bucket{feature="amount",model="fraud",le="10"} 0
model_feature_value_bucket{feature="amount",model="fraud",le="100"} 1
model_feature_value_bucket{feature="amount",model="fraud",le="+Inf"} 2
model_feature_value_sum{feature="amount",model="fraud"} 550
model_feature_value_count{feature="amount",model="fraud"} 2
model_feature_value_bucket{feature="risk",model="fraud",le="0.5"} 1
model_feature_value_bucket{feature="risk",model="fraud",le="+Inf"} 1
model_feature_value_sum{feature="risk",model="fraud"} 0.2
model_feature_value_count{feature="risk",model="fraud"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), instrument.FeatureMetric); err != nil {
		t.Error(err)
	}
}
