package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ctgit/ctgit/internal/golden"
)

// TestMain lets testscript run this binary as the `ctgit` command.
func TestMain(m *testing.M) {
	// Tests that start ctgit as a process of its own (to kill it) run this
	// test binary with CTGIT_TEST_MAIN=1.
	if os.Getenv("CTGIT_TEST_MAIN") == "1" {
		os.Exit(Main())
	}
	testscript.Main(m, map[string]func(){
		"ctgit": func() { os.Exit(Main()) },
	})
}

// TestScript runs the end-to-end CLI scripts in testdata/script. Set
// CTGIT_UPDATE_GOLDEN=1 to rewrite the expected output inside the scripts.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       golden.Update(),
		RequireExplicitExec: true,
		Setup:               scriptSetup,
		Cmds:                scriptCmds,
	})
}
