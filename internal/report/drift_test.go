package report

import (
	"bytes"
	goldenfile "github.com/ctgit/ctgit/internal/golden"
	"path/filepath"
	"testing"

	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/version"
)

func f64(v float64) *float64 { return &v }

// sampleDriftReport covers every shape a column can take: a p-value test, an
// infinite χ², a distance, a side without values, a null-share drift, a
// column name that needs escaping in markdown, and columns left out.
func sampleDriftReport() *drift.Report {
	return &drift.Report{
		APIVersion: version.APIVersion, Kind: drift.ReportKind,
		Reference: drift.Dataset{Path: "ref.csv", Rows: 1200},
		Current:   drift.Dataset{Path: "cur.csv", Rows: 900},
		Drifted:   true, DriftShare: 0.6, ShareThreshold: 0.5, NullShareThreshold: 0.1,
		Correction: drift.CorrectionNone,
		Columns: []drift.ColumnReport{
			{Name: "amount", Kind: drift.Numerical, Method: drift.MethodKS, Score: f64(0.0010), Statistic: f64(0.0929),
				Threshold: 0.05, Drifted: true, NullShare: drift.NullShare{Reference: 0.05, Current: 0.22}, NullShareDrifted: true,
				Reason: "p-value 0.001 ≤ 0.05; null share changed by 0.17, more than 0.1"},
			{Name: "country", Kind: drift.Categorical, Method: drift.MethodChiSquare, Score: f64(0), Statistic: nil,
				Threshold: 0.05, Drifted: true, Reason: "p-value 0 below 0.05"},
			{Name: "age", Kind: drift.Numerical, Method: drift.MethodWasserstein, Score: f64(0.0312), Threshold: 0.1},
			{Name: "empty", Kind: drift.Numerical, Method: drift.MethodAuto, Threshold: 0.05, Drifted: true,
				NullShare: drift.NullShare{Reference: 0, Current: 1}, NullShareDrifted: true,
				Reason: "current has no non-missing values; null share changed by 1, more than 0.1"},
			{Name: "a|b", Kind: drift.Categorical, Method: drift.MethodPSI, Score: f64(0.25), Threshold: 0.1, Drifted: true,
				Reason: "psi 0.25 ≥ 0.1"},
		},
		// One reason with more columns than a summary names, and a name
		// that needs escaping.
		LeftOut: []drift.LeftOut{
			{Name: "x|y", Reason: drift.ReasonOnlyReference},
			{Name: "c1", Reason: "not in --columns"}, {Name: "c2", Reason: "not in --columns"},
			{Name: "c3", Reason: "not in --columns"}, {Name: "c4", Reason: "not in --columns"},
			{Name: "c5", Reason: "not in --columns"}, {Name: "c6", Reason: "not in --columns"},
			{Name: "c7", Reason: "not in --columns"},
		},
	}
}

func TestDriftGolden(t *testing.T) {
	for _, tc := range []struct{ format, file string }{
		{FormatText, "drift_report.txt"},
		{FormatMarkdown, "drift_report.md"},
		{FormatJSON, "drift_report.json"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Drift(&buf, sampleDriftReport(), tc.format); err != nil {
				t.Fatal(err)
			}
			goldenfile.Check(t, filepath.Join("testdata", tc.file), buf.Bytes())
		})
	}
}

func TestDriftUnknownFormat(t *testing.T) {
	if err := Drift(&bytes.Buffer{}, sampleDriftReport(), "yaml"); err == nil {
		t.Fatal("want an error for an unknown format")
	}
}
