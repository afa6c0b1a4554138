// Package plan turns a config.Config into a Plan: what ctgit would do.
//
// A Plan holds, per pipeline, a DAG of steps (validate, drift, train,
// evaluate, promote). Each step has a content key — the digest of its
// definition, its inputs' identities, its image and its upstream steps'
// keys — and an Action (run, cached, conditional, skip) that the key implies
// against the step cache, with a reason a human can read. A Plan is plain
// data: it is printed, serialised to JSON and diffed, and executors consume
// it without re-reading CUE. Which pipelines a Plan selects is decided here
// too: by name, by the files changed since a revision (which internal/gitops
// lists), or by schedule.
package plan
