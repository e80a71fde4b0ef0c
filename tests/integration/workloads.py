"""Traced workloads for the real programs, in the spirit of the thesis' cases.

Each function runs one program under strace (via ``tracing.run_traced``) and returns the union
of the syscalls its code made.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from .tracing import run_traced

SQLITE_CASES = [
    "",
    "create table t(id integer primary key, name varchar(20) default 'x', price double, data blob);",
    "insert into t(name, price, data) values ('a', 1.5, x'00ff');",
    "select id, name, hex(data) from t;",
    "insert into t(name, price) values ('b', 2), ('c', 3), ('d', 4);",
    "select * from t where price > 2;",
    "select * from t where name like 'b%';",
    "update t set price = price * 2;",
    "update t set name = 'z' where id = 1;",
    "begin; insert into t(name) values ('e'); commit;",
    "begin; insert into t(name) values ('f'); rollback;",
    "select date('now'), datetime(0, 'unixepoch');",
    "create view v as select name from t;",
    "select * from v;",
    "drop view v;",
    "select name, path, pageno from dbstat;",
    "analyze;",
    "create index i on t(name);",
    "select * from t indexed by i where name > 'a';",
    "drop index i;",
    "delete from t where id > 3;",
    "pragma integrity_check; vacuum;",
    "drop table t;",
]

LS_CASES = [
    [],
    ["-lah"],
    ["-lah", "/root"],
    ["-lah", "/dev"],
    ["-Llah", "/dev"],
    ["-lahi", "/dev"],
    ["-lahs", "/dev"],
    ["-laht", "/dev"],
    ["-R", "--color=always", "/etc/apt"],
]


def trace_sqlite3(binary: Path, work: Path) -> set[str]:
    seen: set[str] = set()
    db = work / "workload.db"
    db.unlink(missing_ok=True)
    for i, sql in enumerate(SQLITE_CASES):
        seen |= run_traced(
            [str(binary), str(db), sql],
            work / f"sqlite-{i}.trace",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return seen


def trace_ls(binary: Path, work: Path) -> set[str]:
    seen: set[str] = set()
    for i, args in enumerate(LS_CASES):
        seen |= run_traced(
            [str(binary), *args], work / f"ls-{i}.trace", cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    return seen


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def trace_redis(binary: Path, work: Path) -> set[str]:
    port, cli, bench = _free_port(), binary.parent / "redis-cli", binary.parent / "redis-benchmark"
    data = work / "redis-data"
    data.mkdir(exist_ok=True)

    def c(*args: str) -> str:
        return subprocess.run(
            [str(cli), "-h", "127.0.0.1", "-p", str(port), *args], capture_output=True, text=True, timeout=30
        ).stdout.strip()

    def drive(proc: subprocess.Popen[str]) -> None:
        for _ in range(200):
            if c("PING") == "PONG":
                break
            time.sleep(0.05)
        for args in (
            ["SET", "k", "v"],
            ["GET", "k"],
            ["INCR", "n"],
            ["LPUSH", "l", "a", "b"],
            ["LRANGE", "l", "0", "-1"],
            ["HSET", "h", "f", "v"],
            ["HGETALL", "h"],
            ["EXPIRE", "k", "100"],
            ["INFO"],
            ["CONFIG", "GET", "port"],
            ["EVAL", "return redis.call('GET', KEYS[1])", "1", "k"],
            ["SAVE"],
            ["BGSAVE"],
            ["DBSIZE"],
        ):
            c(*args)
        time.sleep(0.5)  # let the BGSAVE child finish
        subprocess.run(
            [str(bench), "-h", "127.0.0.1", "-p", str(port), "-n", "10", "-q"], capture_output=True, timeout=60
        )
        c("SHUTDOWN", "NOSAVE")

    return run_traced(
        [
            str(binary),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(data),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        work / "redis.trace",
        drive=drive,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


WORKLOADS = {"sqlite3": trace_sqlite3, "coreutils-ls": trace_ls, "redis": trace_redis}
