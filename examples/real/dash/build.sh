#!/bin/sh
# Build dash 0.5.12 through cc-sandbox, with the exec mode of cc-sandbox.conf.
# Usage: build.sh WORKDIR [TARBALL]
# dash's build links and runs its own generators (mksyntax, mknodes, ...): they are sandboxed too.
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
work=$(mkdir -p "$1" && cd "$1" && pwd)
src=$(fetch_source dash 0.5.12 "$work" "${2:-}")
cd "$src"
cp "$here/cc-sandbox.conf" cc-sandbox.conf
# Debian's patches touch configure.ac and Makefile.am; the shipped configure is what we run.
touch aclocal.m4 && touch configure Makefile.in src/Makefile.in config.h.in
if [ ! -f Makefile ]; then
    step "configuring dash with cc-sandbox"
    $CC_SANDBOX build -- ./configure CFLAGS=-O2 >"$work/dash-configure.log" 2>&1 \
        || { tail -20 "$work/dash-configure.log" >&2; die "configure failed (log: $work/dash-configure.log)"; }
fi
step "building dash with cc-sandbox"
$CC_SANDBOX make -j"$JOBS" >"$work/dash-build.log" 2>&1 \
    || { tail -20 "$work/dash-build.log" >&2; die "building dash failed (log: $work/dash-build.log)"; }
sed -n '/exec-capable programs:/,$p' "$work/dash-build.log" | grep -v ' linked ' >&2
echo "$src/src/dash"
