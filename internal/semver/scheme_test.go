package semver

import (
	"strings"
	"testing"
)

func TestNextVersion(t *testing.T) {
	for _, tc := range []struct {
		current, scheme, bump string
		want                  string
		err                   string
	}{
		{"1.0.0", "semver", "minor", "1.1.0", ""},
		{"1.4.2", "semver", "major", "2.0.0", ""},
		{"1.4.2", "semver", "patch", "1.4.3", ""},
		{"1.5.0-rc.1", "semver", "minor", "1.5.0", ""},
		{"", "semver", "minor", "0.1.0", ""},
		{"0.0.0", "semver", "patch", "0.0.1", ""},
		{"0", "semver", "major", "1.0.0", ""},
		{"18446744073709551615.0.0", "semver", "major", "", "overflow"},
		{"1.18446744073709551615.0", "semver", "minor", "", "overflow"},
		{"1.0.18446744073709551615", "semver", "patch", "", "overflow"},
		{"1.18446744073709551615.0", "semver", "major", "2.0.0", ""},
		{"1.0.18446744073709551616", "semver", "patch", "", "too large"},
		{"banana", "semver", "minor", "", "not semver"},
		{"v1.0.0", "semver", "minor", "", "not semver"},
		{"7", "semver", "minor", "", "not semver"},
		{"1.0.0", "semver", "huge", "", "unknown version bump"},
		{"41", "integer", "", "42", ""},
		{"", "integer", "", "1", ""},
		{"0.0.0", "integer", "", "1", ""},
		{"0", "integer", "", "1", ""},
		{"9223372036854775806", "integer", "", "9223372036854775807", ""},
		{"9223372036854775807", "integer", "", "", "overflow"},
		{"9223372036854775808", "integer", "", "", "not a non-negative integer"},
		{"18446744073709551616", "integer", "", "", "not a non-negative integer"},
		{"-1", "integer", "", "", "not a non-negative integer"},
		{"+1", "integer", "", "", "not a non-negative integer"},
		{"01", "integer", "", "", "not a non-negative integer"},
		{"1.0.0", "integer", "", "", "not a non-negative integer"},
		{"1", "calendar", "", "", "unknown promote.scheme"},
	} {
		got, err := NextVersion(tc.current, tc.scheme, tc.bump)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("NextVersion(%q, %s, %s) = %q, %v; want %q", tc.current, tc.scheme, tc.bump, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("NextVersion(%q, %s, %s) = %q, %v; want an error containing %q", tc.current, tc.scheme, tc.bump, got, err, tc.err)
		}
	}
}

// TestCheck: Check is strict where CheckVersion lets a target hold "no
// version yet" in either scheme's spelling.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		v, scheme   string
		check, held bool // Check accepts v; CheckVersion accepts it in a target
	}{
		{"1.2.3", "semver", true, true},
		{"1.2.3-rc.1+b5", "semver", true, true},
		{"v1.2.3", "semver", false, false},
		{"0", "semver", false, true},
		{"", "semver", false, true},
		{"7", "integer", true, true},
		{"007", "integer", false, false},
		{"-1", "integer", false, false},
		{"9223372036854775808", "integer", false, false},
		{"0.0.0", "integer", false, true},
		{"1", "calver", false, false},
	} {
		if err := Check(tc.v, tc.scheme); (err == nil) != tc.check {
			t.Errorf("Check(%q, %q) = %v, want ok=%v", tc.v, tc.scheme, err, tc.check)
		}
		if err := CheckVersion(tc.v, tc.scheme); (err == nil) != tc.held {
			t.Errorf("CheckVersion(%q, %q) = %v, want ok=%v", tc.v, tc.scheme, err, tc.held)
		}
	}
}
