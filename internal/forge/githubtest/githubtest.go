// Package githubtest is an in-process GitHub REST API double for tests: an
// httptest server under GitHub Enterprise's /api-v3/ prefix implementing the
// pull request, label, reviewer and comment endpoints ctgit calls, for the
// repository acme/models, with request and response bodies shaped like
// GitHub's documented ones. It records what it received and can be told to
// fail (rate limits, 5xx) so tests can assert on retries.
package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Token is the only token the fake accepts (as "Authorization: Bearer").
const Token = "ghs_testTOKEN123"

// GitHub implements the REST endpoints the forge calls (the repository,
// pull requests, labels, reviewers, comments), under /api-v3/,
// with request and response bodies shaped like GitHub's documented ones.
type GitHub struct {
	mu sync.Mutex
	// PRs and Comments are the fake's state; tests may set them up before
	// the first request and read them after the last.
	PRs      []*PR
	Comments []*Comment
	// Bodies are the decoded JSON bodies of the requests received, in order.
	Bodies   []any
	requests []string
	Failures map[string][]Failure // key: "METHOD route", consumed in order

	// What the token may do; tests set these before the first request.
	//
	// Classic makes the token a classic personal access token: every
	// answer carries X-OAuth-Scopes with Scopes, and the repository's
	// permissions are its user's (push unless ReadOnly).
	Classic  bool
	Scopes   []string
	ReadOnly bool
	// Private is the repository's visibility.
	Private bool
	// NoPullRequests answers the pull request endpoints as GitHub answers
	// an installation token without pull-requests permission: 403
	// "Resource not accessible by integration", with
	// X-Accepted-GitHub-Permissions naming the permission.
	NoPullRequests bool
	// ActionsMayNotCreatePRs answers POST pulls as GitHub does when the
	// organisation or repository forbids GitHub Actions to create pull
	// requests: 403, though every read succeeds.
	ActionsMayNotCreatePRs bool
	nextID                 int64
	srv                    *httptest.Server
}

// PR is a pull request on the fake.
type PR struct {
	Number               int
	State                string
	Merged               bool
	Title, Body          string
	Head, Base, HeadRepo string
	Labels, Users, Teams []string
	Created              time.Time
	// MergedAt is when a merged pull request was merged; an hour after
	// Created when zero.
	MergedAt time.Time
}

// Comment is an issue comment on the fake.
type Comment struct {
	ID    int64
	Issue int
	Body  string
}

// Failure is an error answer the fake gives instead of (or, with After,
// after) handling a request.
type Failure struct {
	Status  int
	Headers map[string]string
	Body    string
	After   bool // handle the request, then answer with the failure
}

