#!/usr/bin/env bash
# Overhead of ctgit on a GPU training: examples/pytorch-gpu's graph run
# through `ctgit run --executor local` and by hand, REPEAT times each,
# interleaved; prints the medians and their ratio, the GPU the training used
# (from metrics.json) and whether all runs gave the same model.
#
# Both sides do the same work. The example is a graph (pipelines/churn.cue):
# prepare (CPU) → train (GPU) → export and robustness (CPU, side by side,
# as `--parallel 2` runs them). The direct run is that graph by hand: each
# step's code copied to a fresh directory and `python3 STEP.py` run there
# with the environment ctgit's local executor gives the step (the runner
# variables it passes through, the step's env from the plan, TMPDIR,
# CTGIT_STEP, CTGIT_GPUS, CUDA_VISIBLE_DEVICES, each named input copied to
# $CTGIT_INPUT_DIR/<name>/<basename> and named in $CTGIT_INPUT_<NAME>, each
# declared output at $CTGIT_OUTPUT_<NAME>, metrics at $CTGIT_METRICS_FILE;
# train also gets the data files, CTGIT_MODEL_PATH and an empty
# CTGIT_BASELINE_DIR), the next step reading what the last one wrote. What
# ctgit does beyond that (validate, drift, evaluate, the cache, the record)
# is its overhead. The wiring is written out below and checked against the
# plan's data edges, so a change to the example stops the bench instead of
# timing a different graph.
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
#                       summary then says so and the script exits 1). ctgit's
#                       GPU preflight still needs an nvidia-smi that lists a GPU.
#
# Each ctgit run starts with the step cache (.ctgit/cache) removed, and uses
# --force-train, so every step really runs every time. Exit status: 0 when
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

