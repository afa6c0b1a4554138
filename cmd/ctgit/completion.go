package main

import (
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/config"
)

// Shell completion of the names ctgit's commands take, read from the
// repository's pipelines when the shell asks (cobra's `__complete`). The
// pipelines are loaded quietly: any error (no repository, a pipeline that
// does not vet) completes nothing, and file names are never offered in
// their place.

// nameCompletion says what a command's positional arguments name.
type nameCompletion struct {
	// models: model names (and pipeline names that are not also a model's);
	// else pipeline names.
	models bool
	// many: the command takes several names; each is offered once.
	many bool
}

// argCompletions are the commands whose arguments are pipeline or model
// names.
var argCompletions = map[string]nameCompletion{
	"plan":     {many: true},
	"run":      {many: true},
	"promote":  {},
	"rollback": {models: true},
	"status":   {models: true},
	"watch":    {models: true, many: true},
}

// channelCompletions are the commands whose --channel names a channel
// (promote.channels) of the pipeline or model in their first argument.
var channelCompletions = []string{"promote", "rollback"}

// addCompletions gives root's commands their dynamic completions.
func addCompletions(root *cobra.Command) {
	for _, cmd := range root.Commands() {
		if nc, ok := argCompletions[cmd.Name()]; ok {
			cmd.ValidArgsFunction = completeNames(nc)
		}
		if slices.Contains(channelCompletions, cmd.Name()) && cmd.Flags().Lookup(flagChannel) != nil {
			_ = cmd.RegisterFlagCompletionFunc(flagChannel, completeChannels)
		}
	}
}

// completionConfig loads the pipelines the command would, from its --dir
// and --root, or returns nil.
func completionConfig(cmd *cobra.Command) *config.Config {
	dir, _ := cmd.Flags().GetString(flagDir)
	ws, err := loadWorkspace(dir)
	if err != nil {
		return nil
	}
	return ws.cfg
}

func completeNames(nc nameCompletion) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if !nc.many && len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		cfg := completionConfig(cmd)
		if cfg == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		described := map[string]string{}
		for _, p := range cfg.Pipelines {
			if nc.models {
				described[p.Model.Name] = "model of pipeline " + p.Name
			} else {
				described[p.Name] = "pipeline of model " + p.Model.Name
			}
		}
		if nc.models {
			for _, p := range cfg.Pipelines {
				if _, ok := described[p.Name]; !ok {
					described[p.Name] = "pipeline of model " + p.Model.Name
				}
			}
		}
		var out []cobra.Completion
		for name, desc := range described {
			if strings.HasPrefix(name, toComplete) && !slices.Contains(args, name) {
				out = append(out, cobra.CompletionWithDesc(name, desc))
			}
		}
		sort.Strings(out)
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeChannels offers the channels of the pipeline (or model) named by
// the first argument.
func completeChannels(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	cfg := completionConfig(cmd)
	if cfg == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	pp := cfg.Pipeline(args[0])
	if pp == nil {
		pp = findModel(cfg, args[0])
	}
	if pp == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, c := range pp.Promote.Channels {
		if strings.HasPrefix(c.Name, toComplete) {
			out = append(out, cobra.CompletionWithDesc(c.Name, "target "+c.Target.File))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
