package exec

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/record"
)

// A pipeline whose current data is a presigned https URL: the run reads
// it through a real HTTP file server (its ETag is the identity), and the
// signature in the query appears nowhere ctgit writes or prints: not in
// the record, its manifest, nor the reasons.
func TestHTTPSDataSignatureNeverRecorded(t *testing.T) {
	const secret = "X-Amz-Signature=0123456789abcdef"
	var gets int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Query().Get("X-Amz-Signature") != "0123456789abcdef" {
			http.Error(w, "signature required", http.StatusForbidden)
			return
		}
		if req.Method == http.MethodGet {
			gets++
		}
		w.Header().Set("ETag", `"v1"`)
		http.ServeContent(w, req, "cur.csv", fixedTime, strings.NewReader(driftedCSV))
	}))
	defer srv.Close()
	loc := srv.URL + "/exports/cur.csv?" + secret
	p := strings.Replace(pipeline(`command: ["sh", "train.sh"]`, ""), `current: "data/cur.csv"`, `current: "`+loc+`"`, 1)
	r := newRepo(t, p, map[string]string{"train/train.sh": okTrain})
	res := r.run(runOpts{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	rec := res.Records[0]
	if rec.Steps[2].Status != record.StepSucceeded || rec.Data.Current.Rows == 0 {
		t.Fatalf("steps %v, current %+v", statuses(rec), rec.Data.Current)
	}
	b, _ := json.Marshal(rec)
	if strings.Contains(string(b), "0123456789abcdef") {
		t.Fatalf("the signature is in the record: %s", b)
	}
	if !strings.Contains(rec.Data.Current.Path, "/exports/cur.csv?…") {
		t.Fatalf("current path %q", rec.Data.Current.Path)
	}
	// The local copy of the record too; and a second run downloads
	// nothing: the object is in the cache by its ETag.
	filepath.Walk(filepath.Join(r.root, ".ctgit", "runs"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), "0123456789abcdef") {
				t.Errorf("the signature is in %s", p)
			}
		}
		return nil
	})
	before := gets
	if res := r.run(runOpts{}); res.Err != nil {
		t.Fatal(res.Err)
	}
	if gets != before {
		t.Errorf("a second run downloaded the unchanged file again (%d GETs)", gets-before)
	}
}

var fixedTime = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
