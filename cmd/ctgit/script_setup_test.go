package main

import (
	"github.com/rogpeppe/go-internal/testscript"
)

// scriptSetup prepares the environment every script starts from: git
// identity for scripts that commit, and no inherited GitHub Actions context.
func scriptSetup(env *testscript.Env) error {
	env.Setenv("GIT_AUTHOR_NAME", "Test")
	env.Setenv("GIT_AUTHOR_EMAIL", "test@example.com")
	env.Setenv("GIT_COMMITTER_NAME", "Test")
	env.Setenv("GIT_COMMITTER_EMAIL", "test@example.com")
	env.Setenv("GITHUB_ACTIONS", "")
	return nil
}
