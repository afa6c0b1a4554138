package forge

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/gittest"
)

func TestLocalForge(t *testing.T) {
	root := t.TempDir()
	gittest.Git(t, "", "init", "--quiet", "--initial-branch=main", root)
	gittest.WriteFile(t, filepath.Join(root, "model.cue"), "version: \"1.4.0\"\n")
	gittest.Git(t, root, "add", "-A")
	gittest.Git(t, root, "commit", "--quiet", "-m", "init")
	gittest.Git(t, root, "checkout", "--quiet", "-b", "ctgit/fraud-detector")
	gittest.WriteFile(t, filepath.Join(root, "model.cue"), "version: \"1.5.0\"\n")
	gittest.Git(t, root, "commit", "--quiet", "-am", "promote")
	gittest.Git(t, root, "checkout", "--quiet", "main")
	l := Local{Root: root}
	ctx := context.Background()
	req := promoReq("## Gates\n\n| metric | value |\n|---|---|\n")
	pr, err := l.Open(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	wantPath := filepath.Join(root, ".ctgit", "prs", "ctgit-fraud-detector.md")
	if pr.URL != wantPath || !pr.Created {
		t.Errorf("Open = %+v", pr)
	}
	got, err := os.ReadFile(wantPath)
	if err != nil {
		t.Fatal(err)
	}
	want := "<!-- ctgit-pr branch=ctgit/fraud-detector base=main labels=ctgit,promotion reviewers=alice,acme/ml-reviewers -->\n" +
		"# ctgit: promote fraud-detector 1.4.0 → 1.5.0\n\n## Gates\n\n| metric | value |\n|---|---|\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}

	req.Body = "updated"
	if pr, err = l.Open(ctx, req); err != nil || pr.Created {
		t.Errorf("second Open = %+v, %v", pr, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(wantPath))
	if len(entries) != 1 {
		t.Errorf("left temp files behind: %v", entries)
	}
	list, err := l.List(ctx, "ctgit/")
	if err != nil {
		t.Fatal(err)
	}
	wantList := []PullRequest{{URL: wantPath, Branch: "ctgit/fraud-detector", Base: "main", Title: "ctgit: promote fraud-detector 1.4.0 → 1.5.0"}}
	if diff := cmp.Diff(wantList, list); diff != "" {
		t.Error(diff)
	}
	// Merged into main, the pull request is no longer open; its file stays.
	gittest.Git(t, root, "merge", "--quiet", "ctgit/fraud-detector")
	if list, err := l.List(ctx, "ctgit/"); err != nil || len(list) != 0 {
		t.Errorf("List after the merge = %v, %v; want none", list, err)
	}
	if _, err := os.Stat(wantPath); err != nil {
		t.Error(err)
	}
	if _, err := l.Open(ctx, Request{Branch: "ctgit/../../x", Base: "main", Title: "t"}); err == nil {
		t.Error("a branch escaping .ctgit/prs was accepted")
	}
}
