/* Removing names from tables (lib/names.c): a removal marks the name's
 * position in a persistent tree of the new table and leaves the shared
 * store alone; a table whose removed positions would outnumber its names
 * is compacted. Every test checks the tables against a plain model (an
 * array of names in order), on internal functions and through the public
 * API. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "support.h"

/* ---- a model: the names in order ---------------------------------------- */

typedef struct model {
    char (*v)[32];
    size_t n, cap;
} model;

static void model_init(model *m, size_t cap)
{
    m->v = calloc(cap, sizeof *m->v);
    ck_assert_ptr_nonnull(m->v);
    m->n = 0;
    m->cap = cap;
}

static void model_copy(model *to, const model *from)
{
    model_init(to, from->cap);
    memcpy(to->v, from->v, from->n * sizeof *from->v);
    to->n = from->n;
}

static void model_add(model *m, const char *name)
{
    ck_assert_uint_lt(m->n, m->cap);
    snprintf(m->v[m->n++], sizeof m->v[0], "%s", name);
}

static void model_remove_at(model *m, size_t i)
{
    memmove(m->v[i], m->v[i + 1], (m->n - i - 1) * sizeof m->v[0]);
    m->n--;
}

/* Every way of reading the table agrees with the model: count, the i-th
 * name, a name's index, membership and the walk in order. */
static void check_table(const ed_names *t, const model *m)
{
    ck_assert_uint_eq(t->count, m->n);
    ed_names_iter it;
    ed__names_iter_init(&it, t);
    for (size_t i = 0; i < m->n; i++) {
        const char *name = m->v[i];
        ck_assert_str_eq(ed__names_at(t, i), name);
        ck_assert_str_eq(ed__names_iter_next(&it), name);
        ck_assert_uint_eq(ed__names_find(t, name, strlen(name)), i);
        ck_assert(ed__names_has(t, name, strlen(name)));
    }
    ck_assert_ptr_null(ed__names_iter_next(&it));
    ck_assert_ptr_null(ed__names_at(t, m->n));
}

static ed_names *filled(size_t count, model *m)
{
    ed_names *t = ed__names_new(count);
    ck_assert_ptr_nonnull(t);
    model_init(m, count * 2 + 16);
    for (size_t i = 0; i < count; i++) {
        char name[32];
        snprintf(name, sizeof name, "n%06zu", i);
        ck_assert_int_eq(ed__names_push(t, name, strlen(name)), ED_OK);
        model_add(m, name);
    }
    return t;
}

/* A deterministic sequence (xorshift), so that a failure repeats. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static ed_names *remove_name(ed_names *t, const char *name)
{
    ed_names *c = ed__names_without(t, name, strlen(name));
    ck_assert_ptr_nonnull(c);
    ed__names_unref(t);
    return c;
}

static ed_names *add_name(ed_names *t, const char *name)
{
    ed_names *c = ed__names_with(t, name);
    ck_assert_ptr_nonnull(c);
    ed__names_unref(t);
    return c;
}

/* ---- the tests ------------------------------------------------------------ */

/* 20,000 names (a tree of two levels), 3,000 removals at random places
 * mixed with 1,000 additions: the rest keep their order. */
START_TEST(test_removals_keep_the_order_of_the_remaining_names)
{
    model m;
    ed_names *t = filled(20000, &m);
    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (int step = 1; step <= 4000; step++) {
        if (step % 4 == 0) {
            char name[32];
            snprintf(name, sizeof name, "a%06d", step);
            t = add_name(t, name);
            model_add(&m, name);
        } else {
            size_t i = (size_t)(next_random(&seed) % m.n);
            t = remove_name(t, m.v[i]);
            model_remove_at(&m, i);
        }
        if (step % 500 == 0)
            check_table(t, &m);
    }
    ck_assert_ptr_nonnull(t->gone);
    ck_assert_uint_eq(t->gone_height, 1);
    ed__names_unref(t);
    free(m.v);
}
END_TEST

/* Every table of a history, and two removals from one table, keep their
 * own names while later tables remove and add around them. */
