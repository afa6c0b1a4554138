package config

import (
	"os"
	"path/filepath"

	"github.com/ctgit/ctgit/internal/dataset"
)

// checkDataset checks one of data.reference and data.current without
// reading a store: a location that parses, a repository file or directory
// that exists, a format it can tell, and a window that decodes (into
// w.Spec). Whether a glob or a bucket holds anything is known when the
// plan lists it.
func checkDataset(root string, p *Pipeline, field, raw string, pos Pos, w *Window) Diagnostics {
	var ds Diagnostics
	at := "pipelines." + p.Name + ".data." + field
	loc, err := dataset.Parse(raw)
	if err != nil {
		return Diagnostics{diagAt(pos, at, "%v", err)}
	}
	// A URL's query may carry a signature: every message shows it as "…".
	shown := dataset.Redact(raw)
	single := loc.Scheme == "https" || loc.Scheme == "http"
	if !loc.Remote() {
		if err := cleanRel(loc.Prefix); loc.Prefix != "" && err != nil {
			return Diagnostics{diagAt(pos, at, "%v", err)}
		}
		if loc.Pattern == "" {
			abs := filepath.Join(root, filepath.FromSlash(raw))
			if st, err := os.Stat(abs); err == nil && st.IsDir() {
				if err := RepoFile(root, raw, true); err != nil {
					ds = append(ds, diagAt(pos, at, "%v", err))
				}
			} else {
				single = true
				if err := DataFile(root, raw); err != nil {
					ds = append(ds, diagAt(pos, at, "%v", err))
				}
			}
		}
	}
	if single && DataFormat(raw, p.Data.Format) == "" {
		ds = append(ds, diagAt(pos, at, "cannot tell the format of %q from its extension: use .csv or .parquet, or set data.format", dataset.Redact(raw)))
	}
	if w != nil {
		wpos := p.FieldPos("data", field, "window")
		spec := &dataset.Window{Column: w.Partition, Last: w.Last.Count, Text: "last " + w.Last.String()}
		if w.Last.Duration != "" {
			d, err := ParseDuration(w.Last.Duration)
			if err != nil || d <= 0 {
				ds = append(ds, diagAt(p.FieldPos("data", field, "window", "last"), at+".window.last", "%q is not a positive duration (e.g. \"7d\", \"36h\")", w.Last.Duration))
			}
			spec.LastFor = d
		}
		if s := w.Skip; s != nil {
			spec.Skip = s.Count
			spec.Text += ", skipping the newest " + s.String()
			if s.Duration != "" {
				d, err := ParseDuration(s.Duration)
				if err != nil {
					ds = append(ds, diagAt(p.FieldPos("data", field, "window", "skip"), at+".window.skip", "%v", err))
				}
				spec.SkipFor = d
			}
		}
		if single {
			ds = append(ds, diagAt(wpos, at+".window", "a window keeps partitions of a dataset of many parts, but %s is one file: point from at a directory, a prefix or a glob", shown))
		}
		w.Spec = spec
	}
	if len(ds) > 0 {
		return ds
	}
	return nil
}
