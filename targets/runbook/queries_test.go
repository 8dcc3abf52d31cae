package runbook_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/targets/grafana"
	"github.com/vigil-dev/vigil/targets/prometheus"
	"github.com/vigil-dev/vigil/targets/runbook"
)

// pages generates spec's runbooks: page path to Markdown.
func pages(t *testing.T, spec *compiler.Spec) map[string][]byte {
	t.Helper()
	arts, err := runbook.Target{}.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, a := range arts {
		out[a.Path] = a.Bytes
	}
	return out
}

// parse parses a page with the CommonMark parser the other tests use.
func parse(src []byte) ast.Node {
	return goldmark.New(goldmark.WithExtensions(extension.Table)).Parser().Parse(text.NewReader(src))
}

// nodeText is the text a node renders, escapes resolved.
func nodeText(n ast.Node, src []byte) string {
	var b strings.Builder
	ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch x := c.(type) {
		case *ast.Text:
			// The text as rendered: backslash escapes (\_ in
			// "feature\_name") stand for their character.
			b.Write(util.UnescapePunctuations(x.Segment.Value(src)))
			if x.SoftLineBreak() || x.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(x.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// allowedSeries are the series a runbook query may read: the recording
// rules the Prometheus target emits for the model, the model's source
// metrics (the metric mapping, and every series `vigil drift` exports),
// ALERTS, and series named in the spec's own PromQL.
func allowedSeries(t *testing.T, spec *compiler.Spec, m *compiler.Model) map[string]bool {
	t.Helper()
	mt := m.Metrics
	ok := map[string]bool{"ALERTS": true,
		mt.Requests.Metric: true, mt.Predictions.Metric: true, mt.Feedback.Metric: true,
		mt.Latency.Metric + "_bucket": true, mt.Latency.Metric + "_count": true,
		mt.Confidence.Metric + "_bucket": true, mt.Confidence.Metric + "_count": true}
	dm := m.DriftMetricNames()
	for _, n := range []string{dm.Score, dm.Threshold, dm.Detected, dm.LastRun, dm.MissingRatio, dm.ConsecutiveBreaches,
		dm.PValue, dm.SampleSize, dm.BinShare, dm.RowsRead, dm.FeatureErrors, dm.EvaluationDuration, dm.Errors} {
		ok[n] = true
	}
	for _, g := range prometheus.Groups(spec, m) {
		for _, r := range g.Rules {
			if r.Record != "" {
				ok[r.Record] = true
			}
		}
	}
	user := []string{m.Infrastructure.CPU, m.Infrastructure.Memory, m.Infrastructure.Replicas, m.Pipeline.LastSuccess, m.Pipeline.Rows}
	for _, k := range m.KPIs {
		user = append(user, k.Query)
	}
	for _, a := range m.Anomalies {
		user = append(user, a.Query)
	}
	for _, s := range m.SLOs {
		if s.Ratio != nil {
			user = append(user, strings.ReplaceAll(s.Ratio.Errors, "$window", "5m"), strings.ReplaceAll(s.Ratio.Total, "$window", "5m"))
		}
		if s.Freshness != nil {
			user = append(user, s.Freshness.LastSuccess)
		}
	}
	p := parser.NewParser(parser.Options{})
	for _, q := range user {
		if q == "" {
			continue
		}
		e, err := p.ParseExpr(q)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range selectors(e) {
			ok[n] = true
		}
	}
	return ok
}

func selectors(e parser.Expr) []string {
	var out []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs.Name)
		}
		return nil
	})
	return out
}

// exploreExpr decodes an Explore link's query.
func exploreExpr(t *testing.T, link string) (expr, datasource string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	var panes map[string]struct {
		Datasource string `json:"datasource"`
		Queries    []struct {
			Expr string `json:"expr"`
		} `json:"queries"`
	}
	if err := json.Unmarshal([]byte(u.Query().Get("panes")), &panes); err != nil {
		t.Fatalf("%s: %v", link, err)
	}
	for _, p := range panes {
		if len(panes) == 1 && len(p.Queries) == 1 {
			return p.Queries[0].Expr, p.Datasource
		}
	}
	t.Fatalf("%s: want one pane with one query", link)
	return "", ""
}

