package artifact

import "testing"

func TestCheckURI(t *testing.T) {
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"oci://127.0.0.1:5000/models", true},
		{"oci://ghcr.io/acme/fraud-models", true},
		{"s3://bucket/models/fraud/sha256/00", true},
		{"file:///srv/models", true},
		{"oci://ghcr.io", false},
		{"oci://ghcr.io/", false},
		{"oci://ghcr.io//models", false},
		{"oci://ghcr.io/Acme/models", false},
		{"oci://ghcr.io/acme/models:v1", false},
		{"oci://user:secret@ghcr.io/acme/models", false},
		{"oci://ghcr.io/acme/models?plain-http=true", false},
	} {
		if err := CheckURI(tc.uri); (err == nil) != tc.ok {
			t.Errorf("CheckURI(%q) = %v, want ok %v", tc.uri, err, tc.ok)
		}
	}
}
