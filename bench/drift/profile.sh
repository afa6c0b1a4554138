#!/usr/bin/env bash
# ctgit drift with and without a reference profile (--reference-profile), on
# the same files, taking turns: the time a comparison against an unchanged
# reference saves by not parsing it. The profile is built once before the
# timed runs; a timed run with it still hashes the reference (its digest is
# the profile's key) and parses the current data.
#
#   bench/drift/profile.sh                  # decimal4 and float, 1M rows, median of 5
#   ROWS=300000 REPEAT=3 bench/drift/profile.sh
#   SHAPES=decimal4 bench/drift/profile.sh  # without Python
#
# Shapes: decimal4 (gen/main.go: 20 numerical + 5 categorical columns, 4
# decimals) and float (gen/shapes.py: the same at full precision, as
# pandas.to_csv writes it; needs /usr/bin/python3 with NumPy and pandas).
# Needs GNU time (/usr/bin/time). Files go to a temporary directory.
set -euo pipefail
ROWS=${ROWS:-1000000}
REPEAT=${REPEAT:-5}
SHAPES=${SHAPES:-decimal4 float}
METHODS=${METHODS:-ks,chisquare,psi}
PY=${PY:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ ! -x /usr/bin/time ]; then
	echo "bench/drift/profile.sh: needs GNU time as /usr/bin/time (apt-get install time)" >&2
	exit 1
fi
cd "$root"
CGO_ENABLED=0 go build -trimpath -o "$work/ctgit" ./cmd/ctgit

# timed LABEL ARGS...: one run of ctgit drift, "wall user+sys rss_kb" appended
# to $work/LABEL.times.
timed() {
	local label=$1; shift
	/usr/bin/time -f '%e %U %S %M' -o "$work/time" "$work/ctgit" drift \
		--reference "$work/reference.csv" --current "$work/current.csv" --method "$METHODS" --format json "$@" >"$work/$label.json"
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$work/time" >>"$work/$label.times"
}

# median LABEL FIELD
median() {
	awk -v f="$2" '{ print $f }' "$work/$1.times" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

printf '%-9s %8s %5s %10s %10s %7s %10s %10s %7s %9s %9s\n' shape rows MB plain_s profile_s ratio plain_cpu prof_cpu ratio plain_MB prof_MB
for shape in $SHAPES; do
	rm -rf "$work"/*.csv "$work"/*.times "$work"/*.json "$work/profiles"
	case $shape in
	decimal4) go run ./bench/drift/gen -rows "$ROWS" -dir "$work" >/dev/null ;;
	float) "$PY" "$here/gen/shapes.py" float "$ROWS" "$work" >/dev/null ;;
	*) echo "bench/drift/profile.sh: unknown shape $shape" >&2; exit 2 ;;
	esac
	timed build --reference-profile "$work/profiles"
	for _ in $(seq "$REPEAT"); do
		timed plain
		timed profile --reference-profile "$work/profiles"
	done
	grep -q '"hit": true' "$work/profile.json" || { echo "bench/drift/profile.sh: the profile was not used" >&2; exit 1; }
	# The same report, the profile's field aside.
	if ! awk '/"referenceProfile"/ { skip = 1; sub(/,$/, "", line[n]) } !skip { line[++n] = $0 } skip && /^  }$/ { skip = 0 } END { for (i = 1; i <= n; i++) print line[i] }' \
		"$work/profile.json" | cmp -s - "$work/plain.json"; then
		echo "bench/drift/profile.sh: the reports differ" >&2
		exit 1
	fi
	mb=$(($(stat -c %s "$work/reference.csv") / 1000000))
	awk -v s="$shape" -v n="$ROWS" -v mb="$mb" -v pw="$(median plain 1)" -v fw="$(median profile 1)" \
		-v pc="$(median plain 2)" -v fc="$(median profile 2)" -v pm="$(median plain 3)" -v fm="$(median profile 3)" 'BEGIN {
		printf "%-9s %8d %5d %10.2f %10.2f %6.2fx %10.2f %10.2f %6.2fx %9.0f %9.0f\n", s, n, mb, pw, fw, pw / fw, pc, fc, pc / fc, pm / 1024, fm / 1024 }'
done
echo
echo "REPEAT=$REPEAT (medians, plain and profile alternating) METHODS=$METHODS; ratio = plain/profile (wall, then user+sys CPU);"
echo "MB = reference.csv's size; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
