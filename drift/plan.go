package drift

import (
	"runtime"
	"sync"

	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/drift/data"
)

// How the row-oriented formats (CSV, JSON Lines) keep each column, so
// that memory follows the tests rather than the rows: a categorical
// column is kept as a count per label, and the current sample of a
// numeric column that only vigil's binned tests read (psi, kl,
// jensen_shannon, hellinger, chi_square with conventions vigil) as counts
// in the reference's bins (and, once the edges are cut, the reference's
// column as its counts in the same bins). Only the columns of
// sample-based tests (ks, wasserstein, ..., and every test with
// conventions evidently, which bins over both samples) are kept as
// float64 values. Parquet files are read a column at a time, when a
// feature is tested, and yield values (categorical ones counted).

// readSpecs is how the row-oriented formats keep each column read by a
// feature: categorical columns counted, numeric ones as values.
func readSpecs(features []config.Feature) map[string]data.Spec {
	want := map[string]data.Spec{}
	for _, f := range features {
		k := kindOf(f)
		want[f.Column] = data.Spec{Kind: k, Count: k == data.Categorical}
	}
	return want
}

// binnable returns, for each numeric column whose every feature is a
// binned test with conventions vigil and the same bins and binning, one of those
// features: the current sample of such a column need only be counted in
// the bins that feature's binEdges cut from the reference.
func binnable(features []config.Feature) map[string]config.Feature {
	type binning struct {
		bins       int
		equalWidth bool
	}
	key := func(f config.Feature) binning {
		b := f.Test.Bins
		if b < 2 {
			b = 10
		}
		return binning{b, f.Test.Binning == "equal_width"}
	}
	out := map[string]config.Feature{}
	excluded := map[string]bool{}
	for _, f := range features {
		conv := f.Test.Conventions
		ok := f.Type == "numeric" && (conv == "" || conv == config.ConventionsVigil) && binnedMethods[f.Test.Method]
		if prev, seen := out[f.Column]; ok && seen && key(prev) != key(f) {
			ok = false
		}
		if !ok {
			excluded[f.Column] = true
			delete(out, f.Column)
			continue
		}
		if !excluded[f.Column] {
			out[f.Column] = f
		}
	}
	return out
}

// openSources opens the reference and the current sample. When some
// current columns can be kept as bin counts (binnable) and the current
// data is row-oriented, the reference is read first, since the bins are
// cut from it; otherwise the two are read concurrently (reading text
// formats is CPU-bound, and each reader uses every core only between
// its files' records).
// With valuesOnly every column is kept as values.
func openSources(c *config.Config, baseDir string, w *data.Window, valuesOnly bool) (ref, cur *source, refErr, curErr error) {
	want := readSpecs(c.Features)
	bins := binnable(c.Features)
	if valuesOnly {
		for name, s := range want {
			want[name] = data.Spec{Kind: s.Kind}
		}
		clear(bins)
	}
	if len(bins) == 0 || format(c.Current.Path, c.Current.Format) == "parquet" {
		var wg sync.WaitGroup
		wg.Go(func() { ref, refErr = openSource(c.Reference, baseDir, want, nil) })
		cur, curErr = openSource(c.Current, baseDir, want, w)
		wg.Wait()
		return ref, cur, refErr, curErr
	}
	if ref, refErr = openSource(c.Reference, baseDir, want, nil); refErr != nil {
		return ref, nil, refErr, nil
	}
	curWant := make(map[string]data.Spec, len(want))
	for name, s := range want {
		curWant[name] = s
	}
	// The edges are cut on every core: this runs before the current data
	// is read.
	type plan struct {
		name  string
		ref   *data.Column
		edges []float64
	}
	plans := make(chan plan, len(bins))
	names := make(chan string)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(bins)) {
		wg.Go(func() {
			for name := range names {
				rc, err := ref.column(name, data.Numeric)
				if err != nil {
					continue // the feature reports it
				}
				edges, err := binEdges(bins[name], rc)
				if err != nil {
					continue // read the values; the feature reports the error
				}
				plans <- plan{name, rc, edges}
			}
		})
	}
	for name := range bins {
		names <- name
	}
	close(names)
	wg.Wait()
	close(plans)
	binnedFrom := map[string]*data.Column{}
	for p := range plans {
		curWant[p.name] = data.Spec{Kind: data.Numeric, Edges: p.edges}
		binnedFrom[p.name] = p.ref
		if f := ref.files; len(f) == 1 && f[0].cols[p.name] == p.ref {
			// The reference column is needed only as counts in its own
			// bins too: keep those instead of its values.
			b := data.BinColumn(p.ref, p.edges)
			f[0].cols[p.name] = b
			binnedFrom[p.name] = b
		}
	}
	cur, curErr = openSource(c.Current, baseDir, curWant, w)
	if cur != nil {
		cur.binnedFrom = binnedFrom
	}
	return ref, cur, refErr, curErr
}
