// Package drift compares a reference and a current data set column by
// column and says whether, and where, their distributions drifted.
//
// The tests are defined as Evidently defines its stattests, with the numbers
// SciPy computes underneath: two-sample Kolmogorov–Smirnov ("ks"), Pearson's
// χ² ("chisquare"), normalised Wasserstein distance ("wasserstein"),
// Jensen–Shannon distance ("jensenshannon") and the population stability
// index ("psi"), plus "auto", which picks one per column. Beyond those, a
// change of a column's share of missing values is drift of its own.
//
// A policy may list several methods (MethodList): each tests the columns it
// fits — ks and wasserstein numerical ones, chisquare and jensenshannon
// categorical ones, psi and auto both — on values read once, and a column
// drifts when any of its tests says so. Its first result is its primary
// one, so that a report of one method reads as it always did.
//
// The package is pure: Compare takes two table.Tables and a Policy and
// returns a Report. CompareFiles and CompareInputs read the files through
// package table, a group of columns at a time under a memory budget.
package drift
