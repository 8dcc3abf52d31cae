// Package importer holds what the importers of other SLO formats share:
// the findings they report (what could not be mapped, with the source
// position and what to do instead), the small vigil spec model they
// build, and its rendering as formatted CUE.
//
// The importers (importer/sloth, importer/openslo) are pure functions
// from source files to a file map, like the compiler: they never write.
package importer

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/vigil-dev/vigil/diag"
)

// Level says how much a finding matters.
type Level int

const (
	// Note is a change that keeps the meaning (a renamed name, a default
	// chosen for a field the source lacks, an alert vigil names
	// differently). Notes never fail an import.
	Note Level = iota
	// Dropped is source content the import could not carry over. An
	// import with dropped content exits 1 unless --allow-partial.
	Dropped
)

// Finding is one thing the import reports about a source file.
type Finding struct {
	Level Level
	Pos   diag.Position
	// Path is the field path in the source document, e.g.
	// slos[0].alerting.page_alert.labels.routing_key.
	Path string
	// Message says what happened.
	Message string
	// Instead says what to do about it, when anything can be done.
	Instead string
}

// String formats the finding as one line: "file:line:col: path: message (instead)".
func (f Finding) String() string {
	var b strings.Builder
	if p := f.Pos.String(); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	if f.Level == Note {
		b.WriteString("note: ")
	} else {
		b.WriteString("not imported: ")
	}
	if f.Path != "" {
		b.WriteString(f.Path)
		b.WriteString(": ")
	}
	b.WriteString(f.Message)
	if f.Instead != "" {
		b.WriteString("; ")
		b.WriteString(f.Instead)
	}
	return b.String()
}

// Findings is a list of findings.
type Findings []Finding

// Sort orders findings by file, line, column and message.
func (l Findings) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return l[i].Message < l[j].Message
	})
}

// Dedupe sorts the findings and drops exact repeats (an object read
// once per referring SLO reports its problems once).
func (l Findings) Dedupe() Findings {
	l.Sort()
	out := l[:0]
	for i, f := range l {
		if i > 0 && f == l[i-1] {
			continue
		}
		out = append(out, f)
	}
	return out
}

// Dropped counts the findings of level Dropped.
func (l Findings) Dropped() int {
	n := 0
	for _, f := range l {
		if f.Level == Dropped {
			n++
		}
	}
	return n
}

// Result is an import's output: CUE files by relative path and what the
// import reports.
type Result struct {
	Files    map[string][]byte
	Findings Findings
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// IsName reports whether s is a vigil #Name.
func IsName(s string) bool { return nameRE.MatchString(s) }

// SafeName turns s into a vigil #Name: lower case, characters outside
// [a-z0-9_-] replaced by '-', a leading non-letter prefixed with fallback's
// first letter, at most 63 characters. An empty result is fallback.
func SafeName(s, fallback string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return fallback
	}
	if out[0] < 'a' || out[0] > 'z' {
		out = fallback[:1] + "-" + out
	}
	if len(out) > 63 {
		out = strings.TrimRight(out[:63], "-")
	}
	return out
}

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// IsLabelName reports whether s is a Prometheus label name.
func IsLabelName(s string) bool { return labelNameRE.MatchString(s) }

// IsLabelValue reports whether s is a vigil #LabelValue (non-empty, one line).
func IsLabelValue(s string) bool { return s != "" && !strings.ContainsAny(s, "\n\r") }

// Posf is the position file:line:col.
func Posf(file string, line, col int) diag.Position {
	return diag.Position{File: file, Line: line, Column: col}
}

// Plural returns "s" unless n is 1.
func Plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Summary is the one-line summary of findings printed after them.
func Summary(l Findings) string {
	d := l.Dropped()
	if d == 0 {
		return fmt.Sprintf("imported everything (%d note%s)", len(l), Plural(len(l)))
	}
	return fmt.Sprintf("%d item%s could not be imported (%d note%s)", d, Plural(d), len(l)-d, Plural(len(l)-d))
}
