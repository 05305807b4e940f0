/* Many threads transition from the same shared snapshots at once (the
 * header: snapshots are immutable with atomic reference counts; results
 * may be read from many threads). Every thread must get results identical
 * to the ones computed beforehand on one thread. Also run under
 * ThreadSanitizer, valgrind and ASan, which see races and refcount bugs. */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define THREADS 8
#define ROUNDS 150

/* A growing text that describes a result in full. */
typedef struct text {
    char *s;
    size_t len, cap;
} text;

static bool put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool put(text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return false;
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return true;
        }
        size_t cap = (t->cap + (size_t)n + 1) * 2;
        char *s = realloc(t->s, cap);
        if (s == NULL)
            return false;
        t->s = s;
        t->cap = cap;
    }
}

static void describe_effects(text *t, const ed_effect_list *l)
{
    for (size_t i = 0; i < ed_effect_list_count(l); i++) {
        const ed_effect *e = ed_effect_list_get(l, i);
        put(t, "[%s %d %u %d %s '%s'", ed_effect_key(e), (int)ed_effect_kind_of(e),
            ed_effect_flags(e), (int)ed_effect_subject_kind(e), ed_effect_subject(e),
            ed_effect_text(e));
        for (int f = ED_FIELD_FIRST; f <= ED_FIELD_LAST; f++) {
            if (!ed_effect_has(e, (ed_field)f))
                continue;
            ed_time tm = 0;
            int64_t v = 0;
            const char *s = ed_effect_string(e, (ed_field)f);
            bool has_t = ed_effect_time(e, (ed_field)f, &tm);
            bool has_v = ed_effect_int(e, (ed_field)f, &v);
            put(t, " %d=%s/%d:%lld/%d:%lld", f, s ? s : "-", has_t, (long long)tm, has_v,
                (long long)v);
        }
        put(t, "]");
    }
}

static void describe_instance(text *t, const ed_instance *in)
{
    if (in == NULL) {
        put(t, "(none)");
        return;
    }
    ed_time a = 0, b = 0, c = 0;
    int p = 0;
    ed_action act = ED_ACTION_DELETE_RESOURCE;
    bool sub = ed_instance_subscription(in, &a, &b, &p, &act);
    bool rel = ed_instance_release_at(in, &c);
    put(t, "%s %s %d %d %d %d %llu %lld %lld %d sub=%d:%lld:%lld:%d:%d rel=%d:%lld", ed_instance_id(in),
        ed_instance_endpoint(in), (int)ed_instance_edition(in), (int)ed_instance_billing(in),
        (int)ed_instance_cluster(in), (int)ed_instance_lifecycle(in),
        (unsigned long long)ed_instance_revision(in), (long long)ed_instance_created_at(in),
        (long long)ed_instance_updated_at(in), ed_instance_release_delay_days(in), sub,
        (long long)a, (long long)b, p, (int)act, rel, (long long)c);
    ed_cluster f = ED_CLUSTER_SHARED, to = ED_CLUSTER_SHARED;
    ed_time ms = 0;
    bool mig = ed_instance_migration(in, &f, &to, &ms);
    put(t, " mig=%d:%d:%d:%lld topics", mig, (int)f, (int)to, (long long)ms);
    for (size_t i = 0; i < ed_instance_topic_count(in); i++)
        put(t, " %s", ed_instance_topic(in, i));
    put(t, " groups");
    for (size_t i = 0; i < ed_instance_group_count(in); i++)
        put(t, " %s", ed_instance_group(in, i));
}

/* Everything observable about a result, as text (caller frees). */
static char *describe(const ed_result *r)
{
    text t = {NULL, 0, 0};
    put(&t, "%d '%s' ", (int)ed_result_status(r), ed_result_message(r));
    describe_instance(&t, ed_result_instance(r));
    put(&t, " effects ");
    describe_effects(&t, ed_result_effects(r));
    put(&t, " would ");
    describe_effects(&t, ed_result_would_have(r));
    for (size_t i = 0; i < ed_result_plan_count(r); i++) {
        ed_action a = ED_ACTION_DELETE_RESOURCE;
        ed_time at = 0;
        bool ha = ed_result_plan_action(r, i, &a);
        bool ht = ed_result_plan_at(r, i, &at);
        put(&t, " plan %d %d:%d %d:%lld", (int)ed_result_plan_command(r, i), ha, (int)a, ht,
            (long long)at);
    }
    return t.s;
}

