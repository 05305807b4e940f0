/* The store of `edition fleet` over a backend (fleet_store.h). */
#include "store.h"
#include "schema.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#ifdef EDITION_FLEET_PG
#include <libpq-fe.h>
#endif

void fleet_rows_free(fleet_rows *rows)
{
    if (!rows->cell)
        return;
    for (size_t i = 0; i < rows->nrows * rows->ncols; i++)
        free(rows->cell[i]);
    free(rows->cell);
    rows->cell = NULL;
    rows->nrows = rows->ncols = 0;
}

const char *fleet_cell(const fleet_rows *rows, size_t r, size_t c)
{
    return r < rows->nrows && c < rows->ncols ? rows->cell[r * rows->ncols + c] : NULL;
}

void fleet_instance_row_free(fleet_instance_row *row)
{
    free(row->id);
    free(row->snapshot);
    free(row->edition);
    free(row->lifecycle);
    memset(row, 0, sizeof *row);
}

void fleet_effect_row_free(fleet_effect_row *row)
{
    free(row->key);
    free(row->instance);
    free(row->kind);
    free(row->document);
    free(row->state);
    free(row->last_error);
    memset(row, 0, sizeof *row);
}

const char *fleet_err_code(fleet_err e)
{
    switch (e) {
    case FLEET_OK: return "ok";
    case FLEET_NOT_FOUND: return "not_found";
    case FLEET_CONFLICT: return "conflict";
    case FLEET_BUSY: return "database_busy";
    case FLEET_FULL: return "database_full";
    case FLEET_UNREACHABLE: return "database_unreachable";
    case FLEET_SCHEMA: return "schema_mismatch";
    case FLEET_NOMEM: return "io_error";
    case FLEET_ERROR: return "database_error";
    }
    return "database_error";
}

/* The schema version a fleet_meta cell holds: 0 (no schema) when the cell
 * is missing, -1 when it holds anything but a decimal number from 1 up
 * ("1.0", "one": a version this program does not know). */
static int schema_version_of(const char *text)
{
    char *end = NULL;
    long v;
    if (text == NULL)
        return 0;
    if (!isdigit((unsigned char)text[0]))
        return -1;
    v = strtol(text, &end, 10);
    return (*end == '\0' && v > 0 && v < 1000000) ? (int)v : -1;
}

static bool is_pg_uri(const char *uri)
{
    return strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0;
}

bool fleet_is_postgresql(const char *uri)
{
    if (is_pg_uri(uri))
        return true;
#ifdef EDITION_FLEET_PG
    /* a connection string: keyword = value pairs that libpq accepts */
    if (strchr(uri, '=') && uri[0] != '/' && uri[0] != '.') {
        char *err = NULL;
        PQconninfoOption *opts = PQconninfoParse(uri, &err);
        PQfreemem(err);
        if (opts) {
            PQconninfoFree(opts);
            return true;
        }
    }
#endif
    return false;
}

/* The text masker, for what libpq cannot parse (or a build without it):
 * the userinfo's password and the value of every "password" keyword or
 * parameter become ***. */
static void mask_text(cli_str *out, const char *uri)
{
    const char *scheme = strstr(uri, "://");
    const char *p = uri;
    if (scheme) {
        const char *host = scheme + 3;
        size_t netloc = strcspn(host, "/?#");
        const char *at = memchr(host, '@', netloc);
        const char *colon = at ? memchr(host, ':', (size_t)(at - host)) : NULL;
        if (colon) {
            cli_str_untrusted(out, uri, (size_t)(colon - uri));
            cli_str_puts(out, ":***");
            p = at;
        }
    }
    while (*p) {
        if (strncasecmp(p, "password", 8) == 0) {
            const char *q = p + 8;
            while (*q == ' ')
                q++;
            if (*q == '=') {
                cli_str_untrusted(out, p, (size_t)(q + 1 - p));
                cli_str_puts(out, "***");
                q++;
                while (*q == ' ')
                    q++;
                if (*q == '\'') { /* a quoted value of a connection string */
                    for (q++; *q && *q != '\''; q++)
                        if (*q == '\\' && q[1])
                            q++;
                    if (*q)
                        q++;
                } else {
                    q += strcspn(q, "& \t\n#");
                }
                p = q;
                continue;
            }
        }
        cli_str_untrusted(out, p, 1);
        p++;
    }
}

#ifdef EDITION_FLEET_PG
/* The URI rebuilt from what libpq parsed: user, host and port, database,
 * then every other option given, the password as ***. A host that is a
 * directory (a Unix socket) goes into the query, as written in the docs. */
static void display_parsed(cli_str *out, const char *uri, const PQconninfoOption *opts)
{
    const char *user = NULL, *host = NULL, *port = NULL, *dbname = NULL;
    bool password = false, query = false;
    for (const PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val)
            continue;
        if (strcmp(o->keyword, "user") == 0)
            user = o->val;
        else if (strcmp(o->keyword, "host") == 0 && !strchr(o->val, '/'))
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "dbname") == 0)
            dbname = o->val;
        else if (strcmp(o->keyword, "password") == 0)
            password = true;
    }
    cli_str_puts(out, strncmp(uri, "postgres://", 11) == 0 ? "postgres://" : "postgresql://");
    if (user || password) {
        if (user)
            cli_str_untrusted_puts(out, user);
        if (password)
            cli_str_puts(out, ":***");
        cli_str_puts(out, "@");
    }
    if (host)
        cli_str_untrusted_puts(out, host);
    if (port) {
        cli_str_puts(out, ":");
        cli_str_untrusted_puts(out, port);
    }
    cli_str_puts(out, "/");
    if (dbname && !strchr(dbname, '='))
        cli_str_untrusted_puts(out, dbname);
    for (const PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || strcmp(o->keyword, "user") == 0 || strcmp(o->keyword, "password") == 0 ||
            strcmp(o->keyword, "port") == 0 || (o->val == dbname && !strchr(dbname, '=')) ||
            (o->val == host))
            continue;
        cli_str_puts(out, query ? "&" : "?");
        query = true;
        cli_str_untrusted_puts(out, o->keyword);
        cli_str_puts(out, "=");
        if (strcmp(o->keyword, "dbname") == 0)
            mask_text(out, o->val); /* a connection string in the database name */
        else
            cli_str_untrusted_puts(out, o->val);
    }
}
#endif

char *fleet_db_display(const char *uri)
{
    cli_str out = {0};
#ifdef EDITION_FLEET_PG
    if (fleet_is_postgresql(uri)) {
        char *err = NULL;
        PQconninfoOption *opts = PQconninfoParse(uri, &err);
        PQfreemem(err);
        if (opts) {
            display_parsed(&out, uri, opts);
            PQconninfoFree(opts);
        } else {
            mask_text(&out, uri);
        }
    } else
#endif
    {
        mask_text(&out, uri);
    }
    if (out.failed || !out.data) {
        cli_str_free(&out);
        return NULL;
    }
    return out.data;
}

bool fleet_store_supported(const char *uri, const char **missing)
{
    *missing = NULL;
    if (fleet_is_postgresql(uri)) {
#ifdef EDITION_FLEET_PG
        return true;
#else
        *missing = "PostgreSQL (libpq)";
        return false;
#endif
    }
#ifdef EDITION_FLEET_SQLITE
    return true;
#else
    *missing = "SQLite";
    return false;
#endif
}

static fleet_err fail(fleet_store *s, fleet_err e)
{
    s->err = e;
    return e;
}

static fleet_err fail_msg(fleet_store *s, fleet_err e, const char *text)
{
    s->msg.len = 0;
    if (s->msg.data)
        s->msg.data[0] = '\0';
    cli_str_puts(&s->msg, text);
    return fail(s, e);
}

/* fail_msg with a message naming what a row holds: `before`, then `name`
 * escaped (it comes from a file or a database), then `after`. */
