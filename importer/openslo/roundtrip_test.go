package openslo

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/importer"
	"github.com/vigil-dev/vigil/internal/exampletest"
	"github.com/vigil-dev/vigil/internal/importtest"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// TestRoundTripExamples exports every example's SLOs as OpenSLO, imports
// the documents back and checks that the result is an equivalent spec:
// the same models (team, display name, description, labels) and, for
// every exported SLO, the same objective, window, page and ticket
// policies, budget tiers and low-traffic guard, and the same indicator:
// availability and latency SLIs come back as such on the same metrics;
// ratio SLIs with the same queries; quality SLIs as ratio SLIs whose
// queries are the quality SLI's own bad and total rates. Freshness SLOs
// are reported as not exported.
func TestRoundTripExamples(t *testing.T) {
	specs := exampletest.Load(t)
	if len(specs) < 3 {
		t.Fatalf("only %d examples", len(specs))
	}
	for name, orig := range specs {
		t.Run(name, func(t *testing.T) {
			files, findings := Export(orig)
			var in []File
			for _, p := range compiler.SortedPaths(files) {
				in = append(in, File{Name: p, Data: files[p]})
			}
			res := Import(in)
			for _, f := range res.Findings {
				if f.Level == importer.Dropped {
					t.Errorf("import of the export dropped: %v", f)
				}
			}
			back := importtest.Vet(t, res.Files)
			compareSpecs(t, orig, back, findings)
		})
	}
}

func compareSpecs(t *testing.T, orig, back *compiler.Spec, exportFindings importer.Findings) {
	backModels := map[string]*compiler.Model{}
	for _, m := range back.Models {
		backModels[m.Name] = m
	}
	exported := 0
	for _, om := range orig.Models {
		if len(om.SLOs) == 0 {
			continue
		}
		bm := backModels[om.Name]
		if bm == nil {
			t.Errorf("model %s did not come back", om.Name)
			continue
		}
		if bm.Team != om.Team || bm.DisplayName != om.DisplayName || bm.Description != om.Description || !slices.Equal(bm.Labels, om.Labels) {
			t.Errorf("model %s: team %q/%q, display name %q/%q, description %q/%q, labels %v/%v",
				om.Name, om.Team, bm.Team, om.DisplayName, bm.DisplayName, om.Description, bm.Description, om.Labels, bm.Labels)
		}
		backSLOs := map[string]*compiler.SLO{}
		for _, s := range bm.SLOs {
			backSLOs[s.Name] = s
		}
		for _, os := range om.SLOs {
			bs := backSLOs[os.Name]
			if os.Kind == compiler.Freshness {
				if bs != nil {
					t.Errorf("freshness SLO %s/%s came back", om.Name, os.Name)
				}
				if !slices.ContainsFunc(exportFindings, func(f importer.Finding) bool {
					return f.Level == importer.Dropped && strings.Contains(f.Message, "SLO "+os.Name+" not exported")
				}) {
					t.Errorf("freshness SLO %s/%s not reported as not exported", om.Name, os.Name)
				}
				continue
			}
			if bs == nil {
				t.Errorf("SLO %s/%s did not come back", om.Name, os.Name)
				continue
			}
			exported++
			compareSLO(t, om, bm, os, bs)
		}
	}
	if exported == 0 {
		t.Error("no SLO was compared")
	}
	t.Logf("%d SLOs compared", exported)
}

func policy(p compiler.BurnPolicy) string {
	if !p.Enabled || len(p.Windows) == 0 {
		return "disabled"
	}
	var ws []string
	for _, w := range p.Windows {
		ws = append(ws, fmt.Sprintf("%s/%s@%s", w.Long, w.Short, w.Factor))
	}
	return fmt.Sprintf("%s for %s: %s", p.Severity, p.For, strings.Join(ws, " "))
}

