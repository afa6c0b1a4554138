// Package cache is ctgit's step cache: results and outputs of steps, keyed by
// the content keys of the plan, so that a rerun with nothing changed executes
// nothing.
//
// Layout under the cache directory (default .ctgit/cache):
//
//	entries/<hex>.json      one entry per key: the step's key parts, result, outputs digest
//	outputs/<hex>/          the files the step produced (model, metrics)
//	last/<pipeline>.<step>  the key of the step's latest entry, to explain what changed
//	tmp/                    work directories, renamed into outputs/ when complete
//
// An entry is the commit point: outputs are renamed into place first, then
// the entry is written atomically. A process killed at any moment leaves
// either no entry or a complete one whose outputs exist; a corrupt or
// incomplete entry is treated as a miss, never read as a result.
package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/dataset"
	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/version"
)

// Entry is one cached step result.
type Entry struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Key is the step's content key ("sha256:…").
	Key string `json:"key"`
	// Step is the step's ID, "<pipeline>/<step>".
	Step string `json:"step"`
	// Parts are the key's components, kept to explain the next change.
	Parts json.RawMessage `json:"parts,omitempty"`
	// Result is the step's result in the step's own JSON shape.
	Result    json.RawMessage `json:"result,omitempty"`
	CreatedAt time.Time       `json:"createdAt"`
	// Outputs is the digest of the outputs directory ("" when none).
	Outputs string `json:"outputs,omitempty"`
	// Manifests lists, by input role, the objects of each dataset of many
	// parts the step read, so that the next plan can say which arrived.
	Manifests map[string][]dataset.Object `json:"manifests,omitempty"`
}

// Store is a step cache in a directory.
type Store struct{ dir string }

// Open returns the cache in dir, which is created on first write.
func Open(dir string) *Store { return &Store{dir: dir} }

// Dir returns the cache directory.
func (s *Store) Dir() string { return s.dir }

func hexOf(key string) (string, error) {
	h := strings.TrimPrefix(key, digest.Prefix)
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return "", fmt.Errorf("not a step key: %q", key)
	}
	return h, nil
}

// ProfilesDir is where drift keeps reference profiles (see
// drift.CompareWithProfile); Prune removes those unused within its age.
func (s *Store) ProfilesDir() string { return filepath.Join(s.dir, "profiles") }

func (s *Store) entryPath(h string) string   { return filepath.Join(s.dir, "entries", h+".json") }
func (s *Store) outputsPath(h string) string { return filepath.Join(s.dir, "outputs", h) }
func (s *Store) lastPath(step string) string {
	return filepath.Join(s.dir, "last", strings.ReplaceAll(step, "/", "."))
}

// Get returns the entry for key, or false when there is none or it cannot
// be trusted (unparseable, for another key, outputs missing).
func (s *Store) Get(key string) (*Entry, bool) {
	h, err := hexOf(key)
	if err != nil {
		return nil, false
	}
	b, err := os.ReadFile(s.entryPath(h))
	if err != nil {
		return nil, false
	}
	var e Entry
	if json.Unmarshal(b, &e) != nil || e.Key != key || e.Kind != "CacheEntry" {
		return nil, false
	}
	if e.Outputs != "" {
		if st, err := os.Stat(s.outputsPath(h)); err != nil || !st.IsDir() {
			return nil, false
		}
	}
	return &e, true
}

// Last returns the latest entry written for a step ID.
func (s *Store) Last(step string) (*Entry, bool) {
	b, err := os.ReadFile(s.lastPath(step))
	if err != nil {
		return nil, false
	}
	return s.Get(strings.TrimSpace(string(b)))
}

// OutputsDir returns the directory holding an entry's outputs, after
// checking that its content still has the digest recorded when it was
// stored; a changed or damaged directory is an error, never used.
func (s *Store) OutputsDir(e *Entry, memo *digest.Memo) (string, error) {
	h, err := hexOf(e.Key)
	if err != nil || e.Outputs == "" {
		return "", fmt.Errorf("entry %s has no outputs", e.Key)
	}
	dir := s.outputsPath(h)
	got, err := memo.Dir(dir)
	if err != nil {
		return "", fmt.Errorf("reading cached outputs of %s: %w", e.Step, err)
	}
	if got != e.Outputs {
		return "", fmt.Errorf("cached outputs of %s were modified (%s, recorded %s)", e.Step, digest.Short(got), digest.Short(e.Outputs))
	}
	return dir, nil
}

