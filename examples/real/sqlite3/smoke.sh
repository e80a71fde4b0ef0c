#!/bin/sh
# Smoke run: a few queries through the sqlite3 shell.   Usage: smoke.sh SQLITE3_BINARY
set -eu
out=$("$1" :memory: "create table t(a,b); insert into t values(1,'x'),(2,'y');
  select sum(a), group_concat(b) from t; select json_object('a',1);")
expected='3|x,y
{"a":1}'
[ "$out" = "$expected" ] || { echo "smoke: unexpected sqlite3 output: $out" >&2; exit 1; }
echo "smoke: sqlite3 ok"
