package simulate_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/exampletest"
	"github.com/vigil-dev/vigil/simulate"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// The expected detection times in these tests come from the SRE
// workbook's formula, computed here from the spec, not from the
// simulator: when the error ratio steps from e0 to e1 at the incident, a
// window of length W holding full history reaches the ratio r after
//
//	t = W * (r - e0) / (e1 - e0)
//
// and a multiwindow burn alert (long L, short S, factor B, budget b)
// fires once both windows reach B*b, plus its `for`. The simulator
// evaluates every `interval` over samples every `scrape_interval`, so it
// may detect up to one interval plus one scrape later, or one scrape
// earlier (a window of length W holds samples spanning W less one scrape
// interval, so the incident's share of it is slightly larger). Windows of a day
// or more average the recorded 5m rate instead of reading raw counters
// (see targets/prometheus/sli.go), so they see the incident up to that
// 5m base window late as well.

func loadScenario(t *testing.T, path string) *simulate.Scenario {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := simulate.ParseScenario(path, b)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func run(t *testing.T, spec *compiler.Spec, sc *simulate.Scenario) *simulate.Result {
	t.Helper()
	res, err := simulate.Run(context.Background(), spec, sc)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// stepIncident returns e0 and e1 for a scenario whose first phase steps
// the error ratio (and whose second, if any, steps it back).
func stepIncident(sc *simulate.Scenario) (e0, e1 float64, length time.Duration) {
	e0, e1 = *sc.Baseline.ErrorRatio, *sc.Phases[0].ErrorRatio
	length = sc.Duration.D() - sc.Phases[0].At.D()
	if len(sc.Phases) > 1 {
		length = sc.Phases[1].At.D() - sc.Phases[0].At.D()
	}
	return e0, e1, length
}

// workbook returns, per burn alert of the SLO, the formula's detection
// time for a lasting step from e0 to e1 (absent: never fires), and for an
// incident lasting only `length`, whether the long windows can reach
// their thresholds at all.
func workbook(spec *compiler.Spec, m *compiler.Model, slo *compiler.SLO, e0, e1 float64, length time.Duration) map[string]time.Duration {
	b := slo.ErrorBudget().Float64()
	out := map[string]time.Duration{}
	for _, a := range prometheus.Alerts(spec, m) {
		if a.SLO != slo || len(a.Windows) == 0 {
			continue
		}
		best := time.Duration(-1)
		for _, w := range a.Windows {
			r := w.Factor.Float64() * b
			if e1 <= r {
				continue
			}
			long, short := time.Duration(w.Long), time.Duration(w.Short)
			tl := time.Duration(float64(long) * (r - e0) / (e1 - e0))
			ts := time.Duration(float64(short) * (r - e0) / (e1 - e0))
			d := max(tl, ts) + time.Duration(a.Rule.For)
			if max(tl, ts) > length {
				continue // the incident ends before the long window gets there
			}
			if best < 0 || d < best {
				best = d
			}
		}
		if best >= 0 {
			out[a.Rule.Alert] = best
		}
	}
	return out
}

func firstFiring(res *simulate.Result, alert string) (time.Duration, bool) {
	for _, ev := range res.Events {
		if ev.Alert == alert && ev.State == simulate.Firing && ev.At >= *res.Scenario.Incident {
			return ev.At.D() - res.Scenario.Incident.D(), true
		}
	}
	return 0, false
}

func TestAvailabilityScenariosMatchTheWorkbook(t *testing.T) {
	specs := exampletest.Load(t)
	spec := specs["fraud-detection"]
	m := spec.Model("fraud-detector")
	var slo *compiler.SLO
	for _, s := range m.SLOs {
		if s.Name == "availability" {
			slo = s
		}
	}
	for _, name := range []string{"full-outage", "slow-burn", "brief-spike"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sc := loadScenario(t, filepath.Join(exampletest.Dir(), "fraud-detection", "scenarios", name+".yaml"))
			res := run(t, spec, sc)
			e0, e1, length := stepIncident(sc)
			want := workbook(spec, m, slo, e0, e1, length)
			for _, a := range prometheus.Alerts(spec, m) {
				if a.SLO != slo || len(a.Windows) == 0 {
					continue
				}
				name := a.Rule.Alert
				// Every alert window is a rate over the raw counters, so
				// the only slack is one evaluation and one scrape.
				slack := sc.Interval.D() + sc.ScrapeInterval.D()
				got, fired := firstFiring(res, name)
				w, should := want[name]
				switch {
				case should && !fired:
					t.Errorf("%s: the workbook says it fires %s after the incident; it never fired", name, w)
				case !should && fired:
					t.Errorf("%s fired %s after the incident; by the workbook it cannot", name, got)
				case should && (got < w-sc.ScrapeInterval.D() || got > w+slack):
					t.Errorf("%s fired %s after the incident; the workbook says %s (allowing up to %s later)", name, got, w, slack)
				case should:
					t.Logf("%s: fired after %s, workbook %s", name, got, w)
				}
			}
			for _, c := range res.Checks {
				if !c.OK {
					t.Errorf("expectation failed: %s: %s", c.Expectation, c.Detail)
				}
			}
			checkDocChart(t, res)
		})
	}
}

