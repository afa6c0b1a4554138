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

// TestAffectedByData: a change plans a pipeline when it changes the data
// the pipeline reads: the file itself, anything under a directory or
// matching a glob, and the .dvc file that stands for DVC-tracked data in
// Git; never for data in a store, which no commit changes.
func TestAffectedByData(t *testing.T) {
	for _, tc := range []struct {
		current, changed, want string
	}{
		{"data/current.csv", "data/current.csv", "current data changed: data/current.csv"},
		{"data/current.csv", "data/other.csv", ""},
		{"data/current.csv", "data/current.csv.dvc", "current data: data/current.csv.dvc changed (DVC-tracked data)"},
		{"data/parts", "data/parts/dt=2026-11-29/part-0.parquet", "current data changed: data/parts/dt=2026-11-29/part-0.parquet"},
		{"data/parts/", "data/parts/a.csv", "current data changed: data/parts/a.csv"},
		{"data/parts", "data/partsx/a.csv", ""},
		{"data/parts", "data/parts/b.csv.dvc", "current data: data/parts/b.csv.dvc changed (DVC-tracked data)"},
		{"data/events", "data/events.dvc", "current data: data/events.dvc changed (DVC-tracked data)"},
		{"data/events/part.csv", "data/events.dvc", "current data: data/events.dvc changed (DVC-tracked data)"},
		{"data/events/**/*.csv", "data/events.dvc", "current data: data/events.dvc changed (DVC-tracked data)"},
		{"data/*/part-*.csv", "data/eu/part-1.csv", "current data changed: data/eu/part-1.csv"},
		{"data/*/part-*.csv", "data/eu/part-1.csv.dvc", "current data: data/eu/part-1.csv.dvc changed (DVC-tracked data)"},
		{"data/*/part-*.csv", "data/eu/readme.md", ""},
		{"data/*/part-*.csv", "data/eu/x/part-1.csv", ""},
		{"data/current.csv", "other.dvc", ""},
		{"data/current.csv", ".dvc", ""},
		{"s3://bucket/data/current.csv", "data/current.csv", ""},
		{"s3://bucket/data/", "data/x.csv.dvc", ""},
		{"https://example.com/current.csv", "current.csv", ""},
	} {
		p := &config.Pipeline{Data: config.Data{Reference: "ref/reference.csv", Current: tc.current}}
		if got := affectedBy(p, []string{tc.changed}); got != tc.want {
			t.Errorf("data %s, %s changed: got %q, want %q", tc.current, tc.changed, got, tc.want)
		}
	}
	p := &config.Pipeline{Data: config.Data{Reference: "ref/reference.csv.gz", Current: "data/current.csv"}}
	if got, want := affectedBy(p, []string{"ref/reference.csv.gz.dvc"}), "reference data: ref/reference.csv.gz.dvc changed (DVC-tracked data)"; got != want {
		t.Errorf("reference .dvc changed: got %q, want %q", got, want)
	}
}
