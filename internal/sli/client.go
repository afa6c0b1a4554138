package sli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/fault"
)

// Client reads from a Prometheus server's HTTP API (/api/v1/query and
// /api/v1/query_range). Credentials are sent, never printed: errors name
// the server by its URL without user information.
type Client struct {
	// URL is the server's base address ("https://prometheus.example:9090",
	// or with a path prefix behind a proxy).
	URL string
	// BearerToken, when set, is sent as "Authorization: Bearer …".
	BearerToken string
	// Username and Password, when Username is set, are sent as HTTP basic
	// authentication (ignored when BearerToken is set).
	Username, Password string
	// HTTP is the client to use; http.DefaultClient when nil. Requests are
	// bounded by the context passed to each call, not by HTTP.Timeout.
	HTTP *http.Client
}

// String names the server without its credentials, so that printing a
// Client (%v, %+v) cannot leak them.
func (c Client) String() string {
	auth := "no auth"
	switch {
	case c.BearerToken != "":
		auth = "bearer token"
	case c.Username != "":
		auth = "basic auth as " + c.Username
	}
	return "prometheus " + c.server() + " (" + auth + ")"
}

// GoString is String, for %#v.
func (c Client) GoString() string { return c.String() }

// Point is one value of a series at one time.
type Point struct {
	Time  time.Time
	Value float64
}

// Series is one time series of a result: its labels and its points (one
// for an instant query).
type Series struct {
	Labels map[string]string
	Points []Point
}

// String is the series' labels in PromQL's selector form, for messages.
func (s Series) String() string {
	name := s.Labels["__name__"]
	var pairs []string
	for _, k := range sortedKeys(s.Labels) {
		if k != "__name__" {
			pairs = append(pairs, fmt.Sprintf("%s=%q", k, s.Labels[k]))
		}
	}
	return name + "{" + strings.Join(pairs, ", ") + "}"
}

// QueryError is a query Prometheus refused (HTTP 400 bad_data: it does not
// parse, or 422 execution: it cannot be evaluated), with Prometheus' own
// message. It is bad input: the query needs fixing, not retrying.
type QueryError struct {
	// Query is the query as sent, templates rendered.
	Query string
	// Type is Prometheus' errorType ("bad_data", "execution").
	Type string
	// Message is Prometheus' error text, e.g. `1:15: parse error: …`.
	Message string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("prometheus refused the query %s: %s", e.Query, e.Message)
}

// Fault says a refused query is bad input.
func (e *QueryError) Fault() fault.Kind { return fault.BadInput }

// UnavailableError is a Prometheus that could not answer: unreachable,
// timed out, refusing the credentials, or failing (5xx). It is an
// infrastructure failure: nothing about the query is known.
type UnavailableError struct {
	// Server is the base URL without user information.
	Server string
	// Status is the HTTP status, 0 when none came back.
	Status int
	// Err is the cause.
	Err error
}