static fleet_err fail_naming(fleet_store *s, fleet_err e, const char *before, const char *name,
                             const char *after)
{
    fail_msg(s, e, before);
    cli_str_untrusted_puts(&s->msg, name);
    cli_str_puts(&s->msg, after);
    return e;
}

/* A database whose schema version is not this edition's; `text` is what
 * fleet_meta holds when it is not a version at all (version -1). */
static fleet_err schema_mismatch(fleet_store *s, int version, const char *text)
{
    s->msg.len = 0;
    if (version < 0) {
        cli_str_puts(&s->msg, "the database has schema version `");
        cli_str_untrusted_puts(&s->msg, text ? text : "");
        cli_str_printf(&s->msg, "`, which this edition does not know (it writes version %d): "
                                "not a database of this program, or damaged",
                       FLEET_SCHEMA_VERSION);
        return fail(s, FLEET_SCHEMA);
    }
    cli_str_printf(&s->msg,
                   version > FLEET_SCHEMA_VERSION
                       ? "the database has schema version %d, newer than this edition's %d: "
                         "use a newer edition"
                       : "the database has schema version %d, older than this edition's %d: "
                         "run edition fleet init to migrate it",
                   version, FLEET_SCHEMA_VERSION);
    return fail(s, FLEET_SCHEMA);
}

static fleet_err run(fleet_store *s, const char *sql, const char *const *p, const char *kinds,
                     int n, fleet_rows *rows, uint64_t *changes)
{
    fleet_err e;
    s->msg.len = 0;
    if (s->msg.data)
        s->msg.data[0] = '\0';
    e = s->be->exec(s->conn, sql, p, kinds, n, rows, changes, &s->msg);
    return e == FLEET_OK ? FLEET_OK : fail(s, e);
}


fleet_err fleet_store_open(fleet_store *s, const char *uri, bool create)
{
    const fleet_backend *be = NULL;
    fleet_err e;

    memset(s, 0, sizeof *s);
    s->uri = uri;
    s->shown = fleet_db_display(uri);
    if (!s->shown)
        return fail_msg(s, FLEET_NOMEM, "out of memory");
#ifdef EDITION_FLEET_PG
    if (fleet_is_postgresql(uri))
        be = &fleet_pg_backend;
#endif
#ifdef EDITION_FLEET_SQLITE
    if (!fleet_is_postgresql(uri))
        be = &fleet_sqlite_backend;
#endif
    if (!be)
        return fail_msg(s, FLEET_UNREACHABLE, "this edition was built without the database's client library");
    s->be = be;
    e = be->open(uri, create, &s->conn, &s->msg);
    if (e != FLEET_OK) {
        s->conn = NULL;
        return fail(s, e);
    }
    if (!create) {
        fleet_rows rows = {0};
        int version;
        e = run(s, "SELECT value FROM fleet_meta WHERE name = 'schema_version'", NULL, NULL, 0,
                &rows, NULL);
        if (e != FLEET_OK) {
            fleet_rows_free(&rows);
            if (e == FLEET_UNREACHABLE || e == FLEET_FULL || e == FLEET_BUSY)
                return e;
            return fail_msg(s, FLEET_SCHEMA, "not a fleet database (no fleet_meta table): "
                                             "run edition fleet init first");
        }
        version = rows.nrows == 1 ? schema_version_of(fleet_cell(&rows, 0, 0)) : 0;
        if (version != FLEET_SCHEMA_VERSION)
            e = schema_mismatch(s, version, fleet_cell(&rows, 0, 0));
        fleet_rows_free(&rows);
        if (e != FLEET_OK)
            return e;
    }
    return FLEET_OK;
}

void fleet_store_close(fleet_store *s)
{
    if (s->conn) {
        if (s->in_tx)
            fleet_store_rollback(s);
        s->be->close(s->conn);
    }
    s->conn = NULL;
    free(s->shown);
    s->shown = NULL;
    cli_str_free(&s->msg);
}

fleet_err fleet_store_begin(fleet_store *s)
{
    fleet_err e = run(s, s->be->begin, NULL, NULL, 0, NULL, NULL);
    if (e == FLEET_OK)
        s->in_tx = true;
    return e;
}

/* Rolls the transaction back after the failure `e`, keeping its message. */
static fleet_err abandon(fleet_store *s, fleet_err e)
{
    cli_str keep = s->msg;
    s->msg = (cli_str){0};
    fleet_store_rollback(s);
    cli_str_free(&s->msg);
    s->msg = keep;
    s->err = e;
    return e;
}

fleet_err fleet_store_commit(fleet_store *s)
{
    fleet_err e = run(s, "COMMIT", NULL, NULL, 0, NULL, NULL);
    if (e != FLEET_OK)
        return abandon(s, e); /* a failed COMMIT leaves SQLite's transaction open */
    s->in_tx = false;
    return FLEET_OK;
}

void fleet_store_rollback(fleet_store *s)
{
    cli_str quiet = {0};
    if (s->conn)
        (void)s->be->exec(s->conn, "ROLLBACK", NULL, NULL, 0, NULL, NULL, &quiet);
    cli_str_free(&quiet);
    s->in_tx = false;
}

