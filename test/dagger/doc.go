// Package daggertest proves that the Dagger engine CI builds and starts with
// the scripts beside this file (setup.sh, start.sh, stop.sh) serves what
// ctgit's Dagger executor relies on: containers from local root filesystems,
// stdout, cached re-execution, *dagger.ExecError for failing steps and secrets
// kept out of outputs. Its tests run only when CTGIT_DAGGER_TEST=1 and the env
// file written by start.sh has been sourced; elsewhere they skip and say why.
//
// The engine's own build lives in the separate module under tools/, so that
// nothing of the engine enters the main module's dependency graph.
package daggertest
