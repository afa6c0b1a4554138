package table

import (
	"bytes"
	"io"
	"math"
	"os"
	"runtime"
)

// DefaultMemoryBudget is the bytes of parsed cells a comparison of two
// data files holds at once unless told otherwise: the default of ctgit
// drift's --memory-budget, and the budget of a pipeline's drift step.
const DefaultMemoryBudget = 256 << 20

// Header reads the column names of a CSV or Parquet input; ok is false
// for an input that cannot be read, whose error the full read reports.
func Header(in Input, opt ReadOptions) (names []string, ok bool) {
	if in.parts != nil {
		names, err := partsHeader(in, opt)
		return names, err == nil
	}
	switch FormatOf(in.Name, opt.Format) {
	case "csv":
		f, err := in.open()
		if err != nil {
			return nil, false
		}
		defer f.Close()
		names, err = (&csvReader{r: f, name: in.Name}).header()
		if err != nil {
			return nil, false
		}
	case "parquet":
		var err error
		names, err = parquetHeader(in)
		if err != nil {
			return nil, false
		}
	default:
		return nil, false
	}
	return names, true
}

// ReadBoth reads the two files at once, so that one file's last blocks and
// the reading of its input overlap the other's parsing. When both fail,
// the reference's error is the one reported, as if read first; a file
// that cannot be opened is reported before either is parsed.
func ReadBoth(refIn, curIn Input, opt ReadOptions) (ref, cur *Table, err error) {
	for _, in := range []Input{refIn, curIn} {
		for _, p := range in.each() {
			f, err := p.open()
			if err != nil {
				return nil, nil, err
			}
			f.Close()
		}
	}
	refOpt, curOpt := opt, opt
	refOpt.workers, curOpt.workers = shareCores(runtime.GOMAXPROCS(0), inputBytes(refIn), inputBytes(curIn))
	var curErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		cur, curErr = readInput(curIn, curOpt)
	}()
	ref, err = readInput(refIn, refOpt)
	<-done
	if err == nil {
		err = curErr
	}
	if err != nil {
		return nil, nil, err
	}
	return ref, cur, nil
}

// shareCores splits procs parsing goroutines between two files read at
// once in proportion to their sizes, at least one each, so that both end
// about together and no core is parsed for twice: each worker holds
// buffers and a dictionary per text column, which twice the workers would
// hold twice. With one core, or a size unknown (0), each file gets procs.
func shareCores(procs int, refBytes, curBytes int64) (ref, cur int) {
	if procs < 2 || refBytes <= 0 || curBytes <= 0 {
		return procs, procs
	}
	ref = int(math.Round(float64(procs) * float64(refBytes) / float64(refBytes+curBytes)))
	ref = min(max(ref, 1), procs-1)
	return ref, procs - ref
}

// inputBytes is the size of in's files on disk, or 0 when one cannot be
// told.
func inputBytes(in Input) int64 {
	var n int64
	for _, p := range in.each() {
		st, err := os.Stat(p.path)
		if err != nil || !st.Mode().IsRegular() {
			return 0
		}
		n += st.Size()
	}
	return n
}

// CSVShape returns a CSV file's header, about its number of rows (from
// its size and its first records, or an upper bound: its number of lines),
// and the bytes a parsed cell of each column is
// expected to take (4 where the first records hold plain decimals that
// Column.Decimals can hold, or only texts and missing cells, 8 otherwise). It
// reads only the start of the file, unless that start holds all of it.
func CSVShape(in Input) ([]string, int64, map[string]int64, error) {
	if in.parts != nil {
		return partsShape(in)
	}
	f, err := in.open()
	if err != nil {
		return nil, 0, nil, err
	}
	defer f.Close()
	path := in.Name
	rd := &csvReader{r: f, name: path}
	header, err := rd.header()
	if err != nil {
		return nil, 0, nil, err
	}
	cell := make(map[string]int64, len(header))
	for _, h := range header {
		cell[h] = 8
	}
	if sample := rd.carry[:lastRecordEnd(rd.carry)]; len(sample) > 0 {
		keep := make([]int, len(header))
		for i := range keep {
			keep[i] = i
		}
		res := &csvResult{cols: make([][]float64, len(header)), text: make([][]string, len(header))}
		parseBlock(res, csvBlock{data: sample}, header, keep, path)
		res.compact()
		for i, h := range header {
			if res.err == nil && (res.decOK[i] || res.hasText[i] && noNumbers(res.cols[i])) {
				cell[h] = 4
			}
		}
		// A regular file's rows are estimated from its size and the
		// sample's bytes per row, rather than counted by reading it all.
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && res.err == nil && res.rows > 0 && !rd.eof {
			rows := float64(st.Size()) * float64(res.rows) / float64(len(sample)) * 1.05
			return header, int64(rows) + 1, cell, nil
		}
	}
	lines := int64(bytes.Count(rd.carry, []byte{'\n'})) + 1
	buf := make([]byte, 1<<20)
	for {
		n, err := f.Read(buf)
		lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, nil, &InputError{File: path, Err: err}
		}
	}
	return header, lines, cell, nil
}

// each is the inputs of in's files: its parts, or itself.
func (in Input) each() []Input {
	if in.parts == nil {
		return []Input{in}
	}
	out := make([]Input, len(in.parts))
	for i, p := range in.parts {
		out[i] = p.input()
	}
	return out
}

// partsShape is CSVShape of a dataset of many CSV files: the parts' rows
// added up, each column's cell the largest any part expects; a partition
// column takes 8 bytes a cell.
func partsShape(in Input) ([]string, int64, map[string]int64, error) {
	names, err := partsHeader(in, ReadOptions{Format: "csv"})
	if err != nil {
		return nil, 0, nil, err
	}
	var rows int64
	cell := map[string]int64{}
	for _, p := range in.parts {
		_, n, c, err := CSVShape(p.input())
		if err != nil {
			return nil, 0, nil, err
		}
		rows += n
		for k, v := range c {
			cell[k] = max(cell[k], v)
		}
	}
	for _, c := range names {
		if cell[c] == 0 {
			cell[c] = 8
		}
	}
	return names, rows, cell, nil
}
