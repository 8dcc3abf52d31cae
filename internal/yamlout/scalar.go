package yamlout

import (
	"strings"
	"unicode/utf8"
)

// Block-style scalars written byte for byte as yaml.v3's encoder writes
// them (two-space indent, no line wrapping), for writers of fixed-shape
// documents that do not want to go through reflection and the emitter's
// event machinery.
//
// Only a subset of strings is supported: valid UTF-8 whose characters are
// printable ASCII, '\n', or printable non-ASCII characters of at most
// three bytes other than the Unicode line and paragraph separators; a
// multi-line string must not start with a space or a line break and must
// not end with more than one line break (those need an indentation
// indicator or "keep" chomping). For any other string the Append functions report
// false and the caller renders the whole document with yaml.v3 instead.
// Within the subset, yaml.v3 never escapes anything but '"', '\\' and
// '\n', and never emits tags, so the style decision below is the
// emitter's (yaml_emitter_analyze_scalar and
// yaml_emitter_select_scalar_style in emitterc.go) restricted to it.

// scalarStyle is the style yaml.v3 picks for a string.
type scalarStyle int

const (
	plainStyle scalarStyle = iota
	singleQuotedStyle
	doubleQuotedStyle
	literalStyle     // "|-": no final line break
	literalClipStyle // "|": exactly one final line break
)

// maxSimpleKey is the longest key yaml.v3 writes as `key: value`; longer
// keys are written in the `? key` form, which this package does not
// support.
const maxSimpleKey = 128

// AppendValue appends s as the value of a block mapping entry whose key
// (at column indent) and ':' are already written: " value" for a
// one-line scalar, or " |-" and the lines indented by indent+2 for a
// literal block. It reports false, leaving dst as it was, when s is
// outside the supported subset.
func AppendValue(dst []byte, s string, indent int) ([]byte, bool) {
	style, ok := styleOf(s)
	if !ok {
		return dst, false
	}
	dst = append(dst, ' ')
	switch style {
	case plainStyle:
		dst = append(dst, s...)
	case singleQuotedStyle:
		dst = appendSingleQuoted(dst, s)
	case doubleQuotedStyle:
		dst = appendDoubleQuoted(dst, s)
	case literalStyle:
		dst = append(dst, '|', '-', '\n')
		dst = appendLiteral(dst, s, indent+2)
	case literalClipStyle:
		// The final line break ends the last line, which the caller
		// ends.
		dst = append(dst, '|', '\n')
		dst = appendLiteral(dst, s[:len(s)-1], indent+2)
	}
	return dst, true
}

// AppendKey appends s as a block mapping key (without the ':'). It
// reports false, leaving dst as it was, for keys yaml.v3 does not write
// as simple one-line keys (empty, multi-line or long keys) or that are
// outside the supported subset.
func AppendKey(dst []byte, s string) ([]byte, bool) {
	if s == "" || len(s) > maxSimpleKey || strings.IndexByte(s, '\n') >= 0 {
		return dst, false
	}
	style, ok := styleOf(s)
	if !ok {
		return dst, false
	}
	switch style {
	case plainStyle:
		dst = append(dst, s...)
	case singleQuotedStyle:
		dst = appendSingleQuoted(dst, s)
	default:
		dst = appendDoubleQuoted(dst, s)
	}
	return dst, true
}

// styleOf returns the style yaml.v3 writes s in as a block mapping value,
// or false when s is outside the supported subset.
func styleOf(s string) (scalarStyle, bool) {
	a, ok := analyze(s)
	if !ok {
		return 0, false
	}
	if a.lineBreaks {
		// stringv asks for a literal block; the emitter falls back to
		// double quotes when a block cannot hold the value.
		if !a.blockAllowed {
			return doubleQuotedStyle, true
		}
		if s[0] == ' ' || s[0] == '\n' {
			return 0, false
		}
		if s[len(s)-1] == '\n' {
			// One final line break is "clip" chomping, written "|";
			// more need "|+", which is not supported.
			if s[len(s)-2] == '\n' {
				return 0, false
			}
			return literalClipStyle, true
		}
		return literalStyle, true
	}
	if !canUsePlain(s) {
		return doubleQuotedStyle, true
	}
	if !a.blockPlainAllowed {
		// In the subset a one-line string can always be single-quoted.
		return singleQuotedStyle, true
	}
	return plainStyle, true
}

// analysis is what yaml_emitter_analyze_scalar finds out about a string
// in the supported subset.
type analysis struct {
	lineBreaks        bool
	blockPlainAllowed bool
	blockAllowed      bool
}

