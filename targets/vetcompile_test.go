package targets_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"
	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/template"
	"go.yaml.in/yaml/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/internal/ddstrict"
	"github.com/vigil-dev/vigil/internal/specmut"
	"github.com/vigil-dev/vigil/targets"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// oddTexts are strings that free-text fields must carry through every
// target: template syntax of Prometheus, Alertmanager and Grafana, YAML
// and Markdown syntax, quotes, escapes, Unicode, control characters and
// very long text.
var oddTexts = []string{
	"{{", "}}", "{}}", "{{{", "{{ .Labels }}", "{{ $value }}", "{{ $labels.team }}", "{{- x -}}",
	"{{/* c */}}", `{{ "{{" }}`, "{{ end }}", `{{ define "x" }}y{{ end }}`, "$value", "${datasource}",
	"$__interval", "[[version]]", "`code`", `"double"`, "'single'", `back\slash`, "a\nb", "a\r\nb", "\ttab",
	" padded ", "é 日本 🙂", "\u200b", "\u202e", "x\x00y", "\x7f", "%s %d %!", "<b>&amp;</b>", "| pipe |",
	"# heading", "- item", "key: value", "? q", "&anchor", "*alias", "!!str", "null", "true", "0", "~",
	"@daily", "0 2 * * *", "99 99 * * *", "https://x.example/{{y}}", "https://x.example/a b",
	"http://x.example/%7B%7B", "-", ".", "..", "/", "a/b", "x" + strings.Repeat("long text ", 1000),
	strings.Repeat("{{", 300),
}

// oddNumbers are number literals that are valid somewhere in the schema
// and odd everywhere: tiny, huge, long decimals, exponents.
var oddNumbers = []string{
	"0", "1", "2", "7", "59", "63", "64", "100", "1000", "1001", "99.9", "99.99999", "99.9999999999999999",
	"0.000001", "1e-9", "1e2", "5e-324", "1.7976931348623157e308", "9223372036854775807",
	"9223372036854775808", "0.5", "50.0", "3.14159265358979323846", "1_000",
}

// moreValues add cron, schedule, URL and label-value cases to the
// default replacement values.
var moreValues = []string{
	`"0 2 * * *"`, `"@every 6h"`, `"@daily"`, `"99 99 * * *"`, `"0 2 * * 7"`, `"CRON_TZ=UTC 0 2 * * *"`,
	`"0 0 30 2 *"`, `"1h"`, `"6h"`, `"weekly"`, `"hourly"`, `"https://x.example/{{y}}"`, `"{{ $value }}"`,
	`{"a-b": "x"}`, `{team: "{{"}`, `{critical: "P1 {{"}`, `"P1"`, `"operator"`, `"mimir"`, `"v2"`, `"configmap"`,
}

// moreFields add top-level and drift field names to the defaults.
var moreFields = []string{
	"cron", "schedule", "links", "runbooks", "grafana", "severity_names", "contacts", "chat", "owner",
	"title", "namespace", "image", "folder", "url", "target", "receivers", "version_label", "prefix",
}

