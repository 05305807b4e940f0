#!/usr/bin/env bash
# The oldest library the Go binding accepts (docs/abi.md, "The oldest
# library a binding accepts"): a program using the package, linked against
# the fresh shared library (the 0.4 header), runs on the fresh build and
# does not start on the build of the ABI baseline's release (0.1.0, from
# tests/abi/baseline_library.sh): the dynamic loader refuses it, naming a
# symbol version the old library lacks, which docs/abi.md's table of
# version nodes maps to a later release. The program also requires
# LIBEDITION_1.5, the node of ed_effect_list_read, so that any library
# older than 0.4 refuses it. The go stage of scripts/test runs it.
#
# Usage: go_oldest_library.sh SOURCE_DIR BUILD_DIR
# BUILD_DIR is the fresh build tree (its meson-uninstalled/ and lib/); the
# baseline library is built once into BUILD_DIR/baseline-library.
# Prints one line per check; exits non-zero, naming what failed.
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
fail() { echo "go oldest library: $*" >&2; exit 1; }

# the node of ed_effect_list_read, the newest function the binding calls
newest=LIBEDITION_1.5

old=$("$src/tests/abi/baseline_library.sh" "$src" "$build/baseline-library") ||
  fail "tests/abi/baseline_library.sh could not build the baseline's library"
old_dir=$(dirname "$old")
[ -e "$build/lib/libedition.so.1" ] || fail "no fresh library at $build/lib/libedition.so.1"

# release of a version node, from docs/abi.md's table: | `NODE` | RELEASE | ...
release_of() {
  sed -n "s/^| \`$1\` | \([0-9.]*\) |.*/\1/p" "$src/docs/abi.md" | head -1
}
# the version nodes a library defines
nodes_of() {
  readelf -V --wide "$1" | sed -n 's/.*Name: \(LIBEDITION_[0-9.]*\).*/\1/p' | sort -u
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/main.go" <<'EOF'
// A program using the binding: the library's version and an upgrade.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/libedition/libedition/bindings/go/edition"
)

func main() {
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	in, err := edition.CreateStandard("MQ_INST_old", "http://mq", now)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r, err := in.Upgrade(now, 1)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("libedition %s: %s, %d effects\n", edition.Version(), r.Instance.Edition(), len(r.Effects))
}
EOF
(
  cd "$tmp" &&
    go mod init example.com/oldest >/dev/null 2>&1 &&
    go work init . "$src/bindings/go" &&
    CGO_ENABLED=1 GOPROXY=off PKG_CONFIG_PATH="$build/meson-uninstalled" go build -o prog .
) >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; fail "the program does not build"; }

readelf -V --wide "$tmp/prog" | grep -q "Name: $newest " ||
  fail "the program does not require $newest (ed_effect_list_read): $(readelf -V --wide "$tmp/prog" | grep LIBEDITION)"

# on the fresh build: runs
out=$(env LD_LIBRARY_PATH="$build/lib" "$tmp/prog" 2>&1) || fail "on the fresh build: $out"
[[ $out == "libedition "*": enterprise_platinum, "*" effects" ]] || fail "on the fresh build it printed: $out"
echo "go oldest library: on the fresh build: $out"

# on the baseline's release: refused by the dynamic loader, before main
version=$(sed -n 's/^ *version: .\([0-9.]*\).,*$/\1/p' "$old_dir/../../src/meson.build" | head -1)
if out=$(env LD_LIBRARY_PATH="$old_dir" "$tmp/prog" 2>&1); then
  fail "on release $version ($old) the program started: $out"
fi
node=$(sed -n "s/.*version \`\(LIBEDITION_[0-9.]*\)' not found.*/\1/p" <<<"$out" | head -1)
[ -n "$node" ] || fail "on release $version the program failed without the loader naming a missing version node: $out"
[[ $out == *"$old_dir/libedition.so.1"* ]] || fail "the loader's message does not name the library it found: $out"
nodes_of "$old" | grep -qxF "$node" && fail "the loader names $node, which release $version defines: $out"
nodes_of "$build/lib/libedition.so.1" | grep -qxF "$node" || fail "the loader names $node, which the fresh library lacks too"
needed=$(release_of "$node")
[ -n "$needed" ] || fail "docs/abi.md's table of version nodes has no row for $node"
[ "$needed" != "$version" ] || fail "docs/abi.md maps $node to $version, the release that lacks it"
echo "go oldest library: on release $version the loader refuses it: $node (release $needed) not found"
echo "go oldest library: the loader's message: ${out//$tmp\//}"
