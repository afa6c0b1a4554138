package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/drift"
)

// loadDrift loads a pipeline whose checks are the given CUE.
func loadDrift(t *testing.T, checks string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{
		"deploy/model.cue": "package deploy\n\nmodel: version: \"0.0.0\"\n",
		"pipelines/p.cue": `package pipelines

pipelines: p: {
	model: {name: "m", target: {file: "deploy/model.cue", path: "model.version"}}
	data: {reference: "s3://lake/ref/", current: "s3://lake/cur/"}
	checks: ` + checks + `
	promote: {}
}
`,
	} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Load(dir, "pipelines")
}

// TestLoadDriftMethods: checks.drift.method and a column's drift.method
// take one method or a list; one keeps its old meaning.
func TestLoadDriftMethods(t *testing.T) {
	for _, tc := range []struct {
		checks string
		policy drift.MethodList
		column drift.MethodList
	}{
		{`{drift: {}}`, drift.MethodList{drift.MethodAuto}, nil},
		{`{drift: {method: "ks"}}`, drift.MethodList{drift.MethodKS}, nil},
		{`{drift: {method: ["ks", "chisquare", "psi"]}}`, drift.MethodList{drift.MethodKS, drift.MethodChiSquare, drift.MethodPSI}, nil},
		{`{drift: {method: ["psi"]}, columns: x: {type: "number", drift: method: ["wasserstein", "psi"]}}`,
			drift.MethodList{drift.MethodPSI}, drift.MethodList{drift.MethodWasserstein, drift.MethodPSI}},
	} {
		cfg, err := loadDrift(t, tc.checks)
		if err != nil {
			t.Errorf("%s: %v", tc.checks, err)
			continue
		}
		c := cfg.Pipeline("p").Checks
		if d := cmp.Diff(tc.policy, c.Drift.Method); d != "" {
			t.Errorf("%s: policy methods (-want +got):\n%s", tc.checks, d)
		}
		var col drift.MethodList
		if x, ok := c.Columns["x"]; ok && x.Drift != nil {
			col = x.Drift.Method
		}
		if d := cmp.Diff(tc.column, col); d != "" {
			t.Errorf("%s: column methods (-want +got):\n%s", tc.checks, d)
		}
	}
}

// TestLoadDriftMethodErrors: a bad list is refused at load, at its line.
func TestLoadDriftMethodErrors(t *testing.T) {
	for _, tc := range []struct{ checks, want string }{
		{`{drift: {method: ["ks", "ks"]}}`, "p.cue:6"},
		{`{drift: {method: ["ks", "kss"]}}`, "p.cue:6"},
		{`{drift: {method: []}}`, "p.cue:6"},
		{`{drift: {method: ["ks", "psi"], threshold: 2}}`, "p.cue:6"},
	} {
		_, err := loadDrift(t, tc.checks)
		if err == nil {
			t.Errorf("%s: loaded", tc.checks)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %s; want it at %s", tc.checks, msg, tc.want)
		}
	}
}
