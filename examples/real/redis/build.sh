#!/bin/sh
# Build redis 7.0.15 (server, cli, benchmark) through cc-sandbox.   Usage: build.sh WORKDIR [TARBALL]
# MALLOC=libc: musl's malloc instead of the bundled jemalloc; no TLS, no systemd.
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
work=$(mkdir -p "$1" && cd "$1" && pwd)
src=$(fetch_source redis 7.0.15 "$work" "${2:-}")
step "building redis with cc-sandbox"
$CC_SANDBOX make -s -C "$src" -j"$JOBS" MALLOC=libc BUILD_TLS=no USE_SYSTEMD=no >"$work/redis-build.log" 2>&1 \
    || { tail -20 "$work/redis-build.log" >&2; die "redis build failed (log: $work/redis-build.log)"; }
echo "$src/src/redis-server"
