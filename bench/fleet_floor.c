/*
 * The floors of bench/fleet_bench.py on PostgreSQL: what any SQL queue or
 * outbox writer must do for the same rows, with nothing of libedition's
 * and nothing of edition fleet's bookkeeping, so that `fleet tick` and
 * `fleet dispatch` can be measured against it (docs/performance.md,
 * "edition fleet").
 *
 *     fleet_floor dispatch URI BATCH
 *         claims the pending outbox rows BATCH at a time with
 *         FOR UPDATE SKIP LOCKED (counting an attempt and leasing them, as
 *         a queue must), then marks the batch done in a second transaction,
 *         until none is left.
 *     fleet_floor tick URI BATCH NOW
 *         takes the instances due at NOW BATCH at a time with FOR UPDATE
 *         SKIP LOCKED and, for each, writes what a tick writes: its row
 *         (a snapshot of the same size, revision, lifecycle, deadline) and
 *         its effects (as many rows, with documents of the same size as
 *         the first instance's tick wrote: read from EFFECTS_LIKE, a
 *         database ticked by `fleet tick`), all in one transaction per
 *         batch.
 *
 * Prints the seconds taken and the rows done on one line.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static PGresult *must(PGconn *pg, PGresult *res, const char *what)
{
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "fleet_floor: %s: %s", what, PQerrorMessage(pg));
        exit(1);
    }
    return res;
}

static void exec0(PGconn *pg, const char *sql)
{
    PQclear(must(pg, PQexec(pg, sql), sql));
}

static PGresult *execp(PGconn *pg, const char *sql, int n, const char *const *p)
{
    return must(pg, PQexecParams(pg, sql, n, NULL, p, NULL, NULL, 0), sql);
}

/* A text array literal of the keys of a result's first column. */
static char *array_of(const PGresult *res)
{
    size_t cap = 16, len = 0;
    char *out = malloc(cap);
    out[len++] = '{';
    for (int r = 0; r < PQntuples(res); r++) {
        const char *v = PQgetvalue(res, r, 0);
        size_t need = strlen(v) * 2 + 4;
        if (len + need + 2 > cap) {
            cap = (len + need + 2) * 2;
            out = realloc(out, cap);
        }
        if (r)
            out[len++] = ',';
        out[len++] = '"';
        for (const char *c = v; *c; c++) {
            if (*c == '"' || *c == '\\')
                out[len++] = '\\';
            out[len++] = *c;
        }
        out[len++] = '"';
    }
    out[len++] = '}';
    out[len] = '\0';
    return out;
}

static long dispatch(PGconn *pg, const char *batch)
{
    long done = 0;
    for (;;) {
        char at[24];
        const char *claim_p[] = {batch, at};
        PGresult *claimed;
        char *keys;
        snprintf(at, sizeof at, "%lld", (long long)time(NULL) + 300);
        exec0(pg, "BEGIN");
        claimed = execp(pg,
                        "UPDATE effects SET attempts = attempts + 1, next_attempt_at = $2 "
                        "WHERE key IN (SELECT key FROM effects WHERE state = 'pending' ORDER BY "
                        "next_attempt_at, instance, revision, idx LIMIT $1 FOR UPDATE SKIP "
                        "LOCKED) RETURNING key, document",
                        2, claim_p);
        exec0(pg, "COMMIT");
        if (PQntuples(claimed) == 0) {
            PQclear(claimed);
            return done;
        }
        keys = array_of(claimed);
        {
            const char *done_p[] = {keys, at};
            exec0(pg, "BEGIN");
            PQclear(execp(pg,
                          "UPDATE effects SET state = 'done', done_at = $2 WHERE key = "
                          "ANY($1::text[])",
                          2, done_p));
            exec0(pg, "COMMIT");
        }
        done += PQntuples(claimed);
        free(keys);
        PQclear(claimed);
    }
}

static long tick(PGconn *pg, const char *batch, const char *now, const char *like_uri)
{
    PGconn *like = PQconnectdb(like_uri);
    PGresult *snap, *docs;
    long done = 0;
    int neffects;

    if (PQstatus(like) != CONNECTION_OK) {
        fprintf(stderr, "fleet_floor: %s", PQerrorMessage(like));
        exit(1);
    }
    /* the sizes of what a tick writes: the first instance's snapshot and
     * its effects after `fleet tick` */
    snap = must(like, PQexec(like, "SELECT snapshot, lifecycle FROM instances ORDER BY id LIMIT 1"),
                "snapshot");
    docs = must(like,
                PQexec(like, "SELECT kind, document FROM effects WHERE instance = (SELECT id FROM "
                             "instances ORDER BY id LIMIT 1) ORDER BY revision, idx"),
                "effects");
    neffects = PQntuples(docs);
    for (;;) {
        const char *claim_p[] = {now, batch};
        PGresult *due;
        exec0(pg, "BEGIN");
        due = execp(pg,
                    "SELECT id, revision FROM instances WHERE next_deadline <= $1 ORDER BY "
                    "next_deadline, id LIMIT $2 FOR UPDATE SKIP LOCKED",
                    2, claim_p);
        for (int r = 0; r < PQntuples(due); r++) {
            const char *id = PQgetvalue(due, r, 0);
            char rev[24], key[256], idx[16];
            const char *put_p[] = {id, PQgetvalue(due, r, 1), PQgetvalue(snap, 0, 0),
                                   PQgetvalue(snap, 0, 1)};
            snprintf(rev, sizeof rev, "%lld", atoll(PQgetvalue(due, r, 1)) + 1);
            PQclear(execp(pg,
                          "UPDATE instances SET revision = revision + 1, snapshot = $3, "
                          "lifecycle = $4, next_deadline = NULL, updated_at = 0 WHERE id = $1 "
                          "AND revision = $2",
                          4, put_p));
            for (int k = 0; k < neffects; k++) {
                const char *ins_p[] = {key, id, rev, idx, PQgetvalue(docs, k, 0),
                                       PQgetvalue(docs, k, 1)};
                snprintf(key, sizeof key, "%s/%s/%d", id, rev, k);
                snprintf(idx, sizeof idx, "%d", k);
                PQclear(execp(pg,
                              "INSERT INTO effects (key, instance, revision, idx, kind, "
                              "document, state, created_at) VALUES ($1, $2, $3, $4, $5, $6, "
                              "'pending', 0)",
                              6, ins_p));
            }
        }
        exec0(pg, "COMMIT");
        if (PQntuples(due) == 0) {
            PQclear(due);
            break;
        }
        done += PQntuples(due);
        PQclear(due);
    }
    PQclear(snap);
    PQclear(docs);
    PQfinish(like);
    return done;
}

int main(int argc, char **argv)
{
    PGconn *pg;
    double start;
    long done;

    if (argc < 4 || (strcmp(argv[1], "dispatch") != 0 && strcmp(argv[1], "tick") != 0) ||
        (strcmp(argv[1], "tick") == 0 && argc != 6)) {
        fprintf(stderr, "usage: fleet_floor dispatch URI BATCH\n"
                        "       fleet_floor tick URI BATCH NOW EFFECTS_LIKE\n");
        return 2;
    }
    pg = PQconnectdb(argv[2]);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "fleet_floor: %s", PQerrorMessage(pg));
        return 1;
    }
    start = now_seconds();
    done = strcmp(argv[1], "dispatch") == 0 ? dispatch(pg, argv[3])
                                            : tick(pg, argv[3], argv[4], argv[5]);
    printf("%.6f %ld\n", now_seconds() - start, done);
    PQfinish(pg);
    return 0;
}
