#!/usr/bin/env bash
# start.sh: starts the Dagger engine built by setup.sh as a root host process
# in its own mount and network namespaces, waits until it answers, and writes
# $CTGIT_DAGGER_RUN/env (default /tmp/ctgit-dagger/env) for clients to source:
#   _EXPERIMENTAL_DAGGER_RUNNER_HOST, _EXPERIMENTAL_DAGGER_CLI_BIN and the test
#   root filesystems CTGIT_DAGGER_BUSYBOX_ROOTFS, CTGIT_DAGGER_PYTHON_ROOTFS.
#
# Why the namespaces: the engine listens under /run, creates
# /etc/dnsmasq-resolv.conf and bind-mounts its own resolv.conf over
# /etc/resolv.conf, may run update-ca-certificates (which rewrites
# /etc/ssl/certs), puts temporary files in $TMPDIR, creates a bridge, runs
# dnsmasq and writes iptables rules. In a private mount namespace it gets a
# tmpfs /run and an overlay on /etc whose writable layer is thrown away at the
# next start (so /etc/ssl and the rest of /etc on the host are never written;
# this covers what a bind-mounted copy of /etc/ssl alone would); TMPDIR points
# into $CTGIT_DAGGER_RUN; a private network namespace keeps its bridge and
# iptables rules off the host. Its unix socket lives on the host filesystem,
# so clients in the host namespaces reach it.
#
# Only the PID written to $CTGIT_DAGGER_RUN/engine.pid is ever signalled by
# stop.sh. Starting when that engine already answers does nothing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || die "start.sh must run as root"
[ -x "$BIN_DIR/engine" ] || die "no engine at $BIN_DIR/engine; run test/dagger/setup.sh first"

write_env() {
	cat >"$ENV_FILE.tmp" <<EOF
# Written by test/dagger/start.sh for the engine with PID $1.
export _EXPERIMENTAL_DAGGER_RUNNER_HOST=unix://$SOCK
export _EXPERIMENTAL_DAGGER_CLI_BIN=$BIN_DIR/dagger
export CTGIT_DAGGER_BUSYBOX_ROOTFS=$IMAGES_DIR/busybox
export CTGIT_DAGGER_PYTHON_ROOTFS=$IMAGES_DIR/python
EOF
	mv "$ENV_FILE.tmp" "$ENV_FILE"
}

start=$(now)
mkdir -p "$RUN_DIR" "$ENGINE_ROOT"

if pid=$(engine_pid) && engine_answers; then
	write_env "$pid"
	log "engine already running (PID $pid); env in $ENV_FILE"
	exit 0
fi
if pid=$(engine_pid); then
	die "engine PID $pid is running but does not answer on $SOCK; run stop.sh first (log: $LOG_FILE)"
fi

rm -f "$SOCK" "$PID_FILE" "$ENV_FILE"
# A fresh writable layer for /etc each start.
rm -rf "$RUN_DIR/etc-upper" "$RUN_DIR/etc-work" "$RUN_DIR/tmp"
mkdir -p "$RUN_DIR/etc-upper" "$RUN_DIR/etc-work" "$RUN_DIR/tmp" "$RUN_DIR/sysfs"

# Inside the new namespaces, before the engine starts:
# - lo up; tmpfs /run; an overlay on /etc (see the top of this file).
# - The host's sysfs lists the host network namespace's devices; the engine
#   reads its containers' veth statistics under /sys/class/net and crashes on
#   a nil sample when they are missing there. A sysfs mounted inside this
#   namespace lists its own devices: bind its class/net and devices/virtual/net
#   over the host's, leaving the rest of /sys (the cgroups runc uses) as it is.
# - A PID namespace of its own, in which the engine is PID 1 (as in its
#   Docker image): when the engine dies, however it dies, the kernel kills
#   every process in it, so no step's container outlives its engine (with
#   the host's PID namespace, a killed engine left its containers running,
#   reparented to init). /proc is remounted for that namespace.
# unshare --fork makes the namespace's PID 1 a child of unshare; sh execs the
# engine in it, so the engine's host PID is unshare's only child.
# shellcheck disable=SC2016 # the inner script expands its own arguments
TMPDIR=$RUN_DIR/tmp setsid unshare --mount --net --pid --fork --propagation private -- /bin/sh -ec '
	ip link set lo up
	mount -t proc proc /proc
	mount -t tmpfs -o mode=0755 tmpfs /run
	mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/etc-upper,workdir=$1/etc-work" /etc
	mount -t sysfs sysfs "$1/sysfs"
	mount --bind "$1/sysfs/class/net" /sys/class/net
	mount --bind "$1/sysfs/devices/virtual/net" /sys/devices/virtual/net
	umount "$1/sysfs"
	shift
	exec "$@"
' sh "$RUN_DIR" \
	"$BIN_DIR/engine" \
	--root "$ENGINE_ROOT" \
	--addr "unix://$SOCK" \
	--oci-cni-binary-dir "$CNI_DIR" \
	>"$LOG_FILE" 2>&1 </dev/null &
unshare_pid=$!
# The engine's host PID: unshare's child, once it has exec'd the engine.
pid=
for _ in $(seq 100); do
	kids=()
	read -ra kids <"/proc/$unshare_pid/task/$unshare_pid/children" 2>/dev/null || true
	for c in "${kids[@]}"; do
		if [ "$(readlink "/proc/$c/exe" 2>/dev/null)" = "$BIN_DIR/engine" ]; then
			pid=$c
		fi
	done
	[ -z "$pid" ] || break
	kill -0 "$unshare_pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$pid" ]; then
	tail -30 "$LOG_FILE" >&2 || true
	kill -KILL "$unshare_pid" 2>/dev/null || true
	die "the engine did not start in its namespaces; log: $LOG_FILE"
fi
echo "$pid" >"$PID_FILE"

deadline=$(($(date +%s) + ${CTGIT_DAGGER_START_TIMEOUT:-60}))
until [ -S "$SOCK" ] && engine_answers; do
	if ! kill -0 "$pid" 2>/dev/null; then
		rm -f "$PID_FILE"
		tail -30 "$LOG_FILE" >&2 || true
		die "engine exited during start; log: $LOG_FILE"
	fi
	if [ "$(date +%s)" -ge "$deadline" ]; then
		tail -30 "$LOG_FILE" >&2 || true
		die "engine PID $pid did not answer on $SOCK within ${CTGIT_DAGGER_START_TIMEOUT:-60} s; stop it with stop.sh"
	fi
	sleep 0.2
done
# stop.sh ends whatever the engine left in its network namespace (dnsmasq,
# containers) even if the engine itself died; only our engine's process tree
# can be in that namespace.
readlink "/proc/$pid/ns/net" >"$NETNS_FILE"
write_env "$pid"
log "engine $DAGGER_VERSION started (PID $pid) in $(elapsed "$start") s; socket $SOCK; env in $ENV_FILE; log $LOG_FILE"
