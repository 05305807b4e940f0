/* Benchmark of the transitions: how their cost and memory scale with the
 * number of topics, against floors measured in the same run.
 *
 * Every figure is a ratio of two measurements taken in this one process,
 * interleaved round by round, and each side is the median of its rounds,
 * so that the noise of a shared machine cancels instead of deciding.
 * The output ends with one line per target,
 *   RATIO <name> <measured> <target> <op>
 * which scripts/bench collects. Targets (issue 15):
 *   state_only_scaling      <= 1.5  set_post_expiration_action + renew on a
 *                                   1,000,000-topic instance / a 10-topic one
 *   snapshot_memory_sharing <= 1.1  1,000 successive state-only snapshots of
 *                                   a 100,000-topic instance, all alive / one
 *   upgrade_vs_floor        <= 3    upgrade of a 100,000-topic instance / a
 *                                   loop filling 100,000 minimal records
 *   upgrade_read_vs_eager   <= 1.5  upgrade, then reading every key and text
 *                                   / the eager path of 0.1.0 (below)
 *   topic_change_scaling    <= 3    add_topic on 1,000,000 topics / on 10
 *   topic_remove_scaling    <= 3    remove_topic on 1,000,000 topics / on 10
 *   fleet_sweep_vs_scan     <= 3    next deadline of 1,000,000 snapshots and
 *                                   a tick of the 1% due / reading one 64-bit
 *                                   field of 1,000,000 heap objects
 * With the argument "removal", prints only the removal figures (the ratio
 * and the churn of 8,000 steps). With the argument "profile", runs five upgrades of 100,000 topics and
 * reads their effects, for a profiler. With the argument "curve", prints instead the cost of a state-only
 * transition and of an upgrade against the topic count (docs/performance.md
 * draws it). */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libedition.h"

#define ROUNDS 7
#define NOW ((ed_time)1770681600) /* 2026-02-10T00:00:00Z */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, size_t n)
{
    qsort(t, n, sizeof t[0], cmp_double);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_transitions: %s\n", what);
    exit(2);
}

/* ---- counting allocator (ed_set_allocator) ---------------------------- */

static atomic_size_t live_bytes;

static void *count_malloc(size_t size, void *ctx)
{
    (void)ctx;
    void *p = malloc(size);
    if (p)
        atomic_fetch_add(&live_bytes, malloc_usable_size(p));
    return p;
}

static void *count_realloc(void *p, size_t size, void *ctx)
{
    (void)ctx;
    size_t old = p ? malloc_usable_size(p) : 0;
    void *q = realloc(p, size);
    if (q) {
        atomic_fetch_sub(&live_bytes, old);
        atomic_fetch_add(&live_bytes, malloc_usable_size(q));
    }
    return q;
}

static void count_free(void *p, void *ctx)
{
    (void)ctx;
    if (p)
        atomic_fetch_sub(&live_bytes, malloc_usable_size(p));
    free(p);
}

/* ---- generated states --------------------------------------------------- */

/* A state file with `topics` topics (topic-0000000...) and `groups` groups;
 * Enterprise Platinum (active subscription) or Standard Edition. */
