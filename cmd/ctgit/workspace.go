package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ctgit/ctgit/internal/cache"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/dataset"
	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/gitops"
)

// workspace is the repository a command works in: its root, its loaded
// pipelines, and the local state under .ctgit/.
type workspace struct {
	root  string
	cfg   *config.Config
	cache *cache.Store
	memo  *digest.Memo
	// data resolves the pipelines' datasets; remote objects are
	// downloaded under the step cache's directory (data/).
	data *dataset.Resolver
}

// loadWorkspace finds the repository (--root, else the Git work tree
// holding dir or the current directory) and loads the pipelines in dir
// (relative to the current directory; "" for the repository's pipelines/).
func loadWorkspace(dir string) (*workspace, error) {
	root, err := findRoot(dir)
	if err != nil {
		return nil, err
	}
	if dir == "" {
		dir = filepath.Join(root, "pipelines")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(root, abs)
	if err != nil {
		return nil, err
	}
	cacheDir := filepath.Join(root, filepath.FromSlash(cfg.Settings.Cache))
	memo := digest.LoadMemo(filepath.Join(cacheDir, "digests.json"))
	return &workspace{
		root:  root,
		cfg:   cfg,
		cache: cache.Open(cacheDir),
		memo:  memo,
		data:  &dataset.Resolver{Root: root, Memo: memo, CacheDir: cacheDir},
	}, nil
}

// findRoot resolves the repository root: --root when given, else the Git
// work tree holding dir (or the current directory).
func findRoot(dir string) (string, error) {
	if repoRoot != "" {
		st, err := os.Stat(repoRoot)
		if err != nil || !st.IsDir() {
			return "", &flagError{fmt.Errorf("--root %s: not a directory", repoRoot)}
		}
		return filepath.Abs(repoRoot)
	}
	// Start from the current directory, so that outside Git the root is
	// where the user stands; from dir only when dir lies elsewhere.
	start := "."
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", err
		}
		cwd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		if rel, err := filepath.Rel(cwd, abs); err != nil || strings.HasPrefix(rel, "..") {
			start = abs
			if st, err := os.Stat(abs); err == nil && !st.IsDir() {
				start = filepath.Dir(abs)
			}
		}
	}
	return gitops.FindRoot(start)
}
