package compiler_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/compiler"
)

// fakeTarget returns fixed artifacts or an error after a delay, so tests
// can make later targets finish first.
type fakeTarget struct {
	name  string
	delay time.Duration
	paths []string
	err   error
}

func (f fakeTarget) Name() string { return f.name }

func (f fakeTarget) Generate(*compiler.Spec) ([]compiler.Artifact, error) {
	time.Sleep(f.delay)
	if f.err != nil {
		return nil, f.err
	}
	var out []compiler.Artifact
	for _, p := range f.paths {
		out = append(out, compiler.Artifact{Path: p, Bytes: []byte(f.name)})
	}
	return out, nil
}

// TestGenerateOrderIndependentOfScheduling checks that targets running
// concurrently give the same result and the same error as running them
// one after another: errors and path conflicts are reported in target
// order, whichever target finishes first.
func TestGenerateOrderIndependentOfScheduling(t *testing.T) {
	slow := 30 * time.Millisecond
	cases := []struct {
		name    string
		targets []compiler.Target
		wantErr string
	}{
		{
			name: "ok",
			targets: []compiler.Target{
				fakeTarget{name: "a", delay: slow, paths: []string{"a/1", "a/2"}},
				fakeTarget{name: "b", paths: []string{"b/1"}},
			},
		},
		{
			name: "first error in target order",
			targets: []compiler.Target{
				fakeTarget{name: "a", delay: slow, err: errors.New("a failed")},
				fakeTarget{name: "b", err: errors.New("b failed")},
			},
			wantErr: "target a: a failed",
		},
		{
			name: "conflict names the earlier target first",
			targets: []compiler.Target{
				fakeTarget{name: "a", delay: slow, paths: []string{"x"}},
				fakeTarget{name: "b", paths: []string{"x"}},
			},
			wantErr: "targets a and b both generate x",
		},
		{
			name: "an unsafe path before a later target's error",
			targets: []compiler.Target{
				fakeTarget{name: "a", delay: slow, paths: []string{"../x"}},
				fakeTarget{name: "b", err: errors.New("b failed")},
			},
			wantErr: `target a: unsafe artifact path "../x"`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files, err := compiler.Generate(&compiler.Spec{}, c.targets)
			if c.wantErr != "" {
				if err == nil || err.Error() != c.wantErr {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(compiler.SortedPaths(files))
			if want := "[a/1 a/2 b/1]"; got != want || !strings.HasPrefix(string(files["a/1"]), "a") {
				t.Fatalf("paths %s, want %s", got, want)
			}
		})
	}
}
