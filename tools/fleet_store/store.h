/*
 * The fleet store: instances and the outbox of their effects, in SQLite or
 * PostgreSQL (docs/fleet.md, "Schema"). An internal static library of the
 * tools, not part of the public ABI of libedition; all of the fleet's SQL
 * is inside it, and it knows nothing of the command line: its errors are
 * fleet_err values with a message, which the fleet commands turn into exit
 * codes.
 *
 * Two layers. A backend (sqlite.c, postgresql.c) opens a connection and
 * runs one SQL statement with text parameters, classifying its errors. The
 * store (store.c) builds every operation the host needs on top of it: the
 * schema and its migrations (schema/<dialect>/<N>.sql, embedded at build
 * time), transactions, reading and writing instance rows with a
 * compare-and-set on the revision, inserting effects, claiming due
 * instances and ready effects, recording the outcome of an effect, and the
 * listings and counts of the fleet commands. tests/fleet_store runs one
 * conformance suite against every backend.
 */
#ifndef EDITION_FLEET_STORE_H
#define EDITION_FLEET_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libedition.h"
#include "schema.h" /* FLEET_SCHEMA_VERSION: the highest of schema/<dialect>/<N>.sql */
#include "str.h"

typedef enum fleet_err {
    FLEET_OK = 0,
    FLEET_NOT_FOUND,    /* no such row */
    FLEET_CONFLICT,     /* the compare-and-set found another revision, or a key exists */
    FLEET_BUSY,         /* a serialization failure or deadlock: the transaction may be retried */
    FLEET_FULL,         /* the disk or the database is full */
    FLEET_UNREACHABLE,  /* the database cannot be opened or reached */
    FLEET_SCHEMA,       /* not initialised, or of a newer schema version */
    FLEET_NOMEM,
    FLEET_ERROR         /* any other database error */
} fleet_err;

/* The rows of a query: cell[r * ncols + c], NULL for SQL NULL. */
typedef struct fleet_rows {
    size_t nrows, ncols;
    char **cell;
} fleet_rows;

void fleet_rows_free(fleet_rows *rows);
const char *fleet_cell(const fleet_rows *rows, size_t r, size_t c);

/* A backend: one SQL dialect and client library. */
typedef struct fleet_backend {
    const char *name;
    /* Opens `uri`; `create` allows creating a new database file. On
     * failure *msg says why. */
    fleet_err (*open)(const char *uri, bool create, void **conn, cli_str *msg);
    void (*close)(void *conn);
    /* Runs one statement; parameters are $1, $2, ... given as text (NULL
     * for SQL NULL), each bound as text unless `kinds` (may be NULL: all
     * text) has an 'i' at its index: then as an integer. An ID, a key or a
     * document is always text, whatever it looks like ("-0", "1e3").
     * `rows` (may be NULL) receives the result, `changes` (may be NULL) the
     * number of rows changed. */
    fleet_err (*exec)(void *conn, const char *sql, const char *const *params, const char *kinds,
                      int nparams, fleet_rows *rows, uint64_t *changes, cli_str *msg);
    const char *begin;       /* begins a write transaction */
    const char *skip_locked; /* appended to a claiming SELECT */
    /* Binds a batch's values as array literals ({"a","b"}: = ANY($1::text[]),
     * unnest($1::text[], ...)) instead of a parameter each (PostgreSQL). */
    bool arrays;
    /* Refreshes the planner's figures for the outbox after many effects
     * were queued (fleet_store_refresh_stats); NULL: none needed. */
    const char *refresh_stats;
    /* The statements that migrate schema version N - 1 to N: migrations[N - 1],
     * NULL-terminated, for N from 1 to FLEET_SCHEMA_VERSION. */
    const char *const *const *migrations;
    /* Wake-ups (fleet_store_listen, _notify, _wait); all three NULL for a
     * database without them (SQLite: the service polls). `listen` starts
     * listening on FLEET_NOTIFY_CHANNEL, `notify` notifies it inside the
     * open transaction. `wait` sleeps up to `seconds` until a notification
     * of another connection arrives (*woken true, every one received
     * drained) or a signal interrupts it (*woken false, FLEET_OK). */
    const char *listen;
    const char *notify;
    fleet_err (*wait)(void *conn, double seconds, bool *woken, cli_str *msg);
} fleet_backend;

extern const fleet_backend fleet_sqlite_backend;
extern const fleet_backend fleet_pg_backend;

