package semdiff

import (
	"strconv"
	"strings"
)

// nouns are each kind's singular and plural nouns.
var nouns = map[Kind][2]string{
	KindModel:         {"model", "models"},
	KindSLO:           {"SLO", "SLOs"},
	KindAlert:         {"alert", "alerts"},
	KindRecordingRule: {"recording rule", "recording rules"},
	KindDrift:         {"drift settings", "drift settings"},
	KindDriftTest:     {"drift test", "drift tests"},
	KindPanel:         {"panel", "panels"},
	KindRunbook:       {"runbook page", "runbook pages"},
	KindDatadog:       {"Datadog object", "Datadog objects"},
	KindRoute:         {"route", "routes"},
	KindInhibitRule:   {"inhibition rule", "inhibition rules"},
	KindOutput:        {"output settings", "output settings"},
	KindFile:          {"other generated file", "other generated files"},
}

// sectionTitles head each kind's list in the renderers.
var sectionTitles = map[Kind]string{
	KindModel:         "Model settings",
	KindSLO:           "SLOs",
	KindAlert:         "Alerts",
	KindRecordingRule: "Recording rules",
	KindDrift:         "Drift settings",
	KindDriftTest:     "Drift tests",
	KindPanel:         "Dashboard panels",
	KindRunbook:       "Runbook pages",
	KindDatadog:       "Datadog SLOs, monitors and dashboards",
	KindRoute:         "Alertmanager routes",
	KindInhibitRule:   "Inhibition rules",
	KindOutput:        "Output",
	KindFile:          "Other generated files",
}

func noun(k Kind, n int) string {
	if n == 1 {
		return nouns[k][0]
	}
	return nouns[k][1]
}

// Summary is the report in one line, e.g. "2 models changed (1 added):
// 1 SLO added, 1 alert changed, 3 panels added", or "No changes." when
// the compiles are equivalent.
func (r *Report) Summary() string {
	if !r.Changed() {
		return "No changes."
	}
	var models, items []string
	added, removed := 0, 0
	for _, m := range r.Models {
		switch m.Action {
		case Added:
			added++
		case Removed:
			removed++
		}
	}
	if added > 0 {
		models = append(models, strconv.Itoa(added)+" added")
	}
	if removed > 0 {
		models = append(models, strconv.Itoa(removed)+" removed")
	}
	for _, c := range r.Counts() {
		if c.Kind != KindModel {
			items = append(items, strconv.Itoa(c.Count)+" "+noun(c.Kind, c.Count)+" "+string(c.Action))
		}
	}
	var b strings.Builder
	if n := len(r.Models); n > 0 {
		b.WriteString(strconv.Itoa(n) + " " + noun(KindModel, n) + " changed")
		if len(models) > 0 {
			b.WriteString(" (" + strings.Join(models, ", ") + ")")
		}
		if len(items) > 0 {
			b.WriteString(": ")
		}
	}
	b.WriteString(strings.Join(items, ", "))
	return b.String()
}

// groups splits sorted changes into runs of one kind.
func groups(cs []Change) [][]Change {
	var out [][]Change
	for i := 0; i < len(cs); {
		j := i
		for j < len(cs) && cs[j].Kind == cs[i].Kind {
			j++
		}
		out = append(out, cs[i:j])
		i = j
	}
	return out
}

// fieldValues is how a field reads for a change with the given action:
// the new value of an added item, the old value of a removed one, else
// both.
func fieldValues(a Action, f Field) (old, new string, both bool) {
	switch a {
	case Added:
		return "", f.New, false
	case Removed:
		return "", f.Old, false
	}
	return orNone(f.Old), orNone(f.New), true
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// long reports whether a value is too long or too many lines to show
// inline.
func long(s string) bool { return len(s) > 60 || strings.Contains(s, "\n") }

// reflowNote describes panels that only shifted position.
func reflowNote(n int) string {
	if n == 1 {
		return "1 other panel shifted position to make room (not listed)"
	}
	return strconv.Itoa(n) + " other panels shifted position to make room (not listed)"
}
