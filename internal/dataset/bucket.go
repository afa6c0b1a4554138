package dataset

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	azblobblob "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	"gocloud.dev/blob"
	"gocloud.dev/blob/azureblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"
	"google.golang.org/api/googleapi"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/gcsblob"
)

// bucketStore is an object-store bucket behind gocloud.dev/blob.
// Credentials and endpoints come from each store's usual environment:
// for S3 the AWS SDK's (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_REGION, and
// AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL for an S3-compatible server,
// which is then addressed path-style), Google's application-default
// credentials (or, for an emulator, STORAGE_EMULATOR_HOST=host:port and
// none), Azure's AZURE_STORAGE_* variables (for an emulator such as
// Azurite, AZURE_STORAGE_DOMAIN=host:port with AZURE_STORAGE_PROTOCOL=http,
// or an AZURE_STORAGE_CONNECTION_STRING that names its BlobEndpoint).
type bucketStore struct {
	url    string // scheme://bucket
	bucket *blob.Bucket
	// versions reads S3 object versions (bucket_versions.go); nil for
	// other stores.
	versions *s3Versions
}

// openBucket opens the bucket of loc. It reads nothing yet: a bucket that
// does not exist, or credentials that are wrong, fail on the first list.
func openBucket(ctx context.Context, loc Location) (store, error) {
	u := loc.Scheme + "://" + loc.Bucket
	var b *blob.Bucket
	var client *s3.Client
	var err error
	switch loc.Scheme {
	case "s3":
		b, client, err = openS3(ctx, loc.Bucket)
	case "azblob":
		b, err = openAzure(ctx, u)
	case "gs":
		b, err = openGCS(ctx, u)
	default:
		b, err = blob.OpenBucket(ctx, u)
	}
	if err != nil {
		return nil, fault.Input(fmt.Errorf("opening %s: %w", u, err))
	}
	st := &bucketStore{url: u, bucket: b}
	if client != nil {
		st.versions = &s3Versions{client: client, bucket: loc.Bucket}
	}
	return st, nil
}

// openS3 opens an S3 bucket with the AWS SDK's standard configuration.
func openS3(ctx context.Context, bucket string) (*blob.Bucket, *s3.Client, error) {
	// The SDK's own warnings (a response without a checksum to validate,
	// a fall back to IMDSv1) would be printed once per object; what
	// matters reaches the user as ctgit's errors.
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithLogger(logging.Nop{}))
	if err != nil {
		return nil, nil, err
	}
	if cfg.Region == "" {
		// S3-compatible servers take any region; AWS itself redirects.
		cfg.Region = "us-east-1"
	}
	custom := os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		// An S3-compatible server (MinIO, Ceph, a gateway) is addressed
		// path-style: it has no DNS name per bucket.
		o.UsePathStyle = custom
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	b, err := s3blob.OpenBucket(ctx, client, bucket, nil)
	return b, client, err
}

// openAzure opens an Azure container as gocloud.dev's default azblob://
// opener does, from the same AZURE_STORAGE_* variables, but reads them on
// every open: the default opener reads them once per process, so a later
// change (another account, an emulator's endpoint) would go unseen.
// An emulator such as Azurite is reached with AZURE_STORAGE_DOMAIN set to
// its host:port and AZURE_STORAGE_PROTOCOL=http, or with a connection
// string that names its BlobEndpoint.
func openAzure(ctx context.Context, u string) (*blob.Bucket, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return nil, err
	}
	o := &azureblob.URLOpener{MakeClient: azureblob.NewDefaultClient, ServiceURLOptions: *azureblob.NewDefaultServiceURLOptions()}
	return o.OpenBucketURL(ctx, pu)
}