typedef struct fleet_store {
    const fleet_backend *be;
    void *conn;
    const char *uri;
    char *shown; /* the database as messages show it: no password (fleet_db_display) */
    fleet_err err; /* of the last failed operation */
    cli_str msg;   /* its message */
    bool in_tx;
} fleet_store;

/* An instance row. */
typedef struct fleet_instance_row {
    char *id;
    uint64_t revision;
    char *snapshot; /* the state document (JSON) */
    char *edition;
    char *lifecycle;
    bool has_deadline;
    ed_time next_deadline;
    int64_t tick_failures; /* ticks that failed since the last write (read only) */
} fleet_instance_row;
void fleet_instance_row_free(fleet_instance_row *row);

/* An outbox row. */
typedef struct fleet_effect_row {
    char *key;
    char *instance;
    uint64_t revision;
    int64_t index;
    char *kind;
    char *document; /* the effect as one JSON object */
    char *state;    /* pending, done or failed */
    int64_t attempts;
    ed_time next_attempt_at;
    char *last_error;
    /* Set by claim_effects: the claim before this one ended with its lease,
     * its outcome never recorded (the dispatcher died or was stopped), and
     * this claim delivers the effect again. */
    bool lease_expired;
} fleet_effect_row;
void fleet_effect_row_free(fleet_effect_row *row);

/* Whether `uri` names a PostgreSQL database: a postgresql:// or
 * postgres:// URI, or (in a build with libpq) a libpq connection string
 * such as "dbname=fleet host=/run/postgresql". Anything else is the path
 * of a SQLite file. */
bool fleet_is_postgresql(const char *uri);
/* Whether this build has the backend for `uri`. */
bool fleet_store_supported(const char *uri, const char **missing);
/* The database as every message shows it, with each password replaced by
 * "***" wherever libpq would find one (the userinfo of a URI, a password
 * parameter, a password keyword of a connection string); NULL when out of
 * memory. Caller frees. No message is formatted from the raw text. */
char *fleet_db_display(const char *uri);

/* Opens the store at `uri` (fleet_is_postgresql). `create` is for init
 * only. Unless `create`, the schema must be of this program's version. */
fleet_err fleet_store_open(fleet_store *s, const char *uri, bool create);
void fleet_store_close(fleet_store *s);

/* Applies the migrations up to FLEET_SCHEMA_VERSION; *from gets the
 * version found (0 for a new database). A newer version is FLEET_SCHEMA. */
fleet_err fleet_store_migrate(fleet_store *s, int *from);

fleet_err fleet_store_begin(fleet_store *s);
fleet_err fleet_store_commit(fleet_store *s);
void fleet_store_rollback(fleet_store *s);

/* Reads one instance; inside a transaction on PostgreSQL the row is locked
 * (FOR UPDATE). */
fleet_err fleet_store_get(fleet_store *s, const char *id, bool lock, fleet_instance_row *out);
/* Inserts a new instance; FLEET_CONFLICT when the ID exists. */
fleet_err fleet_store_insert(fleet_store *s, const fleet_instance_row *row);
/* Replaces the instance `row->id` whose revision is `expected`; FLEET_CONFLICT
 * when its revision is another (a concurrent commit). */
fleet_err fleet_store_put_cas(fleet_store *s, const fleet_instance_row *row, uint64_t expected);
/* Inserts an effect as pending; FLEET_CONFLICT when its key exists. */
fleet_err fleet_store_insert_effect(fleet_store *s, const fleet_effect_row *e);

/* Claims the next instance due at `now` after the cursor (deadline, id) in
 * the order (next_deadline, id), locked for this transaction (SKIP LOCKED on
 * PostgreSQL, the write lock on SQLite). FLEET_NOT_FOUND when none is left.
 * Call inside a transaction. `cursor_id` NULL starts at the beginning. */
fleet_err fleet_store_claim_due(fleet_store *s, ed_time now, ed_time cursor_deadline,
                                const char *cursor_id, bool honour_backoff,
                                fleet_instance_row *out);
/* Claims up to `limit` instances due at `now` after the cursor, in the
 * order (next_deadline, id), with one statement (LIMIT, and FOR UPDATE SKIP
 * LOCKED on PostgreSQL; on SQLite the write lock of the transaction holds
 * them), as claim_due does for one. *out (freed with
 * fleet_instance_rows_free) gets *count rows, 0 when none is left. Call
 * inside a transaction. */
