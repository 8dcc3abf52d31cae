package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// positionLineRE matches a diagnostic line that starts with a file
// position (file:line or file:line:col). Related positions are indented
// and the summary line starts with "vigil:", so neither matches.
var positionLineRE = regexp.MustCompile(`^[^\s:]+:\d+(:\d+)?: `)

// countPositioned counts the diagnostics in text output: lines that start
// with a file position.
func countPositioned(text string) int {
	n := 0
	for _, line := range strings.Split(text, "\n") {
		if positionLineRE.MatchString(line) {
			n++
		}
	}
	return n
}

// TestErrors replays the bad-input corpus in testdata/errors: each case
// directory holds a spec and stderr.txt, the exact output of `vigil vet .`
// run inside it. Set VIGIL_UPDATE=1 to rewrite the stderr.txt files.
func TestErrors(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", "testdata", "errors"))
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, e := range ents {
		if e.IsDir() {
			cases = append(cases, e.Name())
		}
	}
	sort.Strings(cases)
	if len(cases) < 30 {
		t.Fatalf("testdata/errors holds %d cases; want at least 30", len(cases))
	}
	update := os.Getenv("VIGIL_UPDATE") == "1"

	for _, name := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(root, name)
			golden := filepath.Join(dir, "stderr.txt")
			t.Chdir(dir)

			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), []string{"vet", "."}, &stdout, &stderr); code != 1 {
				t.Errorf("vet exit code = %d, want 1", code)
			}
			if stdout.Len() > 0 {
				t.Errorf("vet wrote to stdout:\n%s", stdout.String())
			}
			got := stderr.String()
			if strings.Contains(got, "goroutine ") {
				t.Errorf("vet output looks like a crash:\n%s", got)
			}
			if update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run with VIGIL_UPDATE=1 to create it)", err)
				}
				if diff := cmp.Diff(string(want), got); diff != "" {
					t.Errorf("vet stderr mismatch (-want +got):\n%s", diff)
				}
			}
			// Messages name the field and its constraint; they never
			// point into vigil's own schema files, which a YAML or JSON
			// user does not have.
			if strings.Contains(got, "vigil/schema/") {
				t.Errorf("vet output points into the schema:\n%s", got)
			}
			nDiags := countPositioned(got)
			if nDiags == 0 {
				t.Errorf("vet printed no positioned diagnostic:\n%s", got)
			}

			// A spec with errors writes nothing.
			out := filepath.Join(t.TempDir(), "out")
			stdout.Reset()
			stderr.Reset()
			if code := run(context.Background(), []string{"compile", ".", "-o", out}, &stdout, &stderr); code != 1 {
				t.Errorf("compile exit code = %d, want 1\nstderr:\n%s", code, stderr.String())
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("compile of a broken spec created %s (stat error: %v)", out, err)
			}

			// The JSON format reports the same diagnostics.
			stdout.Reset()
			stderr.Reset()
			if code := run(context.Background(), []string{"vet", "--error-format=json", "."}, &stdout, &stderr); code != 1 {
				t.Errorf("vet --error-format=json exit code = %d, want 1", code)
			}
			combined := stdout.String() + stderr.String()
			start, end := strings.Index(combined, "["), strings.LastIndex(combined, "]")
			if start < 0 || end < start {
				t.Fatalf("vet --error-format=json printed no JSON array:\n%s", combined)
			}
			var diags []map[string]any
			if err := json.Unmarshal([]byte(combined[start:end+1]), &diags); err != nil {
				t.Fatalf("vet --error-format=json output is not a JSON array: %v\n%s", err, combined)
			}
			if len(diags) != nDiags {
				t.Errorf("vet --error-format=json reported %d diagnostics; the text output has %d positioned lines", len(diags), nDiags)
			}
		})
	}
}
