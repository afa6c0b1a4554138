package table

import (
	"fmt"
	"path/filepath"
	"strings"
)

// ReadOptions says how to read a data file.
type ReadOptions struct {
	// Format is "csv" or "parquet"; empty means by extension (.parquet and
	// .pq are Parquet, anything else CSV).
	Format string
	// Columns, when not empty, are the only columns kept; the others are
	// still checked for shape but not parsed.
	Columns []string

	sizeHint int64 // bytes of input, when known
	// workers is how many goroutines parse a CSV file's blocks; 0 means
	// GOMAXPROCS. ReadBoth shares the cores between its two files.
	workers int
}

// ReadFile reads a CSV or Parquet file into a Table. Errors are
// *InputError values naming the file, line and column. path must be a
// regular file: a FIFO, a socket or a device is refused, never read.
func ReadFile(path string, opt ReadOptions) (*Table, error) {
	return readInput(File(path), opt)
}

// readInput reads a CSV or Parquet input into a Table; errors name the
// input as the user named it.
func readInput(in Input, opt ReadOptions) (*Table, error) {
	if in.parts != nil {
		return readParts(in, opt)
	}
	format := FormatOf(in.Name, opt.Format)
	switch format {
	case "csv", "parquet":
	default:
		return nil, &InputError{File: in.Name, Err: fmt.Errorf("unknown input format %q; use csv or parquet", format)}
	}
	f, err := in.open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if format == "parquet" {
		return ReadParquetFrom(f, in.Name, opt)
	}
	if st, err := f.Stat(); err == nil {
		opt.sizeHint = st.Size()
	}
	return ReadCSV(f, in.Name, opt)
}

// formatOf is the explicit format, or the one path's extension implies.
func FormatOf(path, format string) string {
	if format != "" {
		return format
	}
	switch strings.ToLower(filepath.Ext(TrimCompressed(path))) {
	case ".parquet", ".pq":
		return "parquet"
	}
	return "csv"
}

// ReadInput reads an input made by File, Parts or OpenStream into a
// Table.
func ReadInput(in Input, opt ReadOptions) (*Table, error) { return readInput(in, opt) }
