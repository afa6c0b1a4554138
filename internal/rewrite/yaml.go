package rewrite

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// yamlFound is the path's terminal node in one document.
type yamlFound struct {
	node *yaml.Node
	flow bool // the node sits inside a flow collection ([...] or {...})
}

// yamlMiss is how far the path got in a document that does not hold it.
type yamlMiss struct {
	depth int
	err   error
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func lookupYAML(filename string, src []byte, path string, segs []segment) (Field, error) {
	docs, err := parseMemo(filename, src, func() (any, error) { return decodeYAML(src) })
	if err != nil {
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return Field{}, errorf(filename, line, 1, "invalid YAML: %s", m[2])
		}
		return Field{}, errorf(filename, 0, 0, "invalid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var found []yamlFound
	best := yamlMiss{depth: -1}
	for _, doc := range docs.([]*yaml.Node) {
		if len(doc.Content) == 0 {
			continue
		}
		f, miss := walkYAML(filename, path, segs, doc.Content[0])
		if miss.err == nil {
			found = append(found, f)
		} else if miss.depth > best.depth {
			best = miss
		}
	}
	switch {
	case len(found) == 0 && best.err != nil:
		return Field{}, best.err
	case len(found) == 0:
		return Field{}, errorf(filename, 1, 1, "field %s not found: the file has no YAML document", path)
	case len(found) > 1:
		a, b := found[0].node, found[1].node
		return Field{}, errorf(filename, b.Line, b.Column,
			"field %s is in %d documents (first at line %d); ctgit rewrites a field found in one document", path, len(found), a.Line)
	}
	return yamlScalar(filename, src, path, found[0])
}

// decodeYAML decodes every document of src; an error anywhere fails the
// whole source, as a lookup in a file that is not YAML throughout.
func decodeYAML(src []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, &doc)
	}
}

// walkYAML follows segs from a document's root node.
func walkYAML(filename, path string, segs []segment, n *yaml.Node) (yamlFound, yamlMiss) {
	flow := false
	var parentKey *yaml.Node
	for i, seg := range segs {
		at := pathString(segs, i)
		if n.Kind != yaml.MappingNode {
			return yamlFound{}, yamlMiss{i, errorf(filename, n.Line, n.Column,
				"cannot follow %s through %s: it is %s, not a mapping", path, at, describeYAML(n))}
		}
		var val, key *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			k := n.Content[j]
			if k.Kind == yaml.ScalarNode && k.Value == seg.key {
				if key != nil {
					return yamlFound{}, yamlMiss{i + 1, errorf(filename, k.Line, k.Column,
						"key %q appears twice in the same mapping (first at line %d)", seg.key, key.Line)}
				}
				key, val = k, n.Content[j+1]
			}
		}
		if key == nil {
			line, col, where := n.Line, n.Column, at
			if parentKey != nil {
				line, col = parentKey.Line, parentKey.Column
			}
			if i == 0 {
				where = "the document"
			}
			return yamlFound{}, yamlMiss{i, errorf(filename, line, col, "field %s not found: %s has no field %q", path, where, seg.key)}
		}
		flow = flow || n.Style&yaml.FlowStyle != 0
		parentKey, n = key, val
		name := seg.key
		if i > 0 {
			name = pathString(segs, i) + "." + seg.key
		}
		for _, ix := range seg.indexes {
			if n.Kind != yaml.SequenceNode {
				return yamlFound{}, yamlMiss{i + 1, errorf(filename, n.Line, n.Column,
					"cannot index %s with [%d]: it is %s, not a sequence", name, ix, describeYAML(n))}
			}
			if ix >= len(n.Content) {
				return yamlFound{}, yamlMiss{i + 1, errorf(filename, n.Line, n.Column,
					"cannot index %s with [%d]: the sequence has %d items", name, ix, len(n.Content))}
			}
			flow = flow || n.Style&yaml.FlowStyle != 0
			n = n.Content[ix]
			name += fmt.Sprintf("[%d]", ix)
		}
	}
	return yamlFound{node: n, flow: flow}, yamlMiss{}
}

func describeYAML(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.AliasNode:
		return fmt.Sprintf("an alias (*%s)", n.Value)
	case yaml.ScalarNode:
		return fmt.Sprintf("the scalar %q", n.Value)
	}
	return "an empty node"
}

