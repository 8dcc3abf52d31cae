// Package semdiff compares two compiles of a vigil spec (a base, such as
// the spec at a git revision, and a head, such as the working tree) and
// describes what changed in the words a reviewer uses: models, SLOs and
// their error budgets, alerts, recording rules, drift tests, dashboard
// panels, runbook pages and Alertmanager routes.
//
// The comparison is structural, never textual: rule files are parsed with
// Prometheus' rulefmt and PromQL is normalised by the PromQL parser, so a
// spec that is only reordered or reformatted compares equal. Compare is a
// pure function from two compiles to a Report; Text, Markdown and JSON
// render it.
package semdiff

// Kind is what a Change is about. Kinds are listed, and changes sorted,
// in the order a reviewer reads them.
type Kind string

// The kinds of change, in report order.
const (
	KindModel         Kind = "model"
	KindSLO           Kind = "slo"
	KindAlert         Kind = "alert"
	KindRecordingRule Kind = "recording_rule"
	KindDrift         Kind = "drift"
	KindDriftTest     Kind = "drift_test"
	KindPanel         Kind = "panel"
	KindRunbook       Kind = "runbook"
	KindDatadog       Kind = "datadog"
	KindRoute         Kind = "route"
	KindInhibitRule   Kind = "inhibit_rule"
	KindOutput        Kind = "output"
	KindFile          Kind = "file"
)

// kinds lists every Kind in report order.
var kinds = []Kind{KindModel, KindSLO, KindAlert, KindRecordingRule, KindDrift, KindDriftTest, KindPanel, KindRunbook, KindDatadog, KindRoute, KindInhibitRule, KindOutput, KindFile}

// Action says what happened to the thing a Change is about.
type Action string

// The actions, in report order.
const (
	Added   Action = "added"
	Removed Action = "removed"
	Changed Action = "changed"
	// Moved is used for dashboard panels whose position or size changed
	// relative to the other panels (see ModelReport.PanelsReflowed for
	// panels that only shifted because others were added or removed).
	Moved Action = "moved"
)

var actions = []Action{Added, Removed, Changed, Moved}

// Report is the result of Compare.
type Report struct {
	// Models holds one entry per model that was added, removed or
	// changed, sorted by name. Unchanged models are left out.
	Models []ModelReport `json:"models"`
	// Global holds spec-wide changes: Alertmanager routes and inhibition
	// rules, fleet dashboard panels and output forms.
	Global []Change `json:"global"`
	// Files lists generated files that changed but that no semantic
	// comparison above covers (Kubernetes manifests, example configs, and
	// a model's promtool tests or drift CronJob when nothing else in the
	// model changed), sorted by path.
	Files []Change `json:"files"`
}

// ModelReport is what changed in one model.
type ModelReport struct {
	// Name is the model's name.
	Name string `json:"name"`
	// Action is Added, Removed or Changed.
	Action Action `json:"action"`
	// Changes are sorted by kind (report order), then name.
	Changes []Change `json:"changes"`
	// PanelsReflowed counts dashboard panels whose grid position changed
	// only because panels before them were added, removed or resized;
	// they are not listed one by one.
	PanelsReflowed int `json:"panels_reflowed,omitempty"`
}

// Change is one thing added, removed or changed.
type Change struct {
	Kind   Kind   `json:"kind"`
	Name   string `json:"name"`
	Action Action `json:"action"`
	// Fields describe the change: for a changed item the fields that
	// differ (Old and New set), for an added item its main settings (New
	// only), for a removed one its old settings (Old only).
	Fields []Field `json:"fields,omitempty"`
}

// Field is one attribute of a changed item.
type Field struct {
	Name string `json:"name"`
	Old  string `json:"old,omitempty"`
	New  string `json:"new,omitempty"`
}

// Changed reports whether the two compiles differ at all.
func (r *Report) Changed() bool {
	return len(r.Models) > 0 || len(r.Global) > 0 || len(r.Files) > 0
}

// Count is the number of changes of one kind and action, across models
// and spec-wide changes.
type Count struct {
	Kind   Kind   `json:"kind"`
	Action Action `json:"action"`
	Count  int    `json:"count"`
}

// Counts tallies the report's changes by kind and action, in report
// order. Models added, removed and changed are counted as KindModel.
func (r *Report) Counts() []Count {
	n := map[Kind]map[Action]int{}
	add := func(k Kind, a Action) {
		if n[k] == nil {
			n[k] = map[Action]int{}
		}
		n[k][a]++
	}
	for _, m := range r.Models {
		add(KindModel, m.Action)
		for _, c := range m.Changes {
			if c.Kind != KindModel {
				add(c.Kind, c.Action)
			}
		}
	}
	for _, c := range r.Global {
		add(c.Kind, c.Action)
	}
	for _, c := range r.Files {
		add(c.Kind, c.Action)
	}
	var out []Count
	for _, k := range kinds {
		for _, a := range actions {
			if c := n[k][a]; c > 0 {
				out = append(out, Count{Kind: k, Action: a, Count: c})
			}
		}
	}
	return out
}
