package jsonout

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// reference is what Marshal replaces.
func reference(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var pieces = []string{"", "a", `"`, `\`, `\"`, "{", "}", "[", "]", ",", ":", " ", "\n", "\t", "<>&", "é", "😀", "\u2028", "\x00", `{"a":1}`, "[]", "{}"}

func randomString(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(5); n > 0; n-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// randomValue builds a random JSON value: objects and arrays (often
// empty), strings full of JSON's own punctuation and escapes, numbers,
// booleans and nulls.
func randomValue(r *rand.Rand, depth int) any {
	switch k := r.IntN(8); {
	case depth > 0 && k < 2:
		m := map[string]any{}
		for n := r.IntN(4); n > 0; n-- {
			m[randomString(r)] = randomValue(r, depth-1)
		}
		return m
	case depth > 0 && k < 4:
		var s []any
		if r.IntN(4) != 0 {
			s = []any{}
		}
		for n := r.IntN(4); n > 0; n-- {
			s = append(s, randomValue(r, depth-1))
		}
		return s
	case k == 4:
		return randomString(r)
	case k == 5:
		return []float64{0, -1.5, 1e21, 0.1, 3}[r.IntN(5)]
	case k == 6:
		return r.IntN(2) == 0
	}
	return nil
}

// TestMarshalMatchesEncoder compares Marshal with the json.Encoder it
// replaces on random values.
func TestMarshalMatchesEncoder(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for n := 0; n < 5000; n++ {
		v := randomValue(r, 5)
		got, err := Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if want := reference(t, v); !bytes.Equal(got, want) {
			t.Fatalf("value %d:\n got %s\nwant %s", n, got, want)
		}
	}
}

// TestIndentMatchesJSONIndent compares Indent with json.Indent on compact
// documents, with and without what follows the value.
func TestIndentMatchesJSONIndent(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for n := 0; n < 5000; n++ {
		compact, err := json.Marshal(randomValue(r, 5))
		if err != nil {
			t.Fatal(err)
		}
		if n%2 == 0 {
			compact = append(compact, '\n')
		}
		var want bytes.Buffer
		if err := json.Indent(&want, compact, "", "  "); err != nil {
			t.Fatal(err)
		}
		if got := Indent(nil, compact); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("document %d %q:\n got %s\nwant %s", n, compact, got, want.Bytes())
		}
	}
}
