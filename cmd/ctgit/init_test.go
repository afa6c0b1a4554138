package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctgit/ctgit/internal/report"
	"github.com/ctgit/ctgit/internal/version"
)

// A release build of ctgit pins the workflow it scaffolds to its own
// release, and says so; the scripts cover the development build.
func TestInitPinsRelease(t *testing.T) {
	old := version.Version
	version.Version = "v1.2.3"
	t.Cleanup(func() { version.Version = old })

	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"init", dir, "--format", "json"}, &stdout, &stderr, environment{}); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var res report.InitResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	w := res.Workflow
	if res.Kind != report.InitResultKind || !w.Pinned || w.Action != "ctgit/ctgit@v1.2.3" || w.Version != "v1.2.3" || w.Note != "" {
		t.Errorf("init result %+v", res)
	}
	b, err := os.ReadFile(filepath.Join(dir, ".github", "workflows", "ctgit.yml"))
	if err != nil {
		t.Fatal(err)
	}
	wf := string(b)
	if strings.Contains(wf, "@main") || strings.Contains(wf, "CTGIT_VERSION: latest") || !strings.Contains(wf, "uses: ctgit/ctgit@v1.2.3") || !strings.Contains(wf, "CTGIT_VERSION: v1.2.3") {
		t.Errorf("the workflow is not pinned to v1.2.3:\n%s", wf)
	}

	stdout.Reset()
	if code := run(context.Background(), []string{"init", t.TempDir()}, &stdout, &stderr, environment{}); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), ".github/workflows/ctgit.yml uses ctgit/ctgit@v1.2.3, pinned to this ctgit's release.") {
		t.Errorf("text output:\n%s", stdout.String())
	}
}
