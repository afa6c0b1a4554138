package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/report"
	"github.com/ctgit/ctgit/internal/startgc"
	"github.com/ctgit/ctgit/internal/table"
)

// Flags of ctgit drift.
const (
	flagReference          = "reference"
	flagCurrent            = "current"
	flagMethod             = "method"
	flagThreshold          = "threshold"
	flagShare              = "share"
	flagColumns            = "columns"
	flagCategorical        = "categorical"
	flagInputFormat        = "input-format"
	flagNullShareThreshold = "null-share-threshold"
	flagCorrection         = "correction"
	flagFailOnDrift        = "fail-on-drift"
	flagMemoryBudget       = "memory-budget"
	flagPolicy             = "policy"
	flagReferenceProfile   = "reference-profile"
)

func newDriftCmd(env environment) *cobra.Command {
	var (
		refPath, curPath, method, inputFormat, correction, format, policyFile, profileDir string
		threshold, share, nullShare                                                       float64
		columns, categorical                                                              []string
		failOnDrift                                                                       bool
		budgetMiB                                                                         int
	)
	cmd := &cobra.Command{
		Use:   "drift --reference DATA --current DATA",
		Short: "Compare a current data set with a reference, column by column",
		Long: `drift tests every column present in both the reference and the current
data (CSV with a header row, or Parquet), or only those --columns names, with
the tests that --method names, and says whether the data set drifted: when the
share of drifted columns reaches --share. A column in only one file is not
tested; the report names it and every other column left out, and why. This is
the same engine a pipeline's drift step runs.

DATA is a CSV or Parquet file (.csv.gz and .csv.zst included), a stream
(<(zcat x.csv.gz), a FIFO, /dev/stdin), or a dataset of many parts read as
one table: a directory, a glob ('data/events/**/*.parquet'), or a URL
(s3://bucket/prefix/, gs://…, azblob://…, https://host/file.csv), with the
key=value directories below its fixed part as columns. A Git LFS pointer is
read through git lfs; a DVC-tracked file must be pulled. Remote objects are
downloaded once into the user's cache directory (ctgit/data/), by identity;
credentials come from each store's usual environment (AWS_*, Google's
application-default credentials, AZURE_STORAGE_*).

Methods: auto (default), ks, chisquare, wasserstein, jensenshannon, psi.
auto uses ks (≤1000 reference values) or wasserstein for numerical columns
with more than 5 distinct values, and chisquare (≤1000) or jensenshannon for
the others. --method takes a list too (ks,chisquare,psi), read in one pass:
each method tests the columns it fits (ks and wasserstein numerical ones,
chisquare and jensenshannon categorical ones, psi both), and a column drifts
when any of its tests says so; the first is its primary result. Missing cells (empty, NA, NaN, null, ±inf, …) are dropped before
testing; a change of a column's null share beyond --null-share-threshold is
drift of its own.

Exit status: 0 whether or not drift was found; 1 with --fail-on-drift when
the data set drifted; 2 for bad input.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, report.FormatText, report.FormatJSON, report.FormatMarkdown); err != nil {
				return err
			}
			if refPath == "" || curPath == "" {
				return usagef("both --%s and --%s are required", flagReference, flagCurrent)
			}
			if inputFormat != "" {
				if err := checkEnum(flagInputFormat, inputFormat, "csv", "parquet"); err != nil {
					return err
				}
			}
			if budgetMiB < 0 || int64(budgetMiB) > math.MaxInt64>>20 {
				return usagef("--%s %d: a budget is 0 (no limit) or a positive number of MiB, at most %d", flagMemoryBudget, budgetMiB, int64(math.MaxInt64>>20))
			}
			f := cmd.Flags()
			var p drift.Policy
			if policyFile != "" {
				for _, name := range []string{flagMethod, flagThreshold, flagShare, flagColumns, flagCategorical, flagNullShareThreshold, flagCorrection} {
					if f.Changed(name) {
						return usagef("--%s and --%s: the policy file already says how to compare", flagPolicy, name)
					}
				}
				b, err := readFlagFile(flagPolicy, policyFile)
				if err != nil {
					return err
				}
				if err := json.Unmarshal(b, &p); err != nil {
					return fault.Input(fmt.Errorf("--%s %s: %w", flagPolicy, policyFile, err))
				}
				if err := p.Validate(); err != nil {
					return fault.Input(fmt.Errorf("--%s %s: %w", flagPolicy, policyFile, err))
				}
			} else {
				var err error
				if p, err = driftPolicyFromFlags(f, method, correction, columns, categorical, threshold, share, nullShare); err != nil {
					return err
				}
			}
			startgc.Release() // before tuning, or the first collection's restore would undo it
			// The parsed columns are large pointer-free arrays, cheap for
			// the collector to scan, so collecting often keeps the peak
			// memory near the data actually held at little cost in time.
			defer debug.SetGCPercent(debug.SetGCPercent(10))
			// A data file may be a stream (<(zcat x.csv.gz), a FIFO,
			// /dev/stdin): each is read once, here, before either is parsed.
			ref, refSnap, refDone, err := openDriftInput(cmd.Context(), refPath)
			if err != nil {
				return inputOrInfra(err)
			}
			defer refDone()
			cur, _, curDone, err := openDriftInput(cmd.Context(), curPath)
			if err != nil {
				return inputOrInfra(err)
			}
			defer curDone()
			opt := table.ReadOptions{Format: inputFormat}
			var rep *drift.Report
			if profileDir != "" {
				spec, memo, err := profileSpec(profileDir, refPath, refSnap)
				if err != nil {
					return err
				}
				rep, err = drift.CompareWithProfile(ref, cur, opt, p, int64(budgetMiB)<<20, spec)
				if err != nil {
					return inputOrInfra(err)
				}
				// The build's digest is remembered where the profile went;
				// it only saves hashing, so a memo not saved is no error.
				if _, err := os.Stat(profileDir); err == nil {
					memo.Save()
				}
			} else if rep, err = drift.CompareInputs(ref, cur, opt, p, int64(budgetMiB)<<20); err != nil {
				return inputOrInfra(err)
			}
			if err := report.Drift(cmd.OutOrStdout(), rep, format); err != nil {
				return err
			}
			if u := rep.ReferenceProfile; u != nil && format != report.FormatJSON {
				fmt.Fprintln(cmd.ErrOrStderr(), u)
			}
			if failOnDrift && rep.Drifted {
				return fault.Check(fmt.Errorf("data drifted: %d of %d columns (%s, dataset threshold %s)",
					countDrifted(rep), len(rep.Columns), report.Percent(rep.DriftShare), report.Percent(rep.ShareThreshold)))
			}
			return nil
		},
	}
	methods := make([]string, len(drift.Methods))
	for i, m := range drift.Methods {
		methods[i] = string(m)
	}
	f := cmd.Flags()
	f.StringVar(&refPath, flagReference, "", "reference data: a file, directory, glob or URL (CSV or Parquet)")
	f.StringVar(&curPath, flagCurrent, "", "current data: a file, directory, glob or URL (CSV or Parquet)")
	f.StringVar(&method, flagMethod, string(drift.MethodAuto), "tests for every column, one or a comma-separated list, each applied to the columns it fits: "+strings.Join(methods, ", "))
	f.Float64Var(&threshold, flagThreshold, 0, "drift threshold for every column (default: 0.05 for p-values, 0.1 for distances)")
	f.Float64Var(&share, flagShare, drift.DefaultShare, "share of drifted columns at which the data set has drifted")
	f.StringSliceVar(&columns, flagColumns, nil, "compare only these columns (comma-separated)")
	f.StringSliceVar(&categorical, flagCategorical, nil, "treat these columns as categorical even if numeric")
	f.StringVar(&inputFormat, flagInputFormat, "", "csv or parquet (default: by file extension)")
	f.Float64Var(&nullShare, flagNullShareThreshold, drift.DefaultNullShareThreshold, "absolute change of a column's null share that counts as drift")
	f.StringVar(&correction, flagCorrection, string(drift.CorrectionNone), "multiple-testing correction of p-values: none, bonferroni, benjamini-hochberg")
	addFormatFlag(cmd, &format, report.FormatText, report.FormatJSON, report.FormatMarkdown)
	f.BoolVar(&failOnDrift, flagFailOnDrift, false, "exit 1 when the data set drifted")
	f.StringVar(&policyFile, flagPolicy, "", "a pipeline's drift policy as JSON, instead of the policy flags (how the Dagger executor's drift step is told)")
	f.StringVar(&profileDir, flagReferenceProfile, "", "keep the reference's parsed columns in a profile in this directory, by the reference's digest, and read them from there while the reference is unchanged")
	f.IntVar(&budgetMiB, flagMemoryBudget, table.DefaultMemoryBudget>>20, "MiB of parsed values to hold at once; wider CSV files are read in column groups (0: no limit)")
	return cmd
}

// driftPolicyFromFlags builds the policy the flags describe, checking each
// flag on its own, by the policy's own rules, so that a refusal names the
// flag.
func driftPolicyFromFlags(f *pflag.FlagSet, method, correction string, columns, categorical []string, threshold, share, nullShare float64) (drift.Policy, error) {
	methods, err := drift.ParseMethods(method)
	if err != nil {
		return drift.Policy{}, usagef("--%s: %v", flagMethod, err)
	}
	p := drift.Policy{
		Method:      methods,
		Categorical: columnList(categorical),
		Subset:      columnList(columns),
		Correction:  drift.Correction(correction),
	}
	if len(p.Subset) > 0 {
		p.SubsetFrom = "--" + flagColumns
	}
	byFlag := map[string]drift.Policy{
		flagMethod:     {Method: p.Method},
		flagCorrection: {Correction: p.Correction},
	}
	if f.Changed(flagThreshold) {
		p.Threshold = &threshold
		byFlag[flagThreshold] = drift.Policy{Method: p.Method, Threshold: p.Threshold}
	}
	if f.Changed(flagShare) {
		p.Share = &share
		byFlag[flagShare] = drift.Policy{Share: p.Share}
	}
	if f.Changed(flagNullShareThreshold) {
		p.NullShareThreshold = &nullShare
		byFlag[flagNullShareThreshold] = drift.Policy{NullShareThreshold: p.NullShareThreshold}
	}
	// In the order of the help text, so the first bad flag is reported.
	for _, name := range []string{flagMethod, flagThreshold, flagShare, flagNullShareThreshold, flagCorrection} {
		if one, ok := byFlag[name]; ok {
			if err := one.Validate(); err != nil {
				return p, usagef("--%s: %v", name, err)
			}
		}
	}
	if err := p.Validate(); err != nil {
		return p, &flagError{err}
	}
	return p, nil
}

func columnList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func countDrifted(r *drift.Report) int {
	n := 0
	for _, c := range r.Columns {
		if c.Drifted {
			n++
		}
	}
	return n
}

// inputOrInfra keeps an error marked as an infrastructure failure (a
// store that cannot be reached: exit 3) and marks any other as bad input.
func inputOrInfra(err error) error {
	if _, ok := fault.Marked(err); ok {
		return err
	}
	return fault.Input(err)
}

// profileSpec is the reference profile of `ctgit drift --reference-profile
// dir`. The reference's digest is its dataset snapshot's, or for a file
// its content's, hashed on every run: a profile is never trusted for a
// file that changed. A stream has no digest before it is read, so it
// cannot have a profile. The build's digest is remembered in memo, kept
// in dir by the executable's identity, so it is hashed once per build.
// Nothing is written here: a comparison that fails leaves nothing.
func profileSpec(dir, refPath, refSnap string) (_ drift.ProfileSpec, memo *digest.Memo, _ error) {
	spec := drift.ProfileSpec{Dir: dir, ReferenceDigest: refSnap}
	if spec.ReferenceDigest == "" {
		st, err := os.Stat(refPath)
		if err != nil || !st.Mode().IsRegular() {
			return spec, nil, usagef("--%s: the reference %s is a stream: a profile is kept by the reference's digest, known only for a file or a dataset", flagReferenceProfile, refPath)
		}
		if spec.ReferenceDigest, _, err = digest.NewMemo().File(refPath); err != nil {
			return spec, nil, fault.Input(fmt.Errorf("hashing the reference %s: %w", refPath, err))
		}
	}
	memo = digest.LoadMemo(filepath.Join(dir, "build-memo.json"))
	var err error
	if spec.Build, err = drift.BuildIdentity(memo); err != nil {
		return spec, nil, err
	}
	return spec, memo, nil
}
