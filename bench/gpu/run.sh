#!/usr/bin/env bash
# Overhead of ctgit on a GPU training: examples/pytorch-gpu's PyTorch
# training run through `ctgit run --executor local` and directly with
# `python3 train.py` (same CTGIT_* environment, same train.env, same data),
# REPEAT times each, interleaved; prints the medians and their ratio, the GPU
# the training used (from metrics.json) and whether all runs gave the same
# model.
#
#   bench/gpu/build.sh                   # here: bin/ctgit-linux-amd64.gz (static, ~25 MB)
#   bench/gpu/run.sh [CTGIT_BINARY]      # there: default bin/ctgit-linux-amd64[.gz]
#
# Needs: a static ctgit binary, gzipped or not (no Go toolchain is needed where
# this runs), nvidia-smi, python3 with PyTorch built for CUDA, GNU coreutils.
# No network. git is used when present.
#
# Environment:
#   REPEAT=3            runs of each kind (medians are reported)
#   BENCH_ROWS=100000   rows per data file, regenerated with the example's
#                       seeded gen_data.py; 0 keeps the committed 4,000 rows
#   BENCH_EPOCHS        epochs per training; unset: measured by a short
#                       warm-up run so that one training lasts BENCH_TARGET_S
#   BENCH_TARGET_S=20   seconds one training's epochs should last
#   BENCH_MAX_EPOCHS=2000
#   PYTHON=python3      the interpreter with PyTorch (must be on PATH for ctgit too)
#   OUT                 when set, the summary, JSON and logs are copied there
#   BENCH_ALLOW_CPU=1   go on without CUDA (a flow check on a CPU machine; the
#                       summary then says so and the script exits 1)
#
# Each ctgit run starts with the step cache (.ctgit/cache) removed, and uses
# --force-train, so the training really runs every time. Exit status: 0 when
# every run trained on CUDA and no command failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ctgit=${1:-$root/bin/ctgit-linux-amd64}
REPEAT=${REPEAT:-3}
BENCH_ROWS=${BENCH_ROWS:-100000}
BENCH_TARGET_S=${BENCH_TARGET_S:-20}
BENCH_MAX_EPOCHS=${BENCH_MAX_EPOCHS:-2000}
PYTHON=${PYTHON:-python3}
pipeline=churn

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench/gpu: %s\n' "$*" >&2; exit 2; }
now() { date +%s.%N; }

work=$(mktemp -d /tmp/ctgit-gpu-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ ! -e "$ctgit" ] && [ -e "$ctgit.gz" ]; then ctgit=$ctgit.gz; fi
[ -f "$ctgit" ] || die "no ctgit binary at $ctgit (build it here: bench/gpu/build.sh)"
case $ctgit in
*.gz) gzip -dc "$ctgit" >"$work/ctgit" && chmod +x "$work/ctgit" && ctgit=$work/ctgit ;;
*) ctgit=$(cd "$(dirname "$ctgit")" && pwd)/$(basename "$ctgit") ;;
esac
[ -x "$ctgit" ] || die "$ctgit is not executable"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found"
pybin=$(command -v "$PYTHON")
# ctgit's local executor looks up the step's "python3" in PATH; put this
# interpreter's directory first so both ways run the same one.
PATH="$(dirname "$pybin"):$PATH"
export PATH
[ "$(readlink -f "$(command -v python3)")" = "$(readlink -f "$pybin")" ] ||
	die "python3 on PATH is not $pybin: ctgit's step runs python3 train.py, so both ways must find the same interpreter"

say "GPUs (nvidia-smi -L)"
nvidia-smi -L || die "nvidia-smi -L failed: no NVIDIA driver or GPU here"
"$PYTHON" -c 'import torch, sys
ok = torch.cuda.is_available()
print("torch", torch.__version__, "cuda", torch.version.cuda, "available:", ok, "device:", torch.cuda.get_device_name(0) if ok else "-")
sys.exit(0 if ok else 1)' || [ "${BENCH_ALLOW_CPU:-}" = 1 ] || die "$PYTHON has no PyTorch with a working CUDA device"
"$ctgit" version