/* ---- the jobs every thread runs -------------------------------------------- */

enum job_kind { J_UPGRADE, J_TICK, J_ADD_TOPIC, J_SET, J_REFUND, J_PLAN, J_RENEW };

typedef struct job {
    const ed_instance *in;
    enum job_kind kind;
    ed_time now;
    int arg;
    /* computed once, single-threaded */
    ed_result *ref;
    char *ref_text;
    char *chain_text; /* tick far in the future on the result's snapshot */
} job;

static ed_result *run(const job *j, const ed_instance *in)
{
    switch (j->kind) {
    case J_UPGRADE:
        return ed_upgrade(in, j->now, j->arg);
    case J_TICK:
        return ed_tick(in, j->now);
    case J_ADD_TOPIC:
        return ed_add_topic(in, j->now, j->arg ? "refunds" : "orders");
    case J_SET:
        return ed_set_post_expiration_action(in, j->now, (ed_action)j->arg);
    case J_REFUND: {
        ed_options *o = ed_options_new();
        if (o == NULL || ed_options_set_int(o, ED_OPT_ALLOW_DATA_LOSS, j->arg) != ED_OK) {
            ed_options_free(o);
            return NULL;
        }
        ed_result *r = ed_refund(in, j->now, o);
        ed_options_free(o);
        return r;
    }
    case J_PLAN:
        return ed_plan_downgrade(in, j->now, (ed_plan_mode)j->arg);
    case J_RENEW:
        return ed_renew(in, j->now, j->arg);
    }
    return NULL;
}

/* Times read by the threads; parsed once, before any thread starts. */
static ed_time t_far, t_upgrade, t_after_release;

static char *chain(const ed_result *r)
{
    const ed_instance *out = ed_result_instance(r);
    if (out == NULL)
        return NULL;
    ed_result *t = ed_tick(out, t_far);
    char *s = describe(t);
    ed_result_free(t);
    return s;
}

static job jobs[64];
static size_t njobs;

typedef struct worker {
    pthread_t thread;
    const ed_instance *shared; /* a snapshot whose last reference may be ours */
    ed_instance *mine;
    size_t index;
    size_t mismatches;
    size_t runs;
} worker;

static bool same(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static void *work(void *arg)
{
    worker *w = arg;
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t k = 0; k < njobs; k++) {
            /* start at a different job in each thread to mix the calls */
            const job *j = &jobs[(k + (size_t)round + w->index) % njobs];
            ed_instance *in = ed_instance_ref(j->in);
            ed_result *r = run(j, in);
            char *d = r ? describe(r) : NULL;
            char *c = r ? chain(r) : NULL;
            bool ok = r != NULL && same(d, j->ref_text) && same(c, j->chain_text) &&
                      ed_instance_equal(ed_result_instance(r), ed_result_instance(j->ref));
            /* the reference result is read concurrently by every thread */
            char *again = describe(j->ref);
            ok = ok && same(again, j->ref_text);
            if (!ok)
                w->mismatches++;
            w->runs++;
            free(again);
            free(c);
            free(d);
            ed_result_free(r);
            ed_instance_free(in);
        }
    }
    /* drop the reference handed to this thread; one of the threads frees
     * the snapshot */
    ed_instance_free(w->mine);
    return NULL;
}

static void add_job(const ed_instance *in, enum job_kind kind, const char *now, int arg)
{
    ck_assert_uint_lt(njobs, sizeof jobs / sizeof jobs[0]);
    job *j = &jobs[njobs++];
    j->in = in;
    j->kind = kind;
    j->now = tp(now);
    j->arg = arg;
    j->ref = run(j, in);
    ck_assert_ptr_nonnull(j->ref);
    j->ref_text = describe(j->ref);
    ck_assert_ptr_nonnull(j->ref_text);
    j->chain_text = chain(j->ref);
}