START_TEST(test_older_tables_keep_their_names_after_removals)
{
    enum { KEPT = 12 };
    model m;
    ed_names *t = filled(1500, &m);
    ed_names *kept[KEPT];
    model kept_model[KEPT];
    uint64_t seed = 42;
    for (int k = 0; k < KEPT; k++) {
        kept[k] = ed__names_ref(t);
        model_copy(&kept_model[k], &m);
        for (int step = 0; step < 60; step++) {
            size_t i = (size_t)(next_random(&seed) % m.n);
            if (step % 3 == 0) {
                char name[32];
                snprintf(name, sizeof name, "k%02d-%02d", k, step);
                t = add_name(t, name);
                model_add(&m, name);
            }
            t = remove_name(t, m.v[i]);
            model_remove_at(&m, i);
        }
    }
    for (int k = 0; k < KEPT; k++) {
        check_table(kept[k], &kept_model[k]);
        /* two different removals from the same table */
        ed_names *x = ed__names_without(kept[k], kept_model[k].v[0], strlen(kept_model[k].v[0]));
        ed_names *y = ed__names_without(kept[k], kept_model[k].v[1], strlen(kept_model[k].v[1]));
        ck_assert_ptr_nonnull(x);
        ck_assert_ptr_nonnull(y);
        model mx, my;
        model_copy(&mx, &kept_model[k]);
        model_copy(&my, &kept_model[k]);
        model_remove_at(&mx, 0);
        model_remove_at(&my, 1);
        check_table(x, &mx);
        check_table(y, &my);
        check_table(kept[k], &kept_model[k]);
        ed__names_unref(x);
        ed__names_unref(y);
        free(mx.v);
        free(my.v);
    }
    check_table(t, &m);
    for (int k = 0; k < KEPT; k++) {
        ed__names_unref(kept[k]);
        free(kept_model[k].v);
    }
    ed__names_unref(t);
    free(m.v);
}
END_TEST

/* A table that appended a name, then a removal built on it: dropping the
 * first table must not give the appended position back to the store (the
 * second one still reads it), so a later addition elsewhere cannot
 * overwrite it. */
START_TEST(test_a_removal_keeps_the_position_its_table_appended)
{
    model m;
    ed_names *base = filled(10, &m);
    ed_names *appended = ed__names_with(base, "late");
    ck_assert_ptr_nonnull(appended);
    ck_assert_ptr_eq(appended->store, base->store);
    ed_names *removed = ed__names_without(appended, "n000003", 7);
    ck_assert_ptr_nonnull(removed);
    ed__names_unref(appended);
    ed_names *other = ed__names_with(base, "other");
    ck_assert_ptr_nonnull(other);
    model_add(&m, "late");
    model_remove_at(&m, 3);
    check_table(removed, &m);
    ck_assert(!ed__names_has(removed, "other", 5));
    ck_assert(ed__names_has(other, "other", 5) && !ed__names_has(other, "late", 4));
    ed__names_unref(other);
    ed__names_unref(removed);
    ed__names_unref(base);
    free(m.v);
}
END_TEST

/* A removed name comes back at the end, as many times as it goes; the
 * tables before keep it where it was. */
START_TEST(test_a_removed_name_can_be_added_again)
{
    model m;
    ed_names *t0 = filled(700, &m);
    ed_names *t1 = ed__names_without(t0, "n000010", 7);
    ck_assert_ptr_nonnull(t1);
    ed_names *t2 = ed__names_with(t1, "n000010");
    ck_assert_ptr_nonnull(t2);
    ck_assert_uint_eq(ed__names_find(t2, "n000010", 7), 699);
    ck_assert_str_eq(ed__names_at(t2, 699), "n000010");
    ck_assert_str_eq(ed__names_at(t2, 10), "n000011");
    ed_names *t3 = ed__names_without(t2, "n000010", 7);
    ck_assert_ptr_nonnull(t3);
    ed_names *t4 = ed__names_with(t3, "n000010");
    ck_assert_ptr_nonnull(t4);
    ck_assert_uint_eq(ed__names_find(t4, "n000010", 7), 699);
    ck_assert_uint_eq(t4->count, 700);
    ck_assert(!ed__names_has(t1, "n000010", 7) && !ed__names_has(t3, "n000010", 7));
    check_table(t0, &m);
    model_remove_at(&m, 10);
    check_table(t1, &m);
    check_table(t3, &m);
    model_add(&m, "n000010");
    check_table(t2, &m);
    check_table(t4, &m);
    /* the same names in the same order, with and without holes */
    ck_assert(ed__names_equal(t2, t4));
    ck_assert(!ed__names_equal(t0, t2));
    ed_names *t1b = ed__names_without(t0, "n000011", 7);
    ck_assert_ptr_nonnull(t1b);
    ck_assert(!ed__names_equal(t1, t1b)); /* same count and bytes, other names */
    ed__names_unref(t1b);
    ed__names_unref(t4);
    ed__names_unref(t3);
    ed__names_unref(t2);
    ed__names_unref(t1);
    ed__names_unref(t0);
    free(m.v);
}
END_TEST