// TestDiagnosisQueries reads every query of every runbook page (every
// promql code block: the rule and the diagnosis queries) of every example
// and test case: each parses with the PromQL parser, yields an instant
// vector (what Explore and Prometheus's graph plot), and reads only the
// series the generated rules record, the spec's source metrics and
// ALERTS. Each diagnosis query's Explore link opens that exact query on
// the configured data source. Every alert kind the examples have gets
// diagnosis queries.
func TestDiagnosisQueries(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	kinds := map[string]int{}
	for name, spec := range loadExamples(t) {
		t.Run(name, func(t *testing.T) {
			files := pages(t, spec)
			for _, m := range spec.Models {
				allowed := allowedSeries(t, spec, m)
				for _, a := range prometheus.Alerts(spec, m) {
					pg := "runbooks/" + m.Name + "/" + a.Rule.Alert + ".md"
					src := files[pg]
					doc := parse(src)
					var last string // the latest query, which the next Explore link must open
					inQueries, n := false, 0
					ast.Walk(doc, func(node ast.Node, entering bool) (ast.WalkStatus, error) {
						if !entering {
							return ast.WalkContinue, nil
						}
						switch x := node.(type) {
						case *ast.Heading:
							inQueries = nodeText(x, src) == "Diagnosis queries"
						case *ast.FencedCodeBlock:
							if string(x.Language(src)) != "promql" {
								return ast.WalkContinue, nil
							}
							var b bytes.Buffer
							for i := 0; i < x.Lines().Len(); i++ {
								seg := x.Lines().At(i)
								b.Write(seg.Value(src))
							}
							q := strings.TrimSuffix(b.String(), "\n")
							e, err := p.ParseExpr(q)
							if err != nil {
								t.Errorf("%s: query does not parse: %v\n%s", pg, err, q)
								return ast.WalkContinue, nil
							}
							if e.Type() != parser.ValueTypeVector {
								t.Errorf("%s: query yields a %s, not an instant vector:\n%s", pg, e.Type(), q)
							}
							for _, s := range selectors(e) {
								if !allowed[s] {
									t.Errorf("%s: query reads %s, which is neither a source metric nor a recording rule vigil emits:\n%s", pg, s, q)
								}
							}
							if inQueries {
								last = q
								n++
							}
						case *ast.Link:
							dest := string(x.Destination)
							if !strings.Contains(dest, "/explore?") {
								return ast.WalkContinue, nil
							}
							expr, ds := exploreExpr(t, dest)
							if expr != last || last == "" {
								t.Errorf("%s: Explore link opens\n%s\nnot the query above it:\n%s", pg, expr, last)
							}
							if want := spec.Links.GrafanaDatasource; ds != want {
								t.Errorf("%s: Explore link on data source %q, want %q", pg, ds, want)
							}
							if !strings.HasPrefix(dest, spec.Links.Grafana+"/explore?") {
								t.Errorf("%s: Explore link %s is not under links.grafana", pg, dest)
							}
							last = ""
						}
						return ast.WalkContinue, nil
					})
					if n == 0 {
						t.Errorf("%s: no diagnosis queries", pg)
					}
					kinds[a.Kind] += n
				}
			}
		})
	}
	for _, k := range []string{prometheus.KindBurnRate, prometheus.KindBudgetTier, prometheus.KindQuality, prometheus.KindDrift,
		prometheus.KindDriftStale, prometheus.KindShare, prometheus.KindAnomaly, prometheus.KindAbsent} {
		if kinds[k] == 0 {
			t.Errorf("no example page of kind %s has diagnosis queries", k)
		}
	}
}

