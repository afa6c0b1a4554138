package artifact

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	godigest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/errcode"
	"oras.land/oras-go/v2/registry/remote/retry"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/record"
)

// Media types and annotations of what ctgit keeps in a registry.
const (
	// ArtifactTypeModel is a model's manifest: one layer, the model file
	// (MediaTypeModelFile) or a directory as a tar (MediaTypeModelTar).
	ArtifactTypeModel  = "application/vnd.ctgit.model.v1"
	MediaTypeModelFile = "application/vnd.ctgit.model.file.v1"
	MediaTypeModelTar  = "application/vnd.ctgit.model.layer.v1.tar"
	// ArtifactTypeRun is a run record's manifest: one layer, the record's
	// JSON (MediaTypeRun).
	ArtifactTypeRun = "application/vnd.ctgit.run.v1"
	MediaTypeRun    = "application/vnd.ctgit.run.v1+json"

	AnnotationPipeline     = "io.ctgit.pipeline"
	AnnotationModel        = "io.ctgit.model"
	AnnotationRun          = "io.ctgit.run"
	AnnotationSourceCommit = "io.ctgit.source-commit"
	AnnotationDataPrefix   = "io.ctgit.data."
)

// Registry is an artifact store in an OCI registry repository,
// oci://REGISTRY/REPOSITORY.
//
// Layout in the repository:
//
//	<model>.<sha256 hex of the model>  tag of a model's manifest (ArtifactTypeModel)
//
// and, per pipeline, in the repository REPOSITORY/runs/<pipeline>:
//
//	<run id>                           tag of a run record's manifest (ArtifactTypeRun)
//
// A model's artifact is addressed by its manifest's digest:
// oci://REGISTRY/REPOSITORY@sha256:<manifest>.
type Registry struct {
	// base is oci://REGISTRY/REPOSITORY.
	base string
	// name is REGISTRY/REPOSITORY.
	name string
	repo *remote.Repository

	mu       sync.Mutex
	runRepos map[string]*remote.Repository
}

// registryTimeout bounds each request to the registry, uploads included.
const registryTimeout = 10 * time.Minute

// openRegistry opens oci://REGISTRY/REPOSITORY[?plain-http=true]. Plain
// HTTP is used for a loopback registry, or when the URL asks for it;
// every other registry is reached over TLS.
func openRegistry(ctx context.Context, u *url.URL, opt Options) (*Registry, error) {
	name := u.Host + u.Path
	if u.User != nil || u.Fragment != "" || u.Host == "" || strings.Trim(u.Path, "/") == "" {
		return nil, fault.Input(fmt.Errorf("artifact store %q: want oci://REGISTRY/REPOSITORY (credentials come from ~/.docker/config.json or GITHUB_TOKEN, never the URL)", redact(u)))
	}
	ref, err := registry.ParseReference(name)
	if err != nil || ref.Reference != "" {
		return nil, fault.Input(fmt.Errorf("artifact store %q: want oci://REGISTRY/REPOSITORY with a lowercase repository name and no tag", u.String()))
	}
	plain := isLoopback(ref.Registry)
	for k, v := range u.Query() {
		if k != "plain-http" || len(v) != 1 {
			return nil, fault.Input(fmt.Errorf("artifact store %q: unknown option %q (the only option is plain-http=true)", u.String(), k))
		}
		b, err := strconv.ParseBool(v[0])
		if err != nil {
			return nil, fault.Input(fmt.Errorf("artifact store %q: plain-http=%q: want true or false", u.String(), v[0]))
		}
		plain = b
	}
	repo, err := remote.NewRepository(name)
	if err != nil {
		return nil, fault.Input(fmt.Errorf("artifact store %q: %w", u.String(), err))
	}
	repo.PlainHTTP = plain
	cred, err := credentialFunc(ref.Registry, opt.Getenv)
	if err != nil {
		return nil, fault.Input(fmt.Errorf("artifact store %s: %w", name, err))
	}
	hc := *retry.DefaultClient
	hc.Timeout = registryTimeout
	repo.Client = &auth.Client{Client: &hc, Cache: auth.NewCache(), Credential: cred, Header: http.Header{"User-Agent": {"ctgit"}}}
	r := &Registry{base: "oci://" + name, name: name, repo: repo}
	// Reached now: an unreachable registry or refused credentials fail
	// before any step runs. A repository not created yet reads as empty.
	if _, err := repo.Resolve(ctx, "ctgit-probe"); err != nil && !errors.Is(err, errdef.ErrNotFound) {
		return nil, r.infra("reaching", err)
	}
	return r, nil
}

