#!/bin/sh
# Build dash 0.5.12 through cc-sandbox, with the exec mode of cc-sandbox.conf.
# Usage: build.sh WORKDIR [TARBALL]
# dash's build links and runs its own generators (mksyntax, mknodes, ...): they are sandboxed too.
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
work=$(mkdir -p "$1" && cd "$1" && pwd)
if [ -n "${2:-}" ]; then
    src=$(fetch_source dash 0.5.12 "$work" "$2")
else
    # Debian's patches change Makefile.am (they add src/priv.c) and need autoreconf; build the
    # upstream tree from the orig tarball that apt-get source fetches alongside, as shipped.
    top=$work
    fetch_source dash 0.5.12 "$top/debian" >/dev/null
    work=$top src=$top/src/dash-0.5.12
    [ -d "$src" ] || { mkdir -p "$work/src" && tar -xf "$work/debian/src/dash_0.5.12.orig.tar.gz" -C "$work/src"; } \
        || die "cannot unpack dash_0.5.12.orig.tar.gz"
fi
cd "$src"
cp "$here/cc-sandbox.conf" cc-sandbox.conf
if [ ! -f Makefile ]; then
    step "configuring dash with cc-sandbox"
    $CC_SANDBOX build -- ./configure CFLAGS=-O2 >"$work/dash-configure.log" 2>&1 \
        || { tail -20 "$work/dash-configure.log" >&2; die "configure failed (log: $work/dash-configure.log)"; }
fi
step "building dash with cc-sandbox"
$CC_SANDBOX make -j"$JOBS" >"$work/dash-build.log" 2>&1 \
    || { tail -20 "$work/dash-build.log" >&2; die "building dash failed (log: $work/dash-build.log)"; }
sed -n '/exec-capable programs:/,$p' "$work/dash-build.log" | grep -v ' linked ' >&2 || true
echo "$src/src/dash"
