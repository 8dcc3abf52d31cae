package sloth

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-dev/vigil/internal/ruletest"
)

// The home-wifi examples read a gauge, unifipoller_client_satisfaction_ratio
// (one series per wifi client, the client's satisfaction from 0 to 1):
// home-wifi.yml and k8s-home-wifi.yml count the clients below a threshold
// with subqueries (sum_over_time(count(x < 0.75)[w:])), raw-home-wifi.yml
// averages the satisfaction (1 - sum_over_time(x[w]) / count_over_time(x[w])).
// The synthetic series are wifiClients clients sampled every gaugeStep; a
// phase's error ratio r makes r × wifiClients clients bad per sample on
// average, spread evenly over the samples (the first clients first), so
// that every window sees the phase's ratio.
//
// Subqueries over 3 days at a 1-minute resolution make every evaluation
// costly, so these examples are scraped and evaluated every 2 minutes (a
// poller's interval): the tolerance, one evaluation interval, is 2
// minutes here.

const (
	wifiClients = 4
	gaugeStep   = 2 * time.Minute
)

// gaugeScenarios are the outage, spike and slow burn scaled to an SLO's
// error budget, with absolute error ratios (unlike scenarios(), whose slow
// burn is relative):
//   - outage: every client bad for 2h (a 5% budget pages only once the 1h
//     ratio passes 72%, after about 43 minutes: 22 of the 30 samples at
//     42m; its ticket's 3d pair needs 1d × 5% / 95% ≈ 76 minutes);
//   - spike: every client bad for 50 minutes under a 5% budget (the 1h
//     ratio peaks at 83%, above 14.4 × 5%; no ticket pair is reached:
//     50/1440 = 3.5% < 3 × 5%), 16 minutes under a 0.1% budget (as in
//     scenarios(): page and ticket); nothing can start firing after the
//     spike, so evaluation ends an hour after it;
//   - slow burn: 4.5 times the budget for 8h: the ticket's 1× pair over
//     3d and 6h fires when 4.5t/(1d+t) passes 1, at t = 1d/3.5 ≈ 6h51m (not
//     on an evaluation, unlike a 5× burn's 6h), no page pair (14.4×, 6×)
//     and not the 3× 1d pair (t > 16h) are reached; before 6h30m no pair
//     can fire, so that stretch is evaluated every quietStep.
func gaugeScenarios(budget float64) []scenario {
	day := 24 * 60
	spike := 16
	if budget > 0.003 {
		spike = 50
	}
	// Before the first minute at which an outage can meet a window pair
	// after a healthy day (f × budget × long for the pairs over 5m-6h
	// and 1d, 1d × b / (1 - b) for the 3d one, which holds the healthy
	// day), less one sample (whole samples reach a ratio up to one
	// sample before the continuous estimate: 22 of 30 samples pass 72% at
	// 42m, not 43.2m), nothing can fire: that stretch is evaluated every
	// quietStep.
	earliest := min(14.4*budget*60, 6*budget*360, 3*budget*1440, 1440*budget/(1-budget))
	quiet := max(0, 10*time.Minute+time.Duration(earliest*float64(time.Minute))-gaugeStep).Truncate(quietStep)
	return []scenario{
		{name: "outage", phases: []phase{{day, 0}, {120, 1}}, from: 24*time.Hour - 10*time.Minute, until: 26 * time.Hour,
			expect: func(float64) []string { return []string{"page", "ticket"} }, quiet: quiet, step: gaugeStep},
		{name: "spike", phases: []phase{{day, 0}, {spike, 1}, {120 - spike, 0}}, from: 24*time.Hour - 10*time.Minute, until: 24*time.Hour + time.Duration(spike+60)*time.Minute,
			expect: func(b float64) []string {
				if b < 0.003 {
					return []string{"page", "ticket"}
				}
				return []string{"page"}
			}, quiet: quiet, step: gaugeStep},
		{name: "slow-burn", phases: []phase{{day, 0}, {480, 4.5 * budget}}, from: 24 * time.Hour, until: 32 * time.Hour,
			expect: func(float64) []string { return []string{"ticket"} }, quiet: 6*time.Hour + 30*time.Minute, step: gaugeStep},
	}
}

// badClients returns, for each sample (every gaugeStep) of the phases, how
// many clients are bad: r × wifiClients per sample on average, as evenly
// as whole clients allow (the running total rounded down, a small epsilon
// keeping exact products such as 2.25 × 4 from rounding below their
// integer).
func badClients(phases []phase) []int {
	perStep := int(gaugeStep / time.Minute)
	var out []int
	for _, p := range phases {
		per := p.ratio * wifiClients
		for i := 0; i < p.minutes/perStep; i++ {
			out = append(out, int(math.Floor(float64(i+1)*per+1e-9))-int(math.Floor(float64(i)*per+1e-9)))
		}
	}
	return out
}

// satisfaction adds the clients' gauges: a bad client reports bad, a good
// one good.
func satisfaction(s *ruletest.Series, phases []phase, good, bad float64) {
	perSample := badClients(phases)
	for c := 0; c < wifiClients; c++ {
		var segs []ruletest.Segment
		for _, n := range perSample {
			v := good
			if c < n {
				v = bad
			}
			if len(segs) > 0 && segs[len(segs)-1].Value == v {
				segs[len(segs)-1].Steps++
				continue
			}
			segs = append(segs, ruletest.Segment{Steps: 1, Value: v})
		}
		s.Gauge(fmt.Sprintf(`unifipoller_client_satisfaction_ratio{client="c%d"}`, c), segs...)
	}
}

