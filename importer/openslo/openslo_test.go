package openslo

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cuelang.org/go/cue/parser"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/importer"
	"github.com/vigil-dev/vigil/internal/importtest"
)

const dataDir = "../../testdata/import/openslo"

func read(t testing.TB, rel string) File {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return File{Name: rel, Data: b}
}

func dropped(res importer.Result) []string {
	var out []string
	for _, f := range res.Findings {
		if f.Level == importer.Dropped {
			out = append(out, f.Pos.String()+" "+f.Path)
		}
	}
	return out
}

// TestPublishedExamples imports OpenSLO's published examples: they use
// placeholder data sources ("type: Any"), threshold metrics, calendar
// windows and RatioTimeslices budgeting, so their SLOs are reported as
// not imported, at the right positions; what is written vets and
// compiles. oslo's v1 input (Timeslices over Prometheus counters) is
// imported as a time-slice SLO.
func TestPublishedExamples(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"budgeting-method--occurences-slo.yaml", []string{"budgeting-method--occurences-slo.yaml:16:9 spec.indicator.spec.thresholdMetric"}},
		{"budgeting-method--ratio-timeslices.yaml", []string{"budgeting-method--ratio-timeslices.yaml:29:20 spec.budgetingMethod"}},
		{"budgeting-method--timeslices-slo.yaml", []string{
			"budgeting-method--timeslices-slo.yaml:23:13 spec.indicator.spec.ratioMetric.total.metricSource",
			"budgeting-method--timeslices-slo.yaml:27:7 spec.timeWindow[0]",
		}},
		{"treat-low-traffic-as-equally-important--timeslices-slo.yaml", []string{
			"treat-low-traffic-as-equally-important--timeslices-slo.yaml:21:13 spec.indicator.spec.ratioMetric.total.metricSource",
			"treat-low-traffic-as-equally-important--timeslices-slo.yaml:25:7 spec.timeWindow[0]",
		}},
		{"oslo--validate-v1.yaml", []string{
			"oslo--validate-v1.yaml:8:9 [0].metadata.labels.env",
			"oslo--validate-v1.yaml:10:9 [0].metadata.labels.team",
			"oslo--validate-v1.yaml:32:9 [0].spec.timeWindow[0]",
		}},
		{"readme-examples.yaml", []string{
			"readme-examples.yaml:28:13 spec.indicator.spec.ratioMetric.total.metricSource",
			"readme-examples.yaml:55:3 metadata",
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			res := Import([]File{read(t, tc.file)})
			if got := dropped(res); !slices.Equal(got, tc.want) {
				t.Errorf("dropped:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if len(res.Files) == 0 {
				t.Fatal("no files")
			}
			importtest.Compile(t, res.Files)
		})
	}
}

func prometheusFiles(t *testing.T) []File {
	var out []File
	for _, f := range []string{"prometheus/service.yaml", "prometheus/slis.yaml", "prometheus/slos.yaml"} {
		out = append(out, read(t, f))
	}
	return out
}

