package gitops

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/rewrite"
)

// Version is one value a field held in the history of a branch.
type Version struct {
	// Value is the field's value.
	Value string
	// Commit is the commit that set the value (the oldest commit of the
	// run of commits where the field held it).
	Commit string
	// Time is that commit's committer time: when the value was promoted.
	Time time.Time
	// Author is that commit's author, "Name <email>".
	Author string
	// Subject is the first line of that commit's message.
	Subject string
	// Trailers are that commit's trailers (provenance of ctgit commits).
	Trailers map[string][]string
}

// History returns the values field has held in file on rev (a branch, tag
// or commit), newest first, following `git log -- file`. Its first element
// is the current value and when it was promoted; rollback offers the rest.
// Commits where the file did not parse or lacked the field are skipped;
// the walk stops where the file did not exist.
func History(dir, rev, file, field string) ([]Version, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return nil, fault.Input(fmt.Errorf("opening the git repository at %s: %w", dir, err))
	}
	h, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, fault.Input(fmt.Errorf("resolving %q: %w", rev, err))
	}
	iter, err := repo.Log(&git.LogOptions{From: *h, FileName: &file, Order: git.LogOrderCommitterTime})
	if err != nil {
		return nil, fmt.Errorf("git log %s -- %s: %w", rev, file, err)
	}
	defer iter.Close()

	var out []Version
	for {
		c, err := iter.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("git log %s -- %s: %w", rev, file, err)
		}
		f, err := c.File(file)
		if errors.Is(err, object.ErrFileNotFound) {
			break // the commit that deleted (or preceded) the file
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s at %s: %w", file, c.Hash, err)
		}
		src, err := f.Contents()
		if err != nil {
			return nil, fmt.Errorf("reading %s at %s: %w", file, c.Hash, err)
		}
		v, err := rewrite.Get(file, []byte(src), field)
		if err != nil {
			continue
		}
		at := Version{
			Value:    v,
			Commit:   c.Hash.String(),
			Time:     c.Committer.When,
			Author:   fmt.Sprintf("%s <%s>", c.Author.Name, c.Author.Email),
			Subject:  strings.SplitN(c.Message, "\n", 2)[0],
			Trailers: Trailers(c.Message),
		}
		if n := len(out); n > 0 && out[n-1].Value == v {
			out[n-1] = at // an older commit of the same run: the value came in earlier
			continue
		}
		out = append(out, at)
	}
	if len(out) == 0 {
		return nil, fault.Input(fmt.Errorf("%s has no readable %s in the history of %s", file, field, rev))
	}
	return out, nil
}

// FieldAt returns the value field held in file at rev (a commit, branch or
// tag): what a rollback restores alongside the version, such as the
// artifact reference of the same commit.
func FieldAt(dir, rev, file, field string) (string, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return "", fault.Input(fmt.Errorf("opening the git repository at %s: %w", dir, err))
	}
	h, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return "", fault.Input(fmt.Errorf("resolving %q: %w", rev, err))
	}
	c, err := repo.CommitObject(*h)
	if err != nil {
		return "", fmt.Errorf("reading commit %s: %w", h, err)
	}
	f, err := c.File(file)
	if err != nil {
		return "", fault.Input(fmt.Errorf("%s at %s: %w", file, h.String()[:12], err))
	}
	src, err := f.Contents()
	if err != nil {
		return "", fmt.Errorf("reading %s at %s: %w", file, h, err)
	}
	v, err := rewrite.Get(file, []byte(src), field)
	if err != nil {
		return "", fmt.Errorf("%s at %s: %w", file, h.String()[:12], err)
	}
	return v, nil
}

// ShortCommit is a commit hash cut to 12 characters, as messages show it.
func ShortCommit(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