// checkDocChart compares the chart with the one committed under
// docs/simulate (shown in the README) pixel by pixel, within chartLevels,
// since anti-aliased edges depend on the CPU's floating-point path;
// VIGIL_UPDATE=1 rewrites it.
func checkDocChart(t *testing.T, res *simulate.Result) {
	t.Helper()
	got, err := simulate.Chart(res, "png")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "docs", "simulate", res.Scenario.Name+".png")
	if os.Getenv("VIGIL_UPDATE") == "1" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (regenerate with VIGIL_UPDATE=1 go test ./simulate)", err)
	}
	if d, err := diffPNG(got, want); err != nil {
		t.Errorf("%s: %v", path, err)
	} else if d != "" {
		t.Errorf("%s is out of date (%s); regenerate with VIGIL_UPDATE=1 go test ./simulate and review it", path, d)
	}
}

func TestDriftScenarioFiresOnTheConsecutiveBreach(t *testing.T) {
	t.Parallel()
	spec := exampletest.Load(t)["recommendations-drift"]
	m := spec.Model("product-recs")
	sc := loadScenario(t, filepath.Join(exampletest.Dir(), "recommendations-drift", "scenarios", "three-day-drift.yaml"))
	res := run(t, spec, sc)
	sched := time.Duration(m.Drift.Schedule)
	drifting := map[string]bool{}
	for f := range sc.Phases[0].Drift {
		drifting[f] = true
	}
	for _, f := range m.Features {
		name := compiler.Camel(f.Name) + "Drift"
		got, fired := firstFiring(res, name)
		score := sc.Phases[0].Drift[f.Name]
		breaches := drifting[f.Name] && score > f.Test.Threshold.Float64()
		if !breaches {
			if fired {
				t.Errorf("%s fired %s after the incident, but %s never breached", name, got, f.Name)
			}
			continue
		}
		// Runs at every multiple of the schedule; the incident starts on
		// a run, which is the first breach.
		want := time.Duration(f.Test.Consecutive-1) * sched
		if !fired || got < want || got > want+sc.Interval.D() {
			t.Errorf("%s: fired=%v after %s; want the run %s after the incident (breach %d of %d)", name, fired, got, want, f.Test.Consecutive, f.Test.Consecutive)
		}
		// It keeps firing until the end: every later run breaches too.
		for _, iv := range res.Firing {
			if strings.HasPrefix(iv.Key, name+"{") && iv.To != sc.Duration {
				t.Errorf("%s stopped firing at %s although the drift lasts", name, iv.To)
			}
		}
	}
	if !res.Passed() {
		t.Errorf("expectations failed: %+v", res.Checks)
	}
	checkDocChart(t, res)
}

const quickSpec = `package x
models: m: {
	team: "t"
	slos: availability: {objective: 99.9, availability: {}}
}
`

func quick(t *testing.T, scenario string) (*compiler.Spec, *simulate.Scenario) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "spec.cue"), []byte(quickSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, diags, err := compiler.Load(compiler.Source{Args: []string{"spec.cue"}, Dir: dir})
	if err != nil || len(diags) > 0 {
		t.Fatalf("spec: %v %v", err, diags)
	}
	sc, err := simulate.ParseScenario("quick.yaml", []byte(scenario))
	if err != nil {
		t.Fatal(err)
	}
	return spec, sc
}

