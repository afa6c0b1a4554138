package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/dataset"
	"github.com/ctgit/ctgit/internal/exec"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/forge"
	"github.com/ctgit/ctgit/internal/gitops"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/report"
)

// Flag names of ctgit plan's pull request comment.
const (
	flagComment = "comment"
	flagPR      = "pr"
)

func newPlanCmd(env environment) *cobra.Command {
	var (
		format, dir, since string
		forceTrain         bool
		comment            = commentFlags{env: env}
	)
	cmd := &cobra.Command{
		Use:   "plan [PIPELINE...]",
		Short: "Show what a run would do, and why",
		Long: `plan builds each pipeline's graph of steps (validate → drift → train →
evaluate → promote) and decides, against the step cache, whether each step
will run, is cached, depends on an earlier result, or is skipped, with the
reason. Nothing is executed, and nothing is written but the file-digest
memo, once the plan has succeeded, and (as by every command that loads the
pipelines) the load cache in the user's cache directory.

--changed-since REF plans only the pipelines whose definition, data, code or
trigger.paths changed between REF and the work tree.

--comment also posts the plan, as markdown, to a GitHub pull request: one
comment, found again by its hidden marker and updated in place on every
push. The pull request is --pr N, else the one of the pull_request event in
$GITHUB_EVENT_PATH; the token is --token-file, else $GITHUB_TOKEN (it needs
pull-requests: write); the repository is settings.github.repository, else
$GITHUB_REPOSITORY, else a github.com origin.`,
		Args: cobra.ArbitraryArgs, // pipeline names, checked against the configuration
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, report.FormatText, report.FormatJSON, report.FormatMarkdown); err != nil {
				return err
			}
			// The pull request and the token are found before the plan is
			// built: a comment that cannot be posted is refused first.
			if err := comment.check(); err != nil {
				return err
			}
			p, ws, err := buildPlan(cmd.Context(), dir, args, since, forceTrain)
			if err != nil {
				return err
			}
			planArrival(cmd.Context(), p, env, forceTrain)
			planBudget(cmd.Context(), p, env, forceTrain, time.Now())
			if err := report.Plan(cmd.OutOrStdout(), p, format); err != nil {
				return err
			}
			if comment.post {
				url, err := comment.postPlan(cmd, p)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "plan comment: %s\n", url)
			}
			// The one thing plan writes, and only once it has succeeded:
			// the memo only saves work, so failing to keep it is not
			// worth failing for.
			_ = ws.memo.Save()
			return nil
		},
	}
	f := cmd.Flags()
	addFormatFlag(cmd, &format, report.FormatText, report.FormatJSON, report.FormatMarkdown)
	f.StringVar(&dir, flagDir, "", "pipelines directory (default: the repository's pipelines/)")
	f.StringVar(&since, flagChangedSince, "", "plan only pipelines affected by changes since this Git revision")
	f.BoolVar(&forceTrain, flagForceTrain, false, "plan training even when no drift is found")
	f.BoolVar(&comment.post, flagComment, false, "also post the plan as the one ctgit comment of a GitHub pull request, updated in place")
	f.IntVar(&comment.pr, flagPR, 0, "pull request to comment on (default: from the pull_request event in $GITHUB_EVENT_PATH)")
	f.StringVar(&comment.tokenFile, flagTokenFile, "", "file holding the GitHub token (default: $GITHUB_TOKEN)")
	f.StringVar(&comment.githubURL, flagGitHubURL, "", "GitHub Enterprise URL (default: settings.github.url, else github.com)")
	return cmd
}

// commentFlags say where `ctgit plan --comment` posts the plan.
type commentFlags struct {
	// env is the process environment (GITHUB_EVENT_PATH, GITHUB_TOKEN,
	// GITHUB_REPOSITORY).
	env                  environment
	post                 bool
	pr                   int
	tokenFile, githubURL string

	// token is the GitHub token check read.
	token string
}

// check validates the comment flags and, with --comment, finds the pull
// request (--pr, else the event payload) and reads the token.
func (c *commentFlags) check() error {
	if !c.post {
		if c.pr != 0 || c.tokenFile != "" || c.githubURL != "" {
			return usagef("--%s, --%s and --%s only apply with --%s", flagPR, flagTokenFile, flagGitHubURL, flagComment)
		}
		return nil
	}
	if c.pr < 0 {
		return usagef("--%s %d: a pull request number is positive", flagPR, c.pr)
	}
	if c.pr == 0 {
		n, err := eventPullRequest(c.env.get("GITHUB_EVENT_PATH"))
		if err != nil {
			return err
		}
		c.pr = n
	}
	pf := promoteFlags{mode: "auto", tokenFile: c.tokenFile, githubURL: c.githubURL, env: c.env}
	token, err := pf.token()
	if err != nil {
		return err
	}
	if token == "" {
		return fault.Input(errors.New("--comment needs a GitHub token: set GITHUB_TOKEN or --token-file (the token needs pull-requests: write)"))
	}
	c.token = token
	return nil
}

