package exec

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/record"
)

// partsPipeline trains on a directory of daily partitions, only when a
// day arrives.
func partsPipeline(extra string) string {
	p := pipeline(`command: ["sh", "train.sh"]`, `trigger: {onDrift: false, onDataArrival: true`+extra+`}`)
	return strings.Replace(p, `data: {reference: "data/ref.csv", current: "data/cur.csv"}`,
		`data: {reference: "data/ref.csv", current: {from: "data/events/", window: {partition: "dt", last: 2}}}`, 1)
}

// The data-arrival trigger, as a sequence: the first run trains; the same
// days again run nothing; a new day trains on the window that now ends
// with it; a day that arrives while a guardrail holds training is still
// new to the next run, which trains on it.
func TestDataArrivalSequence(t *testing.T) {
	day := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	r := newRepo(t, partsPipeline(`, minInterval: "3h"`), map[string]string{
		"train/train.sh":                  okTrain,
		"data/events/dt=2026-11-18/p.csv": driftedCSV,
		"data/events/dt=2026-11-19/p.csv": driftedCSV,
	})
	pr := &recordingPromoter{}
	// Promotion disabled: the candidate passes, but the data is not used
	// up: the next run promotes it.
	if rec := r.run(runOpts{now: day}).Records[0]; rec.Outcome != record.OutcomePassed {
		t.Fatalf("first try: %s", rec.Outcome)
	}
	rec := r.run(runOpts{now: day, promoter: pr}).Records[0]
	if rec.Arrival == nil || !strings.Contains(rec.Arrival.Detail, "first run") || rec.Outcome != record.OutcomePromoted {
		t.Fatalf("first run: arrival %+v, steps %v", rec.Arrival, statuses(rec))
	}
	if rec.Data.Current.Objects != 2 || len(rec.Data.Current.Manifest) != 2 || !strings.Contains(rec.Data.Current.Window, "2026-11-18 … 2026-11-19") {
		t.Fatalf("current data recorded as %+v", rec.Data.Current)
	}
	// The window's partition column differs between windows by design:
	// drift leaves it out, and says why.
	if rec.Drift == nil || !slices.ContainsFunc(rec.Drift.LeftOut, func(l drift.LeftOut) bool {
		return l.Name == "dt" && l.Reason == "the partition column of data.current.window"
	}) {
		t.Fatalf("drift left out %+v", rec.Drift)
	}

	res := r.run(runOpts{now: day.Add(2 * time.Hour), promoter: pr})
	rec = res.Records[0]
	if res.Err != nil || rec.Outcome != record.OutcomeNoNewData || !strings.Contains(rec.Reason, "no new data since run") {
		t.Fatalf("same data: err %v, outcome %s (%s)", res.Err, rec.Outcome, rec.Reason)
	}
	for _, s := range rec.Steps {
		if s.Status != record.StepSkipped {
			t.Fatalf("same data ran %s: %v", s.Name, statuses(rec))
		}
	}

	// A day arrives within minInterval: held, so not yet acted on.
	r.write("data/events/dt=2026-11-20/p.csv", driftedCSV+"101,z\n")
	rec = r.run(runOpts{now: day.Add(2*time.Hour + 10*time.Minute), promoter: pr}).Records[0]
	if rec.Outcome != record.OutcomeHeld || rec.Arrival == nil || rec.Arrival.Objects != 1 || !strings.Contains(rec.Arrival.Detail, "dt=2026-11-20") {
		t.Fatalf("new day while held: outcome %s, arrival %+v", rec.Outcome, rec.Arrival)
	}
	// Past the interval the same day is still new: it trains.
	rec = r.run(runOpts{now: day.Add(4 * time.Hour), promoter: pr}).Records[0]
	if rec.Steps[2].Status != record.StepSucceeded || rec.Arrival == nil || rec.Arrival.Objects != 1 {
		t.Fatalf("after the hold: steps %v, arrival %+v", statuses(rec), rec.Arrival)
	}
	if !strings.Contains(rec.Data.Current.Window, "2026-11-19 … 2026-11-20") {
		t.Fatalf("window %q should end with the new day", rec.Data.Current.Window)
	}
	// --force-train runs without new data, and says so.
	rec = r.run(runOpts{now: day.Add(6 * time.Hour), force: true, promoter: pr}).Records[0]
	if rec.Outcome == record.OutcomeNoNewData || !strings.Contains(rec.Arrival.Detail, "running anyway: --force-train") {
		t.Fatalf("force: outcome %s, arrival %+v", rec.Outcome, rec.Arrival)
	}
}

