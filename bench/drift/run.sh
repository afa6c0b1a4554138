#!/usr/bin/env bash
# ctgit drift against the Python peer (pandas.read_csv + SciPy/NumPy, as
# Evidently computes it, bench/drift/reference.py) on a suite of data shapes,
# the peer and ctgit taking turns in the same script on the same files.
#
#   bench/drift/run.sh                          # every shape, full size, median of 5
#   SCALE=0.1 REPEAT=3 bench/drift/run.sh       # a quick run: a tenth of the rows
#   SHAPES="float cats10k" bench/drift/run.sh   # some shapes only
#
# Shapes (rows at SCALE=1; every shape but decimal4 is written by NumPy and
# pandas.to_csv, as users' tools write files, see gen/shapes.py):
#   decimal4  1M rows, 20 numerical + 5 categorical, 4 decimals (gen/main.go)
#   float     1M rows, the same columns at full precision (0.345584192064786)
#   decimal6  1M rows, 6 decimals
#   sci       1M rows, scientific notation over 1e-3..1e3 (%.8e)
#   wide      100k rows, 270 numerical + 30 categorical, full precision
#   cats10k   1M rows, 5 numerical + 5 categorical of 10,000 categories each
#   long      5M rows, 20 numerical + 5 categorical, 6 decimals
#
# Each shape is tested with METHODS (default ks,chisquare,psi: KS on the
# numerical columns, chi-squared on the categorical ones, PSI on all). The peer
# reads the files once for all of them. ctgit does too when `ctgit drift
# --help` says --method takes a list; otherwise it runs once per method (with
# --columns the method fits), and its time is the sum, its peak RSS the
# largest; the output says which. On PROCS_SHAPE (default float) ctgit is also
# timed with GOMAXPROCS=1, for the speed-up from one core to all.
#
# Needs: go, /usr/bin/python3 with python3-scipy and python3-pandas, and GNU
# time (/usr/bin/time, Debian package "time"). Files go to a temporary
# directory, one shape at a time, removed afterwards; nothing is committed.
set -euo pipefail
SCALE=${SCALE:-1}
REPEAT=${REPEAT:-5}
SHAPES=${SHAPES:-decimal4 float decimal6 sci wide cats10k long}
METHODS=${METHODS:-ks,chisquare,psi}
PROCS_SHAPE=${PROCS_SHAPE:-float}
PY=${PY:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x /usr/bin/time ]; then
	echo "bench/drift: needs GNU time as /usr/bin/time (apt-get install time)" >&2
	exit 1
fi
if ! "$PY" -c 'import pandas, scipy' 2>/dev/null; then
	echo "bench/drift: needs pandas and SciPy for $PY (apt-get install python3-pandas python3-scipy)" >&2
	exit 1
fi

cd "$root"
CGO_ENABLED=0 go build -trimpath -o "$work/ctgit" ./cmd/ctgit
IFS=, read -r -a methods <<<"$METHODS"
if "$work/ctgit" drift --help | grep -i -- '--method' | grep -qiE 'list|comma'; then
	multi=1
	mode="ctgit: one invocation per shape, --method $METHODS"
else
	multi=0
	mode="ctgit: one invocation per method (${#methods[@]}), times summed, peak RSS the largest; --method takes no list yet"
fi
echo "$mode; peer: one invocation per shape"

# rows BASE: BASE rows scaled by SCALE, at least 1,000.
rows() { awk -v b="$1" -v s="$SCALE" 'BEGIN { r = int(b * s); print (r < 1000) ? 1000 : r }'; }

# generate SHAPE: writes $work/reference.csv and $work/current.csv and prints
# the number of rows in each.
generate() {
	local n
	case $1 in
	decimal4) n=$(rows 1000000); go run ./bench/drift/gen -rows "$n" -dir "$work" ;;
	wide) n=$(rows 100000); "$PY" "$here/gen/shapes.py" wide "$n" "$work" ;;
	long) n=$(rows 5000000); "$PY" "$here/gen/shapes.py" long "$n" "$work" ;;
	float | decimal6 | sci | cats10k) n=$(rows 1000000); "$PY" "$here/gen/shapes.py" "$1" "$n" "$work" ;;
	*) echo "bench/drift: unknown shape $1" >&2; return 2 ;;
	esac
	echo "$n"
}

# timed OUT CMD...: runs CMD with its stdout in OUT; prints "wall_s peak_rss_kb".
timed() {
	local out=$1; shift
	/usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$out"
	tail -1 "$work/time"
}

