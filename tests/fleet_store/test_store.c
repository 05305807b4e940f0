/*
 * The fleet store's conformance suite (tools/fleet_store/store.h): every
 * operation, compare-and-set conflicts, claims from two connections,
 * migrations from every earlier schema version and the classification of
 * errors, run against each backend. EDITION_STORE_URI names the database:
 * a postgresql:// URI (run_store_suite.py starts the server), or a folder
 * in which each case makes a SQLite file of its own. A case that cannot
 * hold for a backend is not registered for it (docs/fleet.md says which).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

static const char *base;
static bool is_pg;
static int made;

#define T0 ((ed_time)1767225600) /* 2026-01-01T00:00:00Z */

/* A database URI of its own for one case: a new SQLite file, or the
 * PostgreSQL database emptied. */
static const char *fresh_uri(void)
{
    static char path[4096];
    if (is_pg)
        return base;
    snprintf(path, sizeof path, "%s/store-%ld-%d.sqlite", base, (long)getpid(), made++);
    (void)unlink(path);
    return path;
}

static void exec_sql(fleet_store *s, const char *sql)
{
    cli_str msg = {0};
    fleet_err e = s->be->exec(s->conn, sql, NULL, NULL, 0, NULL, NULL, &msg);
    ck_assert_msg(e == FLEET_OK, "%s: %s", sql, msg.data ? msg.data : "");
    cli_str_free(&msg);
}

/* Opens an empty database of the current schema version. */
static void open_fresh(fleet_store *s)
{
    int from = -1;
    const char *uri = fresh_uri();
    ck_assert_int_eq(fleet_store_open(s, uri, true), FLEET_OK);
    if (is_pg)
        exec_sql(s, "DROP TABLE IF EXISTS attempts, effects, instances, fleet_meta");
    ck_assert_int_eq(fleet_store_migrate(s, &from), FLEET_OK);
    ck_assert_int_eq(from, 0);
}

/* The row of a new Enterprise Platinum instance bought at T0 for a month. */
static void make_row(const char *id, fleet_instance_row *row)
{
    ed_result *r = ed_create_enterprise_platinum(id, "http://mq.example:8080", T0, 1, NULL);
    const ed_instance *inst = ed_result_instance(r);
    ed_buffer *buf = ed_buffer_new();
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ck_assert_int_eq(ed_instance_dump_json(inst, buf), ED_OK);
    memset(row, 0, sizeof *row);
    row->id = strdup(id);
    row->snapshot = strdup(ed_buffer_data(buf));
    row->edition = strdup(ed_edition_name(ed_instance_edition(inst)));
    row->lifecycle = strdup(ed_lifecycle_name(ed_instance_lifecycle(inst)));
    row->revision = ed_instance_revision(inst);
    row->has_deadline = ed_instance_next_deadline(inst, &row->next_deadline);
    ed_buffer_free(buf);
    ed_result_free(r);
}

static void add_row(fleet_store *s, const char *id, ed_time deadline)
{
    fleet_instance_row row;
    make_row(id, &row);
    row.next_deadline = deadline;
    ck_assert_int_eq(fleet_store_insert(s, &row), FLEET_OK);
    fleet_instance_row_free(&row);
}

static void add_effect(fleet_store *s, const char *instance, uint64_t revision, int64_t index)
{
    char key[128];
    fleet_effect_row e = {0};
    snprintf(key, sizeof key, "%s/%llu/%lld", instance, (unsigned long long)revision,
             (long long)index);
    e.key = key;
    e.instance = (char *)instance;
    e.revision = revision;
    e.index = index;
    e.kind = (char *)"notice.expiry";
    e.document = (char *)"{\"key\":\"x\"}";
    ck_assert_int_eq(fleet_store_insert_effect(s, &e), FLEET_OK);
}

static void free_claimed(fleet_effect_row *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fleet_effect_row_free(&e[i]);
    free(e);
}

START_TEST(test_migrate_a_new_database_then_nothing_to_do)
{
    fleet_store s;
    int from = -1;
    open_fresh(&s);
    ck_assert_int_eq(fleet_store_migrate(&s, &from), FLEET_OK);
    ck_assert_int_eq(from, FLEET_SCHEMA_VERSION);
    fleet_store_close(&s);
}
END_TEST

/* Each earlier version, built from its own migrations, with a row in it:
 * migrate brings it to this version and keeps the row. */
