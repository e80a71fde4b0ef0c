#!/bin/sh
# Build musl libc as full-LTO bitcode into a sysroot.
#
# Usage: build-sysroot.sh SOURCE_DIR PREFIX CLANG
#
# Called by `cc-sandbox sysroot` (ccsandbox/sysroot.py), which fetches the source, picks the
# prefix and writes the stamp file afterwards. Kept as a plain script so the recipe can be read
# (and run by hand) without Python.
#
# Why these flags:
#  --target=x86_64-linux-musl  the bitcode triple then matches the programs' triple, so the LTO
#                              link does not warn about mixing triples.
#  -flto (full, not thin)      every C file of libc becomes bitcode; the final link merges it
#                              with the program into ONE module, which is what we analyse.
#  --disable-shared            we only ever link statically; skipping libc.so saves an LTO link.
#  llvm-ar/llvm-ranlib         GNU ar cannot index bitcode members without the LLVMgold plugin.
# The .s files under src/*/x86_64/ stay native objects; musl/asm-model.json describes them.
set -eu
src=$1 prefix=$2 clang=$3
bindir=$(dirname "$(readlink -f "$clang")")
ar=$bindir/llvm-ar ranlib=$bindir/llvm-ranlib
jobs=$(nproc 2>/dev/null || echo 2)
cd "$src"
[ -f config.mak ] && make distclean >/dev/null 2>&1 || true
./configure --prefix="$prefix" --target=x86_64-linux-musl --disable-shared --enable-wrapper=no \
    CC="$clang --target=x86_64-linux-musl" CFLAGS="-flto -O2" AR="$ar" RANLIB="$ranlib" >configure.log
make -j"$jobs" >make.log 2>&1 || { tail -30 make.log >&2; exit 1; }
make install >install.log 2>&1 || { tail -30 install.log >&2; exit 1; }
