package plan

import (
	"testing"

	"github.com/ctgit/ctgit/internal/config"
)

// TestAffectedByTriggerPaths: a change matching trigger.paths plans the
// pipeline, with GitHub's semantics and exclusions taken in order.
func TestAffectedByTriggerPaths(t *testing.T) {
	for _, tc := range []struct {
		globs   []string
		changed string
		want    string
	}{
		{[]string{"data/*/raw/**"}, "data/eu/raw/2026/x.csv", `data/eu/raw/2026/x.csv matches trigger.paths "data/*/raw/**"`},
		{[]string{"**.sql"}, "db/q/a.sql", `db/q/a.sql matches trigger.paths "**.sql"`},
		{[]string{"features/**", "!features/**.md"}, "features/a/README.md", ""},
		{[]string{"features/**", "!features/**.md", "features/keep.md"}, "features/keep.md", `features/keep.md matches trigger.paths "features/keep.md"`},
		{[]string{"data/*/raw/**"}, "data/raw/x.csv", ""},
	} {
		p := &config.Pipeline{Trigger: config.Trigger{Paths: tc.globs}}
		if got := affectedBy(p, []string{tc.changed}); got != tc.want {
			t.Errorf("%q changed %s: got %q, want %q", tc.globs, tc.changed, got, tc.want)
		}
	}
}
