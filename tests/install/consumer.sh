#!/usr/bin/env bash
# Installs the build into a temporary root and uses the library the way a C
# service would: found only through pkg-config, linked shared, fully static
# (-static), and with libedition alone static (libedition-static.pc), and
# run. Also checks that the three version numbers agree.
# Usage: consumer.sh BUILD_DIR SOURCE_DIR PROJECT_VERSION
set -euo pipefail
build=$1 src=$2 version=$3
cc=${CC:-cc}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
meson install -C "$build" --destdir "$root" --no-rebuild --quiet

prefix=$(meson introspect --buildoptions "$build" |
  python3 -c 'import json,sys; o={x["name"]:x["value"] for x in json.load(sys.stdin)}; print(o["prefix"]+"/"+o["libdir"] if not o["libdir"].startswith("/") else o["libdir"])')
libdir=$root$prefix
# The .pc file names the real prefix; the sysroot maps it into $root.
export PKG_CONFIG_PATH=$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/share/pkgconfig:/usr/lib/pkgconfig

fail() { echo "consumer: $*" >&2; exit 1; }

for f in "$libdir/libedition.so.1" "$libdir/libedition.so" "$libdir/libedition.a" \
         "$libdir/pkgconfig/libedition.pc" "$libdir/pkgconfig/libedition-static.pc"; do
  [ -e "$f" ] || fail "missing after install: ${f#$root}"
done
real=$(readlink -f "$libdir/libedition.so.1")
case "$real" in */libedition.so.1.*.*) ;; *) fail "libedition.so.1 points to ${real#$root}" ;; esac
find "$root" -name libedition.h | grep -q . || fail "libedition.h not installed"
[ "$(find "$root" -name '*.h' | wc -l)" -eq 1 ] || fail "headers other than libedition.h installed"

pc_version=$(pkg-config --modversion libedition)
[ "$pc_version" = "$version" ] || fail "pkg-config version $pc_version, project version $version"
pc_version=$(pkg-config --modversion libedition-static)
[ "$pc_version" = "$version" ] || fail "libedition-static.pc version $pc_version, project version $version"

work=$root/work
mkdir -p "$work"
cat > "$work/version.c" <<'C'
#include <libedition.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    char header[32];
    snprintf(header, sizeof header, "%d.%d.%d", ED_VERSION_MAJOR, ED_VERSION_MINOR, ED_VERSION_PATCH);
    printf("%s\n", ed_version());
    return strcmp(header, ed_version()) != 0;
}
C

# shared
# shellcheck disable=SC2046
$cc -o "$work/embed" "$src/examples/embed.c" $(pkg-config --cflags --libs libedition)
# shellcheck disable=SC2046
$cc -o "$work/version" "$work/version.c" $(pkg-config --cflags --libs libedition)
LD_LIBRARY_PATH=$libdir "$work/embed" >/dev/null || fail "embed (shared) failed"
lib_version=$(LD_LIBRARY_PATH=$libdir "$work/version") || fail "header version differs from ed_version() $lib_version"
[ "$lib_version" = "$version" ] || fail "ed_version() $lib_version, project version $version"
# ldd's whole output first: `ldd | grep -q` under pipefail fails whenever
# grep stops reading before ldd has written its last line (SIGPIPE).
deps=$(LD_LIBRARY_PATH=$libdir ldd "$work/embed")
grep -q "libedition.so.1 => $libdir" <<<"$deps" ||
  fail "embed did not load the installed libedition.so.1"

# The documentation's C blocks (README.md, "From C"), as a newcomer copies
# them: tests/docs/docblocks.py gives this script every ```c block of the
# documented files and the ```sh {checked-by=tests/install/consumer.sh}
# blocks (CONTRIBUTING.md, "Documentation is tested"). Each C block is
# compiled with -Werror and run; the first is "the README example" below.
mkdir "$work/doc"
python3 "$src/tests/docs/docblocks.py" write tests/install/consumer.sh "$work/doc" >"$work/doc.list" ||
  fail "tests/docs/docblocks.py cannot read the documentation's blocks"