// TempDir makes a fresh work directory inside the cache, on the same
// filesystem as outputs/, so Put can rename it into place.
func (s *Store) TempDir(pattern string) (string, error) {
	tmp := filepath.Join(s.dir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(tmp, pattern)
}

// Put stores e. When outputs is not "", that directory (made with TempDir)
// is moved into the cache and its digest recorded. The entry is written
// last, atomically, so it never refers to outputs that are not complete.
func (s *Store) Put(e *Entry, outputs string, memo *digest.Memo) error {
	h, err := hexOf(e.Key)
	if err != nil {
		return err
	}
	e.APIVersion, e.Kind = version.APIVersion, "CacheEntry"
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	if outputs != "" {
		if e.Outputs, err = memo.Dir(outputs); err != nil {
			return fmt.Errorf("hashing outputs of %s: %w", e.Step, err)
		}
		dst := s.outputsPath(h)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		// A previous run may have left the same outputs (a crash between
		// rename and entry): replace them, they are for the same key.
		if err := os.RemoveAll(dst); err != nil {
			return err
		}
		if err := os.Rename(outputs, dst); err != nil {
			return fmt.Errorf("storing outputs of %s: %w", e.Step, err)
		}
		if err := fsutil.SyncDir(filepath.Dir(dst)); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(s.entryPath(h), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(s.lastPath(e.Step), []byte(e.Key+"\n"), 0o644)
}

// PruneStats says what Prune removed.
type PruneStats struct {
	Entries int
	// Downloads counts the downloaded data objects and assembled
	// datasets removed from data/.
	Downloads int
	// Profiles counts the reference profiles removed from profiles/.
	Profiles int
	Bytes    int64
}

// Prune removes entries older than age, their outputs, and work
// directories left by killed runs. The latest entry of each step is kept
// whatever its age, so the next plan can still explain what changed.
func (s *Store) Prune(age time.Duration, now time.Time) (PruneStats, error) {
	var st PruneStats
	keep := map[string]bool{}
	lasts, _ := os.ReadDir(filepath.Join(s.dir, "last"))
	for _, l := range lasts {
		if b, err := os.ReadFile(filepath.Join(s.dir, "last", l.Name())); err == nil {
			keep[strings.TrimSpace(string(b))] = true
		}
	}
	entries, err := os.ReadDir(filepath.Join(s.dir, "entries"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return st, err
	}
	for _, de := range entries {
		name := de.Name()
		path := filepath.Join(s.dir, "entries", name)
		h := strings.TrimSuffix(name, ".json")
		var e Entry
		b, err := os.ReadFile(path)
		valid := err == nil && json.Unmarshal(b, &e) == nil && e.Key == digest.Prefix+h
		if valid && (keep[e.Key] || now.Sub(e.CreatedAt) < age) {
			continue
		}
		// Remove the entry first: outputs without an entry are never read.
		info, _ := de.Info()
		if err := os.Remove(path); err != nil {
			return st, err
		}
		st.Entries++
		if info != nil {
			st.Bytes += info.Size()
		}
		st.Bytes += dirSize(s.outputsPath(h))
		if err := os.RemoveAll(s.outputsPath(h)); err != nil {
			return st, err
		}
	}
	// Work directories and temp files of killed runs.
	tmp := filepath.Join(s.dir, "tmp")
	if items, err := os.ReadDir(tmp); err == nil {
		for _, it := range items {
			if info, err := it.Info(); err == nil && now.Sub(info.ModTime()) >= age {
				p := filepath.Join(tmp, it.Name())
				st.Bytes += dirSize(p)
				os.RemoveAll(p)
			}
		}
	}
	if err := s.pruneProfiles(age, now, &st); err != nil {
		return st, err
	}
	return st, s.pruneData(age, now, &st)
}

// pruneProfiles removes the reference profiles (profiles/) that no drift
// step used within age: a use touches its profile. Unfinished ones that a
// killed run left go by the same age.
func (s *Store) pruneProfiles(age time.Duration, now time.Time, st *PruneStats) error {
	items, err := os.ReadDir(s.ProfilesDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, it := range items {
		info, err := it.Info()
		if err != nil || !info.Mode().IsRegular() || now.Sub(info.ModTime()) < age {
			continue
		}
		if err := os.Remove(filepath.Join(s.ProfilesDir(), it.Name())); err != nil {
			return err
		}
		st.Profiles++
		st.Bytes += info.Size()
	}
	return nil
}

// pruneData removes downloads (data/<xx>/<entry>/) and assembled datasets
// (data/assembled/) that no run used within age: a use touches them.
func (s *Store) pruneData(age time.Duration, now time.Time, st *PruneStats) error {
	data := filepath.Join(s.dir, "data")
	shards, err := os.ReadDir(data)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, sh := range shards {
		dir := filepath.Join(data, sh.Name())
		items, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, it := range items {
			p := filepath.Join(dir, it.Name())
			if newestUse(p).After(now.Add(-age)) {
				continue
			}
			st.Bytes += dirSize(p)
			if err := os.RemoveAll(p); err != nil {
				return err
			}
			st.Downloads++
		}
	}
	return nil
}

// newestUse is the latest modification time of path or anything in it.
func newestUse(path string) time.Time {
	var t time.Time
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil {
			if info, err := d.Info(); err == nil && info.ModTime().After(t) {
				t = info.ModTime()
			}
		}
		return nil
	})
	return t
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