const outage = `
model: m
duration: 40m
warmup: 0s
baseline: {rps: 10}
phases:
  - {at: 10m, error_ratio: 1}
`

func TestFailedExpectationIsReported(t *testing.T) {
	spec, sc := quick(t, outage+`
expect:
  - {alert: AvailabilityFastBurn, fires: false}
  - {alert: AvailabilityFastBurn, fires_within: 5m}
  - {alert: AvailabilityFastBurn, fires_after: 10m}
`)
	res := run(t, spec, sc)
	if res.Passed() {
		t.Fatal("the scenario passed, but it expects the page both to fire and not to fire")
	}
	got := []bool{res.Checks[0].OK, res.Checks[1].OK, res.Checks[2].OK}
	if got[0] || !got[1] || got[2] {
		t.Fatalf("checks = %v, want [false true false]: %+v", got, res.Checks)
	}
	// 99.9%: 14.4x over 1h needs 1h*14.4*0.001 = 51.84s of full outage.
	if d, ok := firstFiring(res, "AvailabilityFastBurn"); !ok || d < 51840*time.Millisecond || d > 2*time.Minute {
		t.Fatalf("page fired after %s (fired=%v), want between 51.84s and 2m", d, ok)
	}
	var buf bytes.Buffer
	if err := res.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FAIL AvailabilityFastBurn never fires", "ok   AvailabilityFastBurn fires within 5m", "+00:11  firing"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestBudgetAfterAColdStart: an hour after deployment, a one-minute full
// outage at constant traffic spends 1/43.2 = 2.3% of a 99.9%/30d budget
// (the budget is 43.2 minutes of full outage). The report reads the
// rules' budget recording, which must say so: bad events over the
// budget's share of the whole window's events, projected from the
// traffic so far (error ratio over the hour × the hour's share of 30
// days / budget), not the error ratio of the hour alone (1/60 / 0.001 =
// 1,667%). The 5m rates the recording averages blur the edges of the
// hour slightly.
func TestBudgetAfterAColdStart(t *testing.T) {
	spec, sc := quick(t, `
model: m
duration: 1h
warmup: 0s
baseline: {rps: 10}
phases:
  - {at: 30m, error_ratio: 1}
  - {at: 31m, error_ratio: 0}
`)
	res := run(t, spec, sc)
	want := 1 / 43.2
	if res.BudgetConsumed == nil || math.Abs(*res.BudgetConsumed-want) > 0.05*want {
		t.Fatalf("budget consumed %v, want %.4f ± 5%%", deref(res.BudgetConsumed), want)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestBudgetReportIsWhatTheTiersCompare runs a total outage after a
// 3-day warmup against a 28-day window with 50% and 80% budget tiers.
// At every evaluation each tier alert must be active (pending or firing)
// exactly when the budget the simulator reports has reached the tier:
// the report and the alerts read the same recording at the same
// evaluation. (The simulator used to compute its own budget, at baseline
// traffic, while the tiers compared the recording: the 50% tier fired
// with the report at 7.29%.) The report prints the window as the spec
// writes it, 28d.
func TestBudgetReportIsWhatTheTiersCompare(t *testing.T) {
	dir := t.TempDir()
	const spec28 = `package x
models: m: {
	team: "t"
	slos: availability: {
		objective: 99.9
		availability: {}
		window: "28d"
		alerting: budget_tiers: [{consumed: 50, severity: "warning"}, {consumed: 80, severity: "critical"}]
	}
}
`
	if err := os.WriteFile(filepath.Join(dir, "spec.cue"), []byte(spec28), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, diags, err := compiler.Load(compiler.Source{Args: []string{"spec.cue"}, Dir: dir})
	if err != nil || len(diags) > 0 {
		t.Fatalf("spec: %v %v", err, diags)
	}
	sc, err := simulate.ParseScenario("tiers.yaml", []byte(`
model: m
duration: 2h
interval: 1m
scrape_interval: 15s
warmup: 3d
baseline: {rps: 10}
phases:
  - {at: 10m, error_ratio: 1}
  - {at: 1h10m, error_ratio: 0}
`))
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, spec, sc)
	tiers := map[string]float64{"AvailabilityBudget50PercentConsumed": 0.5, "AvailabilityBudget80PercentConsumed": 0.8}
	active := map[string]bool{}
	next := 0
	crossed := map[string]bool{}
	for _, pt := range res.Points {
		for ; next < len(res.Events) && res.Events[next].At <= pt.At; next++ {
			ev := res.Events[next]
			active[ev.Alert] = ev.State != simulate.Resolved
		}
		if pt.BudgetConsumed == nil {
			t.Fatalf("no budget recorded at %s", pt.At)
		}
		for alert, frac := range tiers {
			reached := *pt.BudgetConsumed >= frac
			crossed[alert] = crossed[alert] || reached
			if active[alert] != reached {
				t.Errorf("at %s the report says %.2f%% consumed, but %s is active=%v (tier %v%%)", pt.At, *pt.BudgetConsumed*100, alert, active[alert], frac*100)
			}
		}
	}
	for alert := range tiers {
		if !crossed[alert] {
			t.Errorf("the outage never took the budget to %s's tier; the test proves nothing", alert)
		}
	}
	if *res.Points[0].BudgetConsumed >= 0.5 {
		t.Errorf("the budget starts at %.2f%%, already past the 50%% tier; the test proves nothing", *res.Points[0].BudgetConsumed*100)
	}
	last := res.Points[len(res.Points)-1].BudgetConsumed
	if res.BudgetConsumed == nil || *res.BudgetConsumed != *last {
		t.Errorf("reported budget %v, the recording's last value %v", deref(res.BudgetConsumed), *last)
	}
	var buf bytes.Buffer
	if err := res.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "(99.9% over 28d)") || strings.Contains(buf.String(), "4w") {
		t.Errorf("the report does not print the 28d window as the spec writes it:\n%s", buf.String())
	}
}

// TestUnknownAlertFailsTheCheck: an expectation that names an alert the
// model does not have (a typo, a renamed SLO) fails, naming the model's
// alerts, instead of passing as "never fires".
func TestUnknownAlertFailsTheCheck(t *testing.T) {
	spec, sc := quick(t, outage+`
expect:
  - {alert: AvailabilityFastBrun, fires: false}
  - {alert: AvailabilityFastBurn, fires_within: 5m}
`)
	res := run(t, spec, sc)
	if res.Passed() {
		t.Fatal("the scenario passed with an expectation about an alert the model does not have")
	}
	c := res.Checks[0]
	want := "model m has no alert AvailabilityFastBrun (its alerts: AvailabilityFastBurn, AvailabilitySlowBurn, ModelRequestsTotalAbsent)"
	if c.OK || c.Detail != want {
		t.Errorf("check = %+v, want a failure saying %q", c, want)
	}
	if !res.Checks[1].OK {
		t.Errorf("the expectation on an existing alert failed: %+v", res.Checks[1])
	}
}

func TestCUEAndYAMLScenariosAgree(t *testing.T) {
	y, err := simulate.ParseScenario("s.yaml", []byte(outage))
	if err != nil {
		t.Fatal(err)
	}
	c, err := simulate.ParseScenario("s.cue", []byte(`
model: "m"
duration: "40m"
warmup: "0s"
baseline: rps: 10
phases: [{at: "10m", error_ratio: 1}]
`))
	if err != nil {
		t.Fatal(err)
	}
	c.Name = y.Name
	var a, b bytes.Buffer
	if err := writeJSON(&a, y); err != nil {
		t.Fatal(err)
	}
	if err := writeJSON(&b, c); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatalf("CUE and YAML differ:\n%s\n%s", a.String(), b.String())
	}
}

func writeJSON(w io.Writer, sc *simulate.Scenario) error {
	r := &simulate.Result{Scenario: sc}
	return r.WriteJSON(w)
}

func TestScenarioErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"unknown field", "model: m\nduration: 1h\nbaseline: {rps: 1, errors: 2}\n", "line 3: field errors not found"},
		{"no model", "duration: 1h\n", "model: required"},
		{"bad duration", "model: m\nduration: soon\n", `invalid duration "soon"`},
		{"ratio", "model: m\nduration: 1h\nphases: [{at: 5m, error_ratio: 2}]\n", "phases[0].error_ratio: 2 is not between 0 and 1"},
		{"order", "model: m\nduration: 1h\nphases: [{at: 20m, rps: 1}, {at: 10m, rps: 2}]\n", "phases[1].at: 10m must be after the previous phase's start"},
		{"past end", "model: m\nduration: 1h\nphases: [{at: 2h, rps: 1}]\n", "phases[0].at: 2h is not before the end"},
		{"two asserts", "model: m\nduration: 1h\nphases: [{at: 5m, rps: 1}]\nexpect: [{alert: A, fires: false, fires_within: 5m}]\n", "expect[0]: set exactly one of"},
		{"interval", "model: m\nduration: 1h\ninterval: 1m\nscrape_interval: 40s\n", "interval 1m must be a multiple of scrape_interval 40s"},
		{"cue", "model: 1\n", "s.cue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := "s.yaml"
			if tc.name == "cue" {
				file = "s.cue"
			}
			_, err := simulate.ParseScenario(file, []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestUnknownModelAndFeature(t *testing.T) {
	spec, sc := quick(t, outage)
	sc.Model = "nope"
	if _, err := simulate.Run(context.Background(), spec, sc); err == nil || !strings.Contains(err.Error(), `model "nope" is not in the spec (models: m)`) {
		t.Fatalf("error %v", err)
	}
	spec, sc = quick(t, "model: m\nduration: 1h\nbaseline: {drift: {price: 0.3}}\n")
	if _, err := simulate.Run(context.Background(), spec, sc); err == nil || !strings.Contains(err.Error(), `drift: model m has no feature "price"`) {
		t.Fatalf("error %v", err)
	}
}

func TestChartsAreDeterministicAndValid(t *testing.T) {
	spec, sc := quick(t, outage)
	res := run(t, spec, sc)
	for _, format := range []string{"svg", "png"} {
		a, err := simulate.Chart(res, format)
		if err != nil {
			t.Fatal(err)
		}
		b, err := simulate.Chart(res, format)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s chart differs between two renders", format)
		}
		switch format {
		case "png":
			img, err := png.Decode(bytes.NewReader(a))
			if err != nil {
				t.Fatal(err)
			}
			if w := img.Bounds().Dx(); w < 600 {
				t.Errorf("png is %d pixels wide", w)
			}
		case "svg":
			d := xml.NewDecoder(bytes.NewReader(a))
			for {
				_, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("svg is not XML: %v", err)
				}
			}
			for _, want := range []string{"burn rate over 1h", "threshold 14.4x over 1h", "critical alert firing", "budget consumed"} {
				if !strings.Contains(string(a), want) {
					t.Errorf("svg lacks %q", want)
				}
			}
		}
	}
	if _, err := simulate.Chart(res, "gif"); err == nil {
		t.Error("gif accepted")
	}
}