func (e *UnavailableError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("prometheus at %s answered %d: %v", e.Server, e.Status, e.Err)
	}
	return fmt.Sprintf("prometheus at %s: %v", e.Server, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// Fault says an unavailable server is an infrastructure failure.
func (e *UnavailableError) Fault() fault.Kind { return fault.Infrastructure }

// Query evaluates q at the instant at (/api/v1/query). A scalar result is
// one series without labels.
func (c *Client) Query(ctx context.Context, q string, at time.Time) ([]Series, error) {
	form := url.Values{"query": {q}, "time": {formatTime(at)}}
	return c.do(ctx, "/api/v1/query", q, form)
}

// QueryRange evaluates q at start, start+step, … up to end
// (/api/v1/query_range).
func (c *Client) QueryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) ([]Series, error) {
	if step <= 0 {
		return nil, fault.Input(fmt.Errorf("range query %s: step %s is not positive", q, step))
	}
	form := url.Values{
		"query": {q},
		"start": {formatTime(start)},
		"end":   {formatTime(end)},
		"step":  {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
	}
	return c.do(ctx, "/api/v1/query_range", q, form)
}

// server is the base URL without user information or query, for messages.
func (c *Client) server() string {
	u, err := url.Parse(c.URL)
	if err != nil {
		return "(an unparsable URL)"
	}
	u.User = nil
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

// maxBody bounds what is read of an answer: a query that selects millions
// of series is refused rather than held in memory.
const maxBody = 64 << 20

func (c *Client) do(ctx context.Context, path, q string, form url.Values) ([]Series, error) {
	unavailable := func(status int, err error) error {
		return &UnavailableError{Server: c.server(), Status: status, Err: err}
	}
	base, err := url.Parse(c.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fault.Input(fmt.Errorf("prometheus URL %s is not an http(s) URL", c.server()))
	}
	endpoint := strings.TrimSuffix(base.String(), "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, unavailable(0, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	switch {
	case c.BearerToken != "":
		req.Header.Set("Authorization", "Bearer "+c.BearerToken)
	case c.Username != "":
		req.SetBasicAuth(c.Username, c.Password)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		// url.Error repeats the URL, which may carry user information:
		// keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, unavailable(0, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, unavailable(resp.StatusCode, fmt.Errorf("reading the answer: %w", err))
	}
	if len(body) > maxBody {
		return nil, fault.Input(fmt.Errorf("query %s: the answer is larger than %d MiB; select fewer series", q, maxBody>>20))
	}
	var env struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Data      json.RawMessage `json:"data"`
	}
	jsonErr := json.Unmarshal(body, &env)
	switch {
	case jsonErr == nil && env.Status == "error" && (resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnprocessableEntity):
		return nil, &QueryError{Query: q, Type: env.ErrorType, Message: env.Error}
	case jsonErr == nil && env.Status == "error":
		return nil, unavailable(resp.StatusCode, fmt.Errorf("%s: %s", env.ErrorType, env.Error))
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, unavailable(resp.StatusCode, errors.New("the credentials were refused"))
	case resp.StatusCode != http.StatusOK:
		return nil, unavailable(resp.StatusCode, fmt.Errorf("%s", snippet(body)))
	case jsonErr != nil || env.Status != "success":
		return nil, unavailable(resp.StatusCode, fmt.Errorf("not a Prometheus API answer: %s", snippet(body)))
	}
	series, err := decodeData(env.Data)
	if err != nil {
		return nil, fault.Input(fmt.Errorf("query %s: %w", q, err))
	}
	return series, nil
}

// decodeData reads the data of a query answer: a vector, a matrix or a
// scalar. A string result is refused: an SLI is a number.
func decodeData(raw json.RawMessage) ([]Series, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		return nil, err
	}
	switch data.ResultType {
	case "vector":
		var v []struct {
			Metric map[string]string `json:"metric"`
			Value  sample            `json:"value"`
		}
		if err := json.Unmarshal(data.Result, &v); err != nil {
			return nil, err
		}
		out := make([]Series, len(v))
		for i, s := range v {
			out[i] = Series{Labels: s.Metric, Points: []Point{Point(s.Value)}}
		}
		return out, nil
	case "matrix":
		var m []struct {
			Metric map[string]string `json:"metric"`
			Values []sample          `json:"values"`
		}
		if err := json.Unmarshal(data.Result, &m); err != nil {
			return nil, err
		}
		out := make([]Series, len(m))
		for i, s := range m {
			pts := make([]Point, len(s.Values))
			for j, p := range s.Values {
				pts[j] = Point(p)
			}
			out[i] = Series{Labels: s.Metric, Points: pts}
		}
		return out, nil
	case "scalar":
		var p sample
		if err := json.Unmarshal(data.Result, &p); err != nil {
			return nil, err
		}
		return []Series{{Labels: map[string]string{}, Points: []Point{Point(p)}}}, nil
	}
	return nil, fmt.Errorf("the result is a %s, not a number", data.ResultType)
}

// sample is a point as the API writes it: [unix seconds, "value"].
type sample Point

func (s *sample) UnmarshalJSON(b []byte) error {
	var pair [2]json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	var secs float64
	if err := json.Unmarshal(pair[0], &secs); err != nil {
		return err
	}
	var str string
	if err := json.Unmarshal(pair[1], &str); err != nil {
		return err
	}
	v, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return err
	}
	whole, frac := math.Modf(secs)
	s.Time = time.Unix(int64(whole), int64(math.Round(frac*1e3))*1e6).UTC()
	s.Value = v
	return nil
}

// formatTime writes t as the API reads it: unix seconds with milliseconds.
func formatTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1e3, 'f', 3, 64)
}

// snippet is the start of an answer that is not the API's, for a message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "an empty answer"
	}
	return s
}
