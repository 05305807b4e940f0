/* Allocation-failure injection, SQLite style: for every public entry point,
 * fail the 1st, 2nd, ... Nth allocation until the call no longer allocates
 * as much as N; then again with the Nth and every later allocation
 * failing (memory that stays short defeats a retry inside the library,
 * which a single failure does not). Each run must return ED_NO_MEMORY or the same outcome as
 * without failure, leave its inputs untouched and leak nothing.
 *
 * The binary is linked with -Wl,--wrap for malloc, calloc, realloc, strdup
 * and free against the static libedition and a static libyaml, so libyaml's
 * own allocations fail too. The wrappers keep a count of live blocks: the
 * leak check needs no sanitizer (and LeakSanitizer still runs on top of it
 * in the sanitizer stage). */
#include <check.h>
#include <libedition.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
void __wrap_free(void *p);

static size_t pending; /* the allocation the next go() will fail; 0: none */
static size_t fail_at; /* armed: the allocation to fail; 0: never */
static size_t calls;   /* allocations since go() */
static long live;      /* blocks allocated and not yet freed */
static size_t used;    /* allocations the armed call made */
static size_t points;  /* failure points exercised in this process */

/* Each case calls go() right before its API call and stop() right after,
 * so that only the call under test sees failures. */
static bool went;

static void go(void)
{
    calls = 0;
    fail_at = pending;
    went = true;
}

static void stop(void)
{
    used = calls;
    fail_at = 0;
}

/* Once: only allocation fail_at fails (the library may retry and
 * succeed). Persistent: it and every later one fail, as when memory stays
 * short, which a retry inside the library cannot get round. */
static bool persistent;

static int inject(void)
{
    if (fail_at == 0)
        return 0;
    ++calls;
    return persistent ? calls >= fail_at : calls == fail_at;
}

void *__wrap_malloc(size_t size)
{
    if (inject())
        return NULL;
    void *p = __real_malloc(size);
    if (p != NULL)
        live++;
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (inject())
        return NULL;
    void *p = __real_calloc(n, size);
    if (p != NULL)
        live++;
    return p;
}

void *__wrap_realloc(void *p, size_t size)
{
    if (inject())
        return NULL;
    void *q = __real_realloc(p, size);
    if (q != NULL && p == NULL)
        live++;
    return q;
}

char *__wrap_strdup(const char *s)
{
    if (inject())
        return NULL;
    char *p = __real_strdup(s);
    if (p != NULL)
        live++;
    return p;
}

void __wrap_free(void *p)
{
    if (p != NULL)
        live--;
    __real_free(p);
}

/* ---- fixtures ---------------------------------------------------------- */

static ed_time T0, T_MID, T_EXPIRY, T_RELEASE;
static ed_instance *standard;     /* standard, 3 topics, 2 groups */
static ed_instance *platinum;     /* upgraded, migration done, delete_resource */
static ed_instance *platinum_dg;  /* platinum with downgrade_to_standard */
static ed_instance *expired;      /* platinum past expiry with delete_resource */
static ed_instance *migrating;    /* just upgraded: migration in flight */
static ed_instance *wide;         /* standard with 40 topics and 20 groups */
static ed_instance *wide_dg;      /* wide, upgraded, action downgrade_to_standard */
static ed_instance *holey;        /* wide less topics 03, 05 and 11 (removed names) */
static ed_instance *long_holey;   /* 4,200 topics less t4150: a tree past position 4,096 */
static ed_instance *sparse;       /* 4 topics less 2: the next removal compacts */

static ed_time at(const char *s)
{
    ed_time t = 0;
    ck_assert_int_eq(ed_time_parse(s, strlen(s), &t), ED_OK);
    return t;
}

/* Takes the result's snapshot and frees the result. */
static ed_instance *take(ed_result *r)
{
    ck_assert_msg(ed_result_status(r) == ED_OK, "fixture: %s", ed_result_message(r));
    ed_instance *in = ed_instance_ref(ed_result_instance(r));
    ed_result_free(r);
    return in;
}