// A changed object (rewritten in place) is new data too.
func TestDataArrivalChangedObject(t *testing.T) {
	r := newRepo(t, partsPipeline(""), map[string]string{
		"train/train.sh":                  okTrain,
		"data/events/dt=2026-11-18/p.csv": driftedCSV,
	})
	day := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	pr := &recordingPromoter{}
	r.run(runOpts{now: day, promoter: pr})
	r.write("data/events/dt=2026-11-18/p.csv", driftedCSV+"102,y\n")
	rec := r.run(runOpts{now: day.Add(time.Hour), promoter: pr}).Records[0]
	if rec.Outcome == record.OutcomeNoNewData || rec.Arrival.Objects != 1 {
		t.Fatalf("changed object: outcome %s, arrival %+v", rec.Outcome, rec.Arrival)
	}
}

// data.reference.deployed, as a sequence: a first run compares with the
// first-run location; once its promotion is merged, the next run compares
// the new day with exactly the objects the deployed model was trained on.
func TestReferenceIsTheDeployedTrainingData(t *testing.T) {
	p := strings.Replace(partsPipeline(""), `data: {reference: "data/ref.csv", current: {from: "data/events/", window: {partition: "dt", last: 2}}}`,
		`data: {reference: {deployed: true, from: "data/ref.csv"}, current: {from: "data/events/", window: {partition: "dt", last: 1}}}`, 1)
	r := newRepo(t, p, map[string]string{
		"train/train.sh":                  okTrain,
		"data/events/dt=2026-11-18/p.csv": driftedCSV,
	})
	pr := &recordingPromoter{}
	res := r.run(runOpts{promoter: pr})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	first := res.Records[0]
	if first.Data.Reference.Path != "data/ref.csv" || !strings.Contains(first.Data.Reference.Note, "first run") {
		t.Fatalf("first run's reference: %+v", first.Data.Reference)
	}
	// Merge the promotion; a day arrives.
	r.write("deploy/model.cue", "model: {\n\tversion: \"1.1.0\"\n\tartifact: \"none\"\n}\n")
	r.write("data/events/dt=2026-11-19/p.csv", driftedCSV+"101,z\n")
	res = r.run(runOpts{promoter: pr})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	ref := res.Records[0].Data.Reference
	if ref.Path != "data/events/" || len(ref.Manifest) != 1 || ref.Manifest[0].Key != "dt=2026-11-18/p.csv" ||
		!strings.Contains(ref.Note, "what run "+first.ID+" trained version 1.1.0 on") {
		t.Fatalf("second run's reference: %+v", ref)
	}
	if cur := res.Records[0].Data.Current; len(cur.Manifest) != 1 || cur.Manifest[0].Key != "dt=2026-11-19/p.csv" {
		t.Fatalf("second run's current: %+v", cur)
	}
}

// Without a first-run location and with no record of the deployed model's
// training, there is nothing to compare with: bad input, nothing trained.
func TestReferenceDeployedWithoutRecordStops(t *testing.T) {
	p := strings.Replace(partsPipeline(""), `data: {reference: "data/ref.csv", current: {from: "data/events/", window: {partition: "dt", last: 2}}}`,
		`data: {reference: {deployed: true}, current: {from: "data/events/", window: {partition: "dt", last: 1}}}`, 1)
	r := newRepo(t, p, map[string]string{
		"train/train.sh":                  okTrain,
		"data/events/dt=2026-11-18/p.csv": driftedCSV,
	})
	res := r.run(runOpts{})
	if fault.KindOf(res.Err) != fault.BadInput || !strings.Contains(res.Err.Error(), "no run record in the artifact store promoted the deployed version 1.0.0") {
		t.Fatalf("err %v", res.Err)
	}
	// Found out before any step: none ran.
	for _, s := range res.Records[0].Steps {
		if s.Status != record.StepSkipped {
			t.Fatalf("%s %s", s.Name, s.Status)
		}
	}
}

