package semdiff

import (
	"bufio"
	"io"
	"strings"
)

// Text writes the report for a terminal: the summary line, then one
// indented block per model and for spec-wide changes. base names what
// head was compared with (a git revision or directory); empty leaves it
// out.
func Text(w io.Writer, r *Report, base string) error {
	b := bufio.NewWriter(w)
	if base != "" {
		b.WriteString("Compared with " + base + ".\n")
	}
	b.WriteString(r.Summary() + "\n")
	for _, m := range r.Models {
		b.WriteString("\nmodel " + m.Name + ": " + string(m.Action) + "\n")
		textChanges(b, m.Changes)
		if m.PanelsReflowed > 0 {
			b.WriteString("  " + reflowNote(m.PanelsReflowed) + "\n")
		}
	}
	if len(r.Global) > 0 {
		b.WriteString("\nspec-wide\n")
		textChanges(b, r.Global)
	}
	if len(r.Files) > 0 {
		b.WriteString("\nother generated files\n")
		for _, c := range r.Files {
			b.WriteString("  " + c.Name + ": " + string(c.Action) + "\n")
		}
	}
	return b.Flush()
}

func textChanges(b *bufio.Writer, cs []Change) {
	for _, c := range cs {
		b.WriteString("  " + nouns[c.Kind][0] + " " + c.Name + ": " + string(c.Action) + "\n")
		for _, f := range c.Fields {
			old, new, both := fieldValues(c.Action, f)
			switch {
			case !both:
				b.WriteString("    " + f.Name + ": " + oneLine(new) + "\n")
			case long(old) || long(new):
				b.WriteString("    " + f.Name + ":\n      - " + oneLine(old) + "\n      + " + oneLine(new) + "\n")
			default:
				b.WriteString("    " + f.Name + ": " + old + " → " + new + "\n")
			}
		}
	}
}

// oneLine keeps a value on one line of the text report.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "⏎") }