START_TEST(test_migrate_from_every_earlier_version)
{
    for (int v = 1; v < FLEET_SCHEMA_VERSION; v++) {
        fleet_store s;
        fleet_instance_row row, got;
        char sql[512];
        int from = -1;
        const char *uri = fresh_uri();
        ck_assert_int_eq(fleet_store_open(&s, uri, true), FLEET_OK);
        if (is_pg)
            exec_sql(&s, "DROP TABLE IF EXISTS attempts, effects, instances, fleet_meta");
        exec_sql(&s, "CREATE TABLE fleet_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
        for (int k = 1; k <= v; k++)
            for (size_t i = 0; s.be->migrations[k - 1][i]; i++)
                exec_sql(&s, s.be->migrations[k - 1][i]);
        snprintf(sql, sizeof sql, "INSERT INTO fleet_meta VALUES ('schema_version', '%d')", v);
        exec_sql(&s, sql);
        make_row("MQ_OLD", &row);
        snprintf(sql, sizeof sql,
                 "INSERT INTO instances (id, revision, snapshot, edition, lifecycle, "
                 "next_deadline, updated_at) VALUES ('MQ_OLD', 0, '%s', '%s', '%s', %lld, 0)",
                 "{}", row.edition, row.lifecycle, (long long)row.next_deadline);
        exec_sql(&s, sql);
        fleet_store_close(&s);

        ck_assert_int_eq(fleet_store_open(&s, uri, false), FLEET_SCHEMA);
        ck_assert_ptr_nonnull(strstr(s.msg.data, "older than this edition's"));
        fleet_store_close(&s);
        ck_assert_int_eq(fleet_store_open(&s, uri, true), FLEET_OK);
        ck_assert_int_eq(fleet_store_migrate(&s, &from), FLEET_OK);
        ck_assert_int_eq(from, v);
        fleet_store_close(&s);
        ck_assert_int_eq(fleet_store_open(&s, uri, false), FLEET_OK);
        ck_assert_int_eq(fleet_store_get(&s, "MQ_OLD", false, &got), FLEET_OK);
        ck_assert_str_eq(got.edition, row.edition);
        ck_assert_int_eq(got.next_deadline, row.next_deadline);
        ck_assert_int_eq(got.tick_failures, 0);
        fleet_instance_row_free(&got);
        fleet_instance_row_free(&row);
        fleet_store_close(&s);
    }
}
END_TEST

START_TEST(test_schema_errors)
{
    fleet_store s;
    const char *uri = fresh_uri();
    /* not initialised */
    ck_assert_int_eq(fleet_store_open(&s, uri, true), FLEET_OK);
    if (is_pg)
        exec_sql(&s, "DROP TABLE IF EXISTS attempts, effects, instances, fleet_meta");
    fleet_store_close(&s);
    ck_assert_int_eq(fleet_store_open(&s, uri, false), FLEET_SCHEMA);
    ck_assert_ptr_nonnull(strstr(s.msg.data, "not a fleet database"));
    fleet_store_close(&s);
    /* newer, and not a number */
    for (int i = 0; i < 2; i++) {
        int from = -1;
        ck_assert_int_eq(fleet_store_open(&s, uri, true), FLEET_OK);
        (void)fleet_store_migrate(&s, &from);
        exec_sql(&s, i == 0 ? "UPDATE fleet_meta SET value = '99'"
                            : "UPDATE fleet_meta SET value = '1.0'");
        fleet_store_close(&s);
        ck_assert_int_eq(fleet_store_open(&s, uri, false), FLEET_SCHEMA);
        ck_assert_ptr_nonnull(strstr(s.msg.data, i == 0 ? "newer" : "does not know"));
        fleet_store_close(&s);
        ck_assert_int_eq(fleet_store_open(&s, uri, true), FLEET_OK);
        ck_assert_int_eq(fleet_store_migrate(&s, &from), FLEET_SCHEMA);
        fleet_store_close(&s);
    }
}
END_TEST

START_TEST(test_unreachable)
{
    fleet_store s;
    const char *uri = is_pg ? "postgresql:///none?host=/nonexistent-edition-dir&connect_timeout=2"
                            : "/nonexistent-edition-dir/fleet.sqlite";
    ck_assert_int_eq(fleet_store_open(&s, uri, true), FLEET_UNREACHABLE);
    ck_assert_str_eq(fleet_err_code(s.err), "database_unreachable");
    fleet_store_close(&s);
}
END_TEST

START_TEST(test_insert_get_and_conflicts)
{
    fleet_store s;
    fleet_instance_row row, got;
    open_fresh(&s);
    make_row("-0", &row);
    ck_assert_int_eq(fleet_store_insert(&s, &row), FLEET_OK);
    ck_assert_int_eq(fleet_store_insert(&s, &row), FLEET_CONFLICT);
    ck_assert_int_eq(fleet_store_get(&s, "0", false, &got), FLEET_NOT_FOUND);
    ck_assert_int_eq(fleet_store_get(&s, "-0", false, &got), FLEET_OK);
    ck_assert_str_eq(got.id, "-0");
    ck_assert_str_eq(got.snapshot, row.snapshot);
    ck_assert_int_eq(got.revision, row.revision);
    fleet_instance_row_free(&got);
    /* compare-and-set: the revision read, or a conflict that changes nothing */
    row.revision = 1;
    ck_assert_int_eq(fleet_store_put_cas(&s, &row, 7), FLEET_CONFLICT);
    ck_assert_int_eq(fleet_store_put_cas(&s, &row, 0), FLEET_OK);
    ck_assert_int_eq(fleet_store_put_cas(&s, &row, 0), FLEET_CONFLICT);
    ck_assert_int_eq(fleet_store_get(&s, "-0", false, &got), FLEET_OK);
    ck_assert_int_eq(got.revision, 1);
    fleet_instance_row_free(&got);
    /* effect keys are unique */
    add_effect(&s, "-0", 1, 0);
    {
        fleet_effect_row e = {0};
        e.key = (char *)"-0/1/0";
        e.instance = (char *)"-0";
        e.revision = 1;
        e.kind = (char *)"notice.expiry";
        e.document = (char *)"{}";
        ck_assert_int_eq(fleet_store_insert_effect(&s, &e), FLEET_CONFLICT);
    }
    fleet_instance_row_free(&row);
    fleet_store_close(&s);
}
END_TEST

START_TEST(test_transactions_roll_back)
{
    fleet_store s;
    fleet_instance_row got;
    open_fresh(&s);
    ck_assert_int_eq(fleet_store_begin(&s), FLEET_OK);
    add_row(&s, "MQ_A", T0);
    fleet_store_rollback(&s);
    ck_assert_int_eq(fleet_store_get(&s, "MQ_A", false, &got), FLEET_NOT_FOUND);
    ck_assert_int_eq(fleet_store_begin(&s), FLEET_OK);
    add_row(&s, "MQ_A", T0);
    ck_assert_int_eq(fleet_store_commit(&s), FLEET_OK);
    ck_assert_int_eq(fleet_store_get(&s, "MQ_A", false, &got), FLEET_OK);
    fleet_instance_row_free(&got);
    fleet_store_close(&s);
}
END_TEST

/* Due rows come in (next_deadline, id) order after the cursor; a row that
 * failed to tick waits out its backoff when asked to. */
START_TEST(test_claim_due_order_cursor_and_backoff)
{
    fleet_store s;
    fleet_instance_row row;
    int64_t failures = 0;
    uint64_t due = 0;
    open_fresh(&s);
    add_row(&s, "MQ_B", T0 + 10);
    add_row(&s, "MQ_A", T0 + 10);
    add_row(&s, "MQ_C", T0 + 5);
    add_row(&s, "MQ_LATER", T0 + 1000);
    ck_assert_int_eq(fleet_store_count_due(&s, T0 + 10, &due), FLEET_OK);
    ck_assert_int_eq(due, 3);
    {
        const char *want[] = {"MQ_C", "MQ_A", "MQ_B"};
        ed_time cd = 0;
        char *cid = NULL;
        for (size_t i = 0; i < 3; i++) {
            ck_assert_int_eq(fleet_store_begin(&s), FLEET_OK);
            ck_assert_int_eq(fleet_store_claim_due(&s, T0 + 10, cd, cid, false, &row), FLEET_OK);
            ck_assert_str_eq(row.id, want[i]);
            fleet_store_rollback(&s);
            free(cid);
            cid = strdup(row.id);
            cd = row.next_deadline;
            fleet_instance_row_free(&row);
        }
        ck_assert_int_eq(fleet_store_begin(&s), FLEET_OK);
        ck_assert_int_eq(fleet_store_claim_due(&s, T0 + 10, cd, cid, false, &row),
                         FLEET_NOT_FOUND);
        fleet_store_rollback(&s);
        free(cid);
    }
    ck_assert_int_eq(fleet_store_tick_failed(&s, "MQ_C", "broken", T0 + 60, &failures),
                     FLEET_OK);
    ck_assert_int_eq(failures, 1);
    ck_assert_int_eq(fleet_store_tick_failed(&s, "MQ_C", "broken", T0 + 60, &failures),
                     FLEET_OK);
    ck_assert_int_eq(failures, 2);
    ck_assert_int_eq(fleet_store_begin(&s), FLEET_OK);
    ck_assert_int_eq(fleet_store_claim_due(&s, T0 + 10, 0, NULL, true, &row), FLEET_OK);
    ck_assert_str_eq(row.id, "MQ_A"); /* MQ_C waits until T0 + 60 */
    fleet_instance_row_free(&row);
    ck_assert_int_eq(fleet_store_claim_due(&s, T0 + 10, 0, NULL, false, &row), FLEET_OK);
    ck_assert_str_eq(row.id, "MQ_C");
    ck_assert_int_eq(row.tick_failures, 2);
    fleet_store_rollback(&s);
    /* a write of the row clears its failures */
    row.revision = 1;
    ck_assert_int_eq(fleet_store_put_cas(&s, &row, 0), FLEET_OK);
    fleet_instance_row_free(&row);
    ck_assert_int_eq(fleet_store_get(&s, "MQ_C", false, &row), FLEET_OK);
    ck_assert_int_eq(row.tick_failures, 0);
    fleet_instance_row_free(&row);
    fleet_store_close(&s);
}
END_TEST

/* A batch claim: up to its limit of due rows in (next_deadline, id) order
 * after the cursor, the next batch after the last row of this one; rows
 * that failed to tick wait out their backoff when asked to. */
START_TEST(test_claim_due_batch_order_cursor_limit_and_backoff)
{
    fleet_store s;
    fleet_instance_row *rows = NULL;
    size_t n = 9;
    int64_t failures = 0;
    open_fresh(&s);
    add_row(&s, "MQ_B", T0 + 10);
    add_row(&s, "MQ_A", T0 + 10);
    add_row(&s, "MQ_C", T0 + 5);
    add_row(&s, "MQ_D", T0 + 7);
    add_row(&s, "MQ_LATER", T0 + 1000);
    ck_assert_int_eq(fleet_store_begin(&s), FLEET_OK);
    ck_assert_int_eq(fleet_store_claim_due_batch(&s, T0 + 10, 0, NULL, false, 3, &rows, &n),
                     FLEET_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(rows[0].id, "MQ_C");
    ck_assert_str_eq(rows[1].id, "MQ_D");
    ck_assert_str_eq(rows[2].id, "MQ_A");
    ck_assert_int_eq(rows[2].next_deadline, T0 + 10);
    ck_assert_str_eq(rows[2].edition, "enterprise_platinum");
    ck_assert_ptr_nonnull(rows[2].snapshot);
    fleet_instance_rows_free(rows, n);
    /* after the cursor (the last row claimed): the one left, then none */
    ck_assert_int_eq(fleet_store_claim_due_batch(&s, T0 + 10, T0 + 10, "MQ_A", false, 3, &rows,
                                                 &n),
                     FLEET_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(rows[0].id, "MQ_B");
    fleet_instance_rows_free(rows, n);
    ck_assert_int_eq(fleet_store_claim_due_batch(&s, T0 + 10, T0 + 10, "MQ_B", false, 3, &rows,
                                                 &n),
                     FLEET_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(rows);
    ck_assert_int_eq(fleet_store_claim_due_batch(&s, T0 + 10, 0, NULL, false, 0, &rows, &n),
                     FLEET_OK);
    ck_assert_uint_eq(n, 0);
    fleet_store_rollback(&s);
    ck_assert_int_eq(fleet_store_tick_failed(&s, "MQ_C", "broken", T0 + 60, &failures),
                     FLEET_OK);
    ck_assert_int_eq(fleet_store_begin(&s), FLEET_OK);
    ck_assert_int_eq(fleet_store_claim_due_batch(&s, T0 + 10, 0, NULL, true, 10, &rows, &n),
                     FLEET_OK);
    ck_assert_uint_eq(n, 3); /* MQ_C waits until T0 + 60 */
    ck_assert_str_eq(rows[0].id, "MQ_D");
    fleet_instance_rows_free(rows, n);
    ck_assert_int_eq(fleet_store_claim_due_batch(&s, T0 + 60, 0, NULL, true, 10, &rows, &n),
                     FLEET_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert_str_eq(rows[0].id, "MQ_C");
    ck_assert_int_eq(rows[0].tick_failures, 1);
    fleet_instance_rows_free(rows, n);
    fleet_store_rollback(&s);
    fleet_store_close(&s);
}
END_TEST

/* A savepoint per row of a batch: rolling back to it undoes that row's
 * writes only, a failure recorded after it commits with the batch, and a
 * failed statement (an aborted transaction on PostgreSQL) is undone by it
 * too. A name that is not an identifier is refused. */
START_TEST(test_savepoint_undoes_one_row_and_keeps_the_batch)
{
    fleet_store s;
    fleet_instance_row a, b, got;
    int64_t failures = 0;
    cli_str msg = {0};
    open_fresh(&s);
    add_row(&s, "MQ_A", T0);
    add_row(&s, "MQ_B", T0);
    ck_assert_int_eq(fleet_store_get(&s, "MQ_A", false, &a), FLEET_OK);
    ck_assert_int_eq(fleet_store_get(&s, "MQ_B", false, &b), FLEET_OK);
    a.revision = b.revision = 1;
    ck_assert_int_eq(fleet_store_begin(&s), FLEET_OK);
    ck_assert_int_eq(fleet_store_savepoint(&s, "tick_row"), FLEET_OK);
    ck_assert_int_eq(fleet_store_put_cas(&s, &a, 0), FLEET_OK);
    add_effect(&s, "MQ_A", 1, 0);
    ck_assert_int_eq(fleet_store_release(&s, "tick_row"), FLEET_OK);
    ck_assert_int_eq(fleet_store_savepoint(&s, "tick_row"), FLEET_OK);
    ck_assert_int_eq(fleet_store_put_cas(&s, &b, 0), FLEET_OK);
    add_effect(&s, "MQ_B", 1, 0);
    /* a statement that fails: PostgreSQL refuses all but a rollback after it */
    ck_assert_int_ne(s.be->exec(s.conn, "SELECT no_such_column FROM instances", NULL, NULL, 0,
                                NULL, NULL, &msg),
                     FLEET_OK);
    cli_str_free(&msg);
    ck_assert_int_eq(fleet_store_rollback_to(&s, "tick_row"), FLEET_OK);
    ck_assert_int_eq(fleet_store_tick_failed_in_tx(&s, "MQ_B", "broken", T0 + 60, &failures),
                     FLEET_OK);
    ck_assert_int_eq(failures, 1);
    ck_assert_int_eq(fleet_store_release(&s, "tick_row"), FLEET_OK);
    ck_assert_int_eq(fleet_store_savepoint(&s, "1x"), FLEET_ERROR);
    ck_assert_int_eq(fleet_store_savepoint(&s, "x; DROP TABLE instances"), FLEET_ERROR);
    ck_assert_int_eq(fleet_store_savepoint(&s, ""), FLEET_ERROR);
    ck_assert_int_eq(fleet_store_commit(&s), FLEET_OK);
    ck_assert_int_eq(fleet_store_get(&s, "MQ_A", false, &got), FLEET_OK);
    ck_assert_int_eq(got.revision, 1);
    fleet_instance_row_free(&got);
    ck_assert_int_eq(fleet_store_get(&s, "MQ_B", false, &got), FLEET_OK);
    ck_assert_int_eq(got.revision, 0);
    ck_assert_int_eq(got.tick_failures, 1);
    fleet_instance_row_free(&got);
    {
        fleet_rows rows = {0};
        fleet_effects_filter all = {NULL, NULL};
        ck_assert_int_eq(fleet_store_effects(&s, &all, &rows), FLEET_OK);
        ck_assert_uint_eq(rows.nrows, 1);
        ck_assert_str_eq(fleet_cell(&rows, 0, 0), "MQ_A/1/0");
        fleet_rows_free(&rows);
    }
    /* a failure recorded in a batch that is rolled back is not kept */
    ck_assert_int_eq(fleet_store_begin(&s), FLEET_OK);
    ck_assert_int_eq(fleet_store_tick_failed_in_tx(&s, "MQ_B", "broken", T0 + 60, &failures),
                     FLEET_OK);
    ck_assert_int_eq(failures, 2);
    fleet_store_rollback(&s);
    ck_assert_int_eq(fleet_store_get(&s, "MQ_B", false, &got), FLEET_OK);
    ck_assert_int_eq(got.tick_failures, 1);
    fleet_instance_row_free(&got);
    fleet_instance_row_free(&a);
    fleet_instance_row_free(&b);
    fleet_store_close(&s);
}
END_TEST

/* Ready effects: the first not done of each instance, in key order, leased
 * and counted; an outcome is recorded only under the current claim. */
START_TEST(test_claim_effects_order_lease_and_fencing)
{
    fleet_store s;
    fleet_effect_row *e = NULL;
    size_t n = 0;
    open_fresh(&s);
    add_row(&s, "MQ_A", T0);
    add_row(&s, "MQ_B", T0);
    add_effect(&s, "MQ_A", 1, 1);
    add_effect(&s, "MQ_A", 1, 0);
    add_effect(&s, "MQ_A", 2, 0);
    add_effect(&s, "MQ_B", 1, 0);
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0, T0 + 30, 10, &e, &n), FLEET_OK);
    ck_assert_int_eq(n, 2); /* one per instance */
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(e[i].attempts, 1);
        ck_assert_int_eq(e[i].index, 0);
        ck_assert_int_eq(e[i].revision, 1);
    }
    free_claimed(e, n);
    /* leased: nothing ready before the lease ends, the same effects after */
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0 + 29, T0 + 60, 10, &e, &n), FLEET_OK);
    ck_assert_int_eq(n, 0);
    free(e);
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0 + 30, T0 + 60, 10, &e, &n), FLEET_OK);
    ck_assert_int_eq(n, 2);
    {
        /* the first claim's outcome (attempt 1) is fenced off; the second's counts */
        fleet_outcome stale = {.key = "MQ_A/1/0", .attempt = 1, .ok = true, .exit_status = 0};
        fleet_outcome fresh = {.key = "MQ_A/1/0", .attempt = 2, .ok = true, .exit_status = 0};
        fleet_outcome back = {.key = "MQ_B/1/0", .attempt = 2, .released = true, .exit_status = -1};
        ck_assert_int_eq(fleet_store_record(&s, &stale, 1, T0 + 31), FLEET_OK);
        free_claimed(e, n);
        ck_assert_int_eq(fleet_store_claim_effects(&s, T0 + 31, T0 + 60, 10, &e, &n), FLEET_OK);
        ck_assert_int_eq(n, 0);
        free(e);
        ck_assert_int_eq(fleet_store_record(&s, &fresh, 1, T0 + 31), FLEET_OK);
        ck_assert_int_eq(fleet_store_record(&s, &back, 1, T0 + 31), FLEET_OK);
    }
    /* MQ_A's next in key order (1/1), and MQ_B's given back without an attempt */
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0 + 31, T0 + 60, 10, &e, &n), FLEET_OK);
    ck_assert_int_eq(n, 2);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(e[i].instance, "MQ_A") == 0) {
            ck_assert_str_eq(e[i].key, "MQ_A/1/1");
            ck_assert_int_eq(e[i].attempts, 1);
        } else {
            ck_assert_str_eq(e[i].key, "MQ_B/1/0");
            ck_assert_int_eq(e[i].attempts, 2); /* 2 claims, 1 given back, this one */
        }
    }
    free_claimed(e, n);
    fleet_store_close(&s);
}
END_TEST

