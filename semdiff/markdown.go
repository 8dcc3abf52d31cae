package semdiff

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// collapseAfter is the longest list shown open; longer lists go in a
// collapsed <details> block.
const collapseAfter = 10

// Markdown writes the report as GitHub-flavoured Markdown, ready to post
// as a pull-request comment: a heading, the one-line summary, a section
// per model and one for spec-wide changes. Lists longer than ten items
// and long expressions are collapsed in <details> blocks. base names
// what head was compared with; empty leaves it out.
func Markdown(w io.Writer, r *Report, base string) error {
	b := bufio.NewWriter(w)
	b.WriteString("## vigil diff\n\n")
	if base != "" {
		b.WriteString("Monitoring changes compared with " + code(base) + ".\n\n")
	}
	b.WriteString("**" + r.Summary() + "**\n")
	for _, m := range r.Models {
		b.WriteString("\n### Model " + code(m.Name) + " (" + string(m.Action) + ")\n")
		mdChanges(b, m.Changes)
		if m.PanelsReflowed > 0 {
			b.WriteString("\n_" + reflowNote(m.PanelsReflowed) + "._\n")
		}
	}
	if len(r.Global) > 0 {
		b.WriteString("\n### Spec-wide\n")
		mdChanges(b, r.Global)
	}
	if len(r.Files) > 0 {
		b.WriteString("\n### Other generated files\n\n")
		b.WriteString(openList("Other generated files", len(r.Files)))
		for _, c := range r.Files {
			b.WriteString("- " + code(c.Name) + " " + string(c.Action) + "\n")
		}
		b.WriteString(closeList(len(r.Files)))
	}
	return b.Flush()
}

func mdChanges(b *bufio.Writer, cs []Change) {
	for _, g := range groups(cs) {
		title := sectionTitles[g[0].Kind]
		b.WriteString("\n#### " + title + "\n\n")
		b.WriteString(openList(title, len(g)))
		for _, c := range g {
			b.WriteString("- " + string(c.Action) + " " + code(c.Name) + "\n")
			for _, f := range c.Fields {
				mdField(b, c.Action, f)
			}
		}
		b.WriteString(closeList(len(g)))
	}
}

func mdField(b *bufio.Writer, a Action, f Field) {
	old, new, both := fieldValues(a, f)
	switch {
	case !both && long(new):
		b.WriteString("  - " + f.Name + ":\n\n" + indent(fenced("", new), "    ") + "\n")
	case !both:
		b.WriteString("  - " + f.Name + ": " + code(new) + "\n")
	case long(old) || long(new):
		diff := prefixLines(old, "- ") + "\n" + prefixLines(new, "+ ")
		b.WriteString("  - <details><summary>" + f.Name + " changed</summary>\n\n" + indent(fenced("diff", diff), "    ") + "\n    </details>\n")
	default:
		b.WriteString("  - " + f.Name + ": " + code(old) + " → " + code(new) + "\n")
	}
}

func openList(title string, n int) string {
	if n <= collapseAfter {
		return ""
	}
	return "<details><summary>" + title + " (" + strconv.Itoa(n) + ")</summary>\n\n"
}

func closeList(n int) string {
	if n <= collapseAfter {
		return ""
	}
	return "\n</details>\n"
}

// code renders s as inline code, with a longer backtick fence when s
// holds backticks.
func code(s string) string {
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// fenced renders s as a fenced code block whose fence is longer than any
// backtick run in s.
func fenced(lang, s string) string {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return fence + lang + "\n" + s + "\n" + fence + "\n"
}

func longestRun(s string, c byte) int {
	best, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

func prefixLines(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

func indent(s, pad string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
