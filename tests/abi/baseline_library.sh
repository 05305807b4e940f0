#!/usr/bin/env bash
# Builds the shared library of the release the ABI baseline was taken from
# (the commit that last wrote abi/libedition.so.1.abi: release 0.1.0 today)
# into OUTDIR, and prints the path of its libedition.so.1. The bindings'
# tests run against it to check the oldest library each one accepts
# (docs/abi.md, "The oldest library a binding accepts").
# Usage: baseline_library.sh SOURCE_DIR OUTDIR
set -euo pipefail
src=$(cd "$1" && pwd) out=$2
mkdir -p "$out"
out=$(cd "$out" && pwd)
if ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  echo "baseline_library: $src is not a git checkout: the baseline's release is built from its history" >&2
  exit 1
fi
if [ "$(git -C "$src" rev-parse --is-shallow-repository)" = true ]; then
  git -C "$src" fetch --quiet --unshallow >&2 || {
    echo "baseline_library: $src is a shallow clone and its history could not be fetched" >&2; exit 1; }
fi
commit=$(git -C "$src" log -1 --format=%H -- abi/libedition.so.1.abi)
[ -n "$commit" ] || { echo "baseline_library: no commit wrote abi/libedition.so.1.abi" >&2; exit 1; }
lib=$out/build/lib/libedition.so.1
stamp=$out/commit
if [ -e "$lib" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$commit" ]; then
  echo "$lib"; exit 0
fi
rm -rf "$out/src" "$out/build"
mkdir -p "$out/src"
git -C "$src" archive "$commit" | tar -x -C "$out/src"
version=$(sed -n "s/^ *version: '\([0-9.]*\)'.*/\1/p" "$out/src/meson.build" | head -1)
meson setup "$out/build" "$out/src" -Dtests=false -Dbuildtype=debugoptimized >"$out/setup.log" 2>&1 || {
  cat "$out/setup.log" >&2; echo "baseline_library: meson setup of release $version ($commit) failed" >&2; exit 1; }
target=$(cd "$out/build" && ninja -t targets all | sed -n 's|^\(lib/libedition\.so\.[0-9.]*\): .*_LINKER.*|\1|p' | head -1)
ninja -C "$out/build" "$target" >"$out/build.log" 2>&1 || {
  cat "$out/build.log" >&2; echo "baseline_library: building release $version ($commit) failed" >&2; exit 1; }
echo "$commit" >"$stamp"
echo "$lib"
