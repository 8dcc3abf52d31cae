package main

import (
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/vigil-dev/vigil/internal/ddfake"
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
		Cmds:                scriptCmds(),
		Setup: func(env *testscript.Env) error {
			env.Setenv("EXAMPLES", examples)
			return nil
		},
	})
}

// scriptCmds are the scripts' own commands: promCmds and fakedatadog.
func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	cmds := maps.Clone(promCmds)
	cmds["fakedatadog"] = fakeDatadog
	return cmds
}

// fakeServers are the scripts' fake Datadog APIs.
var fakeServers sync.Map // *testscript.TestScript → *ddfake.Server

// fakeDatadog is the script command
//
//	fakedatadog start       serve a fake Datadog API (internal/ddfake) on
//	                        loopback for this script, and set DD_SITE to
//	                        its URL and the keys it accepts
//	fakedatadog check N     fail unless the fake saw exactly N writes and
//	                        no protocol violation
func fakeDatadog(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: fakedatadog start | fakedatadog check WRITES")
	}
	switch args[0] {
	case "start":
		f := ddfake.New()
		srv := httptest.NewServer(f)
		ts.Defer(srv.Close)
		fakeServers.Store(ts, f)
		ts.Setenv("DD_SITE", srv.URL)
		ts.Setenv("DD_API_KEY", ddfake.APIKey)
		ts.Setenv("DD_APP_KEY", ddfake.AppKey)
	case "check":
		v, ok := fakeServers.Load(ts)
		if !ok || len(args) != 2 {
			ts.Fatalf("fakedatadog check WRITES, after fakedatadog start")
		}
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		f := v.(*ddfake.Server)
		f.Mu.Lock()
		defer f.Mu.Unlock()
		for _, e := range f.Errs {
			ts.Logf("fake Datadog: %s", e)
		}
		if len(f.Errs) > 0 || len(f.Writes) != want {
			ts.Fatalf("fake Datadog saw %d writes (want %d) and %d protocol violations: %v", len(f.Writes), want, len(f.Errs), fmt.Sprint(f.Writes))
		}
	default:
		ts.Fatalf("unknown fakedatadog command %q", args[0])
	}
}
