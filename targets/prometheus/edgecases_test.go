package prometheus_test

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/internal/ruletest"
)

// The edge-case suite: vigil's rules for one SLO of every kind, run in the
// real Prometheus rule engine over synthetic series that stage the
// situations burn-rate alerting gets wrong (outages, spikes, steady
// burns, day/night traffic, cold starts, traffic gaps, low traffic,
// scarce feedback). Every expected time comes from the SRE workbook's
// formula, computed here:
//
//	time to fire = factor * budget * long window / error ratio
//
// (the long window counts only the traffic it holds, after a cold start
// or a gap), bounded below by the time the low-traffic guard needs to see
// min_bad_events failures (min_bad_events / (error ratio * request rate)).
// For the availability SLO the same series also run through Sloth's and
// Pyrra's rules for the same SLO (testdata/evalcmp). The test writes the
// results as the table of docs/edge-cases.md and fails when the committed
// page differs (VIGIL_UPDATE=1 rewrites it).

// Edge-case SLO kinds (the SLO names in edgeSpec).
const (
	kAvailability = "availability"
	kLatency      = "latency"
	kQuality      = "quality"
	kRatio        = "ratio"
	kFreshness    = "freshness"
)

// requestKinds are the kinds that count requests (or labelled
// predictions): they share one traffic profile per scenario.
var requestKinds = []string{kAvailability, kLatency, kQuality, kRatio}

const (
	edgeRPS     = 10.0        // requests per second, unless a scenario says otherwise
	edgeHistory = 3 * day     // healthy history before a failure: every window is full
	edgeWindow  = 30 * day    // SLO window
	edgeStep    = time.Minute // evaluation step and scrape interval
	// edgeSlack is how far after the formula's time vigil may fire: the
	// next scrape to see the failure plus the evaluation that reads it.
	edgeSlack = 2 * edgeStep
	// edgeEarly is how far before the formula's time vigil may fire: a
	// 1h window with 1m samples spans 59 minutes of increase (rate
	// extrapolates both counters alike, so the ratio is over 59
	// minutes), and a freshness SLO counts each stale evaluation as a
	// whole minute.
	edgeEarly = edgeStep
	// maxAge is the freshness SLO's max_age; the pipeline succeeds
	// every minute, 30 seconds before each scrape.
	maxAge = 5 * time.Minute
)

// edgeSpec is one model with an SLO of each kind asked for, 99.9% over
// 30d with the default page and ticket policy. alerting is added to every
// SLO's alerting block, quality to the quality SLI.
func edgeSpec(kinds []string, alerting, quality string) string {
	body := map[string]string{
		kAvailability: `availability: {}`,
		kLatency:      `latency: threshold: "500ms"`,
		kQuality:      `quality: {metric: "accuracy"` + quality + `}`,
		kRatio:        `ratio: {errors: "sum(rate(app_errors_total[$window]))", total: "sum(rate(app_requests_total[$window]))"}`,
		kFreshness:    `freshness: {}`,
	}
	var b strings.Builder
	fmt.Fprintf(&b, "package x\nmodels: m: {\n\tteam: \"t\"\n\tmetrics: feedback: classes: [\"a\", \"b\"]\n")
	fmt.Fprintf(&b, "\tpipeline: {last_success: \"max(pipeline_last_success_timestamp_seconds)\", max_age: %q}\n", "5m")
	for _, k := range kinds {
		fmt.Fprintf(&b, "\tslos: %s: {objective: 99.9, %s, alerting: {%s}}\n", k, body[k], alerting)
	}
	b.WriteString("}\n")
	return b.String()
}

// traffic is a per-minute profile: good[i] and bad[i] events happen in
// minute (i, i+1] and are first seen by the scrape at i+1.
type traffic struct{ good, bad []float64 }

// add appends d of rps requests per second with the given error ratio.
func (tr *traffic) add(d time.Duration, rps, ratio float64) *traffic {
	for range int(d / time.Minute) {
		tr.good = append(tr.good, rps*60*(1-ratio))
		tr.bad = append(tr.bad, rps*60*ratio)
	}
	return tr
}

// fail appends a failure of length d at the given error ratio that
// starts 20 seconds after a scrape and returns its start offset: the
// minute it begins holds 40s of it, the minute it ends 20s. At the k-th
// scrape a window then holds k - 1/3 minutes of the failure, never a
// whole or half number: a failure aligned with the scrapes can land
// exactly on a threshold (2x over 3d, whose 1-minute samples span 4319
// minutes, crosses 1x at 4319/2 bad minutes).
func (tr *traffic) fail(d time.Duration, rps, ratio float64) time.Duration {
	start := tr.len() + 20*time.Second
	tr.add(time.Minute, rps, ratio*2/3)
	tr.add(d-time.Minute, rps, ratio)
	tr.add(time.Minute, rps, ratio/3)
	return start
}

func (tr *traffic) len() time.Duration { return time.Duration(len(tr.good)) * time.Minute }

// series adds the counters of a request-based SLO kind for the profile.
func (tr *traffic) series(s *ruletest.Series, kind string) {
	seg := func(vals ...[]float64) []ruletest.Segment {
		var out []ruletest.Segment
		for i := range tr.good {
			v := 0.0
			for _, vs := range vals {
				v += vs[i]
			}
			if n := len(out); n > 0 && out[n-1].PerStep == v {
				out[n-1].Steps++
				continue
			}
			out = append(out, ruletest.Segment{Steps: 1, PerStep: v})
		}
		return out
	}
	good, bad := seg(tr.good), seg(tr.bad)
	all := seg(tr.good, tr.bad)
	switch kind {
	case kAvailability:
		s.Counter(`model_requests_total{model="m",outcome="success"}`, good...).
			Counter(`model_requests_total{model="m",outcome="error"}`, bad...)
	case kLatency:
		s.Counter(`model_request_duration_seconds_bucket{model="m",le="0.5"}`, good...).
			Counter(`model_request_duration_seconds_count{model="m"}`, all...)
	case kQuality:
		s.Counter(`model_feedback_total{model="m",predicted="a",actual="a"}`, good...).
			Counter(`model_feedback_total{model="m",predicted="a",actual="b"}`, bad...)
	case kRatio:
		s.Counter(`app_requests_total`, all...).
			Counter(`app_errors_total`, bad...)
	}
}

// pipeline is the freshness SLO's input: the last-success timestamp of a
// pipeline that succeeds every minute, 30 seconds before each scrape,
// except during the missed minutes [from, to).
type pipeline struct {
	minutes int
	missed  [][2]int
}

