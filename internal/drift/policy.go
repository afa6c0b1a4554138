package drift

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Method names a drift test.
type Method string

// The drift tests. MethodAuto picks one per column (see Policy).
const (
	MethodAuto          Method = "auto"
	MethodKS            Method = "ks"
	MethodChiSquare     Method = "chisquare"
	MethodWasserstein   Method = "wasserstein"
	MethodJensenShannon Method = "jensenshannon"
	MethodPSI           Method = "psi"
)

// Methods lists every method a policy may name, in the order help texts show.
var Methods = []Method{MethodAuto, MethodKS, MethodChiSquare, MethodWasserstein, MethodJensenShannon, MethodPSI}

// PValue reports whether the method's score is a p-value (drift when small)
// rather than a distance (drift when large).
func (m Method) PValue() bool { return m == MethodKS || m == MethodChiSquare }

// DefaultThreshold is the threshold a method uses when the policy sets none:
// 0.05 for p-values, 0.1 for distances.
func (m Method) DefaultThreshold() float64 {
	if m.PValue() {
		return 0.05
	}
	return 0.1
}

func (m Method) valid() bool { return slices.Contains(Methods, m) }

// Correction is a multiple-testing correction over the p-value tests of one
// comparison.
type Correction string

// The corrections.
const (
	CorrectionNone       Correction = "none"
	CorrectionBonferroni Correction = "bonferroni"
	CorrectionBH         Correction = "benjamini-hochberg"
)

// Corrections lists the valid corrections.
var Corrections = []Correction{CorrectionNone, CorrectionBonferroni, CorrectionBH}

// Default policy values.
const (
	DefaultShare              = 0.5
	DefaultNullShareThreshold = 0.1
)

// Policy says how to compare two tables. Its zero value is the default
// policy: method auto with each method's default threshold, share 0.5,
// null-share threshold 0.1, no correction, every column present in both
// tables. Its JSON form (field names as they are) is how the Dagger
// executor hands a pipeline's policy to ctgit drift.
type Policy struct {
	// Method is the test for columns without an override; "" means auto.
	Method Method
	// Threshold overrides every method's default threshold when non-nil.
	// For p-value methods it must be in (0, 1]; for distances, > 0.
	Threshold *float64
	// Columns holds per-column overrides of method and threshold, by name.
	Columns map[string]ColumnPolicy
	// Share is the share of drifted columns at or above which the data set
	// has drifted, in [0, 1]; nil means DefaultShare.
	Share *float64
	// Categorical names columns to compare as categories even when every
	// value is a number.
	Categorical []string
	// Subset, when not empty, restricts the comparison to these columns
	// (reported in reference file order); each must be in both tables.
	Subset []string
	// SubsetFrom says where Subset came from ("--columns",
	// "checks.drift.columns at pipelines/x.cue:20:3"): the columns it
	// leaves out are reported as "not in " + SubsetFrom.
	SubsetFrom string
	// Exclude leaves columns out of the comparison, even those of Subset,
	// each reported with its reason; a name neither table has is ignored.
	Exclude []LeftOut
	// NullShareThreshold is the absolute change of a column's share of
	// missing values beyond which the column has drifted, in [0, 1]; nil
	// means DefaultNullShareThreshold.
	NullShareThreshold *float64
	// Correction adjusts the p-values of ks and chisquare columns for
	// multiple testing; "" means none.
	Correction Correction
}

// ColumnPolicy overrides the policy for one column; zero fields inherit.
type ColumnPolicy struct {
	Method    Method
	Threshold *float64
}

func (p Policy) share() float64 {
	if p.Share == nil {
		return DefaultShare
	}
	return *p.Share
}

func (p Policy) nullShareThreshold() float64 {
	if p.NullShareThreshold == nil {
		return DefaultNullShareThreshold
	}
	return *p.NullShareThreshold
}

func (p Policy) method(col string) Method {
	if cp, ok := p.Columns[col]; ok && cp.Method != "" {
		return cp.Method
	}
	if p.Method == "" {
		return MethodAuto
	}
	return p.Method
}

func (p Policy) threshold(col string, m Method) float64 {
	if cp, ok := p.Columns[col]; ok && cp.Threshold != nil {
		return *cp.Threshold
	}
	if p.Threshold != nil {
		return *p.Threshold
	}
	return m.DefaultThreshold()
}

func (p Policy) correction() Correction {
	if p.Correction == "" {
		return CorrectionNone
	}
	return p.Correction
}

// Validate checks the policy on its own (column names are checked against
// the data by Compare). Errors name the offending setting.
func (p Policy) Validate() error {
	if p.Method != "" && !p.Method.valid() {
		return fmt.Errorf("unknown method %q; use one of %s", p.Method, methodList())
	}
	if err := checkThreshold("threshold", p.Threshold, p.Method); err != nil {
		return err
	}
	for name, cp := range p.Columns {
		if cp.Method != "" && !cp.Method.valid() {
			return fmt.Errorf("column %q: unknown method %q; use one of %s", name, cp.Method, methodList())
		}
		m := cp.Method
		if m == "" {
			m = p.Method
		}
		if err := checkThreshold(fmt.Sprintf("column %q: threshold", name), cp.Threshold, m); err != nil {
			return err
		}
	}
	if err := checkUnit("share", p.Share); err != nil {
		return err
	}
	if err := checkUnit("null-share threshold", p.NullShareThreshold); err != nil {
		return err
	}
	for _, l := range p.Exclude {
		if l.Name == "" || l.Reason == "" {
			return fmt.Errorf("an excluded column needs a name and a reason, got %q (%q)", l.Name, l.Reason)
		}
	}
	if !slices.Contains(Corrections, p.correction()) {
		return fmt.Errorf("unknown correction %q; use one of none, bonferroni, benjamini-hochberg", p.Correction)
	}
	return nil
}

func methodList() string {
	s := make([]string, len(Methods))
	for i, m := range Methods {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

func checkThreshold(what string, t *float64, m Method) error {
	if t == nil {
		return nil
	}
	v := *t
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0) || v <= 0:
		return fmt.Errorf("%s %v is out of range: it must be a positive number", what, v)
	case m.PValue() && v > 1:
		return fmt.Errorf("%s %v is out of range for %s: a p-value threshold must be in (0, 1]", what, v, m)
	case (m == "" || m == MethodAuto) && v > 1:
		return fmt.Errorf("%s %v is out of range for method auto, which may use p-value tests: it must be in (0, 1]", what, v)
	}
	return nil
}

func checkUnit(what string, v *float64) error {
	if v == nil {
		return nil
	}
	if math.IsNaN(*v) || *v < 0 || *v > 1 {
		return fmt.Errorf("%s %v is out of range: it must be in [0, 1]", what, *v)
	}
	return nil
}
