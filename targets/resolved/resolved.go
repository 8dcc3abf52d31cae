// Package resolved is the "resolved" target: one JSON file per model with
// the model exactly as vigil understood it, every default filled in,
// burn-rate factors computed and references resolved. Reviewers read it
// to see the effect of a spec change before looking at rules and
// dashboards; tests use it to pin down normalization.
package resolved

import (
	"fmt"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/internal/jsonout"
)

// Target is the resolved-spec target.
type Target struct{}

// Name implements compiler.Target.
func (Target) Name() string { return "resolved" }

// document is the file layout: a generated-code marker, then the model.
type document struct {
	Comment string          `json:"//"`
	Model   *compiler.Model `json:"model"`
}

// Generate implements compiler.Target.
func (Target) Generate(spec *compiler.Spec) ([]compiler.Artifact, error) {
	var out []compiler.Artifact
	for _, m := range spec.Models {
		b, err := jsonout.Marshal(document{Comment: compiler.GeneratedHeader, Model: m})
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", m.Name, err)
		}
		out = append(out, compiler.Artifact{Path: "resolved/" + m.Name + ".json", Bytes: b})
	}
	return out, nil
}
