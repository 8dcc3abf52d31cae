package simulate

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/rules"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// State is an alert state in the timeline.
type State string

// Alert states, as Prometheus names them, plus resolved.
const (
	Pending  State = "pending"
	Firing   State = "firing"
	Resolved State = "resolved"
)

// Event is one alert state change.
type Event struct {
	// At is the offset from the scenario start.
	At Duration `json:"at"`
	// Alert is the alert name; Labels its identifying labels (slo,
	// feature) beyond model, team and severity.
	Alert  string            `json:"alert"`
	Labels map[string]string `json:"labels,omitempty"`
	// Severity is the vigil severity (critical, warning, info).
	Severity string `json:"severity"`
	State    State  `json:"state"`
}

// Key identifies the alert instance, e.g. `PriceDrift{feature="price"}`.
func (e Event) Key() string { return instanceKey(e.Alert, e.Labels) }

// Interval is a span during which an alert instance was firing.
type Interval struct {
	Key      string   `json:"alert"`
	Severity string   `json:"severity"`
	From     Duration `json:"from"`
	// To is the resolve time, or the scenario end if still firing.
	To Duration `json:"to"`
}

// Point is one evaluation's chart values.
type Point struct {
	At Duration `json:"at"`
	// BurnRates per window name (e.g. "1h"); absent when not recorded yet.
	BurnRates map[string]float64 `json:"burn_rates,omitempty"`
	// BudgetConsumed is vigil:slo_budget_consumed:ratio at this
	// evaluation: the share (0..1) of the SLO window's error budget spent,
	// as the budget-tier alerts read it; nil while it records nothing.
	BudgetConsumed *float64 `json:"budget_consumed,omitempty"`
	// Drift is each feature's latest score.
	Drift map[string]float64 `json:"drift,omitempty"`
}

// Threshold is a horizontal line on a chart.
type Threshold struct {
	Label string  `json:"label"`
	Value float64 `json:"value"`
}

// Result is one simulation.
type Result struct {
	Scenario *Scenario `json:"scenario"`
	// SLO is the charted SLO ("" when the model has none).
	SLO string `json:"slo,omitempty"`
	// Objective and Window describe it.
	Objective string   `json:"objective,omitempty"`
	Window    Duration `json:"window,omitempty"`
	// Warmup is how long the baseline ran before the scenario.
	Warmup Duration `json:"warmup"`
	// Events are the alert state changes, in time order.
	Events []Event `json:"events"`
	// Firing are the firing intervals.
	Firing []Interval `json:"firing"`
	// BudgetConsumed is vigil:slo_budget_consumed:ratio at the end of
	// the scenario: the share (0..1) of the SLO window's error budget
	// spent, warmup included, exactly as the budget-tier alerts compare
	// it (the simulator reads the rules' own recording rather than
	// computing a figure of its own, so report and alerts agree); nil
	// when the rules record none.
	BudgetConsumed *float64 `json:"budget_consumed,omitempty"`
	// TimeToDetect is from the incident start to the first firing alert
	// of the charted SLO (or, without SLOs, any alert); nil when none
	// fired after the incident start.
	TimeToDetect *Duration `json:"time_to_detect,omitempty"`
	// DetectedBy is the alert that fired first.
	DetectedBy string `json:"detected_by,omitempty"`
	// Points are the chart values per evaluation.
	Points []Point `json:"points"`
	// BurnThresholds are the charted SLO's burn-rate alert factors;
	// TierThresholds its budget tiers; DriftThresholds each feature's.
	BurnThresholds  []Threshold `json:"burn_thresholds,omitempty"`
	TierThresholds  []Threshold `json:"tier_thresholds,omitempty"`
	DriftThresholds []Threshold `json:"drift_thresholds,omitempty"`
	// Checks are the expectations' outcomes.
	Checks []Check `json:"checks,omitempty"`
}

