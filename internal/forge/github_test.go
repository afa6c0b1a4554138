package forge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/exitcode"
)

const testToken = "ghs_testTOKEN123"

// fakeGitHub implements the REST endpoints the forge calls, under /api-v3/,
// with request and response bodies shaped like GitHub's documented ones.
type fakeGitHub struct {
	t        *testing.T
	mu       sync.Mutex
	prs      []*fakePR
	comments []*fakeComment
	requests []string
	bodies   []any
	failures map[string][]failure // key: "METHOD route", consumed in order
	nextID   int64
	srv      *httptest.Server
}

type fakePR struct {
	Number               int
	State                string
	Merged               bool
	Title, Body          string
	Head, Base, HeadRepo string
	Labels, Users, Teams []string
	Created              time.Time
}

type fakeComment struct {
	ID    int64
	Issue int
	Body  string
}

type failure struct {
	status  int
	headers map[string]string
	body    string
	after   bool // handle the request, then answer with the failure
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	f := &fakeGitHub{t: t, failures: map[string][]failure{}, nextID: 1000}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) forge(t *testing.T) *GitHub {
	g, err := NewGitHub(GitHubConfig{Owner: "acme", Repo: "models", Token: testToken, URL: f.srv.URL + "/api-v3/", Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func (f *fakeGitHub) fail(key string, fs ...failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[key] = append(f.failures[key], fs...)
}

var routes = []struct {
	name string
	re   *regexp.Regexp
}{
	{"pulls", regexp.MustCompile(`^/repos/acme/models/pulls$`)},
	{"pull", regexp.MustCompile(`^/repos/acme/models/pulls/(\d+)$`)},
	{"reviewers", regexp.MustCompile(`^/repos/acme/models/pulls/(\d+)/requested_reviewers$`)},
	{"labels", regexp.MustCompile(`^/repos/acme/models/issues/(\d+)/labels$`)},
	{"comments", regexp.MustCompile(`^/repos/acme/models/issues/(\d+)/comments$`)},
	{"comment", regexp.MustCompile(`^/repos/acme/models/issues/comments/(\d+)$`)},
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		writeJSON(w, 401, map[string]any{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/api-v3")
	if !ok {
		http.NotFound(w, r)
		return
	}
	route, id := "", 0
	for _, rt := range routes {
		if m := rt.re.FindStringSubmatch(path); m != nil {
			route = rt.name
			if len(m) > 1 {
				id, _ = strconv.Atoi(m[1])
			}
		}
	}
	key := r.Method + " " + route
	f.requests = append(f.requests, key)
	var raw any
	if r.Body != nil && r.Method != http.MethodGet {
		_ = json.NewDecoder(r.Body).Decode(&raw)
	}
	f.bodies = append(f.bodies, raw)
	body, _ := raw.(map[string]any)
	if list, ok := raw.([]any); ok {
		// GitHub takes labels as a bare array or as {"labels": [...]}.
		body = map[string]any{"labels": list}
	}

	var fl *failure
	if q := f.failures[key]; len(q) > 0 {
		fl, f.failures[key] = &q[0], q[1:]
		if !fl.after {
			fl.write(w)
			return
		}
	}
	status, resp := f.handle(r, route, id, body)
	if fl != nil {
		fl.write(w)
		return
	}
	writeJSON(w, status, resp)
}

func (fl *failure) write(w http.ResponseWriter) {
	for k, v := range fl.headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(fl.status)
	fmt.Fprint(w, fl.body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeGitHub) pr(n int) *fakePR {
	for _, p := range f.prs {
		if p.Number == n {
			return p
		}
	}
	return nil
}

func (f *fakeGitHub) prJSON(p *fakePR) map[string]any {
	labels := []map[string]any{}
	for _, l := range p.Labels {
		labels = append(labels, map[string]any{"name": l, "color": "ededed"})
	}
	users := []map[string]any{}
	for _, u := range p.Users {
		users = append(users, map[string]any{"login": u, "type": "User"})
	}
	teams := []map[string]any{}
	for _, tm := range p.Teams {
		teams = append(teams, map[string]any{"slug": tm, "name": tm})
	}
	var mergedAt any
	if p.Merged {
		mergedAt = p.Created.Add(time.Hour).Format(time.RFC3339)
	}
	return map[string]any{
		"id": 5000 + p.Number, "number": p.Number, "state": p.State, "title": p.Title, "body": p.Body,
		"html_url": fmt.Sprintf("https://github.com/acme/models/pull/%d", p.Number),
		"url":      fmt.Sprintf("%s/api-v3/repos/acme/models/pulls/%d", f.srv.URL, p.Number),
		"merged":   p.Merged, "merged_at": mergedAt, "created_at": p.Created.Format(time.RFC3339),
		"head":   map[string]any{"ref": p.Head, "label": "acme:" + p.Head, "repo": map[string]any{"full_name": p.HeadRepo}},
		"base":   map[string]any{"ref": p.Base, "label": "acme:" + p.Base},
		"labels": labels, "requested_reviewers": users, "requested_teams": teams,
	}
}

func (f *fakeGitHub) handle(r *http.Request, route string, id int, body map[string]any) (int, any) {
	str := func(k string) string { s, _ := body[k].(string); return s }
	strs := func(k string) []string {
		var out []string
		for _, v := range body[k].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	switch r.Method + " " + route {
	case "GET pulls":
		q := r.URL.Query()
		state := q.Get("state")
		if state == "" {
			state = "open"
		}
		out := []any{}
		for i := len(f.prs) - 1; i >= 0; i-- { // newest first, as sort=created&direction=desc
			p := f.prs[i]
			if (state == "all" || p.State == state) && (q.Get("head") == "" || q.Get("head") == "acme:"+p.Head) {
				out = append(out, f.prJSON(p))
			}
		}
		return 200, out
	case "POST pulls":
		for _, p := range f.prs {
			if p.State == "open" && p.Head == str("head") {
				return 422, map[string]any{"message": "Validation Failed", "errors": []any{map[string]any{"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for acme:" + p.Head + "."}}}
			}
		}
		p := &fakePR{Number: len(f.prs) + 1, State: "open", Title: str("title"), Body: str("body"), Head: str("head"), Base: str("base"), HeadRepo: "acme/models", Created: time.Now().Add(time.Duration(len(f.prs)) * time.Second)}
		f.prs = append(f.prs, p)
		return 201, f.prJSON(p)
	case "PATCH pull":
		p := f.pr(id)
		if p == nil {
			return 404, map[string]any{"message": "Not Found"}
		}
		if v, ok := body["title"]; ok {
			p.Title = v.(string)
		}
		if v, ok := body["body"]; ok {
			p.Body = v.(string)
		}
		if v, ok := body["state"]; ok {
			p.State = v.(string)
		}
		return 200, f.prJSON(p)
	case "POST labels":
		p := f.pr(id)
		for _, l := range strs("labels") {
			if !contains(p.Labels, l) {
				p.Labels = append(p.Labels, l)
			}
		}
		out := []any{}
		for _, l := range p.Labels {
			out = append(out, map[string]any{"name": l, "color": "ededed"})
		}
		return 200, out
	case "POST reviewers":
		p := f.pr(id)
		if body["reviewers"] != nil {
			p.Users = append(p.Users, strs("reviewers")...)
		}
		if body["team_reviewers"] != nil {
			p.Teams = append(p.Teams, strs("team_reviewers")...)
		}
		return 201, f.prJSON(p)
	case "GET comments":
		out := []any{}
		for _, c := range f.comments {
			if c.Issue == id {
				out = append(out, commentJSON(c))
			}
		}
		return 200, out
	case "POST comments":
		f.nextID++
		c := &fakeComment{ID: f.nextID, Issue: id, Body: str("body")}
		f.comments = append(f.comments, c)
		return 201, commentJSON(c)
	case "PATCH comment":
		for _, c := range f.comments {
			if c.ID == int64(id) {
				c.Body = str("body")
				return 200, commentJSON(c)
			}
		}
	}
	return 404, map[string]any{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
}

func commentJSON(c *fakeComment) map[string]any {
	return map[string]any{"id": c.ID, "body": c.Body, "user": map[string]any{"login": "ctgit[bot]"},
		"html_url": fmt.Sprintf("https://github.com/acme/models/pull/%d#issuecomment-%d", c.Issue, c.ID)}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (f *fakeGitHub) reqs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

func promoReq(body string) Request {
	return Request{Branch: "ctgit/fraud-detector", Base: "main", Title: "ctgit: promote fraud-detector 1.4.0 → 1.5.0", Body: body,
		Labels: []string{"ctgit", "promotion"}, Reviewers: []string{"alice", "acme/ml-reviewers"}}
}

func TestOpenCreatesOnceThenUpdates(t *testing.T) {
	f := newFakeGitHub(t)
	g := f.forge(t)
	ctx := context.Background()

	pr, err := g.Open(ctx, promoReq("first body"))
	if err != nil {
		t.Fatal(err)
	}
	if !pr.Created || pr.Number != 1 || pr.URL != "https://github.com/acme/models/pull/1" {
		t.Errorf("created %+v", pr)
	}
	if diff := cmp.Diff([]string{"GET pulls", "POST pulls", "POST labels", "POST reviewers"}, f.reqs()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	wantCreate := map[string]any{"title": "ctgit: promote fraud-detector 1.4.0 → 1.5.0", "head": "ctgit/fraud-detector", "base": "main", "body": "first body", "maintainer_can_modify": true}
	if diff := cmp.Diff(wantCreate, f.bodies[1]); diff != "" {
		t.Errorf("create payload (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"ctgit", "promotion"}, f.bodies[2]); diff != "" {
		t.Errorf("labels payload (-want +got):\n%s", diff)
	}
	wantReviewers := map[string]any{"reviewers": []any{"alice"}, "team_reviewers": []any{"ml-reviewers"}}
	if diff := cmp.Diff(wantReviewers, f.bodies[3]); diff != "" {
		t.Errorf("reviewers payload (-want +got):\n%s", diff)
	}

	pr, err = g.Open(ctx, promoReq("second body"))
	if err != nil {
		t.Fatal(err)
	}
	if pr.Created || pr.Number != 1 {
		t.Errorf("second Open: %+v", pr)
	}
	if diff := cmp.Diff([]string{"GET pulls", "PATCH pull", "POST labels", "POST reviewers"}, f.reqs()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if len(f.prs) != 1 || f.prs[0].Body != "second body" || !cmp.Equal(f.prs[0].Labels, []string{"ctgit", "promotion"}) {
		t.Errorf("PRs on the fake: %+v", f.prs)
	}
}

func TestOpenClosedMergedAndReopen(t *testing.T) {
	f := newFakeGitHub(t)
	g := f.forge(t)
	ctx := context.Background()
	f.prs = []*fakePR{{Number: 7, State: "closed", Head: "ctgit/fraud-detector", Base: "main", HeadRepo: "acme/models", Title: "old", Created: time.Now()}}

	_, err := g.Open(ctx, promoReq("b"))
	if !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "#7") || !strings.Contains(err.Error(), "--reopen") {
		t.Fatalf("err = %v, want ErrClosed naming #7", err)
	}
	if diff := cmp.Diff([]string{"GET pulls"}, f.reqs()); diff != "" {
		t.Errorf("a closed PR was touched (-want +got):\n%s", diff)
	}

	req := promoReq("b")
	req.Reopen = true
	pr, err := g.Open(ctx, req)
	if err != nil || pr.Number != 7 || f.prs[0].State != "open" {
		t.Fatalf("reopen: %+v, %v, state %s", pr, err, f.prs[0].State)
	}
	f.reqs()

	f.prs[0].State, f.prs[0].Merged = "closed", true
	pr, err = g.Open(ctx, promoReq("c"))
	if err != nil || !pr.Created || pr.Number != 2 { // after a merged PR, a new one
		t.Fatalf("after merge: %+v, %v", pr, err)
	}
}

func rateLimited(reset time.Time) failure {
	return failure{status: 403, headers: map[string]string{
		"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Used": "5000",
		"X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10), "X-RateLimit-Resource": "core",
	}, body: `{"message":"API rate limit exceeded for installation ID 1.","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}`}
}

func TestRetries(t *testing.T) {
	var waits []time.Duration
	newForge := func(f *fakeGitHub) *GitHub {
		g := f.forge(t)
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
		f.fail("GET pulls", rateLimited(time.Now().Add(time.Second)))
		if _, err := g.Open(context.Background(), promoReq("b")); err != nil {
			t.Fatal(err)
		}
		if len(waits) != 1 || waits[0] < time.Second || waits[0] > 3*time.Second {
			t.Errorf("waits = %v, want one wait until the reset", waits)
		}
		if len(f.prs) != 1 {
			t.Errorf("%d PRs", len(f.prs))
		}
	})
	t.Run("429 secondary limit honours Retry-After", func(t *testing.T) {
		f := newFakeGitHub(t)
		g := newForge(f)
		f.fail("POST labels", failure{status: 429, headers: map[string]string{"Retry-After": "1"},
			body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`})
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
		f.fail("POST pulls", failure{status: 502, body: `{"message":"Server Error"}`, after: true})
		pr, err := g.Open(context.Background(), promoReq("b"))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.prs) != 1 || pr.Number != 1 {
			t.Errorf("PRs: %d, got #%d", len(f.prs), pr.Number)
		}
		if diff := cmp.Diff([]string{"GET pulls", "POST pulls", "GET pulls", "POST labels", "POST reviewers"}, f.reqs()); diff != "" {
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
			f.fail("GET pulls", failure{status: 502, body: `{"message":"Server Error"}`})
		}
		_, err := g.Open(context.Background(), promoReq("b"))
		if exitcode.Of(err) != exitcode.Infra || !strings.Contains(err.Error(), "listing pull requests on acme/models") {
			t.Errorf("err = %v (exit %d)", err, exitcode.Of(err))
		}
		if !cmp.Equal(waits, []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond, 8 * time.Millisecond}) {
			t.Errorf("waits = %v, want exponential backoff", waits)
		}
	})
	t.Run("reset too far away fails at once", func(t *testing.T) {
		f := newFakeGitHub(t)
		g := newForge(f)
		f.fail("GET pulls", rateLimited(time.Now().Add(time.Hour)))
		_, err := g.Open(context.Background(), promoReq("b"))
		if exitcode.Of(err) != exitcode.Infra || !strings.Contains(err.Error(), "retry after") || len(waits) != 0 {
			t.Errorf("err = %v, waits %v", err, waits)
		}
	})
	t.Run("plain 403 and 422 are not retried", func(t *testing.T) {
		f := newFakeGitHub(t)
		g := newForge(f)
		f.fail("GET pulls", failure{status: 403, body: `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/pulls/pulls#list-pull-requests"}`})
		_, err := g.Open(context.Background(), promoReq("b"))
		if exitcode.Of(err) != exitcode.Infra || !strings.Contains(err.Error(), "Resource not accessible by integration") || len(waits) != 0 {
			t.Errorf("err = %v, waits %v", err, waits)
		}
		if strings.Contains(err.Error(), testToken) {
			t.Error("token in error")
		}
	})
}

func TestBadToken(t *testing.T) {
	f := newFakeGitHub(t)
	g, err := NewGitHub(GitHubConfig{Owner: "acme", Repo: "models", Token: "wrong-TOKEN", URL: f.srv.URL + "/api-v3"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Open(context.Background(), promoReq("b"))
	if exitcode.Of(err) != exitcode.Infra || strings.Contains(err.Error(), "wrong-TOKEN") || !strings.Contains(err.Error(), "Bad credentials") {
		t.Errorf("err = %v", err)
	}
	if _, err := NewGitHub(GitHubConfig{Owner: "acme", Repo: "models"}); exitcode.Of(err) != exitcode.Input {
		t.Errorf("no token: %v", err)
	}
}

func TestCommentFindOrUpdate(t *testing.T) {
	f := newFakeGitHub(t)
	g := f.forge(t)
	ctx := context.Background()
	f.comments = []*fakeComment{{ID: 1, Issue: 3, Body: "a human comment"}}
	const marker = "<!-- ctgit-plan -->"
	url1, err := g.Comment(ctx, 3, marker, "plan v1")
	if err != nil {
		t.Fatal(err)
	}
	url2, err := g.Comment(ctx, 3, marker, "plan v2")
	if err != nil {
		t.Fatal(err)
	}
	if url1 != url2 || len(f.comments) != 2 || f.comments[0].Body != "a human comment" || f.comments[1].Body != marker+"\nplan v2" {
		t.Errorf("urls %s %s, comments %+v %+v", url1, url2, *f.comments[0], *f.comments[1])
	}
	if diff := cmp.Diff([]string{"GET comments", "POST comments", "GET comments", "PATCH comment"}, f.reqs()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestList(t *testing.T) {
	f := newFakeGitHub(t)
	g := f.forge(t)
	now := time.Now()
	f.prs = []*fakePR{
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
	if _, err := NewGitHub(GitHubConfig{Owner: "o", Repo: "r", Token: "t", URL: "github.acme.com"}); exitcode.Of(err) != exitcode.Input {
		t.Errorf("URL without scheme: %v", err)
	}
}
