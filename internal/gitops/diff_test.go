package gitops

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/google/go-cmp/cmp"
)

func TestUnifiedDiff(t *testing.T) {
	old := "package deploy\n\nmodel: {\n\ta: 1\n\tb: 2\n\tc: 3\n\tversion: \"1.0.0\"\n\td: 4\n\te: 5\n\tf: 6\n\tg: 7\n}\n"
	new := strings.Replace(old, `"1.0.0"`, `"1.1.0"`, 1)
	var b strings.Builder
	if err := UnifiedDiff(&b, []FileChange{{Path: "deploy/model.cue", Old: []byte(old), New: []byte(new)}}); err != nil {
		t.Fatal(err)
	}
	want := `diff --git a/deploy/model.cue b/deploy/model.cue
index 8a3cf0e8a0a39d6f4e9a2c8f1d3e8d2b3a6b39c1..0000000000000000000000000000000000000000 100644
--- a/deploy/model.cue
+++ b/deploy/model.cue
@@ -4,7 +4,7 @@ model: {
 	a: 1
 	b: 2
 	c: 3
-	version: "1.0.0"
+	version: "1.1.0"
 	d: 4
 	e: 5
 	f: 6
`
	// The index line carries blob hashes; check them separately.
	got := b.String()
	lines := strings.SplitN(got, "\n", 3)
	wantIndex := "index " + hashOf(old)[:7]
	if !strings.HasPrefix(lines[1], wantIndex) || !strings.Contains(lines[1], hashOf(new)[:7]) {
		t.Errorf("index line %q, want blob hashes %s and %s", lines[1], hashOf(old), hashOf(new))
	}
	wantLines := strings.SplitN(want, "\n", 3)
	if diff := cmp.Diff(wantLines[0]+"\n"+wantLines[2], lines[0]+"\n"+lines[2]); diff != "" {
		t.Errorf("diff (-want +got):\n%s", diff)
	}
}

func hashOf(s string) string {
	return plumbing.ComputeHash(plumbing.BlobObject, []byte(s)).String()
}