// textSpec is a source spec that sets the free-text and drift fields the
// examples leave out, so that mutations reach them: contacts, receiver
// targets, output settings, KPI and feature texts, runbook content, a
// cron schedule.
const textSpec = `package texts

import "github.com/vigil-dev/vigil/schema"

schema.#Spec

links: {runbooks: "https://git.example.com/rb", grafana: "https://grafana.example.com"}
teams: ml: {
	contacts: {chat: "#ml", pager: "ml-primary", email: "ml@example.com", owner: "Ada"}
	receivers: {critical: "pager", warning: "hook"}
}
routing: {
	default_receiver: "pager"
	receivers: {
		pager: {kind: "pagerduty", target: "ML primary rotation"}
		hook: {kind: "webhook", target: "retraining pipeline", url: "https://hooks.example.com/retrain"}
	}
	severity_names: {critical: "P1", warning: "P3", info: "P5"}
}
output: {
	prometheus: {namespace: "monitoring", labels: {release: "prometheus"}}
	grafana: {folder: "ML models", namespace: "grafana", instance_labels: {dashboards: "grafana"}}
	drift: {image: "registry.example.com/vigil:1.0", namespace: "ml"}
}
models: scorer: {
	display_name: "Credit scorer"
	description:  "Scores loan applications."
	team:         "ml"
	labels: {business_unit: "lending", region: "eu"}
	links: {repo: "https://git.example.com/scorer"}
	kpis: approvals: {
		title:       "Approval rate"
		query:       "sum(rate(approvals_total[5m]))"
		unit:        "percentunit"
		description: "Approved applications per second."
	}
	features: income: {
		type:        "numeric"
		description: "Declared income."
		runbook: {diagnosis: ["Check the form."], mitigation: ["Retrain."]}
	}
	drift: {
		reference: path: "ref.parquet"
		current: {path: "cur/*.parquet", time_column: "ts"}
		schedule: "6h"
		cron:     "0 */6 * * *"
		share_threshold: 50
	}
	slos: up: {
		description:  "Scores are served."
		objective:    99.9
		availability: {}
		alerting: budget_tiers: [{consumed: 50, severity: "warning"}]
	}
	runbook: {
		kinds: drift: {summary: "Inputs moved.", diagnosis: ["Compare histograms."]}
		escalation: ["Ask in #ml."]
	}
	retraining: receiver: "hook"
}
`

// TestVetAcceptsThenCompileSucceeds mutates the examples and test cases
// at random, everywhere in the spec (odd texts in every string, odd
// numbers in every number, values replaced, fields added, renamed and
// deleted) and checks the contract between `vigil vet` and `vigil
// compile`: whatever Load accepts, Generate turns into artifacts with
// every target, in every rules and dashboards format, and the artifacts
// load in the tools that read them (rule files in rulefmt, the
// Alertmanager config in Alertmanager, drift configs and CronJob
// schedules in their parsers, every YAML and JSON file in its decoder).
// Whatever Load rejects, it rejects with positioned messages. Set
// VIGIL_VET_COMPILE_MUTATIONS=N for a longer run.
func TestVetAcceptsThenCompileSucceeds(t *testing.T) {
	n := 100
	if testing.Short() {
		n = 20
	}
	if s := os.Getenv("VIGIL_VET_COMPILE_MUTATIONS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatalf("VIGIL_VET_COMPILE_MUTATIONS: %v", err)
		}
	}
	files, _ := filepath.Glob("../examples/*/spec.cue")
	cases, _ := filepath.Glob("../testdata/cases/*/input/spec.cue")
	files = append(files, cases...)
	if len(files) < 4 {
		t.Fatalf("found %d source specs", len(files))
	}
	sources := [][]byte{[]byte(textSpec)}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, b)
	}
	// Every source is valid as it stands.
	for i, src := range sources {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "spec.cue"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, diags, err := compiler.Load(compiler.Source{Args: []string{"."}, Dir: dir}); err != nil || len(diags) > 0 {
			t.Fatalf("source %d does not load: %v %v", i, err, diags)
		}
	}
	opts := specmut.Options{
		Everywhere: true,
		Values:     append(append([]string(nil), specmut.Values...), moreValues...),
		Fields:     append(append([]string(nil), specmut.Fields...), moreFields...),
		Texts:      oddTexts,
		Numbers:    oddNumbers,
	}
	literals := opts
	literals.LiteralsOnly = true
	rng := rand.New(rand.NewPCG(7, 8))
	// The opt-in Datadog target too: its payloads must decode strictly
	// into the Datadog client's types for every spec vet accepts.
	all := append(targets.All(), targets.OptIn()...)
	var accepted, rejected int
	for i := range n {
		// Every third spec is the text spec with only literals replaced:
		// it mostly stays valid, so the odd texts reach the targets.
		src, o := sources[i%len(sources)], opts
		if i%3 == 0 {
			src, o = sources[0], literals
		}
		out, desc, err := specmut.Mutate(src, rng, o)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "spec.cue"), out, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("%04d", i), func(t *testing.T) {
			failed := func(format string, args ...any) {
				t.Helper()
				t.Errorf("mutations: %s\n%s\nspec:\n%s", desc, fmt.Sprintf(format, args...), out)
			}
			spec, diags, err := compiler.Load(compiler.Source{Args: []string{"."}, Dir: dir})
			if err != nil {
				failed("Load failed instead of reporting diagnostics: %v", err)
				return
			}
			if len(diags) > 0 {
				rejected++
				for _, d := range diags {
					if !d.Pos.IsValid() || d.Message == "" {
						failed("diagnostic without position or message: %+v", d)
					}
				}
				return
			}
			accepted++
			variants := []struct{ rules, dashboards, check string }{
				{spec.Output.RulesFormat, spec.Output.DashboardsFormat, ""},
				{compiler.RulesFormats[i%3], compiler.DashboardsFormats[i%4], compiler.RuleChecks[i%2]},
			}
			for _, v := range variants {
				s := *spec
				s.Output.RulesFormat, s.Output.DashboardsFormat, s.Output.RuleCheck = v.rules, v.dashboards, v.check
				if v.dashboards == "operator" && len(s.Output.GrafanaInstanceLabels) == 0 {
					// Choosing the operator form on the command line
					// needs instance labels in the spec (vet checks them
					// only when the spec chooses it).
					s.Output.GrafanaInstanceLabels = []compiler.Label{{Name: "dashboards", Value: "grafana"}}
				}
				arts, err := compiler.Generate(&s, all)
				if err != nil {
					failed("vet accepts the spec, compile (rules %q, dashboards %q) fails: %v", v.rules, v.dashboards, err)
					return
				}
				if err := checkArtifacts(arts); err != nil {
					failed("rules %q, dashboards %q: %v", v.rules, v.dashboards, err)
				}
			}
		})
	}
	t.Logf("%d mutated specs: %d accepted and compiled, %d rejected", n, accepted, rejected)
	if n >= 50 && (accepted < n/5 || rejected < n/5) {
		t.Errorf("the mutations do not exercise both verdicts: %d accepted, %d rejected", accepted, rejected)
	}
}

