package drift

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/table"
)

func TestParseMethods(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    MethodList
		wantErr string
	}{
		{in: "ks", want: MethodList{MethodKS}},
		{in: "ks, chisquare,psi", want: MethodList{MethodKS, MethodChiSquare, MethodPSI}},
		{in: "auto,psi", want: MethodList{MethodAuto, MethodPSI}},
		{in: "ks,kss", wantErr: `unknown method "kss"`},
		{in: "ks,,psi", wantErr: "an empty method name"},
		{in: "psi,ks,psi", wantErr: "method psi is listed twice"},
	} {
		got, err := ParseMethods(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%q (-want +got):\n%s", tc.in, d)
		}
	}
}

// TestMethodListJSON pins the policy's JSON: one method is a string, as it
// always was, so that a policy handed to an older ctgit still reads.
func TestMethodListJSON(t *testing.T) {
	for _, tc := range []struct {
		list MethodList
		json string
	}{
		{nil, `""`},
		{MethodList{MethodKS}, `"ks"`},
		{MethodList{MethodKS, MethodPSI}, `["ks","psi"]`},
	} {
		b, err := json.Marshal(tc.list)
		if err != nil || string(b) != tc.json {
			t.Errorf("%v: %s, %v; want %s", tc.list, b, err, tc.json)
		}
		var back MethodList
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(tc.list, back); d != "" {
			t.Errorf("round trip (-want +got):\n%s", d)
		}
	}
	var p Policy
	if err := json.Unmarshal([]byte(`{"Method": 3}`), &p); err == nil {
		t.Error("a number read as a method")
	}
}

func TestColumnMethods(t *testing.T) {
	ks := MethodList{MethodKS}
	for _, tc := range []struct {
		list    MethodList
		kind    ColumnKind
		want    []Method
		wantErr string
	}{
		{list: MethodList{MethodKS, MethodChiSquare, MethodPSI}, kind: Numerical, want: []Method{MethodKS, MethodPSI}},
		{list: MethodList{MethodKS, MethodChiSquare, MethodPSI}, kind: Categorical, want: []Method{MethodChiSquare, MethodPSI}},
		{list: MethodList{MethodWasserstein, MethodJensenShannon}, kind: Categorical, want: []Method{MethodJensenShannon}},
		// One method alone tests every column it can, as it always did.
		{list: MethodList{MethodChiSquare}, kind: Numerical, want: []Method{MethodChiSquare}},
		{list: MethodList{MethodChiSquare, MethodJensenShannon}, kind: Numerical, want: []Method{MethodChiSquare, MethodJensenShannon}},
		{list: nil, kind: Categorical, want: []Method{MethodAuto}},
		{list: ks, kind: Categorical, wantErr: "method ks needs a numerical column"},
		{list: MethodList{MethodKS, MethodWasserstein}, kind: Categorical, wantErr: "methods ks,wasserstein need numerical columns"},
	} {
		got, err := Policy{Method: tc.list}.columnMethods("x", tc.kind)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v on %s: error %v, want %q", tc.list, tc.kind, err, tc.wantErr)
			}
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%v on %s (-want +got):\n%s", tc.list, tc.kind, d)
		}
	}
	// A column's own list replaces the policy's.
	p := Policy{Method: ks, Columns: map[string]ColumnPolicy{"x": {Method: MethodList{MethodPSI, MethodChiSquare}}}}
	if got, _ := p.columnMethods("x", Categorical); !cmp.Equal(got, []Method{MethodPSI, MethodChiSquare}) {
		t.Errorf("column override: %v", got)
	}
}

// TestMultiMethodVerdict: a column drifts when any of its tests says so,
// and a p-value's reason names its test when several may run.
func TestMultiMethodVerdict(t *testing.T) {
	ref := &table.Table{Path: "ref", Rows: 6, Columns: []*table.Column{table.NewColumn("c", []string{"a", "a", "a", "b", "b", "b"})}}
	cur := &table.Table{Path: "cur", Rows: 6, Columns: []*table.Column{table.NewColumn("c", []string{"a", "a", "a", "a", "b", "b"})}}
	rep, err := Compare(ref, cur, Policy{Method: MethodList{MethodChiSquare, MethodPSI}})
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Columns[0]
	if len(c.Results) != 2 || c.Results[0].Drifted || !c.Results[1].Drifted {
		t.Fatalf("results %+v: want chisquare quiet and psi drifted", c.Results)
	}
	if !c.Drifted || c.Method != MethodChiSquare || !strings.HasPrefix(c.Reason, "psi ") {
		t.Errorf("column: drifted %v, method %s, reason %q", c.Drifted, c.Method, c.Reason)
	}
	if rep.DriftShare != 1 {
		t.Errorf("share %v: a column counts once whatever its number of results", rep.DriftShare)
	}
}
