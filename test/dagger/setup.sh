#!/usr/bin/env bash
# setup.sh: makes this machine able to run a Dagger engine v0.19.7 as a root
# host process, without Docker and without a registry, for ctgit's Dagger
# executor tests. Idempotent: each phase is skipped when its result is already
# there, so a second run on the same machine takes seconds.
#
# Phases:
#   apt     runc, dnsmasq, iptables, busybox-static, pigz, debootstrap, ...
#   build   engine, dagger CLI, dagger-init and CNI plugins (bridge, loopback,
#           firewall, host-local and Dagger's dnsname) from the Go module
#           proxy (test/dagger/tools), into $CTGIT_DAGGER_CACHE/bin
#   install runc and dagger-init where the engine expects them
#   images  root filesystems: busybox (shell steps) and a debootstrap Debian
#           minbase with python3 (the Python trainer)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || die "setup.sh must run as root (it installs packages and the engine runs as root)"

APT_PACKAGES=(runc dnsmasq-base iptables busybox-static pigz debootstrap debian-archive-keyring
	iproute2 util-linux ca-certificates openssl)

total_start=$(now)

phase_apt() {
	local missing=() p
	for p in "${APT_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		log "apt: all packages present"
		return
	fi
	log "apt: installing ${missing[*]}"
	apt_get update -qq
	DEBIAN_FRONTEND=noninteractive apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build_stamp identifies what the binaries are built from: a change of version,
# of the tools module or of the provided distconsts package forces a rebuild.
build_stamp() {
	{
		echo "$DAGGER_VERSION"
		go version
		cat "$here/tools/go.mod" "$here/tools/go.sum" "$here/tools/distconsts/go.mod" "$here/tools/distconsts/"*.go
	} | sha256sum | cut -d' ' -f1
}

phase_build() {
	command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
	local stamp want
	want=$(build_stamp)
	stamp=$(cat "$BIN_DIR/stamp" 2>/dev/null || true)
	if [ "$stamp" = "$want" ] && [ -x "$BIN_DIR/engine" ] && [ -x "$BIN_DIR/dagger" ] &&
		[ -x "$BIN_DIR/dagger-init" ] && [ -x "$CNI_DIR/bridge" ] && [ -x "$CNI_DIR/loopback" ] &&
		[ -x "$CNI_DIR/firewall" ] && [ -x "$CNI_DIR/host-local" ] && [ -x "$CNI_DIR/dnsname" ]; then
		log "build: binaries for $DAGGER_VERSION present in $BIN_DIR"
		return
	fi
	log "build: building Dagger $DAGGER_VERSION and CNI plugins into $BIN_DIR (cold: several minutes)"
	local tmp=$CACHE_DIR/bin.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp/cni"
	local ldflags="-X github.com/dagger/dagger/engine.Version=$DAGGER_VERSION -X github.com/dagger/dagger/engine.Tag=$DAGGER_VERSION"
	(
		cd "$here/tools"
		# The dagger module is fetched by version from the proxy; its checksum
		# is not in the public checksum database, so skip that lookup for it
		# alone. Every other module is checked against go.sum.
		export GONOSUMDB=github.com/dagger/dagger GOFLAGS=-mod=mod CGO_ENABLED=0
		go build -trimpath -ldflags "$ldflags" -o "$tmp/" \
			github.com/dagger/dagger/cmd/engine \
			github.com/dagger/dagger/cmd/dagger \
			github.com/dagger/dagger/cmd/init
		# dnsname is the engine's own CNI plugin (it runs dnsmasq for
		# service names); the engine refuses to start without it.
		go build -trimpath -o "$tmp/cni/" \
			github.com/dagger/dagger/cmd/dnsname \
			github.com/containernetworking/plugins/plugins/main/bridge \
			github.com/containernetworking/plugins/plugins/main/loopback \
			github.com/containernetworking/plugins/plugins/meta/firewall \
			github.com/containernetworking/plugins/plugins/ipam/host-local
	)
	mv "$tmp/init" "$tmp/dagger-init"
	echo "$want" >"$tmp/stamp"
	rm -rf "$BIN_DIR"
	mv "$tmp" "$BIN_DIR"
}

phase_install() {
	# Debian installs runc in /usr/sbin; the engine is built to run /usr/local/bin/runc.
	local runc
	runc=$(command -v runc || echo /usr/sbin/runc)
	if [ "$(readlink -f "$RUNC_PATH")" != "$(readlink -f "$runc")" ]; then
		ln -sfn "$runc" "$RUNC_PATH"
	fi
	if ! cmp -s "$BIN_DIR/dagger-init" "$DAGGER_INIT_PATH"; then
		install -m 0755 "$BIN_DIR/dagger-init" "$DAGGER_INIT_PATH"
	fi
	# The engine opens an OCI content store of built-in SDK images here; ctgit
	# uses the core API only, so an empty store is enough.
	mkdir -p "$BUILTIN_CONTENT_DIR/blobs/sha256"
	[ -f "$BUILTIN_CONTENT_DIR/oci-layout" ] || echo '{"imageLayoutVersion":"1.0.0"}' >"$BUILTIN_CONTENT_DIR/oci-layout"
	[ -f "$BUILTIN_CONTENT_DIR/index.json" ] || echo '{"schemaVersion":2,"manifests":[]}' >"$BUILTIN_CONTENT_DIR/index.json"
	log "install: runc at $RUNC_PATH, dagger-init at $DAGGER_INIT_PATH"
}

# image_busybox makes a minimal root filesystem: busybox-static and one link
# per applet, so /bin/sh, date, cat, ... exist.
image_busybox() {
	local dir=$IMAGES_DIR/busybox want stamp
	want=$(sha256sum /bin/busybox | cut -d' ' -f1)
	stamp=$(cat "$IMAGES_DIR/busybox.stamp" 2>/dev/null || true)
	if [ "$stamp" = "$want" ] && [ -x "$dir/bin/sh" ]; then
		log "images: busybox rootfs present"
		return
	fi
	rm -rf "$dir"
	mkdir -p "$dir"/{bin,etc,tmp,proc,sys,dev,root,work}
	chmod 1777 "$dir/tmp"
	cp /bin/busybox "$dir/bin/busybox"
	local applet
	for applet in $(/bin/busybox --list); do
		[ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
	echo "$want" >"$IMAGES_DIR/busybox.stamp"
	log "images: busybox rootfs at $dir"
}

# debian_mirror prints the Debian archive apt is configured with, so that
# debootstrap uses the same mirror that works on this machine.
debian_mirror() {
	local uri
	uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
	if [ -z "$uri" ]; then
		uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
	fi
	printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

image_python() {
	local dir=$IMAGES_DIR/python suite mirror
	suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	if [ "$(cat "$IMAGES_DIR/python.stamp" 2>/dev/null || true)" = "$suite" ] && [ -x "$dir/usr/bin/python3" ]; then
		log "images: python rootfs ($suite) present"
		return
	fi
	mirror=$(debian_mirror)
	log "images: debootstrap --variant=minbase --include=python3 $suite from $mirror"
	local tmp=$IMAGES_DIR/python.tmp
	rm -rf "$tmp"
	mkdir -p "$IMAGES_DIR"
	if ! debootstrap --variant=minbase --include=python3 "$suite" "$tmp" "$mirror" >"$IMAGES_DIR/debootstrap.log" 2>&1; then
		tail -20 "$IMAGES_DIR/debootstrap.log" >&2
		die "debootstrap failed; full log in $IMAGES_DIR/debootstrap.log"
	fi
	# Downloaded .debs are not needed in the image; device nodes cannot be
	# sent through the engine's file sync and runc provides /dev anyway.
	rm -rf "${tmp:?}"/var/cache/apt/archives/*.deb "${tmp:?}"/var/lib/apt/lists/* "${tmp:?}"/dev/*
	rm -rf "$dir"
	mv "$tmp" "$dir"
	echo "$suite" >"$IMAGES_DIR/python.stamp"
	log "images: python rootfs at $dir ($(du -sh "$dir" | cut -f1))"
}

run_phase() {
	local name=$1 start
	start=$(now)
	"phase_$name"
	log "phase $name: $(elapsed "$start") s"
}

phase_images() {
	image_busybox
	image_python
}

mkdir -p "$CACHE_DIR" "$IMAGES_DIR"
for p in apt build install images; do
	run_phase "$p"
done
log "setup done in $(elapsed "$total_start") s; cache $CACHE_DIR ($(du -sh "$CACHE_DIR" | cut -f1))"