func compareSLO(t *testing.T, om, bm *compiler.Model, os, bs *compiler.SLO) {
	t.Helper()
	id := om.Name + "/" + os.Name
	if os.Objective.Cmp(bs.Objective) != 0 || os.Window != bs.Window || os.Description != bs.Description || os.MinBadEvents != bs.MinBadEvents {
		t.Errorf("%s: objective %s/%s window %s/%s description %q/%q min_bad_events %d/%d", id,
			os.Objective, bs.Objective, os.Window, bs.Window, os.Description, bs.Description, os.MinBadEvents, bs.MinBadEvents)
	}
	if a, b := policy(os.Page), policy(bs.Page); a != b {
		t.Errorf("%s: page %s, came back %s", id, a, b)
	}
	if a, b := policy(os.Ticket), policy(bs.Ticket); a != b {
		t.Errorf("%s: ticket %s, came back %s", id, a, b)
	}
	if fmt.Sprint(os.Slices) != fmt.Sprint(bs.Slices) {
		t.Errorf("%s: slices %+v, came back %+v", id, os.Slices, bs.Slices)
	}
	if fmt.Sprint(os.Tiers) != fmt.Sprint(bs.Tiers) {
		t.Errorf("%s: tiers %v, came back %v", id, os.Tiers, bs.Tiers)
	}
	switch os.Kind {
	case compiler.Availability:
		if bs.Kind != compiler.Availability || om.Metrics.Requests.Metric != bm.Metrics.Requests.Metric ||
			om.Metrics.Requests.Selector.String() != bm.Metrics.Requests.Selector.String() ||
			om.Metrics.ErrorSelector.String() != bm.Metrics.ErrorSelector.String() {
			t.Errorf("%s: availability came back as %s on %s{%s} errors {%s}", id, bs.Kind, bm.Metrics.Requests.Metric, bm.Metrics.Requests.Selector, bm.Metrics.ErrorSelector)
		}
	case compiler.Latency:
		if bs.Kind != compiler.Latency || os.Latency.Threshold != bs.Latency.Threshold || om.Metrics.Latency.Metric != bm.Metrics.Latency.Metric ||
			om.Metrics.Latency.Selector.String() != bm.Metrics.Latency.Selector.String() {
			t.Errorf("%s: latency came back as %s %+v", id, bs.Kind, bs.Latency)
		}
	case compiler.Ratio:
		if bs.Kind != compiler.Ratio || *os.Ratio != *bs.Ratio {
			t.Errorf("%s: ratio %+v came back as %s %+v", id, os.Ratio, bs.Kind, bs.Ratio)
		}
	case compiler.Quality:
		e, tot, _ := prometheus.SLIQueries(om, os)
		if bs.Kind != compiler.Ratio || bs.Ratio.Errors != e || bs.Ratio.Total != tot {
			t.Errorf("%s: quality came back as %s %+v, want ratio %q / %q", id, bs.Kind, bs.Ratio, e, tot)
		}
	}
}

const slicedSpec = `package x

models: api: {
	team: "web"
	metrics: {
		selector: job: "api"
		latency: {metric: "http_request_duration_seconds", buckets: [0.1, 0.3, 1]}
	}
	slos: {
		"p95-slices": {
			objective: 99.5
			latency: threshold: "300ms"
			slices: {length: "1m", percentile: 95}
		}
		"errors-slices": {
			objective: 99
			ratio: {errors: "sum(rate(http_requests_total{job=\"api\",code=~\"5..\"}[$window]))", total: "sum(rate(http_requests_total{job=\"api\"}[$window]))"}
			slices: {length: "5m", max_error_percent: 1}
		}
	}
}
`

// TestRoundTripTimeSlices exports time-slice SLOs (Timeslices budgeting,
// timeSliceTarget, timeSliceWindow) and imports them back.
func TestRoundTripTimeSlices(t *testing.T) {
	orig := importtest.Vet(t, map[string][]byte{"spec.cue": []byte(slicedSpec)})
	files, findings := Export(orig)
	if findings.Dropped() > 0 {
		t.Fatalf("export: %v", findings)
	}
	var in []File
	for _, p := range compiler.SortedPaths(files) {
		in = append(in, File{Name: p, Data: files[p]})
	}
	res := Import(in)
	for _, f := range res.Findings {
		if f.Level == importer.Dropped {
			t.Errorf("import of the export dropped: %v", f)
		}
	}
	compareSpecs(t, orig, importtest.Vet(t, res.Files), findings)
}
