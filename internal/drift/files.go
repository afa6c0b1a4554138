package drift

import (
	"bytes"
	"io"
)

// CompareFiles reads and compares two data files under policy p, holding
// the parsed values of only as many columns at a time as fit in about
// budget bytes (8 bytes per cell on each side, 4 for columns whose first
// records are plain decimals or only texts; a column that turns out
// otherwise later can take up to twice its share): wide CSV files are read
// in several passes, each parsing a group of columns, so memory stays
// bounded whatever the number of columns. budget <= 0 reads everything at
// once, as does Parquet, which is read column by column anyway.
//
// Both must be regular files: a FIFO, a socket or a device is an
// *InputError, never a read that blocks. CompareInputs compares streams
// that OpenStream has read.
func CompareFiles(refPath, curPath string, opt ReadOptions, p Policy, budget int64) (*Report, error) {
	return CompareInputs(File(refPath), File(curPath), opt, p, budget)
}

// CompareInputs is CompareFiles over inputs made by File or OpenStream.
func CompareInputs(refIn, curIn Input, opt ReadOptions, p Policy, budget int64) (*Report, error) {
	if err := p.Validate(); err != nil {
		return nil, &InputError{File: "policy", Err: err}
	}
	refCSV := formatOf(refIn.Name, opt.Format) == "csv"
	curCSV := formatOf(curIn.Name, opt.Format) == "csv"
	if budget <= 0 || !refCSV || !curCSV {
		return compareWhole(refIn, curIn, opt, p)
	}
	refCols, refRows, refCell, err := csvShape(refIn)
	if err != nil {
		return nil, err
	}
	curCols, curRows, curCell, err := csvShape(curIn)
	if err != nil {
		return nil, err
	}
	cols, left, err := selectColumns(header{refIn.Name, refCols}, header{curIn.Name, curCols}, p)
	if err != nil {
		return nil, err
	}
	// Cut the columns into groups that each fit the budget, in file order.
	var groups [][]string
	var used int64
	for _, c := range cols {
		cost := refCell[c]*refRows + curCell[c]*curRows
		if len(groups) == 0 || used+cost > budget {
			groups = append(groups, nil)
			used = 0
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], c)
		used += cost
	}
	if len(groups) <= 1 {
		return compareWhole(refIn, curIn, opt, p)
	}
	var results []columnResult
	var refDS, curDS Dataset
	for _, sub := range groups {
		gopt := opt
		gopt.Columns = sub
		ref, cur, err := readBoth(refIn, curIn, gopt)
		if err != nil {
			return nil, err
		}
		res, err := compareColumns(ref, cur, sub, p)
		if err != nil {
			return nil, err
		}
		results = append(results, res...)
		refDS, curDS = Dataset{Path: refIn.Name, Rows: ref.Rows}, Dataset{Path: curIn.Name, Rows: cur.Rows}
	}
	return finishReport(refDS, curDS, results, left, p), nil
}

// compareWhole reads both files at once and compares them. Their headers
// are read first so that only the columns tested are parsed.
func compareWhole(refIn, curIn Input, opt ReadOptions, p Policy) (*Report, error) {
	refH, refOK := regularHeader(refIn, opt)
	curH, curOK := regularHeader(curIn, opt)
	if !refOK || !curOK {
		ref, cur, err := readBoth(refIn, curIn, opt)
		if err != nil {
			return nil, err
		}
		return Compare(ref, cur, p)
	}
	names, left, err := selectColumns(refH, curH, p)
	if err != nil {
		return nil, err
	}
	opt.Columns = names
	ref, cur, err := readBoth(refIn, curIn, opt)
	if err != nil {
		return nil, err
	}
	results, err := compareColumns(ref, cur, names, p)
	if err != nil {
		return nil, err
	}
	return finishReport(Dataset{Path: ref.Path, Rows: ref.Rows}, Dataset{Path: cur.Path, Rows: cur.Rows}, results, left, p), nil
}

// regularHeader reads the column names of a CSV or Parquet input; ok is
// false for an input that cannot be read, whose error the full read
// reports.
func regularHeader(in Input, opt ReadOptions) (h header, ok bool) {
	var names []string
	switch formatOf(in.Name, opt.Format) {
	case "csv":
		f, err := in.open()
		if err != nil {
			return header{}, false
		}
		defer f.Close()
		names, err = (&csvReader{r: f, name: in.Name}).header()
		if err != nil {
			return header{}, false
		}
	case "parquet":
		var err error
		names, err = parquetHeader(in)
		if err != nil {
			return header{}, false
		}
	default:
		return header{}, false
	}
	return header{path: in.Name, names: names}, true
}

// readBoth reads the two files at once, so that one file's last blocks and
// the reading of its input overlap the other's parsing. When both fail,
// the reference's error is the one reported, as if read first; a file
// that cannot be opened is reported before either is parsed.
func readBoth(refIn, curIn Input, opt ReadOptions) (ref, cur *Table, err error) {
	for _, in := range []Input{refIn, curIn} {
		f, err := in.open()
		if err != nil {
			return nil, nil, err
		}
		f.Close()
	}
	var curErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		cur, curErr = readInput(curIn, opt)
	}()
	ref, err = readInput(refIn, opt)
	<-done
	if err == nil {
		err = curErr
	}
	if err != nil {
		return nil, nil, err
	}
	return ref, cur, nil
}

// csvShape returns a CSV file's header, about its number of rows (from
// its size and its first records, or an upper bound: its number of lines),
// and the bytes a parsed cell of each column is
// expected to take (4 where the first records hold plain decimals that
// Column.dec can take, or only texts and missing cells, 8 otherwise). It
// reads only the start of the file, unless that start holds all of it.
func csvShape(in Input) ([]string, int64, map[string]int64, error) {
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
			if res.err == nil && (res.decOK[i] || len(res.text[i]) > 0 && noNumbers(res.cols[i])) {
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
