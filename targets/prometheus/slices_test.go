package prometheus_test

import (
	"math"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/internal/ruletest"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

const slicesSpec = `package x

models: api: {
	team: "web"
	metrics: {
		selector: job: "api"
		latency: {metric: "http_request_duration_seconds", buckets: [0.1, 0.3, 1]}
	}
	slos: "p95-slices": {
		objective: 99
		latency: threshold: "300ms"
		slices: {length: "1m", percentile: 95}
	}
}
`

// TestTimeSliceLatency runs a time-slice latency SLO ("p95 under 300ms in
// 99% of one-minute slices") in the rule engine, scraped and evaluated
// every 15s: 2h with 1% slow requests (every slice good), 30 minutes
// with 10% slow (every slice bad), then 30 minutes with 3% slow (every
// slice good again, although an event-based 99% latency SLO would burn
// at 3x).
//
// Expected values, worked out by hand: a slice ending x seconds into the
// 10% phase holds (0.99(60-x) + 0.9x)/60 of fast requests, below 0.95
// once x > 26.7s, so the evaluations from 2h00m30s on are bad: at 2h30m
// the 1h window holds 119 bad evaluations out of 240 (0.4958). The page
// alert (14.4x a 1% budget: 14.4% bad slices over 1h, and the current
// slice bad) fires once 35 evaluations are bad: 2h09m.
func TestTimeSliceLatency(t *testing.T) {
	spec := loadSpec(t, slicesSpec)
	m := spec.Models[0]
	rules, err := prometheus.Render(prometheus.Groups(spec, m))
	if err != nil {
		t.Fatal(err)
	}
	const step = 15 * time.Second
	perStep := 150.0 // 10 requests per second
	phases := []struct {
		steps int
		fast  float64
	}{{2 * 240, 0.99}, {120, 0.90}, {120, 0.97}}
	var count, fast []ruletest.Segment
	for _, p := range phases {
		count = append(count, ruletest.Segment{Steps: p.steps, PerStep: perStep})
		fast = append(fast, ruletest.Segment{Steps: p.steps, PerStep: perStep * p.fast})
	}
	s := ruletest.NewSeries(step).
		Counter(`http_request_duration_seconds_count{job="api"}`, count...).
		Counter(`http_request_duration_seconds_bucket{job="api",le="0.3"}`, fast...)
	run, err := ruletest.New(s.String(), rules)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	var firstPage time.Duration = -1
	err = run.Eval(3*time.Hour, step, func(at time.Duration, f ruletest.Firing) bool {
		if len(f["P95SlicesFastBurn"]) > 0 && firstPage < 0 {
			firstPage = at
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	ratio := func(w string, at time.Duration) float64 {
		t.Helper()
		v, err := run.Query(`vigil:sli_error_ratio:rate`+w+`{model="api",slo="p95-slices"}`, at)
		if err != nil {
			t.Fatal(err)
		}
		if len(v) != 1 {
			t.Fatalf("ratio %s at %s: %v", w, at, v)
		}
		for _, x := range v {
			return x
		}
		return 0
	}
	for _, c := range []struct {
		w    string
		at   time.Duration
		want float64
	}{
		{"1h", 2 * time.Hour, 0},
		{"1h", 2*time.Hour + 30*time.Minute, 119.0 / 240},
		{"30m", 2*time.Hour + 30*time.Minute, 119.0 / 120},
		// 3% slow: a slice ending x seconds into it holds
		// (0.90(60-x) + 0.97x)/60 fast requests, below 0.95 while
		// x < 42.9s: the evaluations at 2h30m15s and 2h30m30s are the
		// window's only bad ones, though 3% of requests stay slow.
		{"30m", 3 * time.Hour, 2.0 / 120},
	} {
		// One evaluation either way: rate()'s extrapolation at the
		// phase boundary may move the first bad slice by a step.
		if got := ratio(c.w, c.at); math.Abs(got-c.want) > 1.0/120+1e-9 {
			t.Errorf("error ratio over %s at %s = %.4f, want %.4f (one evaluation's tolerance)", c.w, c.at, got, c.want)
		}
	}
	if firstPage < 2*time.Hour+8*time.Minute || firstPage > 2*time.Hour+10*time.Minute {
		t.Errorf("the page alert first fired at %s, want about 2h9m", firstPage)
	}
}
