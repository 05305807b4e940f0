#!/usr/bin/env bash
# Compares the freshly built libedition.so with the committed ABI baseline.
# Fails on any change abidiff reports (a removed or changed function, a
# changed type, a changed enumerator value); additions of functions and of
# enumerators are compatible and pass. See docs/abi.md.
# Usage: check_abi.sh SOURCE_DIR LIBRARY
set -uo pipefail
src=$1 lib=$2
baseline=$src/abi/libedition.so.1.abi
[ -f "$baseline" ] || { echo "check_abi: no baseline at $baseline" >&2; exit 1; }
abidiff --no-added-syms \
  --headers-dir1 "$src/include" --headers-dir2 "$src/include" \
  "$baseline" "$lib"
rc=$?
if [ $rc -ne 0 ]; then
  echo "check_abi: the ABI differs from the baseline (abidiff exit $rc)." >&2
  echo "check_abi: if this is deliberate, follow docs/abi.md (scripts/abi-baseline)." >&2
  exit 1
fi
echo "check_abi: compatible with the baseline $(basename "$baseline")"