START_TEST(test_failed_effect_holds_its_instance_until_requeued)
{
    fleet_store s;
    fleet_effect_row *e = NULL;
    size_t n = 0;
    bool has_dl = false, has_ef = false;
    ed_time dl = 0, at = 0;
    fleet_stats st;
    open_fresh(&s);
    add_row(&s, "MQ_A", T0 + 100);
    add_effect(&s, "MQ_A", 1, 0);
    add_effect(&s, "MQ_A", 1, 1);
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0, T0 + 30, 10, &e, &n), FLEET_OK);
    ck_assert_int_eq(n, 1);
    {
        fleet_outcome dead = {.key = "MQ_A/1/0", .attempt = 1, .dead = true,
                              .error = "the handler failed", .retry_at = T0, .exit_status = 1};
        ck_assert_int_eq(fleet_store_record(&s, &dead, 1, T0), FLEET_OK);
    }
    free_claimed(e, n);
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0 + 1000, T0 + 1030, 10, &e, &n), FLEET_OK);
    ck_assert_int_eq(n, 0);
    free(e);
    ck_assert_int_eq(fleet_store_wake(&s, &has_dl, &dl, &has_ef, &at), FLEET_OK);
    ck_assert(has_dl);
    ck_assert_int_eq(dl, T0 + 100);
    ck_assert(!has_ef); /* held back by the failed one */
    ck_assert_int_eq(fleet_store_stats(&s, T0 + 100, &st), FLEET_OK);
    ck_assert_int_eq(st.failed, 1);
    ck_assert_int_eq(st.pending, 1);
    ck_assert_int_eq(st.due, 1);
    ck_assert_int_eq(st.by_state.nrows, 1);
    fleet_stats_free(&st);
    ck_assert_int_eq(fleet_store_effect_requeue(&s, "MQ_A/1/1"), FLEET_NOT_FOUND);
    ck_assert_int_eq(fleet_store_effect_requeue(&s, "MQ_A/1/0"), FLEET_OK);
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0 + 1000, T0 + 1030, 10, &e, &n), FLEET_OK);
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(e[0].key, "MQ_A/1/0");
    ck_assert_int_eq(e[0].attempts, 1);
    free_claimed(e, n);
    fleet_store_close(&s);
}
END_TEST

