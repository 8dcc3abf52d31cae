// Package diag holds vigil's diagnostics: positioned spec errors and the
// formats they are printed in (text, JSON, GitHub Actions annotations).
package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Position is a place in a spec file. Line and Column are 1-based; zero
// means unknown.
type Position struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// IsValid reports whether the position names a file.
func (p Position) IsValid() bool { return p.File != "" }

// String formats the position as file:line:col, omitting unknown parts.
func (p Position) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Diagnostic is one problem found in a spec.
type Diagnostic struct {
	// Pos is the primary position of the problem.
	Pos Position `json:"position"`
	// Path is the CUE field path of the offending value, e.g.
	// models."fraud-detector".slos.availability.objective.
	Path string `json:"path,omitempty"`
	// Message says what is wrong and, where it helps, how to fix it.
	Message string `json:"message"`
	// Related lists further positions that contribute to the problem
	// (e.g. the schema constraint a value conflicts with).
	Related []Position `json:"related,omitempty"`
}

// Error formats the diagnostic as one line: "file:line:col: path: message".
func (d Diagnostic) Error() string {
	var b strings.Builder
	if s := d.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// List is a set of diagnostics. It implements error so that a compile can
// return every problem at once.
type List []Diagnostic

// Error joins the diagnostics, one per line.
func (l List) Error() string {
	lines := make([]string, len(l))
	for i, d := range l {
		lines[i] = d.Error()
	}
	return strings.Join(lines, "\n")
}

// Sort orders diagnostics by file, line, column, path and message, and
// drops exact duplicates, so output is stable whatever order checks ran in.
func (l List) Sort() List {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Column != b.Pos.Column {
			return a.Pos.Column < b.Pos.Column
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Message < b.Message
	})
	out := l[:0]
	for i, d := range l {
		if i > 0 && d.Pos == l[i-1].Pos && d.Path == l[i-1].Path && d.Message == l[i-1].Message {
			continue
		}
		out = append(out, d)
	}
	return out
}

// Format is an output format for diagnostics.
type Format string

// The supported formats.
const (
	// Text prints "file:line:col: path: message" and the related
	// positions indented below.
	Text Format = "text"
	// JSON prints one JSON array of diagnostics.
	JSON Format = "json"
	// GitHubActions prints ::error workflow commands, which GitHub turns
	// into pull-request annotations.
	GitHubActions Format = "github-actions"
)

// Formats lists the accepted --error-format values.
var Formats = []Format{Text, JSON, GitHubActions}

// ParseFormat validates a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown error format %q (want text, json or github-actions)", s)
}

// Write prints the diagnostics in the given format.
func Write(w io.Writer, f Format, l List) error {
	switch f {
	case JSON:
		if l == nil {
			l = List{}
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(l)
	case GitHubActions:
		for _, d := range l {
			var props []string
			if d.Pos.File != "" {
				props = append(props, "file="+escapeProperty(d.Pos.File))
			}
			if d.Pos.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", d.Pos.Line))
			}
			if d.Pos.Column > 0 {
				props = append(props, fmt.Sprintf("col=%d", d.Pos.Column))
			}
			props = append(props, "title=vigil")
			msg := d.Message
			if d.Path != "" {
				msg = d.Path + ": " + msg
			}
			if _, err := fmt.Fprintf(w, "::error %s::%s\n", strings.Join(props, ","), escapeData(msg)); err != nil {
				return err
			}
		}
		return nil
	default:
		for _, d := range l {
			if _, err := fmt.Fprintln(w, d.Error()); err != nil {
				return err
			}
			for _, r := range d.Related {
				if _, err := fmt.Fprintf(w, "    %s\n", r); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// escapeData escapes a workflow command's message as the Actions runner
// expects.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
