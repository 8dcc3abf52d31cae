package prometheus

import (
	"strconv"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/yamlout"
)

// appendRuleFile writes a plain rule file (the generated header, then
// rulefmt.RuleGroups) without reflection, producing the bytes yaml.v3's
// encoder produces for the same groups (rulefile_test.go compares the two
// on the golden files and on random rule groups). It reports false when
// some string is outside what yamlout's scalar writer supports, or the
// groups or a group's rules are empty (yaml.v3 writes `[]` there); the
// caller then renders the file with yaml.v3.
func appendRuleFile(dst []byte, groups []rulefmt.RuleGroup) ([]byte, bool) {
	if len(groups) == 0 {
		return dst, false
	}
	w := ruleWriter{buf: dst}
	w.buf = append(w.buf, "# "+compiler.GeneratedHeader+"\ngroups:\n"...)
	for i := range groups {
		if !w.group(&groups[i]) {
			return dst, false
		}
	}
	return w.buf, true
}

// ruleWriter accumulates a rule file. Columns follow yaml.v3 with a
// two-space indent: groups at 2 ("  - "), group fields at 4, rules at 6,
// rule fields at 8, label and annotation entries at 10.
type ruleWriter struct {
	buf []byte
}

const (
	groupFieldIndent = 4
	ruleFieldIndent  = 8
)

// group writes one group as a sequence item.
func (w *ruleWriter) group(g *rulefmt.RuleGroup) bool {
	if len(g.Rules) == 0 {
		return false
	}
	w.buf = append(w.buf, "  - name:"...)
	if !w.value(g.Name, groupFieldIndent) {
		return false
	}
	if g.Interval != 0 && !w.field(groupFieldIndent, "interval", g.Interval.String()) {
		return false
	}
	if g.QueryOffset != nil && !w.field(groupFieldIndent, "query_offset", g.QueryOffset.String()) {
		return false
	}
	if g.Limit != 0 {
		// An int, written plain (it is not a string that could need
		// quotes).
		w.indent(groupFieldIndent)
		w.buf = append(w.buf, "limit: "...)
		w.buf = strconv.AppendInt(w.buf, int64(g.Limit), 10)
		w.buf = append(w.buf, '\n')
	}
	w.indent(groupFieldIndent)
	w.buf = append(w.buf, "rules:\n"...)
	for i := range g.Rules {
		if !w.rule(&g.Rules[i]) {
			return false
		}
	}
	return w.stringMap(groupFieldIndent, "labels", g.Labels)
}

// rule writes one rule as a sequence item; fields keep rulefmt.Rule's
// order, and empty optional fields are left out (omitempty).
func (w *ruleWriter) rule(r *rulefmt.Rule) bool {
	w.buf = append(w.buf, "      - "...)
	first := true
	key := func(name string) {
		if !first {
			w.indent(ruleFieldIndent)
		}
		first = false
		w.buf = append(w.buf, name...)
		w.buf = append(w.buf, ':')
	}
	if r.Record != "" {
		key("record")
		if !w.value(r.Record, ruleFieldIndent) {
			return false
		}
	}
	if r.Alert != "" {
		key("alert")
		if !w.value(r.Alert, ruleFieldIndent) {
			return false
		}
	}
	key("expr")
	if !w.value(r.Expr, ruleFieldIndent) {
		return false
	}
	for _, d := range []struct {
		name string
		d    model.Duration
	}{{"for", r.For}, {"keep_firing_for", r.KeepFiringFor}} {
		if d.d == 0 {
			continue
		}
		key(d.name)
		if !w.value(d.d.String(), ruleFieldIndent) {
			return false
		}
	}
	return w.stringMap(ruleFieldIndent, "labels", r.Labels) &&
		w.stringMap(ruleFieldIndent, "annotations", r.Annotations)
}

// field writes `name: value` on a line of its own at indent.
func (w *ruleWriter) field(indent int, name, value string) bool {
	w.indent(indent)
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, ':')
	return w.value(value, indent)
}

// stringMap writes a non-empty map under name at indent, keys in
// yaml.v3's order; an empty map is left out (omitempty).
func (w *ruleWriter) stringMap(indent int, name string, m map[string]string) bool {
	if len(m) == 0 {
		return true
	}
	w.indent(indent)
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, ":\n"...)
	return w.entries(indent+2, m)
}

// entries writes the map's entries, one per line at column indent, keys
// in yaml.v3's order.
func (w *ruleWriter) entries(indent int, m map[string]string) bool {
	for _, k := range yamlout.SortedKeys(m) {
		w.indent(indent)
		var ok bool
		if w.buf, ok = yamlout.AppendKey(w.buf, k); !ok {
			return false
		}
		w.buf = append(w.buf, ':')
		if !w.value(m[k], indent) {
			return false
		}
	}
	return true
}

// value writes a mapping value (after its key's ':') and ends the line.
func (w *ruleWriter) value(s string, indent int) bool {
	var ok bool
	if w.buf, ok = yamlout.AppendValue(w.buf, s, indent); !ok {
		return false
	}
	w.buf = append(w.buf, '\n')
	return true
}

// indent writes n spaces.
func (w *ruleWriter) indent(n int) {
	for ; n > 0; n-- {
		w.buf = append(w.buf, ' ')
	}
}

// ruleFileSize estimates the size of the rule file for groups, so the
// writer's buffer is allocated once.
func ruleFileSize(groups []rulefmt.RuleGroup) int {
	n := 64
	for _, g := range groups {
		n += 32 + len(g.Name)
		for _, r := range g.Rules {
			n += 64 + len(r.Record) + len(r.Alert) + 2*len(r.Expr)
			for k, v := range r.Labels {
				n += 16 + len(k) + len(v)
			}
			for k, v := range r.Annotations {
				n += 16 + len(k) + len(v)
			}
		}
	}
	return n
}
