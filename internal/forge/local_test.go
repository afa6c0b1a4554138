package forge

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLocalForge(t *testing.T) {
	root := t.TempDir()
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
	if _, err := l.Open(ctx, Request{Branch: "ctgit/../../x", Base: "main", Title: "t"}); err == nil {
		t.Error("a branch escaping .ctgit/prs was accepted")
	}
}