// staleFrom returns when the data goes stale after the runs missed from
// minute m on: the last success (m-1 minutes - 30s) plus max_age.
func staleFrom(m int) time.Duration {
	return time.Duration(m-1)*time.Minute - 30*time.Second + maxAge
}

func (p pipeline) series(s *ruletest.Series) {
	var segs []ruletest.Segment
	last := -30.0
	for i := 0; i <= p.minutes; i++ {
		ran := true
		for _, m := range p.missed {
			if i >= m[0] && i < m[1] {
				ran = false
			}
		}
		if ran {
			last = float64(i*60 - 30)
		}
		if n := len(segs); n > 0 && segs[n-1].Value == last {
			segs[n-1].Steps++
			continue
		}
		segs = append(segs, ruletest.Segment{Steps: 1, Value: last})
	}
	s.Gauge(`pipeline_last_success_timestamp_seconds{pipeline="p"}`, segs...)
}

// want is an expected outcome, relative to the failure's start: fires at
// the formula's time, or never (within the evaluated span).
type want struct {
	never bool
	at    time.Duration
	// cross is when the condition starts to hold, before an alert's
	// `for` (Pyrra's); at for alerts without one.
	cross time.Duration
}

func fires(at time.Duration) want { return want{at: at, cross: at} }

func (w want) String() string {
	if w.never {
		return "never"
	}
	return short(w.at)
}

// pair is one multiwindow condition of a generator's alert: the burn
// factor over a long and a short window, and the alert's `for`.
type pair struct {
	factor      float64
	long, short time.Duration
	hold        time.Duration
}

// Sloth's and Pyrra's page and ticket conditions for the 30d SLO
// (testdata/evalcmp).
var (
	slothPage   = []pair{{14.4, time.Hour, 5 * time.Minute, 0}, {6, 6 * time.Hour, 30 * time.Minute, 0}}
	slothTicket = []pair{{3, day, 2 * time.Hour, 0}, {1, 3 * day, 6 * time.Hour, 0}}
	pyrraPage   = []pair{{14, 64 * time.Minute, 5 * time.Minute, 2 * time.Minute}, {7, 6*time.Hour + 26*time.Minute, 32 * time.Minute, 16 * time.Minute}}
	pyrraTicket = []pair{{2, 25*time.Hour + 43*time.Minute, 2*time.Hour + 9*time.Minute, 64 * time.Minute},
		{1, 4*day + 6*time.Hour + 51*time.Minute, 6*time.Hour + 26*time.Minute, 3*time.Hour + 13*time.Minute}}
)

// failure is a failure at error ratio r lasting d (at constant traffic),
// for the workbook's formula over another generator's pairs. held(L) is
// how much traffic a long window L holds from before the failure (L
// itself once history is long enough), spent(L) the bad time already in
// it.
type failure struct {
	r     float64
	d     time.Duration
	held  func(long time.Duration) time.Duration
	spent func(long time.Duration) time.Duration
}

// history is a held function for h of traffic before the failure.
func history(h time.Duration) func(time.Duration) time.Duration {
	return func(l time.Duration) time.Duration { return min(l, h) }
}

// expect returns the earliest firing over pairs: a pair's condition
// holds once the long window's bad share passes factor * budget, that
// is after (factor * budget * L - spent) / r in a full window L, or
// (factor * budget * held - spent) / (r - factor * budget) in a window
// that holds only `held` before the failure; it must come within the
// failure, and for an alert with a `for`, hold that long (until the
// short window forgets the failure).
func (f failure) expect(pairs []pair) want {
	best := never
	for _, p := range pairs {
		fb := p.factor * budget
		if f.r <= fb {
			continue
		}
		held, spent := f.held(p.long), time.Duration(0)
		if f.spent != nil {
			spent = f.spent(p.long)
		}
		var cross time.Duration
		if held >= p.long {
			cross = time.Duration((fb*float64(p.long) - float64(spent)) / f.r)
		} else {
			cross = time.Duration((fb*float64(held) - float64(spent)) / (f.r - fb))
		}
		cross = max(cross, 0)
		if cross >= f.d || cross+p.hold > f.d+p.short {
			continue
		}
		if at := cross + p.hold; best.never || at < best.at {
			best = want{at: at, cross: cross}
		}
	}
	return best
}

// compared are the expectations for Sloth's and Pyrra's alerts on the
// availability SLO.
type compared struct {
	slothPage, slothTicket, pyrraPage, pyrraTicket want
	// pyrraNA: Pyrra is not compared (the row's notes say why).
	pyrraNA bool
}

func compare(f failure) *compared {
	return &compared{slothPage: f.expect(slothPage), slothTicket: f.expect(slothTicket),
		pyrraPage: f.expect(pyrraPage), pyrraTicket: f.expect(pyrraTicket)}
}

var never = want{never: true}

// burn is the workbook's time to fire for a constant error ratio: factor
// * budget * (traffic-time in the long window) / ratio.
func burn(factor float64, long time.Duration, ratio float64) time.Duration {
	return time.Duration(factor * budget * float64(long) / ratio)
}

// guard is the time the low-traffic guard needs: min_bad_events failures
// at ratio * rps failures per second.
func guard(minBad, ratio, rps float64) time.Duration {
	return time.Duration(minBad / (ratio * rps) * float64(time.Second))
}

// row is one line of the table: one SLO kind's outcome for one failure
// of a scenario.
type row struct {
	kind    string
	event   string        // which failure of the scenario, when it has several
	start   time.Duration // when the failure begins (offset in the run)
	formula string        // the workbook's expectation, in words
	page    want
	ticket  want
	// tiers: the spec has budget tiers, which must never fire.
	tiers bool
	// consumed, when set, is the expected vigil:slo_budget_consumed:ratio
	// at consumedAt, within the relative tolerance consumedTol.
	consumed, consumedTol float64
	consumedAt            time.Duration
	note                  string
	// cmp, on an availability row of a scenario that runs Sloth's and
	// Pyrra's rules, is what the workbook's formula says for theirs.
	cmp *compared
	// na, when set, says why the scenario does not apply to the kind:
	// the row is text only.
	na string
}

type edgeScenario struct {
	name     string
	kinds    []string
	traffic  *traffic
	pipeline *pipeline
	alerting string // added to every SLO's alerting block
	quality  string // added to the quality SLI
	// others runs Sloth's and Pyrra's rules too (for the availability
	// SLO).
	others bool
	// The rules are evaluated from `from` to `end`: every minute within
	// the dense stretches, every `sparse` elsewhere. The series before
	// `from` are history, appended as scrapes would.
	from, end time.Duration
	sparse    time.Duration
	dense     [][2]time.Duration
	// base: between evaluations, the base recordings (the 5m rates and
	// the evaluation timestamp, which the SLO window and freshness
	// windows average) are recorded every minute, as a Prometheus that
	// evaluates every minute would have them.
	base bool
	rows []row
}

