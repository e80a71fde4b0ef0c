#!/bin/sh
# Smoke run of a cc-sandbox lighttpd that starts as root and drops to nobody/nogroup.
# Usage (as root): smoke.sh LIGHTTPD_BINARY
# Serves a temporary document root on 127.0.0.1 in the foreground (-D), fetches files (GET,
# HEAD, a range, a 404, a directory listing, a 403 from a regex conditional (pcre2), a gzip
# answer from mod_deflate (zlib)), checks from /proc/PID/status that the server runs as 65534
# with its seccomp filter (Seccomp: 2), then stops it with SIGTERM and checks that it exits 0.
set -eu
here=$(cd "$(dirname "$0")" && pwd); . "$here/../lib.sh"
fail() { echo "smoke: FAIL: $*" >&2; exit 1; }
[ $# -eq 1 ] || { echo "usage: smoke.sh LIGHTTPD_BINARY" >&2; exit 2; }
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$bin" ] || fail "$bin is not an executable"
[ "$(id -u)" -eq 0 ] || fail "run me as root: the point is lighttpd's own drop to nobody/nogroup"
uid=$(id -u nobody) || fail "no user nobody"
gid=$(getent group nogroup | cut -d: -f3) || fail "no group nogroup"
command -v python3 >/dev/null || fail "python3 is needed for the HTTP checks"

dir=$(mktemp -d /tmp/lighttpd-smoke.XXXXXX)
pid=
cleanup() { [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
port=$(free_port)

# The document root, readable by nobody once the server has dropped root.
root=$dir/htdocs
mkdir -p "$root/dir/sub" "$root/secret"
echo '<html><body>hello from lighttpd</body></html>' >"$root/index.html"
echo 'plain text file' >"$root/hello.txt"
echo 'one' >"$root/dir/one.txt"
echo 'two' >"$root/dir/two.txt"
echo 'hidden' >"$root/secret/key.txt"
python3 -c 'import sys; sys.stdout.write("".join("line %06d of a compressible page\n" % i for i in range(4000)))' >"$root/page.html"
head -c 300000 /dev/urandom >"$root/blob.bin"
chmod 755 "$dir" "$root" "$root/dir" "$root/dir/sub" "$root/secret"
find "$root" -type f -exec chmod 644 {} +
# lighttpd opens its error log after the drop: a log directory of nobody's own.
mkdir -p "$dir/log"; chown "$uid:$gid" "$dir/log"; chmod 700 "$dir/log"

cat >"$dir/lighttpd.conf" <<EOF
server.modules         = ("mod_access", "mod_deflate", "mod_indexfile", "mod_dirlisting", "mod_staticfile")
server.document-root   = "$root"
server.bind            = "127.0.0.1"
server.port            = $port
server.username        = "nobody"
server.groupname       = "nogroup"
server.errorlog        = "$dir/log/error.log"
server.tag             = "lighttpd-smoke"
index-file.names       = ("index.html")
dir-listing.activate   = "enable"
mimetype.assign        = (".html" => "text/html", ".txt" => "text/plain", ".bin" => "application/octet-stream")
deflate.mimetypes      = ("text/html")
deflate.allowed-encodings = ("gzip")
\$HTTP["url"] =~ "^/secret/" {
    url.access-deny = ("")
}
EOF
# died STATUS: how lighttpd ended, in words (a SIGSYS is the sandbox killing it).
died() {
    st=$1
    if [ "$st" -gt 128 ] && [ "$st" -le 192 ]; then
        sig=$((st - 128))
        if [ "$sig" -eq 31 ]; then
            echo "killed by SIGSYS: its seccomp filter refused a syscall; the kernel log says:" >&2
            (dmesg 2>/dev/null || journalctl -k -q 2>/dev/null) | grep 'type=1326' | grep -F "exe=\"$bin\"" | tail -3 >&2 || true
            fail "lighttpd was killed by SIGSYS (a syscall outside its filter)"
        fi
        fail "lighttpd was killed by signal $sig"
    fi
    fail "lighttpd exited with status $st"
}

# -tt (test the configuration, with the modules' preflight) already drops privileges.
st=0; "$bin" -tt -f "$dir/lighttpd.conf" >"$dir/configtest.log" 2>&1 || st=$?
[ "$st" -eq 0 ] || { cat "$dir/configtest.log" >&2; echo "smoke: lighttpd -tt -f lighttpd.conf failed" >&2; died "$st"; }
[ ! -s "$dir/configtest.log" ] || { cat "$dir/configtest.log" >&2; fail "lighttpd -tt warned about the configuration"; }

"$bin" -D -f "$dir/lighttpd.conf" >"$dir/stdout.log" 2>&1 &
pid=$!
i=0
until python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
        st=0; wait "$pid" || st=$?; pid=
        cat "$dir/stdout.log" "$dir/log/error.log" >&2 2>/dev/null || true
        died "$st"
    fi
    i=$((i + 1)); [ $i -lt 100 ] || { cat "$dir/log/error.log" >&2 2>/dev/null || true; fail "lighttpd did not listen on port $port within 10 s"; }
    sleep 0.1
done

python3 - "$port" "$root" <<'EOF' || { cat "$dir/log/error.log" >&2 2>/dev/null || true; kill -0 "$pid" 2>/dev/null || { st=0; wait "$pid" || st=$?; pid=; died "$st"; }; fail "HTTP checks failed"; }
import gzip, http.client, sys
port, root = int(sys.argv[1]), sys.argv[2]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)   # one keep-alive connection
failures = []

def req(method, path, headers=None):
    conn.request(method, path, headers=headers or {})
    r = conn.getresponse()
    return r, r.read()

def check(what, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond else ": " + detail))
    if not cond:
        failures.append(what)

def content(name):
    with open(root + "/" + name, "rb") as f:
        return f.read()

r, body = req("GET", "/")
check("GET / (index.html)", r.status == 200 and body == content("index.html")
      and r.getheader("Content-Type", "").startswith("text/html"), "%d %r" % (r.status, body[:80]))
check("Server header", r.getheader("Server") == "lighttpd-smoke", repr(r.getheader("Server")))
r, body = req("GET", "/hello.txt")
check("GET /hello.txt", r.status == 200 and body == content("hello.txt")
      and r.getheader("Content-Type", "").startswith("text/plain"), "%d %r" % (r.status, body[:80]))
r, body = req("GET", "/blob.bin")
check("GET /blob.bin (300 kB, binary)", r.status == 200 and body == content("blob.bin"),
      "%d, %d bytes" % (r.status, len(body)))
r, body = req("GET", "/blob.bin", {"Range": "bytes=100-199"})
check("GET /blob.bin Range: bytes=100-199", r.status == 206 and body == content("blob.bin")[100:200],
      "%d, %d bytes" % (r.status, len(body)))
r, body = req("HEAD", "/hello.txt")
check("HEAD /hello.txt", r.status == 200 and body == b""
      and r.getheader("Content-Length") == str(len(content("hello.txt"))),
      "%d %r %r" % (r.status, r.getheader("Content-Length"), body[:80]))
r, body = req("GET", "/no/such/file.txt")
check("GET a missing file is 404", r.status == 404, str(r.status))
r, body = req("GET", "/dir/")
text = body.decode("utf-8", "replace")
check("GET /dir/ (directory listing)", r.status == 200 and "one.txt" in text and "two.txt" in text
      and "sub/" in text, "%d %r" % (r.status, text[:200]))
r, body = req("GET", "/dir")
check("GET /dir redirects to /dir/", r.status == 301
      and (r.getheader("Location") or "").endswith("/dir/"), "%d %r" % (r.status, r.getheader("Location")))
r, body = req("GET", "/secret/key.txt")
check("GET /secret/key.txt is 403 ($HTTP[\"url\"] =~, pcre2)", r.status == 403, str(r.status))
r, body = req("GET", "/page.html", {"Accept-Encoding": "gzip"})
ok = r.status == 200 and r.getheader("Content-Encoding") == "gzip"
check("GET /page.html gzip-encoded (mod_deflate, zlib)",
      ok and gzip.decompress(body) == content("page.html") and len(body) < len(content("page.html")) // 4,
      "%d %r, %d bytes" % (r.status, r.getheader("Content-Encoding"), len(body)))
r, body = req("GET", "/page.html")
check("GET /page.html identity", r.status == 200 and r.getheader("Content-Encoding") is None
      and body == content("page.html"), "%d %r" % (r.status, r.getheader("Content-Encoding")))
conn.close()
sys.exit(1 if failures else 0)
EOF

# The server must run as nobody/nogroup, with no supplementary groups, under its filter.
status=/proc/$pid/status
[ -r "$status" ] || fail "lighttpd (pid $pid) is gone"
line() { sed -n "s/^$1:[[:space:]]*//p" "$status" | tr -s ' \t' ' '; }
echo "status: Uid: $(line Uid) | Gid: $(line Gid) | Groups: $(line Groups) | NoNewPrivs: $(line NoNewPrivs) | Seccomp: $(line Seccomp)"
[ "$(line Uid)" = "$uid $uid $uid $uid" ] || fail "lighttpd runs with Uid $(line Uid), not $uid (the privilege drop did not happen)"
[ "$(line Gid)" = "$gid $gid $gid $gid" ] || fail "lighttpd runs with Gid $(line Gid), not $gid"
[ -z "$(line Groups)" ] || [ "$(line Groups)" = "$gid" ] || [ "$(line Groups)" = "$gid " ] \
    || fail "lighttpd keeps supplementary groups: $(line Groups)"
[ "$(line Seccomp)" = 2 ] || fail "Seccomp: $(line Seccomp), not 2: no seccomp filter is installed"

kill -TERM "$pid"
st=0; wait "$pid" || st=$?; pid=
[ "$st" -eq 0 ] || { cat "$dir/log/error.log" >&2 2>/dev/null || true; died "$st"; }
grep -q 'server stopped' "$dir/log/error.log" || { cat "$dir/log/error.log" >&2; fail "no 'server stopped' in the error log"; }
echo "smoke: lighttpd ok (ran as uid $uid under its seccomp filter, stopped by SIGTERM)"