// TestBehaviourMatchesSlothGauges compares the home-wifi examples' alerts:
// both SLOs of home-wifi.yml (which cover its CRD form, k8s-home-wifi.yml:
// TestK8sHomeWifiSameRules), and the
// raw SLI of raw-home-wifi.yml, which vigil imports as bad events
// (count_over_time - sum_over_time) over count_over_time, so that its
// burn-rate ratio over every window is Sloth's raw ratio over that window.
// The raw SLI's SLO-window ratio is where Sloth and vigil differ
// (documented difference 1); TestRawRatioAveraging checks it.
func TestBehaviourMatchesSlothGauges(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates days of rules in the rule engine")
	}
	// subquerySLO is an SLO counting the clients below a threshold: its
	// bad clients report bad (below it), the good ones 0.9. The risk SLO
	// (below 0.5) is tested with 0.3, which the good-wifi SLO (below 0.75)
	// counts as bad too; good-wifi with 0.6, which risk counts as good.
	subquerySLO := func(slo, alert string, budget, bad float64) sloUnderTest {
		return sloUnderTest{"home-wifi", slo, alert, budget, func(s *ruletest.Series, phases []phase, _ float64) {
			satisfaction(s, phases, 0.9, bad)
		}, 0}
	}
	for _, tc := range []struct {
		example string
		under   sloUnderTest
	}{
		{"home-wifi.yml", subquerySLO("good-wifi-client-satisfaction", "GoodWifiClientSatisfaction", 0.05, 0.6)},
		{"home-wifi.yml", subquerySLO("risk-wifi-client-satisfaction", "RiskWifiClientSatisfaction", 0.001, 0.3)},
		// A bad client reports 0 (error 1), a good one 1 (error 0), so
		// that 1 - mean satisfaction is the bad clients' share.
		{"raw-home-wifi.yml", sloUnderTest{"home-wifi", "wifi-client-satisfaction", "WifiClientSatisfaction", 0.05, func(s *ruletest.Series, phases []phase, _ float64) {
			satisfaction(s, phases, 1, 0)
		}, 0}},
	} {
		slothRules, err := os.ReadFile(filepath.Join(dataDir, "_gen", tc.example))
		if err != nil {
			t.Fatal(err)
		}
		slothFiles := ruleGroups(t, slothRules)
		vigilRules := compileRules(t, tc.example)
		for _, sc := range gaugeScenarios(tc.under.budget) {
			for _, p := range sc.phases {
				if time.Duration(p.minutes)*time.Minute%gaugeStep != 0 {
					t.Fatalf("%s: a phase of %d minutes is not whole samples", sc.name, p.minutes)
				}
			}
			t.Run(tc.example+"/"+tc.under.slo+"/"+sc.name, func(t *testing.T) {
				s := ruletest.NewSeries(gaugeStep)
				tc.under.series(s, sc.phases, tc.under.budget)
				compare(t, s, slothFiles, vigilRules, tc.under, sc)
			})
		}
	}
}

// TestK8sHomeWifiSameRules: the CRD form of home-wifi gives the same rules
// on both sides, so TestBehaviourMatchesSlothGauges's comparison of
// home-wifi.yml covers k8s-home-wifi.yml without evaluating its costly
// subqueries again. Sloth's PrometheusRule holds the same groups and
// rules (expressions, labels, annotations) as its plain rule file, except
// two labels of its sloth_slo_info series that name the input format
// (sloth_mode, sloth_spec); vigil's imports compile to identical rule
// files.
func TestK8sHomeWifiSameRules(t *testing.T) {
	type rule struct {
		Record, Alert, Expr, For string
		Labels, Annotations      map[string]string
	}
	type group struct {
		Name, Interval string
		Rules          []rule
	}
	load := func(example string) []group {
		b, err := os.ReadFile(filepath.Join(dataDir, "_gen", example))
		if err != nil {
			t.Fatal(err)
		}
		var out []group
		for _, f := range ruleGroups(t, b) {
			var doc struct{ Groups []group }
			if err := yaml.Unmarshal(f, &doc); err != nil {
				t.Fatal(err)
			}
			out = append(out, doc.Groups...)
		}
		return out
	}
	plain, crd := load("home-wifi.yml"), load("k8s-home-wifi.yml")
	if len(plain) == 0 {
		t.Fatal("no rule groups in home-wifi.yml's Sloth output")
	}
	for _, g := range crd {
		for _, r := range g.Rules {
			if r.Record == "sloth_slo_info" && r.Labels["sloth_mode"] == "cli-gen-k8s" && r.Labels["sloth_spec"] == "sloth.slok.dev/v1" {
				r.Labels["sloth_mode"], r.Labels["sloth_spec"] = "cli-gen-prom", "prometheus/v1"
			}
		}
	}
	if !reflect.DeepEqual(plain, crd) {
		t.Errorf("Sloth's rules for k8s-home-wifi.yml differ from home-wifi.yml's beyond sloth_slo_info's sloth_mode and sloth_spec:\n%v\n%v", plain, crd)
	}
	a, b := compileRules(t, "home-wifi.yml"), compileRules(t, "k8s-home-wifi.yml")
	if !slices.EqualFunc(a, b, bytes.Equal) {
		t.Errorf("vigil's rules for k8s-home-wifi.yml differ from home-wifi.yml's")
	}
}
