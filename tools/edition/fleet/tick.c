/*
 * `fleet tick` and the ticking of `fleet run`: every due instance in a
 * transaction of its own, rows that cannot be ticked reported, skipped and
 * backed off.
 */
#include "host.h"

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


volatile sig_atomic_t host_stop_requested;

void host_on_stop(int sig)
{
    (void)sig;
    host_stop_requested = 1;
}

/* A row that could not be ticked: reported by ID with its code, counted,
 * and its failure recorded with the time of its next try (1 s, 2 s, 4 s
 * ... after each failure, at most an hour), which `fleet run` waits for.
 * Returns an exit code only for a database error. */
static int skip_row(fleet_store *s, const fleet_instance_row *row, row_problem *p, ed_time now,
                    size_t *counted)
{
    int64_t failures = 0;
    long long delay = 1;
    ed_time retry_at;

    for (int64_t k = 0; k < row->tick_failures && delay < MAX_BACKOFF; k++)
        delay *= 2;
    if (delay > MAX_BACKOFF)
        delay = MAX_BACKOFF;
    retry_at = now + delay;
    (*counted)++;
    if (s->in_tx)
        fleet_store_rollback(s);
    if (fleet_store_tick_failed(s, row->id, p->why.data ? p->why.data : "", retry_at,
                                &failures) != FLEET_OK)
        return host_store_error(s, "cannot record a failed tick");
    {
        host_log_event ev;
        if (host_log_begin(&ev, HOST_LOG_WARN, "row_skipped")) {
            host_log_str(&ev, "id", row->id);
            host_log_str(&ev, "code", p->code);
            host_log_str(&ev, "reason", p->why.data ? p->why.data : "out of memory");
            host_log_int(&ev, "failures", failures);
            host_log_time(&ev, "next_try", retry_at);
            host_log_end(&ev);
        }
    }
    return CLI_EXIT_OK;
}

/* The progress bar of `fleet tick` on a terminal: the due instances are
 * counted once, then each claimed row is one step. */
typedef struct tick_progress {
    bool on;
    size_t total, seen;
} tick_progress;

static void progress_start(fleet_store *s, ed_time now, bool on, tick_progress *p)
{
    uint64_t due = 0;
    memset(p, 0, sizeof *p);
    p->on = on;
    if (on && fleet_store_count_due(s, now, &due) == FLEET_OK)
        p->total = (size_t)due;
}

static void progress_step(tick_progress *p)
{
    size_t done;
    int width = 30, fill;
    p->seen++;
    if (!p->on || p->total == 0 || (p->seen % 64 != 0 && p->seen != p->total))
        return;
    done = p->seen > p->total ? p->total : p->seen;
    fill = (int)(done * 30 / p->total);
    fprintf(stderr, "\rticking [%.*s%*s] %zu/%zu", fill, "##############################",
            width - fill, "", done, p->total);
}

static void progress_end(const tick_progress *p)
{
    if (p->on && p->total > 0)
        (void)fputs("\n", stderr);
}

/* An instance ticked: its lifecycle before and after, and the effects its
 * tick queued. A release (its data deleted by its effects) is an event of
 * the default level like every other tick. */
static void log_ticked(const ed_instance *before, const ed_instance *after, size_t effects)
{
    host_log_event ev;
    ed_time next;
    if (!host_log_begin(&ev, HOST_LOG_INFO, "instance_ticked"))
        return;
    host_log_str(&ev, "id", ed_instance_id(after));
    host_log_str(&ev, "from", ed_lifecycle_name(ed_instance_lifecycle(before)));
    host_log_str(&ev, "to", ed_lifecycle_name(ed_instance_lifecycle(after)));
    host_log_int(&ev, "revision", (int64_t)ed_instance_revision(after));
    host_log_int(&ev, "effects_queued", (int64_t)effects);
    if (ed_instance_next_deadline(after, &next))
        host_log_time(&ev, "next_deadline", next);
    host_log_end(&ev);
}

/* Ticks one claimed row inside the open transaction and commits it; a row
 * that cannot be ticked is skipped (skip_row). Returns an exit code only
 * for what stops the run: a database error, memory. */
