package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKillNineKillsTheStep kills `ctgit run` with SIGKILL while its
// training step runs, with a child in the step's process group and one in
// a session of its own: none of the three may outlive ctgit.
func TestKillNineKillsTheStep(t *testing.T) {
	root := t.TempDir()
	pids := filepath.Join(root, "pids")
	files := map[string]string{
		"pipelines/p.cue": `package pipelines

pipelines: p: {
	model: {name: "m", target: {file: "deploy/model.cue", path: "model.version"}}
	data: {reference: "data/ref.csv", current: "data/cur.csv"}
	checks: {columns: x: {type: "number"}, drift: {method: "ks"}}
	trigger: onDrift: false
	train: {image: "busybox", code: "train", command: ["sh", "train.sh"], timeout: "10m"}
	evaluate: gates: [{metric: "auc", min: 0.5}]
}
`,
		"deploy/model.cue": "model: version: \"1.0.0\"\n",
		"data/ref.csv":     "x\n1\n2\n3\n",
		"data/cur.csv":     "x\n1\n2\n3\n",
		"train/train.sh": `#!/bin/sh
trap '' TERM
sleep 300 &
echo $! >> ` + pids + `
setsid sleep 300 >/dev/null 2>&1 &
echo $! >> ` + pids + `
echo $$ >> ` + pids + `
while :; do sleep 1; done
`,
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o755)
	}
	cmd := exec.Command(os.Args[0], "--root", root, "run", "--executor", "local", "--promote", "none", "--quiet")
	cmd.Env = append(os.Environ(), "CTGIT_TEST_MAIN=1")
	cmd.Dir = root
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var procs []int
	for deadline := time.Now().Add(30 * time.Second); len(procs) < 3; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the step did not start its processes: %v", procs)
		}
		b, _ := os.ReadFile(pids)
		procs = procs[:0]
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				procs = append(procs, n)
			}
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var alive []int
		for _, p := range procs {
			if running(p) {
				alive = append(alive, p)
			}
		}
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range alive {
				syscall.Kill(p, syscall.SIGKILL)
			}
			t.Fatalf("processes %v of the step outlived ctgit's SIGKILL", alive)
		}
	}
}

// running reports whether process pid exists and is not a zombie.
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && len(s) > i+2 {
		return s[i+2] != 'Z'
	}
	return true
}
