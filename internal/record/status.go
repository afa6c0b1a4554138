package record

import "time"

// StatusKind is the "kind" of `ctgit status --format json`, the other
// document ctgit writes besides run records.
const StatusKind = "Status"

// Status is where every model stands: the version each target holds on
// the base branch, when it got there, and the open promotion pull requests.
type Status struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Revision is where the history was read ("refs/heads/main").
	Revision string `json:"revision"`
	// Base is the branch promotions target.
	Base   string        `json:"base"`
	Models []ModelStatus `json:"models"`
	// Spend is what each model's runs spent over its window, when the
	// repository declares prices (see cost.go).
	Spend []ModelSpend `json:"spend,omitempty"`
}

// ModelStatus is one target of one pipeline: the model's own, or one
// channel's.
type ModelStatus struct {
	Pipeline string `json:"pipeline"`
	Model    string `json:"model"`
	Channel  string `json:"channel,omitempty"`
	// File and Field locate the version.
	File  string `json:"file"`
	Field string `json:"field"`
	// Version is the value on the base branch ("" when unreadable; Error
	// says why).
	Version string `json:"version"`
	// PromotedAt, Commit and Subject describe the commit that set Version.
	PromotedAt *time.Time `json:"promotedAt,omitempty"`
	Commit     string     `json:"commit,omitempty"`
	Subject    string     `json:"subject,omitempty"`
	// Run is the Ctgit-Run trailer of that commit: the run that trained it.
	Run string `json:"run,omitempty"`
	// Branch is the promotion branch; PullRequest its open pull request.
	Branch      string       `json:"branch"`
	PullRequest *OpenRequest `json:"pullRequest,omitempty"`
	// RollbackBranch is the branch a rollback of this stage uses (`ctgit
	// rollback`, or `ctgit watch` for a channel); Rollback its open pull
	// request.
	RollbackBranch string       `json:"rollbackBranch,omitempty"`
	Rollback       *OpenRequest `json:"rollback,omitempty"`
	Error          string       `json:"error,omitempty"`
}

// OpenRequest is an open promotion or rollback pull request.
type OpenRequest struct {
	Number int    `json:"number,omitempty"`
	URL    string `json:"url"`
	Title  string `json:"title"`
}
