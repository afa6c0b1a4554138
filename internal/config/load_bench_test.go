package config

import (
	"os"
	"testing"
)

// BenchmarkLoadCold loads the pipelines of the repository named by
// CTGIT_BENCH_REPO (as bench/plan/gen.py writes it) with no load cache,
// as a cold `ctgit plan` does.
func BenchmarkLoadCold(b *testing.B) {
	repo := os.Getenv("CTGIT_BENCH_REPO")
	if repo == "" {
		b.Skip("CTGIT_BENCH_REPO names no repository")
	}
	b.Setenv("XDG_CACHE_HOME", b.TempDir())
	for b.Loop() {
		os.RemoveAll(os.Getenv("XDG_CACHE_HOME"))
		if _, err := Load(repo, "pipelines"); err != nil {
			b.Fatal(err)
		}
	}
}
