package otel_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/vigil-dev/vigil/instrument"
	"github.com/vigil-dev/vigil/instrument/otel"
)

// shopConfig is what `vigil compile --target instrument` writes for a
// model under metrics.naming "otel" with the defaults (trimmed buckets).
const shopConfig = `{
  "model": "shop", "naming": "otel",
  "requests": {"metric": "http_server_request_duration_seconds_count", "labels": {"model": "shop"},
               "outcome": {"label": "http_response_status_code", "status_code": true, "error_pattern": "5.."}},
  "latency": {"metric": "http_server_request_duration_seconds", "labels": {"model": "shop"}, "buckets": [0.1, 0.25, 1]},
  "confidence": {"metric": "model_prediction_confidence", "labels": {"model": "shop"}, "buckets": [0.8, 1]},
  "predictions": {"metric": "model_predictions_total", "labels": {"model": "shop"}, "label": "label"},
  "feedback": {"metric": "model_feedback_total", "labels": {"model": "shop"}, "predicted": "predicted", "actual": "actual"},
  "otel": {"latency": {"name": "http.server.request.duration", "unit": "s"},
           "confidence": {"name": "model.prediction.confidence", "unit": "1"},
           "predictions": {"name": "model.predictions", "unit": "{prediction}"},
           "feedback": {"name": "model.feedback", "unit": "{feedback}"}}
}`

// The service owns the meter provider and the OTel Prometheus exporter;
// the semantic conventions' http.server.request.duration counts the
// requests (its _count, by http.response.status_code) and times them.
func ExampleNew() {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		panic(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	defer mp.Shutdown(context.Background())
	cfg, err := instrument.ParseConfig([]byte(shopConfig))
	if err != nil {
		panic(err)
	}
	m, err := otel.New(cfg, mp.Meter("shop"), otel.Options{})
	if err != nil {
		panic(err)
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("fail") != "" {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	for _, u := range []string{"/predict", "/predict", "/predict?fail=1"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", u, nil))
	}
	m.Prediction("fraud", 0.9)

	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "http_server_request_duration_seconds_count") || strings.HasPrefix(l, "model_predictions_total") {
			fmt.Println(l)
		}
	}
	// Output:
	// http_server_request_duration_seconds_count{http_response_status_code="200",model="shop"} 2
	// http_server_request_duration_seconds_count{http_response_status_code="502",model="shop"} 1
	// model_predictions_total{label="fraud",model="shop"} 1
}
