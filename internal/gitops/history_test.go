package gitops

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/gittest"
)

func TestHistory(t *testing.T) {
	dir := t.TempDir()
	gittest.Git(t, "", "init", "--quiet", "--initial-branch=main", dir)
	file := filepath.Join(dir, "deploy/model.cue")
	commit := func(version, note, msg string) string {
		gittest.WriteFile(t, file, "// "+note+"\nmodel: version: \""+version+"\"\n")
		gittest.WriteFile(t, filepath.Join(dir, "other.txt"), msg)
		gittest.Git(t, dir, "add", "-A")
		gittest.Git(t, dir, "commit", "--quiet", "-m", msg+"\n\nCtgit-Run: "+msg)
		return strings.TrimSpace(gittest.Git(t, dir, "rev-parse", "HEAD"))
	}
	c1 := commit("1.0.0", "first", "one")
	commit("1.0.0", "comment only", "two") // touches the file, same value
	c3 := commit("1.1.0", "bump", "three")
	gittest.WriteFile(t, filepath.Join(dir, "other.txt"), "unrelated")
	gittest.Git(t, dir, "commit", "--quiet", "-am", "unrelated")
	c5 := commit("1.2.0", "bump", "five")
	gittest.WriteFile(t, file, "model: version: broken(\n")
	gittest.Git(t, dir, "commit", "--quiet", "-am", "broken")
	c7 := commit("1.1.0", "rollback", "seven")

	got, err := History(dir, "main", "deploy/model.cue", "model.version")
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ Value, Commit, Subject string }
	var rows []row
	for _, v := range got {
		rows = append(rows, row{v.Value, v.Commit, v.Subject})
		if v.Time.IsZero() || v.Author != "Human <human@example.com>" {
			t.Errorf("version %s: time %v author %q", v.Value, v.Time, v.Author)
		}
	}
	want := []row{{"1.1.0", c7, "seven"}, {"1.2.0", c5, "five"}, {"1.1.0", c3, "three"}, {"1.0.0", c1, "one"}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if tr := got[0].Trailers["Ctgit-Run"]; len(tr) != 1 || tr[0] != "seven" {
		t.Errorf("trailers = %v", got[0].Trailers)
	}
	if _, err := History(dir, "main", "deploy/model.cue", "model.nope"); err == nil {
		t.Error("history of a missing field succeeded")
	}
	if v, err := FieldAt(dir, c3, "deploy/model.cue", "model.version"); err != nil || v != "1.1.0" {
		t.Errorf("FieldAt(c3) = %q, %v; want 1.1.0", v, err)
	}
	if _, err := FieldAt(dir, c5, "deploy/model.cue", "model.nope"); err == nil {
		t.Error("FieldAt of a missing field succeeded")
	}
}

func TestMessageAndTrailers(t *testing.T) {
	msg, err := Message("ctgit: promote fraud 1.4.0 → 1.5.0", "Gates passed.", Provenance{
		Run: "r1", Pipeline: "fraud", Data: []string{"sha256:a", "sha256:b"}, Artifact: "sha256:c",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "ctgit: promote fraud 1.4.0 → 1.5.0\n\nGates passed.\n\nCtgit-Run: r1\nCtgit-Pipeline: fraud\nCtgit-Data: sha256:a\nCtgit-Data: sha256:b\nCtgit-Artifact: sha256:c\n"
	if msg != want {
		t.Errorf("Message:\n%s\nwant:\n%s", msg, want)
	}
	wantTr := map[string][]string{"Ctgit-Run": {"r1"}, "Ctgit-Pipeline": {"fraud"}, "Ctgit-Data": {"sha256:a", "sha256:b"}, "Ctgit-Artifact": {"sha256:c"}}
	if diff := cmp.Diff(wantTr, Trailers(msg)); diff != "" {
		t.Error(diff)
	}
	if _, err := Message("x", "", Provenance{Run: "a\nCtgit-Artifact: forged"}); err == nil {
		t.Error("multi-line trailer value accepted")
	}
	if _, err := Message("two\nlines", "", Provenance{}); err == nil {
		t.Error("multi-line subject accepted")
	}
	if Trailers("subject only") != nil || Trailers("s\n\nnot a trailer line") != nil {
		t.Error("non-trailer paragraphs read as trailers")
	}
}