static void setup(void)
{
    T0 = at("2026-01-31T00:00:00Z");
    T_MID = at("2026-02-10T00:00:00Z");
    T_EXPIRY = at("2026-02-28T00:00:00Z");
    T_RELEASE = at("2026-03-07T00:00:00Z");
    ed_instance *s = take(ed_create_standard("MQ_INST_1380156306793859_BXq3ZzKs",
                                             "http://mq.example:8080", T0, NULL));
    const char *topics[] = {"orders", "payments", "refunds"};
    for (size_t i = 0; i < 3; i++) {
        ed_instance *n = take(ed_add_topic(s, T0, topics[i]));
        ed_instance_free(s);
        s = n;
    }
    const char *groups[] = {"GID_billing", "GID_audit"};
    for (size_t i = 0; i < 2; i++) {
        ed_instance *n = take(ed_add_group(s, T0, groups[i]));
        ed_instance_free(s);
        s = n;
    }
    standard = s;
    migrating = take(ed_upgrade(standard, T0, 1));
    platinum = take(ed_complete_migration(migrating, T0));
    platinum_dg = take(ed_set_post_expiration_action(platinum, T0, ED_ACTION_DOWNGRADE_TO_STANDARD));
    expired = take(ed_tick(platinum, T_EXPIRY));

    /* enough effects that the list and its text arena grow in the middle of
     * a transition, so that every growth can fail */
    ed_instance *w = take(ed_create_standard("MQ_INST_wide", "http://wide:80", T0, NULL));
    for (int i = 0; i < 60; i++) {
        char name[32];
        snprintf(name, sizeof name, i < 40 ? "topic_%02d" : "GID_%02d", i);
        ed_instance *n = take(i < 40 ? ed_add_topic(w, T0, name) : ed_add_group(w, T0, name));
        ed_instance_free(w);
        w = n;
    }
    wide = w;
    ed_instance *up = take(ed_upgrade(wide, T0, 1));
    ed_instance *done = take(ed_complete_migration(up, T0));
    wide_dg = take(ed_set_post_expiration_action(done, T0, ED_ACTION_DOWNGRADE_TO_STANDARD));
    ed_instance_free(up);
    ed_instance_free(done);

    /* tables with removed names (lib/names.c): the removals, additions,
     * walks and dumps that read or copy their trees of removed positions */
    ed_instance *h = ed_instance_ref(wide);
    const char *gone[] = {"topic_03", "topic_05", "topic_11"};
    for (size_t i = 0; i < 3; i++) {
        ed_instance *n = take(ed_remove_topic(h, T0, gone[i]));
        ed_instance_free(h);
        h = n;
    }
    holey = h;
    enum { LONG_TOPICS = 4200 };
    size_t cap = 512 + LONG_TOPICS * 8, len = 0;
    char *doc = malloc(cap);
    ck_assert_ptr_nonnull(doc);
    len += (size_t)snprintf(doc, cap,
                            "libedition: 1\ninstance:\n  id: MQ_INST_long\n"
                            "  endpoint: http://long:80\n  edition: standard\n"
                            "  billing: pay_as_you_go\n  cluster: shared\n  lifecycle: active\n"
                            "  revision: 1\n  created_at: 2026-01-31T00:00:00Z\n"
                            "  updated_at: 2026-01-31T00:00:00Z\n  release_delay_days: 7\n"
                            "  topics: [");
    for (int i = 0; i < LONG_TOPICS; i++)
        len += (size_t)snprintf(doc + len, cap - len, "%st%04d", i ? ", " : "", i);
    len += (size_t)snprintf(doc + len, cap - len, "]\n  groups: []\n");
    ed_instance *l = NULL;
    ck_assert_int_eq(ed_instance_load_yaml(&l, doc, len, NULL, NULL), ED_OK);
    free(doc);
    long_holey = take(ed_remove_topic(l, T0, "t4150"));
    ed_instance_free(l);
    ed_instance *p = take(ed_create_standard("MQ_INST_sparse", "http://sparse:80", T0, NULL));
    const char *four[] = {"aaa", "bbb", "ccc", "ddd", "bbb", "ddd"};
    for (size_t i = 0; i < 6; i++) {
        ed_instance *n = take(i < 4 ? ed_add_topic(p, T0, four[i]) : ed_remove_topic(p, T0, four[i]));
        ed_instance_free(p);
        p = n;
    }
    sparse = p;
}

static void teardown(void)
{
    ed_instance_free(standard);
    ed_instance_free(migrating);
    ed_instance_free(platinum);
    ed_instance_free(platinum_dg);
    ed_instance_free(expired);
    ed_instance_free(wide);
    ed_instance_free(wide_dg);
    ed_instance_free(holey);
    ed_instance_free(long_holey);
    ed_instance_free(sparse);
}

/* ---- fingerprints: the whole observable outcome as text ---------------- */

#define FP_SIZE 65536

static void fp_printf(char *fp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fp_printf(char *fp, const char *fmt, ...)
{
    size_t len = strlen(fp);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fp + len, FP_SIZE - len, fmt, ap);
    va_end(ap);
}

static void fp_instance(char *fp, const ed_instance *in)
{
    if (in == NULL) {
        fp_printf(fp, "instance: none\n");
        return;
    }
    ed_time exp = 0;
    ed_instance_subscription(in, NULL, &exp, NULL, NULL);
    fp_printf(fp, "instance %s %s %s rev %llu upd %lld exp %lld topics %zu groups %zu\n",
              ed_instance_id(in), ed_edition_name(ed_instance_edition(in)),
              ed_lifecycle_name(ed_instance_lifecycle(in)),
              (unsigned long long)ed_instance_revision(in), (long long)ed_instance_updated_at(in),
              (long long)exp, ed_instance_topic_count(in), ed_instance_group_count(in));
    for (size_t i = 0; i < ed_instance_topic_count(in); i++)
        fp_printf(fp, " t:%s", ed_instance_topic(in, i));
    for (size_t i = 0; i < ed_instance_group_count(in); i++)
        fp_printf(fp, " g:%s", ed_instance_group(in, i));
    fp_printf(fp, "\n");
}

