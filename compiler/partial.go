package compiler

import (
	"encoding/json"
	"strconv"
	"strings"

	"cuelang.org/go/cue"

	"github.com/vigil-dev/vigil/diag"
)

// essentialModelFields are the model fields that other checks depend on:
// when one of them has a CUE error, checking the rest of the model would
// report follow-on errors (an unknown team "", buckets that are only
// missing because metrics was dropped, features without drift), so the
// model is not checked further.
var essentialModelFields = map[string]bool{
	"name": true, "team": true, "metrics": true, "drift": true, "pipeline": true,
}

// keyedModelFields are the model fields whose entries are checked
// independently: an entry with a CUE error is left out and the others are
// still checked.
var keyedModelFields = map[string]bool{"slos": true, "kpis": true, "features": true}

// partialModel exports the parts of a model value that have no CUE
// errors, so that Go-side checks still run on them and one run reports
// every problem. Fields with errors are left out (entries of slos, kpis,
// features, alerts.shares and alerts.anomalies one by one); ok is false
// when an essential field is broken and the model cannot be checked.
func partialModel(v cue.Value) (b json.RawMessage, ok bool) {
	out := map[string]any{}
	it, err := v.Fields()
	if err != nil {
		return nil, false
	}
	for it.Next() {
		name, fv := labelName(it.Selector()), it.Value()
		if fb, err := fv.MarshalJSON(); err == nil {
			out[name] = json.RawMessage(fb)
			continue
		}
		switch {
		case essentialModelFields[name]:
			return nil, false
		case keyedModelFields[name]:
			out[name] = validEntries(fv)
		case name == "alerts":
			alerts := map[string]any{}
			ait, err := fv.Fields()
			if err != nil {
				continue
			}
			for ait.Next() {
				an, av := labelName(ait.Selector()), ait.Value()
				if ab, err := av.MarshalJSON(); err == nil {
					alerts[an] = json.RawMessage(ab)
				} else if an == "shares" || an == "anomalies" {
					alerts[an] = validEntries(av)
				}
			}
			out[name] = alerts
		}
		// Any other broken field (an unknown field, a bad tier) is left
		// out; nothing else depends on it.
	}
	b, err = json.Marshal(out)
	return b, err == nil
}

// validEntries exports the entries of a map value that have no errors.
func validEntries(v cue.Value) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	it, err := v.Fields()
	if err != nil {
		return out
	}
	for it.Next() {
		if b, err := it.Value().MarshalJSON(); err == nil {
			out[labelName(it.Selector())] = b
		}
	}
	return out
}

// mergeDiags combines the CUE diagnostics with the checker's. Schema
// errors on map keys get checkName's explanation; a Go-side diagnostic at
// or below the path of a CUE error is dropped, since it describes a value
// the user must fix anyway (or one left out of a partially checked
// model).
func (c *checker) mergeDiags(cueDiags diag.List, root loc) diag.List {
	out := c.explainKeyNames(cueDiags, root)
	for i, d := range out {
		out[i] = c.positionAtPath(d, root)
	}
	for _, d := range c.diags {
		if !underAny(d.Path, cueDiags) {
			out = append(out, d)
		}
	}
	c.diags = nil
	return out
}

// positionAtPath gives a CUE diagnostic that points at no file, or only
// into the schema, the position where the user's files declare its path
// or its nearest declared ancestor: a required field the spec leaves
// out is reported at the struct that lacks it. The schema's position
// stays as a related one.
func (c *checker) positionAtPath(d diag.Diagnostic, root loc) diag.Diagnostic {
	if d.Path == "" || d.Pos.IsValid() && !isSchemaFile(d.Pos.File) {
		return d
	}
	sels, ok := diagSelectors(d.Path)
	if !ok {
		return d
	}
	pos := loc{root.root, sels, root.idx}.pos(c.dir)
	if !pos.IsValid() {
		return d
	}
	if d.Pos.IsValid() {
		d.Related = append([]diag.Position{d.Pos}, d.Related...)
	}
	d.Pos = pos
	d.Related = dedupePositions(d.Pos, d.Related)
	return d
}

// diagSelectors parses a diagnostic path as fromCUE formats it, where a
// list index is a plain number (budget_tiers.0.consumed).
func diagSelectors(path string) ([]cue.Selector, bool) {
	var sels []cue.Selector
	quoted := false
	start := 0
	for i := 0; i <= len(path); i++ {
		if i < len(path) {
			switch {
			case path[i] == '\\' && quoted:
				i++
				continue
			case path[i] == '"':
				quoted = !quoted
				continue
			case path[i] != '.' || quoted:
				continue
			}
		}
		seg := path[start:i]
		start = i + 1
		if n, err := strconv.Atoi(seg); err == nil && n >= 0 {
			sels = append(sels, cue.Index(n))
			continue
		}
		p := cue.ParsePath(seg)
		if p.Err() != nil || len(p.Selectors()) == 0 {
			return nil, false
		}
		sels = append(sels, p.Selectors()...)
	}
	return sels, len(sels) > 0
}

// underAny reports whether path equals or lies below the path of one of
// the diagnostics.
func underAny(path string, ds diag.List) bool {
	for _, d := range ds {
		if d.Path == "" {
			continue
		}
		if path == d.Path || strings.HasPrefix(path, d.Path+".") || strings.HasPrefix(path, d.Path+"[") {
			return true
		}
	}
	return false
}

// placeDiags positions the diagnostics that CUE left without a position
// in the user's files (a required field that is missing, a constraint on
// a value the user did not write) at the nearest field the user did
// write, or the start of their first file.
func placeDiags(all diag.List, root loc, dir string) diag.List {
	for i, d := range all {
		if d.Pos.IsValid() && d.Pos.Line > 0 {
			continue
		}
		var sels []cue.Selector
		if p := cue.ParsePath(d.Path); d.Path != "" && p.Err() == nil {
			sels = p.Selectors()
		}
		if pos := (loc{root: root.root, sels: sels, idx: root.idx}).pos(dir); pos.IsValid() {
			all[i].Pos = pos
		}
	}
	return all
}
