/*
 * The metrics of `edition fleet` (metrics.h): the counters of a `fleet run`
 * process and the gauges of the database, in the Prometheus text
 * exposition format 0.0.4, and the metrics file replaced atomically for
 * node_exporter's textfile collector.
 */
#include "metrics.h"

#include "file_io.h"
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The bucket bounds of the handler duration: from 5 ms to the default
 * --timeout (60 s), and two above it for longer timeouts. The text is
 * what the `le` label shows. */
static const struct {
    double seconds;
    const char *text;
} bounds[HOST_METRICS_BUCKETS] = {
    {0.005, "0.005"}, {0.01, "0.01"}, {0.025, "0.025"}, {0.05, "0.05"}, {0.1, "0.1"},
    {0.25, "0.25"},   {0.5, "0.5"},   {1, "1"},         {2.5, "2.5"},   {5, "5"},
    {10, "10"},       {30, "30"},     {60, "60"},       {120, "120"},   {300, "300"},
};

void host_metrics_init(host_metrics *m, ed_time started)
{
    memset(m, 0, sizeof *m);
    m->started = started;
}

void host_metrics_ticked(host_metrics *m, size_t n)
{
    if (m)
        m->ticked += n;
}

void host_metrics_delivery(host_metrics *m, const char *outcome, double seconds)
{
    if (!m || !outcome)
        return;
    if (strcmp(outcome, "done") == 0) {
        m->done++;
    } else if (strcmp(outcome, "retry") == 0) {
        m->retry++;
        m->attempts_failed++;
    } else if (strcmp(outcome, "failed") == 0) {
        m->failed++;
        m->attempts_failed++;
    } else {
        return;
    }
    if (!(seconds > 0)) /* negative, or NaN */
        seconds = 0;
    for (size_t k = 0; k < HOST_METRICS_BUCKETS; k++) {
        if (seconds <= bounds[k].seconds) {
            m->bucket[k]++;
            break;
        }
    }
    m->count++;
    m->sum += seconds;
}

/* ---------------------------------------------------------------------- */
/* The text format                                                         */
/* ---------------------------------------------------------------------- */

/* The length of the well-formed UTF-8 sequence at the start of `p` (of
 * `n` bytes), or 0 when it is not one. */
