/*
 * `fleet tick` and the ticking of `fleet run`: the due instances in
 * batches, a transaction per batch and a savepoint per instance, rows that
 * cannot be ticked reported, skipped and backed off without losing the
 * rest of their batch.
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

/* One claimed row of a batch and what its tick did, kept until the batch
 * commits: its events are logged, and it is counted, only then. */
typedef struct batch_row {
    ed_instance *before; /* its snapshot as claimed */
    ed_result *result;   /* its tick; NULL when the snapshot did not load */
    size_t effects;      /* the effects the tick queued */
    bool ticked;         /* written: its revision moved */
    row_problem problem; /* skipped: why (problem.code not NULL) */
    size_t *counted;     /* skipped: the total it counts in */
    int64_t failures;    /* skipped: its failures, this one included */
    ed_time retry_at;    /* skipped: its next try */
} batch_row;

static void batch_row_free(batch_row *b)
{
    cli_str_free(&b->problem.why);
    ed_result_free(b->result);
    ed_instance_free(b->before);
    memset(b, 0, sizeof *b);
}

/* The savepoint each row of a batch is ticked under. */
#define ROW_SAVEPOINT "tick_row"

/* A row that could not be ticked, inside the batch: whatever its tick
 * wrote is rolled back to its savepoint, and its failure is recorded in
 * the batch's transaction with the time of its next try (1 s, 2 s, 4 s
 * ... after each failure, at most an hour), which `fleet run` waits for.
 * It is reported (row_skipped) and counted once the batch commits.
 * Returns an exit code only for a database error. */
static int skip_row(fleet_store *s, const fleet_instance_row *row, ed_time now, size_t *counted,
                    batch_row *b)
{
    long long delay = 1;

    for (int64_t k = 0; k < row->tick_failures && delay < MAX_BACKOFF; k++)
        delay *= 2;
    if (delay > MAX_BACKOFF)
        delay = MAX_BACKOFF;
    b->retry_at = now + delay;
    b->counted = counted;
    if (fleet_store_rollback_to(s, ROW_SAVEPOINT) != FLEET_OK)
        return host_store_error(s, "cannot roll back to the row's savepoint");
    if (fleet_store_tick_failed_in_tx(s, row->id, b->problem.why.data ? b->problem.why.data : "",
                                      b->retry_at, &b->failures) != FLEET_OK)
        return host_store_error(s, "cannot record a failed tick");
    return CLI_EXIT_OK;
}

static void log_skipped(const char *id, const batch_row *b)
{
    host_log_event ev;
    if (host_log_begin(&ev, HOST_LOG_WARN, "row_skipped")) {
        host_log_str(&ev, "id", id);
        host_log_str(&ev, "code", b->problem.code);
        host_log_str(&ev, "reason", b->problem.why.data ? b->problem.why.data : "out of memory");
        host_log_int(&ev, "failures", b->failures);
        host_log_time(&ev, "next_try", b->retry_at);
        host_log_end(&ev);
    }
}

/* Ticks one claimed row inside the batch's transaction, under its
 * savepoint: writes its outcome, or skips it (skip_row). Returns an exit
 * code only for what stops the run: a database error, memory. */
static int tick_row(fleet_store *s, const fleet_instance_row *row, ed_time now, tick_totals *t,
                    batch_row *b)
{
    row_problem *p = &b->problem;
    int lrc = host_load_row(row, &b->before, p);
    ed_result *r;

    if (lrc == CLI_EXIT_IO) {
        host_row_error(s, row->id, p);
        return lrc;
    }
    if (lrc != CLI_EXIT_OK)
        return skip_row(s, row, now,
                        strcmp(p->code, "inconsistent_row") == 0 ? &t->inconsistent : &t->invalid,
                        b);
    r = b->result = ed_tick(b->before, now);
    if (ed_result_status(r) != ED_OK) {
        p->code = ed_status_name(ed_result_status(r));
        cli_str_puts(&p->why, "tick refused: ");
        cli_str_puts(&p->why, ed_result_message(r));
        if (ed_result_status(r) == ED_NO_MEMORY) {
            host_row_error(s, row->id, p);
            return CLI_EXIT_IO;
        }
        return skip_row(s, row, now, &t->refused, b);
    }
    if (ed_instance_revision(ed_result_instance(r)) == ed_instance_revision(b->before))
        return CLI_EXIT_OK; /* nothing to write */
    b->ticked = true;
    return host_write_outcome(s, b->before, r, &b->effects);
}

/* Ticks one claimed batch in its transaction, each row under a savepoint
 * of its own, and commits it; then counts and logs what it did. A row that
 * cannot be ticked is skipped (skip_row) without losing the others. A
 * database error, a failed commit or memory loses the whole batch: all of
 * it is rolled back, nothing is counted or logged, and the exit code is
 * returned. */