static void fp_effects(char *fp, const char *what, const ed_effect_list *list)
{
    for (size_t i = 0; i < ed_effect_list_count(list); i++) {
        const ed_effect *e = ed_effect_list_get(list, i);
        fp_printf(fp, "%s %s %s %u %s\n", what, ed_effect_key(e),
                  ed_effect_kind_name(ed_effect_kind_of(e)), ed_effect_flags(e), ed_effect_text(e));
    }
}

static void fp_result(char *fp, const ed_result *r)
{
    fp_printf(fp, "status %s: %s\n", ed_status_name(ed_result_status(r)), ed_result_message(r));
    fp_instance(fp, ed_result_instance(r));
    fp_effects(fp, "effect", ed_result_effects(r));
    fp_effects(fp, "would_have", ed_result_would_have(r));
    for (size_t i = 0; i < ed_result_plan_count(r); i++)
        fp_printf(fp, "plan %s\n", ed_command_kind_name(ed_result_plan_command(r, i)));
}

/* ---- the harness ------------------------------------------------------- */

/* A case prepares its arguments, runs one API call between go() and stop(),
 * writes the outcome into fp and frees everything it made. */
typedef ed_status (*case_fn)(char *fp);

static void fp_inputs(char *fp)
{
    const ed_instance *all[] = {standard, migrating, platinum,   platinum_dg, expired,
                                wide,     wide_dg,   holey,      long_holey,  sparse};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        fp_instance(fp, all[i]);
}

static void exercise(const char *name, case_fn run)
{
    static char base[FP_SIZE], got[FP_SIZE], inputs[FP_SIZE], inputs_after[FP_SIZE];
    base[0] = inputs[0] = '\0';
    fp_inputs(inputs);

    long live0 = live;
    pending = 0;
    persistent = false;
    went = false;
    ed_status base_status = run(base);
    ck_assert_msg(went, "%s: the case did not call go()", name);
    ck_assert_msg(live == live0, "%s leaks %ld block(s) without failures", name, live - live0);
    ck_assert_msg(base_status != ED_NO_MEMORY, "%s: no_memory without a failure", name);

    for (size_t n = 1, mode = 0; mode < 2; n++) {
        persistent = mode == 1;
        got[0] = '\0';
        live0 = live;
        pending = n;
        ed_status st = run(got);
        pending = 0;
        ck_assert_msg(fail_at == 0, "%s: the case did not call stop()", name);
        ck_assert_msg(live == live0, "%s: allocation %zu failed%s: %ld block(s) leaked", name, n,
                      persistent ? " (and every later one)" : "", live - live0);
        inputs_after[0] = '\0';
        fp_inputs(inputs_after);
        ck_assert_msg(strcmp(inputs, inputs_after) == 0,
                      "%s: allocation %zu failed%s: an input snapshot changed", name, n,
                      persistent ? " (and every later one)" : "");
        if (n > used) {
            /* no failure was injected: the plain outcome again; then the
             * same with persistent failures, and done */
            ck_assert_str_eq(got, base);
            mode++;
            n = 0;
            continue;
        }
        points++;
        if (st != ED_NO_MEMORY)
            ck_assert_msg(strcmp(got, base) == 0,
                          "%s: allocation %zu failed%s, yet the call returned %s with an "
                          "outcome other than the plain one",
                          name, n, persistent ? " (and every later one)" : "",
                          ed_status_name(st));
    }
}

/* Keys and texts are written on first request (lib/effects.c): a getter
 * that runs out of memory there returns NULL, leaks nothing and publishes
 * nothing, so that the next call writes them all. */
static ed_status c_effect_first_read(char *fp)
{
    ed_result *r = ed_upgrade(wide, T_MID, 1);
    const ed_effect_list *l = ed_result_effects(r);
    go();
    const char *key = ed_effect_key(ed_effect_list_get(l, 0));
    const char *text = ed_effect_text(ed_effect_list_get(l, ed_effect_list_count(l) - 1));
    stop();
    ed_status st = key != NULL && text != NULL ? ED_OK : ED_NO_MEMORY;
    fp_result(fp, r);
    ed_result_free(r);
    return st;
}

/* ed_effect_list_read writes the keys and texts first (as the getters do):
 * out of memory there, it returns ED_NO_MEMORY, writes no record and
 * publishes nothing, so that the next call writes them all. */