/* Removing names one by one: removed positions never outnumber the names
 * (the table is compacted into a store of its own, without holes), and the
 * last removal leaves an empty table. */
START_TEST(test_many_removals_compact_the_table)
{
    model m;
    ed_names *t = filled(1000, &m);
    uint64_t seed = 7;
    size_t compactions = 0;
    while (m.n > 0) {
        const ed_name_store *before = t->store;
        size_t i = (size_t)(next_random(&seed) % m.n);
        t = remove_name(t, m.v[i]);
        model_remove_at(&m, i);
        if (t->store != before) {
            compactions++;
            ck_assert_ptr_null(t->gone);
            ck_assert_uint_eq(t->end, t->count);
        }
        ck_assert_uint_le((t->end - t->count) * 2, t->end);
        if (m.n % 97 == 0)
            check_table(t, &m);
    }
    /* 1000 names: compacted at about 500, 250, 125, ... */
    ck_assert_uint_ge(compactions, 8);
    ck_assert_uint_eq(t->count, 0);
    ck_assert_ptr_null(ed__names_at(t, 0));
    /* an empty compacted table grows again */
    t = add_name(t, "again");
    ck_assert_str_eq(ed__names_at(t, 0), "again");
    ed__names_unref(t);
    free(m.v);
}
END_TEST

/* A table with removed names that must copy on addition (its tail was
 * taken) leaves them out of the copy. */
START_TEST(test_an_addition_that_copies_leaves_removed_names_out)
{
    model m;
    ed_names *t = filled(600, &m);
    t = remove_name(t, "n000100");
    t = remove_name(t, "n000550");
    model_remove_at(&m, 550);
    model_remove_at(&m, 100);
    ed_names *first = ed__names_with(t, "first"); /* in place */
    ed_names *second = ed__names_with(t, "second"); /* a copy, compacted */
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_nonnull(second);
    ck_assert_ptr_eq(first->store, t->store);
    ck_assert_ptr_ne(second->store, t->store);
    ck_assert_ptr_null(second->gone);
    check_table(t, &m);
    model mf, ms;
    model_copy(&mf, &m);
    model_copy(&ms, &m);
    model_add(&mf, "first");
    model_add(&ms, "second");
    check_table(first, &mf);
    check_table(second, &ms);
    ed__names_unref(first);
    ed__names_unref(second);
    ed__names_unref(t);
    free(m.v);
    free(mf.v);
    free(ms.v);
}
END_TEST

/* A table's tree covers only the part of its positions where it removed
 * names (one leaf of 4,096 positions for a first removal, wherever it
 * lies): names before that part, and names added past it, are read as
 * they are, in order; a removal elsewhere grows the tree a level, with the
 * old part under it where it belongs. */
START_TEST(test_names_outside_the_tree_keep_their_order)
{
    model m;
    ed_names *t = filled(5000, &m);
    t = remove_name(t, "n004500");
    model_remove_at(&m, 4500);
    ck_assert_uint_eq(t->gone_height, 0);
    ck_assert_uint_eq(t->gone_base, 4096);
    check_table(t, &m); /* names before the tree's part and in it */
    for (int i = 0; i < 100; i++) {
        char name[32];
        snprintf(name, sizeof name, "late-%03d", i);
        t = add_name(t, name);
        model_add(&m, name);
    }
    check_table(t, &m); /* and past it */
    t = remove_name(t, "n000010");
    model_remove_at(&m, 10);
    ck_assert_uint_eq(t->gone_height, 1);
    ck_assert_uint_eq(t->gone_base, 0);
    check_table(t, &m);
    t = remove_name(t, "late-090");
    model_remove_at(&m, 4998 + 90);
    check_table(t, &m);
    ed__names_unref(t);
    free(m.v);
    /* a first removal in the first block: the names past it */
    t = filled(5000, &m);
    t = remove_name(t, "n000010");
    model_remove_at(&m, 10);
    ck_assert_uint_eq(t->gone_height, 0);
    ck_assert_uint_eq(t->gone_base, 0);
    check_table(t, &m);
    ed__names_unref(t);
    free(m.v);
}
END_TEST

