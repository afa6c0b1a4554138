// Package gcsblob is a gocloud.dev/blob driver for Google Cloud Storage
// that speaks GCS's JSON API over plain HTTP.
//
// Google's own client library (cloud.google.com/go/storage) links gRPC,
// Envoy's control-plane protos, OpenTelemetry's SDK and Cloud Monitoring
// into every binary that imports it, and initialises them at start-up:
// tens of milliseconds and megabytes before any command runs, for stores
// most commands never open. ctgit needs only listing, metadata, reads
// (conditional on a generation) and whole-object writes, which are a few
// HTTP requests.
//
// Credentials are Google's application-default credentials; when
// STORAGE_EMULATOR_HOST names an emulator (fake-gcs-server), none are
// read or sent, as Google's libraries do.
package gcsblob

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/gcerrors"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"google.golang.org/api/googleapi"
)

// Scheme is the URL scheme this driver opens through blob.OpenBucket.
const Scheme = "gs"

// scope is what the credentials are asked for, as gocloud.dev's gcp
// package asks.
const scope = "https://www.googleapis.com/auth/cloud-platform"

func init() {
	blob.DefaultURLMux().RegisterBucket(Scheme, urlOpener{})
}

// urlOpener opens gs://BUCKET URLs with OpenBucket.
type urlOpener struct{}

func (urlOpener) OpenBucketURL(ctx context.Context, u *url.URL) (*blob.Bucket, error) {
	return OpenBucket(ctx, u.Host)
}

// ErrBucketNotExist is returned (wrapped) when a listing finds no bucket.
var ErrBucketNotExist = errors.New("storage: bucket doesn't exist")

// Object is what GCS says about an object. Attributes, list entries and
// readers give it through As (a *Object target).
type Object struct {
	Name        string
	Size        int64
	Generation  int64
	MD5         []byte
	ETag        string
	ContentType string
	Updated     time.Time
	Created     time.Time
	Metadata    map[string]string
}

// Conditions are the preconditions of a read. A reader's BeforeRead gets
// them through As (a **Conditions target) and may set them.
type Conditions struct {
	// GenerationMatch, when not 0, makes the read fail with
	// gcerrors.FailedPrecondition unless the object is at that generation.
	GenerationMatch int64
}

// OpenBucket opens the bucket name with the environment's credentials:
// none for an emulator named by STORAGE_EMULATOR_HOST, else Google's
// application-default credentials. Missing credentials are an error that
// says where Google's tools look for them.
func OpenBucket(ctx context.Context, name string) (*blob.Bucket, error) {
	b := &bucket{name: name, endpoint: "https://storage.googleapis.com"}
	if host := os.Getenv("STORAGE_EMULATOR_HOST"); host != "" {
		if !strings.Contains(host, "://") {
			host = "http://" + host
		}
		b.endpoint = strings.TrimSuffix(host, "/")
		b.client = &http.Client{Transport: http.DefaultTransport}
	} else {
		creds, err := google.FindDefaultCredentials(ctx, scope)
		if err != nil {
			return nil, err
		}
		// The token source outlives ctx: it refreshes for later requests.
		b.client = oauth2.NewClient(context.Background(), creds.TokenSource)
	}
	return blob.NewBucket(b), nil
}

// bucket is the driver.
type bucket struct {
	name     string
	endpoint string // scheme://host, without a path
	client   *http.Client
}

var _ driver.Bucket = (*bucket)(nil)

// objectURL is the JSON API URL of key's metadata.
func (b *bucket) objectURL(key string) string {
	return b.endpoint + "/storage/v1/b/" + url.PathEscape(b.name) + "/o/" + url.PathEscape(key)
}

// attempts bounds the tries of a request that failed transiently (a
// server that cannot be reached, 429, 5xx); a few quick ones ride out a
// blip without hanging a run on a store that is down.
const attempts = 4

