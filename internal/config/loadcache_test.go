package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMain keeps the load cache of every test in this package out of the
// user's cache directory.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ctgit-config-test-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// loadThrice loads dir under root with the cache off, then filling it,
// then from it, and fails unless the three configurations are identical
// and the third came from the cache.
func loadThrice(t *testing.T, root, dir string) *Config {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	if loadCacheDir() != "" {
		t.Skip("no way to turn the user cache directory off here")
	}
	off, err := Load(root, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	fill, err := Load(root, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !cacheHolds(t, root, dir) {
		t.Fatal("a successful load left no usable cache entry")
	}
	hit, err := Load(root, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(off, fill) {
		t.Fatal("filling the cache changed the configuration")
	}
	if !reflect.DeepEqual(off, hit) {
		t.Fatalf("the cached configuration differs (-evaluated +cached):\n%s", cmp.Diff(off, hit, cmp.Exporter(func(reflect.Type) bool { return true })))
	}
	return hit
}

// cacheHolds reports whether the cache has a usable entry for dir now.
func cacheHolds(t *testing.T, root, dir string) bool {
	t.Helper()
	root, _ = filepath.Abs(root)
	absDir := filepath.Join(root, dir)
	files, err := cueFiles(absDir)
	if err != nil {
		t.Fatal(err)
	}
	return openLoadCache(root, absDir, files).read() != nil
}

func TestLoadCacheIdentical(t *testing.T) {
	for _, ex := range []string{"quickstart", "lakehouse", "multi-model", "pytorch-gpu"} {
		t.Run(ex, func(t *testing.T) { loadThrice(t, filepath.Join("..", "..", "examples", ex), "pipelines") })
	}
	t.Run("generated", func(t *testing.T) { loadThrice(t, writeGenerated(t, 5), "pipelines") })
}

// writeGenerated writes a repository of n pipelines in one package, with
// settings in a file of their own.
func writeGenerated(t *testing.T, n int) string {
	t.Helper()
	root := t.TempDir()
	write := func(name, s string) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var models strings.Builder
	models.WriteString("package deploy\n\nmodels: {\n")
	write("pipelines/settings.cue", "package pipelines\n\nsettings: github: repository: \"acme/models\"\n")
	for i := range n {
		name := string(rune('a'+i)) + "model"
		models.WriteString("\t" + name + ": version: \"1.0.0\"\n")
		write("data/"+name+"/reference.csv", "a,label\n1,0\n")
		write("data/"+name+"/current.csv", "a,label\n1,0\n")
		write("pipelines/"+name+".cue", `package pipelines

import "strings"

pipelines: `+name+`: {
	model: {name: strings.ToLower("`+name+`"), target: {file: "deploy/models.cue", path: "models.`+name+`.version"}}
	data: {reference: "data/`+name+`/reference.csv", current: "data/`+name+`/current.csv"}
	checks: {
		minRows: 1
		columns: a: {type: "number", min: -10, max: 10}
		drift: {method: "auto", share: 0.5}
	}
	train: {image: "python:3.12-slim", code: "train", command: ["python3", "train.py"], timeout: "30m"}
	evaluate: gates: [{metric: "auc", min: 0.7}]
	promote: {bump: "patch", labels: ["model-promotion"]}
	trigger: maxRetrains: {count: 3, window: "7d"}
}
`)
	}
	models.WriteString("}\n")
	write("train/train.py", "print('train')\n")
	write("deploy/models.cue", models.String())
	return root
}

// TestLoadCacheNeverTrusted: an entry that is corrupt, made for other
// files, or made before a file changed is not used, and is replaced.
func TestLoadCacheNeverTrusted(t *testing.T) {
	root := writeGenerated(t, 2)
	loadThrice(t, root, "pipelines")
	entry := func() string {
		abs, _ := filepath.Abs(root)
		files, _ := cueFiles(filepath.Join(abs, "pipelines"))
		return openLoadCache(abs, filepath.Join(abs, "pipelines"), files).path
	}
	good, err := os.ReadFile(entry())
	if err != nil {
		t.Fatal(err)
	}
	body := good[bytes.IndexByte(good, '\n')+1:]
	checksummed := func(body []byte) []byte {
		sum := sha256.Sum256(body)
		return append([]byte(hex.EncodeToString(sum[:])+"\n"), body...)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)-5] ^= 0xff
	cfg, err := Load(root, "pipelines")
	if err != nil {
		t.Fatal(err)
	}
	other := loadCache{path: entry(), key: strings.Repeat("0", 64)}.encode(cfg)
	for name, bad := range map[string][]byte{
		"truncated":              good[:len(good)/2],
		"flipped":                flipped,
		"empty":                  nil,
		"not an entry":           []byte("0000\n{"),
		"checksummed, truncated": checksummed(body[:len(body)-3]),
		"checksummed, longer":    checksummed(append(bytes.Clone(body), 0)),
		"other key":              other,
	} {
		if err := os.WriteFile(entry(), bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if cacheHolds(t, root, "pipelines") {
			t.Fatalf("%s: a bad entry was taken", name)
		}
		cfg, err = Load(root, "pipelines")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := cfg.Pipelines[0].Checks.MinRows; got != 1 {
			t.Fatalf("%s: minRows %d, want 1", name, got)
		}
		if !cacheHolds(t, root, "pipelines") {
			t.Fatalf("%s: the bad entry was not replaced", name)
		}
	}

	// Whatever a checksummed entry holds, reading it fails or gives a
	// configuration; it never panics.
	for n := 0; n < len(body); n += 1 + len(body)/200 {
		for _, b := range [][]byte{body[:n], append(append(bytes.Clone(body[:n]), 0xff), body[n+1:]...)} {
			if err := os.WriteFile(entry(), checksummed(b), 0o600); err != nil {
				t.Fatal(err)
			}
			cacheHolds(t, root, "pipelines")
		}
	}

	// A changed file: the new value, not the kept one.
	p := filepath.Join(root, "pipelines", "amodel.cue")
	src, _ := os.ReadFile(p)
	if err := os.WriteFile(p, []byte(strings.Replace(string(src), "minRows: 1", "minRows: 2", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if cfg, err = Load(root, "pipelines"); err != nil {
		t.Fatal(err)
	}
	if got := cfg.Pipeline("amodel").Checks.MinRows; got != 2 {
		t.Fatalf("after an edit, minRows %d, want 2", got)
	}
	// A new file of the package, adding to a pipeline of another file.
	if err := os.WriteFile(filepath.Join(root, "pipelines", "more.cue"), []byte("package pipelines\n\npipelines: amodel: description: \"more\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if cfg, err = Load(root, "pipelines"); err != nil {
		t.Fatal(err)
	}
	if got := cfg.Pipeline("amodel"); got == nil || got.Description != "more" {
		t.Fatalf("after a new file, pipeline amodel is %+v", got)
	}
}

// TestLoadCacheNotForImports: a package importing from outside CUE's
// standard library is evaluated every time.
func TestLoadCacheNotForImports(t *testing.T) {
	root := writeGenerated(t, 1)
	p := filepath.Join(root, "pipelines", "amodel.cue")
	src, _ := os.ReadFile(p)
	if err := os.WriteFile(p, []byte(strings.Replace(string(src), `import "strings"`, "import (\n\t\"strings\"\n\t\"example.com/x\"\n)", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(root)
	files, _ := cueFiles(filepath.Join(abs, "pipelines"))
	if lc := openLoadCache(abs, filepath.Join(abs, "pipelines"), files); lc.path != "" {
		t.Fatal("a package importing example.com/x is cached")
	}
}
