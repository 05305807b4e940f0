/* The SQLite backend of the fleet store (fleet_store.h): one file, WAL,
 * a busy timeout so that processes take turns for the write lock. */
#include "fleet_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prepared statements are kept by their SQL text (the store's statements
 * are constants, so a handful of slots serves them all). */
#define STMT_CACHE 24

typedef struct sqlite_conn {
    sqlite3 *db;
    struct {
        char *sql;
        sqlite3_stmt *stmt;
    } cache[STMT_CACHE];
    size_t next_slot;
} sqlite_conn;

static fleet_err classify(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK: return FLEET_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return FLEET_BUSY;
    case SQLITE_FULL: return FLEET_FULL;
    case SQLITE_CONSTRAINT: return FLEET_CONFLICT;
    case SQLITE_NOMEM: return FLEET_NOMEM;
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_PERM:
    case SQLITE_READONLY: return FLEET_UNREACHABLE;
    default: return FLEET_ERROR;
    }
}

static fleet_err report(sqlite_conn *c, int rc, cli_str *msg)
{
    cli_str_puts(msg, c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
    return classify(rc);
}

static void sqlite_close(void *conn)
{
    sqlite_conn *c = conn;
    if (!c)
        return;
    for (size_t i = 0; i < STMT_CACHE; i++) {
        sqlite3_finalize(c->cache[i].stmt);
        free(c->cache[i].sql);
    }
    sqlite3_close(c->db);
    free(c);
}

static fleet_err sqlite_exec_plain(sqlite_conn *c, const char *sql, cli_str *msg)
{
    char *err = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        cli_str_puts(msg, err ? err : sqlite3_errstr(rc));
        sqlite3_free(err);
        return classify(rc);
    }
    return FLEET_OK;
}

static fleet_err sqlite_open(const char *uri, bool create, void **conn, cli_str *msg)
{
    sqlite_conn *c = calloc(1, sizeof *c);
    const char *path = strncmp(uri, "sqlite://", 9) == 0 ? uri + 9 : uri;
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    int rc;
    fleet_err e;

    if (!c) {
        cli_str_puts(msg, "out of memory");
        return FLEET_NOMEM;
    }
    rc = sqlite3_open_v2(path, &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        cli_str_puts(msg, "cannot open the SQLite database: ");
        e = report(c, rc, msg);
        sqlite_close(c);
        return e == FLEET_ERROR ? FLEET_UNREACHABLE : e;
    }
    sqlite3_extended_result_codes(c->db, 0);
    sqlite3_busy_timeout(c->db, 60000);
    /* WAL: readers do not block the writer; FULL: a commit survives a power
     * loss; foreign keys: an effect names an instance that exists. */
    e = sqlite_exec_plain(c, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                             "PRAGMA foreign_keys = ON",
                          msg);
    if (e != FLEET_OK) {
        sqlite_close(c);
        return e == FLEET_ERROR ? FLEET_UNREACHABLE : e;
    }
    *conn = c;
    return FLEET_OK;
}

static sqlite3_stmt *prepared(sqlite_conn *c, const char *sql, int *rc)
{
    sqlite3_stmt *stmt = NULL;
    size_t slot;

    for (size_t i = 0; i < STMT_CACHE; i++) {
        if (c->cache[i].sql && strcmp(c->cache[i].sql, sql) == 0) {
            *rc = SQLITE_OK;
            return c->cache[i].stmt;
        }
    }
    *rc = sqlite3_prepare_v2(c->db, sql, -1, &stmt, NULL);
    if (*rc != SQLITE_OK)
        return NULL;
    slot = c->next_slot++ % STMT_CACHE;
    sqlite3_finalize(c->cache[slot].stmt);
    free(c->cache[slot].sql);
    c->cache[slot].sql = strdup(sql);
    c->cache[slot].stmt = stmt;
    if (!c->cache[slot].sql) {
        c->cache[slot].stmt = NULL;
        sqlite3_finalize(stmt);
        *rc = SQLITE_NOMEM;
        return NULL;
    }
    return stmt;
}

