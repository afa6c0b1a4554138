package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeRepo writes files (slash paths relative to a new root) and returns
// the root.
func writeRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, src := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const targetManifests = `
-- deploy/isvc.yaml --
metadata:
  annotations:
    serving.kserve.io/deploymentMode: RawDeployment
    ctgit.dev/version: 1.4.0
spec:
  predictor:
    containers:
      - name: kserve-container
        image: registry.example/fraud:1.4.0
-- deploy/deployment.json --
{"spec": {"template": {"spec": {"containers": [{"image": "registry.example/fraud:2.0.0"}]}}},
 "metadata": {"annotations": {"ctgit.dev/uri": "s3://m/fraud@sha256:aa"}}}
`

// txtarFiles splits "-- name --" sections into files.
func txtarFiles(s string) map[string]string {
	files := map[string]string{}
	var name string
	for _, line := range strings.SplitAfter(s, "\n") {
		if n, ok := strings.CutPrefix(strings.TrimSpace(line), "-- "); ok && strings.HasSuffix(n, " --") {
			name = strings.TrimSuffix(n, " --")
			files[name] = ""
			continue
		}
		if name != "" {
			files[name] += line
		}
	}
	return files
}

func pipelineWithTarget(name, target string) string {
	return `package pipelines

pipelines: ` + name + `: {
	model: {name: "` + name + `", target: ` + target + `}
	data: {reference: "data/ref.csv", current: "data/cur.csv"}
}
`
}

// TestTargetPaths: list indexes, quoted keys, an image's tag and JSON files
// are targets; a bad one is reported at the target's field in the
// pipeline, and at the line of the manifest for what the manifest lacks.
func TestTargetPaths(t *testing.T) {
	for _, tc := range []struct {
		name, target, want string
	}{
		{"yaml index and tag", `{file: "deploy/isvc.yaml", path: "spec.predictor.containers[0].image:tag"}`, ""},
		{"yaml quoted key", `{file: "deploy/isvc.yaml", path: "metadata.annotations.\"ctgit.dev/version\""}`, ""},
		{"json index and tag", `{file: "deploy/deployment.json", path: "spec.template.spec.containers[0].image:tag", artifact: "metadata.annotations.\"ctgit.dev/uri\""}`, ""},
		{"json missing index", `{file: "deploy/deployment.json", path: "spec.template.spec.containers[1].image"}`,
			`pipelines/p.cue:4:62: pipelines.p.model.target.path: promotion target: deploy/deployment.json:1:47: cannot index spec.template.spec.containers with [1]: the array has 1 items`},
		{"tag on artifact", `{file: "deploy/isvc.yaml", path: "metadata.annotations.\"ctgit.dev/version\"", artifact: "spec.predictor.containers[0].image:tag"}`,
			`pipelines/p.cue:4:118: pipelines.p.model.target.artifact: want a field path: keys joined by dots`},
		{"not a version", `{file: "deploy/isvc.yaml", path: "metadata.annotations.\"serving.kserve.io/deploymentMode\""}`,
			`deploy/isvc.yaml:3:39: pipelines.p.model.target.path: deploy/isvc.yaml metadata.annotations."serving.kserve.io/deploymentMode"`},
		{"bad path syntax", `{file: "deploy/isvc.yaml", path: "spec.containers[x].image"}`, `pipelines/p.cue:4:62: pipelines.p.model.target.path: want a field path, optionally ending in :tag:`},
		{"unsupported file", `{file: "deploy/values.toml", path: "a"}`, `pipelines/p.cue:4:36: pipelines.p.model.target.file: want a .cue, .yaml, .yml or .json file`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := txtarFiles(targetManifests)
			files["pipelines/p.cue"] = pipelineWithTarget("p", tc.target)
			files["data/ref.csv"] = "x\n1\n"
			files["data/cur.csv"] = "x\n2\n"
			files["deploy/values.toml"] = "a = 1\n"
			_, err := Load(writeRepo(t, files), "pipelines")
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load accepted %s", tc.target)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n%v\nwant it to contain\n%s", err, tc.want)
			}
			if testing.Verbose() {
				t.Log(err)
			}
		})
	}
}

// TestTargetTagSharesOwner: an image field and its tag are one field, so
// two targets naming them are two owners of the same bytes.
func TestTargetTagSharesOwner(t *testing.T) {
	files := txtarFiles(targetManifests)
	files["pipelines/a.cue"] = pipelineWithTarget("a", `{file: "deploy/isvc.yaml", path: "spec.predictor.containers[0].image:tag"}`)
	files["pipelines/b.cue"] = pipelineWithTarget("b", `{file: "deploy/isvc.yaml", path: "metadata.annotations.\"ctgit.dev/version\"", artifact: "spec.predictor.containers[0].image"}`)
	files["data/ref.csv"] = "x\n1\n"
	files["data/cur.csv"] = "x\n2\n"
	_, err := Load(writeRepo(t, files), "pipelines")
	if err == nil || !strings.Contains(err.Error(), "is already rewritten by") {
		t.Fatalf("Load: %v; want the second owner refused", err)
	}
}