START_TEST(test_threads_share_snapshots)
{
    ed_instance *s = standard4();
    ed_instance *p = upgraded5();
    ed_instance *q = upgraded_downgrade6();
    /* a snapshot whose only references end up in the workers */
    ed_instance *last = take_ok(ed_add_topic(s, tp(T_CREATE), "refunds"));
    const ed_instance *snaps[] = {s, p, q, last};
    njobs = 0;
    for (size_t i = 0; i < 4; i++) {
        const ed_instance *in = snaps[i];
        add_job(in, J_UPGRADE, "2026-02-01T00:00:00Z", 12);
        add_job(in, J_TICK, "2026-03-01T00:00:00Z", 0);
        add_job(in, J_TICK, "2026-04-01T00:00:00Z", 0);
        add_job(in, J_TICK, "2026-02-15T00:00:00Z", 0);
        add_job(in, J_ADD_TOPIC, "2026-02-20T00:00:00Z", 1);
        add_job(in, J_ADD_TOPIC, "2026-02-20T00:00:00Z", 0);
        add_job(in, J_SET, "2026-02-20T00:00:00Z", ED_ACTION_DOWNGRADE_TO_STANDARD);
        add_job(in, J_REFUND, "2026-02-20T00:00:00Z", 1);
        add_job(in, J_REFUND, "2026-02-20T00:00:00Z", 0);
        add_job(in, J_PLAN, "2026-02-20T00:00:00Z", ED_PLAN_AT_EXPIRY);
        add_job(in, J_RENEW, "2026-02-20T00:00:00Z", 3);
    }
    /* the jobs really differ from one another */
    ck_assert_str_ne(jobs[0].ref_text, jobs[1].ref_text);

    worker w[THREADS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < THREADS; i++) {
        w[i].index = (size_t)i;
        w[i].mine = ed_instance_ref(last);
        ck_assert_int_eq(pthread_create(&w[i].thread, NULL, work, &w[i]), 0);
    }
    /* the main thread lets go of `last` while the workers use it */
    ed_instance_free(last);
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_join(w[i].thread, NULL), 0);
    size_t mismatches = 0, runs = 0;
    for (int i = 0; i < THREADS; i++) {
        mismatches += w[i].mismatches;
        runs += w[i].runs;
    }
    ck_assert_uint_eq(runs, (size_t)THREADS * ROUNDS * njobs);
    ck_assert_uint_eq(mismatches, 0);
    for (size_t k = 0; k < njobs; k++) {
        ed_result_free(jobs[k].ref);
        free(jobs[k].ref_text);
        free(jobs[k].chain_text);
    }
    ed_instance_free(q);
    ed_instance_free(p);
    ed_instance_free(s);
}
END_TEST

/* Threads building their own snapshot chains from one shared root, each
 * freeing as it goes: the shared root's count goes up and down at once. */
static void *churn(void *arg)
{
    const ed_instance *root = arg;
    size_t bad = 0;
    for (int i = 0; i < 300; i++) {
        ed_instance *cur = ed_instance_ref(root);
        ed_result *r = ed_upgrade(cur, t_upgrade, 1);
        ed_instance *a = ed_instance_ref(ed_result_instance(r));
        ed_result_free(r);
        r = ed_tick(a, t_after_release);
        if (ed_result_status(r) != ED_OK ||
            ed_instance_lifecycle(ed_result_instance(r)) != ED_LIFECYCLE_RELEASED ||
            ed_effect_list_count(ed_result_effects(r)) != 8)
            bad++;
        ed_result_free(r);
        ed_instance_free(a);
        ed_instance_free(cur);
    }
    return (void *)(uintptr_t)bad;
}

START_TEST(test_threads_reference_counts)
{
    ed_instance *root = standard4();
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, churn, root), 0);
    size_t bad = 0;
    for (int i = 0; i < THREADS; i++) {
        void *ret = NULL;
        ck_assert_int_eq(pthread_join(t[i], &ret), 0);
        bad += (size_t)(uintptr_t)ret;
    }
    ck_assert_uint_eq(bad, 0);
    /* the root is intact after all that */
    ck_assert_uint_eq(ed_instance_revision(root), 4);
    ck_assert_uint_eq(ed_instance_topic_count(root), 2);
    ck_assert_str_eq(ed_instance_topic(root, 1), "payments");
    ed_instance_free(root);
}
END_TEST

