package compiler

import (
	"cuelang.org/go/cue"

	"github.com/vigil-dev/vigil/diag"
)

// suggestFields adds "did you mean" hints to "field not allowed"
// diagnostics: the closest field name the schema allows at that place,
// when one is within two edits of the typo.
func suggestFields(all diag.List, root cue.Value) diag.List {
	for i, d := range all {
		if d.Message != "field not allowed" || d.Path == "" {
			continue
		}
		p := cue.ParsePath(d.Path)
		if p.Err() != nil {
			continue
		}
		sels := p.Selectors()
		if len(sels) == 0 {
			continue
		}
		typo := labelName(sels[len(sels)-1])
		parent := root.LookupPath(cue.MakePath(sels[:len(sels)-1]...))
		it, err := parent.Fields(cue.Optional(true))
		if err != nil {
			continue
		}
		best, bestDist := "", 3
		for it.Next() {
			name := labelName(it.Selector())
			if name == typo {
				continue
			}
			if dist := editDistance(typo, name); dist < bestDist {
				best, bestDist = name, dist
			}
		}
		if best != "" {
			all[i].Message = "field not allowed; did you mean " + best + "?"
		}
	}
	return all
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
