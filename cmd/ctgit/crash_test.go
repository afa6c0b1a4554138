package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/cache"
	"github.com/ctgit/ctgit/internal/digest"
)

// TestKillNineLeavesNoCorruptCache kills `ctgit run` with SIGKILL at random
// moments, 20 times, each time on new data so that every step runs again.
// After each kill no cache entry may be unreadable or point at outputs that
// differ from what it recorded, and a rerun must succeed.
func TestKillNineLeavesNoCorruptCache(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ctgit 40 times")
	}
	root := t.TempDir()
	files := map[string]string{
		"pipelines/p.cue": `package pipelines

pipelines: p: {
	model: {name: "m", target: {file: "deploy/model.cue", path: "model.version"}}
	data: {reference: "data/ref.csv", current: "data/cur.csv"}
	checks: {columns: x: {type: "number"}, drift: {method: "ks"}}
	trigger: onDrift: false
	train: {image: "busybox", code: "train", command: ["sh", "train.sh"]}
	evaluate: gates: [{metric: "auc", min: 0.5}]
}
`,
		"deploy/model.cue": "model: version: \"1.0.0\"\n",
		"data/ref.csv":     "x\n1\n2\n3\n",
		"data/cur.csv":     "x\n1\n2\n3\n",
		// Writes its outputs slowly, so kills land while files are half done.
		"train/train.sh": `#!/bin/sh
i=0
while [ $i -lt 20 ]; do echo "chunk $i" >> "$CTGIT_MODEL_PATH"; sleep 0.01; i=$((i+1)); done
echo '{"auc": 0.9}' > "$CTGIT_METRICS_FILE"
`,
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o755)
	}
	ctgit := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "--root", root, "run", "--executor", "local", "--promote", "none", "--quiet")
		cmd.Env = append(os.Environ(), "CTGIT_TEST_MAIN=1")
		cmd.Dir = root
		return cmd
	}
	rnd := rand.New(rand.NewSource(1))
	for trial := 0; trial < 20; trial++ {
		f, _ := os.OpenFile(filepath.Join(root, "data", "cur.csv"), os.O_APPEND|os.O_WRONLY, 0)
		fmt.Fprintf(f, "%d\n", trial+4)
		f.Close()

		cmd := ctgit()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rnd.Intn(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		checkCache(t, filepath.Join(root, ".ctgit", "cache"))
	}
	out, err := ctgit().CombinedOutput()
	if err != nil {
		t.Fatalf("rerun after the kills: %v\n%s", err, out)
	}
	checkCache(t, filepath.Join(root, ".ctgit", "cache"))
	// And a second rerun executes nothing.
	cmd := exec.Command(os.Args[0], "--root", root, "plan")
	cmd.Env = append(os.Environ(), "CTGIT_TEST_MAIN=1")
	out, err = cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "0 to run") {
		t.Fatalf("plan after rerun: %v\n%s", err, out)
	}
}

// checkCache reads every entry the way a run would and checks it.
func checkCache(t *testing.T, dir string) {
	t.Helper()
	entries, _ := filepath.Glob(filepath.Join(dir, "entries", "*.json"))
	store := cache.Open(dir)
	for _, path := range entries {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var e cache.Entry
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("corrupt cache entry %s: %v\n%s", path, err, b)
		}
		got, ok := store.Get(e.Key)
		if !ok {
			t.Fatalf("entry %s is not readable as a cache hit", path)
		}
		if got.Outputs != "" {
			if _, err := store.OutputsDir(got, digest.NewMemo()); err != nil {
				t.Fatalf("entry %s: %v", path, err)
			}
		}
	}
}
