package sli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/testproc"
)

func TestQuery(t *testing.T) {
	srv, exp, c := live(t)
	m := model(t)
	exp.Set("model_accuracy", labels(m, "1.2.0", "canary"), 0.93)
	srv.WaitFor(t, `model_accuracy{model="`+m+`"}`)
	ctx := context.Background()
	now := time.Now()

	got, err := c.Query(ctx, `model_accuracy{model="`+m+`"}`, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Labels["channel"] != "canary" || got[0].Points[0].Value != 0.93 {
		t.Fatalf("Query = %+v, want the canary's 0.93", got)
	}
	if d := got[0].Points[0].Time.Sub(now); d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("the point is at %s, want the instant asked for, %s", got[0].Points[0].Time, now)
	}

	got, err = c.Query(ctx, `scalar(model_accuracy{model="`+m+`"}) * 2`, now)
	if err != nil || len(got) != 1 || len(got[0].Labels) != 0 || got[0].Points[0].Value != 1.86 {
		t.Errorf("a scalar = %+v, %v; want one unlabelled 1.86", got, err)
	}

	got, err = c.QueryRange(ctx, `model_accuracy{model="`+m+`"}`, now.Add(-2*time.Second), now, 500*time.Millisecond)
	if err != nil || len(got) != 1 || len(got[0].Points) == 0 || len(got[0].Points) > 5 {
		t.Errorf("QueryRange = %+v, %v; want one series of at most 5 points", got, err)
	}

	_, err = c.Query(ctx, `"a string"`, now)
	if err == nil || !strings.Contains(err.Error(), "not a number") || fault.KindOf(err) != fault.BadInput {
		t.Errorf("a string result = %v, want bad input", err)
	}
}

func TestQueryRefused(t *testing.T) {
	_, _, c := live(t)
	for _, q := range []string{`sum(model_accuracy{model="x"}`, `model_accuracy{model="x"}[5m] + 1`} {
		_, err := c.Query(context.Background(), q, time.Now())
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Fatalf("Query(%s) = %v, want a *QueryError", q, err)
		}
		// Prometheus' own words, e.g. "1:29: parse error: unclosed left
		// parenthesis".
		if qe.Type != "bad_data" || !strings.Contains(qe.Message, "parse error") || qe.Query != q {
			t.Errorf("QueryError = %+v, want bad_data with Prometheus' parse error", qe)
		}
		if fault.KindOf(err) != fault.BadInput {
			t.Errorf("a refused query is %s, want bad input", fault.KindOf(err))
		}
	}
}

func TestUnavailable(t *testing.T) {
	port, err := testproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer hang.Close()
	defer close(release)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream connect error", http.StatusBadGateway)
	}))
	defer failing.Close()
	for _, tc := range []struct {
		name   string
		url    string
		status int
	}{
		{"down", "http://u:hunter2@127.0.0.1:" + strconv.Itoa(port), 0},
		{"hanging", hang.URL, 0},
		{"bad gateway", failing.URL, http.StatusBadGateway},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			c := &Client{URL: tc.url, BearerToken: "tok-secret"}
			_, err := c.Query(ctx, "up", time.Now())
			var ue *UnavailableError
			if !errors.As(err, &ue) || ue.Status != tc.status {
				t.Fatalf("Query = %v, want an *UnavailableError with status %d", err, tc.status)
			}
			if fault.KindOf(err) != fault.Infrastructure {
				t.Errorf("unavailable is %s, want infrastructure", fault.KindOf(err))
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "tok-secret") {
				t.Errorf("the error shows a credential: %v", err)
			}
		})
	}
}

// TestCredentials checks on a proxy in front of Prometheus that the
// bearer token and basic authentication are sent, and that a refusal
// shows neither.
func TestCredentials(t *testing.T) {
	srv, _, _ := live(t)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	proxy := httputil.NewSingleHostReverseProxy(target)
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		user, pass, basic := r.BasicAuth()
		if r.Header.Get("Authorization") != "Bearer tok-secret" && !(basic && user == "ml" && pass == "pa55") {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer gate.Close()
	ctx := context.Background()
	for _, c := range []*Client{{URL: gate.URL, BearerToken: "tok-secret"}, {URL: gate.URL, Username: "ml", Password: "pa55"}} {
		if _, err := c.Query(ctx, "vector(1)", time.Now()); err != nil {
			t.Errorf("with credentials: %v", err)
		}
	}
	for _, c := range []*Client{{URL: gate.URL, BearerToken: "wrong-token"}, {URL: gate.URL, Username: "ml", Password: "wrong-pass"}} {
		_, err := c.Query(ctx, "vector(1)", time.Now())
		var ue *UnavailableError
		if !errors.As(err, &ue) || ue.Status != http.StatusUnauthorized {
			t.Fatalf("refused credentials = %v, want an *UnavailableError with 401", err)
		}
		if strings.Contains(err.Error(), "wrong-") {
			t.Errorf("the error shows a credential: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 4 || seen[0] != "Bearer tok-secret" || !strings.HasPrefix(seen[1], "Basic ") {
		t.Errorf("Authorization headers seen = %q", seen)
	}
}

func TestClientPrintsNoCredentials(t *testing.T) {
	c := &Client{URL: "https://u:hunter2@prom.example/", BearerToken: "tok-secret", Username: "ml", Password: "pa55"}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(f, c); strings.Contains(s, "hunter2") || strings.Contains(s, "tok-secret") || strings.Contains(s, "pa55") {
			t.Errorf("%s prints a credential: %s", f, s)
		}
	}
}
