package gitops

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/gittest"
)

// TestChangedFiles: committed and uncommitted changes since a revision,
// without ctgit's own .ctgit; an unknown revision is bad input, and the
// all-zero revision of a new branch has nothing to compare with.
func TestChangedFiles(t *testing.T) {
	root := t.TempDir()
	gittest.Git(t, root, "init", "-q", "-b", "main")
	gittest.WriteFile(t, filepath.Join(root, "a.txt"), "a\n")
	gittest.Git(t, root, "add", "-A")
	gittest.Git(t, root, "commit", "-qm", "init")
	base := strings.TrimSpace(gittest.Git(t, root, "rev-parse", "HEAD"))

	if changed, err := ChangedFiles(root, base); err != nil || len(changed) != 0 {
		t.Fatalf("nothing changed yet: %v %v", changed, err)
	}
	gittest.WriteFile(t, filepath.Join(root, "a.txt"), "a\nb\n")
	gittest.Git(t, root, "commit", "-qam", "more")
	gittest.WriteFile(t, filepath.Join(root, "new", "b.txt"), "b\n")
	gittest.WriteFile(t, filepath.Join(root, ".ctgit", "cache", "x"), "x\n")
	changed, err := ChangedFiles(root, base)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a.txt", "new/b.txt"}, changed); diff != "" {
		t.Errorf("changed (-want +got):\n%s", diff)
	}

	if _, err := ChangedFiles(root, "no-such-rev"); err == nil || !strings.Contains(err.Error(), "cannot resolve the revision") || fault.KindOf(err) != fault.BadInput {
		t.Errorf("bad rev: %v", err)
	}
	if _, err := ChangedFiles(root, strings.Repeat("0", 40)); err != ErrNoBase {
		t.Errorf("zero rev: %v", err)
	}
}
