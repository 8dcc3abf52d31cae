package drift

import (
	"encoding/json"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/drift/data"
)

// evidentlyFixtures is the output of testdata/drift/evidently_reference.py,
// Evidently's default tests reimplemented with NumPy and SciPy from
// Evidently's source (commit and files cited in the script).
type evidentlyFixtures struct {
	Source string
	Cases  []struct {
		Name, Type string
		Ref, Cur   json.RawMessage
		Results    map[string]struct {
			Method    string
			Threshold float64
			Score     *float64
			PValue    *float64
			Drift     bool
			Error     string
		}
	}
}

// Tolerances against the reference implementation, as against SciPy
// (docs/drift-tests.md): statistics 1e-9 relative, p-values 1e-6
// relative or 1e-14 absolute.
const (
	evidentlyRel  = 1e-9
	evidentlyPRel = 1e-6
	evidentlyPAbs = 1e-14
)

func loadEvidentlyFixtures(t *testing.T) evidentlyFixtures {
	t.Helper()
	b, err := os.ReadFile("../testdata/drift/evidently_fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx evidentlyFixtures
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) < 20 {
		t.Fatalf("only %d cases in evidently_fixtures.json", len(fx.Cases))
	}
	return fx
}

// TestEvidentlyConventionsMatchReference evaluates every case and test of
// testdata/drift/evidently_fixtures.json with conventions "evidently" and
// requires Evidently's test (for auto), score or p-value, threshold and
// verdict. Two samples holding one and the same value are the documented
// exception: vigil never reports them as drift (score 0, p-value 1),
// where Evidently's Cramér-von Mises flags them and its Anderson-Darling
// and chi-square fail.
func TestEvidentlyConventionsMatchReference(t *testing.T) {
	fx := loadEvidentlyFixtures(t)
	if !strings.Contains(fx.Source, "a4aa4c2b37fe7a4344cc5031f566deccf3d69e4f") {
		t.Errorf("fixtures from %q, want Evidently commit a4aa4c2b", fx.Source)
	}
	checked := 0
	for _, c := range fx.Cases {
		ref, cur := &data.Column{}, &data.Column{}
		numeric := c.Type == "numeric"
		for _, s := range []struct {
			raw json.RawMessage
			col *data.Column
		}{{c.Ref, ref}, {c.Cur, cur}} {
			var err error
			if numeric {
				s.col.Kind = data.Numeric
				err = json.Unmarshal(s.raw, &s.col.Numbers)
				s.col.Rows = len(s.col.Numbers)
			} else {
				s.col.Kind = data.Categorical
				err = json.Unmarshal(s.raw, &s.col.Labels)
				s.col.Rows = len(s.col.Labels)
			}
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
		}
		identical := singleValued(numeric, ref, cur)
		for _, m := range slices.Sorted(maps.Keys(c.Results)) {
			want := c.Results[m]
			f := feature("f", c.Type, m)
			f.Test.Conventions = config.ConventionsEvidently
			got := evaluateFeature(f, ref, cur)
			name := c.Name + " / " + m
			wantMethod := m
			if m == "auto" {
				wantMethod = want.Method
			}
			if got.Method != wantMethod {
				t.Errorf("%s: method %q, Evidently picks %q", name, got.Method, wantMethod)
				continue
			}
			if got.Threshold != want.Threshold {
				t.Errorf("%s: threshold %v, Evidently's default %v", name, got.Threshold, want.Threshold)
			}
			checked++
			if identical {
				wantScore := 0.0
				if config.PValueTests[got.Method] {
					wantScore = 1
				}
				if got.Err != nil || got.Detected || got.Score != wantScore {
					t.Errorf("%s: identical single-valued samples: score %v, detected %v, error %v; want %v and no drift", name, got.Score, got.Detected, got.Err, wantScore)
				}
				continue
			}
			if want.Error != "" {
				if got.Err == nil {
					t.Errorf("%s: score %v, but Evidently fails: %s", name, got.Score, want.Error)
				}
				continue
			}
			if got.Err != nil {
				t.Errorf("%s: %v", name, got.Err)
				continue
			}
			switch {
			case want.PValue != nil:
				if !config.PValueTests[got.Method] {
					t.Errorf("%s: Evidently's result is a p-value, vigil's %s is not a p-value test", name, got.Method)
				}
				d := math.Abs(got.Score - *want.PValue)
				if d > evidentlyPAbs && d > evidentlyPRel*math.Abs(*want.PValue) {
					t.Errorf("%s: p-value %.17g, Evidently %.17g (relative difference %.2g)", name, got.Score, *want.PValue, d / *want.PValue)
				}
			case want.Score != nil:
				d := math.Abs(got.Score - *want.Score)
				if (*want.Score == 0 && got.Score != 0) || d > evidentlyRel*math.Abs(*want.Score) {
					t.Errorf("%s: score %.17g, Evidently %.17g (relative difference %.2g)", name, got.Score, *want.Score, d / *want.Score)
				}
			default:
				t.Fatalf("%s: fixture has neither score nor p-value", name)
			}
			if got.Detected != want.Drift {
				t.Errorf("%s: detected %v, Evidently %v (score %v, threshold %v)", name, got.Detected, want.Drift, got.Score, got.Threshold)
			}
		}
	}
	t.Logf("%d results of %d cases checked", checked, len(fx.Cases))
}

