#!/bin/sh
# Smoke run: a script with pipes, subshells, here-documents, command substitution, functions and
# external commands, run by the cc-sandbox-built dash.   Usage: smoke.sh DASH_BINARY
set -eu
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cat >"$dir/script.sh" <<'SCRIPT'
count() { wc -l | tr -d ' '; }
printf 'b\na\nc\n' | sort | tr a-z A-Z | head -2 | tr '\n' ' '; echo
( cd /; pwd )
x=$(echo sub | sed 's/sub/substituted/'); echo "$x"
cat <<END | count
one
two $x
END
ls / >/dev/null && echo "external ok"
{ echo grouped; } | cat
i=0; while [ $i -lt 3 ]; do i=$((i + 1)); done; echo "loop $i"
(exit 3) || echo "status $?"
grep Seccomp_filters /proc/self/status
SCRIPT
out=$("$1" "$dir/script.sh")
expected="A B 
/
substituted
2
external ok
grouped
loop 3
status 3
Seccomp_filters:	${SMOKE_FILTERS:-1}"
[ "$out" = "$expected" ] || { echo "smoke: dash printed:" >&2; echo "$out" >&2; exit 1; }
echo "smoke: dash ok"
