package drift

import (
	"errors"
	"math"

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

// featureReason classifies a feature's test error.
func featureReason(err error, numeric bool, ref []float64) string {
	switch {
	case errors.Is(err, errFeatureConfig):
		return ReasonInvalidConfig
	case errors.Is(err, stats.ErrEmpty):
		return ReasonEmptyColumn
	case numeric && constant(ref):
		return ReasonConstantColumn
	}
	return ReasonTestError
}

// constant reports whether a non-empty sample holds one value only.
func constant(x []float64) bool {
	if len(x) == 0 {
		return false
	}
	lo, hi := x[0], x[0]
	for _, v := range x {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo == hi
}
