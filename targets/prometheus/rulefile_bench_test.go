package prometheus

import (
	"strings"
	"testing"
	texttemplate "text/template"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/vigil-dev/vigil/internal/benchcpu"
	"github.com/vigil-dev/vigil/internal/specgen"
	"github.com/vigil-dev/vigil/internal/yamlout"
)

// BenchmarkRuleFiles splits the Prometheus target's per-file work for the
// 1,000-model spec, on one goroutine: rendering every model's rule file
// with the dedicated writer and with yaml.v3, validating every file with
// rulefmt.Parse and its parts, and the rule checker the target uses
// instead (verify.go).
func BenchmarkRuleFiles(b *testing.B) {
	spec := specgen.Compile(b, specgen.Large)
	all := make([][]rulefmt.RuleGroup, len(spec.Models))
	files := make([][]byte, len(spec.Models))
	for i, m := range spec.Models {
		all[i] = Groups(spec, m)
		var err error
		if files[i], err = Render(all[i]); err != nil {
			b.Fatal(err)
		}
	}
	// run times op once per iteration, with allocations and CPU time.
	run := func(name string, op func(b *testing.B)) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := benchcpu.Start()
			for b.Loop() {
				op(b)
			}
			cpu.Report(b)
		})
	}
	run("render/writer", func(b *testing.B) {
		for _, g := range all {
			if _, ok := appendRuleFile(make([]byte, 0, ruleFileSize(g)), g); !ok {
				b.Fatal("the writer fell back to yaml.v3")
			}
		}
	})
	run("render/yaml.v3", func(b *testing.B) {
		for _, g := range all {
			if _, err := yamlout.Render(rulefmt.RuleGroups{Groups: g}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The parts of rulefmt.Parse, to size the options: its per-rule
	// validation alone (rulefmt's own Rule.Validate on the structs: every
	// expression parsed, every alert label and annotation parsed as a
	// template; no YAML decoding), and the PromQL parse alone.
	p := parser.NewParser(parser.Options{})
	run("validate/rule.Validate", func(b *testing.B) {
		eachRule(all, func(r *rulefmt.Rule) {
			if errs := r.Validate(rulefmt.RuleNode{}, model.UTF8Validation, p); len(errs) > 0 {
				b.Fatal(errs)
			}
		})
	})
	run("validate/promql", func(b *testing.B) {
		eachRule(all, func(r *rulefmt.Rule) {
			if _, err := p.ParseExpr(r.Expr); err != nil {
				b.Fatal(err)
			}
		})
	})
	// What a template check that registers Prometheus's template
	// functions once per file (instead of once per label and annotation,
	// as rulefmt does) would cost: the same parse of the same
	// "definitions + text" string, with stand-ins of the same names.
	funcs := texttemplate.FuncMap{}
	for _, name := range strings.Fields(`query first label value strvalue args reReplaceAll
		safeHtml match title toUpper toLower graphLink tableLink sortByLabel stripPort
		stripDomain humanize humanizeDuration humanizePercentage humanizeTimestamp toTime
		toDuration now pathPrefix externalURL parseDuration urlQueryEscape`) {
		funcs[name] = func(...any) any { return nil }
	}
	const defs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	run("validate/templates-shared-funcs", func(b *testing.B) {
		for _, g := range all {
			base := texttemplate.New("").Funcs(funcs).Option("missingkey=zero")
			eachRule([][]rulefmt.RuleGroup{g}, func(r *rulefmt.Rule) {
				if r.Alert == "" {
					return
				}
				for _, m := range []map[string]string{r.Labels, r.Annotations} {
					for _, text := range m {
						if _, err := base.New("__alert_" + r.Alert).Parse(defs + text); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	})
	run("validate", func(b *testing.B) {
		for _, f := range files {
			if err := Validate(f); err != nil {
				b.Fatal(err)
			}
		}
	})
	// What the target runs instead (verify.go): rulefmt's checks on the
	// groups, with expression shapes and templates shared by one checker
	// per compile.
	run("check", func(b *testing.B) {
		c := newRuleChecker()
		for i, f := range files {
			if err := c.check(all[i], f); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// eachRule calls fn on every rule of every model's groups.
func eachRule(all [][]rulefmt.RuleGroup, fn func(*rulefmt.Rule)) {
	for _, g := range all {
		for _, grp := range g {
			for i := range grp.Rules {
				fn(&grp.Rules[i])
			}
		}
	}
}
