package prometheus_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/benchcpu"
	"github.com/vigil-dev/vigil/internal/ruletest"
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
// Prometheus: one availability SLO's recording groups evaluated in the
// real engine against 30 days of 1-minute samples, at several numbers of
// request series behind the SLO (instances x status codes). It reports
// the time of one evaluation of all recording groups, late in the 30 days
// when the 30d window is full.
func BenchmarkRuleEvaluation(b *testing.B) {
	rules := compileRules(b, `package x
models: m: {
	team: "t"
	slos: availability: {objective: 99.9, availability: {}}
}
`)
	for _, series := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("series=%d", series), func(b *testing.B) {
			const days = 30
			s := ruletest.NewSeries(time.Minute)
			steps := days * 24 * 60
			for i := 0; i < series; i++ {
				outcome := "success"
				if i%10 == 9 {
					outcome = "error"
				}
				s.Counter(fmt.Sprintf(`model_requests_total{model="m",instance="i%d",outcome=%q}`, i, outcome), ruletest.Segment{Steps: steps, PerStep: 60})
			}
			run, err := ruletest.New(s.String(), rules)
			if err != nil {
				b.Fatal(err)
			}
			defer run.Close()
			// Fill 30 days of recordings at a 5m interval (the recordings
			// the long windows read), then time evaluations at the end.
			end := time.Duration(days) * 24 * time.Hour
			if err := run.Eval(end-10*time.Minute, 5*time.Minute, func(time.Duration, ruletest.Firing) bool { return true }); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if err := run.EvalRecordingAt(end - 5*time.Minute); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
