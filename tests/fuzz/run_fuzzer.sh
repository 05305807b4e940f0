#!/usr/bin/env bash
# Runs one libFuzzer harness for a bounded time on a copy of its seed corpus
# (new inputs go to a scratch directory, never into the source tree) and
# prints how many inputs it executed. A crash leaves the input in the
# scratch directory's artifacts and fails the test.
# Usage: run_fuzzer.sh HARNESS SEED_DIR SECONDS [extra libFuzzer flags]
set -uo pipefail
harness=$1 seeds=$2 seconds=$3; shift 3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/corpus" "$scratch/artifacts"
dict=()
[ -f "$(dirname "$0")/yaml.dict" ] && dict=(-dict="$(dirname "$0")/yaml.dict")
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
  "$harness" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$scratch/artifacts/" "${dict[@]}" "$@" "$scratch/corpus" "$seeds" \
    >"$scratch/log" 2>&1
rc=$?
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/log" | grep -o '[0-9]*$')
name=$(basename "$harness")
if [ $rc -ne 0 ]; then
  tail -40 "$scratch/log"
  for a in "$scratch"/artifacts/*; do
    [ -f "$a" ] || continue
    keep=${FUZZ_ARTIFACTS:-/tmp}/$name-$(basename "$a")
    cp "$a" "$keep" && echo "$name: crashing input kept at $keep (base64 below)"
    base64 -w0 "$a"; echo
  done
  echo "$name: FAILED after ${execs:-?} executions"
  exit 1
fi
echo "$name: ${execs:-0} executions in ${seconds}s, no findings"
