package main

import (
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Cobra's own checks of required flags and flag groups return errors that
// carry no exit code (exit 3, not 2), and a command without Args accepts
// any arguments silently. Every command validates in its RunE instead, and
// says what arguments it takes.
func TestCommandsValidateThemselves(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && c.Args == nil {
			t.Errorf("%s: no Args: say which arguments it takes (usageArgs, or cobra.ArbitraryArgs checked in RunE)", c.CommandPath())
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			for a := range f.Annotations {
				switch a {
				case cobra.BashCompOneRequiredFlag, "cobra_annotation_required_if_others_set",
					"cobra_annotation_one_required", "cobra_annotation_mutually_exclusive":
					t.Errorf("%s --%s: cobra's %s check exits 3; check it in RunE with usagef", c.CommandPath(), f.Name, a)
				}
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(osEnvironment()))
}
