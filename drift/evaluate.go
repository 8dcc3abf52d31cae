// Package drift is the drift evaluator behind `vigil drift run` and
// `vigil drift serve`: it reads the reference and current samples a
// model's drift config names (the current one within the config's time
// window), runs each feature's test (drift/stats), and exports the
// results as the Prometheus series the config lists, which the generated
// rules alert on and the generated dashboards plot. docs/drift.md
// describes the behaviour.
package drift

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

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
	// Reason classifies Err for the errors metric (see the Reason
	// constants); empty when Err is nil.
	Reason string
	// Took is how long reading and testing the feature took.
	Took time.Duration
	// Bins are the two samples' shares per bin (see distribution); nil
	// when Err is set.
	Bins []Bin
}

// Evaluate runs every feature's test over all rows of the current data,
// ignoring the config's time window (Run selects the window). A failing
// feature yields a Result with Err set; an unreadable file fails the
// whole evaluation.
func Evaluate(c *config.Config, baseDir string) ([]Result, error) {
	rep := Run(context.Background(), c, Options{BaseDir: baseDir, AllRows: true})
	return rep.Results, rep.Err
}

func evaluateFeature(f config.Feature, ref, cur *data.Column) Result {
	return evaluateFeatureEdges(f, ref, cur, nil)
}

// evaluateFeatureEdges is evaluateFeature with the bin edges of ref, when
// known (binEdges(f, ref)), or nil.
func evaluateFeatureEdges(f config.Feature, ref, cur *data.Column, edges []float64) Result {
	if f.Type == "numeric" && f.Test.Conventions == config.ConventionsEvidently {
		// Evidently drops +-Inf with the missing values before testing
		// (get_one_column_drift in
		// src/evidently/legacy/calculations/data_drift.py).
		ref, cur = finite(ref), finite(cur)
	}
	// The test and the distribution cut the same bins from the same
	// reference: once.
	e := &edgesOf{f: f, ref: ref}
	if edges == nil && ref.Binned != nil {
		// A reference kept as counts was counted in the bins cut from its
		// values for this feature's bins (openSources).
		edges = ref.Binned.Edges
	}
	if edges != nil {
		e.edges, e.done = edges, true
	}
	r := evaluateTest(f, ref, cur, e)
	if r.Err == nil {
		r.Bins = distribution(f, ref, cur, e)
	}
	return r
}

// edgesOf computes binEdges(f, ref) once.
type edgesOf struct {
	f     config.Feature
	ref   *data.Column
	done  bool
	edges []float64
	err   error
}

func (e *edgesOf) get() ([]float64, error) {
	if !e.done {
		e.edges, e.err = binEdges(e.f, e.ref)
		e.done = true
	}
	return e.edges, e.err
}

// evaluateTest runs a feature's test; e gives the bin edges of ref.
func evaluateTest(f config.Feature, ref, cur *data.Column, e *edgesOf) Result {
	r := Result{Feature: f.Name, Method: f.Test.Method, MissingShare: cur.MissingShare()}
	numeric := f.Type == "numeric"
	if !numeric {
		ref, cur = counted(ref), counted(cur)
	}
	r.RefRows, r.CurRows = ref.Len(), cur.Len()
	if r.RefRows == 0 || r.CurRows == 0 {
		r.Err = stats.ErrEmpty
		return r
	}
	conv := f.Test.Conventions
	evidently := conv == config.ConventionsEvidently
	if conv != "" && conv != config.ConventionsVigil && !evidently {
		r.Err = fmt.Errorf("%w: conventions %q is not known to this evaluator (want %q or %q)", errFeatureConfig, conv, config.ConventionsVigil, config.ConventionsEvidently)
		return r
	}
	defaults := config.DefaultThresholds
	if evidently {
		defaults = config.EvidentlyThresholds
	}
	if r.Method == "auto" {
		if evidently {
			r.Method = stats.EvidentlyAuto(numeric, r.RefRows, distinctUpTo(6, numeric, ref, cur))
		} else {
			r.Method = stats.Auto(f.Type, r.RefRows)
		}
	}
	if f.Test.Threshold != nil {
		r.Threshold = f.Test.Threshold.Float64()
	} else {
		r.Threshold, _ = strconv.ParseFloat(defaults[r.Method], 64)
	}
	// Identical single-valued samples (one value, the same in both)
	// cannot drift, whatever the test: distances score 0 and p-values 1.
	// Left to the formulas, SciPy's Cramér-von Mises gives two constant
	// columns of different sizes p ≈ 1.9e-9 (drift), and Anderson-Darling
	// and the normalized Wasserstein distance are undefined. (Evidently's
	// own Cramér-von Mises flags them too, and its Anderson-Darling
	// fails; the rule holds for conventions "evidently" as well.)
	if _, known := defaults[r.Method]; known && singleValued(numeric, ref, cur) {
		if config.PValueTests[r.Method] {
			r.Score = 1
		}
		return r
	}
	if (ref.Binned != nil || cur.Binned != nil) && (evidently || !binnedMethods[r.Method]) {
		// planBins keeps only vigil's binned tests' samples as counts.
		r.Err = fmt.Errorf("%s: a sample kept as bin counts cannot be tested by %s (a vigil bug)", f.Name, r.Method)
		return r
	}
	if evidently {
		return evidentlyFeature(r, numeric, ref, cur)
	}
	var refCounts, curCounts []float64
	if numeric {
		edges, err := e.get()
		if err != nil {
			r.Err = err
			return r
		}
		if refCounts, err = binCounts(edges, ref); err == nil {
			curCounts, err = binCounts(edges, cur)
		}
		if err != nil {
			r.Err = err
			return r
		}
	} else {
		refCounts, curCounts = countCategories(ref.Counts, cur.Counts)
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
		// Sparse categories are pooled until the chi-square
		// approximation holds (Cochran's rule, see stats.PoolSparse).
		_, r.Score, err = stats.ChiSquare(stats.PoolSparse(refCounts, curCounts))
	case "ks":
		_, r.Score, err = stats.KS(ref.Numbers, cur.Numbers)
	case "cramer_von_mises":
		_, r.Score, err = stats.CramerVonMises(ref.Numbers, cur.Numbers)
	case "anderson_darling":
		_, r.Score, err = stats.AndersonDarling(ref.Numbers, cur.Numbers)
	case "wasserstein":
		var d float64
		d, err = stats.Wasserstein1(ref.Numbers, cur.Numbers)
		// Normalized by the reference's standard deviation; a constant
		// reference (with a current sample that differs, see above) by
		// the pooled samples'.
		sd := stddev(ref.Numbers)
		if sd == 0 {
			sd = stddev(slices.Concat(ref.Numbers, cur.Numbers))
		}
		if err == nil && sd == 0 {
			err = fmt.Errorf("both columns hold one value: the normalized Wasserstein distance is undefined")
		} else if err == nil {
			r.Score = d / sd
		}
	default:
		err = fmt.Errorf("%w: test %q is not implemented by this evaluator", errFeatureConfig, r.Method)
	}
	if err != nil {
		r.Err = err
		return r
	}
	if math.IsNaN(r.Score) || math.IsInf(r.Score, 0) {
		r.Err = fmt.Errorf("%s produced %v", r.Method, r.Score)
		return r
	}
	r.Detected = config.Drifts(config.ConventionsVigil, r.Method, r.Score, r.Threshold)
	return r
}