/* Keys and texts are written on first request (lib/effects.c): threads
 * that ask for them at the same moment, on a fresh result, must all get
 * the same strings, at the same addresses, equal to what one thread reads
 * from an identical result. */
typedef struct first_reader {
    pthread_t thread;
    int index;
    const ed_effect_list *list;
    pthread_barrier_t *start;
    const char *first_key, *last_text;
    size_t chars;
} first_reader;

static void *read_first(void *arg)
{
    first_reader *f = arg;
    (void)pthread_barrier_wait(f->start);
    size_t n = ed_effect_list_count(f->list);
    /* half the threads start from the end, so that both ends race */
    for (size_t k = 0; k < n; k++) {
        size_t i = f->index % 2 ? k : n - 1 - k;
        const ed_effect *e = ed_effect_list_get(f->list, i);
        const char *key = ed_effect_key(e), *t = ed_effect_text(e);
        if (key == NULL || t == NULL)
            return NULL;
        f->chars += strlen(key) + strlen(t);
    }
    f->first_key = ed_effect_key(ed_effect_list_get(f->list, 0));
    f->last_text = ed_effect_text(ed_effect_list_get(f->list, n - 1));
    return NULL;
}

START_TEST(test_threads_first_read_of_keys_and_texts)
{
    ed_instance *in = standard4();
    for (int i = 0; i < 300; i++) {
        char name[32];
        snprintf(name, sizeof name, "topic-%03d", i);
        ed_instance *next = take_ok(ed_add_topic(in, t_upgrade, name));
        ed_instance_free(in);
        in = next;
    }
    ed_result *ref = ed_upgrade(in, t_upgrade, 1);
    ck_assert_int_eq(ed_result_status(ref), ED_OK);
    const ed_effect_list *rl = ed_result_effects(ref);
    size_t n = ed_effect_list_count(rl), want = 0;
    ck_assert_uint_gt(n, 300);
    for (size_t i = 0; i < n; i++)
        want += strlen(ed_effect_key(ed_effect_list_get(rl, i))) +
                strlen(ed_effect_text(ed_effect_list_get(rl, i)));
    for (int round = 0; round < 20; round++) {
        ed_result *r = ed_upgrade(in, t_upgrade, 1);
        ck_assert_int_eq(ed_result_status(r), ED_OK);
        pthread_barrier_t start;
        ck_assert_int_eq(pthread_barrier_init(&start, NULL, THREADS), 0);
        first_reader f[THREADS];
        memset(f, 0, sizeof f);
        for (int i = 0; i < THREADS; i++) {
            f[i].index = i;
            f[i].list = ed_result_effects(r);
            f[i].start = &start;
            ck_assert_int_eq(pthread_create(&f[i].thread, NULL, read_first, &f[i]), 0);
        }
        for (int i = 0; i < THREADS; i++)
            ck_assert_int_eq(pthread_join(f[i].thread, NULL), 0);
        (void)pthread_barrier_destroy(&start);
        for (int i = 0; i < THREADS; i++) {
            ck_assert_uint_eq(f[i].chars, want);
            ck_assert_ptr_eq(f[i].first_key, f[0].first_key);
            ck_assert_ptr_eq(f[i].last_text, f[0].last_text);
        }
        ck_assert_str_eq(f[0].first_key, ed_effect_key(ed_effect_list_get(rl, 0)));
        ck_assert_str_eq(f[0].last_text, ed_effect_text(ed_effect_list_get(rl, n - 1)));
        ed_result_free(r);
    }
    ed_result_free(ref);
    ed_instance_free(in);
}
END_TEST

/* Removals share the tree of removed positions of the table they start
 * from (lib/names.c): threads that remove and add topics from one snapshot
 * with removed names at the same moment, and read it meanwhile, must all
 * see it unchanged and get the names their own steps leave. */