func TestPrometheusService(t *testing.T) {
	res := Import(prometheusFiles(t))
	if got := dropped(res); len(got) > 0 {
		t.Errorf("dropped %v", got)
	}
	spec, out := importtest.Compile(t, res.Files)
	// The notification target of the page condition's policy becomes
	// the team's critical receiver, a pagerduty receiver.
	if len(spec.Teams) != 1 || spec.Teams[0].Name != "payments" || spec.Teams[0].Receivers[compiler.Critical] != "payments-pager" ||
		len(spec.Routing.Receivers) != 1 || spec.Routing.Receivers[0].Kind != "pagerduty" || spec.Routing.Receivers[0].Target != "Payments on-call" {
		t.Errorf("teams %+v receivers %+v", spec.Teams, spec.Routing.Receivers)
	}
	if routes := string(out["alertmanager/routes.yaml"]); !strings.Contains(routes, "receiver: payments-pager") {
		t.Errorf("routes do not send to payments-pager:\n%s", routes)
	}
	m := spec.Models[0]
	if m.Name != "checkout" || m.Team != "payments" || m.DisplayName != "Checkout API" || m.Description != "Takes orders and payments." {
		t.Errorf("model %+v", m)
	}
	if len(m.Labels) != 1 || m.Labels[0].Name != "business_unit" || m.Labels[0].Value != "retail" {
		t.Errorf("labels %+v", m.Labels)
	}
	var av, lat *compiler.SLO
	for _, s := range m.SLOs {
		switch s.Name {
		case "availability":
			av = s
		case "latency":
			lat = s
		}
	}
	if av == nil || lat == nil {
		t.Fatalf("SLOs %+v", m.SLOs)
	}
	// target 0.9995 is 99.95%; 4w is 28 days; the one page condition
	// (14.4x over 1h, alertAfter 2m) replaces the default page windows,
	// and no ticket condition disables tickets.
	if av.Kind != compiler.Availability || av.Objective.String() != "99.95" || time.Duration(av.Window) != 28*24*time.Hour {
		t.Errorf("availability %+v", av)
	}
	if !av.Page.Enabled || len(av.Page.Windows) != 1 || av.Page.Windows[0].Factor.String() != "14.4" ||
		time.Duration(av.Page.Windows[0].Long) != time.Hour || time.Duration(av.Page.Windows[0].Short) != 5*time.Minute ||
		time.Duration(av.Page.For) != 2*time.Minute || av.Ticket.Enabled {
		t.Errorf("availability alerting page %+v ticket %+v", av.Page, av.Ticket)
	}
	if got := m.Metrics.ErrorSelector.String(); got != `code=~"5.."` {
		t.Errorf("error selector %s", got)
	}
	// good = the 0.3s bucket, total = the count: a latency SLI; no
	// alertPolicies: vigil's default policies.
	if lat.Kind != compiler.Latency || lat.Latency.Threshold.String() != "300ms" || lat.Objective.String() != "99" ||
		!lat.Page.Enabled || len(lat.Page.Windows) != 2 || !lat.Ticket.Enabled {
		t.Errorf("latency %+v", lat)
	}
	if m.Metrics.Latency.Metric != "http_request_duration_seconds" || m.Metrics.Latency.Selector.String() != `job="checkout"` {
		t.Errorf("latency metric %+v", m.Metrics.Latency)
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]string{"30d": "30d", "4w": "4w", "1M": "30d", "1Q": "90d", "1Y": "1y", "12h": "12h", "5m": "5m"} {
		if got, ok := Duration(in); !ok || got != want {
			t.Errorf("Duration(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "0d", "1.5h", "d", "10x", "-1d"} {
		if got, ok := Duration(in); ok {
			t.Errorf("Duration(%q) = %q, want failure", in, got)
		}
	}
}

var malformed = []string{
	"",
	"apiVersion: openslo/v1\n",
	"apiVersion: openslo/v1alpha\nkind: SLO\n",
	"apiVersion: openslo/v1\nkind: Thing\nmetadata: {name: a}\n",
	"apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: 3\n",
	"apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {service: s, budgetingMethod: Occurrences, objectives: [{target: 2}]}\n",
	"apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a, labels: {team: [x, y], other: z}}\nspec: {service: S.S, budgetingMethod: Occurrences, indicatorRef: missing, objectives: [{target: 0.99}], alertPolicies: [{alertPolicyRef: nope}]}\n",
	"apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec:\n  service: s\n  budgetingMethod: Occurrences\n  timeWindow: [{duration: 1M, isRolling: false, calendar: {startTime: x, timeZone: y}}]\n  indicator: {metadata: {name: i}, spec: {ratioMetric: {good: {metricSource: {type: Prometheus, spec: {query: 'rate(x[5m])'}}}, total: {metricSource: {type: Prometheus, spec: {query: 'histogram_quantile(0.9, y)'}}}}}}\n  objectives: [{target: 0.99, timeSliceTarget: 0.9}, {targetPercent: 99.9, displayName: Second}]\n",
	"apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec:\n  service: s\n  budgetingMethod: Occurrences\n  indicator: {metadata: {name: i}, spec: {ratioMetric: {counter: false, raw: {metricSource: {type: prometheus, spec: {query: 'x'}}}, rawType: success}}}\n  objectives: [{target: 0.99}]\n  alertPolicies:\n    - kind: AlertPolicy\n      metadata: {name: p}\n      spec: {alertWhenNoData: true, conditions: [{kind: AlertCondition, metadata: {name: c}, spec: {severity: sev3, condition: {kind: burnrate, op: lte, threshold: 2, lookbackWindow: 1h}}}]}\n",
	"apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec:\n  service: s\n  budgetingMethod: Occurrences\n  indicator: {metadata: {name: i}, spec: {ratioMetric: {bad: {metricSource: {type: Prometheus, spec: {query: 'sum(a{x=\"1\"})'}}}, total: {metricSource: {type: Prometheus, spec: {query: 'sum(a)'}}}}}}\n  objectives: [{target: 0.999}]\n  alertPolicies:\n    - kind: AlertPolicy\n      metadata: {name: p}\n      spec: {conditions: [{kind: AlertCondition, metadata: {name: c}, spec: {severity: critical, condition: {kind: burnrate, op: gt, threshold: 5000, lookbackWindow: 1h}}}, {kind: AlertCondition, metadata: {name: d}, spec: {severity: warning, condition: {op: gt, threshold: 2, lookbackWindow: 60d}}}]}\n",
	"apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec:\n  service: s\n  budgetingMethod: Occurrences\n  indicator: {metadata: {name: i}, spec: {ratioMetric: {bad: {metricSource: {type: Prometheus, spec: {query: 'sum(a{x=\"1\"}[{{.window}}])'}}}, total: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(a[{{.window}}]))'}}}}}}\n  objectives: [{target: 0.999}]\n  alertPolicies: []\n",
	"kind: SLO\n---\n- a\n---\n[",
	"[{\"apiVersion\": \"openslo/v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"s\"}, \"spec\": {\"markdown\": 1}}]",
	"apiVersion: openslo.com/v2alpha\nkind: SLO\nmetadata: {name: a}\n",
}

func TestMalformed(t *testing.T) {
	for i, in := range malformed {
		res := Import([]File{{Name: "in.yaml", Data: []byte(in)}})
		if len(res.Findings) == 0 && len(res.Files) == 0 {
			t.Errorf("input %d: neither findings nor files", i)
		}
		for _, f := range res.Findings {
			if f.Message == "" || (f.Level == importer.Dropped && f.Pos.File != "in.yaml" && !strings.Contains(f.Message, "no OpenSLO SLO")) {
				t.Errorf("input %d: finding %v", i, f)
			}
		}
		if len(res.Files) > 0 {
			importtest.Vet(t, res.Files)
		}
	}
}

func FuzzImport(f *testing.F) {
	for _, in := range malformed {
		f.Add([]byte(in))
	}
	for _, p := range []string{"prometheus/slos.yaml", "readme-examples.yaml", "budgeting-method--timeslices-slo.yaml"} {
		b, err := os.ReadFile(filepath.Join(dataDir, p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res := Import([]File{{Name: "f.yaml", Data: data}})
		for p, b := range res.Files {
			if _, err := parser.ParseFile(p, b); err != nil {
				t.Fatalf("%s does not parse: %v\n%s", p, err, b)
			}
		}
	})
}

// TestTimeslices imports oslo's Timeslices SLO (good = 2xx/4xx, total
// over Prometheus counters; target 0.995, timeSliceTarget 0.95 over 1m
// slices): a ratio SLI whose 1m slices allow at most 5% errors, 99.5% of
// them good.
func TestTimeslices(t *testing.T) {
	res := Import([]File{read(t, "oslo--validate-v1.yaml")})
	spec, _ := importtest.Compile(t, res.Files)
	s := spec.Models[0].SLOs[0]
	if s.Kind != compiler.Ratio || s.Slices == nil || time.Duration(s.Slices.Length) != time.Minute ||
		s.Slices.MaxErrorPercent.String() != "5" || s.Objective.String() != "99.5" {
		t.Errorf("SLO %+v slices %+v", s, s.Slices)
	}
}

// fixedRangeSLO is an SLO whose queries carry a fixed range instead of
// {{.window}}, as teams write them for tools that evaluate the query as
// is; %s and %s are the good and total queries.
const fixedRangeSLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
spec:
  service: checkout
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 28d
      isRolling: true
  indicator:
    metadata:
      name: checkout-good
    spec:
      ratioMetric:
        good: {metricSource: {type: Prometheus, spec: {query: '%s'}}}
        total: {metricSource: {type: Prometheus, spec: {query: '%s'}}}
  objectives:
    - target: 0.999
`

// TestFixedRangesFollowTheWindow checks that fixed ranges inside rate()
// and increase() are rewritten to $window (a rate is the same quantity
// over any window), while a fixed range anywhere else, where the window
// would change what the query measures, is reported at the query.
func TestFixedRangesFollowTheWindow(t *testing.T) {
	good := `sum(rate(http_requests_total{route="/checkout",code!~"5.."}[5m]))`
	total := `sum(increase(http_requests_total{route="/checkout"}[1h]))`
	res := Import([]File{{Name: "fixed.yaml", Data: []byte(fmt.Sprintf(fixedRangeSLO, good, total))}})
	if d := dropped(res); len(d) > 0 {
		t.Fatalf("dropped %v", d)
	}
	spec, _ := importtest.Compile(t, res.Files)
	s := spec.Models[0].SLOs[0]
	if s.Ratio == nil || strings.Contains(s.Ratio.Total, "[1h]") || !strings.Contains(s.Ratio.Total, "increase(http_requests_total{route=\"/checkout\"}[$window])") ||
		strings.Contains(s.Ratio.Errors, "[5m]") || !strings.Contains(s.Ratio.Errors, "[$window]") {
		t.Errorf("ratio SLI %+v: want every range as $window", s.Ratio)
	}
	for _, bad := range []string{
		`sum(avg_over_time(up{job="checkout"}[5m]))`,
		`sum(rate(http_requests_total{route="/checkout"}[5m:1m]))`,
		`sum(rate(http_requests_total{route="/checkout"}[5m] offset 1h))`,
		`sum(irate(http_requests_total{route="/checkout"}[5m]))`,
	} {
		res := Import([]File{{Name: "fixed.yaml", Data: []byte(fmt.Sprintf(fixedRangeSLO, good, bad))}})
		var found bool
		for _, f := range res.Findings {
			if f.Level == importer.Dropped && f.Pos.Line == 17 && strings.Contains(f.Message, "fixed ranges") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: want the total query reported at line 17; findings %v", bad, res.Findings)
		}
	}
}