repo=$work/repo runs=$work/runs
mkdir -p "$runs"
cp -r "$root/examples/pytorch-gpu" "$repo"
rm -rf "$repo/.ctgit" "$repo/out"
find "$repo" -name __pycache__ -prune -exec rm -rf {} +
if [ "$BENCH_ROWS" != 0 ]; then
	say "generating $BENCH_ROWS rows per data file"
	t=$(now)
	"$PYTHON" "$repo/gen_data.py" --rows "$BENCH_ROWS" --out "$repo/data"
	awk -v a="$t" -v b="$(now)" 'BEGIN {printf "   %.1fs\n", b-a}' >&2
fi

# Epochs: given, or measured by a short warm-up (which also warms the page
# cache and the CUDA driver for the timed runs).
direct_env() { # direct_env DIR: the environment ctgit's local executor gives the step
	local d=$1
	local -a e=(PATH="$PATH" HOME="$HOME" CUDA_VISIBLE_DEVICES=0 TMPDIR="$d/tmp"
		CTGIT_INPUT_DIR="$d/input" CTGIT_REFERENCE_FILE="$d/input/reference.csv"
		CTGIT_CURRENT_FILE="$d/input/current.csv" CTGIT_OUTPUT_DIR="$d/out"
		CTGIT_MODEL_PATH="$d/out/model" CTGIT_METRICS_FILE="$d/out/metrics.json"
		CTGIT_BASELINE_DIR="$d/baseline" CTGIT_PIPELINE="$pipeline" CTGIT_MODEL=churn-mlp
		CTGIT_RUN_ID=direct CTGIT_ATTEMPT=1 CTGIT_GPUS=1)
	local k
	# The runner variables internal/exec/local.go passes through (allowedEnv).
	for k in USER LOGNAME LANG LC_ALL LC_CTYPE TZ PYENV_ROOT PYENV_VERSION VIRTUAL_ENV CONDA_PREFIX \
		CONDA_DEFAULT_ENV LD_LIBRARY_PATH CUDA_HOME CUDA_PATH NVIDIA_VISIBLE_DEVICES NVIDIA_DRIVER_CAPABILITIES \
		SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
		if [ -n "${!k:-}" ]; then e+=("$k=${!k}"); fi
	done
	printf '%s\0' "${e[@]}" "${trainenv[@]}"
}
direct_run() { # direct_run DIR LOG: python3 train.py as ctgit would run it, in a fresh copy
	local d=$1 log=$2
	rm -rf "$d" && mkdir -p "$d/input" "$d/out" "$d/tmp" "$d/baseline"
	cp -r "$repo/train" "$d/src"
	cp "$repo/data/reference.csv" "$repo/data/current.csv" "$d/input/"
	local -a env
	mapfile -d '' env < <(direct_env "$d")
	(cd "$d/src" && env -i "${env[@]}" python3 train.py) >"$log" 2>&1
}

"$ctgit" --root "$repo" plan --format json >"$work/plan.json"
mapfile -t trainenv < <("$PYTHON" "$here/bench.py" plan-env "$work/plan.json" "$pipeline")
if [ -z "${BENCH_EPOCHS:-}" ]; then
	say "warm-up: 3 epochs to measure one epoch's time"
	trainenv+=(EPOCHS=3)
	direct_run "$work/warm" "$work/warm.log" || { cat "$work/warm.log" >&2; die "warm-up training failed"; }
	BENCH_EPOCHS=$("$PYTHON" "$here/bench.py" epochs "$work/warm/out/metrics.json" "$BENCH_TARGET_S" "$BENCH_MAX_EPOCHS")
	say "$(grep -o '"epoch_seconds": [0-9.e-]*' "$work/warm/out/metrics.json"); $BENCH_EPOCHS epochs ≈ ${BENCH_TARGET_S}s"
else
	say "warm-up: 1 epoch"
	trainenv+=(EPOCHS=1)
	direct_run "$work/warm" "$work/warm.log" || { cat "$work/warm.log" >&2; die "warm-up training failed"; }
fi
grep '^device:' "$work/warm.log" >&2 || true

