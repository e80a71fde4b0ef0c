#!/bin/sh
# Run findutils' own test suite on the cc-sandbox build: `cc-sandbox make check` links gnulib's
# ~260 test programs through cc-sandbox too, then runs them and the DejaGnu suites for find and
# xargs (dejagnu from apt). Long (tens of minutes on 2 cores): run it niced, once.
# Usage: check.sh WORKDIR      (after build.sh WORKDIR)
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
work=$(cd "$1" && pwd)
src=$work/src/findutils-4.9.0
[ -f "$src/Makefile" ] || die "no configured findutils in $work: run build.sh $work first"
command -v runtest >/dev/null || die "runtest is missing: apt-get install dejagnu"
step "running findutils' make check through cc-sandbox"
cd "$src"
status=0
nice -n 10 $CC_SANDBOX make -j"$JOBS" check >"$work/findutils-check.log" 2>&1 || status=$?
grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):|^# of (expected|unexpected)|^FAIL:' "$work/findutils-check.log" >&2 || true
sed -n '/exec-capable programs:/,$p' "$work/findutils-check.log" | grep -v ' linked ' >&2 || true
exit $status
