package table

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// WriteCSV writes t as CSV: a header of its column names, then each row;
// a missing cell is empty, a number its shortest exact form, a text
// quoted where CSV needs it. Reading it back gives the same cells.
func WriteCSV(w io.Writer, t *Table) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	for i, c := range t.Columns {
		if i > 0 {
			bw.WriteByte(',')
		}
		writeField(bw, c.Name)
	}
	bw.WriteByte('\n')
	num := make([]byte, 0, 32)
	for row := 0; row < t.Rows; row++ {
		for i, c := range t.Columns {
			if i > 0 {
				bw.WriteByte(',')
			}
			v, kind, text := c.At(row)
			switch kind {
			case CellNumber:
				num = strconv.AppendFloat(num[:0], v, 'g', -1, 64)
				bw.Write(num)
			case CellText:
				writeField(bw, text)
			}
		}
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// writeField writes a header or text cell, quoted when it holds a comma,
// a quote, a line break or surrounding spaces.
func writeField(w *bufio.Writer, s string) {
	if s == "" || !strings.ContainsAny(s, ",\"\r\n") && strings.TrimSpace(s) == s {
		w.WriteString(s)
		return
	}
	w.WriteByte('"')
	w.WriteString(strings.ReplaceAll(s, `"`, `""`))
	w.WriteByte('"')
}