static ed_status c_effect_list_read(char *fp)
{
    ed_result *r = ed_upgrade(wide, T_MID, 1);
    const ed_effect_list *l = ed_result_effects(r);
    ed_effect_record recs[4];
    memset(recs, 0, sizeof recs);
    recs[0].size = sizeof recs[0];
    go();
    ed_status st = ed_effect_list_read(l, ed_effect_list_count(l) - 4, 4, recs);
    stop();
    if (st != ED_OK)
        for (size_t i = 0; i < 4; i++)
            ck_assert_ptr_null(recs[i].key);
    fp_result(fp, r);
    ed_result_free(r);
    return st;
}

/* Result-returning commands share one shape. */
#define RESULT_CASE(fn_name, call)                                                        \
    static ed_status fn_name(char *fp)                                                   \
    {                                                                                    \
        go();                                                                            \
        ed_result *r = call;                                                             \
        stop();                                                                          \
        ed_status st = ed_result_status(r);                                              \
        fp_result(fp, r);                                                                \
        ed_result_free(r);                                                               \
        return st;                                                                       \
    }

RESULT_CASE(c_create_standard, ed_create_standard("MQ_INST_X", "http://x:80", T0, NULL))
RESULT_CASE(c_create_platinum,
            ed_create_enterprise_platinum("MQ_INST_X", "http://x:80", T0, 12, NULL))
RESULT_CASE(c_upgrade, ed_upgrade(standard, T_MID, 1))
RESULT_CASE(c_upgrade_refused, ed_upgrade(platinum, T_MID, 1))
RESULT_CASE(c_set_action_downgrade,
            ed_set_post_expiration_action(platinum, T_MID, ED_ACTION_DOWNGRADE_TO_STANDARD))
RESULT_CASE(c_set_action_delete,
            ed_set_post_expiration_action(platinum_dg, T_MID, ED_ACTION_DELETE_RESOURCE))
RESULT_CASE(c_set_action_same,
            ed_set_post_expiration_action(platinum, T_MID, ED_ACTION_DELETE_RESOURCE))
RESULT_CASE(c_tick_nothing, ed_tick(platinum, T_MID))
RESULT_CASE(c_tick_downgrade, ed_tick(platinum_dg, T_EXPIRY))
RESULT_CASE(c_tick_expire_and_release, ed_tick(platinum, T_RELEASE))
RESULT_CASE(c_tick_release, ed_tick(expired, T_RELEASE))
RESULT_CASE(c_refund_downgrade, ed_refund(platinum_dg, T_MID, NULL))
RESULT_CASE(c_refund_refused, ed_refund(platinum, T_MID, NULL))
RESULT_CASE(c_renew_active, ed_renew(platinum, T_MID, 6))
RESULT_CASE(c_renew_expired, ed_renew(expired, T_EXPIRY + 86400, 6))
RESULT_CASE(c_add_topic, ed_add_topic(standard, T_MID, "invoices"))
RESULT_CASE(c_remove_topic, ed_remove_topic(standard, T_MID, "payments"))
RESULT_CASE(c_add_group, ed_add_group(platinum, T_MID, "GID_new"))
RESULT_CASE(c_remove_group, ed_remove_group(platinum, T_MID, "GID_audit"))
RESULT_CASE(c_add_topic_exists, ed_add_topic(standard, T_MID, "orders"))
RESULT_CASE(c_complete_migration, ed_complete_migration(migrating, T_MID))
RESULT_CASE(c_downgrade, ed_downgrade(platinum, T_MID))
RESULT_CASE(c_plan_downgrade, ed_plan_downgrade(platinum, T_MID, ED_PLAN_AT_EXPIRY))
RESULT_CASE(c_upgrade_wide, ed_upgrade(wide, T_MID, 1))
RESULT_CASE(c_tick_downgrade_wide, ed_tick(wide_dg, T_EXPIRY))
RESULT_CASE(c_refund_downgrade_wide, ed_refund(wide_dg, T_MID, NULL))
RESULT_CASE(c_remove_topic_wide, ed_remove_topic(wide, T_MID, "topic_17"))
RESULT_CASE(c_remove_topic_holey, ed_remove_topic(holey, T_MID, "topic_04"))
RESULT_CASE(c_add_topic_holey, ed_add_topic(holey, T_MID, "topic_05"))
RESULT_CASE(c_upgrade_holey, ed_upgrade(holey, T_MID, 1))
RESULT_CASE(c_remove_topic_outside_the_tree, ed_remove_topic(long_holey, T_MID, "t0100"))
RESULT_CASE(c_remove_topic_compacts, ed_remove_topic(sparse, T_MID, "aaa"))

static ed_status c_refund_allowed(char *fp)
{
    ed_options *o = ed_options_new();
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_ALLOW_DATA_LOSS, 1), ED_OK);
    go();
    ed_result *r = ed_refund(platinum, T_MID, o);
    stop();
    ed_status st = ed_result_status(r);
    fp_result(fp, r);
    ed_result_free(r);
    ed_options_free(o);
    return st;
}

