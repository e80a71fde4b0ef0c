#!/bin/sh
# memcached's own test suite (`make test`: sizes, testapp, then `prove t/*.t`) against the programs
# cc-sandbox builds: memcached-debug (what t/lib/MemcachedTest.pm starts), sizes, testapp, timedrun.
# Usage: check.sh WORKDIR        (after build.sh WORKDIR; the perl modules are perl's core ones)
# timedrun (the tests start `timedrun 600 memcached-debug ...`) and testapp (execv of
# ./memcached-debug) run other programs: exec mode floor, so memcached-debug installs its own
# filter on top of theirs (two filters stacked). Prints the summary of prove; log in WORKDIR.
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
work=$(cd "$1" && pwd) || die "no work directory $1"
src=$work/src/memcached-1.6.18
[ -f "$src/Makefile" ] || die "$src is not configured: run build.sh $1 first"
cd "$src"
modes="--exec-mode timedrun=floor --exec-mode testapp=floor"
step "building memcached-debug, sizes, testapp and timedrun with cc-sandbox"
$CC_SANDBOX make $modes -j"$JOBS" memcached-debug sizes testapp timedrun >"$work/memcached-check-build.log" 2>&1 \
    || { grep 'cc-sandbox: error' "$work/memcached-check-build.log" >&2 || tail -20 "$work/memcached-check-build.log" >&2
         die "building the test programs failed (log: $work/memcached-check-build.log)"; }
sed -n '/exec-capable programs:/,$p' "$work/memcached-check-build.log" | grep -v ' linked ' >&2 || true
step "running make test (prove -j $JOBS t/*.t; several minutes)"
status=0
$CC_SANDBOX make $modes test PARALLEL="$JOBS" >"$work/memcached-check.log" 2>&1 || status=$?
sed -n '/^Test Summary Report/,$p; /^Result:/p; /^Files=/p' "$work/memcached-check.log" | sort -u >&2
grep -E 'Bad system call|SIGSYS|killed by signal 31' "$work/memcached-check.log" >&2 \
    && die "a test program was killed by SIGSYS (log: $work/memcached-check.log)"
[ $status -eq 0 ] || die "make test failed with status $status (log: $work/memcached-check.log)"
echo "check: memcached test suite passed (log: $work/memcached-check.log)"