// openGCS opens a GCS bucket through ctgit's own driver over GCS's JSON
// API (internal/gcsblob), which reaches an emulator named by
// STORAGE_EMULATOR_HOST without credentials, and retries a failed request
// a few quick times rather than until the context ends, so a server that
// cannot be reached does not hang a run. Missing credentials are an error
// that says where Google's tools look for them.
func openGCS(ctx context.Context, u string) (*blob.Bucket, error) {
	b, err := gcsblob.OpenBucket(ctx, strings.TrimPrefix(u, "gs://"))
	if err != nil {
		return nil, fmt.Errorf("no Google application-default credentials (%s): %w", credentialHint(u), err)
	}
	return b, nil
}

// retries bounds the Azure SDK's retries of a request, which by default
// wait about eight seconds before they give up on a server that cannot be
// reached: as for GCS, a few quick attempts ride out a blip.
func (s *bucketStore) retries(ctx context.Context) context.Context {
	if !strings.HasPrefix(s.url, "azblob://") {
		return ctx
	}
	return policy.WithRetryOptions(ctx, policy.RetryOptions{MaxRetries: 3, RetryDelay: 100 * time.Millisecond, MaxRetryDelay: 2 * time.Second})
}

func (s *bucketStore) Close() error { return s.bucket.Close() }

// identity is the content identity a store gives for an object.
func (s *bucketStore) identity(as func(any) bool, md5 []byte, mod time.Time, size int64) string {
	// An empty ETag is none: some S3-compatible servers list an object
	// written behind their back (into a posix backend's directory) without
	// one, and "etag:" for all of them would make a rewrite look unchanged.
	var so s3types.Object
	if as(&so) && so.ETag != nil && strings.Trim(*so.ETag, `"`) != "" {
		return "etag:" + strings.Trim(*so.ETag, `"`)
	}
	// An Azure blob is its ETag, listed or read alone: Azure keeps a
	// Content-MD5 only for some uploads, so an MD5 would name a blob one
	// way when listed and another when read alone.
	var bi container.BlobItem
	if as(&bi) && bi.Properties != nil && bi.Properties.ETag != nil && strings.Trim(string(*bi.Properties.ETag), `"`) != "" {
		return "etag:" + strings.Trim(string(*bi.Properties.ETag), `"`)
	}
	var bp azblobblob.GetPropertiesResponse
	if as(&bp) && bp.ETag != nil && strings.Trim(string(*bp.ETag), `"`) != "" {
		return "etag:" + strings.Trim(string(*bp.ETag), `"`)
	}
	var ga gcsblob.Object
	if as(&ga) && ga.Generation != 0 {
		return fmt.Sprintf("generation:%d", ga.Generation)
	}
	if len(md5) > 0 {
		return fmt.Sprintf("md5:%x", md5)
	}
	return fmt.Sprintf("modified:%s/%d", mod.UTC().Format(time.RFC3339Nano), size)
}

func (s *bucketStore) Stat(ctx context.Context, key string) (Object, bool, error) {
	ctx = s.retries(ctx)
	if key == "" || strings.HasSuffix(key, "/") {
		return Object{}, false, nil
	}
	a, err := s.bucket.Attributes(ctx, key)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound && !bucketMissing(err) && !gcsRefused(err) {
			return Object{}, false, nil
		}
		return Object{}, false, s.failed(key, err)
	}
	o := Object{URL: s.url + "/" + key, Size: a.Size, Modified: a.ModTime.UTC()}
	etag := strings.Trim(a.ETag, `"`)
	switch {
	case etag != "" && strings.HasPrefix(s.url, "s3://"):
		o.ID = "etag:" + etag
	default:
		o.ID = s.identity(a.As, a.MD5, a.ModTime, a.Size)
		if o.ID[:5] == "modif" && etag != "" {
			o.ID = "etag:" + etag
		}
	}
	o.Version = headVersion(a.As)
	return o, true, nil
}