func isLoopback(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// credentialFunc resolves credentials as container tools do: the Docker
// config file ($DOCKER_CONFIG/config.json, else ~/.docker/config.json)
// with its credential helpers, then, for ghcr.io, GITHUB_TOKEN.
func credentialFunc(host string, getenv func(string) string) (auth.CredentialFunc, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var store credentials.Store = credentials.NewMemoryStore()
	cfg := ""
	if d := getenv("DOCKER_CONFIG"); d != "" {
		cfg = filepath.Join(d, "config.json")
	} else if h := getenv("HOME"); h != "" {
		cfg = filepath.Join(h, ".docker", "config.json")
	}
	if cfg != "" {
		if _, err := os.Stat(cfg); err == nil {
			s, err := credentials.NewStore(cfg, credentials.StoreOptions{})
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", cfg, err)
			}
			store = s
		}
	}
	docker := credentials.Credential(store)
	token := getenv("GITHUB_TOKEN")
	return func(ctx context.Context, hostport string) (auth.Credential, error) {
		c, err := docker(ctx, hostport)
		if err != nil {
			return auth.EmptyCredential, fmt.Errorf("credentials for %s: %w", hostport, err)
		}
		if c == auth.EmptyCredential && token != "" && hostport == "ghcr.io" {
			// ghcr.io takes any user name with a token as the password.
			return auth.Credential{Username: "ctgit", Password: token}, nil
		}
		return c, nil
	}, nil
}

// infra is a registry failure: exit 3, naming the registry and the cause.
// Credentials never appear: oras-go's errors carry no secrets.
func (r *Registry) infra(doing string, err error) error {
	cause := err.Error()
	var er *errcode.ErrorResponse
	switch {
	case errors.Is(err, auth.ErrBasicCredentialNotFound):
		cause = "credentials required and none found: log in (docker login / oras login) or set GITHUB_TOKEN for ghcr.io"
	case errors.As(err, &er) && er.StatusCode == http.StatusUnauthorized:
		cause = "credentials refused (401): check ~/.docker/config.json or GITHUB_TOKEN"
	case errors.As(err, &er) && er.StatusCode == http.StatusForbidden:
		cause = "access denied (403): the credentials may not write this repository (on GitHub Actions: permissions: packages: write)"
	case errors.As(err, &er) && er.StatusCode == http.StatusNotFound:
		cause = "not found (404): " + er.Errors.Error()
	}
	return fault.Infra(fmt.Errorf("artifact registry %s: %s: %s", r.name, doing, cause))
}

// Local is false: a registry outlives the runner.
func (r *Registry) Local() bool { return false }

// Dir is "": a registry is no directory.
func (r *Registry) Dir() string { return "" }

// String is oci://REGISTRY/REPOSITORY.
func (r *Registry) String() string { return r.base }

// Close releases nothing: requests hold no connection open.
func (r *Registry) Close() error { return nil }

// Reference is oci://REGISTRY/REPOSITORY@DIGEST, the artifact with digest.
func (r *Registry) Reference(dg string) string { return r.base + "@" + dg }

// KeyOf returns the manifest digest of a reference to this repository:
// oci://REGISTRY/REPOSITORY@sha256:… or REGISTRY/REPOSITORY@sha256:….
func (r *Registry) KeyOf(ref string) string {
	ref = strings.TrimPrefix(ref, "oci://")
	rest, ok := strings.CutPrefix(ref, r.name+"@")
	if !ok {
		return ""
	}
	dg, _, _ := strings.Cut(rest, "@")
	if godigest.Digest(dg).Validate() != nil {
		return ""
	}
	return dg
}

// modelTag is the tag of a model's manifest: the model and its bytes'
// digest, so the same bytes are pushed once and found again.
func modelTag(model, dg string) string {
	return model + "." + strings.TrimPrefix(dg, "sha256:")
}

