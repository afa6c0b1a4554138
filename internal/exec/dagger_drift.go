package exec

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"dagger.io/dagger"

	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/fault"
)

// DriftImageEnv names a ctgit image for the drift step, as --drift-image
// does.
const DriftImageEnv = "CTGIT_DRIFT_IMAGE"

// The drift step runs `ctgit drift` on the engine, in one of two ways:
//
//   - a ctgit image by reference (DaggerOptions.DriftImage, e.g. the
//     release's multi-arch ghcr.io/ctgit/ctgit:<version>), which the engine
//     pulls for its own platform; any client, any engine;
//   - else this client's own static binary, uploaded into an empty
//     container: only when the client is linux and of the engine's
//     architecture, which the engine is asked (its default platform).
//
// Anything else is refused, saying to set the image, rather than failing
// in the container with an exec format error.

// driftRan records what ran each drift report: the image, or the uploaded
// binary.
type driftRan struct {
	mu  sync.Mutex
	ran map[*drift.Report]Ran
	// platform is the engine's, asked once.
	platformOnce sync.Once
	platform     dagger.Platform
	platformErr  error
}

// DriftRanTeller is an executor that can say what ran a drift step.
// (Proposed: drift results carry a Ran, recorded and printed like
// training's.)
type DriftRanTeller interface {
	DriftRan(rep *drift.Report) (Ran, bool)
}

// DriftRan implements DriftRanTeller.
func (d *Dagger) DriftRan(rep *drift.Report) (Ran, bool) {
	d.drift.mu.Lock()
	defer d.drift.mu.Unlock()
	r, ok := d.drift.ran[rep]
	return r, ok
}

func (d *Dagger) noteDriftRan(rep *drift.Report, r Ran) {
	d.drift.mu.Lock()
	defer d.drift.mu.Unlock()
	if d.drift.ran == nil {
		d.drift.ran = map[*drift.Report]Ran{}
	}
	d.drift.ran[rep] = r
}

// driftContainer is the container `ctgit drift` runs in, the command that
// starts ctgit in it, and what it is, for the record.
func (d *Dagger) driftContainer(ctx context.Context) (*dagger.Container, string, Ran, error) {
	if d.driftImage != "" {
		ref, err := d.imageRef(ctx, d.driftImage)
		if err != nil {
			return nil, "", Ran{}, err
		}
		// The image's ctgit is on its PATH (ko puts it in /ko-app).
		return d.image(d.driftImage).WithMountedTemp(ctrTmp), "ctgit", Ran{Executor: d.Name(), Image: ref}, nil
	}
	d.drift.platformOnce.Do(func() {
		d.drift.platform, d.drift.platformErr = d.client.DefaultPlatform(ctx)
	})
	if d.drift.platformErr != nil {
		if d.engineLost(ctx) {
			return nil, "", Ran{}, fault.Infra(d.lostError("drift step"))
		}
		return nil, "", Ran{}, fault.Infra(fmt.Errorf("asking the Dagger engine at %s its platform: %v", d.runnerHost, firstLine(d.drift.platformErr)))
	}
	if err := staticFallback(runtime.GOOS, runtime.GOARCH, string(d.drift.platform)); err != nil {
		return nil, "", Ran{}, fault.Input(err)
	}
	if d.ctgitBinaryErr != nil {
		return nil, "", Ran{}, fault.Input(d.ctgitBinaryErr)
	}
	ctr := d.client.Container().
		WithRootfs(d.client.Directory().
			WithFile(ctrBin, d.client.Host().File(d.ctgitBinary)).
			WithDirectory(ctrTmp, d.client.Directory()))
	return ctr, ctrBin, Ran{Executor: d.Name(), Program: "this ctgit's static binary (" + runtime.GOOS + "/" + runtime.GOARCH + "), uploaded"}, nil
}

// staticFallback says whether the client's own binary can run on an
// engine of the given platform ("linux/amd64", maybe with a variant).
func staticFallback(goos, goarch, platform string) error {
	os, arch, _ := strings.Cut(platform, "/")
	arch, _, _ = strings.Cut(arch, "/")
	if goos == "linux" && os == "linux" && goarch == arch {
		return nil
	}
	return fmt.Errorf("the drift step runs ctgit in a container on the Dagger engine, which is %s, and this ctgit is %s/%s, so it cannot run there: "+
		"set --drift-image (or %s) to a ctgit image, e.g. ghcr.io/ctgit/ctgit:<this version>, which the engine pulls for its own platform", platform, goos, goarch, DriftImageEnv)
}
