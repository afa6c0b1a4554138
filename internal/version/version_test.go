package version

import "testing"

func TestReleaseOf(t *testing.T) {
	for v, want := range map[string]string{
		"v1.2.3":                               "v1.2.3",
		"v0.1.0":                               "v0.1.0",
		"v1.2.0-rc.1":                          "v1.2.0-rc.1",
		"devel":                                "",
		"":                                     "",
		"1.2.3":                                "",
		"v1.2":                                 "",
		"v1.2.3+dirty":                         "",
		"v0.0.0-20261130101500-0123456789ab":   "",
		"v1.2.4-0.20261130101500-0123456789ab": "",
		"v1.2.4-rc.1.0.20261130101500-0123456789ab":  "",
		"v1.2.4-0.20261130101500-0123456789ab+dirty": "",
		"devel-0123456789ab":                         "",
	} {
		if got := releaseOf(v); got != want {
			t.Errorf("releaseOf(%q) = %q, want %q", v, got, want)
		}
	}
}
