#!/usr/bin/env bash
# Time ctgit on a partitioned dataset in S3 against the same files on local
# disk: `ctgit plan` of a pipeline whose data are 7-day windows of the
# dataset, and `ctgit drift` between two such weeks, cold (empty download
# cache) and warm (cache filled). The S3 server is Versity's gateway
# (versitygw) with its posix backend, started here on a free loopback port;
# the dataset is generated once (bench/data/gen) and hard-linked into both
# the gateway's bucket and the scratch repository, so both read the same
# inodes. Runs alternate S3 and local; the table shows medians and the
# ratio S3/local. Nothing asserts on time.
#
#   bench/data/run.sh                       # 30 days × 4 parts × 150,000 rows ≈ 1.1 GB, median of 3
#   DAYS=30 PARTS=2 ROWS=50000 REPEAT=5 bench/data/run.sh
#
# Needs: go, jq, GNU time (/usr/bin/time, Debian package "time") and
# versitygw ($CTGIT_VERSITYGW, on PATH, or where .ci/run installs it).
# Everything goes to a temporary directory that is removed afterwards.
set -euo pipefail
DAYS=${DAYS:-30}
PARTS=${PARTS:-4}
ROWS=${ROWS:-150000}
REPEAT=${REPEAT:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

versitygw=${CTGIT_VERSITYGW:-$(command -v versitygw || echo /var/cache/ctgit-versitygw/bin/versitygw)}
if [ ! -x "$versitygw" ]; then
	echo "versitygw not found; set CTGIT_VERSITYGW or run:" >&2
	echo "  GOBIN=/var/cache/ctgit-versitygw/bin go install github.com/versity/versitygw/cmd/versitygw@v1.8.0" >&2
	exit 2
fi
if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get install -y -qq time >/dev/null
	else
		echo "GNU time is missing: install the Debian package \"time\"" >&2
		exit 2
	fi
fi
for tool in go jq; do
	command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 2; }
done

work=$(mktemp -d)
gw_pid=
cleanup() {
	if [ -n "$gw_pid" ]; then
		kill "$gw_pid" 2>/dev/null || true
		wait "$gw_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

cd "$root"
go build -o "$work/ctgit" ./cmd/ctgit
ctgit=$work/ctgit

echo "generating $DAYS days × $PARTS parts × $ROWS rows ..."
mkdir -p "$work/s3root/bench"
go run ./bench/data/gen -dir "$work/s3root/bench/events" -days "$DAYS" -parts "$PARTS" -rows "$ROWS"
echo "dataset: $(find "$work/s3root/bench/events" -name '*.parquet' | wc -l) parts," \
	"$(du -sm "$work/s3root/bench/events" | cut -f1) MB, $((DAYS * PARTS * ROWS)) rows"

# The gateway on a free loopback port: pick one nobody answers on, and try
# another if the gateway still cannot bind it. Its root credentials go
# through the environment, not argv, where every process could read them.
hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
access_key=AK$(hex 9)
secret=$(hex 20)
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=
for _ in 1 2 3 4 5; do
	p=$((20000 + RANDOM % 40000))
	listening "$p" && continue
	ROOT_ACCESS_KEY_ID=$access_key ROOT_SECRET_ACCESS_KEY=$secret \
		"$versitygw" --port "127.0.0.1:$p" --region us-east-1 --quiet posix "$work/s3root" \
		>"$work/versitygw.log" 2>&1 &
	gw_pid=$!
	for _ in $(seq 100); do
		if listening "$p"; then port=$p; break; fi
		kill -0 "$gw_pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$port" ] && break
	kill "$gw_pid" 2>/dev/null || true
	wait "$gw_pid" 2>/dev/null || true
	gw_pid=
done
if [ -z "$port" ]; then
	echo "versitygw did not start:" >&2
	cat "$work/versitygw.log" >&2
	exit 1
fi
echo "versitygw on 127.0.0.1:$port"

# ctgit reaches it as the root user, with nothing of this machine's AWS
# configuration (profiles, files, instance metadata) in the way.
export AWS_ACCESS_KEY_ID=$access_key AWS_SECRET_ACCESS_KEY=$secret AWS_REGION=us-east-1
export AWS_ENDPOINT_URL_S3=http://127.0.0.1:$port AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=$work/no-aws-config AWS_SHARED_CREDENTIALS_FILE=$work/no-aws-credentials
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

# Two scratch repositories with the same pipeline, one reading the bucket,
# one data/events/ (hard links to the same files, ignored by Git as a
# large dataset would be).
repo() {
	local dir=$1 from=$2
	mkdir -p "$dir/pipelines" "$dir/deploy"
	printf 'package deploy\n\nmodel: version: "1.0.0"\n' >"$dir/deploy/model.cue"
	printf 'data/\n' >"$dir/.gitignore"
	cat >"$dir/pipelines/events.cue" <<EOF
package pipelines

pipelines: events: {
	model: {name: "events", target: {file: "deploy/model.cue", path: "model.version"}}
	data: {
		current: {from: "$from", window: {partition: "dt", last: "7d"}}
		reference: {from: "$from", window: {partition: "dt", last: "7d", skip: "7d"}}
	}
	checks: {
		minRows: 1000
		columns: {
			amount: {type: "number", min: 0}
			user_id: {type: "integer"}
			country: {type: "category"}
		}
		drift: {method: "auto", share: 0.5}
	}
	promote: {}
	trigger: {}
}
EOF
	git -C "$dir" init -q
	git -C "$dir" add -A
	git -C "$dir" -c user.name=bench -c user.email=bench@localhost commit -qm "bench pipeline"
}
repo "$work/repo-s3" "s3://bench/events/"
mkdir -p "$work/repo-local/data"
cp -al "$work/s3root/bench/events" "$work/repo-local/data/events"
repo "$work/repo-local" "data/events/"

