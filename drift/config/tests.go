package config

// The facts about drift tests that the compiler (defaults, validation), the
// drift target (the config's "drift" direction), the runbooks and the
// evaluator must agree on. This is their single definition.

// PValueTests are the hypothesis tests: drift when p-value < threshold.
var PValueTests = map[string]bool{"ks": true, "chi_square": true, "cramer_von_mises": true, "anderson_darling": true}

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