static ed_status c_create_with_region(char *fp)
{
    ed_options *o = ed_options_new();
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(ed_options_set_string(o, ED_OPT_REGION, "cn-hangzhou"), ED_OK);
    go();
    ed_result *r = ed_create_standard("MQ_INST_R", "http://r:80", T0, o);
    stop();
    ed_status st = ed_result_status(r);
    fp_result(fp, r);
    fp_printf(fp, "region %s\n", ed_instance_region(ed_result_instance(r)));
    ed_result_free(r);
    ed_options_free(o);
    return st;
}

static ed_status c_options(char *fp)
{
    go();
    ed_options *o = ed_options_new();
    ed_status st = o ? ed_options_set_string(o, ED_OPT_REGION, "cn-shanghai") : ED_NO_MEMORY;
    stop();
    fp_printf(fp, "options %s\n", ed_status_name(st));
    ed_options_free(o);
    return st;
}

static ed_status c_command_apply(char *fp)
{
    go();
    ed_command *c = ed_command_new(ED_CMD_ADD_TOPIC);
    ed_status st = c ? ed_command_set_string(c, ED_ARG_NAME, "invoices") : ED_NO_MEMORY;
    ed_result *r = st == ED_OK ? ed_command_apply(c, standard, T_MID) : NULL;
    stop();
    if (r != NULL) {
        st = ed_result_status(r);
        fp_result(fp, r);
    }
    fp_printf(fp, "command %s\n", ed_status_name(st));
    ed_result_free(r);
    ed_command_free(c);
    return st;
}

/* ---- YAML: loaders and writers ---------------------------------------- */

static const char state_text[] =
    "libedition: 1\n"
    "instance:\n"
    "  id: MQ_INST_1380156306793859_BXq3ZzKs\n"
    "  endpoint: http://mq.example:8080\n"
    "  region: cn-hangzhou\n"
    "  edition: enterprise_platinum\n"
    "  billing: subscription\n"
    "  cluster: dedicated\n"
    "  lifecycle: active\n"
    "  revision: 3\n"
    "  created_at: 2026-01-05T00:00:00Z\n"
    "  updated_at: 2026-02-10T00:00:00Z\n"
    "  release_delay_days: 7\n"
    "  subscription:\n"
    "    started_at: 2026-02-01T00:00:00Z\n"
    "    expires_at: 2026-03-01T00:00:00Z\n"
    "    period_months: 1\n"
    "    post_expiration_action: downgrade_to_standard\n"
    "  migration:\n"
    "    from: shared\n"
    "    to: dedicated\n"
    "    started_at: 2026-02-01T00:00:00Z\n"
    "  topics: [orders, payments]\n"
    "  groups: [GID_billing]\n";

static const char bad_state_text[] =
    "libedition: 1\n"
    "instance:\n"
    "  id: MQ_INST_a\n"
    "  endpoint: http://a:80\n"
    "  edition: standard\n"
    "  created_at: 2026-13-01T00:00:00Z\n";

static const char scenario_text[] =
    "libedition: 1\n"
    "instance:\n"
    "  id: MQ_INST_s\n"
    "  endpoint: http://s:80\n"
    "  edition: standard\n"
    "  created_at: 2026-01-01T00:00:00Z\n"
    "  topics: [orders]\n"
    "steps:\n"
    "  - at: 2026-02-01T00:00:00Z\n"
    "    command: upgrade\n"
    "    period_months: 1\n"
    "  - at: 2026-02-10T00:00:00Z\n"
    "    command: set_post_expiration_action\n"
    "    action: downgrade_to_standard\n"
    "  - at: 2026-02-11T00:00:00Z\n"
    "    command: refund\n"
    "    allow_data_loss: false\n"
    "  - at: 2026-03-01T00:00:00Z\n"
    "    command: tick\n";

static ed_status load_case(char *fp, const char *text)
{
    ed_instance *in = NULL;
    ed_error *err = NULL;
    go();
    ed_status st = ed_instance_load_yaml(&in, text, strlen(text), NULL, &err);
    stop();
    fp_printf(fp, "load %s\n", ed_status_name(st));
    if (st == ED_OK) {
        ck_assert_ptr_null(err);
        fp_instance(fp, in);
    } else {
        ck_assert_ptr_null(in);
        ck_assert_int_eq(ed_error_status(err), st);
        fp_printf(fp, "error %zu:%zu %s\n", ed_error_line(err), ed_error_column(err),
                  ed_error_message(err));
    }
    ed_error_free(err);
    ed_instance_free(in);
    return st;
}

static ed_status c_load_state(char *fp)
{
    return load_case(fp, state_text);
}

/* JSON with sorted keys: `libedition` after `instance` makes the reader
 * look ahead with a second parser, whose allocations can fail too. */
static const char sorted_json_state_text[] =
    "{\"instance\": {\"created_at\": \"2026-01-05T00:00:00Z\", \"edition\": \"standard\", "
    "\"endpoint\": \"http://e:80\", \"id\": \"MQ_INST_1\", \"topics\": [\"orders\"]}, "
    "\"libedition\": 1}";

