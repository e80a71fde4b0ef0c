#!/bin/sh
# Build lighttpd 1.4.69 through cc-sandbox, with zlib 1.2.13 and pcre2 10.42 also built through
# cc-sandbox into WORKDIR/prefix (static libraries; lighttpd finds them with pkg-config and
# -I/-L). lighttpd is built static (LIGHTTPD_STATIC=yes): its modules are linked into the one
# binary, listed in src/plugin-static.h.          Usage: build.sh WORKDIR      (prints the binary)
#
# MODULES (environment): the modules registered in the binary, default all 28 that upstream's
# static build compiles. Unregistered modules are still compiled but never referenced, so LTO
# drops them and the analysis never sees them. Needs mod_indexfile, mod_dirlisting and
# mod_staticfile (lighttpd loads these three by default).
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
work=$(mkdir -p "$1" && cd "$1" && pwd)
prefix=$work/prefix
MODULES=${MODULES:-mod_access mod_accesslog mod_ajp13 mod_alias mod_auth mod_authn_file mod_cgi
 mod_deflate mod_dirlisting mod_evhost mod_expire mod_extforward mod_fastcgi mod_indexfile
 mod_proxy mod_redirect mod_rewrite mod_rrdtool mod_scgi mod_setenv mod_simple_vhost
 mod_sockproxy mod_ssi mod_staticfile mod_status mod_userdir mod_vhostdb mod_webdav}

# The bookworm releases themselves (fetch_source's DEBIAN_VERSION), not bookworm-security's.
# run LOG COMMAND...: run a build step, its output in WORKDIR/LOG; on failure show the tail.
run() {
    log=$work/$1; shift
    "$@" >"$log" 2>&1 || { tail -25 "$log" >&2; die "$* failed (log: $log)"; }
}

started=$(date +%s)

# zlib (its own configure script, not autoconf: --static is its --disable-shared). Its test
# programs are named ztest*, not conftest: CC_SANDBOX_PROBE=1 makes them probe links.
if [ ! -f "$prefix/lib/libz.a" ]; then
    src=$(fetch_source zlib 1.2.13.dfsg "$work" "" 1:1.2.13.dfsg-1)
    step "building zlib with cc-sandbox"
    cd "$src"
    run zlib-configure.log env CC_SANDBOX_PROBE=1 $CC_SANDBOX build -- ./configure --static --prefix="$prefix"
    run zlib-build.log $CC_SANDBOX make -j"$JOBS" libz.a
    run zlib-install.log $CC_SANDBOX make install
fi

# pcre2 (8-bit library, no JIT: the default)
if [ ! -f "$prefix/lib/libpcre2-8.a" ]; then
    src=$(fetch_source pcre2 10.42 "$work" "" 10.42-1)
    step "building pcre2 with cc-sandbox"
    cd "$src"
    run pcre2-configure.log $CC_SANDBOX build -- ./configure --prefix="$prefix" --disable-shared --enable-static CFLAGS=-O2
    rm -f a.out a.out.*
    run pcre2-build.log $CC_SANDBOX make -j"$JOBS"
    run pcre2-install.log $CC_SANDBOX make install
fi

src=$(fetch_source lighttpd 1.4.69 "$work" "" 1.4.69-1)
cd "$src"

# musl has no <sys/queue.h> (ls-hpack includes it for its STAILQ lists; Alpine uses
# bsd-compat-headers): the STAILQ macros it uses, as in BSD's queue.h.
# (Written beside it and moved in only when it differs, so that a rerun rebuilds nothing.)
mkdir -p "$work/compat/sys"
cat >"$work/compat/queue.h.new" <<'EOF'
#ifndef CC_SANDBOX_COMPAT_SYS_QUEUE_H
#define CC_SANDBOX_COMPAT_SYS_QUEUE_H
#define STAILQ_HEAD(name, type) struct name { struct type *stqh_first; struct type **stqh_last; }
#define STAILQ_ENTRY(type) struct { struct type *stqe_next; }
#define STAILQ_FIRST(head) ((head)->stqh_first)
#define STAILQ_EMPTY(head) ((head)->stqh_first == NULL)
#define STAILQ_NEXT(elm, field) ((elm)->field.stqe_next)
#define STAILQ_INIT(head) do { (head)->stqh_first = NULL; \
    (head)->stqh_last = &(head)->stqh_first; } while (0)
#define STAILQ_INSERT_TAIL(head, elm, field) do { (elm)->field.stqe_next = NULL; \
    *(head)->stqh_last = (elm); (head)->stqh_last = &(elm)->field.stqe_next; } while (0)
#define STAILQ_REMOVE_HEAD(head, field) do { \
    if (((head)->stqh_first = (head)->stqh_first->field.stqe_next) == NULL) \
        (head)->stqh_last = &(head)->stqh_first; } while (0)
#define STAILQ_FOREACH(var, head, field) \
    for ((var) = (head)->stqh_first; (var); (var) = (var)->field.stqe_next)
#endif
EOF
if cmp -s "$work/compat/queue.h.new" "$work/compat/sys/queue.h"; then rm -f "$work/compat/queue.h.new"
else mv "$work/compat/queue.h.new" "$work/compat/sys/queue.h"; fi

# The static build's module table (see INSTALL, "static build using make").
for m in $MODULES; do echo "PLUGIN_INIT($m)"; done >"$work/plugin-static.h"
cmp -s "$work/plugin-static.h" src/plugin-static.h 2>/dev/null || cp "$work/plugin-static.h" src/plugin-static.h

if [ ! -f Makefile ]; then
    step "configuring lighttpd with cc-sandbox (about a minute)"
    # PKG_CONFIG_LIBDIR: only the prefix's .pc files, never the host's.
    run lighttpd-configure.log env LIGHTTPD_STATIC=yes PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" \
        PKG_CONFIG_PATH="$prefix/lib/pkgconfig" $CC_SANDBOX build -- ./configure -C --prefix="$work/install" \
            --enable-static --disable-shared --with-pcre2 --with-zlib \
            CFLAGS="-O2 -g" CPPFLAGS="-I$work/compat -I$prefix/include" LDFLAGS="-L$prefix/lib"
    rm -f a.out a.out.*
    grep -q '^PCRE_LIB = .*-L'"$prefix"'/lib -lpcre2-8' src/Makefile || die "lighttpd's configure did not take pcre2 from $prefix"
    grep -q '^Z_LIB = -lz' src/Makefile || die "lighttpd's configure found no zlib"
fi
step "building lighttpd with cc-sandbox"
# Only the server: the generated headers (BUILT_SOURCES) first, then the one binary (no tests, no
# lighttpd-angel). lighttpd_LDFLAGS= drops -export-dynamic (for dlopen'ed modules, which a static
# build has not): with it every external function stays in the module, the unregistered modules'
# code too.
run lighttpd-gen.log $CC_SANDBOX make -C src versionstamp parsers
run lighttpd-build.log $CC_SANDBOX make -C src -j"$JOBS" BUILT_SOURCES= lighttpd_LDFLAGS= lighttpd
grep '^cc-sandbox: ' "$work/lighttpd-build.log" | grep -v '^cc-sandbox: linked ' >&2 || true
step "built in $(($(date +%s) - started)) s"
echo "$src/src/lighttpd"
