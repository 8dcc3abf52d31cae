package compiler

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// checkText reports the first place where b is not text that the spec
// parsers can read: a byte that is not UTF-8, a NUL byte, or a control
// character other than tab, line feed and carriage return (in YAML, any
// character the YAML reader refuses). The parsers either report these without a position
// (the YAML reader), or not at all (CUE reads invalid UTF-8 in a comment
// or a string as U+FFFD), so they are found here first. line and col are
// 1-based; col counts bytes, as CUE's positions do.
//
// A YAML file that starts with a UTF-16 byte-order mark is left to the
// YAML reader, which decodes UTF-16.
func checkText(b []byte, yaml bool) (line, col int, msg string, bad bool) {
	if yaml && (bytes.HasPrefix(b, []byte{0xff, 0xfe}) || bytes.HasPrefix(b, []byte{0xfe, 0xff})) {
		return 0, 0, "", false
	}
	// A NUL byte near the start marks a binary file, as it does for git.
	binary := bytes.IndexByte(b[:min(len(b), 8000)], 0) >= 0
	line, lineStart := 1, 0
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case binary && (r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == utf8.RuneError && size <= 1):
			return line, i - lineStart + 1, fmt.Sprintf("binary data (byte 0x%02x), not a spec: spec files must be UTF-8 text", b[i]), true
		case r == utf8.RuneError && size <= 1:
			return line, i - lineStart + 1, fmt.Sprintf("invalid UTF-8 (byte 0x%02x): spec files must be UTF-8 text; save the file as UTF-8", b[i]), true
		case r == 0:
			return line, i - lineStart + 1, "NUL byte: spec files must be UTF-8 text", true
		case yaml && r == '\r' && (i+1 == len(b) || b[i+1] != '\n'):
			// YAML reads a lone CR as a line break, which CUE's YAML
			// decoder mispositions (it can even crash on it).
			return line, i - lineStart + 1, "carriage return without a line feed (an old Mac line break): YAML spec files must break lines with \\n or \\r\\n", true
		case yaml && !yamlPrintable(r):
			return line, i - lineStart + 1, fmt.Sprintf("control character %U is not allowed in YAML; in a double-quoted string write it as \\u%04X", r, r), true
		case !yaml && r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			return line, i - lineStart + 1, fmt.Sprintf("control character %U is not allowed; in a string write it as \\u%04X", r, r), true
		case r == '\n':
			line, lineStart = line+1, i+1
		}
		i += size
	}
	return 0, 0, "", false
}

// yamlPrintable reports whether the YAML reader accepts r (YAML 1.2,
// section 5.1, as go.yaml.in/yaml/v3 checks it).
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7e:
		return true
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}
