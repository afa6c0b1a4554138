#!/usr/bin/env bash
# Benchmark ctgit drift against the Python reference (pandas.read_csv +
# SciPy/NumPy, as Evidently computes it) on the same generated files.
#
#   bench/drift/run.sh            # 1,000,000 rows, median of 5
#   ROWS=200000 REPEAT=3 bench/drift/run.sh
#
# Needs: go, /usr/bin/python3 with python3-scipy and python3-pandas, and GNU
# time (/usr/bin/time, Debian package "time"). Files go to a temporary
# directory that is removed afterwards; nothing is committed.
set -euo pipefail
ROWS=${ROWS:-1000000}
REPEAT=${REPEAT:-5}
PY=${PY:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
go build -o "$work/ctgit" ./cmd/ctgit
go run ./bench/drift/gen -rows "$ROWS" -dir "$work"
for f in "$work"/*.csv; do echo "$f $(($(stat -c %s "$f") / 1000000)) MB"; done
numcols=$(head -1 "$work/reference.csv" | tr ',' '\n' | grep '^num' | paste -sd, -)

# run LABEL CMD... : runs CMD once, keeps its stdout in $work/LABEL.out and
# appends "wall_seconds peak_rss_kb" to $work/LABEL.times.
run() {
	local label=$1; shift
	/usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/$label.out"
	cat "$work/time" >>"$work/$label.times"
}

# medians LABEL: the medians of the wall seconds and peak RSS (MB) in
# $work/LABEL.times.
medians() {
	local mw mr
	mw=$(awk '{print $1}' "$work/$1.times" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	mr=$(awk '{print $2}' "$work/$1.times" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]/1024}')
	echo "$mw $mr"
}

printf '\n%-8s %10s %10s %10s %10s %9s %9s  %s\n' method ctgit_s python_s ctgit_MB python_MB speedup mem_ratio max_diff
for method in ks psi auto; do
	cols=()
	if [ "$method" = ks ]; then cols=(--columns "$numcols"); fi
	# ctgit and Python take turns, so that both see the same machine: a
	# shared or throttled machine slows runs minutes apart differently.
	for _ in $(seq "$REPEAT"); do
		run "go-$method" "$work/ctgit" drift --reference "$work/reference.csv" \
			--current "$work/current.csv" --method "$method" "${cols[@]}" --format json
		run "py-$method" "$PY" "$here/reference.py" "$method" "$work/reference.csv" "$work/current.csv"
	done
	read -r gw gm < <(medians "go-$method")
	read -r pw pm < <(medians "py-$method")
	diff=$("$PY" - "$work/go-$method.out" "$work/py-$method.out" <<'PYEOF'
import json, sys
go = {c["name"]: c["score"] for c in json.load(open(sys.argv[1]))["columns"]}
py = json.load(open(sys.argv[2]))
assert set(go) == set(py), (sorted(go), sorted(py))
print("%.2e" % max(abs(go[k] - py[k]) / max(abs(py[k]), 1e-300 if k else 1) for k in py))
PYEOF
)
	awk -v m="$method" -v gw="$gw" -v pw="$pw" -v gm="$gm" -v pm="$pm" -v d="$diff" \
		'BEGIN {printf "%-8s %10.2f %10.2f %10.0f %10.0f %8.1fx %8.2fx  %s\n", m, gw, pw, gm, pm, pw/gw, gm/pm, d}'
done
echo
echo "rows=$ROWS repeat=$REPEAT (medians); speedup = python/ctgit wall time; mem_ratio = ctgit/python peak RSS;"
echo "max_diff = largest relative difference of a column's score (p-values and distances)"