static ed_instance *make_state(bool platinum, size_t topics, size_t groups, const char *id)
{
    size_t cap = 4096 + (topics + groups) * 24;
    char *doc = malloc(cap);
    if (!doc)
        die("out of memory");
    size_t n = (size_t)snprintf(
        doc, cap,
        "libedition: 1\ninstance:\n  id: %s\n  endpoint: http://%s.mq.example.com:8080\n"
        "  region: cn-hangzhou\n  edition: %s\n  billing: %s\n  cluster: %s\n"
        "  lifecycle: active\n  revision: 3\n  created_at: 2026-01-05T00:00:00Z\n"
        "  updated_at: 2026-02-01T00:00:00Z\n  release_delay_days: 7\n%s  topics: [",
        id, id, platinum ? "enterprise_platinum" : "standard",
        platinum ? "subscription" : "pay_as_you_go", platinum ? "dedicated" : "shared",
        platinum ? "  subscription:\n    started_at: 2026-02-01T00:00:00Z\n"
                   "    expires_at: 2026-03-01T00:00:00Z\n    period_months: 1\n"
                   "    post_expiration_action: downgrade_to_standard\n"
                 : "");
    for (size_t i = 0; i < topics; i++)
        n += (size_t)snprintf(doc + n, cap - n, "%stopic-%07zu", i ? ", " : "", i);
    n += (size_t)snprintf(doc + n, cap - n, "]\n  groups: [");
    for (size_t i = 0; i < groups; i++)
        n += (size_t)snprintf(doc + n, cap - n, "%sGID_%07zu", i ? ", " : "", i);
    n += (size_t)snprintf(doc + n, cap - n, "]\n");
    ed_options *opts = ed_options_new();
    if (!opts || ed_options_set_int(opts, ED_OPT_MAX_DOCUMENT_SIZE, (int64_t)n + 1) != ED_OK)
        die("options");
    ed_instance *inst = NULL;
    ed_error *err = NULL;
    if (ed_instance_load_yaml(&inst, doc, n, opts, &err) != ED_OK) {
        fprintf(stderr, "load: %s\n", ed_error_message(err));
        die("cannot load the generated state");
    }
    ed_options_free(opts);
    free(doc);
    return inst;
}

static void ok(ed_result *r)
{
    if (ed_result_status(r) != ED_OK) {
        fprintf(stderr, "%s\n", ed_result_message(r));
        die("a transition failed");
    }
}

/* ---- state-only transitions --------------------------------------------- */

/* Seconds per (set_post_expiration_action + renew) pair on `in`. */
static double state_only_cost(const ed_instance *in, int reps)
{
    double t0 = seconds();
    for (int i = 0; i < reps; i++) {
        ed_result *a = ed_set_post_expiration_action(
            in, NOW, i % 2 ? ED_ACTION_DOWNGRADE_TO_STANDARD : ED_ACTION_DELETE_RESOURCE);
        ok(a);
        ed_result *b = ed_renew(in, NOW, 1 + i % 3);
        ok(b);
        ed_result_free(a);
        ed_result_free(b);
    }
    return (seconds() - t0) / reps;
}

static double state_only_scaling(void)
{
    ed_instance *small = make_state(true, 10, 1, "MQ_SMALL");
    ed_instance *big = make_state(true, 1000000, 1, "MQ_BIG");
    double ts[ROUNDS], tb[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        ts[r] = state_only_cost(small, 20000);
        tb[r] = state_only_cost(big, 20000);
    }
    double s = median(ts, ROUNDS), b = median(tb, ROUNDS);
    printf("state-only pair: %.3f us on 10 topics, %.3f us on 1,000,000\n", s * 1e6, b * 1e6);
    ed_instance_free(small);
    ed_instance_free(big);
    return b / s;
}

/* ---- memory of successive snapshots ------------------------------------- */

static double snapshot_memory_sharing(void)
{
    ed_instance *inst = NULL;
    size_t before = atomic_load(&live_bytes);
    inst = make_state(true, 100000, 10, "MQ_MEM");
    size_t one = atomic_load(&live_bytes) - before;
    enum { CHAIN = 1000 };
    ed_instance **keep = malloc(CHAIN * sizeof *keep);
    if (!keep)
        die("out of memory");
    const ed_instance *cur = inst;
    for (int i = 0; i < CHAIN; i++) {
        ed_result *r = ed_set_post_expiration_action(
            cur, NOW + i, i % 2 ? ED_ACTION_DOWNGRADE_TO_STANDARD : ED_ACTION_DELETE_RESOURCE);
        ok(r);
        keep[i] = ed_instance_ref(ed_result_instance(r));
        ed_result_free(r);
        cur = keep[i];
    }
    size_t all = atomic_load(&live_bytes) - before;
    printf("snapshots of 100,000 topics: one %zu bytes, 1,001 alive %zu bytes\n",
           one, all);
    for (int i = 0; i < CHAIN; i++)
        ed_instance_free(keep[i]);
    free(keep);
    ed_instance_free(inst);
    return (double)all / (double)one;
}

/* ---- upgrade against its floor ------------------------------------------ */

/* The floor: what emitting one effect per topic costs with no library code,
 * a loop filling a preallocated array of minimal records. */
