package gitops

import "testing"

// TestMessageProvenance: the trailers say what ran, in a fixed order, and
// leave out what did not (no image for the local executor).
func TestMessageProvenance(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Provenance
		want string
	}{
		{"local", Provenance{Run: "r1", Pipeline: "fraud", Executor: "local", Command: "/usr/bin/python3 (Python 3.11.2)", Artifact: "a@sha256:1"},
			"s\n\nCtgit-Run: r1\nCtgit-Pipeline: fraud\nCtgit-Executor: local\nCtgit-Command: /usr/bin/python3 (Python 3.11.2)\nCtgit-Artifact: a@sha256:1\n"},
		{"dagger", Provenance{Run: "r1", Pipeline: "fraud", Executor: "dagger", Image: "python:3.12-slim@sha256:ii"},
			"s\n\nCtgit-Run: r1\nCtgit-Pipeline: fraud\nCtgit-Executor: dagger\nCtgit-Image: python:3.12-slim@sha256:ii\n"},
	} {
		got, err := Message("s", "", tc.p)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
	if _, err := Message("s", "", Provenance{Pipeline: "p", Command: "python3 (Python 3\nCtgit-Run: forged)"}); err == nil {
		t.Error("a command spanning lines was accepted")
	}
}