/* The rows of a listing as one line per row, cells joined by '|' (NULL as
 * "-"), for comparing a whole listing at once. */
static char *rows_text(const fleet_rows *rows)
{
    cli_str out = {0};
    for (size_t r = 0; r < rows->nrows; r++) {
        for (size_t c = 0; c < rows->ncols; c++) {
            const char *cell = fleet_cell(rows, r, c);
            cli_str_puts(&out, c ? "|" : "");
            cli_str_puts(&out, cell ? cell : "-");
        }
        cli_str_puts(&out, "\n");
    }
    return out.data ? out.data : strdup("");
}

START_TEST(test_attempts_keep_each_delivery_and_its_outcome)
{
    fleet_store s;
    fleet_effect_row *e = NULL;
    fleet_rows rows = {0};
    size_t n = 0;
    char *text;
    open_fresh(&s);
    add_row(&s, "MQ_A", T0 + 100);
    add_effect(&s, "MQ_A", 1, 0);
    /* attempt 1 fails with what the handler wrote; attempt 2's lease ends
     * without an outcome; attempt 3 is given back; attempt 3 again is done */
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0, T0 + 30, 10, &e, &n), FLEET_OK);
    ck_assert_int_eq(n, 1);
    ck_assert(!e[0].lease_expired);
    free_claimed(e, n);
    {
        fleet_outcome failed = {.key = "MQ_A/1/0", .attempt = 1, .error = "exited with status 7",
                                .retry_at = T0 + 2, .duration_ms = 1500, .exit_status = 7,
                                .stderr_tail = "no such topic\\n"};
        ck_assert_int_eq(fleet_store_record(&s, &failed, 1, T0 + 2), FLEET_OK);
    }
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0 + 2, T0 + 30, 10, &e, &n), FLEET_OK);
    ck_assert_int_eq(n, 1);
    ck_assert(!e[0].lease_expired);
    free_claimed(e, n);
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0 + 30, T0 + 60, 10, &e, &n), FLEET_OK);
    ck_assert_int_eq(n, 1);
    ck_assert(e[0].lease_expired); /* attempt 2 never came back */
    ck_assert_int_eq(e[0].attempts, 3);
    free_claimed(e, n);
    {
        fleet_outcome back = {.key = "MQ_A/1/0", .attempt = 3, .released = true, .exit_status = -1};
        ck_assert_int_eq(fleet_store_record(&s, &back, 1, T0 + 31), FLEET_OK);
    }
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0 + 31, T0 + 60, 10, &e, &n), FLEET_OK);
    ck_assert_int_eq(n, 1);
    ck_assert(!e[0].lease_expired);
    ck_assert_int_eq(e[0].attempts, 3);
    free_claimed(e, n);
    {
        /* a signal, then the same attempt recorded late by a stale
         * dispatcher, which changes nothing */
        fleet_outcome killed = {.key = "MQ_A/1/0", .attempt = 3, .error = "killed by signal 9",
                                .retry_at = T0 + 33, .duration_ms = 20, .exit_status = -1,
                                .signal = 9};
        fleet_outcome late = {.key = "MQ_A/1/0", .attempt = 3, .ok = true, .exit_status = 0};
        ck_assert_int_eq(fleet_store_record(&s, &killed, 1, T0 + 32), FLEET_OK);
        ck_assert_int_eq(fleet_store_record(&s, &late, 1, T0 + 32), FLEET_OK);
    }
    ck_assert_int_eq(fleet_store_attempts(&s, "MQ_A/1/0", &rows), FLEET_OK);
    text = rows_text(&rows);
    ck_assert_str_eq(text, "1|1767225600|1500|retry|7|-|exited with status 7|no such topic\\n\n"
                           "2|1767225602|-|lease_expired|-|-|-|-\n"
                           "3|1767225631|20|retry|-|9|killed by signal 9|-\n");
    free(text);
    fleet_rows_free(&rows);
    ck_assert_int_eq(fleet_store_attempts(&s, "MQ_A/9/9", &rows), FLEET_NOT_FOUND);
    fleet_store_close(&s);
}
END_TEST