static int tick_batch(fleet_store *s, const fleet_instance_row *rows, size_t n, ed_time now,
                      tick_totals *t, tick_progress *bar)
{
    batch_row *done = calloc(n, sizeof *done);
    int rc = CLI_EXIT_OK;

    if (!done) {
        cli_error("io_error", "out of memory");
        rc = CLI_EXIT_IO;
    }
    for (size_t i = 0; rc == CLI_EXIT_OK && i < n; i++) {
        if (fleet_store_savepoint(s, ROW_SAVEPOINT) != FLEET_OK)
            rc = host_store_error(s, "cannot set the row's savepoint");
        if (rc == CLI_EXIT_OK)
            rc = tick_row(s, &rows[i], now, t, &done[i]);
        if (rc == CLI_EXIT_OK && fleet_store_release(s, ROW_SAVEPOINT) != FLEET_OK)
            rc = host_store_error(s, "cannot release the row's savepoint");
        progress_step(bar);
    }
    {
        /* PostgreSQL: a service that sleeps is woken by the commit */
        size_t queued = 0;
        for (size_t i = 0; done && i < n; i++)
            queued += done[i].ticked ? done[i].effects : 0;
        if (rc == CLI_EXIT_OK && queued > 0 && fleet_store_notify(s) != FLEET_OK)
            rc = host_store_error(s, "cannot notify the service of the effects");
    }
    if (rc == CLI_EXIT_OK && fleet_store_commit(s) != FLEET_OK) {
        char what[96];
        snprintf(what, sizeof what, "cannot commit a batch of %zu instances (rolled back)", n);
        rc = host_store_error(s, what);
    }
    for (size_t i = 0; done && i < n; i++) {
        batch_row *b = &done[i];
        if (rc == CLI_EXIT_OK && b->ticked) {
            t->ticked++;
            t->effects += b->effects;
            log_ticked(b->before, ed_result_instance(b->result), b->effects);
        } else if (rc == CLI_EXIT_OK && b->counted) {
            (*b->counted)++;
            log_skipped(rows[i].id, b);
        }
        batch_row_free(b);
    }
    free(done);
    return rc;
}

#define REFRESH_STATS_AFTER 1000

/* A refresh that fails is logged and passed over: the ticks are committed,
 * and the database's own autovacuum refreshes the figures later. */
static void refresh_stats(fleet_store *s)
{
    host_log_event ev;
    if (fleet_store_refresh_stats(s) == FLEET_OK ||
        !host_log_begin(&ev, HOST_LOG_WARN, "refresh_stats_failed"))
        return;
    host_log_str(&ev, "error", s->msg.data ? s->msg.data : "");
    host_log_end(&ev);
}

/* Ticks every instance due at `now`, up to `batch` of them in each
 * transaction, in the order of their deadlines. Rows that cannot be ticked
 * are reported and skipped (skip_row); with `honour_backoff` (fleet run),
 * those that failed before are passed over until their next try. A
 * database error stops the run, its batch rolled back. */
int host_tick_all(fleet_store *s, ed_time now, long long limit, size_t batch,
                  bool honour_backoff, bool progress, tick_totals *t)
{
    /* the planner's figures for the outbox, refreshed when 1,000 effects
     * were queued, then each time the queued count doubles, and at the end
     * (fleet_store_refresh_stats): a midnight's burst would otherwise be
     * claimed with a plan made for an empty outbox */
    size_t first = t->effects, refreshed = 0, refresh_at = REFRESH_STATS_AFTER;
    ed_time cursor_deadline = 0;
    char *cursor_id = NULL;
    tick_progress bar;
    int rc = CLI_EXIT_OK;

    progress_start(s, now, progress, &bar);
    while (rc == CLI_EXIT_OK && !host_stop_requested && (limit < 0 || (long long)t->ticked < limit)) {
        fleet_instance_row *rows = NULL;
        size_t n = 0, want = batch > 0 ? batch : 1;

        /* at most the ticks --limit leaves */
        if (limit >= 0 && (unsigned long long)(limit - (long long)t->ticked) < want)
            want = (size_t)(limit - (long long)t->ticked);
        if (fleet_store_begin(s) != FLEET_OK) {
            rc = host_store_error(s, "cannot begin a transaction");
            break;
        }
        if (fleet_store_claim_due_batch(s, now, cursor_deadline, cursor_id, honour_backoff, want,
                                        &rows, &n) != FLEET_OK) {
            rc = host_store_error(s, "cannot claim due instances");
            fleet_store_rollback(s);
            break;
        }
        if (n == 0) {
            fleet_store_rollback(s);
            break;
        }
        /* the cursor moves past the batch whatever becomes of its rows */
        free(cursor_id);
        cursor_id = strdup(rows[n - 1].id);
        cursor_deadline = rows[n - 1].next_deadline;
        if (!cursor_id) {
            cli_error("io_error", "out of memory");
            rc = CLI_EXIT_IO;
        } else {
            rc = tick_batch(s, rows, n, now, t, &bar);
        }
        if (s->in_tx)
            fleet_store_rollback(s);
        fleet_instance_rows_free(rows, n);
        if (rc == CLI_EXIT_OK && t->effects - first >= refresh_at) {
            refreshed = t->effects - first;
            refresh_at = 2 * refreshed;
            refresh_stats(s);
        }
    }
    if (rc == CLI_EXIT_OK && t->effects - first >= REFRESH_STATS_AFTER &&
        t->effects - first > refreshed)
        refresh_stats(s);
    progress_end(&bar);
    free(cursor_id);
    return rc;
}

int fleet_cmd_tick(fleet_args *a)
{
    fleet_store s;
    tick_totals t = {0, 0, 0, 0, 0};
    long long limit = -1, batch = DEFAULT_BATCH;
    cli_str out = {0};
    ed_time now;
    int rc = host_parse_time(a, &now);

    if (rc == CLI_EXIT_OK)
        rc = host_parse_count(a, F_LIMIT, 0, INT64_MAX, &limit);
    if (rc == CLI_EXIT_OK)
        rc = host_parse_count(a, F_BATCH, 1, MAX_BATCH, &batch);
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
            host_log_int(&ev, "batch", batch);
            host_log_end(&ev);
        }
    }
    /* the progress bar only where no event line would cross it */
    rc = host_tick_all(&s, now, limit, (size_t)batch, false,
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

