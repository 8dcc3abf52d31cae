package stats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Tolerances between a regenerated testdata/drift/fixtures.json and the
// committed one. SciPy's own results move in their last digits with the
// CPU's SIMD paths (NumPy dispatches on the CPU at run time); the
// committed values stay the reference the Go code is checked against.
const (
	// fixtureRel bounds statistics, distances, Bessel values, quantile
	// edges and generated inputs (np.logspace, sqrt(c/n)), relative to the
	// committed value.
	fixtureRel = 1e-9
	// fixturePRel and fixturePAbs bound p-values: either suffices.
	fixturePRel = 1e-6
	fixturePAbs = 1e-14
)

// fixtureClass is how a regenerated value must agree with the committed one.
type fixtureClass int

const (
	classFloat fixtureClass = iota // within fixtureRel
	classP                         // within fixturePRel or fixturePAbs
	classExact                     // equal
)

// fixtureKeyClass classifies values by the nearest key on their path that
// it lists (ref_counts[2] by ref_counts, ref_gen.loc by ref_gen). Every
// other float is classFloat. JSON integers, strings, booleans and nulls are always exact.
var fixtureKeyClass = map[string]fixtureClass{
	"pvalue":       classP,
	"chi_square_p": classP,
	"sf":           classP, // scipy.stats.kstwo.sf
	// Counts are written as floats but are whole numbers of values.
	"ref_counts": classExact,
	"cur_counts": classExact,
	"counts":     classExact,
	// Generator specs (seed, n, loc, scale, step) are literals of the
	// script, not results.
	"ref_gen": classExact,
	"cur_gen": classExact,
	"bins":    classExact,
	"n":       classExact,
	"seed":    classExact,
}

// fixtureComparison is the outcome of compareFixtures.
type fixtureComparison struct {
	// Failures lists every difference beyond tolerance, structural ones
	// included, each led by its JSON path and case name.
	Failures []string
	// Moved lists the values whose text differs within tolerance.
	Moved []movedValue
}

// movedValue is a value whose text differs within tolerance.
type movedValue struct {
	Path string
	Rel  float64 // relative difference
	Abs  float64 // absolute difference
	Text string  // path, both values and the differences
}

// compareFixtures compares a regenerated fixtures file with the committed
// one: the same sections, cases in the same order with the same names, the
// same keys; exact values equal; p-values within fixturePRel relative or
// fixturePAbs absolute; other floats within fixtureRel relative. A
// committed exact zero that is not a p-value must stay exactly zero
// (no relative tolerance scales from zero; such zeros are identities, the
// distance between identical samples, an empty bin, that every CPU
// computes exactly). The error is for input that is not a single JSON
// value.
func compareFixtures(regenerated, committed []byte) (fixtureComparison, error) {
	got, err := decodeFixtures(regenerated)
	if err != nil {
		return fixtureComparison{}, fmt.Errorf("regenerated fixtures: %w", err)
	}
	want, err := decodeFixtures(committed)
	if err != nil {
		return fixtureComparison{}, fmt.Errorf("committed fixtures: %w", err)
	}
	var c fixtureComparison
	c.compare("", classFloat, got, want)
	return c, nil
}

func decodeFixtures(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the first JSON value")
	}
	return v, nil
}

func (c *fixtureComparison) fail(path, format string, args ...any) {
	if path == "" {
		path = "(top level)"
	}
	c.Failures = append(c.Failures, path+": "+fmt.Sprintf(format, args...))
}

func jsonKind(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case json.Number:
		if isJSONInt(v) {
			return "an integer"
		}
		return "a float"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func isJSONInt(n json.Number) bool { return !strings.ContainsAny(string(n), ".eE") }

func (c *fixtureComparison) compare(path string, class fixtureClass, got, want any) {
	if jsonKind(got) != jsonKind(want) {
		c.fail(path, "regenerated %s (%s), committed %s (%s)", jsonKind(got), brief(got), jsonKind(want), brief(want))
		return
	}
	switch want := want.(type) {
	case map[string]any:
		got := got.(map[string]any)
		if gn, ok := got["name"].(string); ok {
			if wn, ok := want["name"].(string); ok && gn != wn {
				c.fail(path, "regenerated case is named %q, committed %q (cases renamed, added, removed or reordered)", gn, wn)
				return
			}
		}
		keys := slices.Collect(maps.Keys(want))
		for k := range got {
			if _, ok := want[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			g, gok := got[k]
			w, wok := want[k]
			switch {
			case !gok:
				c.fail(path, "key %q is missing from the regenerated output", k)
			case !wok:
				c.fail(path, "key %q is not in the committed file", k)
			default:
				kc, ok := fixtureKeyClass[k]
				if !ok {
					kc = class
				}
				c.compare(p, kc, g, w)
			}
		}
	case []any:
		got := got.([]any)
		if len(got) != len(want) {
			c.fail(path, "regenerated %d elements, committed %d", len(got), len(want))
		}
		for i := range min(len(got), len(want)) {
			p := fmt.Sprintf("%s[%d]", path, i)
			if m, ok := want[i].(map[string]any); ok {
				if name, ok := m["name"].(string); ok {
					p += " " + strconv.Quote(name)
				}
			}
			c.compare(p, class, got[i], want[i])
		}
	case json.Number:
		c.number(path, class, got.(json.Number), want)
	default:
		if got != want {
			c.fail(path, "regenerated %s, committed %s", brief(got), brief(want))
		}
	}
}

func (c *fixtureComparison) number(path string, class fixtureClass, got, want json.Number) {
	if got == want {
		return
	}
	if isJSONInt(want) {
		c.fail(path, "regenerated %s, committed %s (integers must be equal)", got, want)
		return
	}
	g, err1 := strconv.ParseFloat(string(got), 64)
	w, err2 := strconv.ParseFloat(string(want), 64)
	if err1 != nil || err2 != nil {
		c.fail(path, "regenerated %s, committed %s (not float64 numbers)", got, want)
		return
	}
	diff := math.Abs(g - w)
	rel := 0.0
	if diff != 0 {
		rel = diff / math.Abs(w) // +Inf when w is 0
	}
	switch class {
	case classExact:
		if g != w {
			c.fail(path, "regenerated %s, committed %s (must be equal)", got, want)
			return
		}
	case classP:
		if rel > fixturePRel && diff > fixturePAbs {
			c.fail(path, "regenerated %s, committed %s (relative difference %.2g > %g and absolute difference %.2g > %g)", got, want, rel, fixturePRel, diff, fixturePAbs)
			return
		}
	default:
		if w == 0 && g != 0 {
			c.fail(path, "regenerated %s, committed %s (an exact zero must stay zero)", got, want)
			return
		}
		if rel > fixtureRel {
			c.fail(path, "regenerated %s, committed %s (relative difference %.2g > %g)", got, want, rel, fixtureRel)
			return
		}
	}
	c.Moved = append(c.Moved, movedValue{path, rel, diff,
		fmt.Sprintf("%s: regenerated %s, committed %s (relative difference %.2g, absolute %.2g)", path, got, want, rel, diff)})
}

// brief shows a JSON value in a message: scalars whole, containers by size.
func brief(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return fmt.Sprintf("%d keys", len(v))
	case []any:
		return fmt.Sprintf("%d elements", len(v))
	case string:
		return strconv.Quote(v)
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}