static int tick_row(fleet_store *s, const fleet_instance_row *row, ed_time now, tick_totals *t)
{
    row_problem p = {NULL, {0}};
    ed_instance *inst = NULL;
    ed_result *r = NULL;
    size_t n = 0;
    int rc = CLI_EXIT_OK;
    int lrc = host_load_row(row, &inst, &p);

    if (lrc == CLI_EXIT_IO) {
        host_row_error(s, row->id, &p);
        rc = lrc;
    } else if (lrc != CLI_EXIT_OK) {
        rc = skip_row(s, row, &p, now,
                      strcmp(p.code, "inconsistent_row") == 0 ? &t->inconsistent : &t->invalid);
    } else if (ed_result_status(r = ed_tick(inst, now)) != ED_OK) {
        p.code = ed_status_name(ed_result_status(r));
        cli_str_puts(&p.why, "tick refused: ");
        cli_str_puts(&p.why, ed_result_message(r));
        if (ed_result_status(r) == ED_NO_MEMORY) {
            host_row_error(s, row->id, &p);
            rc = CLI_EXIT_IO;
        } else {
            rc = skip_row(s, row, &p, now, &t->refused);
        }
    } else if (ed_instance_revision(ed_result_instance(r)) != ed_instance_revision(inst)) {
        rc = host_write_outcome(s, inst, r, &n);
        if (rc == CLI_EXIT_OK && n > 0 && fleet_store_notify(s) != FLEET_OK)
            rc = host_store_error(s, "cannot notify the service of the effects");
        if (rc == CLI_EXIT_OK && fleet_store_commit(s) != FLEET_OK)
            rc = host_store_error(s, "cannot commit");
        if (rc == CLI_EXIT_OK) {
            t->ticked++;
            t->effects += n;
            log_ticked(inst, ed_result_instance(r), n);
        }
    }
    cli_str_free(&p.why);
    ed_result_free(r);
    ed_instance_free(inst);
    return rc;
}

/* Ticks every instance due at `now`, each in a transaction of its own, in
 * the order of their deadlines. Rows that cannot be ticked are reported
 * and skipped (skip_row); with `honour_backoff` (fleet run), those that
 * failed before are passed over until their next try. A database error
 * stops the run. */
int host_tick_all(fleet_store *s, ed_time now, long long limit, bool honour_backoff,
                    bool progress, tick_totals *t)
{
    ed_time cursor_deadline = 0;
    char *cursor_id = NULL;
    tick_progress bar;
    int rc = CLI_EXIT_OK;

    progress_start(s, now, progress, &bar);
    while (rc == CLI_EXIT_OK && !host_stop_requested && (limit < 0 || (long long)t->ticked < limit)) {
        fleet_instance_row row = {0};
        fleet_err e;

        if (fleet_store_begin(s) != FLEET_OK) {
            rc = host_store_error(s, "cannot begin a transaction");
            break;
        }
        e = fleet_store_claim_due(s, now, cursor_deadline, cursor_id, honour_backoff, &row);
        if (e != FLEET_OK) {
            if (e != FLEET_NOT_FOUND)
                rc = host_store_error(s, "cannot claim a due instance");
            fleet_store_rollback(s);
            break;
        }
        /* the cursor moves past the row whatever becomes of it */
        free(cursor_id);
        cursor_id = strdup(row.id);
        cursor_deadline = row.next_deadline;
        if (!cursor_id) {
            cli_error("io_error", "out of memory");
            rc = CLI_EXIT_IO;
        } else {
            rc = tick_row(s, &row, now, t);
        }
        if (s->in_tx)
            fleet_store_rollback(s);
        fleet_instance_row_free(&row);
        progress_step(&bar);
    }
    progress_end(&bar);
    free(cursor_id);
    return rc;
}

int fleet_cmd_tick(fleet_args *a)
{
    fleet_store s;
    tick_totals t = {0, 0, 0, 0, 0};
    long long limit = -1;
    cli_str out = {0};
    ed_time now;
    int rc = host_parse_time(a, &now);

    if (rc == CLI_EXIT_OK)
        rc = host_parse_count(a, F_LIMIT, 0, INT64_MAX, &limit);
    if (rc == CLI_EXIT_OK)
        rc = host_log_setup(a);
    if (rc == CLI_EXIT_OK)
        rc = cli_fault_check();
    if (rc != CLI_EXIT_OK || (rc = host_open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    {
        host_log_event ev;
        if (host_log_begin(&ev, HOST_LOG_INFO, "started")) {
            host_log_str(&ev, "command", "tick");
            host_log_str(&ev, "db", host_shown(&s));
            host_log_time(&ev, "now", now);
            if (limit >= 0)
                host_log_int(&ev, "limit", limit);
            host_log_end(&ev);
        }
    }
    /* the progress bar only where no event line would cross it */
    rc = host_tick_all(&s, now, limit, false,
                       isatty(STDERR_FILENO) != 0 && !host_log_enabled(HOST_LOG_INFO), &t);
    fleet_store_close(&s);
    cli_str_printf(&out, "ticked %zu instances, %zu effects queued", t.ticked, t.effects);
    if (t.invalid)
        cli_str_printf(&out, ", %zu invalid snapshot rows skipped", t.invalid);
    if (t.inconsistent)
        cli_str_printf(&out, ", %zu inconsistent rows skipped", t.inconsistent);
    if (t.refused)
        cli_str_printf(&out, ", %zu refused", t.refused);
    cli_str_puts(&out, "\n");
    {
        int erc = host_emit(&out, t.ticked > 0);
        if (rc == CLI_EXIT_OK)
            rc = erc;
    }
    if (rc == CLI_EXIT_OK && (t.invalid || t.inconsistent))
        rc = CLI_EXIT_INVALID;
    if (rc == CLI_EXIT_OK && t.refused)
        rc = CLI_EXIT_REFUSED;
    host_log_stopped(a, rc);
    return rc;
}

