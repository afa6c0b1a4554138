// Package gitops turns a promotion into a git branch with exactly one commit
// on top of the base branch, pushed with force-with-lease semantics, and reads
// the history of a promoted field back for rollback and status.
//
// It never touches the user's working tree, index or checkout: it reads files
// from the base commit's tree, writes the new blobs, trees and commit straight
// into the repository's object store, and either pushes that commit to the
// remote through a receive-pack session of its own or, without a remote,
// moves the local branch ref with a compare-and-swap. A failed promotion
// leaves at most unreferenced objects behind, which git gc collects.
//
// The branch belongs to ctgit only while every commit on it is ctgit's. When
// somebody else has pushed to it (a human fixing something), Promote refuses
// to overwrite it and returns ErrForeignCommits, as Renovate does.
//
// It is also where ctgit reads the repository it runs in (repo.go): its
// root, HEAD, the files changed since a revision, the tracked files, the
// base branch and the remotes.
package gitops

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// Sentinel errors callers branch on.
var (
	// ErrNoChanges means the base branch already holds every value the
	// promotion would write: there is nothing to commit and nothing was
	// pushed.
	ErrNoChanges = errors.New("the target already holds these values; nothing to promote")
	// ErrForeignCommits means the promotion branch's tip was not written by
	// ctgit (somebody pushed to it), so ctgit leaves the branch and its pull
	// request alone.
	ErrForeignCommits = errors.New("the promotion branch has commits ctgit did not write; leaving it alone")
	// ErrSuperseded means another promotion of the same branch updated it
	// between our read and our push; its content won, and ours was not pushed.
	ErrSuperseded = errors.New("another promotion updated the branch first; this one was superseded")
)

// Identity is a git author or committer.
type Identity struct {
	Name  string
	Email string
}

// DefaultIdentity is the author and committer ctgit uses unless configured:
// it is also how Promote recognises its own commits on the branch.
var DefaultIdentity = Identity{Name: "ctgit", Email: "ctgit-bot@users.noreply.github.com"}

func (id Identity) orDefault() Identity {
	if id.Name == "" && id.Email == "" {
		return DefaultIdentity
	}
	return id
}

// Auth authenticates pushes and fetches over HTTPS with a token, sent as
// basic auth "x-access-token:TOKEN", the form GitHub documents for App and
// Actions tokens and which also works for personal access tokens.
type Auth struct {
	// Token is the secret; the zero Auth sends no credentials.
	Token string
}

func (a Auth) transport() transport.AuthMethod {
	if a.Token == "" {
		return nil
	}
	return &githttp.BasicAuth{Username: "x-access-token", Password: a.Token}
}

// checkURL refuses to send a token anywhere but HTTPS, or plain HTTP on a
// loopback address (the test servers).
func (a Auth) checkURL(raw string) error {
	if a.Token == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("remote URL %s: %w", redactURL(raw), err)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return fmt.Errorf("refusing to send a token over plain http to %s; use an https remote", redactURL(raw))
	}
	return fmt.Errorf("remote %s is not an http(s) URL: token authentication needs https", redactURL(raw))
}

var userinfoRE = regexp.MustCompile(`(?i)([a-z][a-z0-9+.-]*://)[^/@\s]*@`)

// redactURL removes credentials embedded in URLs ("https://user:tok@host").
func redactURL(s string) string {
	return userinfoRE.ReplaceAllString(s, "${1}***@")
}

// scrubbedError hides secrets from an error's text while keeping its chain
// for errors.Is.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrub returns err with the token and any URL credentials removed from its
// message. Everything gitops returns goes through it.
func (a Auth) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := redactURL(err.Error())
	if a.Token != "" {
		msg = strings.ReplaceAll(msg, a.Token, "***")
	}
	if msg == err.Error() {
		return err
	}
	return &scrubbedError{msg: msg, err: err}
}
