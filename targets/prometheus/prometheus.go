// Package prometheus is the Prometheus target: per model, a rule file
// with SLI recording rules, error-budget meta rules, multiwindow
// multi-burn-rate alerts, budget-tier alerts and ML alerts (quality,
// drift, confidence share, anomaly, absent data).
//
// Every file is checked before it is returned: a rule that Prometheus
// would refuse is a vigil bug and fails the compile instead of reaching
// Prometheus. Files rendered by the dedicated writer (all of them in
// practice) get rulefmt.Parse's checks on their rule groups, with
// rulefmt's, the PromQL parser's and Prometheus's template code, shared
// between identical expression shapes and templates (verify.go); any
// other file, and any file with a problem, is parsed with rulefmt.Parse
// itself (Validate).
package prometheus

import (
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/vigil-dev/vigil/internal/yamlout"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/vigil-dev/vigil/compiler"
)

// Target is the Prometheus rules target.
type Target struct{}

// Name implements compiler.Target.
func (Target) Name() string { return "prometheus" }

// Generate implements compiler.Target. The spec's output.prometheus.format
// picks the form: plain rule files with promtool unit tests (default),
// prometheus-operator PrometheusRule objects, or Mimir/Cortex ruler
// namespace files. All forms hold the same groups, validated as a plain
// rule file.
func (Target) Generate(spec *compiler.Spec) ([]compiler.Artifact, error) {
	// Models are independent, and rendering plus re-parsing a rule file is
	// CPU-bound, so models are generated in parallel; results keep model
	// order.
	results := make([][]compiler.Artifact, len(spec.Models))
	errs := make([]error, len(spec.Models))
	checker := newRuleChecker()
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], errs[i] = generateModel(spec, spec.Models[i], checker)
			}
		}()
	}
	for i := range spec.Models {
		next <- i
	}
	close(next)
	wg.Wait()
	var out []compiler.Artifact
	for i, m := range spec.Models {
		if errs[i] != nil {
			return nil, fmt.Errorf("model %s: %w", m.Name, errs[i])
		}
		out = append(out, results[i]...)
	}
	return out, nil
}

func generateModel(spec *compiler.Spec, m *compiler.Model, checker *ruleChecker) ([]compiler.Artifact, error) {
	alerts := Alerts(spec, m)
	rgs := groups(spec, m, alerts)
	// The file is checked before it is returned: by the rule checker
	// (rulefmt's checks on the groups, see verify.go) when the dedicated
	// writer rendered it, by rulefmt.Parse itself otherwise or when the
	// compile asks for it (--rule-check rulefmt).
	plain, byWriter, err := render(rgs)
	if err != nil {
		return nil, err
	}
	if byWriter && spec.Output.RuleCheck != "rulefmt" {
		err = checker.check(rgs, plain)
	} else {
		err = Validate(plain)
	}
	if err != nil {
		return nil, fmt.Errorf("generated rules are invalid (this is a vigil bug): %w", err)
	}
	switch spec.Output.RulesFormat {
	case "operator":
		b, err := renderOperator(spec, m, rgs)
		if err != nil {
			return nil, err
		}
		return []compiler.Artifact{{Path: "prometheus/" + m.Name + ".prometheusrule.yaml", Bytes: b}}, nil
	case "mimir":
		b, err := renderYAML(mimirNamespace{Namespace: "vigil-" + m.Name, Groups: rgs})
		if err != nil {
			return nil, err
		}
		return []compiler.Artifact{{Path: "prometheus/mimir/" + m.Name + ".yaml", Bytes: b}}, nil
	}
	out := []compiler.Artifact{{Path: "prometheus/" + m.Name + ".rules.yaml", Bytes: plain}}
	tests, err := unitTests(spec, m, alerts, groupNames(rgs))
	if err != nil {
		return nil, fmt.Errorf("unit tests: %w", err)
	}
	if tests != nil {
		out = append(out, compiler.Artifact{Path: "prometheus/tests/" + m.Name + ".test.yaml", Bytes: tests})
	}
	history, err := historyTestFile(m, alerts, groupNames(rgs))
	if err != nil {
		return nil, fmt.Errorf("unit tests: %w", err)
	}
	if history != nil {
		out = append(out, compiler.Artifact{Path: "prometheus/tests/" + m.Name + ".history.test.yaml", Bytes: history})
	}
	return out, nil
}

// mimirNamespace is a Mimir/Cortex ruler namespace file.
type mimirNamespace struct {
	Namespace string              `yaml:"namespace"`
	Groups    []rulefmt.RuleGroup `yaml:"groups"`
}

// prometheusRule is a prometheus-operator PrometheusRule object.
type prometheusRule struct {
	APIVersion string             `yaml:"apiVersion"`
	Kind       string             `yaml:"kind"`
	Metadata   objectMeta         `yaml:"metadata"`
	Spec       rulefmt.RuleGroups `yaml:"spec"`
}

type objectMeta struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace,omitempty"`
	Labels    map[string]string `yaml:"labels"`
}

func renderOperator(spec *compiler.Spec, m *compiler.Model, groups []rulefmt.RuleGroup) ([]byte, error) {
	labels := map[string]string{
		"app.kubernetes.io/managed-by": "vigil",
		"vigil.dev/model":              m.Name,
	}
	for _, l := range spec.Output.RuleLabels {
		labels[l.Name] = l.Value
	}
	return renderYAML(prometheusRule{
		APIVersion: "monitoring.coreos.com/v1",
		Kind:       "PrometheusRule",
		Metadata:   objectMeta{Name: "vigil-" + m.Name, Namespace: spec.Output.Namespace, Labels: labels},
		Spec:       rulefmt.RuleGroups{Groups: groups},
	})
}

// Render writes rule groups as a Prometheus rule file with the generated
// header. Maps (labels, annotations) are written with sorted keys. The
// bytes are yaml.v3's; a dedicated writer produces them when every string
// is in the subset it supports, and yaml.v3 itself otherwise.
func Render(groups []rulefmt.RuleGroup) ([]byte, error) {
	b, _, err := render(groups)
	return b, err
}

// render is Render, also reporting whether the dedicated writer wrote
// the file.
func render(groups []rulefmt.RuleGroup) (b []byte, byWriter bool, err error) {
	if b, ok := appendRuleFile(make([]byte, 0, ruleFileSize(groups)), groups); ok {
		return b, true, nil
	}
	b, err = renderYAML(rulefmt.RuleGroups{Groups: groups})
	return b, false, err
}

// renderYAML writes v as YAML after the generated header and any further
// comment lines.
func renderYAML(v any, comments ...string) ([]byte, error) { return yamlout.Render(v, comments...) }

// Validate parses a rule file the way Prometheus loads it (rulefmt.Parse)
// and checks for duplicate group and alert names. The target uses it for
// files the dedicated writer did not render and for the error message of
// any file with a problem; tests use it on every golden file.
func Validate(b []byte) error {
	p := parser.NewParser(parser.Options{})
	rgs, errs := rulefmt.Parse(b, false, model.UTF8Validation, p, nil)
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	// rulefmt.Parse has parsed every expression with the PromQL parser
	// and every annotation template; what is left is vigil's own rule
	// that alert names are unique within a file.
	alerts := map[string]bool{}
	for _, g := range rgs.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			if alerts[r.Alert] {
				return fmt.Errorf("alert %s is defined twice", r.Alert)
			}
			alerts[r.Alert] = true
		}
	}
	return nil
}
