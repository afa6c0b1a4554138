package table

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// Compressed files are recognised by their first bytes, not their name.
var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// compressedSuffixes are the names a compressed data file may end in; the
// format is read from the name without them ("events.csv.gz" is CSV).
var compressedSuffixes = []string{".gz", ".gzip", ".zst", ".zstd"}

// TrimCompressed returns name without a compression suffix.
func TrimCompressed(name string) string {
	name = URLPath(name)
	lower := strings.ToLower(name)
	for _, s := range compressedSuffixes {
		if strings.HasSuffix(lower, s) {
			return name[:len(name)-len(s)]
		}
	}
	return name
}

// decompressed returns f itself when it is not gzip or zstd compressed,
// else an unlinked temporary file holding its decompressed bytes (f is
// closed): the readers need a file they can read in blocks and seek in,
// and spooling keeps the memory budget whatever the size. A file that is
// not valid compressed data is an error naming the format.
// Each open decompresses again: a file that drift reads in several passes
// (header, shape, column groups) costs one decompression per pass.
func decompressed(f *os.File, name string) (*os.File, error) {
	head := make([]byte, 4)
	n, _ := f.ReadAt(head, 0)
	head = head[:n]
	var r io.Reader
	var format string
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		zr, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, &InputError{File: name, Err: fmt.Errorf("gzip: %w", err)}
		}
		defer zr.Close()
		r, format = zr, "gzip"
	case bytes.HasPrefix(head, zstdMagic):
		zr, err := zstd.NewReader(f)
		if err != nil {
			f.Close()
			return nil, &InputError{File: name, Err: fmt.Errorf("zstd: %w", err)}
		}
		defer zr.Close()
		r, format = zr, "zstd"
	default:
		return f, nil
	}
	defer f.Close()
	spool, err := os.CreateTemp("", "ctgit-data-*")
	if err != nil {
		return nil, fmt.Errorf("decompressing %s: %w", name, err)
	}
	// Unlinked at once: the open file is all there is, gone when closed.
	os.Remove(spool.Name())
	if _, err := io.Copy(spool, r); err != nil {
		spool.Close()
		return nil, &InputError{File: name, Err: fmt.Errorf("%s: %w", format, err)}
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		spool.Close()
		return nil, err
	}
	return spool, nil
}

// URLPath is name without the query and fragment of a URL
// ("https://host/x.csv?sig=…" is "https://host/x.csv"), so that its
// extension says its format; other names are returned as they are.
func URLPath(name string) string {
	if strings.Contains(name, "://") {
		if i := strings.IndexAny(name, "?#"); i >= 0 {
			return name[:i]
		}
	}
	return name
}
