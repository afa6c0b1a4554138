// Command ctgit runs continuous-training pipelines declared in CUE, with Git
// as the control plane. See README.md.
package main

import (
	"os"

	// Holds the garbage collector off from package initialisation until
	// the process holds 32 MB: short commands end without collecting.
	_ "github.com/ctgit/ctgit/internal/startgc"
)

func main() { os.Exit(Main()) }
