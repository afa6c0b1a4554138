package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/ctgit/ctgit/internal/dataset"
	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/gitops"
	"github.com/ctgit/ctgit/internal/pointer"
	"github.com/ctgit/ctgit/internal/table"
)

// openDriftInput opens a --reference or --current argument of `ctgit
// drift`: a dataset (a URL, a directory or glob of parts, a Git LFS
// pointer, a DVC-tracked file) through the dataset resolver, whose
// downloads go to the user's cache directory; anything else, a file or a
// stream, as table.OpenStream does. snapshot is the dataset's digest, ""
// for a file or a stream.
func openDriftInput(ctx context.Context, arg string) (in table.Input, snapshot string, done func(), err error) {
	loc, err := dataset.Parse(arg)
	if err != nil {
		return table.Input{}, "", func() {}, err
	}
	root, rel, ok := datasetArg(loc, arg)
	if !ok {
		in, done, err := table.OpenStream(ctx, arg)
		return in, "", done, err
	}
	cache := ""
	if dir, err := os.UserCacheDir(); err == nil {
		cache = filepath.Join(dir, "ctgit")
	}
	r := &dataset.Resolver{Root: root, Memo: digest.NewMemo(), CacheDir: cache}
	snap, err := r.Resolve(ctx, dataset.Spec{Location: rel})
	if err != nil {
		return table.Input{}, "", func() {}, err
	}
	files, err := r.Fetch(ctx, snap)
	if err != nil {
		return table.Input{}, "", func() {}, err
	}
	parts := make([]table.Part, len(snap.Objects))
	for i, o := range snap.Objects {
		parts[i] = table.Part{Path: files[i], Name: dataset.Redact(o.URL)}
		for _, pv := range o.Partition {
			parts[i].Partition = append(parts[i].Partition, table.PartitionValue{Column: pv.Column, Value: pv.Value})
		}
	}
	return table.Parts(arg, parts), snap.Digest, func() { r.Close() }, nil
}

// datasetArg says whether arg is read as a dataset, and from which root
// under which repository-relative name.
func datasetArg(loc dataset.Location, arg string) (root, rel string, ok bool) {
	cwd, err := os.Getwd()
	if err != nil {
		return "", "", false
	}
	if loc.Remote() {
		return cwd, arg, true
	}
	abs, err := filepath.Abs(loc.Prefix)
	if err != nil {
		return "", "", false
	}
	st, statErr := os.Stat(abs)
	switch {
	case loc.Pattern != "":
	case statErr == nil && st.IsDir():
	case statErr == nil && st.Mode().IsRegular():
		if _, isLFS, _ := pointer.ReadLFS(abs); !isLFS {
			return "", "", false
		}
	case os.IsNotExist(statErr):
		if _, err := os.Stat(abs + ".dvc"); err != nil {
			return "", "", false
		}
	default:
		return "", "", false
	}
	root = cwd
	// Inside a Git repository the root is its work tree, so that a Git
	// LFS object is fetched from the repository's remote.
	if r, err := gitops.FindRoot(filepath.Dir(abs)); err == nil {
		if _, err := os.Stat(filepath.Join(r, ".git")); err == nil {
			root = r
		}
	}
	full, _ := filepath.Abs(arg)
	if strings.HasSuffix(arg, "/") {
		full += "/"
	}
	r, err := filepath.Rel(root, full)
	if err != nil || !filepath.IsLocal(r) {
		return "", "", false
	}
	rel = filepath.ToSlash(r)
	if loc.Pattern != "" && !strings.Contains(rel, "*") {
		return "", "", false
	}
	return root, rel, true
}
