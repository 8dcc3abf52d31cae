package sloth

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/internal/ruletest"
)

// The SLO-window (30-day) error ratio, documented difference 1: Sloth's is
// the mean of its 5-minute error ratios over the window
// (sum_over_time(ratio_rate5m[30d]) / count_over_time(...)), vigil's is
// traffic-weighted (avg_over_time(errors 5m[30d]) / avg_over_time(events
// 5m[30d])). These tests evaluate both rule sets every minute and compare
// the 30-day recordings with values computed here from the series, so
// that neither side is only compared with the other.

// ratioTolerance is the absolute tolerance of the recorded ratios against
// each other and against the values computed here: they differ only by
// floating-point rounding (sums of a hundred terms).
const ratioTolerance = 1e-9

// recorded returns the one value of a recording at offset at.
func recorded(t *testing.T, run *ruletest.Run, expr string, at time.Duration) float64 {
	t.Helper()
	res, err := run.Query(expr, at)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("%s at %s: %d series, want 1: %v", expr, at, len(res), res)
	}
	for _, v := range res {
		return v
	}
	return 0
}

// window5m returns, for a per-minute series of samples (nil where a
// client reports nothing), the bad and total samples in (t-5m, t], Prometheus's
// left-open range.
func window5m(samples [][]float64, t int) (bad, total float64) {
	for m := max(0, t-4); m <= t && m < len(samples); m++ {
		for _, v := range samples[m] {
			total++
			bad += 1 - v
		}
	}
	return bad, total
}

// TestRawRatioAveraging: raw-home-wifi.yml's SLO-window ratio. Its SLI is
// 1 - mean satisfaction; each client reports 1 (satisfied) or 0 each
// minute. Under constant traffic (four clients throughout, one of them
// unsatisfied for 30 minutes) Sloth's and vigil's 30-day ratios are the
// same; when traffic drops (four satisfied clients for the first hour,
// then only one, unsatisfied) Sloth's mean of ratios weighs the quiet,
// failing hour as much as the busy one and reads about 0.5, vigil's
// traffic-weighted ratio about 0.2: the documented difference, in its
// documented direction.
func TestRawRatioAveraging(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates rules in the rule engine")
	}
	slothRules, err := os.ReadFile(filepath.Join(dataDir, "_gen", "raw-home-wifi.yml"))
	if err != nil {
		t.Fatal(err)
	}
	rules := slices.Concat(ruleGroups(t, slothRules), compileRules(t, "raw-home-wifi.yml"))
	const minutes = 120
	for _, tc := range []struct {
		name string
		// value of client c at minute m, or -1 when it reports nothing.
		value func(c, m int) float64
		// sameAsVigil: Sloth's ratio must equal vigil's; otherwise it
		// must be above it by more than minGap.
		sameAsVigil bool
		minGap      float64
	}{
		{"constant-traffic", func(c, m int) float64 {
			if c == 0 && m > 40 && m <= 70 {
				return 0
			}
			return 1
		}, true, 0},
		{"traffic-drop", func(c, m int) float64 {
			switch {
			case m <= 60:
				return 1
			case c == 0:
				return 0
			}
			return -1
		}, false, 0.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			samples := make([][]float64, minutes+1)
			s := ruletest.NewSeries(time.Minute)
			for c := 0; c < 4; c++ {
				var segs []ruletest.Segment
				for m := 0; m <= minutes; m++ {
					v := tc.value(c, m)
					if v < 0 {
						break
					}
					samples[m] = append(samples[m], v)
					if len(segs) > 0 && segs[len(segs)-1].Value == v {
						segs[len(segs)-1].Steps++
						continue
					}
					segs = append(segs, ruletest.Segment{Steps: 1, Value: v})
				}
				s.Gauge(fmt.Sprintf(`unifipoller_client_satisfaction_ratio{client="c%d"}`, c), segs...)
			}
			run, err := ruletest.New(s.String(), rules...)
			if err != nil {
				t.Fatal(err)
			}
			defer run.Close()
			// From 5 minutes on, every 5-minute window is full.
			const from = 5
			if err := run.EvalFrom(from*time.Minute, minutes*time.Minute, time.Minute, func(time.Duration, ruletest.Firing) bool { return true }); err != nil {
				t.Fatal(err)
			}
			var sumRatio, sumBad, sumTotal, n float64
			for m := from; m <= minutes; m++ {
				bad, total := window5m(samples, m)
				sumRatio += bad / total
				sumBad += bad
				sumTotal += total
				n++
			}
			wantSloth, wantVigil := sumRatio/n, sumBad/sumTotal
			at := minutes * time.Minute
			sloth := recorded(t, run, `slo:sli_error:ratio_rate30d{sloth_slo="wifi-client-satisfaction"}`, at)
			vigil := recorded(t, run, `vigil:sli_error_ratio:rate30d{slo="wifi-client-satisfaction"}`, at)
			t.Logf("30-day error ratio: Sloth %.6f (mean of 5m ratios, computed %.6f), vigil %.6f (traffic-weighted, computed %.6f)", sloth, wantSloth, vigil, wantVigil)
			if math.Abs(sloth-wantSloth) > ratioTolerance || math.Abs(vigil-wantVigil) > ratioTolerance {
				t.Errorf("recorded ratios differ from the computed ones by more than %g", ratioTolerance)
			}
			if tc.sameAsVigil {
				if math.Abs(sloth-vigil) > ratioTolerance {
					t.Errorf("constant traffic: Sloth's 30-day ratio %v and vigil's %v differ by more than %g", sloth, vigil, ratioTolerance)
				}
				if sloth < 0.01 {
					t.Errorf("the scenario was meant to consume budget; the ratio is %v", sloth)
				}
			} else if sloth-vigil < tc.minGap {
				t.Errorf("traffic drop: Sloth's mean of ratios %v should exceed vigil's traffic-weighted %v by more than %v", sloth, vigil, tc.minGap)
			}
		})
	}
}

