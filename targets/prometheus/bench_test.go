package prometheus_test

import (
	"fmt"
	"testing"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/benchcpu"
	"github.com/vigil-dev/vigil/internal/specgen"
	"github.com/vigil-dev/vigil/targets/prometheus"
)

// BenchmarkPrometheusTarget generates (and validates) the rules of the
// 1,000-model spec used by BenchmarkCompileLarge: 10 features and 3 SLOs
// per model.
func BenchmarkPrometheusTarget(b *testing.B) {
	dir := b.TempDir()
	if err := specgen.Write(dir, specgen.Size{Models: 1000, Features: 10, SLOs: 3}); err != nil {
		b.Fatal(err)
	}
	spec, diags, err := compiler.Load(compiler.Source{Args: []string{dir}})
	if err != nil || len(diags) > 0 {
		b.Fatal(err, diags)
	}
	b.ReportAllocs()
	cpu := benchcpu.Start()
	for b.Loop() {
		arts, err := prometheus.Target{}.Generate(spec)
		if err != nil {
			b.Fatal(err)
		}
		if len(arts) < 1000 {
			b.Fatalf("%d artifacts", len(arts))
		}
	}
	cpu.Report(b)
}

// BenchmarkRuleEvaluation measures what the generated rules cost
// Prometheus: one availability SLO's recording rules evaluated in the real
// engine against 30 days of 1-minute samples, at several numbers of
// request series behind the SLO (instances x status codes). It reports
// the time of one evaluation of all recording rules, late in the 30 days
// when the 30d window is full, and the samples they produced.
//
// series=N are vigil's rules (the sli and budget groups); sloth/ and
// pyrra/ evaluate the rules those tools generate for the same SLO on the
// same data (see evalcmp_test.go and testdata/evalcmp).
func BenchmarkRuleEvaluation(b *testing.B) {
	for _, rs := range ruleSets(b) {
		run := func(b *testing.B) {
			for _, series := range []int{1, 10, 100} {
				b.Run(fmt.Sprintf("series=%d", series), func(b *testing.B) {
					benchRuleEvaluation(b, rs, series)
				})
			}
		}
		if rs.name == "vigil" {
			run(b) // the names the benchmark had before the comparison
			continue
		}
		b.Run(rs.name, run)
	}
}

func benchRuleEvaluation(b *testing.B, rs ruleSet, series int) {
	run := prepare(b, rs, series)
	defer run.Close()
	// One untimed evaluation first: Prometheus evaluates these rules every
	// 30s to few minutes, so what is timed is the steady state, with the
	// chunks the rules read already paged in.
	samples, err := run.EvalRecordingAt(evalEnd)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		n, err := run.EvalRecordingAt(evalEnd)
		if err != nil {
			b.Fatal(err)
		}
		samples = n
	}
	b.ReportMetric(float64(run.RecordingRules()), "rules")
	b.ReportMetric(float64(samples), "samples/op")
}