static ed_status c_load_state_sorted_json(char *fp)
{
    return load_case(fp, sorted_json_state_text);
}

static ed_status c_load_state_invalid(char *fp)
{
    return load_case(fp, bad_state_text);
}

/* A block list gives the loader no size hint: its table starts small and
 * grows while the names are read, and each growth can fail. */
static const char block_list_state_text[] =
    "libedition: 1\n"
    "instance:\n"
    "  id: MQ_INST_b\n"
    "  endpoint: http://b:80\n"
    "  edition: standard\n"
    "  created_at: 2026-01-05T00:00:00Z\n"
    "  topics:\n"
    "  - topic-01\n  - topic-02\n  - topic-03\n  - topic-04\n  - topic-05\n"
    "  - topic-06\n  - topic-07\n  - topic-08\n  - topic-09\n  - topic-10\n"
    "  - topic-11\n  - topic-12\n  - topic-13\n  - topic-14\n  - topic-15\n"
    "  - topic-16\n  - topic-17\n  - topic-18\n  - topic-19\n  - topic-20\n";

static ed_status c_load_state_block_list(char *fp)
{
    return load_case(fp, block_list_state_text);
}

/* A writer that fails leaves the caller's buffer as it found it. */
static void fp_buffer(char *fp, ed_status st, const ed_buffer *b, size_t before)
{
    fp_printf(fp, "dump %s\n", ed_status_name(st));
    if (st == ED_OK)
        fp_printf(fp, "%s", ed_buffer_data(b) + before);
    else
        ck_assert_uint_eq(ed_buffer_len(b), before);
}

static ed_status c_dump_state(char *fp)
{
    ed_buffer *b = ed_buffer_new();
    ck_assert_ptr_nonnull(b);
    go();
    ed_status st = ed_instance_dump_yaml(platinum_dg, b);
    stop();
    fp_buffer(fp, st, b, 0);
    ed_buffer_free(b);
    return st;
}

static ed_status c_dump_state_holey(char *fp)
{
    ed_buffer *b = ed_buffer_new();
    ck_assert_ptr_nonnull(b);
    go();
    ed_status st = ed_instance_dump_yaml(holey, b);
    stop();
    fp_buffer(fp, st, b, 0);
    ed_buffer_free(b);
    return st;
}

static ed_status c_dump_effects(char *fp)
{
    ed_result *r = ed_upgrade(standard, T_MID, 12);
    ed_buffer *b = ed_buffer_new();
    ck_assert_ptr_nonnull(b);
    go();
    ed_status st = ed_effects_dump_yaml(ed_result_effects(r), b);
    stop();
    fp_buffer(fp, st, b, 0);
    ed_buffer_free(b);
    ed_result_free(r);
    return st;
}

static ed_status c_dump_step(char *fp)
{
    ed_result *r = ed_refund(platinum, T_MID, NULL); /* refused, with would_have */
    ed_command *c = ed_command_new(ED_CMD_REFUND);
    ed_buffer *b = ed_buffer_new();
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(b);
    go();
    ed_status st = ed_step_dump_yaml(b, 3, T_MID, c, r, platinum);
    stop();
    fp_buffer(fp, st, b, 0);
    ed_buffer_free(b);
    ed_command_free(c);
    ed_result_free(r);
    return st;
}

/* The JSON writers: one buffer append per token, so a failure can hit any
 * of them; each must leave the buffer as it was. */
static ed_status c_dump_state_json(char *fp)
{
    ed_buffer *b = ed_buffer_new();
    ck_assert_ptr_nonnull(b);
    go();
    ed_status st = ed_instance_dump_json(platinum_dg, b);
    stop();
    fp_buffer(fp, st, b, 0);
    ed_buffer_free(b);
    return st;
}

static ed_status c_dump_effects_json(char *fp)
{
    ed_result *r = ed_upgrade(standard, T_MID, 12);
    ed_buffer *b = ed_buffer_new();
    ck_assert_ptr_nonnull(b);
    go();
    ed_status st = ed_effects_dump_json(ed_result_effects(r), b);
    stop();
    fp_buffer(fp, st, b, 0);
    ed_buffer_free(b);
    ed_result_free(r);
    return st;
}

/* One effect at a time into one buffer, which grows on the way: a failure
 * leaves the objects written before it and not a byte of the failing one. */
static ed_status c_dump_one_effect_json(char *fp)
{
    ed_result *r = ed_upgrade(wide, T_MID, 12);
    const ed_effect_list *list = ed_result_effects(r);
    ed_buffer *b = ed_buffer_new();
    ck_assert_ptr_nonnull(b);
    ed_status st = ED_OK;
    size_t before = 0;
    go();
    for (size_t i = 0; st == ED_OK && i < ed_effect_list_count(list); i++) {
        before = ed_buffer_len(b);
        st = ed_effect_dump_json(ed_effect_list_get(list, i), b);
    }
    stop();
    fp_buffer(fp, st, b, st == ED_OK ? 0 : before);
    ed_buffer_free(b);
    ed_result_free(r);
    return st;
}