# The direct run: the graph by hand, as ctgit's local executor runs it.
direct_env() { # direct_env DIR STEP GPUS VAR=VALUE...: the environment ctgit gives step STEP in DIR
	local d=$1 step=$2 gpus=$3 visible="" k
	local -a own
	shift 3
	# ctgit gives a GPU step the first GPUS visible devices, and a CPU step none.
	if [ "$gpus" != 0 ]; then visible=$(seq -s, 0 $((gpus - 1))); fi
	local -a e=(PATH="$PATH" HOME="$HOME" CUDA_VISIBLE_DEVICES="$visible")
	# The runner variables internal/exec/local.go passes through (allowedEnv).
	for k in USER LOGNAME LANG LC_ALL LC_CTYPE TZ PYENV_ROOT PYENV_VERSION VIRTUAL_ENV CONDA_PREFIX \
		CONDA_DEFAULT_ENV LD_LIBRARY_PATH CUDA_HOME CUDA_PATH NVIDIA_VISIBLE_DEVICES NVIDIA_DRIVER_CAPABILITIES \
		SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
		if [ -n "${!k:-}" ]; then e+=("$k=${!k}"); fi
	done
	# The step's env (from the plan) next: ctgit's own variables win over it,
	# as they do there.
	if [ -n "${stepenv[$step]}" ]; then mapfile -t own <<<"${stepenv[$step]}"; e+=("${own[@]}"); fi
	printf '%s\0' "${e[@]}" TMPDIR="$d/tmp" CTGIT_INPUT_DIR="$d/input" \
		CTGIT_OUTPUT_DIR="$d/out" CTGIT_PIPELINE="$pipeline" CTGIT_MODEL=churn-mlp CTGIT_RUN_ID=direct \
		CTGIT_ATTEMPT=1 CTGIT_GPUS="$gpus" CTGIT_STEP="$step" "$@"
}
direct_stage() { # direct_stage DIR STEP: a fresh work directory for STEP, its code copied in
	mkdir -p "$1/input" "$1/out" "$1/tmp"
	cp -r "$repo/$2" "$1/src"
}
direct_input() { # direct_input DIR NAME PATH: hand PATH in as input NAME; prints its CTGIT_INPUT_<NAME>=…
	mkdir -p "$1/input/$2"
	cp -r "$3" "$1/input/$2/"
	printf 'CTGIT_INPUT_%s=%s' "${2^^}" "$1/input/$2/$(basename "$3")"
}
direct_step() { # direct_step DIR STEP GPUS TIMES LOG VAR=VALUE...: python3 STEP.py in DIR/src, timed into TIMES
	local d=$1 step=$2 gpus=$3 times=$4 log=$5 t rc=0
	shift 5
	local -a env
	mapfile -d '' env < <(direct_env "$d" "$step" "$gpus" "$@")
	t=$(now)
	(cd "$d/src" && env -i "${env[@]}" python3 "$step.py") >"$log" 2>&1 || rc=$?
	printf '%s\t%s\n' "$step" "$(awk -v a="$t" -v b="$(now)" 'BEGIN {printf "%.4f", b-a}')" >>"$times"
	return "$rc"
}
direct_outputs() { # direct_outputs STEP PATH...: a declared output the step did not write fails it, as in ctgit
	local step=$1 p
	shift
	for p in "$@"; do [ -e "$p" ] || { printf 'step %s did not write its output %s\n' "$step" "$p"; return 1; }; done
}
# The wiring of pipelines/churn.cue, checked against the plan by bench.py
# graph-check: prepare (raw = data.current) → table, encoding; train
# (features = prepare.table, encoding = prepare.encoding, gpus 1) → model;
# export (model = train.model) → torchscript; robustness (model =
# train.model, features = prepare.table) → metrics.
direct_run() { # direct_run DIR LOG: the graph by hand, in fresh copies; step times to DIR/steps.tsv
	local d=$1 log=$2 rc=0 pe=0 pr=0 in1 in2
	local p=$d/prepare t=$d/train x=$d/export r=$d/robustness
	rm -rf "$d" && mkdir -p "$d"
	: >"$log"
	{
		direct_stage "$p" prepare
		in1=$(direct_input "$p" raw "$repo/data/current.csv")
		direct_step "$p" prepare 0 "$d/steps.tsv" "$d/prepare.log" "$in1" \
			CTGIT_OUTPUT_TABLE="$p/out/features.csv" CTGIT_OUTPUT_ENCODING="$p/out/encoding.json" || rc=$?
		cat "$d/prepare.log"
		[ "$rc" = 0 ] && direct_outputs prepare "$p/out/features.csv" "$p/out/encoding.json" || return 1

		direct_stage "$t" train
		mkdir -p "$t/baseline" # no deployed model: an empty directory, as ctgit hands it
		cp "$repo/data/reference.csv" "$repo/data/current.csv" "$t/input/"
		in1=$(direct_input "$t" features "$p/out/features.csv")
		in2=$(direct_input "$t" encoding "$p/out/encoding.json")
		direct_step "$t" train 1 "$d/steps.tsv" "$d/train.log" "$in1" "$in2" \
			CTGIT_REFERENCE_FILE="$t/input/reference.csv" CTGIT_CURRENT_FILE="$t/input/current.csv" \
			CTGIT_MODEL_PATH="$t/out/model" CTGIT_METRICS_FILE="$t/out/metrics.json" \
			CTGIT_BASELINE_DIR="$t/baseline" || rc=$?
		cat "$d/train.log"
		[ "$rc" = 0 ] && direct_outputs train "$t/out/model/model.pt" "$t/out/metrics.json" || return 1

		# Side by side, as ctgit runs them with --parallel 2.
		(
			direct_stage "$x" export
			direct_step "$x" export 0 "$d/steps.tsv" "$d/export.log" "$(direct_input "$x" model "$t/out/model")" \
				CTGIT_OUTPUT_TORCHSCRIPT="$x/out/model.ts" CTGIT_METRICS_FILE="$x/out/metrics.json" &&
				direct_outputs export "$x/out/model.ts" "$x/out/metrics.json" >>"$d/export.log"
		) &
		local xpid=$!
		(
			direct_stage "$r" robustness
			in1=$(direct_input "$r" model "$t/out/model")
			in2=$(direct_input "$r" features "$p/out/features.csv")
			direct_step "$r" robustness 0 "$d/steps.tsv" "$d/robustness.log" "$in1" "$in2" \
				CTGIT_METRICS_FILE="$r/out/metrics.json" &&
				direct_outputs robustness "$r/out/metrics.json" >>"$d/robustness.log"
		) &
		local rpid=$!
		wait "$xpid" || pe=$?
		wait "$rpid" || pr=$?
		cat "$d/export.log" "$d/robustness.log"
		[ "$pe" = 0 ] && [ "$pr" = 0 ]
	} >>"$log" 2>&1
}

