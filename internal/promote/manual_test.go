package promote

import (
	"strings"
	"testing"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/record"
)

func TestCheckVersionAndArtifact(t *testing.T) {
	semverP := &config.Pipeline{Name: "fraud", Promote: config.Promote{Scheme: "semver"}}
	intP := &config.Pipeline{Name: "fraud", Promote: config.Promote{Scheme: "integer"}}
	for _, tc := range []struct {
		p  *config.Pipeline
		v  string
		ok bool
	}{
		{semverP, "1.2.3", true}, {semverP, "1.2.3-rc.1+b5", true}, {semverP, "v1.2.3", false}, {semverP, "1.2", false},
		{intP, "7", true}, {intP, "007", false}, {intP, "-1", false}, {intP, "1.0.0", false},
	} {
		err := checkVersion(tc.p, tc.v)
		if (err == nil) != tc.ok || (err != nil && fault.KindOf(err) != fault.BadInput) {
			t.Errorf("checkVersion(%s, %q) = %v, want ok=%v (exit 2 otherwise)", tc.p.Promote.Scheme, tc.v, err, tc.ok)
		}
	}
	hex := strings.Repeat("ab", 32)
	if uri, d, err := ParseArtifact("s3://m/fraud@sha256:" + hex); err != nil || uri != "s3://m/fraud" || d != "sha256:"+hex {
		t.Errorf("ParseArtifact = %q %q %v", uri, d, err)
	}
	for _, bad := range []string{"s3://m/fraud", "s3://m/fraud@sha256:abc", "@sha256:" + hex, "s3://m/fraud@sha256:" + strings.ToUpper(hex)} {
		if _, _, err := ParseArtifact(bad); fault.KindOf(err) != fault.BadInput {
			t.Errorf("ParseArtifact(%q) = %v, want exit 2", bad, err)
		}
	}
}

func TestMatchingRecord(t *testing.T) {
	run := func(id, model, version, digest string, promotedTo string) *record.Run {
		r := &record.Run{ID: id, Model: model}
		if digest != "" {
			r.Candidate = &record.Artifact{URI: "file://a", Digest: digest, Version: version}
		}
		if promotedTo != "" {
			r.Promotion = &record.Promotion{To: promotedTo}
		}
		return r
	}
	history := []*record.Run{ // oldest first, as Store.Records returns them
		run("r1", "fraud-detector", "1.1.0", "sha256:a", ""),
		run("r2", "fraud-detector", "", "sha256:b", "1.2.0"),
		run("r3", "other", "1.2.0", "sha256:c", ""),
		run("r4", "fraud-detector", "", "", "1.2.0"), // no candidate: held, no drift
		run("r5", "fraud-detector", "1.1.0", "sha256:d", ""),
	}
	for _, tc := range []struct{ version, digest, want string }{
		{"1.1.0", "", "r5"}, // newest with this version
		{"1.2.0", "", "r2"}, // by promotion.to; r3 is another model's, r4 trained nothing
		{"1.1.0", "sha256:a", "r1"},
		{"1.1.0", "sha256:zz", ""},
		{"9.0.0", "", ""},
	} {
		got := ""
		if r := matchingRecord(history, "fraud-detector", tc.version, tc.digest); r != nil {
			got = r.ID
		}
		if got != tc.want {
			t.Errorf("matchingRecord(%s, %q) = %q, want %q", tc.version, tc.digest, got, tc.want)
		}
	}
}

func TestStageOf(t *testing.T) {
	pp := &config.Pipeline{Name: "fraud", Model: config.Model{Name: "fraud-detector", Target: config.Target{File: "m.cue"}},
		Promote: config.Promote{Channels: []config.Channel{{Name: "staging", Target: config.Target{File: "s.yaml"}}, {Name: "prod", Target: config.Target{File: "p.yaml"}}}}}
	for _, tc := range []struct{ channel, file, from, branch string }{
		{"", "m.cue", "", "ctgit/fraud-detector"},
		{"staging", "s.yaml", "m.cue", "ctgit/fraud-detector-staging"},
		{"prod", "p.yaml", "s.yaml", "ctgit/fraud-detector-prod"},
	} {
		st, err := StageOf(pp, tc.channel)
		if err != nil {
			t.Fatal(err)
		}
		from := ""
		if st.From != nil {
			from = st.From.File
		}
		if st.Target.File != tc.file || from != tc.from || st.Branch != tc.branch {
			t.Errorf("StageOf(%q) = %+v (from %q)", tc.channel, st, from)
		}
	}
	if _, err := StageOf(pp, "qa"); fault.KindOf(err) != fault.BadInput || !strings.Contains(err.Error(), `"staging", "prod"`) {
		t.Errorf("unknown channel: %v", err)
	}
}
