package yamlout

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file ports the part of go.yaml.in/yaml/v3 (v3.0.6, resolve.go and
// encode.go, Apache-2.0) that decides whether yaml.v3's encoder may write
// a string unquoted: the string must not read back as another type (bool,
// null, number, timestamp, merge key), nor as a YAML 1.1 bool or base-60
// float. The logic is copied, not reinterpreted, so the scalar writer
// quotes exactly the strings yaml.v3 quotes; scalar_test.go checks that
// against yaml.v3 itself.

// resolveHint classifies a scalar's first byte the way yaml.v3's
// resolveTable does: 'S' sign, 'D' digit, 'M' possibly in resolveMap, '.'
// possibly a float; 0 means the scalar is always a string.
func resolveHint(c byte) byte {
	switch {
	case c == '+' || c == '-':
		return 'S'
	case c >= '0' && c <= '9':
		return 'D'
	case c == '.':
		return '.'
	}
	switch c {
	case 'y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O', '~', '<':
		return 'M'
	}
	return 0
}

// nonStringWords are yaml.v3's resolveMap keys: plain scalars that read
// back as bools, null, special floats or the merge key.
var nonStringWords = map[string]bool{
	"true": true, "True": true, "TRUE": true,
	"false": true, "False": true, "FALSE": true,
	"": true, "~": true, "null": true, "Null": true, "NULL": true,
	".nan": true, ".NaN": true, ".NAN": true,
	".inf": true, ".Inf": true, ".INF": true,
	"+.inf": true, "+.Inf": true, "+.INF": true,
	"-.inf": true, "-.Inf": true, "-.INF": true,
	"<<": true,
}

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

var base60float = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)

// canUsePlain reports whether yaml.v3's encoder (stringv) asks for the
// plain style for s: s resolves to !!str when unquoted and is neither a
// base-60 float nor a YAML 1.1 bool. The emitter may still quote it (see
// analyze).
func canUsePlain(s string) bool {
	return resolvesToString(s) && !isBase60Float(s) && !isOldBool(s)
}

// resolvesToString is yaml.v3's resolve("", s) == strTag.
func resolvesToString(s string) bool {
	hint := byte('N')
	if s != "" {
		hint = resolveHint(s[0])
	}
	if hint == 0 {
		return true
	}
	if nonStringWords[s] {
		return false
	}
	switch hint {
	case 'M':
		return true
	case '.':
		_, err := strconv.ParseFloat(s, 64)
		return err != nil
	}
	// 'D' or 'S': int, float or timestamp.
	if isTimestamp(s) {
		return false
	}
	plain := strings.ReplaceAll(s, "_", "")
	if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return false
	}
	if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return false
	}
	if yamlStyleFloat.MatchString(plain) {
		if _, err := strconv.ParseFloat(plain, 64); err == nil {
			return false
		}
	}
	switch {
	case strings.HasPrefix(plain, "0b"):
		if _, err := strconv.ParseInt(plain[2:], 2, 64); err == nil {
			return false
		}
		if _, err := strconv.ParseUint(plain[2:], 2, 64); err == nil {
			return false
		}
	case strings.HasPrefix(plain, "-0b"):
		if _, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
			return false
		}
	}
	switch {
	case strings.HasPrefix(plain, "0o"):
		if _, err := strconv.ParseInt(plain[2:], 8, 64); err == nil {
			return false
		}
		if _, err := strconv.ParseUint(plain[2:], 8, 64); err == nil {
			return false
		}
	case strings.HasPrefix(plain, "-0o"):
		if _, err := strconv.ParseInt("-"+plain[3:], 8, 64); err == nil {
			return false
		}
	}
	return true
}

// timestampFormats are yaml.v3's allowedTimestampFormats.
var timestampFormats = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

// isTimestamp is yaml.v3's parseTimestamp without the value.
func isTimestamp(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			break
		}
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, format := range timestampFormats {
		if _, err := time.Parse(format, s); err == nil {
			return true
		}
	}
	return false
}

// isBase60Float is yaml.v3's isBase60Float.
func isBase60Float(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if !(c == '+' || c == '-' || c >= '0' && c <= '9') || strings.IndexByte(s, ':') < 0 {
		return false
	}
	return base60float.MatchString(s)
}

// isOldBool is yaml.v3's isOldBool: YAML 1.1 bools, quoted on output.
func isOldBool(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
		"n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return true
	}
	return false
}
