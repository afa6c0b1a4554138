package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/ctgit/ctgit/internal/fault"
)

// GitHubConfig configures the GitHub forge.
type GitHubConfig struct {
	// Owner and Repo name the repository ("acme", "models").
	Owner, Repo string
	// Token authenticates; it needs pull-requests: write (and issues:
	// write for labels). It is never logged or put in an error.
	Token string
	// URL selects GitHub Enterprise: a host URL ("https://github.acme.com")
	// gets the standard "/api/v3/" path; a URL with a path is used as the
	// REST API base as given. Empty means github.com.
	URL string
	// HTTPClient is the transport (default http.DefaultClient).
	HTTPClient *http.Client
	// MaxAttempts bounds tries per call on rate limits and 5xx (default 5).
	MaxAttempts int
	// MaxWait is the longest single wait for a rate limit reset; a reset
	// further away fails at once, naming when to retry (default 2 minutes).
	MaxWait time.Duration
	// Backoff is the first wait after a 5xx, doubled per retry (default 1s).
	Backoff time.Duration
	// Sleep waits between tries (default: a timer that honours ctx).
	Sleep func(ctx context.Context, d time.Duration) error
}

// GitHub is the forge for github.com and GitHub Enterprise.
type GitHub struct {
	cfg    GitHubConfig
	client *github.Client
}

