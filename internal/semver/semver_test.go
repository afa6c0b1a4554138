package semver

import (
	"strings"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	for _, s := range []string{
		"0.0.0", "1.4.0", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7",
		"1.0.0-x.7.z.92", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85", "1.0.0-x-y-z.--",
	} {
		v, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
			continue
		}
		if got := v.String(); got != s {
			t.Errorf("Parse(%q).String() = %q", s, got)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1.4", `version "1.4" is not semver: want MAJOR.MINOR.PATCH`},
		{"v1.4.0", `version "v1.4.0" is not semver: major: "v1" is not a number`},
		{"01.4.0", `version "01.4.0" is not semver: major: "01" has a leading zero`},
		{"1.4.0-", `version "1.4.0-" is not semver: pre-release: empty identifier`},
		{"1.4.0-01", `version "1.4.0-01" is not semver: pre-release: numeric identifier "01" has a leading zero`},
		{"1.4.0+a_b", `version "1.4.0+a_b" is not semver: build metadata: identifier "a_b" has '_'; only [0-9A-Za-z-] are allowed`},
		{"", `version "" is not semver: want MAJOR.MINOR.PATCH`},
		{"1..0", `version "1..0" is not semver: minor: empty number`},
		{"latest", `version "latest" is not semver: want MAJOR.MINOR.PATCH`},
		{"1.2.99999999999999999999", `version "1.2.99999999999999999999" is not semver: patch: "99999999999999999999" is too large`},
	} {
		_, err := Parse(tc.in)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q) error = %v, want %s", tc.in, err, tc.want)
		}
	}
	if _, err := ParseLoose("v1.4.0"); err != nil {
		t.Errorf("ParseLoose(v1.4.0): %v", err)
	}
}

func TestBump(t *testing.T) {
	for _, tc := range []struct {
		in   string
		part Part
		want string
	}{
		{"1.4.0", Patch, "1.4.1"},
		{"1.4.7", Minor, "1.5.0"},
		{"1.4.7", Major, "2.0.0"},
		{"1.4.7+build.5", Patch, "1.4.8"},
		{"1.5.0-rc.1", Patch, "1.5.0"},
		{"1.5.0-rc.1", Minor, "1.5.0"},
		{"1.5.1-rc.1", Minor, "1.6.0"},
		{"2.0.0-rc.1", Major, "2.0.0"},
		{"1.5.0-rc.1", Major, "2.0.0"},
		{"0.0.0", Patch, "0.0.1"},
	} {
		got, err := MustParse(tc.in).Bump(tc.part)
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != tc.want {
			t.Errorf("%s bump %s = %s, want %s", tc.in, tc.part, got, tc.want)
		}
		if Compare(got, MustParse(tc.in)) <= 0 {
			t.Errorf("%s bump %s = %s is not greater", tc.in, tc.part, got)
		}
	}
	if _, err := MustParse("1.0.0").Bump("huge"); err == nil {
		t.Error("Bump(huge) succeeded")
	}
}

func TestParsePart(t *testing.T) {
	for _, s := range []string{"major", "Minor", "PATCH"} {
		if _, err := ParsePart(s); err != nil {
			t.Errorf("ParsePart(%q): %v", s, err)
		}
	}
	if _, err := ParsePart("build"); err == nil || !strings.Contains(err.Error(), "want major, minor or patch") {
		t.Errorf("ParsePart(build) = %v", err)
	}
}

func TestCompareSpecOrder(t *testing.T) {
	// The precedence example from semver.org §11, in ascending order.
	order := []string{
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0",
	}
	for i := range order {
		for j := range order {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := Compare(MustParse(order[i]), MustParse(order[j])); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", order[i], order[j], got, want)
			}
		}
	}
	if Compare(MustParse("1.0.0+a"), MustParse("1.0.0+b")) != 0 {
		t.Error("build metadata affects precedence")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1.4.0", "1.0.0-rc.1+b.2", "v1", "01.0.0", "1.0.0-", "9999999999999999999999.0.0", "18446744073709551615.0.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			return
		}
		if v.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, v.String())
		}
		for _, p := range []Part{Major, Minor, Patch} {
			n, err := v.Bump(p)
			if err != nil {
				continue // overflow of a 64-bit component is reported, not wrapped
			}
			if Compare(n, v) <= 0 {
				t.Fatalf("%s bump %s = %s not greater", v, p, n)
			}
		}
	})
}