// PutModel pushes the model as an artifact (ArtifactTypeModel) annotated
// with its provenance, tagged <model>.<hex>, and returns it addressed by
// its manifest's digest. When the tag exists, the artifact it names is
// returned if it holds the same bytes; a tag naming other bytes is an
// error, never overwritten.
func (r *Registry) PutModel(ctx context.Context, prov Provenance, path string) (*Artifact, error) {
	m, err := openModel(path)
	if err != nil {
		return nil, err
	}
	defer m.close()
	tag := modelTag(prov.Model, m.digest)
	mt := MediaTypeModelFile
	if m.dir {
		mt = MediaTypeModelTar
	}
	layer := ocispec.Descriptor{MediaType: mt, Digest: godigest.Digest(m.digest), Size: m.size,
		Annotations: map[string]string{ocispec.AnnotationTitle: m.name}}
	if desc, err := r.repo.Resolve(ctx, tag); err == nil {
		man, err := r.manifest(ctx, desc)
		if err != nil {
			return nil, err
		}
		if len(man.Layers) != 1 || man.Layers[0].Digest != layer.Digest {
			return nil, fault.Infra(fmt.Errorf("artifact registry %s: tag %s exists with a different digest (%s): it was not written by ctgit for these bytes; delete or rename it", r.name, tag, desc.Digest))
		}
		return &Artifact{URI: r.base, Key: desc.Digest.String(), Digest: desc.Digest.String(), Size: m.size}, nil
	} else if !errors.Is(err, errdef.ErrNotFound) {
		return nil, r.infra("resolving "+tag, err)
	}
	if ok, err := r.repo.Exists(ctx, layer); err != nil {
		return nil, r.infra("checking the model blob", err)
	} else if !ok {
		if err := r.repo.Push(ctx, layer, m.f); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
			return nil, r.infra("pushing the model", err)
		}
	}
	// The config names the model and its bytes, so that concurrent pushes
	// of other models share no blob (see PutRecord).
	cfgBytes, err := json.Marshal(map[string]string{"model": prov.Model, "digest": m.digest})
	if err != nil {
		return nil, err
	}
	cfg := content.NewDescriptorFromBytes(MediaTypeModelConfig, cfgBytes)
	if err := r.repo.Push(ctx, cfg, bytes.NewReader(cfgBytes)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
		return nil, r.infra("pushing the model's config", err)
	}
	ann := map[string]string{
		AnnotationPipeline:      prov.Pipeline,
		AnnotationModel:         prov.Model,
		ocispec.AnnotationTitle: m.name,
	}
	if prov.RunID != "" {
		ann[AnnotationRun] = prov.RunID
	}
	if prov.SourceCommit != "" {
		ann[AnnotationSourceCommit] = prov.SourceCommit
		ann[ocispec.AnnotationRevision] = prov.SourceCommit
	}
	for role, dg := range prov.Data {
		ann[AnnotationDataPrefix+role] = dg
	}
	desc, err := oras.PackManifest(ctx, r.repo, oras.PackManifestVersion1_1, ArtifactTypeModel,
		oras.PackManifestOptions{Layers: []ocispec.Descriptor{layer}, ConfigDescriptor: &cfg, ManifestAnnotations: ann})
	if err != nil {
		return nil, r.infra("pushing the model's manifest", err)
	}
	if err := r.repo.Tag(ctx, desc, tag); err != nil {
		return nil, r.infra("tagging "+tag, err)
	}
	return &Artifact{URI: r.base, Key: desc.Digest.String(), Digest: desc.Digest.String(), Size: m.size}, nil
}

