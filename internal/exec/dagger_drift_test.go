package exec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/fault"
)

func TestStaticFallback(t *testing.T) {
	for _, c := range []struct {
		goos, goarch, platform string
		ok                     bool
	}{
		{"linux", "amd64", "linux/amd64", true},
		{"linux", "arm64", "linux/arm64/v8", true},
		{"linux", "amd64", "linux/arm64", false},
		{"darwin", "arm64", "linux/arm64", false},
	} {
		err := staticFallback(c.goos, c.goarch, c.platform)
		if (err == nil) != c.ok || (err != nil && !strings.Contains(err.Error(), "--drift-image")) {
			t.Errorf("%s/%s on %s: %v", c.goos, c.goarch, c.platform, err)
		}
	}
}

// TestDaggerDriftImage runs the quickstart's drift step in a ctgit image
// (here a root filesystem holding the static binary on its PATH, as the
// release image has it) with no binary to upload: the same report as the
// local executor's, and the executor says the image ran it.
func TestDaggerDriftImage(t *testing.T) {
	_, python := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	image := t.TempDir()
	b, err := os.ReadFile(staticCtgit(t))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(image, "usr", "local", "bin"), 0o755)
	os.MkdirAll(filepath.Join(image, "tmp"), 0o1777)
	if err := os.WriteFile(filepath.Join(image, "usr", "local", "bin", "ctgit"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := NewDagger(ctx, DaggerOptions{CtgitBinary: "/nonexistent", DriftImage: "rootfs:" + image, RunnerHost: os.Getenv(RunnerHostEnv)})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	inImage := quickstart(t, python).runWith(ctx, d, nil)
	if inImage.Err != nil {
		t.Fatalf("dagger run: %v", inImage.Err)
	}
	local := quickstart(t, python).runWith(ctx, &Local{}, nil)
	if local.Err != nil {
		t.Fatalf("local run: %v", local.Err)
	}
	if diff := cmp.Diff(local.Records[0].Drift, inImage.Records[0].Drift, sameDriftButProfile); diff != "" {
		t.Errorf("drift report differs (-local +image):\n%s", diff)
	}
	if len(d.drift.ran) != 1 {
		t.Fatalf("%d drift reports noted", len(d.drift.ran))
	}
	for rep := range d.drift.ran {
		if ran, ok := d.DriftRan(rep); !ok || ran.Image != "rootfs:"+image || ran.Program != "" {
			t.Errorf("DriftRan = %+v, %v", ran, ok)
		}
	}
}

// TestDaggerDriftImagePullFails names a drift image that cannot be
// pulled: an infrastructure failure naming it.
func TestDaggerDriftImagePullFails(t *testing.T) {
	_, python := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, err := NewDagger(ctx, DaggerOptions{DriftImage: "127.0.0.1:1/ctgit/ctgit:" + nonce(), RunnerHost: os.Getenv(RunnerHostEnv)})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	res := quickstart(t, python).runWith(ctx, d, nil)
	if fault.KindOf(res.Err) != fault.Infrastructure || !strings.Contains(res.Err.Error(), "pulling image 127.0.0.1:1/ctgit/ctgit") {
		t.Fatalf("run: %v (kind %s)", res.Err, fault.KindOf(res.Err))
	}
}

// sameDriftButProfile compares drift reports of the two executors apart
// from the reference profile, which only the local executor keeps (the
// Dagger executor's drift step reads the reference every run).
var sameDriftButProfile = cmpopts.IgnoreFields(drift.Report{}, "ReferenceProfile")