START_TEST(test_requeue_clears_the_last_error_and_keeps_the_attempts)
{
    fleet_store s;
    fleet_effect_row *e = NULL;
    fleet_rows rows = {0};
    size_t n = 0;
    open_fresh(&s);
    add_row(&s, "MQ_A", T0 + 100);
    add_effect(&s, "MQ_A", 1, 0);
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0, T0 + 30, 10, &e, &n), FLEET_OK);
    free_claimed(e, n);
    {
        fleet_outcome dead = {.key = "MQ_A/1/0", .attempt = 1, .dead = true, .error = "boom",
                              .retry_at = T0, .exit_status = 3};
        ck_assert_int_eq(fleet_store_record(&s, &dead, 1, T0 + 1), FLEET_OK);
    }
    ck_assert_int_eq(fleet_store_effect_requeue(&s, "MQ_A/1/0"), FLEET_OK);
    {
        fleet_effects_filter f = {NULL, "MQ_A"};
        ck_assert_int_eq(fleet_store_effects(&s, &f, &rows), FLEET_OK);
        ck_assert_str_eq(fleet_cell(&rows, 0, 1), "pending");
        ck_assert_str_eq(fleet_cell(&rows, 0, 2), "0");
        ck_assert_ptr_null(fleet_cell(&rows, 0, 4)); /* no "(attempt 1 of 1)" left behind */
        fleet_rows_free(&rows);
    }
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0 + 2, T0 + 30, 10, &e, &n), FLEET_OK);
    ck_assert_int_eq(e[0].attempts, 1);
    free_claimed(e, n);
    ck_assert_int_eq(fleet_store_attempts(&s, "MQ_A/1/0", &rows), FLEET_OK);
    ck_assert_int_eq(rows.nrows, 2);
    ck_assert_str_eq(fleet_cell(&rows, 0, 3), "failed");
    ck_assert_str_eq(fleet_cell(&rows, 1, 3), "running");
    fleet_rows_free(&rows);
    fleet_store_close(&s);
}
END_TEST

START_TEST(test_blocked_effects_name_the_failed_effect_that_holds_them)
{
    fleet_store s;
    fleet_effect_row *e = NULL;
    fleet_rows rows = {0};
    size_t n = 0;
    char *text;
    open_fresh(&s);
    add_row(&s, "MQ_A", T0 + 100);
    add_row(&s, "MQ_B", T0 + 100);
    add_effect(&s, "MQ_A", 1, 0);
    add_effect(&s, "MQ_A", 1, 1);
    add_effect(&s, "MQ_A", 2, 0);
    add_effect(&s, "MQ_B", 1, 0);
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0, T0 + 30, 10, &e, &n), FLEET_OK);
    ck_assert_int_eq(n, 2);
    free_claimed(e, n);
    {
        fleet_outcome o[] = {{.key = "MQ_A/1/0", .attempt = 1, .dead = true, .error = "boom",
                              .retry_at = T0, .exit_status = 3},
                             {.key = "MQ_B/1/0", .attempt = 1, .error = "later", .retry_at = T0,
                              .exit_status = 1}};
        ck_assert_int_eq(fleet_store_record(&s, o, 2, T0 + 1), FLEET_OK);
    }
    /* MQ_B's effect is pending but not blocked: it is retried */
    ck_assert_int_eq(fleet_store_blocked(&s, NULL, &rows), FLEET_OK);
    text = rows_text(&rows);
    ck_assert_str_eq(text, "MQ_A/1/1|pending|0|notice.expiry|-|MQ_A/1/0|boom\n"
                           "MQ_A/2/0|pending|0|notice.expiry|-|MQ_A/1/0|boom\n");
    free(text);
    fleet_rows_free(&rows);
    ck_assert_int_eq(fleet_store_blocked(&s, "MQ_B", &rows), FLEET_OK);
    ck_assert_int_eq(rows.nrows, 0);
    fleet_rows_free(&rows);
    fleet_store_close(&s);
}
END_TEST

