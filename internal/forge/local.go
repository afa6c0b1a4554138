package forge

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/gitops"
)

// Local is the forge used without GitHub credentials: the pull request is a
// markdown file, .ctgit/prs/<branch>.md with "/" in the branch written as
// "-", holding the title, the body and a header comment naming the branches.
type Local struct {
	// Root is the repository root; files go under Root/.ctgit/prs.
	Root string
	// Remote is where promotion branches are pushed ("" when they stay in
	// the repository); List reads its tracking branches first.
	Remote string
}

const localHeader = "<!-- ctgit-pr"

// Dir is where the local forge keeps its pull request files.
func (l Local) Dir() string { return filepath.Join(l.Root, ".ctgit", "prs") }

// Path is the file that holds branch's pull request.
func (l Local) Path(branch string) string {
	return filepath.Join(l.Dir(), strings.ReplaceAll(branch, "/", "-")+".md")
}

// Open writes the branch's pull request file atomically (temp file, fsync,
// rename), replacing an earlier version. Reopen has no meaning here: a
// human "closes" a local pull request by deleting its file.
func (l Local) Open(_ context.Context, req Request) (*PullRequest, error) {
	if req.Branch == "" || req.Base == "" || req.Title == "" {
		return nil, fault.Input(fmt.Errorf("a pull request needs a branch, a base and a title"))
	}
	if strings.Contains(req.Branch, "..") || strings.ContainsAny(req.Branch, "\\\n") {
		return nil, fault.Input(fmt.Errorf("invalid branch name %q", req.Branch))
	}
	path := l.Path(req.Branch)
	_, statErr := os.Stat(path)
	var b strings.Builder
	fmt.Fprintf(&b, "%s branch=%s base=%s", localHeader, req.Branch, req.Base)
	if len(req.Labels) > 0 {
		fmt.Fprintf(&b, " labels=%s", strings.Join(req.Labels, ","))
	}
	if len(req.Reviewers) > 0 {
		fmt.Fprintf(&b, " reviewers=%s", strings.Join(req.Reviewers, ","))
	}
	fmt.Fprintf(&b, " -->\n# %s\n\n%s\n", strings.ReplaceAll(req.Title, "\n", " "), strings.TrimRight(req.Body, "\n"))
	if err := writeAtomic(path, []byte(b.String())); err != nil {
		return nil, fault.Infra(fmt.Errorf("writing pull request file %s: %w", path, err))
	}
	return &PullRequest{URL: path, Branch: req.Branch, Base: req.Base, Title: req.Title, Created: os.IsNotExist(statErr)}, nil
}

// Check makes sure the pull request files can be written: .ctgit and
// .ctgit/prs, where they exist, are directories. It creates nothing.
// LastMerged implements Forge: the local forge cannot tell when a human
// merged a branch, so it reports none.
func (l Local) LastMerged(context.Context, string) (*Merged, error) { return nil, nil }

func (l Local) Check(context.Context) error {
	for _, d := range []string{filepath.Dir(l.Dir()), l.Dir()} {
		fi, err := os.Stat(d)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return fault.Infra(fmt.Errorf("preflight: local forge: %w", err))
		}
		if !fi.IsDir() {
			return fault.Input(fmt.Errorf("preflight: local forge: %s is not a directory, so pull request files cannot be written under it; move it away", d))
		}
	}
	return nil
}

// List reads the pull request files whose branch starts with prefix and
// is open: a file stays behind when its branch is merged into the base (or
// deleted), and such a pull request is not listed.
func (l Local) List(_ context.Context, prefix string) ([]PullRequest, error) {
	entries, err := os.ReadDir(l.Dir())
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", l.Dir(), err)
	}
	var out []PullRequest
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		path := filepath.Join(l.Dir(), e.Name())
		pr, err := readLocal(path)
		if err != nil {
			return nil, err
		}
		if pr == nil || !strings.HasPrefix(pr.Branch, prefix) {
			continue
		}
		state, err := gitops.StateOf(l.Root, l.Remote, pr.Branch, pr.Base)
		if err != nil {
			return nil, fmt.Errorf("pull request file %s: %w", path, err)
		}
		if state == gitops.BranchOpen {
			out = append(out, *pr)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Branch < out[j].Branch })
	return out, nil
}

func readLocal(path string) (*PullRequest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	pr := &PullRequest{URL: path}
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), localHeader) {
		return nil, nil // not a file ctgit wrote
	}
	for _, kv := range strings.Fields(strings.TrimSuffix(strings.TrimPrefix(sc.Text(), localHeader), "-->")) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "branch":
			pr.Branch = v
		case "base":
			pr.Base = v
		}
	}
	if sc.Scan() {
		pr.Title = strings.TrimPrefix(sc.Text(), "# ")
	}
	return pr, sc.Err()
}

// writeAtomic replaces path with data so that readers see the old file or
// the new one, never a half-written one, even across a crash.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*.md")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
