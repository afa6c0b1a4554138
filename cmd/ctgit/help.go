package main

import (
	"github.com/spf13/cobra"
)

// commandExamples are the Example sections of the commands whose own file
// does not set one, by command path: every command's help shows how it is
// called (TestEveryCommandHasExamples walks the tree, and checks that each
// example's flags exist).
var commandExamples = map[string]string{
	"ctgit": `  ctgit init && ctgit vet && ctgit plan
  ctgit run --changed-since origin/main
  ctgit help run`,
	"ctgit vet": `  ctgit vet
  ctgit vet examples/quickstart/pipelines --format json`,
	"ctgit plan": `  ctgit plan
  ctgit plan fraud --force-train --format markdown
  ctgit plan --changed-since origin/main --comment   # in a pull_request workflow`,
	"ctgit run": `  ctgit run
  ctgit run fraud --executor local --promote local
  ctgit run --changed-since HEAD~1 --format json
  ctgit run --trigger schedule --quiet               # in a scheduled workflow`,
	"ctgit drift": `  ctgit drift --reference data/reference.csv --current data/current.csv
  ctgit drift --reference s3://lake/ref/ --current s3://lake/cur/ --method ks,psi --format json
  ctgit drift --reference ref.parquet --current cur.parquet --fail-on-drift`,
	"ctgit status": `  ctgit status
  ctgit status fraud-detector --format json`,
	"ctgit report": `  ctgit report .ctgit/runs/fraud/$RUN_ID.json
  ctgit report .ctgit/runs/fraud/$RUN_ID.json --format markdown --history .ctgit/runs/fraud`,
	"ctgit monitor": `  ctgit monitor rules --output deploy/prometheus/ctgit-rules.yml`,
	"ctgit schema":  `  ctgit schema > schema.cue`,
	"ctgit help": `  ctgit help
  ctgit help promote`,
	"ctgit completion": `  source <(ctgit completion bash)
  ctgit completion zsh > "${fpath[1]}/_ctgit"`,
	"ctgit completion bash": `  source <(ctgit completion bash)
  ctgit completion bash > /etc/bash_completion.d/ctgit`,
	"ctgit completion zsh":        `  ctgit completion zsh > "${fpath[1]}/_ctgit"`,
	"ctgit completion fish":       `  ctgit completion fish > ~/.config/fish/completions/ctgit.fish`,
	"ctgit completion powershell": `  ctgit completion powershell | Out-String | Invoke-Expression`,
}

// addExamples adds cobra's own help and completion commands now, rather
// than when the command line is executed, so that they are part of the
// tree the help shows and tests walk (help saying which arguments it
// takes, as every command does), and sets the examples of commandExamples
// on the commands that have none.
func addExamples(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "help" && c.Args == nil {
			// help [COMMAND...]: an unknown topic is help's to explain.
			c.Args = cobra.ArbitraryArgs
		}
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Example == "" {
			c.Example = commandExamples[c.CommandPath()]
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