# The epoch count reaches ctgit's step through train.env, overridden by one
# more CUE file of the package; the direct run gets the very same env.
printf 'package pipelines\n\n// Written by bench/gpu/run.sh.\npipelines: %s: train: env: EPOCHS: "%s"\n' \
	"$pipeline" "$BENCH_EPOCHS" >"$repo/pipelines/zz_bench.cue"
"$ctgit" --root "$repo" vet >&2
"$ctgit" --root "$repo" plan --format json >"$work/plan.json"
mapfile -t trainenv < <("$PYTHON" "$here/bench.py" plan-env "$work/plan.json" "$pipeline")
say "train.env: ${trainenv[*]}"

rootflag=(--root "$repo")
if command -v git >/dev/null; then
	git -C "$repo" init -q
	git -C "$repo" add -A
	git -C "$repo" -c user.name=bench -c user.email=bench@localhost commit -q -m "pytorch-gpu example for bench/gpu"
	rootflag=() # found from the work tree, as users run it
else
	say "no git here: ctgit runs with --root"
fi

ctgit_run() { # ctgit_run I
	local i=$1 t rc=0
	rm -rf "$repo/.ctgit/cache"
	t=$(now)
	(cd "$repo" && "$ctgit" "${rootflag[@]}" run --executor local --promote none --force-train \
		--format json >"$runs/ctgit-$i.json" 2>"$runs/ctgit-$i.log") || rc=$?
	printf 'ctgit\t%s\t%s\t%s\n' "$i" "$(awk -v a="$t" -v b="$(now)" 'BEGIN {printf "%.4f", b-a}')" "$rc" >>"$runs/walls.tsv"
	local m
	m=$(find "$repo/.ctgit/cache/outputs" -path '*/model/model.pt' 2>/dev/null | head -1)
	if [ -n "$m" ]; then cp -r "$(dirname "$m")" "$runs/ctgit-$i-model"; fi
	# 1 is "a check said no" (a gate): the training ran and is timed all the same.
	if [ "$rc" -gt 1 ]; then cat "$runs/ctgit-$i.log" >&2; die "ctgit run failed with exit code $rc"; fi
	say "ctgit run $i: exit $rc, $(tail -1 "$runs/walls.tsv" | cut -f3)s"
}
direct_one() { # direct_one I
	local i=$1 t rc=0
	t=$(now)
	direct_run "$work/direct" "$runs/direct-$i.log" || rc=$?
	printf 'direct\t%s\t%s\t%s\n' "$i" "$(awk -v a="$t" -v b="$(now)" 'BEGIN {printf "%.4f", b-a}')" "$rc" >>"$runs/walls.tsv"
	[ "$rc" = 0 ] || { cat "$runs/direct-$i.log" >&2; die "python3 train.py failed with exit code $rc"; }
	mkdir -p "$runs/direct-$i"
	cp -r "$work/direct/out/." "$runs/direct-$i/"
	say "direct run $i: $(tail -1 "$runs/walls.tsv" | cut -f3)s"
}

# The direct run's wall includes copying the code and data, as ctgit's does.
# Interleaved, alternating which goes first, so drifting clocks or caches
# favour neither.
for i in $(seq "$REPEAT"); do
	if [ $((i % 2)) = 1 ]; then ctgit_run "$i"; direct_one "$i"; else direct_one "$i"; ctgit_run "$i"; fi
done

echo
rc=0
"$PYTHON" "$here/bench.py" summary "$runs" | tee "$work/summary.txt" || rc=$?
"$PYTHON" "$here/bench.py" compare-models "$runs"/ctgit-*-model "$runs"/direct-*/model | tee -a "$work/summary.txt"
if [ -n "${OUT:-}" ]; then
	mkdir -p "$OUT"
	cp "$work/summary.txt" "$OUT/gpu-bench.txt"
	cp "$runs/walls.tsv" "$OUT/gpu-bench-walls.tsv"
	cp "$runs/ctgit-1.json" "$OUT/gpu-bench-ctgit-run-1.json"
	cp "$runs/direct-1/metrics.json" "$OUT/gpu-bench-direct-metrics-1.json"
	cat "$runs"/*.log >"$OUT/gpu-bench-logs.txt"
fi
exit "$rc"
