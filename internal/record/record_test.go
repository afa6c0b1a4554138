package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// records lists the run records kept as testdata, by glob.
func records(t *testing.T, globs ...string) []string {
	t.Helper()
	var files []string
	for _, g := range globs {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no run records found")
	}
	return files
}

// rewrite reads a run record and writes it back as ctgit writes records.
func rewrite(t *testing.T, file string) (orig, got []byte) {
	t.Helper()
	orig, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var r Run
	if err := json.Unmarshal(orig, &r); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	got, err = json.MarshalIndent(&r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return orig, append(got, '\n')
}

// TestRecordsRoundTrip: run records written by ctgit read and write back
// byte for byte.
func TestRecordsRoundTrip(t *testing.T) {
	for _, f := range records(t, "../report/testdata/run/*.json") {
		if orig, got := rewrite(t, f); !bytes.Equal(got, orig) {
			t.Errorf("%s does not round-trip:\n%s", f, cmp.Diff(string(orig), string(got)))
		}
	}
}

// TestRecordPositionsRoundTrip: every position in a run record, written by
// hand or by an earlier ctgit, reads and writes back as the same
// file:line:col text, and none appears where there was none.
func TestRecordPositionsRoundTrip(t *testing.T) {
	for _, f := range records(t, "../report/testdata/run/*.json", "../../cmd/ctgit/testdata/records/*.json", "../../cmd/ctgit/testdata/records/history/*.json") {
		orig, got := rewrite(t, f)
		if diff := cmp.Diff(positions(t, orig), positions(t, got)); diff != "" {
			t.Errorf("%s: positions changed (-read +written):\n%s", f, diff)
		}
	}
}

// positions maps the JSON path of every "pos" field in doc to its value.
func positions(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "pos" {
					out[path+".pos"] = x
				}
				walk(path+"."+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), x)
			}
		}
	}
	walk("", v)
	return out
}
