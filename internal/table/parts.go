package table

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Part is one file of a dataset made of many: the local file read, the
// name the user knows it by (its URL or repository path), and the values
// of its hive partition columns.
type Part struct {
	Path      string
	Name      string
	Partition []PartitionValue
}

// PartitionValue is one hive-style path element of a part, column=value.
type PartitionValue struct{ Column, Value string }

// Parts is the input of a dataset of many files, read as one table: the
// rows of every part in order, and a column for each partition column
// (dt=2026-11-29 gives every row of that part the cell "2026-11-29"). The
// parts must have the same columns; name is how messages name the whole.
func Parts(name string, parts []Part) Input {
	if len(parts) == 1 && len(parts[0].Partition) == 0 {
		return Input{Name: parts[0].Name, path: parts[0].Path}
	}
	return Input{Name: name, parts: parts}
}

// partInput is the input of one part.
func (p Part) input() Input { return Input{Name: p.Name, path: p.Path} }

// partitionColumns are the hive columns of the parts (the first part's;
// every part has the same ones, as the dataset resolver checks).
func (in Input) partitionColumns() []string {
	var cols []string
	for _, pv := range in.parts[0].Partition {
		cols = append(cols, pv.Column)
	}
	return cols
}

// partsHeader reads every part's header and checks they agree; the
// names are the first part's, then the partition columns it lacks.
func partsHeader(in Input, opt ReadOptions) ([]string, error) {
	names, _, err := partsHeaderAdded(in, opt)
	return names, err
}

