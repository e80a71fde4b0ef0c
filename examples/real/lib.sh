# Shared helpers for the real-program recipes (sourced, not run).
#
# fetch_source PACKAGE UPSTREAM_VERSION WORKDIR [TARBALL] [DEBIAN_VERSION]
#   Unpacks the source into WORKDIR/src and prints the tree's path. Without TARBALL it runs
#   `apt-get source PACKAGE` (Debian patches applied; needs a deb-src entry: ./setup.sh adds
#   one), or `apt-get source PACKAGE=DEBIAN_VERSION` to take that release rather than whatever
#   bookworm-security has now. The upstream version is pinned: the recipes were written and
#   tested against it.
set -eu

CC_SANDBOX=${CC_SANDBOX:-cc-sandbox}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

die() { echo "recipe: error: $*" >&2; exit 3; }
step() { echo "recipe: $*" >&2; }

fetch_source() {
    pkg=$1 version=$2 work=$3 tarball=${4:-} wanted=${5:+$1=$5}
    tree=$work/src/$pkg-$version
    if [ -d "$tree" ]; then echo "$tree"; return; fi
    mkdir -p "$work/src"
    if [ -n "$tarball" ]; then
        step "unpacking $tarball"
        tar -xf "$tarball" -C "$work/src" || die "cannot unpack $tarball"
        [ -d "$tree" ] || die "$tarball does not contain $pkg-$version/"
    else
        command -v apt-get >/dev/null || die "apt-get is missing; pass a $pkg-$version tarball instead"
        step "fetching ${wanted:-$pkg} with apt-get source"
        (cd "$work/src" && apt-get source -q "${wanted:-$pkg}" >"fetch-$pkg.log" 2>&1) \
            || die "apt-get source ${wanted:-$pkg} failed (see $work/src/fetch-$pkg.log); is there a deb-src entry? (./setup.sh adds one)"
        [ -d "$tree" ] || die "apt-get source $pkg did not give $pkg-$version (got: $(ls "$work/src" | tr '\n' ' ')); pass a $pkg-$version tarball"
    fi
    echo "$tree"
}

# free_port: an unused TCP port on 127.0.0.1 (racy, but only between two local test runs).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
