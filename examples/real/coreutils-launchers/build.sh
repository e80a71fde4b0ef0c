#!/bin/sh
# Build coreutils 9.1's launchers (env, timeout, nice, nohup) and ls through cc-sandbox, with the
# exec modes of cc-sandbox.conf.   Usage: build.sh WORKDIR [TARBALL]
# Reuses the tree the coreutils-ls recipe configures in WORKDIR (configure takes minutes), then
# links just these programs: a whole `make` is ~100 LTO links more.
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
work=$(mkdir -p "$1" && cd "$1" && pwd)
"$here/../coreutils-ls/build.sh" "$work" "${2:-}" >/dev/null
src=$work/src/coreutils-9.1
cp "$here/cc-sandbox.conf" "$src/cc-sandbox.conf"
step "building src/env src/timeout src/nice src/nohup src/ls with cc-sandbox"
(cd "$src" && rm -f src/env src/timeout src/nice src/nohup src/ls \
    && $CC_SANDBOX make -j"$JOBS" src/env src/timeout src/nice src/nohup src/ls) >"$work/launchers-build.log" 2>&1 \
    || { tail -20 "$work/launchers-build.log" >&2; die "building the launchers failed (log: $work/launchers-build.log)"; }
sed -n '/exec-capable programs:/,$p' "$work/launchers-build.log" | grep -v ' linked ' >&2 || true
echo "$src/src"
