package drift

import (
	"encoding/json"
	"errors"
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

// fits reports whether m is meant for columns of kind k: ks and
// wasserstein for numerical columns, chisquare and jensenshannon for
// categorical ones, psi and auto for both. In a list of methods, each
// applies to the columns it fits.
func (m Method) fits(k ColumnKind) bool {
	switch m {
	case MethodKS, MethodWasserstein:
		return k == Numerical
	case MethodChiSquare, MethodJensenShannon:
		return k == Categorical
	}
	return true
}

// computes reports whether m can test a column of kind k at all: every
// method but ks and wasserstein, which need numbers, can (chisquare and
// jensenshannon count a numerical column's values or bins).
func (m Method) computes(k ColumnKind) bool {
	return k == Numerical || (m != MethodKS && m != MethodWasserstein)
}

// MethodList is the drift tests a policy applies, in the order the user
// gave them; its first applicable method is a column's primary result.
// Empty means auto. Its JSON form is a string when it holds one method
// (as a policy's method always was) and an array otherwise; both are
// read.
type MethodList []Method

// ParseMethods reads a comma-separated list of methods ("ks,chisquare,psi"
// or "ks"), checking each name and refusing repeats.
func ParseMethods(s string) (MethodList, error) {
	var l MethodList
	for _, name := range strings.Split(s, ",") {
		l = append(l, Method(strings.TrimSpace(name)))
	}
	return l, l.validate()
}

// String is the list as ParseMethods reads it.
func (l MethodList) String() string {
	s := make([]string, len(l))
	for i, m := range l {
		s[i] = string(m)
	}
	return strings.Join(s, ",")
}

// MarshalJSON writes one method as a string and several as an array.
func (l MethodList) MarshalJSON() ([]byte, error) {
	switch len(l) {
	case 0:
		return []byte(`""`), nil
	case 1:
		return json.Marshal(string(l[0]))
	}
	return json.Marshal([]Method(l))
}

// UnmarshalJSON reads a method's name or an array of names; "" is the
// empty list. Names are checked by Policy.Validate.
func (l *MethodList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = nil
		if one != "" {
			*l = MethodList{Method(one)}
		}
		return nil
	}
	var many []Method
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("a method is a name or a list of names")
	}
	*l = many
	return nil
}

// validate checks every name and refuses repeats.
func (l MethodList) validate() error {
	for i, m := range l {
		if !m.valid() {
			if m == "" {
				return fmt.Errorf("an empty method name in %q; use one or more of %s, comma-separated", l.String(), methodList())
			}
			return fmt.Errorf("unknown method %q; use one of %s", m, methodList())
		}
		if slices.Contains(l[:i], m) {
			return fmt.Errorf("method %s is listed twice", m)
		}
	}
	return nil
}

// hasPValueOrAuto reports whether a threshold for l may be applied to a
// p-value: an empty list is auto.
func (l MethodList) hasPValueOrAuto() bool {
	return len(l) == 0 || slices.ContainsFunc(l, func(m Method) bool { return m.PValue() || m == MethodAuto })
}

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
	// Method is the tests for columns without an override, each applied
	// to the columns it fits (see MethodList); empty means auto.
	Method MethodList
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
	// Correction adjusts the p-values of the ks and chisquare results of
	// every column for multiple testing; "" means none.
	Correction Correction
}

// ColumnPolicy overrides the policy for one column; zero fields inherit.
type ColumnPolicy struct {
	Method    MethodList
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

// severalMethods reports whether the policy may test a column with more
// than one method.
func (p Policy) severalMethods() bool {
	if len(p.Method) > 1 {
		return true
	}
	for _, cp := range p.Columns {
		if len(cp.Method) > 1 {
			return true
		}
	}
	return false
}

// methods is the list of methods in force for col: its own, the
// policy's, or auto.
func (p Policy) methods(col string) MethodList {
	if cp, ok := p.Columns[col]; ok && len(cp.Method) > 0 {
		return cp.Method
	}
	if len(p.Method) == 0 {
		return MethodList{MethodAuto}
	}
	return p.Method
}

// columnMethods is the methods that test col, of kind k, in list order:
// those that fit the kind; when none does, those that can compute it (a
// single chisquare on a numerical column counts its values, as it always
// did). A column no listed method can test is an error whose message says
// what to do.
func (p Policy) columnMethods(col string, k ColumnKind) ([]Method, error) {
	list := p.methods(col)
	var out []Method
	for _, m := range list {
		if m.fits(k) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		for _, m := range list {
			if m.computes(k) {
				out = append(out, m)
			}
		}
	}
	if len(out) == 0 {
		if len(list) == 1 {
			return nil, fmt.Errorf("method %s needs a numerical column, and this one is categorical; choose chisquare, jensenshannon or psi for it, or leave it out with --columns", list[0])
		}
		return nil, fmt.Errorf("methods %s need numerical columns, and this one is categorical; add chisquare, jensenshannon or psi to the list, or leave it out with --columns", list)
	}
	return out, nil
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
	if err := p.Method.validate(); err != nil {
		return err
	}
	if err := checkThreshold("threshold", p.Threshold, p.Method); err != nil {
		return err
	}
	for name, cp := range p.Columns {
		if err := cp.Method.validate(); err != nil {
			return fmt.Errorf("column %q: %w", name, err)
		}
		m := cp.Method
		if len(m) == 0 {
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

// checkThreshold checks a threshold that applies to every method of l.
func checkThreshold(what string, t *float64, l MethodList) error {
	if t == nil {
		return nil
	}
	v := *t
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return fmt.Errorf("%s %v is out of range: it must be a positive number", what, v)
	}
	if v <= 1 || !l.hasPValueOrAuto() {
		return nil
	}
	for _, m := range l {
		if m.PValue() {
			return fmt.Errorf("%s %v is out of range for %s: a p-value threshold must be in (0, 1]", what, v, m)
		}
	}
	return fmt.Errorf("%s %v is out of range for method auto, which may use p-value tests: it must be in (0, 1]", what, v)
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
