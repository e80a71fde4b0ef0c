#!/bin/sh
# Build all of coreutils 9.1 (every program in src/) through cc-sandbox, with the exec modes of
# cc-sandbox.conf.   Usage: build.sh WORKDIR [TARBALL]      (prints the src directory)
# Configures with the coreutils-ls recipe, in the same WORKDIR (its tree, its configure cache and
# its RECIPE_CFLAGS), then runs `cc-sandbox make` of everything: the 107 programs of src/ (ls
# included), 8 gnulib benchmarks, and the man pages, which help2man makes by running the
# sandboxed programs' --help and --version.
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
work=$(mkdir -p "$1" && cd "$1" && pwd)
"$here/../coreutils-ls/build.sh" "$work" "${2:-}" >/dev/null
src=$work/src/coreutils-9.1
cp "$here/cc-sandbox.conf" "$src/cc-sandbox.conf"
step "building all of coreutils with cc-sandbox (107 programs in src/, each an LTO link)"
(cd "$src" && $CC_SANDBOX make -j"$JOBS") >"$work/coreutils-build.log" 2>&1 \
    || { grep '^cc-sandbox: error' "$work/coreutils-build.log" >&2 || tail -20 "$work/coreutils-build.log" >&2
         die "building coreutils failed (log: $work/coreutils-build.log)"; }
grep '^cc-sandbox: [0-9]* link(s)' "$work/coreutils-build.log" | tail -1 >&2
sed -n '/exec-capable programs:/,$p' "$work/coreutils-build.log" | grep -v ' linked ' >&2 || true
echo "$src/src"