typedef struct floor_rec {
    unsigned char kind;
    const char *subject;
    unsigned char from, to;
} floor_rec;

static __attribute__((noinline)) void fill_floor(floor_rec *recs, const char *const *names,
                                                 size_t n)
{
    for (size_t i = 0; i < n; i++) {
        recs[i].kind = 4;
        recs[i].subject = names[i];
        recs[i].from = 1;
        recs[i].to = 2;
    }
    __asm__ volatile("" : : "r"(recs) : "memory");
}

/* The eager path of 0.1.0, replayed without library code so that both
 * sides run in this process: one wide record per effect and its key,
 * subject and text printed with snprintf into a growing arena at creation. */
typedef struct eager_rec {
    int kind, subject_kind;
    unsigned flags, fields;
    uint64_t revision;
    size_t index;
    size_t key_off, subject_off, text_off;
    const char *key, *subject, *text;
    const char *from, *to, *refund, *timer;
    ed_time at, expires_at, unused_from, unused_until;
    int64_t period_months;
    bool online;
} eager_rec;

typedef struct eager_list {
    eager_rec *items;
    size_t count, cap;
    char *text;
    size_t len, cap_text;
} eager_list;

static size_t eager_printf(eager_list *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static size_t eager_printf(eager_list *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    size_t need = l->len + (size_t)n + 1;
    if (need > l->cap_text) {
        size_t cap = l->cap_text < 512 ? 512 : l->cap_text;
        while (cap < need)
            cap *= 2;
        l->text = realloc(l->text, cap);
        if (!l->text)
            die("out of memory");
        l->cap_text = cap;
    }
    size_t off = l->len;
    va_start(ap, fmt);
    (void)vsnprintf(l->text + off, (size_t)n + 1, fmt, ap);
    va_end(ap);
    l->len = need;
    return off;
}

static __attribute__((noinline)) void eager_upgrade(const char *id, const char *const *names,
                                                    size_t n)
{
    eager_list l = {0};
    for (size_t i = 0; i < n; i++) {
        if (l.count == l.cap) {
            l.cap = l.cap < 4 ? 8 : l.cap * 2;
            l.items = realloc(l.items, l.cap * sizeof *l.items);
            if (!l.items)
                die("out of memory");
        }
        eager_rec *e = &l.items[l.count++];
        memset(e, 0, sizeof *e);
        e->kind = 4;
        e->subject_kind = 1;
        e->revision = 4;
        e->index = i;
        e->from = "shared";
        e->to = "dedicated";
        e->online = true;
        e->fields = 7;
        e->key_off = eager_printf(&l, "%s/%" PRIu64 "/%zu", id, e->revision, e->index);
        e->subject_off = eager_printf(&l, "%s", names[i]);
    }
    for (size_t i = 0; i < l.count; i++) {
        eager_rec *e = &l.items[i];
        char subject[130];
        (void)snprintf(subject, sizeof subject, "%s", l.text + e->subject_off);
        e->text_off = eager_printf(&l, "migrate topic %s from %s to %s", subject,
                                   strcmp(e->from, "shared") == 0 ? "the shared cluster"
                                                                  : "the dedicated cluster",
                                   strcmp(e->to, "shared") == 0 ? "the shared cluster"
                                                                : "the dedicated cluster");
    }
    for (size_t i = 0; i < l.count; i++) {
        l.items[i].key = l.text + l.items[i].key_off;
        l.items[i].subject = l.text + l.items[i].subject_off;
        l.items[i].text = l.text + l.items[i].text_off;
    }
    __asm__ volatile("" : : "r"(l.items), "r"(l.text) : "memory");
    free(l.items);
    free(l.text);
}

static volatile size_t read_sink;

/* Reads every key and text of a list (their lengths, so every byte). */
static void read_all(const ed_effect_list *l)
{
    size_t sum = 0;
    size_t n = ed_effect_list_count(l);
    for (size_t i = 0; i < n; i++) {
        const ed_effect *e = ed_effect_list_get(l, i);
        const char *k = ed_effect_key(e), *t = ed_effect_text(e);
        if (!k || !t)
            die("an effect without key or text");
        sum += strlen(k) + strlen(t);
    }
    read_sink = sum;
}

static void upgrade_vs_floor(double *floor_ratio, double *read_ratio)
{
    enum { N = 100000 };
    ed_instance *in = make_state(false, N, 0, "MQ_INST_1380156306793859_BXq3ZzKs");
    const char **names = malloc(N * sizeof *names);
    floor_rec *recs = malloc(N * sizeof *recs);
    if (!names || !recs)
        die("out of memory");
    for (size_t i = 0; i < N; i++)
        names[i] = ed_instance_topic(in, i);
    enum { R = 3 * ROUNDS };
    double tf[R], tu[R], tr[R], te[R];
    for (int r = 0; r < R; r++) {
        double t0 = seconds();
        fill_floor(recs, names, N);
        double t1 = seconds();
        ed_result *u = ed_upgrade(in, NOW, 1);
        double t2 = seconds();
        ok(u);
        if (ed_effect_list_count(ed_result_effects(u)) < N)
            die("upgrade: too few effects");
        ed_result_free(u);
        double t3 = seconds();
        u = ed_upgrade(in, NOW, 1);
        read_all(ed_result_effects(u));
        double t4 = seconds();
        ed_result_free(u);
        double t5 = seconds();
        eager_upgrade(ed_instance_id(in), names, N);
        double t6 = seconds();
        tf[r] = t1 - t0;
        tu[r] = t2 - t1;
        tr[r] = t4 - t3;
        te[r] = t6 - t5;
    }
    double f = median(tf, R), u = median(tu, R), rd = median(tr, R), e = median(te, R);
    printf("100,000 topics: floor %.3f ms, upgrade %.3f ms, upgrade + read all keys and texts "
           "%.3f ms, eager path of 0.1.0 %.3f ms\n",
           f * 1e3, u * 1e3, rd * 1e3, e * 1e3);
    *floor_ratio = u / f;
    *read_ratio = rd / e;
    free(names);
    free(recs);
    ed_instance_free(in);
}

/* ---- copying effects out: the getters against ed_effect_list_read ------- */

/* What a binding copies of an effect: every member of a record. */
static __attribute__((noinline)) void copy_by_getters(const ed_effect_list *l, size_t first,
                                                      size_t n, ed_effect_record *out)
{
    for (size_t i = 0; i < n; i++) {
        const ed_effect *e = ed_effect_list_get(l, first + i);
        ed_effect_record *r = &out[i];
        unsigned fields = ed_effect_fields(e);
        r->kind = ed_effect_kind_of(e);
        r->subject_kind = ed_effect_subject_kind(e);
        r->flags = ed_effect_flags(e);
        r->fields = fields;
        r->revision = ed_effect_revision(e);
        r->index = ed_effect_index(e);
        r->key = ed_effect_key(e);
        r->instance_id = ed_effect_instance_id(e);
        r->subject = ed_effect_subject(e);
        r->text = ed_effect_text(e);
        for (int f = ED_FIELD_FIRST; fields >> f != 0; f++) {
            if (!(fields & (1u << f)))
                continue;
            ed_time t = 0;
            int64_t v = 0;
            switch ((ed_field)f) {
            case ED_FIELD_FROM: r->from = ed_effect_string(e, ED_FIELD_FROM); break;
            case ED_FIELD_TO: r->to = ed_effect_string(e, ED_FIELD_TO); break;
            case ED_FIELD_REFUND: r->refund = ed_effect_string(e, ED_FIELD_REFUND); break;
            case ED_FIELD_TIMER: r->timer = ed_effect_string(e, ED_FIELD_TIMER); break;
            case ED_FIELD_AT: (void)ed_effect_time(e, ED_FIELD_AT, &t); r->at = t; break;
            case ED_FIELD_EXPIRES_AT:
                (void)ed_effect_time(e, ED_FIELD_EXPIRES_AT, &t);
                r->expires_at = t;
                break;
            case ED_FIELD_UNUSED_FROM:
                (void)ed_effect_time(e, ED_FIELD_UNUSED_FROM, &t);
                r->unused_from = t;
                break;
            case ED_FIELD_UNUSED_UNTIL:
                (void)ed_effect_time(e, ED_FIELD_UNUSED_UNTIL, &t);
                r->unused_until = t;
                break;
            case ED_FIELD_PERIOD_MONTHS:
                (void)ed_effect_int(e, ED_FIELD_PERIOD_MONTHS, &v);
                r->period_months = v;
                break;
            case ED_FIELD_ONLINE:
                (void)ed_effect_int(e, ED_FIELD_ONLINE, &v);
                r->online = v != 0;
                break;
            }
        }
    }
}

/* Seconds to copy every effect of `l` in batches of 256 records, through
 * the getters (bulk false) or ed_effect_list_read. */
static double copy_effects(const ed_effect_list *l, bool bulk, ed_effect_record *recs)
{
    enum { BATCH = 256 };
    size_t n = ed_effect_list_count(l), sum = 0;
    double t0 = seconds();
    for (size_t first = 0; first < n; first += BATCH) {
        size_t k = n - first < BATCH ? n - first : BATCH;
        recs[0].size = sizeof recs[0];
        if (bulk) {
            if (ed_effect_list_read(l, first, k, recs) != ED_OK)
                die("ed_effect_list_read");
        } else {
            copy_by_getters(l, first, k, recs);
        }
        for (size_t i = 0; i < k; i++)
            sum += recs[i].fields + (size_t)recs[i].kind;
    }
    double t = seconds() - t0;
    read_sink = sum;
    return t;
}

/* The bulk reader against the getters, copying out the 100,002 effects of
 * an upgrade of 100,000 topics and 2 groups (keys and texts written before
 * either, so both copy the same). */
static double effect_read_vs_getters(void)
{
    ed_instance *in = make_state(false, 100000, 2, "MQ_INST_1380156306793859_BXq3ZzKs");
    ed_result *u = ed_upgrade(in, NOW, 1);
    ok(u);
    const ed_effect_list *l = ed_result_effects(u);
    read_all(l);
    ed_effect_record *recs = calloc(256, sizeof *recs);
    if (!recs)
        die("out of memory");
    enum { R = 3 * ROUNDS };
    double tg[R], tb[R];
    for (int r = 0; r < R; r++) {
        tg[r] = copy_effects(l, false, recs);
        tb[r] = copy_effects(l, true, recs);
    }
    double g = median(tg, R), b = median(tb, R);
    printf("copying out %zu effects: getters %.3f ms, ed_effect_list_read %.3f ms\n",
           ed_effect_list_count(l), g * 1e3, b * 1e3);
    free(recs);
    ed_result_free(u);
    ed_instance_free(in);
    return b / g;
}

/* ---- a topic change ------------------------------------------------------ */

/* Seconds per add_topic (remove false) or remove_topic (remove true) on
 * `in`, a snapshot of `topics` topics topic-0000000..., at least `min_reps`
 * of them and 20 ms; each change is made to the same snapshot. */
static double topic_change_cost(const ed_instance *in, size_t topics, bool remove, int min_reps)
{
    int reps = 0;
    double t0 = seconds(), t;
    do {
        char name[32];
        ed_result *r;
        if (remove) {
            /* spread over the table: a removal near its start is no cheaper */
            snprintf(name, sizeof name, "topic-%07zu", ((size_t)reps * 7919u) % topics);
            r = ed_remove_topic(in, NOW, name);
        } else {
            snprintf(name, sizeof name, "new-topic-%d", reps);
            r = ed_add_topic(in, NOW, name);
        }
        ok(r);
        ed_result_free(r);
        reps++;
        t = seconds() - t0;
    } while (reps < min_reps || t < 0.02);
    return t / reps;
}

/* add_topic (remove false) or remove_topic on a 1,000,000-topic instance
 * (999,999 for an addition, so that it is legal) / the same on 10 topics. */
static double topic_scaling(bool remove)
{
    size_t big_count = remove ? 1000000 : 999999;
    ed_instance *small = make_state(true, 10, 1, "MQ_SMALL");
    ed_instance *big = make_state(true, big_count, 0, "MQ_BIG");
    double ts[ROUNDS], tb[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        ts[r] = topic_change_cost(small, 10, remove, 2000);
        tb[r] = topic_change_cost(big, big_count, remove, 3);
    }
    double s = median(ts, ROUNDS), b = median(tb, ROUNDS);
    printf("%s: %.3f us on 10 topics, %.3f us on %s\n", remove ? "remove_topic" : "add_topic",
           s * 1e6, b * 1e6, remove ? "1,000,000" : "999,999");
    ed_instance_free(small);
    ed_instance_free(big);
    return b / s;
}

/* Seconds for `steps` alternating add_topic / remove_topic on a history
 * that starts at 500,000 topics: each step's result is the next one's
 * input, as a host applying commands keeps it. The removals take the
 * original topics in a spread order, so tombstones accumulate across the
 * table. */
static double topic_churn(size_t steps)
{
    enum { TOPICS = 500000 };
    ed_instance *in = make_state(true, TOPICS, 0, "MQ_CHURN");
    double t0 = seconds();
    for (size_t i = 0; i < steps; i++) {
        char name[32];
        ed_result *r;
        if (i % 2 == 0) {
            snprintf(name, sizeof name, "churn-%zu", i);
            r = ed_add_topic(in, NOW, name);
        } else {
            snprintf(name, sizeof name, "topic-%07zu", (i * 7919u) % TOPICS);
            r = ed_remove_topic(in, NOW, name);
        }
        ok(r);
        ed_instance *next = ed_instance_ref(ed_result_instance(r));
        ed_result_free(r);
        ed_instance_free(in);
        in = next;
    }
    double t = seconds() - t0;
    if (ed_instance_topic_count(in) != TOPICS)
        die("churn: wrong topic count");
    ed_instance_free(in);
    return t;
}

/* ---- a fleet sweep ------------------------------------------------------- */

typedef struct scan_obj {
    uint64_t deadline;
    char rest[120]; /* about the size of a snapshot */
} scan_obj;

static double fleet_sweep_vs_scan(void)
{
    enum { FLEET = 1000000, BASES = 100 };
    /* 100 small instances whose subscriptions expire an hour apart; one
     * of them (1%) is due at the sweep's time */
    ed_instance *bases[BASES];
    for (int b = 0; b < BASES; b++) {
        char id[32];
        snprintf(id, sizeof id, "MQ_FLEET_%03d", b);
        ed_instance *std = make_state(false, 5, 2, id);
        ed_result *u = ed_upgrade(std, NOW + (ed_time)b * 3600, 1);
        ok(u);
        bases[b] = ed_instance_ref(ed_result_instance(u));
        ed_result_free(u);
        ed_instance_free(std);
    }
    ed_time due_at;
    if (!ed_instance_next_deadline(bases[0], &due_at))
        die("no deadline");
    ed_instance **fleet = malloc(FLEET * sizeof *fleet);
    scan_obj **objs = malloc(FLEET * sizeof *objs);
    if (!fleet || !objs)
        die("out of memory");
    for (size_t i = 0; i < FLEET; i++) {
        /* a snapshot of its own (a state-only transition), sharing the
         * names of its base, as a host's fleet would hold */
        ed_result *r = ed_set_post_expiration_action(bases[i % BASES],
                                                     NOW + BASES * 3600 + (ed_time)(i % 7),
                                                     ED_ACTION_DELETE_RESOURCE);
        ok(r);
        fleet[i] = ed_instance_ref(ed_result_instance(r));
        ed_result_free(r);
        objs[i] = malloc(sizeof *objs[i]);
        if (!objs[i])
            die("out of memory");
        objs[i]->deadline = (uint64_t)i;
    }
    double tsw[ROUNDS], tsc[ROUNDS];
    size_t ticked = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = seconds();
        ticked = 0;
        for (size_t i = 0; i < FLEET; i++) {
            ed_time d;
            if (ed_instance_next_deadline(fleet[i], &d) && d <= due_at) {
                ed_result *t = ed_tick(fleet[i], due_at);
                ok(t);
                ticked++;
                ed_result_free(t);
            }
        }
        double t1 = seconds();
        uint64_t sum = 0;
        for (size_t i = 0; i < FLEET; i++)
            sum += objs[i]->deadline;
        read_sink = (size_t)sum;
        double t2 = seconds();
        tsw[r] = t1 - t0;
        tsc[r] = t2 - t1;
    }
    double sw = median(tsw, ROUNDS), sc = median(tsc, ROUNDS);
    printf("fleet of 1,000,000: sweep %.2f ms (%zu ticked), scan %.2f ms\n", sw * 1e3, ticked,
           sc * 1e3);
    for (size_t i = 0; i < FLEET; i++) {
        ed_instance_free(fleet[i]);
        free(objs[i]);
    }
    free(fleet);
    free(objs);
    for (int b = 0; b < BASES; b++)
        ed_instance_free(bases[b]);
    return sw / sc;
}