// A dataset of many parts reaches the training step twice: as one CSV in
// CTGIT_CURRENT_FILE, and as its parts in their layout under
// CTGIT_CURRENT_DIR, for trainers that read a partitioned dataset.
func TestTrainingIsHandedTheParts(t *testing.T) {
	const train = `#!/bin/sh
set -e
test -f "$CTGIT_CURRENT_DIR/dt=2026-11-18/p.csv"
test -f "$CTGIT_CURRENT_DIR/dt=2026-11-19/p.csv"
test -z "$CTGIT_REFERENCE_DIR"
head -1 "$CTGIT_CURRENT_FILE" | grep -q ',dt$'
printf 'weights' > "$CTGIT_MODEL_PATH"
printf '{"auc": 0.9}' > "$CTGIT_METRICS_FILE"
`
	r := newRepo(t, partsPipeline(""), map[string]string{
		"train/train.sh":                  train,
		"data/events/dt=2026-11-18/p.csv": driftedCSV,
		"data/events/dt=2026-11-19/p.csv": driftedCSV,
	})
	rec := r.run(runOpts{}).Records[0]
	if rec.Steps[2].Status != record.StepSucceeded {
		t.Fatalf("train %s: %s", rec.Steps[2].Status, rec.Steps[2].Reason)
	}
}

// train.data: "parts" hands a dataset of many parts as its parts only:
// no CSV is assembled, and CTGIT_CURRENT_FILE is unset.
func TestTrainingHandedPartsOnly(t *testing.T) {
	const train = `#!/bin/sh
set -e
test -f "$CTGIT_CURRENT_DIR/dt=2026-11-19/p.csv"
test -z "$CTGIT_CURRENT_FILE"
test -f "$CTGIT_REFERENCE_FILE"
printf 'weights' > "$CTGIT_MODEL_PATH"
printf '{"auc": 0.9}' > "$CTGIT_METRICS_FILE"
`
	p := strings.Replace(partsPipeline(""), `command: ["sh", "train.sh"]`, `command: ["sh", "train.sh"]
		data: "parts"`, 1)
	r := newRepo(t, p, map[string]string{
		"train/train.sh":                  train,
		"data/events/dt=2026-11-19/p.csv": driftedCSV,
	})
	rec := r.run(runOpts{}).Records[0]
	if rec.Steps[2].Status != record.StepSucceeded {
		t.Fatalf("train %s: %s", rec.Steps[2].Status, rec.Steps[2].Reason)
	}
	if _, err := os.Stat(filepath.Join(r.root, ".ctgit", "cache", "data", "assembled")); !os.IsNotExist(err) {
		t.Fatalf("a CSV was assembled: %v", err)
	}
}

// Parts that disagree stop the first step that reads them, exit 2,
// naming the part and the line that declares the dataset.
func TestPartsThatDisagreeAreLocated(t *testing.T) {
	r := newRepo(t, partsPipeline(""), map[string]string{
		"train/train.sh":                  okTrain,
		"data/events/dt=2026-11-18/p.csv": driftedCSV,
		"data/events/dt=2026-11-19/p.csv": "x,other\n1,a\n",
	})
	res := r.run(runOpts{})
	if fault.KindOf(res.Err) != fault.BadInput {
		t.Fatalf("err %v", res.Err)
	}
	for _, want := range []string{"pipelines/p.cue:", "pipelines.p.data.current", "data/events/dt=2026-11-19/p.csv", "differ from those of data/events/dt=2026-11-18/p.csv"} {
		if !strings.Contains(res.Err.Error(), want) {
			t.Errorf("%q does not say %q", res.Err, want)
		}
	}
	if rec := res.Records[0]; rec.Steps[2].Status != record.StepSkipped {
		t.Errorf("train %s", rec.Steps[2].Status)
	}
}