// singleValued reports whether both samples hold one and the same value
// (numeric) or label (categorical, boolean).
func singleValued(numeric bool, ref, cur *data.Column) bool {
	if numeric {
		r, ok := constantValue(ref)
		if !ok {
			return false
		}
		c, ok := constantValue(cur)
		return ok && r == c
	}
	rc, cc := ref.LabelCounts(), cur.LabelCounts()
	if len(rc) != 1 {
		return false
	}
	for l := range rc {
		for m := range cc {
			if m != l {
				return false
			}
		}
	}
	return true
}

// constantValue returns the value of a non-empty numeric column whose
// values are all equal (==, so -0 and 0 are one value; NaN never equals),
// whether they are kept or binned; ok is false otherwise.
func constantValue(c *data.Column) (v float64, ok bool) {
	switch b := c.Binned; {
	case b != nil && b.N > 0:
		if !b.Same {
			return 0, false
		}
		v = b.First
	case len(c.Numbers) > 0:
		v = c.Numbers[0]
	default:
		return 0, false
	}
	for _, x := range c.Numbers {
		if x != v {
			return 0, false
		}
	}
	return v, true
}

// binnedMethods are the tests of a numeric feature (conventions vigil)
// that read the samples only as counts in the reference's bins.
var binnedMethods = map[string]bool{"psi": true, "kl": true, "jensen_shannon": true, "hellinger": true, "chi_square": true}

// binEdges are the interior bin edges of a numeric feature's binned tests
// and of its exported distribution: the feature's bins (default 10) at
// the reference's quantiles, or of equal width.
func binEdges(f config.Feature, ref *data.Column) ([]float64, error) {
	bins := f.Test.Bins
	if bins < 2 {
		bins = 10
	}
	if f.Test.Binning == "equal_width" {
		return stats.EqualWidthEdges(ref.Numbers, bins)
	}
	return stats.QuantileEdges(ref.Numbers, bins)
}

// binCounts counts a numeric column's values in the bins of edges: its
// Numbers through stats.Counter, plus its Binned counts, which must have
// been counted in the same bins.
func binCounts(edges []float64, c *data.Column) ([]float64, error) {
	ctr := stats.NewCounter(edges)
	if b := c.Binned; b != nil {
		if !sameEdges(edges, b.Edges) {
			return nil, fmt.Errorf("the current sample was counted in other bins than the reference's (a vigil bug)")
		}
		copy(ctr.Counts, b.Counts)
	}
	ctr.Add(c.Numbers)
	return ctr.Counts, nil
}

// sameEdges compares edges bit for bit (NaN edges, from infinite
// reference values, are equal to themselves).
func sameEdges(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

// counted returns a categorical column with its labels counted.
func counted(c *data.Column) *data.Column {
	if c.Counts != nil {
		return c
	}
	out := *c
	out.Counts, out.Labels = c.LabelCounts(), nil
	return &out
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
	return countCategories(tally(ref), tally(cur))
}

func tally(labels []string) map[string]int {
	return (&data.Column{Labels: labels}).LabelCounts()
}

// countCategories is categoryCounts over counted labels. (Counts are
// whole numbers, so a count added up one by one and one converted at
// once are the same float64.)
func countCategories(ref, cur map[string]int) (r, c []float64) {
	set := map[string]int{}
	for l := range ref {
		set[l] = 0
	}
	for l := range cur {
		set[l] = 0
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	r, c = make([]float64, len(names)), make([]float64, len(names))
	for i, n := range names {
		r[i], c[i] = float64(ref[n]), float64(cur[n])
	}
	return r, c
}
