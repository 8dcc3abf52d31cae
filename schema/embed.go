// Package schema embeds vigil's CUE schema (the spec language) so that the
// compiler can serve it to the CUE loader without network access, and so
// that `vigil init` and `vigil schema` can write it out.
package schema

import (
	"embed"
	"io/fs"
	"sort"
)

// ImportPath is the CUE import path of the schema package.
const ImportPath = "github.com/vigil-dev/vigil/schema"

//go:embed *.cue
var files embed.FS

// Files returns the schema's CUE source files keyed by base name, in a
// map that the caller may keep.
func Files() map[string][]byte {
	out := map[string][]byte{}
	names, _ := fs.Glob(files, "*.cue")
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			panic("schema: embedded file unreadable: " + err.Error())
		}
		out[n] = b
	}
	return out
}

// Names returns the schema's file names in sorted order.
func Names() []string {
	names, _ := fs.Glob(files, "*.cue")
	sort.Strings(names)
	return names
}
