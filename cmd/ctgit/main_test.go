package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ctgit/ctgit/internal/golden"
	"github.com/ctgit/ctgit/internal/startgc"
)

// TestMain lets testscript run this binary as the `ctgit` command.
func TestMain(m *testing.M) {
	startgc.Release() // the tests run with Go's settings
	// Tests that start ctgit as a process of its own (to kill it) run this
	// test binary with CTGIT_TEST_MAIN=1.
	if os.Getenv("CTGIT_TEST_MAIN") == "1" {
		os.Exit(Main())
	}
	testscript.Main(outsideCI{m}, map[string]func(){
		"ctgit": func() { os.Exit(Main()) },
	})
}

// outsideCI runs the tests without the variables by which ctgit knows it
// runs in CI. The suite itself runs in CI (CI=true, maybe GitHub Actions):
// ctgit under test must not believe it runs there unless a test says so,
// or the CI rules (no runner-local artifact store, Actions outputs) would
// apply to every test. Only the test process drops them: ctgit started by
// a script keeps what the script sets.
type outsideCI struct{ m *testing.M }

func (o outsideCI) Run() int {
	for _, name := range ciVariables {
		os.Unsetenv(name)
	}
	return o.m.Run()
}

// ciVariables are the variables by which ctgit knows it runs in CI.
var ciVariables = []string{"CI", "GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_EVENT_NAME",
	"GITHUB_EVENT_PATH", "GITHUB_TOKEN", "GITHUB_REPOSITORY", "RUNNER_ENVIRONMENT"}

// TestScript runs the end-to-end CLI scripts in testdata/script. Set
// CTGIT_UPDATE_GOLDEN=1 to rewrite the expected output inside the scripts.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       golden.Update(),
		RequireExplicitExec: true,
		Setup:               scriptSetup,
		Cmds:                scriptCmds,
		Condition:           scriptCondition,
	})
}