const mlSpec = `package x
models: m: {
	team: "t"
	slos: latency: {objective: 99, latency: threshold: "500ms"}
	alerts: shares: "low-confidence": {
		histogram:   "confidence"
		below:       0.8
		max_percent: 5
		window:      "1h"
		severity:    "warning"
	}
}
`

func mlRun(t *testing.T, scenario string) *simulate.Result {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "spec.cue"), []byte(mlSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, diags, err := compiler.Load(compiler.Source{Args: []string{"spec.cue"}, Dir: dir})
	if err != nil || len(diags) > 0 {
		t.Fatalf("spec: %v %v", err, diags)
	}
	sc, err := simulate.ParseScenario("ml.yaml", []byte(scenario))
	if err != nil {
		t.Fatal(err)
	}
	return run(t, spec, sc)
}

// The confidence histogram follows Beta(mean*k, (1-mean)*k): with mean
// 0.95 and k 20 (Beta(19, 1)), P(confidence < 0.8) = 0.8^19 = 1.4%, under
// the 5% alert; with mean 0.7 (Beta(14, 6)) it is about 68%, over it.
func TestConfidenceShiftFiresTheShareAlert(t *testing.T) {
	res := mlRun(t, `
model: m
duration: 3h
warmup: 0s
baseline: {rps: 20, confidence_mean: 0.95}
phases:
  - {at: 1h, confidence_mean: 0.7}
`)
	got, ok := firstFiring(res, "LowConfidenceShareHigh")
	if !ok {
		t.Fatalf("share alert never fired: %+v", res.Events)
	}
	for _, ev := range res.Events {
		if ev.Alert == "LowConfidenceShareHigh" && ev.At.D() < time.Hour {
			t.Fatalf("share alert active at %s, before the shift (1.4%% < 5%%)", ev.At)
		}
	}
	// 1h window: 68% low-confidence reaches 5% of the window after
	// 1h * 0.05 / 0.68 = 4.4m (0.014 before), plus the alert's `for`.
	if got > 30*time.Minute {
		t.Fatalf("share alert fired %s after the shift; expected within minutes", got)
	}
}

