package rewrite

import (
	"fmt"
	"strings"

	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// cueMatch is one declaration of a field the path walks through.
type cueMatch struct {
	field *ast.Field
	value ast.Expr // the field's value after applying the segment's indexes
}

func lookupCUE(filename string, src []byte, path string, segs []segment) (Field, error) {
	tree, err := parseMemo(filename, src, func() (any, error) {
		return parser.ParseFile(filename, src, parser.ParseComments)
	})
	if err != nil {
		line, col, msg := 0, 0, err.Error()
		if errs := cueerrors.Errors(err); len(errs) > 0 {
			p := errs[0].Position()
			line, col = p.Line(), p.Column()
			f, args := errs[0].Msg()
			msg = fmt.Sprintf(f, args...)
		}
		return Field{}, errorf(filename, line, col, "invalid CUE: %s", msg)
	}

	file := tree.(*ast.File)
	scopes := [][]ast.Decl{file.Decls}
	var parent *ast.Field
	var matches []cueMatch
	for i, seg := range segs {
		matches = matches[:0]
		for _, decls := range scopes {
			matches = appendCUEFields(matches, decls, seg.key)
		}
		if len(matches) == 0 {
			line, col := 1, 1
			where := "the file"
			if parent != nil {
				p := parent.Pos()
				line, col = p.Line(), p.Column()
				where = pathString(segs, i)
			}
			return Field{}, errorf(filename, line, col, "field %s not found: %s has no field %q", path, where, seg.key)
		}
		for j := range matches {
			v, err := indexCUE(filename, matches[j].field.Value, segs, i)
			if err != nil {
				return Field{}, err
			}
			matches[j].value = v
		}
		parent = matches[0].field
		if i == len(segs)-1 {
			break
		}
		scopes = scopes[:0]
		for _, m := range matches {
			st, ok := m.value.(*ast.StructLit)
			if !ok {
				p := m.value.Pos()
				return Field{}, errorf(filename, p.Line(), p.Column(),
					"cannot follow %s through %s: it is %s, not a struct literal", path, pathString(segs, i+1), describeCUE(m.value))
			}
			scopes = append(scopes, st.Elts)
		}
	}
	if len(matches) > 1 {
		first, second := matches[0].field.Pos(), matches[1].field.Pos()
		return Field{}, errorf(filename, second.Line(), second.Column(),
			"field %s is declared %d times (first at line %d); ctgit rewrites a field declared once", path, len(matches), first.Line())
	}
	return cueScalar(filename, src, path, matches[0].value)
}

// appendCUEFields appends the fields labelled key among decls, looking into
// embedded struct literals, which declare fields of the enclosing struct.
// Fields inside comprehensions are conditional and are not followed.
func appendCUEFields(dst []cueMatch, decls []ast.Decl, key string) []cueMatch {
	for _, d := range decls {
		switch d := d.(type) {
		case *ast.Field:
			if name, _, err := ast.LabelName(d.Label); err == nil && name == key {
				dst = append(dst, cueMatch{field: d})
			}
		case *ast.EmbedDecl:
			if st, ok := d.Expr.(*ast.StructLit); ok {
				dst = appendCUEFields(dst, st.Elts, key)
			}
		}
	}
	return dst
}

func indexCUE(filename string, v ast.Expr, segs []segment, i int) (ast.Expr, error) {
	for k, ix := range segs[i].indexes {
		list, ok := v.(*ast.ListLit)
		p := v.Pos()
		at := pathString(segs[:i], i) + "." + segs[i].key
		if i == 0 {
			at = segs[i].key
		}
		for _, prev := range segs[i].indexes[:k] {
			at += fmt.Sprintf("[%d]", prev)
		}
		if !ok {
			return nil, errorf(filename, p.Line(), p.Column(), "cannot index %s: it is %s, not a list literal", at, describeCUE(v))
		}
		var elems []ast.Expr
		for _, e := range list.Elts {
			switch e.(type) {
			case *ast.Comprehension, *ast.Ellipsis:
				return nil, errorf(filename, p.Line(), p.Column(), "cannot index %s: the list is built by a comprehension or is open", at)
			}
			elems = append(elems, e)
		}
		if ix >= len(elems) {
			return nil, errorf(filename, p.Line(), p.Column(), "cannot index %s[%d]: the list has %d elements", at, ix, len(elems))
		}
		v = elems[ix]
	}
	return v, nil
}

func cueScalar(filename string, src []byte, path string, v ast.Expr) (Field, error) {
	p := v.Pos()
	lit, ok := v.(*ast.BasicLit)
	if !ok {
		return Field{}, errorf(filename, p.Line(), p.Column(),
			"field %s is %s; ctgit rewrites only a string or number literal", path, describeCUE(v))
	}
	fl := Field{Line: p.Line(), Col: p.Column(), start: p.Offset(), end: p.Offset() + len(lit.Value)}
	switch lit.Kind {
	case token.INT, token.FLOAT:
		fl.Kind, fl.Value = Number, lit.Value
		fl.quote = func(s string) (string, error) {
			var n literal.NumInfo
			if err := literal.ParseNum(s, &n); err != nil {
				return "", fmt.Errorf("the field is a number and %q is not a CUE number", s)
			}
			return s, nil
		}
	case token.STRING:
		q, _, _, err := literal.ParseQuotes(lit.Value, lit.Value)
		if err != nil {
			return Field{}, errorf(filename, p.Line(), p.Column(), "field %s: invalid string literal: %v", path, err)
		}
		switch {
		case !q.IsDouble():
			return Field{}, errorf(filename, p.Line(), p.Column(), "field %s is a bytes literal; ctgit rewrites only a string or number literal", path)
		case q.IsMulti():
			return Field{}, errorf(filename, p.Line(), p.Column(), "field %s is a multi-line string; ctgit rewrites only a single-line string", path)
		}
		s, err := literal.Unquote(lit.Value)
		if err != nil {
			return Field{}, errorf(filename, p.Line(), p.Column(), "field %s: invalid string literal: %v", path, err)
		}
		hashes := strings.Repeat("#", len(lit.Value)-len(strings.TrimLeft(lit.Value, "#")))
		fl.Kind, fl.Value = String, s
		fl.quote = func(s string) (string, error) { return quoteCUE(s, hashes), nil }
	default:
		return Field{}, errorf(filename, p.Line(), p.Column(),
			"field %s is the literal %s; ctgit rewrites only a string or number literal", path, lit.Value)
	}
	// A parsed literal's bytes are the source's; anything else means the
	// positions are off and a splice would corrupt the file.
	if fl.start < 0 || fl.end > len(src) || string(src[fl.start:fl.end]) != lit.Value {
		return Field{}, fmt.Errorf("%s:%d:%d: internal error: literal span out of range", filename, fl.Line, fl.Col)
	}
	return fl, nil
}

// quoteCUE quotes s as a single-line CUE string, keeping raw #"..."# quotes
// when the old literal had them and s needs no escapes within them.
func quoteCUE(s, hashes string) string {
	if hashes != "" && !strings.Contains(s, `"`+hashes) && !strings.Contains(s, `\`+hashes) {
		plain := true
		for _, r := range s {
			if r < 0x20 || r == 0x7f {
				plain = false
				break
			}
		}
		if plain {
			return hashes + `"` + s + `"` + hashes
		}
	}
	return literal.String.Quote(s)
}

// describeCUE names what an expression is, for messages that say why ctgit
// will not rewrite it.
func describeCUE(v ast.Expr) string {
	switch v := v.(type) {
	case *ast.StructLit:
		return "a struct"
	case *ast.ListLit:
		return "a list"
	case *ast.Ident:
		return fmt.Sprintf("a reference to %s", v.Name)
	case *ast.SelectorExpr:
		return "a reference to a selected field"
	case *ast.Interpolation:
		return "an interpolation"
	case *ast.BinaryExpr:
		switch v.Op {
		case token.OR:
			return "a disjunction"
		case token.AND:
			return "a unification (&)"
		}
		return fmt.Sprintf("an expression (%s)", v.Op)
	case *ast.UnaryExpr:
		if v.Op == token.MUL {
			return "a default (*)"
		}
		return fmt.Sprintf("an expression (%s)", v.Op)
	case *ast.CallExpr:
		return "a function call"
	case *ast.ParenExpr:
		return "a parenthesized expression"
	case *ast.BasicLit:
		return fmt.Sprintf("the literal %s", v.Value)
	}
	return "an expression"
}
