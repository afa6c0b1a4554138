// Package testproc starts the servers tests run (an S3 gateway, a GCS or
// Azure emulator, a registry) so that they cannot outlive the test
// process: one killed by `go test -timeout` takes its servers with it.
package testproc

import "os/exec"

// Tied makes cmd's process die with the process that starts it, where the
// system allows (Linux: a parent-death signal); elsewhere the test's own
// cleanup is all there is.
func Tied(cmd *exec.Cmd) { tie(cmd) }
