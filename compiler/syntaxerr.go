package compiler

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-dev/vigil/diag"
)

// firstPerFile keeps the first syntax error of each file: after one, the
// parser's recovery reports follow-on errors (an illegal character is
// followed by "expected '}', found 'EOF'") that point at no further
// mistake.
func firstPerFile(l diag.List) diag.List {
	l = l.Sort()
	seen := map[string]bool{}
	out := l[:0]
	for _, d := range l {
		if d.Pos.File != "" && seen[d.Pos.File] {
			continue
		}
		seen[d.Pos.File] = true
		out = append(out, d)
	}
	return out
}

// maxYAMLRefine bounds the size of a file whose syntax error is located
// by re-parsing prefixes of it.
const maxYAMLRefine = 4 << 20

// yamlTabMessage explains the most common YAML syntax error.
const yamlTabMessage = "tab character in indentation: YAML indents with spaces only; replace the tab with spaces"

// yamlSyntaxError positions a YAML syntax error and says it in plain
// words. The YAML parser reports a line only, often the line where the
// enclosing mapping or sequence starts rather than the problem's (and
// none at all when that is line 1). The problem's line is found by
// parsing ever longer prefixes of the file: the shortest prefix that
// fails with the same message ends on it. line is 0 when the parser gave
// none.
func yamlSyntaxError(src []byte, line int, msg string) (int, int, string) {
	lines := strings.Split(string(src), "\n")
	if line < 1 {
		line = 1
	}
	line = min(line, len(lines))
	if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		// An alias names an anchor that is not defined before it.
		name = strings.TrimSuffix(name, "' referenced")
		for i, text := range lines {
			if j := strings.Index(text, "*"+name); j >= 0 {
				return i + 1, j + 1, "alias *" + name + " refers to no anchor; define &" + name + " before it"
			}
		}
		return line, 1, "alias *" + name + " refers to no anchor; define &" + name + " before it"
	}
	if len(src) <= maxYAMLRefine {
		line = yamlProblemLine(lines, line, msg)
	}
	text := lines[line-1]
	col := len(text) - len(strings.TrimLeft(text, " \t")) + 1
	indent := text[:col-1]
	switch {
	case strings.Contains(msg, "tab character"):
		// The parser names the construct's first line; the tab is on
		// the first line below it with a tab in its indentation.
		for i := line - 1; i < len(lines); i++ {
			t := lines[i]
			ind := t[:len(t)-len(strings.TrimLeft(t, " \t"))]
			if j := strings.IndexByte(ind, '\t'); j >= 0 {
				return i + 1, j + 1, yamlTabMessage
			}
		}
		return line, col, yamlTabMessage
	case msg == "found character that cannot start any token":
		if j := strings.IndexByte(indent, '\t'); j >= 0 {
			return line, j + 1, yamlTabMessage
		}
		if j := tokenStart(text, "@`"); j >= 0 {
			return line, j + 1, "a plain YAML value cannot start with " + strconv.Quote(text[j:j+1]) + "; put the value in quotes"
		}
		if j := strings.IndexByte(text, '\t'); j >= 0 {
			return line, j + 1, "tab character where YAML expects a value; use spaces"
		}
	case msg == "mapping values are not allowed in this context":
		if j := secondColon(text); j >= 0 {
			col = j + 1
		}
		return line, col, `unexpected ':': quote a value that contains ": ", and start a nested mapping on a new, indented line`
	case msg == "found unexpected end of stream":
		if j := unclosedQuote(text); j >= 0 {
			return line, j + 1, "unterminated quoted string: the closing " + text[j:j+1] + " is missing"
		}
		return line, col, "unexpected end of file inside a quoted string"
	case msg == "did not find expected key":
		return line, col, "bad indentation: this line does not line up with the keys of the mapping it belongs to"
	case msg == "did not find expected '-' indicator":
		return line, col, "bad indentation: this line does not line up with the '- ' items of the list it belongs to"
	case msg == "could not find expected ':'":
		return line, col, "expected ':' after a key (or is this line indented too little?)"
	case msg == "block sequence entries are not allowed in this context":
		if j := strings.Index(text, "- "); j >= 0 {
			col = j + 1
		}
		return line, col, "a '- ' list cannot start on the same line as its key; put the items on the lines below, indented"
	case strings.HasPrefix(msg, "did not find expected ',' or "):
		closer := strings.TrimSuffix(strings.TrimPrefix(msg, "did not find expected ',' or '"), "'")
		if j := unclosedBracket(text); j >= 0 {
			col = j + 1
		}
		return line, col, "expected ',' or '" + closer + "': a list or mapping written in brackets is not closed, or its items are not separated by commas"
	}
	return line, col, msg
}

