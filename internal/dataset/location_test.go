package dataset

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want Location
		err  string
	}{
		{raw: "data/train.csv", want: Location{Prefix: "data/train.csv"}},
		{raw: "data/dt=*/part-*.csv", want: Location{Prefix: "data/", Pattern: "data/dt=*/part-*.csv"}},
		{raw: "s3://lake/fraud/", want: Location{Scheme: "s3", Bucket: "lake", Prefix: "fraud/"}},
		{raw: "s3://lake/fraud/dt=*/part-*.csv", want: Location{Scheme: "s3", Bucket: "lake", Prefix: "fraud/", Pattern: "fraud/dt=*/part-*.csv"}},
		{raw: "s3://lake", want: Location{Scheme: "s3", Bucket: "lake"}},
		{raw: "gs://lake/**/*.parquet", want: Location{Scheme: "gs", Bucket: "lake", Pattern: "**/*.parquet"}},
		{raw: "azblob://container/x.csv", want: Location{Scheme: "azblob", Bucket: "container", Prefix: "x.csv"}},
		{raw: "https://example.com/d/train.csv?sig=1", want: Location{Scheme: "https", Bucket: "example.com", Prefix: "d/train.csv?sig=1"}},
		{raw: "http://127.0.0.1:8080/train.csv", want: Location{Scheme: "http", Bucket: "127.0.0.1:8080", Prefix: "train.csv"}},
		{raw: "http://localhost/train.csv", want: Location{Scheme: "http", Bucket: "localhost", Prefix: "train.csv"}},
		{raw: "http://[::1]:80/train.csv", want: Location{Scheme: "http", Bucket: "[::1]:80", Prefix: "train.csv"}},
		{raw: "", err: "empty"},
		{raw: "http://example.com/train.csv", err: "only for a server on this machine"},
		{raw: "http://127.0.0.1.example.com/train.csv", err: "only for a server on this machine"},
		{raw: "ftp://host/x.csv", err: `unknown scheme "ftp"`},
		{raw: "s3:///x.csv", err: "names no bucket"},
		{raw: "s3://lake-*/x.csv", err: "cannot hold a glob"},
		{raw: "https://example.com/data/", err: "names one file"},
		{raw: "https://example.com", err: "names one file"},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := Parse(tc.raw)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Parse(%q) = %+v, %v; want an error saying %q", tc.raw, got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Raw = tc.raw
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tc.raw, diff)
			}
		})
	}
}

// FuzzParse checks what Parse promises of every location it accepts.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"data/x.csv", "s3://lake/fraud/dt=*/part-*.csv", "http://127.0.0.1:1/x.csv", "https://h/x?y", "gs://b/**", "http://evil.com/x.csv"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		l, err := Parse(raw)
		if err != nil {
			return
		}
		if l.Raw != raw || l.String() != raw {
			t.Errorf("Raw = %q, want %q", l.Raw, raw)
		}
		if !l.Remote() {
			return
		}
		if l.Bucket == "" || strings.ContainsAny(l.Bucket, globChars) {
			t.Errorf("%q: bucket %q", raw, l.Bucket)
		}
		if l.Scheme == "http" && !strings.HasPrefix(l.Bucket, "127.") && !strings.HasPrefix(l.Bucket, "localhost") && !strings.HasPrefix(l.Bucket, "[::1]") {
			t.Errorf("%q: http:// accepted for host %q", raw, l.Bucket)
		}
		if l.Pattern != "" && !strings.HasPrefix(l.Pattern, l.Prefix) {
			t.Errorf("%q: pattern %q does not start with prefix %q", raw, l.Pattern, l.Prefix)
		}
	})
}
