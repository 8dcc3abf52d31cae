package datadog

import (
	"sort"
	"strings"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/yamlout"
)

// AgentConfig is the OpenMetrics check configuration (conf.d/openmetrics.d)
// of one model.
type AgentConfig struct {
	// ADIdentifiers are the Autodiscovery identifiers (short image names)
	// of the containers the check scrapes.
	ADIdentifiers []string        `yaml:"ad_identifiers"`
	InitConfig    map[string]any  `yaml:"init_config"`
	Instances     []AgentInstance `yaml:"instances"`
}

// AgentInstance is one OpenMetrics check instance.
type AgentInstance struct {
	// OpenMetricsEndpoint is the exposition URL (Autodiscovery fills in
	// %%host%% and %%port%%).
	OpenMetricsEndpoint string `yaml:"openmetrics_endpoint"`
	// Namespace prefixes every metric name (Namespace).
	Namespace string `yaml:"namespace"`
	// Metrics maps each scraped metric to its name under Namespace,
	// one single-entry map per metric.
	Metrics []map[string]string `yaml:"metrics"`
	// Tags are added to every series.
	Tags []string `yaml:"tags"`
}

// metricNames are the Prometheus metrics the model's objects read, as
// raw names the OpenMetrics check matches: counters without "_total",
// histograms by their base name.
func (b *builder) metricNames() []string {
	mt := b.m.Metrics
	set := map[string]bool{}
	counter := func(name string) {
		if name != "" {
			set[strings.TrimSuffix(name, "_total")] = true
		}
	}
	counter(mt.Requests.Metric)
	counter(mt.Predictions.Metric)
	counter(mt.Feedback.Metric)
	for _, h := range []compiler.Histogram{mt.Latency, mt.Confidence} {
		if h.Metric != "" {
			set[h.Metric] = true
		}
	}
	if b.m.Drift != nil && len(b.m.Features) > 0 {
		dm := b.m.DriftMetricNames()
		for _, n := range []string{dm.Score, dm.Threshold, dm.Detected, dm.LastRun, dm.MissingRatio,
			dm.ConsecutiveBreaches, dm.PValue, dm.SampleSize, dm.RowsRead, dm.FeatureErrors, dm.EvaluationDuration} {
			set[n] = true
		}
		counter(dm.Errors)
	}
	for n, kind := range b.tr.metrics {
		if kind == "counter" {
			counter(n)
		} else {
			set[n] = true
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// agentConfig renders the model's OpenMetrics check configuration. It
// must run after the other objects, whose translated queries add the
// metrics they read.
func (b *builder) agentConfig() ([]byte, error) {
	inst := AgentInstance{
		OpenMetricsEndpoint: "http://%%host%%:%%port%%/metrics",
		Namespace:           Namespace,
		Tags:                []string{ManagedTag, SpecTag(b.spec)},
	}
	for _, n := range b.metricNames() {
		inst.Metrics = append(inst.Metrics, map[string]string{n: n})
	}
	cfg := AgentConfig{
		ADIdentifiers: []string{b.service()},
		InitConfig:    map[string]any{},
		Instances:     []AgentInstance{inst},
	}
	return yamlout.Render(cfg,
		"Datadog Agent OpenMetrics check for model "+b.m.Name+": every metric the",
		"model's SLOs, monitors and dashboard read, under the "+Namespace+" namespace",
		"(counters as <name>.count, histograms as <name>.bucket/.count/.sum).",
		"Autodiscovery attaches it to containers whose short image name is "+b.service()+".")
}
