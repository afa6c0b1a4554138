#!/usr/bin/env bash
# stop.sh: stops the engine that start.sh started, and only it: SIGTERM to the
# PID in $CTGIT_DAGGER_RUN/engine.pid (after checking that this PID is still
# the engine binary built by setup.sh), then waits for it to exit (SIGKILL to
# that PID after $CTGIT_DAGGER_STOP_TIMEOUT, default 30 s).
#
# Processes the engine started (dnsmasq, containers) that outlive it, also when
# the engine died on its own, are found by the network namespace start.sh
# recorded: only the engine's process tree can be in that namespace, so they
# are ours and get SIGTERM too. Succeeds when no engine is running.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

# in_engine_netns prints the PIDs of live processes in the network namespace
# recorded in NETNS_FILE, never when that is the host's own namespace.
in_engine_netns() {
	local netns p
	netns=$(cat "$NETNS_FILE" 2>/dev/null) || return 0
	[ -n "$netns" ] && [ "$netns" != "$(readlink /proc/self/ns/net)" ] || return 0
	for p in /proc/[0-9]*; do
		if [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$netns" ]; then
			echo "${p#/proc/}"
		fi
	done
}

start=$(now)
if pid=$(engine_pid); then
	kill -TERM "$pid"
	timeout=${CTGIT_DAGGER_STOP_TIMEOUT:-30}
	for _ in $(seq $((timeout * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "engine PID $pid still running ${timeout} s after SIGTERM; sending SIGKILL to it"
		kill -KILL "$pid" 2>/dev/null || true
		sleep 0.5
	fi
	stopped="engine PID $pid stopped"
else
	stopped="no engine was running (no live engine PID in $PID_FILE)"
fi

left=$(in_engine_netns | tr '\n' ' ')
if [ -n "$left" ]; then
	log "processes left in the engine's network namespace: $left; sending SIGTERM"
	# shellcheck disable=SC2086
	kill -TERM $left 2>/dev/null || true
	for _ in $(seq 50); do
		[ -n "$(in_engine_netns)" ] || break
		sleep 0.1
	done
	if left=$(in_engine_netns | tr '\n' ' ') && [ -n "$left" ]; then
		log "still running after 5 s: $left; sending SIGKILL"
		# shellcheck disable=SC2086
		kill -KILL $left 2>/dev/null || true
	fi
fi

rm -f "$PID_FILE" "$ENV_FILE" "$SOCK" "$NETNS_FILE"
log "$stopped in $(elapsed "$start") s"
