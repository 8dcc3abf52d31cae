package prometheus

import (
	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/yamlout"
)

// appendTestFile writes a promtool unit test file (the generated header,
// one comment line, then f) without reflection, producing the bytes
// yamlout.Render(f, comment) produces (testfile_test.go compares the two
// on the golden test files and on random test files). Like the rule-file
// writer, it reports false when some string is outside what yamlout's
// scalar writer supports; the caller then renders with yaml.v3.
func appendTestFile(dst []byte, f *unitTestFile, comment string) ([]byte, bool) {
	w := ruleWriter{buf: dst}
	w.buf = append(w.buf, "# "+compiler.GeneratedHeader+"\n"...)
	if comment != "" {
		w.buf = append(w.buf, "# "...)
		w.buf = append(w.buf, comment...)
		w.buf = append(w.buf, '\n')
	}
	w.buf = append(w.buf, "rule_files:"...)
	if !w.stringSeq(0, f.RuleFiles) || !w.field(0, "evaluation_interval", f.EvaluationInterval) {
		return dst, false
	}
	w.buf = append(w.buf, "tests:"...)
	if !seq(&w, 0, f.Tests, w.unitTest) {
		return dst, false
	}
	return w.buf, true
}

// seq writes the rest of a line whose `key:` is written at column
// indent, then items as a block sequence at indent+2, each item written
// by item(column of the item's fields). An empty or nil sequence is
// written `[]`, as yaml.v3 does.
func seq[T any](w *ruleWriter, indent int, items []T, item func(indent int, v *T) bool) bool {
	if len(items) == 0 {
		w.buf = append(w.buf, " []\n"...)
		return true
	}
	w.buf = append(w.buf, '\n')
	for i := range items {
		w.indent(indent + 2)
		w.buf = append(w.buf, "- "...)
		if !item(indent+4, &items[i]) {
			return false
		}
	}
	return true
}

// stringSeq writes a sequence of strings (see seq).
func (w *ruleWriter) stringSeq(indent int, items []string) bool {
	if len(items) == 0 {
		w.buf = append(w.buf, " []\n"...)
		return true
	}
	w.buf = append(w.buf, '\n')
	for _, s := range items {
		w.indent(indent + 2)
		w.buf = append(w.buf, '-')
		// A sequence item's scalar is written like a mapping value at
		// the item's column.
		if !w.value(s, indent+2) {
			return false
		}
	}
	return true
}

// key writes `name:` at indent, or right after "- " for an item's first
// field.
func (w *ruleWriter) key(indent int, first bool, name string) {
	if !first {
		w.indent(indent)
	}
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, ':')
}

func (w *ruleWriter) unitTest(indent int, t *unitTest) bool {
	w.key(indent, true, "name")
	if !w.value(t.Name, indent) || !w.field(indent, "interval", t.Interval) {
		return false
	}
	w.key(indent, false, "input_series")
	if !seq(w, indent, t.InputSeries, w.inputSeries) {
		return false
	}
	w.key(indent, false, "alert_rule_test")
	if !seq(w, indent, t.AlertTests, w.alertRuleTest) {
		return false
	}
	if len(t.PromQLTests) > 0 { // omitempty
		w.key(indent, false, "promql_expr_test")
		if !seq(w, indent, t.PromQLTests, w.promqlTest) {
			return false
		}
	}
	return true
}

func (w *ruleWriter) inputSeries(indent int, s *inputSeries) bool {
	w.key(indent, true, "series")
	return w.value(s.Series, indent) && w.field(indent, "values", s.Values)
}

func (w *ruleWriter) alertRuleTest(indent int, a *alertRuleTest) bool {
	w.key(indent, true, "eval_time")
	if !w.value(a.EvalTime, indent) || !w.field(indent, "alertname", a.Alertname) {
		return false
	}
	w.key(indent, false, "exp_alerts")
	return seq(w, indent, a.ExpAlerts, w.expAlert)
}

func (w *ruleWriter) expAlert(indent int, e *expAlert) bool {
	w.key(indent, true, "exp_labels")
	if !w.fullMap(indent, e.ExpLabels) {
		return false
	}
	w.key(indent, false, "exp_annotations")
	return w.fullMap(indent, e.ExpAnnotations)
}

func (w *ruleWriter) promqlTest(indent int, p *promqlTest) bool {
	w.key(indent, true, "expr")
	if !w.value(p.Expr, indent) || !w.field(indent, "eval_time", p.EvalTime) {
		return false
	}
	w.key(indent, false, "exp_samples")
	return seq(w, indent, p.ExpSamples, w.expSample)
}

func (w *ruleWriter) expSample(indent int, s *expSample) bool {
	w.key(indent, true, "labels")
	if !w.value(s.Labels, indent) {
		return false
	}
	w.key(indent, false, "value")
	w.buf = append(w.buf, ' ')
	w.buf = yamlout.AppendFloat(w.buf, s.Value, 64)
	w.buf = append(w.buf, '\n')
	return true
}

// fullMap writes the rest of a line whose `key:` is written at column
// indent, then the map's entries at indent+2 in yaml.v3's key order; an
// empty or nil map (not omitempty) is written `{}`.
func (w *ruleWriter) fullMap(indent int, m map[string]string) bool {
	if len(m) == 0 {
		w.buf = append(w.buf, " {}\n"...)
		return true
	}
	w.buf = append(w.buf, '\n')
	return w.entries(indent+2, m)
}
