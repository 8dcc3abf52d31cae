package config

// The facts about drift tests that the compiler (defaults, validation), the
// drift target (the config's "drift" direction), the runbooks and the
// evaluator must agree on. This is their single definition.

// PValueTests are the hypothesis tests: drift when p-value < threshold
// (with conventions "evidently", see Drifts). "z", Evidently's
// two-proportion z-test, is picked only by `auto` with conventions
// "evidently".
var PValueTests = map[string]bool{"ks": true, "chi_square": true, "cramer_von_mises": true, "anderson_darling": true, "z": true}

// NumericOnlyTests need ordered values, so they apply to numeric features
// only.
var NumericOnlyTests = map[string]bool{"ks": true, "wasserstein": true, "cramer_von_mises": true, "anderson_darling": true}

// DefaultThresholds are the per-test default thresholds, as decimal text.
// `auto` has none: the evaluator applies the default of the test it picks.
var DefaultThresholds = map[string]string{
	"psi":              "0.2",
	"jensen_shannon":   "0.1",
	"kl":               "0.1",
	"wasserstein":      "0.1",
	"hellinger":        "0.1",
	"ks":               "0.05",
	"chi_square":       "0.05",
	"cramer_von_mises": "0.05",
	"anderson_darling": "0.05",
}

// The values of Test.Conventions.
const (
	ConventionsVigil     = "vigil"
	ConventionsEvidently = "evidently"
)

// EvidentlyThresholds are Evidently's default thresholds, applied with
// conventions "evidently" (each StatTest's default_threshold in
// src/evidently/legacy/calculations/stattests/*.py of
// github.com/evidentlyai/evidently at commit
// a4aa4c2b37fe7a4344cc5031f566deccf3d69e4f; 0.05 where a test sets
// none). "z" is picked only by `auto`.
var EvidentlyThresholds = map[string]string{
	"psi":              "0.1",
	"jensen_shannon":   "0.1",
	"kl":               "0.1",
	"wasserstein":      "0.1",
	"hellinger":        "0.1",
	"ks":               "0.05",
	"chi_square":       "0.05",
	"cramer_von_mises": "0.1",
	"anderson_darling": "0.1",
	"z":                "0.05",
}

// EvidentlyInclusive are the tests whose Evidently verdict includes the
// threshold itself: distances drift when score >= threshold, and "ks" and
// "cramer_von_mises" when p <= threshold. Evidently's other p-value tests
// ("anderson_darling", "chi_square", "z") drift when p < threshold, as
// vigil's do.
var EvidentlyInclusive = map[string]bool{
	"psi": true, "jensen_shannon": true, "kl": true, "wasserstein": true, "hellinger": true,
	"ks": true, "cramer_von_mises": true,
}

// Drifts reports whether a score breaches its threshold under the given
// conventions ("" is "vigil"): p-value tests when the p-value is below
// the threshold, distances when the score is above it, and with
// "evidently" the tests in EvidentlyInclusive also at the threshold.
func Drifts(conventions, method string, score, threshold float64) bool {
	if conventions == ConventionsEvidently && EvidentlyInclusive[method] {
		if PValueTests[method] {
			return score <= threshold
		}
		return score >= threshold
	}
	if PValueTests[method] {
		return score < threshold
	}
	return score > threshold
}
