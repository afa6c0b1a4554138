package rewrite

import (
	"fmt"
	"regexp"
	"strings"
)

// tagRE is the grammar of an image tag (the OCI distribution spec's).
var tagRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// imageTag narrows fl, a field holding an image reference such as
// registry.example:5000/team/fraud:1.4.0, to its tag: Value is the tag, and
// a new value replaces the tag alone.
func imageTag(filename, path string, fl Field) (Field, error) {
	fail := func(format string, args ...any) (Field, error) {
		return Field{}, errorf(filename, fl.Line, fl.Col, "field %s "+format, append([]any{path}, args...)...)
	}
	if fl.Kind != String {
		return fail("is a %s, not an image reference", fl.Kind)
	}
	ref := fl.Value
	if at := strings.IndexByte(ref, '@'); at >= 0 {
		// A digest pins the image: a new tag beside it would change the
		// text and not the image that runs.
		return fail("is %q, pinned by a digest (%s); a tag rewrite would leave the digest choosing the old image: drop the digest or rewrite the whole field", ref, ref[at+1:])
	}
	name := ref[strings.LastIndexByte(ref, '/')+1:]
	colon := strings.IndexByte(name, ':')
	if colon < 0 {
		return fail("is %q, an image reference without a tag; write one (NAME:TAG) for ctgit to replace", ref)
	}
	prefix := ref[:len(ref)-len(name)+colon+1]
	tag := ref[len(prefix):]
	if !tagRE.MatchString(tag) {
		return fail("is %q, whose tag %q is not a valid image tag", ref, tag)
	}
	whole := fl.quote
	fl.Value = tag
	fl.quote = func(s string) (string, error) {
		if !tagRE.MatchString(s) {
			return "", fmt.Errorf("%q is not a valid image tag (letters, digits, _ . -, at most 128, not starting with . or -)", s)
		}
		return whole(prefix + s)
	}
	return fl, nil
}
