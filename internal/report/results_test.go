package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/gitops"
	goldenfile "github.com/ctgit/ctgit/internal/golden"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/version"
)

// resultViews are the JSON documents of promote, rollback, cache prune,
// init and version, each from fixed data, rendered in every format its
// command allows. The goldens under testdata/views pin their shapes.
func resultViews(t *testing.T) map[string]func(format string) ([]byte, error) {
	t.Helper()
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	root := "/repo"
	opened := &record.Promotion{
		Status: record.PromotionOpened, From: "1.4.0", To: "1.5.0", Branch: "ctgit/churn",
		Commit: "0123456789abcdef0123456789abcdef01234567", URL: "https://github.com/acme/models/pull/42", OpenedAt: &at,
	}
	dry := &record.Promotion{Status: record.PromotionDryRun, Channel: "production", From: "1.4.0", To: "1.5.0", Branch: "ctgit/churn-production"}
	rollback := &record.Promotion{
		Status: record.PromotionOpened, From: "1.5.0", To: "1.4.0", Branch: "ctgit/rollback-churn",
		Commit: "89abcdef0123456789abcdef0123456789abcdef", URL: "/repo/.ctgit/prs/ctgit-rollback-churn.md", OpenedAt: &at,
	}
	unchanged := &record.Promotion{Status: record.PromotionUnchanged, From: "1.5.0", To: "1.5.0", Reason: "deploy/churn.yaml already holds 1.5.0"}
	files := []gitops.FileChange{{
		Path: "deploy/churn.yaml",
		Old:  []byte("model:\n  version: 1.4.0\n"),
		New:  []byte("model:\n  version: 1.5.0\n"),
	}}
	promotion := func(kind string, p *record.Promotion, fs []gitops.FileChange, dryRun bool) func(string) ([]byte, error) {
		return func(format string) ([]byte, error) {
			r, err := NewPromotionResult(kind, root, "churn", "churn-model", p, "ctgit: churn-model "+p.From+" → "+p.To, "The body.\n", fs, dryRun)
			if err != nil {
				return nil, err
			}
			var b bytes.Buffer
			err = Promotion(&b, r, format)
			return b.Bytes(), err
		}
	}
	render := func(f func(*bytes.Buffer, string) error) func(string) ([]byte, error) {
		return func(format string) ([]byte, error) {
			var b bytes.Buffer
			err := f(&b, format)
			return b.Bytes(), err
		}
	}
	return map[string]func(string) ([]byte, error){
		"promote_opened":    promotion(PromotionResultKind, opened, files, false),
		"promote_dry_run":   promotion(PromotionResultKind, dry, files, true),
		"promote_unchanged": promotion(PromotionResultKind, unchanged, nil, false),
		"rollback_local":    promotion(RollbackResultKind, rollback, files, false),
		"cache_prune": render(func(b *bytes.Buffer, format string) error {
			return CachePrune(b, &CachePruneResult{
				APIVersion: version.APIVersion, Kind: CachePruneResultKind, CacheDir: ".ctgit/cache",
				OlderThanSeconds: 30 * 24 * 3600, Entries: 4, Downloads: 2, Bytes: 3 << 20,
			}, format)
		}),
		"init_pinned": render(func(b *bytes.Buffer, format string) error {
			return Init(b, &InitResult{
				APIVersion: version.APIVersion, Kind: InitResultKind, Dir: "repo",
				Files:    []string{".github/workflows/ctgit.yml", "pipelines/example.cue"},
				Workflow: InitWorkflow{Path: ".github/workflows/ctgit.yml", Action: "ctgit/ctgit@v1.2.3", Version: "v1.2.3", Pinned: true},
			}, format)
		}),
		"init_devel": render(func(b *bytes.Buffer, format string) error {
			return Init(b, &InitResult{
				APIVersion: version.APIVersion, Kind: InitResultKind, Dir: ".",
				Files: []string{".github/workflows/ctgit.yml"},
				Workflow: InitWorkflow{Path: ".github/workflows/ctgit.yml", Action: "ctgit/ctgit@main", Version: "latest",
					Note: "this ctgit is a development build, which no release matches"},
			}, format)
		}),
		"version": render(func(b *bytes.Buffer, format string) error {
			return Version(b, &VersionInfo{
				APIVersion: version.APIVersion, Kind: VersionKind, Version: "v1.2.3", Release: "v1.2.3",
				Go: "go1.26.0", Platform: "linux/amd64", Commit: "0123456789abcdef0123456789abcdef01234567",
			}, format)
		}),
	}
}

func TestResultViews(t *testing.T) {
	for name, render := range resultViews(t) {
		t.Run(name, func(t *testing.T) {
			for _, format := range []string{FormatText, FormatJSON} {
				got, err := render(format)
				if err != nil {
					t.Fatalf("%s: %v", format, err)
				}
				ext := map[string]string{FormatText: ".txt", FormatJSON: ".json"}[format]
				goldenfile.Check(t, filepath.Join("testdata", "views", name+ext), got)
				if format != FormatJSON {
					continue
				}
				// Every document says what it is, in the one apiVersion.
				var head struct{ APIVersion, Kind string }
				if err := json.Unmarshal(got, &head); err != nil {
					t.Fatal(err)
				}
				if head.APIVersion != version.APIVersion || !strings.HasSuffix(head.Kind, "Result") && head.Kind != VersionKind {
					t.Errorf("apiVersion %q, kind %q", head.APIVersion, head.Kind)
				}
			}
			if _, err := render(FormatMarkdown); err == nil {
				t.Errorf("markdown: no error for a format the view does not have")
			}
		})
	}
}

// A refused promotion prints nothing as text: the command's error says why.
func TestPromotionRefusedText(t *testing.T) {
	r, err := NewPromotionResult(PromotionResultKind, "/repo", "churn", "churn-model",
		&record.Promotion{Status: record.PromotionRefused, From: "1.4.0", To: "1.5.0", Reason: "a human pushed to ctgit/churn"}, "t", "b", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Promotion(&b, r, FormatText); err != nil || b.Len() != 0 {
		t.Errorf("got %q, %v; want nothing", b.String(), err)
	}
}
