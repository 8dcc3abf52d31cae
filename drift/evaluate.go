// Package drift is the drift evaluator behind `vigil drift run`: it reads
// the reference and current samples a model's drift config names, runs
// each feature's test (drift/stats), and exports the results as the
// Prometheus series the config lists, which the generated rules alert on
// and the generated dashboards plot.
package drift

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/drift/data"
	"github.com/vigil-dev/vigil/drift/stats"
)

// Result is one feature's verdict.
type Result struct {
	Feature, Method string
	// Score is the distance, or the p-value for hypothesis tests.
	Score, Threshold float64
	Detected         bool
	MissingShare     float64
	RefRows, CurRows int
	// Err is set when the feature could not be tested (empty or constant
	// column, unreadable data); nothing is exported for its score then.
	Err error
}

// Evaluate runs every feature's test. A failing feature yields a Result
// with Err set; an unreadable file fails the whole evaluation.
func Evaluate(c *config.Config, baseDir string) ([]Result, error) {
	want := map[string]data.Kind{}
	for _, f := range c.Features {
		k := data.Numeric
		if f.Type != "numeric" {
			k = data.Categorical
		}
		want[f.Column] = k
	}
	ref, err := readSource(c.Reference, baseDir, want)
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	cur, err := readSource(c.Current, baseDir, want)
	if err != nil {
		return nil, fmt.Errorf("current data: %w", err)
	}
	var out []Result
	for _, f := range c.Features {
		out = append(out, evaluateFeature(f, ref[f.Column], cur[f.Column]))
	}
	return out, nil
}

func evaluateFeature(f config.Feature, ref, cur *data.Column) Result {
	r := Result{Feature: f.Name, Method: f.Test.Method, MissingShare: cur.MissingShare()}
	numeric := f.Type == "numeric"
	if numeric {
		r.RefRows, r.CurRows = len(ref.Numbers), len(cur.Numbers)
	} else {
		r.RefRows, r.CurRows = len(ref.Labels), len(cur.Labels)
	}
	if r.RefRows == 0 || r.CurRows == 0 {
		r.Err = stats.ErrEmpty
		return r
	}
	if r.Method == "auto" {
		r.Method = stats.Auto(f.Type, r.RefRows)
	}
	if f.Test.Threshold != nil {
		r.Threshold = f.Test.Threshold.Float64()
	} else {
		r.Threshold = defaultThreshold(r.Method)
	}
	var refCounts, curCounts []float64
	if numeric {
		bins := f.Test.Bins
		if bins < 2 {
			bins = 10
		}
		var edges []float64
		var err error
		if f.Test.Binning == "equal_width" {
			edges, err = stats.EqualWidthEdges(ref.Numbers, bins)
		} else {
			edges, err = stats.QuantileEdges(ref.Numbers, bins)
		}
		if err != nil {
			r.Err = err
			return r
		}
		rc, cc := stats.NewCounter(edges), stats.NewCounter(edges)
		rc.Add(ref.Numbers)
		cc.Add(cur.Numbers)
		refCounts, curCounts = rc.Counts, cc.Counts
	} else {
		refCounts, curCounts = categoryCounts(ref.Labels, cur.Labels)
	}
	var err error
	switch r.Method {
	case "psi":
		r.Score, err = stats.PSI(refCounts, curCounts)
	case "kl":
		r.Score, err = stats.KL(refCounts, curCounts)
	case "jensen_shannon":
		r.Score, err = stats.JensenShannon(refCounts, curCounts)
	case "hellinger":
		r.Score, err = stats.Hellinger(refCounts, curCounts)
	case "chi_square":
		_, r.Score, err = stats.ChiSquare(refCounts, curCounts)
	case "ks":
		_, r.Score, err = stats.KS(ref.Numbers, cur.Numbers)
	case "cramer_von_mises":
		_, r.Score, err = stats.CramerVonMises(ref.Numbers, cur.Numbers)
	case "anderson_darling":
		_, r.Score, err = stats.AndersonDarling(ref.Numbers, cur.Numbers)
	case "wasserstein":
		var d float64
		d, err = stats.Wasserstein1(ref.Numbers, cur.Numbers)
		if sd := stddev(ref.Numbers); err == nil && sd == 0 {
			err = fmt.Errorf("reference column is constant: the normalized Wasserstein distance is undefined")
		} else if err == nil {
			r.Score = d / sd
		}
	default:
		err = fmt.Errorf("test %q is not implemented by this evaluator yet", r.Method)
	}
	if err != nil {
		r.Err = err
		return r
	}
	if math.IsNaN(r.Score) || math.IsInf(r.Score, 0) {
		r.Err = fmt.Errorf("%s produced %v", r.Method, r.Score)
		return r
	}
	if config.PValueTests[r.Method] {
		r.Detected = r.Score < r.Threshold
	} else {
		r.Detected = r.Score > r.Threshold
	}
	return r
}