// postPlan renders p as markdown and creates or updates the plan comment
// of the pull request that check found, returning the comment's URL.
func (c commentFlags) postPlan(cmd *cobra.Command, p *plan.Plan) (string, error) {
	number, token := c.pr, c.token
	gh := p.Settings.GitHub
	if gh == nil {
		gh = &config.GitHubSettings{}
	}
	owner, name, ok := forge.GitHubRepository(gh.Repository, c.env.get("GITHUB_REPOSITORY"), gitops.RemoteURL(p.Root, gitops.DefaultRemote(p.Root)))
	if !ok {
		return "", fault.Input(errors.New("--comment cannot tell the GitHub repository: set settings.github.repository or GITHUB_REPOSITORY, or use a github.com origin"))
	}
	url := c.githubURL
	if url == "" {
		url = gh.URL
	}
	g, err := forge.NewGitHub(forge.GitHubConfig{Owner: owner, Repo: name, Token: token, URL: url})
	if err != nil {
		return "", err
	}
	var body bytes.Buffer
	if err := report.Plan(&body, p, report.FormatMarkdown); err != nil {
		return "", err
	}
	return g.Comment(cmd.Context(), number, report.PlanCommentMarker, body.String())
}

// eventPullRequest reads the pull request number from a GitHub Actions
// event payload ($GITHUB_EVENT_PATH) of a pull_request or
// pull_request_target event.
func eventPullRequest(path string) (int, error) {
	if path == "" {
		return 0, fault.Input(fmt.Errorf("--comment needs the pull request: pass --%s N, or run on a pull_request event (GITHUB_EVENT_PATH is not set)", flagPR))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fault.Input(fmt.Errorf("reading the event payload (GITHUB_EVENT_PATH): %w", err))
	}
	var ev struct {
		PullRequest *struct {
			Number int `json:"number"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return 0, fault.Input(fmt.Errorf("event payload %s: %w", path, err))
	}
	if ev.PullRequest == nil || ev.PullRequest.Number <= 0 {
		return 0, fault.Input(fmt.Errorf("event payload %s holds no pull_request.number: --comment runs on pull_request events, or pass --%s N", path, flagPR))
	}
	return ev.PullRequest.Number, nil
}

// buildPlan loads the workspace and plans the named pipelines (all when
// none), restricted to those changed since a revision when since is set.
func buildPlan(ctx context.Context, dir string, names []string, since string, forceTrain bool) (*plan.Plan, *workspace, error) {
	ws, err := loadWorkspace(dir)
	if err != nil {
		return nil, nil, err
	}
	if ds := checkBaseBranch(ws.cfg); len(ds) > 0 {
		return nil, nil, ds
	}
	opt := plan.Options{
		Pipelines:  names,
		Commit:     gitops.HeadCommit(ws.root),
		Cache:      ws.cache,
		Memo:       ws.memo,
		ForceTrain: forceTrain,
		Context:    ctx,
		Data:       ws.data,
	}
	if since != "" {
		changed, err := gitops.ChangedFiles(ws.root, since)
		switch {
		case errors.Is(err, gitops.ErrNoBase):
			// A new branch: no earlier commit, so everything is new.
		case err != nil:
			return nil, nil, err
		default:
			opt.Changed, opt.ChangedSince = changed, since
		}
	}
	p, err := plan.Build(ws.cfg, opt)
	if err != nil {
		return nil, nil, err
	}
	// The digest memo is not saved here: the caller saves it once its
	// command has succeeded, so a refusal writes nothing.
	return p, ws, nil
}

// planArrival says, for each planned pipeline with trigger.onDataArrival,
// what the trigger would decide: it reads the run records from the
// artifact store. A plan is advice, so a store that cannot be read leaves
// the decision to the run, and the plan says why; the run decides anyway.
func planArrival(ctx context.Context, p *plan.Plan, env environment, forceTrain bool) {
	var store artifact.Store
	var openErr error
	for _, pp := range p.Pipelines {
		if !pp.Selected || pp.Pipeline == nil || !pp.Pipeline.Trigger.OnDataArrival {
			continue
		}
		var cur *dataset.Snapshot
		for _, s := range pp.Steps {
			for _, in := range s.Inputs {
				if in.Role == plan.RoleCurrentData && in.Snapshot() != nil {
					cur = in.Snapshot()
				}
			}
		}
		if cur == nil {
			continue
		}
		if store == nil && openErr == nil {
			store, openErr = openStore(ctx, p, env)
			if openErr == nil {
				defer store.Close()
			}
		}
		if openErr != nil {
			pp.Arrival = "decided when it runs: the run records cannot be read here (" + openErr.Error() + ")"
			continue
		}
		recs, err := store.Records(ctx, pp.Name)
		if err != nil {
			pp.Arrival = "decided when it runs: the run records cannot be read here (" + err.Error() + ")"
			continue
		}
		last, arrived := exec.Arrival(recs, cur)
		switch {
		case last == nil:
			pp.Arrival = "first run: no earlier run of this pipeline acted on its data"
		case len(arrived) > 0:
			pp.Arrival = fmt.Sprintf("%s since run %s", dataset.Summary(arrived, "arrived or changed"), last.ID)
		case forceTrain:
			pp.Arrival = fmt.Sprintf("no new data since run %s; runs anyway: --force-train", last.ID)
		default:
			pp.Arrival = fmt.Sprintf("no new data since run %s: nothing runs", last.ID)
			for _, s := range pp.Steps {
				s.Action, s.Reason = plan.ActionSkip, "no new data (trigger.onDataArrival)"
			}
		}
	}
}