func (r *Registry) manifest(ctx context.Context, desc ocispec.Descriptor) (*ocispec.Manifest, error) {
	b, err := content.FetchAll(ctx, r.repo, desc)
	if err != nil {
		return nil, r.infra("reading manifest "+desc.Digest.String(), err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fault.Infra(fmt.Errorf("artifact registry %s: manifest %s: %w", r.name, desc.Digest, err))
	}
	return &m, nil
}

// Fetch pulls the model artifact whose manifest digest is key into dst,
// verifying the manifest's and the model's digests.
func (r *Registry) Fetch(ctx context.Context, key, wantDigest, dst string) error {
	if wantDigest != "" && wantDigest != key {
		return fmt.Errorf("%s: recorded %s", r.Reference(key), wantDigest)
	}
	desc, err := r.repo.Resolve(ctx, key)
	if err != nil {
		return r.infra("resolving "+r.Reference(key), err)
	}
	man, err := r.manifest(ctx, desc)
	if err != nil {
		return err
	}
	if man.ArtifactType != ArtifactTypeModel || len(man.Layers) != 1 {
		return fault.Infra(fmt.Errorf("%s is not a ctgit model (artifactType %q)", r.Reference(key), man.ArtifactType))
	}
	rc, err := r.repo.Fetch(ctx, man.Layers[0])
	if err != nil {
		return r.infra("pulling "+r.Reference(key), err)
	}
	defer rc.Close()
	vr := content.NewVerifyReader(rc, man.Layers[0])
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, vr)
	if err == nil {
		err = vr.Verify()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return fault.Infra(fmt.Errorf("pulling %s: %w", r.Reference(key), err))
	}
	return nil
}

// Exists reports whether the artifact with manifest digest key is in the
// repository.
func (r *Registry) Exists(ctx context.Context, key string) (bool, error) {
	_, err := r.repo.Resolve(ctx, key)
	if errors.Is(err, errdef.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, r.infra("resolving "+r.Reference(key), err)
	}
	return true, nil
}

// RecordsRepository is where a pipeline's run records live:
// REPOSITORY/runs/<pipeline>, one tag per run (the run's ID). Its tag list
// is the pipeline's history, whatever else the registry holds, and each
// run writes its own tag, so concurrent writers never race.
func RecordsRepository(name, pipeline string) string { return name + "/runs/" + pipeline }

// runs returns the repository of a pipeline's records.
func (r *Registry) runs(pipeline string) *remote.Repository {
	r.mu.Lock()
	defer r.mu.Unlock()
	if repo, ok := r.runRepos[pipeline]; ok {
		return repo
	}
	repo := &remote.Repository{Client: r.repo.Client, PlainHTTP: r.repo.PlainHTTP,
		Reference: registry.Reference{Registry: r.repo.Reference.Registry, Repository: r.repo.Reference.Repository + "/runs/" + pipeline}}
	if r.runRepos == nil {
		r.runRepos = map[string]*remote.Repository{}
	}
	r.runRepos[pipeline] = repo
	return repo
}

// SyncRecords has nothing to do: a registry acknowledges a push once it
// holds it.
func (r *Registry) SyncRecords(context.Context) error { return nil }

// PutRecord pushes the run record as an artifact (ArtifactTypeRun) tagged
// with its ID in RecordsRepository. A tag that exists is never replaced.
func (r *Registry) PutRecord(ctx context.Context, rec *record.Run) (string, error) {
	b, err := record.Marshal(rec)
	if err != nil {
		return "", err
	}
	repo := r.runs(rec.Pipeline)
	where := "oci://" + repo.Reference.Registry + "/" + repo.Reference.Repository + ":" + rec.ID
	if _, err := repo.Resolve(ctx, rec.ID); err == nil {
		return "", fault.Infra(fmt.Errorf("artifact registry %s: %s exists: run IDs are unique, so another writer used it", r.name, where))
	} else if !errors.Is(err, errdef.ErrNotFound) {
		return "", r.infra("resolving "+where, err)
	}
	blob := content.NewDescriptorFromBytes(MediaTypeRun, b)
	// Writers of one pipeline share its repository. Every blob of a
	// record is its own (the config names the run), since a registry
	// may answer one writer's manifest with "blob unknown" while another
	// writer's upload of a shared blob commits; a failed push is tried
	// again from the blobs, a bounded number of times.
	for attempt := 1; ; attempt++ {
		err := r.pushRecord(ctx, repo, blob, b, rec)
		if err == nil {
			return where, nil
		}
		if attempt == recordPushAttempts || ctx.Err() != nil {
			return "", r.infra("pushing run record "+where, err)
		}
		select {
		case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
		case <-ctx.Done():
			return "", r.infra("pushing run record "+where, ctx.Err())
		}
	}
}

// recordPushAttempts bounds how often a run record's push is tried.
const recordPushAttempts = 4

// MediaTypeModelConfig is the config of a model's manifest: the model and
// the digest of its bytes.
const MediaTypeModelConfig = "application/vnd.ctgit.model.config.v1+json"

