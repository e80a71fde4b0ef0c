#!/bin/sh
# Smoke run: start redis-server on 127.0.0.1, PING/SET/GET, then SHUTDOWN.
# Usage: smoke.sh REDIS_SERVER_BINARY  (redis-cli is taken from the same directory)
set -eu
server=$1 cli=$(dirname "$1")/redis-cli
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
"$server" --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" --daemonize no >"$dir/server.log" 2>&1 &
pid=$!
i=0
until "$cli" -h 127.0.0.1 -p "$port" PING >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 100 ] || { cat "$dir/server.log" >&2; echo "smoke: redis did not start" >&2; exit 1; }
    sleep 0.1
done
c() { "$cli" -h 127.0.0.1 -p "$port" "$@"; }
[ "$(c PING)" = PONG ] && [ "$(c SET greeting hello)" = OK ] && [ "$(c GET greeting)" = hello ] \
    || { echo "smoke: redis answered wrongly" >&2; exit 1; }
c SHUTDOWN NOSAVE >/dev/null 2>&1 || true
wait $pid; status=$?
[ $status -eq 0 ] || { cat "$dir/server.log" >&2; echo "smoke: redis exited with $status" >&2; exit 1; }
echo "smoke: redis ok"