// TestEvidentlyThresholdDirections sets each test's threshold to the
// score it computes and checks the verdict: with conventions "evidently"
// distances, ks and cramer_von_mises drift at the threshold (Evidently's
// >= and <=), anderson_darling, chi_square and z do not (<); with vigil's
// conventions nothing drifts at the threshold.
func TestEvidentlyThresholdDirections(t *testing.T) {
	num := func(x ...float64) *data.Column {
		return &data.Column{Kind: data.Numeric, Numbers: x, Rows: len(x)}
	}
	lab := func(x ...string) *data.Column { return &data.Column{Kind: data.Categorical, Labels: x, Rows: len(x)} }
	ref, cur := num(1, 2, 3, 4, 5, 6, 7, 8, 9), num(3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
	bin := []*data.Column{num(0, 0, 0, 1, 1), num(0, 1, 1, 1)}
	inclusive := map[string]bool{}
	for _, c := range []struct {
		typ, method string
		ref, cur    *data.Column
		inclusive   bool
	}{
		{"numeric", "psi", ref, cur, true},
		{"numeric", "kl", ref, cur, true},
		{"numeric", "jensen_shannon", ref, cur, true},
		{"numeric", "hellinger", ref, cur, true},
		{"numeric", "wasserstein", ref, cur, true},
		{"numeric", "ks", ref, cur, true},
		{"numeric", "cramer_von_mises", ref, cur, true},
		{"numeric", "anderson_darling", ref, cur, false},
		{"categorical", "chi_square", lab("a", "a", "b", "c"), lab("a", "b", "b", "c", "c"), false},
		{"numeric", "auto", bin[0], bin[1], false}, // z
	} {
		for _, conv := range []string{config.ConventionsEvidently, config.ConventionsVigil} {
			f := feature("f", c.typ, c.method)
			f.Test.Conventions = conv
			r := evaluateFeature(f, c.ref, c.cur)
			if r.Err != nil {
				t.Fatalf("%s %s: %v", conv, c.method, r.Err)
			}
			n := config.Number(strconv.FormatFloat(r.Score, 'g', -1, 64))
			f.Test.Threshold = &n
			r = evaluateFeature(f, c.ref, c.cur)
			want := conv == config.ConventionsEvidently && c.inclusive
			if r.Threshold != r.Score || r.Detected != want {
				t.Errorf("%s %s: score %v at threshold %v: detected %v, want %v", conv, r.Method, r.Score, r.Threshold, r.Detected, want)
			}
			if conv == config.ConventionsEvidently {
				inclusive[r.Method] = c.inclusive
			}
		}
	}
	if !maps.Equal(inclusive, map[string]bool{"psi": true, "kl": true, "jensen_shannon": true, "hellinger": true, "wasserstein": true, "ks": true, "cramer_von_mises": true, "anderson_darling": false, "chi_square": false, "z": false}) {
		t.Errorf("not every test was checked: %v", inclusive)
	}
}

// TestEvidentlyDropsInfinities: Evidently drops +-Inf with the missing
// values before testing, so adding them changes no result.
func TestEvidentlyDropsInfinities(t *testing.T) {
	ref := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22}
	cur := []float64{3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25}
	col := func(x []float64) *data.Column { return &data.Column{Kind: data.Numeric, Numbers: x, Rows: len(x)} }
	inf := math.Inf(1)
	for _, m := range append(numericMethods, "auto") {
		f := feature("x", "numeric", m)
		f.Test.Conventions = config.ConventionsEvidently
		want := evaluateFeature(f, col(ref), col(cur))
		got := evaluateFeature(f, col(append([]float64{-inf, inf}, ref...)), col(append(slices.Clone(cur), inf)))
		if want.Err != nil || got.Err != nil || got.Score != want.Score || got.Method != want.Method || got.RefRows != len(ref) || !slices.Equal(got.Bins, want.Bins) {
			t.Errorf("%s: with infinities %s %v (%d reference rows, error %v), without %s %v (error %v)", m, got.Method, got.Score, got.RefRows, got.Err, want.Method, want.Score, want.Err)
		}
	}
}

// TestUnknownConventionsIsAConfigError: a config (written by hand or by
// a newer vigil) naming conventions this evaluator does not know fails
// the feature as invalid_config, rather than testing it some other way.
func TestUnknownConventionsIsAConfigError(t *testing.T) {
	f := feature("x", "numeric", "psi")
	f.Test.Conventions = "scipy"
	ref := &data.Column{Kind: data.Numeric, Numbers: []float64{1, 2, 3}, Rows: 3}
	r := evaluateFeature(f, ref, ref)
	if r.Err == nil || featureReason(r.Err, true, ref.Numbers) != ReasonInvalidConfig || r.Bins != nil {
		t.Errorf("conventions %q: error %v, reason %q, %d bins; want an invalid_config error and no bins", f.Test.Conventions, r.Err, featureReason(r.Err, true, ref.Numbers), len(r.Bins))
	}
}
