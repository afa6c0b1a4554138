package exec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/dataset"
	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/table"
)

// snapshot is the resolved dataset of a data role, from the plan.
func (r *pipelineRun) snapshot(role plan.InputRole) *dataset.Snapshot {
	for _, st := range r.pp.Steps {
		for _, in := range st.Inputs {
			if in.Role == role && in.Snapshot() != nil {
				return in.Snapshot()
			}
		}
	}
	return nil
}

// resolver is the run's dataset resolver.
func (r *pipelineRun) resolver() *dataset.Resolver {
	if r.opt.Data != nil {
		return r.opt.Data
	}
	return &dataset.Resolver{Root: r.plan.Root, Memo: r.opt.Memo, CacheDir: r.opt.Cache.Dir()}
}

// dataSnapshot is the snapshot of role: the plan's, else resolved now
// (a plan built without one, as tests may).
func (r *pipelineRun) dataSnapshot(ctx context.Context, role plan.InputRole) (*dataset.Snapshot, error) {
	if role == plan.RoleReferenceData && r.pp.Pipeline.Data.ReferenceDeployed {
		return r.deployedData(ctx)
	}
	if s := r.snapshot(role); s != nil {
		return s, nil
	}
	p := r.pp.Pipeline
	spec := dataset.Spec{Location: p.Data.Current}
	if w := p.Data.CurrentWindow; w != nil {
		spec.Window = w.Spec
	}
	if role == plan.RoleReferenceData {
		spec = dataset.Spec{Location: p.Data.Reference}
		if w := p.Data.ReferenceWindow; w != nil {
			spec.Window = w.Spec
		}
	}
	return r.resolver().Resolve(ctx, spec)
}

// dataInput is the table input of role's dataset: the local file of each
// of its objects (remote ones fetched into the download cache first),
// read as one table.
func (r *pipelineRun) dataInputAt(ctx context.Context, role plan.InputRole) (table.Input, error) {
	snap, err := r.dataSnapshot(ctx, role)
	if err != nil {
		return table.Input{}, err
	}
	files, err := r.fetch(ctx, snap)
	if err != nil {
		return table.Input{}, err
	}
	parts := make([]table.Part, len(snap.Objects))
	for i, o := range snap.Objects {
		parts[i] = table.Part{Path: files[i], Name: dataset.Redact(o.URL)}
		for _, pv := range o.Partition {
			parts[i].Partition = append(parts[i].Partition, table.PartitionValue{Column: pv.Column, Value: pv.Value})
		}
	}
	return table.Parts(snap.Source, parts), nil
}

// readFormat is the format data is read as: data.format, or "" to tell
// each file's format by its extension.
func (r *pipelineRun) readFormat() string {
	if f := r.pp.Pipeline.Data.Format; f != "auto" {
		return f
	}
	return ""
}

// readData reads role's dataset whole.
func (r *pipelineRun) readDataAt(ctx context.Context, role plan.InputRole) (*table.Table, error) {
	in, err := r.dataInput(ctx, role)
	if err != nil {
		return nil, err
	}
	t, err := table.ReadInput(in, table.ReadOptions{Format: r.readFormat()})
	if err != nil {
		return nil, err
	}
	t.Path = in.Name
	return t, nil
}

