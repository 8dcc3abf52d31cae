package datadog

import (
	"strconv"
	"strings"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadog"
	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"

	"github.com/vigil-dev/vigil/compiler"
)

// sli is an SLO's good and total events as Datadog count queries.
type sli struct {
	good, total string
}

// sliQueries returns the SLO's good and total event queries, ok false
// when Datadog has no metric-based form for it.
func (b *builder) sliQueries(s *compiler.SLO) (sli, bool) {
	mt := b.m.Metrics
	switch s.Kind {
	case compiler.Availability:
		r := mt.Requests
		total := newFilter(r.Selector)
		bad := newFilter(r.Selector.With(mt.ErrorSelector))
		b.approx("SLO "+s.Name, total, bad)
		name := ddName(r.Metric, "counter")
		return sli{
			good:  countQuery(name, total) + " - " + countQuery(name, bad),
			total: countQuery(name, total),
		}, true
	case compiler.Latency:
		h := mt.Latency
		f := newFilter(h.Selector)
		good := newFilter(h.Selector, "upper_bound:"+UpperBound(s.Latency.Le.Float64()))
		b.approx("SLO "+s.Name, f)
		return sli{good: countQuery(ddName(h.Metric, "bucket"), good), total: countQuery(ddName(h.Metric, "hcount"), f)}, true
	case compiler.Quality:
		f := mt.Feedback
		q := s.Quality
		pred, act := mt.FeedbackPredicted, mt.FeedbackActual
		name := ddName(f.Metric, "counter")
		eq := func(l, v string) compiler.Selector { return compiler.Selector{{Name: l, Op: "=", Value: v}} }
		switch q.Metric {
		case "precision", "recall":
			on := pred
			if q.Metric == "recall" {
				on = act
			}
			total := newFilter(f.Selector.With(eq(on, q.PositiveClass)))
			good := newFilter(f.Selector.With(eq(pred, q.PositiveClass)).With(eq(act, q.PositiveClass)))
			b.approx("SLO "+s.Name, total, good)
			return sli{good: countQuery(name, good), total: countQuery(name, total)}, true
		default:
			if len(mt.FeedbackClasses) == 0 {
				b.note("SLO %s: accuracy needs the feedback classes (metrics.feedback.classes) in Datadog, which cannot compare two tags; no Datadog SLO is generated.", s.Name)
				return sli{}, false
			}
			var diag []string
			for _, c := range mt.FeedbackClasses {
				g := newFilter(f.Selector.With(eq(pred, c)).With(eq(act, c)))
				b.approx("SLO "+s.Name, g)
				diag = append(diag, countQuery(name, g))
			}
			total := newFilter(f.Selector)
			b.approx("SLO "+s.Name, total)
			return sli{good: strings.Join(diag, " + "), total: countQuery(name, total)}, true
		}
	case compiler.Freshness:
		b.note("SLO %s: freshness SLOs are time-based (the age of the last success against max_age) and have no metric-based (count) form in Datadog; no Datadog SLO or SLO alerts are generated.", s.Name)
	case compiler.Ratio:
		b.note("SLO %s: ratio SLOs are written in PromQL with a $window range, which vigil does not translate to Datadog; no Datadog SLO or SLO alerts are generated.", s.Name)
	}
	return sli{}, false
}

// approx notes filters that Datadog can only approximate.
func (b *builder) approx(what string, fs ...*filter) {
	for _, f := range fs {
		for _, a := range f.approx {
			b.note("%s: the matcher %s becomes a Datadog wildcard that can match more values than the regular expression.", what, a)
		}
		f.approx = nil
	}
}

// UpperBound is the upper_bound tag value the OpenMetrics check gives a
// histogram bucket: Python's str(float(le)), with 0.0 written "0"
// (normalize_labels_histogram and canonicalize_numeric_label in
// DataDog/integrations-core,
// datadog_checks_base/datadog_checks/base/checks/openmetrics/v2/labels.py
// at commit 56f98903c241d35f23a9f9cd71b874a5026b973b), e.g. 0.5 → "0.5",
// 1 → "1.0", 0.00001 → "1e-05".
func UpperBound(f float64) string {
	if f == 0 {
		return "0"
	}
	// Python's repr: the shortest round-tripping digits, in positional
	// form when the decimal exponent is in [-4, 16), else scientific
	// with at least two exponent digits.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	if x >= -4 && x < 16 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	sign := "+"
	if x < 0 {
		sign, x = "-", -x
	}
	ex := strconv.Itoa(x)
	if len(ex) < 2 {
		ex = "0" + ex
	}
	return mant + "e" + sign + ex
}

// slos returns the model's metric-based SLOs.
func (b *builder) slos() []datadogV1.ServiceLevelObjectiveRequest {
	out := []datadogV1.ServiceLevelObjectiveRequest{}
	for _, s := range b.m.SLOs {
		q, ok := b.sliQueries(s)
		if !ok {
			continue
		}
		b.made[s.Name] = true
		target, _ := strconv.ParseFloat(s.Objective.String(), 64)
		tf := b.timeframe(s)
		desc := strings.TrimSpace(s.Description)
		if desc != "" {
			desc += "\n\n"
		}
		desc += "Objective " + s.Objective.String() + "% over " + compiler.FormatDuration(timeDur(s.Window)) + " (vigil spec). Runbooks: " + strings.TrimSuffix(b.spec.RunbookURL(b.m.Name, "index"), "index.md")
		r := datadogV1.ServiceLevelObjectiveRequest{
			Name:            b.m.DisplayName + " " + s.Name,
			Description:     *datadog.NewNullableString(&desc),
			Type:            datadogV1.SLOTYPE_METRIC,
			Query:           &datadogV1.ServiceLevelObjectiveQuery{Numerator: q.good, Denominator: q.total},
			Thresholds:      []datadogV1.SLOThreshold{{Target: target, Timeframe: tf}},
			Timeframe:       &tf,
			TargetThreshold: &target,
			Tags:            b.tags(SLOID(b.m.Name, s.Name), "slo:"+s.Name, "sli:"+string(s.Kind)),
		}
		out = append(out, r)
	}
	return out
}
