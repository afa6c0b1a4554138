package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	goldenfile "github.com/ctgit/ctgit/internal/golden"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/record"
)

// recordsDir holds the fixed run records every renderer is tested from;
// the CLI's scripts use the same files.
const recordsDir = "../../cmd/ctgit/testdata/records"

// fixtures are the records of recordsDir by name: a promotion, a failed
// gate, a first promotion, a run without drift, a 300-column drift table,
// and a local-executor promotion as its pull request body sees it (the run
// not yet finished), and a promotion whose relative gates compared with the
// current model on the same rows and as recorded; a graph with steps of
// its own; and a promotion whose training the Dagger engine answered from
// its cache.
var fixtures = []string{"promotion", "gates_failed", "first_promotion", "no_drift", "huge_drift", "local_pr", "same_data", "graph", "engine_cached"}

func loadRecord(t testing.TB, name string) *record.Run {
	t.Helper()
	r, err := record.Read(filepath.Join(recordsDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func loadHistory(t testing.TB) []*record.Run {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(recordsDir, "history", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no history records: %v", err)
	}
	var hs []*record.Run
	for _, p := range paths {
		r, err := record.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, r)
	}
	return hs
}

var testLinks = Links{ServerURL: "https://github.com", Repository: "acme/models", RunID: "4242"}

// golden compares got with testdata/name, rewriting it when
// CTGIT_UPDATE_GOLDEN=1.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), got)
}

func TestRunGolden(t *testing.T) {
	history := loadHistory(t)
	for _, name := range fixtures {
		for _, tc := range []struct{ format, ext string }{
			{FormatText, "txt"},
			{FormatMarkdown, "md"},
			{FormatJSON, "json"},
		} {
			t.Run(name+"/"+tc.format, func(t *testing.T) {
				var buf bytes.Buffer
				if err := Run(&buf, loadRecord(t, name), tc.format, history, testLinks); err != nil {
					t.Fatal(err)
				}
				golden(t, fmt.Sprintf("run/%s.%s", name, tc.ext), buf.Bytes())
			})
		}
	}
}

// TestRunJSONRoundTrip checks the json view is the record itself.
func TestRunJSONRoundTrip(t *testing.T) {
	for _, name := range fixtures {
		r := loadRecord(t, name)
		var buf bytes.Buffer
		if err := Run(&buf, r, FormatJSON, nil, Links{}); err != nil {
			t.Fatal(err)
		}
		var back record.Run
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(r, &back); d != "" {
			t.Errorf("%s: json view is not the record (-record +view):\n%s", name, d)
		}
	}
}

func TestRunUnknownFormat(t *testing.T) {
	if err := Run(&bytes.Buffer{}, loadRecord(t, "promotion"), "yaml", nil, Links{}); err == nil {
		t.Fatal("want an error for an unknown format")
	}
}

func TestPullRequestContents(t *testing.T) {
	history := loadHistory(t)
	render := func(name string) string {
		var buf bytes.Buffer
		if err := PullRequest(&buf, loadRecord(t, name), history, testLinks); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	for _, tc := range []struct {
		name        string
		want, avoid []string
	}{
		{"promotion", []string{
			"**verdict** **promote**", "1.2.0 → 1.3.0", "auc 0.871 ≥ 0.7", "auc dropped 0.004 from 0.875, allowed 0.02",
			"xychart-beta", `x-axis ["1.0.0", "1.1.0", "1.2.0", "1.3.0 (this run)"]`, "bar [0.842, 0.861, 0.875, 0.871]",
			"[20261126T160203Z-3f9a1c](https://github.com/acme/models/actions/runs/4242)", "NVIDIA A10G",
			"sha256:dddd000000000000000000000000000000000000000000000000000000000004",
		}, []string{"No current model", "<details><summary>Drift per column"}},
		{"first_promotion", []string{"No current model: relative gates skipped.", "none → 0.1.0", "⏭️ skipped", "CPU only"},
			[]string{"Data drift"}},
		{"gates_failed", []string{"❌ Gates — 3 passed, 2 failed", "auc dropped 0.03 from 0.875, allowed 0.02", "❌ **fail**", "**verdict** **rejected**"},
			[]string{"(this run)\", \"1.3.0"}},
		{"no_drift", []string{"✅ Data drift — no drift", "**verdict** **keep**", "82% of the current rows are labeled"}, []string{"### ✅ Gates", "over the last promotions"}},
		{"huge_drift", []string{"<details><summary>Drift per column (300 columns)</summary>", "the 40 of 100 nearest to drift", "the 40 of 200 nearest to drift"}, nil},
	} {
		body := render(tc.name)
		for _, s := range tc.want {
			if !strings.Contains(body, s) {
				t.Errorf("%s: body lacks %q", tc.name, s)
			}
		}
		for _, s := range tc.avoid {
			if strings.Contains(body, s) {
				t.Errorf("%s: body has %q", tc.name, s)
			}
		}
		if len(body) >= MaxPullRequestBody {
			t.Errorf("%s: body is %d bytes", tc.name, len(body))
		}
	}
}

// TestPullRequestTellsTheTruth pins what issue 12 found untrue in a body
// rendered before its run ended: durations of 0s for a 10 s run, the title
// repeated, metrics no gate uses left out, and an image named that never ran.
func TestPullRequestTellsTheTruth(t *testing.T) {
	var buf bytes.Buffer
	if err := PullRequest(&buf, loadRecord(t, "local_pr"), nil, Links{}); err != nil {
		t.Fatal(err)
	}
	body := buf.String()
	for _, s := range []string{
		"<details><summary>Steps (4) — 9.8s so far</summary>",
		"| validate | succeeded | 1 | <0.1s |",
		"| train | succeeded | 1 | 9.8s |",
		"started 2026-11-30T09:15:00Z, 9.8s so far, local executor",
		"| Training | local executor: `/usr/bin/python3` (Python 3.11.2), 9.8s, CPU only |",
		"### Metrics\n",
		"| `accuracy` | 0.8125 | 0.8 | - |",
		"| `auc` | 0.764185 | 0.75 | min, maxDropFromBaseline, maxSliceGap |",
		"| `rows` | 2000 | 1900 | - |",
		"Not numbers, left out: `slices`.",
		"**version** 1.3.0 → 1.4.0",
	} {
		if !strings.Contains(body, s) {
			t.Errorf("body lacks %q", s)
		}
	}
	for _, s := range []string{"0s in all", "ctgit: promote fraud-detector 1.3.0 → 1.4.0", "python:3.12-slim", "Training image"} {
		if strings.Contains(body, s) {
			t.Errorf("body has %q", s)
		}
	}
}

// hugeRecord is a record whose drift table alone is far past GitHub's limit;
// drifted says how many of its columns drifted.
func hugeRecord(t *testing.T, columns, drifted int) *record.Run {
	r := loadRecord(t, "promotion")
	r.Drift.Columns = nil
	for i := range columns {
		s := 0.5
		c := drift.ColumnReport{Name: fmt.Sprintf("column_with_a_rather_long_name_%05d", i), Kind: drift.Numerical,
			Method: drift.MethodKS, Score: &s, Threshold: 0.05}
		if i < drifted {
			c.Drifted, c.Reason = true, strings.Repeat("p-value below 0.05 and more words; ", 4)
		}
		r.Drift.Columns = append(r.Drift.Columns, c)
	}
	r.Steps[2].Status, r.Steps[2].Stderr = record.StepFailed, strings.Repeat("Traceback line ```\n", 50)
	return r
}

// TestPullRequestFitsLimit checks the three ways a body is fitted: whole,
// without undrifted rows, and cut with a note and closed blocks.
func TestPullRequestFitsLimit(t *testing.T) {
	for _, tc := range []struct {
		columns, drifted int
		want             string
	}{
		{10, 2, "</sub>\n"},
		{3000, 10, "2990 columns without drift are left out"},
		{5000, 5000, "This text was cut to fit GitHub's size limit"},
	} {
		var buf bytes.Buffer
		if err := PullRequest(&buf, hugeRecord(t, tc.columns, tc.drifted), nil, Links{}); err != nil {
			t.Fatal(err)
		}
		body := buf.String()
		if len(body) >= MaxPullRequestBody {
			t.Errorf("%d columns: body is %d bytes, want < %d", tc.columns, len(body), MaxPullRequestBody)
		}
		if !strings.Contains(body, tc.want) {
			t.Errorf("%d columns: body lacks %q", tc.columns, tc.want)
		}
		if o, c := strings.Count(body, "<details>"), strings.Count(body, "</details>"); o != c {
			t.Errorf("%d columns: %d <details> but %d </details>", tc.columns, o, c)
		}
		if n := strings.Count(body, "```"); n%2 != 0 {
			t.Errorf("%d columns: %d code fences, an odd number", tc.columns, n)
		}
	}
}

func TestTruncateTinyLimit(t *testing.T) {
	body := strings.Repeat("<details>\n```\nline\n", 100)
	for _, limit := range []int{len(truncatedNote) + 100, 1000, 1500} {
		got := truncate(body, limit)
		if len(got) > limit {
			t.Errorf("limit %d: got %d bytes", limit, len(got))
		}
		if !strings.Contains(got, "This text was cut") {
			t.Errorf("limit %d: no note", limit)
		}
	}
}

func TestTitles(t *testing.T) {
	for name, want := range map[string]string{
		"promotion":       "ctgit: promote fraud-detector 1.2.0 → 1.3.0",
		"first_promotion": "ctgit: promote fraud-detector to 0.1.0 (first version)",
		"gates_failed":    "ctgit: fraud-detector rejected (1.3.0 kept, run 20261203T060012Z-77e0b1)",
		"no_drift":        "ctgit: fraud-detector keep (1.3.0 kept, run 20261210T060001Z-5d5d5d)",
	} {
		if got := PullRequestTitle(loadRecord(t, name)); got != want {
			t.Errorf("%s: title %q, want %q", name, got, want)
		}
	}
}

func TestRollbackGolden(t *testing.T) {
	rb := Rollback{Pipeline: "fraud", Model: "fraud-detector", From: "1.3.0", To: "1.2.0",
		Reason: "false positives doubled after 1.3.0 | see incident 17", ToArtifact: "file://.ctgit/artifacts/fraud-detector/sha256-eeee0005/model.json",
		ToRunID: "20261119T060000Z-8b7a6c", RequestedBy: "@alice"}
	if got := RollbackTitle(rb); got != "ctgit: roll back fraud-detector 1.3.0 → 1.2.0" {
		t.Errorf("title %q", got)
	}
	var buf bytes.Buffer
	if err := RollbackPullRequest(&buf, rb, testLinks); err != nil {
		t.Fatal(err)
	}
	golden(t, "run/rollback.md", buf.Bytes())
}

func TestLinks(t *testing.T) {
	env := map[string]string{"GITHUB_SERVER_URL": "https://ghe.example.com/", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "7"}
	l := LinksFromEnv(func(k string) string { return env[k] })
	if got, want := l.RunURL(), "https://ghe.example.com/o/r/actions/runs/7"; got != want {
		t.Errorf("RunURL %q, want %q", got, want)
	}
	if got := (Links{ServerURL: "https://github.com"}).RunURL(); got != "" {
		t.Errorf("partial links give %q, want \"\"", got)
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{duration(0.44), "0.4s"}, {duration(0.011), "<0.1s"}, {duration(0), "0s"}, {duration(59.96), "60s"}, {duration(431.7), "7m12s"}, {duration(3725), "1h2m5s"},
		{value(48211), "48211"}, {value(1e6), "1000000"}, {value(0.871), "0.871"}, {value(1.0 / 3), "0.333333"},
		{mermaidNum(1e-7), "0"}, {mermaidNum(0.000123), "0.000123"}, {mermaidNum(12), "12"},
		{mermaidString("a\"b\nc"), `"a'b c"`}, {shortDigest("sha256:0123456789abcdef"), "sha256:0123456789ab"},
		{versionChange(&record.Run{Outcome: record.OutcomeFailed}), "no version yet"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
