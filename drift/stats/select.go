package stats

import "sort"

// SmallSample is the sample size up to which Auto prefers hypothesis
// tests, following Evidently's defaults: with more rows, p-values flag
// negligible shifts, so distances are used instead.
const SmallSample = 1000

// Auto picks the test for a feature, in the spirit of Evidently's
// defaults: numeric features with at most SmallSample reference rows use
// "ks", larger ones "wasserstein" (normalized by the reference standard
// deviation); categorical and boolean features use "chi_square" for small
// samples and "jensen_shannon" for large ones. The thresholds of the
// picked test are config.DefaultThresholds in drift/config (the single
// definition).
func Auto(featureType string, referenceRows int) string {
	small := referenceRows <= SmallSample
	if featureType == "numeric" {
		if small {
			return "ks"
		}
		return "wasserstein"
	}
	if small {
		return "chi_square"
	}
	return "jensen_shannon"
}

// Bonferroni adjusts p-values for testing m features at once:
// min(1, p * m).
func Bonferroni(p []float64) []float64 {
	out := make([]float64, len(p))
	m := float64(len(p))
	for i, v := range p {
		out[i] = min(1, v*m)
	}
	return out
}

// BenjaminiHochberg returns the Benjamini-Hochberg adjusted p-values (the
// false-discovery-rate q-values): sorted ascending, q(i) = min over j >= i
// of p(j) * m / j, capped at 1, returned in the input order.
func BenjaminiHochberg(p []float64) []float64 {
	m := len(p)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	out := make([]float64, m)
	running := 1.0
	for r := m - 1; r >= 0; r-- {
		v := p[idx[r]] * float64(m) / float64(r+1)
		running = min(running, v)
		out[idx[r]] = running
	}
	return out
}