// yamlProblemLine returns the first line at or after line where a prefix
// of the file fails to parse with msg, or line when there is none. Once a
// prefix reaches the problem every longer one fails too, so the search
// doubles its step and then bisects.
func yamlProblemLine(lines []string, line int, msg string) int {
	fails := func(n int) bool { return yamlPrefixError(lines[:n]) == msg }
	if fails(line) {
		return line
	}
	lo, hi := line, 0 // fails(lo) is false; fails(hi) is true
	for step := 1; ; step *= 2 {
		n := min(line+step, len(lines))
		if fails(n) {
			hi = n
			break
		}
		lo = n
		if n == len(lines) {
			return line
		}
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// yamlPrefixError parses the given lines as a YAML stream and returns the
// parser's message without its "yaml: line N: " prefix, or "".
func yamlPrefixError(lines []string) string {
	if _, err := yamlDecodeAll([]byte(strings.Join(lines, "\n"))); err != nil {
		return yamlMessage(err.Error())
	}
	return ""
}

// yamlDecodeAll parses every document of a YAML stream.
func yamlDecodeAll(src []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, err
		}
		docs = append(docs, &n)
	}
}

// yamlMessage strips the "yaml: " and "line N: " prefixes from a YAML
// error, returning the line (0 when absent) and the bare message.
func yamlMessage(e string) string {
	_, msg := yamlLineMessage(e)
	return msg
}

func yamlLineMessage(e string) (int, string) {
	e = strings.TrimPrefix(e, "yaml: ")
	if rest, ok := strings.CutPrefix(e, "line "); ok {
		num, msg, ok := strings.Cut(rest, ": ")
		if n, err := strconv.Atoi(num); ok && err == nil {
			return n, msg
		}
	}
	return 0, e
}

// tokenStart returns the index of the first character of text from chars
// that starts a token (at the start of the line or after a space, "-" or
// ":"), or -1.
func tokenStart(text, chars string) int {
	for i := 0; i < len(text); i++ {
		if !strings.ContainsRune(chars, rune(text[i])) {
			continue
		}
		if i == 0 || strings.ContainsRune(" \t-:[{,", rune(text[i-1])) {
			return i
		}
	}
	return -1
}

// secondColon returns the index of the second ':' on a line that acts as
// a mapping indicator (followed by a space or the end of the line), or -1.
func secondColon(text string) int {
	seen := 0
	for i := 0; i < len(text); i++ {
		if text[i] == '#' && (i == 0 || text[i-1] == ' ') {
			break
		}
		if text[i] == ':' && (i+1 == len(text) || text[i+1] == ' ' || text[i+1] == '\t') {
			seen++
			if seen == 2 {
				return i
			}
		}
	}
	return -1
}

// unclosedQuote returns the index of the quote that opens a string not
// closed on the line, or -1.
func unclosedQuote(text string) int {
	open, q := -1, byte(0)
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case q == 0 && (c == '"' || c == '\''):
			open, q = i, c
		case q == '"' && c == '\\':
			i++
		case q != 0 && c == q:
			if q == '\'' && i+1 < len(text) && text[i+1] == '\'' {
				i++ // '' is an escaped quote
				continue
			}
			q = 0
		case q == 0 && c == '#' && (i == 0 || text[i-1] == ' '):
			return -1
		}
	}
	if q == 0 {
		return -1
	}
	return open
}

// unclosedBracket returns the index of the last '[' or '{' on the line
// that the line does not close, outside quotes and comments, or -1.
func unclosedBracket(text string) int {
	var open []int
	q := byte(0)
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case q == '"' && c == '\\':
			i++
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '#' && (i == 0 || text[i-1] == ' '):
			i = len(text)
		case c == '[' || c == '{':
			open = append(open, i)
		case (c == ']' || c == '}') && len(open) > 0:
			open = open[:len(open)-1]
		}
	}
	if len(open) == 0 {
		return -1
	}
	return open[len(open)-1]
}

// jsonSyntaxMessage says what encoding/json's syntax error means for the
// common mistakes of hand-written JSON: trailing commas, comments,
// single quotes, unquoted keys and missing commas.
func jsonSyntaxMessage(src []byte, e *json.SyntaxError) string {
	msg := e.Error()
	if len(bytes.TrimSpace(src)) == 0 {
		return `the file is empty: a JSON spec is an object with models, e.g. {"models": {...}}`
	}
	at := int(e.Offset) - 1 // the offending character
	prev := byte(0)
	for i := at - 1; i >= 0 && i < len(src); i-- {
		if c := src[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			prev = c
			break
		}
	}
	ch := byte(0)
	if at >= 0 && at < len(src) {
		ch = src[at]
	}
	switch {
	case prev == ',' && (ch == '}' || ch == ']'):
		return "trailing comma: JSON does not allow a ',' before '" + string(ch) + "'"
	case ch == '/' || ch == '#':
		return "JSON does not allow comments"
	case ch == '\'':
		return "JSON strings and keys take double quotes, not single quotes"
	case strings.HasSuffix(msg, "looking for beginning of object key string"):
		return "object keys must be strings in double quotes"
	case strings.HasSuffix(msg, "after object key:value pair"):
		return "expected ',' or '}' after a member (is a comma missing?)"
	case strings.HasSuffix(msg, "after array element"):
		return "expected ',' or ']' after an element (is a comma missing?)"
	case strings.HasSuffix(msg, "after object key"):
		return "expected ':' after an object key"
	case msg == "unexpected end of JSON input":
		return "unexpected end of file: a '{', '[' or string is not closed"
	}
	return "invalid JSON: " + msg
}
