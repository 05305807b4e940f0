/*
 * The metrics of `edition fleet` in the Prometheus text exposition format,
 * version 0.0.4 (docs/fleet.md, "Metrics"): the counters of one `fleet run`
 * process (host_metrics), the gauges read from the database (fleet_stats),
 * and the file that node_exporter's textfile collector reads, replaced
 * atomically after each cycle of the service.
 */
#ifndef EDITION_FLEET_METRICS_H
#define EDITION_FLEET_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "str.h"

/* The upper bounds of the buckets of edition_fleet_handler_duration_seconds,
 * in seconds, ascending; +Inf comes after them. */
#define HOST_METRICS_BUCKETS 15

/* What one `fleet run` process did since it started. */
typedef struct host_metrics {
    ed_time started;               /* Unix seconds */
    uint64_t ticked;               /* instances ticked (their revision moved) */
    uint64_t done, retry, failed;  /* deliveries by outcome */
    uint64_t attempts_failed;      /* deliveries whose outcome was retry or failed */
    /* deliveries per bucket, each counted in the first bucket whose bound
     * holds its duration (made cumulative when formatted); those longer
     * than the last bound only in `count` */
    uint64_t bucket[HOST_METRICS_BUCKETS];
    uint64_t count; /* deliveries timed */
    double sum;     /* their durations added up, in seconds */
    bool file_failing; /* host_metrics_publish: the last write failed, and said so */
} host_metrics;

/* All counters zero, the process started at `started`. */
void host_metrics_init(host_metrics *m, ed_time started);

/* Counts `n` instances ticked. m NULL: nothing. */
void host_metrics_ticked(host_metrics *m, size_t n);

/* Counts one delivery: its outcome ("done"; "retry", a failed attempt to
 * be tried again; "failed", failed for the last time and kept for `fleet
 * retry`) and how long its handler ran, in seconds. retry and failed are
 * failed attempts. m NULL, or another outcome: nothing. */
void host_metrics_delivery(host_metrics *m, const char *outcome, double seconds);

/* Appends the metrics to `out`: the gauges of `st` (read at `now`), then,
 * unless m is NULL, the counters and histogram of m and the process's start
 * time. Returns CLI_EXIT_OK, or CLI_EXIT_IO when out of memory. */
int host_metrics_format(cli_str *out, const host_metrics *m, const fleet_stats *st, ed_time now);

/* Replaces the file `path` by `len` bytes of `data` atomically: they are
 * written to PATH.tmp.<pid> in the same folder, fsynced, and renamed over
 * `path`, so that a reader sees the old file or the new one, whole. On
 * failure the temporary file is removed, `path` is as it was, and *why
 * says what failed, naming the file; returns 0 or an errno. */
int host_metrics_write_file(const char *path, const char *data, size_t len, cli_str *why);

/* The metrics file of `fleet run --metrics-file PATH`: reads the gauges
 * from `s`, formats them with `m`, and replaces `path`. A failure is a
 * warning on standard error naming the path and the reason, never an
 * error: the service goes on. Only the first failure of a run of them is
 * told (the service may write every 200 ms), and the first success after
 * them. */
void host_metrics_publish(fleet_store *s, host_metrics *m, const char *path);

#endif /* EDITION_FLEET_METRICS_H */
