package drift

import "github.com/ctgit/ctgit/internal/table"

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
func CompareFiles(refPath, curPath string, opt table.ReadOptions, p Policy, budget int64) (*Report, error) {
	return CompareInputs(table.File(refPath), table.File(curPath), opt, p, budget)
}

// CompareInputs is CompareFiles over inputs made by File or OpenStream.
func CompareInputs(refIn, curIn table.Input, opt table.ReadOptions, p Policy, budget int64) (*Report, error) {
	if err := p.Validate(); err != nil {
		return nil, &table.InputError{File: "policy", Err: err}
	}
	refCSV := refIn.Format(opt.Format) == "csv"
	curCSV := curIn.Format(opt.Format) == "csv"
	if budget <= 0 || !refCSV || !curCSV {
		return compareWhole(refIn, curIn, opt, p)
	}
	refCols, refRows, refCell, err := table.CSVShape(refIn)
	if err != nil {
		return nil, err
	}
	curCols, curRows, curCell, err := table.CSVShape(curIn)
	if err != nil {
		return nil, err
	}
	cols, left, err := selectColumns(header{refIn.Name, refCols}, header{curIn.Name, curCols}, p)
	if err != nil {
		return nil, err
	}
	groups := columnGroups(cols, refCell, curCell, refRows, curRows, budget)
	if groups == nil {
		return compareWhole(refIn, curIn, opt, p)
	}
	var results []columnResult
	var refDS, curDS Dataset
	for _, sub := range groups {
		gopt := opt
		gopt.Columns = sub
		ref, cur, err := table.ReadBoth(refIn, curIn, gopt)
		if err != nil {
			return nil, err
		}
		res, err := compareColumns(ref, cur, sub, p, true)
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
func compareWhole(refIn, curIn table.Input, opt table.ReadOptions, p Policy) (*Report, error) {
	refNames, refOK := table.Header(refIn, opt)
	curNames, curOK := table.Header(curIn, opt)
	if !refOK || !curOK {
		ref, cur, err := table.ReadBoth(refIn, curIn, opt)
		if err != nil {
			return nil, err
		}
		return Compare(ref, cur, p)
	}
	names, left, err := selectColumns(header{refIn.Name, refNames}, header{curIn.Name, curNames}, p)
	if err != nil {
		return nil, err
	}
	opt.Columns = names
	ref, cur, err := table.ReadBoth(refIn, curIn, opt)
	if err != nil {
		return nil, err
	}
	results, err := compareColumns(ref, cur, names, p, true)
	if err != nil {
		return nil, err
	}
	return finishReport(Dataset{Path: ref.Path, Rows: ref.Rows}, Dataset{Path: cur.Path, Rows: cur.Rows}, results, left, p), nil
}

// columnGroups cuts the columns into groups that each fit the budget, in
// file order; nil when everything fits at once.
func columnGroups(cols []string, refCell, curCell map[string]int64, refRows, curRows, budget int64) [][]string {
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
		return nil
	}
	return groups
}
