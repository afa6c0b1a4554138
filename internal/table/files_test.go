package table

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParquetHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.parquet")
	if err := os.WriteFile(path, sampleParquet(t), 0o644); err != nil {
		t.Fatal(err)
	}
	names, err := parquetHeader(File(path))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"f", "i", "s", "b"}, names); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	h, ok := Header(File(path), ReadOptions{})
	if !ok || len(h) != 4 {
		t.Errorf("Header = %v, %v", h, ok)
	}
	bad := filepath.Join(t.TempDir(), "bad.parquet")
	if err := os.WriteFile(bad, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := parquetHeader(File(bad)); err == nil {
		t.Error("want an error for a CSV file read as Parquet")
	}
}

// TestPolicyJSONKeepsExclusions: the Dagger executor hands the policy to
// ctgit drift --policy as JSON, so what is left out, and why, must survive.
// TestCSVShapeCellBytes checks the per-column memory estimate the column
// groups are cut by: 4 bytes for plain decimals and text-only columns, 8
// for anything else.
func TestCSVShapeCellBytes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.csv")
	data := "int,dec,missing,text,mixed,exp,long\n1,1.25,,x,x,1e300,0.1234567890123\n-2,3.5,7,y,2,2,1\n"
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	header, lines, cell, err := CSVShape(File(p))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"int": 4, "dec": 4, "missing": 4, "text": 4, "mixed": 8, "exp": 8, "long": 8}
	if d := cmp.Diff(want, cell); d != "" {
		t.Errorf("cell bytes (-want +got):\n%s", d)
	}
	if len(header) != 7 || lines < 2 {
		t.Errorf("header %v, lines %d", header, lines)
	}
}

// TestOpenStreamEndsWithContext checks that waiting for a FIFO's writer,
// and for a silent writer's data, end when the context does, and that a
// device or a directory is refused.
func TestOpenStreamEndsWithContext(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "cur.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, _, err := OpenStream(ctx, fifo); err == nil || !strings.Contains(err.Error(), "waiting for a writer") {
		t.Errorf("no writer: %v", err)
	}
	// A writer that opens and then says nothing.
	w := make(chan *os.File, 1)
	go func() {
		f, _ := os.OpenFile(fifo, os.O_WRONLY, 0)
		w <- f
	}()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	_, _, err := OpenStream(ctx2, fifo)
	if f := <-w; f != nil {
		f.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "reading the stream") {
		t.Errorf("silent writer: %v", err)
	}
	for _, p := range []string{"/dev/zero", dir} {
		if _, _, err := OpenStream(context.Background(), p); err == nil || !strings.Contains(err.Error(), "give a regular file or a pipe") {
			t.Errorf("OpenStream(%s) = %v", p, err)
		}
	}
}

// TestShareCores checks how two files read at once share the cores.
func TestShareCores(t *testing.T) {
	for _, tc := range []struct {
		procs    int
		ref, cur int64
		wr, wc   int
	}{
		{2, 100, 100, 1, 1},
		{16, 100, 100, 8, 8},
		{16, 300, 100, 12, 4},
		{8, 1 << 30, 1, 7, 1}, // a tiny current file still gets a worker
		{8, 1, 1 << 30, 1, 7}, // and so does a tiny reference
		{1, 100, 100, 1, 1},   // one core: each file gets it
		{4, 0, 100, 4, 4},     // a size unknown: each file gets every core
		{3, 100, 100, 2, 1},   // odd counts round, the total stays procs
	} {
		if r, c := shareCores(tc.procs, tc.ref, tc.cur); r != tc.wr || c != tc.wc {
			t.Errorf("shareCores(%d, %d, %d) = %d, %d, want %d, %d", tc.procs, tc.ref, tc.cur, r, c, tc.wr, tc.wc)
		}
	}
}
