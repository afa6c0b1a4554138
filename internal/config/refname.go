package config

import (
	"fmt"
	"strings"
)

// CheckBranchName reports whether name can be a Git branch: whether
// refs/heads/<name> passes `git check-ref-format`, and `git branch` would
// take it (not "HEAD", not starting with "-"). ctgit pushes promotion and
// rollback branches by name, so a name Git would reject or read as
// something else must be refused before any step runs.
func CheckBranchName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("branch name is empty")
	case name == "@":
		return fmt.Errorf("%q is not a branch name: git reads @ as HEAD", name)
	case name == "HEAD":
		return fmt.Errorf("%q is not a branch name: git reads HEAD as the current commit", name)
	case strings.HasPrefix(name, "-"):
		return fmt.Errorf("branch name %q starts with \"-\", which git reads as an option", name)
	case strings.HasPrefix(name, "refs/"):
		return fmt.Errorf("branch name %q starts with \"refs/\": give the branch's short name (%q would become refs/heads/%s)", name, name, name)
	}
	return checkRefFormat("refs/heads/" + name)
}

// checkRefFormat applies the rules `git check-ref-format` documents to a
// full reference name.
func checkRefFormat(ref string) error {
	bad := func(why string) error {
		return fmt.Errorf("%q is not a valid Git ref name: %s", strings.TrimPrefix(ref, "refs/heads/"), why)
	}
	if strings.HasSuffix(ref, "/") || strings.HasPrefix(ref, "/") {
		return bad(`it begins or ends with "/"`)
	}
	if strings.HasSuffix(ref, ".") {
		return bad(`it ends with "."`)
	}
	if strings.Contains(ref, "..") {
		return bad(`it holds ".."`)
	}
	if strings.Contains(ref, "@{") {
		return bad(`it holds "@{"`)
	}
	for _, r := range ref {
		switch {
		case r < 0x20 || r == 0x7f:
			return bad("it holds a control character")
		case strings.ContainsRune(" ~^:?*[\\", r):
			return bad(fmt.Sprintf("it holds %q", r))
		}
	}
	for _, part := range strings.Split(ref, "/") {
		switch {
		case part == "":
			return bad(`it holds "//"`)
		case strings.HasPrefix(part, "."):
			return bad(fmt.Sprintf("component %q begins with \".\"", part))
		case strings.HasSuffix(part, ".lock"):
			return bad(fmt.Sprintf("component %q ends with \".lock\"", part))
		}
	}
	return nil
}
