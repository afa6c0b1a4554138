package config

import (
	"strings"
	"testing"

	"github.com/ctgit/ctgit/internal/pos"
)

func TestCheckBranchesRejectsCollisions(t *testing.T) {
	pipe := func(name, model, branch string, channels ...string) *Pipeline {
		p := &Pipeline{Name: name, Model: Model{Name: model, Pos: pos.Parse(name + ".cue:1:1")}, Promote: Promote{Branch: branch, Pos: pos.Parse(name + ".cue:2:1")},
			fields: fieldPositions{fieldKey("pipelines", name, "promote", "branch"): pos.Parse(name + ".cue:2:3")}}
		for _, c := range channels {
			p.Promote.Channels = append(p.Promote.Channels, Channel{Name: c})
		}
		return p
	}
	for _, tc := range []struct {
		name      string
		pipelines []*Pipeline
		want      string // "" for no diagnostic
	}{
		{"distinct", []*Pipeline{pipe("a", "fraud", ""), pipe("b", "churn", "", "prod")}, ""},
		{"model named like a rollback", []*Pipeline{pipe("a", "fraud", ""), pipe("b", "rollback-fraud", "")},
			`b.cue:1:1: pipelines.b.model.name: promotion branch "ctgit/rollback-fraud" of pipeline b is also the rollback branch "ctgit/rollback-fraud" of pipeline a`},
		{"channel meets a model", []*Pipeline{pipe("a", "x", "", "prod"), pipe("b", "x-prod", "")},
			`promotion branch "ctgit/x-prod" of pipeline b is also the promotion branch of channel prod "ctgit/x-prod" of pipeline a`},
		{"branch under another", []*Pipeline{pipe("a", "x", "release/x"), pipe("b", "y", "release/x/y")},
			`b.cue:2:3: pipelines.b.promote.branch: promotion branch "release/x/y" of pipeline b cannot sit in git next to the promotion branch "release/x" of pipeline a`},
		{"custom branch keeps rollback apart", []*Pipeline{pipe("a", "x", "release/x")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds := checkBranches(tc.pipelines)
			if tc.want == "" {
				if len(ds) != 0 {
					t.Fatalf("unexpected diagnostics: %v", ds)
				}
				return
			}
			if len(ds) != 1 || !strings.Contains(ds[0].String(), tc.want) {
				t.Fatalf("got %v\nwant one containing %q", ds, tc.want)
			}
		})
	}
}

func TestRollbackBranch(t *testing.T) {
	for branch, want := range map[string]string{"": "ctgit/rollback-fraud", "release/fraud": "release/rollback-fraud", "fraud-promo": "rollback-fraud-promo"} {
		p := &Pipeline{Model: Model{Name: "fraud"}, Promote: Promote{Branch: branch}}
		if got := p.RollbackBranch(); got != want {
			t.Errorf("promote.branch %q: rollback branch %q, want %q", branch, got, want)
		}
	}
}
