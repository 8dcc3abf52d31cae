package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"vigil": func() { os.Exit(Main()) },
	})
}

// TestScripts runs the CLI scripts in testdata/script. Each script runs
// vigil in-process with $WORK as its working directory; $EXAMPLES points
// at the repository's examples. VIGIL_UPDATE=1 rewrites the scripts'
// expected output files (cmp targets) from the actual output.
func TestScripts(t *testing.T) {
	// diff_threshold_git.txtar skips without git; under CI a skipped
	// end-to-end script is a failure.
	if _, err := exec.LookPath("git"); err != nil && os.Getenv("CI") == "true" {
		t.Fatal("git is not installed; the vigil diff --base scripts need it (CI=true)")
	}
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		UpdateScripts:       os.Getenv("VIGIL_UPDATE") == "1",
		RequireExplicitExec: false,
		Condition:           promConditions,
		Cmds:                promCmds,
		Setup: func(env *testscript.Env) error {
			env.Setenv("EXAMPLES", examples)
			return nil
		},
	})
}
