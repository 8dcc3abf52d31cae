package otel_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/prometheus/model/labels"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/instrument"
	"github.com/vigil-dev/vigil/instrument/otel"
	"github.com/vigil-dev/vigil/internal/benchcpu"
	"github.com/vigil-dev/vigil/internal/promsamples"
	"github.com/vigil-dev/vigil/internal/promserver"
	target "github.com/vigil-dev/vigil/targets/instrument"
)

// exporter returns a meter whose instruments the real OTel Prometheus
// exporter (default options) exposes in reg.
func exporter(t *testing.T) (metric.Meter, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	return mp.Meter("github.com/vigil-dev/vigil/instrument/otel"), reg
}

func names(t *testing.T, reg prometheus.Gatherer) []string {
	t.Helper()
	ls, _, err := promsamples.Scrape(reg)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		n := l.Get(labels.MetricName)
		if n != "target_info" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// TestTranslationMatchesExporter records instruments with the real
// exporter and compares the series names it exposes with the compiler's
// translation (compiler.OTelPrometheusName), for the contract's defaults
// and the examples in docs/instrument.md.
func TestTranslationMatchesExporter(t *testing.T) {
	for _, c := range []struct {
		in   compiler.OTelInstrument
		want string // checked by hand against the exporter's output
	}{
		{compiler.OTelInstrument{Name: "http.server.request.duration", Unit: "s", Kind: "histogram"}, "http_server_request_duration_seconds"},
		{compiler.OTelInstrument{Name: "model.prediction.confidence", Unit: "1", Kind: "histogram"}, "model_prediction_confidence"},
		{compiler.OTelInstrument{Name: "model.predictions", Unit: "{prediction}", Kind: "counter"}, "model_predictions_total"},
		{compiler.OTelInstrument{Name: "model.feedback", Unit: "{feedback}", Kind: "counter"}, "model_feedback_total"},
		{compiler.OTelInstrument{Name: "shop.checkout.feedback", Unit: "{feedback}", Kind: "counter"}, "shop_checkout_feedback_total"},
		{compiler.OTelInstrument{Name: "model_requests_total", Unit: "{request}", Kind: "counter"}, "model_requests_total"},
		{compiler.OTelInstrument{Name: "inference.latency", Unit: "s", Kind: "histogram"}, "inference_latency_seconds"},
		{compiler.OTelInstrument{Name: "inference.latency", Unit: "ms", Kind: "histogram"}, "inference_latency_milliseconds"},
		{compiler.OTelInstrument{Name: "ranker.requests", Unit: "", Kind: "counter"}, "ranker_requests_total"},
	} {
		got, err := compiler.OTelPrometheusName(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%+v: compiler translates to %s, want %s", c.in, got, c.want)
		}
		meter, reg := exporter(t)
		ctx := context.Background()
		var want []string
		if c.in.Kind == "histogram" {
			h, err := meter.Float64Histogram(c.in.Name, metric.WithUnit(c.in.Unit))
			if err != nil {
				t.Fatal(err)
			}
			h.Record(ctx, 1)
			want = []string{got + "_bucket", got + "_count", got + "_sum"}
		} else {
			ct, err := meter.Int64Counter(c.in.Name, metric.WithUnit(c.in.Unit))
			if err != nil {
				t.Fatal(err)
			}
			ct.Add(ctx, 1)
			want = []string{got}
		}
		if exported := names(t, reg); !slices.Equal(exported, want) {
			t.Errorf("%+v: the exporter exposes %v, the compiler expects %v", c.in, exported, want)
		}
	}
}

func loadOTelSpec(t *testing.T) (*compiler.Spec, *instrument.Config, []check.Model) {
	t.Helper()
	spec, diags, err := compiler.Load(compiler.Source{Args: []string{"testdata/spec.cue"}})
	if err != nil || len(diags) > 0 {
		t.Fatalf("%v %v", err, diags)
	}
	cfg, err := target.Config(spec.Models[0])
	if err != nil {
		t.Fatal(err)
	}
	deps, err := check.Deps(spec)
	if err != nil {
		t.Fatal(err)
	}
	return spec, cfg, deps
}

func matches(series []labels.Labels, d check.Selector) bool {
	for _, s := range series {
		if s.Get(labels.MetricName) != d.Metric {
			continue
		}
		ok := true
		for _, m := range d.Matchers {
			ok = ok && m.Matches(s.Get(m.Name))
		}
		if ok {
			return true
		}
	}
	return false
}

// traffic sends requests (one failing), predictions and feedback.
func traffic(m *otel.Model) {
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("fail") != "" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	for _, u := range []string{"/p", "/p", "/p?fail=1"} {
		h.ServeHTTP(nopWriter{}, mustRequest(u))
	}
	m.ObserveRequest(100*time.Millisecond, false)
	m.Prediction("fraud", 0.95)
	m.Prediction("legit", 0.6)
	m.Feedback("fraud", "legit")
}

type nopWriter struct{}

func (nopWriter) Header() http.Header         { return http.Header{} }
func (nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (nopWriter) WriteHeader(int)             {}

func mustRequest(u string) *http.Request {
	r, err := http.NewRequest("GET", u, nil)
	if err != nil {
		panic(err)
	}
	return r
}

// TestEmitsWhatTheRulesRead: a spec under naming "otel", instrumented
// with this package through the real exporter, emits a series for every
// selector its rules and dashboard read (the feedback pairs from the
// start, everything after traffic with one failure).
func TestEmitsWhatTheRulesRead(t *testing.T) {
	_, cfg, deps := loadOTelSpec(t)
	meter, reg := exporter(t)
	m, err := otel.New(cfg, meter, otel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	before, _, err := promsamples.Scrape(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps[0].Deps {
		if strings.HasPrefix(d.Metric, "shop_checkout_feedback_total") && !matches(before, d) {
			t.Errorf("before traffic: %s matches nothing", d.Expr)
		}
	}
	traffic(m)
	after, _, err := promsamples.Scrape(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps[0].Deps {
		if !matches(after, d) {
			t.Errorf("%s (read by %s) matches none of the exporter's series", d.Expr, d.UsedBy[0])
		}
	}
	if len(deps[0].Deps) < 8 {
		t.Errorf("only %d selectors", len(deps[0].Deps))
	}
}

// TestCheckAgainstPrometheus: Debian's Prometheus scrapes the exporter;
// vigil check finds the model ready (including the metadata types: the
// request count is the _count of a histogram).
func TestCheckAgainstPrometheus(t *testing.T) {
	if _, err := promserver.Binary(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true)", err)
		}
		t.Skip(err)
	}
	_, cfg, deps := loadOTelSpec(t)
	meter, reg := exporter(t)
	m, err := otel.New(cfg, meter, otel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	traffic(m)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}
	go srv.Serve(ln)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	prom, err := promserver.Start(ctx, promserver.Config{Dir: t.TempDir(), Targets: []string{ln.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	defer prom.Stop()
	c, err := api.NewClient(api.Config{Address: prom.URL})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := check.Run(ctx, v1.NewAPI(c), prom.URL, deps, check.Options{MaxLabelValues: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("not ready: %+v", rep.Models)
	}
}

func TestNewRejectsPrometheusNaming(t *testing.T) {
	cfg, err := instrument.ParseConfig([]byte(`{"model": "m", "naming": "prometheus",
	  "requests": {"metric": "r_total", "outcome": {"label": "outcome", "error": "error", "ok": "success"}},
	  "latency": {"metric": "l", "buckets": [1]}, "confidence": {"metric": "c", "buckets": [1]},
	  "predictions": {"metric": "p_total", "label": "label"}, "feedback": {"metric": "f_total", "predicted": "p", "actual": "a"}}`))
	if err != nil {
		t.Fatal(err)
	}
	meter, _ := exporter(t)
	if _, err := otel.New(cfg, meter, otel.Options{}); err == nil || !strings.Contains(err.Error(), "use package instrument") {
		t.Errorf("New = %v, want a pointer to package instrument", err)
	}
}

// BenchmarkMiddleware is the OTel variant's per-request cost, through the
// SDK and its Prometheus exporter's reader.
func BenchmarkMiddleware(b *testing.B) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		b.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	defer mp.Shutdown(context.Background())
	cfg, err := instrument.ParseConfig([]byte(shopConfig))
	if err != nil {
		b.Fatal(err)
	}
	m, err := otel.New(cfg, mp.Meter("bench"), otel.Options{})
	if err != nil {
		b.Fatal(err)
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	r := mustRequest("/predict")
	b.ReportAllocs()
	cpu := benchcpu.Start()
	for b.Loop() {
		h.ServeHTTP(nopWriter{}, r)
	}
	cpu.Report(b)
}
