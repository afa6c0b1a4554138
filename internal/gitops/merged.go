package gitops

import (
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// BranchState is what a promotion branch's pull request amounts to, as far
// as the repository's refs tell.
type BranchState int

const (
	// BranchOpen: the branch exists and holds changes its base lacks.
	BranchOpen BranchState = iota
	// BranchMerged: the base holds every change of the branch (merged,
	// fast-forwarded, squashed or rebased).
	BranchMerged
	// BranchGone: the branch exists neither locally nor as remote's
	// tracking branch.
	BranchGone
)

func (s BranchState) String() string {
	switch s {
	case BranchOpen:
		return "open"
	case BranchMerged:
		return "merged"
	case BranchGone:
		return "gone"
	}
	return fmt.Sprintf("BranchState(%d)", int(s))
}

// StateOf reads, without fetching, whether branch is merged into base in
// the repository at dir. With a remote, its tracking refs come first, as
// promotions push there; then the local branches.
func StateOf(dir, remote, branch, base string) (BranchState, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return BranchOpen, fmt.Errorf("opening the repository at %s: %w", dir, err)
	}
	tip, err := resolveBranch(repo, remote, branch)
	if err != nil {
		return BranchOpen, err
	}
	if tip == nil {
		return BranchGone, nil
	}
	baseTip, err := resolveBranch(repo, remote, base)
	if err != nil || baseTip == nil {
		return BranchOpen, fmt.Errorf("base branch %q: not found", base)
	}
	if tip.Hash == baseTip.Hash {
		return BranchMerged, nil
	}
	if ok, err := tip.IsAncestor(baseTip); err != nil {
		return BranchOpen, err
	} else if ok {
		return BranchMerged, nil
	}
	// Squash and rebase merges leave no ancestry: the branch is merged
	// when the base holds every file the branch changed as the branch has it.
	bases, err := tip.MergeBase(baseTip)
	if err != nil || len(bases) == 0 {
		return BranchOpen, err
	}
	fromTree, err := bases[0].Tree()
	if err != nil {
		return BranchOpen, err
	}
	tipTree, err := tip.Tree()
	if err != nil {
		return BranchOpen, err
	}
	baseTree, err := baseTip.Tree()
	if err != nil {
		return BranchOpen, err
	}
	changes, err := object.DiffTree(fromTree, tipTree)
	if err != nil {
		return BranchOpen, err
	}
	for _, c := range changes {
		name := c.To.Name
		if name == "" {
			name = c.From.Name
		}
		want, wantErr := tipTree.FindEntry(name)
		got, gotErr := baseTree.FindEntry(name)
		switch {
		case wantErr != nil && gotErr != nil: // deleted on both
		case wantErr != nil || gotErr != nil || want.Hash != got.Hash:
			return BranchOpen, nil
		}
	}
	return BranchMerged, nil
}

// resolveBranch returns the commit at remote's tracking branch name, else
// at the local branch name, or nil when neither exists.
func resolveBranch(repo *git.Repository, remote, name string) (*object.Commit, error) {
	refs := []plumbing.ReferenceName{plumbing.NewBranchReferenceName(name)}
	if remote != "" {
		refs = append([]plumbing.ReferenceName{plumbing.NewRemoteReferenceName(remote, name)}, refs...)
	}
	for _, r := range refs {
		ref, err := repo.Reference(r, true)
		if errors.Is(err, plumbing.ErrReferenceNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", r, err)
		}
		return repo.CommitObject(ref.Hash())
	}
	return nil, nil
}
