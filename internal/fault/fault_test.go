package fault

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindOf(t *testing.T) {
	base := errors.New("boom")
	for _, tc := range []struct {
		err  error
		want Kind
	}{
		{nil, None},
		{base, Infrastructure},
		{Input(base), BadInput},
		{Check(base), CheckFailed},
		{Infra(base), Infrastructure},
		{fmt.Errorf("context: %w", Input(base)), BadInput},
		{As(CheckFailed, fmt.Errorf("outer: %w", Input(base))), CheckFailed},
	} {
		if got := KindOf(tc.err); got != tc.want {
			t.Errorf("KindOf(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
	if As(BadInput, nil) != nil {
		t.Error("a nil error stays nil")
	}
}
