package gitops

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/ctgit/ctgit/internal/fault"
)

// FindRoot returns the root of the Git repository holding dir, or dir itself
// (absolute) when it is not inside one.
func FindRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return abs, nil
		}
		d = parent
	}
}

// HeadCommit returns the hash of HEAD in the repository at root, or "" when
// root is not a Git repository or has no commit yet.
func HeadCommit(root string) string {
	repo, err := git.PlainOpen(root)
	if err != nil {
		return ""
	}
	ref, err := repo.Head()
	if err != nil {
		return ""
	}
	return ref.Hash().String()
}

// zeroRev is what GitHub sends as `github.event.before` for a new branch.
const zeroRev = "0000000000000000000000000000000000000000"

// ErrNoBase is returned by ChangedFiles when rev names no earlier commit
// (the all-zero revision of a new branch): everything counts as changed.
var ErrNoBase = errors.New("no earlier commit to compare with")

// ChangedFiles returns the repository paths that differ between rev and
// HEAD, plus those changed in the work tree and not yet committed, sorted.
func ChangedFiles(root, rev string) ([]string, error) {
	if rev == zeroRev {
		return nil, ErrNoBase
	}
	repo, err := git.PlainOpen(root)
	if err != nil {
		return nil, fault.Input(fmt.Errorf("--changed-since needs a Git repository at %s: %w", root, err))
	}
	hash, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, fault.Input(fmt.Errorf("--changed-since %q: cannot resolve the revision: %w (is the history fetched? actions/checkout needs fetch-depth: 0 or 2)", rev, err))
	}
	from, err := repo.CommitObject(*hash)
	if err != nil {
		return nil, fault.Input(fmt.Errorf("--changed-since %q: %w", rev, err))
	}
	head, err := repo.Head()
	if err != nil {
		return nil, fault.Input(fmt.Errorf("reading HEAD: %w", err))
	}
	to, err := repo.CommitObject(head.Hash())
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	if from.Hash != to.Hash {
		fromTree, err := from.Tree()
		if err != nil {
			return nil, err
		}
		toTree, err := to.Tree()
		if err != nil {
			return nil, err
		}
		changes, err := object.DiffTree(fromTree, toTree)
		if err != nil {
			return nil, fmt.Errorf("comparing %s with HEAD: %w", rev, err)
		}
		for _, c := range changes {
			if c.From.Name != "" {
				set[c.From.Name] = true
			}
			if c.To.Name != "" {
				set[c.To.Name] = true
			}
		}
	}
	wt, err := repo.Worktree()
	if err == nil {
		status, err := wt.Status()
		if err != nil {
			return nil, fmt.Errorf("reading the work tree's status: %w", err)
		}
		for p, s := range status {
			if s.Worktree != git.Unmodified || s.Staging != git.Unmodified {
				if !strings.HasPrefix(p, ".ctgit/") {
					set[p] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// TrackedFiles returns the repository paths Git tracks at root (those in
// its index), sorted; outside Git, the files under root, leaving out .git
// and ctgit's own .ctgit. tracked says which of the two it is.
func TrackedFiles(root string) (files []string, tracked bool, err error) {
	if repo, err := git.PlainOpen(root); err == nil {
		idx, err := repo.Storer.Index()
		if err != nil {
			return nil, true, fmt.Errorf("reading the Git index of %s: %w", root, err)
		}
		for _, e := range idx.Entries {
			files = append(files, e.Name)
		}
		sort.Strings(files)
		return files, true, nil
	}
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".ctgit") {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files)
	return files, false, err
}

// BaseBranch picks the branch promotions target: the configured one, else
// the remote's default branch, else the current branch.
func BaseBranch(root, configured, remote string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	repo, err := git.PlainOpen(root)
	if err != nil {
		return "", fault.Input(fmt.Errorf("promotion needs a Git repository at %s: %w", root, err))
	}
	if remote != "" {
		if ref, err := repo.Reference(plumbing.NewRemoteHEADReferenceName(remote), false); err == nil && ref.Type() == plumbing.SymbolicReference {
			return strings.TrimPrefix(ref.Target().Short(), remote+"/"), nil
		}
	}
	head, err := repo.Head()
	if err != nil || !head.Name().IsBranch() {
		return "", fault.Input(errors.New("cannot tell the base branch: HEAD is not on a branch; set settings.baseBranch"))
	}
	return head.Name().Short(), nil
}

// DefaultRemote returns "origin" when the repository has it, else "".
func DefaultRemote(root string) string {
	repo, err := git.PlainOpen(root)
	if err != nil {
		return ""
	}
	if _, err := repo.Remote("origin"); err == nil {
		return "origin"
	}
	return ""
}

// RemoteURL returns the first URL of a remote, or "".
func RemoteURL(root, remote string) string {
	repo, err := git.PlainOpen(root)
	if err != nil {
		return ""
	}
	r, err := repo.Remote(remote)
	if err != nil || len(r.Config().URLs) == 0 {
		return ""
	}
	return r.Config().URLs[0]
}
