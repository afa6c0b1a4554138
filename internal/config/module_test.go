package config

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/cuetest"
	"github.com/ctgit/ctgit/internal/scaffold"
	"github.com/ctgit/ctgit/schema"
)

// moduleRepo writes the starter repository of `ctgit init --cue-module`
// (its example pipeline imports the vendored schema module) plus extra.
func moduleRepo(t *testing.T, extra map[string]string) string {
	t.Helper()
	files := map[string]string{}
	for _, f := range scaffold.ModuleFiles("v0.0.0-test") {
		files[f.Path] = string(f.Data)
	}
	for p, src := range extra {
		files[p] = src
	}
	return writeRepo(t, files)
}

// cueVet runs the real cue vet over the repository's pipelines, offline,
// and returns its errors as path → the positions it lists.
func cueVet(t *testing.T, cue, root string) (map[string][]string, bool) {
	t.Helper()
	cmd := exec.Command(cue, "vet", "-c", "./pipelines/...")
	cmd.Dir = root
	// No registry: the import must resolve from cue.mod/pkg alone.
	cmd.Env = append(os.Environ(), "CUE_REGISTRY=none", "CUE_CACHE_DIR="+t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("cue vet: %v", err)
	}
	t.Logf("cue vet:\n%s", out.String())
	errs := map[string][]string{}
	var cur string
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	for sc.Scan() {
		line := sc.Text()
		if pos, ok := strings.CutPrefix(line, "    "); ok && cur != "" {
			errs[cur] = append(errs[cur], strings.TrimPrefix(pos, "./"))
			continue
		}
		cur, _, _ = strings.Cut(line, ": ")
		errs[cur] = errs[cur][:0:0]
	}
	if err == nil && len(errs) > 0 {
		t.Fatalf("cue vet exited 0 and printed:\n%s", out.String())
	}
	return errs, err == nil
}

// TestCueVetMatchesVet is the CUE module's promise: in a repository set up
// by ctgit init --cue-module, cue vet ./pipelines/... (the cue command at
// the version ctgit pins, offline) finds the same schema errors as ctgit
// vet, at the same fields, and accepts what ctgit accepts.
func TestCueVetMatchesVet(t *testing.T) {
	cue := cuetest.Binary(t)
	if out, err := exec.Command(cue, "version").Output(); err != nil || !strings.Contains(string(out), "language version "+schema.LanguageVersion()) {
		t.Fatalf("cue version: %v\n%s\nwant language version %s", err, out, schema.LanguageVersion())
	}
	for _, tc := range []struct {
		name, src string
	}{
		{"valid as written", ""},
		{"several errors", `
pipelines: bad: {
	model: {name: "Bad", target: {file: "deploy/model.yaml", path: "a..b"}}
	data: {reference: "data/reference.csv", current: "data/current.csv"}
	trigger: schedule: 5
	evaluate: gates: [{metric: "auc", min: "high"}]
	train: {image: "python:3.12", command: ["true"], timeout: "ten minutes"}
}
`},
		{"unknown field", `
pipelines: typo: {
	model: {name: "typo", target: {file: "deploy/model.yaml", path: "spec.containers[0].image:tag"}}
	data: {reference: "data/reference.csv", current: "data/current.csv"}
	tiemout: "1h"
}
`},
		{"target file and artifact", `
pipelines: tgt: {
	model: {name: "tgt", target: {file: "deploy/model.toml", path: "a", artifact: "b:tag"}}
	data: {reference: "data/reference.csv", current: "data/current.csv"}
}
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			extra := map[string]string{}
			if tc.src != "" {
				extra["pipelines/bad.cue"] = "package pipelines\n" + tc.src
			}
			root := moduleRepo(t, extra)
			cueErrs, cueOK := cueVet(t, cue, root)

			_, err := Load(root, "pipelines")
			var ds Diagnostics
			if err != nil {
				var ok bool
				if ds, ok = err.(Diagnostics); !ok {
					t.Fatalf("Load: %v", err)
				}
			}
			if cueOK != (len(ds) == 0) {
				t.Fatalf("cue vet ok=%v, ctgit vet found %d problem(s):\n%v", cueOK, len(ds), err)
			}
			if tc.src == "" {
				return
			}
			var vetPaths, cuePaths []string
			for _, d := range ds {
				vetPaths = append(vetPaths, d.Path)
				// ctgit names the user's line; cue lists it among its
				// positions.
				if at := d.Position(); !slices.Contains(cueErrs[d.Path], at) {
					t.Errorf("%s: ctgit vet at %s, cue vet at %v", d.Path, at, cueErrs[d.Path])
				}
			}
			for p := range cueErrs {
				cuePaths = append(cuePaths, p)
			}
			sort.Strings(vetPaths)
			sort.Strings(cuePaths)
			if diff := cmp.Diff(cuePaths, vetPaths); diff != "" {
				t.Errorf("fields with errors, cue vet (-) vs ctgit vet (+):\n%s\nctgit vet:\n%v", diff, err)
			}
		})
	}
}

// TestVendoredSchema: no warning for the copy init wrote, nor for one that
// was reformatted; a copy of another schema is named with the fix; a copy
// without its marker cannot be vouched for.
func TestVendoredSchema(t *testing.T) {
	marker := filepath.Join(schema.VendorDir, schema.MarkerFile)
	root := moduleRepo(t, nil)
	pipelines := filepath.Join(root, "pipelines")
	if ds := VendoredSchema(root, pipelines); len(ds) != 0 {
		t.Errorf("fresh copy: %v", ds)
	}
	copyPath := filepath.Join(root, filepath.FromSlash(schema.VendorDir), "pipeline.cue")
	src, _ := os.ReadFile(copyPath)
	if err := os.WriteFile(copyPath, bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if ds := VendoredSchema(root, pipelines); len(ds) != 0 {
		t.Errorf("copy with CRLF line endings: %v", ds)
	}

	other := schema.Marker("v0.0.1", "sha256:0123456789abcdef0123")
	if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(marker)), []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	ds := VendoredSchema(root, pipelines)
	want := regexp.MustCompile(`^cue\.mod/pkg/github\.com/ctgit/ctgit/schema/ctgit_vendored\.cue:9:2: the vendored schema is ctgit v0\.0\.1's \(sha256:0123456789ab\), not this ctgit's \(.+, sha256:[0-9a-f]{12}\): cue vet and editors check the pipelines against the vendored one, ctgit vet against both; run ` + "`ctgit schema --module .`" + ` to replace it with this ctgit's$`)
	if len(ds) != 1 || !want.MatchString(ds[0].String()) {
		t.Errorf("other schema: %v", ds)
	}

	if err := os.Remove(filepath.Join(root, filepath.FromSlash(marker))); err != nil {
		t.Fatal(err)
	}
	ds = VendoredSchema(root, pipelines)
	if len(ds) != 1 || !strings.Contains(ds[0].String(), "has no ctgit_vendored.cue, so ctgit cannot tell which schema it is") {
		t.Errorf("no marker: %v", ds)
	}

	// Without a vendored copy (ctgit's default, no import) nothing to say.
	plain := writeRepo(t, map[string]string{"pipelines/p.cue": "package pipelines\n"})
	if ds := VendoredSchema(plain, filepath.Join(plain, "pipelines")); len(ds) != 0 {
		t.Errorf("no module: %v", ds)
	}
}
