// Command ctgit runs continuous-training pipelines declared in CUE, with Git
// as the control plane. See README.md.
package main

import "os"

func main() { os.Exit(Main()) }
