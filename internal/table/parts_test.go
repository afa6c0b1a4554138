package table

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func writeParts(t *testing.T, files map[string]string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	out := map[string]string{}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		out[name] = p
	}
	return out
}

// Parts read as one table: every part's rows in order, their cells kept
// as they were (decimals at different scales, texts with their own codes),
// and each partition column filled with its part's value.
func TestPartsReadAsOneTable(t *testing.T) {
	f := writeParts(t, map[string]string{
		"a.csv": "x,c\n1.5,red\n2.25,blue\n",
		"b.csv": "c,x\ngreen,3\nred,\n",
	})
	in := Parts("events/", []Part{
		{Path: f["a.csv"], Name: "events/dt=2026-11-01/a.csv", Partition: []PartitionValue{{"dt", "2026-11-01"}}},
		{Path: f["b.csv"], Name: "events/dt=2026-11-02/b.csv", Partition: []PartitionValue{{"dt", "2026-11-02"}}},
	})
	tb, err := ReadInput(in, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tb.Rows != 4 || len(tb.Columns) != 3 {
		t.Fatalf("%d rows, %d columns", tb.Rows, len(tb.Columns))
	}
	var got []string
	for i := range tb.Rows {
		var row []string
		for _, c := range tb.Columns {
			v, k, s := c.At(i)
			switch k {
			case CellNumber:
				row = append(row, strconv.FormatFloat(v, 'g', -1, 64))
			case CellText:
				row = append(row, s)
			default:
				row = append(row, "NA")
			}
		}
		got = append(got, strings.Join(row, " "))
	}
	want := "1.5 red 2026-11-01|2.25 blue 2026-11-01|3 green 2026-11-02|NA red 2026-11-02"
	if strings.Join(got, "|") != want {
		t.Fatalf("rows\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
	// Only the partition column: rows still counted.
	tb, err = ReadInput(in, ReadOptions{Columns: []string{"dt"}})
	if err != nil || tb.Rows != 4 || len(tb.Columns) != 1 || tb.Columns[0].Name != "dt" {
		t.Fatalf("dt only: %v, %+v", err, tb)
	}
	// Written back as CSV, it reads the same.
	var b strings.Builder
	tb, _ = ReadInput(in, ReadOptions{})
	if err := WriteCSV(&b, tb); err != nil {
		t.Fatal(err)
	}
	if b.String() != "x,c,dt\n1.5,red,2026-11-01\n2.25,blue,2026-11-01\n3,green,2026-11-02\n,red,2026-11-02\n" {
		t.Fatalf("CSV:\n%s", b.String())
	}
}

// Parts that disagree are refused, naming the part.
func TestPartsThatDisagree(t *testing.T) {
	f := writeParts(t, map[string]string{
		"a.csv": "x,c\n1,red\n",
		"b.csv": "x,d\n2,red\n",
		"n.csv": "x,c\nhigh,red\n",
	})
	_, err := ReadInput(Parts("d/", []Part{{Path: f["a.csv"], Name: "d/a.csv"}, {Path: f["b.csv"], Name: "d/b.csv"}}), ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "d/b.csv") || !strings.Contains(err.Error(), "differ from those of d/a.csv") {
		t.Fatalf("different columns: %v", err)
	}
	_, err = ReadInput(Parts("d/", []Part{{Path: f["a.csv"], Name: "d/a.csv"}, {Path: f["n.csv"], Name: "d/n.csv"}}), ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), `column "x" holds texts here but numbers in d/a.csv`) {
		t.Fatalf("different types: %v", err)
	}
}
