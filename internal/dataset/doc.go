// Package dataset resolves where a pipeline's data is (a repository path,
// a directory or glob of parts, an object-store prefix or an https URL)
// into a Snapshot: the objects the data consists of, each with a content
// identity the store gives without downloading it (a sha256 of a local
// file, a Git LFS oid, a DVC md5, an S3 or Azure ETag, a GCS generation, an
// HTTP ETag). A snapshot's digest is what enters step keys and plans; its
// object list is the manifest a run record keeps, so a promotion pins
// exactly which objects trained the model.
//
// Reading data goes through Fetch, which gives the local file of every
// object: a repository file where it is, a remote object through a
// content-addressed cache (by identity), verified and written atomically,
// reused across runs.
package dataset
