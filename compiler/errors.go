package compiler

import (
	"fmt"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/vigil-dev/vigil/diag"
	"github.com/vigil-dev/vigil/schema"
)

// fromCUE converts CUE errors into diagnostics, one per error, with the
// field path and every contributing position.
func fromCUE(err error, dir string) diag.List {
	var out diag.List
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		d := diag.Diagnostic{
			Pos:     position(e.Position(), dir),
			Path:    formatPath(e.Path()),
			Message: fmt.Sprintf(format, args...),
		}
		for _, p := range e.InputPositions() {
			rp := position(p, dir)
			if rp.IsValid() && rp != d.Pos {
				d.Related = append(d.Related, rp)
			}
		}
		// Lead with a position in the user's files: the schema's own
		// position is context, not the place to fix.
		if !d.Pos.IsValid() || isSchemaFile(d.Pos.File) {
			for i, r := range d.Related {
				if !isSchemaFile(r.File) {
					rel := append([]diag.Position{}, d.Related[:i]...)
					if d.Pos.IsValid() {
						rel = append(rel, d.Pos)
					}
					rel = append(rel, d.Related[i+1:]...)
					d.Pos, d.Related = r, rel
					break
				}
			}
		}
		out = append(out, d)
	}
	return out
}

// position converts a CUE position; files of the embedded schema are
// shown under the schema's import path so messages do not depend on
// where the spec lives.
func position(p token.Pos, dir string) diag.Position {
	if !p.IsValid() {
		return diag.Position{}
	}
	f := p.Filename()
	marker := "/cue.mod/pkg/" + schema.ImportPath + "/"
	if i := strings.Index(strings.ReplaceAll(f, "\\", "/"), marker); i >= 0 {
		f = schema.ImportPath + "/" + f[i+len(marker):]
	} else {
		f = relPath(dir, f)
	}
	return diag.Position{File: f, Line: p.Line(), Column: p.Column()}
}

// formatPath renders a field path the way CUE prints it: identifiers
// joined by dots, other labels quoted.
func formatPath(sel []string) string {
	var b strings.Builder
	for i, s := range sel {
		if i > 0 && !strings.HasPrefix(s, "[") {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// isSchemaFile reports whether a diagnostic file is part of the embedded
// schema.
func isSchemaFile(f string) bool { return strings.HasPrefix(f, schema.ImportPath+"/") }
