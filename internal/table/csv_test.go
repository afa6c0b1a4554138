package table

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// cells renders a column back as strings: numbers with %g, missing as "·",
// text as itself, so tests can compare whole tables.
func cells(c *Column) []string {
	out := make([]string, c.Len())
	for i := range out {
		switch v, kind, text := c.At(i); kind {
		case CellText:
			out[i] = "t:" + text
		case CellMissing:
			out[i] = "·"
		default:
			out[i] = fmt.Sprintf("%g", v)
		}
	}
	return out
}

func tableCells(t *Table) map[string][]string {
	m := map[string][]string{}
	for _, c := range t.Columns {
		m[c.Name] = cells(c)
	}
	return m
}

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opt  ReadOptions
		want map[string][]string
		rows int
	}{
		{"plain", "a,b\n1,x\n2.5,y\n", ReadOptions{}, map[string][]string{"a": {"1", "2.5"}, "b": {"t:x", "t:y"}}, 2},
		{"no final newline, CRLF", "a,b\r\n1,2\r\n3,4", ReadOptions{}, map[string][]string{"a": {"1", "3"}, "b": {"2", "4"}}, 2},
		{"blank lines and BOM", "\xef\xbb\xbfa\n\n1\n\n2\n", ReadOptions{}, map[string][]string{"a": {"1", "2"}}, 2},
		{"quotes", "a,b\n\"1,5\",\"say \"\"hi\"\"\"\n\"2\",\"two\nlines\"\n", ReadOptions{},
			map[string][]string{"a": {"t:1,5", "2"}, "b": {`t:say "hi"`, "t:two\nlines"}}, 2},
		{"missing words", "a\nNA\n\nnan\n inf \n-Infinity\nnull\nNone\n<NA>\nN/A\n1e999\n7\n", ReadOptions{},
			map[string][]string{"a": {"·", "·", "·", "·", "·", "·", "·", "·", "·", "7"}}, 10},
		{"numbers", "a\n-0\n+1.5\n.5\n5.\n1e3\n 2 \n0.1234567890123456789\n", ReadOptions{},
			map[string][]string{"a": {"0", "1.5", "0.5", "5", "1000", "2", "0.12345678901234568"}}, 7},
		{"subset", "a,b,c\n1,2,3\n", ReadOptions{Columns: []string{"c", "a"}}, map[string][]string{"a": {"1"}, "c": {"3"}}, 1},
		{"header only", "a,b\n", ReadOptions{}, map[string][]string{"a": {}, "b": {}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := ReadCSV(strings.NewReader(tt.in), "in.csv", tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if tab.Rows != tt.rows {
				t.Errorf("rows = %d, want %d", tab.Rows, tt.rows)
			}
			if d := cmp.Diff(tt.want, tableCells(tab)); d != "" {
				t.Errorf("cells (-want +got):\n%s", d)
			}
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name, in string
		opt      ReadOptions
		want     string
	}{
		{"empty", "", ReadOptions{}, "in.csv:1: empty file"},
		{"ragged", "a,b\n1,2\n3\n", ReadOptions{}, "in.csv:3: ragged row: 1 fields, the header has 2"},
		{"ragged after quoted newline", "a,b\n\"x\ny\",2\n1,2,3\n", ReadOptions{}, "in.csv:4: ragged row: 3 fields"},
		{"bare quote", "a,b\n1,2\n3,4\"\n", ReadOptions{}, `in.csv:3: column "b": bare "`},
		{"unterminated", "a,b\n1,\"2\n", ReadOptions{}, `in.csv:2: column "b": unterminated`},
		{"duplicate", "a,a\n1,2\n", ReadOptions{}, `in.csv:1: column "a": duplicate`},
		{"unknown column", "a\n1\n", ReadOptions{Columns: []string{"z"}}, `in.csv:1: column "z": no such column`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tt.in), "in.csv", tt.opt)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *InputError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// TestReadCSVBlocks crosses many block boundaries, with quoted newlines
// straddling them, and checks every value and the line of a late error.
func TestReadCSVBlocks(t *testing.T) {
	var b strings.Builder
	b.WriteString("i,s\n")
	const n = 300_000
	for i := 0; i < n; i++ {
		if i%7 == 0 {
			fmt.Fprintf(&b, "%d,\"multi\nline %d\"\n", i, i%3)
		} else {
			fmt.Fprintf(&b, "%d,plain%d\n", i, i%5)
		}
	}
	tab, err := ReadCSV(strings.NewReader(b.String()), "big.csv", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Rows != n {
		t.Fatalf("rows = %d, want %d", tab.Rows, n)
	}
	for i := range tab.Rows {
		if v, _, _ := tab.Columns[0].At(i); v != float64(i) {
			t.Fatalf("row %d: %v", i, v)
		}
	}
	if got := len(tab.Columns[1].text); got != 8 {
		t.Errorf("%d distinct texts, want 8", got)
	}
	lines := strings.Count(b.String(), "\n")
	b.WriteString("1,2,3\n")
	_, err = ReadCSV(strings.NewReader(b.String()), "big.csv", ReadOptions{})
	if want := fmt.Sprintf("big.csv:%d: ragged", lines+1); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
}

// TestReadCSVCompact reads columns that start in the compact form and
// leave it in a later block (more digits, a huge number, a text) or stay
// in it across scales, and checks every cell against strconv, bit for bit.
func TestReadCSVCompact(t *testing.T) {
	const n = 400_000 // several blocks
	cols := []struct {
		name string
		cell func(i int) string
	}{
		{"int", func(i int) string { return strconv.Itoa(i - n/2) }},
		{"dec4", func(i int) string { return fmt.Sprintf("%.4f", float64(i%99991)/7) }},
		{"coarse-then-fine", func(i int) string {
			if i < n/2 {
				return fmt.Sprintf("%.1f", float64(i)/3)
			}
			return fmt.Sprintf("%.3f", float64(i)/3)
		}},
		{"fine-then-coarse", func(i int) string {
			if i < n/2 {
				return fmt.Sprintf("%.3f", float64(i)/3)
			}
			return fmt.Sprintf("%.1f", float64(i)/3)
		}},
		{"too-many-digits-late", func(i int) string {
			if i > n-10 {
				return "0.12345678901"
			}
			return strconv.Itoa(i % 10)
		}},
		{"huge-late", func(i int) string {
			if i == n-1 {
				return "1e300"
			}
			return fmt.Sprintf("%.2f", float64(i)/100)
		}},
		{"missing", func(i int) string {
			if i%3 == 0 {
				return ""
			}
			return fmt.Sprintf("-%.2f", float64(i)/100)
		}},
		{"numbers-missing-block", func(i int) string {
			if i > n/3 && i < n/2 {
				return ""
			}
			return fmt.Sprintf("%.2f", float64(i)/7)
		}},
		{"big-then-fine", func(i int) string {
			if i < n-5 {
				return strconv.Itoa(2_000_000_000 + i)
			}
			return "0.5"
		}},
		{"trailing-zeros", func(i int) string {
			return fmt.Sprintf("%.6f", float64(i%1000)/8)
		}},
		{"texts", func(i int) string {
			if i%5 == 0 {
				return ""
			}
			return fmt.Sprintf("c%d", i%13)
		}},
		{"texts-then-number", func(i int) string {
			if i == n-3 {
				return "4.5"
			}
			return fmt.Sprintf("c%d", i%3)
		}},
		{"texts-missing-block", func(i int) string {
			if i > n/3 && i < n/2 {
				return "NA"
			}
			return fmt.Sprintf("c%d", i%3)
		}},
		{"text-late", func(i int) string {
			if i == n-1 {
				return "x"
			}
			return strconv.Itoa(i % 7)
		}},
	}
	var b strings.Builder
	for j, c := range cols {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString(c.name)
	}
	b.WriteByte('\n')
	for i := range n {
		for j, c := range cols {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(c.cell(i))
		}
		b.WriteByte('\n')
	}
	tab, err := ReadCSV(strings.NewReader(b.String()), "compact.csv", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Rows != n {
		t.Fatalf("rows = %d, want %d", tab.Rows, n)
	}
	for j, c := range cols {
		col := tab.Columns[j]
		view, _ := col.FloatView(nil)
		for i := range n {
			raw := c.cell(i)
			v, kind, text := col.At(i)
			want, wantKind := Cell([]byte(raw))
			if kind != wantKind || math.Float64bits(v) != math.Float64bits(want) || (kind == CellText && text != raw) {
				t.Fatalf("%s row %d %q: At = %v %v %q, want %v %v", c.name, i, raw, v, kind, text, want, wantKind)
			}
			if kind == CellNumber && math.Float64bits(view.values[i]) != math.Float64bits(want) {
				t.Fatalf("%s row %d %q: view %v, want %v", c.name, i, raw, view.values[i], want)
			}
		}
	}
	if tab.Columns[0].dec == nil || tab.Columns[1].dec == nil {
		t.Error("plain decimal columns are not compact")
	}
	if c := tab.Column("texts"); c.codes == nil || c.Numerical() {
		t.Error("the text column is not held as codes")
	}
	if c := tab.Column("texts-missing-block"); c.codes == nil {
		t.Error("a block of missing cells took the text column out of codes")
	}
	if c := tab.Column("texts-then-number"); c.codes != nil || c.values == nil {
		t.Error("a number did not take the text column back to values")
	}
}

// TestReadCSVManyTexts interns more distinct texts than the first table
// holds, repeated and in several blocks, and reads each one back; and a
// column of ids, more than a worker keeps interned across blocks, some
// repeated after the worker has started afresh.
func TestReadCSVManyTexts(t *testing.T) {
	var b strings.Builder
	b.WriteString("k,x,id\n")
	const n = 300_000
	text := func(i int) string { return fmt.Sprintf("cat_%d", (i*7919)%5003) }
	id := func(i int) string { return fmt.Sprintf("id-%d", i%(n/2+maxWorkerTexts/3)) }
	for i := range n {
		fmt.Fprintf(&b, "%s,%d,%s\n", text(i), i, id(i))
	}
	tab, err := ReadCSV(strings.NewReader(b.String()), "texts.csv", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	col, ids := tab.Columns[0], tab.Columns[2]
	for i := range n {
		if _, kind, got := col.At(i); kind != CellText || got != text(i) {
			t.Fatalf("row %d: %v %q, want %q", i, kind, got, text(i))
		}
		if _, kind, got := ids.At(i); kind != CellText || got != id(i) {
			t.Fatalf("row %d: %v %q, want %q", i, kind, got, id(i))
		}
	}
	if len(col.text) != 5003 {
		t.Errorf("%d distinct texts, want 5003", len(col.text))
	}
	if want := n/2 + maxWorkerTexts/3; len(ids.text) != want {
		t.Errorf("%d distinct ids, want %d", len(ids.text), want)
	}
}

// sameAsEncodingCSV checks that tab, read from data, holds every cell the
// standard library's CSV reader finds there, as Cell classifies it: the
// reader's fast paths for numbers and words must agree with the general
// one. It reports false when encoding/csv rejects the input or reads it
// differently in shape (it keeps a byte-order mark and allows a lone \r
// inside fields); the caller decides whether that is expected.
func sameAsEncodingCSV(t *testing.T, data []byte, tab *Table) bool {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 || bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return false
	}
	if len(recs)-1 != tab.Rows || len(recs[0]) != len(tab.Columns) {
		return false
	}
	for ci, col := range tab.Columns {
		missing := 0
		for _, rec := range recs[1:] {
			if _, kind := Cell([]byte(rec[ci])); kind == CellMissing {
				missing++
			}
		}
		if col.Missing() != missing {
			t.Fatalf("column %q: %d missing cells, encoding/csv finds %d", col.Name, col.Missing(), missing)
		}
		for i, rec := range recs[1:] {
			want, wantKind := Cell([]byte(rec[ci]))
			got, kind, text := col.At(i)
			switch {
			case kind != wantKind:
				t.Fatalf("row %d column %q: cell %q read as kind %v, Cell says %v", i+1, col.Name, rec[ci], kind, wantKind)
			case kind == CellText && strings.ReplaceAll(text, "\r\n", "\n") != string(trimSpace([]byte(rec[ci]))):
				// (encoding/csv turns \r\n within quotes into \n; we keep
				// a quoted cell's bytes as they are.)
				t.Fatalf("row %d column %q: text %q, want %q", i+1, col.Name, text, rec[ci])
			case kind == CellNumber && math.Float64bits(got) != math.Float64bits(want):
				t.Fatalf("row %d column %q: cell %q read as %v, Cell says %v", i+1, col.Name, rec[ci], got, want)
			}
		}
	}
	return true
}

// TestReadCSVLikeCell reads cells on the edges of the word fast path (words
// that are missing values, numbers, or carry spaces, quotes or a CR; long
// words whose keys are hashes) in many rows, so several blocks and the
// interning tables' growth are crossed, and compares each with Cell.
func TestReadCSVLikeCell(t *testing.T) {
	words := []string{"cat_1", "cat_12", "Cat_1", "x", "e5", "E", "nan", "NaN", "NA", "null", "None",
		"inf", "Infinity", "-inf", "none_of_these", "n", "i", "id", "na_x", "zz ", " zz", "a b", "\"q\"",
		"\"a,b\"", "1.5", "-0.25", "abcdefg", "abcdefgh", "abcdefgi", "abcdefghijklmnopqrstuvwxyz",
		"bcdefghijklmnopqrstuvwxyza", "Ωmega", "_under", "Z9", "z\tz", "zz\t", ""}
	var b bytes.Buffer
	b.WriteString("w,v,u\n")
	for i := range 200_000 {
		w := words[(i*7919)%len(words)]
		u := fmt.Sprintf("word%05d", (i*31)%7001)
		if i%3 == 0 {
			u = u[:4+i%4]
		}
		fmt.Fprintf(&b, "%s,%s,%s", w, words[(i*104729)%len(words)], u)
		if i%5 == 0 {
			b.WriteString("\r\n")
		} else {
			b.WriteString("\n")
		}
	}
	b.WriteString("last,word,nonewline")
	data := b.Bytes()
	tab, err := ReadCSV(bytes.NewReader(data), "words.csv", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !sameAsEncodingCSV(t, data, tab) {
		t.Fatal("encoding/csv reads this file differently in shape")
	}
}

// TestFastFieldLikeDigitLoop compares fastField with a plain reading of
// the same grammar, on fields of every length up to 24 digits, with and
// without a point and a sign, ending at the end of data, before a
// terminator or before anything else.
func TestFastFieldLikeDigitLoop(t *testing.T) {
	// slow is the digit loop: the value, the digits after the point, the
	// sign, the index after the terminator, eor, ok.
	slow := func(data []byte, pos int) (uint64, int, bool, int, bool, bool) {
		i, neg := pos, false
		if i < len(data) && (data[i] == '-' || data[i] == '+') {
			neg = data[i] == '-'
			i++
		}
		var m uint64
		nd, frac := 0, 0
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			m = m*10 + uint64(data[i]-'0')
			i++
			nd++
		}
		if i < len(data) && data[i] == '.' {
			i++
			for i < len(data) && data[i] >= '0' && data[i] <= '9' {
				m = m*10 + uint64(data[i]-'0')
				i++
				frac++
			}
		}
		nd += frac
		if nd == 0 || nd > 19 || m >= 1<<53 || frac > 22 {
			return 0, 0, false, 0, false, false
		}
		switch {
		case i == len(data):
			return m, frac, neg, i + 1, true, true
		case data[i] == ',':
			return m, frac, neg, i + 1, false, true
		case data[i] == '\n':
			return m, frac, neg, i + 1, true, true
		}
		return 0, 0, false, 0, false, false
	}
	r := rand.New(rand.NewPCG(3, 4))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = '0' + byte(r.IntN(10))
			if r.IntN(4) == 0 {
				b[i] = "09"[r.IntN(2)] // runs of zeros and nines
			}
		}
		return string(b)
	}
	for trial := range 200_000 {
		var cell string
		if trial%7 != 0 {
			cell = []string{"", "-", "+"}[r.IntN(3)]
		}
		cell += digits(r.IntN(21))
		if r.IntN(3) > 0 {
			cell += "." + digits(r.IntN(21))
		}
		tail := []string{"", ",", "\n", "x", ".", "e5", "\r\n", ",123456789,"}[r.IntN(8)]
		pad := strings.Repeat("7,", r.IntN(6))
		data := []byte("1," + cell + tail + pad)
		m, frac, neg, next, eor, ok := fastField(data, 2)
		wm, wfrac, wneg, wnext, weor, wok := slow(data, 2)
		if ok != wok || ok && (m != wm || frac != wfrac || neg != wneg || next != wnext || eor != weor) {
			t.Fatalf("fastField(%q) = %d %d %v %d %v %v, want %d %d %v %d %v %v", data[2:],
				m, frac, neg, next, eor, ok, wm, wfrac, wneg, wnext, weor, wok)
		}
	}
}