START_TEST(test_history_lists_effects_in_key_order_with_their_attempts)
{
    fleet_store s;
    fleet_effect_row *e = NULL;
    fleet_rows effects = {0}, attempts = {0};
    size_t n = 0;
    open_fresh(&s);
    add_row(&s, "MQ_A", T0 + 100);
    add_row(&s, "MQ_B", T0 + 100);
    add_effect(&s, "MQ_A", 2, 0);
    add_effect(&s, "MQ_A", 1, 0);
    add_effect(&s, "MQ_B", 1, 0);
    ck_assert_int_eq(fleet_store_claim_effects(&s, T0, T0 + 30, 10, &e, &n), FLEET_OK);
    free_claimed(e, n);
    {
        fleet_outcome ok = {.key = "MQ_A/1/0", .attempt = 1, .ok = true, .duration_ms = 5,
                            .exit_status = 0, .stderr_tail = "slow\\n"};
        ck_assert_int_eq(fleet_store_record(&s, &ok, 1, T0 + 1), FLEET_OK);
    }
    /* the delivery that succeeded, kept on its effect's row; MQ_B's, still
     * running, its open claim */
    {
        char *text;
        ck_assert_int_eq(fleet_store_attempts(&s, "MQ_A/1/0", &attempts), FLEET_OK);
        text = rows_text(&attempts);
        ck_assert_str_eq(text, "1|1767225600|5|done|0|-|-|slow\\n\n");
        free(text);
        fleet_rows_free(&attempts);
        ck_assert_int_eq(fleet_store_attempts(&s, "MQ_B/1/0", &attempts), FLEET_OK);
        text = rows_text(&attempts);
        ck_assert_str_eq(text, "1|1767225600|-|running|-|-|-|-\n");
        free(text);
        fleet_rows_free(&attempts);
    }
    ck_assert_int_eq(fleet_store_history(&s, "MQ_A", &effects, &attempts), FLEET_OK);
    ck_assert_int_eq(effects.nrows, 2);
    ck_assert_str_eq(fleet_cell(&effects, 0, 0), "MQ_A/1/0");
    ck_assert_str_eq(fleet_cell(&effects, 0, 4), "done");
    ck_assert_str_eq(fleet_cell(&effects, 1, 0), "MQ_A/2/0");
    ck_assert_str_eq(fleet_cell(&effects, 1, 4), "pending");
    ck_assert_int_eq(attempts.nrows, 1); /* MQ_B's attempt is not MQ_A's */
    ck_assert_str_eq(fleet_cell(&attempts, 0, 0), "MQ_A/1/0");
    ck_assert_str_eq(fleet_cell(&attempts, 0, 4), "done");
    fleet_rows_free(&effects);
    fleet_rows_free(&attempts);
    ck_assert_int_eq(fleet_store_history(&s, "MQ_Z", &effects, &attempts), FLEET_NOT_FOUND);
    fleet_store_close(&s);
}
END_TEST

START_TEST(test_list_and_effects_filters)
{
    fleet_store s;
    fleet_rows rows = {0};
    fleet_list_filter all = {NULL, NULL, false, 0, false};
    fleet_list_filter due = {"enterprise_platinum", NULL, true, T0 + 10, false};
    fleet_list_filter skipped = {NULL, NULL, false, 0, true};
    fleet_effects_filter of_b = {NULL, "MQ_B"};
    fleet_effects_filter failed = {"failed", NULL};
    int64_t failures = 0;
    open_fresh(&s);
    add_row(&s, "MQ_B", T0 + 10);
    add_row(&s, "MQ_A", T0 + 1000);
    add_effect(&s, "MQ_B", 1, 0);
    add_effect(&s, "MQ_A", 1, 0);
    ck_assert_int_eq(fleet_store_list(&s, &all, &rows), FLEET_OK);
    ck_assert_int_eq(rows.nrows, 2);
    ck_assert_str_eq(fleet_cell(&rows, 0, 0), "MQ_A");
    fleet_rows_free(&rows);
    ck_assert_int_eq(fleet_store_list(&s, &due, &rows), FLEET_OK);
    ck_assert_int_eq(rows.nrows, 1);
    ck_assert_str_eq(fleet_cell(&rows, 0, 0), "MQ_B");
    fleet_rows_free(&rows);
    ck_assert_int_eq(fleet_store_tick_failed(&s, "MQ_A", "bad row", T0, &failures), FLEET_OK);
    ck_assert_int_eq(fleet_store_list(&s, &skipped, &rows), FLEET_OK);
    ck_assert_int_eq(rows.nrows, 1);
    ck_assert_str_eq(fleet_cell(&rows, 0, 6), "bad row");
    fleet_rows_free(&rows);
    ck_assert_int_eq(fleet_store_effects(&s, &of_b, &rows), FLEET_OK);
    ck_assert_int_eq(rows.nrows, 1);
    ck_assert_str_eq(fleet_cell(&rows, 0, 0), "MQ_B/1/0");
    ck_assert_str_eq(fleet_cell(&rows, 0, 1), "pending");
    fleet_rows_free(&rows);
    ck_assert_int_eq(fleet_store_effects(&s, &failed, &rows), FLEET_OK);
    ck_assert_int_eq(rows.nrows, 0);
    fleet_rows_free(&rows);
    fleet_store_close(&s);
}
END_TEST

/* Sets an effect's state by its key, as the dispatcher's outcomes would. */
static void set_state(fleet_store *s, const char *key, const char *state)
{
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE effects SET state = '%s' WHERE key = '%s'", state, key);
    exec_sql(s, sql);
}

/* stats.blocked: a pending effect is blocked when a failed effect of its
 * own instance comes before it by (revision, index); a failed effect after
 * it, or one of another instance, holds nothing back. */
START_TEST(test_stats_count_blocked_effects)
{
    fleet_store s;
    fleet_stats st;
    open_fresh(&s);
    add_row(&s, "MQ_A", T0);
    add_row(&s, "MQ_B", T0);
    add_row(&s, "MQ_C", T0);
    ck_assert_int_eq(fleet_store_stats(&s, T0, &st), FLEET_OK);
    ck_assert_int_eq(st.blocked, 0);
    fleet_stats_free(&st);
    /* MQ_A: 1/0 done, 1/1 failed; 1/2 and 2/0 blocked */
    add_effect(&s, "MQ_A", 1, 0);
    add_effect(&s, "MQ_A", 1, 1);
    add_effect(&s, "MQ_A", 1, 2);
    add_effect(&s, "MQ_A", 2, 0);
    set_state(&s, "MQ_A/1/0", "done");
    set_state(&s, "MQ_A/1/1", "failed");
    /* MQ_B: 1/5 failed holds back 2/0 (a later revision, a lower index),
     * not 1/3 (before it) */
    add_effect(&s, "MQ_B", 1, 3);
    add_effect(&s, "MQ_B", 1, 5);
    add_effect(&s, "MQ_B", 2, 0);
    set_state(&s, "MQ_B/1/5", "failed");
    /* MQ_C: nothing failed of its own */
    add_effect(&s, "MQ_C", 1, 0);
    add_effect(&s, "MQ_C", 1, 1);
    ck_assert_int_eq(fleet_store_stats(&s, T0, &st), FLEET_OK);
    ck_assert_int_eq(st.pending, 6);
    ck_assert_int_eq(st.failed, 2);
    ck_assert_int_eq(st.done, 1);
    ck_assert_int_eq(st.blocked, 3);
    fleet_stats_free(&st);
    /* retried: MQ_A's are no longer blocked */
    ck_assert_int_eq(fleet_store_effect_requeue(&s, "MQ_A/1/1"), FLEET_OK);
    ck_assert_int_eq(fleet_store_stats(&s, T0, &st), FLEET_OK);
    ck_assert_int_eq(st.blocked, 1);
    fleet_stats_free(&st);
    fleet_store_close(&s);
}
END_TEST

/* stats.oldest_pending: the least created_at among the pending effects
 * only (neither done nor failed ones), none when nothing is pending. */
