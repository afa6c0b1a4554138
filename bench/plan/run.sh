#!/usr/bin/env bash
# `ctgit plan` on N generated pipelines next to `cue export` of the same files
# (with ctgit's schema placed in the package, so both evaluate the same CUE),
# median of REPEAT runs each, same machine, same script.
#
#   N=100 REPEAT=5 bench/plan/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
n=${N:-100}
repeat=${REPEAT:-5}
ctgit=${CTGIT:-$here/bin/ctgit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building cue (tools/go.mod) ..."
(cd "$here" && go build -modfile=tools/go.mod -o "$work/cue" cuelang.org/go/cmd/cue)

python3 "$here/bench/plan/gen.py" "$work/repo" "$n"
mkdir -p "$work/export/pipelines"
cp "$work/repo/pipelines/"*.cue "$work/export/pipelines/"
sed 's/^package schema$/package pipelines/' "$here/schema/pipeline.cue" >"$work/export/pipelines/schema.cue"

# time_ms CMD...: wall milliseconds of one run, output discarded.
time_ms() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 ))
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

cold=() warm=() cue=()
for i in $(seq "$repeat"); do
  rm -rf "$work/repo/.ctgit"
  cold+=("$(cd "$work/repo" && time_ms "$ctgit" plan)")
  warm+=("$(cd "$work/repo" && time_ms "$ctgit" plan)")
  cue+=("$(cd "$work/export" && time_ms "$work/cue" export ./pipelines)")
done
mc=$(printf '%s\n' "${cold[@]}" | median)
mw=$(printf '%s\n' "${warm[@]}" | median)
mx=$(printf '%s\n' "${cue[@]}" | median)
echo
echo "pipelines: $n, runs: $repeat (milliseconds)"
echo "ctgit plan, cold digest memo: ${cold[*]}  median $mc"
echo "ctgit plan, warm digest memo: ${warm[*]}  median $mw"
echo "cue export of the same files: ${cue[*]}  median $mx"
awk -v c="$mc" -v w="$mw" -v x="$mx" 'BEGIN { printf "ratio ctgit plan / cue export: cold %.2f, warm %.2f\n", c/x, w/x }'
