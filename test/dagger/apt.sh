# shellcheck shell=bash
# apt.sh: apt_get, apt-get that waits for another installer's lock. Sourced
# by lib.sh and by .ci/run, never run.
#
# DPkg::Lock::Timeout makes apt-get wait for dpkg's lock only. Measured with
# apt 2.6.1: `apt-get update` fails at once on the lists lock
# (/var/lib/apt/lists/lock) and `apt-get install` on the archives lock
# (/var/cache/apt/archives/lock) that another apt holds, timeout or not. So
# apt_get retries while one of apt's locks is held (seen in /proc/locks),
# for up to APT_LOCK_WAIT seconds (600), and once more after a failure with
# no lock held (it may have been released in between); other failures fail.

APT_LOCKS=(/var/lib/apt/lists/lock /var/cache/apt/archives/lock /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock)

# apt_locked succeeds when a process holds one of apt's locks.
apt_locked() {
	local f ino
	for f in "${APT_LOCKS[@]}"; do
		ino=$(stat -c %i "$f" 2>/dev/null) || continue
		# /proc/locks: "1: POSIX ADVISORY WRITE PID MAJ:MIN:INODE START END"
		awk -v ino="$ino" '{ n = split($6, a, ":"); if (a[n] == ino) found = 1 } END { exit !found }' /proc/locks && return 0
	done
	return 1
}

# apt_get runs apt-get with its arguments, waiting for apt's locks.
apt_get() {
	local deadline=$(($(date +%s) + ${APT_LOCK_WAIT:-600})) unlocked_retry=1
	until apt-get -o DPkg::Lock::Timeout="${APT_LOCK_WAIT:-600}" "$@"; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			printf 'apt_get: apt is still locked after %s s\n' "${APT_LOCK_WAIT:-600}" >&2
			return 1
		fi
		if apt_locked; then
			printf 'apt_get: another apt holds its lock; waiting\n' >&2
			while apt_locked && [ "$(date +%s)" -lt "$deadline" ]; do sleep 2; done
		elif [ "$unlocked_retry" = 1 ]; then
			unlocked_retry=0
		else
			return 1
		fi
	done
}