// New starts the fake for the repository acme/models; it stops when the
// test ends.
func New(t testing.TB) *GitHub {
	f := &GitHub{Failures: map[string][]Failure{}, nextID: 1000}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// Fail queues failures for requests with key "METHOD route" ("POST pulls",
// "GET pulls", "PATCH pull", "POST labels", "POST reviewers", ...),
// consumed in order.
func (f *GitHub) Fail(key string, fs ...Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Failures[key] = append(f.Failures[key], fs...)
}

var routes = []struct {
	name string
	re   *regexp.Regexp
}{
	{"repo", regexp.MustCompile(`^/repos/acme/models$`)},
	{"pulls", regexp.MustCompile(`^/repos/acme/models/pulls$`)},
	{"pull", regexp.MustCompile(`^/repos/acme/models/pulls/(\d+)$`)},
	{"reviewers", regexp.MustCompile(`^/repos/acme/models/pulls/(\d+)/requested_reviewers$`)},
	{"labels", regexp.MustCompile(`^/repos/acme/models/issues/(\d+)/labels$`)},
	{"comments", regexp.MustCompile(`^/repos/acme/models/issues/(\d+)/comments$`)},
	{"comment", regexp.MustCompile(`^/repos/acme/models/issues/comments/(\d+)$`)},
}

func (f *GitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+Token {
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
	f.Bodies = append(f.Bodies, raw)
	body, _ := raw.(map[string]any)
	if list, ok := raw.([]any); ok {
		// GitHub takes labels as a bare array or as {"labels": [...]}.
		body = map[string]any{"labels": list}
	}

	if f.Classic {
		w.Header().Set("X-OAuth-Scopes", strings.Join(f.Scopes, ", "))
		w.Header().Set("X-Accepted-OAuth-Scopes", "repo")
	}
	if f.NoPullRequests && (route == "pulls" || route == "pull" || route == "reviewers") {
		access := "read"
		if r.Method != http.MethodGet {
			access = "write"
		}
		w.Header().Set("X-Accepted-GitHub-Permissions", "pull_requests="+access)
		writeJSON(w, 403, map[string]any{"message": "Resource not accessible by integration",
			"documentation_url": "https://docs.github.com/rest/pulls/pulls", "status": "403"})
		return
	}
	if f.ActionsMayNotCreatePRs && key == "POST pulls" {
		writeJSON(w, 403, map[string]any{"message": "GitHub Actions is not permitted to create or approve pull requests.",
			"documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request", "status": "403"})
		return
	}

	var fl *Failure
	if q := f.Failures[key]; len(q) > 0 {
		fl, f.Failures[key] = &q[0], q[1:]
		if !fl.After {
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

func (fl *Failure) write(w http.ResponseWriter) {
	for k, v := range fl.Headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(fl.Status)
	fmt.Fprint(w, fl.Body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *GitHub) pr(n int) *PR {
	for _, p := range f.PRs {
		if p.Number == n {
			return p
		}
	}
	return nil
}

func (f *GitHub) prJSON(p *PR) map[string]any {
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
		if !p.MergedAt.IsZero() {
			mergedAt = p.MergedAt.Format(time.RFC3339)
		}
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

func (f *GitHub) handle(r *http.Request, route string, id int, body map[string]any) (int, any) {
	str := func(k string) string { s, _ := body[k].(string); return s }
	strs := func(k string) []string {
		var out []string
		for _, v := range body[k].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	switch r.Method + " " + route {
	case "GET repo":
		visibility := "public"
		if f.Private {
			visibility = "private"
		}
		return 200, map[string]any{
			"id": 1296269, "name": "models", "full_name": "acme/models", "private": f.Private, "visibility": visibility,
			"owner":          map[string]any{"login": "acme", "type": "Organization"},
			"html_url":       "https://github.com/acme/models",
			"default_branch": "main",
			"permissions":    map[string]any{"admin": false, "maintain": false, "push": !f.ReadOnly, "triage": true, "pull": true},
		}
	case "GET pulls":
		q := r.URL.Query()
		state := q.Get("state")
		if state == "" {
			state = "open"
		}
		out := []any{}
		for i := len(f.PRs) - 1; i >= 0; i-- { // newest first, as sort=created&direction=desc
			p := f.PRs[i]
			if (state == "all" || p.State == state) && (q.Get("head") == "" || q.Get("head") == "acme:"+p.Head) {
				out = append(out, f.prJSON(p))
			}
		}
		return 200, out
	case "POST pulls":
		for _, p := range f.PRs {
			if p.State == "open" && p.Head == str("head") {
				return 422, map[string]any{"message": "Validation Failed", "errors": []any{map[string]any{"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for acme:" + p.Head + "."}}}
			}
		}
		p := &PR{Number: len(f.PRs) + 1, State: "open", Title: str("title"), Body: str("body"), Head: str("head"), Base: str("base"), HeadRepo: "acme/models", Created: time.Now().Add(time.Duration(len(f.PRs)) * time.Second)}
		f.PRs = append(f.PRs, p)
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
		for _, c := range f.Comments {
			if c.Issue == id {
				out = append(out, commentJSON(c))
			}
		}
		return 200, out
	case "POST comments":
		f.nextID++
		c := &Comment{ID: f.nextID, Issue: id, Body: str("body")}
		f.Comments = append(f.Comments, c)
		return 201, commentJSON(c)
	case "PATCH comment":
		for _, c := range f.Comments {
			if c.ID == int64(id) {
				c.Body = str("body")
				return 200, commentJSON(c)
			}
		}
	}
	return 404, map[string]any{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
}

func commentJSON(c *Comment) map[string]any {
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

// With runs fn holding the fake's lock, for changing its state or modes
// between requests.
func (f *GitHub) With(fn func(f *GitHub)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// Reqs returns the "METHOD route" keys of the requests received since the
// last call.
func (f *GitHub) Reqs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

// URL is the REST API base URL, with GitHub Enterprise's /api-v3/ prefix.
func (f *GitHub) URL() string { return f.srv.URL + "/api-v3/" }

// Server is the fake's HTTP server URL (no path).
func (f *GitHub) Server() string { return f.srv.URL }

// OpenPRs returns copies of the open pull requests, safe to call while
// requests are in flight.
func (f *GitHub) OpenPRs() []PR {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []PR
	for _, p := range f.PRs {
		if p.State == "open" {
			out = append(out, *p)
		}
	}
	return out
}