fleet_err fleet_store_claim_due_batch(fleet_store *s, ed_time now, ed_time cursor_deadline,
                                      const char *cursor_id, bool honour_backoff, size_t limit,
                                      fleet_instance_row **out, size_t *count);
void fleet_instance_rows_free(fleet_instance_row *rows, size_t count);

/* Savepoints inside the open transaction (SAVEPOINT, ROLLBACK TO SAVEPOINT,
 * RELEASE SAVEPOINT: the same in both dialects). `name` is an SQL
 * identifier: letters, digits and '_', not beginning with a digit. After
 * rollback_to the savepoint is still set: release it, or roll back to it
 * again. On PostgreSQL, rollback_to also ends the aborted state a failed
 * statement leaves the transaction in. */
fleet_err fleet_store_savepoint(fleet_store *s, const char *name);
fleet_err fleet_store_rollback_to(fleet_store *s, const char *name);
fleet_err fleet_store_release(fleet_store *s, const char *name);

/* fleet_store_tick_failed inside the open transaction (a batch of ticks):
 * the same record, committed or rolled back with the transaction. */
fleet_err fleet_store_tick_failed_in_tx(fleet_store *s, const char *id, const char *error,
                                        ed_time retry_at, int64_t *failures);

/* Records, in a transaction of its own, that the instance `id` could not
 * be ticked: its failure count grows, its next try is `retry_at`
 * (claim_due with honour_backoff passes it over until then), and `error` is
 * kept for stats and list --skipped. A successful write of the row
 * (put_cas) clears all three. */
fleet_err fleet_store_tick_failed(fleet_store *s, const char *id, const char *error,
                                  ed_time retry_at, int64_t *failures);

/* Claims, in a transaction of its own, up to `limit` ready effects, the
 * oldest first: pending, next attempt due at `now`, and no earlier effect of
 * their instance not yet done (so at most one per instance). Each is leased
 * until `lease_until`: an attempt is counted and its next attempt moved
 * there, so that a crashed dispatcher's effect is delivered again, with the
 * same key, once the lease ends. *count 0 when none is ready. */
fleet_err fleet_store_claim_effects(fleet_store *s, ed_time now, ed_time lease_until,
                                    size_t limit, fleet_effect_row **out, size_t *count);

/* The outcome of one delivery. */
typedef struct fleet_outcome {
    const char *key;
    int64_t attempt;  /* the attempt the delivery was claimed as: its fencing token */
    bool ok;          /* the handler succeeded: done */
    bool released;    /* never started: the claim is given back, no attempt counted */
    bool dead;        /* failed for the last time: failed, kept */
    const char *error;
    ed_time retry_at; /* the next attempt when neither */
    /* What the attempt's history keeps (schema version 3, "attempts"): */
    int64_t duration_ms;     /* from the start of the delivery to its end */
    int exit_status;         /* the handler's exit status; -1 when it did not exit */
    int signal;              /* the signal that ended it; 0 when none */
    const char *stderr_tail; /* the end of its standard error, escaped; NULL: none */
} fleet_outcome;
/* Records outcomes, all in one transaction, each on its effect and on its
 * attempt's row. An outcome whose effect was claimed again meanwhile (its
 * lease ended: attempts moved on) is not recorded: the newer delivery's
 * outcome decides. A released claim's attempt row is removed. */
fleet_err fleet_store_record(fleet_store *s, const fleet_outcome *o, size_t n, ed_time now);
/* Re-queues a failed effect (retry): pending, attempts 0, its last error
 * cleared (its attempts stay in its history). */
fleet_err fleet_store_effect_requeue(fleet_store *s, const char *key);
/* The earliest time something has to be done: the next deadline of an
 * instance and the next attempt of a pending effect not held back by a
 * failed one (false when there is none). */
fleet_err fleet_store_wake(fleet_store *s, bool *has_deadline, ed_time *deadline,
                           bool *has_effect, ed_time *effect_at);

/* Wake-ups (docs/fleet.md, "Wake-ups"): on PostgreSQL `fleet run`
 * listens on the channel FLEET_NOTIFY_CHANNEL, and a transaction that
 * creates work (effects queued, an effect re-queued, instances added)
 * notifies it, so that the service starts on the work as soon as it is
 * committed. SQLite has no such thing: there listen and notify do nothing
 * and wait is a plain sleep, and the service polls. */