// partsHeaderAdded is partsHeader that also returns the partition columns
// it added (those the files do not hold themselves).
func partsHeaderAdded(in Input, opt ReadOptions) (names, added []string, err error) {
	var first []string
	for i, p := range in.parts {
		names, ok := Header(p.input(), opt)
		if !ok {
			// Read it to report why it cannot be read.
			if _, err := readInput(p.input(), ReadOptions{Format: opt.Format}); err != nil {
				return nil, nil, err
			}
			return nil, nil, &InputError{File: p.Name, Err: fmt.Errorf("cannot read its header")}
		}
		if i == 0 {
			first = names
			continue
		}
		if !sameSet(first, names) {
			return nil, nil, &InputError{File: p.Name, Err: fmt.Errorf("its columns [%s] differ from those of %s [%s]: the parts of %s must have the same columns",
				strings.Join(names, ", "), in.parts[0].Name, strings.Join(first, ", "), in.Name)}
		}
	}
	names = slices.Clone(first)
	for _, c := range in.partitionColumns() {
		if !slices.Contains(names, c) {
			names = append(names, c)
			added = append(added, c)
		}
	}
	return names, added, nil
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// readParts reads every part and joins them into one table.
func readParts(in Input, opt ReadOptions) (*Table, error) {
	names, added, err := partsHeaderAdded(in, opt)
	if err != nil {
		return nil, err
	}
	// A partition column the files hold themselves is read from them.
	partCols := map[string]bool{}
	for _, c := range added {
		partCols[c] = true
	}
	want := names
	if len(opt.Columns) > 0 {
		want = nil
		for _, c := range names {
			if slices.Contains(opt.Columns, c) {
				want = append(want, c)
			}
		}
	}
	var fileCols []string
	for _, c := range want {
		if !partCols[c] {
			fileCols = append(fileCols, c)
		}
	}
	popt := opt
	popt.Columns = fileCols
	if len(fileCols) == 0 {
		// Only partition columns: the parts' rows are still counted.
		popt.Columns = names[:1]
	}
	tables := make([]*Table, len(in.parts))
	rows := 0
	for i, p := range in.parts {
		t, err := readInput(p.input(), popt)
		if err != nil {
			return nil, err
		}
		tables[i] = t
		rows += t.Rows
	}
	out := &Table{Path: in.Name, Rows: rows}
	for _, name := range want {
		if partCols[name] {
			out.Columns = append(out.Columns, partitionColumn(name, in.parts, tables))
			continue
		}
		cols := make([]*Column, len(tables))
		for i, t := range tables {
			if cols[i] = t.Column(name); cols[i] == nil {
				return nil, &InputError{File: in.parts[i].Name, Column: name, Err: fmt.Errorf("no column %q", name)}
			}
		}
		if err := sameKind(name, in.parts, cols); err != nil {
			return nil, err
		}
		out.Columns = append(out.Columns, concatColumns(name, cols))
		// The parts' copies of this column are garbage now: dropping them
		// keeps the peak near one copy of the data, not two.
		for _, t := range tables {
			for j, c := range t.Columns {
				if c != nil && c.Name == name {
					t.Columns[j] = nil
				}
			}
		}
	}
	return out, nil
}

// sameKind refuses a column that holds only numbers in one part and only
// texts in another: the parts were written with different types.
func sameKind(name string, parts []Part, cols []*Column) error {
	kind := func(c *Column) string {
		switch {
		case c.Len() == c.Missing():
			return ""
		case c.Numerical():
			return "numbers"
		case c.codes != nil || noNumbers(c.values):
			return "texts"
		}
		return ""
	}
	first, at := "", 0
	for i, c := range cols {
		k := kind(c)
		if k == "" {
			continue
		}
		if first == "" {
			first, at = k, i
			continue
		}
		if k != first {
			return &InputError{File: parts[i].Name, Column: name, Err: fmt.Errorf("column %q holds %s here but %s in %s: the parts were written with different types", name, k, first, parts[at].Name)}
		}
	}
	return nil
}

// partitionColumn is the column of a partition: each part's value on
// every one of its rows.
func partitionColumn(name string, parts []Part, tables []*Table) *Column {
	c := &Column{Name: name}
	dict := map[string]int{}
	for i, p := range parts {
		val := ""
		for _, pv := range p.Partition {
			if pv.Column == name {
				val = pv.Value
			}
		}
		v, text := c.cellValue(dict, val)
		if text {
			c.texts += tables[i].Rows
		}
		for range tables[i].Rows {
			c.values = append(c.values, v)
		}
	}
	if cc, ok := c.Compact(); ok {
		return cc
	}
	return c
}

// concatColumns joins the same column of consecutive parts.
func concatColumns(name string, cols []*Column) *Column {
	if len(cols) == 1 {
		c := *cols[0]
		c.Name = name
		return &c
	}
	if d, scale, ok := concatDec(cols); ok {
		return &Column{Name: name, dec: d, scale: scale}
	}
	out := &Column{Name: name}
	dict := map[string]int{}
	for _, c := range cols {
		remap := make([]int, len(c.text))
		for i, t := range c.text {
			remap[i] = out.intern(dict, t)
		}
		switch {
		case c.codes != nil:
			for _, code := range c.codes {
				if code == codeMissing {
					out.values = append(out.values, missingValue)
				} else {
					out.values = append(out.values, textValue(remap[code]))
					out.texts++
				}
			}
		case c.dec != nil:
			out.values = decToFloat(out.values, c.dec, c.scale)
		default:
			for _, v := range c.values {
				if isText(v) {
					v = textValue(remap[math.Float64bits(v)&payloadMask])
					out.texts++
				}
				out.values = append(out.values, v)
			}
		}
	}
	if cc, ok := out.Compact(); ok {
		return cc
	}
	return out
}

// concatDec joins columns that all hold decimals, at the largest of
// their scales; ok is false when one does not hold decimals or a number
// would not fit at that scale.
func concatDec(cols []*Column) ([]int32, int, bool) {
	scale, n := 0, 0
	for _, c := range cols {
		if c.dec == nil {
			return nil, 0, false
		}
		scale = max(scale, c.scale)
		n += len(c.dec)
	}
	out := make([]int32, 0, n)
	for _, c := range cols {
		start := len(out)
		out = append(out, c.dec...)
		if !rescale(out[start:], scale-c.scale) {
			return nil, 0, false
		}
	}
	return out, scale, true
}

// Format is the format in is read as: explicit when not "" (nor
// "auto"), else by extension; for a dataset of many files, the parts'
// format when they share one, else "mixed".
func (in Input) Format(explicit string) string {
	if explicit == "auto" {
		explicit = ""
	}
	if in.parts == nil {
		return FormatOf(in.Name, explicit)
	}
	f := FormatOf(in.parts[0].Name, explicit)
	for _, p := range in.parts[1:] {
		if FormatOf(p.Name, explicit) != f {
			return "mixed"
		}
	}
	return f
}

// Holds reports whether name is in's own name or the name of one of its
// parts: whose file an *InputError is about.
func (in Input) Holds(name string) bool {
	if name == in.Name {
		return true
	}
	for _, p := range in.parts {
		if p.Name == name {
			return true
		}
	}
	return false
}