// MediaTypeRunConfig is the config of a run record's manifest: the
// pipeline and the run, so that no two records share a blob.
const MediaTypeRunConfig = "application/vnd.ctgit.run.config.v1+json"

// pushRecord pushes a record's blob, its config and its manifest, tagged
// with the run's ID. Pushing the same record again is idempotent.
func (r *Registry) pushRecord(ctx context.Context, repo *remote.Repository, blob ocispec.Descriptor, b []byte, rec *record.Run) error {
	if err := repo.Push(ctx, blob, bytes.NewReader(b)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
		return err
	}
	cfgBytes, err := json.Marshal(map[string]string{"pipeline": rec.Pipeline, "run": rec.ID})
	if err != nil {
		return err
	}
	cfg := content.NewDescriptorFromBytes(MediaTypeRunConfig, cfgBytes)
	if err := repo.Push(ctx, cfg, bytes.NewReader(cfgBytes)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
		return err
	}
	desc, err := r.packRecord(ctx, repo, blob, cfg, rec)
	if err != nil {
		return err
	}
	return repo.Tag(ctx, desc, rec.ID)
}

func (r *Registry) packRecord(ctx context.Context, repo *remote.Repository, blob, cfg ocispec.Descriptor, rec *record.Run) (ocispec.Descriptor, error) {
	return oras.PackManifest(ctx, repo, oras.PackManifestVersion1_1, ArtifactTypeRun, oras.PackManifestOptions{
		Layers:           []ocispec.Descriptor{blob},
		ConfigDescriptor: &cfg,
		ManifestAnnotations: map[string]string{
			ocispec.AnnotationCreated: rec.StartedAt.UTC().Format(time.RFC3339Nano),
			AnnotationPipeline:        rec.Pipeline,
			AnnotationModel:           rec.Model,
			AnnotationRun:             rec.ID,
		},
	})
}

// recordTags lists a pipeline's records: the tags of its repository,
// none when the repository does not exist yet.
func (r *Registry) recordTags(ctx context.Context, pipeline string) ([]string, error) {
	var tags []string
	err := r.runs(pipeline).Tags(ctx, "", func(page []string) error {
		tags = append(tags, page...)
		return nil
	})
	var er *errcode.ErrorResponse
	if err != nil && !errors.Is(err, errdef.ErrNotFound) && !(errors.As(err, &er) && er.StatusCode == http.StatusNotFound) {
		return nil, r.infra("listing the run records of "+pipeline, err)
	}
	return tags, nil
}

// Records reads the pipeline's records, a few at a time.
func (r *Registry) Records(ctx context.Context, pipeline string) ([]*record.Run, error) {
	tags, err := r.recordTags(ctx, pipeline)
	if err != nil {
		return nil, err
	}
	recs := make([]*record.Run, len(tags))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, tag := range tags {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			recs[i] = record1(ctx, r.runs(pipeline), tag)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, fault.Infra(fmt.Errorf("reading run records: %w", ctx.Err()))
	}
	var out []*record.Run
	var unreadable []string
	for i := range recs {
		if recs[i] != nil {
			out = append(out, recs[i])
		} else {
			unreadable = append(unreadable, "oci://"+RecordsRepository(r.name, pipeline)+":"+tags[i])
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartedAt.Before(out[j].StartedAt) })
	if len(unreadable) > 0 {
		sort.Strings(unreadable)
		return out, &UnreadableError{Keys: unreadable}
	}
	return out, nil
}

// record1 reads the record tagged tag; nil when it cannot.
func record1(ctx context.Context, repo *remote.Repository, tag string) *record.Run {
	desc, rc, err := repo.FetchReference(ctx, tag)
	if err != nil {
		return nil
	}
	b, err := content.ReadAll(rc, desc)
	rc.Close()
	var man ocispec.Manifest
	if err != nil || json.Unmarshal(b, &man) != nil || man.ArtifactType != ArtifactTypeRun || len(man.Layers) != 1 {
		return nil
	}
	b, err = content.FetchAll(ctx, repo.Blobs(), man.Layers[0])
	var rec record.Run
	if err != nil || json.Unmarshal(b, &rec) != nil || rec.Kind != record.Kind {
		return nil
	}
	return &rec
}