// dataFile is role's dataset as one local file, for a step that is handed
// a file (training, and drift in a container): the file itself for a
// dataset of one file; for a dataset of many, one CSV file that ctgit
// assembles from every part, partition columns included, kept in the
// download cache by the snapshot's digest so it is written once.
func (r *pipelineRun) dataFileAt(ctx context.Context, role plan.InputRole) (path, format string, err error) {
	snap, err := r.dataSnapshot(ctx, role)
	if err != nil {
		return "", "", err
	}
	in, err := r.dataInput(ctx, role)
	if err != nil {
		return "", "", err
	}
	if len(snap.Objects) == 1 && len(snap.Objects[0].Partition) == 0 {
		files, err := r.fetch(ctx, snap)
		if err != nil {
			return "", "", err
		}
		return files[0], config.DataFormat(snap.Objects[0].URL, r.pp.Pipeline.Data.Format), nil
	}
	dir := r.resolver().CacheDir
	if dir == "" {
		return "", "", fault.Infra(fmt.Errorf("%s: no cache directory to assemble its %d parts in", snap.Source, len(snap.Objects)))
	}
	out := filepath.Join(dir, "data", "assembled", strings.TrimPrefix(snap.Digest, "sha256:")+".csv")
	if _, err := os.Stat(out); err == nil {
		now := time.Now()
		os.Chtimes(out, now, now) // a use, for `ctgit cache prune`
		return out, "csv", nil
	}
	t, err := table.ReadInput(in, table.ReadOptions{Format: r.readFormat()})
	if err != nil {
		return "", "", err
	}
	if err := writeAtomic(out, func(f *os.File) error { return table.WriteCSV(f, t) }); err != nil {
		return "", "", fault.Infra(fmt.Errorf("assembling %s: %w", snap.Source, err))
	}
	return out, "csv", nil
}

// recordDataset is the run record's account of role's dataset: where it
// is, its digest and rows, and for a dataset that is not one repository
// file, the manifest of its objects, so that a promotion pins exactly
// which objects trained the model.
func recordDataset(in plan.Input, rows int) record.Dataset {
	d := record.Dataset{Path: in.Path, Digest: in.Digest, Rows: rows, Objects: in.Objects, Window: in.Window}
	if s := in.Snapshot(); s != nil && in.Objects > 0 {
		d.Manifest = dataset.Redacted(s.Objects)
	}
	return d
}

// deployedData is the reference of data.reference.deployed: the objects
// the deployed model was trained on, from the manifest (or the file and
// digest) of the current data in the run record that promoted the
// deployed version. A first run, whose deployed version no record
// promoted, compares with data.reference.from; without one it stops:
// there is no reference to compare with, and comparing with something
// else would be a silent change of what the user asked.
func (r *pipelineRun) deployedData(ctx context.Context) (*dataset.Snapshot, error) {
	if r.deployedRef != nil {
		return r.deployedRef, nil
	}
	p := r.pp.Pipeline
	b, err := r.findBaseline(ctx)
	if err != nil {
		return nil, err
	}
	var trained *record.Run
	for _, rec := range r.history {
		if b.RunID != "" && rec.ID == b.RunID {
			trained = rec
		}
	}
	at := p.Data.ReferencePos.String()
	switch {
	case trained != nil && len(trained.Data.Current.Manifest) > 0:
		r.deployedRef = dataset.FromManifest(trained.Data.Current.Path, trained.Data.Current.Manifest)
		r.deployedNote = fmt.Sprintf("what run %s trained version %s on", trained.ID, b.Version)
	case trained != nil && trained.Data.Current.Digest != "":
		// One repository file: it must still hold what was trained on.
		snap, err := r.resolver().Resolve(ctx, dataset.Spec{Location: trained.Data.Current.Path})
		if err != nil {
			return nil, &locatedError{pos: at, err: fault.Input(fmt.Errorf("data.reference: the deployed model %s was trained on %s, which cannot be read now: %w", b.Version, trained.Data.Current.Path, err))}
		}
		if snap.Digest != trained.Data.Current.Digest {
			return nil, &locatedError{pos: at, err: fault.Input(fmt.Errorf("data.reference: the deployed model %s was trained on %s at %s (run %s), and the repository now holds other content there (%s): keep training data as immutable objects (a partitioned dataset, Git LFS, DVC) to compare with it, or name the reference with from",
				b.Version, trained.Data.Current.Path, digest.Short(trained.Data.Current.Digest), trained.ID, digest.Short(snap.Digest)))}
		}
		r.deployedRef = snap
		r.deployedNote = fmt.Sprintf("what run %s trained version %s on", trained.ID, b.Version)
	case p.Data.Reference != "":
		r.deployedRef = r.snapshot(plan.RoleReferenceData)
		if r.deployedRef == nil {
			spec := dataset.Spec{Location: p.Data.Reference}
			if w := p.Data.ReferenceWindow; w != nil {
				spec.Window = w.Spec
			}
			if r.deployedRef, err = r.resolver().Resolve(ctx, spec); err != nil {
				return nil, err
			}
		}
		r.deployedNote = fmt.Sprintf("first run: no run record promoted the deployed version %s, so the reference is %s", versionOrNone(b.Version), p.Data.Reference)
	default:
		return nil, &locatedError{pos: at, err: fault.Input(fmt.Errorf("data.reference is the deployed model's training data, but no run record in the artifact store promoted the deployed version %s: give reference a from (and window) for a first run to compare with", versionOrNone(b.Version)))}
	}
	return r.deployedRef, nil
}

