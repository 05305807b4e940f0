/* The SQLite backend of the fleet store (fleet_store.h): one file, WAL,
 * a busy timeout so that processes take turns for the write lock. */
#include "store.h"
#include "schema.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Prepared statements are kept by their SQL text (the store's statements
 * are constants, so a handful of slots serves them all). */
#define STMT_CACHE 24

typedef struct sqlite_conn {
    sqlite3 *db;
    char *path;
    struct {
        char *sql;
        sqlite3_stmt *stmt;
    } cache[STMT_CACHE];
    size_t next_slot;
} sqlite_conn;

static fleet_err classify(int rc, int sys_errno)
{
    /* an I/O error that is the disk's being full (creating the -wal or
     * -shm file, growing one) is the disk's being full */
    if (sys_errno == ENOSPC || sys_errno == EDQUOT)
        return FLEET_FULL;
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

/* After a refused write or open: the file of the database that cannot be
 * written (the main file, its -wal or -shm file, or the folder that holds
 * them), so that the message names the one to mend. */
static void name_unwritable(const sqlite_conn *c, cli_str *msg)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char *dir, *slash;
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        cli_str file = {0};
        cli_str_puts(&file, c->path);
        cli_str_puts(&file, suffix[i]);
        if (!file.failed && access(file.data, F_OK) == 0 && access(file.data, R_OK | W_OK) != 0) {
            cli_str_puts(msg, " (");
            cli_str_untrusted_puts(msg, file.data);
            cli_str_printf(msg, " cannot be written: %s)", strerror(errno));
            cli_str_free(&file);
            return;
        }
        cli_str_free(&file);
    }
    dir = strdup(c->path);
    slash = dir ? strrchr(dir, '/') : NULL;
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    if (dir && access(slash ? dir : ".", W_OK | X_OK) != 0) {
        cli_str_puts(msg, " (the folder ");
        cli_str_untrusted_puts(msg, slash ? dir : ".");
        cli_str_printf(msg, " cannot be written: %s)", strerror(errno));
    }
    free(dir);
}

static fleet_err report(sqlite_conn *c, int rc, cli_str *msg)
{
    int sys_errno = c && c->db ? sqlite3_system_errno(c->db) : 0;
    int primary = rc & 0xff;
    cli_str_puts(msg, c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
    if (sys_errno == ENOSPC || sys_errno == EDQUOT)
        cli_str_puts(msg, ": the disk is full");
    else if (c && c->path && (primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN ||
                              primary == SQLITE_PERM || primary == SQLITE_IOERR))
        name_unwritable(c, msg);
    return classify(rc, sys_errno);
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
    free(c->path);
    free(c);
}

static fleet_err sqlite_exec_plain(sqlite_conn *c, const char *sql, cli_str *msg)
{
    char *err = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        fleet_err e;
        sqlite3_free(err);
        e = report(c, rc, msg);
        return e;
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

    if (!c || !(c->path = strdup(path))) {
        free(c);
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

/* A parameter the store declares an integer ('i' in `kinds`: a revision, a
 * time, a LIMIT) is bound as one; every other as text, whatever it looks
 * like: the ID "-0" must not become the number 0. */
static int bind(sqlite3_stmt *stmt, int index, const char *value, char kind)
{
    if (!value)
        return sqlite3_bind_null(stmt, index);
    if (kind == 'i') {
        char *end = NULL;
        long long v;
        errno = 0;
        v = strtoll(value, &end, 10);
        if (*value && *end == '\0' && errno == 0)
            return sqlite3_bind_int64(stmt, index, v);
    }
    return sqlite3_bind_text(stmt, index, value, -1, SQLITE_STATIC);
}

static fleet_err sqlite_exec(void *conn, const char *sql, const char *const *params,
                             const char *kinds, int nparams, fleet_rows *rows, uint64_t *changes,
                             cli_str *msg)
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
        char name[16], kind = 't';
        int index;
        snprintf(name, sizeof name, "$%d", i + 1);
        index = sqlite3_bind_parameter_index(stmt, name);
        if (kinds)
            kind = kinds[i];
        if (index > 0 && (rc = bind(stmt, index, params[i], kind)) != SQLITE_OK) {
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

const fleet_backend fleet_sqlite_backend = {
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .exec = sqlite_exec,
    .begin = "BEGIN IMMEDIATE",
    .skip_locked = "",
    .migrations = fleet_sqlite_migrations,
};
