// Package actions holds the tests of ctgit's GitHub Actions surfaces: every
// workflow of the repository (.github/workflows, examples/workflows, and the
// one `ctgit init` writes) linted with actionlint as a library, and the
// composite action's metadata (action.yml) checked for structure, with its
// scripts run through shellcheck and its install script run against a fake
// release and a fake gh, for what it installs and what it refuses.
package actions
