#!/bin/sh
# Build findutils 4.9.0 entirely through cc-sandbox, with the exec modes of cc-sandbox.conf.
# Usage: build.sh WORKDIR [TARBALL]      (then check.sh WORKDIR runs its own `make check`)
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
work=$(mkdir -p "$1" && cd "$1" && pwd)
src=$(fetch_source findutils 4.9.0 "$work" "${2:-}")
cd "$src"
cp "$here/cc-sandbox.conf" cc-sandbox.conf
# Debian's patch updates configure.ac's gettext macros, for autoreconf; the shipped configure is
# what we run, so keep configure.ac older than the files generated from it.
touch -r m4/noreturn.m4 configure.ac
if [ ! -f Makefile ]; then
    step "configuring findutils with cc-sandbox (a few minutes)"
    $CC_SANDBOX build -- ./configure -C CFLAGS=-O2 --disable-nls --without-selinux >"$work/findutils-configure.log" 2>&1 \
        || { tail -20 "$work/findutils-configure.log" >&2; die "configure failed (log: $work/findutils-configure.log)"; }
    rm -f a.out a.out.*
fi
step "building findutils with cc-sandbox"
$CC_SANDBOX make -j"$JOBS" >"$work/findutils-build.log" 2>&1 \
    || { tail -20 "$work/findutils-build.log" >&2; die "building findutils failed (log: $work/findutils-build.log)"; }
sed -n '/exec-capable programs:/,$p' "$work/findutils-build.log" | grep -v ' linked ' >&2 || true
echo "$src"