static ed_status c_dump_step_json(char *fp)
{
    ed_result *r = ed_refund(platinum, T_MID, NULL); /* refused, with would_have */
    ed_command *c = ed_command_new(ED_CMD_REFUND);
    ed_buffer *b = ed_buffer_new();
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(b);
    go();
    ed_status st = ed_step_dump_json(b, 3, T_MID, c, r, platinum);
    stop();
    fp_buffer(fp, st, b, 0);
    ed_buffer_free(b);
    ed_command_free(c);
    ed_result_free(r);
    return st;
}

static ed_status c_dump_result_json(char *fp)
{
    ed_command *c = ed_command_new(ED_CMD_UPGRADE);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(ed_command_set_int(c, ED_ARG_PERIOD_MONTHS, 12), ED_OK);
    ed_result *r = ed_command_apply(c, standard, T_MID);
    ed_buffer *b = ed_buffer_new();
    ck_assert_ptr_nonnull(b);
    go();
    ed_status st = ed_result_dump_json(b, c, T_MID, r, ed_result_instance(r));
    stop();
    fp_buffer(fp, st, b, 0);
    ed_buffer_free(b);
    ed_command_free(c);
    ed_result_free(r);
    return st;
}

/* The streaming writer: a sink that keeps the bytes in a fixed area (it
 * allocates nothing, so every failure is the library's). */
static char streamed[FP_SIZE];
static size_t streamed_len;

static bool keep_streamed(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    /* no check assertion here: check allocates, and failures are armed */
    if (streamed_len + len >= sizeof streamed)
        return false;
    memcpy(streamed + streamed_len, data, len);
    streamed_len += len;
    streamed[streamed_len] = '\0';
    return true;
}

static ed_status write_result_case(char *fp, bool json)
{
    ed_command *c = ed_command_new(ED_CMD_UPGRADE);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(ed_command_set_int(c, ED_ARG_PERIOD_MONTHS, 12), ED_OK);
    ed_result *r = ed_command_apply(c, standard, T_MID);
    streamed_len = 0;
    streamed[0] = '\0';
    go();
    ed_status st = (json ? ed_result_write_json : ed_result_write_yaml)(
        keep_streamed, NULL, c, T_MID, r, ed_result_instance(r));
    stop();
    /* a failed write leaves a partial document, which the caller drops */
    fp_printf(fp, "%s\n%s", ed_status_name(st), st == ED_OK ? streamed : "");
    ed_command_free(c);
    ed_result_free(r);
    return st;
}

static ed_status c_write_result_yaml(char *fp)
{
    return write_result_case(fp, false);
}

static ed_status c_write_result_json(char *fp)
{
    return write_result_case(fp, true);
}

/* A refused name that is not UTF-8 is echoed repaired (U+FFFD), through a
 * copy whose allocation can fail. */
static ed_status c_dump_result_json_not_utf8(char *fp)
{
    ed_command *c = ed_command_new(ED_CMD_ADD_TOPIC);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(ed_command_set_string(c, ED_ARG_NAME, "bad\xFFname"), ED_OK);
    ed_result *r = ed_command_apply(c, standard, T_MID);
    ed_buffer *b = ed_buffer_new();
    ck_assert_ptr_nonnull(b);
    go();
    ed_status st = ed_result_dump_json(b, c, T_MID, r, standard);
    stop();
    fp_buffer(fp, st, b, 0);
    ed_buffer_free(b);
    ed_command_free(c);
    ed_result_free(r);
    return st;
}

static ed_status c_load_scenario(char *fp)
{
    ed_scenario *sc = NULL;
    ed_error *err = NULL;
    go();
    ed_status st = ed_scenario_load_yaml(&sc, scenario_text, strlen(scenario_text), NULL, &err);
    stop();
    fp_printf(fp, "scenario %s\n", ed_status_name(st));
    if (st == ED_OK) {
        fp_instance(fp, ed_scenario_instance(sc));
        for (size_t i = 0; i < ed_scenario_step_count(sc); i++)
            fp_printf(fp, "step %s at %lld line %zu\n",
                      ed_command_kind_name(ed_command_kind_of(ed_scenario_step_command(sc, i))),
                      (long long)ed_scenario_step_at(sc, i), ed_scenario_step_line(sc, i));
    } else {
        ck_assert_ptr_null(sc);
        ck_assert_int_eq(ed_error_status(err), st);
    }
    ed_error_free(err);
    ed_scenario_free(sc);
    return st;
}

/* Effects read back: the wide upgrade's list, large enough that the list,
 * its arena and the loader's offsets all grow while loading. */