START_TEST(test_stats_oldest_pending_effect)
{
    fleet_store s;
    fleet_stats st;
    char sql[256];
    open_fresh(&s);
    add_row(&s, "MQ_A", T0);
    ck_assert_int_eq(fleet_store_stats(&s, T0, &st), FLEET_OK);
    ck_assert(!st.has_oldest_pending);
    fleet_stats_free(&st);
    add_effect(&s, "MQ_A", 1, 0);
    add_effect(&s, "MQ_A", 1, 1);
    add_effect(&s, "MQ_A", 1, 2);
    add_effect(&s, "MQ_A", 1, 3);
    snprintf(sql, sizeof sql,
             "UPDATE effects SET created_at = CASE key WHEN 'MQ_A/1/0' THEN %lld "
             "WHEN 'MQ_A/1/1' THEN %lld WHEN 'MQ_A/1/2' THEN %lld ELSE %lld END",
             (long long)T0 + 1, (long long)T0 + 2, (long long)T0 + 40, (long long)T0 + 30);
    exec_sql(&s, sql);
    set_state(&s, "MQ_A/1/0", "done");
    set_state(&s, "MQ_A/1/1", "failed");
    ck_assert_int_eq(fleet_store_stats(&s, T0 + 100, &st), FLEET_OK);
    ck_assert(st.has_oldest_pending);
    ck_assert_int_eq(st.oldest_pending, T0 + 30);
    fleet_stats_free(&st);
    set_state(&s, "MQ_A/1/3", "done");
    ck_assert_int_eq(fleet_store_stats(&s, T0 + 100, &st), FLEET_OK);
    ck_assert(st.has_oldest_pending);
    ck_assert_int_eq(st.oldest_pending, T0 + 40);
    fleet_stats_free(&st);
    set_state(&s, "MQ_A/1/2", "done");
    ck_assert_int_eq(fleet_store_stats(&s, T0 + 100, &st), FLEET_OK);
    ck_assert(!st.has_oldest_pending);
    ck_assert_int_eq(st.pending, 0);
    fleet_stats_free(&st);
    fleet_store_close(&s);
}
END_TEST

/* Two connections at once: a row one holds is never the other's. On
 * PostgreSQL the second skips the locked row (SKIP LOCKED); on SQLite the
 * second writer waits for the first, then finds its claim leased. */
START_TEST(test_two_connections_never_claim_the_same_row)
{
    fleet_store a, b;
    fleet_instance_row ra, rb;
    fleet_effect_row *ea = NULL, *eb = NULL;
    size_t na = 0, nb = 0;
    open_fresh(&a);
    add_row(&a, "MQ_A", T0);
    add_row(&a, "MQ_B", T0);
    add_effect(&a, "MQ_A", 1, 0);
    ck_assert_int_eq(fleet_store_open(&b, is_pg ? base : a.uri, false), FLEET_OK);
    if (is_pg) {
        ck_assert_int_eq(fleet_store_begin(&a), FLEET_OK);
        ck_assert_int_eq(fleet_store_claim_due(&a, T0 + 10, 0, NULL, false, &ra), FLEET_OK);
        ck_assert_int_eq(fleet_store_begin(&b), FLEET_OK);
        ck_assert_int_eq(fleet_store_claim_due(&b, T0 + 10, 0, NULL, false, &rb), FLEET_OK);
        ck_assert_str_ne(ra.id, rb.id);
        fleet_store_rollback(&b);
        fleet_store_rollback(&a);
        fleet_instance_row_free(&ra);
        fleet_instance_row_free(&rb);
    }
    ck_assert_int_eq(fleet_store_claim_effects(&a, T0, T0 + 30, 10, &ea, &na), FLEET_OK);
    ck_assert_int_eq(fleet_store_claim_effects(&b, T0, T0 + 30, 10, &eb, &nb), FLEET_OK);
    ck_assert_int_eq(na + nb, 1);
    free_claimed(ea, na);
    free_claimed(eb, nb);
    fleet_store_close(&b);
    fleet_store_close(&a);
}
END_TEST

/* Two connections claiming batches: on PostgreSQL the second skips the
 * rows the first holds (SKIP LOCKED) and gets the others; on SQLite the
 * second waits for the first's commit, and the rows it wrote are no
 * longer due. */
START_TEST(test_two_connections_claim_disjoint_batches)
{
    fleet_store a, b;
    fleet_instance_row *ra = NULL, *rb = NULL;
    size_t na = 0, nb = 0;
    open_fresh(&a);
    add_row(&a, "MQ_A", T0);
    add_row(&a, "MQ_B", T0 + 1);
    add_row(&a, "MQ_C", T0 + 2);
    ck_assert_int_eq(fleet_store_open(&b, is_pg ? base : a.uri, false), FLEET_OK);
    ck_assert_int_eq(fleet_store_begin(&a), FLEET_OK);
    ck_assert_int_eq(fleet_store_claim_due_batch(&a, T0 + 10, 0, NULL, false, 2, &ra, &na),
                     FLEET_OK);
    ck_assert_uint_eq(na, 2);
    if (is_pg) {
        ck_assert_int_eq(fleet_store_begin(&b), FLEET_OK);
        ck_assert_int_eq(fleet_store_claim_due_batch(&b, T0 + 10, 0, NULL, false, 10, &rb, &nb),
                         FLEET_OK);
        ck_assert_uint_eq(nb, 1);
        ck_assert_str_eq(rb[0].id, "MQ_C");
        fleet_store_rollback(&b);
        fleet_instance_rows_free(rb, nb);
    }
    for (size_t i = 0; i < na; i++) {
        ra[i].revision = 1;
        ra[i].next_deadline = T0 + 1000;
        ck_assert_int_eq(fleet_store_put_cas(&a, &ra[i], 0), FLEET_OK);
    }
    ck_assert_int_eq(fleet_store_commit(&a), FLEET_OK);
    ck_assert_int_eq(fleet_store_begin(&b), FLEET_OK);
    ck_assert_int_eq(fleet_store_claim_due_batch(&b, T0 + 10, 0, NULL, false, 10, &rb, &nb),
                     FLEET_OK);
    ck_assert_uint_eq(nb, 1);
    ck_assert_str_eq(rb[0].id, "MQ_C");
    fleet_store_rollback(&b);
    fleet_instance_rows_free(rb, nb);
    fleet_instance_rows_free(ra, na);
    fleet_store_close(&b);
    fleet_store_close(&a);
}
END_TEST

/* A writer that cannot get its lock in time: database_busy. */
START_TEST(test_busy)
{
    fleet_store a, b;
    fleet_instance_row row;
    open_fresh(&a);
    add_row(&a, "MQ_A", T0);
    ck_assert_int_eq(fleet_store_open(&b, is_pg ? base : a.uri, false), FLEET_OK);
    ck_assert_int_eq(fleet_store_begin(&a), FLEET_OK);
    ck_assert_int_eq(fleet_store_get(&a, "MQ_A", true, &row), FLEET_OK);
    fleet_instance_row_free(&row);
    if (is_pg) {
        exec_sql(&b, "SET lock_timeout = '50ms'");
        ck_assert_int_eq(fleet_store_begin(&b), FLEET_OK);
        ck_assert_int_eq(fleet_store_get(&b, "MQ_A", true, &row), FLEET_BUSY);
        fleet_store_rollback(&b);
    } else {
        exec_sql(&b, "PRAGMA busy_timeout = 50");
        ck_assert_int_eq(fleet_store_begin(&b), FLEET_BUSY);
    }
    ck_assert_str_eq(fleet_err_code(b.err), "database_busy");
    fleet_store_rollback(&a);
    fleet_store_close(&b);
    fleet_store_close(&a);
}
END_TEST

static double monotonic_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* fleet_store_wait for `seconds`: whether it was woken, and after how long. */
static bool wait_for(fleet_store *s, double seconds, double *took)
{
    bool woken = true;
    double start = monotonic_seconds();
    ck_assert_int_eq(fleet_store_wait(s, seconds, &woken), FLEET_OK);
    *took = monotonic_seconds() - start;
    return woken;
}

