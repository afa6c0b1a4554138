package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/fault"
)

// httpStore reads files from a web server. Its identity of a file is the
// server's ETag, else its Last-Modified time with the size; a file the
// server says neither about is refused: ctgit could not tell whether it
// changed without downloading it on every plan.
type httpStore struct {
	base   string // scheme://host
	client *http.Client
}

func (s *httpStore) do(ctx context.Context, method, key string, hdr http.Header) (*http.Response, error) {
	u := s.base + "/" + key
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, fault.Input(fmt.Errorf("%s: %w", u, err))
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	c := s.client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fault.Infra(fmt.Errorf("%s: %w", redact(u), err))
	}
	return resp, nil
}

// redact drops the query of a URL, which may carry a signature.
func redact(u string) string { return Redact(u) }

// Redact is an http(s) location with its query, which may carry a
// signature (a presigned URL), replaced by "…": the form every record,
// plan, trailer and message shows. Other locations are returned as they
// are.
func Redact(u string) string {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return u
	}
	if p, err := url.Parse(u); err == nil && p.RawQuery != "" {
		p.RawQuery = "…"
		return p.String()
	}
	return u
}

// Redacted is objs with their URLs redacted, for a manifest that is
// shown or stored.
func Redacted(objs []Object) []Object {
	out := make([]Object, len(objs))
	for i, o := range objs {
		o.URL = Redact(o.URL)
		out[i] = o
	}
	return out
}

func (s *httpStore) Stat(ctx context.Context, key string) (Object, bool, error) {
	u := s.base + "/" + key
	resp, err := s.do(ctx, http.MethodHead, key, nil)
	if err != nil {
		return Object{}, false, err
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return Object{}, false, fault.Input(fmt.Errorf("%s: the server says %s", redact(u), resp.Status))
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return Object{}, false, fault.Input(fmt.Errorf("%s: the server refuses it (%s)", redact(u), resp.Status))
	case resp.StatusCode >= 500:
		return Object{}, false, fault.Infra(fmt.Errorf("%s: the server failed (%s)", redact(u), resp.Status))
	case resp.StatusCode != http.StatusOK:
		return Object{}, false, fault.Input(fmt.Errorf("%s: unexpected answer %s", redact(u), resp.Status))
	}
	o := Object{URL: u, Size: resp.ContentLength}
	if o.Size < 0 {
		return Object{}, false, fault.Input(fmt.Errorf("%s: the server does not say its size (no Content-Length)", redact(u)))
	}
	if lm, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		o.Modified = lm.UTC()
	}
	switch etag := resp.Header.Get("ETag"); {
	case etag != "":
		o.ID = "http-etag:" + etag
	case !o.Modified.IsZero():
		o.ID = "modified:" + o.Modified.Format(time.RFC3339) + "/" + strconv.FormatInt(o.Size, 10)
	default:
		return Object{}, false, fault.Input(fmt.Errorf("%s: the server gives neither an ETag nor a Last-Modified time, so ctgit cannot tell when it changes; serve it with one of them", redact(u)))
	}
	return o, true, nil
}

func (s *httpStore) List(ctx context.Context, prefix string) ([]Object, error) {
	return nil, fault.Input(fmt.Errorf("%s/%s: a web server has no listing to read: name one file", s.base, prefix))
}

// Open downloads the file, asking the server for the version it listed
// (If-Match on its ETag, If-Unmodified-Since on its time): a file that
// changed since is an error, never a silent mix of versions.
func (s *httpStore) Open(ctx context.Context, key string, o Object) (io.ReadCloser, error) {
	hdr := http.Header{}
	if etag, ok := strings.CutPrefix(o.ID, "http-etag:"); ok {
		hdr.Set("If-Match", etag)
	} else if !o.Modified.IsZero() {
		hdr.Set("If-Unmodified-Since", o.Modified.Format(http.TimeFormat))
	}
	resp, err := s.do(ctx, http.MethodGet, key, hdr)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusPreconditionFailed {
		resp.Body.Close()
		return nil, fault.Input(fmt.Errorf("%s changed since ctgit listed it (%s); run again", redact(o.URL), o.ID))
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fault.Infra(fmt.Errorf("%s: %s", redact(o.URL), resp.Status))
	}
	if etag, ok := strings.CutPrefix(o.ID, "http-etag:"); ok && resp.Header.Get("ETag") != "" && resp.Header.Get("ETag") != etag {
		resp.Body.Close()
		return nil, fault.Input(fmt.Errorf("%s changed since ctgit listed it (ETag %s, now %s); run again", redact(o.URL), etag, resp.Header.Get("ETag")))
	}
	return resp.Body, nil
}

func (s *httpStore) Close() error { return nil }
