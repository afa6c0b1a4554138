// Package s3test runs a real S3 server on loopback for tests: Versity's
// S3 gateway (versitygw) with its posix backend on a temporary directory,
// started on a free port with a root access key and secret made for the
// test, and stopped when the test ends.
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ctgit/ctgit/internal/testproc"
)

// Version is the versitygw release the tests are written against.
const Version = "v1.8.0"

// DefaultBinary is where .ci/run installs versitygw.
const DefaultBinary = "/var/cache/ctgit-versitygw/bin/versitygw"

// Install is the command that installs versitygw where the tests look.
const Install = "GOBIN=/var/cache/ctgit-versitygw/bin go install github.com/versity/versitygw/cmd/versitygw@" + Version

// Region is the region the server answers for and clients sign for.
const Region = "us-east-1"

// Server is a running S3 gateway.
type Server struct {
	// Endpoint is "http://127.0.0.1:PORT", the S3 API's address.
	Endpoint string
	// AccessKey and Secret are the root credentials the server accepts.
	AccessKey, Secret string
	// Root is the posix directory that holds the buckets, one directory
	// each.
	Root string
	// Log is the server's own output, for a failing test to read.
	Log string

	client *s3.Client
	stop   func()
}

// tool is where the tests look for versitygw.
var tool = testproc.Tool{Name: "versitygw", Env: "CTGIT_VERSITYGW", Default: DefaultBinary, Install: Install}

// Binary returns the versitygw executable (see Find). When none is there it
// skips the test, or fails it under CI (CI set), where a missing server
// must not pass silently.
func Binary(t testing.TB) string {
	t.Helper()
	return tool.Binary(t)
}

// Find returns the versitygw executable: $CTGIT_VERSITYGW, else versitygw on
// PATH, else DefaultBinary; or an error that says how to install it.
func Find() (string, error) { return tool.Find() }

// New starts a server for the duration of the test.
func New(t testing.TB) *Server {
	t.Helper()
	s, err := Start(Binary(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Start starts a server of bin on a free loopback port, keeping its
// buckets and log in dir (a directory it may fill). The caller stops it.
func Start(bin, dir string) (*Server, error) {
	port, err := testproc.FreePort()
	if err != nil {
		return nil, err
	}
	key, err := randomHex(9)
	if err != nil {
		return nil, err
	}
	secret, err := randomHex(20)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Endpoint:  fmt.Sprintf("http://127.0.0.1:%d", port),
		AccessKey: "AK" + key,
		Secret:    secret,
		Root:      filepath.Join(dir, "root"),
		Log:       filepath.Join(dir, "versitygw.log"),
	}
	if err := os.Mkdir(s.Root, 0o755); err != nil {
		return nil, err
	}
	// Versioning is possible on every bucket (EnableVersioning turns it on
	// for one), as on AWS.
	versions := filepath.Join(dir, "versions")
	if err := os.Mkdir(versions, 0o755); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--port", fmt.Sprintf("127.0.0.1:%d", port), "--region", Region, "--quiet", "posix", "--versioning-dir", versions, s.Root)
	// The root credentials go through the environment, not argv, where
	// every process on the machine could read them.
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+s.AccessKey, "ROOT_SECRET_ACCESS_KEY="+s.Secret)
	// Any answer will do: an anonymous request is refused (403), which is
	// enough to know it listens and serves S3.
	proc, err := testproc.Start(cmd, s.Log, testproc.Answers(s.Endpoint+"/", false))
	if err != nil {
		return nil, err
	}
	s.stop = proc.Stop
	s.client = s3.New(s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.Secret, ""),
	})
	return s, nil
}

// Stop stops the server now, for a test that shows what works without
// it. A server from New is stopped when its test ends anyway.
func (s *Server) Stop() { s.stop() }

// Env is the environment the AWS SDK reads to reach this server as its
// root user: credentials, region and endpoint, with any profile, session
// token or config file of the machine running the tests switched off.
func (s *Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + s.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s.Secret,
		"AWS_REGION=" + Region,
		"AWS_ENDPOINT_URL_S3=" + s.Endpoint,
		"AWS_ENDPOINT_URL=",
		"AWS_SESSION_TOKEN=",
		"AWS_PROFILE=",
		"AWS_CONFIG_FILE=" + filepath.Join(s.Root, "..", "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(s.Root, "..", "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// Setenv sets Env for the duration of the test (see testing.T.Setenv).
func (s *Server) Setenv(t *testing.T) {
	t.Helper()
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// Client is an S3 client signed as the root user.
func (s *Server) Client() *s3.Client { return s.client }

// CreateBucket creates a bucket.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	if _, err := s.client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
}

// Put writes an object in one part, and returns its ETag as the server
// gives it.
func (s *Server) Put(t testing.TB, bucket, key string, data []byte) string {
	t.Helper()
	out, err := s.client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data),
	})
	if err != nil {
		t.Fatalf("putting s3://%s/%s: %v", bucket, key, err)
	}
	return aws.ToString(out.ETag)
}

// PutMultipart writes an object as a multipart upload of parts (every
// part but the last at least 5 MiB, as S3 requires), and returns its
// ETag, which is not an MD5 of the content but "<md5 of part MD5s>-N".
func (s *Server) PutMultipart(t testing.TB, bucket, key string, parts ...[]byte) string {
	t.Helper()
	ctx := context.Background()
	up, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("starting upload of s3://%s/%s: %v", bucket, key, err)
	}
	var done []types.CompletedPart
	for i, p := range parts {
		n := aws.Int32(int32(i + 1))
		out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId, PartNumber: n, Body: bytes.NewReader(p),
		})
		if err != nil {
			t.Fatalf("uploading part %d of s3://%s/%s: %v", i+1, bucket, key, err)
		}
		done = append(done, types.CompletedPart{ETag: out.ETag, PartNumber: n})
	}
	out, err := s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done},
	})
	if err != nil {
		t.Fatalf("completing upload of s3://%s/%s: %v", bucket, key, err)
	}
	return aws.ToString(out.ETag)
}

// EnableVersioning turns versioning on for bucket.
func (s *Server) EnableVersioning(t testing.TB, bucket string) {
	t.Helper()
	_, err := s.client.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	})
	if err != nil {
		t.Fatalf("enabling versioning on %s: %v", bucket, err)
	}
}

// Delete deletes an object.
func (s *Server) Delete(t testing.TB, bucket, key string) {
	t.Helper()
	if _, err := s.client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		t.Fatalf("deleting s3://%s/%s: %v", bucket, key, err)
	}
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
