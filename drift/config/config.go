// Package config defines the drift-evaluator configuration: the file
// `vigil compile` writes per model (drift/<model>.yaml) and `vigil drift
// run --config` reads. The compiler's drift target and the evaluator share
// these types, so what the generated rules and dashboards query is exactly
// what the evaluator exports.
package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
	"go.yaml.in/yaml/v3"
)

// Version is the configuration format version this package reads and
// writes.
const Version = 1

// Config is one model's drift-evaluator configuration.
type Config struct {
	// Version of the format; always Version.
	Version int `json:"version" yaml:"version" jsonschema:"enum=1"`
	// Model is the model name, the `model` label of every exported series.
	Model string `json:"model" yaml:"model" jsonschema:"pattern=^[a-z][a-z0-9_-]*$,maxLength=63"`
	// Schedule is the interval between evaluations (a Prometheus
	// duration).
	Schedule string `json:"schedule" yaml:"schedule"`
	// Cron is the CronJob schedule, which `vigil drift serve` follows too
	// (see ParseCron).
	Cron string `json:"cron" yaml:"cron"`
	// Window is the span of current data one evaluation reads.
	Window string `json:"window" yaml:"window"`
	// Reference is the reference sample.
	Reference Source `json:"reference" yaml:"reference"`
	// Current is the production data; TimeColumn selects the window.
	Current Source `json:"current" yaml:"current"`
	// Correction for testing many features: none, bonferroni or
	// benjamini_hochberg (CorrectionNone and so on). It adjusts the
	// p-values of the features tested with a hypothesis test across the
	// model, so it needs every feature in one process (no shards).
	Correction string `json:"correction" yaml:"correction" jsonschema:"enum=none,enum=bonferroni,enum=benjamini_hochberg"`
	// ShareThreshold is the percentage of drifting features that makes the
	// model drift as a whole; absent when not configured.
	ShareThreshold *Number `json:"share_threshold,omitempty" yaml:"share_threshold,omitempty"`
	// Shards is the number of evaluator processes that share the
	// features (see Shard); absent means one. The generated rules expect
	// this many shards.
	Shards int `json:"shards,omitempty" yaml:"shards,omitempty" jsonschema:"minimum=2"`
	// Features are the features to test, sorted by name.
	Features []Feature `json:"features" yaml:"features"`
	// Metrics are the series names to export.
	Metrics Metrics `json:"metrics" yaml:"metrics"`
}

// Source is a set of data files.
type Source struct {
	// Path is a local path or glob.
	Path string `json:"path" yaml:"path"`
	// Format is auto (from the extension), csv, jsonl or parquet.
	Format string `json:"format" yaml:"format" jsonschema:"enum=auto,enum=csv,enum=jsonl,enum=parquet"`
	// TimeColumn is the event-time column (current data only).
	TimeColumn string `json:"time_column,omitempty" yaml:"time_column,omitempty"`
}

// Feature is one feature and its test.
type Feature struct {
	// Name is the `feature` label value.
	Name string `json:"name" yaml:"name"`
	// Column is the data column.
	Column string `json:"column" yaml:"column"`
	// Type is numeric, categorical or boolean.
	Type string `json:"type" yaml:"type" jsonschema:"enum=numeric,enum=categorical,enum=boolean"`
	// Test configures the statistical test.
	Test Test `json:"test" yaml:"test"`
}

// Test is a drift test.
type Test struct {
	// Method is the test: auto, psi, ks, jensen_shannon, kl, wasserstein,
	// chi_square, hellinger, cramer_von_mises or anderson_darling. It is
	// the `test` label value (for auto, the test auto picked).
	Method string `json:"method" yaml:"method" jsonschema:"enum=auto,enum=psi,enum=ks,enum=jensen_shannon,enum=kl,enum=wasserstein,enum=chi_square,enum=hellinger,enum=cramer_von_mises,enum=anderson_darling"`
	// Threshold is the alert threshold; absent for auto, which uses the
	// default of the test it picks.
	Threshold *Number `json:"threshold,omitempty" yaml:"threshold,omitempty"`
	// Drift says which side of the threshold is drift: "above" for
	// distances (score > threshold), "below" for p-values.
	Drift string `json:"drift" yaml:"drift" jsonschema:"enum=above,enum=below,enum=auto"`
	// Bins and Binning apply to numeric features.
	Bins    int    `json:"bins,omitempty" yaml:"bins,omitempty"`
	Binning string `json:"binning,omitempty" yaml:"binning,omitempty" jsonschema:"enum=quantile,enum=equal_width"`
	// Conventions selects whose definitions the test follows: "vigil"
	// (absent: the default) or "evidently", Evidently's statistics,
	// binning, smoothing, default thresholds, threshold directions and
	// automatic choice of test (docs/drift-tests.md). Bins and Binning do
	// not apply to "evidently".
	Conventions string `json:"conventions,omitempty" yaml:"conventions,omitempty" jsonschema:"enum=vigil,enum=evidently"`
	// Consecutive is how many breaching evaluations in a row alert; the
	// generated rules count them from the exported verdicts. The
	// evaluator's own count (Metrics.ConsecutiveBreaches) is
	// informational.
	Consecutive int `json:"consecutive" yaml:"consecutive" jsonschema:"minimum=1"`
}

