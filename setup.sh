#!/usr/bin/env bash
# cc-sandbox set-up for a fresh Debian bookworm machine, then (optionally) the demo or the tests.
#
#   ./setup.sh            install everything; a second run only checks (a few seconds)
#   ./setup.sh --demo     ... then build examples/echo-server through cc-sandbox and show its module
#   ./setup.sh --test [PYTEST ARGS]   ... then run the test suite (.venv/bin/pytest -n auto: a worker per core)
#
# What it installs:
#   apt:   clang-19, lld-19, llvm-19(-dev), libclang-rt-19-dev (the pinned LLVM), cmake, make,
#          dpkg-dev (for apt-get source), python3-venv, tcl + gcc (sqlite3's amalgamation),
#          strace; and a deb-src entry so `apt-get source` works (musl, the real programs).
#   .venv: a virtualenv in the checkout with cc-sandbox installed editable, plus dev tools.
#   cache: the musl 1.2.3 full-LTO sysroot (~/.cache/cc-sandbox/sysroot/...; ~40 s once).
#   passes/build: the syscall-facts LLVM pass plugin (~30 s once).
# Needs root or sudo for apt. Set PYTHON to choose the interpreter (default python3, >= 3.11).
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(clang-19 lld-19 llvm-19 llvm-19-dev libclang-rt-19-dev cmake make gcc g++ libc6-dev dpkg-dev
              python3 python3-venv tcl strace bubblewrap runc systemd golang-github-opencontainers-specs-dev ca-certificates
              golang-github-containers-common dejagnu)
DEB_SRC_FILE=/etc/apt/sources.list.d/cc-sandbox-deb-src.sources
VENV=.venv
PYTHON=${PYTHON:-python3}

say() { printf 'setup: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root for: $*"; exit 3; fi; }

have_deb_src() {
    grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}

install_apt() {
    local missing=() updated=0
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if ! have_deb_src; then
        say "adding a deb-src entry ($DEB_SRC_FILE) so apt-get source works"
        as_root tee "$DEB_SRC_FILE" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
        as_root apt-get update -qq; updated=1
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing apt packages: ${missing[*]}"
        [ $updated = 1 ] || as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

install_python() {
    local stamp=$VENV/.cc-sandbox-installed want
    want=$(sha256sum pyproject.toml | cut -d' ' -f1)
    if [ -x "$VENV/bin/cc-sandbox" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return; fi
    say "creating $VENV and installing cc-sandbox (editable) with its dev tools"
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip >"$VENV/pip.log" 2>&1 || true
    # compat mode: a plain .pth entry; the default import-hook finder costs ~25 ms at every
    # start of cc-sandbox-cc, which configure scripts run hundreds of times
    "$VENV/bin/python" -m pip install -e '.[dev]' --config-settings editable_mode=compat >>"$VENV/pip.log" 2>&1 \
        || { tail -20 "$VENV/pip.log" >&2; say "pip install failed (full log: $VENV/pip.log)"; exit 3; }
    echo "$want" >"$stamp"
}

compile_bytecode() {
    # Where PYTHONDONTWRITEBYTECODE is set (CI images, this machine), Python never caches the
    # package's bytecode and every command compiles its ~100 modules again (~40 ms of `analyze`).
    "$VENV/bin/python" -m compileall -q -j 0 ccsandbox >/dev/null
}

build_plugin() {
    local so=passes/build/CcSandboxFacts.so
    if [ -f "$so" ] && [ -z "$(find passes/lib passes/include passes/CMakeLists.txt -newer "$so" 2>/dev/null)" ]; then
        return
    fi
    say "building the syscall-facts pass plugin (passes/, against llvm-19-dev)"
    { cmake -S passes -B passes/build -DCMAKE_BUILD_TYPE=Release && cmake --build passes/build -j"$(nproc)"; } \
        >passes/build.log 2>&1 || { tail -20 passes/build.log >&2; say "building the pass plugin failed"; exit 3; }
}

demo() {
    local bin=$VENV/bin
    say "demo: building examples/echo-server with \`cc-sandbox make\`"
    make -s -C examples/echo-server clean
    "$bin/cc-sandbox" make -C examples/echo-server
    say "demo: the whole-program module (program + musl) that became the binary:"
    "$bin/cc-sandbox" module examples/echo-server/echo-server
    say "demo: the system calls it can make (static analysis of that module):"
    "$bin/cc-sandbox" analyze examples/echo-server/echo-server
    say "demo: why may it call accept4?"
    "$bin/cc-sandbox" explain examples/echo-server/echo-server accept4
}

install_apt
install_python
compile_bytecode
build_plugin
"$VENV/bin/cc-sandbox" sysroot >/dev/null
say "ready: $VENV/bin/cc-sandbox ($("$VENV/bin/cc-sandbox" --version))"

case "${1:-}" in
    --demo) demo ;;
    # one pytest-xdist worker per core (-n 0 in the arguments runs in one process)
    --test) shift; exec "$VENV/bin/python" -m pytest -n auto "$@" ;;
    "") ;;
    *) say "unknown option $1 (use --demo or --test)"; exit 2 ;;
esac