// Latency is log-normal through the median and the p99: with median
// 100ms and p99 300ms, P(latency > 500ms) = 1 - Phi(ln 5 / (ln 3 / 2.326))
// = 0.04%, inside a 1% budget; with median 400ms and p99 1.2s it is
// 1 - Phi(ln 1.25 / (ln 3 / 2.326)) = 31.8%, a 32x burn that pages.
func TestLatencyShiftBurnsTheLatencyBudget(t *testing.T) {
	res := mlRun(t, `
model: m
duration: 2h
warmup: 6h
baseline: {rps: 20, latency_median: 100ms, latency_p99: 300ms}
phases:
  - {at: 1h, latency_median: 400ms, latency_p99: 1200ms}
`)
	for _, ev := range res.Events {
		if ev.At.D() < time.Hour {
			t.Fatalf("%s %s at %s, before the latency shift", ev.Key(), ev.State, ev.At)
		}
	}
	// 14.4x over 1h at a 31.8% bad ratio (0.04% before): 1h * (0.144 -
	// 0.0004) / (0.318 - 0.0004) = 27.1m; the 6h pair needs 68m. The
	// warmup fills the 6h window so it cannot fire early on a short
	// history.
	mu, sigma := math.Log(0.4), math.Log(3)/2.3263478740408408
	bad := 1 - distuv.Normal{Mu: 0, Sigma: 1}.CDF((math.Log(0.5)-mu)/sigma)
	want := time.Duration(float64(time.Hour) * (0.144 - 0.0004) / (bad - 0.0004))
	got, ok := firstFiring(res, "LatencyFastBurn")
	if !ok {
		t.Fatalf("latency page never fired: %+v", res.Events)
	}
	if got < want-15*time.Second || got > want+time.Minute+15*time.Second {
		t.Fatalf("latency page fired %s after the shift; the workbook says %s", got, want)
	}
}