// Metrics are the exported series. Score, Threshold, Detected, PValue
// and ConsecutiveBreaches carry the labels model, feature and test;
// MissingRatio and FeatureErrors carry model and feature; SampleSize
// carries model, feature and sample (reference or current); RowsRead
// carries model and sample; Errors carries model and reason; LastRun and
// EvaluationDuration carry model.
type Metrics struct {
	// FeatureLabels are the labels of Score, Threshold and Detected, in
	// order: model, feature, test.
	FeatureLabels []string `json:"feature_labels" yaml:"feature_labels"`
	// ModelLabels are the labels of LastRun: model.
	ModelLabels []string `json:"model_labels" yaml:"model_labels"`
	// Score is the test statistic: a distance, or the p-value of
	// hypothesis tests.
	Score string `json:"score" yaml:"score"`
	// Threshold is the threshold Score is compared with.
	Threshold string `json:"threshold" yaml:"threshold"`
	// Detected is 1 when the latest evaluation breached the threshold,
	// else 0.
	Detected string `json:"detected" yaml:"detected"`
	// MissingRatio carries model and feature.
	MissingRatio string `json:"missing_ratio" yaml:"missing_ratio"`
	// LastRun is the Unix time of the latest successful evaluation.
	LastRun string `json:"last_run" yaml:"last_run"`
	// ConsecutiveBreaches counts the latest successful evaluations in a
	// row that breached the threshold (informational: the generated
	// rules count breaches themselves).
	ConsecutiveBreaches string `json:"consecutive_breaches" yaml:"consecutive_breaches"`
	// PValue is the p-value of hypothesis tests (ks, chi_square,
	// cramer_von_mises, anderson_darling); absent for distances.
	PValue string `json:"p_value" yaml:"p_value"`
	// SampleSize is the number of non-missing values of a feature in each
	// sample (label sample: reference or current).
	SampleSize string `json:"sample_size" yaml:"sample_size"`
	// BinShare is each sample's share of a feature's values per bin
	// (labels model, feature, sample, bin): the feature's bins (numeric),
	// or its 20 most frequent reference categories, "(other)" for the
	// rest and "(unseen)" for current categories the reference lacks.
	// Absent in configs of older vigil versions: not exported.
	BinShare string `json:"bin_share,omitempty" yaml:"bin_share,omitempty"`
	// RowsRead is the number of rows read per sample; for the current
	// sample, the rows inside the time window.
	RowsRead string `json:"rows_read" yaml:"rows_read"`
	// FeatureErrors is 1 when a feature could not be tested in the
	// latest evaluation, else 0.
	FeatureErrors string `json:"feature_errors" yaml:"feature_errors"`
	// EvaluationDuration is how long the latest evaluation took, in
	// seconds.
	EvaluationDuration string `json:"evaluation_duration" yaml:"evaluation_duration"`
	// Errors counts failed evaluations and failed features by reason
	// (read_error, empty_column, constant_column, invalid_config,
	// test_error).
	Errors string `json:"errors" yaml:"errors"`
}

// Number is an exact decimal written as a YAML/JSON number.
type Number string

// MarshalYAML writes the number unquoted.
func (n Number) MarshalYAML() (any, error) {
	tag := "!!float"
	if !strings.ContainsAny(string(n), ".eE") {
		tag = "!!int"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(n)}, nil
}

// UnmarshalYAML reads a number.
func (n *Number) UnmarshalYAML(v *yaml.Node) error {
	if _, err := strconv.ParseFloat(v.Value, 64); err != nil {
		return fmt.Errorf("line %d: %q is not a number", v.Line, v.Value)
	}
	*n = Number(v.Value)
	return nil
}

// MarshalJSON writes the number unquoted.
func (n Number) MarshalJSON() ([]byte, error) { return []byte(n), nil }

// Float64 returns the number's value.
func (n Number) Float64() float64 {
	f, _ := strconv.ParseFloat(string(n), 64)
	return f
}

// JSONSchema describes Number as a JSON number.
func (Number) JSONSchema() *jsonschema.Schema { return &jsonschema.Schema{Type: "number"} }

// Schema returns the JSON Schema of Config, generated from these types.
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{DoNotReference: true, RequiredFromJSONSchemaTags: false}
	s := r.Reflect(&Config{})
	s.ID = "https://vigil.dev/schemas/drift-config-v1.json"
	s.Title = "vigil drift-evaluator configuration"
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Check applies Parse's rules to a configuration built in memory: the
// version must be Version and every Number a number. For a configuration
// written by vigil's YAML writer (yamlout, whose bytes are yaml.v3's),
// Parse of the bytes succeeds exactly when Check does, and gives back an
// equal Config (TestCheckAgreesWithParse), so the compiler checks what it
// writes without decoding it again.
func (c *Config) Check() error {
	if c.Version != Version {
		return fmt.Errorf("drift config version %d is not supported (want %d)", c.Version, Version)
	}
	number := func(where string, n *Number) error {
		if n == nil {
			return nil
		}
		if _, err := strconv.ParseFloat(string(*n), 64); err != nil {
			return fmt.Errorf("%s: %q is not a number", where, string(*n))
		}
		return nil
	}
	if err := number("share_threshold", c.ShareThreshold); err != nil {
		return err
	}
	if err := c.checkShards(); err != nil {
		return err
	}
	for _, f := range c.Features {
		if err := number("feature "+f.Name+": threshold", f.Test.Threshold); err != nil {
			return err
		}
	}
	return nil
}

// The multiple-testing corrections (Config.Correction).
const (
	CorrectionNone              = "none"
	CorrectionBonferroni        = "bonferroni"
	CorrectionBenjaminiHochberg = "benjamini_hochberg"
)

// Parse reads a configuration, rejecting unknown fields and other
// versions.
func Parse(b []byte) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, err
	}
	if c.Version != Version {
		return nil, fmt.Errorf("drift config version %d is not supported (want %d)", c.Version, Version)
	}
	if err := c.checkShards(); err != nil {
		return nil, err
	}
	return &c, nil
}
