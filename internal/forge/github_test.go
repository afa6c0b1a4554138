package forge

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/forge/githubtest"
)

const testToken = githubtest.Token

type (
	fakePR  = githubtest.PR
	failure = githubtest.Failure
)

func newFakeGitHub(t *testing.T) *githubtest.GitHub { return githubtest.New(t) }

// testForge is the GitHub forge talking to the fake.
func testForge(t *testing.T, f *githubtest.GitHub) *GitHub {
	g, err := NewGitHub(GitHubConfig{Owner: "acme", Repo: "models", Token: testToken, URL: f.URL(), Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func promoReq(body string) Request {
	return Request{Branch: "ctgit/fraud-detector", Base: "main", Title: "ctgit: promote fraud-detector 1.4.0 → 1.5.0", Body: body,
		Labels: []string{"ctgit", "promotion"}, Reviewers: []string{"alice", "acme/ml-reviewers"}}
}

func TestOpenCreatesOnceThenUpdates(t *testing.T) {
	f := newFakeGitHub(t)
	g := testForge(t, f)
	ctx := context.Background()

	pr, err := g.Open(ctx, promoReq("first body"))
	if err != nil {
		t.Fatal(err)
	}
	if !pr.Created || pr.Number != 1 || pr.URL != "https://github.com/acme/models/pull/1" {
		t.Errorf("created %+v", pr)
	}
	if diff := cmp.Diff([]string{"GET pulls", "POST pulls", "POST labels", "POST reviewers"}, f.Reqs()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	wantCreate := map[string]any{"title": "ctgit: promote fraud-detector 1.4.0 → 1.5.0", "head": "ctgit/fraud-detector", "base": "main", "body": "first body", "maintainer_can_modify": true}
	if diff := cmp.Diff(wantCreate, f.Bodies[1]); diff != "" {
		t.Errorf("create payload (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"ctgit", "promotion"}, f.Bodies[2]); diff != "" {
		t.Errorf("labels payload (-want +got):\n%s", diff)
	}
	wantReviewers := map[string]any{"reviewers": []any{"alice"}, "team_reviewers": []any{"ml-reviewers"}}
	if diff := cmp.Diff(wantReviewers, f.Bodies[3]); diff != "" {
		t.Errorf("reviewers payload (-want +got):\n%s", diff)
	}

	pr, err = g.Open(ctx, promoReq("second body"))
	if err != nil {
		t.Fatal(err)
	}
	if pr.Created || pr.Number != 1 {
		t.Errorf("second Open: %+v", pr)
	}
	if diff := cmp.Diff([]string{"GET pulls", "PATCH pull", "POST labels", "POST reviewers"}, f.Reqs()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if len(f.PRs) != 1 || f.PRs[0].Body != "second body" || !cmp.Equal(f.PRs[0].Labels, []string{"ctgit", "promotion"}) {
		t.Errorf("PRs on the fake: %+v", f.PRs)
	}
}

func TestOpenClosedMergedAndReopen(t *testing.T) {
	f := newFakeGitHub(t)
	g := testForge(t, f)
	ctx := context.Background()
	f.PRs = []*fakePR{{Number: 7, State: "closed", Head: "ctgit/fraud-detector", Base: "main", HeadRepo: "acme/models", Title: "old", Created: time.Now()}}

	_, err := g.Open(ctx, promoReq("b"))
	if !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "#7") || !strings.Contains(err.Error(), "--reopen") {
		t.Fatalf("err = %v, want ErrClosed naming #7", err)
	}
	if diff := cmp.Diff([]string{"GET pulls"}, f.Reqs()); diff != "" {
		t.Errorf("a closed PR was touched (-want +got):\n%s", diff)
	}

	req := promoReq("b")
	req.Reopen = true
	pr, err := g.Open(ctx, req)
	if err != nil || pr.Number != 7 || f.PRs[0].State != "open" {
		t.Fatalf("reopen: %+v, %v, state %s", pr, err, f.PRs[0].State)
	}
	f.Reqs()

	f.PRs[0].State, f.PRs[0].Merged = "closed", true
	pr, err = g.Open(ctx, promoReq("c"))
	if err != nil || !pr.Created || pr.Number != 2 { // after a merged PR, a new one
		t.Fatalf("after merge: %+v, %v", pr, err)
	}
}

func rateLimited(reset time.Time) failure {
	return failure{Status: 403, Headers: map[string]string{
		"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Used": "5000",
		"X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10), "X-RateLimit-Resource": "core",
	}, Body: `{"message":"API rate limit exceeded for installation ID 1.","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}`}
}

func TestRetries(t *testing.T) {
	var waits []time.Duration
	newForge := func(f *githubtest.GitHub) *GitHub {
		g := testForge(t, f)
		waits = nil
		g.cfg.Sleep = func(ctx context.Context, d time.Duration) error {
			waits = append(waits, d)
			return sleepCtx(ctx, min(d, 3*time.Second)) // go-github also remembers the reset
		}
		return g
	}
	t.Run("403 primary rate limit waits for the reset", func(t *testing.T) {
		f := newFakeGitHub(t)
		g := newForge(f)
		f.Fail("GET pulls", rateLimited(time.Now().Add(time.Second)))
		if _, err := g.Open(context.Background(), promoReq("b")); err != nil {
			t.Fatal(err)
		}
		if len(waits) != 1 || waits[0] < time.Second || waits[0] > 3*time.Second {
			t.Errorf("waits = %v, want one wait until the reset", waits)
		}
		if len(f.PRs) != 1 {
			t.Errorf("%d PRs", len(f.PRs))
		}
	})
	t.Run("429 secondary limit honours Retry-After", func(t *testing.T) {
		f := newFakeGitHub(t)
		g := newForge(f)
		f.Fail("POST labels", failure{Status: 429, Headers: map[string]string{"Retry-After": "1"},
			Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`})
		if _, err := g.Open(context.Background(), promoReq("b")); err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(waits, []time.Duration{time.Second}) {
			t.Errorf("waits = %v, want [1s]", waits)
		}
	})
	t.Run("502 on create retries without a duplicate PR", func(t *testing.T) {
		f := newFakeGitHub(t)
		g := newForge(f)
		f.Fail("POST pulls", failure{Status: 502, Body: `{"message":"Server Error"}`, After: true})
		pr, err := g.Open(context.Background(), promoReq("b"))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.PRs) != 1 || pr.Number != 1 {
			t.Errorf("PRs: %d, got #%d", len(f.PRs), pr.Number)
		}
		if diff := cmp.Diff([]string{"GET pulls", "POST pulls", "GET pulls", "POST labels", "POST reviewers"}, f.Reqs()); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
		if !cmp.Equal(waits, []time.Duration{time.Millisecond}) {
			t.Errorf("waits = %v", waits)
		}
	})
	t.Run("5xx gives up after MaxAttempts with exit 3", func(t *testing.T) {
		f := newFakeGitHub(t)
		g := newForge(f)
		for range 5 {
			f.Fail("GET pulls", failure{Status: 502, Body: `{"message":"Server Error"}`})
		}
		_, err := g.Open(context.Background(), promoReq("b"))
		if fault.KindOf(err) != fault.Infrastructure || !strings.Contains(err.Error(), "listing pull requests on acme/models") {
			t.Errorf("err = %v (exit %d)", err, fault.KindOf(err))
		}
		if !cmp.Equal(waits, []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond, 8 * time.Millisecond}) {
			t.Errorf("waits = %v, want exponential backoff", waits)
		}
	})
	t.Run("reset too far away fails at once", func(t *testing.T) {
		f := newFakeGitHub(t)
		g := newForge(f)
		f.Fail("GET pulls", rateLimited(time.Now().Add(time.Hour)))
		_, err := g.Open(context.Background(), promoReq("b"))
		if fault.KindOf(err) != fault.Infrastructure || !strings.Contains(err.Error(), "retry after") || len(waits) != 0 {
			t.Errorf("err = %v, waits %v", err, waits)
		}
	})
	t.Run("plain 403 and 422 are not retried", func(t *testing.T) {
		f := newFakeGitHub(t)
		g := newForge(f)
		f.Fail("GET pulls", failure{Status: 403, Body: `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/pulls/pulls#list-pull-requests"}`})
		_, err := g.Open(context.Background(), promoReq("b"))
		if fault.KindOf(err) != fault.Infrastructure || !strings.Contains(err.Error(), "Resource not accessible by integration") || len(waits) != 0 {
			t.Errorf("err = %v, waits %v", err, waits)
		}
		if strings.Contains(err.Error(), testToken) {
			t.Error("token in error")
		}
	})
}

func TestBadToken(t *testing.T) {
	f := newFakeGitHub(t)
	g, err := NewGitHub(GitHubConfig{Owner: "acme", Repo: "models", Token: "wrong-TOKEN", URL: f.Server() + "/api-v3"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Open(context.Background(), promoReq("b"))
	if fault.KindOf(err) != fault.Infrastructure || strings.Contains(err.Error(), "wrong-TOKEN") || !strings.Contains(err.Error(), "Bad credentials") {
		t.Errorf("err = %v", err)
	}
	if _, err := NewGitHub(GitHubConfig{Owner: "acme", Repo: "models"}); fault.KindOf(err) != fault.BadInput {
		t.Errorf("no token: %v", err)
	}
}

func TestCommentFindOrUpdate(t *testing.T) {
	f := newFakeGitHub(t)
	g := testForge(t, f)
	ctx := context.Background()
	f.Comments = []*githubtest.Comment{{ID: 1, Issue: 3, Body: "a human comment"}}
	const marker = "<!-- ctgit-plan -->"
	url1, err := g.Comment(ctx, 3, marker, "plan v1")
	if err != nil {
		t.Fatal(err)
	}
	url2, err := g.Comment(ctx, 3, marker, "plan v2")
	if err != nil {
		t.Fatal(err)
	}
	if url1 != url2 || len(f.Comments) != 2 || f.Comments[0].Body != "a human comment" || f.Comments[1].Body != marker+"\nplan v2" {
		t.Errorf("urls %s %s, comments %+v %+v", url1, url2, *f.Comments[0], *f.Comments[1])
	}
	if diff := cmp.Diff([]string{"GET comments", "POST comments", "GET comments", "PATCH comment"}, f.Reqs()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestList(t *testing.T) {
	f := newFakeGitHub(t)
	g := testForge(t, f)
	now := time.Now()
	f.PRs = []*fakePR{
		{Number: 1, State: "open", Head: "ctgit/a", Base: "main", HeadRepo: "acme/models", Title: "A", Created: now},
		{Number: 2, State: "open", Head: "feature", Base: "main", HeadRepo: "acme/models", Created: now},
		{Number: 3, State: "closed", Head: "ctgit/b", Base: "main", HeadRepo: "acme/models", Created: now},
		{Number: 4, State: "open", Head: "ctgit/c", Base: "main", HeadRepo: "fork/models", Created: now},
	}
	got, err := g.List(context.Background(), "ctgit/")
	if err != nil {
		t.Fatal(err)
	}
	want := []PullRequest{{Number: 1, URL: "https://github.com/acme/models/pull/1", Branch: "ctgit/a", Base: "main", Title: "A"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

func TestEnterpriseURL(t *testing.T) {
	g, err := NewGitHub(GitHubConfig{Owner: "o", Repo: "r", Token: "t", URL: "https://github.acme.com"})
	if err != nil {
		t.Fatal(err)
	}
	if got := g.client.BaseURL.String(); got != "https://github.acme.com/api/v3/" {
		t.Errorf("BaseURL = %s", got)
	}
	if _, err := NewGitHub(GitHubConfig{Owner: "o", Repo: "r", Token: "t", URL: "github.acme.com"}); fault.KindOf(err) != fault.BadInput {
		t.Errorf("URL without scheme: %v", err)
	}
}

// TestLastMerged: the approval time of a promotion is its pull request's
// created_at to merged_at, as GitHub returns them, from the latest merged
// one of the branch; closed-unmerged and other branches' are left out.
func TestLastMerged(t *testing.T) {
	f := newFakeGitHub(t)
	g := testForge(t, f)
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	f.PRs = []*fakePR{
		{Number: 3, State: "closed", Merged: true, Head: "ctgit/churn-prod", Base: "main", HeadRepo: "acme/models", Created: t0, MergedAt: t0.Add(26 * time.Hour)},
		{Number: 5, State: "closed", Merged: true, Head: "ctgit/churn-prod", Base: "main", HeadRepo: "acme/models", Created: t0.Add(72 * time.Hour), MergedAt: t0.Add(75 * time.Hour)},
		{Number: 6, State: "closed", Head: "ctgit/churn-prod", Base: "main", HeadRepo: "acme/models", Created: t0.Add(80 * time.Hour)},
		{Number: 7, State: "closed", Merged: true, Head: "ctgit/other", Base: "main", HeadRepo: "acme/models", Created: t0.Add(90 * time.Hour)},
	}
	m, err := g.LastMerged(context.Background(), "ctgit/churn-prod")
	if err != nil {
		t.Fatal(err)
	}
	if m == nil || m.Number != 5 || m.Merged.Sub(m.Opened) != 3*time.Hour {
		t.Fatalf("last merged %+v, want #5 approved in 3h", m)
	}
	if m, err := g.LastMerged(context.Background(), "ctgit/none"); m != nil || err != nil {
		t.Errorf("a branch without merged pull requests: %+v, %v", m, err)
	}
}
