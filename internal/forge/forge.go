// Package forge opens and updates the one pull request a promotion branch
// has: on GitHub through its REST API, or, without GitHub credentials, as a
// markdown file in the repository (the local forge). GitHubRepository
// finds which GitHub repository that is.
package forge

import (
	"context"
	"errors"
	"time"
)

// Request is the pull request a promotion wants for its branch.
type Request struct {
	// Branch is the head branch ("ctgit/fraud-detector"); it identifies
	// the pull request: there is never more than one per branch.
	Branch string
	// Base is the branch to merge into ("main").
	Base string
	// Title and Body are the pull request's text; the body comes from
	// internal/report.
	Title, Body string
	// Labels are added to the pull request (existing ones are kept).
	Labels []string
	// Reviewers are requested on the pull request: "org/team" requests a
	// team (by its slug; GitHub only accepts teams of the repository's
	// organisation), a plain name requests a user.
	Reviewers []string
	// Reopen reopens the branch's pull request when a human closed it
	// without merging. Without it Open returns ErrClosed.
	Reopen bool
}

// PullRequest is a pull request as a forge reports it.
type PullRequest struct {
	// Number is the pull request's number (0 for the local forge).
	Number int
	// URL is where a human reads it: the web page, or the local file path.
	URL string
	// Branch and Base are the head and base branches.
	Branch, Base string
	// Title of the pull request.
	Title string
	// Created is true when Open created it, false when it updated one.
	Created bool
}

// Merged is a merged pull request: when it was opened and when merged.
type Merged struct {
	Number int
	URL    string
	// Opened is when the pull request was created, Merged when it was
	// merged, both as the forge says.
	Opened, Merged time.Time
}

// Forge opens or updates the pull request of a branch.
type Forge interface {
	// Open creates the branch's pull request or updates the open one, so
	// that repeated promotions never make a second pull request.
	Open(ctx context.Context, req Request) (*PullRequest, error)
	// List returns the open pull requests whose head branch starts with
	// prefix ("ctgit/"), for `ctgit status`.
	List(ctx context.Context, prefix string) ([]PullRequest, error)
	// LastMerged returns the most recently merged pull request of branch,
	// with when it was opened and merged, for approval time; nil when none
	// was merged, or when the forge cannot tell (the local forge: a merge
	// in Git does not say when a human approved it).
	LastMerged(ctx context.Context, branch string) (*Merged, error)
	// Check is the preflight: it asks the forge, writing nothing, whether
	// Open is expected to succeed, so that a promotion fails before any
	// step runs and before any branch is pushed. What it cannot know (a
	// policy that only the create call reveals) is documented per forge.
	Check(ctx context.Context) error
}

// ErrClosed means the branch's pull request was closed without merging by a
// human: ctgit does not reopen it unless asked (Request.Reopen, --reopen).
var ErrClosed = errors.New("the promotion pull request was closed without merging; ctgit leaves it closed (use --reopen to reopen it)")
