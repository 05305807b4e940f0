#!/usr/bin/env bash
# A module outside this repository using the Go binding as
# bindings/go/README.md tells ("Using it from your module"), in a temporary
# directory: libedition installed under a prefix of its own (meson setup
# --prefix, meson install), found through PKG_CONFIG_PATH, the rpath given
# through CGO_LDFLAGS; the binding taken from this checkout by
# `go mod edit -replace`, then by `go work`, with GOPROXY=off; the README's
# main.go built and run without LD_LIBRARY_PATH, loading libedition.so.1
# from the prefix. The go stage of scripts/test runs it.
#
# Usage: go_consumer.sh SOURCE_DIR
# Prints one line per way; exits non-zero, naming the step, when one fails.
set -euo pipefail
src=$(cd "$1" && pwd)
readme=$src/bindings/go/README.md
fail() { echo "go consumer: $*" >&2; exit 1; }

# nothing of the build tree: no uninstalled .pc file, no library path
unset LD_LIBRARY_PATH PKG_CONFIG_PATH CGO_LDFLAGS GOWORK
# the binding comes from the checkout: nothing to fetch
export GOPROXY=off

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
libedition=$src
prefix=$tmp/prefix

# The README's commands, each checked to be there word for word, so that
# the recipe tested is the recipe shown (single quotes: the lines as
# written, variables and all).
shown() {
  grep -qxF -- "$1" "$readme" || fail "bindings/go/README.md no longer shows: $1"
}
# shellcheck disable=SC2016
{
  shown 'go mod edit -replace github.com/libedition/libedition/bindings/go="$libedition/bindings/go"'
  shown 'go mod tidy'
  shown '#   or, instead of the two lines above: go work init . "$libedition/bindings/go"'
  shown 'export PKG_CONFIG_PATH=$prefix/lib/pkgconfig'
  shown 'export CGO_LDFLAGS="-Wl,-rpath,$(pkg-config --variable=libdir libedition)"'
  shown 'go build -o myservice .'
}

# libedition under the prefix; without the tests, the fleet's databases and
# systemd, which the binding does not use (a build of a few seconds)
if ! { meson setup "$tmp/build" "$src" --prefix "$prefix" -Dlibdir=lib -Dtests=false \
         -Dsqlite=disabled -Dpostgresql=disabled -Dsystemd=disabled &&
       meson install -C "$tmp/build"; } >"$tmp/meson.log" 2>&1; then
  tail -20 "$tmp/meson.log" >&2
  fail "meson could not install libedition under $prefix"
fi
for f in libedition.so.1 pkgconfig/libedition.pc; do
  [ -e "$prefix/lib/$f" ] || fail "meson install put no $f under $prefix/lib"
done

# the README's main.go: the first go block after "A `main.go` to try it with:"
python3 - "$readme" "$tmp/main.go" <<'PY' || fail "bindings/go/README.md has no main.go after 'A \`main.go\` to try it with:'"
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"A `main.go` to try it with:\s*```go\n(.*?)```", text, re.S)
open(sys.argv[2], "w").write(m.group(1))
PY

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
pkg-config --exists libedition || fail "pkg-config does not find libedition.pc in $PKG_CONFIG_PATH"
# shellcheck disable=SC2155 # the README's line; pkg-config was checked above
export CGO_LDFLAGS="-Wl,-rpath,$(pkg-config --variable=libdir libedition)"
version=$(pkg-config --modversion libedition)

# the program as built in DIR: RUNPATH the prefix, libedition.so.1 loaded
# from there, and the output the README's main.go prints
runs() { # DIR WAY
  local dir=$1 way=$2 rpath deps out
  rpath=$(readelf -d "$dir/myservice" | grep -E '\((RUNPATH|RPATH)\)' || true)
  [[ $rpath == *"[$prefix/lib]"* ]] || fail "$way: myservice has no rpath $prefix/lib: ${rpath:-none}"
  deps=$(ldd "$dir/myservice")
  grep -q "libedition.so.1 => $prefix/lib/libedition.so.1 " <<<"$deps" ||
    fail "$way: myservice does not load $prefix/lib/libedition.so.1: $deps"
  out=$("$dir/myservice") || fail "$way: myservice failed: $out"
  [[ $out =~ ^libedition\ $version:\ upgrade\ to\ enterprise_platinum,\ [1-9][0-9]*\ effects$ ]] ||
    fail "$way: myservice printed '$out'"
  echo "go consumer ($way): $out; libedition.so.1 from $prefix/lib through the rpath"
}

# go mod edit -replace
mkdir "$tmp/replace" && cp "$tmp/main.go" "$tmp/replace/"
(
  cd "$tmp/replace" &&
    go mod init example.com/myservice 2>/dev/null &&
    go mod edit -replace github.com/libedition/libedition/bindings/go="$libedition/bindings/go" &&
    go mod tidy &&
    go build -o myservice .
) || fail "go mod edit -replace: the module does not build"
runs "$tmp/replace" "go mod edit -replace"

# go work
mkdir "$tmp/work" && cp "$tmp/main.go" "$tmp/work/"
(
  cd "$tmp/work" &&
    go mod init example.com/myservice 2>/dev/null &&
    go work init . "$libedition/bindings/go" &&
    go build -o myservice .
) || fail "go work: the module does not build"
grep -q 'libedition' "$tmp/work/go.mod" && fail "go work: go.mod names the binding, which go.work alone should provide"
runs "$tmp/work" "go work"
