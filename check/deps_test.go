package check

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/vigil-dev/vigil/internal/exampletest"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// TestDepsFraud pins the fraud example's dependencies, read by hand off
// testdata/golden/fraud-detection (the rules' source selectors and the
// dashboard's panels with $version's "All" dropped).
func TestDepsFraud(t *testing.T) {
	spec := exampletest.Load(t)["fraud-detection"]
	ms, err := Deps(spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 {
		t.Fatalf("%d models", len(ms))
	}
	var got []string
	for _, d := range ms[0].Deps {
		got = append(got, d.Expr)
	}
	want := []string{
		`fraud_chargeback_feedback_total{actual!="fraud",predicted="fraud",service="fraud-scoring"}`,
		`fraud_chargeback_feedback_total{actual="fraud",predicted!="fraud",service="fraud-scoring"}`,
		`fraud_chargeback_feedback_total{actual="fraud",service="fraud-scoring"}`,
		`fraud_chargeback_feedback_total{predicted="fraud",service="fraud-scoring"}`,
		`fraud_chargeback_feedback_total{service="fraud-scoring"}`,
		`model_prediction_confidence_bucket{le="0.8",service="fraud-scoring"}`,
		`model_prediction_confidence_bucket{service="fraud-scoring"}`,
		`model_prediction_confidence_count{service="fraud-scoring"}`,
		`model_predictions_total{service="fraud-scoring"}`,
		`model_request_duration_seconds_bucket{service="fraud-scoring"}`,
		`model_requests_total{service="fraud-scoring",status="error"}`,
		`model_requests_total{service="fraud-scoring"}`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("selectors (-want +got):\n%s", d)
	}
	if ms[0].Requests != `model_requests_total{service="fraud-scoring"}` {
		t.Errorf("requests selector %s", ms[0].Requests)
	}
	types := map[string]MetricType{}
	for _, m := range ms[0].Metrics {
		types[m.Name] = m.Type
	}
	wantTypes := map[string]MetricType{
		"fraud_chargeback_feedback_total":       Counter,
		"model_prediction_confidence_bucket":    Histogram,
		"model_prediction_confidence_count":     Histogram,
		"model_predictions_total":               Counter,
		"model_request_duration_seconds_bucket": Histogram,
		"model_requests_total":                  Counter,
	}
	if d := cmp.Diff(wantTypes, types); d != "" {
		t.Errorf("metric types (-want +got):\n%s", d)
	}
}

// TestDepsNeverRecordings checks, over every example and test case, that
// no dependency is a series vigil's rules record or ALERTS, that every
// dependency parses back, and that every latency SLO yields a threshold.
func TestDepsNeverRecordings(t *testing.T) {
	for name, spec := range exampletest.Load(t) {
		ms, err := Deps(spec)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i, m := range spec.Models {
			recorded := map[string]bool{}
			for _, g := range prometheus.Groups(spec, m) {
				for _, r := range g.Rules {
					recorded[r.Record] = true
				}
			}
			if len(ms[i].Deps) == 0 {
				t.Errorf("%s/%s: no dependencies", name, m.Name)
			}
			for _, d := range ms[i].Deps {
				if recorded[d.Metric] || strings.HasPrefix(d.Metric, "ALERTS") || strings.HasPrefix(d.Metric, "vigil:") {
					t.Errorf("%s/%s: %s is produced by Prometheus", name, m.Name, d.Expr)
				}
				ms, err := parser.NewParser(parser.Options{}).ParseMetricSelector(d.Expr)
				if err != nil {
					t.Errorf("%s/%s: %s does not parse back: %v", name, m.Name, d.Expr, err)
				} else if len(ms) != len(d.Matchers)+1 {
					t.Errorf("%s/%s: %s parses back into %d matchers, want %d", name, m.Name, d.Expr, len(ms), len(d.Matchers)+1)
				} else {
					for _, x := range ms {
						if x.Name == "__name__" {
							if x.Value != d.Metric {
								t.Errorf("%s/%s: %s parses back with name %q", name, m.Name, d.Expr, x.Value)
							}
							continue
						}
						if !slices.ContainsFunc(d.Matchers, func(y *labels.Matcher) bool { return y.String() == x.String() }) {
							t.Errorf("%s/%s: %s parses back with matcher %s it did not have", name, m.Name, d.Expr, x)
						}
					}
				}
				if len(d.UsedBy) == 0 {
					t.Errorf("%s/%s: %s used by nothing", name, m.Name, d.Expr)
				}
			}
			n := 0
			for _, s := range m.SLOs {
				if s.Latency != nil {
					n++
				}
			}
			if len(ms[i].Latency) != n {
				t.Errorf("%s/%s: %d latency thresholds, want %d", name, m.Name, len(ms[i].Latency), n)
			}
		}
	}
}
