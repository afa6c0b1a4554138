package actions

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeCurl serves the release downloads of github.com/ctgit/ctgit from
// $FAKE_RELEASES, failing as curl -f does (exit 22) for a missing file.
const fakeCurl = `#!/bin/bash
set -eu
out= url=
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=$2; shift 2 ;;
    --retry) shift 2 ;;
    -*) shift ;;
    *) url=$1; shift ;;
  esac
done
src="$FAKE_RELEASES/${url#https://github.com/ctgit/ctgit/releases/}"
[ -f "$src" ] || { echo "curl: (22) The requested URL returned error: 404" >&2; exit 22; }
cp "$src" "$out"
`

// fakeGH is gh as the install script uses it: "attestation verify --help"
// exists unless $FAKE_GH_OLD is set, and "attestation verify FILE --repo R"
// passes only for a file whose sha256 is in $FAKE_ATTESTED, made by
// ctgit/ctgit, as GitHub's attestations bind a digest to a repository. Each
// call is logged to $FAKE_GH_LOG.
const fakeGH = `#!/bin/bash
set -eu
echo "gh $*" >> "$FAKE_GH_LOG"
if [ "$1 $2" != "attestation verify" ]; then exit 1; fi
if [ "$3" = --help ]; then [ -z "${FAKE_GH_OLD:-}" ]; exit; fi
file=$3
[ "$4 $5" = "--repo ctgit/ctgit" ] || { echo "unexpected arguments: $*" >&2; exit 1; }
[ -n "$GH_TOKEN" ] || { echo "gh: no token" >&2; exit 4; }
sum=$(sha256sum "$file" | awk '{ print $1 }')
if grep -qx "$sum" "$FAKE_ATTESTED"; then echo "Loaded 1 attestation from GitHub API"; exit 0; fi
echo "✗ Loading attestations from GitHub API failed" >&2
exit 1
`

// releaseScript is the script of action.yml's install step.
func releaseScript(t *testing.T) string {
	t.Helper()
	m, _ := readAction(t)
	for _, s := range m.Runs.Steps {
		if s.ID == "release" {
			return s.Run
		}
	}
	t.Fatal("action.yml has no step with id release")
	return ""
}

