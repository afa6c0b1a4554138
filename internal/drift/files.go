package drift

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
)

// CompareFiles reads and compares two data files under policy p, holding
// the parsed values of only as many columns at a time as fit in about
// budget bytes (8 bytes per cell on each side): wide CSV files are read in
// several passes, each parsing a group of columns, so memory stays bounded
// whatever the number of columns. budget <= 0 reads everything at once, as
// does Parquet, which is read column by column anyway.
func CompareFiles(refPath, curPath string, opt ReadOptions, p Policy, budget int64) (*Report, error) {
	if err := p.Validate(); err != nil {
		return nil, &InputError{File: "policy", Err: err}
	}
	refCSV := formatOf(refPath, opt.Format) == "csv"
	curCSV := formatOf(curPath, opt.Format) == "csv"
	if budget <= 0 || !refCSV || !curCSV {
		return compareWhole(refPath, curPath, opt, p)
	}
	refCols, refRows, err := csvShape(refPath)
	if err != nil {
		return nil, err
	}
	curCols, curRows, err := csvShape(curPath)
	if err != nil {
		return nil, err
	}
	header := &Table{Path: refPath}
	for _, c := range refCols {
		header.Columns = append(header.Columns, &Column{Name: c})
	}
	if err := checkPolicyColumns(header, p); err != nil {
		return nil, err
	}
	var cols []string
	for _, c := range refCols {
		if len(p.Subset) == 0 || slices.Contains(p.Subset, c) {
			cols = append(cols, c)
		}
	}
	for _, c := range cols {
		if !slices.Contains(curCols, c) {
			return nil, &InputError{File: curPath, Line: 1, Column: c, Err: errors.New("missing from the current data (present in the reference)")}
		}
	}
	if len(p.Subset) == 0 {
		for _, c := range curCols {
			if !slices.Contains(refCols, c) {
				return nil, &InputError{File: refPath, Line: 1, Column: c, Err: errors.New("missing from the reference data (present in the current)")}
			}
		}
	}
	perColumn := 8 * (refRows + curRows)
	group := int(max(1, budget/max(perColumn, 1)))
	if group >= len(cols) {
		return compareWhole(refPath, curPath, opt, p)
	}
	var results []columnResult
	var refDS, curDS Dataset
	for start := 0; start < len(cols); start += group {
		sub := cols[start:min(start+group, len(cols))]
		gopt := opt
		gopt.Columns = sub
		ref, err := ReadFile(refPath, gopt)
		if err != nil {
			return nil, err
		}
		cur, err := ReadFile(curPath, gopt)
		if err != nil {
			return nil, err
		}
		gp := p
		gp.Subset = sub
		res, err := compareColumns(ref, cur, gp)
		if err != nil {
			return nil, err
		}
		results = append(results, res...)
		refDS, curDS = Dataset{Path: refPath, Rows: ref.Rows}, Dataset{Path: curPath, Rows: cur.Rows}
	}
	return finishReport(refDS, curDS, results, p), nil
}

func compareWhole(refPath, curPath string, opt ReadOptions, p Policy) (*Report, error) {
	opt.Columns = p.Subset
	ref, err := ReadFile(refPath, opt)
	if err != nil {
		return nil, err
	}
	cur, err := ReadFile(curPath, opt)
	if err != nil {
		return nil, err
	}
	return Compare(ref, cur, p)
}

// csvShape returns a CSV file's header and an upper bound of its rows
// (its number of lines), reading the file once at memory speed.
func csvShape(path string) ([]string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, &InputError{File: path, Err: err}
	}
	defer f.Close()
	rd := &csvReader{r: f, name: path}
	header, err := rd.header()
	if err != nil {
		return nil, 0, err
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
			return nil, 0, &InputError{File: path, Err: err}
		}
	}
	return header, lines, nil
}