declare -A stepenv # each step's env from the plan: KEY=VALUE lines
plan_env() { # plan_env: stepenv from a fresh plan, after checking the wiring above against it
	local s
	"$ctgit" --root "$repo" plan --format json >"$work/plan.json"
	"$PYTHON" "$here/bench.py" graph-check "$work/plan.json" "$pipeline" ||
		die "the example's graph is not the one this script runs by hand: update direct_run"
	for s in prepare train export robustness; do
		stepenv[$s]=$("$PYTHON" "$here/bench.py" plan-env "$work/plan.json" "$pipeline" "$s")
	done
}

# Epochs: given, or measured by a short warm-up of the whole graph (which
# also warms the page cache and the CUDA driver for the timed runs).
plan_env
if [ -z "${BENCH_EPOCHS:-}" ]; then
	say "warm-up: the graph by hand with 3 epochs, to measure one epoch's time"
	stepenv[train]+=$'\nEPOCHS=3' # the last value wins, as in env(1)
	direct_run "$work/warm" "$work/warm.log" || { cat "$work/warm.log" >&2; die "warm-up run of the graph failed"; }
	BENCH_EPOCHS=$("$PYTHON" "$here/bench.py" epochs "$work/warm/train/out/metrics.json" "$BENCH_TARGET_S" "$BENCH_MAX_EPOCHS")
	say "$(grep -o '"epoch_seconds": [0-9.e-]*' "$work/warm/train/out/metrics.json"); $BENCH_EPOCHS epochs ≈ ${BENCH_TARGET_S}s"
else
	say "warm-up: the graph by hand with 1 epoch"
	stepenv[train]+=$'\nEPOCHS=1'
	direct_run "$work/warm" "$work/warm.log" || { cat "$work/warm.log" >&2; die "warm-up run of the graph failed"; }
fi
grep '^device:' "$work/warm.log" >&2 || true

# The epoch count reaches ctgit's step through train.env, overridden by one
# more CUE file of the package; the direct run gets the very same env.
printf 'package pipelines\n\n// Written by bench/gpu/run.sh.\npipelines: %s: train: env: EPOCHS: "%s"\n' \
	"$pipeline" "$BENCH_EPOCHS" >"$repo/pipelines/zz_bench.cue"
"$ctgit" --root "$repo" vet >&2
plan_env
for s in prepare train export robustness; do say "$s env: $(printf '%s' "${stepenv[$s]}" | tr '\n' ' ')"; done

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
	(cd "$repo" && "$ctgit" "${rootflag[@]}" run --executor local --parallel 2 --promote none --force-train \
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
	[ "$rc" = 0 ] || { cat "$runs/direct-$i.log" >&2; die "the graph by hand failed (exit code $rc)"; }
	# train's outputs, and each step's time and metrics, for bench.py.
	mkdir -p "$runs/direct-$i"
	cp -r "$work/direct/train/out/." "$runs/direct-$i/"
	cp "$work/direct/steps.tsv" "$runs/direct-$i-steps.tsv"
	cp "$work/direct/export/out/metrics.json" "$runs/direct-$i-export.json"
	cp "$work/direct/robustness/out/metrics.json" "$runs/direct-$i-robustness.json"
	say "direct run $i: $(tail -1 "$runs/walls.tsv" | cut -f3)s"
}

# The direct run's wall includes copying each step's code and inputs, as
# ctgit's does.
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
	cp "$runs/direct-1-steps.tsv" "$OUT/gpu-bench-direct-steps-1.tsv"
	cat "$runs"/*.log >"$OUT/gpu-bench-logs.txt"
fi
exit "$rc"
