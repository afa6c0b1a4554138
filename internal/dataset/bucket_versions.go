package dataset

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// s3Versions gives the objects of a versioned S3 bucket their version
// ids, so that a manifest names each object exactly: a run that reads it
// later (a reference that is the deployed model's training data) gets the
// bytes that were trained on even after the key was overwritten. A bucket
// without versioning gives none, and an overwritten object is then an
// error when read by its old identity, never other bytes.
type s3Versions struct {
	client *s3.Client
	bucket string

	once    sync.Once
	enabled bool
	err     error
}

// on reports whether the bucket keeps versions (asked once).
func (v *s3Versions) on(ctx context.Context) (bool, error) {
	v.once.Do(func() {
		out, err := v.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(v.bucket)})
		if err != nil {
			v.err = err
			return
		}
		v.enabled = out.Status == s3types.BucketVersioningStatusEnabled
	})
	return v.enabled, v.err
}

// fill sets the version id of each of objs (all under prefix) to that of
// its latest version, when the bucket keeps versions.
func (v *s3Versions) fill(ctx context.Context, prefix string, objs []Object) error {
	if v == nil || len(objs) == 0 {
		return nil
	}
	on, err := v.on(ctx)
	if err != nil || !on {
		// A store that does not answer GetBucketVersioning (some
		// S3-compatible servers) keeps no versions ctgit can use.
		return nil
	}
	latest := map[string]string{}
	p := s3.NewListObjectVersionsPaginator(v.client, &s3.ListObjectVersionsInput{Bucket: aws.String(v.bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, ov := range page.Versions {
			if aws.ToBool(ov.IsLatest) && ov.VersionId != nil && *ov.VersionId != "null" {
				latest[aws.ToString(ov.Key)] = *ov.VersionId
			}
		}
	}
	for i := range objs {
		objs[i].Version = latest[objs[i].Key]
	}
	return nil
}

// headVersion is the version id an S3 HEAD answered with, "" for other
// stores and unversioned objects.
func headVersion(as func(any) bool) string {
	var h s3.HeadObjectOutput
	if as(&h) && h.VersionId != nil && *h.VersionId != "null" {
		return *h.VersionId
	}
	return ""
}
