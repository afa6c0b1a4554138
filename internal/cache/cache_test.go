package cache

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/digest"
)

func key(s string) string { return digest.Bytes([]byte(s)) }

func TestPutGetAndDamage(t *testing.T) {
	s := Open(t.TempDir())
	memo := digest.NewMemo()
	out, err := s.TempDir("out-")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, "model"), []byte("w"), 0o644)
	k := key("train")
	if err := s.Put(&Entry{Key: k, Step: "p/train", Result: []byte(`{"ok":true}`)}, out, memo); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("the work directory should have moved into the cache")
	}
	e, ok := s.Get(k)
	var res struct{ OK bool }
	if !ok || e.Step != "p/train" || json.Unmarshal(e.Result, &res) != nil || !res.OK {
		t.Fatalf("Get = %+v, %v", e, ok)
	}
	if last, ok := s.Last("p/train"); !ok || last.Key != k {
		t.Fatalf("Last = %+v, %v", last, ok)
	}
	dir, err := s.OutputsDir(e, memo)
	if err != nil {
		t.Fatal(err)
	}
	// Outputs changed behind the cache's back are refused, not used.
	os.WriteFile(filepath.Join(dir, "model"), []byte("tampered"), 0o644)
	if _, err := s.OutputsDir(e, digest.NewMemo()); err == nil || !strings.Contains(err.Error(), "were modified") {
		t.Errorf("tampered outputs: %v", err)
	}
	// A torn entry file is a miss.
	h := strings.TrimPrefix(k, digest.Prefix)
	os.WriteFile(filepath.Join(s.Dir(), "entries", h+".json"), []byte(`{"key": "sha`), 0o644)
	if _, ok := s.Get(k); ok {
		t.Error("a torn entry was read as a hit")
	}
	if _, ok := s.Get("not-a-key"); ok {
		t.Error("a malformed key hit")
	}
}

func TestPruneKeepsTheLatestOfEachStep(t *testing.T) {
	s := Open(t.TempDir())
	memo := digest.NewMemo()
	old := time.Now().Add(-48 * time.Hour)
	for _, k := range []string{"v1", "v2"} {
		if err := s.Put(&Entry{Key: key(k), Step: "p/drift", CreatedAt: old}, "", memo); err != nil {
			t.Fatal(err)
		}
	}
	tmp, _ := s.TempDir("train-work-")
	os.Chtimes(tmp, old, old)
	st, err := s.Prune(24*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != 1 {
		t.Errorf("pruned %d entries, want 1 (v1; v2 is the step's latest)", st.Entries)
	}
	if _, ok := s.Get(key("v1")); ok {
		t.Error("v1 survived")
	}
	if _, ok := s.Get(key("v2")); !ok {
		t.Error("the latest entry was pruned")
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Error("an old work directory survived")
	}
}

// Downloads and assembled datasets go when no run used them within the
// age; one used lately stays.
func TestPruneData(t *testing.T) {
	dir := t.TempDir()
	s := Open(dir)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	old, fresh := now.Add(-40*24*time.Hour), now.Add(-time.Hour)
	write := func(rel string, at time.Time) {
		p := filepath.Join(dir, "data", rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("1234"), 0o444); err != nil {
			t.Fatal(err)
		}
		for q := p; q != filepath.Join(dir, "data"); q = filepath.Dir(q) {
			os.Chtimes(q, at, at)
		}
	}
	write("ab/abcd/part-0.parquet", old)
	write("cd/cdef/part-1.parquet", fresh)
	write("assembled/1234.csv", old)
	st, err := s.Prune(30*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	if st.Downloads != 2 || st.Bytes != 8 {
		t.Fatalf("removed %+v, want the old download and the old assembled file", st)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "cd", "cdef", "part-1.parquet")); err != nil {
		t.Fatalf("the fresh download went: %v", err)
	}
}

// Reference profiles go when no drift step used them within the age, as
// do unfinished ones; one used lately stays.
func TestPruneProfiles(t *testing.T) {
	s := Open(t.TempDir())
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	if err := os.MkdirAll(s.ProfilesDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, at := range map[string]time.Time{
		"old.ctprof":         now.Add(-40 * 24 * time.Hour),
		".building-123":      now.Add(-40 * 24 * time.Hour),
		"used-lately.ctprof": now.Add(-time.Hour),
	} {
		p := filepath.Join(s.ProfilesDir(), name)
		if err := os.WriteFile(p, []byte("12345"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, at, at)
	}
	st, err := s.Prune(30*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	if st.Profiles != 2 || st.Bytes != 10 {
		t.Fatalf("removed %+v, want the old profile and the unfinished one", st)
	}
	left, _ := os.ReadDir(s.ProfilesDir())
	if len(left) != 1 || left[0].Name() != "used-lately.ctprof" {
		t.Fatalf("left %v, want only the profile used lately", left)
	}
}
