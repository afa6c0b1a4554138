#!/usr/bin/env bash
# How fast ctgit starts: wall time and peak RSS of `ctgit version` and `ctgit
# vet` on examples/quickstart next to `cue vet` of the same files (the quickstart's
# pipelines with ctgit's schema placed in their package, so both evaluate the
# same CUE), taking turns, median of REPEAT runs, and their CPU time where
# perf is installed; then the binary's size and the packages whose
# initialisation costs most (GODEBUG=inittrace=1).
#
#   bench/start/run.sh                # median of 20
#   REPEAT=5 bench/start/run.sh
#   CTGIT=bin/ctgit CUE=~/go/bin/cue bench/start/run.sh
#
# cue is the version go.mod requires, installed from the Go module proxy into
# ${XDG_CACHE_HOME:-~/.cache}/ctgit-bench unless CUE names one. Needs go and GNU
# time (/usr/bin/time, Debian package "time").
set -euo pipefail
REPEAT=${REPEAT:-20}
INIT_RUNS=${INIT_RUNS:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x /usr/bin/time ]; then
	echo "bench/start: needs GNU time as /usr/bin/time (apt-get install time)" >&2
	exit 1
fi
cd "$root"
ctgit=${CTGIT:-}
if [ -z "$ctgit" ]; then
	ctgit=$work/ctgit
	CGO_ENABLED=0 go build -trimpath -o "$ctgit" ./cmd/ctgit # as `make build` does
fi
ctgit=$(realpath "$ctgit")
cue=${CUE:-}
if [ -z "$cue" ]; then
	version=$(awk '$1 == "cuelang.org/go" { print $2; exit }' go.mod)
	bin=${XDG_CACHE_HOME:-$HOME/.cache}/ctgit-bench/cue-$version
	if [ ! -x "$bin/cue" ]; then
		echo "installing cue $version into $bin ..."
		(cd "$work" && GOBIN=$bin GOFLAGS='' go install "cuelang.org/go/cmd/cue@$version")
	fi
	cue=$bin/cue
fi

quick=$root/examples/quickstart
mkdir -p "$work/anchor/pipelines"
cp "$quick/pipelines/"*.cue "$work/anchor/pipelines/"
sed 's/^package schema$/package pipelines/' schema/pipeline.cue >"$work/anchor/pipelines/schema.cue"
# Both must succeed before anything is timed.
"$ctgit" --root "$quick" vet >/dev/null
(cd "$work/anchor" && "$cue" vet ./pipelines)

# measure LABEL DIR CMD...: one run of CMD in DIR, output discarded; appends
# "wall_ms peak_rss_kb" to $work/LABEL. The wall time is taken around GNU time,
# so it includes time's own start, the same for every row (see the `true` row).
measure() {
	local label=$1 dir=$2 t0 t1; shift 2
	t0=$(date +%s%N)
	(cd "$dir" && /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null)
	t1=$(date +%s%N)
	echo "$(((t1 - t0) / 1000)) $(tail -1 "$work/rss")" >>"$work/$label"
}
median() {
	awk -v f="$2" '{ print $f }' "$work/$1" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# cpu LABEL DIR CMD...: the CPU time of one more run of CMD (perf stat's
# task-clock, user and system time of every thread), appended in
# microseconds to $work/LABEL.cpu. On a machine shared with other work
# the wall time waits for a core; the CPU time much less so.
cpu() {
	local label=$1 dir=$2; shift 2
	(cd "$dir" && perf stat -x, -e task-clock -o "$work/perf" -- "$@" >/dev/null)
	awk -F, '$3 == "task-clock" { printf "%d\n", $1 * 1000 }' "$work/perf" >>"$work/$label.cpu"
}
have_perf=false
if command -v perf >/dev/null && perf stat -x, -e task-clock -o /dev/null -- true 2>/dev/null; then
	have_perf=true
fi

for _ in $(seq "$REPEAT"); do
	measure version "$quick" "$ctgit" version
	measure vet "$quick" "$ctgit" --root "$quick" vet
	measure cue "$work/anchor" "$cue" vet ./pipelines
	measure true "$work" true
	if $have_perf; then
		cpu version "$quick" "$ctgit" version
		cpu vet "$quick" "$ctgit" --root "$quick" vet
		cpu cue "$work/anchor" "$cue" vet ./pipelines
	fi
done
cw=$(median cue 1)
fw=$(median true 1)
cc=0
if $have_perf; then cc=$(median cue.cpu 1); fi
printf '\n%-34s %9s %8s %8s %8s %12s %12s\n' command wall_ms net_ms cpu_ms rss_MB "net vs cue" "cpu vs cue"
for row in "version:ctgit version" "vet:ctgit vet (quickstart)" "cue:cue vet (same files)" "true:true (the floor: GNU time's start)"; do
	label=${row%%:*} name=${row#*:}
	c=-1
	if $have_perf && [ -f "$work/$label.cpu" ]; then c=$(median "$label.cpu" 1); fi
	awk -v n="$name" -v w="$(median "$label" 1)" -v r="$(median "$label" 2)" -v c="$cw" -v f="$fw" -v u="$c" -v cu="$cc" \
		'BEGIN {
			printf "%-34s %9.1f %8.1f", n, w / 1000, (w - f) / 1000
			if (u < 0) printf " %8s", "-"; else printf " %8.1f", u / 1000
			printf " %8.1f %11.2fx", r / 1024, (w - f) / (c - f)
			if (u < 0) printf " %12s\n", "-"; else printf " %11.2fx\n", u / cu
		}'
done
echo "median of $REPEAT, taking turns; net = wall less the floor's median; cpu = perf stat task-clock (- without perf)"
echo "goal (issue 19): ctgit version and ctgit vet <= 20 ms wall each; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

echo
awk -v a="$(stat -c %s "$ctgit")" -v b="$(stat -c %s "$cue")" \
	'BEGIN { printf "binary size: ctgit %.1f MB, cue %.1f MB (%.2fx)\n", a / 1e6, b / 1e6, a / b }'

# Initialisation per package, the mean of INIT_RUNS runs of `ctgit version`:
# lines read "init PKG @START ms, CLOCK ms clock, BYTES bytes, ALLOCS allocs".
for _ in $(seq "$INIT_RUNS"); do
	GODEBUG=inittrace=1 "$ctgit" version 2>&1 >/dev/null | awk '$1 == "init" { print $2, $5, $8, substr($3, 2) + $5 }'
done >"$work/init"
echo
# The last init's end (@start + clock) is how long the process ran before main.
awk -v runs="$INIT_RUNS" '$1 == "internal/bytealg" { run++ } # the first init of every run
	{ ms[$1] += $2; kb[$1] += $3 / 1024; t += $2; tb += $3 / 1024; if ($4 > end[run]) end[run] = $4 }
	END {
		for (r in end) e += end[r]
		printf "package init, ctgit version (mean of %d runs): %.1f ms in init functions, %.1f MB allocated, %d packages; main starts at %.1f ms\n",
			runs, t / runs, tb / runs / 1024, length(ms), e / runs
		for (p in ms) printf "%8.2f ms %9.0f KB  %s\n", ms[p] / runs, kb[p] / runs, p
	}' "$work/init" | { IFS= read -r head; echo "$head"; sort -gr | awk 'NR <= 15'; }