/* Whole decimal numbers are bound as integers (LIMIT and the integer
 * columns need them), everything else as text. */
static int bind(sqlite3_stmt *stmt, int index, const char *value)
{
    const char *p = value;
    char *end = NULL;
    long long v;

    if (!value)
        return sqlite3_bind_null(stmt, index);
    if (*p == '-')
        p++;
    if (*p >= '0' && *p <= '9' && strlen(p) < 19 && (p[0] != '0' || p[1] == '\0')) {
        v = strtoll(value, &end, 10);
        if (*end == '\0')
            return sqlite3_bind_int64(stmt, index, v);
    }
    return sqlite3_bind_text(stmt, index, value, -1, SQLITE_STATIC);
}

static fleet_err sqlite_exec(void *conn, const char *sql, const char *const *params, int nparams,
                             fleet_rows *rows, uint64_t *changes, cli_str *msg)
{
    sqlite_conn *c = conn;
    sqlite3_stmt *stmt;
    size_t cap = 0;
    int rc;

    if (!params && !rows && !changes && !strchr(sql, '$'))
        return sqlite_exec_plain(c, sql, msg);
    stmt = prepared(c, sql, &rc);
    if (!stmt)
        return report(c, rc, msg);
    for (int i = 0; params && i < nparams; i++) {
        char name[16];
        int index;
        snprintf(name, sizeof name, "$%d", i + 1);
        index = sqlite3_bind_parameter_index(stmt, name);
        if (index > 0 && (rc = bind(stmt, index, params[i])) != SQLITE_OK) {
            sqlite3_reset(stmt);
            return report(c, rc, msg);
        }
    }
    if (rows) {
        memset(rows, 0, sizeof *rows);
        rows->ncols = (size_t)sqlite3_column_count(stmt);
    }
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!rows)
            continue;
        if (rows->nrows == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            char **grown = realloc(rows->cell, ncap * rows->ncols * sizeof *grown + 1);
            if (!grown) {
                rc = SQLITE_NOMEM;
                break;
            }
            rows->cell = grown;
            cap = ncap;
        }
        for (size_t k = 0; k < rows->ncols; k++) {
            const unsigned char *text = sqlite3_column_text(stmt, (int)k);
            char **cell = &rows->cell[rows->nrows * rows->ncols + k];
            *cell = text ? strdup((const char *)text) : NULL;
        }
        rows->nrows++;
    }
    if (rc != SQLITE_DONE) {
        fleet_err e = report(c, rc, msg);
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        if (rows)
            fleet_rows_free(rows);
        return e;
    }
    if (changes)
        *changes = (uint64_t)sqlite3_changes(c->db);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return FLEET_OK;
}

static const char *const sqlite_schema[] = {
    "CREATE TABLE instances (id TEXT PRIMARY KEY, revision INTEGER NOT NULL, "
    "snapshot TEXT NOT NULL, edition TEXT NOT NULL, lifecycle TEXT NOT NULL, "
    "next_deadline INTEGER, updated_at INTEGER NOT NULL)",
    "CREATE INDEX instances_due ON instances (next_deadline, id)",
    "CREATE TABLE effects (key TEXT PRIMARY KEY, instance TEXT NOT NULL REFERENCES instances (id), "
    "revision INTEGER NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, document TEXT NOT NULL, "
    "state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')), "
    "attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0, "
    "last_error TEXT, created_at INTEGER NOT NULL, done_at INTEGER)",
    "CREATE INDEX effects_order ON effects (instance, revision, idx)",
    "CREATE INDEX effects_ready ON effects (state, next_attempt_at, instance, revision, idx)",
    NULL,
};

const fleet_backend fleet_sqlite_backend = {
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .exec = sqlite_exec,
    .begin = "BEGIN IMMEDIATE",
    .skip_locked = "",
    .schema = sqlite_schema,
};
