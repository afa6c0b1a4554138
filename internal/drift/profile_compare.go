package drift

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/ctgit/ctgit/internal/table"
)

// CompareWithProfile is CompareInputs with a reference profile in
// spec.Dir (see ProfileSpec): when a sound profile of this reference
// content, build and format holds every column the policy chooses, the
// reference's columns come from it and only the current data is read;
// otherwise the reference is read, and after a successful comparison its
// parsed columns are written as the profile, atomically. The report is the
// one CompareInputs gives, bit for bit, with ReferenceProfile saying which
// happened and why.
func CompareWithProfile(refIn, curIn table.Input, opt table.ReadOptions, p Policy, budget int64, spec ProfileSpec) (*Report, error) {
	if err := p.Validate(); err != nil {
		return nil, &table.InputError{File: "policy", Err: err}
	}
	if spec.Dir == "" || spec.ReferenceDigest == "" || spec.Build == "" {
		return nil, errors.New("a reference profile needs a directory, the reference's digest and the build")
	}
	format := refIn.Format(opt.Format)
	key := spec.Key(format)
	use := &ProfileUse{Key: key, ReferenceDigest: spec.ReferenceDigest}
	path := spec.path(key)
	prof, err := openProfile(path, key)
	switch {
	case err == nil:
		rep, why, err := compareFromProfile(prof, refIn, curIn, opt, p, budget)
		prof.Close()
		if err != nil {
			return nil, err
		}
		if why == "" {
			touch(path)
			use.Hit = true
			rep.ReferenceProfile = use
			return rep, nil
		}
		use.Rebuilt = why
	case errors.Is(err, fs.ErrNotExist):
		use.Rebuilt = NoProfileYet
	default:
		use.Rebuilt = err.Error()
	}
	meta := profileMeta{key: key, refDigest: spec.ReferenceDigest, build: spec.Build, format: format}
	rep, err := compareBuilding(refIn, curIn, opt, p, budget, spec, meta, use)
	if err != nil {
		return nil, err
	}
	rep.ReferenceProfile = use
	return rep, nil
}

// compareFromProfile compares the current data against the reference's
// columns in prof. why says, when not empty, why the profile cannot
// serve (it lacks a column, or a section is damaged): nothing was decided
// then, and the caller reads the reference instead.
func compareFromProfile(prof *profile, refIn, curIn table.Input, opt table.ReadOptions, p Policy, budget int64) (_ *Report, why string, _ error) {
	curNames, ok := table.Header(curIn, opt)
	if !ok {
		// The full read says what is wrong with it.
		return nil, "the current data's header could not be read first", nil
	}
	names, left, err := selectColumns(header{refIn.Name, prof.meta.header}, header{curIn.Name, curNames}, p)
	if err != nil {
		return nil, "", err
	}
	if missing := prof.has(names); len(missing) > 0 {
		return nil, fmt.Sprintf("the profile lacks column(s) %s", strings.Join(quoteAll(missing), ", ")), nil
	}
	groups := [][]string{names}
	if budget > 0 && prof.meta.format == "csv" && curIn.Format(opt.Format) == "csv" {
		_, curRows, curCell, err := table.CSVShape(curIn)
		if err != nil {
			return nil, "", err
		}
		if g := columnGroups(names, prof.cellBytes(), curCell, int64(prof.meta.rows), curRows, budget); g != nil {
			groups = g
		}
	}
	var results []columnResult
	curDS := Dataset{Path: curIn.Name}
	for _, sub := range groups {
		// The profile's columns are read while the current data is
		// parsed.
		var ref *table.Table
		var refErr error
		loaded := make(chan struct{})
		go func() {
			defer close(loaded)
			ref, refErr = prof.table(refIn.Name, sub)
		}()
		gopt := opt
		gopt.Columns = sub
		cur, err := table.ReadInput(curIn, gopt)
		<-loaded
		if refErr != nil {
			return nil, refErr.Error(), nil
		}
		if err != nil {
			return nil, "", err
		}
		// Both tables are this comparison's own: the profile's columns
		// were decoded for it.
		res, err := compareColumns(ref, cur, sub, p, true)
		if err != nil {
			return nil, "", err
		}
		results = append(results, res...)
		curDS = Dataset{Path: cur.Path, Rows: cur.Rows}
	}
	if len(groups) > 1 {
		curDS.Path = curIn.Name
	}
	return finishReport(Dataset{Path: refIn.Name, Rows: prof.meta.rows}, curDS, results, left, p), "", nil
}

// compareBuilding compares as CompareInputs does, reading both sides, and
// writes the reference's parsed columns as a profile once the comparison
// has succeeded. A profile that cannot be written is said in use, not an
// error: the comparison stands.
func compareBuilding(refIn, curIn table.Input, opt table.ReadOptions, p Policy, budget int64, spec ProfileSpec, meta profileMeta, use *ProfileUse) (*Report, error) {
	refNames, refOK := table.Header(refIn, opt)
	curNames, curOK := table.Header(curIn, opt)
	if !refOK || !curOK {
		rep, err := CompareInputs(refIn, curIn, opt, p, budget)
		if err == nil {
			use.NotWritten = "the headers could not be read before the data"
		}
		return rep, err
	}
	names, left, err := selectColumns(header{refIn.Name, refNames}, header{curIn.Name, curNames}, p)
	if err != nil {
		return nil, err
	}
	groups := [][]string{names}
	if budget > 0 && meta.format == "csv" && curIn.Format(opt.Format) == "csv" {
		_, refRows, refCell, err := table.CSVShape(refIn)
		if err != nil {
			return nil, err
		}
		_, curRows, curCell, err := table.CSVShape(curIn)
		if err != nil {
			return nil, err
		}
		if g := columnGroups(names, refCell, curCell, refRows, curRows, budget); g != nil {
			groups = g
		}
	}
	meta.header = refNames
	w, err := newProfileWriter(spec.Dir, meta)
	if err != nil {
		use.NotWritten = err.Error()
		w = nil
	}
	fail := func(err error) (*Report, error) {
		if w != nil {
			w.abort()
		}
		return nil, err
	}
	var results []columnResult
	var refDS, curDS Dataset
	for _, sub := range groups {
		gopt := opt
		gopt.Columns = sub
		ref, cur, err := table.ReadBoth(refIn, curIn, gopt)
		if err != nil {
			return fail(err)
		}
		// The profile takes the reference's columns in file order, before
		// the comparison sorts them where they lie.
		if w != nil {
			w.meta.rows = ref.Rows
			if err := w.add(ref); err != nil {
				use.NotWritten = err.Error()
				w.abort()
				w = nil
			}
		}
		res, err := compareColumns(ref, cur, sub, p, true)
		if err != nil {
			return fail(err)
		}
		results = append(results, res...)
		refDS, curDS = Dataset{Path: ref.Path, Rows: ref.Rows}, Dataset{Path: cur.Path, Rows: cur.Rows}
	}
	if len(groups) > 1 {
		// As CompareInputs reports a comparison in column groups.
		refDS.Path, curDS.Path = refIn.Name, curIn.Name
	}
	rep := finishReport(refDS, curDS, results, left, p)
	if w != nil {
		if err := w.commit(spec.path(meta.key)); err != nil {
			use.NotWritten = err.Error()
		}
	}
	return rep, nil
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return out
}
