# shellcheck shell=bash disable=SC2034 # variables are used by the scripts sourcing this file
# lib.sh: settings and helpers shared by setup.sh, start.sh and stop.sh.
# Sourced, never run. Every path can be moved with an environment variable so
# that two checkouts on one machine can keep separate engines.

# DAGGER_VERSION is the engine, CLI and SDK version everything here is pinned to.
DAGGER_VERSION=v0.19.7

# CTGIT_DAGGER_CACHE persists between runs on one machine: built binaries,
# test root filesystems and the engine's state (its build cache).
CACHE_DIR=${CTGIT_DAGGER_CACHE:-/var/cache/ctgit-dagger}
BIN_DIR=$CACHE_DIR/bin
CNI_DIR=$BIN_DIR/cni
IMAGES_DIR=$CACHE_DIR/images
# CTGIT_DAGGER_STATE moves the engine's state (its build cache) away from the
# shared one, for a test that starts and kills an engine of its own beside
# the one the other tests use (two engines cannot share a state directory).
ENGINE_ROOT=${CTGIT_DAGGER_STATE:-$CACHE_DIR/engine-state}

# CTGIT_DAGGER_RUN holds what lives only while an engine runs: its socket,
# PID file, log, private copy of /etc/ssl and the env file for clients.
RUN_DIR=${CTGIT_DAGGER_RUN:-/tmp/ctgit-dagger}
SOCK=$RUN_DIR/engine.sock
PID_FILE=$RUN_DIR/engine.pid
LOG_FILE=$RUN_DIR/engine.log
ENV_FILE=$RUN_DIR/env
NETNS_FILE=$RUN_DIR/engine.netns

# Paths compiled into the engine through tools/distconsts; keep them in step.
RUNC_PATH=/usr/local/bin/runc
DAGGER_INIT_PATH=/usr/local/bin/dagger-init
BUILTIN_CONTENT_DIR=/usr/local/share/dagger/content

# shellcheck source=apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

log() { printf 'ctgit-dagger: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# now prints seconds since the epoch with millisecond precision.
now() { date +%s.%3N; }

# elapsed START prints the seconds since START with one decimal.
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

# engine_pid prints the PID in PID_FILE when that process is still the
# engine built here (so a recycled PID is never mistaken for it).
engine_pid() {
	local pid exe
	[ -f "$PID_FILE" ] || return 1
	pid=$(cat "$PID_FILE")
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
	[ "$exe" = "$BIN_DIR/engine" ] || return 1
	printf '%s\n' "$pid"
}

# engine_answers succeeds when the engine behind SOCK serves API queries.
engine_answers() {
	_EXPERIMENTAL_DAGGER_RUNNER_HOST=unix://$SOCK \
		timeout 20 "$BIN_DIR/dagger" --silent query --doc /dev/stdin >/dev/null 2>&1 <<'EOF'
{ version }
EOF
}