// analyze ports yaml_emitter_analyze_scalar for the supported subset and
// reports false for strings outside it.
func analyze(s string) (analysis, bool) {
	if s == "" {
		// yaml.v3 quotes the empty string (it resolves to null); no
		// flag matters.
		return analysis{blockPlainAllowed: true}, true
	}
	if !utf8.ValidString(s) {
		return analysis{}, false
	}
	var (
		blockIndicators bool
		lineBreaks      bool
		leadingSpace    bool
		trailingSpace   bool
		spaceBreak      bool
		previousSpace   bool
	)
	if len(s) >= 3 && (s[:3] == "---" || s[:3] == "...") {
		blockIndicators = true
	}
	precededByWhitespace := true
	for i, w := 0, 0; i < len(s); i += w {
		c := s[i]
		if i > 0 && c > ' ' && c < 0x7f && c != ':' && c != '#' {
			// The common case, a printable ASCII character that is not
			// a space and is an indicator only at the start (or, for
			// ':' and '#', next to whitespace): nothing below applies
			// to it but resetting the whitespace state.
			w = 1
			previousSpace = false
			precededByWhitespace = false
			continue
		}
		w = charWidth(c)
		if !supportedChar(s, i, w) {
			return analysis{}, false
		}
		followedByWhitespace := i+w >= len(s) || s[i+w] == ' ' || s[i+w] == '\t'
		if i == 0 {
			switch c {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				blockIndicators = true
			case '?', ':', '-':
				if followedByWhitespace {
					blockIndicators = true
				}
			}
		} else {
			switch c {
			case ':':
				if followedByWhitespace {
					blockIndicators = true
				}
			case '#':
				if precededByWhitespace {
					blockIndicators = true
				}
			}
		}
		switch c {
		case ' ':
			if i == 0 {
				leadingSpace = true
			}
			if i+w == len(s) {
				trailingSpace = true
			}
			previousSpace = true
		case '\n':
			lineBreaks = true
			if previousSpace {
				spaceBreak = true
			}
			previousSpace = false
		default:
			previousSpace = false
		}
		precededByWhitespace = c == ' ' || c == '\n'
	}
	// Leading or trailing line breaks also forbid the plain style, but a
	// string with a line break is never written plain anyway.
	return analysis{
		lineBreaks:        lineBreaks,
		blockPlainAllowed: !leadingSpace && !trailingSpace && !lineBreaks && !blockIndicators,
		blockAllowed:      !trailingSpace && !spaceBreak,
	}, true
}

// charWidth is the length of the UTF-8 sequence starting with c (yaml.v3's
// width).
func charWidth(c byte) int {
	switch {
	case c&0x80 == 0x00:
		return 1
	case c&0xE0 == 0xC0:
		return 2
	case c&0xF0 == 0xE0:
		return 3
	case c&0xF8 == 0xF0:
		return 4
	}
	return 0
}

// supportedChar reports whether the w-byte character at s[i] is in the
// subset: printable for yaml.v3 (is_printable), not a line break other
// than '\n', not a tab or BOM, and at most three bytes long.
func supportedChar(s string, i, w int) bool {
	c := s[i]
	switch w {
	case 1:
		return c == '\n' || c >= 0x20 && c <= 0x7E
	case 2:
		// U+00A0..U+07FF; U+0080..U+009F (including NEL) are not
		// printable.
		return c > 0xC2 || s[i+1] >= 0xA0
	case 3:
		c1, c2 := s[i+1], s[i+2]
		switch {
		case c == 0xE2 && c1 == 0x80 && (c2 == 0xA8 || c2 == 0xA9):
			return false // line and paragraph separators
		case c < 0xED, c == 0xEE:
			return true
		case c == 0xED:
			return c1 < 0xA0
		case c == 0xEF:
			return !(c1 == 0xBB && c2 == 0xBF) && !(c1 == 0xBF && (c2 == 0xBE || c2 == 0xBF))
		}
	}
	return false
}

// appendSingleQuoted writes a one-line string in single quotes.
func appendSingleQuoted(dst []byte, s string) []byte {
	dst = append(dst, '\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			dst = append(dst, '\'')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '\'')
}

// appendDoubleQuoted writes s in double quotes; in the subset only '"',
// '\\' and '\n' are escaped, and with unlimited width nothing is folded.
func appendDoubleQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// appendLiteral writes the lines of a literal block (after its header
// line), each non-empty line indented by indent spaces; empty lines stay
// empty.
func appendLiteral(dst []byte, s string, indent int) []byte {
	lineStart := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' {
			dst = append(dst, '\n')
			lineStart = true
			continue
		}
		if lineStart {
			dst = appendSpaces(dst, indent)
			lineStart = false
		}
		dst = append(dst, c)
	}
	return dst
}

// appendSpaces appends n spaces.
func appendSpaces(dst []byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, ' ')
	}
	return dst
}
