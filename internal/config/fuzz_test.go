package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ctgit/ctgit/internal/fault"
)

// FuzzLoad feeds arbitrary CUE to the loader as a pipelines file of a
// repository that has the quickstart's data and target. Whatever the input,
// Load must not panic, and a rejection must be located bad input (exit 2).
func FuzzLoad(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("..", "..", "examples", "quickstart", "pipelines", "fraud.cue"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(seed))
	f.Add("package pipelines\npipelines: x: {\n")
	f.Add("package pipelines\npipelines: a: model: name: \"a\"\n")
	f.Add("package pipelines\nsettings: forge: \"github\"\npipelines: {}\n")
	f.Add("package pipelines\npipelines: p: {model: {name: \"p\", target: {file: \"../x.cue\", path: \"a\"}}, data: {reference: \"/a\", current: \"b\"}}\n")

	root := f.TempDir()
	for name, content := range map[string]string{
		"data/reference.csv": "a\n1\n",
		"data/current.csv":   "a\n2\n",
		"deploy/model.cue":   "model: version: \"1.0.0\"\n",
	} {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
	}
	os.MkdirAll(filepath.Join(root, "train"), 0o755)

	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "p.cue"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(root, dir)
		if err == nil {
			if len(cfg.Pipelines) == 0 {
				t.Fatal("valid config without pipelines")
			}
			return
		}
		var ds Diagnostics
		if !errors.As(err, &ds) || len(ds) == 0 {
			t.Fatalf("rejection is not a list of diagnostics: %T %v", err, err)
		}
		if fault.KindOf(err) != fault.BadInput {
			t.Fatalf("exit code %d for bad input", fault.KindOf(err))
		}
		for _, d := range ds {
			if d.Message == "" {
				t.Fatalf("empty message in %v", ds)
			}
		}
	})
}
