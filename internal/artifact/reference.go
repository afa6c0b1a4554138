package artifact

import (
	"fmt"
	"net/url"
	"strings"

	"oras.land/oras-go/v2/registry"
)

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

// CheckURI checks the URI of an artifact reference given by hand (the part
// before "@sha256:…"). An oci:// URI must name a registry and a repository
// as OCI references spell them (lowercase, no tag, no credentials), since
// the target's consumer pulls it as such; other URIs are left to their
// store.
func CheckURI(uri string) error {
	rest, ok := strings.CutPrefix(uri, "oci://")
	if !ok {
		return nil
	}
	u, err := url.Parse(uri)
	if err == nil && (u.User != nil || u.RawQuery != "" || u.Fragment != "") {
		err = fmt.Errorf("credentials, options or fragments do not belong in an artifact reference")
	}
	if err == nil {
		var ref registry.Reference
		ref, err = registry.ParseReference(rest)
		if err == nil && ref.Reference != "" {
			err = fmt.Errorf("a tag does not belong in an artifact reference")
		}
		if err == nil && (ref.Repository == "" || strings.Contains(rest, "//")) {
			err = fmt.Errorf("no repository")
		}
	}
	if err != nil && u != nil && u.User != nil {
		// The URL holds a secret: never echo it.
		return fmt.Errorf("artifact oci://%s…: %w; credentials come from ~/.docker/config.json or GITHUB_TOKEN", u.Host, err)
	}
	if err != nil {
		return fmt.Errorf("artifact %q: want oci://REGISTRY/REPOSITORY@sha256:<64 hex digits> with a lowercase repository: %w", uri, err)
	}
	return nil
}