// TestNoAlertsRecordings: no-alerts.yml disables both alerts. On the same
// series, constant traffic (10 requests/s) with ten minutes at 50% errors
// and then ten minutes of outage, neither rule set fires any alert, and
// the SLI recordings vigil writes for it (the 5-minute and the 30-day
// error ratio; with both alerts off vigil writes no other window) equal
// Sloth's and the values computed from the series: at constant traffic
// the mean of ratios is the traffic-weighted ratio.
func TestNoAlertsRecordings(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates rules in the rule engine")
	}
	slothRules, err := os.ReadFile(filepath.Join(dataDir, "_gen", "no-alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	rules := slices.Concat(ruleGroups(t, slothRules), compileRules(t, "no-alerts.yml"))
	const minutes = 120
	// errorShare per minute increment (the increment between the
	// samples at m-1 and m).
	errorShare := func(m int) float64 {
		switch {
		case m > 60 && m <= 70:
			return 0.5
		case m > 70 && m <= 80:
			return 1
		}
		return 0
	}
	// The counters start far from zero, so that Prometheus's rate
	// extrapolates the error counter's first increase like the total's
	// (from 0 it would stop at the zero point and under-count errors).
	good, bad := 1e6, 1e6
	var goodVals, badVals []string
	for m := 0; m <= minutes; m++ {
		if m > 0 {
			good += perMin * (1 - errorShare(m))
			bad += perMin * errorShare(m)
		}
		goodVals = append(goodVals, fmt.Sprint(good))
		badVals = append(badVals, fmt.Sprint(bad))
	}
	s := ruletest.NewSeries(time.Minute)
	s.Add(`http_request_duration_seconds_count{job="myapp",code="200"}`, strings.Join(goodVals, " "))
	s.Add(`http_request_duration_seconds_count{job="myapp",code="503"}`, strings.Join(badVals, " "))
	run, err := ruletest.New(s.String(), rules...)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	const from = 5
	var fired []string
	if err := run.EvalFrom(from*time.Minute, minutes*time.Minute, time.Minute, func(at time.Duration, f ruletest.Firing) bool {
		for _, name := range f.Names() {
			fired = append(fired, fmt.Sprintf("%s at %s", name, at))
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if len(fired) > 0 {
		t.Errorf("alerts fired: %v", fired)
	}
	// A 5-minute rate over samples a minute apart spans the last four
	// increments (extrapolated alike for errors and total): its error
	// ratio is their mean error share.
	ratio5m := func(m int) float64 {
		sum := 0.0
		for i := m - 3; i <= m; i++ {
			sum += errorShare(i)
		}
		return sum / 4
	}
	mean := 0.0
	for m := from; m <= minutes; m++ {
		mean += ratio5m(m)
	}
	mean /= minutes - from + 1
	for _, c := range []struct {
		at     int
		window string
	}{
		{at: 63, window: "5m"}, {at: 72, window: "5m"}, {at: 90, window: "5m"},
		{at: minutes, window: "30d"},
	} {
		at := time.Duration(c.at) * time.Minute
		want := mean
		if c.window == "5m" {
			want = ratio5m(c.at)
		}
		sloth := recorded(t, run, `slo:sli_error:ratio_rate`+c.window+`{sloth_slo="http-availability"}`, at)
		vigil := recorded(t, run, `vigil:sli_error_ratio:rate`+c.window+`{slo="http-availability"}`, at)
		t.Logf("%s error ratio at %dm: Sloth %.6f, vigil %.6f, computed %.6f", c.window, c.at, sloth, vigil, want)
		if math.Abs(sloth-want) > ratioTolerance || math.Abs(vigil-want) > ratioTolerance {
			t.Errorf("%s at %dm: Sloth %v, vigil %v, want %v (±%g)", c.window, c.at, sloth, vigil, want, ratioTolerance)
		}
	}
	if mean < 0.01 {
		t.Errorf("the scenario was meant to consume budget; the 30-day ratio is %v", mean)
	}
}