fleet_err fleet_store_migrate(fleet_store *s, int *from)
{
    fleet_rows rows = {0};
    fleet_err e;
    int version = 0;

    *from = 0;
    if ((e = fleet_store_begin(s)) != FLEET_OK)
        return e;
    e = run(s, "CREATE TABLE IF NOT EXISTS fleet_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            NULL, NULL, 0, NULL, NULL);
    if (e == FLEET_OK)
        e = run(s, "SELECT value FROM fleet_meta WHERE name = 'schema_version'", NULL, NULL, 0,
                &rows, NULL);
    if (e == FLEET_OK && rows.nrows == 1)
        version = schema_version_of(fleet_cell(&rows, 0, 0));
    if (e == FLEET_OK && (version > FLEET_SCHEMA_VERSION || version < 0))
        e = schema_mismatch(s, version, fleet_cell(&rows, 0, 0));
    fleet_rows_free(&rows);
    *from = version;
    /* Migrations, one list of statements per version, from the one found. */
    for (int v = version + 1; e == FLEET_OK && v <= FLEET_SCHEMA_VERSION; v++) {
        const char *const *step = s->be->migrations[v - 1];
        for (size_t i = 0; e == FLEET_OK && step[i]; i++)
            e = run(s, step[i], NULL, NULL, 0, NULL, NULL);
    }
    if (e == FLEET_OK && version < FLEET_SCHEMA_VERSION) {
        char v[16];
        const char *p[] = {v};
        snprintf(v, sizeof v, "%d", FLEET_SCHEMA_VERSION);
        e = run(s,
                "INSERT INTO fleet_meta (name, value) VALUES ('schema_version', $1) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                p, NULL, 1, NULL, NULL);
    }
    if (e != FLEET_OK)
        return abandon(s, e);
    return fleet_store_commit(s);
}

static char *dup_or_null(const char *text)
{
    return text ? strdup(text) : NULL;
}

static int64_t to_i64(const char *text)
{
    return text ? (int64_t)strtoll(text, NULL, 10) : 0;
}

#define INSTANCE_COLUMNS "id, revision, snapshot, edition, lifecycle, next_deadline, tick_failures"

/* The instance row `r` of a query of INSTANCE_COLUMNS. */
static fleet_err instance_at(fleet_store *s, const fleet_rows *rows, size_t r,
                             fleet_instance_row *out)
{
    memset(out, 0, sizeof *out);
    out->id = dup_or_null(fleet_cell(rows, r, 0));
    out->revision = (uint64_t)to_i64(fleet_cell(rows, r, 1));
    out->snapshot = dup_or_null(fleet_cell(rows, r, 2));
    out->edition = dup_or_null(fleet_cell(rows, r, 3));
    out->lifecycle = dup_or_null(fleet_cell(rows, r, 4));
    out->has_deadline = fleet_cell(rows, r, 5) != NULL;
    out->next_deadline = to_i64(fleet_cell(rows, r, 5));
    out->tick_failures = to_i64(fleet_cell(rows, r, 6));
    if (!out->id || !out->snapshot) {
        fleet_instance_row_free(out);
        return fail_msg(s, FLEET_NOMEM, "out of memory");
    }
    return FLEET_OK;
}

static fleet_err instance_from(fleet_store *s, const fleet_rows *rows, fleet_instance_row *out)
{
    return instance_at(s, rows, 0, out);
}

fleet_err fleet_store_get(fleet_store *s, const char *id, bool lock, fleet_instance_row *out)
{
    const char *p[] = {id};
    fleet_rows rows = {0};
    fleet_err e;
    e = run(s,
            lock && strcmp(s->be->name, "postgresql") == 0
                ? "SELECT " INSTANCE_COLUMNS " FROM instances WHERE id = $1 FOR UPDATE"
                : "SELECT " INSTANCE_COLUMNS " FROM instances WHERE id = $1",
            p, NULL, 1, &rows, NULL);
    if (e == FLEET_OK && rows.nrows == 0) {
        e = fail_naming(s, FLEET_NOT_FOUND, "no instance ", id, " in the database");
    }
    if (e == FLEET_OK)
        e = instance_from(s, &rows, out);
    fleet_rows_free(&rows);
    return e;
}

static void time_text(char *buf, size_t size, ed_time t)
{
    snprintf(buf, size, "%" PRId64, (int64_t)t);
}

fleet_err fleet_store_insert(fleet_store *s, const fleet_instance_row *row)
{
    char rev[24], dl[24], now[24];
    const char *p[] = {row->id,        rev, row->snapshot, row->edition, row->lifecycle,
                       row->has_deadline ? dl : NULL, now};
    uint64_t changes = 0;
    fleet_err e;

    snprintf(rev, sizeof rev, "%" PRIu64, row->revision);
    time_text(dl, sizeof dl, row->next_deadline);
    time_text(now, sizeof now, (ed_time)time(NULL));
    e = run(s,
            "INSERT INTO instances (id, revision, snapshot, edition, lifecycle, next_deadline, "
            "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
            p, "titttii", 7, NULL, &changes);
    if (e == FLEET_OK && changes == 0) {
        e = fail_naming(s, FLEET_CONFLICT, "the instance ", row->id, " is already in the database");
    }
    return e;
}

fleet_err fleet_store_put_cas(fleet_store *s, const fleet_instance_row *row, uint64_t expected)
{
    char rev[24], old[24], dl[24], now[24];
    const char *p[] = {row->id,        rev, row->snapshot, row->edition, row->lifecycle,
                       row->has_deadline ? dl : NULL, now, old};
    uint64_t changes = 0;
    fleet_err e;

    snprintf(rev, sizeof rev, "%" PRIu64, row->revision);
    snprintf(old, sizeof old, "%" PRIu64, expected);
    time_text(dl, sizeof dl, row->next_deadline);
    time_text(now, sizeof now, (ed_time)time(NULL));
    e = run(s,
            "UPDATE instances SET revision = $2, snapshot = $3, edition = $4, lifecycle = $5, "
            "next_deadline = $6, updated_at = $7, tick_failures = 0, tick_retry_at = NULL, "
            "tick_error = NULL WHERE id = $1 AND revision = $8",
            p, "titttiii", 8, NULL, &changes);
    if (e == FLEET_OK && changes != 1) {
        char tail[96];
        snprintf(tail, sizeof tail,
                 " is no longer at revision %" PRIu64 ": another writer committed first", expected);
        e = fail_naming(s, FLEET_CONFLICT, "the instance ", row->id, tail);
    }
    return e;
}

fleet_err fleet_store_insert_effect(fleet_store *s, const fleet_effect_row *ef)
{
    char rev[24], idx[24], now[24];
    const char *p[] = {ef->key, ef->instance, rev, idx, ef->kind, ef->document, now};
    uint64_t changes = 0;
    fleet_err e;

    snprintf(rev, sizeof rev, "%" PRIu64, ef->revision);
    snprintf(idx, sizeof idx, "%" PRId64, ef->index);
    time_text(now, sizeof now, (ed_time)time(NULL));
    e = run(s,
            "INSERT INTO effects (key, instance, revision, idx, kind, document, state, attempts, "
            "next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, 0, $7) "
            "ON CONFLICT (key) DO NOTHING",
            p, "ttiitti", 7, NULL, &changes);
    if (e == FLEET_OK && changes == 0) {
        e = fail_naming(s, FLEET_CONFLICT, "the effect key ", ef->key, " is already in the outbox");
    }
    return e;
}

fleet_err fleet_store_claim_due(fleet_store *s, ed_time now, ed_time cursor_deadline,
                                const char *cursor_id, bool honour_backoff,
                                fleet_instance_row *out)
{
    fleet_instance_row *rows = NULL;
    size_t n = 0;
    fleet_err e = fleet_store_claim_due_batch(s, now, cursor_deadline, cursor_id, honour_backoff,
                                              1, &rows, &n);
    if (e == FLEET_OK && n == 0)
        e = FLEET_NOT_FOUND;
    if (e == FLEET_OK) {
        *out = rows[0];
        free(rows); /* the row itself is the caller's now */
    } else {
        fleet_instance_rows_free(rows, n);
    }
    return e;
}

void fleet_instance_rows_free(fleet_instance_row *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++)
        fleet_instance_row_free(&rows[i]);
    free(rows);
}

fleet_err fleet_store_claim_due_batch(fleet_store *s, ed_time now, ed_time cursor_deadline,
                                      const char *cursor_id, bool honour_backoff, size_t limit,
                                      fleet_instance_row **out, size_t *count)
{
    char n[24], cd[24], lim[24];
    const char *p[] = {n, cd, cursor_id ? cursor_id : "", honour_backoff ? "1" : "0", lim};
    fleet_rows rows = {0};
    cli_str sql = {0};
    fleet_err e;

    *out = NULL;
    *count = 0;
    if (limit == 0)
        return FLEET_OK;
    time_text(n, sizeof n, now);
    time_text(cd, sizeof cd, cursor_id ? cursor_deadline : INT64_MIN);
    snprintf(lim, sizeof lim, "%zu", limit);
    cli_str_puts(&sql, "SELECT " INSTANCE_COLUMNS " FROM instances WHERE next_deadline <= $1 AND "
                       "(next_deadline, id) > ($2, $3) AND ($4 = 0 OR tick_retry_at IS NULL OR "
                       "tick_retry_at <= $1) ORDER BY next_deadline, id LIMIT $5");
    cli_str_puts(&sql, s->be->skip_locked);
    if (sql.failed) {
        cli_str_free(&sql);
        return fail_msg(s, FLEET_NOMEM, "out of memory");
    }
    e = run(s, sql.data, p, "iitii", 5, &rows, NULL);
    cli_str_free(&sql);
    if (e == FLEET_OK && rows.nrows > 0) {
        *out = calloc(rows.nrows, sizeof **out);
        if (!*out)
            e = fail_msg(s, FLEET_NOMEM, "out of memory");
    }
    for (size_t r = 0; e == FLEET_OK && r < rows.nrows; r++) {
        e = instance_at(s, &rows, r, &(*out)[r]);
        if (e == FLEET_OK)
            *count = r + 1;
    }
    if (e != FLEET_OK) {
        fleet_instance_rows_free(*out, *count);
        *out = NULL;
        *count = 0;
    }
    fleet_rows_free(&rows);
    return e;
}

/* Runs "<verb> <name>" for a savepoint whose name is an SQL identifier. */
static fleet_err savepoint_statement(fleet_store *s, const char *verb, const char *name)
{
    char sql[96];
    size_t len = strlen(name);
    bool ok = len > 0 && len < 64 && !isdigit((unsigned char)name[0]);
    for (size_t i = 0; ok && i < len; i++)
        ok = isalnum((unsigned char)name[i]) || name[i] == '_';
    if (!ok)
        return fail_naming(s, FLEET_ERROR, "not a savepoint name: ", name, "");
    snprintf(sql, sizeof sql, "%s %s", verb, name);
    return run(s, sql, NULL, NULL, 0, NULL, NULL);
}

fleet_err fleet_store_savepoint(fleet_store *s, const char *name)
{
    return savepoint_statement(s, "SAVEPOINT", name);
}

fleet_err fleet_store_rollback_to(fleet_store *s, const char *name)
{
    return savepoint_statement(s, "ROLLBACK TO SAVEPOINT", name);
}

fleet_err fleet_store_release(fleet_store *s, const char *name)
{
    return savepoint_statement(s, "RELEASE SAVEPOINT", name);
}

#define EFFECT_COLUMNS                                                                     \
    "key, instance, revision, idx, kind, document, state, attempts, next_attempt_at, "    \
    "last_error"

static void effect_from(const fleet_rows *rows, size_t r, fleet_effect_row *out)
{
    memset(out, 0, sizeof *out);
    out->key = dup_or_null(fleet_cell(rows, r, 0));
    out->instance = dup_or_null(fleet_cell(rows, r, 1));
    out->revision = (uint64_t)to_i64(fleet_cell(rows, r, 2));
    out->index = to_i64(fleet_cell(rows, r, 3));
    out->kind = dup_or_null(fleet_cell(rows, r, 4));
    out->document = dup_or_null(fleet_cell(rows, r, 5));
    out->state = dup_or_null(fleet_cell(rows, r, 6));
    out->attempts = to_i64(fleet_cell(rows, r, 7));
    out->next_attempt_at = to_i64(fleet_cell(rows, r, 8));
    out->last_error = dup_or_null(fleet_cell(rows, r, 9));
}

/* The n values as one PostgreSQL array literal ({"a","b",NULL}), bound as
 * a single parameter: one statement text whatever the batch's size, and
 * `column = ANY($1::text[])` that the planner answers from the column's
 * index however old its figures are. */
static void array_literal_item(cli_str *out, const char *value)
{
    if (!value) {
        cli_str_puts(out, "NULL");
        return;
    }
    cli_str_puts(out, "\"");
    for (const char *c = value; *c; c++) {
        if (*c == '"' || *c == '\\')
            cli_str_append(out, "\\", 1);
        cli_str_append(out, c, 1);
    }
    cli_str_puts(out, "\"");
}

static void array_literal(cli_str *out, const char *const *values, size_t n)
{
    cli_str_puts(out, "{");
    for (size_t i = 0; i < n; i++) {
        if (i)
            cli_str_puts(out, ",");
        array_literal_item(out, values[i]);
    }
    cli_str_puts(out, "}");
}

/* A batch's values by column (cols[c][row]), bound as arrays (PostgreSQL:
 * array_literal, $1 to $ncols, after `lead` leading parameters) or one
 * parameter per value (SQLite: row by row, each with `kinds[c]`); *p and
 * *kinds are allocated, *np their count. */
typedef struct batch_params {
    const char **p;
    char *kinds;
    int n;
    cli_str *arrays; /* PostgreSQL: one literal per column */
    size_t ncols;
} batch_params;

static void batch_params_free(batch_params *b)
{
    for (size_t c = 0; b->arrays && c < b->ncols; c++)
        cli_str_free(&b->arrays[c]);
    free(b->arrays);
    free(b->p);
    free(b->kinds);
    memset(b, 0, sizeof *b);
}

/* Binds `lead` parameters first (lead_p, lead_kinds), then the columns. */
static bool batch_params_make(const fleet_store *s, batch_params *b, const char *const *lead_p,
                              const char *lead_kinds, size_t lead, const char **const *cols,
                              const char *col_kinds, size_t ncols, size_t nrows)
{
    size_t total = lead + (s->be->arrays ? ncols : ncols * nrows);
    memset(b, 0, sizeof *b);
    b->p = calloc(total + 1, sizeof *b->p);
    b->kinds = calloc(total + 2, 1);
    b->ncols = ncols;
    if (s->be->arrays)
        b->arrays = calloc(ncols, sizeof *b->arrays);
    if (!b->p || !b->kinds || (s->be->arrays && !b->arrays)) {
        batch_params_free(b);
        return false;
    }
    for (size_t i = 0; i < lead; i++) {
        b->p[i] = lead_p[i];
        b->kinds[i] = lead_kinds[i];
    }
    for (size_t c = 0; c < ncols; c++) {
        if (s->be->arrays) {
            array_literal(&b->arrays[c], cols[c], nrows);
            if (b->arrays[c].failed) {
                batch_params_free(b);
                return false;
            }
            b->p[lead + c] = b->arrays[c].data;
            b->kinds[lead + c] = 't';
            continue;
        }
        for (size_t r = 0; r < nrows; r++) {
            b->p[lead + r * ncols + c] = cols[c][r];
            b->kinds[lead + r * ncols + c] = col_kinds[c];
        }
    }
    b->n = (int)total;
    return true;
}

/* SQLite: "(CAST($a AS type), ...), (...)": the rows of a batch's values,
 * parameters from $first, each column cast to its type. */
static void values_rows(cli_str *sql, int first, const char *const *types, size_t ncols,
                        size_t nrows)
{
    for (size_t r = 0; r < nrows; r++) {
        cli_str_puts(sql, r ? ", (" : "(");
        for (size_t c = 0; c < ncols; c++)
            cli_str_printf(sql, "%sCAST($%d AS %s)", c ? ", " : "",
                           first + (int)(r * ncols + c), types[c]);
        cli_str_puts(sql, ")");
    }
}

/* The claims of a claimed batch that ended without an outcome: an effect
 * whose previous claim is still open (previous_claimed_at, the claim's
 * column 10) was held by a dispatcher that died or was stopped, and its
 * lease ended. Each gets its attempt row, lease_expired, in one statement
 * for the batch (rare: none in most batches), and the effect says so. */
static fleet_err record_expired_claims(fleet_store *s, fleet_effect_row *ef,
                                       const fleet_rows *rows, size_t n)
{
    static const char *const types[] = {"TEXT", "INTEGER", "INTEGER"};
    const char **cols[3] = {calloc(n, sizeof(char *)), calloc(n, sizeof(char *)),
                            calloc(n, sizeof(char *))};
    char (*num)[24] = calloc(n, sizeof *num);
    size_t expired = 0;
    batch_params b = {0};
    cli_str sql = {0};
    fleet_err e = FLEET_OK;

    if (!cols[0] || !cols[1] || !cols[2] || !num) {
        e = fail_msg(s, FLEET_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char *started = fleet_cell(rows, i, 10);
        if (!started)
            continue;
        ef[i].lease_expired = true;
        snprintf(num[expired], sizeof num[expired], "%" PRId64, ef[i].attempts - 1);
        cols[0][expired] = ef[i].key;
        cols[1][expired] = num[expired];
        cols[2][expired++] = started;
    }
    if (expired == 0)
        goto out;
    if (s->be->arrays) {
        cli_str_puts(&sql, "INSERT INTO attempts (key, attempt, started_at, outcome) SELECT k, a, "
                           "t, 'lease_expired' FROM unnest($1::text[], $2::integer[], "
                           "$3::bigint[]) AS v (k, a, t)");
    } else {
        cli_str_puts(&sql, "INSERT INTO attempts (key, attempt, started_at, outcome) SELECT "
                           "column1, column2, column3, 'lease_expired' FROM (VALUES ");
        values_rows(&sql, 1, types, 3, expired);
        cli_str_puts(&sql, ")");
    }
    if (sql.failed || !batch_params_make(s, &b, NULL, NULL, 0, cols, "tii", 3, expired))
        e = fail_msg(s, FLEET_NOMEM, "out of memory");
    else
        e = run(s, sql.data, b.p, b.kinds, b.n, NULL, NULL);
out:
    batch_params_free(&b);
    cli_str_free(&sql);
    free(num);
    for (int c = 0; c < 3; c++)
        free(cols[c]);
    return e;
}

fleet_err fleet_store_claim_effects(fleet_store *s, ed_time now, ed_time lease_until,
                                    size_t limit, fleet_effect_row **out, size_t *count)
{
    char n[24], lease[24], lim[24];
    const char *p[] = {n, lease};
    fleet_rows rows = {0};
    cli_str sql = {0};
    fleet_err e;

    *out = NULL;
    *count = 0;
    time_text(n, sizeof n, now);
    time_text(lease, sizeof lease, lease_until);
    snprintf(lim, sizeof lim, "%zu", limit);
    /* Ready: pending, due, and first of its instance among those not done
     * (a pending, leased or failed earlier effect holds it back), so one
     * batch holds at most one effect of each instance. */
    /* previous_claimed_at: the previous claim's start if it is still open
     * (the right-hand sides read the row as it was) */
    cli_str_puts(&sql, "UPDATE effects SET attempts = attempts + 1, next_attempt_at = $2, "
                       "previous_claimed_at = claimed_at, claimed_at = $1 "
                       "WHERE key IN (SELECT e.key FROM effects e WHERE e.state = 'pending' AND "
                       "e.next_attempt_at <= $1 AND NOT EXISTS (SELECT 1 FROM effects b WHERE "
                       "b.instance = e.instance AND b.state <> 'done' AND (b.revision < e.revision "
                       "OR (b.revision = e.revision AND b.idx < e.idx))) "
                       "ORDER BY e.next_attempt_at, e.instance, e.revision, e.idx LIMIT ");
    /* the batch's size written in the statement: a prepared statement's
     * generic plan then knows how few rows it takes (PostgreSQL) */
    cli_str_puts(&sql, lim);
    cli_str_puts(&sql, s->be->skip_locked);
    cli_str_puts(&sql, ") RETURNING " EFFECT_COLUMNS ", previous_claimed_at");
    if (sql.failed) {
        cli_str_free(&sql);
        return fail_msg(s, FLEET_NOMEM, "out of memory");
    }
    if ((e = fleet_store_begin(s)) != FLEET_OK) {
        cli_str_free(&sql);
        return e;
    }
    e = run(s, sql.data, p, "ii", 2, &rows, NULL);
    cli_str_free(&sql);
    if (e == FLEET_OK && rows.nrows > 0) {
        *out = calloc(rows.nrows, sizeof **out);
        if (!*out)
            e = fail_msg(s, FLEET_NOMEM, "out of memory");
        for (size_t r = 0; *out && r < rows.nrows; r++)
            effect_from(&rows, r, &(*out)[r]);
    }
    if (e == FLEET_OK && rows.nrows > 0)
        e = record_expired_claims(s, *out, &rows, rows.nrows);
    if (e == FLEET_OK)
        e = fleet_store_commit(s);
    else
        fleet_store_rollback(s);
    if (e == FLEET_OK) {
        *count = rows.nrows;
    } else if (*out) {
        for (size_t r = 0; r < rows.nrows; r++)
            fleet_effect_row_free(&(*out)[r]);
        free(*out);
        *out = NULL;
    }
    fleet_rows_free(&rows);
    return e;
}

/* Writes the attempt row of each delivery that failed and still holds its
 * claim (the effect pending, its claim open, the same attempt number: a
 * delivery whose lease ended and was claimed again is fenced off), one
 * statement for the batch: outcome, start (the claim's), duration, exit
 * status or signal, error and standard error; a success is kept on its
 * effect's row by record_done. SQLite: then record_done and a statement per
 * failure; PostgreSQL: record_outcomes_pg does it all. */
#define ATTEMPT_VALUES 8

/* PostgreSQL: the outcomes of a batch (but its releases) in one statement:
 * each effect that still holds its claim (pending, its claim open, the same
 * attempt number) is marked done with its delivery (start, duration, exit
 * status, standard error: an effect succeeds once), or keeps its error and
 * its next attempt (retried, or failed for the last time), closes its
 * claim, and gets the attempt's row, written from what the update returns
 * (the claim's start among it). $1 maps each key to its outcome ({"key": {"a": attempt,
 * "o": outcome, ...}}, a jsonb object: a lookup per row, not a join the
 * planner could turn into a scan), $2 lists the keys, found through their
 * index; $3 is done_at. */
static fleet_err record_outcomes_pg(fleet_store *s, const fleet_outcome *o, size_t n,
                                    char (*num)[3][24], const char *at)
{
    cli_str map = {0}, keys = {0};
    char retry[24];
    bool first = true;
    fleet_err e;

    cli_str_puts(&map, "{");
    cli_str_puts(&keys, "{");
    for (size_t i = 0; i < n; i++) {
        if (o[i].released)
            continue;
        if (!first) {
            cli_str_puts(&map, ",");
            cli_str_puts(&keys, ",");
        }
        first = false;
        array_literal_item(&keys, o[i].key);
        cli_str_json(&map, o[i].key);
        cli_str_puts(&map, ":{\"a\":");
        cli_str_json(&map, num[i][0]);
        cli_str_puts(&map, ",\"o\":");
        cli_str_json(&map, o[i].ok ? "done" : o[i].dead ? "failed" : "retry");
        cli_str_puts(&map, ",\"d\":");
        cli_str_json(&map, num[i][1]);
        cli_str_puts(&map, ",\"x\":");
        cli_str_json(&map, o[i].exit_status >= 0 ? num[i][2] : NULL);
        cli_str_puts(&map, ",\"s\":");
        if (o[i].signal > 0)
            cli_str_printf(&map, "\"%d\"", o[i].signal);
        else
            cli_str_puts(&map, "null");
        cli_str_puts(&map, ",\"e\":");
        cli_str_json(&map, o[i].ok ? NULL : o[i].error);
        cli_str_puts(&map, ",\"t\":");
        cli_str_json(&map, o[i].stderr_tail);
        time_text(retry, sizeof retry, o[i].retry_at);
        cli_str_puts(&map, ",\"r\":");
        cli_str_json(&map, o[i].ok ? NULL : retry);
        /* a success is kept on its effect's row: D, X and T */
        cli_str_puts(&map, ",\"D\":");
        cli_str_json(&map, o[i].ok ? num[i][1] : NULL);
        cli_str_puts(&map, ",\"X\":");
        cli_str_json(&map, o[i].ok && o[i].exit_status >= 0 ? num[i][2] : NULL);
        cli_str_puts(&map, ",\"T\":");
        cli_str_json(&map, o[i].ok ? o[i].stderr_tail : NULL);
        cli_str_puts(&map, "}");
    }
    cli_str_puts(&map, "}");
    cli_str_puts(&keys, "}");
    if (first) {
        e = FLEET_OK; /* every one given back */
    } else if (map.failed || keys.failed) {
        e = fail_msg(s, FLEET_NOMEM, "out of memory");
    } else {
#define OUTCOME(field) "$1::jsonb -> key ->> '" field "'"
        const char *p[] = {map.data, keys.data, at};
        e = run(s,
                "WITH d AS (UPDATE effects SET state = CASE " OUTCOME("o") " WHEN 'done' THEN "
                "'done' WHEN 'failed' THEN 'failed' ELSE state END, done_at = CASE WHEN "
                OUTCOME("o") " = 'done' THEN CAST($3 AS BIGINT) ELSE done_at END, last_error = "
                OUTCOME("e") ", next_attempt_at = CASE WHEN " OUTCOME("o") " = 'done' THEN "
                "next_attempt_at ELSE CAST(" OUTCOME("r") " AS BIGINT) END, done_duration_ms = "
                "CAST(" OUTCOME("D") " AS BIGINT), done_exit_status = CAST(" OUTCOME("X")
                " AS INTEGER), done_stderr = " OUTCOME("T") ", previous_claimed_at = "
                "claimed_at, claimed_at = CASE WHEN " OUTCOME("o") " = 'done' THEN claimed_at "
                "END WHERE key = ANY($2::text[]) AND state = 'pending' AND claimed_at IS NOT "
                "NULL AND attempts = CAST(" OUTCOME("a") " AS INTEGER) RETURNING key, "
                "attempts, previous_claimed_at, state) INSERT INTO attempts (key, attempt, "
                "started_at, duration_ms, outcome, exit_status, signal, error, stderr) SELECT "
                "key, attempts, previous_claimed_at, CAST(j ->> 'd' AS BIGINT), j ->> 'o', "
                "CAST(j ->> 'x' AS INTEGER), CAST(j ->> 's' AS INTEGER), j ->> 'e', j ->> 't' "
                "FROM (SELECT key, attempts, previous_claimed_at, $1::jsonb -> key AS j FROM d "
                "WHERE state <> 'done') AS c",
                p, "tti", 3, NULL, NULL);
#undef OUTCOME
    }
    cli_str_free(&keys);
    cli_str_free(&map);
    return e;
}

static fleet_err record_attempts(fleet_store *s, const fleet_outcome *o, size_t n,
                                 char (*num)[3][24], const char *at)
{
    static const char *const types[ATTEMPT_VALUES] = {"TEXT",   "INTEGER", "TEXT", "INTEGER",
                                                      "INTEGER", "INTEGER", "TEXT", "TEXT"};
    const char **cols[ATTEMPT_VALUES] = {0};
    size_t ran = 0, k = 0;
    batch_params b = {0};
    cli_str sql = {0};
    fleet_err e = FLEET_OK;

    if (s->be->arrays)
        return record_outcomes_pg(s, o, n, num, at);
    for (size_t i = 0; i < n; i++)
        ran += !o[i].released;
    if (ran == 0)
        return FLEET_OK;
    for (int c = 0; c < ATTEMPT_VALUES; c++)
        if (!(cols[c] = calloc(ran, sizeof **cols)))
            e = fail_msg(s, FLEET_NOMEM, "out of memory");
    for (size_t i = 0; e == FLEET_OK && i < n; i++) {
        if (o[i].released)
            continue;
        cols[0][k] = o[i].key;
        cols[1][k] = num[i][0];
        cols[2][k] = o[i].ok ? "done" : o[i].dead ? "failed" : "retry";
        cols[3][k] = num[i][1];
        cols[4][k] = o[i].exit_status >= 0 ? num[i][2] : NULL;
        cols[5][k] = NULL;
        cols[6][k] = o[i].ok ? NULL : o[i].error;
        cols[7][k] = o[i].stderr_tail;
        if (o[i].signal > 0) {
            /* an exit status and a signal never come together */
            snprintf(num[i][2], sizeof num[i][2], "%d", o[i].signal);
            cols[5][k] = num[i][2];
        }
        k++;
    }
    cli_str_puts(&sql, "INSERT INTO attempts (key, attempt, started_at, duration_ms, outcome, "
                       "exit_status, signal, error, stderr) SELECT e.key, e.attempts, "
                       "e.claimed_at, v.column4, v.column3, v.column5, v.column6, v.column7, "
                       "v.column8 FROM (VALUES ");
    values_rows(&sql, 1, types, ATTEMPT_VALUES, ran);
    cli_str_puts(&sql, ") AS v JOIN effects e ON e.key = v.column1 AND e.attempts = "
                       "v.column2 AND e.state = 'pending' AND e.claimed_at IS NOT NULL WHERE "
                       "v.column3 <> 'done'");
    if (e == FLEET_OK &&
        (!batch_params_make(s, &b, NULL, NULL, 0, cols, "titiiitt", ATTEMPT_VALUES, ran) ||
         sql.failed))
        e = fail_msg(s, FLEET_NOMEM, "out of memory");
    if (e == FLEET_OK)
        e = run(s, sql.data, b.p, b.kinds, b.n, NULL, NULL);
    batch_params_free(&b);
    cli_str_free(&sql);
    for (int c = 0; c < ATTEMPT_VALUES; c++)
        free(cols[c]);
    return e;
}

/* SQLite: marks done, in one statement, the effects of the outcomes that
 * succeeded and still hold their claim (the attempt number), each with its
 * delivery: duration, exit status and standard error (the claim's start
 * stays in claimed_at). */
static fleet_err record_done(fleet_store *s, const fleet_outcome *o, size_t n, const char *at,
                             char (*num)[3][24])
{
    static const char *const types[] = {"TEXT", "INTEGER", "INTEGER", "INTEGER", "TEXT"};
    const char **cols[5];
    size_t done = 0;
    batch_params b = {0};
    cli_str sql = {0};
    fleet_err e = FLEET_OK;
    bool ok = true;

    for (int c = 0; c < 5; c++)
        ok &= (cols[c] = calloc(n ? n : 1, sizeof **cols)) != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        if (!o[i].ok || o[i].released)
            continue;
        cols[0][done] = o[i].key;
        cols[1][done] = num[i][0];
        cols[2][done] = num[i][1];
        cols[3][done] = o[i].exit_status >= 0 ? num[i][2] : NULL;
        cols[4][done++] = o[i].stderr_tail;
    }
    if (ok && done > 0) {
        cli_str_puts(&sql, "UPDATE effects SET state = 'done', done_at = $1, last_error = NULL, "
                           "done_duration_ms = v.column3, done_exit_status = v.column4, "
                           "done_stderr = v.column5 FROM (VALUES ");
        values_rows(&sql, 2, types, 5, done);
        cli_str_puts(&sql, ") AS v WHERE effects.key = v.column1 AND effects.attempts = "
                           "v.column2 AND effects.state = 'pending' AND effects.claimed_at IS NOT "
                           "NULL");
        ok = !sql.failed &&
             batch_params_make(s, &b, (const char *const[]){at}, "i", 1, cols, "tiiit", 5, done);
        if (ok)
            e = run(s, sql.data, b.p, b.kinds, b.n, NULL, NULL);
    }
    if (!ok)
        e = fail_msg(s, FLEET_NOMEM, "out of memory");
    batch_params_free(&b);
    cli_str_free(&sql);
    for (int c = 0; c < 5; c++)
        free(cols[c]);
    return e;
}

fleet_err fleet_store_record(fleet_store *s, const fleet_outcome *o, size_t n, ed_time now)
{
    char at[24], retry[24];
    char (*num)[3][24] = calloc(n ? n : 1, sizeof *num); /* attempt, duration, status */
    fleet_err e = num ? fleet_store_begin(s) : fail_msg(s, FLEET_NOMEM, "out of memory");

    time_text(at, sizeof at, now);
    for (size_t i = 0; num && i < n; i++) {
        snprintf(num[i][0], sizeof num[i][0], "%" PRId64, o[i].attempt);
        snprintf(num[i][1], sizeof num[i][1], "%" PRId64, o[i].duration_ms);
        snprintf(num[i][2], sizeof num[i][2], "%d", o[i].exit_status);
    }
    /* the attempt rows first: record_attempts reuses num[i][2] for a signal */
    if (e == FLEET_OK)
        e = record_attempts(s, o, n, num, at);
    if (e == FLEET_OK && !s->be->arrays)
        e = record_done(s, o, n, at, num);
    /* "claimed_at IS NOT NULL AND attempts = $n": only the delivery that
     * holds the current claim records, and closes it; one whose lease ended
     * and was claimed again is ignored. A failure or a release is rarer
     * than a success: a statement each. */
    for (size_t i = 0; e == FLEET_OK && i < n; i++) {
        const char *attempt = num[i][0];
        if (o[i].released) {
            const char *p[] = {o[i].key, at, attempt};
            e = run(s, "UPDATE effects SET attempts = attempts - 1, next_attempt_at = $2, "
                       "claimed_at = NULL WHERE key = $1 AND state = 'pending' AND claimed_at "
                       "IS NOT NULL AND attempts = $3",
                    p, "tii", 3, NULL, NULL);
        } else if (!o[i].ok && !s->be->arrays) {
            const char *p[] = {o[i].key, o[i].error, retry, attempt};
            time_text(retry, sizeof retry, o[i].retry_at);
            e = run(s,
                    o[i].dead ? "UPDATE effects SET state = 'failed', last_error = $2, "
                                "next_attempt_at = $3, claimed_at = NULL WHERE key = $1 AND "
                                "state = 'pending' AND claimed_at IS NOT NULL AND attempts = $4"
                              : "UPDATE effects SET last_error = $2, next_attempt_at = $3, "
                                "claimed_at = NULL WHERE key = $1 AND state = 'pending' AND "
                                "claimed_at IS NOT NULL AND attempts = $4",
                    p, "ttii", 4, NULL, NULL);
        }
    }
    free(num);
    if (e == FLEET_OK)
        return fleet_store_commit(s);
    return abandon(s, e);
}

fleet_err fleet_store_effect_requeue(fleet_store *s, const char *key)
{
    const char *p[] = {key};
    uint64_t changes = 0;
    fleet_err e = run(s, "UPDATE effects SET state = 'pending', attempts = 0, next_attempt_at = 0, "
                         "last_error = NULL, claimed_at = NULL WHERE key = $1 AND state = "
                         "'failed'",
                      p, NULL, 1, NULL, &changes);
    if (e == FLEET_OK && changes == 0) {
        e = fail_naming(s, FLEET_NOT_FOUND, "no failed effect with the key ", key, "");
    }
    return e;
}

fleet_err fleet_store_wake(fleet_store *s, bool *has_deadline, ed_time *deadline,
                           bool *has_effect, ed_time *effect_at)
{
    fleet_rows rows = {0};
    /* an instance waiting out the backoff of a failed tick counts from
     * its next try, not from its deadline: nothing to do before then */
    fleet_err e = run(s,
                      "SELECT (SELECT MIN(CASE WHEN tick_retry_at > next_deadline THEN "
                      "tick_retry_at ELSE next_deadline END) FROM instances), "
                      "(SELECT MIN(e.next_attempt_at) FROM effects e WHERE e.state = 'pending' "
                      "AND NOT EXISTS (SELECT 1 FROM effects b WHERE b.instance = e.instance AND "
                      "b.state <> 'done' AND (b.revision < e.revision OR (b.revision = "
                      "e.revision AND b.idx < e.idx))))",
                      NULL, NULL, 0, &rows, NULL);
    if (e == FLEET_OK) {
        *has_deadline = fleet_cell(&rows, 0, 0) != NULL;
        *deadline = to_i64(fleet_cell(&rows, 0, 0));
        *has_effect = fleet_cell(&rows, 0, 1) != NULL;
        *effect_at = to_i64(fleet_cell(&rows, 0, 1));
    }
    fleet_rows_free(&rows);
    return e;
}

fleet_err fleet_store_tick_failed(fleet_store *s, const char *id, const char *error,
                                  ed_time retry_at, int64_t *failures)
{
    char at[24];
    const char *p[] = {id, error, at};
    fleet_rows rows = {0};
    fleet_err e;

    time_text(at, sizeof at, retry_at);
    *failures = 0;
    if ((e = fleet_store_begin(s)) != FLEET_OK)
        return e;
    e = run(s,
            "UPDATE instances SET tick_failures = tick_failures + 1, tick_error = $2, "
            "tick_retry_at = $3 WHERE id = $1 RETURNING tick_failures",
            p, "tti", 3, &rows, NULL);
    if (e == FLEET_OK && rows.nrows == 1)
        *failures = to_i64(fleet_cell(&rows, 0, 0));
    fleet_rows_free(&rows);
    if (e == FLEET_OK)
        return fleet_store_commit(s);
    return abandon(s, e);
}

fleet_err fleet_store_tick_failed_in_tx(fleet_store *s, const char *id, const char *error,
                                        ed_time retry_at, int64_t *failures)
{
    char at[24];
    const char *p[] = {id, error, at};
    fleet_rows rows = {0};
    fleet_err e;

    time_text(at, sizeof at, retry_at);
    *failures = 0;
    e = run(s,
            "UPDATE instances SET tick_failures = tick_failures + 1, tick_error = $2, "
            "tick_retry_at = $3 WHERE id = $1 RETURNING tick_failures",
            p, "tti", 3, &rows, NULL);
    if (e == FLEET_OK && rows.nrows == 1)
        *failures = to_i64(fleet_cell(&rows, 0, 0));
    fleet_rows_free(&rows);
    return e;
}

/* A query of listed rows, its conditions added one at a time: each
 * condition's parameter is the next $N. */
typedef struct filtered_query {
    cli_str sql;
    const char *param[4];
    char kind[5];
    int n;
} filtered_query;

/* Adds " AND <condition> $N" with `value` as $N (of kind 't' or 'i'). */
static void where(filtered_query *q, const char *condition, const char *value, char kind)
{
    q->param[q->n] = value;
    q->kind[q->n++] = kind;
    cli_str_printf(&q->sql, " AND %s $%d", condition, q->n);
}

static fleet_err run_filtered(fleet_store *s, filtered_query *q, const char *order,
                              fleet_rows *rows)
{
    fleet_err e;
    cli_str_puts(&q->sql, order);
    e = q->sql.failed ? fail_msg(s, FLEET_NOMEM, "out of memory")
                      : run(s, q->sql.data, q->param, q->kind, q->n, rows, NULL);
    cli_str_free(&q->sql);
    return e;
}

fleet_err fleet_store_list(fleet_store *s, const fleet_list_filter *f, fleet_rows *rows)
{
    filtered_query q = {{0}, {NULL}, "", 0};
    char now_text[24];

    cli_str_puts(&q.sql, "SELECT id, revision, edition, lifecycle, next_deadline, tick_failures, "
                         "tick_error FROM instances WHERE 1 = 1");
    if (f->edition)
        where(&q, "edition =", f->edition, 't');
    if (f->lifecycle)
        where(&q, "lifecycle =", f->lifecycle, 't');
    if (f->due) {
        time_text(now_text, sizeof now_text, f->now);
        where(&q, "next_deadline <=", now_text, 'i');
    }
    if (f->skipped)
        cli_str_puts(&q.sql, " AND tick_failures > 0");
    return run_filtered(s, &q, " ORDER BY id", rows);
}

fleet_err fleet_store_effects(fleet_store *s, const fleet_effects_filter *f, fleet_rows *rows)
{
    filtered_query q = {{0}, {NULL}, "", 0};

    cli_str_puts(&q.sql, "SELECT key, state, attempts, kind, last_error FROM effects WHERE 1 = 1");
    if (f->state)
        where(&q, "state =", f->state, 't');
    if (f->instance)
        where(&q, "instance =", f->instance, 't');
    return run_filtered(s, &q, " ORDER BY instance, revision, idx", rows);
}

static uint64_t to_u64(const char *text)
{
    return text ? (uint64_t)strtoull(text, NULL, 10) : 0;
}

/* "f comes before e": an earlier effect of the same instance. */
#define EARLIER(f, e)                                                                      \
    "(" f ".revision < " e ".revision OR (" f ".revision = " e ".revision AND " f ".idx < " e \
    ".idx))"

fleet_err fleet_store_blocked(fleet_store *s, const char *instance, fleet_rows *rows)
{
    filtered_query q = {{0}, {NULL}, "", 0};

    /* held by the earliest failed effect before it: retrying that one is
     * what sets the others going */
    cli_str_puts(&q.sql,
                 "SELECT e.key, e.state, e.attempts, e.kind, e.last_error, f.key, f.last_error "
                 "FROM effects e JOIN effects f ON f.instance = e.instance AND f.state = 'failed' "
                 "AND " EARLIER("f", "e") " WHERE e.state = 'pending' AND NOT EXISTS (SELECT 1 "
                 "FROM effects g WHERE g.instance = f.instance AND g.state = 'failed' AND "
                 EARLIER("g", "f") ")");
    if (instance)
        where(&q, "e.instance =", instance, 't');
    return run_filtered(s, &q, " ORDER BY e.instance, e.revision, e.idx", rows);
}

#define ATTEMPT_COLUMNS                                                                    \
    "attempt, started_at, duration_ms, outcome, exit_status, signal, error, stderr"
#define ATTEMPT_COLUMNS_A                                                                  \
    "attempt, a.started_at, a.duration_ms, a.outcome, a.exit_status, a.signal, a.error, "     \
    "a.stderr"
/* The delivery an effect's row keeps, as an attempt row: the one running
 * (its claim open) or the one that succeeded (kept on the effect's row:
 * done_duration_ms, done_exit_status, done_stderr). */
#define OPEN_CLAIM_COLUMNS                                                                 \
    "attempts, claimed_at, done_duration_ms, CASE WHEN state = 'done' THEN 'done' ELSE "   \
    "'running' END, done_exit_status, CAST(NULL AS INTEGER), CAST(NULL AS TEXT), "          \
    "done_stderr"

/* FLEET_NOT_FOUND naming what is missing when `sql` finds no row. */
static fleet_err must_exist(fleet_store *s, const char *sql, const char *value, const char *what,
                            const char *after)
{
    const char *p[] = {value};
    fleet_rows rows = {0};
    fleet_err e = run(s, sql, p, "t", 1, &rows, NULL);
    bool found = rows.nrows > 0;
    fleet_rows_free(&rows);
    if (e == FLEET_OK && !found)
        e = fail_naming(s, FLEET_NOT_FOUND, what, value, after);
    return e;
}

fleet_err fleet_store_attempts(fleet_store *s, const char *key, fleet_rows *rows)
{
    const char *p[] = {key};
    fleet_err e = must_exist(s, "SELECT 1 FROM effects WHERE key = $1", key,
                             "no effect with the key ", " in the database");
    if (e == FLEET_OK)
        e = run(s, "SELECT " ATTEMPT_COLUMNS " FROM (SELECT " ATTEMPT_COLUMNS ", 0 AS g, id "
                   "FROM attempts WHERE key = $1 UNION ALL SELECT " OPEN_CLAIM_COLUMNS ", 1, 0 "
                   "FROM effects WHERE key = $1 AND claimed_at IS NOT NULL AND state <> 'failed') AS u "
                   "ORDER BY g, id",
                p, "t", 1, rows, NULL);
    return e;
}

fleet_err fleet_store_history(fleet_store *s, const char *id, fleet_rows *effects,
                              fleet_rows *attempts)
{
    const char *p[] = {id};
    fleet_err e = must_exist(s, "SELECT 1 FROM instances WHERE id = $1", id, "no instance ", " in the database");
    if (e == FLEET_OK)
        e = run(s, "SELECT key, revision, idx, kind, state, attempts, last_error, created_at, "
                   "done_at FROM effects WHERE instance = $1 ORDER BY revision, idx",
                p, "t", 1, effects, NULL);
    if (e == FLEET_OK)
        e = run(s, "SELECT key, " ATTEMPT_COLUMNS " FROM (SELECT a.key, a." ATTEMPT_COLUMNS_A
                   ", e.revision, e.idx, 0 AS g, a.id FROM attempts a JOIN effects e ON e.key = "
                   "a.key WHERE e.instance = $1 UNION ALL SELECT key, " OPEN_CLAIM_COLUMNS
                   ", revision, idx, 1, 0 FROM effects WHERE instance = $1 AND claimed_at IS "
                   "NOT NULL AND state <> 'failed') AS u ORDER BY revision, idx, g, id",
                p, "t", 1, attempts, NULL);
    return e;
}

fleet_err fleet_store_refresh_stats(fleet_store *s)
{
    if (!s->be->refresh_stats)
        return FLEET_OK;
    return run(s, s->be->refresh_stats, NULL, NULL, 0, NULL, NULL);
}

fleet_err fleet_store_count_due(fleet_store *s, ed_time now, uint64_t *count)
{
    char n[24];
    const char *p[] = {n};
    fleet_rows rows = {0};
    fleet_err e;

    time_text(n, sizeof n, now);
    e = run(s, "SELECT COUNT(*) FROM instances WHERE next_deadline <= $1", p, "i", 1, &rows,
            NULL);
    *count = e == FLEET_OK ? to_u64(fleet_cell(&rows, 0, 0)) : 0;
    fleet_rows_free(&rows);
    return e;
}

fleet_err fleet_store_stats(fleet_store *s, ed_time now, fleet_stats *out)
{
    fleet_rows rows = {0};
    fleet_err e;

    memset(out, 0, sizeof *out);
    e = run(s, "SELECT edition, lifecycle, COUNT(*) FROM instances GROUP BY edition, lifecycle "
               "ORDER BY edition, lifecycle",
            NULL, NULL, 0, &out->by_state, NULL);
    if (e == FLEET_OK)
        e = fleet_store_count_due(s, now, &out->due);
    if (e == FLEET_OK)
        e = run(s,
                "SELECT (SELECT COUNT(*) FROM instances WHERE tick_failures > 0), "
                "(SELECT COUNT(*) FROM effects WHERE state = 'pending'), "
                "(SELECT COUNT(*) FROM effects WHERE state = 'done'), "
                "(SELECT COUNT(*) FROM effects WHERE state = 'failed'), "
                /* blocked: a failed effect of the same instance comes first */
                "(SELECT COUNT(*) FROM effects e WHERE e.state = 'pending' AND EXISTS "
                "(SELECT 1 FROM effects f WHERE f.instance = e.instance AND f.state = 'failed' "
                "AND (f.revision < e.revision OR (f.revision = e.revision AND f.idx < e.idx)))), "
                "(SELECT MIN(created_at) FROM effects WHERE state = 'pending')",
                NULL, NULL, 0, &rows, NULL);
    if (e == FLEET_OK) {
        out->skipped = to_u64(fleet_cell(&rows, 0, 0));
        out->pending = to_u64(fleet_cell(&rows, 0, 1));
        out->done = to_u64(fleet_cell(&rows, 0, 2));
        out->failed = to_u64(fleet_cell(&rows, 0, 3));
        out->blocked = to_u64(fleet_cell(&rows, 0, 4));
        out->has_oldest_pending = fleet_cell(&rows, 0, 5) != NULL;
        out->oldest_pending = to_i64(fleet_cell(&rows, 0, 5));
    }
    fleet_rows_free(&rows);
    if (e != FLEET_OK)
        fleet_stats_free(out);
    return e;
}

void fleet_stats_free(fleet_stats *st)
{
    fleet_rows_free(&st->by_state);
}

fleet_err fleet_store_listen(fleet_store *s)
{
    return s->be->listen ? run(s, s->be->listen, NULL, NULL, 0, NULL, NULL) : FLEET_OK;
}

fleet_err fleet_store_notify(fleet_store *s)
{
    return s->be->notify ? run(s, s->be->notify, NULL, NULL, 0, NULL, NULL) : FLEET_OK;
}

fleet_err fleet_store_wait(fleet_store *s, double seconds, bool *woken)
{
    struct timespec pause;
    *woken = false;
    if (!(seconds > 0))
        return FLEET_OK;
    if (s->be->wait) {
        fleet_err e;
        s->msg.len = 0;
        if (s->msg.data)
            s->msg.data[0] = '\0';
        e = s->be->wait(s->conn, seconds, woken, &s->msg);
        return e == FLEET_OK ? FLEET_OK : fail(s, e);
    }
    /* no notifications: a plain sleep, which a signal ends (EINTR) */
    pause.tv_sec = (time_t)seconds;
    pause.tv_nsec = (long)((seconds - (double)pause.tv_sec) * 1e9);
    (void)nanosleep(&pause, NULL);
    return FLEET_OK;
}