func (s *bucketStore) List(ctx context.Context, prefix string) ([]Object, error) {
	ctx = s.retries(ctx)
	it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
	var out []Object
	for {
		lo, err := it.Next(ctx)
		if err == io.EOF {
			if err := s.versions.fill(ctx, prefix, out); err != nil {
				return nil, s.failed(prefix, err)
			}
			return out, nil
		}
		if err != nil {
			return nil, s.failed(prefix, err)
		}
		if lo.IsDir {
			continue
		}
		o := Object{
			Key: lo.Key, URL: s.url + "/" + lo.Key, Size: lo.Size, Modified: lo.ModTime.UTC(),
			ID: s.identity(lo.As, lo.MD5, lo.ModTime, lo.Size),
		}
		if len(lo.MD5) > 0 && !strings.HasPrefix(o.ID, "md5:") && verifier(o.ID) == nil {
			o.MD5 = hex.EncodeToString(lo.MD5)
		}
		out = append(out, o)
	}
}

func (s *bucketStore) Open(ctx context.Context, key string, o Object) (io.ReadCloser, error) {
	ctx = s.retries(ctx)
	// Ask for the object as listed: a rewrite since then fails with 412
	// rather than mixing an old listing with new bytes.
	before := func(as func(any) bool) error {
		var in *s3.GetObjectInput
		if as(&in) {
			if etag, ok := strings.CutPrefix(o.ID, "etag:"); ok {
				quoted := `"` + etag + `"`
				in.IfMatch = &quoted
			}
			if o.Version != "" {
				in.VersionId = &o.Version
			}
		}
		var gc *gcsblob.Conditions
		if gen := generation(o.ID); gen != 0 && as(&gc) {
			gc.GenerationMatch = gen
		}
		var ao *azblobblob.DownloadStreamOptions
		if as(&ao) {
			if etag, ok := strings.CutPrefix(o.ID, "etag:"); ok {
				quoted := azcore.ETag(`"` + etag + `"`)
				ao.AccessConditions = &azblobblob.AccessConditions{ModifiedAccessConditions: &azblobblob.ModifiedAccessConditions{IfMatch: &quoted}}
			}
		}
		return nil
	}
	r, err := s.bucket.NewReader(ctx, key, &blob.ReaderOptions{BeforeRead: before})
	if err != nil {
		if gcerrors.Code(err) == gcerrors.FailedPrecondition {
			return nil, fault.Input(fmt.Errorf("%s changed since ctgit listed it (%s); run again", o.URL, o.ID))
		}
		return nil, s.failed(key, err)
	}
	// GCS emulators (fake-gcs-server) serve the current generation
	// whatever the read asks for: the generation it says it served is
	// checked here too.
	var served gcsblob.Object
	if gen := generation(o.ID); gen != 0 && r.As(&served) && served.Generation != 0 && served.Generation != gen {
		r.Close()
		return nil, fault.Input(fmt.Errorf("%s changed since ctgit listed it (%s then, generation:%d now); run again", o.URL, o.ID, served.Generation))
	}
	if r.Size() != o.Size {
		r.Close()
		return nil, fault.Input(fmt.Errorf("%s changed since ctgit listed it (%d bytes then, %d now); run again", o.URL, o.Size, r.Size()))
	}
	return r, nil
}

// generation is the GCS generation an identity names, or 0.
func generation(id string) int64 {
	v, ok := strings.CutPrefix(id, "generation:")
	if !ok {
		return 0
	}
	gen, _ := strconv.ParseInt(v, 10, 64)
	return gen
}

