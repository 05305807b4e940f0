/*
 * What the files of `edition fleet` share (commands.c, rows.c, tick.c,
 * dispatch.c, metrics.c): the options, the parsed arguments, and the
 * functions of one file that another calls. Every lifecycle decision is
 * the library's; the rows are read and written through the fleet store
 * (tools/fleet_store), which holds all of the SQL.
 */
#ifndef EDITION_FLEET_HOST_H
#define EDITION_FLEET_HOST_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "command_args.h"
#include "files.h"
#include "fleet.h"
#include "log.h"
#include "store.h"

#define DEFAULT_MAX_ATTEMPTS 5
#define DEFAULT_BACKOFF 1
#define DEFAULT_LEASE 300
#define DEFAULT_POLL 60
#define DEFAULT_TIMEOUT 60
#define MAX_BACKOFF 3600
/* Due instances ticked in one transaction (docs/fleet.md, "How a
 * transition is committed", says how the default was measured). */
#define DEFAULT_BATCH 100
#define MAX_BATCH 10000

enum {
    F_NOW, F_LIMIT, F_DUE, F_EDITION, F_LIFECYCLE, F_EXEC, F_WORKERS, F_FAILED, F_PENDING,
    F_MAX_ATTEMPTS, F_BACKOFF, F_LEASE, F_POLL, F_FORMAT, F_INSTANCE, F_TIMEOUT, F_SKIPPED,
    F_LOG_FORMAT, F_QUIET, F_VERBOSE, F_BLOCKED, F_METRICS_FILE, F_BATCH, F_EXEC_STREAM,
    /* CLI_COMMAND_OPTIONS (command_args.h), in their order: fleet apply */
    F_PERIOD, F_ACTION, F_NAME, F_ALLOW, F_MODE,
    F_COUNT
};

typedef struct fleet_args {
    const char *sub;
    const char **pos;
    size_t npos;
    bool given[F_COUNT];
    const char *value[F_COUNT];
} fleet_args;

/* Why a row cannot be used: its code for the error line and the message
 * after "DB: instance ID: ". */
typedef struct row_problem {
    const char *code;
    cli_str why;
} row_problem;

typedef struct tick_totals {
    size_t ticked, effects, invalid, inconsistent, refused;
} tick_totals;

/* Set by SIGTERM and SIGINT in `fleet run`: finish what is in hand, then stop. */
extern volatile sig_atomic_t host_stop_requested;
void host_on_stop(int sig);

/* Arguments (commands.c). */
int host_parse_count(const fleet_args *a, int opt, long long min, long long max, long long *out);
int host_parse_time(const fleet_args *a, ed_time *now);

/* Sets up the event log (log.h) of tick, dispatch and run from
 * --log-format, --quiet and --verbose. */
int host_log_setup(const fleet_args *a);
/* The event "stopped" of tick, dispatch and run: its exit code and why. */
void host_log_stopped(const fleet_args *a, int rc);

/* The store, with error lines (rows.c). */
const char *host_shown(const fleet_store *s);
int host_store_error(fleet_store *s, const char *what);
int host_open_store(fleet_store *s, const char *uri, bool create);
int host_emit(cli_str *out, bool committed);
int host_row_from(const ed_instance *inst, fleet_instance_row *row);
int host_load_row(const fleet_instance_row *row, ed_instance **out, row_problem *p);
void host_row_error(const fleet_store *s, const char *id, const row_problem *p);
int host_load_row_or_report(const fleet_store *s, const fleet_instance_row *row,
                            ed_instance **out);
int host_write_outcome(fleet_store *s, const ed_instance *before, const ed_result *r,
                       size_t *neffects);

/* Ticking (tick.c). */
int host_tick_all(fleet_store *s, ed_time now, long long limit, size_t batch,
                  bool honour_backoff, bool progress, tick_totals *t);
int fleet_cmd_tick(fleet_args *a);

/* Dispatching (dispatch.c). */
int fleet_cmd_dispatch(fleet_args *a);
int fleet_cmd_run(fleet_args *a);

#endif /* EDITION_FLEET_HOST_H */
