// Package distconsts holds the paths and names that the Dagger engine v0.19.7
// compiles in for the place it is installed. The Go module proxy does not serve
// github.com/dagger/dagger/engine/distconsts at any version, so ctgit's test
// tools module provides this package under that path (through a replace
// directive) with values that match how test/dagger/setup.sh installs the
// engine on a plain Linux host: runc and dagger-init under /usr/local/bin, no
// engine container, no registry.
package distconsts

const (
	// RuncPath is the OCI runtime the engine's worker executes containers with.
	// setup.sh links Debian's runc here.
	RuncPath = "/usr/local/bin/runc"

	// DaggerInitPath is the init process the engine bind-mounts into every
	// container it runs. setup.sh installs the built cmd/init here.
	DaggerInitPath = "/usr/local/bin/dagger-init"

	// EngineDefaultStateDir is the state directory used when the engine is
	// started without --root. start.sh always passes --root.
	EngineDefaultStateDir = "/var/lib/dagger"

	// EngineContainerBuiltinContentDir is an OCI content store of SDK images
	// that the engine image normally ships. setup.sh creates it empty: ctgit
	// uses only the core API, never the built-in module SDKs.
	EngineContainerBuiltinContentDir = "/usr/local/share/dagger/content"

	// EngineCustomCACertsDir is where extra CA certificates are picked up from;
	// when it has entries the engine runs update-ca-certificates, which is why
	// start.sh gives the engine a private copy of /etc/ssl.
	EngineCustomCACertsDir = "/usr/local/share/ca-certificates"

	// DefaultEngineSockAddr is the socket the engine always listens on besides
	// --addr. start.sh runs the engine with a private tmpfs on /run.
	DefaultEngineSockAddr = "unix:///run/dagger/engine.sock"

	// EngineContainerName names the engine container for the container://
	// runner host scheme, which is not used here.
	EngineContainerName = "dagger-engine.dev"

	// OCIVersionAnnotation is the image annotation the CLI reads an engine
	// image's version from.
	OCIVersionAnnotation = "org.opencontainers.image.version"

	// GoSDKManifestDigestEnvName names the variable holding the digest of the
	// built-in Go SDK image in EngineContainerBuiltinContentDir.
	GoSDKManifestDigestEnvName = "DAGGER_GO_SDK_MANIFEST_DIGEST"

	// PythonSDKManifestDigestEnvName names the variable holding the digest of
	// the built-in Python SDK image.
	PythonSDKManifestDigestEnvName = "DAGGER_PYTHON_SDK_MANIFEST_DIGEST"

	// TypescriptSDKManifestDigestEnvName names the variable holding the digest
	// of the built-in TypeScript SDK image.
	TypescriptSDKManifestDigestEnvName = "DAGGER_TYPESCRIPT_SDK_MANIFEST_DIGEST"

	// AlpineVersion is the Alpine release of the default terminal image. Images
	// come from a registry, which these test machines do not have.
	AlpineVersion = "3.22.1"

	// AlpineImage is the default image of Container.terminal.
	AlpineImage = "alpine:" + AlpineVersion

	// BusyboxImage is used by the engine's own integration tests only.
	BusyboxImage = "busybox:1.37.0"

	// GolangImage is used by the engine's own integration tests only.
	GolangImage = "golang:1.25-alpine"
)
