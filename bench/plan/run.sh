#!/usr/bin/env bash
# `ctgit plan` on N generated pipelines next to `cue export` of the same files
# (with ctgit's schema placed in the package, so both evaluate the same CUE),
# and a no-op `ctgit run` (every step cached) next to `ctgit plan`; median of
# REPEAT runs each, taking turns, same machine, same script. N is a list.
#
#   N="100 1000" REPEAT=5 bench/plan/run.sh
#
# cold: no digest memo (.ctgit/) and no load cache (ctgit's evaluation of an
# unchanged pipelines directory, kept under $XDG_CACHE_HOME/ctgit/config,
# here a directory of the script's own). warm: both kept from the run
# before.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
ns=${N:-100 1000}
repeat=${REPEAT:-5}
ctgit=${CTGIT:-$here/bin/ctgit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache

echo "building cue (tools/go.mod) ..."
(cd "$here" && go build -modfile=tools/go.mod -o "$work/cue" cuelang.org/go/cmd/cue)

# time_ms CMD...: wall milliseconds of one run, output discarded; on
# failure, its output and FAILED (which stops the script at the median).
time_ms() {
  local t0 t1
  t0=$(date +%s%N)
  if ! "$@" >"$work/out" 2>&1; then
    cat "$work/out" >&2
    echo FAILED
    return
  fi
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 ))
}
median() {
  sort -n | awk '/FAILED/ {bad=1} {a[NR]=$1} END {if (bad) exit 1; print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}
noop_run() { "$ctgit" run --executor local --promote none --quiet; }

summary=()
for n in $ns; do
  repo=$work/repo$n export=$work/export$n
  echo "generating $n pipelines ..."
  python3 "$here/bench/plan/gen.py" "$repo" "$n"
  (cd "$repo" && git init -q && git add -A && git -c user.name=bench -c user.email=bench@localhost commit -qm bench)
  mkdir -p "$export/pipelines"
  cp "$repo/pipelines/"*.cue "$export/pipelines/"
  sed 's/^package schema$/package pipelines/' "$here/schema/pipeline.cue" >"$export/pipelines/schema.cue"

  cold=() warm=() cue=()
  for _ in $(seq "$repeat"); do
    rm -rf "$repo/.ctgit" "$XDG_CACHE_HOME"
    cold+=("$(cd "$repo" && time_ms "$ctgit" plan)")
    warm+=("$(cd "$repo" && time_ms "$ctgit" plan)")
    cue+=("$(cd "$export" && time_ms "$work/cue" export ./pipelines)")
  done

  # The no-op run: one run fills the step cache (validate and drift run;
  # the generated data does not drift, so nothing trains), then runs and
  # plans take turns; both find every step cached.
  echo "first run of $n pipelines, filling the step cache ..."
  (cd "$repo" && noop_run >/dev/null 2>&1)
  plan=() run=()
  for _ in $(seq "$repeat"); do
    plan+=("$(cd "$repo" && time_ms "$ctgit" plan)")
    run+=("$(cd "$repo" && time_ms noop_run)")
  done
  ran=$(cd "$repo" && "$ctgit" run --executor local --promote none --format json 2>/dev/null | grep -o '"status": *"[a-z-]*"' | sort -u)
  if grep -qv '"cached"\|"skipped"' <<<"$ran"; then
    echo "a step was not cached, the run was not a no-op: ${ran//$'\n'/ }" >&2
    exit 1
  fi

  mc=$(printf '%s\n' "${cold[@]}" | median)
  mw=$(printf '%s\n' "${warm[@]}" | median)
  mx=$(printf '%s\n' "${cue[@]}" | median)
  mp=$(printf '%s\n' "${plan[@]}" | median)
  mr=$(printf '%s\n' "${run[@]}" | median)
  echo
  echo "pipelines: $n, runs: $repeat (milliseconds)"
  echo "ctgit plan, cold (no memo, no load cache): ${cold[*]}  median $mc"
  echo "ctgit plan, warm:                          ${warm[*]}  median $mw"
  echo "cue export of the same files:              ${cue[*]}  median $mx"
  echo "ctgit plan, after a run:                   ${plan[*]}  median $mp"
  echo "ctgit run, no-op (every step cached):      ${run[*]}  median $mr"
  summary+=("$(awk -v n="$n" -v c="$mc" -v w="$mw" -v x="$mx" -v p="$mp" -v r="$mr" 'BEGIN {
    printf "N=%-5d ctgit plan / cue export: cold %.2f, warm %.2f;  no-op ctgit run / ctgit plan: %.2f", n, c/x, w/x, r/p }')")
  rm -rf "$repo" "$export"
done
echo
printf '%s\n' "${summary[@]}"
