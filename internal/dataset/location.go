package dataset

import (
	"fmt"
	"net"
	"net/url"
	"path"
	"strings"
)

// Location is a parsed data location as a pipeline writes it.
type Location struct {
	// Raw is the location as written.
	Raw string
	// Scheme is "" for a repository path, else "s3", "gs", "azblob",
	// "https" or "http".
	Scheme string
	// Bucket is the bucket (object stores) or host (https).
	Bucket string
	// Prefix is the fixed part of the path before any glob character: a
	// repository path or an object key prefix (no leading "/" for
	// stores).
	Prefix string
	// Pattern, when not empty, is a glob over the whole path (Prefix
	// included) that objects must match: `*` within a path element, `**`
	// across them.
	Pattern string
}

// Remote reports whether the location is in a store rather than the
// repository.
func (l Location) Remote() bool { return l.Scheme != "" }

// String is the location as written.
func (l Location) String() string { return l.Raw }

// URL returns the URL of key in the location's store.
func (l Location) URL(key string) string {
	switch l.Scheme {
	case "":
		return key
	case "https", "http":
		return l.Scheme + "://" + l.Bucket + "/" + key
	}
	return l.Scheme + "://" + l.Bucket + "/" + key
}

// Schemes are the URL schemes a data location may have.
var Schemes = []string{"s3", "gs", "azblob", "https"}

// globChars start a glob in a path.
const globChars = "*?[{"

// Parse parses a data location: a repository path (file, directory or
// glob) or a URL with one of Schemes. http:// is accepted only for a
// loopback host, for a file server on this machine.
func Parse(raw string) (Location, error) {
	l := Location{Raw: raw}
	if raw == "" {
		return l, fmt.Errorf("data location is empty")
	}
	scheme, rest, isURL := strings.Cut(raw, "://")
	if !isURL {
		l.Prefix, l.Pattern = splitGlob(raw)
		return l, nil
	}
	switch scheme {
	case "s3", "gs", "azblob", "https":
	case "http":
		u, err := url.Parse(raw)
		if err != nil || !loopback(u.Hostname()) {
			return l, fmt.Errorf("%s: http:// is accepted only for a server on this machine (localhost, 127.0.0.1, ::1); use https://", Redact(raw))
		}
	default:
		return l, fmt.Errorf("%s: unknown scheme %q; data is a repository path or a URL with s3://, gs://, azblob:// or https://", raw, scheme)
	}
	l.Scheme = scheme
	host, key, _ := strings.Cut(rest, "/")
	if host == "" {
		return l, fmt.Errorf("%s: names no bucket or host", raw)
	}
	if strings.ContainsAny(host, globChars) && !ipv6Host(host) {
		return l, fmt.Errorf("%s: a bucket or host cannot hold a glob", raw)
	}
	l.Bucket = host
	if scheme == "https" || scheme == "http" {
		// An https URL names one file: its query is part of it, and it
		// holds no glob.
		if key == "" || strings.HasSuffix(key, "/") {
			return l, fmt.Errorf("%s: an https:// location names one file, not a directory (a web server has no listing to read)", Redact(raw))
		}
		l.Prefix = key
		return l, nil
	}
	l.Prefix, l.Pattern = splitGlob(key)
	return l, nil
}

// splitGlob cuts p into the fixed directory prefix before its first glob
// element and the whole pattern ("" when p holds no glob).
func splitGlob(p string) (prefix, pattern string) {
	i := strings.IndexAny(p, globChars)
	if i < 0 {
		return p, ""
	}
	dir := p[:i]
	if j := strings.LastIndex(dir, "/"); j >= 0 {
		return dir[:j+1], p
	}
	return "", p
}

// ipv6Host reports whether host is an IPv6 literal in brackets with an
// optional port ("[::1]:8080"): its "[" starts no glob.
func ipv6Host(host string) bool {
	inner, port, ok := strings.Cut(strings.TrimPrefix(host, "["), "]")
	return ok && strings.HasPrefix(host, "[") && net.ParseIP(inner) != nil && !strings.ContainsAny(port, globChars)
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// dataExt reports whether name looks like a data file ctgit reads: a
// directory of parts is read for these and nothing else (a _SUCCESS
// marker, a .crc file, a README are left out).
func dataExt(name string) bool {
	n := strings.ToLower(name)
	for _, c := range []string{".gz", ".zst", ".zstd"} {
		n = strings.TrimSuffix(n, c)
	}
	switch path.Ext(n) {
	case ".csv", ".parquet", ".pq":
		return true
	}
	return false
}

// baseName is the last element of a URL's path, without an http(s)
// URL's query or fragment: the name a downloaded object is kept under,
// whose extension says its format. (An object store's key may hold "?".)
func baseName(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
	}
	return path.Base(u)
}
