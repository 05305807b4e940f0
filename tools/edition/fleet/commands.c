/*
 * `edition fleet`: the subcommand table, the parsing of each subcommand's
 * arguments, and the subcommands that read or change rows one at a time
 * (init, add, show, list, stats, effects, retry, apply). tick.c and
 * dispatch.c hold the others.
 */
#include "host.h"
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------------- */
/* Options                                                                 */
/* ---------------------------------------------------------------------- */


static const cli_option fleet_options[F_COUNT] = {
    [F_NOW] = {"--now", "T", "the time, RFC 3339 (default: the current time)"},
    [F_LIMIT] = {"--limit", "N", "tick at most N instances"},
    [F_DUE] = {"--due", NULL, "only the instances due at --now"},
    [F_EDITION] = {"--edition", "E", "only the instances of this edition"},
    [F_LIFECYCLE] = {"--lifecycle", "L", "only the instances in this lifecycle"},
    [F_EXEC] = {"--exec", "CMD", "the handler: /bin/sh -c CMD, once per effect"},
    [F_WORKERS] = {"--workers", "N", "handlers at a time (default 1, at most 256)"},
    [F_FAILED] = {"--failed", NULL, "only the failed effects"},
    [F_PENDING] = {"--pending", NULL, "only the pending effects"},
    [F_MAX_ATTEMPTS] = {"--max-attempts", "N", "attempts before an effect is failed (default 5)"},
    [F_BACKOFF] = {"--backoff", "S", "first retry delay, doubled each attempt (default 1)"},
    [F_LEASE] = {"--lease", "S", "how long a claimed effect is held (default 300, at least 2)"},
    [F_POLL] = {"--poll", "S", "longest sleep between rounds (default 60)"},
    [F_FORMAT] = {"--format", "F", "show: yaml (the default) or json; list, effects, history, "
                                   "attempts: text (the default) or json; stats: text, json or "
                                   "prometheus"},
    [F_INSTANCE] = {"--instance", "ID", "only the effects of this instance"},
    [F_TIMEOUT] = {"--timeout", "S",
                   "kill a handler after S seconds (default 60; shorter than --lease)"},
    [F_SKIPPED] = {"--skipped", NULL, "only the rows that cannot be ticked, with their error"},
    [F_LOG_FORMAT] = {"--log-format", "F",
                      "events on standard error: logfmt (the default) or json"},
    [F_QUIET] = {"--quiet", NULL, "log warnings and errors only"},
    [F_VERBOSE] = {"--verbose", NULL, "log debug events too"},
    [F_BLOCKED] = {"--blocked", NULL,
                   "only the pending effects held back by a failed one, and which holds each"},
    [F_METRICS_FILE] = {"--metrics-file", "PATH",
                        "write Prometheus metrics there after each cycle (replaced atomically)"},
    [F_BATCH] = {"--batch", "N",
                 "due instances ticked in one transaction (default 100, at most 10000)"},
    [F_EXEC_STREAM] = {"--exec-stream", "CMD",
                       "a streaming handler: /bin/sh -c CMD per worker, an effect a line on its "
                       "input, a reply a line on its output"},
    CLI_COMMAND_OPTIONS,
};

typedef struct fleet_sub {
    const char *name;
    const char *synopsis;
    const char *summary;
    unsigned options; /* bits 1u << F_... */
    size_t min_pos, max_pos; /* max_pos 0: any number */
    int (*run)(fleet_args *a);
} fleet_sub;

/* Whether an argument of `add` is a database rather than a state file: a
 * PostgreSQL URI or connection string, or a SQLite file (its header). */
static bool names_database(const char *arg)
{
    static const char header[16] = "SQLite format 3";
    char head[16];
    FILE *f;
    bool sqlite = false;
    if (fleet_is_postgresql(arg))
        return true;
    f = fopen(arg, "rb");
    if (f) {
        sqlite = fread(head, 1, sizeof head, f) == sizeof head &&
                 memcmp(head, header, sizeof head) == 0;
        (void)fclose(f);
    }
    return sqlite;
}

/* What a subcommand accepts, for the parser and its --help; its DB may be
 * left out for EDITION_FLEET_DB. */
static cli_command_line command_line_of(const fleet_sub *sub, char *name, size_t name_size,
                                        char *synopsis, size_t synopsis_size)
{
    cli_command_line line = {name, synopsis, fleet_options, F_COUNT, sub->options,
                             sub->min_pos, sub->max_pos ? sub->max_pos : CLI_ANY,
                             FLEET_DB_VARIABLE, "DB", names_database};
    snprintf(name, name_size, "fleet %s", sub->name);
    snprintf(synopsis, synopsis_size, "fleet %s", sub->synopsis);
    return line;
}

static int fleet_sub_help(const fleet_sub *sub, const cli_command_line *line)
{
    cli_str out = {0};
    int rc = CLI_EXIT_OK;
    cli_str_printf(&out, "usage: edition %s\n\n%s.\n", line->synopsis, sub->summary);
    if (sub->options & (1u << F_PERIOD))
        cli_print_lifecycle_commands(&out);
    cli_print_options(&out, line);
    if (out.failed || !cli_str_write(&out, stdout) || fflush(stdout) != 0) {
        cli_error("io_error", "standard output: cannot write");
        rc = CLI_EXIT_IO;
    }
    cli_str_free(&out);
    return rc;
}