// TestDiagnosisQueriesSplit checks the breakdowns the examples' mappings
// allow: by the version label and by instance, the top error values of a
// multi-valued error matcher, latency quantiles, the feedback confusion
// matrix, the drift score history and the z-score.
func TestDiagnosisQueriesSplit(t *testing.T) {
	ex := loadExamples(t)
	for _, c := range []struct {
		example, page string
		want          []string
	}{
		{"saas-sla", "doc-classifier/AvailabilityFastBurn.md", []string{
			`sum by (model_version) (rate(docai_api_requests_total{code=~"5..",route="classify",service="docai-api"}[5m]))` + "\n/\n" + `sum by (model_version) (rate(docai_api_requests_total{route="classify",service="docai-api"}[5m]))`,
			`sum by (instance) (rate(docai_api_requests_total{code=~"5..",route="classify",service="docai-api"}[5m]))`,
			`topk(10, sum by (code) (rate(docai_api_requests_total{code=~"5..",route="classify",service="docai-api"}[5m])))`,
		}},
		{"saas-sla", "doc-classifier/LatencySlowBurn.md", []string{
			`histogram_quantile(0.99, sum by (le) (rate(docai_api_request_duration_seconds_bucket{route="classify",service="docai-api"}[5m])))`,
			`histogram_quantile(0.99, sum by (le, model_version) (rate(docai_api_request_duration_seconds_bucket{route="classify",service="docai-api"}[5m])))`,
			`1 - sum by (instance) (rate(docai_api_request_duration_seconds_bucket{le="0.5",route="classify",service="docai-api"}[5m]))`,
		}},
		{"saas-sla", "doc-classifier/GoldsetAccuracyBelowObjective.md", []string{
			`sum by (model_version, predicted_class, gold_class) (increase(docai_goldset_evaluations_total{job="docai-goldset-evaluator",model="doc-classifier"}[6h]))`,
			`vigil:sli_events:rate6h{model="doc-classifier",slo="goldset-accuracy"}`,
		}},
		{"recommendations-drift", "product-recs/PriceDrift.md", []string{
			`label_replace(vigil_drift_score{model="product-recs",feature="price"}, "series", "score", "", "")`,
			`vigil_drift_missing_ratio{model="product-recs",feature="price"}`,
		}},
		{"recommendations-drift", "product-recs/CtrDropAnomaly.md", []string{
			`vigil:anomaly:zscore{model="product-recs",anomaly="ctr-drop"}`,
			`offset 7d`,
		}},
	} {
		src := string(pages(t, ex[c.example])["runbooks/"+c.page])
		if src == "" {
			t.Errorf("%s: no page %s", c.example, c.page)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(src, w) {
				t.Errorf("%s %s lacks\n%s", c.example, c.page, w)
			}
		}
	}
}

