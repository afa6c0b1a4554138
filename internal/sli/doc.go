// Package sli reads production service level indicators from Prometheus
// and turns them into the decisions of the loop after a merge: whether a
// deployed model breaches (retrain, roll back) and whether a canary may be
// promoted to the next channel.
//
// A Client speaks Prometheus' HTTP API. An SLI is a PromQL template
// ({{model}}, {{version}}, {{channel}}, {{stable_version}},
// {{stable_channel}}; see Render) that yields one number, with bounds.
// Check judges it at an instant or over a For window; Analyze measures it
// repeatedly for canary analysis. Errors are classified for internal/fault:
// a query Prometheus refuses, a template that cannot render and a query
// returning several series are bad input; an unreachable, refusing or
// failing server is infrastructure.
//
// # Canary analysis and Argo Rollouts
//
// Analyze follows the metric semantics of Argo Rollouts' AnalysisTemplate
// (analysis/analysis.go in argoproj/argo-rollouts): Count measurements
// Interval apart; a measurement is Successful, Failed, Inconclusive or
// Error; the analysis is Failed once failed > failureLimit, Inconclusive
// once inconclusive > inconclusiveLimit, Error once consecutive errors >
// consecutiveErrorLimit (default 4), each checked after every measurement
// so that it stops early; errored measurements do not count towards Count;
// when Count is reached within the limits it is Successful. Where ctgit
// differs, and why:
//
//   - No data is an Inconclusive measurement. Argo's Prometheus provider
//     hands an empty vector to the success condition, which then errors
//     (result[0]) or, as Argo's docs suggest for sparse metrics
//     (len(result) == 0 || …), passes. A canary without traffic or without
//     delayed labels has shown nothing; it must never pass, and it is not
//     the provider failing either.
//   - A pass needs at least one successful measurement: with limits as
//     large as Count, Argo passes a run of only failed or inconclusive
//     measurements; ctgit ends it Failed (any failed) or Inconclusive.
//   - Bounds (Min, Max, Compare) take the place of successCondition and
//     failureCondition, so Inconclusive arises only from no data, never
//     from a value between two conditions.
//   - Bad input stops the analysis at once with Error: a query Prometheus
//     refuses, a template that cannot render, several series. Argo retries
//     these as errors up to consecutiveErrorLimit; asking again cannot fix
//     them, and waiting intervals to say so wastes a promotion's time.
//   - One series or a scalar is required. Argo gives conditions the whole
//     vector to index; an SLI that silently judged result[0] of several
//     series would judge an arbitrary one.
//   - Compare (canary − stable) is built in, with the query rendered for
//     each side, where Argo leaves it to the query (M9's canary delta is a
//     first-class number in ctgit's reports).
//   - Count is at least 1 (no indefinite background analysis: ctgit runs
//     from a workflow and every wait is bounded); there is no initialDelay,
//     dryRun or measurementRetention: the caller schedules, and keeps every
//     measurement as evidence.
//   - Measurements are instant queries; an SLI's For applies to Check
//     (retraining, rollback) only.
//
// # Windows
//
// With For, Check evaluates the range [now−For, now] at Step (For/20 by
// default: 21 samples). The window is covered when every step has a value
// (on both sides in a comparison; NaN counts as none). It breaches only
// when it is covered and every value breaches, like a Prometheus alert
// whose for has elapsed; a breach at now that does not hold for the whole
// window is Pending; no value at now is NoData, whatever came before.
package sli