// checkArtifacts loads generated files in the parsers of the tools that
// read them.
func checkArtifacts(arts map[string][]byte) error {
	for _, p := range compiler.SortedPaths(arts) {
		b := arts[p]
		switch {
		case strings.HasSuffix(p, ".json"):
			if !json.Valid(b) {
				return fmt.Errorf("%s is not valid JSON", p)
			}
		case strings.HasSuffix(p, ".yaml"):
			dec := yaml.NewDecoder(strings.NewReader(string(b)))
			for {
				var v any
				if err := dec.Decode(&v); err != nil {
					if errors.Is(err, io.EOF) {
						break
					}
					return fmt.Errorf("%s: %v", p, err)
				}
				if err := checkDocument(p, v); err != nil {
					return err
				}
			}
		}
		var err error
		switch {
		case strings.HasPrefix(p, "datadog/slos/"):
			_, err = ddstrict.Decode[[]datadogV1.ServiceLevelObjectiveRequest](b)
		case strings.HasPrefix(p, "datadog/monitors/"):
			_, err = ddstrict.Decode[[]datadogV1.Monitor](b)
		case strings.HasPrefix(p, "datadog/dashboards/"):
			_, err = ddstrict.Decode[datadogV1.Dashboard](b)
		}
		if err != nil {
			return fmt.Errorf("%s does not decode strictly into the Datadog client's types: %v", p, err)
		}
		switch {
		case p == "alertmanager/alertmanager.example.yaml":
			if _, err := amconfig.Load(string(b)); err != nil {
				return fmt.Errorf("Alertmanager rejects %s: %v", p, err)
			}
		case strings.HasPrefix(p, "drift/") && p != "drift/schema.json":
			c, err := config.Parse(b)
			if err != nil {
				return fmt.Errorf("%s: %v", p, err)
			}
			if _, err := config.ParseCron(c.Cron); err != nil {
				return fmt.Errorf("%s: %v", p, err)
			}
		}
	}
	return nil
}

