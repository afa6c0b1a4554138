package exec

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"dagger.io/dagger"
)

// How the Dagger executor tells a step that ran in this session from an
// answer out of the engine's cache. The engine v0.19.7 says neither in its
// API nor reliably in its progress output (its cache-decision telemetry
// came later), and an exec cannot be marked "never cache" there. So each
// exec leaves a witness: before the command it creates a file named by a
// token of this session in a cache volume. The token reaches the exec as a
// secret variable, and neither a secret's value nor a cache volume's
// content is in the exec's cache key, so the witness changes nothing the
// engine caches by. A fresh exec (its cache busted by a nonce) then looks
// for the file: there, the command ran in this session; absent, its result
// came from the cache.
//
// The witness needs /bin/sh in the step's image; in one without it the
// step runs as declared, and whether it ran is not known.
const (
	ctrWitness = "/ctgit/witness"
	// witnessEnv holds the session's token in the step's environment.
	witnessEnv = "CTGIT_SESSION_WITNESS"
	// witnessSecret is the token's secret name: constant, since a secret's
	// name is in the cache key.
	witnessSecret = "ctgit-session-witness"
)

// EngineCacheTeller is an executor that can tell whether a step's result
// came from its engine's cache rather than from a run in this session.
// (Proposed: StepResult.EngineCached, which would make this unnecessary.)
type EngineCacheTeller interface {
	// EngineCached reports, for a result Run returned, whether it came
	// from the engine's cache, and whether that is known at all.
	EngineCached(res *StepResult) (cached, known bool)
}

// witness is the Dagger executor's record of what its steps' witnesses
// said.
type witness struct {
	token  string
	secret *dagger.Secret
	mu     sync.Mutex
	cached map[*StepResult]bool
}

// EngineCached implements EngineCacheTeller.
func (d *Dagger) EngineCached(res *StepResult) (cached, known bool) {
	d.witness.mu.Lock()
	defer d.witness.mu.Unlock()
	cached, known = d.witness.cached[res]
	return cached, known
}

func (d *Dagger) noteCached(res *StepResult, cached bool) {
	d.witness.mu.Lock()
	defer d.witness.mu.Unlock()
	if d.witness.cached == nil {
		d.witness.cached = map[*StepResult]bool{}
	}
	d.witness.cached[res] = cached
}

// witnessFile is where a step's witness goes in the volume: under the
// session's token, named by the step (its pipeline and name are in its
// environment, so in its key).
const witnessFile = `"` + ctrWitness + `/$` + witnessEnv + `/$` + EnvPipeline + `.$` + EnvStep + `"`

// witnessScript leaves the witness, then becomes the step's command
// (exec: the same process, so signals and the exit code are the
// command's). A witness it cannot write does not stop the step.
const witnessScript = `{ mkdir -p "` + ctrWitness + `/$` + witnessEnv + `" && : > ` + witnessFile + `; } 2>/dev/null || echo "ctgit: cannot write the step's witness under ` + ctrWitness + `" >&2; exec "$@"`

// witnessed prepares ctr to leave a witness when the image has /bin/sh,
// and returns the command to run.
func (d *Dagger) witnessed(ctx context.Context, ctr *dagger.Container, cmd []string, volume *dagger.CacheVolume) (*dagger.Container, []string, bool) {
	if ok, err := ctr.Rootfs().Exists(ctx, "bin/sh"); err != nil || !ok {
		return ctr, cmd, false
	}
	// The image's user must be able to write the witness.
	user, _ := ctr.User(ctx)
	ctr = ctr.WithMountedCache(ctrWitness, volume, dagger.ContainerWithMountedCacheOpts{Owner: user}).
		WithSecretVariable(witnessEnv, d.witness.secret)
	return ctr, append([]string{"/bin/sh", "-c", witnessScript, "ctgit-witness"}, cmd...), true
}

// ranHere asks the witness volume whether req's exec ran in this session,
// and removes the witness.
func (d *Dagger) ranHere(ctx context.Context, req StepRequest, volume *dagger.CacheVolume) (bool, error) {
	ctr := d.image(req.Container.Image)
	user, _ := ctr.User(ctx)
	out, err := ctr.
		WithMountedCache(ctrWitness, volume, dagger.ContainerWithMountedCacheOpts{Owner: user}).
		WithEnvVariable(witnessEnv, d.witness.token).
		WithEnvVariable(EnvPipeline, req.Pipeline).
		WithEnvVariable(EnvStep, string(req.Step.Name)).
		WithEnvVariable("CTGIT_WITNESS_READ", nonceString()). // never from the cache
		WithExec([]string{"/bin/sh", "-c", `if [ -e ` + witnessFile + ` ]; then rm -f ` + witnessFile + `; echo ran; else echo cached; fi; rmdir "` + ctrWitness + `/$` + witnessEnv + `" 2>/dev/null; true`}).
		Stdout(ctx)
	if err != nil {
		return false, fmt.Errorf("reading the step's witness: %v", firstLine(err))
	}
	return strings.TrimSpace(out) == "ran", nil
}

// nonceString is 12 random hex digits.
func nonceString() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
