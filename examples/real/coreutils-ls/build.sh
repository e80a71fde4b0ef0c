#!/bin/sh
# Build coreutils 9.1 `ls` through cc-sandbox.   Usage: build.sh WORKDIR [TARBALL]
# -g keeps line tables so that `phasecut --at main:clear_files` finds the call LTO inlined.
# configure runs under `cc-sandbox build` (its test links use cheap LTO); FORCE_UNSAFE_CONFIGURE
# lets it run as root. automake's BUILT_SOURCES (generated gnulib headers) are made before
# src/ls because only `make all` would make them otherwise.
# RECIPE_CFLAGS (environment): configure's CFLAGS, default "-g -O2" (keep -g for phasecut), e.g.
# "-O0 -g" for a debug build. A configured tree keeps its flags: use one WORKDIR per level.
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
work=$(mkdir -p "$1" && cd "$1" && pwd)
src=$(fetch_source coreutils 9.1 "$work" "${2:-}")
cd "$src"
cflags=${RECIPE_CFLAGS:--g -O2}
if [ ! -f Makefile ]; then
    step "configuring coreutils with cc-sandbox (a few minutes)"
    FORCE_UNSAFE_CONFIGURE=1 $CC_SANDBOX build -- ./configure -C CFLAGS="$cflags" --disable-nls --without-selinux \
        --without-libgmp --without-openssl --disable-acl --disable-xattr --disable-libcap >"$work/ls-configure.log" 2>&1 \
        || { tail -20 "$work/ls-configure.log" >&2; die "configure failed (log: $work/ls-configure.log)"; }
fi
[ "$(sed -n 's/^CFLAGS = //p' Makefile)" = "$cflags" ] \
    || die "$src was configured with CFLAGS '$(sed -n 's/^CFLAGS = //p' Makefile)', not '$cflags': use another WORKDIR"
step "building src/ls with cc-sandbox"
built=$(printf 'print-bs:\n\t@echo $(BUILT_SOURCES)\n' | make -s -f Makefile -f - print-bs)
{ $CC_SANDBOX make -j"$JOBS" $built && $CC_SANDBOX make -j"$JOBS" src/ls; } >"$work/ls-build.log" 2>&1 \
    || { tail -20 "$work/ls-build.log" >&2; die "building ls failed (log: $work/ls-build.log)"; }
echo "$src/src/ls"
