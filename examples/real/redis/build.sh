#!/bin/sh
# Build redis 7.0.15 (server, cli, benchmark) through cc-sandbox.   Usage: build.sh WORKDIR [TARBALL]
# MALLOC=libc: musl's malloc instead of the bundled jemalloc; no TLS, no systemd.
# RECIPE_CFLAGS (environment): CFLAGS for redis and its bundled libraries (redis hands CFLAGS down
# to deps/, after their own -O: "-O0 -g" builds a debug redis); unset, redis' own flags (-O2 -g
# -ggdb, hiredis -O3, linenoise and hdr_histogram -Os, Lua -O2). Lua's Makefile puts its -O2
# after CFLAGS: LUA_DEBUG=yes in the environment (redis' own switch) builds Lua at -O0 -g, with
# its API checks. Use one WORKDIR per level.
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
work=$(mkdir -p "$1" && cd "$1" && pwd)
src=$(fetch_source redis 7.0.15 "$work" "${2:-}")
step "building redis with cc-sandbox"
$CC_SANDBOX make -s -C "$src" -j"$JOBS" MALLOC=libc BUILD_TLS=no USE_SYSTEMD=no \
    ${RECIPE_CFLAGS:+"CFLAGS=$RECIPE_CFLAGS"} >"$work/redis-build.log" 2>&1 \
    || { tail -20 "$work/redis-build.log" >&2; die "redis build failed (log: $work/redis-build.log)"; }
echo "$src/src/redis-server"
