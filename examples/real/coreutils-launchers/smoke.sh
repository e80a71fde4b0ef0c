#!/bin/sh
# Smoke run: the launchers run commands again, a host program and the cc-sandbox-built ls (two
# filters stacked: the floor, then ls's own).   Usage: smoke.sh COREUTILS_SRC_DIR
set -eu
bin=$1
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
touch "$dir/alpha"
check() { # EXPECTED COMMAND...
    expected=$1; shift
    out=$("$@" 2>&1) || { echo "smoke: '$*' failed: $out" >&2; exit 1; }
    [ "$out" = "$expected" ] || { echo "smoke: '$*' printed '$out', not '$expected'" >&2; exit 1; }
}
for ls in /bin/ls "$bin/ls"; do
    check alpha "$bin/env" "$ls" "$dir"
    check alpha "$bin/timeout" 5 "$ls" "$dir"
    check alpha "$bin/nice" "$ls" "$dir"
done
(cd "$dir" && "$bin/nohup" true </dev/null >/dev/null 2>&1) || { echo "smoke: nohup true failed" >&2; exit 1; }
check "Seccomp_filters:	2" "$bin/env" "$bin/env" /bin/grep Seccomp_filters /proc/self/status
echo "smoke: coreutils launchers ok"
