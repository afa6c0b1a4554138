package exec

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/record"
)

// sliPipeline trains on refCSV against itself (no drift) unless an SLI
// of trigger.onSLIBreach breaches.
func sliPipeline() string {
	p := pipeline(`command: ["sh", "train.sh"]`, `
	slis: live_auc: {query: "avg(auc{model=\"{{model}}\"})", min: 0.8}
	trigger: onSLIBreach: ["live_auc"]`)
	return strings.Replace(p, "package pipelines\n", "package pipelines\n\nsettings: prometheus: url: \"http://127.0.0.1:1\"\n", 1)
}

// TestSLIBreachTrains: with no drift, a breach of an SLI of
// trigger.onSLIBreach trains (and the record keeps what was read); no
// breach keeps the model; SLIs that cannot be read stop the run before any
// step, as the trigger cannot be kept.
func TestSLIBreachTrains(t *testing.T) {
	reading := func(status string) func(context.Context, *config.Pipeline) ([]record.SLIReading, error) {
		return func(context.Context, *config.Pipeline) ([]record.SLIReading, error) {
			return []record.SLIReading{{Name: "live_auc", Version: "1.0.0", Status: status, Reason: "live_auc 0.7 < min 0.8"}}, nil
		}
	}
	for _, tc := range []struct {
		name    string
		read    func(context.Context, *config.Pipeline) ([]record.SLIReading, error)
		train   record.StepStatus
		outcome record.Outcome
		kind    fault.Kind
	}{
		{"breach", reading("breach"), record.StepSucceeded, record.OutcomePassed, fault.None},
		{"ok", reading("ok"), record.StepSkipped, record.OutcomeNoDrift, fault.None},
		{"unreadable", func(context.Context, *config.Pipeline) ([]record.SLIReading, error) {
			return nil, fault.Infra(errors.New("prometheus at http://127.0.0.1:1 does not answer"))
		}, record.StepSkipped, record.OutcomeFailed, fault.Infrastructure},
		{"no prometheus", nil, record.StepSkipped, record.OutcomeFailed, fault.BadInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRepo(t, sliPipeline(), map[string]string{"train/train.sh": okTrain, "data/cur.csv": refCSV})
			res := r.runReadingSLIs(runOpts{}, tc.read)
			rec := res.Records[0]
			if st := statusOf(rec, "train"); st.Status != tc.train || rec.Outcome != tc.outcome || fault.KindOf(res.Err) != tc.kind {
				t.Fatalf("train %s (%s), outcome %s %q, err %v: want train %s, outcome %s, %v", st.Status, st.Reason, rec.Outcome, rec.Reason, res.Err, tc.train, tc.outcome, tc.kind)
			}
			if tc.name == "breach" {
				if len(rec.SLIs) != 1 || rec.SLIs[0].Status != "breach" || !strings.Contains(statusOf(rec, "drift").Reason, "live_auc (live_auc 0.7 < min 0.8) breached on the deployed version") {
					t.Errorf("record SLIs %+v, drift reason %q", rec.SLIs, statusOf(rec, "drift").Reason)
				}
			}
			if tc.outcome == record.OutcomeFailed && statusOf(rec, "validate").Status != record.StepSkipped {
				t.Errorf("a step ran although the trigger could not be kept")
			}
		})
	}
}
