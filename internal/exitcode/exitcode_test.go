package exitcode

import (
	"errors"
	"fmt"
	"testing"
)

type listErr []string

func (listErr) Error() string { return "list" }
func (listErr) ExitCode() int { return Input }

func TestOf(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, OK},
		{"unclassified", base, Infra},
		{"input", InputErr(base), Input},
		{"check wrapped", fmt.Errorf("step train: %w", CheckErr(base)), Check},
		{"outermost wins", InfraErr(fmt.Errorf("x: %w", InputErr(base))), Infra},
		{"coder", fmt.Errorf("loading: %w", listErr{"a"}), Input},
	}
	for _, tt := range tests {
		if got := Of(tt.err); got != tt.want {
			t.Errorf("%s: Of = %d, want %d", tt.name, got, tt.want)
		}
	}
	if Wrap(Input, nil) != nil {
		t.Error("Wrap(nil) must stay nil")
	}
}
