package drift

import (
	"errors"

	"github.com/vigil-dev/vigil/drift/data"
	"github.com/vigil-dev/vigil/drift/stats"
)

// The reasons of the errors metric: why an evaluation or a feature could
// not be tested.
const (
	// ReasonReadError: a data file could not be found, opened or parsed,
	// or a column is not in it.
	ReasonReadError = "read_error"
	// ReasonEmptyColumn: a sample has no non-missing value for the
	// feature (for current data: none inside the time window).
	ReasonEmptyColumn = "empty_column"
	// ReasonConstantColumn: the test is undefined because the reference
	// column holds a single value (e.g. the normalized Wasserstein
	// distance).
	ReasonConstantColumn = "constant_column"
	// ReasonInvalidConfig: the config cannot be evaluated (unparsable
	// window, a test or conventions this evaluator does not implement).
	ReasonInvalidConfig = "invalid_config"
	// ReasonTestError: the test failed otherwise (e.g. it produced NaN).
	ReasonTestError = "test_error"
)

// errFeatureConfig marks a feature whose config the evaluator cannot
// follow (a test or conventions it does not know).
var errFeatureConfig = errors.New("invalid feature config")

// featureReason classifies a feature's test error (ref: the reference
// sample's values).
func featureReason(err error, numeric bool, ref []float64) string {
	return columnReason(err, numeric, &data.Column{Numbers: ref})
}

// columnReason is featureReason for a reference column kept as values or
// as bin counts: a constant reference (every value == the first) makes
// the error a constant_column one.
func columnReason(err error, numeric bool, ref *data.Column) string {
	switch {
	case errors.Is(err, errFeatureConfig):
		return ReasonInvalidConfig
	case errors.Is(err, stats.ErrEmpty):
		return ReasonEmptyColumn
	}
	if _, c := constantValue(ref); numeric && c {
		return ReasonConstantColumn
	}
	return ReasonTestError
}
