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

// sampleMultiDriftReport is a report of a policy listing several methods
// (ks,chisquare,psi with Bonferroni): each column has one result per method
// that fits it, the primary first, and one line in every human view.
func sampleMultiDriftReport() *drift.Report {
	return &drift.Report{
		APIVersion: version.APIVersion, Kind: drift.ReportKind,
		Reference: drift.Dataset{Path: "ref.csv", Rows: 300},
		Current:   drift.Dataset{Path: "cur.csv", Rows: 240},
		Drifted:   true, DriftShare: 2.0 / 3, ShareThreshold: 0.5, NullShareThreshold: 0.1,
		Correction: drift.CorrectionBonferroni,
		Columns: []drift.ColumnReport{
			{Name: "amount", Kind: drift.Numerical, Method: drift.MethodKS, Score: f64(1.329e-07), Statistic: f64(0.2558),
				Threshold: 0.05, AdjustedScore: f64(3.988e-07), Drifted: true,
				Reason: "ks adjusted p-value 3.988e-07 ≤ 0.05; psi 0.4388 ≥ 0.1",
				Results: []drift.MethodResult{
					{Method: drift.MethodKS, Score: f64(1.329e-07), Statistic: f64(0.2558), Threshold: 0.05, AdjustedScore: f64(3.988e-07), Drifted: true},
					{Method: drift.MethodPSI, Score: f64(0.4388), Threshold: 0.1, Drifted: true},
				}},
			{Name: "ratio", Kind: drift.Numerical, Method: drift.MethodKS, Score: f64(0.5305), Statistic: f64(0.0698),
				Threshold: 0.05, AdjustedScore: f64(1), NullShare: drift.NullShare{Reference: 0.06, Current: 0.075},
				Results: []drift.MethodResult{
					{Method: drift.MethodKS, Score: f64(0.5305), Statistic: f64(0.0698), Threshold: 0.05, AdjustedScore: f64(1)},
					{Method: drift.MethodPSI, Score: f64(0.095), Threshold: 0.1},
				}},
			{Name: "plan", Kind: drift.Categorical, Method: drift.MethodChiSquare, Score: f64(0), Threshold: 0.05,
				AdjustedScore: f64(0), Drifted: true,
				Reason: "chisquare adjusted p-value 0 below 0.05; psi 0.8478 ≥ 0.1",
				Results: []drift.MethodResult{
					{Method: drift.MethodChiSquare, Score: f64(0), Threshold: 0.05, AdjustedScore: f64(0), Drifted: true},
					{Method: drift.MethodPSI, Score: f64(0.8478), Threshold: 0.1, Drifted: true},
				}},
		},
	}
}

func TestDriftMultiMethodGolden(t *testing.T) {
	for _, tc := range []struct{ format, file string }{
		{FormatText, "drift_report_multi.txt"},
		{FormatMarkdown, "drift_report_multi.md"},
		{FormatJSON, "drift_report_multi.json"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Drift(&buf, sampleMultiDriftReport(), tc.format); err != nil {
				t.Fatal(err)
			}
			goldenfile.Check(t, filepath.Join("testdata", tc.file), buf.Bytes())
		})
	}
}