static ed_status c_load_effects(char *fp)
{
    ed_result *r = ed_upgrade(wide, T_MID, 12);
    ed_buffer *b = ed_buffer_new();
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(ed_effects_dump_yaml(ed_result_effects(r), b), ED_OK);
    ed_effect_list *list = NULL;
    ed_error *err = NULL;
    go();
    ed_status st = ed_effects_load_yaml(&list, ed_buffer_data(b), ed_buffer_len(b), NULL, &err);
    stop();
    fp_printf(fp, "effects load %s\n", ed_status_name(st));
    if (st == ED_OK) {
        ck_assert_ptr_null(err);
        ed_buffer *again = ed_buffer_new();
        ck_assert_ptr_nonnull(again);
        ck_assert_int_eq(ed_effects_dump_yaml(list, again), ED_OK);
        ck_assert_str_eq(ed_buffer_data(again), ed_buffer_data(b));
        fp_printf(fp, "%s", ed_buffer_data(again));
        for (size_t i = 0; i < ed_effect_list_count(list); i++)
            ck_assert_str_eq(ed_effect_instance_id(ed_effect_list_get(list, i)),
                             ed_instance_id(wide));
        ed_buffer_free(again);
    } else {
        ck_assert_ptr_null(list);
        ck_assert_int_eq(ed_error_status(err), st);
    }
    ed_error_free(err);
    ed_effects_free(list);
    ed_buffer_free(b);
    ed_result_free(r);
    return st;
}

/* ---- the suite ---------------------------------------------------------- */

static const struct {
    const char *name;
    case_fn run;
} cases[] = {
    {"create_standard", c_create_standard},
    {"create_enterprise_platinum", c_create_platinum},
    {"create_with_region", c_create_with_region},
    {"upgrade", c_upgrade},
    {"upgrade_refused", c_upgrade_refused},
    {"set_post_expiration_action_downgrade", c_set_action_downgrade},
    {"set_post_expiration_action_delete", c_set_action_delete},
    {"set_post_expiration_action_same", c_set_action_same},
    {"tick_nothing_due", c_tick_nothing},
    {"tick_expire_downgrade", c_tick_downgrade},
    {"tick_expire_and_release", c_tick_expire_and_release},
    {"tick_release", c_tick_release},
    {"refund_downgrade", c_refund_downgrade},
    {"refund_data_loss_refused", c_refund_refused},
    {"refund_allowed_data_loss", c_refund_allowed},
    {"renew_active", c_renew_active},
    {"renew_expired", c_renew_expired},
    {"add_topic", c_add_topic},
    {"remove_topic", c_remove_topic},
    {"add_group", c_add_group},
    {"remove_group", c_remove_group},
    {"add_topic_exists", c_add_topic_exists},
    {"complete_migration", c_complete_migration},
    {"downgrade", c_downgrade},
    {"plan_downgrade", c_plan_downgrade},
    {"upgrade_wide", c_upgrade_wide},
    {"tick_expire_downgrade_wide", c_tick_downgrade_wide},
    {"refund_downgrade_wide", c_refund_downgrade_wide},
    {"remove_topic_wide", c_remove_topic_wide},
    {"remove_topic_with_removed_names", c_remove_topic_holey},
    {"add_topic_with_removed_names", c_add_topic_holey},
    {"upgrade_with_removed_names", c_upgrade_holey},
    {"remove_topic_outside_the_tree", c_remove_topic_outside_the_tree},
    {"remove_topic_compacts", c_remove_topic_compacts},
    {"instance_dump_yaml_with_removed_names", c_dump_state_holey},
    {"options", c_options},
    {"command_apply", c_command_apply},
    {"instance_load_yaml", c_load_state},
    {"instance_load_yaml_invalid", c_load_state_invalid},
    {"instance_load_yaml_block_list", c_load_state_block_list},
    {"instance_load_json_sorted_keys", c_load_state_sorted_json},
    {"instance_dump_yaml", c_dump_state},
    {"effects_dump_yaml", c_dump_effects},
    {"step_dump_yaml", c_dump_step},
    {"instance_dump_json", c_dump_state_json},
    {"effects_dump_json", c_dump_effects_json},
    {"effect_dump_json", c_dump_one_effect_json},
    {"step_dump_json", c_dump_step_json},
    {"result_dump_json", c_dump_result_json},
    {"result_dump_json_not_utf8", c_dump_result_json_not_utf8},
    {"result_write_yaml", c_write_result_yaml},
    {"result_write_json", c_write_result_json},
    {"scenario_load_yaml", c_load_scenario},
    {"effects_load_yaml", c_load_effects},
    {"effect_key_first_read", c_effect_first_read},
    {"effect_list_read", c_effect_list_read},
};

START_TEST(test_alloc_failure_each_entry_point)
{
    exercise(cases[_i].name, cases[_i].run);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alloc_failure");
    TCase *tc = tcase_create("entry_points");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_alloc_failure_each_entry_point, 0,
                        (int)(sizeof cases / sizeof cases[0]));
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    /* one process: the live-block count must see every allocation */
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    printf("alloc_failure: %zu allocation-failure points exercised over %zu entry points\n",
           points, sizeof cases / sizeof cases[0]);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
