#!/bin/sh
# Smoke run: list a directory we create.   Usage: smoke.sh LS_BINARY
set -eu
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
touch "$dir/alpha" "$dir/beta"; mkdir "$dir/gamma"
out=$("$1" -la "$dir")
for name in alpha beta gamma; do
    echo "$out" | grep -q " $name\$" || { echo "smoke: ls output lacks $name:" >&2; echo "$out" >&2; exit 1; }
done
[ "$("$1" "$dir" | tr '\n' ' ')" = "alpha beta gamma " ] || { echo "smoke: ls order wrong" >&2; exit 1; }
echo "smoke: ls ok"