// checkDocument checks one YAML document: Prometheus rule groups (plain,
// Mimir, or a PrometheusRule's spec) with rulefmt, and a CronJob's
// schedule as Kubernetes does.
func checkDocument(path string, v any) error {
	doc, _ := v.(map[string]any)
	if doc == nil {
		return nil
	}
	groups := doc["groups"]
	if s, ok := doc["spec"].(map[string]any); ok && doc["kind"] == "PrometheusRule" {
		groups = s["groups"]
	}
	if groups != nil && strings.HasPrefix(path, "prometheus/") && !strings.HasPrefix(path, "prometheus/tests/") {
		b, err := yaml.Marshal(map[string]any{"groups": groups})
		if err != nil {
			return err
		}
		if err := prometheus.Validate(b); err != nil {
			return fmt.Errorf("%s: rulefmt rejects the rules: %v", path, err)
		}
		if err := checkExpansions(b); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
	}
	if doc["kind"] == "CronJob" {
		sched, _ := doc["spec"].(map[string]any)["schedule"].(string)
		if _, err := config.ParseCron(sched); err != nil {
			return fmt.Errorf("%s: Kubernetes rejects the CronJob: %v", path, err)
		}
		if err := checkJobTemplate(doc); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
	}
	return nil
}

// checkJobTemplate decodes a CronJob into Kubernetes's own batch/v1
// types, refusing any field they lack, and applies the rules of the API
// server's Job validation that the job template can break
// (validateJobSpec in kubernetes/kubernetes
// pkg/apis/batch/validation/validation.go): counts not negative, a
// restart policy of Never or OnFailure, a known completion mode, and for
// an Indexed Job completions set and parallelism at most 100,000 (10,000
// when completions exceed 100,000). It also checks what vigil's sharded
// CronJob promises: one pod per shard at once, and the evaluator told
// the same shard count.
func checkJobTemplate(doc map[string]any) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var cj batchv1.CronJob
	if err := dec.Decode(&cj); err != nil {
		return fmt.Errorf("not a batch/v1 CronJob: %v", err)
	}
	js := cj.Spec.JobTemplate.Spec
	for name, v := range map[string]*int32{"completions": js.Completions, "parallelism": js.Parallelism, "backoffLimit": js.BackoffLimit} {
		if v != nil && *v < 0 {
			return fmt.Errorf("Kubernetes rejects the job template: %s %d is negative", name, *v)
		}
	}
	if p := js.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever && p != corev1.RestartPolicyOnFailure {
		return fmt.Errorf("Kubernetes rejects the job template: restartPolicy %q (a Job's must be Never or OnFailure)", p)
	}
	if len(js.Template.Spec.Containers) != 1 {
		return fmt.Errorf("the job template has %d containers, want vigil's one", len(js.Template.Spec.Containers))
	}
	args := js.Template.Spec.Containers[0].Args
	shardCount := ""
	if i := slices.Index(args, "--shard-count"); i >= 0 && i+1 < len(args) {
		shardCount = args[i+1]
	}
	if js.CompletionMode == nil || *js.CompletionMode == batchv1.NonIndexedCompletion {
		if js.Completions != nil || js.Parallelism != nil || shardCount != "" {
			return fmt.Errorf("a job template that is not Indexed sets completions, parallelism or --shard-count")
		}
		return nil
	}
	if *js.CompletionMode != batchv1.IndexedCompletion {
		return fmt.Errorf("Kubernetes rejects the job template: completionMode %q (want NonIndexed or Indexed)", *js.CompletionMode)
	}
	if js.Completions == nil {
		return fmt.Errorf("Kubernetes rejects the job template: completions is required when completion mode is Indexed")
	}
	if js.Parallelism != nil && (*js.Parallelism > 100000 || *js.Completions > 100000 && *js.Parallelism > 10000) {
		return fmt.Errorf("Kubernetes rejects the job template: parallelism %d is too high for an Indexed Job of %d completions", *js.Parallelism, *js.Completions)
	}
	if js.Parallelism == nil || *js.Parallelism != *js.Completions || shardCount != strconv.Itoa(int(*js.Completions)) || *js.Completions < 2 {
		return fmt.Errorf("a sharded evaluation must run its %d shards at once (parallelism %v) and pass the same --shard-count (%q)", *js.Completions, js.Parallelism, shardCount)
	}
	return nil
}

