package exec

import (
	"context"
	"fmt"

	"github.com/ctgit/ctgit/internal/dataset"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
)

// actedOn reports whether a run decided something on its data: it
// validated, compared and trained or kept the model. A run held by a
// guardrail, failed, interrupted or skipped for want of new data did not:
// the data it saw is still new to the trigger, so a day that arrived while
// training was held (labels lagging, too soon) is trained on later. Nor
// did a run whose candidate passed with promotion disabled (--promote
// none, a try on a laptop): the next run promotes it, from the step cache.
func actedOn(o record.Outcome) bool {
	switch o {
	case record.OutcomeHeld, record.OutcomeFailed, record.OutcomeCanceled, record.OutcomeNoNewData, record.OutcomePassed, "":
		return false
	}
	return true
}

// dataArrival is trigger.onDataArrival: the pipeline runs only when
// objects of its current data arrived or changed since the last run that
// acted on its data, compared object by object with that run's manifest.
// It returns why nothing runs ("" to run), and records what arrived.
// --force-train runs regardless, and says so.
func (r *pipelineRun) dataArrival(ctx context.Context) (skip string, err error) {
	if !r.pp.Pipeline.Trigger.OnDataArrival {
		return "", nil
	}
	cur, err := r.dataSnapshot(ctx, plan.RoleCurrentData)
	if err != nil {
		return "", err
	}
	recs, err := r.records(ctx)
	if err != nil {
		return "", fmt.Errorf("trigger.onDataArrival cannot see the last run: %w", err)
	}
	last, arrived := Arrival(recs, cur)
	if last == nil {
		r.rec.Arrival = &record.Arrival{Objects: len(cur.Objects), Detail: "first run: no earlier run of this pipeline acted on its data"}
		return "", nil
	}
	if len(arrived) == 0 {
		why := fmt.Sprintf("no new data since run %s: the current data (%s) is what that run read", last.ID, plural(len(cur.Objects), "object"))
		if !r.opt.ForceTrain {
			r.rec.Arrival = &record.Arrival{Since: last.ID, Detail: why}
			return why, nil
		}
		r.rec.Arrival = &record.Arrival{Since: last.ID, Detail: why + "; running anyway: --force-train"}
		return "", nil
	}
	r.rec.Arrival = &record.Arrival{Since: last.ID, Objects: len(arrived), Detail: fmt.Sprintf("%s since run %s", dataset.Summary(arrived, "arrived or changed"), last.ID)}
	return "", nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Arrival is what trigger.onDataArrival compares: the last of recs that
// acted on its data (nil when none did), and the objects of the current
// data cur that arrived or changed since.
func Arrival(recs []*record.Run, cur *dataset.Snapshot) (last *record.Run, arrived []dataset.Object) {
	for _, rec := range recs {
		if !actedOn(rec.Outcome) || rec.Data.Current.Digest == "" {
			continue
		}
		if last == nil || rec.StartedAt.After(last.StartedAt) {
			last = rec
		}
	}
	switch {
	case last == nil:
		return nil, cur.Objects
	case len(last.Data.Current.Manifest) > 0:
		return last, dataset.Arrived(&dataset.Snapshot{Objects: last.Data.Current.Manifest}, cur)
	case last.Data.Current.Digest != cur.Digest:
		return last, cur.Objects
	}
	return last, nil
}