// dashboards returns the generated dashboards' panels: UID to panel ID to
// title.
func dashboards(t *testing.T, spec *compiler.Spec) map[string]map[string]string {
	t.Helper()
	s := *spec
	s.Output.DashboardsFormat = "plain"
	arts, err := grafana.Target{}.Generate(&s)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, d := range arts {
		if !strings.HasSuffix(d.Path, ".json") {
			continue
		}
		var dash struct {
			UID    string `json:"uid"`
			Panels []struct {
				ID    uint32 `json:"id"`
				Type  string `json:"type"`
				Title string `json:"title"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(d.Bytes, &dash); err != nil {
			t.Fatal(err)
		}
		out[dash.UID] = map[string]string{}
		for _, p := range dash.Panels {
			if p.Type != "row" {
				out[dash.UID][fmt.Sprint(p.ID)] = p.Title
			}
		}
	}
	return out
}

var dashLinkRE = regexp.MustCompile(`/d/([A-Za-z0-9_-]+)(?:\?viewPanel=(\d+))?$`)

// withoutGrafanaURL is spec without links.grafana: links become paths.
func withoutGrafanaURL(spec *compiler.Spec) *compiler.Spec {
	s := *spec
	s.Links.Grafana = ""
	return &s
}

// TestPanelLinksExist checks every link of every runbook into Grafana's
// dashboards against the generated dashboards: its dashboard UID exists,
// its panel ID (viewPanel) exists in that dashboard, and the panel's title
// is the link's text, so the panel shows what the runbook says. Specs
// without links.grafana write panel references as a title and a path;
// those are checked the same way.
func TestPanelLinksExist(t *testing.T) {
	links, rel := 0, 0
	for name, spec := range loadExamples(t) {
		for _, s := range []*compiler.Spec{spec, withoutGrafanaURL(spec)} {
			dash := dashboards(t, s)
			for p, src := range pages(t, s) {
				check := func(dest, title string) {
					m := dashLinkRE.FindStringSubmatch(dest)
					if m == nil {
						return
					}
					links++
					panels, ok := dash[m[1]]
					switch {
					case !ok:
						t.Errorf("%s %s links to dashboard %s, which is not generated", name, p, m[1])
					case m[2] == "":
					case panels[m[2]] == "":
						t.Errorf("%s %s links to panel %s of %s, which does not exist", name, p, m[2], m[1])
					case panels[m[2]] != title:
						t.Errorf("%s %s links to panel %s of %s as %q, but the panel is %q", name, p, m[2], m[1], title, panels[m[2]])
					}
				}
				doc := parse(src)
				ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
					if !entering {
						return ast.WalkContinue, nil
					}
					switch x := n.(type) {
					case *ast.Link:
						check(string(x.Destination), nodeText(x, src))
					case *ast.AutoLink:
						check(string(x.URL(src)), "")
					case *ast.CodeSpan:
						// Without links.grafana: "*title* (`/d/…` on your
						// Grafana)".
						path := nodeText(x, src)
						if !strings.HasPrefix(path, "/d/") {
							break
						}
						title := ""
						if open := x.PreviousSibling(); open != nil && nodeText(open, src) == " (" {
							if em, ok := open.PreviousSibling().(*ast.Emphasis); ok {
								title = nodeText(em, src)
							}
						}
						if strings.Contains(path, "viewPanel=") {
							rel++
							if title == "" {
								t.Errorf("%s %s: panel path %s without the panel's title before it", name, p, path)
							}
						}
						check(path, title)
					}
					return ast.WalkContinue, nil
				})
			}
		}
	}
	if links == 0 || rel == 0 {
		t.Fatalf("%d panel links, %d without a Grafana URL", links, rel)
	}
}

// TestNoPromisedViews audits the generated runbook text (every spec's
// hand-written runbook content removed, so only vigil's own sentences
// remain): every paragraph or list item that speaks of a panel, a
// dashboard, a heatmap, a chart or a graph links to the panel
// or dashboard it means, unless it says that there is none.
func TestNoPromisedViews(t *testing.T) {
	view := regexp.MustCompile(`(?i)\b(panels?|dashboards?|heatmaps?|charts?|graphs?)\b`)
	none := regexp.MustCompile(`(?i)\bno\b[^.]*\b(panels?|dashboards?)\b`)
	for name, spec := range loadExamples(t) {
		for _, s := range []*compiler.Spec{withoutRunbookText(spec), withoutGrafanaURL(withoutRunbookText(spec))} {
			for p, src := range pages(t, s) {
				doc := parse(src)
				ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
					if !entering {
						return ast.WalkContinue, nil
					}
					switch n.(type) {
					case *ast.Paragraph, *ast.ListItem:
					default:
						return ast.WalkContinue, nil
					}
					txt := nodeText(n, src)
					if !view.MatchString(txt) || none.MatchString(txt) {
						return ast.WalkContinue, nil
					}
					linked := false
					ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
						switch x := c.(type) {
						case *ast.Link:
							linked = linked || strings.Contains(string(x.Destination), "/d/")
						case *ast.AutoLink:
							linked = linked || strings.Contains(string(x.URL(src)), "/d/")
						case *ast.CodeSpan:
							linked = linked || strings.HasPrefix(nodeText(x, src), "/d/")
						}
						return ast.WalkContinue, nil
					})
					if !linked {
						t.Errorf("%s %s: speaks of a view without linking it: %q", name, p, txt)
					}
					return ast.WalkSkipChildren, nil
				})
			}
		}
	}
}

// withoutRunbookText is spec with every hand-written runbook text
// removed.
func withoutRunbookText(spec *compiler.Spec) *compiler.Spec {
	s := *spec
	s.Models = nil
	for _, m := range spec.Models {
		mm := *m
		mm.Runbook = compiler.ModelRunbook{}
		mm.SLOs, mm.Features, mm.Shares, mm.Anomalies = nil, nil, nil, nil
		for _, x := range m.SLOs {
			c := *x
			c.Runbook = compiler.RunbookContent{}
			mm.SLOs = append(mm.SLOs, &c)
		}
		for _, x := range m.Features {
			c := *x
			c.Runbook = compiler.RunbookContent{}
			mm.Features = append(mm.Features, &c)
		}
		for _, x := range m.Shares {
			c := *x
			c.Runbook = compiler.RunbookContent{}
			mm.Shares = append(mm.Shares, &c)
		}
		for _, x := range m.Anomalies {
			c := *x
			c.Runbook = compiler.RunbookContent{}
			mm.Anomalies = append(mm.Anomalies, &c)
		}
		s.Models = append(s.Models, &mm)
	}
	return &s
}