#define FLEET_NOTIFY_CHANNEL "edition_fleet"
/* Listens on the channel from now on; call outside a transaction. */
fleet_err fleet_store_listen(fleet_store *s);
/* Notifies the channel inside the open transaction: PostgreSQL delivers
 * the notification when it commits, once however often it was notified,
 * and never when it rolls back. */
fleet_err fleet_store_notify(fleet_store *s);
/* Sleeps until a notification of another connection arrives (*woken true)
 * or `seconds` have passed (*woken false). A signal ends the sleep early,
 * with FLEET_OK and *woken false, so that SIGTERM is not held up by it.
 * Notifications that came while the connection ran other statements end
 * the sleep at once: none is lost between two waits. */
fleet_err fleet_store_wait(fleet_store *s, double seconds, bool *woken);

/* The instances of `fleet list`, by ID: the columns id, revision, edition,
 * lifecycle, next_deadline (NULL for none), tick_failures, tick_error. */
typedef struct fleet_list_filter {
    const char *edition;   /* NULL: any */
    const char *lifecycle; /* NULL: any */
    bool due;              /* only those due at `now` */
    ed_time now;
    bool skipped; /* only those that could not be ticked (tick_failures > 0) */
} fleet_list_filter;
fleet_err fleet_store_list(fleet_store *s, const fleet_list_filter *f, fleet_rows *rows);

/* The effects of `fleet effects`, in key order: the columns key, state,
 * attempts, kind, last_error. */
typedef struct fleet_effects_filter {
    const char *state;    /* "pending", "done", "failed"; NULL: any */
    const char *instance; /* NULL: any */
} fleet_effects_filter;
fleet_err fleet_store_effects(fleet_store *s, const fleet_effects_filter *f, fleet_rows *rows);

/* The effects held back (`fleet effects --blocked`), in key order: pending
 * effects behind a failed earlier effect of their instance, which holds
 * them until it is retried and done. The columns key, state, attempts,
 * kind, last_error, then held_by (the key of the earliest failed effect of
 * the instance before it) and that effect's last_error. `instance` NULL:
 * all instances. */
fleet_err fleet_store_blocked(fleet_store *s, const char *instance, fleet_rows *rows);

/* The attempts of the effect `key` in the order they were made: the
 * columns attempt, started_at, duration_ms, outcome, exit_status, signal,
 * error, stderr (NULL where not known). FLEET_NOT_FOUND when there is no
 * such effect. */
fleet_err fleet_store_attempts(fleet_store *s, const char *key, fleet_rows *rows);

/* The history of an instance (`fleet history`): its effects in key order,
 * the columns key, revision, idx, kind, state, attempts, last_error,
 * created_at, done_at; and their attempts, in the same order of effects
 * and then as made: the columns key, then those of fleet_store_attempts.
 * FLEET_NOT_FOUND when there is no such instance. */
fleet_err fleet_store_history(fleet_store *s, const char *id, fleet_rows *effects,
                              fleet_rows *attempts);

/* The counts of `fleet stats`. */
typedef struct fleet_stats {
    fleet_rows by_state; /* edition, lifecycle, count; ordered */
    uint64_t due;        /* instances due at `now` */
    uint64_t skipped;    /* instances that could not be ticked */
    uint64_t pending, done, failed; /* effects */
    /* pending effects held back by a failed earlier effect (by revision,
     * then index) of their instance: they wait for `fleet retry` */
    uint64_t blocked;
    bool has_oldest_pending;      /* false when no effect is pending */
    ed_time oldest_pending;       /* the created_at of the oldest pending effect */
} fleet_stats;
fleet_err fleet_store_stats(fleet_store *s, ed_time now, fleet_stats *out);
void fleet_stats_free(fleet_stats *st);

/* The number of instances due at `now`. */
/* After many effects were queued: has the database refresh its planner's
 * figures for the outbox (PostgreSQL: ANALYZE effects), outside any
 * transaction, so that claims keep their index plan; nothing on a backend
 * that needs none. */
fleet_err fleet_store_refresh_stats(fleet_store *s);

fleet_err fleet_store_count_due(fleet_store *s, ed_time now, uint64_t *count);

/* The code of an error for the error line: "database_unreachable", ... */
const char *fleet_err_code(fleet_err e);

#endif /* EDITION_FLEET_STORE_H */