func yamlScalar(filename string, src []byte, path string, f yamlFound) (Field, error) {
	n := f.node
	fail := func(format string, args ...any) (Field, error) {
		return Field{}, errorf(filename, n.Line, n.Column, "field %s "+format, append([]any{path}, args...)...)
	}
	switch {
	case n.Kind == yaml.AliasNode:
		return fail("is an alias (*%s); rewrite the anchored value (&%s) instead", n.Value, n.Value)
	case n.Kind != yaml.ScalarNode:
		return fail("is %s; ctgit rewrites only a string or number scalar", describeYAML(n))
	case n.Anchor != "":
		return fail("is anchored (&%s) and may be aliased elsewhere; ctgit rewrites only a plain scalar", n.Anchor)
	case n.Style&yaml.TaggedStyle != 0:
		return fail("has an explicit tag %s; ctgit rewrites only an untagged scalar", n.Tag)
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return fail("is a block scalar (| or >); ctgit rewrites only a single-line scalar")
	}
	fl := Field{Value: n.Value, Line: n.Line}
	switch n.ShortTag() {
	case "!!str":
		fl.Kind = String
	case "!!int", "!!float":
		fl.Kind = Number
	default:
		return fail("is %s (%s); ctgit rewrites only a string or number scalar", strings.TrimPrefix(n.ShortTag(), "!!"), n.Value)
	}

	start, ok := yamlOffset(src, n.Line, n.Column)
	if !ok {
		return Field{}, fmt.Errorf("%s:%d:%d: internal error: position outside the file", filename, n.Line, n.Column)
	}
	fl.start, fl.Col = start, start-lineStart(src, start)+1
	var end int
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		end, ok = scanQuoted(src, start, '"')
	case n.Style&yaml.SingleQuotedStyle != 0:
		end, ok = scanQuoted(src, start, '\'')
	default:
		end = start + len(n.Value)
		ok = end <= len(src) && string(src[start:end]) == n.Value
	}
	if !ok {
		return fail("spans several lines; ctgit rewrites only a single-line scalar")
	}
	fl.end = end
	fl.quote = yamlQuoter(n, fl.Kind, f.flow)
	return fl, nil
}

// yamlQuoter renders new values in the old scalar's style where the value
// allows it, and double-quoted otherwise.
func yamlQuoter(n *yaml.Node, kind Kind, flow bool) func(string) (string, error) {
	return func(s string) (string, error) {
		if kind == Number {
			if !isPlainYAMLNumber(s) {
				return "", fmt.Errorf("the field is a number and %q is not a YAML number", s)
			}
			return s, nil
		}
		switch {
		case n.Style&yaml.DoubleQuotedStyle != 0:
			return strconv.Quote(s), nil
		case n.Style&yaml.SingleQuotedStyle != 0:
			if isPrintableLine(s) {
				return "'" + strings.ReplaceAll(s, "'", "''") + "'", nil
			}
			return strconv.Quote(s), nil
		}
		if isPlainYAMLString(s, flow) {
			return s, nil
		}
		return strconv.Quote(s), nil
	}
}

func isPrintableLine(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// isPlainYAMLString reports whether s can be written unquoted and still
// read back as the same string: yaml.v3 only emits a plain scalar when that
// holds, so ask it.
func isPlainYAMLString(s string, flow bool) bool {
	if s == "" || !isPrintableLine(s) || (flow && strings.ContainsAny(s, ",[]{}")) {
		return false
	}
	out, err := yaml.Marshal(s)
	return err == nil && string(out) == s+"\n"
}

func isPlainYAMLNumber(s string) bool {
	if !isPrintableLine(s) || strings.ContainsAny(s, ",[]{}#: ") {
		return false
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(s), &n); err != nil || len(n.Content) != 1 {
		return false
	}
	c := n.Content[0]
	return c.Kind == yaml.ScalarNode && c.Style == 0 && (c.ShortTag() == "!!int" || c.ShortTag() == "!!float") && c.Value == s
}

// yamlOffset converts yaml.v3's 1-based line and column (counted in
// characters) into a byte offset in src.
func yamlOffset(src []byte, line, col int) (int, bool) {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return 0, false
		}
		off += i + 1
	}
	for c := 1; c < col; c++ {
		if off >= len(src) || src[off] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRune(src[off:])
		off += size
	}
	return off, off <= len(src)
}

func lineStart(src []byte, off int) int {
	return bytes.LastIndexByte(src[:off], '\n') + 1
}

// scanQuoted returns the offset just past the quoted scalar opening at
// start, and false when it is not a single-line quoted scalar.
func scanQuoted(src []byte, start int, q byte) (int, bool) {
	if start >= len(src) || src[start] != q {
		return 0, false
	}
	for i := start + 1; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\n' || c == '\r':
			return 0, false
		case q == '"' && c == '\\':
			i++
		case c == q && q == '\'' && i+1 < len(src) && src[i+1] == '\'':
			i++
		case c == q:
			return i + 1, true
		}
	}
	return 0, false
}
