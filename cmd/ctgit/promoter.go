package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/forge"
	"github.com/ctgit/ctgit/internal/gitops"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/promote"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/report"
)

// Flag names of the promotion options shared by run, promote and rollback.
const (
	flagTokenFile = "token-file"
	flagGitHubURL = "github-url"
	flagReopen    = "reopen"
)

// promoteFlags configure how promotions are opened.
type promoteFlags struct {
	mode, tokenFile, githubURL string
	reopen                     bool

	// checked says check ran; tokenValue is the token it read.
	checked    bool
	tokenValue string
	// env is the process environment, for GITHUB_TOKEN and Actions links.
	env environment
}

// promoteModes are the values of --promote.
var promoteModes = []string{"auto", "local", "github", "none"}

func (f *promoteFlags) add(cmd *cobra.Command, withMode bool, env environment) {
	f.env = env
	fl := cmd.Flags()
	if withMode {
		fl.StringVar(&f.mode, flagPromote, "auto", "how to promote a passing candidate: "+strings.Join(promoteModes, ", "))
	} else {
		f.mode = "auto"
	}
	fl.StringVar(&f.tokenFile, flagTokenFile, "", "file holding the GitHub token (default: $GITHUB_TOKEN)")
	fl.StringVar(&f.githubURL, flagGitHubURL, "", "GitHub Enterprise URL (default: settings.github.url, else github.com)")
	fl.BoolVar(&f.reopen, flagReopen, false, "reopen a promotion pull request a human closed")
}

// check validates the promotion flags and reads the token (--token-file,
// else $GITHUB_TOKEN). Commands call it before they open the workspace, so
// a bad flag or a missing token file is refused before anything is written.
func (f *promoteFlags) check() error {
	if f.checked {
		return nil
	}
	if err := checkEnum(flagPromote, f.mode, promoteModes...); err != nil {
		return err
	}
	if err := checkHTTPURL(flagGitHubURL, f.githubURL, "https://github.example.com"); err != nil {
		return err
	}
	f.tokenValue = f.env.get("GITHUB_TOKEN")
	if f.tokenFile != "" {
		b, err := readFlagFile(flagTokenFile, f.tokenFile)
		if err != nil {
			return err
		}
		if f.tokenValue = strings.TrimSpace(string(b)); f.tokenValue == "" {
			return usagef("--%s %s is empty: it should hold the GitHub token", flagTokenFile, f.tokenFile)
		}
	}
	f.checked = true
	return nil
}

// token returns the GitHub token that check read.
func (f *promoteFlags) token() (string, error) {
	if err := f.check(); err != nil {
		return "", err
	}
	return f.tokenValue, nil
}

// newPromoter builds the promoter a command uses, or nil for --promote
// none, and says where promotions go.
func (f *promoteFlags) newPromoter(p *plan.Plan, store artifact.Store, dryRun bool, note io.Writer) (*promote.Promoter, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if f.mode == "none" {
		return nil, nil
	}
	root := p.Root
	// A promotion commits on a branch of this repository. Without one it
	// would fail only after training, even when settings.baseBranch spares
	// BaseBranch from opening the repository.
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		return nil, fault.Input(fmt.Errorf("promotion needs a Git repository at %s, and there is none (no .git); run inside a work tree, or pass --%s none", root, flagPromote))
	}
	remote := gitops.DefaultRemote(root)
	base, err := gitops.BaseBranch(root, p.Settings.BaseBranch, remote)
	if err != nil {
		return nil, err
	}
	token, err := f.token()
	if err != nil {
		return nil, err
	}
	mode := f.mode
	if mode == "auto" {
		mode = p.Settings.Forge
	}
	var gh *config.GitHubSettings
	if p.Settings.GitHub != nil {
		gh = p.Settings.GitHub
	} else {
		gh = &config.GitHubSettings{}
	}
	owner, name, haveRepo := forge.GitHubRepository(gh.Repository, f.env.get("GITHUB_REPOSITORY"), gitops.RemoteURL(root, remote))
	if mode == "auto" {
		mode = "local"
		if token != "" && haveRepo {
			mode = "github"
		}
	}
	pr := &promote.Promoter{
		Root:   root,
		Remote: remote,
		Base:   base,
		Token:  token,
		Bot:    gitops.Identity{Name: p.Settings.Bot.Name, Email: p.Settings.Bot.Email},
		Links:  report.LinksFromEnv(f.env.get),
		Reopen: f.reopen,
		DryRun: dryRun,
		Store:  store,
	}
	if store != nil {
		pr.History = func(ctx context.Context, pipeline string) []*record.Run {
			recs, _ := store.Records(ctx, pipeline)
			return recs
		}
	}
	switch mode {
	case "github":
		if token == "" {
			return nil, fault.Input(fmt.Errorf("promoting through GitHub needs a token: set GITHUB_TOKEN or --token-file (the token needs contents: write and pull-requests: write)"))
		}
		if !haveRepo {
			return nil, fault.Input(fmt.Errorf("cannot tell the GitHub repository: set settings.github.repository or GITHUB_REPOSITORY, or use a github.com origin"))
		}
		url := f.githubURL
		if url == "" {
			url = gh.URL
		}
		g, err := forge.NewGitHub(forge.GitHubConfig{Owner: owner, Repo: name, Token: token, URL: url})
		if err != nil {
			return nil, err
		}
		pr.Forge = g
		fmt.Fprintf(note, "promotion: pull requests on GitHub %s/%s into %s\n", owner, name, base)
	default:
		pr.Forge = forge.Local{Root: root, Remote: remote}
		where := "kept in this repository"
		if remote != "" {
			where = "pushed to " + remote
		}
		fmt.Fprintf(note, "promotion: local forge (no GitHub token): branches %s, pull requests written to .ctgit/prs/, base %s\n", where, base)
	}
	return pr, nil
}