// checkExpansions expands every alert label and annotation in
// Prometheus's template expander, as the rule engine does, and checks
// that spec text comes out as written: a label value or annotation with
// no template of vigil's must expand to its unescaped text (only
// descriptions hold vigil's {{ $value }}).
func checkExpansions(rules []byte) error {
	var rgs rulefmt.RuleGroups
	if err := yaml.Unmarshal(rules, &rgs); err != nil {
		return err
	}
	defs := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	data := template.AlertTemplateData(map[string]string{"instance": "i"}, nil, "", promql.Sample{F: 1})
	for _, g := range rgs.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			texts := map[string]string{}
			for k, v := range r.Labels {
				texts["label "+k] = v
			}
			for k, v := range r.Annotations {
				if k != "description" {
					texts["annotation "+k] = v
				}
			}
			for what, v := range texts {
				got, err := template.NewTemplateExpander(context.Background(), defs+v, "__alert_"+r.Alert, data, 0, nil, nil, nil).Expand()
				if want := compiler.UnescapeTemplate(v); err != nil || got != want {
					return fmt.Errorf("alert %s, %s %q expands to %q (%v), want %q", r.Alert, what, v, got, err, want)
				}
			}
		}
	}
	return nil
}

// TestCheckJobTemplate runs checkJobTemplate on the sharded golden
// case's CronJob and on broken copies of it, so that the check
// TestVetAcceptsThenCompileSucceeds relies on is known to reject what
// Kubernetes rejects.
func TestCheckJobTemplate(t *testing.T) {
	b, err := os.ReadFile("../testdata/cases/sharded-drift/output/kubernetes/drift/ranker.yaml")
	if err != nil {
		t.Fatal(err)
	}
	load := func() map[string]any {
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("no CronJob: %v", err)
			}
			if doc["kind"] == "CronJob" {
				return doc
			}
		}
	}
	jobSpec := func(doc map[string]any) map[string]any {
		return doc["spec"].(map[string]any)["jobTemplate"].(map[string]any)["spec"].(map[string]any)
	}
	if err := checkJobTemplate(load()); err != nil {
		t.Fatalf("the generated CronJob: %v", err)
	}
	for name, c := range map[string]struct {
		edit func(js map[string]any)
		want string
	}{
		"no completions":     {func(js map[string]any) { delete(js, "completions") }, "completions is required"},
		"unknown mode":       {func(js map[string]any) { js["completionMode"] = "Sharded" }, `completionMode "Sharded"`},
		"misspelt field":     {func(js map[string]any) { js["completionsMode"] = "Indexed" }, "unknown field"},
		"too parallel":       {func(js map[string]any) { js["parallelism"] = 100001 }, "parallelism 100001 is too high"},
		"fewer pods at once": {func(js map[string]any) { js["parallelism"] = 2 }, "at once"},
		"restart always": {func(js map[string]any) {
			js["template"].(map[string]any)["spec"].(map[string]any)["restartPolicy"] = "Always"
		}, "Never or OnFailure"},
		"other shard count": {func(js map[string]any) {
			c := js["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
			c["args"] = []any{"drift", "run", "--config", "/etc/vigil/drift.yaml", "--shard-count", "2"}
		}, "same --shard-count"},
		"not indexed": {func(js map[string]any) { delete(js, "completionMode") }, "not Indexed"},
	} {
		doc := load()
		c.edit(jobSpec(doc))
		if err := checkJobTemplate(doc); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", name, err, c.want)
		}
	}
}
