package semdiff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func sampleReport(alerts int) *Report {
	r := &Report{Models: []ModelReport{{Name: "m", Action: Changed}}, Global: []Change{}, Files: []Change{}}
	r.Models[0].Changes = append(r.Models[0].Changes, Change{Kind: KindSLO, Name: "availability", Action: Changed,
		Fields: []Field{{Name: "objective", Old: "99.9%", New: "99.5%"}, {Name: "error budget", Old: "43.2 min", New: "216 min"}}})
	for i := range alerts {
		r.Models[0].Changes = append(r.Models[0].Changes, Change{Kind: KindAlert, Name: fmt.Sprintf("A%02d", i), Action: Added})
	}
	return r
}

func TestSummary(t *testing.T) {
	if got, want := sampleReport(3).Summary(), "1 model changed: 1 SLO changed, 3 alerts added"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	r := &Report{Models: []ModelReport{{Name: "a", Action: Added, Changes: []Change{{Kind: KindPanel, Name: "p", Action: Added}}}, {Name: "b", Action: Removed}}}
	if got, want := r.Summary(), "2 models changed (1 added, 1 removed): 1 panel added"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	if got := (&Report{}).Summary(); got != "No changes." {
		t.Errorf("empty Summary = %q", got)
	}
}

func TestMarkdownCollapsesLongLists(t *testing.T) {
	var short, longer bytes.Buffer
	Markdown(&short, sampleReport(collapseAfter), "main")
	Markdown(&longer, sampleReport(collapseAfter+1), "main")
	if strings.Contains(short.String(), "<details>") {
		t.Errorf("a list of %d is collapsed:\n%s", collapseAfter, short.String())
	}
	if !strings.Contains(longer.String(), "<details><summary>Alerts (11)</summary>") {
		t.Errorf("a list of %d is not collapsed:\n%s", collapseAfter+1, longer.String())
	}
	for _, want := range []string{"## vigil diff\n", "compared with `main`", "  - objective: `99.9%` → `99.5%`\n", "  - error budget: `43.2 min` → `216 min`\n"} {
		if !strings.Contains(short.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, short.String())
		}
	}
}

func TestCodeSpanWithBackticks(t *testing.T) {
	for in, want := range map[string]string{"a": "`a`", "a`b": "``a`b``", "`a": "`` `a ``"} {
		if got := code(in); got != want {
			t.Errorf("code(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJSONListsAreNeverNull(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, &Report{}, ""); err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"counts", "models", "global", "files"} {
		if _, ok := out[k].([]any); !ok {
			t.Errorf("%s = %v, want a list", k, out[k])
		}
	}
	if out["changed"] != false {
		t.Errorf("changed = %v", out["changed"])
	}
}

func TestTextLongValuesOnTwoLines(t *testing.T) {
	r := &Report{Models: []ModelReport{{Name: "m", Action: Changed, Changes: []Change{{Kind: KindAlert, Name: "A", Action: Changed,
		Fields: []Field{{Name: "expr", Old: strings.Repeat("x", 70), New: "y"}}}}}}}
	var b bytes.Buffer
	Text(&b, r, "")
	want := "  alert A: changed\n    expr:\n      - " + strings.Repeat("x", 70) + "\n      + y\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("Text:\n%s\nwant it to contain:\n%s", b.String(), want)
	}
}