/* A removed name is gone from every lookup of the new table, and only
 * there. */
START_TEST(test_removed_names_are_not_found)
{
    model m;
    ed_names *t0 = filled(50, &m);
    ed_names *t1 = ed__names_without(t0, "n000020", 7);
    ck_assert_ptr_nonnull(t1);
    ck_assert(!ed__names_has(t1, "n000020", 7));
    ck_assert_uint_eq(ed__names_find(t1, "n000020", 7), SIZE_MAX);
    ck_assert_ptr_null(ed__names_get(t1, "n000020", 7));
    ck_assert_ptr_null(ed__names_without(t1, "n000020", 7));
    ck_assert_ptr_null(ed__names_without(t1, "absent", 6));
    ck_assert_str_eq(ed__names_get(t0, "n000020", 7), "n000020");
    ck_assert_uint_eq(ed__names_find(t0, "n000020", 7), 20);
    ck_assert_uint_eq(ed__names_find(t1, "n000021", 7), 20);
    ed__names_unref(t1);
    ed__names_unref(t0);
    free(m.v);
}
END_TEST

/* ---- through the public API ----------------------------------------------- */

/* A state file with the given topics and groups, at revision `rev`,
 * updated at `updated`. */
static char *state_text(const model *topics, const model *groups, uint64_t rev,
                        const char *updated)
{
    size_t cap = 1024 + (topics->n + groups->n) * 20;
    char *doc = malloc(cap);
    ck_assert_ptr_nonnull(doc);
    size_t n = (size_t)snprintf(doc, cap,
                                "libedition: 1\ninstance:\n  id: MQ_NAMES\n"
                                "  endpoint: http://names.mq.example.com:8080\n"
                                "  edition: standard\n  billing: pay_as_you_go\n"
                                "  cluster: shared\n  lifecycle: active\n  revision: %llu\n"
                                "  created_at: 2026-01-05T00:00:00Z\n  updated_at: %s\n"
                                "  release_delay_days: 7\n  topics: [",
                                (unsigned long long)rev, updated);
    for (size_t i = 0; i < topics->n; i++)
        n += (size_t)snprintf(doc + n, cap - n, "%s%s", i ? ", " : "", topics->v[i]);
    n += (size_t)snprintf(doc + n, cap - n, "]\n  groups: [");
    for (size_t i = 0; i < groups->n; i++)
        n += (size_t)snprintf(doc + n, cap - n, "%s%s", i ? ", " : "", groups->v[i]);
    snprintf(doc + n, cap - n, "]\n");
    return doc;
}

static ed_instance *load_text(const char *doc)
{
    ed_instance *in = NULL;
    ed_error *err = NULL;
    ed_status st = ed_instance_load_yaml(&in, doc, strlen(doc), NULL, &err);
    ck_assert_msg(st == ED_OK, "load: %s", ed_error_message(err));
    return in;
}

static char *dump(const ed_instance *in)
{
    ed_buffer *b = ed_buffer_new();
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(ed_instance_dump_yaml(in, b), ED_OK);
    char *s = strdup(ed_buffer_data(b));
    ck_assert_ptr_nonnull(s);
    ed_buffer_free(b);
    return s;
}

/* After 400 removals and 100 additions of topics and groups, the instance
 * dumps byte for byte as the state file that lists its names loads and
 * dumps, equals it, and reads its names in that order. */
