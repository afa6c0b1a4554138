package rewrite

import (
	"bytes"
	"sync"
)

// A configuration where many pipelines promote into one file looks up a
// field of the same source once per pipeline; parsing the source each time
// made loading quadratic in the number of pipelines (1,000 pipelines and
// one models.cue: a million lines parsed). Lookup keeps the syntax of the
// last few sources it parsed, keyed by file name and the exact bytes, and
// only ever reads it.

// maxParsed is how many parsed sources are kept; maxParsedSize the largest
// source kept (a copy of it is held to compare against).
const (
	maxParsed     = 8
	maxParsedSize = 4 << 20
)

// parsedSource is one parsed source: its syntax tree or its parse error.
type parsedSource struct {
	filename string
	src      []byte // a copy: the caller may reuse its slice
	tree     any
	err      error
}

var parsedMemo struct {
	sync.Mutex
	recent []*parsedSource // the most recently used last
}

// parseMemo returns parse()'s result for filename's src, from the memo when
// the same bytes of the same file were parsed before.
func parseMemo(filename string, src []byte, parse func() (any, error)) (any, error) {
	if len(src) > maxParsedSize {
		return parse()
	}
	m := &parsedMemo
	m.Lock()
	for i, p := range m.recent {
		if p.filename == filename && bytes.Equal(p.src, src) {
			m.recent = append(append(m.recent[:i:i], m.recent[i+1:]...), p)
			m.Unlock()
			return p.tree, p.err
		}
	}
	m.Unlock()

	tree, err := parse()
	p := &parsedSource{filename: filename, src: bytes.Clone(src), tree: tree, err: err}
	m.Lock()
	if len(m.recent) == maxParsed {
		m.recent = append(m.recent[:0:0], m.recent[1:]...)
	}
	m.recent = append(m.recent, p)
	m.Unlock()
	return tree, err
}
