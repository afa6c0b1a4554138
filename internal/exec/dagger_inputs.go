package exec

import (
	"context"
	"fmt"
	"os"
	"path"

	"dagger.io/dagger"

	"github.com/ctgit/ctgit/internal/fault"
)

// namedInputs adds a step's named inputs to its input directory, each at
// <name>/<base> (or as <name> itself when Base is ""): from the engine's
// own directory of an upstream step that ran in this session, or else from
// the host.
func (d *Dagger) namedInputs(ctx context.Context, dir *dagger.Directory, inputs []NamedInput) (*dagger.Directory, error) {
	for _, in := range inputs {
		at := in.Name
		if in.Base != "" {
			at = path.Join(in.Name, in.Base)
		}
		if produced, ok := in.Produced.(*dagger.Directory); ok && produced != nil {
			if in.Rel == "" || in.Rel == "." {
				dir = dir.WithDirectory(at, produced)
				continue
			}
			// A declared output is a file or a directory, and only the
			// upstream step's run tells which; ask its directory.
			isDir, err := produced.Exists(ctx, in.Rel, dagger.DirectoryExistsOpts{ExpectedType: dagger.ExistsTypeDirectoryType})
			if err != nil && ctx.Err() != nil {
				return nil, &StepError{ExitCode: -1, Retryable: true, Err: ctx.Err()}
			}
			if err != nil && d.engineLost(ctx) {
				return nil, d.lostError("input " + in.Name)
			}
			if err != nil {
				return nil, &StepError{ExitCode: -1, Retryable: false, Infra: true,
					Err: fmt.Errorf("input %q: reading %s from the upstream step's outputs on the engine: %v", in.Name, in.Rel, firstLine(err))}
			}
			if isDir {
				dir = dir.WithDirectory(at, produced.Directory(in.Rel))
			} else {
				dir = dir.WithFile(at, produced.File(in.Rel))
			}
			continue
		}
		if in.File == "" {
			return nil, fault.Input(fmt.Errorf("input %q has neither a file nor an upstream output", in.Name))
		}
		fi, err := os.Stat(in.File)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", in.Name, err)
		}
		if fi.IsDir() {
			dir = dir.WithDirectory(at, d.client.Host().Directory(in.File))
		} else {
			dir = dir.WithFile(at, d.client.Host().File(in.File))
		}
	}
	return dir, nil
}
