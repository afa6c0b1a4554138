package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Every command's help has an Example section, and every ctgit command line
// in it names flags that command has: an example cannot outlive a renamed
// flag.
func TestEveryCommandHasExamples(t *testing.T) {
	root := newRootCmd(environment{})
	var walk func(*cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		n++
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%q has no Example section", c.CommandPath())
		}
		checkExampleFlags(t, root, c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	// The tree includes cobra's help and completion commands.
	for _, path := range [][]string{{"help"}, {"completion", "bash"}, {"cache", "prune"}, {"monitor", "rules"}} {
		if c, _, err := root.Find(path); err != nil || c.Name() != path[len(path)-1] {
			t.Errorf("no command %v in the tree walked", path)
		}
	}
	if n < 20 {
		t.Errorf("walked %d commands; the tree should have at least 20", n)
	}
}

// checkExampleFlags checks the ctgit command lines of c's examples: each
// --flag must be one the command it runs knows.
func checkExampleFlags(t *testing.T, root, c *cobra.Command) {
	t.Helper()
	for _, line := range strings.Split(c.Example, "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, part := range strings.Split(line, "&&") {
			words := strings.Fields(part)
			if len(words) == 0 || words[0] != "ctgit" {
				continue
			}
			var path, flags []string
			for _, w := range words[1:] {
				switch {
				case strings.HasPrefix(w, "--"):
					name, _, _ := strings.Cut(strings.TrimPrefix(w, "--"), "=")
					flags = append(flags, name)
				case w == ">" || w == "|" || w == "<":
				default:
					path = append(path, w)
				}
			}
			cmd, _, err := root.Find(path)
			if err != nil {
				t.Errorf("%s example %q: %v", c.CommandPath(), strings.TrimSpace(part), err)
				continue
			}
			for _, f := range flags {
				if cmd.Flags().Lookup(f) == nil && cmd.InheritedFlags().Lookup(f) == nil && root.PersistentFlags().Lookup(f) == nil {
					t.Errorf("%s example %q: %s has no flag --%s", c.CommandPath(), strings.TrimSpace(part), cmd.CommandPath(), f)
				}
			}
		}
	}
}
