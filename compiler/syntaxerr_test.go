package compiler

import (
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		name      string
		src       string
		yaml      bool
		line, col int
		msg       string // a part of the message; "" for text that passes
	}{
		{"plain text", "a: \"é—ok\"\n", false, 0, 0, ""},
		{"tab and CRLF", "a:\t1\r\nb: 2\r\n", true, 0, 0, ""},
		{"invalid byte after multi-byte text", "a: 1\nb: \"é\xff\"\n", false, 2, 7, "invalid UTF-8 (byte 0xff)"},
		{"truncated sequence at the end", "a: \"\xe2\x82", true, 1, 5, "invalid UTF-8 (byte 0xe2)"},
		{"Latin-1 in a YAML comment", "# caf\xe9\na: 1\n", true, 1, 6, "invalid UTF-8"},
		{"NUL makes it binary", "a: 1\n\x00\x01", false, 2, 1, "binary data (byte 0x00)"},
		{"binary reported at its first odd byte", "\x1f\x8b\x08\x00", true, 1, 1, "binary data (byte 0x1f)"},
		{"control character in CUE", "a: \"x\x1by\"\n", false, 1, 6, "control character U+001B"},
		{"DEL is fine in CUE", "a: \"x\x7fy\"\n", false, 0, 0, ""},
		{"DEL is not YAML", "a: x\x7fy\n", true, 1, 5, "control character U+007F is not allowed in YAML"},
		{"C1 control is not YAML", "a: x\u0090y\n", true, 1, 5, "U+0090"},
		{"NEL is YAML", "a: x\u0085y\n", true, 0, 0, ""},
		{"lone CR in YAML", "a: 1\rb:\r\n", true, 1, 5, "carriage return without a line feed"},
		{"CR at the end of YAML", "a: 1\r", true, 1, 5, "carriage return without a line feed"},
		{"lone CR is CUE whitespace", "a: 1\rb: 2\n", false, 0, 0, ""},
		{"UTF-16 YAML is left to the YAML reader", "\xff\xfea\x00:\x00", true, 0, 0, ""},
		{"UTF-16 BOM is not CUE", "\xff\xfea\x00", false, 1, 1, "byte 0xff"},
	} {
		line, col, msg, bad := checkText([]byte(tc.src), tc.yaml)
		if bad != (tc.msg != "") || line != tc.line || col != tc.col || !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: checkText = %d:%d %q (bad %v), want %d:%d containing %q", tc.name, line, col, msg, bad, tc.line, tc.col, tc.msg)
		}
	}
}

// TestYAMLSyntaxError checks positions and messages of YAML syntax errors
// against the parser's own messages: each case is parsed with yaml.v3,
// as the loader does, and the error refined.
func TestYAMLSyntaxError(t *testing.T) {
	for _, tc := range []struct {
		name      string
		src       string
		line, col int
		msg       string
	}{
		{"tab indents a key", "models:\n  m:\n\tteam: t\n", 3, 1, yamlTabMessage},
		{"tab on the first line", "\tmodels:\n  m: {}\n", 1, 1, yamlTabMessage},
		{"tab after spaces", "models:\n  m:\n  \tteam: t\n", 3, 3, yamlTabMessage},
		{"tab in a list below the line reported", "a:\n  - x\n\t  - y\n", 3, 1, yamlTabMessage},
		{"tab deep in a mapping", "a:\n  b:\n    c: 1\n    d:\n\t\te: 1\n", 5, 1, yamlTabMessage},
		{"at sign", "a:\n  chat: @oncall\n", 2, 9, `cannot start with "@"`},
		{"backquote", "a: `x`\n", 1, 4, "cannot start with \"`\""},
		{"colon in a value", "a:\n  d: Scores: fraud\n", 2, 12, "unexpected ':'"},
		{"colon on the first line", "models: m: team: t\n", 1, 10, "unexpected ':'"},
		{"key indented between levels", "a:\n  b:\n    c: 1\n   d: 2\n", 4, 4, "bad indentation"},
		{"key indented between levels after a flow list", "a:\n  b: [1,\n    2]\n  c:\n    d: 1\n   e: 2\n", 6, 4, "bad indentation"},
		{"unterminated double quote", "a:\n  b: \"x\n  c: 1\n", 2, 6, `the closing " is missing`},
		{"unclosed flow mapping", "models: {m: {team: t}\n", 1, 9, "expected ',' or '}'"},
		{"unclosed flow list", "a:\n  b: [1, 2\n", 2, 6, "expected ',' or ']'"},
		{"list on the key's line", "a:\n  b: - x\n", 2, 6, "'- ' list cannot start on the same line"},
		{"unknown alias", "a:\n  b: *base\n", 2, 6, "alias *base refers to no anchor"},
	} {
		_, err := yamlDecodeAll([]byte(tc.src))
		if err == nil {
			t.Errorf("%s: the YAML parser accepts the input", tc.name)
			continue
		}
		line, msg := yamlLineMessage(err.Error())
		gl, gc, gm := yamlSyntaxError([]byte(tc.src), line, msg)
		if gl != tc.line || gc != tc.col || !strings.Contains(gm, tc.msg) {
			t.Errorf("%s: parser said line %d %q; got %d:%d %q, want %d:%d containing %q", tc.name, line, msg, gl, gc, gm, tc.line, tc.col, tc.msg)
		}
	}
}