// Passed reports whether every expectation held.
func (r *Result) Passed() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// Run simulates the scenario against the model's generated rules.
func Run(ctx context.Context, spec *compiler.Spec, sc *Scenario) (*Result, error) {
	m := spec.Model(sc.Model)
	if m == nil {
		var names []string
		for _, x := range spec.Models {
			names = append(names, x.Name)
		}
		return nil, fmt.Errorf("model %q is not in the spec (models: %s)", sc.Model, strings.Join(names, ", "))
	}
	var slo *compiler.SLO
	if sc.SLO != "" {
		for _, s := range m.SLOs {
			if s.Name == sc.SLO {
				slo = s
			}
		}
		if slo == nil {
			return nil, fmt.Errorf("model %s has no SLO %q", m.Name, sc.SLO)
		}
	} else if len(m.SLOs) > 0 {
		slo = m.SLOs[0]
	}
	groups := prometheus.Groups(spec, m)
	rulesYAML, err := prometheus.Render(groups)
	if err != nil {
		return nil, err
	}
	eng, err := newEngine(groups, rulesYAML)
	if err != nil {
		return nil, err
	}
	defer eng.Close()

	res := &Result{Scenario: sc, Events: []Event{}, Firing: []Interval{}}
	// Each alert's vigil severity (its label may carry a renamed value),
	// and the settling time before the scenario: an hour plus the
	// longest `for`.
	severity := map[string]string{}
	settle := time.Hour
	var alertNames []string
	for _, a := range prometheus.Alerts(spec, m) {
		severity[a.Rule.Alert] = string(a.Severity)
		settle = max(settle, time.Duration(a.Rule.For)+time.Hour)
		alertNames = append(alertNames, a.Rule.Alert)
	}
	var windows []time.Duration
	if slo != nil {
		res.SLO, res.Objective, res.Window = slo.Name, slo.Objective.String()+"%", Duration(slo.Window)
		windows = burnWindows(slo)
		for _, w := range append(slo.Page.Windows, slo.Ticket.Windows...) {
			res.BurnThresholds = append(res.BurnThresholds, Threshold{Label: fmt.Sprintf("%sx over %s", w.Factor, compiler.FormatDuration(time.Duration(w.Long))), Value: w.Factor.Float64()})
		}
		for _, t := range slo.Tiers {
			res.TierThresholds = append(res.TierThresholds, Threshold{Label: fmt.Sprintf("%s%% (%s)", t.Consumed, t.Severity), Value: t.Consumed.Float64() / 100})
		}
	}
	drifting := sc.knownFeatures()
	for _, f := range m.Features {
		for _, d := range drifting {
			if d == f.Name {
				res.DriftThresholds = append(res.DriftThresholds, Threshold{Label: f.Name, Value: f.Test.Threshold.Float64()})
			}
		}
	}

	step, scrape, end := sc.Interval.D(), sc.ScrapeInterval.D(), sc.Duration.D()
	warmup := defaultWarmup(m, step)
	if sc.Warmup != nil {
		warmup = sc.Warmup.D()
	}
	res.Warmup = Duration(warmup)
	syn, err := newSynth(sc, m, warmup)
	if err != nil {
		return nil, err
	}
	prev := map[string]Event{}
	firingSince := map[string]Event{}
	for t := -warmup; t <= end; t += step {
		// Samples up to and including t, one per scrape interval; storage
		// time is t + warmup.
		from := t - step + scrape
		if t == -warmup {
			from = t
		}
		for at := from; at <= t; at += scrape {
			syn.advance(at)
			if err := eng.append(syn, at+warmup); err != nil {
				return nil, err
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if (t+warmup)%compactEvery == 0 && t+warmup > 0 {
			if err := eng.compact(ctx); err != nil {
				return nil, err
			}
		}
		// Early in the warmup only the recordings whose history other
		// rules read run (the 5m rates that long windows average, anomaly
		// values). Every other rule reads only the raw series and those
		// histories, so evaluating it only from the last part of the
		// warmup on (long enough for every alert's `for`) gives the same
		// results as evaluating it all along, at a fraction of the cost:
		// long windows scan days of history on every evaluation.
		if t < -settle {
			if err := eng.evalHistory(ctx, t+warmup); err != nil {
				return nil, err
			}
			continue
		}
		active, err := eng.eval(ctx, t+warmup)
		if err != nil {
			return nil, err
		}
		now := map[string]Event{}
		for _, a := range active {
			ev := Event{At: Duration(t), Alert: a.name, Labels: identifying(a.labels), Severity: severity[a.name], State: Pending}
			if a.state == rules.StateFiring {
				ev.State = Firing
			}
			now[ev.Key()] = ev
		}
		if t < 0 {
			// Warmup: track states, report nothing.
			prev = now
			continue
		}
		if t == 0 {
			// Alerts already active when the scenario starts count as
			// changing state at 0.
			prev = map[string]Event{}
		}
		for _, k := range sortedKeys(now) {
			ev := now[k]
			if p, ok := prev[k]; !ok || p.State != ev.State {
				res.Events = append(res.Events, ev)
				if ev.State == Firing {
					firingSince[k] = ev
				}
			}
		}
		for _, k := range sortedKeys(prev) {
			if _, ok := now[k]; !ok {
				ev := prev[k]
				ev.At, ev.State = Duration(t), Resolved
				res.Events = append(res.Events, ev)
				if f, ok := firingSince[k]; ok {
					res.Firing = append(res.Firing, Interval{Key: k, Severity: ev.Severity, From: f.At, To: Duration(t)})
					delete(firingSince, k)
				}
			}
		}
		prev = now

		pt := Point{At: Duration(t)}
		if slo != nil {
			v, ok, err := eng.query(ctx, prometheus.BudgetConsumedRecord+prometheus.SLISelector(m, slo), t+warmup)
			if err != nil {
				return nil, err
			}
			if ok {
				pt.BudgetConsumed = &v
			}
			pt.BurnRates = map[string]float64{}
			for _, w := range windows {
				// The burn rate over every alert window, from the
				// recorded error ratio (the rules record a burn rate only
				// for the current and the SLO window).
				q := fmt.Sprintf("%s%s / %s", prometheus.ErrorRatioRecord(w), prometheus.SLISelector(m, slo), slo.ErrorBudget())
				v, ok, err := eng.query(ctx, q, t+warmup)
				if err != nil {
					return nil, err
				}
				if ok {
					pt.BurnRates[compiler.FormatDuration(w)] = v
				}
			}
		}
		if len(drifting) > 0 {
			pt.Drift = map[string]float64{}
			st := sc.state(floorTo(t, time.Duration(m.Drift.Schedule)))
			for _, f := range drifting {
				pt.Drift[f] = st.Drift[f]
			}
		}
		res.Points = append(res.Points, pt)
	}
	for _, k := range sortedKeys(firingSince) {
		f := firingSince[k]
		res.Firing = append(res.Firing, Interval{Key: k, Severity: f.Severity, From: f.At, To: sc.Duration})
	}
	sort.SliceStable(res.Firing, func(i, j int) bool {
		if res.Firing[i].From != res.Firing[j].From {
			return res.Firing[i].From < res.Firing[j].From
		}
		return res.Firing[i].Key < res.Firing[j].Key
	})
	if len(res.Points) > 0 {
		res.BudgetConsumed = res.Points[len(res.Points)-1].BudgetConsumed
	}
	if sc.Incident != nil {
		for _, ev := range res.Events {
			if ev.State != Firing || ev.At < *sc.Incident {
				continue
			}
			if slo != nil && ev.Labels["slo"] != slo.Name && !sc.hasDrift() {
				continue
			}
			d := ev.At - *sc.Incident
			res.TimeToDetect, res.DetectedBy = &d, ev.Key()
			break
		}
	}
	res.Checks = check(sc, res, m.Name, alertNames)
	return res, nil
}

func (s *Scenario) hasDrift() bool { return len(s.knownFeatures()) > 0 }

// compactEvery is how often (in simulated time) the storage compacts its
// head into blocks.
const compactEvery = 24 * time.Hour

// defaultWarmup is the model's longest burn-rate alert window, rounded
// up to the evaluation interval: enough history for every window to be
// full when the scenario starts.
func defaultWarmup(m *compiler.Model, step time.Duration) time.Duration {
	var w time.Duration
	for _, s := range m.SLOs {
		for _, x := range burnWindows(s) {
			w = max(w, x)
		}
	}
	return (w + step - 1) / step * step
}

// burnWindows are the distinct long windows of the SLO's enabled burn
// alerts, shortest first.
func burnWindows(s *compiler.SLO) []time.Duration {
	set := map[time.Duration]bool{}
	for _, w := range s.AlertWindows() {
		set[time.Duration(w.Long)] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// identifying keeps the labels that tell alert instances apart.
func identifying(lb labels.Labels) map[string]string {
	out := map[string]string{}
	lb.Range(func(l labels.Label) {
		switch l.Name {
		case "slo", "feature":
			out[l.Name] = l.Value
		}
	})
	if len(out) == 0 {
		return nil
	}
	return out
}

func instanceKey(name string, lb map[string]string) string {
	if len(lb) == 0 {
		return name
	}
	var parts []string
	for _, k := range sortedKeys(lb) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, lb[k]))
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