// do sends the request made by mk, retrying transient failures, and
// returns a 2xx response or an error: a *googleapi.Error for an HTTP
// error status.
func (b *bucket) do(ctx context.Context, mk func() (*http.Request, error)) (*http.Response, error) {
	wait := 100 * time.Millisecond
	for try := 1; ; try++ {
		req, err := mk()
		if err != nil {
			return nil, err
		}
		resp, err := b.client.Do(req.WithContext(ctx))
		if err == nil && resp.StatusCode/100 == 2 {
			return resp, nil
		}
		if err == nil {
			err = responseError(resp)
		}
		if try == attempts || !transient(err) || ctx.Err() != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// transient reports whether a failed request may succeed when sent again.
func transient(err error) bool {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code == http.StatusTooManyRequests || ge.Code >= 500
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF)
}

// responseError reads GCS's JSON error from resp and closes its body.
func responseError(resp *http.Response) error {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	ge := &googleapi.Error{Code: resp.StatusCode, Header: resp.Header, Body: string(body)}
	var e struct {
		Error struct {
			Message string `json:"message"`
			Errors  []struct {
				Reason  string `json:"reason"`
				Message string `json:"message"`
			} `json:"errors"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil {
		ge.Message = e.Error.Message
		for _, it := range e.Error.Errors {
			ge.Errors = append(ge.Errors, googleapi.ErrorItem{Reason: it.Reason, Message: it.Message})
		}
	}
	if ge.Message == "" {
		ge.Message = http.StatusText(resp.StatusCode)
	}
	return ge
}

// jsonObject is an object resource of the JSON API.
type jsonObject struct {
	Name        string            `json:"name"`
	Size        string            `json:"size"`
	Generation  string            `json:"generation"`
	MD5Hash     string            `json:"md5Hash"`
	ETag        string            `json:"etag"`
	ContentType string            `json:"contentType"`
	Updated     time.Time         `json:"updated"`
	TimeCreated time.Time         `json:"timeCreated"`
	Metadata    map[string]string `json:"metadata"`

	CacheControl       string `json:"cacheControl"`
	ContentDisposition string `json:"contentDisposition"`
	ContentEncoding    string `json:"contentEncoding"`
	ContentLanguage    string `json:"contentLanguage"`
}

func (j *jsonObject) object() *Object {
	o := &Object{Name: j.Name, ETag: j.ETag, ContentType: j.ContentType, Updated: j.Updated, Created: j.TimeCreated, Metadata: j.Metadata}
	o.Size, _ = strconv.ParseInt(j.Size, 10, 64)
	o.Generation, _ = strconv.ParseInt(j.Generation, 10, 64)
	o.MD5, _ = base64.StdEncoding.DecodeString(j.MD5Hash)
	return o
}

// asObject is an As function that gives o to a *Object target.
func asObject(o *Object) func(any) bool {
	return func(i any) bool {
		p, ok := i.(*Object)
		if ok {
			*p = *o
		}
		return ok
	}
}

func (b *bucket) get(ctx context.Context, u string, v any) error {
	resp, err := b.do(ctx, func() (*http.Request, error) { return http.NewRequest(http.MethodGet, u, nil) })
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

func (b *bucket) Attributes(ctx context.Context, key string) (*driver.Attributes, error) {
	var j jsonObject
	if err := b.get(ctx, b.objectURL(key), &j); err != nil {
		return nil, err
	}
	o := j.object()
	return &driver.Attributes{
		CacheControl:       j.CacheControl,
		ContentDisposition: j.ContentDisposition,
		ContentEncoding:    j.ContentEncoding,
		ContentLanguage:    j.ContentLanguage,
		ContentType:        o.ContentType,
		Metadata:           o.Metadata,
		CreateTime:         o.Created,
		ModTime:            o.Updated,
		Size:               o.Size,
		MD5:                o.MD5,
		ETag:               o.ETag,
		AsFunc:             asObject(o),
	}, nil
}

func (b *bucket) ListPaged(ctx context.Context, opts *driver.ListOptions) (*driver.ListPage, error) {
	if opts.BeforeList != nil {
		if err := opts.BeforeList(func(any) bool { return false }); err != nil {
			return nil, err
		}
	}
	q := url.Values{}
	if opts.Prefix != "" {
		q.Set("prefix", opts.Prefix)
	}
	if opts.Delimiter != "" {
		q.Set("delimiter", opts.Delimiter)
	}
	pageSize := opts.PageSize
	if pageSize == 0 {
		pageSize = 1000
	}
	q.Set("maxResults", strconv.Itoa(pageSize))
	if len(opts.PageToken) > 0 {
		q.Set("pageToken", string(opts.PageToken))
	}
	var page struct {
		Items         []jsonObject `json:"items"`
		Prefixes      []string     `json:"prefixes"`
		NextPageToken string       `json:"nextPageToken"`
	}
	u := b.endpoint + "/storage/v1/b/" + url.PathEscape(b.name) + "/o?" + q.Encode()
	if err := b.get(ctx, u, &page); err != nil {
		var ge *googleapi.Error
		if errors.As(err, &ge) && ge.Code == http.StatusNotFound {
			// Listing an existing bucket never answers 404.
			return nil, fmt.Errorf("%w: %w", ErrBucketNotExist, err)
		}
		return nil, err
	}
	out := &driver.ListPage{NextPageToken: []byte(page.NextPageToken)}
	for i := range page.Items {
		o := page.Items[i].object()
		out.Objects = append(out.Objects, &driver.ListObject{Key: o.Name, ModTime: o.Updated, Size: o.Size, MD5: o.MD5, AsFunc: asObject(o)})
	}
	for _, p := range page.Prefixes {
		out.Objects = append(out.Objects, &driver.ListObject{Key: p, IsDir: true, AsFunc: func(any) bool { return false }})
	}
	if len(page.Prefixes) > 0 {
		// Prefixes come after the objects of the page; the portable type
		// wants the page in key order.
		slices.SortFunc(out.Objects, func(a, b *driver.ListObject) int { return strings.Compare(a.Key, b.Key) })
	}
	return out, nil
}

func (b *bucket) NewRangeReader(ctx context.Context, key string, offset, length int64, opts *driver.ReaderOptions) (driver.Reader, error) {
	cond := &Conditions{}
	if opts.BeforeRead != nil {
		as := func(i any) bool {
			p, ok := i.(**Conditions)
			if ok {
				*p = cond
			}
			return ok
		}
		if err := opts.BeforeRead(as); err != nil {
			return nil, err
		}
	}
	if length == 0 {
		a, err := b.Attributes(ctx, key)
		if err != nil {
			return nil, err
		}
		var o Object
		a.AsFunc(&o)
		if cond.GenerationMatch != 0 && o.Generation != cond.GenerationMatch {
			return nil, &googleapi.Error{Code: http.StatusPreconditionFailed, Message: "generation does not match"}
		}
		return &reader{body: http.NoBody, attrs: driver.ReaderAttributes{ContentType: o.ContentType, ModTime: o.Updated, Size: o.Size}, obj: o}, nil
	}
	q := url.Values{"alt": {"media"}}
	if cond.GenerationMatch != 0 {
		q.Set("ifGenerationMatch", strconv.FormatInt(cond.GenerationMatch, 10))
	}
	u := b.objectURL(key) + "?" + q.Encode()
	resp, err := b.do(ctx, func() (*http.Request, error) {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		switch {
		case length > 0:
			req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", offset, offset+length-1))
		case offset > 0:
			req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
		}
		return req, nil
	})
	if err != nil {
		return nil, err
	}
	h := resp.Header
	o := Object{Name: key, ETag: h.Get("Etag"), ContentType: h.Get("Content-Type")}
	o.Generation, _ = strconv.ParseInt(h.Get("X-Goog-Generation"), 10, 64)
	o.Updated, _ = http.ParseTime(h.Get("Last-Modified"))
	o.Size = resp.ContentLength
	if _, total, ok := strings.Cut(h.Get("Content-Range"), "/"); ok {
		o.Size, _ = strconv.ParseInt(total, 10, 64)
	} else if s := h.Get("X-Goog-Stored-Content-Length"); o.Size < 0 && s != "" {
		o.Size, _ = strconv.ParseInt(s, 10, 64)
	}
	for _, part := range strings.Split(h.Get("X-Goog-Hash"), ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "md5="); ok {
			o.MD5, _ = base64.StdEncoding.DecodeString(v)
		}
	}
	return &reader{body: resp.Body, attrs: driver.ReaderAttributes{ContentType: o.ContentType, ModTime: o.Updated, Size: o.Size}, obj: o}, nil
}

// reader reads an object's bytes.
type reader struct {
	body  io.ReadCloser
	attrs driver.ReaderAttributes
	obj   Object
}

func (r *reader) Read(p []byte) (int, error)           { return r.body.Read(p) }
func (r *reader) Close() error                         { return r.body.Close() }
func (r *reader) Attributes() *driver.ReaderAttributes { return &r.attrs }
func (r *reader) As(i any) bool                        { return asObject(&r.obj)(i) }

func (b *bucket) NewTypedWriter(ctx context.Context, key, contentType string, opts *driver.WriterOptions) (driver.Writer, error) {
	if opts.BeforeWrite != nil {
		if err := opts.BeforeWrite(func(any) bool { return false }); err != nil {
			return nil, err
		}
	}
	q := url.Values{"uploadType": {"media"}, "name": {key}}
	if opts.IfNotExist {
		q.Set("ifGenerationMatch", "0")
	}
	u := b.endpoint + "/upload/storage/v1/b/" + url.PathEscape(b.name) + "/o?" + q.Encode()
	pr, pw := io.Pipe()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, pr)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	w := &writer{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		resp, err := b.client.Do(req)
		if err == nil {
			if resp.StatusCode/100 == 2 {
				resp.Body.Close()
			} else {
				err = responseError(resp)
			}
		}
		w.err = err
		// A request that ended before reading everything must not leave
		// Write blocked.
		pr.CloseWithError(errors.Join(err, errors.New("upload ended")))
	}()
	return w, nil
}

// writer streams an object to a single-request upload; Close waits for
// GCS's answer, and the object exists only when it succeeded.
type writer struct {
	pw   *io.PipeWriter
	done chan struct{}
	err  error
}

func (w *writer) Write(p []byte) (int, error) { return w.pw.Write(p) }

func (w *writer) Close() error {
	w.pw.Close()
	<-w.done
	return w.err
}

func (b *bucket) Copy(ctx context.Context, dstKey, srcKey string, opts *driver.CopyOptions) error {
	u := b.objectURL(srcKey) + "/rewriteTo/b/" + url.PathEscape(b.name) + "/o/" + url.PathEscape(dstKey)
	resp, err := b.do(ctx, func() (*http.Request, error) { return http.NewRequest(http.MethodPost, u, nil) })
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func (b *bucket) Delete(ctx context.Context, key string, opts *driver.DeleteOptions) error {
	resp, err := b.do(ctx, func() (*http.Request, error) { return http.NewRequest(http.MethodDelete, b.objectURL(key), nil) })
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func (b *bucket) SignedURL(context.Context, string, *driver.SignedURLOptions) (string, error) {
	return "", &googleapi.Error{Code: http.StatusNotImplemented, Message: "signed URLs are not supported"}
}

// ErrorCode maps errors as gocloud.dev's own GCS driver does; in
// particular GCS's 403 ("denied on resource (or it may not exist)") is
// NotFound.
func (b *bucket) ErrorCode(err error) gcerrors.ErrorCode {
	if errors.Is(err, ErrBucketNotExist) {
		return gcerrors.NotFound
	}
	if errors.Is(err, context.Canceled) {
		return gcerrors.Canceled
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return gcerrors.DeadlineExceeded
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		switch ge.Code {
		case http.StatusForbidden, http.StatusNotFound:
			return gcerrors.NotFound
		case http.StatusPreconditionFailed:
			return gcerrors.FailedPrecondition
		case http.StatusTooManyRequests:
			return gcerrors.ResourceExhausted
		case http.StatusNotImplemented:
			return gcerrors.Unimplemented
		case http.StatusBadRequest:
			return gcerrors.InvalidArgument
		case http.StatusConflict:
			return gcerrors.AlreadyExists
		}
	}
	return gcerrors.Unknown
}

// As gives nothing: the driver has no client of its own to expose.
func (b *bucket) As(any) bool { return false }

func (b *bucket) ErrorAs(err error, i any) bool { return errors.As(err, i) }

func (b *bucket) Close() error { return nil }
