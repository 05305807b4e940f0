/* The PostgreSQL backend of the fleet store (fleet_store.h), through libpq:
 * any number of workers on one database, claiming rows with SKIP LOCKED. */
#include "store.h"
#include "schema.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* libpq's messages end with a newline; the error line is one line. */
static void put_message(cli_str *msg, const char *text)
{
    size_t n = text ? strlen(text) : 0;
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
        n--;
    for (size_t i = 0; i < n; i++)
        cli_str_append(msg, text[i] == '\n' ? " " : text + i, 1);
}

/* Whether a connection string holds a password (so that libpq's message
 * about it, which quotes the values it cannot read, is not shown whole). */
static bool may_hold_password(const char *uri)
{
    const char *scheme = strstr(uri, "://");
    if (scheme) {
        size_t netloc = strcspn(scheme + 3, "/?#");
        const char *at = memchr(scheme + 3, '@', netloc);
        if (at && memchr(scheme + 3, ':', (size_t)(at - (scheme + 3))))
            return true;
    }
    for (const char *p = uri; *p; p++)
        if (strncasecmp(p, "password", 8) == 0)
            return true;
    return false;
}

/* libpq's message about a connection string it cannot parse, with each
 * quoted value left out when the string may hold a password. */
static void put_parse_error(cli_str *msg, const char *uri, const char *err)
{
    bool hide = may_hold_password(uri), quoted = false;
    cli_str_puts(msg, "not a valid PostgreSQL connection URI: ");
    if (!hide) {
        put_message(msg, err);
        return;
    }
    for (const char *p = err ? err : ""; *p && *p != '\n'; p++) {
        if (*p == '"') {
            cli_str_puts(msg, quoted ? "\"" : "\"***");
            quoted = !quoted;
        } else if (!quoted) {
            cli_str_append(msg, p, 1);
        }
    }
}

/* A connection, with the statements it has prepared: a statement with
 * parameters is parsed and planned once per connection (PostgreSQL plans
 * it again while a plan for its values may be better, then keeps a generic
 * one), the dispatcher's claim and record statements among them. */
#define PG_PREPARED_MAX 64
typedef struct pg_conn {
    PGconn *pg;
    char *prepared[PG_PREPARED_MAX]; /* the text of statement "fleet_<i>" */
    size_t nprepared;
} pg_conn;

static fleet_err pg_open(const char *uri, bool create, void **conn, cli_str *msg)
{
    PGconn *pg;
    pg_conn *c;
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(uri, &err);
    (void)create;
    if (!opts) {
        put_parse_error(msg, uri, err);
        PQfreemem(err);
        return FLEET_UNREACHABLE;
    }
    PQconninfoFree(opts);
    pg = PQconnectdb(uri);
    if (!pg) {
        cli_str_puts(msg, "out of memory");
        return FLEET_NOMEM;
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        const char *why = PQerrorMessage(pg);
        cli_str_puts(msg, "cannot connect to PostgreSQL: ");
        put_message(msg, why);
        /* the server's words for a database or role not yet created: the
         * first thing a new operator meets (docs/fleet.md, "Walkthrough") */
        if (why && strstr(why, "does not exist") &&
            (strstr(why, "database \"") || strstr(why, "role \"")))
            cli_str_puts(msg, " (create the role and the database first, as PostgreSQL's "
                              "superuser: createuser ROLE; createdb --owner=ROLE DATABASE; "
                              "see docs/fleet.md, \"Walkthrough\")");
        PQfinish(pg);
        return FLEET_UNREACHABLE;
    }
    PQsetNoticeProcessor(pg, quiet_notices, NULL);
    c = calloc(1, sizeof *c);
    if (!c) {
        PQfinish(pg);
        cli_str_puts(msg, "out of memory");
        return FLEET_NOMEM;
    }
    c->pg = pg;
    *conn = c;
    return FLEET_OK;
}

static void pg_close(void *conn)
{
    pg_conn *c = conn;
    PQfinish(c->pg);
    for (size_t i = 0; i < c->nprepared; i++)
        free(c->prepared[i]);
    free(c);
}

static fleet_err classify(PGconn *pg, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (PQstatus(pg) != CONNECTION_OK)
        return FLEET_UNREACHABLE;
    if (!state)
        return res ? FLEET_ERROR : FLEET_UNREACHABLE;
    if (strcmp(state, "23505") == 0)
        return FLEET_CONFLICT;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
        strcmp(state, "55P03") == 0)
        return FLEET_BUSY;
    if (strncmp(state, "53", 2) == 0)
        return FLEET_FULL;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
        return FLEET_UNREACHABLE;
    return FLEET_ERROR;
}

