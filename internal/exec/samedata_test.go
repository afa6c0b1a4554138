package exec

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/registrytest"
)

// scoringTrain scores the deployed model from $CTGIT_BASELINE_DIR on its
// evaluation rows when it is handed one. On the first data (11 lines) its
// candidate scores 0.9; on the next, 0.75: 0.15 below what the first run
// recorded, but only 0.05 below the deployed model on the same rows (0.8),
// so the relative gate (0.1) passes only on same-data metrics. A file
// "rows" beside it makes the deployed model's row count differ.
const scoringTrain = `#!/bin/sh
lines=$(wc -l < "$CTGIT_CURRENT_FILE")
printf 'weights %s' "$lines" > "$CTGIT_MODEL_PATH"
auc=0.75
[ "$lines" -eq 11 ] && auc=0.9
deployed="$CTGIT_BASELINE_DIR/model"
if [ -f "$deployed" ]; then
	grep -q weights "$deployed" || { echo "not the deployed model" >&2; exit 1; }
	rows=$(cat rows 2>/dev/null || echo 10)
	printf '{"auc": %s, "rows": 10, "baseline": {"auc": 0.8, "rows": %s}}' "$auc" "$rows" > "$CTGIT_METRICS_FILE"
else
	printf '{"auc": %s, "rows": 10}' "$auc" > "$CTGIT_METRICS_FILE"
fi
`

// merge writes what a promotion's pull request writes: the version and the
// artifact of c.
func (r *repo) merge(version string, c *record.Artifact) {
	r.write("deploy/model.cue", "model: {\n\tversion: \""+version+"\"\n\tartifact: \""+c.URI+"@"+c.Digest+"\"\n}\n")
}

// promoteThenMerge runs once, with a promotion, and merges it; then the
// current data changes, so that the next run trains again.
func promoteThenMerge(t *testing.T, files map[string]string) (*repo, *record.Artifact) {
	t.Helper()
	r := newRepo(t, gatedPipeline(""), map[string]string{"train/train.sh": scoringTrain,
		"deploy/model.cue": "model: {\n\tversion: \"\"\n\tartifact: \"none\"\n}\n"})
	for k, v := range files {
		r.write(k, v)
	}
	first := r.run(runOpts{promoter: &statusPromoter{status: record.PromotionOpened}})
	if first.Err != nil || first.Records[0].Outcome != record.OutcomePromoted {
		t.Fatalf("first run: %s %v", first.Records[0].Outcome, first.Err)
	}
	c := first.Records[0].Candidate
	r.merge("0.1.0", c)
	r.write("data/cur.csv", driftedCSV+"101,z\n")
	return r, c
}

func TestRelativeGateUsesTheDeployedModelOnTheSameRows(t *testing.T) {
	r, deployed := promoteThenMerge(t, nil)
	res := r.run(runOpts{promoter: &statusPromoter{status: record.PromotionOpened}})
	rec := res.Records[0]
	if res.Err != nil || rec.Outcome != record.OutcomePromoted {
		t.Fatalf("second run: %s %v; gates %+v", rec.Outcome, res.Err, rec.Gates)
	}
	g := rec.Gates[1]
	if g.BaselineSource != record.BaselineSameData || g.Baseline == nil || *g.Baseline != 0.8 || g.Rows != 10 || !g.Passed ||
		!strings.Contains(g.Reason, "auc dropped 0.05 from 0.8 on the same 10 rows") {
		t.Errorf("relative gate %+v", g)
	}
	if rec.Gates[0].BaselineSource != "" {
		t.Errorf("an absolute gate names a baseline source: %+v", rec.Gates[0])
	}
	want := &record.SameData{Digest: deployed.Digest, Rows: 10, Metrics: map[string]float64{"auc": 0.8}}
	if diff := cmp.Diff(want, rec.Baseline.SameData); diff != "" || rec.Baseline.Unscored != "" {
		t.Errorf("same data (-want +got):\n%s\nunscored %q", diff, rec.Baseline.Unscored)
	}
	// The candidate's recorded metrics do not mistake the deployed
	// model's for its own: the next run's recorded baseline is 0.75.
	if m := numericMetrics(rec.Training.Metrics); m["baseline.auc"] != 0 || m["auc"] != 0.75 {
		t.Errorf("recorded metrics %v", m)
	}
}

func TestSameDataOnOtherRowsIsRefused(t *testing.T) {
	r, _ := promoteThenMerge(t, nil)
	r.write("train/rows", "9")
	res := r.run(runOpts{})
	if fault.KindOf(res.Err) != fault.BadInput || !strings.Contains(res.Err.Error(), "scored on 9 rows (baseline.rows) and the candidate on 10 (rows): not the same rows") {
		t.Fatalf("err %v", res.Err)
	}
}

