package simulate

import (
	"regexp"
	"testing"

	"github.com/vigil-dev/vigil/compiler"
)

func TestMatchingValues(t *testing.T) {
	for _, m := range []compiler.Matcher{
		{Name: "code", Op: "=~", Value: "5.."},
		{Name: "code", Op: "=~", Value: "5[0-9]{2}|429"},
		{Name: "status", Op: "=~", Value: "(error|timeout)"},
		{Name: "outcome", Op: "=", Value: "error"},
		{Name: "outcome", Op: "!=", Value: "ok"},
		{Name: "code", Op: "!~", Value: "2.."},
	} {
		v, ok := matching(m)
		if !ok {
			t.Errorf("%s: no matching value", m)
			continue
		}
		if !accepts(m, v) {
			t.Errorf("%s: %q does not match", m, v)
		}
		nv, ok := notMatching(m)
		if !ok {
			t.Errorf("%s: no value that avoids it", m)
			continue
		}
		if accepts(m, nv) {
			t.Errorf("%s: %q matches, want a value that does not", m, nv)
		}
	}
}

func accepts(m compiler.Matcher, v string) bool {
	switch m.Op {
	case "=":
		return v == m.Value
	case "!=":
		return v != m.Value
	}
	re := regexp.MustCompile("^(?:" + m.Value + ")$")
	return re.MatchString(v) == (m.Op == "=~")
}