// defaultThreshold is the configured default for a test (used for the
// test `auto` picks).
func defaultThreshold(method string) float64 {
	v, _ := strconv.ParseFloat(config.DefaultThresholds[method], 64)
	return v
}

func stddev(x []float64) float64 {
	mean := 0.0
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	s := 0.0
	for _, v := range x {
		s += (v - mean) * (v - mean)
	}
	return math.Sqrt(s / float64(len(x)))
}

// categoryCounts counts labels over the union of categories, sorted, so
// unseen categories in the current sample get their own bins.
func categoryCounts(ref, cur []string) (r, c []float64) {
	set := map[string]int{}
	for _, l := range ref {
		set[l] = 0
	}
	for _, l := range cur {
		set[l] = 0
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		set[n] = i
	}
	r, c = make([]float64, len(names)), make([]float64, len(names))
	for _, l := range ref {
		r[set[l]]++
	}
	for _, l := range cur {
		c[set[l]]++
	}
	return r, c
}

// readSource reads every file the source's path or glob matches.
func readSource(s config.Source, baseDir string, want map[string]data.Kind) (map[string]*data.Column, error) {
	pattern := s.Path
	if !filepath.IsAbs(pattern) {
		pattern = filepath.Join(baseDir, pattern)
	}
	files, err := filepath.Glob(pattern)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no files match %s", s.Path)
	}
	sort.Strings(files)
	all := map[string]*data.Column{}
	for name, k := range want {
		all[name] = &data.Column{Kind: k}
	}
	for _, f := range files {
		cols, err := readFile(f, s.Format, want)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for name, c := range cols {
			a := all[name]
			a.Numbers = append(a.Numbers, c.Numbers...)
			a.Labels = append(a.Labels, c.Labels...)
			a.Missing += c.Missing
			a.Rows += c.Rows
		}
	}
	return all, nil
}

func readFile(path, format string, want map[string]data.Kind) (map[string]*data.Column, error) {
	if format == "" || format == "auto" {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".parquet":
			format = "parquet"
		case ".jsonl", ".ndjson":
			format = "jsonl"
		default:
			format = "csv"
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	switch format {
	case "parquet":
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		return data.ReadParquet(f, st.Size(), want)
	case "jsonl":
		return data.ReadJSONL(f, want)
	}
	return data.ReadCSV(f, want)
}

// Registry builds the exported series for one evaluation, named and
// labelled as the config says.
func Registry(c *config.Config, results []Result, ran time.Time, took time.Duration) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	fl := c.Metrics.FeatureLabels
	gauge := func(name, help string, labels []string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
		reg.MustRegister(g)
		return g
	}
	score := gauge(c.Metrics.Score, "Drift statistic: a distance, or the p-value of hypothesis tests.", fl)
	threshold := gauge(c.Metrics.Threshold, "Threshold the drift statistic is compared with.", fl)
	detected := gauge(c.Metrics.Detected, "1 when the latest evaluation breached the threshold.", fl)
	missing := gauge(c.Metrics.MissingRatio, "Share of missing values in the current sample.", []string{"model", "feature"})
	lastRun := gauge(c.Metrics.LastRun, "Unix time of the latest completed evaluation.", c.Metrics.ModelLabels)
	duration := gauge(strings.TrimSuffix(c.Metrics.LastRun, "_last_run_timestamp_seconds")+"_evaluation_duration_seconds", "How long the latest evaluation took.", c.Metrics.ModelLabels)

	prefix := strings.TrimSuffix(c.Metrics.LastRun, "_last_run_timestamp_seconds")
	errs := gauge(prefix+"_feature_errors", "1 when a feature could not be tested in the latest evaluation.", []string{"model", "feature"})
	size := gauge(prefix+"_sample_size", "Non-missing values of a feature in each sample.", []string{"model", "feature", "sample"})
	for _, r := range results {
		missing.WithLabelValues(c.Model, r.Feature).Set(r.MissingShare)
		size.WithLabelValues(c.Model, r.Feature, "reference").Set(float64(r.RefRows))
		size.WithLabelValues(c.Model, r.Feature, "current").Set(float64(r.CurRows))
		if r.Err != nil {
			errs.WithLabelValues(c.Model, r.Feature).Set(1)
			continue
		}
		errs.WithLabelValues(c.Model, r.Feature).Set(0)
		score.WithLabelValues(c.Model, r.Feature, r.Method).Set(r.Score)
		threshold.WithLabelValues(c.Model, r.Feature, r.Method).Set(r.Threshold)
		d := 0.0
		if r.Detected {
			d = 1
		}
		detected.WithLabelValues(c.Model, r.Feature, r.Method).Set(d)
	}
	lastRun.WithLabelValues(c.Model).Set(float64(ran.Unix()))
	duration.WithLabelValues(c.Model).Set(took.Seconds())
	return reg
}
