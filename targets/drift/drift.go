// Package drift is the drift-evaluator config target: for every model
// with features, drift/<model>.yaml (read by `vigil drift run --config`),
// the JSON Schema of that format (drift/schema.json, generated from the
// shared Go types in drift/config), and a Kubernetes ConfigMap plus
// CronJob (kubernetes/drift/<model>.yaml) that runs the evaluator on the
// model's schedule: an Indexed Job of drift.shards pods when the model
// shards its evaluation.
package drift

import (
	"fmt"
	"strconv"
	"time"

	"github.com/vigil-dev/vigil/internal/yamlout"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/drift/config"
)

// Target is the drift-evaluator config target.
type Target struct{}

// Name implements compiler.Target.
func (Target) Name() string { return "drift" }

// ConfigPath is where `vigil drift` finds the config inside the CronJob's
// container.
const ConfigPath = "/etc/vigil/drift.yaml"

// Config builds a model's evaluator configuration (nil without features).
func Config(m *compiler.Model) *config.Config {
	if m.Drift == nil || len(m.Features) == 0 {
		return nil
	}
	d := m.Drift
	dm := m.DriftMetricNames()
	c := &config.Config{
		Version:    config.Version,
		Model:      m.Name,
		Schedule:   compiler.FormatDuration(time.Duration(d.Schedule)),
		Cron:       d.Cron,
		Window:     compiler.FormatDuration(time.Duration(d.Window)),
		Reference:  config.Source{Path: d.Reference.Path, Format: d.Reference.Format},
		Current:    config.Source{Path: d.Current.Path, Format: d.Current.Format, TimeColumn: d.Current.TimeColumn},
		Correction: d.Correction,
		Shards:     d.Shards,
		Metrics: config.Metrics{
			FeatureLabels: []string{"model", "feature", "test"},
			ModelLabels:   []string{"model"},
			Score:         dm.Score, Threshold: dm.Threshold, Detected: dm.Detected,
			MissingRatio: dm.MissingRatio, LastRun: dm.LastRun,
			ConsecutiveBreaches: dm.ConsecutiveBreaches, PValue: dm.PValue,
			SampleSize: dm.SampleSize, BinShare: dm.BinShare, RowsRead: dm.RowsRead,
			FeatureErrors: dm.FeatureErrors, EvaluationDuration: dm.EvaluationDuration,
			Errors: dm.Errors,
		},
	}
	if !d.ShareThreshold.IsZero() {
		n := config.Number(d.ShareThreshold.String())
		c.ShareThreshold = &n
	}
	for _, f := range m.Features {
		t := config.Test{
			Method:      f.Test.Method,
			Drift:       "above",
			Bins:        f.Test.Bins,
			Binning:     f.Test.Binning,
			Consecutive: f.Test.Consecutive,
			Conventions: f.Test.Conventions,
		}
		switch {
		case f.Test.Method == "auto":
			t.Drift = "auto"
		case compiler.PValueTests[f.Test.Method]:
			t.Drift = "below"
		}
		if !f.Test.Threshold.IsZero() {
			n := config.Number(f.Test.Threshold.String())
			t.Threshold = &n
		}
		c.Features = append(c.Features, config.Feature{Name: f.Name, Column: f.Column, Type: string(f.Type), Test: t})
	}
	return c
}

// Generate implements compiler.Target.
func (Target) Generate(spec *compiler.Spec) ([]compiler.Artifact, error) {
	var out []compiler.Artifact
	for _, m := range spec.Models {
		c := Config(m)
		if c == nil {
			continue
		}
		b, err := encode(c, "drift-evaluator configuration for "+m.Name+"; schema: schema.json")
		if err != nil {
			return nil, err
		}
		// Parse's rules, on the struct (see config.Check for why that is
		// the same as parsing b back).
		if err := c.Check(); err != nil {
			return nil, fmt.Errorf("model %s: generated drift config is invalid (this is a vigil bug): %w", m.Name, err)
		}
		out = append(out, compiler.Artifact{Path: "drift/" + m.Name + ".yaml", Bytes: b})
		k, err := kubernetes(spec, m, c, b)
		if err != nil {
			return nil, err
		}
		out = append(out, compiler.Artifact{Path: "kubernetes/drift/" + m.Name + ".yaml", Bytes: k})
	}
	if len(out) > 0 {
		s, err := config.Schema()
		if err != nil {
			return nil, err
		}
		out = append(out, compiler.Artifact{Path: "drift/schema.json", Bytes: s})
	}
	return out, nil
}

