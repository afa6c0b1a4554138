package telemetry

import "strings"

// A training reports its metrics as a flat JSON object ({"auc": 0.91,
// "latency_ms": 3.2, "rows": 412}) that declares no units: the schema
// fixes the meaning of one key only, "rows" (the evaluation rows scored).
// So the unit is read from the key, by its last word after "_", and a
// key that names no unit is a dimensionless score. The rule, documented
// in the README:
//
//   - rows, or a key ending in _rows: ctgit_training_metric_rows;
//   - a key ending in a time unit: ctgit_training_metric_seconds, the
//     value converted to seconds;
//   - a key ending in _bytes: ctgit_training_metric_bytes;
//   - any other key (auc, accuracy, f1, loss, latencyMs):
//     ctgit_training_metric_score, as reported.
//
// The metric label keeps the key as the training wrote it, so a gate's
// ctgit_gate_failed{metric} names the same series.

// timeUnits are the last words of a key that name a time unit, with how
// many seconds (perSecond 1) or parts of a second (seconds 1) one is:
// dividing 3.2 ms by 1000 gives 0.0032 exactly, multiplying by 0.001 would
// not.
var timeUnits = map[string]struct{ seconds, perSecond float64 }{
	"seconds": {1, 1}, "ms": {1, 1e3}, "milliseconds": {1, 1e3}, "us": {1, 1e6}, "microseconds": {1, 1e6},
	"ns": {1, 1e9}, "nanoseconds": {1, 1e9}, "minutes": {60, 1}, "hours": {3600, 1},
}

// trainingValue is the metric a training metric's key goes to, and its
// value v in that metric's unit.
func trainingValue(key string, v float64) (metric, float64) {
	word := strings.ToLower(key[strings.LastIndexByte(key, '_')+1:])
	if u, ok := timeUnits[word]; ok {
		return trainingMetricSeconds, v * u.seconds / u.perSecond
	}
	switch word {
	case "rows":
		return trainingMetricRows, v
	case "bytes":
		return trainingMetricBytes, v
	}
	return trainingMetricScore, v
}
