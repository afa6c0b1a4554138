package main

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ctgit/ctgit/internal/promtest"
	"github.com/ctgit/ctgit/internal/s3test"
	"github.com/ctgit/ctgit/internal/sli"
)

// repoDir is the root of this repository, found from this file's place.
func repoDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// scriptSetup prepares the environment every script starts from: git
// identity for scripts that commit, no inherited GitHub Actions context, and
// where the repository's examples are.
func scriptSetup(env *testscript.Env) error {
	env.Setenv("GIT_AUTHOR_NAME", "Test")
	env.Setenv("GIT_AUTHOR_EMAIL", "test@example.com")
	env.Setenv("GIT_COMMITTER_NAME", "Test")
	env.Setenv("GIT_COMMITTER_EMAIL", "test@example.com")
	env.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(env.WorkDir, ".gitconfig-none"))
	env.Setenv("GITHUB_ACTIONS", "")
	// The project's own CI sets CI=true; a script that exercises CI mode
	// says so itself.
	env.Setenv("CI", "")
	env.Setenv("GITHUB_TOKEN", "")
	env.Setenv("EXAMPLES", filepath.Join(repoDir(), "examples"))
	return nil
}

// scriptCmds are the commands scripts may use beyond testscript's own.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// example NAME [DIR]: copy examples/NAME (without local state) into
	// DIR, default the current directory.
	"example": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 1 || len(args) > 2 {
			ts.Fatalf("usage: example NAME [DIR]")
		}
		src := filepath.Join(repoDir(), "examples", args[0])
		dst := ts.MkAbs(".")
		if len(args) == 2 {
			dst = ts.MkAbs(args[1])
		}
		ts.Check(copyTree(src, dst))
	},
	// widecsv FILE ROWS SEED SPEC...: write a CSV file of ROWS generated
	// rows, one column per SPEC: NAME is normal(100, 10), NAME*F the same
	// scaled by F (a shifted feature), NAME:bin 0 or 1, NAME:ts a label
	// timestamp.
	"widecsv": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 4 {
			ts.Fatalf("usage: widecsv FILE ROWS SEED SPEC...")
		}
		rows, err := strconv.Atoi(args[1])
		ts.Check(err)
		seed, err := strconv.ParseUint(args[2], 10, 64)
		ts.Check(err)
		path := ts.MkAbs(args[0])
		ts.Check(os.MkdirAll(filepath.Dir(path), 0o755))
		ts.Check(os.WriteFile(path, wideCSV(rows, seed, args[3:]), 0o644))
	},
	// s3server: start a real S3 server (versitygw, see internal/s3test)
	// for the rest of the script, and set the AWS_* variables by which
	// ctgit reaches it as its root user. S3_UNUSED_ENDPOINT is a loopback
	// address where nothing listens. Skips the script when versitygw is not
	// installed: guard it with [!versitygw] skip.
	"s3server": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 0 {
			ts.Fatalf("usage: s3server")
		}
		bin, err := s3test.Find()
		ts.Check(err)
		dir := ts.MkAbs(".s3server")
		ts.Check(os.Mkdir(dir, 0o755))
		srv, err := s3test.Start(bin, dir)
		ts.Check(err)
		ts.Defer(func() { s3servers.Delete(ts); srv.Stop() })
		for _, kv := range srv.Env() {
			k, v, _ := strings.Cut(kv, "=")
			ts.Setenv(k, v)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		ts.Setenv("S3_UNUSED_ENDPOINT", "http://"+l.Addr().String())
		l.Close()
		s3servers.Store(ts, srv)
	},
	// prometheus: start a real Prometheus on a free loopback port,
	// scraping an exporter the script moves with metric; PROMETHEUS_URL
	// is its address.
	"prometheus": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 0 {
			ts.Fatalf("usage: prometheus")
		}
		bin, err := promtest.Find()
		ts.Check(err)
		exp := promtest.StartExporter()
		dir := ts.MkAbs(".prometheus")
		ts.Check(os.Mkdir(dir, 0o755))
		srv, err := promtest.Start(bin, dir, exp, promtest.Options{})
		ts.Check(err)
		ts.Defer(func() { exporters.Delete(ts); srv.Stop(); exp.Close() })
		ts.Setenv("PROMETHEUS_URL", srv.URL)
		exporters.Store(ts, exp)
	},
	// metric NAME LABEL=VALUE,... VALUE: set a gauge of the script's
	// exporter; promwait waits until Prometheus has scraped the value.
	"metric": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 3 {
			ts.Fatalf("usage: metric NAME LABEL=VALUE,... VALUE")
		}
		exp, ok := exporters.Load(ts)
		if !ok {
			ts.Fatalf("no prometheus started in this script")
		}
		labels := map[string]string{}
		for _, kv := range strings.Split(args[1], ",") {
			k, v, _ := strings.Cut(kv, "=")
			labels[k] = v
		}
		v, err := strconv.ParseFloat(args[2], 64)
		ts.Check(err)
		exp.(*promtest.Exporter).Set(args[0], labels, v)
	},
	// promwait QUERY VALUE: wait (10 s at most) until QUERY returns VALUE
	// on the script's Prometheus.
	"promwait": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 2 {
			ts.Fatalf("usage: promwait QUERY VALUE")
		}
		want, err := strconv.ParseFloat(args[1], 64)
		ts.Check(err)
		c := &sli.Client{URL: ts.Getenv("PROMETHEUS_URL")}
		deadline := time.Now().Add(10 * time.Second)
		for {
			series, err := c.Query(context.Background(), args[0], time.Now())
			if err == nil && len(series) == 1 && len(series[0].Points) > 0 && series[0].Points[len(series[0].Points)-1].Value == want {
				return
			}
			if time.Now().After(deadline) {
				ts.Fatalf("%s did not reach %s within 10s (last: %v, %v)", args[0], args[1], series, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	},
	// s3mb BUCKET: create a bucket on the script's s3server.
	"s3mb": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: s3mb BUCKET")
		}
		_, err := scriptS3(ts).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(args[0])})
		ts.Check(err)
	},
	// s3put BUCKET KEY FILE: upload FILE as s3://BUCKET/KEY; when FILE is a
	// directory, upload every file under it as KEY/PATH.
	"s3put": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 3 {
			ts.Fatalf("usage: s3put BUCKET KEY FILE")
		}
		client, src := scriptS3(ts), ts.MkAbs(args[2])
		ts.Check(filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(src, path)
			key := args[1]
			if rel != "." {
				key = strings.TrimSuffix(key, "/") + "/" + filepath.ToSlash(rel)
			}
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(args[0]), Key: aws.String(key), Body: f}); err != nil {
				return fmt.Errorf("putting s3://%s/%s: %w", args[0], key, err)
			}
			return nil
		}))
	},
	// lakegen DIR FROM DAYS: write DAYS daily Parquet partitions from FROM
	// (YYYY-MM-DD) under DIR with the lakehouse example's generator.
	"lakegen": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 3 {
			ts.Fatalf("usage: lakegen DIR FROM DAYS")
		}
		// go run with this test's own environment (its HOME and build
		// cache), not the script's.
		cmd := exec.Command("go", "run", "./examples/lakehouse/gen", "-out", ts.MkAbs(args[0]), "-from", args[1], "-days", args[2])
		cmd.Dir = repoDir()
		out, err := cmd.CombinedOutput()
		if err != nil {
			ts.Fatalf("lakegen: %v\n%s", err, out)
		}
	},
}