START_TEST(test_dump_after_removals_equals_a_freshly_loaded_state)
{
    model topics, groups;
    model_init(&topics, 1200);
    model_init(&groups, 200);
    for (int i = 0; i < 900; i++) {
        char name[32];
        snprintf(name, sizeof name, "topic-%04d", i);
        model_add(&topics, name);
    }
    for (int i = 0; i < 100; i++) {
        char name[32];
        snprintf(name, sizeof name, "GID_%03d", i);
        model_add(&groups, name);
    }
    char *doc = state_text(&topics, &groups, 3, "2026-02-01T00:00:00Z");
    ed_instance *in = load_text(doc);
    free(doc);
    ed_time now = tp("2026-02-10T00:00:00Z");
    uint64_t seed = 99;
    char last_removed[32] = "";
    for (int step = 0; step < 500; step++) {
        bool topic = step % 5 != 0;
        model *own = topic ? &topics : &groups;
        ed_result *r;
        if (step % 5 == 4) {
            char name[32];
            snprintf(name, sizeof name, "again-%03d", step);
            r = topic ? ed_add_topic(in, now, name) : ed_add_group(in, now, name);
            model_add(own, name);
        } else {
            size_t i = (size_t)(next_random(&seed) % own->n);
            r = topic ? ed_remove_topic(in, now, own->v[i]) : ed_remove_group(in, now, own->v[i]);
            if (topic)
                snprintf(last_removed, sizeof last_removed, "%s", own->v[i]);
            model_remove_at(own, i);
        }
        ed_instance *next = take_ok(r);
        ed_instance_free(in);
        in = next;
    }
    ck_assert_uint_eq(ed_instance_topic_count(in), topics.n);
    for (size_t i = 0; i < topics.n; i++) {
        ck_assert_str_eq(ed_instance_topic(in, i), topics.v[i]);
        ck_assert(ed_instance_has_topic(in, topics.v[i]));
    }
    ck_assert_uint_eq(ed_instance_group_count(in), groups.n);
    for (size_t i = 0; i < groups.n; i++)
        ck_assert_str_eq(ed_instance_group(in, i), groups.v[i]);
    ck_assert(!ed_instance_has_topic(in, last_removed));
    doc = state_text(&topics, &groups, ed_instance_revision(in), "2026-02-10T00:00:00Z");
    ed_instance *fresh = load_text(doc);
    free(doc);
    ck_assert(ed_instance_equal(in, fresh));
    char *a = dump(in), *b = dump(fresh);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    ed_instance_free(fresh);
    ed_instance_free(in);
    free(topics.v);
    free(groups.v);
}
END_TEST

/* The effects of an upgrade walk a table with removed names in order:
 * one migrate effect per remaining topic. */
START_TEST(test_effects_over_a_table_with_removed_names_follow_its_order)
{
    model topics, groups;
    model_init(&topics, 800);
    model_init(&groups, 1);
    for (int i = 0; i < 700; i++) {
        char name[32];
        snprintf(name, sizeof name, "topic-%04d", i);
        model_add(&topics, name);
    }
    char *doc = state_text(&topics, &groups, 3, "2026-02-01T00:00:00Z");
    ed_instance *in = load_text(doc);
    free(doc);
    ed_time now = tp("2026-02-10T00:00:00Z");
    for (size_t i = 0; i < 40; i++) {
        size_t at = (i * 37) % topics.n;
        ed_instance *next = take_ok(ed_remove_topic(in, now, topics.v[at]));
        model_remove_at(&topics, at);
        ed_instance_free(in);
        in = next;
    }
    ed_result *r = ed_upgrade(in, now, 1);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    const ed_effect_list *l = ed_result_effects(r);
    size_t k = 0;
    for (size_t i = 0; i < ed_effect_list_count(l); i++) {
        const ed_effect *e = ed_effect_list_get(l, i);
        if (ed_effect_kind_of(e) == ED_EFFECT_TOPIC_MIGRATE) {
            ck_assert_uint_lt(k, topics.n);
            ck_assert_str_eq(ed_effect_subject(e), topics.v[k]);
            k++;
        }
    }
    ck_assert_uint_eq(k, topics.n);
    ed_result_free(r);
    ed_instance_free(in);
    free(topics.v);
    free(groups.v);
}
END_TEST

static Suite *names_suite(void)
{
    Suite *s = suite_create("names");
    TCase *tc = tcase_create("names");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_removals_keep_the_order_of_the_remaining_names);
    tcase_add_test(tc, test_older_tables_keep_their_names_after_removals);
    tcase_add_test(tc, test_a_removal_keeps_the_position_its_table_appended);
    tcase_add_test(tc, test_a_removed_name_can_be_added_again);
    tcase_add_test(tc, test_many_removals_compact_the_table);
    tcase_add_test(tc, test_an_addition_that_copies_leaves_removed_names_out);
    tcase_add_test(tc, test_removed_names_are_not_found);
    tcase_add_test(tc, test_names_outside_the_tree_keep_their_order);
    tcase_add_test(tc, test_dump_after_removals_equals_a_freshly_loaded_state);
    tcase_add_test(tc, test_effects_over_a_table_with_removed_names_follow_its_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(names_suite());
}
