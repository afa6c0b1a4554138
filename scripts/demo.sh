#!/usr/bin/env bash
# The quickstart end to end in a scratch repository with a local bare remote,
# as `make demo` runs it. Run it twice: the second time every step but
# promotion is cached (promotion re-checks the branch and pull request).
#
#   DEMO_DIR   where the scratch repository lives (default /tmp/ctgit-demo);
#              delete it, or set DEMO_FRESH=1, to start over.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
ctgit=${CTGIT:-$here/bin/ctgit}
demo=${DEMO_DIR:-/tmp/ctgit-demo}
repo=$demo/repo
remote=$demo/remote.git

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

if [[ "${DEMO_FRESH:-}" == 1 ]]; then rm -rf "$demo"; fi
if [[ ! -d $repo/.git ]]; then
  step "Creating a scratch repository from examples/quickstart in $repo"
  rm -rf "$demo"
  mkdir -p "$repo"
  cp -r "$here/examples/quickstart/." "$repo/"
  rm -rf "$repo/.ctgit"
  git init -q --bare -b main "$remote"
  (
    cd "$repo"
    git init -q -b main
    git config user.name "Demo User"
    git config user.email "demo@example.com"
    git add -A
    git commit -qm "Quickstart: fraud model pipeline"
    git remote add origin "$remote"
    git push -q origin main
  )
else
  step "Reusing the scratch repository in $repo (DEMO_FRESH=1 starts over)"
fi

cd "$repo"
step "ctgit vet: the pipelines against the schema and the repository"
"$ctgit" vet

step "ctgit plan: what a run would do, and why"
"$ctgit" plan

step "ctgit run: validate → drift → train → evaluate → promote (local executor, local forge)"
"$ctgit" run

step "The promotion: branch ctgit/fraud-detector, one commit, pushed to the bare remote"
git fetch -q origin
git --no-pager log --format='%h %s%n%n%b' -1 origin/ctgit/fraud-detector
git --no-pager diff main origin/ctgit/fraud-detector

step "Where to look"
cat <<TXT
  pull request (local forge):  $repo/.ctgit/prs/ctgit-fraud-detector.md
  run records:                 $repo/.ctgit/runs/fraud/
  model artifacts:             $repo/.ctgit/artifacts/models/fraud-detector/
  the diff:                    git -C $repo diff main origin/ctgit/fraud-detector
Run 'make demo' again: nothing has changed, so every step but promotion is cached.
Merge the promotion and run again: the candidate is already deployed, nothing is opened.
  git -C $repo merge -q origin/ctgit/fraud-detector && (cd $repo && $ctgit run)
TXT
