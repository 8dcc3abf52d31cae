package yamlout

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/internal/yamlout/yamltest"
)

// encodeV3 is the reference: yaml.v3's encoder with the indent Render
// uses.
func encodeV3(t *testing.T, v any) string { return yamltest.V3(t, v) }

// nested wraps v in depth single-key maps {"a": ...}, so its key lands at
// column 2*depth.
func nested(v any, depth int) any {
	for ; depth > 0; depth-- {
		v = map[string]any{"a": v}
	}
	return v
}

// prefix is the text yaml.v3 writes before the innermost key of nested.
func prefix(depth int) string {
	var b strings.Builder
	for i := 0; i < depth; i++ {
		b.WriteString(strings.Repeat(" ", 2*i) + "a:\n")
	}
	return b.String()
}

func testStrings() []string {
	r := rand.New(rand.NewPCG(1, 2))
	out := yamltest.Fixed()
	for i := 0; i < 20000; i++ {
		out = append(out, yamltest.String(r))
	}
	return out
}

// TestAppendValueMatchesYAMLv3 checks every string the writer accepts
// against yaml.v3's output for the same mapping value, at several
// indents.
func TestAppendValueMatchesYAMLv3(t *testing.T) {
	accepted := 0
	strs := testStrings()
	for i, s := range strs {
		depth := i % 4
		got, ok := AppendValue([]byte(prefix(depth)+strings.Repeat(" ", 2*depth)+"k:"), s, 2*depth)
		if !ok {
			continue
		}
		accepted++
		want := encodeV3(t, nested(map[string]string{"k": s}, depth))
		if string(got)+"\n" != want {
			t.Errorf("value %q at indent %d:\n got %q\nwant %q", s, 2*depth, string(got)+"\n", want)
		}
	}
	t.Logf("%d of %d strings took the fast path", accepted, len(strs))
	// The property must not hold vacuously.
	if accepted < len(strs)/3 {
		t.Errorf("only %d of %d strings took the fast path", accepted, len(strs))
	}
}

// TestAppendKeyMatchesYAMLv3 checks keys the writer accepts against
// yaml.v3.
func TestAppendKeyMatchesYAMLv3(t *testing.T) {
	accepted := 0
	strs := testStrings()
	for _, s := range strs {
		got, ok := AppendKey(nil, s)
		if !ok {
			continue
		}
		accepted++
		want := encodeV3(t, map[string]string{s: "v"})
		if string(got)+": v\n" != want {
			t.Errorf("key %q:\n got %q\nwant %q", s, string(got)+": v\n", want)
		}
	}
	if accepted < len(strs)/3 {
		t.Errorf("only %d of %d keys took the fast path", accepted, len(strs))
	}
}

// TestFastPathCoversGeneratedShapes pins down that the strings vigil
// generates (PromQL, multi-line expressions, templated annotations, URLs,
// durations) are written by the fast path, not by the fallback.
func TestFastPathCoversGeneratedShapes(t *testing.T) {
	for _, s := range []string{
		`vigil:sli_error_ratio:rate5m{model="m",slo="availability"} / 0.001`,
		"(\n  a > 1\nand\n  b > 1\n)",
		"'{{ $value | humanizePercentage }}' of observations",
		"{{ $value }} is high: check it",
		"https://git.example.com/a/b.md#x",
		"5m", "0.8", "", "eu-west-1 (Zürich)",
	} {
		if _, ok := AppendValue(nil, s, 8); !ok {
			t.Errorf("%q is not written by the fast path", s)
		}
	}
}

// TestSortedKeysMatchesYAMLv3 compares the key order with yaml.v3's for
// random sets of keys, including digits and mixed case.
func TestSortedKeysMatchesYAMLv3(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "b", "Z", "_", "0", "1", "9", "10", "007", "-", "é", "x1", "x01"}
	for n := 0; n < 3000; n++ {
		m := map[string]string{}
		for k := r.IntN(8); k >= 0; k-- {
			var b strings.Builder
			for p := 1 + r.IntN(4); p > 0; p-- {
				b.WriteString(alphabet[r.IntN(len(alphabet))])
			}
			m[b.String()] = "v"
		}
		var got strings.Builder
		for _, k := range SortedKeys(m) {
			kb, ok := AppendKey(nil, k)
			if !ok {
				t.Fatalf("key %q not supported", k)
			}
			got.Write(kb)
			got.WriteString(": v\n")
		}
		if want := encodeV3(t, m); got.String() != want {
			t.Fatalf("keys %v:\n got %q\nwant %q", SortedKeys(m), got.String(), want)
		}
	}
}

// FuzzAppendValueMatchesYAMLv3 checks the scalar writer against yaml.v3
// on any string: whenever AppendValue or AppendKey accepts a string, the
// bytes must be yaml.v3's for the same mapping value (at two depths) or
// key. The rule check (targets/prometheus/verify.go) relies on this
// instead of decoding every rule file again.
func FuzzAppendValueMatchesYAMLv3(f *testing.F) {
	for _, s := range yamltest.Fixed() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for depth := 0; depth < 2; depth++ {
			got, ok := AppendValue([]byte(prefix(depth)+strings.Repeat(" ", 2*depth)+"k:"), s, 2*depth)
			if !ok {
				break
			}
			if want := encodeV3(t, nested(map[string]string{"k": s}, depth)); string(got)+"\n" != want {
				t.Fatalf("value %q at indent %d:\n got %q\nwant %q", s, 2*depth, string(got)+"\n", want)
			}
		}
		if got, ok := AppendKey(nil, s); ok {
			if want := encodeV3(t, map[string]string{s: "v"}); string(got)+": v\n" != want {
				t.Fatalf("key %q:\n got %q\nwant %q", s, string(got)+": v\n", want)
			}
		}
	})
}
