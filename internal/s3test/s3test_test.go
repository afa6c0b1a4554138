package s3test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestServer puts an object through the S3 API and finds it both in the
// posix root and through the API, and finds the server gone after Stop.
func TestServer(t *testing.T) {
	s := New(t)
	s.CreateBucket(t, "data")
	body := []byte("a,b\n1,2\n")
	etag := s.Put(t, "data", "fraud/dt=2026-11-28/part-0.csv", body)
	sum := md5.Sum(body)
	if want := `"` + hex.EncodeToString(sum[:]) + `"`; etag != want {
		t.Errorf("ETag of a single-part put = %s, want the MD5 %s", etag, want)
	}
	got, err := os.ReadFile(filepath.Join(s.Root, "data", "fraud", "dt=2026-11-28", "part-0.csv"))
	if err != nil || string(got) != string(body) {
		t.Fatalf("posix file = %q, %v; want %q", got, err, body)
	}
	out, err := s.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("fraud/dt=2026-11-28/part-0.csv")})
	if err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || string(got) != string(body) {
		t.Fatalf("GetObject = %q, %v; want %q", got, err, body)
	}
	s.Delete(t, "data", "fraud/dt=2026-11-28/part-0.csv")
	if _, err := s.Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("fraud/dt=2026-11-28/part-0.csv")}); err == nil {
		t.Error("HeadObject after Delete succeeded")
	}

	s.Stop()
	if resp, err := http.Get(s.Endpoint + "/"); err == nil {
		resp.Body.Close()
		t.Errorf("the server still answers after Stop: %s", resp.Status)
	}
}

// TestWrongSecret checks that the server checks signatures: the tests of
// refused credentials rely on it.
func TestWrongSecret(t *testing.T) {
	s := New(t)
	s.CreateBucket(t, "data")
	c := s3.New(s3.Options{
		Region: Region, BaseEndpoint: aws.String(s.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(s.AccessKey, "not-"+s.Secret, ""),
	})
	if _, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("data")}); err == nil {
		t.Fatal("listing with a wrong secret succeeded")
	}
}