// NewGitHub returns the GitHub forge for cfg.
func NewGitHub(cfg GitHubConfig) (*GitHub, error) {
	if cfg.Owner == "" || cfg.Repo == "" {
		return nil, fault.Input(errors.New("the GitHub forge needs the repository as OWNER/REPO"))
	}
	if cfg.Token == "" {
		return nil, fault.Input(errors.New("the GitHub forge needs a token (GITHUB_TOKEN or --token-file) with pull-requests: write"))
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 2 * time.Minute
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	c := github.NewClient(cfg.HTTPClient).WithAuthToken(cfg.Token)
	if cfg.URL != "" {
		u, err := url.Parse(cfg.URL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fault.Input(fmt.Errorf("invalid GitHub URL %q: want https://HOST or an API base URL", cfg.URL))
		}
		if u.Path == "" || u.Path == "/" {
			if c, err = c.WithEnterpriseURLs(cfg.URL, cfg.URL); err != nil {
				return nil, fault.Input(fmt.Errorf("GitHub URL %q: %w", cfg.URL, err))
			}
		} else {
			if !strings.HasSuffix(u.Path, "/") {
				u.Path += "/"
			}
			c.BaseURL = u
			c.UploadURL = u
		}
	}
	return &GitHub{cfg: cfg, client: c}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Open finds the branch's pull request (the most recent one whose head is
// the branch): an open one is updated (title, body, labels, reviewers); a
// merged one, or none, leads to a new pull request; one closed without
// merging returns ErrClosed unless req.Reopen.
func (g *GitHub) Open(ctx context.Context, req Request) (*PullRequest, error) {
	if req.Branch == "" || req.Base == "" || req.Title == "" {
		return nil, fault.Input(errors.New("a pull request needs a branch, a base and a title"))
	}
	users, teams := splitReviewers(req.Reviewers)
	var prs []*github.PullRequest
	err := g.do(ctx, "listing pull requests", func() (*github.Response, error) {
		var resp *github.Response
		var err error
		prs, resp, err = g.client.PullRequests.List(ctx, g.cfg.Owner, g.cfg.Repo, &github.PullRequestListOptions{
			State: "all", Head: g.cfg.Owner + ":" + req.Branch, Sort: "created", Direction: "desc",
			ListOptions: github.ListOptions{PerPage: 100},
		})
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(prs, func(i, j int) bool { return prs[i].GetCreatedAt().After(prs[j].GetCreatedAt().Time) })

	var pr *github.PullRequest
	created := false
	var latest *github.PullRequest
	if len(prs) > 0 {
		latest = prs[0]
	}
	switch {
	case latest != nil && latest.GetState() == "open":
		err = g.do(ctx, fmt.Sprintf("updating pull request #%d", latest.GetNumber()), func() (*github.Response, error) {
			var resp *github.Response
			var err error
			pr, resp, err = g.client.PullRequests.Edit(ctx, g.cfg.Owner, g.cfg.Repo, latest.GetNumber(),
				&github.PullRequest{Title: github.String(req.Title), Body: github.String(req.Body)})
			return resp, err
		})
	case latest != nil && !latest.GetMerged() && latest.MergedAt == nil && !req.Reopen:
		return &PullRequest{Number: latest.GetNumber(), URL: latest.GetHTMLURL(), Branch: req.Branch, Base: req.Base, Title: latest.GetTitle()},
			fmt.Errorf("#%d %s: %w", latest.GetNumber(), latest.GetHTMLURL(), ErrClosed)
	case latest != nil && !latest.GetMerged() && latest.MergedAt == nil:
		err = g.do(ctx, fmt.Sprintf("reopening pull request #%d", latest.GetNumber()), func() (*github.Response, error) {
			var resp *github.Response
			var err error
			pr, resp, err = g.client.PullRequests.Edit(ctx, g.cfg.Owner, g.cfg.Repo, latest.GetNumber(),
				&github.PullRequest{Title: github.String(req.Title), Body: github.String(req.Body), State: github.String("open")})
			return resp, err
		})
	default:
		created = true
		tries := 0
		var refused *github.Response
		err = g.do(ctx, "creating the pull request", func() (*github.Response, error) {
			var resp *github.Response
			var err error
			if tries++; tries > 1 {
				// A create that failed with a 5xx may have happened anyway:
				// look before creating again, so there is never a second PR.
				open, resp, err := g.client.PullRequests.List(ctx, g.cfg.Owner, g.cfg.Repo, &github.PullRequestListOptions{
					State: "open", Head: g.cfg.Owner + ":" + req.Branch})
				if err != nil {
					return resp, err
				}
				if len(open) > 0 {
					pr = open[0]
					return resp, nil
				}
			}
			pr, resp, err = g.client.PullRequests.Create(ctx, g.cfg.Owner, g.cfg.Repo, &github.NewPullRequest{
				Title: github.String(req.Title), Head: github.String(req.Branch), Base: github.String(req.Base),
				Body: github.String(req.Body), MaintainerCanModify: github.Bool(true),
			})
			refused = resp
			return resp, err
		})
		if err != nil && refused != nil && refused.StatusCode == http.StatusForbidden {
			err = fmt.Errorf("%w; GitHub refuses this token the creation of pull requests: when it is a workflow's GITHUB_TOKEN, the repository or its organisation may forbid GitHub Actions to create pull requests (Settings → Actions → General → Workflow permissions → Allow GitHub Actions to create and approve pull requests); otherwise give the token pull-requests: write%s",
				err, acceptedHint(refused))
		}
	}
	if err != nil {
		return nil, err
	}
	n := pr.GetNumber()
	if len(req.Labels) > 0 {
		if err := g.do(ctx, fmt.Sprintf("labelling pull request #%d", n), func() (*github.Response, error) {
			_, resp, err := g.client.Issues.AddLabelsToIssue(ctx, g.cfg.Owner, g.cfg.Repo, n, req.Labels)
			return resp, err
		}); err != nil {
			return nil, err
		}
	}
	if len(users)+len(teams) > 0 {
		if err := g.do(ctx, fmt.Sprintf("requesting reviewers on pull request #%d", n), func() (*github.Response, error) {
			_, resp, err := g.client.PullRequests.RequestReviewers(ctx, g.cfg.Owner, g.cfg.Repo, n,
				github.ReviewersRequest{Reviewers: users, TeamReviewers: teams})
			return resp, err
		}); err != nil {
			return nil, err
		}
	}
	return &PullRequest{Number: n, URL: pr.GetHTMLURL(), Branch: req.Branch, Base: req.Base, Title: pr.GetTitle(), Created: created}, nil
}

// Check is the preflight. It reads the repository with the token (the
// token works and sees the repository; a classic token has the repo scope,
// or public_repo for a public repository, and its user may push) and lists
// the repository's pull requests (the token may read them). It writes
// nothing. It cannot tell whether the token may create a pull request
// (pull-requests: write, and for a workflow's GITHUB_TOKEN the setting
// that allows GitHub Actions to create pull requests): GitHub answers that
// only to the create call itself.
func (g *GitHub) Check(ctx context.Context) error {
	full := g.cfg.Owner + "/" + g.cfg.Repo
	var repo *github.Repository
	var last *github.Response
	err := g.do(ctx, "preflight: reading the repository", func() (*github.Response, error) {
		var resp *github.Response
		var err error
		repo, resp, err = g.client.Repositories.Get(ctx, g.cfg.Owner, g.cfg.Repo)
		last = resp
		return resp, err
	})
	if err != nil {
		switch status(last) {
		case http.StatusUnauthorized:
			return fmt.Errorf("%w; GitHub refused the token (401): it is wrong, expired or revoked; set GITHUB_TOKEN or --token-file to a valid one", err)
		case http.StatusNotFound, http.StatusForbidden:
			return fmt.Errorf("%w; the repository %s does not exist or the token cannot see it: check settings.github.repository (or GITHUB_REPOSITORY) and the repositories the token was granted%s", err, full, acceptedHint(last))
		}
		return err
	}
	if scopes, classic := last.Header["X-Oauth-Scopes"]; classic {
		// A classic token: its scopes are listed, and permissions is what
		// its user may do.
		have := map[string]bool{}
		for _, s := range strings.Split(strings.Join(scopes, ","), ",") {
			have[strings.TrimSpace(s)] = true
		}
		if !have["repo"] && (repo.GetPrivate() || !have["public_repo"]) {
			return fault.Infra(fmt.Errorf("preflight: the token for %s is a classic token with scopes %q, without repo%s: it cannot push the promotion branch or open its pull request; give it the repo scope, or use a fine-grained token with contents: write and pull-requests: write",
				full, strings.Join(scopes, ","), map[bool]string{true: "", false: " or public_repo"}[repo.GetPrivate()]))
		}
		if push, ok := repo.Permissions["push"]; ok && !push {
			return fault.Infra(fmt.Errorf("preflight: the token's user may not push to %s (permissions.push is false): ask for write access to the repository", full))
		}
	}
	err = g.do(ctx, "preflight: listing pull requests", func() (*github.Response, error) {
		_, resp, err := g.client.PullRequests.List(ctx, g.cfg.Owner, g.cfg.Repo, &github.PullRequestListOptions{
			State: "all", ListOptions: github.ListOptions{PerPage: 1}})
		last = resp
		return resp, err
	})
	if err != nil && (status(last) == http.StatusForbidden || status(last) == http.StatusNotFound) {
		return fmt.Errorf("%w; the token may not read the pull requests of %s: give it pull-requests: write (in a workflow: permissions: {contents: write, pull-requests: write})%s", err, full, acceptedHint(last))
	}
	return err
}

func status(resp *github.Response) int {
	if resp == nil || resp.Response == nil {
		return 0
	}
	return resp.StatusCode
}

// acceptedHint names the permissions GitHub says the endpoint accepts
// (X-Accepted-GitHub-Permissions, sent to fine-grained tokens and GitHub
// Apps), or "".
func acceptedHint(resp *github.Response) string {
	if resp == nil || resp.Response == nil {
		return ""
	}
	if h := resp.Header.Get("X-Accepted-GitHub-Permissions"); h != "" {
		return " (GitHub accepts for this call: " + h + ")"
	}
	return ""
}

// splitReviewers turns "org/team" into team slugs and plain names into users.
func splitReviewers(rs []string) (users, teams []string) {
	for _, r := range rs {
		if _, team, ok := strings.Cut(r, "/"); ok {
			teams = append(teams, team)
		} else if r != "" {
			users = append(users, strings.TrimPrefix(r, "@"))
		}
	}
	return users, teams
}

// LastMerged returns branch's most recently merged pull request, with its
// created_at and merged_at as GitHub returns them.
func (g *GitHub) LastMerged(ctx context.Context, branch string) (*Merged, error) {
	var prs []*github.PullRequest
	err := g.do(ctx, "listing closed pull requests", func() (*github.Response, error) {
		var resp *github.Response
		var err error
		prs, resp, err = g.client.PullRequests.List(ctx, g.cfg.Owner, g.cfg.Repo, &github.PullRequestListOptions{
			State: "closed", Head: g.cfg.Owner + ":" + branch, Sort: "updated", Direction: "desc",
			ListOptions: github.ListOptions{PerPage: 100},
		})
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	var last *Merged
	for _, pr := range prs {
		if pr.MergedAt == nil || pr.CreatedAt == nil {
			continue
		}
		if last == nil || pr.MergedAt.After(last.Merged) {
			last = &Merged{Number: pr.GetNumber(), URL: pr.GetHTMLURL(), Opened: pr.CreatedAt.Time, Merged: pr.MergedAt.Time}
		}
	}
	return last, nil
}

// List returns the open pull requests whose head branch starts with prefix
// and lives in this repository.
func (g *GitHub) List(ctx context.Context, prefix string) ([]PullRequest, error) {
	var out []PullRequest
	opts := &github.PullRequestListOptions{State: "open", ListOptions: github.ListOptions{PerPage: 100}}
	for {
		var prs []*github.PullRequest
		var resp *github.Response
		err := g.do(ctx, "listing open pull requests", func() (*github.Response, error) {
			var err error
			prs, resp, err = g.client.PullRequests.List(ctx, g.cfg.Owner, g.cfg.Repo, opts)
			return resp, err
		})
		if err != nil {
			return nil, err
		}
		for _, pr := range prs {
			head := pr.GetHead()
			if strings.HasPrefix(head.GetRef(), prefix) && (head.GetRepo() == nil || head.GetRepo().GetFullName() == g.cfg.Owner+"/"+g.cfg.Repo) {
				out = append(out, PullRequest{Number: pr.GetNumber(), URL: pr.GetHTMLURL(), Branch: head.GetRef(), Base: pr.GetBase().GetRef(), Title: pr.GetTitle()})
			}
		}
		if resp == nil || resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// Comment finds the comment on pull request number whose body contains
// marker (an HTML comment such as "<!-- ctgit-plan -->", invisible when
// rendered) and replaces its body, or creates one; marker is added to body
// when body lacks it. It returns the comment's URL.
func (g *GitHub) Comment(ctx context.Context, number int, marker, body string) (string, error) {
	if marker == "" {
		return "", fault.Input(errors.New("a comment marker is required to find the comment again"))
	}
	if !strings.Contains(body, marker) {
		body = marker + "\n" + body
	}
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		var cs []*github.IssueComment
		var resp *github.Response
		err := g.do(ctx, fmt.Sprintf("listing comments of #%d", number), func() (*github.Response, error) {
			var err error
			cs, resp, err = g.client.Issues.ListComments(ctx, g.cfg.Owner, g.cfg.Repo, number, opts)
			return resp, err
		})
		if err != nil {
			return "", err
		}
		for _, c := range cs {
			if strings.Contains(c.GetBody(), marker) {
				id := c.GetID()
				var out *github.IssueComment
				err := g.do(ctx, fmt.Sprintf("updating comment %d on #%d", id, number), func() (*github.Response, error) {
					var resp *github.Response
					var err error
					out, resp, err = g.client.Issues.EditComment(ctx, g.cfg.Owner, g.cfg.Repo, id, &github.IssueComment{Body: github.String(body)})
					return resp, err
				})
				return out.GetHTMLURL(), err
			}
		}
		if resp == nil || resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	var out *github.IssueComment
	err := g.do(ctx, fmt.Sprintf("commenting on #%d", number), func() (*github.Response, error) {
		var resp *github.Response
		var err error
		out, resp, err = g.client.Issues.CreateComment(ctx, g.cfg.Owner, g.cfg.Repo, number, &github.IssueComment{Body: github.String(body)})
		return resp, err
	})
	return out.GetHTMLURL(), err
}

// do runs call, retrying rate limits (403/429, waiting for Retry-After or
// X-RateLimit-Reset) and 5xx (exponential backoff). Other failures, and
// retries exhausted, are infrastructure errors (exit 3) that say what ctgit
// was doing and never carry the token.
func (g *GitHub) do(ctx context.Context, what string, call func() (*github.Response, error)) error {
	backoff := g.cfg.Backoff
	var last error
	for attempt := 1; ; attempt++ {
		resp, err := call()
		if err == nil {
			return nil
		}
		last = err
		wait, retry := g.retryAfter(resp, err, backoff)
		if !retry {
			break
		}
		if attempt >= g.cfg.MaxAttempts {
			break
		}
		if wait > g.cfg.MaxWait {
			return fault.Infra(fmt.Errorf("%s on %s/%s: GitHub rate limit resets in %s, longer than ctgit waits (%s); retry after %s: %s",
				what, g.cfg.Owner, g.cfg.Repo, wait.Round(time.Second), g.cfg.MaxWait, time.Now().Add(wait).UTC().Format(time.RFC3339), g.scrub(err)))
		}
		if wait == backoff {
			backoff *= 2
		}
		if err := g.cfg.Sleep(ctx, wait); err != nil {
			return fault.Infra(fmt.Errorf("%s on %s/%s: %w", what, g.cfg.Owner, g.cfg.Repo, err))
		}
	}
	return fault.Infra(fmt.Errorf("%s on %s/%s: %s", what, g.cfg.Owner, g.cfg.Repo, g.scrub(last)))
}

// retryAfter says whether a failed call is worth retrying and after how long.
func (g *GitHub) retryAfter(resp *github.Response, err error, backoff time.Duration) (time.Duration, bool) {
	var rl *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	switch {
	case errors.As(err, &abuse):
		if abuse.RetryAfter != nil {
			return *abuse.RetryAfter, true
		}
		return time.Minute, true // GitHub's advice for secondary limits without Retry-After
	case errors.As(err, &rl):
		return time.Until(rl.Rate.Reset.Time) + time.Second, true
	}
	if resp == nil || resp.Response == nil {
		return backoff, true // the connection failed: transient until proven otherwise
	}
	code := resp.StatusCode
	if code == http.StatusTooManyRequests || code == http.StatusForbidden {
		if s := resp.Header.Get("Retry-After"); s != "" {
			if secs, err := strconv.Atoi(s); err == nil {
				return time.Duration(secs) * time.Second, true
			}
		}
		if resp.Header.Get("X-RateLimit-Remaining") == "0" {
			if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
				return time.Until(time.Unix(reset, 0)) + time.Second, true
			}
		}
		if code == http.StatusTooManyRequests {
			return backoff, true
		}
		return 0, false // a plain 403: permissions, not a limit
	}
	return backoff, code >= 500
}

// scrub removes the token from a message, should a server echo it.
func (g *GitHub) scrub(err error) string {
	return strings.ReplaceAll(err.Error(), g.cfg.Token, "***")
}
