package monitor

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/golden"
)

// TestRulesFromTheExample: the multi-model example's SLIs become alerting
// rules promtool accepts, one per watched SLI on prod's version and one
// per SLI of prod's canary analysis on staging's version against prod's.
func TestRulesFromTheExample(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "..", "examples", "multi-model"), "pipelines")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Rules(cfg, func(p *config.Pipeline, channel string) (string, error) {
		if channel == "prod" {
			return "1.4.0", nil
		}
		return "1.5.0", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "multi-model.rules.yml"), b)
	out := string(b)
	for _, want := range []string{
		`expr: (avg(churn_live_auc{model="churn-eu", version="1.4.0"})) < 0.75`,
		`((avg(churn_live_auc{model="churn-eu", version="1.5.0"})) - (avg(churn_live_auc{model="churn-eu", version="1.4.0"}))) < -0.02`,
		`for: 1800s`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rules lack %q", want)
		}
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("promtool is not installed (.ci/run installs Debian's prometheus): %v", err)
		}
		t.Skipf("promtool is not installed (apt-get install prometheus): %v", err)
	}
	path := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}
