#!/bin/sh
# Build memcached 1.6.18 against libevent 2.1.12, both through cc-sandbox.   Usage: build.sh WORKDIR
# libevent is configured, built and installed (static only, no OpenSSL) into WORKDIR/prefix with
# cc-sandbox build/make; memcached's configure finds it there (--with-libevent). No TLS, no SASL,
# no gcov coverage flags (clang + gcov would add -fprofile-arcs, which cc-sandbox refuses).
# Prints the memcached binary's path last; smoke.sh BINARY runs it as root, check.sh WORKDIR runs its tests.
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
work=$(mkdir -p "$1" && cd "$1" && pwd)
prefix=$work/prefix

# A compiler that crashes makes configure decide "no" silently (libevent without epoll):
# stop rather than build something other than what the recipe says.
configure_ok() {  # in the configured tree
    if grep -q '^Traceback (most recent call last)' config.log; then
        die "cc-sandbox crashed during configure (see $(pwd)/config.log); fix it and rerun"
    fi
}

le=$(fetch_source libevent 2.1.12-stable "$work")
cd "$le"
# Debian's 0001-Always-build-with-no-undefined.patch edits Makefile.am (only for shared libraries);
# keep it older than Makefile.in so that make does not try to run automake.
touch -r Makefile.in Makefile.am
if [ ! -f Makefile ]; then
    step "configuring libevent with cc-sandbox"
    $CC_SANDBOX build -- ./configure -C CFLAGS='-O2 -g' --prefix="$prefix" --disable-shared --enable-static \
        --disable-openssl --disable-samples --disable-libevent-regress --disable-debug-mode \
        >"$work/libevent-configure.log" 2>&1 \
        || { tail -20 "$work/libevent-configure.log" >&2; die "libevent configure failed (log: $work/libevent-configure.log)"; }
    configure_ok
    grep -q '^#define HAVE_EPOLL 1' config.h || die "libevent's configure found no epoll (see $le/config.log)"
    rm -f a.out a.out.*
fi
step "building libevent with cc-sandbox"
$CC_SANDBOX make -j"$JOBS" >"$work/libevent-build.log" 2>&1 \
    || { tail -20 "$work/libevent-build.log" >&2; die "libevent build failed (log: $work/libevent-build.log)"; }
# install only what changed: a fresh install touches the headers, and memcached would rebuild
if ! cmp -s .libs/libevent.a "$prefix/lib/libevent.a"; then
    step "installing libevent into $prefix"
    $CC_SANDBOX make install >"$work/libevent-install.log" 2>&1 \
        || { tail -20 "$work/libevent-install.log" >&2; die "libevent install failed (log: $work/libevent-install.log)"; }
fi
[ -f "$prefix/lib/libevent.a" ] || die "no $prefix/lib/libevent.a after make install"

mc=$(fetch_source memcached 1.6.18 "$work")
cd "$mc"
if [ ! -f Makefile ]; then
    step "configuring memcached with cc-sandbox"
    $CC_SANDBOX build -- ./configure -C CFLAGS='-O2 -g' --prefix="$prefix" --with-libevent="$prefix" \
        --disable-coverage --disable-docs --disable-sasl --disable-tls \
        >"$work/memcached-configure.log" 2>&1 \
        || { tail -20 "$work/memcached-configure.log" >&2; die "memcached configure failed (log: $work/memcached-configure.log)"; }
    configure_ok
    rm -f a.out a.out.*
fi
step "building memcached with cc-sandbox"
$CC_SANDBOX make -j"$JOBS" memcached >"$work/memcached-build.log" 2>&1 \
    || { grep 'cc-sandbox: error' "$work/memcached-build.log" >&2 || tail -20 "$work/memcached-build.log" >&2
         die "memcached build failed (log: $work/memcached-build.log)"; }
grep '^cc-sandbox: ' "$work/memcached-build.log" | grep -v ' linked ' >&2 || true
echo "$mc/memcached"
