package semdiff

import (
	"encoding/json"
	"io"
)

// jsonReport is the JSON form of a Report; see JSON.
type jsonReport struct {
	Base    string        `json:"base,omitempty"`
	Changed bool          `json:"changed"`
	Summary string        `json:"summary"`
	Counts  []Count       `json:"counts"`
	Models  []ModelReport `json:"models"`
	Global  []Change      `json:"global"`
	Files   []Change      `json:"files"`
}

// JSON writes the report as one indented JSON object:
//
//	{
//	  "base": "origin/main",          // what head was compared with
//	  "changed": true,                // false exactly when nothing changed
//	  "summary": "1 model changed: 1 SLO changed",
//	  "counts": [{"kind": "slo", "action": "changed", "count": 1}],
//	  "models": [{"name": "m", "action": "changed",
//	              "changes": [{"kind": "slo", "name": "availability", "action": "changed",
//	                           "fields": [{"name": "objective", "old": "99.9%", "new": "99.5%"}]}],
//	              "panels_reflowed": 0}],
//	  "global": [],                   // routes, inhibition rules, fleet panels, output
//	  "files": []                     // other generated files, by path
//	}
//
// Lists are never null, models are sorted by name and changes by kind
// (in the order of the Kind constants), name and action, so the output
// is stable.
func JSON(w io.Writer, r *Report, base string) error {
	out := jsonReport{
		Base:    base,
		Changed: r.Changed(),
		Summary: r.Summary(),
		Counts:  r.Counts(),
		Models:  append([]ModelReport(nil), r.Models...),
		Global:  r.Global,
		Files:   r.Files,
	}
	if out.Counts == nil {
		out.Counts = []Count{}
	}
	if out.Models == nil {
		out.Models = []ModelReport{}
	}
	out.Global, out.Files = nonNil(out.Global), nonNil(out.Files)
	for i := range out.Models {
		out.Models[i].Changes = nonNil(out.Models[i].Changes)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func nonNil(cs []Change) []Change {
	if cs == nil {
		return []Change{}
	}
	return cs
}
