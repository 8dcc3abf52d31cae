package instrument_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vigil-dev/vigil/instrument"
)

// exampleConfig is what `vigil compile --target instrument` writes for a
// model "fraud" with the default metric contract, two feedback classes
// and a latency SLO at 250ms (trimmed buckets).
const exampleConfig = `{
  "model": "fraud",
  "naming": "prometheus",
  "requests": {"metric": "model_requests_total", "labels": {"model": "fraud"},
               "outcome": {"label": "outcome", "error": "error", "ok": "success"}},
  "latency": {"metric": "model_request_duration_seconds", "labels": {"model": "fraud"}, "buckets": [0.1, 0.25, 1]},
  "confidence": {"metric": "model_prediction_confidence", "labels": {"model": "fraud"}, "buckets": [0.5, 0.8, 1]},
  "predictions": {"metric": "model_predictions_total", "labels": {"model": "fraud"}, "label": "label", "classes": ["fraud", "legit"]},
  "feedback": {"metric": "model_feedback_total", "labels": {"model": "fraud"}, "predicted": "predicted", "actual": "actual", "classes": ["fraud", "legit"]}
}`

// printSeries prints the exposition lines of the registry whose metric
// name starts with prefix.
func printSeries(reg *prometheus.Registry, prefix string) {
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			fmt.Println(sc.Text())
		}
	}
}

// The middleware counts requests by outcome (a status of 500 or more is
// a failure by default) and observes their latency.
func ExampleModel_Middleware() {
	cfg, err := instrument.ParseConfig([]byte(exampleConfig))
	if err != nil {
		panic(err)
	}
	reg := prometheus.NewRegistry()
	m, err := instrument.New(cfg, instrument.Options{Registerer: reg})
	if err != nil {
		panic(err)
	}
	predict := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("fail") != "" {
			http.Error(w, "model unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, `{"label": "legit"}`)
	}))
	for _, url := range []string{"/predict", "/predict", "/predict?fail=1"} {
		predict.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", url, nil))
	}
	printSeries(reg, "model_requests_total")
	printSeries(reg, "model_request_duration_seconds_count")
	// Output:
	// model_requests_total{model="fraud",outcome="error"} 1
	// model_requests_total{model="fraud",outcome="success"} 2
	// model_request_duration_seconds_count{model="fraud"} 3
}

// Predictions count by class and observe the confidence; feedback counts
// (predicted, actual) pairs. Every pair of the spec's classes exists from
// the start, so the precision and recall rules read zeros, not nothing.
func ExampleModel_Feedback() {
	cfg, _ := instrument.ParseConfig([]byte(exampleConfig))
	reg := prometheus.NewRegistry()
	m, _ := instrument.New(cfg, instrument.Options{Registerer: reg})
	m.Prediction("fraud", 0.93)
	m.Feedback("fraud", "legit")
	printSeries(reg, "model_predictions_total")
	printSeries(reg, "model_feedback_total")
	// Output:
	// model_predictions_total{label="fraud",model="fraud"} 1
	// model_predictions_total{label="legit",model="fraud"} 0
	// model_feedback_total{actual="fraud",model="fraud",predicted="fraud"} 0
	// model_feedback_total{actual="fraud",model="fraud",predicted="legit"} 0
	// model_feedback_total{actual="legit",model="fraud",predicted="fraud"} 1
	// model_feedback_total{actual="legit",model="fraud",predicted="legit"} 0
}

// The latency buckets come from the spec, so the 250ms threshold of its
// latency SLO is a bucket boundary: the SLO counts exactly the requests
// at or under it.
func ExampleModel_ObserveRequest() {
	cfg, _ := instrument.ParseConfig([]byte(exampleConfig))
	reg := prometheus.NewRegistry()
	m, _ := instrument.New(cfg, instrument.Options{Registerer: reg})
	m.ObserveRequest(200*time.Millisecond, false)
	m.ObserveRequest(250*time.Millisecond, false)
	m.ObserveRequest(300*time.Millisecond, true)
	printSeries(reg, "model_request_duration_seconds_bucket")
	// Output:
	// model_request_duration_seconds_bucket{model="fraud",le="0.1"} 0
	// model_request_duration_seconds_bucket{model="fraud",le="0.25"} 2
	// model_request_duration_seconds_bucket{model="fraud",le="1"} 3
	// model_request_duration_seconds_bucket{model="fraud",le="+Inf"} 3
}
