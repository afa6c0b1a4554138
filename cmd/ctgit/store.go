package main

import (
	"context"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/plan"
)

// envArtifacts overrides settings.artifacts: the same repository keeps its
// models in a file:// store on a laptop and in ghcr.io under Actions, whose
// workflow sets CTGIT_ARTIFACTS=oci://ghcr.io/<owner>/<repo>-models.
const envArtifacts = "CTGIT_ARTIFACTS"

// openStore opens the artifact store of plan p: $CTGIT_ARTIFACTS when set,
// else settings.artifacts. The URL it opens becomes p.Settings.Artifacts,
// so the run record and every message name the store actually used.
// Opening writes nothing.
func openStore(ctx context.Context, p *plan.Plan, env environment) (artifact.Store, error) {
	if u := env.get(envArtifacts); u != "" {
		p.Settings.Artifacts = u
	}
	return artifact.OpenWith(ctx, p.Settings.Artifacts, p.Root, artifact.Options{Getenv: env.get})
}
