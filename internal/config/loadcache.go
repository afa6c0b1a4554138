package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strings"

	"cuelang.org/go/cue/parser"

	"github.com/ctgit/ctgit/schema"
)

// The load cache keeps what the CUE evaluation of a pipelines directory
// yielded (settings, decoded pipelines, the position of every declared
// field), so that loading an unchanged directory again skips CUE: with
// 1,000 pipelines, evaluation is most of a plan's time.
//
// An entry is used only when everything the evaluation read is unchanged:
// the key digests every .cue file of the directory and of the parent
// directories a CUE package may take files from, the module file, the
// embedded schema, the ctgit executable (its path, size and modification
// time: a rebuilt ctgit evaluates afresh) and the CUE environment. A
// directory whose CUE could read anything else (an import from outside
// CUE's standard library, an embedded file) is never cached. Only a load
// that succeeded is kept, and ctgit's own checks, which read other files
// (targets, data), run on every load. An entry that is unreadable, does
// not verify against its checksum or was made for another key is ignored
// and replaced: the cache only saves work, so failing to use or keep it
// is never an error.

// loadCacheVersion changes whenever what an entry holds changes.
const loadCacheVersion = "ctgit load cache 1"

// loadCache is the cache entry of one pipelines directory; the zero value
// (no path) caches nothing.
type loadCache struct {
	path string // the entry's file
	key  string // hex digest of everything the evaluation read
}

// loadEntry is what an entry file holds, after its checksum line.
type loadEntry struct {
	Key       string
	Settings  Settings
	Pipelines []*Pipeline
	Fields    map[string]Pos
}

// loadCacheDir is where entries are kept: ctgit/config under the user's
// cache directory ($XDG_CACHE_HOME, else ~/.cache).
func loadCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "ctgit", "config")
}

// openLoadCache returns the cache entry for loading absDir, whose .cue files
// are files, within root; the zero loadCache when the directory cannot be
// cached.
func openLoadCache(root, absDir string, files []string) loadCache {
	dir := loadCacheDir()
	if dir == "" {
		return loadCache{}
	}
	exe, err := os.Executable()
	if err != nil {
		return loadCache{}
	}
	st, err := os.Stat(exe)
	if err != nil {
		return loadCache{}
	}
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s\n", len(s), s) }
	field(loadCacheVersion)
	field(fmt.Sprintf("%s %d %d", exe, st.Size(), st.ModTime().UnixNano()))
	field(schema.Source)
	field(root)
	field(absDir)
	field(os.Getenv("CUE_EXPERIMENT"))
	field(os.Getenv("CUE_DEBUG"))
	for _, f := range files {
		if !digestCUEFile(h, f) {
			return loadCache{}
		}
	}
	// A package also takes the files of its own package name from the
	// directories above it, up to the module root.
	modRoot := moduleRoot(absDir)
	stop := modRoot
	if stop == "" {
		stop = root
	}
	if rel, err := filepath.Rel(stop, absDir); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		for d := filepath.Dir(absDir); ; d = filepath.Dir(d) {
			entries, err := os.ReadDir(d)
			if err != nil {
				return loadCache{}
			}
			for _, e := range entries {
				if !e.IsDir() && strings.HasSuffix(e.Name(), ".cue") && !digestCUEFile(h, filepath.Join(d, e.Name())) {
					return loadCache{}
				}
			}
			if d == stop || d == filepath.Dir(d) {
				break
			}
		}
	}
	if modRoot != "" {
		field("module")
		b, err := os.ReadFile(filepath.Join(modRoot, "cue.mod", "module.cue"))
		if err != nil && !os.IsNotExist(err) {
			return loadCache{}
		}
		field(string(b))
	}
	name := sha256.Sum256([]byte(root + "\x00" + absDir))
	return loadCache{
		path: filepath.Join(dir, hex.EncodeToString(name[:16])+".entry"),
		key:  hex.EncodeToString(h.Sum(nil)),
	}
}

// digestCUEFile adds a .cue file's name and contents to h; false when it
// cannot be read or may read something outside the files digested.
func digestCUEFile(h hash.Hash, name string) bool {
	b, err := os.ReadFile(name)
	if err != nil || bytes.Contains(b, []byte("@embed")) || bytes.Contains(b, []byte("@extern")) {
		return false
	}
	if bytes.Contains(b, []byte("import")) {
		f, err := parser.ParseFile(name, b, parser.ImportsOnly)
		if err != nil {
			return false
		}
		for spec := range f.ImportSpecs() {
			path := strings.Trim(spec.Path.Value, "\"")
			// CUE's standard library has no dot in its first element.
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") || strings.ContainsAny(spec.Path.Value, "`#") {
				return false
			}
		}
	}
	fmt.Fprintf(h, "%d:%s\n%d:", len(name), name, len(b))
	h.Write(b)
	return true
}

// moduleRoot is the nearest directory at or above dir holding cue.mod, or "".
func moduleRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, "cue.mod")); err == nil && st.IsDir() {
			return d
		}
		if d == filepath.Dir(d) {
			return ""
		}
	}
}

// read returns the configuration kept for the key, with its field
// positions, or nil.
func (c loadCache) read() *Config {
	if c.path == "" {
		return nil
	}
	b, err := os.ReadFile(c.path)
	if err != nil {
		return nil
	}
	sum, body, ok := bytes.Cut(b, []byte("\n"))
	if !ok {
		return nil
	}
	got := sha256.Sum256(body)
	if string(sum) != hex.EncodeToString(got[:]) {
		return nil
	}
	var e loadEntry
	if unmarshalCached(body, &e) != nil || e.Key != c.key {
		return nil
	}
	for _, p := range e.Pipelines {
		if p == nil {
			return nil
		}
	}
	if e.Fields == nil {
		e.Fields = map[string]Pos{}
	}
	return &Config{Settings: e.Settings, Pipelines: e.Pipelines, fields: e.Fields}
}

// encode returns the entry for cfg, as evaluated and located but not yet
// checked; nil when nothing is to be kept.
func (c loadCache) encode(cfg *Config) []byte {
	if c.path == "" || os.MkdirAll(filepath.Dir(c.path), 0o700) != nil {
		return nil
	}
	body, err := marshalCached(&loadEntry{Key: c.key, Settings: cfg.Settings, Pipelines: cfg.Pipelines, Fields: cfg.fields})
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(body)
	return append([]byte(hex.EncodeToString(sum[:])+"\n"), body...)
}

// write keeps an entry encode made, replacing the file whole.
func (c loadCache) write(entry []byte) {
	if c.path == "" || entry == nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(c.path), ".entry-*")
	if err != nil {
		return
	}
	_, werr := f.Write(entry)
	if cerr := f.Close(); werr != nil || cerr != nil || os.Rename(f.Name(), c.path) != nil {
		_ = os.Remove(f.Name())
	}
}