/* ---- the curve of docs/performance.md ------------------------------------ */

static void curve(void)
{
    static const size_t sizes[] = {10, 100, 1000, 10000, 100000, 1000000};
    printf("# topics state_only_us upgrade_us\n");
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        ed_instance *p = make_state(true, sizes[k], 0, "MQ_CURVE");
        ed_instance *s = make_state(false, sizes[k], 0, "MQ_CURVE");
        double ts[ROUNDS], tu[ROUNDS];
        int reps = sizes[k] >= 100000 ? 3 : (int)(300000 / sizes[k]) + 3;
        for (int r = 0; r < ROUNDS; r++) {
            ts[r] = state_only_cost(p, 5000) / 2;
            double t0 = seconds();
            for (int i = 0; i < reps; i++) {
                ed_result *u = ed_upgrade(s, NOW, 1);
                ok(u);
                ed_result_free(u);
            }
            tu[r] = (seconds() - t0) / reps;
        }
        printf("%zu %.4f %.4f\n", sizes[k], median(ts, ROUNDS) * 1e6, median(tu, ROUNDS) * 1e6);
        fflush(stdout);
        ed_instance_free(p);
        ed_instance_free(s);
    }
}

int main(int argc, char **argv)
{
    if (ed_set_allocator(count_malloc, count_realloc, count_free, NULL) != ED_OK)
        die("allocator");
    if (argc > 1 && strcmp(argv[1], "curve") == 0) {
        curve();
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "profile") == 0) {
        /* for a profiler: five upgrades of 100,000 topics, keys and texts
         * read after each */
        ed_instance *in = make_state(false, 100000, 0, "MQ_PROFILE");
        for (int i = 0; i < 5; i++) {
            ed_result *u = ed_upgrade(in, NOW, 1);
            ok(u);
            read_all(ed_result_effects(u));
            ed_result_free(u);
        }
        ed_instance_free(in);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "copy") == 0) {
        /* only the copying of effects out */
        printf("RATIO effect_read_vs_getters %.2f 1 <=\n", effect_read_vs_getters());
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "removal") == 0) {
        /* only the removal figures */
        double removal = topic_scaling(true);
        printf("churn: 8,000 alternating add_topic/remove_topic on 500,000 topics: %.3f s\n",
               topic_churn(8000));
        printf("RATIO topic_remove_scaling %.2f 3 <=\n", removal);
        return 0;
    }
    double state = state_only_scaling();
    double mem = snapshot_memory_sharing();
    double up, rd;
    upgrade_vs_floor(&up, &rd);
    double topic = topic_scaling(false);
    double removal = topic_scaling(true);
    double churn = topic_churn(8000);
    printf("churn: 8,000 alternating add_topic/remove_topic on 500,000 topics: %.3f s\n",
           churn);
    double fleet = fleet_sweep_vs_scan();
    double copy = effect_read_vs_getters();
    printf("RATIO state_only_scaling %.2f 1.5 <=\n", state);
    printf("RATIO snapshot_memory_sharing %.3f 1.1 <=\n", mem);
    printf("RATIO upgrade_vs_floor %.2f 3 <=\n", up);
    printf("RATIO upgrade_read_vs_eager %.2f 1.5 <=\n", rd);
    printf("RATIO topic_change_scaling %.2f 3 <=\n", topic);
    printf("RATIO topic_remove_scaling %.2f 3 <=\n", removal);
    printf("RATIO fleet_sweep_vs_scan %.2f 3 <=\n", fleet);
    printf("RATIO effect_read_vs_getters %.2f 1 <=\n", copy);
    return 0;
}
