package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"
)

// TestInitWorksWithStockCUE checks that what `vigil init` writes is a CUE
// module that the stock loader (what `cue vet` uses) evaluates from disk,
// with no overlay from vigil: the schema import resolves from
// cue.mod/pkg, the starter spec validates, and a schema violation is
// caught.
func TestInitWorksWithStockCUE(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"init", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("init exited %d: %s", code, stderr.String())
	}
	vet := func() error {
		insts := load.Instances([]string{"."}, &load.Config{Dir: dir, Env: []string{"CUE_REGISTRY=none"}})
		if insts[0].Err != nil {
			return insts[0].Err
		}
		v := cuecontext.New().BuildInstance(insts[0])
		if v.Err() != nil {
			return v.Err()
		}
		return v.Validate(cue.Concrete(true))
	}
	if err := vet(); err != nil {
		t.Fatalf("stock loader rejects the starter spec: %v", err)
	}
	spec := filepath.Join(dir, "spec.cue")
	b, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(b), "objective: 99.9", "objective: 199.9", 1)
	if bad == string(b) {
		t.Fatal("starter spec has no objective: 99.9 to break")
	}
	if err := os.WriteFile(spec, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := vet(); err == nil || !strings.Contains(err.Error(), "out of bound <100") {
		t.Fatalf("stock loader should reject objective 199.9, got %v", err)
	}
}
