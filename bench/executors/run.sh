#!/usr/bin/env bash
# `ctgit run` on the quickstart with the local and the Dagger executor:
# cold (new data, so drift and training really run), cached by ctgit's step
# cache (a rerun), and, for Dagger, answered by the engine's cache (ctgit's
# cache removed). Median of REPEAT runs each, same machine, same script.
# Needs a running engine: test/dagger/start.sh, then . /tmp/ctgit-dagger/env.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
ctgit=${CTGIT:-$here/bin/ctgit}
repeat=${REPEAT:-3}
[ -n "${_EXPERIMENTAL_DAGGER_RUNNER_HOST:-}" ] || { echo "no engine: source /tmp/ctgit-dagger/env" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

declare -A results
for ex in local dagger; do
  for i in $(seq "$repeat"); do
    repo=$work/$ex-$i
    cp -r "$here/examples/quickstart" "$repo"
    rm -rf "$repo/.ctgit"
    sed -i "s|\"python:3.12-slim\"|\"rootfs:$CTGIT_DAGGER_PYTHON_ROOTFS\"|" "$repo/pipelines/fraud.cue"
    # A new row makes this run's data (and so every step's key) new.
    echo "$RANDOM.5,$RANDOM,3,US,web,0" >>"$repo/data/current.csv"
    (cd "$repo" && git init -q -b main && git add -A && git -c user.name=b -c user.email=b@b commit -qm b)
    run=("$ctgit" --root "$repo" run --executor "$ex" --promote none)
    results[$ex-cold]+="$(ms "${run[@]}") "
    results[$ex-cached]+="$(ms "${run[@]}") "
    if [ "$ex" = dagger ]; then
      rm -rf "$repo/.ctgit/cache"
      results[$ex-engine]+="$(ms "${run[@]}") "
    fi
  done
done
echo "quickstart, ctgit run, milliseconds (median of $repeat)"
for k in local-cold local-cached dagger-cold dagger-cached dagger-engine; do
  vals=${results[$k]}
  printf '%-14s %s  median %s\n' "$k" "$vals" "$(printf '%s\n' $vals | median)"
done