// TestActionVerifiesProvenance runs action.yml's install script against a
// fake release (curl) and a fake gh: it installs a binary only when its
// SHA256SUMS entry matches and, where gh and a token are at hand, its
// attestation verifies; it says why when it could not verify, and fails
// closed when verification is required.
func TestActionVerifiesProvenance(t *testing.T) {
	script := releaseScript(t)
	binary := []byte("#!/bin/sh\necho ctgit v1.2.3\n")
	forged := []byte("#!/bin/sh\necho pwned\n")
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

	for _, tc := range []struct {
		name      string
		verify    string
		version   string
		noGH      bool
		oldGH     bool
		token     string
		asset     []byte // the release's ctgit-linux-amd64; nil: none
		sums      []byte // its SHA256SUMS asset; nil: of asset
		installed bool
		found     string // the step output found=, "" when the step fails first
		wantOut   []string
		wantGH    bool // gh attestation verify was run on the file
		fail      bool
	}{
		{name: "verified", verify: "auto", token: "t", asset: binary, installed: true, found: "true", wantGH: true,
			wantOut: []string{"matches its SHA256SUMS entry", "Verified the build provenance of ctgit-linux-amd64"}},
		{name: "latest is verified too", verify: "auto", version: "latest", token: "t", asset: binary, installed: true, found: "true", wantGH: true,
			wantOut: []string{"Verified the build provenance"}},
		{name: "a replaced release fails even in auto", verify: "auto", token: "t", asset: forged, fail: true, wantGH: true,
			wantOut: []string{"::error::ctgit-linux-amd64 of ctgit v1.2.3 failed build provenance verification", "verify-attestation: off"}},
		{name: "no gh: says so and installs", verify: "auto", noGH: true, token: "t", asset: binary, installed: true, found: "true",
			wantOut: []string{"::warning::Did not verify the build provenance of ctgit-linux-amd64: the GitHub CLI (gh) is not installed on this runner. It was checked against SHA256SUMS only."}},
		{name: "old gh: says so", verify: "auto", oldGH: true, token: "t", asset: binary, installed: true, found: "true",
			wantOut: []string{"::warning::Did not verify the build provenance of ctgit-linux-amd64: this runner's gh has no 'attestation verify' command (gh 2.49 or later has it)"}},
		{name: "no token: says so", verify: "auto", asset: binary, installed: true, found: "true",
			wantOut: []string{"::warning::Did not verify the build provenance of ctgit-linux-amd64: no token to read attestations with"}},
		{name: "required without gh fails closed", verify: "required", noGH: true, token: "t", asset: binary, fail: true,
			wantOut: []string{"::error::Could not verify the build provenance of ctgit-linux-amd64, and verify-attestation is required: the GitHub CLI (gh) is not installed on this runner"}},
		{name: "required without token fails closed", verify: "required", asset: binary, fail: true,
			wantOut: []string{"verify-attestation is required: no token"}},
		{name: "required and verified", verify: "required", token: "t", asset: binary, installed: true, found: "true", wantGH: true,
			wantOut: []string{"Verified the build provenance"}},
		{name: "required refuses a build from source", verify: "required", token: "t", fail: true,
			wantOut: []string{"::error::No release asset ctgit-linux-amd64 for ctgit v1.2.3, and verify-attestation is required: a build from source with go install has no attestation to verify"}},
		{name: "no asset: go install, said plainly", verify: "auto", token: "t", found: "false",
			wantOut: []string{"No release asset ctgit-linux-amd64 for ctgit v1.2.3: building it with go install (checked against the Go checksum database; there is no build attestation to verify)"}},
		{name: "off skips it, and says so", verify: "off", token: "t", asset: binary, installed: true, found: "true",
			wantOut: []string{"::warning::Did not verify the build provenance of ctgit-linux-amd64: verify-attestation is off."}},
		{name: "SHA256SUMS mismatch", verify: "auto", token: "t", asset: forged, sums: []byte(sum(binary) + "  ctgit-linux-amd64\n"), fail: true,
			wantOut: []string{"::error::ctgit-linux-amd64 of ctgit v1.2.3 does not match its SHA256SUMS entry"}},
		{name: "an unknown mode", verify: "yes", token: "t", asset: binary, fail: true,
			wantOut: []string{`::error::verify-attestation: "yes" is not one of auto, required, off`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			version := tc.version
			if version == "" {
				version = "v1.2.3"
			}
			rel := filepath.Join(dir, "releases", "download", "v1.2.3")
			if version == "latest" {
				rel = filepath.Join(dir, "releases", "latest", "download")
			}
			must(t, os.MkdirAll(rel, 0o755))
			if tc.asset != nil {
				must(t, os.WriteFile(filepath.Join(rel, "ctgit-linux-amd64"), tc.asset, 0o644))
				sums := tc.sums
				if sums == nil {
					sums = []byte(sum(tc.asset) + "  ctgit-linux-amd64\n" + strings.Repeat("0", 64) + "  ctgit-darwin-arm64\n")
				}
				must(t, os.WriteFile(filepath.Join(rel, "SHA256SUMS"), sums, 0o644))
			}
			// Only the real release workflow's build is attested.
			must(t, os.WriteFile(filepath.Join(dir, "attested"), []byte(sum(binary)+"\n"), 0o644))

			// PATH holds the fakes and the tools the script uses, and no
			// real gh or go.
			bin := filepath.Join(dir, "bin")
			must(t, os.Mkdir(bin, 0o755))
			must(t, os.WriteFile(filepath.Join(bin, "curl"), []byte(fakeCurl), 0o755))
			if !tc.noGH {
				must(t, os.WriteFile(filepath.Join(bin, "gh"), []byte(fakeGH), 0o755))
			}
			for _, tool := range []string{"mkdir", "mktemp", "awk", "sha256sum", "install", "cp", "grep", "cat"} {
				p, err := exec.LookPath(tool)
				if err != nil {
					t.Skipf("%s is not installed", tool)
				}
				must(t, os.Symlink(p, filepath.Join(bin, tool)))
			}
			bash, err := exec.LookPath("bash")
			if err != nil {
				t.Skip("bash is not installed")
			}
			output := filepath.Join(dir, "github_output")
			ghLog := filepath.Join(dir, "gh.log")
			runnerTemp := filepath.Join(dir, "runner")
			must(t, os.Mkdir(runnerTemp, 0o755))
			cmd := exec.Command(bash, "-c", script)
			cmd.Env = []string{
				"PATH=" + bin, "TMPDIR=" + dir, "RUNNER_OS=Linux", "RUNNER_ARCH=X64", "RUNNER_TEMP=" + runnerTemp,
				"GITHUB_OUTPUT=" + output, "CTGIT_VERSION=" + version, "CTGIT_VERIFY=" + tc.verify, "GH_TOKEN=" + tc.token,
				"FAKE_RELEASES=" + filepath.Join(dir, "releases"), "FAKE_ATTESTED=" + filepath.Join(dir, "attested"), "FAKE_GH_LOG=" + ghLog,
			}
			if tc.oldGH {
				cmd.Env = append(cmd.Env, "FAKE_GH_OLD=1")
			}
			out, err := cmd.CombinedOutput()
			if tc.fail != (err != nil) {
				t.Fatalf("err = %v, want failure %v; output:\n%s", err, tc.fail, out)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			installed := filepath.Join(runnerTemp, "ctgit-"+version, "bin", "ctgit")
			b, err := os.ReadFile(installed)
			switch {
			case tc.installed && (err != nil || string(b) != string(binary)):
				t.Errorf("ctgit not installed from the release (%v)", err)
			case !tc.installed && err == nil:
				t.Errorf("ctgit installed at %s although it should not be", installed)
			}
			outputs, _ := os.ReadFile(output)
			if tc.found != "" && !strings.Contains(string(outputs), "found="+tc.found+"\n") {
				t.Errorf("step outputs lack found=%s:\n%s", tc.found, outputs)
			}
			if tc.found == "" && strings.Contains(string(outputs), "found=") {
				t.Errorf("a failed step set found:\n%s", outputs)
			}
			calls, _ := os.ReadFile(ghLog)
			verified := strings.Contains(string(calls), "gh attestation verify "+filepath.Join(dir, "tmp."))
			if verified != tc.wantGH {
				t.Errorf("gh attestation verify on the download: %v, want %v; gh calls:\n%s", verified, tc.wantGH, calls)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
