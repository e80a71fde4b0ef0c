#!/bin/sh
# Build the sqlite3 3.40.1 shell through cc-sandbox.   Usage: build.sh WORKDIR [TARBALL]
# The amalgamation is generated with the host's gcc and tclsh (it is source generation, not
# part of the program); the program itself is compiled and linked by `cc-sandbox make`.
# RECIPE_CFLAGS (environment): the compiler flags, for a build at another level (e.g. "-O0 -g");
# unset, the Makefile's own (-O2). Use one WORKDIR per level.
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
work=$(mkdir -p "$1" && cd "$1" && pwd)
src=$(fetch_source sqlite3 3.40.1 "$work" "${2:-}")
amalg=$work/sqlite3-amalgamation build=$work/sqlite3-build
if [ ! -f "$amalg/shell.c" ]; then
    step "generating the amalgamation (host gcc + tclsh)"
    mkdir -p "$amalg"
    (cd "$amalg" && "$src/configure" --disable-tcl CC=gcc >configure.log 2>&1 && make sqlite3.c shell.c >make.log 2>&1) \
        || die "generating the sqlite3 amalgamation failed; see $amalg/*.log (needs gcc and tclsh)"
fi
mkdir -p "$build"
# -p: an unchanged source keeps its time, so a second run only links again what must be
cp -p "$amalg/sqlite3.c" "$amalg/shell.c" "$amalg/sqlite3.h" "$amalg/sqlite3ext.h" "$here/Makefile" "$build/"
step "building sqlite3 with cc-sandbox"
$CC_SANDBOX make -s -C "$build" -j"$JOBS" ${RECIPE_CFLAGS:+"CFLAGS=$RECIPE_CFLAGS"} sqlite3 2>"$build/build.log" || { tail -20 "$build/build.log" >&2; die "sqlite3 build failed"; }
echo "$build/sqlite3"
