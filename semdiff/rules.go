package semdiff

import (
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
)

// ruleSet is a rule file's alerts and recording rules, keyed for
// matching: alerts by name, recording rules by record name plus labels
// (one record name is shared by every SLO's rules).
type ruleSet struct {
	alerts  map[string]rulefmt.Rule
	records map[string]rulefmt.Rule
}

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// parseRules parses a plain Prometheus rule file. Missing content (nil)
// is an empty set.
func parseRules(path string, b []byte) (ruleSet, error) {
	rs := ruleSet{alerts: map[string]rulefmt.Rule{}, records: map[string]rulefmt.Rule{}}
	if b == nil {
		return rs, nil
	}
	groups, errs := rulefmt.Parse(b, false, model.UTF8Validation, promql, quietLogger)
	if len(errs) > 0 {
		return rs, fmt.Errorf("%s: %w", path, errs[0])
	}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				rs.alerts[uniqueKey(rs.alerts, r.Alert, g.Name)] = r
			} else {
				rs.records[uniqueKey(rs.records, recordKey(r), g.Name)] = r
			}
		}
	}
	return rs, nil
}

// uniqueKey returns key, or key qualified by its group when another
// group already holds the same key.
func uniqueKey(m map[string]rulefmt.Rule, key, group string) string {
	if _, dup := m[key]; dup {
		return key + " (group " + group + ")"
	}
	return key
}

// recordKey names a recording rule by its record and labels, leaving out
// the model label (the report is already per model).
func recordKey(r rulefmt.Rule) string {
	var parts []string
	for _, k := range sortedKeys(r.Labels) {
		if k != "model" {
			parts = append(parts, k+"="+quoteValue(r.Labels[k]))
		}
	}
	if len(parts) == 0 {
		return r.Record
	}
	return r.Record + "{" + strings.Join(parts, ",") + "}"
}

func quoteValue(s string) string { return fmt.Sprintf("%q", s) }

// compareRules compares two rule files of one model.
func compareRules(base, head ruleSet) []Change {
	var out []Change
	out = append(out, compareKeyed(KindAlert, base.alerts, head.alerts, alertSummary, fieldsDiff(alertFields))...)
	out = append(out, compareKeyed(KindRecordingRule, base.records, head.records, nil, fieldsDiff(func(o, n rulefmt.Rule) []Field {
		f := exprFields(nil, o.Expr, n.Expr)
		return append(f, durationField("for", o.For, n.For)...)
	}))...)
	return out
}

// alertSummary describes an added (or removed) alert: its severity,
// `for` and thresholds.
func alertSummary(r rulefmt.Rule, old bool) []Field {
	var f []Field
	set := func(name, v string) {
		if v == "" {
			return
		}
		if old {
			f = append(f, Field{Name: name, Old: v})
		} else {
			f = append(f, Field{Name: name, New: v})
		}
	}
	set("severity", r.Labels["severity"])
	set("for", formatDuration(r.For))
	set("thresholds", strings.Join(Thresholds(r.Expr), ", "))
	return f
}

// alertFields lists what differs between two versions of an alert.
func alertFields(o, n rulefmt.Rule) []Field {
	var f []Field
	f = exprFields(f, o.Expr, n.Expr)
	f = append(f, durationField("for", o.For, n.For)...)
	f = append(f, durationField("keep_firing_for", o.KeepFiringFor, n.KeepFiringFor)...)
	f = append(f, mapFields("label ", o.Labels, n.Labels)...)
	f = append(f, mapFields("annotation ", o.Annotations, n.Annotations)...)
	return f
}

// exprFields appends the changes between two PromQL expressions: the
// comparison thresholds when they differ, then the normalised
// expression.
func exprFields(f []Field, o, n string) []Field {
	on, nn := NormalizeExpr(o), NormalizeExpr(n)
	if on == nn {
		return f
	}
	ot, nt := strings.Join(Thresholds(o), ", "), strings.Join(Thresholds(n), ", ")
	if ot != nt {
		f = append(f, Field{Name: "thresholds", Old: ot, New: nt})
	}
	return append(f, Field{Name: "expr", Old: on, New: nn})
}

func durationField(name string, o, n model.Duration) []Field {
	if o == n {
		return nil
	}
	return []Field{{Name: name, Old: formatDuration(o), New: formatDuration(n)}}
}

func formatDuration(d model.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// mapFields compares two string maps key by key.
func mapFields(prefix string, o, n map[string]string) []Field {
	var f []Field
	for _, k := range unionKeys(o, n) {
		if o[k] != n[k] {
			f = append(f, Field{Name: prefix + k, Old: o[k], New: n[k]})
		}
	}
	return f
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// unionKeys returns the keys of both maps, sorted, without duplicates.
func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}
