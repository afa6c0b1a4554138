package pos

import (
	"encoding/json"
	"testing"
)

// TestPosText: a Pos reads and writes the file:line:col text that reports,
// annotations and the plan's JSON have always carried.
func TestPosText(t *testing.T) {
	for _, tc := range []struct {
		pos  Pos
		text string
	}{
		{Pos{}, ""},
		{Pos{File: "pipelines/a.cue"}, "pipelines/a.cue"},
		{Pos{File: "pipelines/a.cue", Line: 12, Col: 9}, "pipelines/a.cue:12:9"},
		{Pos{File: "c:/x.cue", Line: 1, Col: 2}, "c:/x.cue:1:2"},
	} {
		if got := tc.pos.String(); got != tc.text {
			t.Errorf("%#v.String() = %q, want %q", tc.pos, got, tc.text)
		}
		if got := Parse(tc.text); got != tc.pos {
			t.Errorf("Parse(%q) = %#v, want %#v", tc.text, got, tc.pos)
		}
		b, err := json.Marshal(tc.pos)
		if err != nil {
			t.Fatal(err)
		}
		var back Pos
		if err := json.Unmarshal(b, &back); err != nil || back != tc.pos {
			t.Errorf("JSON %s read back as %#v, %v", b, back, err)
		}
	}
	b, _ := json.Marshal(struct {
		Pos Pos `json:"pos,omitzero"`
	}{})
	if string(b) != "{}" {
		t.Errorf("zero Pos with omitzero: %s", b)
	}
}
