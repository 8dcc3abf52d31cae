package runbook_test

import (
	"os"
	"path"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/internal/exampletest"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"

	"github.com/vigil-dev/vigil/compiler"
	"github.com/vigil-dev/vigil/targets/prometheus"
	"github.com/vigil-dev/vigil/targets/runbook"
)

func loadExamples(t *testing.T) map[string]*compiler.Spec { return exampletest.Load(t) }

// TestRunbooksAreValidCommonMark parses every generated page with a
// CommonMark parser (goldmark, with GitHub tables) and checks that every
// link resolves to a generated page or a configured URL, that headings
// are unique within a page, and that every table line belongs to a
// well-formed table.
func TestRunbooksAreValidCommonMark(t *testing.T) {
	md := goldmark.New(goldmark.WithExtensions(extension.Table))
	for name, spec := range loadExamples(t) {
		t.Run(name, func(t *testing.T) {
			arts, err := runbook.Target{}.Generate(spec)
			if err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{}
			for _, a := range arts {
				files[a.Path] = a.Bytes
			}
			allowed := []string{spec.Links.Grafana + "/", spec.Links.Runbooks + "/"}
			for _, m := range spec.Models {
				for _, l := range m.Links {
					allowed = append(allowed, l.Value)
				}
			}
			for _, r := range spec.Routing.Receivers {
				if r.URL != "" {
					allowed = append(allowed, r.URL)
				}
			}
			for p, src := range files {
				doc := md.Parser().Parse(text.NewReader(src))
				headings := map[string]bool{}
				tableLines := 0
				err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
					if !entering {
						return ast.WalkContinue, nil
					}
					switch x := n.(type) {
					case *ast.Heading:
						h := string(x.Lines().Value(src))
						if headings[h] {
							t.Errorf("%s: heading %q repeats", p, h)
						}
						headings[h] = true
					case *ast.Link:
						checkLink(t, p, string(x.Destination), files, allowed)
					case *ast.AutoLink:
						checkLink(t, p, string(x.URL(src)), files, allowed)
					case *east.Table:
						cols := -1
						for row := x.FirstChild(); row != nil; row = row.NextSibling() {
							tableLines++
							if cols >= 0 && row.ChildCount() != cols {
								t.Errorf("%s: table row with %d cells, want %d", p, row.ChildCount(), cols)
							}
							cols = row.ChildCount()
						}
						tableLines++ // the delimiter row
					}
					return ast.WalkContinue, nil
				})
				if err != nil {
					t.Fatal(err)
				}
				raw := 0
				inCode := false
				for _, line := range strings.Split(string(src), "\n") {
					if strings.HasPrefix(line, "```") {
						inCode = !inCode
					}
					if !inCode && strings.HasPrefix(line, "|") {
						raw++
					}
				}
				if raw != tableLines {
					t.Errorf("%s: %d table lines in the source but %d parsed as table rows: a table is malformed", p, raw, tableLines)
				}
			}
		})
	}
}

func checkLink(t *testing.T, page, dest string, files map[string][]byte, allowed []string) {
	t.Helper()
	if strings.HasPrefix(dest, "http://") || strings.HasPrefix(dest, "https://") {
		for _, a := range allowed {
			if a != "/" && strings.HasPrefix(dest, a) {
				return
			}
		}
		t.Errorf("%s: link %s is not under a configured URL", page, dest)
		return
	}
	target := path.Join(path.Dir(page), dest)
	if _, ok := files[target]; !ok {
		t.Errorf("%s: link %s resolves to %s, which is not generated", page, dest, target)
	}
}

// TestEveryAlertHasItsPage checks that each alert's runbook_url names the
// page this target writes for it.
func TestEveryAlertHasItsPage(t *testing.T) {
	for name, spec := range loadExamples(t) {
		arts, err := runbook.Target{}.Generate(spec)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]bool{}
		for _, a := range arts {
			files[a.Path] = true
		}
		base := spec.Links.Runbooks
		if base == "" {
			base = "runbooks"
		}
		for _, m := range spec.Models {
			for _, a := range prometheus.Alerts(spec, m) {
				url := a.Rule.Annotations["runbook_url"]
				rel, ok := strings.CutPrefix(url, base+"/")
				if !ok || !files["runbooks/"+rel] {
					t.Errorf("%s: %s runbook_url %s has no generated page", name, a.Rule.Alert, url)
				}
			}
		}
	}
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }
