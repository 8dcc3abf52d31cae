package compiler

import (
	"strings"

	"cuelang.org/go/cue"

	"github.com/vigil-dev/vigil/diag"
)

// keyKinds names the kind of thing each map whose keys are #Names holds,
// by the map's field name.
var keyKinds = map[string]string{
	"models":    "model",
	"slos":      "slo",
	"features":  "feature",
	"kpis":      "kpi",
	"teams":     "team",
	"receivers": "receiver",
	"shares":    "alert",
	"anomalies": "alert",
}

// explainKeyNames replaces the schema's error on the `name` field that a
// map key fills in (models.<key>.name and the like) with checkName's
// explanation, positioned at the key in the user's file. CUE reports the
// #Name pattern mismatch at the schema's line, which is not where the
// user must fix anything, and does not say why the rule exists.
func (c *checker) explainKeyNames(all diag.List, root loc) diag.List {
	out := all[:0]
	for _, d := range all {
		if !isKeyNameError(d) {
			out = append(out, d)
			continue
		}
		sels := cue.ParsePath(d.Path).Selectors()
		n := len(sels)
		kind := keyKinds[sels[n-3].String()]
		key := sels[n-2]
		l := loc{root: root.root, sels: sels[:n-1], idx: root.idx}
		before := len(c.diags)
		if c.checkName(l, kind, labelName(key)) {
			out = append(out, d)
		}
		// checkName recorded its diagnostic in c.diags; move it here so
		// it sorts with the other CUE errors.
		out = append(out, c.diags[before:]...)
		c.diags = c.diags[:before]
	}
	return out
}

// isKeyNameError reports whether d is a schema error on the name field of
// an entry of a map keyed by #Name, positioned in the schema.
func isKeyNameError(d diag.Diagnostic) bool {
	if d.Pos.IsValid() && !isSchemaFile(d.Pos.File) {
		return false
	}
	p := cue.ParsePath(d.Path)
	if p.Err() != nil {
		return false
	}
	sels := p.Selectors()
	n := len(sels)
	if n < 3 || sels[n-1].String() != "name" || keyKinds[sels[n-3].String()] == "" {
		return false
	}
	return sels[n-2].LabelType() == cue.StringLabel && strings.HasPrefix(d.Message, "invalid value")
}

// labelName is the name of the field sel selects as the user wrote it:
// the unquoted string of a regular (or optional, or required) field, and
// the selector's text for anything else (a definition, a hidden field, an
// index, a pattern), where Selector.Unquoted panics. Paths parsed from a
// diagnostic can hold any of these.
func labelName(sel cue.Selector) string {
	if sel.LabelType() == cue.StringLabel && sel.ConstraintType() < cue.PatternConstraint {
		return sel.Unquoted()
	}
	return sel.String()
}