// around is a dense stretch from `before` ahead of at to `after` past it,
// on whole minutes.
func around(at, before, after time.Duration) [2]time.Duration {
	return [2]time.Duration{(at - before).Truncate(time.Minute), (at + after).Truncate(time.Minute)}
}

// evalTimes lists the evaluations, on whole minutes (at the scrapes).
func (sc edgeScenario) evalTimes() []time.Duration {
	from, end := sc.from.Truncate(edgeStep), sc.end.Truncate(edgeStep)
	set := map[time.Duration]bool{end: true}
	for at := from; at <= end; at += sc.sparse {
		set[at] = true
	}
	for _, d := range sc.dense {
		for at := max(d[0], from); at <= min(d[1], end); at += edgeStep {
			set[at] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// class is one generator's alert class for one SLO kind: page, ticket,
// tier50 or tier80.
type class struct{ gen, kind, alert string }

// observed holds, per class, the evaluation offsets at which it fired.
type observed map[class][]time.Duration

// firstFrom returns the first firing at or after start, relative to
// start.
func (o observed) firstFrom(c class, start time.Duration) (time.Duration, bool) {
	for _, at := range o[c] {
		if at >= start {
			return at - start, true
		}
	}
	return 0, false
}

func classify(f ruletest.Firing, kinds []string) []class {
	var out []class
	for _, k := range kinds {
		name := strings.ToUpper(k[:1]) + k[1:]
		for _, c := range []struct{ suffix, alert string }{
			{"FastBurn", "page"}, {"SlowBurn", "ticket"},
			{"Budget50PercentConsumed", "tier50"}, {"Budget80PercentConsumed", "tier80"},
		} {
			if len(f[name+c.suffix]) > 0 {
				out = append(out, class{"vigil", k, c.alert})
			}
		}
	}
	for _, lb := range f["AvailabilitySLO"] {
		out = append(out, class{"sloth", kAvailability, lb.Get("sloth_severity")})
	}
	for _, lb := range f["ErrorBudgetBurn"] {
		sev := map[string]string{"critical": "page", "warning": "ticket"}[lb.Get("severity")]
		out = append(out, class{"pyrra", kAvailability, sev})
	}
	return out
}

// edgeResult is what one scenario's run measured.
type edgeResult struct {
	seen observed
	// consumed holds, per row index, vigil's budget consumed at the
	// row's consumedAt, and Sloth's and Pyrra's (1 - their recorded 30d
	// SLI over the budget).
	consumed, sloth, pyrra map[int]float64
}

func runEdge(t *testing.T, sc edgeScenario) edgeResult {
	t.Helper()
	files := [][]byte{compileRules(t, edgeSpec(sc.kinds, sc.alerting, sc.quality))}
	if sc.others {
		files = append(files, loadRuleFile(t, "sloth.yaml"), loadRuleFile(t, "pyrra.yaml"))
	}
	s := ruletest.NewSeries(edgeStep)
	for _, k := range sc.kinds {
		if k == kFreshness {
			sc.pipeline.series(s)
		} else {
			sc.traffic.series(s, k)
		}
	}
	if (sc.traffic != nil && sc.traffic.len() < sc.end) || (sc.pipeline != nil && time.Duration(sc.pipeline.minutes)*time.Minute < sc.end) {
		t.Fatalf("the series end before the last evaluation at %s", sc.end)
	}
	run, err := ruletest.New(s.String(), files...)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	var names []string
	if sc.base {
		names = []string{"vigil:rules_evaluation:timestamp", "vigil:sli_events:rate5m", "vigil:sli_errors:rate5m"}
		if sc.others {
			names = append(names, "slo:sli_error:ratio_rate5m")
		}
	}
	res := edgeResult{seen: observed{}, consumed: map[int]float64{}, sloth: map[int]float64{}, pyrra: map[int]float64{}}
	done := -edgeStep // the samples and recordings are stored up to here
	for _, at := range sc.evalTimes() {
		switch {
		case sc.base && at-edgeStep > done:
			err = run.Record(done+edgeStep, at-edgeStep, edgeStep, names...)
		case !sc.base && at-done > 30*time.Minute:
			// Append long stretches in 30m steps, as scrapes would.
			err = run.Record(done+30*time.Minute, at-edgeStep, 30*time.Minute)
		}
		if err != nil {
			t.Fatal(err)
		}
		err = run.EvalFrom(at, at, edgeStep, func(at time.Duration, f ruletest.Firing) bool {
			for _, c := range classify(f, sc.kinds) {
				res.seen[c] = append(res.seen[c], at)
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range sc.rows {
			if r.consumed == 0 || r.consumedAt != at {
				continue
			}
			res.consumed[i] = queryOne(t, run, fmt.Sprintf(`vigil:slo_budget_consumed:ratio{slo=%q}`, r.kind), at)
			if sc.others && r.kind == kAvailability {
				res.sloth[i] = queryOne(t, run, `slo:period_burn_rate:ratio`, at)
				res.pyrra[i] = queryOne(t, run, `(1 - pyrra_availability) / 0.001`, at)
			}
		}
		done = at
	}
	return res
}

func queryOne(t *testing.T, run *ruletest.Run, expr string, at time.Duration) float64 {
	t.Helper()
	got, err := run.Query(expr, at)
	if err != nil || len(got) != 1 {
		t.Fatalf("%s at %s: %v %v", expr, at, got, err)
	}
	for _, v := range got {
		return v
	}
	return math.NaN()
}

// check compares vigil's alerts with the rows' expectations.
func (sc edgeScenario) check(t *testing.T, res edgeResult) {
	t.Helper()
	first := sc.end
	for _, r := range sc.rows {
		if r.na == "" {
			first = min(first, r.start)
		}
	}
	for i, r := range sc.rows {
		if r.na != "" {
			continue
		}
		what := r.kind
		if r.event != "" {
			what += " (" + r.event + ")"
		}
		for _, e := range r.expectations() {
			got, ok := res.seen.firstFrom(e.class, r.start)
			name := e.gen + " " + e.alert
			switch {
			case e.w.never && ok:
				t.Errorf("%s: %s fired %s after the failure began, want never", what, name, got)
			case !e.w.never && !ok:
				t.Errorf("%s: %s never fired, want %s after the failure began", what, name, e.w.at)
			case !e.w.never && (got < e.w.at-edgeEarly || got > e.w.at+edgeSlack):
				t.Errorf("%s: %s fired %s after the failure began, want %s (-%s/+%s)", what, name, got, e.w.at, edgeEarly, edgeSlack)
			}
			// Nothing fires before the scenario's first failure: not on
			// healthy history, a traffic gap or low traffic.
			if at, ok := res.seen.firstFrom(e.class, 0); ok && at < first {
				t.Errorf("%s: %s fired at %s, before the first failure at %s", r.kind, name, at, first)
			}
		}
		if r.tiers {
			for _, tier := range []string{"tier50", "tier80"} {
				if at, ok := res.seen.firstFrom(class{"vigil", r.kind, tier}, 0); ok {
					t.Errorf("%s: the budget %s alert fired at %s", r.kind, tier, at)
				}
			}
		}
		if r.consumed > 0 {
			got := res.consumed[i]
			t.Logf("%s: budget consumed %.5f at %s, formula %.5f", what, got, r.consumedAt, r.consumed)
			if math.Abs(got-r.consumed) > r.consumedTol*r.consumed {
				t.Errorf("%s: budget consumed %.5f at %s, want %.5f ± %g%%", what, got, r.consumedAt, r.consumed, 100*r.consumedTol)
			}
		}
	}
}

// expectation is one alert class's expected outcome.
type expectation struct {
	class
	w want
}

// expectations lists a row's expected outcomes: vigil's, and Sloth's and
// Pyrra's where compared.
func (r row) expectations() []expectation {
	out := []expectation{{class{"vigil", r.kind, "page"}, r.page}, {class{"vigil", r.kind, "ticket"}, r.ticket}}
	if r.cmp != nil {
		out = append(out, expectation{class{"sloth", r.kind, "page"}, r.cmp.slothPage}, expectation{class{"sloth", r.kind, "ticket"}, r.cmp.slothTicket})
		if !r.cmp.pyrraNA {
			out = append(out, expectation{class{"pyrra", r.kind, "page"}, r.cmp.pyrraPage}, expectation{class{"pyrra", r.kind, "ticket"}, r.cmp.pyrraTicket})
		}
	}
	return out
}

// prepared evaluates every minute around each expected crossing and
// firing, and at least until a few minutes after the last.
func (sc edgeScenario) prepared() edgeScenario {
	for _, r := range sc.rows {
		for _, e := range r.expectations() {
			if e.w.never {
				continue
			}
			sc.dense = append(sc.dense, around(r.start+e.w.cross, 3*time.Minute, 3*time.Minute), around(r.start+e.w.at, 3*time.Minute, 3*time.Minute))
			sc.end = max(sc.end, r.start+e.w.at+5*time.Minute)
		}
	}
	sc.end = sc.end.Truncate(edgeStep)
	return sc
}

// perKind repeats a row for each kind; the note goes on the first.
func perKind(kinds []string, r row) []row {
	var out []row
	for i, k := range kinds {
		r.kind = k
		if i > 0 {
			r.note = "as " + kinds[0]
			r.cmp = nil
		}
		out = append(out, r)
	}
	return out
}

// Workbook times of the default policy for a full outage (ratio 1) with
// full windows.
var (
	pageFull   = burn(14.4, time.Hour, 1)                // 51.8s
	ticketFull = min(burn(3, day, 1), burn(1, 3*day, 1)) // 4m19s (both pairs)
	fullText   = fmt.Sprintf("page 14.4·b·1h = %s, ticket 3·b·1d = 1·b·3d = %s", short(pageFull), short(ticketFull))
)

// edgeScenarios builds the suite. b is the budget (0.001); "x" a burn
// rate (multiples of b).
func edgeScenarios() []edgeScenario {
	var out []edgeScenario
	healthy := func(rps float64) *traffic { return new(traffic).add(edgeHistory, rps, 0) }
	minute := func(d time.Duration) int { return int(d / time.Minute) }

	// Full outage after 3 days of healthy traffic.
	{
		tr := healthy(edgeRPS)
		start := tr.fail(75*time.Minute, edgeRPS, 1)
		sc := edgeScenario{name: "full outage", kinds: requestKinds, traffic: tr, others: true,
			from: start - 5*time.Minute, end: start + 10*time.Minute, sparse: 15 * time.Minute,
			dense: [][2]time.Duration{around(start, 5*time.Minute, 10*time.Minute)}}
		sc.rows = perKind(requestKinds, row{start: start, formula: fullText, page: fires(pageFull), ticket: fires(ticketFull),
			cmp:  compare(failure{r: 1, d: 75 * time.Minute, held: history(edgeHistory)}),
			note: "Sloth fires as vigil. Pyrra pages 14x over 1h4m/5m after its `for: 2m`; its ticket is 2x over 1d1h43m/2h9m for 1h4m."})
		out = append(out, sc)
	}
	// Freshness: the pipeline stops after 3 days of runs every minute.
	{
		m := minute(edgeHistory)
		p := &pipeline{minutes: m + 20, missed: [][2]int{{m, m + 1000}}}
		start := staleFrom(m)
		out = append(out, edgeScenario{name: "full outage", kinds: []string{kFreshness}, pipeline: p, base: true,
			from: start - 5*time.Minute, end: start + 12*time.Minute, sparse: time.Hour,
			dense: [][2]time.Duration{around(start, 5*time.Minute, 12*time.Minute)},
			rows: []row{{kind: kFreshness, event: "the pipeline stops", start: start, formula: fullText + " of stale data",
				page: fires(pageFull), ticket: fires(ticketFull),
				note: "Each evaluation is one event, bad while the data is older than max_age (5m): the first stale evaluation counts a whole minute, so the page comes before the formula's time."}},
		})
	}
	// Steady 2x burn: tickets, never pages.
	{
		tr := healthy(edgeRPS)
		r := 2 * budget
		start := tr.fail(37*time.Hour, edgeRPS, r)
		ticket := burn(1, 3*day, r)
		sc := edgeScenario{name: "steady 2x burn", kinds: requestKinds, traffic: tr, others: true,
			from: start - 5*time.Minute, end: start + ticket + 10*time.Minute, sparse: 3 * time.Hour,
			dense: [][2]time.Duration{around(start, 5*time.Minute, 10*time.Minute), around(start+ticket, 10*time.Minute, 10*time.Minute)}}
		sc.rows = perKind(requestKinds, row{start: start,
			formula: fmt.Sprintf("page never (2x < 6x, 14.4x); ticket never by 3x, 1·b·3d/2b = %s by 1x", short(ticket)),
			page:    never, ticket: fires(ticket),
			cmp:  &compared{slothPage: never, slothTicket: fires(ticket), pyrraNA: true},
			note: "Sloth tickets as vigil. Latency tickets a scrape earlier: its bad events are total − good, both extrapolated to the window's start, while rate() does not extrapolate the other kinds' error counters, still 0 at the window's start, back past zero. Pyrra's 2x ticket threshold is exactly the burn rate (a tie in floating point), and its 1x pair reads 4d6h51m, longer than the history: not compared (n/a)."})
		out = append(out, sc)
	}
	// A brief spike: 100% errors for 2 minutes.
	{
		tr := healthy(edgeRPS)
		start := tr.fail(2*time.Minute, edgeRPS, 1)
		tr.add(time.Hour, edgeRPS, 0)
		sc := edgeScenario{name: "brief spike (2m of 100% errors)", kinds: requestKinds, traffic: tr, others: true,
			from: start - 5*time.Minute, end: start + 15*time.Minute, sparse: time.Hour,
			dense: [][2]time.Duration{around(start, 5*time.Minute, 15*time.Minute)}}
		sc.rows = perKind(requestKinds, row{start: start,
			formula: fmt.Sprintf("page after %s of outage (2m > %s); ticket never (2m < %s)", short(pageFull), short(pageFull), short(ticketFull)),
			page:    fires(pageFull), ticket: never,
			cmp:  compare(failure{r: 1, d: 2 * time.Minute, held: history(edgeHistory)}),
			note: "2 minutes spend 4.6% of the 30d budget (43m12s): the workbook's 1h/5m pair pages on purpose (it pages for 2% spent in an hour). Afterwards every window's error count stays or falls, so nothing fires later."})
		out = append(out, sc)
	}
	// 10% errors for 15 minutes, then for 6 minutes.
	for _, d := range []time.Duration{15 * time.Minute, 6 * time.Minute} {
		tr := healthy(edgeRPS)
		r := 0.1
		start := tr.fail(d, edgeRPS, r)
		tr.add(time.Hour, edgeRPS, 0)
		page := burn(14.4, time.Hour, r)
		w, f := fires(page), fmt.Sprintf("page 14.4·b·1h/0.1 = %s (within the %s); ticket never (%s of errors < %s)", short(page), short(d), short(time.Duration(r*float64(d))), short(ticketFull))
		if d < page {
			w, f = never, fmt.Sprintf("page never: 14.4·b·1h/0.1 = %s > %s, and 6·b·6h/0.1 = %s; ticket never", short(page), short(d), short(burn(6, 6*time.Hour, r)))
		}
		out = append(out, edgeScenario{name: fmt.Sprintf("10%% errors for %s", short(d)), kinds: requestKinds, traffic: tr, others: true,
			from: start - 5*time.Minute, end: start + d + 10*time.Minute, sparse: time.Hour,
			dense: [][2]time.Duration{around(start, 5*time.Minute, d+10*time.Minute)},
			rows: perKind(requestKinds, row{start: start, formula: f, page: w, ticket: never,
				cmp:  compare(failure{r: r, d: d, held: history(edgeHistory)}),
				note: "Pyrra's 14x pair reads 1h4m and waits 2m."}),
		})
	}
	// Day/night traffic (10x) at a constant error ratio, from the start.
	for _, c := range []struct {
		x      float64
		page   want
		ticket want
		text   string
		note   string
	}{
		{0.5, never, never, "0.5x in every window, day and night: below every factor: never", "Every window's ratio is traffic-weighted, so a quiet night at the same ratio reads the same."},
		{2.2, never, fires(guard(3, 2.2*budget, edgeRPS)), fmt.Sprintf("2.2x: page never; ticket (1x pair) once the guard sees 3 bad events, 3/(2.2b·10/s) = %s", short(guard(3, 2.2*budget, edgeRPS))),
			"2.2x rather than 2x, which is Pyrra's ticket threshold exactly. Sloth has no guard and tickets at the first evaluation; Pyrra's 2x pair waits 1h4m."},
	} {
		r := c.x * budget
		tr := new(traffic).add(12*time.Hour, edgeRPS, r).add(12*time.Hour, edgeRPS/10, r).add(time.Hour, edgeRPS, r)
		out = append(out, edgeScenario{name: fmt.Sprintf("day/night traffic (10/s by day, 1/s by night), %gx", c.x), kinds: requestKinds, traffic: tr, others: true,
			from: 0, end: day + 30*time.Minute, sparse: time.Hour,
			dense: [][2]time.Duration{{0, 10 * time.Minute}, around(time.Hour, 5*time.Minute, 10*time.Minute), around(12*time.Hour, 5*time.Minute, 15*time.Minute), around(day, 5*time.Minute, 15*time.Minute)},
			rows: perKind(requestKinds, row{start: 0, formula: c.text, page: c.page, ticket: c.ticket, note: c.note,
				cmp: compare(failure{r: r, d: tr.len(), held: history(0)})}),
		})
	}
	// Cold start: rules and traffic start together; a 1-minute outage
	// after 1h and another after 1d.
	{
		tr := new(traffic).add(time.Hour, edgeRPS, 0)
		first := tr.fail(time.Minute, edgeRPS, 1)
		tr.add(day-tr.len(), edgeRPS, 0)
		second := tr.fail(time.Minute, edgeRPS, 1)
		tr.add(4*time.Hour, edgeRPS, 0)
		full := float64(time.Minute) / (budget * float64(edgeWindow)) // one minute of outage
		sc := edgeScenario{name: "cold start", kinds: requestKinds, traffic: tr, others: true, base: true,
			alerting: `budget_tiers: [{consumed: 50, severity: "warning"}, {consumed: 80, severity: "critical"}]`,
			from:     0, end: second + 15*time.Minute, sparse: time.Hour,
			dense: [][2]time.Duration{around(first, 5*time.Minute, 15*time.Minute), around(second, 5*time.Minute, 15*time.Minute)}}
		// After 1h the 6h and 3d windows hold that hour only.
		page1, ticket1 := burn(6, time.Hour, 1), burn(1, time.Hour, 1)
		ticket2 := burn(1, day, 1) - time.Minute
		sc.rows = append(perKind(requestKinds, row{event: "1m outage 1h after start", start: first, tiers: true,
			consumed: full, consumedTol: 0.2, consumedAt: (first + 15*time.Minute).Truncate(time.Minute),
			formula: fmt.Sprintf("page 6·b·1h = %s (the 6h window holds 1h); ticket 1·b·1h = %s (the 3d window holds 1h); budget 60s/(b·30d) = %.2f%%, tiers never", short(page1), short(ticket1), 100*full),
			page:    fires(page1), ticket: fires(ticket1),
			cmp: compare(failure{r: 1, d: time.Minute, held: history(time.Hour)}),
			note: "The budget projects the 30d window's total from the traffic so far (the 5m recordings cover 1h of 30d), so it reads the outage's share of a month's budget, not the hour's error ratio over the budget (16x), which is what Sloth's and Pyrra's 30d recordings read (their ticket columns). " +
				"Availability, quality and ratio read about 15% low (latency does not, within 5%; tolerance 20%): rate() does not extrapolate a counter back past zero, so the 5m rates of an error counter that was still 0 at the start of their window count the first failures short."}),
			perKind(requestKinds, row{event: "1m outage 1d after start", start: second, tiers: true,
				consumed: 2 * full, consumedTol: 0.2, consumedAt: (second + 15*time.Minute).Truncate(time.Minute),
				formula: fmt.Sprintf("page %s; ticket 1·b·1d − 1m already spent = %s (the 3d window holds 1d); budget %.2f%%, tiers never", short(pageFull), short(ticket2), 200*full),
				page:    fires(pageFull), ticket: fires(ticket2),
				// Windows longer than the 23h between the outages hold the
				// first one.
				cmp: compare(failure{r: 1, d: time.Minute, held: history(day), spent: func(l time.Duration) time.Duration {
					if l > 23*time.Hour {
						return time.Minute
					}
					return 0
				}})})...)
		out = append(out, sc)
	}
	{
		// The freshness SLO after a cold start: one stale evaluation
		// after 1h and one after 1d.
		m1, m2 := 56, minute(day)-4
		p := &pipeline{minutes: m2 + 30, missed: [][2]int{{m1, m1 + 5}, {m2, m2 + 5}}}
		full := float64(time.Minute) / (budget * float64(edgeWindow))
		first, second := staleFrom(m1), staleFrom(m2)
		out = append(out, edgeScenario{name: "cold start", kinds: []string{kFreshness}, pipeline: p, base: true,
			alerting: `budget_tiers: [{consumed: 50, severity: "warning"}, {consumed: 80, severity: "critical"}]`,
			from:     0, end: second + 15*time.Minute, sparse: time.Hour,
			dense: [][2]time.Duration{around(first, 5*time.Minute, 15*time.Minute), around(second, 5*time.Minute, 15*time.Minute)},
			rows: []row{
				{kind: kFreshness, event: "one stale evaluation 1h after start", start: first, tiers: true,
					consumed: full, consumedTol: 0.01, consumedAt: (first + 15*time.Minute).Truncate(time.Minute),
					formula: fmt.Sprintf("page 6·b·1h = %s; ticket 1·b·1h = %s; budget %.2f%%, tiers never", short(burn(6, time.Hour, 1)), short(burn(1, time.Hour, 1)), 100*full),
					page:    fires(burn(6, time.Hour, 1)), ticket: fires(burn(1, time.Hour, 1))},
				{kind: kFreshness, event: "one stale evaluation 1d after start", start: second, tiers: true,
					consumed: 2 * full, consumedTol: 0.01, consumedAt: (second + 15*time.Minute).Truncate(time.Minute),
					formula: fmt.Sprintf("page %s; ticket 1·b·1d − 1m = %s; budget %.2f%%, tiers never", short(pageFull), short(burn(1, day, 1)-time.Minute), 200*full),
					page:    fires(pageFull), ticket: fires(burn(1, day, 1) - time.Minute)},
			},
		})
	}
	// Traffic gaps: no requests for 15 minutes, then for 25 hours, then a
	// full outage an hour after traffic returns.
	{
		tr := new(traffic).add(2*time.Hour, edgeRPS, 0).add(15*time.Minute, 0, 0).add(2*time.Hour, edgeRPS, 0).
			add(25*time.Hour, 0, 0).add(time.Hour, edgeRPS, 0)
		back := tr.len() - time.Hour
		start := tr.fail(15*time.Minute, edgeRPS, 1)
		tr.add(2*time.Hour, edgeRPS, 0)
		// The 6h window holds the hour since traffic returned; the 1d
		// window that hour, the 3d window 5h.
		page, ticket := burn(6, time.Hour, 1), min(burn(3, time.Hour, 1), burn(1, 5*time.Hour, 1))
		out = append(out, edgeScenario{name: "traffic gaps (15m, 25h), then a full outage 1h after traffic returns", kinds: requestKinds, traffic: tr, others: true,
			from: 0, end: start + 12*time.Minute, sparse: time.Hour,
			dense: [][2]time.Duration{around(2*time.Hour, 2*time.Minute, 25*time.Minute), around(4*time.Hour+15*time.Minute, 2*time.Minute, 25*time.Minute),
				around(back, 2*time.Minute, 25*time.Minute), around(start, 5*time.Minute, 12*time.Minute)},
			rows: perKind(requestKinds, row{start: start,
				formula: fmt.Sprintf("nothing during the gaps (no events, no ratio); then page 6·b·1h = %s (the 6h window holds 1h of traffic); ticket 3·b·1h = %s (the 1d window holds 1h)", short(page), short(ticket)),
				page:    fires(page), ticket: fires(ticket),
				// Windows up to 26h hold the hour since traffic returned,
				// longer ones the 4h before the long gap too.
				cmp: compare(failure{r: 1, d: 15 * time.Minute, held: func(l time.Duration) time.Duration {
					if l < 26*time.Hour {
						return min(l, time.Hour)
					}
					return 5 * time.Hour
				}}),
				note: "Idle counters: a window without events has no ratio sample, so no alert reads 0/0. (Without samples at all, the absent-data alert fires instead; no recording is ever NaN: TestNoRecordingIsEverNaNThroughATrafficGap.)"}),
		})
	}
	// A single failure at 10 requests an hour, with the default guard and
	// without it.
	for _, minBad := range []int{3, 0} {
		rps := 10.0 / 3600
		tr := healthy(rps)
		start := tr.len() + 20*time.Second
		tr.good = append(tr.good, rps*60)
		tr.bad = append(tr.bad, 1)
		tr.add(6*time.Hour, rps, 0)
		sc := edgeScenario{name: "single failure at 10 requests/hour", kinds: requestKinds, traffic: tr,
			from: start - 5*time.Minute, end: start + 6*time.Hour, sparse: time.Hour,
			dense: [][2]time.Duration{around(start, 5*time.Minute, 10*time.Minute)}}
		if minBad == 3 {
			sc.others = true
			// Without a guard: the ratio breaches every pair at once, and
			// Pyrra's short windows hold the failure longer than its `for`
			// (2m of 5m, 1h4m of 2h9m).
			sc.rows = perKind(requestKinds, row{start: start, page: never, ticket: never,
				cmp:     &compared{slothPage: fires(0), slothTicket: fires(0), pyrraPage: want{at: 2 * time.Minute}, pyrraTicket: want{at: 64 * time.Minute}},
				formula: "1 bad event < min_bad_events (3): never (the ratio alone, 1/10 in the hour, breaches every factor)",
				note:    "The guard counts failures in the long window. Sloth and Pyrra have none: one failed request pages, and opens a ticket."})
		} else {
			sc.name += ", min_bad_events: 0"
			sc.alerting = "min_bad_events: 0"
			sc.rows = perKind(requestKinds, row{start: start, page: fires(0), ticket: fires(0),
				formula: "no guard: 1/10 > 14.4·b over 1h and 5m, 1/240 > 3·b over 1d and 2h: at the next scrape",
				note:    "Control for the row above: the guard is what holds."})
		}
		out = append(out, sc)
	}
	// A total outage at low request rates.
	for _, rps := range []float64{0.5, 0.01} {
		tr := healthy(rps)
		start := tr.fail(15*time.Minute, rps, 1)
		tr.add(2*time.Hour, rps, 0)
		g := guard(3, 1, rps)
		out = append(out, edgeScenario{name: fmt.Sprintf("full outage at %g requests/s", rps), kinds: requestKinds, traffic: tr, others: true,
			from: start - 5*time.Minute, end: start + 12*time.Minute, sparse: time.Hour,
			dense: [][2]time.Duration{around(start, 5*time.Minute, 12*time.Minute)},
			rows: perKind(requestKinds, row{start: start, page: fires(max(pageFull, g)), ticket: fires(max(ticketFull, g)),
				cmp:     compare(failure{r: 1, d: 15 * time.Minute, held: history(edgeHistory)}),
				formula: fmt.Sprintf("page max(%s, 3 failures: 3/%g = %s) = %s; ticket max(%s, %s) = %s", short(pageFull), rps, short(g), short(max(pageFull, g)), short(ticketFull), short(g), short(max(ticketFull, g))),
				note:    "The guard needs min_bad_events failures, not a request rate: a total outage pages at any traffic. Sloth and Pyrra (no guard) page on the first failure."}),
		})
	}
	// Scarce feedback for the quality SLO: one labelled prediction every
	// 2 minutes, half of them wrong, from 30s after start.
	for _, guarded := range []bool{true, false} {
		rps := 1.0 / 120
		tr := new(traffic).add(time.Minute, rps/2, 0.5).add(day, rps, 0.5)
		g := guard(3, 0.5, rps)
		sc := edgeScenario{name: "scarce feedback (1 label / 2m, half wrong)", kinds: []string{kQuality}, traffic: tr,
			from: 0, end: day, sparse: time.Hour, dense: [][2]time.Duration{{0, 20 * time.Minute}}}
		if guarded {
			sc.name += ", min_feedback_rate: 0.1"
			sc.quality = ", min_feedback_rate: 0.1"
			sc.rows = []row{{kind: kQuality, start: 30 * time.Second, page: never, ticket: never,
				formula: "1/120 labels/s < min_feedback_rate 0.1/s: never",
				note:    "Half the labels are wrong (50% ≫ 1.44%) and 15 wrong labels an hour pass min_bad_events; min_feedback_rate holds."}}
		} else {
			sc.end = 20 * time.Minute
			sc.rows = []row{{kind: kQuality, start: 30 * time.Second, page: fires(max(burn(14.4, time.Hour, 0.5), g)), ticket: fires(g),
				formula: fmt.Sprintf("page max(14.4·b·1h/0.5 = %s, 3 wrong labels: 3/(0.5/120s) = %s); ticket %s", short(burn(14.4, time.Hour, 0.5)), short(g), short(g)),
				note:    "Control for the row above: without min_feedback_rate only min_bad_events holds, for 3 wrong labels."}}
		}
		out = append(out, sc)
	}
	// Freshness: stale for two evaluations, then (8h later) for one.
	{
		m1 := minute(edgeHistory)
		m2 := m1 + minute(8*time.Hour)
		p := &pipeline{minutes: m2 + 20, missed: [][2]int{{m1, m1 + 6}, {m2, m2 + 5}}}
		s1, s2 := staleFrom(m1), staleFrom(m2)
		out = append(out, edgeScenario{name: "brief staleness", kinds: []string{kFreshness}, pipeline: p, base: true,
			from: s1 - 5*time.Minute, end: s2 + 15*time.Minute, sparse: time.Hour,
			dense: [][2]time.Duration{around(s1, 5*time.Minute, 15*time.Minute), around(s2, 5*time.Minute, 15*time.Minute)},
			rows: []row{
				{kind: kFreshness, event: "stale for 2 evaluations", start: s1, page: fires(pageFull), ticket: never,
					formula: fmt.Sprintf("page %s; ticket never (2m < %s)", short(pageFull), short(ticketFull))},
				{kind: kFreshness, event: "a single stale evaluation, 8h later", start: s2, page: fires(pageFull), ticket: never,
					formula: fmt.Sprintf("page %s (1m > %s); ticket never (3m in 3d < %s)", short(pageFull), short(pageFull), short(ticketFull)),
					note:    "A freshness SLO counts evaluations, not requests: it has no low-traffic guard, and one stale minute is 1/60 of the 1h window, above 14.4·b."},
			},
		})
	}
	for i := range out {
		out[i] = out[i].prepared()
	}
	return out
}

// naRows are the scenarios that do not apply to the freshness SLO, and
// the reference rows of scenarios covered elsewhere.
var naRows = []struct{ scenario, kind, why string }{
	{"steady 2x burn, 10% errors, day/night traffic", kFreshness, "A freshness SLI is all good or all bad at each evaluation, and counts no traffic: a partial burn would be a pipeline stale for a share of evaluations, which the full-outage and spike rows bound."},
	{"traffic gaps, low request rates, single failure at low traffic", kFreshness, "No requests: a pipeline that stops is the full-outage row; one stale evaluation is the single-stale-evaluation row."},
	{"scarce feedback", "availability, latency, ratio, freshness", "Only a quality SLO has feedback (min_feedback_rate)."},
	{"drift evaluation stale on a fresh database", "drift", "Covered by TestDriftStaleOnAFreshDatabase (edge_test.go): DriftEvaluationStale stays silent until the rules have run for two schedules without a run on record, and fires two schedules after the last run."},
}

// short renders a duration for the table: whole seconds, no zero units.
func short(d time.Duration) string {
	d = d.Round(time.Second)
	if d == 0 {
		return "0s"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// TestEdgeCases runs every scenario, checks vigil's alerts against the
// workbook, and checks that docs/edge-cases.md holds the table of the
// results.
func TestEdgeCases(t *testing.T) {
	scenarios := edgeScenarios()
	results := make([]edgeResult, len(scenarios))
	t.Run("scenario", func(t *testing.T) {
		for i, sc := range scenarios {
			name := sc.name
			if len(sc.kinds) == 1 {
				name += "/" + sc.kinds[0]
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				results[i] = runEdge(t, sc)
				sc.check(t, results[i])
			})
		}
	})
	if t.Failed() {
		return
	}
	page := renderEdgeCases(scenarios, results)
	path := filepath.Join("..", "..", "docs", "edge-cases.md")
	if os.Getenv("VIGIL_UPDATE") == "1" {
		if err := os.WriteFile(path, page, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	old, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(old, page) {
		t.Errorf("docs/edge-cases.md is out of date (%v); regenerate it with VIGIL_UPDATE=1 go test -run TestEdgeCases ./targets/prometheus/ and review the diff", err)
	}
}

func fmtFirst(o observed, c class, start time.Duration) string {
	if at, ok := o.firstFrom(c, start); ok {
		return short(at)
	}
	return "—"
}

func renderEdgeCases(scenarios []edgeScenario, results []edgeResult) []byte {
	var b bytes.Buffer
	b.WriteString(edgeIntro)
	b.WriteString("| scenario | SLO kind | workbook: expected time to fire | vigil page | vigil ticket | vigil budget tiers | Sloth page / ticket | Pyrra page / ticket | notes |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for i, sc := range scenarios {
		res := results[i]
		for ri, r := range sc.rows {
			name := sc.name
			if r.event != "" {
				name += ": " + r.event
			}
			if ri == 0 || r.event != "" {
				name += fmt.Sprintf(" (evaluated to +%s)", short(sc.end-r.start))
			} else {
				name = "″"
			}
			tiers := "n/a"
			if r.tiers {
				tiers = "—"
				for _, tier := range []string{"tier50", "tier80"} {
					if at, ok := res.seen.firstFrom(class{"vigil", r.kind, tier}, 0); ok {
						tiers = tier + " at " + short(at)
					}
				}
			}
			if r.consumed > 0 {
				tiers += fmt.Sprintf("; consumed %.2f%% at +%s", 100*res.consumed[ri], short(r.consumedAt-r.start))
			}
			others := "| | "
			if r.cmp != nil {
				cell := func(gen, alert string, w want) string {
					got := fmtFirst(res.seen, class{gen, r.kind, alert}, r.start)
					if w.never && got == "—" {
						return got
					}
					return fmt.Sprintf("%s (%s)", got, w)
				}
				sp, st := cell("sloth", "page", r.cmp.slothPage), cell("sloth", "ticket", r.cmp.slothTicket)
				pp, pt := cell("pyrra", "page", r.cmp.pyrraPage), cell("pyrra", "ticket", r.cmp.pyrraTicket)
				if r.cmp.pyrraNA {
					pp, pt = "n/a", "n/a"
				}
				if r.consumed > 0 {
					st += fmt.Sprintf("; budget %.0f%%", 100*res.sloth[ri])
					pt += fmt.Sprintf("; budget %.0f%%", 100*res.pyrra[ri])
				}
				others = fmt.Sprintf("| %s / %s | %s / %s ", sp, st, pp, pt)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s %s| %s |\n", name, r.kind, r.formula,
				fmtFirst(res.seen, class{"vigil", r.kind, "page"}, r.start), fmtFirst(res.seen, class{"vigil", r.kind, "ticket"}, r.start),
				tiers, others, r.note)
		}
	}
	for _, na := range naRows {
		fmt.Fprintf(&b, "| %s | %s | n/a | | | | | | %s |\n", na.scenario, na.kind, na.why)
	}
	return b.Bytes()
}

const edgeIntro = `# Edge cases

<!-- Generated by TestEdgeCases (targets/prometheus/edgecases_test.go); do not edit. -->

Each scenario runs vigil's rules for an SLO of each kind in the real
Prometheus rule engine, in process (` + "`internal/ruletest`" + `), over synthetic
series scraped every minute. Every SLO is 99.9% over 30d (budget b = 0.001)
with the default policy: page at 14.4x over 1h and 5m or 6x over 6h and
30m, ticket at 3x over 1d and 2h or 1x over 3d and 6h, each only once the
long window holds min_bad_events (3) failures. The series: availability
from model_requests_total{outcome}; latency from the
model_request_duration_seconds histogram (threshold 500ms); quality
(accuracy) from model_feedback_total{predicted, actual}; ratio from custom
queries over app_errors_total and app_requests_total; freshness from the
last-success timestamp of a pipeline that runs every minute (max_age 5m).
Unless a scenario says otherwise, traffic is 10 requests/s and the failure
comes after 3 days of healthy traffic, so that every window is full.

The workbook column is the SRE workbook's time to fire, computed by the
test: factor × budget × long window / error ratio, where the long window
counts only the traffic it holds (after a cold start or a gap), and no
earlier than the guard's min_bad_events / (error ratio × request rate).
The test fails unless vigil fires within one scrape interval and one
evaluation step (2m) after it, or at most a minute before it (a 1h window
of 1-minute samples spans 59 minutes of increase; a freshness SLO counts
a stale evaluation as a whole minute). Times count from the start of the
failure. Failures start 20 seconds after a scrape, so that no window's
count of bad minutes lands exactly on a threshold, and every time in the
table is a whole number of evaluations after a scrape: the table is the
same on every machine. The rules are evaluated every minute around each
failure and each expected crossing and firing, and every 15 minutes to
3 hours in between, where traffic and error ratio are steady, so that a
condition that starts to hold there keeps holding and an unexpected
firing would still be seen at the next evaluation.
"—": did not fire by the end of the evaluated span (in the scenario
column). The quality SLO's BelowObjective alert is not tabulated.

For the availability SLO the same series also run through Sloth's and
Pyrra's rules for the same SLO (transcribed in
` + "`targets/prometheus/testdata/evalcmp`" + `; all their groups are evaluated at every
step): Sloth's page and ticket are its AvailabilitySLO alerts with
sloth_severity page and ticket, Pyrra's its ErrorBudgetBurn alerts with
severity critical (14x over 1h4m/5m for 2m, 7x over 6h26m/32m for 16m)
and warning (2x over 1d1h43m/2h9m for 1h4m, 1x over 4d6h51m/6h26m for
3h13m). Their cells read "measured (formula)": the same workbook formula
over their windows and factors, plus their ` + "`for`" + `, with neither a
low-traffic guard; the test holds them to the same tolerance.

Regenerate this page with
` + "`VIGIL_UPDATE=1 go test -run TestEdgeCases ./targets/prometheus/`" + ` and review
the diff; the test fails while the page differs from what it would write.

`