enum { WIDE_TOPICS = 600, WIDE_REMOVED = 60 };

typedef struct name_worker {
    pthread_t thread;
    int index;
    const ed_instance *root;
    char (*names)[16]; /* the root's topics in order */
    size_t count;
    size_t bad;
} name_worker;

static void *remove_and_read(void *arg)
{
    name_worker *w = arg;
    for (int i = 0; i < 60; i++) {
        size_t at = ((size_t)i * 31 + (size_t)w->index * 7) % w->count;
        ed_result *r = ed_remove_topic(w->root, t_upgrade, w->names[at]);
        const ed_instance *a = ed_result_instance(r);
        char name[32];
        snprintf(name, sizeof name, "w%d-%d", w->index, i);
        ed_result *r2 = ed_add_topic(a, t_upgrade, name);
        const ed_instance *b = ed_result_instance(r2);
        if (ed_result_status(r) != ED_OK || ed_result_status(r2) != ED_OK ||
            ed_instance_topic_count(b) != w->count || ed_instance_has_topic(b, w->names[at]) ||
            !ed_instance_has_topic(b, name) ||
            strcmp(ed_instance_topic(b, w->count - 1), name) != 0 ||
            strcmp(ed_instance_topic(b, at), at + 1 < w->count ? w->names[at + 1] : name) != 0)
            w->bad++;
        ed_result_free(r2);
        ed_result_free(r);
        /* the root, read meanwhile, is as it was */
        for (size_t k = (size_t)i; k < w->count; k += 53) {
            if (strcmp(ed_instance_topic(w->root, k), w->names[k]) != 0 ||
                !ed_instance_has_topic(w->root, w->names[k]))
                w->bad++;
        }
    }
    return NULL;
}

START_TEST(test_threads_remove_names_from_one_snapshot)
{
    ed_instance *in = take_ok(ed_create_standard("MQ_THREADS_NAMES", "http://names:80",
                                                 t_upgrade, NULL));
    for (int i = 0; i < WIDE_TOPICS; i++) {
        char name[32];
        snprintf(name, sizeof name, "topic-%03d", i);
        ed_instance *next = take_ok(ed_add_topic(in, t_upgrade, name));
        ed_instance_free(in);
        in = next;
    }
    for (int i = 0; i < WIDE_REMOVED; i++) {
        char name[32];
        snprintf(name, sizeof name, "topic-%03d", i * 10 + 3);
        ed_instance *next = take_ok(ed_remove_topic(in, t_upgrade, name));
        ed_instance_free(in);
        in = next;
    }
    size_t count = ed_instance_topic_count(in);
    ck_assert_uint_eq(count, WIDE_TOPICS - WIDE_REMOVED);
    char(*names)[16] = calloc(count, sizeof *names);
    ck_assert_ptr_nonnull(names);
    for (size_t k = 0; k < count; k++)
        snprintf(names[k], sizeof names[k], "%s", ed_instance_topic(in, k));
    name_worker w[THREADS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < THREADS; i++) {
        w[i].index = i;
        w[i].root = in;
        w[i].names = names;
        w[i].count = count;
        ck_assert_int_eq(pthread_create(&w[i].thread, NULL, remove_and_read, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        ck_assert_int_eq(pthread_join(w[i].thread, NULL), 0);
        ck_assert_uint_eq(w[i].bad, 0);
    }
    for (size_t k = 0; k < count; k++)
        ck_assert_str_eq(ed_instance_topic(in, k), names[k]);
    free(names);
    ed_instance_free(in);
}
END_TEST

int main(void)
{
    t_far = tp("2031-01-01T00:00:00Z");
    t_upgrade = tp("2026-02-01T00:00:00Z");
    t_after_release = tp("2026-03-09T00:00:00Z");
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_add_test(tc, test_threads_share_snapshots);
    tcase_add_test(tc, test_threads_reference_counts);
    tcase_add_test(tc, test_threads_first_read_of_keys_and_texts);
    tcase_add_test(tc, test_threads_remove_names_from_one_snapshot);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
