package table

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// TestCompressedFilesReadAsTheirContent reads a CSV plain, gzip- and
// zstd-compressed, and gets the same table; a broken gzip file is an
// InputError naming it.
func TestCompressedFilesReadAsTheirContent(t *testing.T) {
	dir := t.TempDir()
	csv := []byte("x,c\n1,a\n2,b\n3,a\n")
	var gz, zs bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(csv)
	w.Close()
	zw, _ := zstd.NewWriter(&zs)
	zw.Write(csv)
	zw.Close()
	files := map[string][]byte{"plain.csv": csv, "data.csv.gz": gz.Bytes(), "data.csv.zst": zs.Bytes()}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := ReadFile(filepath.Join(dir, "plain.csv"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"data.csv.gz", "data.csv.zst"} {
		got, err := ReadFile(filepath.Join(dir, name), ReadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Rows != want.Rows || len(got.Columns) != len(want.Columns) || got.Column("c") == nil {
			t.Errorf("%s: %d rows, %d columns; want %d, %d", name, got.Rows, len(got.Columns), want.Rows, len(want.Columns))
		}
		if FormatOf(name, "") != "csv" {
			t.Errorf("FormatOf(%s) = %q", name, FormatOf(name, ""))
		}
	}
	broken := filepath.Join(dir, "broken.csv.gz")
	os.WriteFile(broken, append(append([]byte{}, gz.Bytes()[:10]...), "not gzip"...), 0o644)
	_, err = ReadFile(broken, ReadOptions{})
	var ie *InputError
	if !errors.As(err, &ie) || ie.File != broken {
		t.Errorf("broken gzip: %v", err)
	}
}