// scriptCondition answers the conditions scripts may test beyond
// testscript's own: [versitygw] is whether a real S3 server can be started
// (s3server). Under CI a missing versitygw is an error, not a skip: the
// bucket scripts must not pass silently there.
func scriptCondition(cond string) (bool, error) {
	switch cond {
	case "versitygw":
		_, err := s3test.Find()
		if err != nil && testsInCI {
			return false, err
		}
		return err == nil, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// testsInCI is whether the tests run in CI; TestMain records it before it
// clears the variable for ctgit under test.
var testsInCI = os.Getenv("CI") != ""

// exporters holds the exporter of each script's prometheus.
var exporters sync.Map

// s3servers holds the server each script started with s3server
// (*testscript.TestScript → *s3test.Server); scripts run in parallel.
var s3servers sync.Map

func scriptS3(ts *testscript.TestScript) *s3.Client {
	srv, ok := s3servers.Load(ts)
	if !ok {
		ts.Fatalf("no s3server started in this script")
	}
	return srv.(*s3test.Server).Client()
}

func wideCSV(rows int, seed uint64, specs []string) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	var b strings.Builder
	for i, s := range specs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.FieldsFunc(s, func(r rune) bool { return r == '*' || r == ':' })[0])
	}
	b.WriteByte('\n')
	for range rows {
		for i, s := range specs {
			if i > 0 {
				b.WriteByte(',')
			}
			name, kind, _ := strings.Cut(s, ":")
			_, factor, scaled := strings.Cut(name, "*")
			switch {
			case kind == "bin":
				b.WriteString(strconv.Itoa(rng.IntN(2)))
			case kind == "ts":
				b.WriteString("2026-11-01T00:00:00Z")
			default:
				f := 1.0
				if scaled {
					f, _ = strconv.ParseFloat(factor, 64)
				}
				b.WriteString(strconv.FormatFloat(f*(100+10*rng.NormFloat64()), 'f', 2, 64))
			}
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && (d.Name() == ".ctgit" || d.Name() == "__pycache__") {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if strings.HasSuffix(path, ".pyc") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode().Perm())
	})
}