# run_ctgit LABEL GOMAXPROCS: one measurement of ctgit on the shape's files,
# appended to $work/LABEL.times; GOMAXPROCS empty leaves Go's default (every core).
run_ctgit() {
	local label=$1 env=(env -u GOMAXPROCS) sel m
	if [ -n "$2" ]; then env=(env "GOMAXPROCS=$2"); fi
	local args=(drift --reference "$work/reference.csv" --current "$work/current.csv" --format json)
	if [ "$multi" = 1 ]; then
		timed "$work/$label.0.json" "${env[@]}" "$work/ctgit" "${args[@]}" --method "$METHODS" >>"$work/$label.times"
		return
	fi
	local wall=0 rss=0 i=0 w r
	for m in "${methods[@]}"; do
		case $m in
		ks | wasserstein) sel=(--columns "$numcols") ;;
		chisquare | jensenshannon) sel=(--columns "$catcols") ;;
		*) sel=() ;;
		esac
		read -r w r < <(timed "$work/$label.$i.json" "${env[@]}" "$work/ctgit" "${args[@]}" --method "$m" "${sel[@]}")
		wall=$(awk -v a="$wall" -v b="$w" 'BEGIN { print a + b }')
		rss=$((r > rss ? r : rss))
		i=$((i + 1))
	done
	echo "$wall $rss" >>"$work/$label.times"
}

# median LABEL FIELD: the median of field FIELD (1 wall seconds, 2 peak RSS
# KB) in $work/LABEL.times.
median() {
	awk -v f="$2" '{ print $f }' "$work/$1.times" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

fmt='%-9s %9s %5s %6s %8s %8s %8s %8s %8s %9s %-6s %s\n'
# shellcheck disable=SC2059 # fmt is the table's format, shared by every row
printf "\n$fmt" shape rows cols MB ctgit_s peer_s speedup ctgit_MB peer_MB mem_ratio goal max_diff
for shape in $SHAPES; do
	rm -f "$work"/*.csv "$work"/*.json "$work"/*.times
	n=$(generate "$shape" | tail -1)
	header=$(head -1 "$work/reference.csv")
	numcols=$(tr ',' '\n' <<<"$header" | grep '^num' | paste -sd, -)
	catcols=$(tr ',' '\n' <<<"$header" | grep '^cat' | paste -sd, -)
	ncols=$(tr ',' '\n' <<<"$header" | wc -l)
	mb=$(($(stat -c %s "$work/reference.csv") / 1000000))
	# ctgit and the peer take turns, so that both see the same machine: a
	# shared or throttled machine slows runs minutes apart differently.
	for _ in $(seq "$REPEAT"); do
		run_ctgit go ""
		timed "$work/py.json" "$PY" "$here/reference.py" "$METHODS" "$work/reference.csv" "$work/current.csv" >>"$work/py.times"
		if [ "$shape" = "$PROCS_SHAPE" ]; then run_ctgit go1 1; fi
	done
	gw=$(median go 1) gm=$(median go 2) pw=$(median py 1) pm=$(median py 2)
	diff=$("$PY" "$here/compare.py" "$work/py.json" "$work"/go.*.json)
	# shellcheck disable=SC2059
	awk -v s="$shape" -v n="$n" -v c="$ncols" -v mb="$mb" -v gw="$gw" -v pw="$pw" -v gm="$gm" -v pm="$pm" -v d="$diff" -v f="$fmt" 'BEGIN {
		sp = pw / gw; mr = gm / pm
		printf f, s, n, c, mb, sprintf("%.2f", gw), sprintf("%.2f", pw), sprintf("%.1fx", sp),
			sprintf("%.0f", gm / 1024), sprintf("%.0f", pm / 1024), sprintf("%.2fx", mr),
			(sp >= 10 && mr <= 0.5) ? "met" : "short", d }'
	if [ "$shape" = "$PROCS_SHAPE" ]; then
		g1=$(median go1 1)
		procs_line=$(awk -v s="$shape" -v a="$g1" -v b="$gw" -v p="$(nproc)" \
			'BEGIN { printf "ctgit on %s: GOMAXPROCS=1 %.2f s, default (%d cores) %.2f s: speed-up %.2fx", s, a, p, b, a / b }')
	fi
done
rm -f "$work"/*.csv
echo
echo "SCALE=$SCALE REPEAT=$REPEAT (medians) METHODS=$METHODS, $SECONDS s in all; $mode"
echo "speedup = peer/ctgit wall time; mem_ratio = ctgit/peer peak RSS; MB = reference.csv's size;"
echo "goal = met when speedup >= 10x and mem_ratio <= 0.5x (issue 19);"
echo "max_diff = largest relative difference of a score (p-value or distance), and its method/column"
if [ -n "${procs_line:-}" ]; then echo "$procs_line"; fi
echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), $(go version | cut -d' ' -f3), $("$PY" -c 'import pandas, scipy; print("pandas", pandas.__version__, "scipy", scipy.__version__)')"
