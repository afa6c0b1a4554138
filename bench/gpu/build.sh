#!/usr/bin/env bash
# Build the static linux/amd64 ctgit that bench/gpu/run.sh runs on a GPU
# machine without a Go toolchain: stripped and gzipped, so it fits the
# device tool's 64 MiB transfer (unstripped it is ~120 MB, gzipped ~25 MB).
#
#   bench/gpu/build.sh        # writes bin/ctgit-linux-amd64.gz (bin/ is gitignored)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mkdir -p bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -ldflags="-s -w" -o "$tmp/ctgit" ./cmd/ctgit
gzip -9 -c "$tmp/ctgit" >"$tmp/ctgit.gz"
mv "$tmp/ctgit.gz" bin/ctgit-linux-amd64.gz
wc -c <bin/ctgit-linux-amd64.gz | awk '{printf "bin/ctgit-linux-amd64.gz: %.1f MB\n", $1/1e6}'
