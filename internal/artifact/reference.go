package artifact

import "strings"

// Reference is the form of the artifact uri@digest that a target's
// artifact field receives, by its artifactFormat (config.Artifact*):
//
//	"uri@digest"  URI@sha256:…; an OCI artifact's URI is its repository, so
//	              oci://REGISTRY/REPOSITORY@sha256:…
//	"uri"         the URI alone, content-addressed in a bucket
//	              (…/sha256/<hex>); an OCI artifact keeps its digest, since
//	              its repository alone names no artifact
//	"oci-image"   REGISTRY/REPOSITORY@sha256:…, as an image field reads it
//
// An unknown format, or none, is "uri@digest".
func Reference(uri, digest, format string) string {
	oci := strings.HasPrefix(uri, "oci://")
	switch {
	case format == "oci-image" && oci:
		return strings.TrimPrefix(uri, "oci://") + "@" + digest
	case format == "uri" && !oci:
		return uri
	}
	return uri + "@" + digest
}
