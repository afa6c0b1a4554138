#!/usr/bin/env bash
# Do steps that do not wait on each other run at once? A pipeline of two
# independent steps of one second each, plus a third that reads both, is
# run with --parallel 1 (one step at a time) and --parallel 2, alternating,
# with an empty step cache each time; the table shows the median wall time
# of each and the ratio. With the two steps side by side the run takes
# about one second less. Nothing asserts on time.
#
#   bench/graph/run.sh              # median of 5
#   REPEAT=9 SLEEP=2 bench/graph/run.sh
#
# Needs: go. Everything goes to a temporary directory removed afterwards.
set -euo pipefail
REPEAT=${REPEAT:-5}
SLEEP=${SLEEP:-1}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$root" && CGO_ENABLED=0 go build -o "$work/ctgit" ./cmd/ctgit)
repo=$work/repo
mkdir -p "$repo/pipelines" "$repo/deploy" "$repo/data" "$repo/steps"
printf 'x\n1\n2\n3\n' >"$repo/data/ref.csv"
printf 'x\n1\n2\n4\n' >"$repo/data/cur.csv"
printf 'package deploy\n\nmodel: version: "1.0.0"\n' >"$repo/deploy/model.cue"
cat >"$repo/steps/side.sh" <<SH
sleep $SLEEP
echo "\$CTGIT_STEP" > "\$CTGIT_OUTPUT_O"
SH
cat >"$repo/steps/join.sh" <<'SH'
cat "$CTGIT_INPUT_A" "$CTGIT_INPUT_B" > "$CTGIT_OUTPUT_O"
SH
cat >"$repo/pipelines/p.cue" <<'CUE'
package pipelines

pipelines: bench: {
	model: {name: "bench", target: {file: "deploy/model.cue", path: "model.version"}}
	data: {reference: "data/ref.csv", current: "data/cur.csv"}
	promote: {}
	steps: {
		a: {image: "busybox", code: "steps", command: ["sh", "side.sh"], outputs: o: "o"}
		b: {image: "busybox", code: "steps", command: ["sh", "side.sh"], outputs: o: "o"}
		join: {image: "busybox", code: "steps", command: ["sh", "join.sh"], inputs: {a: "a.o", b: "b.o"}, outputs: o: "o", wanted: true}
	}
}
CUE
(cd "$repo" && git init -q && git add -A && git -c user.name=b -c user.email=b@b commit -qm bench)

run() { # run PARALLEL → seconds
	rm -rf "$repo/.ctgit"
	local t0 t1
	t0=$(date +%s.%N)
	(cd "$repo" && "$work/ctgit" run --parallel "$1" --quiet >/dev/null)
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

: >"$work/p1"
: >"$work/p2"
for _ in $(seq "$REPEAT"); do
	run 1 >>"$work/p1"
	run 2 >>"$work/p2"
done
m1=$(median <"$work/p1")
m2=$(median <"$work/p2")
printf '%-28s %10s\n' "two ${SLEEP}s steps, then a join" "median s"
printf '%-28s %10.2f\n' "--parallel 1 (one at a time)" "$m1"
printf '%-28s %10.2f\n' "--parallel 2 (side by side)" "$m2"
printf '%-28s %10.2f×\n' "ratio parallel 1 / 2" "$(echo "$m1 / $m2" | bc -l)"
