// Package yamltest generates strings that exercise YAML's quoting and
// block-scalar rules, for property tests that compare a hand-written YAML
// writer with yaml.v3, and renders the yaml.v3 reference (V3).
package yamltest

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// fragments are the pieces random strings are made of: characters and
// words that change how yaml.v3 writes a scalar (indicators, quotes,
// escapes, line breaks, spaces, non-ASCII and non-printable characters,
// and words that read back as bools, nulls, numbers or timestamps).
var fragments = []string{
	"a", "Z", "model", "x_y", "0", "9", "42", " ", "  ", "\n", "\n\n", ":", ": ", "#", " #",
	"'", "\"", "\\", "-", "- ", "?", "? ", "{", "}", "[", "]", ",", "&", "*", "!",
	"|", ">", "%", "@", "`", "\t", "\r", "\r\n", "é", "Zürich", "€", "日本", "😀",
	"\u2028", "\u2029", "\u0085", "\u00a0", "\ufeff", "\uffff", "\x00", "\x1b", "\x7f",
	"~", ".", "+", "_", "=", "/", "---", "...", "true", "False", "NULL", "no", "On", "y",
	"0x1F", "1e3", "-1.5", ".5", "+12", "1_000", "0b101", "-0b11", "0o17", "-0o7", "017",
	"2001-12-14", "2001-12-14T21:59:43.10Z", "1:30", "-1:30:10.5", "<<", ".inf", "-.Inf", ".nan",
	"{{ $value }}", "{{ $labels.model }}", "sum(rate(x{a=\"b\"}[5m]))", "https://example.com/a#b",
	"\xff", "\xc3",
}

// String returns a random string of up to six fragments.
func String(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(7); n > 0; n-- {
		b.WriteString(fragments[r.IntN(len(fragments))])
	}
	return b.String()
}

// Fixed returns hand-picked strings that each hit one of yaml.v3's style
// decisions, for tests that want them all regardless of the random seed.
func Fixed() []string {
	return []string{
		"", " ", "a", "a ", " a", "a: b", "a:b", ":a", ": a", "-a", "- a", "-", "?", "? a",
		"#a", "a#b", "a #b", "---", "--- a", "...", "a'b", "'a", "\"a", "a\"b", "a\\b",
		"true", "yes", "null", "~", "1", "1.5", "0x10", "1e3", ".5", "2024-01-02", "1:20",
		"5m", "1h30m", "0s", "a\nb", "a \nb", "a\n b", "a\n\nb", "\na", " a\nb", "a\n",
		"a\nb ", "a\tb", "a\rb", "é", "a\u2028b", "😀", "\xff", "{{ $value | humanize }}",
		"(\n  a\nand\n  b\n)", "<<", "@a", "`a`", "%a", "a,b", "[a]", "{a}", "a]",
	}
}

// V3 is the reference the writers are compared with: v rendered by
// yaml.v3's Encoder alone, with the two-space indent vigil uses.
func V3(t testing.TB, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
