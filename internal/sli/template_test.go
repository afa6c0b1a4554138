package sli

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/fault"
)

func TestVariables(t *testing.T) {
	q := `sum(rate(x{model="{{model}}", channel="{{ channel }}"}[5m])) / {{model}}_total{v="{{nope}}"}`
	at := func(sub string) int { return strings.Index(q, sub) }
	want := []Var{{"model", at("{{model}}")}, {"channel", at("{{ channel }}")}, {"model", at("{{model}}_")}, {"nope", at("{{nope}}")}}
	if diff := cmp.Diff(want, Variables(q)); diff != "" {
		t.Errorf("Variables (-want +got):\n%s", diff)
	}
	err := Validate(q)
	var te *TemplateError
	if !errors.As(err, &te) || te.Name != "nope" || te.Offset != 82 {
		t.Fatalf("Validate = %v, want the unknown {{nope}} at 82", err)
	}
	if !strings.Contains(err.Error(), "{{stable_version}}") || fault.KindOf(err) != fault.BadInput {
		t.Errorf("the error lists the known variables and is bad input: %v (%s)", err, fault.KindOf(err))
	}
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name, q string
		vars    Vars
		want    string
		problem string
	}{
		{"double", `m{model="{{model}}"}`, Vars{"model": `a"b\c` + "\n"}, `m{model="a\"b\\c\n"}`, ""},
		{"single", `m{model='{{model}}'}`, Vars{"model": `it's "x"`}, `m{model='it\'s "x"'}`, ""},
		{"raw", "m{model=`{{model}}`}", Vars{"model": `a\b`}, "m{model=`a\\b`}", ""},
		{"raw backquote", "m{model=`{{model}}`}", Vars{"model": "a`b"}, "", "backquote"},
		{"escaped quote before", `m{a="x\"", model="{{model}}"}`, Vars{"model": "f"}, `m{a="x\"", model="f"}`, ""},
		{"identifier", `{{model}}_accuracy`, Vars{"model": "fraud"}, `fraud_accuracy`, ""},
		{"not an identifier", `{{version}}_accuracy`, Vars{"version": "1.2.0"}, "", "not a PromQL identifier"},
		{"comment", "m # {{model}}\n", Vars{"model": "fraud"}, "m # fraud\n", ""},
		{"missing", `m{v="{{stable_version}}"}`, Vars{"version": "1"}, "", "no value"},
		{"unknown", `m{v="{{versoin}}"}`, Vars{"version": "1"}, "", "unknown variable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Render(tc.q, tc.vars)
			if tc.problem != "" {
				var te *TemplateError
				if !errors.As(err, &te) || !strings.Contains(te.Problem, tc.problem) {
					t.Fatalf("Render = %q, %v; want a TemplateError saying %q", got, err, tc.problem)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Render = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
