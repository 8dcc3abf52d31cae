package sloth

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
	"github.com/vigil-dev/vigil/internal/decimal"
	"github.com/vigil-dev/vigil/internal/importtest"
)

const dataDir = "../../testdata/import/sloth"

func readExample(t testing.TB, name string) File {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return File{Name: name, Data: b}
}

func examples(t testing.TB) []string {
	var out []string
	for _, pat := range []string{"*.yml", "*.yaml"} {
		m, err := filepath.Glob(filepath.Join(dataDir, pat))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			out = append(out, filepath.Base(p))
		}
	}
	slices.Sort(out)
	if len(out) < 10 {
		t.Fatalf("only %d Sloth examples in %s", len(out), dataDir)
	}
	return out
}

// TestExamplesImportVetCompile imports every Sloth example, and vets and
// compiles the result.
func TestExamplesImportVetCompile(t *testing.T) {
	for _, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			res := Import([]File{readExample(t, name)})
			if len(res.Files) == 0 {
				t.Fatalf("no files; findings:\n%v", res.Findings)
			}
			for _, f := range res.Findings {
				if f.Pos.File != name || (f.Pos.Line == 0 && !strings.Contains(f.Message, "no SLO that could be imported")) {
					t.Errorf("finding without a source position: %v", f)
				}
			}
			importtest.Compile(t, res.Files)
		})
	}
}