static size_t utf8_length(const unsigned char *p, size_t n)
{
    size_t len;
    uint32_t cp;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        len = 2;
        cp = p[0] & 0x1fu;
    } else if ((p[0] & 0xf0) == 0xe0) {
        len = 3;
        cp = p[0] & 0x0fu;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        len = 4;
        cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((p[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[k] & 0x3fu);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
        return 0; /* overlong, or a surrogate */
    if (len == 4 && (cp < 0x10000 || cp > 0x10ffff))
        return 0;
    return len;
}

/* A label value in quotes, escaped as the format says: backslash, double
 * quote and line feed as \\, \" and \n. The value comes from the database
 * (any bytes): a byte that is not part of well-formed UTF-8 becomes
 * U+FFFD, so that the text stays UTF-8 as the format requires. */
static void label_value(cli_str *out, const char *value)
{
    const unsigned char *p = (const unsigned char *)(value ? value : "");
    size_t n = strlen((const char *)p);

    cli_str_puts(out, "\"");
    while (n > 0) {
        size_t len = utf8_length(p, n);
        if (len == 0) {
            cli_str_puts(out, "\xef\xbf\xbd");
            len = 1;
        } else if (*p == '\\') {
            cli_str_puts(out, "\\\\");
        } else if (*p == '"') {
            cli_str_puts(out, "\\\"");
        } else if (*p == '\n') {
            cli_str_puts(out, "\\n");
        } else {
            cli_str_append(out, (const char *)p, len);
        }
        p += len;
        n -= len;
    }
    cli_str_puts(out, "\"");
}

/* The # HELP and # TYPE lines of a metric (the help text is this file's
 * own: no backslash, no line feed). */
static void family(cli_str *out, const char *name, const char *type, const char *help)
{
    cli_str_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static uint64_t count_of(const char *text)
{
    return text ? (uint64_t)strtoull(text, NULL, 10) : 0;
}

static void format_gauges(cli_str *out, const fleet_stats *st, ed_time now)
{
    static const char *const states[] = {"pending", "done", "failed"};
    const uint64_t by_state[] = {st->pending, st->done, st->failed};
    ed_time age = st->has_oldest_pending && now > st->oldest_pending ? now - st->oldest_pending : 0;

    family(out, "edition_fleet_instances", "gauge",
           "Instances in the database, by edition and lifecycle.");
    for (size_t r = 0; r < st->by_state.nrows; r++) {
        cli_str_puts(out, "edition_fleet_instances{edition=");
        label_value(out, fleet_cell(&st->by_state, r, 0));
        cli_str_puts(out, ",lifecycle=");
        label_value(out, fleet_cell(&st->by_state, r, 1));
        cli_str_printf(out, "} %" PRIu64 "\n", count_of(fleet_cell(&st->by_state, r, 2)));
    }
    family(out, "edition_fleet_instances_due", "gauge",
           "Instances whose next deadline has come: due to be ticked now.");
    cli_str_printf(out, "edition_fleet_instances_due %" PRIu64 "\n", st->due);
    family(out, "edition_fleet_instances_cannot_be_ticked", "gauge",
           "Instances whose last tick failed (edition fleet list DB --skipped).");
    cli_str_printf(out, "edition_fleet_instances_cannot_be_ticked %" PRIu64 "\n", st->skipped);
    family(out, "edition_fleet_effects", "gauge", "Effects in the outbox, by state.");
    for (size_t k = 0; k < sizeof states / sizeof states[0]; k++)
        cli_str_printf(out, "edition_fleet_effects{state=\"%s\"} %" PRIu64 "\n", states[k],
                       by_state[k]);
    family(out, "edition_fleet_effects_blocked", "gauge",
           "Pending effects held back by a failed earlier effect of their instance "
           "(edition fleet retry).");
    cli_str_printf(out, "edition_fleet_effects_blocked %" PRIu64 "\n", st->blocked);
    family(out, "edition_fleet_oldest_pending_effect_age_seconds", "gauge",
           "Seconds since the oldest pending effect was created; 0 when none is pending.");
    cli_str_printf(out, "edition_fleet_oldest_pending_effect_age_seconds %" PRId64 "\n",
                   (int64_t)age);
}

static void format_counters(cli_str *out, const host_metrics *m)
{
    static const char *const outcomes[] = {"done", "retry", "failed"};
    const uint64_t by_outcome[] = {m->done, m->retry, m->failed};
    uint64_t cumulative = 0;

    family(out, "edition_fleet_instances_ticked_total", "counter",
           "Instances ticked by this process since it started.");
    cli_str_printf(out, "edition_fleet_instances_ticked_total %" PRIu64 "\n", m->ticked);
    family(out, "edition_fleet_effects_dispatched_total", "counter",
           "Deliveries of effects by this process, by outcome: done, retry (failed, to be "
           "tried again), failed (failed for the last time, kept for edition fleet retry).");
    for (size_t k = 0; k < sizeof outcomes / sizeof outcomes[0]; k++)
        cli_str_printf(out, "edition_fleet_effects_dispatched_total{outcome=\"%s\"} %" PRIu64 "\n",
                       outcomes[k], by_outcome[k]);
    family(out, "edition_fleet_attempts_failed_total", "counter",
           "Deliveries by this process whose handler failed (outcome retry or failed).");
    cli_str_printf(out, "edition_fleet_attempts_failed_total %" PRIu64 "\n", m->attempts_failed);
    family(out, "edition_fleet_handler_duration_seconds", "histogram",
           "How long the effect handler ran, per delivery by this process.");
    for (size_t k = 0; k < HOST_METRICS_BUCKETS; k++) {
        cumulative += m->bucket[k];
        cli_str_printf(out,
                       "edition_fleet_handler_duration_seconds_bucket{le=\"%s\"} %" PRIu64 "\n",
                       bounds[k].text, cumulative);
    }
    cli_str_printf(out,
                   "edition_fleet_handler_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
                   "edition_fleet_handler_duration_seconds_sum %.6f\n"
                   "edition_fleet_handler_duration_seconds_count %" PRIu64 "\n",
                   m->count, m->sum, m->count);
    family(out, "edition_fleet_start_time_seconds", "gauge",
           "When this process started, in seconds since the Unix epoch.");
    cli_str_printf(out, "edition_fleet_start_time_seconds %" PRId64 "\n", (int64_t)m->started);
}

int host_metrics_format(cli_str *out, const host_metrics *m, const fleet_stats *st, ed_time now)
{
    format_gauges(out, st, now);
    if (m)
        format_counters(out, m);
    return out->failed ? CLI_EXIT_IO : CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* The metrics file                                                        */
/* ---------------------------------------------------------------------- */

int host_metrics_write_file(const char *path, const char *data, size_t len, cli_str *why)
{
    cli_str tmp = {0};
    int fd, e = 0;

    cli_str_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
    if (tmp.failed) {
        cli_str_free(&tmp);
        cli_str_puts(why, "out of memory");
        return ENOMEM;
    }
    /* O_NOFOLLOW: a link planted at the temporary name is not written through */
    fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        e = errno;
        cli_str_printf(why, "cannot create %s: %s", tmp.data, strerror(e));
        cli_str_free(&tmp);
        return e;
    }
    {
        const char *step = "write";
        if ((e = file_write_all(fd, data, len)) == 0 && fsync(fd) != 0) {
            e = errno;
            step = "fsync";
        }
        if (close(fd) != 0 && e == 0) {
            e = errno;
            step = "close";
        }
        if (e != 0)
            cli_str_printf(why, "cannot %s %s: %s", step, tmp.data, strerror(e));
    }
    /* The folder is not fsynced: after a crash of the machine the old file
     * may come back, whole, which a collector reads as well as the new. */
    if (e == 0 && rename(tmp.data, path) != 0) {
        e = errno;
        cli_str_printf(why, "cannot rename %s over it: %s", tmp.data, strerror(e));
    }
    if (e != 0)
        (void)unlink(tmp.data);
    cli_str_free(&tmp);
    return e;
}

void host_metrics_publish(fleet_store *s, host_metrics *m, const char *path)
{
    fleet_stats st;
    cli_str text = {0}, why = {0};
    ed_time now = (ed_time)time(NULL);
    bool written = false;

    if (fleet_store_stats(s, now, &st) != FLEET_OK) {
        cli_str_printf(&why, "cannot read the statistics of %s: %s: %s", host_shown(s),
                       fleet_err_code(s->err), s->msg.data ? s->msg.data : "");
    } else {
        if (host_metrics_format(&text, m, &st, now) != CLI_EXIT_OK)
            cli_str_puts(&why, "out of memory");
        else
            written = host_metrics_write_file(path, text.data, text.len, &why) == 0;
        fleet_stats_free(&st);
    }
    if (!written) {
        if (!m->file_failing)
            cli_warning("--metrics-file %s: not written: %s (the service goes on; told once "
                        "until it is written again)",
                        path, why.data && !why.failed ? why.data : "out of memory");
        m->file_failing = true;
    } else if (m->file_failing) {
        cli_warning("--metrics-file %s: written again", path);
        m->file_failing = false;
    }
    cli_str_free(&text);
    cli_str_free(&why);
}