func encode(v any, comments ...string) ([]byte, error) { return yamlout.Render(v, comments...) }

// Kubernetes objects, as plain structs so the output stays small and
// stable.
type objectMeta struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace,omitempty"`
	Labels    map[string]string `yaml:"labels"`
}

type configMap struct {
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   objectMeta        `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
}

type cronJob struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
	Spec       struct {
		Schedule          string `yaml:"schedule"`
		ConcurrencyPolicy string `yaml:"concurrencyPolicy"`
		JobTemplate       struct {
			Spec struct {
				BackoffLimit int `yaml:"backoffLimit"`
				// A sharded evaluation is an Indexed Job of one pod per
				// shard, all at once; Kubernetes gives each pod its index
				// in JOB_COMPLETION_INDEX.
				CompletionMode string `yaml:"completionMode,omitempty"`
				Completions    int    `yaml:"completions,omitempty"`
				Parallelism    int    `yaml:"parallelism,omitempty"`
				Template       struct {
					Metadata struct {
						Labels map[string]string `yaml:"labels"`
					} `yaml:"metadata"`
					Spec struct {
						RestartPolicy string      `yaml:"restartPolicy"`
						Containers    []container `yaml:"containers"`
						Volumes       []volume    `yaml:"volumes"`
					} `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		} `yaml:"jobTemplate"`
	} `yaml:"spec"`
}

type container struct {
	Name         string        `yaml:"name"`
	Image        string        `yaml:"image"`
	Args         []string      `yaml:"args"`
	VolumeMounts []volumeMount `yaml:"volumeMounts"`
}

type volumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	ReadOnly  bool   `yaml:"readOnly"`
}

type volume struct {
	Name      string `yaml:"name"`
	ConfigMap struct {
		Name string `yaml:"name"`
	} `yaml:"configMap"`
}

func kubernetes(spec *compiler.Spec, m *compiler.Model, c *config.Config, cfgYAML []byte) ([]byte, error) {
	name := "vigil-drift-" + m.Name
	if len(name) > 52 { // CronJob names are limited to 52 characters
		name = name[:52]
	}
	labels := map[string]string{"app.kubernetes.io/managed-by": "vigil", "app.kubernetes.io/name": "vigil-drift", "vigil.dev/model": m.Name}
	meta := objectMeta{Name: name, Namespace: spec.Output.DriftNamespace, Labels: labels}
	cm := configMap{APIVersion: "v1", Kind: "ConfigMap", Metadata: meta, Data: map[string]string{"drift.yaml": string(cfgYAML)}}
	var cj cronJob
	cj.APIVersion, cj.Kind, cj.Metadata = "batch/v1", "CronJob", meta
	cj.Spec.Schedule = c.Cron
	cj.Spec.ConcurrencyPolicy = "Forbid"
	js := &cj.Spec.JobTemplate.Spec
	js.BackoffLimit = 2
	args := []string{"drift", "run", "--config", ConfigPath}
	if n := m.Drift.ShardCount(); n > 1 {
		js.CompletionMode, js.Completions, js.Parallelism = "Indexed", n, n
		// backoffLimit counts the failed pods of all indexes: two
		// retries per shard.
		js.BackoffLimit = 2 * n
		args = append(args, "--shard-count", strconv.Itoa(n))
	}
	tpl := &js.Template
	tpl.Metadata.Labels = labels
	tpl.Spec.RestartPolicy = "Never"
	tpl.Spec.Containers = []container{{
		Name:         "drift",
		Image:        spec.Output.DriftImage,
		Args:         args,
		VolumeMounts: []volumeMount{{Name: "config", MountPath: "/etc/vigil", ReadOnly: true}},
	}}
	var v volume
	v.Name, v.ConfigMap.Name = "config", name
	tpl.Spec.Volumes = []volume{v}

	return yamlout.RenderDocs([]any{cm, cj})
}