/* Parses a subcommand's arguments (argv[2..]) with the one parser of
 * args.h; --help prints its usage (*helped). */
static int parse_fleet_args(int argc, char **argv, const fleet_sub *sub, fleet_args *a,
                            bool *helped)
{
    char name[64], synopsis[256];
    cli_command_line line = command_line_of(sub, name, sizeof name, synopsis, sizeof synopsis);
    cli_parsed p;
    int rc = cli_parse(argc, argv, 2, &line, &p);

    *helped = false;
    a->pos = p.pos; /* a owns it from here: cli_fleet frees it */
    a->npos = p.npos;
    for (size_t k = 0; k < F_COUNT; k++) {
        a->given[k] = cli_given(&p, k);
        a->value[k] = p.value[k];
    }
    if (rc == CLI_EXIT_OK && p.help) {
        *helped = true;
        rc = fleet_sub_help(sub, &line);
    }
    return rc;
}

/* A whole number in [min, max]. */
int host_parse_count(const fleet_args *a, int opt, long long min, long long max, long long *out)
{
    const char *text = a->value[opt];
    char *end = NULL;
    long long v;
    if (!a->given[opt])
        return CLI_EXIT_OK;
    errno = 0;
    v = strtoll(text, &end, 10);
    if (!*text || *end || errno || v < min || v > max)
        return cli_usage("%s: '%s' is not a whole number in %lld..%lld", fleet_options[opt].name,
                         text, min, max);
    *out = v;
    return CLI_EXIT_OK;
}

int host_log_setup(const fleet_args *a)
{
    host_log_level lowest = HOST_LOG_INFO;
    if (a->given[F_QUIET] && a->given[F_VERBOSE])
        return cli_usage("fleet %s: give --quiet or --verbose, not both", a->sub);
    if (a->given[F_QUIET])
        lowest = HOST_LOG_WARN;
    if (a->given[F_VERBOSE])
        lowest = HOST_LOG_DEBUG;
    if (!host_log_configure(a->value[F_LOG_FORMAT], lowest))
        return cli_usage("--log-format: unknown format '%s' (one of: logfmt, json)",
                         a->value[F_LOG_FORMAT]);
    return CLI_EXIT_OK;
}

void host_log_stopped(const fleet_args *a, int rc)
{
    host_log_event ev;
    if (!host_log_begin(&ev, rc == CLI_EXIT_OK ? HOST_LOG_INFO : HOST_LOG_ERROR, "stopped"))
        return;
    host_log_str(&ev, "command", a->sub);
    host_log_int(&ev, "exit_code", rc);
    host_log_str(&ev, "reason", host_stop_requested ? "signal" : rc == CLI_EXIT_OK ? "done"
                                                                                  : "error");
    host_log_end(&ev);
}

int host_parse_time(const fleet_args *a, ed_time *now)
{
    return cli_parse_now(a->given[F_NOW] ? a->value[F_NOW] : NULL, now);
}

/* ---------------------------------------------------------------------- */
/* init, add, show, list, stats                                            */
/* ---------------------------------------------------------------------- */

static int run_init(fleet_args *a)
{
    fleet_store s;
    cli_str out = {0};
    int from = 0;
    int rc = host_open_store(&s, a->pos[0], true);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (fleet_store_migrate(&s, &from) != FLEET_OK) {
        rc = host_store_error(&s, "cannot apply the schema");
        fleet_store_close(&s);
        return rc;
    }
    cli_str_puts(&out, host_shown(&s));
    if (from == FLEET_SCHEMA_VERSION)
        cli_str_printf(&out, ": schema version %d, up to date\n", from);
    else
        cli_str_printf(&out, ": schema version %d (from %d)\n", FLEET_SCHEMA_VERSION, from);
    fleet_store_close(&s);
    return host_emit(&out, true);
}

static int run_add(fleet_args *a)
{
    fleet_store s;
    cli_str out = {0};
    int rc = host_open_store(&s, a->pos[0], false);
    size_t added = 0;

    if (rc != CLI_EXIT_OK)
        return rc;
    if (fleet_store_begin(&s) != FLEET_OK)
        rc = host_store_error(&s, "cannot begin a transaction");
    for (size_t i = 1; rc == CLI_EXIT_OK && i < a->npos; i++) {
        char *data = NULL;
        size_t len = 0;
        ed_instance *inst = NULL;
        ed_error *err = NULL;
        fleet_instance_row row;
        rc = cli_read_input(a->pos[i], READ_LIMIT, &data, &len);
        if (rc == CLI_EXIT_OK) {
            ed_status st = ed_instance_load_yaml(&inst, data, len, NULL, &err);
            if (st != ED_OK)
                rc = cli_load_error(a->pos[i], st, err);
            ed_error_free(err);
        }
        free(data);
        if (rc == CLI_EXIT_OK)
            rc = host_row_from(inst, &row);
        if (rc == CLI_EXIT_OK) {
            if (fleet_store_insert(&s, &row) != FLEET_OK) {
                cli_str what = {0};
                cli_str_untrusted_puts(&what, a->pos[i]);
                rc = host_store_error(&s, what.data ? what.data : "");
                cli_str_free(&what);
            }
            fleet_instance_row_free(&row);
            added++;
        }
        ed_instance_free(inst);
    }
    /* new instances: a service sleeping until a later deadline wakes */
    if (rc == CLI_EXIT_OK && added > 0 && fleet_store_notify(&s) != FLEET_OK)
        rc = host_store_error(&s, "cannot notify the service of the instances");
    if (rc == CLI_EXIT_OK && fleet_store_commit(&s) != FLEET_OK)
        rc = host_store_error(&s, "cannot commit");
    if (rc != CLI_EXIT_OK) {
        fleet_store_rollback(&s);
        fleet_store_close(&s);
        return rc;
    }
    fleet_store_close(&s);
    cli_str_printf(&out, "added %zu instances\n", added);
    return host_emit(&out, true);
}