func versionOrNone(v string) string {
	if v == "" {
		return "(none yet)"
	}
	return v
}

// writeAtomic writes path through write into a temporary file beside it,
// renamed into place once complete, so a crash leaves no partial file.
func writeAtomic(path string, write func(*os.File) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// dataParts are the parts of role's dataset as a step is handed them; nil
// for a dataset of one file without partitions, which is handed as it is.
func (r *pipelineRun) dataPartsAt(ctx context.Context, role plan.InputRole) ([]InputPart, error) {
	snap, err := r.dataSnapshot(ctx, role)
	if err != nil {
		return nil, err
	}
	if len(snap.Objects) == 1 && len(snap.Objects[0].Partition) == 0 {
		return nil, nil
	}
	files, err := r.fetch(ctx, snap)
	if err != nil {
		return nil, err
	}
	parts := make([]InputPart, len(files))
	for i, o := range snap.Objects {
		parts[i] = InputPart{File: files[i], Key: o.Key}
	}
	return parts, nil
}

// The data a step reads, with any error about it located at the field
// that declares the dataset (data.current at its CUE line), as a step's
// other bad input is.
func (r *pipelineRun) dataInput(ctx context.Context, role plan.InputRole) (table.Input, error) {
	in, err := r.dataInputAt(ctx, role)
	return in, r.dataErr(role, err)
}

func (r *pipelineRun) readData(ctx context.Context, role plan.InputRole) (*table.Table, error) {
	t, err := r.readDataAt(ctx, role)
	return t, r.dataErr(role, err)
}

func (r *pipelineRun) dataFile(ctx context.Context, role plan.InputRole) (string, string, error) {
	path, format, err := r.dataFileAt(ctx, role)
	return path, format, r.dataErr(role, err)
}

func (r *pipelineRun) dataParts(ctx context.Context, role plan.InputRole) ([]InputPart, error) {
	parts, err := r.dataPartsAt(ctx, role)
	return parts, r.dataErr(role, err)
}

// dataErr locates err at the field of role's dataset; an error already
// located, or a cancellation, is returned as it is.
func (r *pipelineRun) dataErr(role plan.InputRole, err error) error {
	var l located
	if err == nil || ctxErr(err) || errors.As(err, &l) {
		return err
	}
	p := r.pp.Pipeline
	field, pos := "current", p.Data.CurrentPos
	if role == plan.RoleReferenceData {
		field, pos = "reference", p.Data.ReferencePos
	}
	return &locatedError{pos: fmt.Sprintf("%s: pipelines.%s.data.%s", pos, p.Name, field), err: err}
}

func ctxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// fetch is the resolver's Fetch of snap, once per run: the steps that
// read a dataset (validate, drift, train) share its files, and a
// DVC-tracked file is checked against its md5 once.
func (r *pipelineRun) fetch(ctx context.Context, snap *dataset.Snapshot) ([]string, error) {
	r.dataMu.Lock()
	defer r.dataMu.Unlock()
	if files, ok := r.fetched[snap]; ok {
		return files, nil
	}
	files, err := r.resolver().Fetch(ctx, snap)
	if err != nil {
		return nil, err
	}
	if r.fetched == nil {
		r.fetched = map[*dataset.Snapshot][]string{}
	}
	r.fetched[snap] = files
	return files, nil
}