static fleet_err pg_exec(void *conn, const char *sql, const char *const *params,
                         const char *kinds, int nparams, fleet_rows *rows, uint64_t *changes,
                         cli_str *msg)
{
    pg_conn *c = conn;
    PGconn *pg = c->pg;
    PGresult *res = NULL;
    ExecStatusType st;
    fleet_err e = FLEET_OK;
    size_t i = 0;
    char name[32];

    (void)kinds; /* the server takes each parameter's type from its column */
    if (nparams > 0) {
        while (i < c->nprepared && strcmp(c->prepared[i], sql) != 0)
            i++;
        snprintf(name, sizeof name, "fleet_%zu", i);
        if (i == c->nprepared && i < PG_PREPARED_MAX) {
            /* prepared on first use; a statement that cannot be prepared
             * fails here with the error it would have run into */
            char *text = strdup(sql);
            if (!text) {
                cli_str_puts(msg, "out of memory");
                return FLEET_NOMEM;
            }
            res = PQprepare(pg, name, sql, nparams, NULL);
            if (res && PQresultStatus(res) == PGRES_COMMAND_OK) {
                c->prepared[c->nprepared++] = text;
                PQclear(res);
                res = NULL;
            } else {
                free(text);
                if (!res)
                    res = PQmakeEmptyPGresult(pg, PGRES_FATAL_ERROR);
            }
        }
    }
    if (!res)
        res = nparams > 0 && i < c->nprepared
                  ? PQexecPrepared(pg, name, nparams, params, NULL, NULL, 0)
                  : PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);
    st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        e = classify(pg, res);
        if (e == FLEET_UNREACHABLE)
            cli_str_puts(msg, "lost the connection to PostgreSQL: ");
        put_message(msg, res ? PQresultErrorMessage(res) : PQerrorMessage(pg));
        if (!msg->len || (res && !*PQresultErrorMessage(res)))
            put_message(msg, PQerrorMessage(pg));
        PQclear(res);
        return e;
    }
    if (rows) {
        size_t n = (size_t)PQntuples(res), k = (size_t)PQnfields(res);
        memset(rows, 0, sizeof *rows);
        rows->nrows = n;
        rows->ncols = k;
        rows->cell = calloc(n * k + 1, sizeof *rows->cell);
        if (!rows->cell) {
            rows->nrows = 0;
            e = FLEET_NOMEM;
        }
        for (size_t r = 0; e == FLEET_OK && r < n; r++) {
            for (size_t f = 0; f < k; f++) {
                if (PQgetisnull(res, (int)r, (int)f))
                    continue;
                rows->cell[r * k + f] = strdup(PQgetvalue(res, (int)r, (int)f));
                if (!rows->cell[r * k + f])
                    e = FLEET_NOMEM;
            }
        }
        if (e != FLEET_OK) {
            fleet_rows_free(rows);
            cli_str_puts(msg, "out of memory");
        }
    }
    if (changes) {
        const char *t = PQcmdTuples(res);
        *changes = t && *t ? (uint64_t)strtoull(t, NULL, 10) : 0;
    }
    PQclear(res);
    return e;
}

static double monotonic_seconds(void)
{
    struct timespec t;
    (void)clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Takes every notification libpq has received (parsing what it has read
 * but not yet parsed); true when one came from another connection. Our
 * own (a tick of this service that queued effects) is no news to us. */
static bool drain_notifications(PGconn *pg)
{
    PGnotify *n;
    bool other = false;
    int self = PQbackendPID(pg);
    while ((n = PQnotifies(pg)) != NULL) {
        if (n->be_pid != self)
            other = true;
        PQfreemem(n);
    }
    return other;
}

/* Waits on the connection's socket: what the server sends (a notification)
 * is read and parsed, until one of another connection arrives, the time
 * passes or a signal interrupts poll(). */
static fleet_err pg_wait(void *conn, double seconds, bool *woken, cli_str *msg)
{
    PGconn *pg = ((pg_conn *)conn)->pg;
    double until = monotonic_seconds() + seconds;

    *woken = false;
    for (;;) {
        struct pollfd pfd;
        double left;
        int ms, ready;

        if (drain_notifications(pg)) {
            *woken = true;
            return FLEET_OK;
        }
        left = until - monotonic_seconds();
        if (left <= 0)
            return FLEET_OK;
        ms = left > 86400.0 ? 86400000 : (int)(left * 1000.0) + 1;
        pfd.fd = PQsocket(pg);
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (pfd.fd < 0) {
            cli_str_puts(msg, "lost the connection to PostgreSQL: ");
            put_message(msg, PQerrorMessage(pg));
            return FLEET_UNREACHABLE;
        }
        ready = poll(&pfd, 1, ms);
        if (ready < 0) {
            if (errno == EINTR)
                return FLEET_OK; /* a signal: the caller decides */
            cli_str_printf(msg, "cannot wait for a notification: %s", strerror(errno));
            return FLEET_ERROR;
        }
        if (ready > 0 && !PQconsumeInput(pg)) {
            cli_str_puts(msg, "lost the connection to PostgreSQL: ");
            put_message(msg, PQerrorMessage(pg));
            return FLEET_UNREACHABLE;
        }
    }
}

const fleet_backend fleet_pg_backend = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .begin = "BEGIN",
    .skip_locked = " FOR UPDATE SKIP LOCKED",
    .arrays = true,
    .refresh_stats = "ANALYZE effects",
    .migrations = fleet_postgresql_migrations,
    .listen = "LISTEN " FLEET_NOTIFY_CHANNEL,
    .notify = "NOTIFY " FLEET_NOTIFY_CHANNEL,
    .wait = pg_wait,
};