doc_sh=()
while read -r path where; do
  case $path in
    *.c)
      exe=${path%.c}
      # shellcheck disable=SC2046
      $cc -std=c11 -Wall -Wextra -Werror -o "$exe" "$path" $(pkg-config --cflags --libs libedition) ||
        fail "$where: the C block does not compile"
      LD_LIBRARY_PATH=$libdir "$exe" >/dev/null || fail "$where: the C block's program failed"
      [ -e "$work/readme.c" ] || cp "$path" "$work/readme.c"
      ;;
    *.sh) doc_sh+=("$path $where") ;;
    *) fail "$where: a block of no language this script runs: $path" ;;
  esac
done <"$work/doc.list"
[ -e "$work/readme.c" ] || fail "README.md has no C example"

# static: everything from `pkg-config --static`, no shared libedition at all
# shellcheck disable=SC2046
$cc -static -o "$work/embed-static" "$src/examples/embed.c" $(pkg-config --static --cflags --libs libedition)
"$work/embed-static" >/dev/null || fail "embed (static) failed"
if ldd "$work/embed-static" 2>/dev/null | grep -q libedition; then fail "static embed links libedition.so"; fi

# libedition alone static, the rest of the program dynamic, as README.md
# ("Linking statically") tells: libedition-static.pc names libedition.a by
# its path, where -ledition (even with --static) takes libedition.so
cp "$src/examples/embed.c" "$work/embed.c"
for prog in embed version; do
  # shellcheck disable=SC2046
  $cc -o "$work/$prog-libstatic" "$work/$prog.c" $(pkg-config --cflags --libs libedition-static) ||
    fail "$prog does not link with libedition-static.pc"
  deps=$(ldd "$work/$prog-libstatic")
  if grep -q libedition <<<"$deps"; then fail "$prog linked with libedition-static.pc needs libedition.so: $deps"; fi
  grep -q 'libc\.so' <<<"$deps" || fail "$prog linked with libedition-static.pc is not a dynamic program: $deps"
done
# README.md's own command for it (```sh {checked-by=tests/install/consumer.sh}),
# run as shown in a directory holding the README example as host.c
[ ${#doc_sh[@]} -eq 1 ] || fail "README.md: ${#doc_sh[@]} sh blocks for this script, not the one of \"Linking statically\""
read -r path where <<<"${doc_sh[0]}"
mkdir "$work/static" && cp "$work/readme.c" "$work/static/host.c"
(cd "$work/static" && bash -euo pipefail "$path") || fail "$where: the block failed"
mv "$work/static/host" "$work/readme-libstatic" || fail "$where: the block made no host"
deps=$(ldd "$work/readme-libstatic")
if grep -q libedition <<<"$deps"; then fail "$where: host needs libedition.so: $deps"; fi
# the README example writes YAML: libyaml comes in as the system has it (shared)
grep -q 'libyaml' <<<"$(ldd "$work/readme-libstatic")" ||
  fail "the README example linked with libedition-static.pc does not load libyaml"
# and runs with no libedition.so anywhere in the installation, the loader
# pointed at the directory where it was
rm -f "$libdir"/libedition.so*
[ -z "$(find "$root" -name 'libedition.so*')" ] || fail "libedition.so still present"
LD_LIBRARY_PATH=$libdir "$work/embed-libstatic" >/dev/null || fail "embed (libedition-static.pc) failed"
LD_LIBRARY_PATH=$libdir "$work/readme-libstatic" >/dev/null || fail "the README example (libedition-static.pc) failed"
lib_version=$(LD_LIBRARY_PATH=$libdir "$work/version-libstatic") ||
  fail "libedition.a: header version differs from ed_version() $lib_version"
[ "$lib_version" = "$version" ] || fail "libedition.a: ed_version() $lib_version, project version $version"

echo "consumer: installed, built through pkg-config (shared, -static, libedition-static), ran; version $version everywhere"
