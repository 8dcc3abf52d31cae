package drift

import (
	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/drift/stats"
)

// correct applies the config's multiple-testing correction to the
// results of one evaluation: the p-values of every feature tested with a
// hypothesis test (config.PValueTests) without error are adjusted
// together, Bonferroni (min(1, p·m)) or Benjamini-Hochberg (the q-values),
// m being the number of such features, and each adjusted p-value becomes
// the feature's score and decides its verdict against its threshold, by
// its own conventions. Distances are not p-values and are left as they
// are. With correction "none" (or unset) nothing changes.
func correct(c *config.Config, results []Result) {
	var adjust func([]float64) []float64
	switch c.Correction {
	case config.CorrectionBonferroni:
		adjust = stats.Bonferroni
	case config.CorrectionBenjaminiHochberg:
		adjust = stats.BenjaminiHochberg
	default:
		return
	}
	conventions := map[string]string{}
	for _, f := range c.Features {
		conventions[f.Name] = f.Test.Conventions
	}
	var idx []int
	var p []float64
	for i, r := range results {
		if r.Err == nil && config.PValueTests[r.Method] {
			idx = append(idx, i)
			p = append(p, r.Score)
		}
	}
	for k, q := range adjust(p) {
		r := &results[idx[k]]
		r.Score = q
		r.Detected = config.Drifts(conventions[r.Feature], r.Method, q, r.Threshold)
	}
}