func TestDeployedArtifactMissingFromTheStoreFailsClosed(t *testing.T) {
	r, deployed := promoteThenMerge(t, nil)
	key := strings.TrimPrefix(deployed.URI, "file://")
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	res := r.run(runOpts{})
	rec := res.Records[0]
	if fault.KindOf(res.Err) != fault.Infrastructure || !strings.Contains(res.Err.Error(), "the deployed model m 0.1.0 (deploy/model.cue model.artifact") ||
		!strings.Contains(res.Err.Error(), "cannot be fetched from the artifact store") {
		t.Fatalf("err %v", res.Err)
	}
	if rec.Training != nil || rec.Candidate != nil {
		t.Errorf("training ran: %+v", rec.Training)
	}
}

func TestDeployedArtifactOutsideTheStoreFallsBackToRecordedMetrics(t *testing.T) {
	r, deployed := promoteThenMerge(t, nil)
	elsewhere := *deployed
	elsewhere.URI = "s3://another-bucket/models/m"
	r.merge("0.1.0", &elsewhere)
	res := r.run(runOpts{})
	rec := res.Records[0]
	g := rec.Gates[1]
	// Recorded: 0.9 on the first run's rows; the candidate's 0.75 drops
	// 0.15, more than allowed.
	if rec.Outcome != record.OutcomeGatesFailed || g.BaselineSource != record.BaselineRecorded || g.Passed || g.Rows != 0 {
		t.Fatalf("outcome %s, err %v, gate %+v", rec.Outcome, res.Err, g)
	}
	if rec.Baseline.SameData != nil || !strings.Contains(rec.Baseline.Unscored, "s3://another-bucket/models/m (deploy/model.cue model.artifact) is not in the artifact store") {
		t.Errorf("baseline %+v", rec.Baseline)
	}
}

func TestSameDataSection(t *testing.T) {
	for _, tc := range []struct {
		name, metrics, err string
		want               *record.SameData
	}{
		{name: "absent", metrics: `{"auc": 0.9, "rows": 10}`},
		{name: "same rows", metrics: `{"auc": 0.9, "rows": 10, "baseline": {"auc": 0.8, "loss": 0.3, "rows": 10}}`,
			want: &record.SameData{Rows: 10, Metrics: map[string]float64{"auc": 0.8, "loss": 0.3}}},
		{name: "not an object", metrics: `{"rows": 10, "baseline": 0.8}`, err: `"baseline" is float64: it must be an object`},
		{name: "no rows", metrics: `{"rows": 10, "baseline": {"auc": 0.8}}`, err: `m.json has no "baseline.rows"`},
		{name: "candidate without rows", metrics: `{"baseline": {"auc": 0.8, "rows": 10}}`, err: `m.json has no "rows": a "baseline" section is compared row for row`},
		{name: "fractional rows", metrics: `{"rows": 10, "baseline": {"rows": 9.5}}`, err: `"baseline.rows" is 9.5, not a number of rows`},
		{name: "other rows", metrics: `{"rows": 10, "baseline": {"rows": 11}}`, err: "not the same rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal([]byte(tc.metrics), &m); err != nil {
				t.Fatal(err)
			}
			got, err := sameDataSection(m, "m.json")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSameRowsThroughAnOCIRegistry is the same sequence with the models in a
// real OCI registry: the deployed model's reference in the target (the
// registry's repository and manifest digest) is fetched and handed to
// training.
func TestSameRowsThroughAnOCIRegistry(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	store := "oci://" + reg.Host + "/models"
	r := newRepo(t, gatedPipeline(""), map[string]string{"train/train.sh": scoringTrain,
		"deploy/model.cue": "model: {\n\tversion: \"\"\n\tartifact: \"none\"\n}\n"})
	first := r.run(runOpts{artifacts: store, promoter: &statusPromoter{status: record.PromotionOpened}})
	if first.Err != nil || first.Records[0].Outcome != record.OutcomePromoted {
		t.Fatalf("first run: %s %v", first.Records[0].Outcome, first.Err)
	}
	c := first.Records[0].Candidate
	if !strings.HasPrefix(c.URI, "oci://") {
		t.Fatalf("candidate %+v is not in the registry", c)
	}
	r.merge("0.1.0", c)
	r.write("data/cur.csv", driftedCSV+"101,z\n")
	res := r.run(runOpts{artifacts: store, promoter: &statusPromoter{status: record.PromotionOpened}})
	rec := res.Records[0]
	if res.Err != nil || rec.Baseline == nil || rec.Baseline.SameData == nil || rec.Baseline.SameData.Digest != c.Digest {
		t.Fatalf("second run: %v; baseline %+v", res.Err, rec.Baseline)
	}
	if g := rec.Gates[1]; g.BaselineSource != record.BaselineSameData {
		t.Errorf("relative gate %+v", g)
	}
}