// failed classifies a store error: a bucket or object that does not
// exist and credentials that are missing or refused are the user's to fix
// (fault.Input); anything else, such as a server that cannot be reached,
// is infrastructure.
func (s *bucketStore) failed(key string, err error) error {
	where := s.url + "/" + key
	if gcsRefused(err) {
		return fault.Input(fmt.Errorf("%s: access denied: the store refuses the credentials from the environment (%s)", where, credentialHint(s.url)))
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		if bucketMissing(err) {
			noun := "bucket"
			if strings.HasPrefix(s.url, "azblob://") {
				noun = "container"
			}
			return fault.Input(fmt.Errorf("%s: the %s does not exist (reading %s); check its name, and the endpoint and region the environment gives", s.url, noun, where))
		}
		return fault.Input(fmt.Errorf("%s: no such object", where))
	case gcerrors.PermissionDenied:
		return fault.Input(fmt.Errorf("%s: access denied: the store refuses the credentials from the environment (%s)", where, credentialHint(s.url)))
	case gcerrors.Canceled:
		return context.Canceled
	}
	// The store's answer says only its code and message: the SDK's error
	// around it adds request ids and retry counts nobody acts on.
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		// Azure's error renders the whole HTTP exchange; its status and
		// code say what matters.
		if re.StatusCode == http.StatusForbidden || credentialCodes[re.ErrorCode] {
			return fault.Input(fmt.Errorf("%s: the store refuses the credentials from the environment (%d %s); %s", where, re.StatusCode, re.ErrorCode, credentialHint(s.url)))
		}
		return fault.Infra(fmt.Errorf("%s: the store answered %d %s", where, re.StatusCode, re.ErrorCode))
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && credentialCodes[ae.ErrorCode()] {
		return fault.Input(fmt.Errorf("%s: the store refuses the credentials from the environment (%s: %s); %s", where, ae.ErrorCode(), ae.ErrorMessage(), credentialHint(s.url)))
	}
	if noCredentials(err) {
		return fault.Input(fmt.Errorf("%s: no credentials in the environment: %s", where, credentialHint(s.url)))
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return fault.Infra(fmt.Errorf("%s: cannot reach the store: %w", where, oe))
	}
	return fault.Infra(fmt.Errorf("%s: %w", where, err))
}

// gcsRefused reports whether GCS refused the request's credentials.
// gocloud.dev calls GCS's 403 NotFound (GCS says "denied on resource (or
// it may not exist)"), which would tell the user a bucket they cannot
// read does not exist, and make Stat take a refused object for an absent
// one.
func gcsRefused(err error) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && (ge.Code == http.StatusUnauthorized || ge.Code == http.StatusForbidden)
}

// bucketMissing reports whether a not-found error is about the bucket.
func bucketMissing(err error) bool {
	var nsb *s3types.NoSuchBucket
	if errors.As(err, &nsb) || errors.Is(err, gcsblob.ErrBucketNotExist) {
		return true
	}
	// ListObjectsV2 models no NoSuchBucket error: S3 and versitygw say it
	// in the code of a generic API error.
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() == "NoSuchBucket"
	}
	return strings.Contains(err.Error(), "NoSuchBucket") || strings.Contains(err.Error(), "bucket doesn't exist") || strings.Contains(err.Error(), "ContainerNotFound")
}

// credentialCodes are the store error codes that say the credentials
// are wrong. versitygw answers an access key it does not know with
// XAdminUserNotFound (and a 404), where AWS says InvalidAccessKeyId.
var credentialCodes = map[string]bool{
	"InvalidAccessKeyId": true, "SignatureDoesNotMatch": true, "AccessDenied": true,
	"ExpiredToken": true, "InvalidToken": true, "XAdminUserNotFound": true, "AuthenticationFailed": true, "AuthorizationFailure": true,
}

// noCredentials reports whether err is the client library failing to
// find any credentials before asking the store.
func noCredentials(err error) bool {
	msg := err.Error()
	for _, s := range []string{"failed to retrieve credentials", "no EC2 IMDS role found", "could not find default credentials"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// credentialHint says where each store reads its credentials from.
func credentialHint(u string) string {
	switch {
	case strings.HasPrefix(u, "s3://"):
		return "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE; AWS_ENDPOINT_URL_S3 for an S3-compatible server"
	case strings.HasPrefix(u, "gs://"):
		return "set GOOGLE_APPLICATION_CREDENTIALS, or run `gcloud auth application-default login`"
	default:
		return "set AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN"
	}
}