# The two weeks the pipeline's windows select, for ctgit drift.
week() {
	local first=$1 days=() d
	for d in $(seq "$first" $((first + 6))); do days+=("$(printf '%02d' "$d")"); done
	local IFS=,
	echo "dt=2026-11-{${days[*]}}/*.parquet"
}
ref=$(week $((DAYS - 13)))
cur=$(week $((DAYS - 6)))

# run LABEL plan|drift ARGS...: runs that command once, keeps its stdout
# in $work/LABEL.out and appends "wall_seconds peak_rss_kb" to
# $work/LABEL.times.
run() {
	local label=$1; shift
	"$@"
	if ! /usr/bin/time -f '%e %M' -o "$work/time" "${cmd[@]}" >"$work/$label.out" 2>"$work/$label.err"; then
		echo "$label failed: ${cmd[*]}" >&2
		cat "$work/$label.err" >&2
		exit 1
	fi
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

# plan DIR and drift CACHE PREFIX set cmd to the command line that run
# times: env execs ctgit, so the time and peak RSS are ctgit's own.
cmd=()
plan() { cmd=(env -C "$1" "$ctgit" plan); }
drift() {
	cmd=(env -C "$work" "XDG_CACHE_HOME=$1" "$ctgit" drift --reference "$2$ref" --current "$2$cur" --format json)
}

# Untimed: read every file once, so the page cache holds the dataset for
# both sides, and fill the warm download cache.
drift "$work/xdg-warm" "$work/repo-local/data/events/"
"${cmd[@]}" >/dev/null
drift "$work/xdg-warm" "s3://bench/events/"
"${cmd[@]}" >/dev/null 2>"$work/warmup.err"

echo "timing, $REPEAT rounds ..."
for i in $(seq "$REPEAT"); do
	rm -rf "$work/repo-s3/.ctgit" "$work/repo-local/.ctgit"
	run plan-s3-cold plan "$work/repo-s3"
	run plan-local-cold plan "$work/repo-local"
	run plan-s3-warm plan "$work/repo-s3"
	run plan-local-warm plan "$work/repo-local"
	run drift-s3-cold drift "$work/xdg-cold-$i" "s3://bench/events/"
	rm -rf "$work/xdg-cold-$i"
	run drift-local drift "$work/xdg-warm" "$work/repo-local/data/events/"
	run drift-s3-warm drift "$work/xdg-warm" "s3://bench/events/"
done

# Both sides must have computed the same thing for the times to compare.
same_plan() { grep -v '^Plan: ' "$work/$1.out"; }
if ! diff <(same_plan plan-s3-cold) <(same_plan plan-local-cold) >/dev/null; then
	echo "plans differ between S3 and local disk:" >&2
	diff <(same_plan plan-s3-cold) <(same_plan plan-local-cold) >&2 || true
fi
scores() { jq -c '[.columns[] | [.name, .score]]' "$work/$1.out"; }
for label in drift-s3-cold drift-s3-warm; do
	if [ "$(scores "$label")" != "$(scores drift-local)" ]; then
		echo "$label: scores differ from local disk" >&2
	fi
done
rows=$(jq -r '"\(.reference.rows) reference rows, \(.current.rows) current rows"' "$work/drift-local.out" 2>/dev/null || true)

printf '\n%-34s %9s %9s %8s %8s %8s\n' "" s3_s local_s ratio s3_MB local_MB
row() {
	local s3w s3m lw lm
	read -r s3w s3m < <(medians "$2")
	read -r lw lm < <(medians "$3")
	awk -v n="$1" -v sw="$s3w" -v lw="$lw" -v sm="$s3m" -v lm="$lm" \
		'BEGIN {printf "%-34s %9.2f %9.2f %7.2fx %8.0f %8.0f\n", n, sw, lw, (lw > 0 ? sw/lw : 0), sm, lm}'
}
row "plan, cold digest memo" plan-s3-cold plan-local-cold
row "plan, warm digest memo" plan-s3-warm plan-local-warm
row "drift 7d/7d, cold download cache" drift-s3-cold drift-local
row "drift 7d/7d, warm download cache" drift-s3-warm drift-local
echo
echo "every run's wall seconds, in order:"
for label in plan-s3-cold plan-local-cold plan-s3-warm plan-local-warm drift-s3-cold drift-local drift-s3-warm; do
	printf '  %-16s %s\n' "$label" "$(awk '{printf "%s ", $1}' "$work/$label.times")"
done
echo "days=$DAYS parts=$PARTS rows/part=$ROWS repeat=$REPEAT (medians); ratio = S3/local wall time; MB = peak RSS"
echo "drift: reference $ref, current $cur${rows:+ ($rows)}"