/* One transaction of `s` that notifies, committed or rolled back. */
static void notify_in_a_transaction(fleet_store *s, bool commit)
{
    ck_assert_int_eq(fleet_store_begin(s), FLEET_OK);
    ck_assert_int_eq(fleet_store_notify(s), FLEET_OK);
    ck_assert_int_eq(fleet_store_notify(s), FLEET_OK); /* once per transaction */
    if (commit)
        ck_assert_int_eq(fleet_store_commit(s), FLEET_OK);
    else
        fleet_store_rollback(s);
}

/* Wake-ups. PostgreSQL: a listening connection is woken by the committed
 * transaction of another that notified, within a second, and not by one
 * rolled back, nor by its own; every notification that arrived is taken
 * by one wake-up. SQLite has none: listen and notify do nothing, and wait
 * sleeps its time out. */
START_TEST(test_wait_is_woken_by_a_committed_notify)
{
    fleet_store a, b;
    double took = 0;
    open_fresh(&a);
    ck_assert_int_eq(fleet_store_open(&b, is_pg ? base : a.uri, false), FLEET_OK);
    ck_assert_int_eq(fleet_store_listen(&a), FLEET_OK);
    if (!is_pg) {
        notify_in_a_transaction(&b, true);
        ck_assert(!wait_for(&a, 0.3, &took));
        ck_assert_msg(took >= 0.29 && took < 5, "slept %.3f s", took);
        fleet_store_close(&b);
        fleet_store_close(&a);
        return;
    }
    notify_in_a_transaction(&b, false);
    ck_assert(!wait_for(&a, 0.3, &took));
    ck_assert_msg(took >= 0.29, "slept %.3f s", took);
    notify_in_a_transaction(&a, true); /* its own: no news */
    ck_assert(!wait_for(&a, 0.3, &took));
    ck_assert_msg(took >= 0.29, "slept %.3f s", took);

    /* committed before the wait, and received while the connection ran
     * another statement (the server sends what is queued when that ends):
     * not lost, and both taken by one wake-up */
    notify_in_a_transaction(&b, true);
    notify_in_a_transaction(&b, true);
    exec_sql(&a, "SELECT 1");
    ck_assert(wait_for(&a, 10, &took));
    ck_assert_msg(took < 0.5, "woken after %.3f s", took);
    ck_assert(!wait_for(&a, 0.3, &took));

    /* committed while it waits: a child process commits after 200 ms */
    {
        pid_t child = fork();
        ck_assert_int_ge(child, 0);
        if (child == 0) {
            fleet_store c;
            struct timespec pause = {0, 200L * 1000 * 1000};
            (void)nanosleep(&pause, NULL);
            if (fleet_store_open(&c, base, false) != FLEET_OK)
                _exit(1);
            if (fleet_store_begin(&c) != FLEET_OK || fleet_store_notify(&c) != FLEET_OK ||
                fleet_store_commit(&c) != FLEET_OK)
                _exit(1);
            fleet_store_close(&c);
            _exit(0);
        }
        ck_assert(wait_for(&a, 10, &took));
        ck_assert_msg(took >= 0.15 && took < 1.2, "woken after %.3f s", took);
    }
    fleet_store_close(&b);
    fleet_store_close(&a);
}
END_TEST

static void on_alarm(int sig)
{
    (void)sig;
}

/* A signal ends the wait at once (SIGTERM stops `fleet run` promptly),
 * with no error. */
START_TEST(test_wait_ends_on_a_signal)
{
    fleet_store s;
    struct sigaction sa;
    struct itimerval timer = {{0, 0}, {0, 200L * 1000}};
    double took = 0;
    open_fresh(&s);
    ck_assert_int_eq(fleet_store_listen(&s), FLEET_OK);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
    ck_assert_int_eq(setitimer(ITIMER_REAL, &timer, NULL), 0);
    ck_assert(!wait_for(&s, 30, &took));
    ck_assert_msg(took >= 0.15 && took < 5, "ended after %.3f s", took);
    fleet_store_close(&s);
}
END_TEST

/* SQLite: a database that may not grow (max_page_count) is full. */
START_TEST(test_full)
{
    fleet_store s;
    fleet_err e = FLEET_OK;
    open_fresh(&s);
    exec_sql(&s, "PRAGMA max_page_count = 16");
    for (int i = 0; i < 1000 && e == FLEET_OK; i++) {
        char id[32];
        fleet_instance_row row;
        snprintf(id, sizeof id, "MQ_%04d", i);
        make_row(id, &row);
        e = fleet_store_insert(&s, &row);
        fleet_instance_row_free(&row);
    }
    ck_assert_int_eq(e, FLEET_FULL);
    ck_assert_str_eq(fleet_err_code(s.err), "database_full");
    fleet_store_close(&s);
}
END_TEST

int main(void)
{
    Suite *suite;
    TCase *tc;
    SRunner *sr;
    int failed;

    base = getenv("EDITION_STORE_URI");
    if (!base || !*base) {
        fprintf(stderr, "test_store: set EDITION_STORE_URI (run_store_suite.py does)\n");
        return EXIT_FAILURE;
    }
    is_pg = fleet_is_postgresql(base);
    suite = suite_create(is_pg ? "fleet_store postgresql" : "fleet_store sqlite");
    tc = tcase_create(is_pg ? "postgresql" : "sqlite");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_migrate_a_new_database_then_nothing_to_do);
    tcase_add_test(tc, test_migrate_from_every_earlier_version);
    tcase_add_test(tc, test_schema_errors);
    tcase_add_test(tc, test_unreachable);
    tcase_add_test(tc, test_insert_get_and_conflicts);
    tcase_add_test(tc, test_transactions_roll_back);
    tcase_add_test(tc, test_claim_due_order_cursor_and_backoff);
    tcase_add_test(tc, test_claim_due_batch_order_cursor_limit_and_backoff);
    tcase_add_test(tc, test_savepoint_undoes_one_row_and_keeps_the_batch);
    tcase_add_test(tc, test_claim_effects_order_lease_and_fencing);
    tcase_add_test(tc, test_failed_effect_holds_its_instance_until_requeued);
    tcase_add_test(tc, test_attempts_keep_each_delivery_and_its_outcome);
    tcase_add_test(tc, test_requeue_clears_the_last_error_and_keeps_the_attempts);
    tcase_add_test(tc, test_blocked_effects_name_the_failed_effect_that_holds_them);
    tcase_add_test(tc, test_history_lists_effects_in_key_order_with_their_attempts);
    tcase_add_test(tc, test_list_and_effects_filters);
    tcase_add_test(tc, test_stats_count_blocked_effects);
    tcase_add_test(tc, test_stats_oldest_pending_effect);
    tcase_add_test(tc, test_two_connections_never_claim_the_same_row);
    tcase_add_test(tc, test_two_connections_claim_disjoint_batches);
    tcase_add_test(tc, test_busy);
    tcase_add_test(tc, test_wait_is_woken_by_a_committed_notify);
    tcase_add_test(tc, test_wait_ends_on_a_signal);
    if (!is_pg) /* PostgreSQL's full disk (SQLSTATE class 53) is not made here */
        tcase_add_test(tc, test_full);
    suite_add_tcase(suite, tc);
    sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