// The budget tiers read the 30d error ratio over the budget. With the
// 30-day window full of error-free history, a step to error ratio e1
// consumes the fraction c of the budget after c * budget * 30d / e1, then
// the tier's `for`; the 5m base window the 30d ratio averages adds up to
// 5m, and the evaluation grid one interval and one scrape.
func TestBudgetTierScenarioMatchesTheFormula(t *testing.T) {
	t.Parallel()
	spec := exampletest.Load(t)["saas-sla"]
	m := spec.Model("doc-classifier")
	sc := loadScenario(t, filepath.Join(exampletest.Dir(), "saas-sla", "scenarios", "budget-tiers.yaml"))
	res := run(t, spec, sc)
	e1 := *sc.Phases[0].ErrorRatio
	incident := sc.Phases[1].At.D() - sc.Phases[0].At.D()
	for _, a := range prometheus.Alerts(spec, m) {
		if a.Tier == nil || a.SLO.Name != "availability" {
			continue
		}
		c := a.Tier.Consumed.Float64() / 100
		reach := time.Duration(c * a.SLO.ErrorBudget().Float64() * float64(time.Duration(a.SLO.Window)) / e1)
		got, fired := firstFiring(res, a.Rule.Alert)
		if reach > incident {
			if fired {
				t.Errorf("%s fired %s after the incident; the incident ends before %s%% is consumed", a.Rule.Alert, got, a.Tier.Consumed)
			}
			continue
		}
		want := reach + time.Duration(a.Rule.For)
		slack := 5*time.Minute + sc.Interval.D() + sc.ScrapeInterval.D()
		if !fired || got < want || got > want+slack {
			t.Errorf("%s: fired=%v after %s; the formula says %s (up to %s later)", a.Rule.Alert, fired, got, want, slack)
		} else {
			t.Logf("%s: fired after %s, formula %s", a.Rule.Alert, got, want)
		}
	}
	if !res.Passed() {
		t.Errorf("expectations failed: %+v", res.Checks)
	}
	checkDocChart(t, res)
}
