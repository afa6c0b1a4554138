package rewrite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// jsonNode is a JSON value with the byte span it has in the source.
type jsonNode struct {
	// kind is '{', '[', or the kind of a scalar: 's' (string), 'n'
	// (number), 'b' (true or false), 'z' (null).
	kind       byte
	start, end int
	// value is a scalar's value: a string unescaped, anything else as
	// written.
	value   string
	members []jsonMember // an object's, in source order
	items   []*jsonNode  // an array's
}

// jsonMember is one "key": value pair of an object.
type jsonMember struct {
	key      string
	keyStart int
	value    *jsonNode
}

// jsonParser builds jsonNodes from encoding/json's tokens, locating each
// value from the decoder's offsets.
type jsonParser struct {
	src []byte
	dec *json.Decoder
}

// next returns the offset of the next token's first byte: past the
// whitespace, ':' and ',' that the decoder consumes between tokens.
func (p *jsonParser) next() int {
	off := int(p.dec.InputOffset())
	for off < len(p.src) && strings.IndexByte(" \t\r\n:,", p.src[off]) >= 0 {
		off++
	}
	return off
}

func (p *jsonParser) value() (*jsonNode, error) {
	n := &jsonNode{start: p.next()}
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n.kind = byte(t)
		for p.dec.More() {
			if n.kind == '[' {
				item, err := p.value()
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, item)
				continue
			}
			keyStart := p.next()
			key, err := p.dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, jsonMember{key: key.(string), keyStart: keyStart, value: v})
		}
		if _, err := p.dec.Token(); err != nil { // the closing '}' or ']'
			return nil, err
		}
	case string:
		n.kind, n.value = 's', t
	case json.Number:
		n.kind, n.value = 'n', t.String()
	case bool:
		n.kind, n.value = 'b', fmt.Sprint(t)
	case nil:
		n.kind, n.value = 'z', "null"
	}
	n.end = int(p.dec.InputOffset())
	return n, nil
}

func describeJSON(n *jsonNode) string {
	switch n.kind {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 's':
		return fmt.Sprintf("the string %q", n.value)
	}
	return n.value
}

// lineCol is the 1-based line and byte column of offset off in src.
func lineCol(src []byte, off int) (int, int) {
	return bytes.Count(src[:off], []byte("\n")) + 1, off - lineStart(src, off) + 1
}

func parseJSON(filename string, src []byte) (*jsonNode, error) {
	// encoding/json's syntax errors carry an offset; its decoder's tokens
	// do not, so check the syntax first.
	var syntax *json.SyntaxError
	if err := json.Unmarshal(src, new(any)); errors.As(err, &syntax) {
		// Offset counts the bytes read, the offending one included.
		line, col := lineCol(src, min(max(int(syntax.Offset)-1, 0), len(src)))
		return nil, errorf(filename, line, col, "invalid JSON: %v", err)
	} else if err != nil {
		return nil, errorf(filename, 0, 0, "invalid JSON: %v", err)
	}
	p := &jsonParser{src: src, dec: json.NewDecoder(bytes.NewReader(src))}
	p.dec.UseNumber()
	root, err := p.value()
	if err != nil {
		return nil, errorf(filename, 0, 0, "invalid JSON: %v", err)
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		line, col := lineCol(src, p.next())
		return nil, errorf(filename, line, col, "invalid JSON: more than one value in the file")
	}
	return root, nil
}

func lookupJSON(filename string, src []byte, path string, segs []segment) (Field, error) {
	n, err := parseJSON(filename, src)
	if err != nil {
		return Field{}, err
	}
	at := func(off int) (int, int) { return lineCol(src, off) }
	parent := n.start
	for i, seg := range segs {
		if n.kind != '{' {
			line, col := at(n.start)
			return Field{}, errorf(filename, line, col, "cannot follow %s through %s: it is %s, not an object", path, pathString(segs, i), describeJSON(n))
		}
		var found *jsonMember
		for j := range n.members {
			m := &n.members[j]
			if m.key != seg.key {
				continue
			}
			if found != nil {
				fl, _ := at(found.keyStart)
				line, col := at(m.keyStart)
				return Field{}, errorf(filename, line, col, "key %q appears twice in the same object (first at line %d)", seg.key, fl)
			}
			found = m
		}
		if found == nil {
			where := pathString(segs, i)
			if i == 0 {
				where = "the document"
			}
			line, col := at(parent)
			return Field{}, errorf(filename, line, col, "field %s not found: %s has no field %q", path, where, seg.key)
		}
		parent, n = found.keyStart, found.value
		name := pathString(segs, i+1)
		name = name[:len(name)-len(indexSuffix(seg.indexes))]
		for _, ix := range seg.indexes {
			line, col := at(n.start)
			if n.kind != '[' {
				return Field{}, errorf(filename, line, col, "cannot index %s with [%d]: it is %s, not an array", name, ix, describeJSON(n))
			}
			if ix >= len(n.items) {
				return Field{}, errorf(filename, line, col, "cannot index %s with [%d]: the array has %d items", name, ix, len(n.items))
			}
			n = n.items[ix]
			name += fmt.Sprintf("[%d]", ix)
		}
	}
	line, col := at(n.start)
	fl := Field{Value: n.value, Line: line, Col: col, start: n.start, end: n.end}
	switch n.kind {
	case 's':
		fl.Kind, fl.quote = String, quoteJSONString
	case 'n':
		fl.Kind, fl.quote = Number, quoteJSONNumber
	default:
		return Field{}, errorf(filename, line, col, "field %s is %s; ctgit rewrites only a string or number", path, describeJSON(n))
	}
	return fl, nil
}

func indexSuffix(indexes []int) string {
	var b strings.Builder
	for _, ix := range indexes {
		fmt.Fprintf(&b, "[%d]", ix)
	}
	return b.String()
}

// quoteJSONString writes s as a JSON string, leaving <, > and & as they are
// (encoding/json escapes them for HTML by default).
func quoteJSONString(s string) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

var jsonNumberRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

func quoteJSONNumber(s string) (string, error) {
	if !jsonNumberRE.MatchString(s) {
		return "", fmt.Errorf("the field is a number and %q is not a JSON number", s)
	}
	return s, nil
}
