package scaffold

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func repoDir(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func paths() []string {
	var out []string
	for _, f := range Files() {
		out = append(out, f.Path)
	}
	return out
}

// snapshot reads every regular file under dir, by slash path.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFiles(t *testing.T) {
	want := []string{
		".github/workflows/ctgit.yml",
		".gitignore",
		"data/current.csv",
		"data/reference.csv",
		"deploy/model.yaml",
		"pipelines/example.cue",
		"train/train.py",
	}
	if diff := cmp.Diff(want, paths()); diff != "" {
		t.Errorf("starter files (-want +got):\n%s", diff)
	}
	for _, f := range Files() {
		if f.Path == "train/train.py" && f.Mode != 0o755 {
			t.Errorf("train.py mode %v, want 0755", f.Mode)
		}
		if f.Path == ".gitignore" && !bytes.Contains(f.Data, []byte("\n.ctgit/\n")) {
			t.Errorf(".gitignore does not ignore .ctgit/:\n%s", f.Data)
		}
	}
}

// The scaffolded workflow is the example users are told to copy, verbatim.
func TestWorkflowIsTheExample(t *testing.T) {
	example, err := os.ReadFile(filepath.Join(repoDir(t), "examples", "workflows", "ctgit.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Files() {
		if f.Path == WorkflowPath {
			if diff := cmp.Diff(string(example), string(f.Data)); diff != "" {
				t.Errorf("internal/scaffold/files/%s differs from examples/workflows/ctgit.yml; copy it over (-example +scaffold):\n%s", WorkflowPath, diff)
			}
			return
		}
	}
	t.Fatalf("no %s in the scaffold", WorkflowPath)
}

// A release pins every use of the action and the version it installs; a
// development build writes the template as it is and says why.
func TestPin(t *testing.T) {
	var template []byte
	for _, f := range Files() {
		if f.Path == WorkflowPath {
			template = f.Data
		}
	}
	// The template must hold what apply replaces, or pinning would
	// silently do nothing.
	if n := bytes.Count(template, []byte(templateAction)); n < 2 {
		t.Fatalf("the workflow template uses %q %d times; the pin rewrites it", templateAction, n)
	}
	if n := bytes.Count(template, []byte(templateVersion)); n != 1 {
		t.Fatalf("the workflow template sets %q %d times, want once", templateVersion, n)
	}

	dev := PinTo("")
	if dev.Pinned || dev.Note == "" || !bytes.Equal(dev.apply(template), template) {
		t.Errorf("a development build: %+v, and its workflow should be the template", dev)
	}

	dir := t.TempDir()
	pin := PinTo("v1.2.3")
	if !pin.Pinned || pin.Action != "ctgit/ctgit@v1.2.3" || pin.Version != "v1.2.3" || pin.Note != "" {
		t.Errorf("PinTo(v1.2.3) = %+v", pin)
	}
	if _, err := Write(dir, false, pin); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(WorkflowPath)))
	if err != nil {
		t.Fatal(err)
	}
	for _, unpinned := range []string{"ctgit/ctgit@main", "CTGIT_VERSION: latest"} {
		if bytes.Contains(got, []byte(unpinned)) {
			t.Errorf("the pinned workflow still holds %q", unpinned)
		}
	}
	if a, b := bytes.Count(got, []byte("uses: ctgit/ctgit@v1.2.3")), bytes.Count(template, []byte(templateAction)); a != b {
		t.Errorf("%d uses of ctgit/ctgit@v1.2.3, want %d", a, b)
	}
	if !bytes.Contains(got, []byte("\n  CTGIT_VERSION: v1.2.3\n")) {
		t.Errorf("no CTGIT_VERSION: v1.2.3 in the pinned workflow")
	}
	// Nothing else changed.
	back := bytes.ReplaceAll(got, []byte("uses: ctgit/ctgit@v1.2.3"), []byte(templateAction))
	back = bytes.ReplaceAll(back, []byte("CTGIT_VERSION: v1.2.3"), []byte(templateVersion))
	if diff := cmp.Diff(string(template), string(back)); diff != "" {
		t.Errorf("pinning changed more than the two references (-template +pinned):\n%s", diff)
	}
}

func TestWrite(t *testing.T) {
	all := paths()
	for _, tc := range []struct {
		name    string
		before  map[string]string // files present before, by slash path
		force   bool
		written []string
		exists  []string // an *ExistsError with these paths
		errText string   // another error containing this
	}{
		{name: "empty directory", written: all},
		{name: "unrelated files are kept", before: map[string]string{"README.md": "mine", "pipelines/other.cue": "package pipelines\n"}, written: all},
		{
			name:   "one starter file exists",
			before: map[string]string{".gitignore": "node_modules/\n"},
			exists: []string{".gitignore"},
		},
		{
			name:   "several exist: all are named",
			before: map[string]string{"pipelines/example.cue": "x", WorkflowPath: "y"},
			exists: []string{".github/workflows/ctgit.yml", "pipelines/example.cue"},
		},
		{name: "--force overwrites", before: map[string]string{".gitignore": "node_modules/\n"}, force: true, written: all},
		{name: "a directory in a file's place", before: map[string]string{"deploy/model.yaml/x": "x"}, force: true, errText: "deploy/model.yaml is a directory"},
		{name: "a file in a directory's place", before: map[string]string{"train": "x"}, force: true, errText: "train is a file where ctgit init needs a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for p, data := range tc.before {
				path := filepath.Join(dir, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, dir)
			written, err := Write(dir, tc.force, PinTo(""))

			var ee *ExistsError
			switch {
			case tc.exists != nil:
				if !errors.As(err, &ee) || !errors.Is(err, ErrExists) {
					t.Fatalf("want an ExistsError, got %v", err)
				}
				if diff := cmp.Diff(tc.exists, ee.Paths); diff != "" {
					t.Errorf("existing paths (-want +got):\n%s", diff)
				}
			case tc.errText != "":
				if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.errText)) {
					t.Fatalf("want an error containing %q, got %v", tc.errText, err)
				}
			case err != nil:
				t.Fatal(err)
			}
			if err != nil {
				// Nothing was written: the directory is as it was.
				if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
					t.Errorf("files changed although Write failed (-before +after):\n%s", diff)
				}
				return
			}
			if diff := cmp.Diff(tc.written, written); diff != "" {
				t.Errorf("written (-want +got):\n%s", diff)
			}
			after := snapshot(t, dir)
			for _, f := range Files() {
				if after[f.Path] != string(f.Data) {
					t.Errorf("%s does not hold the starter content", f.Path)
				}
				st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Path)))
				if err != nil || st.Mode().Perm() != f.Mode {
					t.Errorf("%s: mode %v (err %v), want %v", f.Path, st.Mode().Perm(), err, f.Mode)
				}
			}
			for p, data := range tc.before {
				if !tc.force && after[p] != data {
					t.Errorf("%s was changed", p)
				}
			}
		})
	}
}
