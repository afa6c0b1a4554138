package gitops

import (
	"path/filepath"
	"testing"

	"github.com/ctgit/ctgit/internal/gittest"
)

// TestStateOf walks a promotion branch through the ways it stops being
// open: merged with ancestry, squashed, deleted; and through a remote's
// tracking branches.
func TestStateOf(t *testing.T) {
	dir := t.TempDir()
	gittest.Git(t, "", "init", "--quiet", "--initial-branch=main", dir)
	file := filepath.Join(dir, "deploy/model.cue")
	gittest.WriteFile(t, file, "model: version: \"1.0.0\"\n")
	gittest.Git(t, dir, "add", "-A")
	gittest.Git(t, dir, "commit", "--quiet", "-m", "init")
	promote := func(version string) {
		gittest.Git(t, dir, "checkout", "--quiet", "-B", "ctgit/m", "main")
		gittest.WriteFile(t, file, "model: version: \""+version+"\"\n")
		gittest.Git(t, dir, "commit", "--quiet", "-am", "promote "+version)
		gittest.Git(t, dir, "checkout", "--quiet", "main")
	}
	want := func(remote string, s BranchState) {
		t.Helper()
		got, err := StateOf(dir, remote, "ctgit/m", "main")
		if err != nil || got != s {
			t.Fatalf("StateOf = %v, %v; want %v", got, err, s)
		}
	}

	want("", BranchGone)
	promote("1.1.0")
	want("", BranchOpen)
	gittest.Git(t, dir, "merge", "--quiet", "--no-ff", "-m", "merge", "ctgit/m")
	want("", BranchMerged)

	promote("1.2.0")
	want("", BranchOpen)
	// main moves on by an unrelated commit, then squashes the promotion.
	gittest.WriteFile(t, filepath.Join(dir, "other.txt"), "x")
	gittest.Git(t, dir, "add", "-A")
	gittest.Git(t, dir, "commit", "--quiet", "-m", "unrelated")
	want("", BranchOpen)
	gittest.Git(t, dir, "merge", "--quiet", "--squash", "ctgit/m")
	gittest.Git(t, dir, "commit", "--quiet", "-m", "squash")
	want("", BranchMerged)

	// Through a remote: its tracking refs decide, the local ones are a
	// fallback.
	promote("1.3.0")
	remote := t.TempDir()
	gittest.Git(t, "", "init", "--quiet", "--bare", "--initial-branch=main", remote)
	gittest.Git(t, dir, "remote", "add", "origin", remote)
	gittest.Git(t, dir, "push", "--quiet", "origin", "main", "ctgit/m")
	gittest.Git(t, dir, "fetch", "--quiet", "origin")
	gittest.Git(t, dir, "branch", "--quiet", "-D", "ctgit/m")
	want("origin", BranchOpen)
	want("", BranchGone)
	gittest.Git(t, dir, "merge", "--quiet", "origin/ctgit/m")
	want("origin", BranchOpen) // merged here, not yet on the remote
	gittest.Git(t, dir, "push", "--quiet", "origin", "main")
	gittest.Git(t, dir, "fetch", "--quiet", "origin")
	want("origin", BranchMerged)
	gittest.Git(t, dir, "push", "--quiet", "origin", "--delete", "ctgit/m")
	gittest.Git(t, dir, "fetch", "--quiet", "--prune", "origin")
	want("origin", BranchGone)
}