func slo(t *testing.T, spec *compiler.Spec, model, name string) *compiler.SLO {
	t.Helper()
	for _, m := range spec.Models {
		if m.Name != model {
			continue
		}
		for _, s := range m.SLOs {
			if s.Name == name {
				return s
			}
		}
	}
	t.Fatalf("no SLO %s/%s", model, name)
	return nil
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

func TestGettingStarted(t *testing.T) {
	res := Import([]File{readExample(t, "getting-started.yml")})
	// Checked by hand against examples/getting-started.yml: the label
	// vigil reserves (tier) and the summary annotation, which vigil
	// writes itself.
	want := []string{
		"getting-started.yml:6:9 labels.tier",
		"getting-started.yml:22:18 slos[0].alerting.annotations.summary",
	}
	if got := dropped(res); !slices.Equal(got, want) {
		t.Errorf("dropped:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	spec := importtest.Vet(t, res.Files)
	m := spec.Models[0]
	if m.Name != "myservice" || m.Team != "myteam" {
		t.Errorf("model %q team %q, want myservice, myteam", m.Name, m.Team)
	}
	s := slo(t, spec, "myservice", "requests-availability")
	if s.Kind != compiler.Availability || s.Objective.String() != "99.9" || s.MinBadEvents != 0 || !s.Page.Enabled || !s.Ticket.Enabled {
		t.Errorf("SLO: %+v", s)
	}
	if got := m.Metrics.Requests.Selector.String(); got != `job="myservice"` {
		t.Errorf("requests selector %s", got)
	}
	if got := m.Metrics.ErrorSelector.String(); got != `code=~"(5..|429)"` {
		t.Errorf("error selector %s", got)
	}
	if spec.Routing.SeverityNames[compiler.Critical] != "pageteam" || spec.Routing.SeverityNames[compiler.Warning] != "slack" {
		t.Errorf("severity names %v", spec.Routing.SeverityNames)
	}
	// The common alert label goes on both classes, page_alert's and
	// ticket_alert's labels on theirs.
	if got := fmt.Sprint(s.Page.Labels); got != "[{category availability} {routing_key myteam}]" {
		t.Errorf("page labels %s", got)
	}
	if got := fmt.Sprint(s.Ticket.Labels); got != "[{category availability} {slack_channel #alerts-myteam}]" {
		t.Errorf("ticket labels %s", got)
	}
	if !strings.Contains(string(res.Files["myservice.cue"]), "traffic-weighted") {
		t.Error("the header does not state the SLO-window difference")
	}
}

func TestKinds(t *testing.T) {
	for _, tc := range []struct {
		file, model, slo string
		kind             compiler.SLIKind
		page, ticket     bool
	}{
		{"no-alerts.yml", "myapp", "http-availability", compiler.Availability, false, false},
		{"raw-home-wifi.yml", "home-wifi", "wifi-client-satisfaction", compiler.Ratio, true, true},
		{"home-wifi.yml", "home-wifi", "risk-wifi-client-satisfaction", compiler.Ratio, true, true},
		{"kubernetes-apiserver.yml", "k8s-apiserver", "requests-latency", compiler.Ratio, true, true},
		{"plugin-getting-started.yml", "myservice", "requests-availability", compiler.Availability, true, true},
		{"k8s-getting-started.yml", "myservice", "requests-availability", compiler.Availability, true, true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			res := Import([]File{readExample(t, tc.file)})
			spec := importtest.Vet(t, res.Files)
			s := slo(t, spec, tc.model, tc.slo)
			if s.Kind != tc.kind || s.Page.Enabled != tc.page || s.Ticket.Enabled != tc.ticket {
				t.Errorf("kind %v page %v ticket %v, want %v %v %v", s.Kind, s.Page.Enabled, s.Ticket.Enabled, tc.kind, tc.page, tc.ticket)
			}
		})
	}
}

func TestPluginSelector(t *testing.T) {
	spec := importtest.Vet(t, Import([]File{readExample(t, "plugin-getting-started.yml")}).Files)
	if got := spec.Models[0].Metrics.Requests.Selector.String(); got != `f1="v1",f2="v2",job="myservice"` {
		t.Errorf("selector %s", got)
	}
}

func TestMultiDocument(t *testing.T) {
	res := Import([]File{readExample(t, "multifile.yml")})
	if len(res.Files) != 2 || res.Files["myservice.cue"] == nil || res.Files["myservice2.cue"] == nil {
		t.Fatalf("files %v", slices.Sorted(func(yield func(string) bool) {
			for k := range res.Files {
				if !yield(k) {
					return
				}
			}
		}))
	}
	spec := importtest.Vet(t, res.Files)
	if s := slo(t, spec, "myservice2", "requests-availability"); s.Objective.String() != "99.99" {
		t.Errorf("objective %s", s.Objective)
	}
}

// TestUnsupportedQueriesAreReported: victoria-metrics.yml's SLIs are
// MetricsQL (histogram_share over VictoriaMetrics' vmrange buckets, and a
// range on vector(1)), which vigil's PromQL rules cannot state, so its
// behaviour cannot be compared with Sloth's generated rules: both SLOs are
// reported as not imported, at the queries' positions, with what to write
// instead, and nothing else is (besides overridePrevious). The partial
// import (--allow-partial) is the service as a model without SLOs, which
// vets.
func TestUnsupportedQueriesAreReported(t *testing.T) {
	res := Import([]File{readExample(t, "victoria-metrics.yml")})
	got := dropped(res)
	want := []string{
		"victoria-metrics.yml:10:21 slo_plugins.overridePrevious",
		"victoria-metrics.yml:27:20 slos[0].sli.events.error_query",
		"victoria-metrics.yml:28:20 slos[0].sli.events.total_query",
		"victoria-metrics.yml:44:20 slos[1].sli.events.error_query",
		"victoria-metrics.yml:45:20 slos[1].sli.events.total_query",
	}
	if !slices.Equal(got, want) {
		t.Errorf("not imported:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range res.Findings {
		if f.Level == importer.Dropped && strings.HasPrefix(f.Path, "slos[") && !strings.Contains(f.Instead, "MetricsQL") {
			t.Errorf("%s: %s: no MetricsQL hint: %q", f.Pos, f.Path, f.Instead)
		}
	}
	spec := importtest.Vet(t, res.Files)
	if len(spec.Models) != 1 || spec.Models[0].Name != "foo-bar" || len(spec.Models[0].SLOs) != 0 {
		t.Errorf("the partial import should be model foo-bar without SLOs")
	}
}

const latencySpec = `version: "prometheus/v1"
service: "api"
slos:
  - name: latency
    objective: 99
    sli:
      events:
        error_query: sum(rate(http_duration_seconds_count{job="api"}[{{.window}}])) - sum(rate(http_duration_seconds_bucket{job="api",le="0.3"}[{{.window}}]))
        total_query: sum(rate(http_duration_seconds_count{job="api"}[{{.window}}]))
    plugins:
      chain:
        - id: sloth.dev/contrib/error_budget_exhausted_alert/v1
          config: {threshold: 0.2}
    alerting:
      page_alert: {disable: true}
`

func TestLatencyAndBudgetPlugin(t *testing.T) {
	res := Import([]File{{Name: "lat.yml", Data: []byte(latencySpec)}})
	if d := dropped(res); len(d) > 0 {
		t.Errorf("dropped %v", d)
	}
	spec := importtest.Vet(t, res.Files)
	s := slo(t, spec, "api", "latency")
	if s.Kind != compiler.Latency || s.Latency.Threshold.String() != "300ms" || s.Page.Enabled || !s.Ticket.Enabled {
		t.Errorf("SLO %+v latency %+v", s, s.Latency)
	}
	if len(s.Tiers) != 1 || s.Tiers[0].Consumed.String() != "80" || s.Tiers[0].Severity != compiler.Critical {
		t.Errorf("tiers %+v", s.Tiers)
	}
	if got := spec.Models[0].Metrics.Latency.Buckets; !slices.ContainsFunc(got, func(d decimal.D) bool { return d.String() == "0.3" }) {
		t.Errorf("buckets %v lack 0.3", got)
	}
}

// malformed are inputs a hand-written or held-out file may hold; each
// must give findings with positions, never a panic, and whatever files
// it gives must vet.
var malformed = []string{
	"",
	"---\n---\n",
	"version: prometheus/v1\n",
	"version: prometheus/v2\nservice: x\n",
	"version: \"prometheus/v1\"\nservice: [a, b]\n",
	"version: \"prometheus/v1\"\nservice: Weird.Name!\nslos: {a: 1}\n",
	"version: \"prometheus/v1\"\nservice: s\nslos:\n  - name: x\n    objective: 100\n    sli: {raw: {error_ratio_query: 'vector(0)[{{.window}}]'}}\n",
	"version: \"prometheus/v1\"\nservice: s\nslos:\n  - name: x\n    objective: abc\n",
	"version: \"prometheus/v1\"\nservice: s\nslos:\n  - name: x\n    objective: 99\n    sli: {events: {error_query: 'sum(rate(a[{{.window}}]', total_query: 'x'}}\n",
	"version: \"prometheus/v1\"\nservice: s\nslos:\n  - name: x\n    objective: 99\n    sli: {events: {error_query: 'sum(rate(a[{{.window}}]))', total_query: 'sum(rate(b[{{.window}}]))'}, raw: {}}\n",
	"version: \"prometheus/v1\"\nservice: s\nslos:\n  - name: x\n    objective: 99\n    sli: {plugin: {id: unknown/plugin, options: {a: b}}}\n",
	"version: \"prometheus/v1\"\nservice: s\nslos:\n  - name: x\n    objective: 99\n    sli: {plugin: {id: getting_started_availability, options: {filter: 'bad'}}}\n",
	"version: \"prometheus/v1\"\nservice: s\nlabels: {model: m, severity: s, \"bad-name\": v, team: \"\"}\nslos:\n  - name: x\n    objective: 99.5\n    extra: 1\n    sli: {events: {error_query: 'sum(rate(a{x=\"1\"}[{{ .window }}]))', total_query: 'sum(rate(a[{{.window}}]))', typo: 1}}\n    alerting: {name: A, page_alert: {disable: yes}, ticket_alert: {labels: {severity: [1]}}}\n",
	"version: \"prometheus/v1\"\nservice: s\nslos:\n  - name: x\n    objective: 99\n    sli: {events: {error_query: 'sum(rate(a{{\"{{\"}}.other}}[{{.window}}]))', total_query: 'sum(rate(a[{{.window}}]))'}}\n  - name: x\n    objective: 99\n    sli: {events: {error_query: 'sum(rate(a{b=\"1\"}[{{.window}}]))', total_query: 'sum(rate(a[{{.window}}]))'}}\n  - name: X\n    objective: 99\n    sli: {events: {error_query: 'sum(rate(a{b=\"1\"}[{{.window}}]))', total_query: 'sum(rate(a[{{.window}}]))'}}\n",
	"apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\nspec: 3\n",
	"apiVersion: sloth.slok.dev/v1\nkind: AlertWindows\nspec: {}\n",
	"apiVersion: openslo/v1\nkind: SLO\n",
	"a: &x [*x]\n",
	"version: \"prometheus/v1\"\nservice: s\nslos:\n  - &a {name: x, objective: 99, sli: {events: {error_query: 'sum(rate(a{b=\"1\"}[{{.window}}]))', total_query: 'sum(rate(a[{{.window}}]))'}}}\n  - *a\n",
	"version: \"prometheus/v1\"\nservice: s\nservice: t\n",
	"\t- bad yaml\n: :\n",
	"[1, 2",
}

func TestMalformed(t *testing.T) {
	for i, in := range malformed {
		res := Import([]File{{Name: "in.yml", Data: []byte(in)}})
		if len(res.Findings) == 0 && len(res.Files) == 0 {
			t.Errorf("input %d: neither findings nor files", i)
		}
		for _, f := range res.Findings {
			if f.Pos.File != "in.yml" || f.Message == "" {
				t.Errorf("input %d: finding %v", i, f)
			}
		}
		if len(res.Files) > 0 {
			importtest.Vet(t, res.Files)
		}
	}
}

// FuzzImport checks that no input panics the importer and that every
// file it writes is CUE that parses. (TestMalformed and the examples
// check that the output vets.)
func FuzzImport(f *testing.F) {
	for _, name := range examples(f) {
		f.Add(readExample(f, name).Data)
	}
	for _, in := range malformed {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan importer.Result, 1)
		go func() { done <- Import([]File{{Name: "f.yml", Data: data}}) }()
		var res importer.Result
		select {
		case res = <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("Import has not returned after 20s on %q", data)
		}
		for p, b := range res.Files {
			if _, err := parser.ParseFile(p, b); err != nil {
				t.Fatalf("%s does not parse: %v\n%s", p, err, b)
			}
		}
	})
}

// TestAlertWindows imports Sloth's 7-day AlertWindows example with a spec:
// its period and windows apply to every SLO, the budget percentages
// turning into the factors Sloth computes (budget% x period / long
// window; checked by hand: 8% x 168h / 1h = 13.44, 12.5% x 168h / 6h =
// 3.5, 20% x 7d / 1d = 1.4; 42% x 7d / 3d = 0.98 is below 1, which vigil
// rejects, so that window is reported and left out).
func TestAlertWindows(t *testing.T) {
	res := Import([]File{readExample(t, "getting-started.yml"), readExample(t, "windows/7d.yaml")})
	spec := importtest.Vet(t, res.Files)
	s := slo(t, spec, "myservice", "requests-availability")
	if time.Duration(s.Window) != 7*24*time.Hour {
		t.Errorf("window %s", s.Window)
	}
	var got []string
	for _, w := range append(slices.Clone(s.Page.Windows), s.Ticket.Windows...) {
		got = append(got, fmt.Sprintf("%s/%s@%s", w.Long, w.Short, w.Factor))
	}
	if want := []string{"1h/5m@13.44", "6h/30m@3.5", "1d/2h@1.4"}; !slices.Equal(got, want) {
		t.Errorf("windows %v, want %v", got, want)
	}
	if d := dropped(res); !slices.ContainsFunc(d, func(s string) bool { return strings.HasSuffix(s, "spec.ticket.slow") }) {
		t.Errorf("the 0.98 window is not reported: %v", d)
	}
	two := Import([]File{readExample(t, "getting-started.yml"), readExample(t, "windows/7d.yaml"), readExample(t, "windows/custom-30d.yaml")})
	if !slices.ContainsFunc(dropped(two), func(s string) bool { return s == "windows/custom-30d.yaml:4:3 spec" }) {
		t.Errorf("a second AlertWindows document is not reported: %v", dropped(two))
	}
}

// commonPluginsSpec uses plugins of slok/sloth-common-sli-plugins.
const commonPluginsSpec = `version: "prometheus/v1"
service: "k8s-apiserver"
slos:
  - name: "requests-availability"
    objective: 99.9
    sli:
      plugin:
        id: "sloth-common/kubernetes/apiserver/availability"
        options:
          filter: verb!="WATCH"
  - name: "http"
    objective: 99
    sli:
      plugin:
        id: "sloth-common/slok-go-http-metrics/latency"
        options: {bucket: "0.25", filter: 'handler="/a"'}
  - name: "dns"
    objective: 99
    sli:
      plugin:
        id: "sloth-common/coredns/availability"
  - name: "bad-options"
    objective: 99
    sli:
      plugin:
        id: "sloth-common/kubernetes/apiserver/availability"
        options:
          filter: "not a filter"
`

// TestCommonPlugins checks that SLIs of slok/sloth-common-sli-plugins,
// whose code vigil does not carry, are reported at their position with
// what to do instead, and that the rest of the file is still imported.
func TestCommonPlugins(t *testing.T) {
	res := Import([]File{{Name: "p.yml", Data: []byte(commonPluginsSpec)}})
	want := []string{"p.yml:8:9 slos[0].sli.plugin", "p.yml:15:9 slos[1].sli.plugin", "p.yml:21:9 slos[2].sli.plugin", "p.yml:26:9 slos[3].sli.plugin"}
	if d := dropped(res); !slices.Equal(d, want) {
		t.Errorf("dropped %v, want %v", d, want)
	}
	for _, f := range res.Findings {
		if strings.Contains(f.Message, "sloth-common") && !strings.Contains(f.Instead, "sloth generate") {
			t.Errorf("finding %q says nothing to do instead", f.Message)
		}
	}
}

// TestAlertLabelsOverrideCommonOnes checks that a page or ticket alert's
// own labels replace the alerting block's common ones, as Sloth merges
// them: a common severity "critical" with the ticket alert's own
// "warning" gives vigil's default severity names, with nothing dropped.
func TestAlertLabelsOverrideCommonOnes(t *testing.T) {
	const src = `version: "prometheus/v1"
service: api
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="api"}[{{.window}}]))
    alerting:
      labels: {severity: critical, category: availability}
      page_alert: {labels: {severity: critical}}
      ticket_alert: {labels: {severity: warning, category: tickets}}
`
	res := Import([]File{{Name: "labels.yml", Data: []byte(src)}})
	if d := dropped(res); len(d) > 0 {
		t.Fatalf("dropped %v", d)
	}
	spec := importtest.Vet(t, res.Files)
	s := slo(t, spec, "api", "availability")
	label := func(p compiler.BurnPolicy, name string) string {
		for _, l := range p.Labels {
			if l.Name == name {
				return l.Value
			}
		}
		return ""
	}
	if got := label(s.Page, "category"); got != "availability" {
		t.Errorf("page alert category = %q, want the common %q", got, "availability")
	}
	if got := label(s.Ticket, "category"); got != "tickets" {
		t.Errorf("ticket alert category = %q, want its own %q", got, "tickets")
	}
	if s.Page.Severity != compiler.Critical || s.Ticket.Severity != compiler.Warning {
		t.Errorf("severities page %q ticket %q, want critical and warning", s.Page.Severity, s.Ticket.Severity)
	}
	if names := spec.Routing.SeverityNames; len(names) > 0 {
		for class, name := range names {
			if string(class) != name {
				t.Errorf("severity name %s = %q; the source uses vigil's own names", class, name)
			}
		}
	}
}
