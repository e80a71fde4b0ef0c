#!/bin/sh
# Smoke run of a cc-sandbox memcached that starts as root and drops to nobody.   Usage: smoke.sh BINARY
# Starts `BINARY -u nobody -l 127.0.0.1 -p PORT -U 0 -t 4` in the foreground (in this script's background),
# talks the text protocol from python3 (set/get/add/replace/append/prepend/incr/decr/delete/stats/
# flush_all, a few hundred keys, a 500 KB value, four concurrent clients), checks from /proc that every
# thread runs as uid/gid 65534 under a seccomp filter (Seccomp: 2), then stops it with SIGTERM and
# checks that it exits with 0 (128+31 = 159 would be our filter's SIGSYS kill).
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
fail() { echo "smoke: memcached: $*" >&2; exit 1; }
note() { echo "smoke: $*" >&2; }
[ $# -eq 1 ] || { echo "usage: smoke.sh MEMCACHED_BINARY" >&2; exit 2; }
bin=$1
[ -x "$bin" ] || fail "$bin is not an executable"
[ "$(id -u)" -eq 0 ] || fail "must run as root (it checks the privilege drop to nobody)"
getent passwd nobody >/dev/null || fail "there is no user 'nobody' to drop to"
nobody_uid=$(id -u nobody) nobody_gid=$(id -g nobody)

port=$(free_port)
dir=$(mktemp -d)
chmod 755 "$dir"
pid=
trap '[ -z "$pid" ] || kill -KILL $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
"$bin" -u nobody -l 127.0.0.1 -p "$port" -U 0 -t 4 >"$dir/server.log" 2>&1 &
pid=$!
log() { sed 's/^/smoke:   server: /' "$dir/server.log" >&2; }
# died: if the server is gone, say how it ended (159 = 128 + SIGSYS: its seccomp filter killed it)
died() {
    kill -0 "$pid" 2>/dev/null && return 0
    status=0; wait "$pid" || status=$?; pid=
    if [ "$status" -eq 159 ]; then
        fail "memcached was killed by SIGSYS: its filter denied a syscall (strace -f $bin -u nobody ... shows which)"
    fi
    fail "memcached exited early with status $status"
}
# what the binary's filter allows, from the policy written beside it
allowed=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
print("ALLOW-ALL (unresolved syscall numbers)" if d["allow_all"] else "%d syscalls allowed" % d["allowed_count"])' \
    "$bin.policy.json" 2>/dev/null) || allowed="no policy beside the binary"

note "memcached pid $pid on 127.0.0.1:$port"
python3 - "$port" "$pid" <<'EOF' || { log; died; fail "protocol checks failed"; }
import os, socket, sys, threading, time

port, pid = int(sys.argv[1]), int(sys.argv[2])

def connect():
    deadline = time.time() + 10
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                sys.exit("smoke: memcached died before it accepted a connection")
            if time.time() > deadline:
                sys.exit("smoke: memcached did not accept a connection within 10 s")
            time.sleep(0.05)

class Client:
    def __init__(self):
        self.s = connect()
        self.buf = b""
    def send(self, data):
        self.s.sendall(data)
    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed by memcached")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line
    def exact(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise EOFError("connection closed by memcached")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data
    def cmd(self, text):
        self.send(text.encode() + b"\r\n")
        return self.line().decode()
    def store(self, verb, key, value, flags=0):
        self.send(b"%s %s %d 0 %d\r\n%s\r\n" % (verb.encode(), key.encode(), flags, len(value), value))
        return self.line().decode()
    def get(self, *keys):
        self.send(("get " + " ".join(keys) + "\r\n").encode())
        found = {}
        while True:
            head = self.line().decode()
            if head == "END":
                return found
            parts = head.split()
            if parts[0] != "VALUE" or len(parts) != 4:
                raise AssertionError("unexpected get answer %r" % head)
            data = self.exact(int(parts[3]))
            if self.exact(2) != b"\r\n":
                raise AssertionError("value of %s is not followed by CRLF" % parts[1])
            found[parts[1]] = (int(parts[2]), data)
    def stats(self):
        self.send(b"stats\r\n")
        out = {}
        while True:
            line = self.line().decode()
            if line == "END":
                return out
            _, name, value = line.split(" ", 2)
            out[name] = value

def expect(what, got, want):
    if got != want:
        raise AssertionError("%s: got %r, expected %r" % (what, got, want))

c = Client()
expect("version", c.cmd("version").split()[0], "VERSION")

# a few hundred keys, set one by one, read back one by one and in batches of 50
keys = ["key:%d" % i for i in range(400)]
for i, k in enumerate(keys):
    expect("set " + k, c.store("set", k, b"value-%d" % i * (1 + i % 7), flags=i), "STORED")
for i, k in enumerate(keys):
    expect("get " + k, c.get(k), {k: (i, b"value-%d" % i * (1 + i % 7))})
for b in range(0, len(keys), 50):
    got = c.get(*keys[b:b + 50])
    expect("multi-get %d.." % b, len(got), 50)

# add / replace / append / prepend
expect("add existing", c.store("add", "key:1", b"x"), "NOT_STORED")
expect("add new", c.store("add", "fresh", b"one"), "STORED")
expect("replace missing", c.store("replace", "missing", b"x"), "NOT_STORED")
expect("replace existing", c.store("replace", "fresh", b"two"), "STORED")
expect("append", c.store("append", "fresh", b"-tail"), "STORED")
expect("prepend", c.store("prepend", "fresh", b"head-"), "STORED")
expect("get fresh", c.get("fresh"), {"fresh": (0, b"head-two-tail")})
expect("append missing", c.store("append", "missing", b"x"), "NOT_STORED")

# incr / decr
expect("set counter", c.store("set", "counter", b"10"), "STORED")
expect("incr", c.cmd("incr counter 5"), "15")
expect("decr", c.cmd("decr counter 3"), "12")
expect("decr below zero", c.cmd("decr counter 100"), "0")
expect("incr large", c.cmd("incr counter 18446744073709551615"), "18446744073709551615")
expect("incr wraps", c.cmd("incr counter 2"), "1")
expect("incr missing", c.cmd("incr nosuchkey 1"), "NOT_FOUND")
expect("incr non-number", c.cmd("incr fresh 1").split()[0], "CLIENT_ERROR")

# a large value (~500 KB, below the default 1 MB item limit)
big = os.urandom(500 * 1024)
expect("set big", c.store("set", "big", big, flags=7), "STORED")
got = c.get("big")
expect("big value length", len(got.get("big", (0, b""))[1]), len(big))
expect("big value", got["big"], (7, big))

# delete
expect("delete", c.cmd("delete key:0"), "DELETED")
expect("delete again", c.cmd("delete key:0"), "NOT_FOUND")
expect("get deleted", c.get("key:0"), {})

# several clients at once, so that the worker threads serve in parallel
errors = []
def worker(n):
    try:
        w = Client()
        for i in range(100):
            k, v = "w%d:%d" % (n, i), b"%d" % (n * 1000 + i) * 50
            expect("worker set", w.store("set", k, v), "STORED")
            expect("worker get", w.get(k), {k: (0, v)})
        w.s.close()
    except Exception as e:
        errors.append("worker %d: %s" % (n, e))
threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
for t in threads: t.start()
for t in threads: t.join()
if errors:
    raise AssertionError("; ".join(errors))

# stats
st = c.stats()
expect("stats pid", int(st["pid"]), pid)
expect("stats threads", st["threads"], "4")
expect("stats curr_items", int(st["curr_items"]), 399 + 3 + 400)   # key:1..399, fresh, counter, big, w*
if int(st["cmd_set"]) < 400 + 400 or int(st["get_hits"]) < 400 + 400:
    raise AssertionError("stats: cmd_set %s get_hits %s are too small" % (st["cmd_set"], st["get_hits"]))

# flush_all empties the cache
expect("flush_all", c.cmd("flush_all"), "OK")
expect("get after flush_all", c.get("key:1", "fresh", "big"), {})
c.s.close()
print("smoke: protocol checks passed (%d keys, %d KB value, 4 concurrent clients)" % (len(keys), len(big) // 1024))
EOF

# the privilege drop worked, and every thread runs under the filter
died
tasks=$(ls "/proc/$pid/task") || fail "server process $pid is gone"
ntasks=0
for t in $tasks; do
    st=/proc/$pid/task/$t/status
    [ -r "$st" ] || continue
    ntasks=$((ntasks + 1))
    uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$st")
    gid=$(awk '/^Gid:/ {print $2, $3, $4, $5}' "$st")
    groups=$(awk '/^Groups:/ {$1 = ""; print}' "$st" | tr -d ' ')
    sec=$(awk '/^Seccomp:/ {print $2}' "$st")
    [ "$uid" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ] || { log; fail "thread $t runs with uids '$uid', expected $nobody_uid (the drop to nobody did not happen)"; }
    [ "$gid" = "$nobody_gid $nobody_gid $nobody_gid $nobody_gid" ] || { log; fail "thread $t runs with gids '$gid', expected $nobody_gid"; }
    [ -z "$groups" ] || fail "thread $t kept supplementary groups '$groups'"
    [ "$sec" = 2 ] || { log; fail "thread $t has Seccomp: '$sec', expected 2 (filter mode): the embedded filter is not installed"; }
done
[ "$ntasks" -ge 5 ] || fail "only $ntasks threads (expected the main thread, 4 workers and helpers)"
note "$ntasks threads, all uid/gid $nobody_uid, Seccomp: 2"

kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ -z "$(awk '/^State:/ {print ($2 == "Z") ? "z" : ""}' "/proc/$pid/status" 2>/dev/null)" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || { log; fail "still running 10 s after SIGTERM"; }
    sleep 0.1
done
status=0
wait "$pid" || status=$?
pid=
if [ "$status" -eq 159 ]; then
    log; fail "killed by SIGSYS after SIGTERM: the filter denied a syscall on the way out (run it under strace -f to see which)"
elif [ "$status" -ne 0 ]; then
    log; fail "exited with status $status after SIGTERM (expected 0)"
fi
echo "smoke: memcached ok (dropped to nobody, Seccomp 2 in $ntasks threads, clean exit on SIGTERM; filter: $allowed)"