static int run_show(fleet_args *a)
{
    fleet_store s;
    fleet_instance_row row;
    ed_instance *inst = NULL;
    cli_str out = {0};
    bool json = a->given[F_FORMAT] && strcmp(a->value[F_FORMAT], "json") == 0;
    int rc;

    if (a->given[F_FORMAT] && !json && strcmp(a->value[F_FORMAT], "yaml") != 0)
        return cli_usage("--format: unknown format '%s' (one of: yaml, json)", a->value[F_FORMAT]);
    if ((rc = host_open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    if (fleet_store_get(&s, a->pos[1], false, &row) != FLEET_OK) {
        rc = host_store_error(&s, "");
        fleet_store_close(&s);
        return rc;
    }
    rc = host_load_row_or_report(&s, &row, &inst);
    if (rc == CLI_EXIT_OK) {
        ed_buffer *buf = ed_buffer_new();
        if (!buf || (json ? ed_instance_dump_json(inst, buf) : ed_instance_dump_yaml(inst, buf)) !=
                        ED_OK)
            out.failed = true;
        else
            cli_str_append(&out, ed_buffer_data(buf), ed_buffer_len(buf));
        ed_buffer_free(buf);
        rc = host_emit(&out, false);
    }
    ed_instance_free(inst);
    fleet_instance_row_free(&row);
    fleet_store_close(&s);
    return rc;
}

/* --format of list, stats and effects: text (the default) or json. */
static int text_or_json(const fleet_args *a, bool *json)
{
    *json = a->given[F_FORMAT] && strcmp(a->value[F_FORMAT], "json") == 0;
    if (a->given[F_FORMAT] && !*json && strcmp(a->value[F_FORMAT], "text") != 0)
        return cli_usage("--format: unknown format '%s' (one of: text, json)", a->value[F_FORMAT]);
    return CLI_EXIT_OK;
}

/* A time column as JSON: RFC 3339 in quotes, or null. */
static void json_time(cli_str *out, const char *seconds)
{
    if (!seconds) {
        cli_str_puts(out, "null");
        return;
    }
    cli_str_puts(out, "\"");
    cli_str_time(out, (ed_time)strtoll(seconds, NULL, 10));
    cli_str_puts(out, "\"");
}

/* One instance of `fleet list --format json` (docs/fleet.md, "JSON output"). */
static void list_json_row(cli_str *out, const fleet_rows *rows, size_t r, bool skipped)
{
    cli_str_puts(out, r == 0 ? "\n  {\"id\": " : ",\n  {\"id\": ");
    cli_str_json(out, fleet_cell(rows, r, 0));
    cli_str_printf(out, ", \"revision\": %s, \"edition\": ", fleet_cell(rows, r, 1));
    cli_str_json(out, fleet_cell(rows, r, 2));
    cli_str_puts(out, ", \"lifecycle\": ");
    cli_str_json(out, fleet_cell(rows, r, 3));
    cli_str_puts(out, ", \"next_deadline\": ");
    json_time(out, fleet_cell(rows, r, 4));
    if (skipped) {
        cli_str_printf(out, ", \"tick_failures\": %s, \"tick_error\": ", fleet_cell(rows, r, 5));
        cli_str_json(out, fleet_cell(rows, r, 6));
    }
    cli_str_puts(out, "}");
}

static int run_list(fleet_args *a)
{
    fleet_store s;
    fleet_rows rows = {0};
    fleet_list_filter f = {a->value[F_EDITION], a->value[F_LIFECYCLE], a->given[F_DUE], 0,
                           a->given[F_SKIPPED]};
    cli_str out = {0};
    bool json = false;
    int rc = host_parse_time(a, &f.now);

    if (rc == CLI_EXIT_OK)
        rc = text_or_json(a, &json);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a->given[F_EDITION]) {
        ed_edition e;
        if (ed_edition_from_name(a->value[F_EDITION], &e) != ED_OK)
            return cli_usage("--edition: unknown edition '%s'", a->value[F_EDITION]);
    }
    if (a->given[F_LIFECYCLE]) {
        ed_lifecycle l;
        if (ed_lifecycle_from_name(a->value[F_LIFECYCLE], &l) != ED_OK)
            return cli_usage("--lifecycle: unknown lifecycle '%s'", a->value[F_LIFECYCLE]);
    }
    if ((rc = host_open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    if (fleet_store_list(&s, &f, &rows) != FLEET_OK) {
        rc = host_store_error(&s, "cannot list the instances");
    } else if (json) {
        cli_str_puts(&out, "[");
        for (size_t r = 0; r < rows.nrows; r++)
            list_json_row(&out, &rows, r, a->given[F_SKIPPED]);
        cli_str_puts(&out, rows.nrows ? "\n]\n" : "]\n");
        rc = host_emit(&out, false);
    } else {
        for (size_t r = 0; r < rows.nrows; r++) {
            const char *dl = fleet_cell(&rows, r, 4);
            cli_str_untrusted_puts(&out, fleet_cell(&rows, r, 0));
            cli_str_printf(&out, "\trevision %s\t%s\t%s\t", fleet_cell(&rows, r, 1),
                           fleet_cell(&rows, r, 2), fleet_cell(&rows, r, 3));
            if (dl)
                cli_str_time(&out, (ed_time)strtoll(dl, NULL, 10));
            else
                cli_str_puts(&out, "none");
            if (a->given[F_SKIPPED]) {
                cli_str_printf(&out, "\ttick failed %s times\t", fleet_cell(&rows, r, 5));
                cli_str_untrusted_puts(&out, fleet_cell(&rows, r, 6) ? fleet_cell(&rows, r, 6) : "");
            }
            cli_str_puts(&out, "\n");
        }
        rc = host_emit(&out, false);
    }
    fleet_rows_free(&rows);
    fleet_store_close(&s);
    return rc;
}

/* --format of stats: text (the default), json or prometheus. */
typedef enum stats_format { STATS_TEXT, STATS_JSON, STATS_PROMETHEUS } stats_format;

static int stats_format_of(const fleet_args *a, stats_format *f)
{
    const char *v = a->value[F_FORMAT];
    *f = STATS_TEXT;
    if (!a->given[F_FORMAT] || strcmp(v, "text") == 0)
        return CLI_EXIT_OK;
    if (strcmp(v, "json") == 0)
        *f = STATS_JSON;
    else if (strcmp(v, "prometheus") == 0)
        *f = STATS_PROMETHEUS;
    else
        return cli_usage("--format: unknown format '%s' (one of: text, json, prometheus)", v);
    return CLI_EXIT_OK;
}

static int run_stats(fleet_args *a)
{
    fleet_store s;
    fleet_stats st;
    cli_str out = {0};
    stats_format format = STATS_TEXT;
    ed_time now = (ed_time)time(NULL);
    int rc = stats_format_of(a, &format);

    if (rc != CLI_EXIT_OK || (rc = host_open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    if (fleet_store_stats(&s, now, &st) != FLEET_OK) {
        rc = host_store_error(&s, "cannot read the statistics");
        fleet_store_close(&s);
        return rc;
    }
    if (format == STATS_PROMETHEUS) {
        /* the gauges only: the counters are those of a running fleet run */
        (void)host_metrics_format(&out, NULL, &st, now);
    } else if (format == STATS_JSON) {
        cli_str_puts(&out, "{\"instances\": [");
        for (size_t r = 0; r < st.by_state.nrows; r++) {
            cli_str_puts(&out, r ? ", {\"edition\": " : "{\"edition\": ");
            cli_str_json(&out, fleet_cell(&st.by_state, r, 0));
            cli_str_puts(&out, ", \"lifecycle\": ");
            cli_str_json(&out, fleet_cell(&st.by_state, r, 1));
            cli_str_printf(&out, ", \"count\": %s}", fleet_cell(&st.by_state, r, 2));
        }
        cli_str_printf(&out,
                       "], \"due\": %" PRIu64 ", \"cannot_be_ticked\": %" PRIu64
                       ", \"effects\": {\"pending\": %" PRIu64 ", \"done\": %" PRIu64
                       ", \"failed\": %" PRIu64 ", \"blocked\": %" PRIu64 "}}\n",
                       st.due, st.skipped, st.pending, st.done, st.failed, st.blocked);
    } else {
        cli_str_puts(&out, "instances:\n");
        for (size_t r = 0; r < st.by_state.nrows; r++)
            cli_str_printf(&out, "  %s %s: %s\n", fleet_cell(&st.by_state, r, 0),
                           fleet_cell(&st.by_state, r, 1), fleet_cell(&st.by_state, r, 2));
        cli_str_printf(&out, "due now: %" PRIu64 "\n", st.due);
        cli_str_printf(&out, "cannot be ticked: %" PRIu64 " (edition fleet list DB --skipped)\n",
                       st.skipped);
        cli_str_printf(&out,
                       "effects: pending %" PRIu64 ", done %" PRIu64 ", failed %" PRIu64
                       ", blocked %" PRIu64 "\n",
                       st.pending, st.done, st.failed, st.blocked);
    }
    fleet_stats_free(&st);
    fleet_store_close(&s);
    return host_emit(&out, false);
}

static int run_effects(fleet_args *a)
{
    fleet_store s;
    fleet_rows rows = {0};
    fleet_effects_filter f = {a->given[F_FAILED] ? "failed" : a->given[F_PENDING] ? "pending" : NULL,
                              a->value[F_INSTANCE]};
    cli_str out = {0};
    bool json = false;
    int rc = text_or_json(a, &json);

    if (rc != CLI_EXIT_OK)
        return rc;
    if (a->given[F_FAILED] + a->given[F_PENDING] + a->given[F_BLOCKED] > 1)
        return cli_usage("fleet effects: give one of --failed, --pending and --blocked");
    if ((rc = host_open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    if ((a->given[F_BLOCKED] ? fleet_store_blocked(&s, f.instance, &rows)
                             : fleet_store_effects(&s, &f, &rows)) != FLEET_OK) {
        rc = host_store_error(&s, "cannot list the effects");
    } else if (json) {
        cli_str_puts(&out, "[");
        for (size_t r = 0; r < rows.nrows; r++) {
            cli_str_puts(&out, r ? ",\n  {\"key\": " : "\n  {\"key\": ");
            cli_str_json(&out, fleet_cell(&rows, r, 0));
            cli_str_puts(&out, ", \"state\": ");
            cli_str_json(&out, fleet_cell(&rows, r, 1));
            cli_str_printf(&out, ", \"attempts\": %s, \"kind\": ", fleet_cell(&rows, r, 2));
            cli_str_json(&out, fleet_cell(&rows, r, 3));
            cli_str_puts(&out, ", \"last_error\": ");
            cli_str_json(&out, fleet_cell(&rows, r, 4));
            if (a->given[F_BLOCKED]) {
                cli_str_puts(&out, ", \"held_by\": ");
                cli_str_json(&out, fleet_cell(&rows, r, 5));
                cli_str_puts(&out, ", \"held_by_error\": ");
                cli_str_json(&out, fleet_cell(&rows, r, 6));
            }
            cli_str_puts(&out, "}");
        }
        cli_str_puts(&out, rows.nrows ? "\n]\n" : "]\n");
        rc = host_emit(&out, false);
    } else {
        for (size_t r = 0; r < rows.nrows; r++) {
            cli_str_untrusted_puts(&out, fleet_cell(&rows, r, 0));
            cli_str_printf(&out, "\t%s\tattempts %s\t%s", fleet_cell(&rows, r, 1),
                           fleet_cell(&rows, r, 2), fleet_cell(&rows, r, 3));
            if (fleet_cell(&rows, r, 4)) {
                cli_str_puts(&out, "\t");
                cli_str_untrusted_puts(&out, fleet_cell(&rows, r, 4));
            }
            if (a->given[F_BLOCKED]) {
                cli_str_puts(&out, "\theld by ");
                cli_str_untrusted_puts(&out, fleet_cell(&rows, r, 5));
                cli_str_puts(&out, ": ");
                cli_str_untrusted_puts(&out, fleet_cell(&rows, r, 6) ? fleet_cell(&rows, r, 6) : "");
            }
            cli_str_puts(&out, "\n");
        }
        rc = host_emit(&out, false);
    }
    fleet_rows_free(&rows);
    fleet_store_close(&s);
    return rc;
}

/* An integer column as JSON: the number, or null. */
static void json_int(cli_str *out, const char *value)
{
    cli_str_puts(out, value ? value : "null");
}

/* One attempt (the columns of fleet_store_attempts from `c`) as a JSON
 * object (docs/fleet.md, "JSON output"). */
static void attempt_json(cli_str *out, const fleet_rows *rows, size_t r, size_t c)
{
    const char *ms = fleet_cell(rows, r, c + 2);
    cli_str_printf(out, "{\"attempt\": %s, \"started_at\": ", fleet_cell(rows, r, c));
    json_time(out, fleet_cell(rows, r, c + 1));
    if (ms)
        cli_str_printf(out, ", \"duration_seconds\": %.3f", (double)strtoll(ms, NULL, 10) / 1000.0);
    else
        cli_str_puts(out, ", \"duration_seconds\": null");
    cli_str_puts(out, ", \"outcome\": ");
    cli_str_json(out, fleet_cell(rows, r, c + 3));
    cli_str_puts(out, ", \"exit_status\": ");
    json_int(out, fleet_cell(rows, r, c + 4));
    cli_str_puts(out, ", \"signal\": ");
    json_int(out, fleet_cell(rows, r, c + 5));
    cli_str_puts(out, ", \"error\": ");
    cli_str_json(out, fleet_cell(rows, r, c + 6));
    cli_str_puts(out, ", \"stderr\": ");
    cli_str_json(out, fleet_cell(rows, r, c + 7));
    cli_str_puts(out, "}");
}

/* One attempt as a line of text: number, start, duration, outcome, exit
 * status or signal, error; then the handler's standard error on a line of
 * its own. */
static void attempt_text(cli_str *out, const char *indent, const fleet_rows *rows, size_t r,
                         size_t c)
{
    const char *ms = fleet_cell(rows, r, c + 2), *status = fleet_cell(rows, r, c + 4),
               *sig = fleet_cell(rows, r, c + 5), *error = fleet_cell(rows, r, c + 6),
               *err_text = fleet_cell(rows, r, c + 7);
    cli_str_printf(out, "%sattempt %s\t", indent, fleet_cell(rows, r, c));
    cli_str_time(out, (ed_time)strtoll(fleet_cell(rows, r, c + 1), NULL, 10));
    if (ms)
        cli_str_printf(out, "\t%.3fs", (double)strtoll(ms, NULL, 10) / 1000.0);
    else
        cli_str_puts(out, "\t-");
    cli_str_printf(out, "\t%s", fleet_cell(rows, r, c + 3));
    if (status)
        cli_str_printf(out, "\texit status %s", status);
    if (sig)
        cli_str_printf(out, "\tsignal %s", sig);
    if (error) {
        cli_str_puts(out, "\t");
        cli_str_untrusted_puts(out, error);
    }
    cli_str_puts(out, "\n");
    if (err_text) {
        cli_str_printf(out, "%s  stderr: ", indent);
        cli_str_untrusted_puts(out, err_text);
        cli_str_puts(out, "\n");
    }
}

static int run_attempts(fleet_args *a)
{
    fleet_store s;
    fleet_rows rows = {0};
    cli_str out = {0};
    bool json = false;
    int rc = text_or_json(a, &json);

    if (rc != CLI_EXIT_OK || (rc = host_open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    if (fleet_store_attempts(&s, a->pos[1], &rows) != FLEET_OK) {
        rc = host_store_error(&s, "");
    } else {
        if (json)
            cli_str_puts(&out, "[");
        for (size_t r = 0; r < rows.nrows; r++) {
            if (json) {
                cli_str_puts(&out, r ? ",\n  " : "\n  ");
                attempt_json(&out, &rows, r, 0);
            } else {
                attempt_text(&out, "", &rows, r, 0);
            }
        }
        if (json)
            cli_str_puts(&out, rows.nrows ? "\n]\n" : "]\n");
        rc = host_emit(&out, false);
    }
    fleet_rows_free(&rows);
    fleet_store_close(&s);
    return rc;
}

/* `fleet history` as JSON: {"instance": ID, "effects": [...]}, each effect
 * with its attempts (docs/fleet.md, "JSON output"). */
static void history_json(cli_str *out, const char *id, const fleet_rows *ef,
                         const fleet_rows *at)
{
    size_t k = 0;
    cli_str_puts(out, "{\"instance\": ");
    cli_str_json(out, id);
    cli_str_puts(out, ", \"effects\": [");
    for (size_t r = 0; r < ef->nrows; r++) {
        const char *key = fleet_cell(ef, r, 0);
        bool first = true;
        cli_str_puts(out, r ? ",\n  {\"key\": " : "\n  {\"key\": ");
        cli_str_json(out, key);
        cli_str_printf(out, ", \"revision\": %s, \"index\": %s, \"kind\": ", fleet_cell(ef, r, 1),
                       fleet_cell(ef, r, 2));
        cli_str_json(out, fleet_cell(ef, r, 3));
        cli_str_puts(out, ", \"state\": ");
        cli_str_json(out, fleet_cell(ef, r, 4));
        cli_str_printf(out, ", \"attempts\": %s, \"last_error\": ", fleet_cell(ef, r, 5));
        cli_str_json(out, fleet_cell(ef, r, 6));
        cli_str_puts(out, ", \"created_at\": ");
        json_time(out, fleet_cell(ef, r, 7));
        cli_str_puts(out, ", \"done_at\": ");
        json_time(out, fleet_cell(ef, r, 8));
        cli_str_puts(out, ", \"history\": [");
        for (; k < at->nrows && strcmp(fleet_cell(at, k, 0), key) == 0; k++) {
            cli_str_puts(out, first ? "" : ", ");
            attempt_json(out, at, k, 1);
            first = false;
        }
        cli_str_puts(out, "]}");
    }
    cli_str_puts(out, ef->nrows ? "\n]}\n" : "]}\n");
}

static void history_text(cli_str *out, const fleet_rows *ef, const fleet_rows *at)
{
    size_t k = 0;
    for (size_t r = 0; r < ef->nrows; r++) {
        const char *key = fleet_cell(ef, r, 0);
        cli_str_untrusted_puts(out, key);
        cli_str_printf(out, "\t%s\tattempts %s\t%s", fleet_cell(ef, r, 4), fleet_cell(ef, r, 5),
                       fleet_cell(ef, r, 3));
        if (fleet_cell(ef, r, 6)) {
            cli_str_puts(out, "\t");
            cli_str_untrusted_puts(out, fleet_cell(ef, r, 6));
        }
        cli_str_puts(out, "\n");
        for (; k < at->nrows && strcmp(fleet_cell(at, k, 0), key) == 0; k++)
            attempt_text(out, "  ", at, k, 1);
    }
}

static int run_history(fleet_args *a)
{
    fleet_store s;
    fleet_rows effects = {0}, attempts = {0};
    cli_str out = {0};
    bool json = false;
    int rc = text_or_json(a, &json);

    if (rc != CLI_EXIT_OK || (rc = host_open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    if (fleet_store_history(&s, a->pos[1], &effects, &attempts) != FLEET_OK) {
        rc = host_store_error(&s, "");
    } else {
        if (json)
            history_json(&out, a->pos[1], &effects, &attempts);
        else
            history_text(&out, &effects, &attempts);
        rc = host_emit(&out, false);
    }
    fleet_rows_free(&effects);
    fleet_rows_free(&attempts);
    fleet_store_close(&s);
    return rc;
}

static int run_retry(fleet_args *a)
{
    fleet_store s;
    cli_str out = {0};
    int rc = host_open_store(&s, a->pos[0], false);
    if (rc != CLI_EXIT_OK)
        return rc;
    /* the effect re-queued and the service notified, in one transaction */
    if (fleet_store_begin(&s) != FLEET_OK)
        rc = host_store_error(&s, "cannot begin a transaction");
    else if (fleet_store_effect_requeue(&s, a->pos[1]) != FLEET_OK)
        rc = host_store_error(&s, "");
    else if (fleet_store_notify(&s) != FLEET_OK)
        rc = host_store_error(&s, "cannot notify the service of the effect");
    else if (fleet_store_commit(&s) != FLEET_OK)
        rc = host_store_error(&s, "cannot commit");
    if (rc != CLI_EXIT_OK) {
        fleet_store_rollback(&s);
        fleet_store_close(&s);
        return rc;
    }
    fleet_store_close(&s);
    cli_str_untrusted_puts(&out, a->pos[1]);
    cli_str_puts(&out, ": pending again\n");
    return host_emit(&out, true);
}

/* ---------------------------------------------------------------------- */
/* apply and tick                                                          */
/* ---------------------------------------------------------------------- */

/* Whether a lifecycle command's outcome gives the service something to do
 * that it may be sleeping past: effects queued, or a deadline earlier than
 * the one it had (or a first one). */
static bool creates_work(const ed_instance *before, const ed_instance *after, size_t effects)
{
    ed_time was = 0, is = 0;
    bool had = ed_instance_next_deadline(before, &was);
    if (effects > 0)
        return true;
    return ed_instance_next_deadline(after, &is) && (!had || is < was);
}

/* Runs a lifecycle command on one instance in one transaction: the row read
 * locked, the command run by the library, the outcome written with a
 * compare-and-set, or nothing at all. */
static int run_apply(fleet_args *a)
{
    const char *const *pos = a->pos;
    uint64_t command_given = 0;
    ed_command *cmd = NULL;
    ed_instance *inst = NULL;
    ed_result *r = NULL;
    fleet_instance_row row = {0};
    fleet_store s;
    cli_str out = {0};
    size_t neffects = 0;
    ed_time now;
    int rc = host_parse_time(a, &now);

    for (size_t i = 0; i < CLI_COMMAND_OPTION_COUNT; i++)
        command_given |= (uint64_t)a->given[F_PERIOD + i] << i;
    if (rc == CLI_EXIT_OK)
        rc = cli_build_command(command_given, &a->value[F_PERIOD], pos[2], &cmd);
    if (rc != CLI_EXIT_OK)
        return rc;
    if ((rc = cli_fault_check()) != CLI_EXIT_OK ||
        (rc = host_open_store(&s, pos[0], false)) != CLI_EXIT_OK) {
        ed_command_free(cmd);
        return rc;
    }
    if (fleet_store_begin(&s) != FLEET_OK)
        rc = host_store_error(&s, "cannot begin a transaction");
    else if (fleet_store_get(&s, pos[1], true, &row) != FLEET_OK)
        rc = host_store_error(&s, "");
    if (rc == CLI_EXIT_OK)
        rc = host_load_row_or_report(&s, &row, &inst);
    if (rc == CLI_EXIT_OK) {
        r = ed_command_apply(cmd, inst, now);
        if (ed_result_status(r) != ED_OK) {
            cli_error(ed_status_name(ed_result_status(r)), "%s", ed_result_message(r));
            rc = ed_result_status(r) == ED_NO_MEMORY ? CLI_EXIT_IO : CLI_EXIT_REFUSED;
        }
    }
    if (rc == CLI_EXIT_OK &&
        ed_instance_revision(ed_result_instance(r)) == ed_instance_revision(inst)) {
        fleet_store_rollback(&s);
        cli_str_untrusted_puts(&out, pos[1]);
        cli_str_printf(&out, ": %s: nothing to do, revision %" PRIu64 "\n",
                       ed_command_kind_name(ed_command_kind_of(cmd)), ed_instance_revision(inst));
        rc = host_emit(&out, false);
        goto done;
    }
    if (rc == CLI_EXIT_OK)
        rc = host_write_outcome(&s, inst, r, &neffects);
    if (rc == CLI_EXIT_OK && creates_work(inst, ed_result_instance(r), neffects) &&
        fleet_store_notify(&s) != FLEET_OK)
        rc = host_store_error(&s, "cannot notify the service");
    if (rc == CLI_EXIT_OK && fleet_store_commit(&s) != FLEET_OK)
        rc = host_store_error(&s, "cannot commit");
    if (rc != CLI_EXIT_OK) {
        fleet_store_rollback(&s);
        goto done;
    }
    cli_str_untrusted_puts(&out, pos[1]);
    cli_str_printf(&out, ": %s: revision %" PRIu64 " -> %" PRIu64 ", %zu effects queued\n",
                   ed_command_kind_name(ed_command_kind_of(cmd)), ed_instance_revision(inst),
                   ed_instance_revision(ed_result_instance(r)), neffects);
    rc = host_emit(&out, true);
done:
    fleet_instance_row_free(&row);
    ed_result_free(r);
    ed_instance_free(inst);
    ed_command_free(cmd);
    fleet_store_close(&s);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The table of subcommands                                                */
/* ---------------------------------------------------------------------- */

#define O(x) (1u << (x))
#define LOG_OPTIONS (O(F_LOG_FORMAT) | O(F_QUIET) | O(F_VERBOSE))
#define LOG_SYNOPSIS "[--log-format logfmt|json] [--quiet|--verbose]"

static const fleet_sub subs[] = {
    {"init", "init DB", "create the schema, or migrate it to this version", 0, 1, 1, run_init},
    {"add", "add DB STATE...", "import state files, all or none", 0, 2, 0, run_add},
    {"show", "show DB ID [--format yaml|json]", "print an instance's snapshot", O(F_FORMAT), 2, 2,
     run_show},
    {"list",
     "list DB [--due] [--now T] [--edition E] [--lifecycle L] [--skipped] [--format text|json]",
     "list instances (--skipped: those that cannot be ticked, with the error)",
     O(F_DUE) | O(F_NOW) | O(F_EDITION) | O(F_LIFECYCLE) | O(F_SKIPPED) | O(F_FORMAT), 1, 1,
     run_list},
    {"apply", "apply DB ID COMMAND [ARGS] [--now T]", "run a lifecycle command in one transaction",
     O(F_NOW) | O(F_PERIOD) | O(F_ACTION) | O(F_NAME) | O(F_ALLOW) | O(F_MODE), 3, 3, run_apply},
    {"tick", "tick DB [--now T] [--limit N] [--batch N] " LOG_SYNOPSIS, "tick every due instance",
     O(F_NOW) | O(F_LIMIT) | O(F_BATCH) | LOG_OPTIONS, 1, 1, fleet_cmd_tick},
    {"dispatch",
     "dispatch DB --exec CMD|--exec-stream CMD [--workers N] [--max-attempts N] [--backoff S] [--lease S] "
     "[--timeout S] " LOG_SYNOPSIS,
     "run the pending effects",
     O(F_EXEC) | O(F_EXEC_STREAM) | O(F_WORKERS) | O(F_MAX_ATTEMPTS) | O(F_BACKOFF) | O(F_LEASE) | O(F_TIMEOUT) |
         LOG_OPTIONS,
     1, 1, fleet_cmd_dispatch},
    {"run",
     "run DB --exec CMD|--exec-stream CMD [--workers N] [--poll S] [--batch N] "
     "[--max-attempts N] [--backoff S] [--lease S] [--timeout S] [--metrics-file PATH] "
     LOG_SYNOPSIS,
     "tick at deadlines and dispatch until SIGTERM",
     O(F_EXEC) | O(F_EXEC_STREAM) | O(F_WORKERS) | O(F_POLL) | O(F_BATCH) | O(F_MAX_ATTEMPTS) |
         O(F_BACKOFF) | O(F_LEASE) | O(F_TIMEOUT) | O(F_METRICS_FILE) | LOG_OPTIONS,
     1, 1, fleet_cmd_run},
    {"effects", "effects DB [--failed|--pending|--blocked] [--instance ID] [--format text|json]",
     "list the outbox (--blocked: the effects a failed one holds back, and which)",
     O(F_FAILED) | O(F_PENDING) | O(F_BLOCKED) | O(F_INSTANCE) | O(F_FORMAT), 1, 1, run_effects},
    {"history", "history DB ID [--format text|json]",
     "an instance's effects in key order, with their states and attempts", O(F_FORMAT), 2, 2,
     run_history},
    {"attempts", "attempts DB KEY [--format text|json]",
     "an effect's attempts: start, duration, outcome, exit status, standard error", O(F_FORMAT),
     2, 2, run_attempts},
    {"retry", "retry DB KEY", "re-queue a failed effect", 0, 2, 2, run_retry},
    {"stats", "stats DB [--format text|json|prometheus]", "count instances and effects",
     O(F_FORMAT), 1, 1, run_stats},
};
#define SUB_COUNT (sizeof subs / sizeof subs[0])

static int fleet_help(FILE *to)
{
    (void)fputs("usage: edition fleet SUBCOMMAND DB ...\n\n"
          "A fleet of instances in a database: DB is a SQLite file or a postgresql:// URI.\n\n"
          "subcommands:\n",
          to);
    for (size_t i = 0; i < SUB_COUNT; i++)
        (void)fprintf(to, "  %s\n      %s\n", subs[i].synopsis, subs[i].summary);
    (void)fputs("\nman edition-fleet and docs/fleet.md describe them.\n", to);
    return fflush(to) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

int cli_fleet(int argc, char **argv)
{
    const fleet_sub *sub = NULL;
    fleet_args a;
    bool helped = false;
    int rc;

    if (argc < 2)
        return cli_usage("fleet: no subcommand given (one of: init, add, show, list, apply, tick, "
                         "dispatch, run, effects, history, attempts, retry, stats)");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0)
        return fleet_help(stdout);
    for (size_t i = 0; i < SUB_COUNT; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            sub = &subs[i];
    if (!sub)
        return cli_usage("fleet: unknown subcommand '%s' (one of: init, add, show, list, apply, "
                         "tick, dispatch, run, effects, history, attempts, retry, stats)",
                         argv[1]);
    memset(&a, 0, sizeof a);
    a.sub = sub->name;
    rc = parse_fleet_args(argc, argv, sub, &a, &helped);
    if (rc == CLI_EXIT_OK && !helped) {
        (void)signal(SIGPIPE, SIG_IGN);
        rc = sub->run(&a);
    }
    free(a.pos);
    return rc;
}

