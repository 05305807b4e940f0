#!/usr/bin/env bash
# A module outside this repository using the Go binding as
# bindings/go/README.md tells ("Using it from your module"), in a temporary
# directory: libedition installed under a prefix of its own (meson setup
# --prefix, meson install), found through PKG_CONFIG_PATH, the rpath given
# through CGO_LDFLAGS; the binding taken from this checkout by
# `go mod edit -replace`, then by `go work`, with GOPROXY=off; the README's
# main.go built and run without LD_LIBRARY_PATH, loading libedition.so.1
# from the prefix. The same prefix serves README.md's recipe for a C
# program ("Where things land, and a custom prefix"), run as shown. The
# go stage of scripts/test runs it.
#
# The blocks come from tests/docs/docblocks.py by their marking,
# ```sh {checked-by=scripts/lib/go_consumer.sh} and
# ```go {checked-by=scripts/lib/go_consumer.sh} (CONTRIBUTING.md,
# "Documentation is tested").
#
# Usage: go_consumer.sh SOURCE_DIR
# Prints one line per way; exits non-zero, naming the step, when one fails.
set -euo pipefail
src=$(cd "$1" && pwd)
fail() { echo "go consumer: $*" >&2; exit 1; }

# nothing of the build tree: no uninstalled .pc file, no library path
unset LD_LIBRARY_PATH PKG_CONFIG_PATH CGO_LDFLAGS GOWORK
# the binding comes from the checkout: nothing to fetch
export GOPROXY=off

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
libedition=$src
# where both READMEs install it: $HOME/opt/libedition
home=$tmp/home
prefix=$home/opt/libedition
mkdir -p "$home"

block() { # FILE INFO OUT: the one block of FILE marked INFO
  python3 "$src/tests/docs/docblocks.py" block "$1" "$2" >"$3" || fail "$1 has no block \`\`\`$2"
}
# shellcheck disable=SC2016
{
  block bindings/go/README.md 'sh {checked-by=scripts/lib/go_consumer.sh}' "$tmp/recipe.sh"
  block bindings/go/README.md 'go {checked-by=scripts/lib/go_consumer.sh}' "$tmp/main.go"
  block README.md 'sh {checked-by=scripts/lib/go_consumer.sh}' "$tmp/c-recipe.sh"
  block README.md c "$tmp/host.c"
}

# The README's commands, each checked to be there word for word, so that
# the recipe tested is the recipe shown (single quotes: the lines as
# written, variables and all).
shown() {
  grep -qxF -- "$1" "$tmp/recipe.sh" || fail "bindings/go/README.md's recipe no longer shows: $1"
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

# README.md's recipe for a C program under this prefix, run as shown (with
# README.md's C example as host.c): it builds host with an rpath, which
# then starts without LD_LIBRARY_PATH, and runs the installed edition
mkdir "$tmp/c" && cp "$tmp/host.c" "$tmp/c/host.c"
(cd "$tmp/c" && HOME=$home bash -euo pipefail "$tmp/c-recipe.sh") >"$tmp/c-recipe.log" 2>&1 ||
  { cat "$tmp/c-recipe.log" >&2; fail "README.md's recipe for a custom prefix failed"; }
grep -q '^edition [0-9]' "$tmp/c-recipe.log" || fail "README.md's recipe: the installed edition printed no version: $(cat "$tmp/c-recipe.log")"
"$tmp/c/host" >/dev/null || fail "README.md's recipe: host does not start without LD_LIBRARY_PATH"
echo "go consumer (README.md, C): host built with an rpath to $prefix/lib runs; $(tail -1 "$tmp/c-recipe.log")"

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
