#!/bin/sh
# Draws docs/perf/transition-cost.png: the cost of a state-only transition
# (set_post_expiration_action, renew) and of an upgrade against the topic
# count, log-log, before and after issue 15.
#
#   bench/chart.sh [BUILD_DIR]     (default: build-bench/, as scripts/bench)
#   bench/chart.sh --plot-only     redraw from the committed data files
#
# "after" is measured now with `bench_transitions curve` of BUILD_DIR and
# written to docs/perf/curve-after.dat; "before" is docs/perf/curve-before.dat,
# the same program built against the code before the compact effects of
# 0.2.0 (commit abb185e, effects printed at creation as in 0.1.0):
# `git archive abb185e`, add bench/bench_transitions.c to its
# bench/meson.build, buildtype=release, run `bench_transitions curve`.
# Needs gnuplot (Debian: gnuplot-nox, which scripts/bench installs).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
perf=$root/docs/perf
if [ "${1:-}" != --plot-only ]; then
    dir=${1:-"$root/build-bench"}
    "$dir/bench/bench_transitions" curve >"$perf/curve-after.dat"
fi
gnuplot <<GP
set terminal pngcairo size 900,600 noenhanced font ",11"
set output "$perf/transition-cost.png"
set title "libedition: cost of one transition against the topic count (release build, medians)"
set logscale xy
set format x "%.0f"
set format y "%g"
set xlabel "topics in the instance"
set ylabel "microseconds per transition"
set key top left
set grid
plot "$perf/curve-before.dat" using 1:3 with linespoints lw 2 pt 7 lc rgb "#c0392b" title "upgrade, before 0.2.0 (effects printed at creation)", \
     "$perf/curve-after.dat"  using 1:3 with linespoints lw 2 pt 7 lc rgb "#2980b9" title "upgrade, now (compact effects)", \
     "$perf/curve-before.dat" using 1:2 with linespoints lw 2 pt 5 dt 2 lc rgb "#e67e22" title "state-only, before 0.2.0", \
     "$perf/curve-after.dat"  using 1:2 with linespoints lw 2 pt 5 dt 2 lc rgb "#27ae60" title "state-only, now"
GP
echo "wrote $perf/transition-cost.png"
