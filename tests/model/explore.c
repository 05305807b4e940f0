/* Exhaustive bounded model check of libedition (issue 25, docs/verification.md).
 *
 * Enumerates every sequence of commands up to a depth, breadth first, from a
 * fixed set of initial snapshots, over a named alphabet: each command with
 * each class of its arguments, at each time chosen relative to the
 * snapshot's own deadlines. States are deduplicated by a 128-bit
 * fingerprint of a canonical form (canon() below; the docs justify it).
 * Every transition explored is checked: I1..I7, refusals change nothing,
 * byte-identical output for the same inputs (also when the keys and texts
 * were read first), the YAML and JSON round trips of the new snapshot and of
 * the effects, and the coverage of lifecycle x edition x command x outcome
 * against the rules that make cells unreachable.
 *
 * The first violation stops the run and prints the shortest path to it as a
 * scenario file that `edition simulate` replays. Public API only.
 *
 *   explore [--depth N] [--time-limit SECONDS] [--export FILE --export-depth K]
 *           [--coverage-md FILE] [--counterexample FILE] [--require-coverage]
 *
 * The depth defaults to ED_EXPLORE_DEPTH or 6. --time-limit stops before a
 * level that would start after the limit and reports the deepest level
 * completed. --export writes, for every state of depth < K, the state and
 * every letter of the alphabet with its time, as JSON Lines, for the
 * reference-model replay (bindings/python/tests/test_model_explored.py). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libedition.h>

#include "effect_kinds.h"
#include "timer_replay.h"

#define DAY 86400

/* ---- small utilities ------------------------------------------------------ */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("explore: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q == NULL && n != 0)
        die("out of memory (%zu bytes)", n);
    return q;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *fmt_time(ed_time t, char *buf)
{
    if (ed_time_format(t, buf, ED_TIME_BUFSIZE) != ED_OK)
        snprintf(buf, ED_TIME_BUFSIZE, "%lld", (long long)t);
    return buf;
}
#define T(t) fmt_time((t), (char[ED_TIME_BUFSIZE]){0})

/* A growing byte string of our own (the canonical form, messages). */
typedef struct str {
    char *p;
    size_t n, cap;
} str;

static void s_put(str *s, const void *data, size_t len)
{
    if (s->n + len + 1 > s->cap) {
        s->cap = (s->n + len + 1) * 2;
        s->p = xrealloc(s->p, s->cap);
    }
    memcpy(s->p + s->n, data, len);
    s->n += len;
    s->p[s->n] = '\0';
}

static void s_printf(str *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        die("cannot format a message");
    char *tmp = xrealloc(NULL, (size_t)n + 1);
    va_start(ap, fmt);
    (void)vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s_put(s, tmp, (size_t)n);
    free(tmp);
}

/* ---- the alphabet ----------------------------------------------------------- */

/* Name classes of the topic and group commands: a name the snapshot has
 * (its first), a new one (the first of a pool not used by any topic or
 * group), an invalid one, and for additions a name the other kind uses. */
enum name_class { N_NONE, N_EXISTING, N_NEW, N_INVALID, N_OTHER_KIND };

typedef struct letter {
    const char *label;
    ed_command_kind cmd;
    int64_t period; /* upgrade, renew */
    int64_t action; /* set_post_expiration_action; 2 names no action */
    int64_t mode;   /* plan_downgrade; 2 names no mode */
    int allow;      /* refund */
    enum name_class name;
} letter;

#define L(label, cmd, period, action, mode, allow, name) {label, cmd, period, action, mode, allow, name}
static const letter ALPHABET[] = {
    L("upgrade(1)", ED_CMD_UPGRADE, 1, 0, 0, 0, N_NONE),
    L("upgrade(0)", ED_CMD_UPGRADE, 0, 0, 0, 0, N_NONE),
    L("upgrade(37)", ED_CMD_UPGRADE, 37, 0, 0, 0, N_NONE),
    L("set_post_expiration_action(delete_resource)", ED_CMD_SET_POST_EXPIRATION_ACTION, 0,
      ED_ACTION_DELETE_RESOURCE, 0, 0, N_NONE),
    L("set_post_expiration_action(downgrade_to_standard)", ED_CMD_SET_POST_EXPIRATION_ACTION, 0,
      ED_ACTION_DOWNGRADE_TO_STANDARD, 0, 0, N_NONE),
    L("set_post_expiration_action(invalid)", ED_CMD_SET_POST_EXPIRATION_ACTION, 0, 2, 0, 0, N_NONE),
    L("refund", ED_CMD_REFUND, 0, 0, 0, 0, N_NONE),
    L("refund(allow_data_loss)", ED_CMD_REFUND, 0, 0, 0, 1, N_NONE),
    L("renew(1)", ED_CMD_RENEW, 1, 0, 0, 0, N_NONE),
    L("renew(0)", ED_CMD_RENEW, 0, 0, 0, 0, N_NONE),
    L("renew(37)", ED_CMD_RENEW, 37, 0, 0, 0, N_NONE),
    L("tick", ED_CMD_TICK, 0, 0, 0, 0, N_NONE),
    L("complete_migration", ED_CMD_COMPLETE_MIGRATION, 0, 0, 0, 0, N_NONE),
    L("add_topic(existing)", ED_CMD_ADD_TOPIC, 0, 0, 0, 0, N_EXISTING),
    L("add_topic(new)", ED_CMD_ADD_TOPIC, 0, 0, 0, 0, N_NEW),
    L("add_topic(invalid)", ED_CMD_ADD_TOPIC, 0, 0, 0, 0, N_INVALID),
    L("add_topic(a group's name)", ED_CMD_ADD_TOPIC, 0, 0, 0, 0, N_OTHER_KIND),
    L("remove_topic(existing)", ED_CMD_REMOVE_TOPIC, 0, 0, 0, 0, N_EXISTING),
    L("remove_topic(new)", ED_CMD_REMOVE_TOPIC, 0, 0, 0, 0, N_NEW),
    L("remove_topic(invalid)", ED_CMD_REMOVE_TOPIC, 0, 0, 0, 0, N_INVALID),
    L("add_group(existing)", ED_CMD_ADD_GROUP, 0, 0, 0, 0, N_EXISTING),
    L("add_group(new)", ED_CMD_ADD_GROUP, 0, 0, 0, 0, N_NEW),
    L("add_group(invalid)", ED_CMD_ADD_GROUP, 0, 0, 0, 0, N_INVALID),
    L("add_group(a topic's name)", ED_CMD_ADD_GROUP, 0, 0, 0, 0, N_OTHER_KIND),
    L("remove_group(existing)", ED_CMD_REMOVE_GROUP, 0, 0, 0, 0, N_EXISTING),
    L("remove_group(new)", ED_CMD_REMOVE_GROUP, 0, 0, 0, 0, N_NEW),
    L("remove_group(invalid)", ED_CMD_REMOVE_GROUP, 0, 0, 0, 0, N_INVALID),
    L("downgrade", ED_CMD_DOWNGRADE, 0, 0, 0, 0, N_NONE),
    L("plan_downgrade(immediate)", ED_CMD_PLAN_DOWNGRADE, 0, 0, ED_PLAN_IMMEDIATE, 0, N_NONE),
    L("plan_downgrade(at_expiry)", ED_CMD_PLAN_DOWNGRADE, 0, 0, ED_PLAN_AT_EXPIRY, 0, N_NONE),
    L("plan_downgrade(invalid)", ED_CMD_PLAN_DOWNGRADE, 0, 0, 2, 0, N_NONE),
};
#define NLETTERS (sizeof ALPHABET / sizeof ALPHABET[0])

/* Times, relative to the snapshot: the same second as its last change, one
 * second earlier (clock skew), and around its next deadline: one second
 * before, at, one second after, and one second past the release that
 * deadline leads to (for an active subscription, expiry + release delay). */
enum { W_SAME, W_BACK, W_BEFORE, W_AT, W_AFTER, W_PAST_RELEASE, NWHEN };
static const char *const WHEN_NAMES[NWHEN] = {"same second", "one second back", "deadline - 1",
                                              "deadline", "deadline + 1", "past the release"};

/* The times of a snapshot, with duplicates (and the deadline's, when it has
 * none) dropped: *n of them in out[], their classes in cls[]. */
static void times_of(const ed_instance *in, ed_time out[NWHEN], int cls[NWHEN], int *n)
{
    ed_time u = ed_instance_updated_at(in), d = 0;
    ed_time cand[NWHEN];
    bool have[NWHEN] = {true, true, false, false, false, false};
    cand[W_SAME] = u;
    cand[W_BACK] = u - 1;
    if (ed_instance_next_deadline(in, &d)) {
        cand[W_BEFORE] = d - 1;
        cand[W_AT] = d;
        cand[W_AFTER] = d + 1;
        ed_time rel = ed_instance_lifecycle(in) == ED_LIFECYCLE_EXPIRED
                          ? d
                          : d + (ed_time)ed_instance_release_delay_days(in) * DAY;
        cand[W_PAST_RELEASE] = rel + 1;
        have[W_BEFORE] = have[W_AT] = have[W_AFTER] = have[W_PAST_RELEASE] = true;
    }
    *n = 0;
    for (int w = 0; w < NWHEN; w++) {
        if (!have[w])
            continue;
        bool dup = false;
        for (int k = 0; k < *n; k++)
            dup = dup || out[k] == cand[w];
        if (dup)
            continue;
        cls[*n] = w;
        out[(*n)++] = cand[w];
    }
}

static const char *const TOPIC_POOL[] = {"orders", "payments", "refunds", "audit",
                                         "events", "invoices", "returns", "ledger",
                                         "alerts", "metrics"};
static const char *const GROUP_POOL[] = {"GID_billing", "GID_audit", "GID_x", "GID_y",
                                         "GID_z", "GID_w", "GID_v", "GID_u",
                                         "GID_t", "GID_s"};
#define POOL 10
#define INVALID_TOPIC "ab"  /* too short for a topic (3..64), a valid group */
#define INVALID_GROUP "g!"  /* a character outside A-Z a-z 0-9 - _ */

static bool used(const ed_instance *in, const char *name)
{
    return ed_instance_has_topic(in, name) || ed_instance_has_group(in, name);
}

/* The name a letter passes on this snapshot; NULL when its class is empty
 * here (no topic to name as existing, say): the letter does not apply. */
static const char *name_for(const ed_instance *in, const letter *l)
{
    const bool topic = l->cmd == ED_CMD_ADD_TOPIC || l->cmd == ED_CMD_REMOVE_TOPIC;
    switch (l->name) {
    case N_EXISTING:
        return topic ? ed_instance_topic(in, 0) : ed_instance_group(in, 0);
    case N_NEW:
        for (int i = 0; i < POOL; i++) {
            const char *c = topic ? TOPIC_POOL[i] : GROUP_POOL[i];
            if (!used(in, c))
                return c;
        }
        /* deeper than the pool: made-up names, one buffer per kind (the
         * name is used before the next call for the same kind) */
        for (int i = POOL;; i++) {
            static char made[2][32];
            char *c = made[topic];
            snprintf(c, sizeof made[0], topic ? "topic-%d" : "GID_%d", i);
            if (!used(in, c))
                return c;
        }
    case N_INVALID:
        return topic ? INVALID_TOPIC : INVALID_GROUP;
    case N_OTHER_KIND:
        return topic ? ed_instance_group(in, 0) : ed_instance_topic(in, 0);
    case N_NONE:
        break;
    }
    return NULL;
}

/* The command of a letter on a snapshot; NULL when the letter does not
 * apply there. *name gets the name it passes (or NULL). */
static ed_command *command_for(const ed_instance *in, const letter *l, const char **name)
{
    *name = NULL;
    if (l->name != N_NONE) {
        *name = name_for(in, l);
        if (*name == NULL)
            return NULL;
    }
    ed_command *c = ed_command_new(l->cmd);
    if (c == NULL)
        die("out of memory");
    ed_status st = ED_OK;
    switch (l->cmd) {
    case ED_CMD_UPGRADE:
    case ED_CMD_RENEW:
        st = ed_command_set_int(c, ED_ARG_PERIOD_MONTHS, l->period);
        break;
    case ED_CMD_SET_POST_EXPIRATION_ACTION:
        st = ed_command_set_int(c, ED_ARG_ACTION, l->action);
        break;
    case ED_CMD_REFUND:
        st = ed_command_set_int(c, ED_ARG_ALLOW_DATA_LOSS, l->allow);
        break;
    case ED_CMD_PLAN_DOWNGRADE:
        st = ed_command_set_int(c, ED_ARG_MODE, l->mode);
        break;
    case ED_CMD_ADD_TOPIC:
    case ED_CMD_REMOVE_TOPIC:
    case ED_CMD_ADD_GROUP:
    case ED_CMD_REMOVE_GROUP:
        st = ed_command_set_string(c, ED_ARG_NAME, *name);
        break;
    default:
        break;
    }
    if (st != ED_OK)
        die("cannot build the command %s", l->label);
    return c;
}

/* ---- initial states ---------------------------------------------------------- */

#define INIT_HEAD                                                                       \
    "libedition: 1\ninstance:\n  id: MQ_INST_1380156306793859_BXq3ZzKs\n"                 \
    "  endpoint: http://MQ_INST_1380156306793859_BXq3ZzKs.cn-hangzhou.mq-internal.aliyuncs.com:8080\n" \
    "  region: cn-hangzhou\n"

typedef struct initial {
    const char *label;
    const char *yaml;
} initial;

static const initial INITIAL[] = {
    {"standard, no topics or groups, release delay 7",
     INIT_HEAD "  edition: standard\n  billing: pay_as_you_go\n  cluster: shared\n"
               "  lifecycle: active\n  revision: 0\n  created_at: 2026-01-05T00:00:00Z\n"
               "  updated_at: 2026-01-05T00:00:00Z\n  release_delay_days: 7\n"
               "  topics: []\n  groups: []\n"},
    {"standard, one topic and one group, release delay 0",
     INIT_HEAD "  edition: standard\n  billing: pay_as_you_go\n  cluster: shared\n"
               "  lifecycle: active\n  revision: 2\n  created_at: 2026-01-05T00:00:00Z\n"
               "  updated_at: 2026-01-05T00:00:00Z\n  release_delay_days: 0\n"
               "  topics: [orders]\n  groups: [GID_billing]\n"},
    {"standard, two topics and two groups, release delay 30",
     INIT_HEAD "  edition: standard\n  billing: pay_as_you_go\n  cluster: shared\n"
               "  lifecycle: active\n  revision: 4\n  created_at: 2026-01-05T00:00:00Z\n"
               "  updated_at: 2026-01-31T00:00:00Z\n  release_delay_days: 30\n"
               "  topics: [orders, payments]\n  groups: [GID_billing, GID_audit]\n"},
    {"enterprise platinum, delete_resource, no migration, release delay 7",
     INIT_HEAD "  edition: enterprise_platinum\n  billing: subscription\n  cluster: dedicated\n"
               "  lifecycle: active\n  revision: 3\n  created_at: 2026-01-05T00:00:00Z\n"
               "  updated_at: 2026-02-10T00:00:00Z\n  release_delay_days: 7\n"
               "  subscription:\n    started_at: 2026-02-01T00:00:00Z\n"
               "    expires_at: 2026-03-01T00:00:00Z\n    period_months: 1\n"
               "    post_expiration_action: delete_resource\n"
               "  topics: [orders]\n  groups: [GID_billing]\n"},
    {"enterprise platinum, delete_resource, migration in progress, release delay 30",
     INIT_HEAD "  edition: enterprise_platinum\n  billing: subscription\n  cluster: dedicated\n"
               "  lifecycle: active\n  revision: 3\n  created_at: 2026-01-05T00:00:00Z\n"
               "  updated_at: 2026-02-01T00:00:00Z\n  release_delay_days: 30\n"
               "  subscription:\n    started_at: 2026-02-01T00:00:00Z\n"
               "    expires_at: 2026-03-01T00:00:00Z\n    period_months: 1\n"
               "    post_expiration_action: delete_resource\n"
               "  migration:\n    from: shared\n    to: dedicated\n"
               "    started_at: 2026-02-01T00:00:00Z\n"
               "  topics: [orders, payments]\n  groups: [GID_billing]\n"},
    {"enterprise platinum, downgrade_to_standard, no migration, release delay 0",
     INIT_HEAD "  edition: enterprise_platinum\n  billing: subscription\n  cluster: dedicated\n"
               "  lifecycle: active\n  revision: 6\n  created_at: 2026-01-05T00:00:00Z\n"
               "  updated_at: 2026-02-10T00:00:00Z\n  release_delay_days: 0\n"
               "  subscription:\n    started_at: 2026-02-01T00:00:00Z\n"
               "    expires_at: 2026-03-01T00:00:00Z\n    period_months: 1\n"
               "    post_expiration_action: downgrade_to_standard\n"
               "  topics: [orders]\n  groups: [GID_billing]\n"},
    {"enterprise platinum, downgrade_to_standard, migration in progress, release delay 7",
     INIT_HEAD "  edition: enterprise_platinum\n  billing: subscription\n  cluster: dedicated\n"
               "  lifecycle: active\n  revision: 6\n  created_at: 2026-01-05T00:00:00Z\n"
               "  updated_at: 2026-02-10T00:00:00Z\n  release_delay_days: 7\n"
               "  subscription:\n    started_at: 2026-02-01T00:00:00Z\n"
               "    expires_at: 2026-03-01T00:00:00Z\n    period_months: 1\n"
               "    post_expiration_action: downgrade_to_standard\n"
               "  migration:\n    from: shared\n    to: dedicated\n"
               "    started_at: 2026-02-01T00:00:00Z\n"
               "  topics: [orders]\n  groups: [GID_billing, GID_audit]\n"},
};
#define NINITIAL (sizeof INITIAL / sizeof INITIAL[0])

static ed_instance *load(const char *yaml, size_t len)
{
    ed_instance *in = NULL;
    ed_error *err = NULL;
    ed_status st = ed_instance_load_yaml(&in, yaml, len, NULL, &err);
    if (st != ED_OK) {
        fprintf(stderr, "explore: cannot load a snapshot: %s (line %zu)\n%s\n",
                ed_error_message(err), ed_error_line(err), yaml);
        ed_error_free(err);
        return NULL;
    }
    return in;
}

/* ---- canonical form and fingerprints ------------------------------------------ */

/* The canonical form: every field a rule reads, nothing else. Dropped: id,
 * endpoint and region (constant, I1), revision (no rule reads it below
 * 2^64-1; it only numbers keys), created_at, started_at, period_months and
 * the migration's started_at (copied or overwritten, never read). Times
 * stay absolute: calendar months make behaviour depend on the date itself
 * (docs/verification.md, "The abstraction"). */
static void canon(const ed_instance *in, str *out)
{
    out->n = 0;
    ed_time exp = 0, rel = 0;
    ed_action action = ED_ACTION_DELETE_RESOURCE;
    ed_cluster from = ED_CLUSTER_SHARED, to = ED_CLUSTER_SHARED;
    bool sub = ed_instance_subscription(in, NULL, &exp, NULL, &action);
    bool has_rel = ed_instance_release_at(in, &rel);
    bool mig = ed_instance_migration(in, &from, &to, NULL);
    s_printf(out, "%d%d%d|%d|%lld|", (int)ed_instance_edition(in), (int)ed_instance_lifecycle(in),
             sub ? (int)action : 9, ed_instance_release_delay_days(in),
             (long long)ed_instance_updated_at(in));
    if (sub)
        s_printf(out, "e%lld", (long long)exp);
    if (has_rel)
        s_printf(out, "r%lld", (long long)rel);
    if (mig)
        s_printf(out, "m%d%d", (int)from, (int)to);
    s_put(out, "|", 1);
    for (size_t i = 0; i < ed_instance_topic_count(in); i++)
        s_printf(out, "%s,", ed_instance_topic(in, i));
    s_put(out, "|", 1);
    for (size_t i = 0; i < ed_instance_group_count(in); i++)
        s_printf(out, "%s,", ed_instance_group(in, i));
}

typedef struct fp {
    uint64_t a, b;
} fp;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Two independent 64-bit lanes over the bytes, each finished by mix64. */
static fp fingerprint(const char *p, size_t n)
{
    uint64_t a = 0x6a09e667f3bcc908ULL ^ n, b = 0xbb67ae8584caa73bULL + n;
    for (size_t i = 0; i < n; i++) {
        a = (a ^ (unsigned char)p[i]) * 0x100000001b3ULL;
        b = (b + (unsigned char)p[i]) * 0xff51afd7ed558ccdULL;
        b ^= b >> 29;
    }
    return (fp){mix64(a), mix64(b ^ (a >> 7))};
}

/* An open-addressing set of fingerprints ({0, 0} marks a free slot). */
typedef struct fpset {
    fp *slot;
    size_t cap, count;
} fpset;

static bool fpset_add(fpset *s, fp f);

static void fpset_grow(fpset *s)
{
    fpset bigger = {calloc(s->cap ? s->cap * 2 : 1 << 16, sizeof(fp)), s->cap ? s->cap * 2 : 1 << 16, 0};
    if (bigger.slot == NULL)
        die("out of memory for the fingerprint set");
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i].a || s->slot[i].b)
            (void)fpset_add(&bigger, s->slot[i]);
    free(s->slot);
    *s = bigger;
}

/* True when f is new (and now in the set). */
static bool fpset_add(fpset *s, fp f)
{
    if (f.a == 0 && f.b == 0)
        f.a = 1;
    if ((s->count + 1) * 2 > s->cap)
        fpset_grow(s);
    size_t mask = s->cap - 1;
    for (size_t i = (size_t)f.a & mask;; i = (i + 1) & mask) {
        if (s->slot[i].a == 0 && s->slot[i].b == 0) {
            s->slot[i] = f;
            s->count++;
            return true;
        }
        if (s->slot[i].a == f.a && s->slot[i].b == f.b)
            return false;
    }
}

/* ---- the explored graph --------------------------------------------------------- */

/* A state found: how it was first reached (the BFS tree, for shortest
 * counterexamples and for rebuilding the snapshot by replay). */
typedef struct node {
    uint32_t parent; /* UINT32_MAX for an initial state */
    uint16_t letter; /* the initial state's index for a root */
    uint8_t depth;
    ed_time now;
} node;

static node *nodes;
static size_t nnodes, capnodes;

static size_t add_node(uint32_t parent, unsigned which, unsigned depth, ed_time now)
{
    if (nnodes == capnodes) {
        capnodes = capnodes ? capnodes * 2 : 1 << 16;
        nodes = xrealloc(nodes, capnodes * sizeof *nodes);
    }
    if (nnodes >= UINT32_MAX)
        die("too many states for 32-bit parent links");
    nodes[nnodes] = (node){parent, (uint16_t)which, (uint8_t)depth, now};
    return nnodes++;
}

/* The path from the root to node k, root first. */
static size_t path_of(size_t k, size_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = k; i != UINT32_MAX; i = nodes[i].parent) {
        if (n == max)
            die("path longer than %zu", max);
        out[n++] = i;
        if (nodes[i].parent == UINT32_MAX)
            break;
    }
    for (size_t i = 0; i < n / 2; i++) {
        size_t t = out[i];
        out[i] = out[n - 1 - i];
        out[n - 1 - i] = t;
    }
    return n;
}

static ed_result *apply_letter(const ed_instance *in, const letter *l, ed_time now,
                               const char **name, ed_command **cmd_out)
{
    ed_command *c = command_for(in, l, name);
    if (c == NULL)
        return NULL;
    ed_result *r = ed_command_apply(c, in, now);
    if (cmd_out)
        *cmd_out = c;
    else
        ed_command_free(c);
    return r;
}

/* Rebuilds the snapshot of node k by replaying its path from its root. */
static ed_instance *rebuild(size_t k)
{
    size_t path[256];
    size_t n = path_of(k, path, 256);
    const initial *init = &INITIAL[nodes[path[0]].letter];
    ed_instance *cur = load(init->yaml, strlen(init->yaml));
    if (cur == NULL)
        die("cannot load initial state %s", init->label);
    for (size_t i = 1; i < n; i++) {
        const char *name;
        ed_result *r = apply_letter(cur, &ALPHABET[nodes[path[i]].letter], nodes[path[i]].now,
                                    &name, NULL);
        if (r == NULL || ed_result_status(r) != ED_OK)
            die("replay of state %zu failed at step %zu", k, i);
        ed_instance *next = ed_instance_ref(ed_result_instance(r));
        ed_result_free(r);
        ed_instance_free(cur);
        cur = next;
    }
    return cur;
}

/* ---- scenario output ---------------------------------------------------------------- */

/* A step's enum argument: its name, or, for a value with none (which a
 * scenario cannot name), a stand-in and a comment saying what was passed. */
static void scenario_enum(str *s, const char *field, const char *name, const char *stand_in,
                          long long value)
{
    if (name)
        s_printf(s, "    %s: %s\n", field, name);
    else
        s_printf(s, "    %s: %s  # the explorer passed %s %lld, which a scenario cannot name\n",
                 field, stand_in, field, value);
}

static void scenario_step(str *s, const ed_instance *in, const letter *l, ed_time now)
{
    const char *name = NULL;
    if (l->name != N_NONE)
        name = name_for(in, l);
    s_printf(s, "  - at: %s\n    command: %s\n", T(now), ed_command_kind_name(l->cmd));
    switch (l->cmd) {
    case ED_CMD_UPGRADE:
    case ED_CMD_RENEW:
        s_printf(s, "    period_months: %lld\n", (long long)l->period);
        break;
    case ED_CMD_SET_POST_EXPIRATION_ACTION:
        scenario_enum(s, "action", ed_action_name((ed_action)l->action), "delete_resource",
                      (long long)l->action);
        break;
    case ED_CMD_REFUND:
        s_printf(s, "    allow_data_loss: %s\n", l->allow ? "true" : "false");
        break;
    case ED_CMD_PLAN_DOWNGRADE:
        scenario_enum(s, "mode", ed_plan_mode_name((ed_plan_mode)l->mode), "immediate",
                      (long long)l->mode);
        break;
    case ED_CMD_ADD_TOPIC:
    case ED_CMD_REMOVE_TOPIC:
    case ED_CMD_ADD_GROUP:
    case ED_CMD_REMOVE_GROUP:
        s_printf(s, "    name: \"%s\"\n", name);
        break;
    default:
        break;
    }
}

/* The scenario of node k's path, then (when l is not NULL) the step of
 * letter l at now from that node. */
static void scenario_of(str *s, size_t k, const letter *l, ed_time now)
{
    size_t path[256];
    size_t n = path_of(k, path, 256);
    const initial *init = &INITIAL[nodes[path[0]].letter];
    s_printf(s, "# initial state: %s\n", init->label);
    s_put(s, init->yaml, strlen(init->yaml));
    s_printf(s, "steps:\n");
    ed_instance *cur = load(init->yaml, strlen(init->yaml));
    for (size_t i = 1; i < n; i++) {
        const letter *li = &ALPHABET[nodes[path[i]].letter];
        scenario_step(s, cur, li, nodes[path[i]].now);
        const char *name;
        ed_result *r = apply_letter(cur, li, nodes[path[i]].now, &name, NULL);
        ed_instance *next = ed_instance_ref(ed_result_instance(r));
        ed_result_free(r);
        ed_instance_free(cur);
        cur = next;
    }
    if (l != NULL)
        scenario_step(s, cur, l, now);
    ed_instance_free(cur);
}

/* ---- checks ------------------------------------------------------------------------- */

typedef struct ctx {
    size_t node;      /* the state being expanded */
    const letter *l;
    ed_time now;
    const char *name; /* the name the letter passed, if any */
    const ed_instance *in;
    const ed_instance *shadow; /* an independent copy of in, loaded from its dump */
    int when;                  /* the class of now (W_SAME...) */
} ctx;

static const char *counterexample_file;

static void fail(const ctx *c, const char *fmt, ...)
{
    va_list ap;
    char what[2048];
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* the description goes into comment lines of the scenario file */
    str comment = {0};
    for (const char *p = what; *p; p++) {
        if (*p == '\n')
            s_put(&comment, "\n#   ", 5);
        else
            s_put(&comment, p, 1);
    }
    str sc = {0};
    s_printf(&sc, "# VIOLATION: %s\n# found by tests/model/explore on the transition %s at %s "
                  "(%s; a path of %zu commands from the initial state)\n# replay: edition simulate FILE\n",
             comment.p, c->l->label, T(c->now), WHEN_NAMES[c->when], (size_t)nodes[c->node].depth + 1);
    scenario_of(&sc, c->node, c->l, c->now);
    printf("VIOLATION: %s\nshortest counterexample (a scenario file):\n%s", what, sc.p);
    if (counterexample_file) {
        FILE *f = fopen(counterexample_file, "w");
        if (f == NULL || fputs(sc.p, f) < 0 || fclose(f) != 0)
            die("cannot write %s", counterexample_file);
    }
    fflush(stdout);
    exit(1);
}

#define CHECK(c, cond, ...)                                                                     \
    do {                                                                                        \
        if (!(cond))                                                                            \
            fail((c), __VA_ARGS__);                                                             \
    } while (0)


static void check_i2(const ctx *c, const ed_instance *s, const char *which)
{
    const bool std = ed_instance_edition(s) == ED_EDITION_STANDARD;
    CHECK(c, (ed_instance_billing(s) == ED_BILLING_PAY_AS_YOU_GO) == std &&
                 (ed_instance_cluster(s) == ED_CLUSTER_SHARED) == std,
          "I2: the %s snapshot is %s but %s on the %s cluster", which,
          ed_edition_name(ed_instance_edition(s)), ed_billing_name(ed_instance_billing(s)),
          ed_cluster_name(ed_instance_cluster(s)));
    CHECK(c, ed_instance_subscription(s, NULL, NULL, NULL, NULL) == !std,
          "I2: the %s snapshot is %s %s a subscription", which,
          ed_edition_name(ed_instance_edition(s)), std ? "with" : "without");
    CHECK(c, ed_instance_release_at(s, NULL) == (ed_instance_lifecycle(s) == ED_LIFECYCLE_EXPIRED),
          "the %s snapshot is %s %s a release_at (formats.md: release_at only while expired)",
          which, ed_lifecycle_name(ed_instance_lifecycle(s)),
          ed_instance_release_at(s, NULL) ? "with" : "without");
}

static ed_buffer *buf_a, *buf_b, *buf_c;

/* Reads every key and text of a list, as a host would before dumping it. */
static void touch(const ed_effect_list *l)
{
    for (size_t i = 0; i < ed_effect_list_count(l); i++) {
        const ed_effect *e = ed_effect_list_get(l, i);
        if (ed_effect_key(e) == NULL || ed_effect_text(e) == NULL)
            die("no memory for keys and texts");
    }
}

/* I5 and the lazy keys: the same inputs twice, the second result's keys and
 * texts read before it is dumped; both documents byte for byte, YAML and
 * JSON. */
static void check_same_output(const ctx *c, const ed_command *cmd, const ed_result *r1)
{
    const char *name;
    ed_result *r2 = apply_letter(c->in, c->l, c->now, &name, NULL);
    touch(ed_result_effects(r2));
    touch(ed_result_would_have(r2));
    const ed_instance *cur1 = ed_result_instance(r1) ? ed_result_instance(r1) : c->in;
    const ed_instance *cur2 = ed_result_instance(r2) ? ed_result_instance(r2) : c->in;
    const bool unnamed = c->l->action == 2 || c->l->mode == 2;
    for (int json = 0; json < 2; json++) {
        ed_buffer_clear(buf_a);
        ed_buffer_clear(buf_b);
        ed_status d1 = json ? ed_result_dump_json(buf_a, cmd, c->now, r1, cur1)
                            : ed_result_dump_yaml(buf_a, cmd, c->now, r1, cur1);
        ed_status d2 = json ? ed_result_dump_json(buf_b, cmd, c->now, r2, cur2)
                            : ed_result_dump_yaml(buf_b, cmd, c->now, r2, cur2);
        /* a command whose action or mode names nothing has no document
         * (libedition.h, "Errors": invalid_argument, the buffer as it was) */
        CHECK(c, d1 == d2 && d1 == (unnamed ? ED_INVALID_ARGUMENT : ED_OK),
              "the result's %s document: %s, then %s", json ? "JSON" : "YAML",
              ed_status_name(d1), ed_status_name(d2));
        CHECK(c, ed_buffer_len(buf_a) == ed_buffer_len(buf_b) &&
                     memcmp(ed_buffer_data(buf_a), ed_buffer_data(buf_b), ed_buffer_len(buf_a)) == 0,
              "I5: the same command on the same snapshot at the same time dumped two different "
              "%s documents (the second after reading its keys and texts):\n%s\n---\n%s",
              json ? "JSON" : "YAML", ed_buffer_data(buf_a), ed_buffer_data(buf_b));
    }
    CHECK(c, strcmp(ed_result_message(r1), ed_result_message(r2)) == 0,
          "I5: two messages for the same inputs: '%s' and '%s'", ed_result_message(r1),
          ed_result_message(r2));
    ed_result_free(r2);
}

/* The new snapshot and the effects survive YAML and JSON round trips. */
static void check_round_trips(const ctx *c, const ed_instance *out, const ed_effect_list *fx)
{
    ed_buffer_clear(buf_a);
    if (ed_instance_dump_yaml(out, buf_a) != ED_OK)
        fail(c, "the new snapshot cannot be dumped as YAML");
    ed_instance *back = load(ed_buffer_data(buf_a), ed_buffer_len(buf_a));
    CHECK(c, back != NULL, "the new snapshot's YAML does not load back:\n%s", ed_buffer_data(buf_a));
    CHECK(c, ed_instance_equal(back, out), "the new snapshot's YAML loads as another snapshot");
    ed_buffer_clear(buf_b);
    (void)ed_instance_dump_yaml(back, buf_b);
    CHECK(c, ed_buffer_len(buf_a) == ed_buffer_len(buf_b) &&
                 memcmp(ed_buffer_data(buf_a), ed_buffer_data(buf_b), ed_buffer_len(buf_a)) == 0,
          "load then dump of the new snapshot's YAML gives other bytes (formats.md)");
    ed_instance_free(back);

    ed_buffer_clear(buf_a);
    if (ed_instance_dump_json(out, buf_a) != ED_OK)
        fail(c, "the new snapshot cannot be dumped as JSON");
    back = load(ed_buffer_data(buf_a), ed_buffer_len(buf_a));
    CHECK(c, back != NULL, "the new snapshot's JSON does not load back:\n%s", ed_buffer_data(buf_a));
    CHECK(c, ed_instance_equal(back, out), "the new snapshot's JSON loads as another snapshot");
    ed_instance_free(back);

    if (ed_effect_list_count(fx) == 0)
        return;
    ed_buffer_clear(buf_a);
    if (ed_effects_dump_yaml(fx, buf_a) != ED_OK)
        fail(c, "the effects cannot be dumped");
    ed_effect_list *fx2 = NULL;
    ed_error *err = NULL;
    CHECK(c, ed_effects_load_yaml(&fx2, ed_buffer_data(buf_a), ed_buffer_len(buf_a), NULL, &err) == ED_OK,
          "the effects document does not load back: %s", ed_error_message(err));
    ed_buffer_clear(buf_b);
    (void)ed_effects_dump_yaml(fx2, buf_b);
    CHECK(c, ed_buffer_len(buf_a) == ed_buffer_len(buf_b) &&
                 memcmp(ed_buffer_data(buf_a), ed_buffer_data(buf_b), ed_buffer_len(buf_a)) == 0,
          "the effects document loaded and dumped again gives other bytes");
    ed_effects_free(fx2);
}

/* Keys, revisions, indexes, flags and subjects of a list (section 3). */
static void check_effect_list(const ctx *c, const ed_effect_list *fx, uint64_t first, uint64_t last)
{
    const char *id = ed_instance_id(c->in);
    uint64_t rev = 0;
    size_t idx = 0;
    char key[256];
    for (size_t i = 0; i < ed_effect_list_count(fx); i++) {
        const ed_effect *e = ed_effect_list_get(fx, i);
        ed_effect_kind k = ed_effect_kind_of(e);
        uint64_t r = ed_effect_revision(e);
        CHECK(c, r >= first && r <= last && r >= rev,
              "effect %zu (%s) has revision %" PRIu64 ", outside %" PRIu64 "..%" PRIu64
              " or before the one of the effect before it",
              i, ed_effect_kind_name(k), r, first, last);
        idx = r == rev ? idx + 1 : 0;
        rev = r;
        CHECK(c, ed_effect_index(e) == idx, "effect %zu has index %zu, expected %zu", i,
              ed_effect_index(e), idx);
        snprintf(key, sizeof key, "%s/%" PRIu64 "/%zu", id, r, idx);
        CHECK(c, strcmp(ed_effect_key(e), key) == 0, "effect %zu has key %s, expected %s", i,
              ed_effect_key(e), key);
        CHECK(c, ed_effect_flags(e) == kind_flags(k), "effect %s (%s) has flags %u, section 3 says %u",
              key, ed_effect_kind_name(k), ed_effect_flags(e), kind_flags(k));
        CHECK(c, ed_effect_subject_kind(e) == kind_subject(k),
              "effect %s (%s) names a %s, section 3 says a %s", key, ed_effect_kind_name(k),
              ed_subject_kind_name(ed_effect_subject_kind(e)),
              ed_subject_kind_name(kind_subject(k)));
        if (kind_subject(k) == ED_SUBJECT_INSTANCE)
            CHECK(c, strcmp(ed_effect_subject(e), id) == 0, "effect %s names instance %s", key,
                  ed_effect_subject(e));
    }
}

/* I3: every irreversible effect belongs to a release after an expiry with
 * delete_resource, to a refund with allow_data_loss, or is the removal of
 * the very name the caller gave. */
static void check_i3(const ctx *c, const ed_result *r)
{
    const ed_effect_list *fx = ed_result_effects(r);
    const ed_instance *out = ed_result_instance(r);
    size_t irreversible = 0;
    for (size_t i = 0; i < ed_effect_list_count(fx); i++) {
        const ed_effect *e = ed_effect_list_get(fx, i);
        if (!(ed_effect_flags(e) & ED_FLAG_IRREVERSIBLE))
            continue;
        irreversible++;
        const char *key = ed_effect_key(e);
        switch (c->l->cmd) {
        case ED_CMD_TICK: {
            ed_action action = ED_ACTION_DOWNGRADE_TO_STANDARD;
            const bool expired_before = ed_instance_lifecycle(c->in) == ED_LIFECYCLE_EXPIRED;
            const bool expires_now = ed_instance_lifecycle(c->in) == ED_LIFECYCLE_ACTIVE &&
                                     ed_instance_subscription(c->in, NULL, NULL, NULL, &action) &&
                                     action == ED_ACTION_DELETE_RESOURCE;
            CHECK(c, ed_instance_lifecycle(out) == ED_LIFECYCLE_RELEASED &&
                         (expired_before || expires_now) &&
                         ed_effect_revision(e) == ed_instance_revision(out),
                  "I3: tick emitted irreversible effect %s outside a release after an expiry "
                  "with delete_resource",
                  key);
            break;
        }
        case ED_CMD_REFUND:
            CHECK(c, c->l->allow, "I3: refund without allow_data_loss emitted irreversible effect %s",
                  key);
            break;
        case ED_CMD_REMOVE_TOPIC:
        case ED_CMD_REMOVE_GROUP: {
            ed_effect_kind want = c->l->cmd == ED_CMD_REMOVE_TOPIC ? ED_EFFECT_TOPIC_DELETE
                                                                   : ED_EFFECT_GROUP_DELETE;
            CHECK(c, ed_effect_kind_of(e) == want && strcmp(ed_effect_subject(e), c->name) == 0,
                  "I3: %s of '%s' emitted irreversible effect %s (%s %s)", c->l->label, c->name,
                  key, ed_effect_kind_name(ed_effect_kind_of(e)), ed_effect_subject(e));
            break;
        }
        default:
            fail(c, "I3: %s emitted irreversible effect %s (%s)", c->l->label, key,
                 ed_effect_kind_name(ed_effect_kind_of(e)));
        }
    }
    if (c->l->cmd == ED_CMD_REMOVE_TOPIC || c->l->cmd == ED_CMD_REMOVE_GROUP)
        CHECK(c, irreversible <= 1, "I3: one removal emitted %zu irreversible effects", irreversible);
}

/* ---- coverage ----------------------------------------------------------------------- */

enum { R_STD_ACTIVE, R_PLAT_ACTIVE, R_PLAT_EXPIRED, R_PLAT_RELEASED, R_STD_EXPIRED,
       R_STD_RELEASED, NROWS };
static const char *const ROW_NAMES[NROWS] = {
    "standard, active", "enterprise_platinum, active", "enterprise_platinum, expired",
    "enterprise_platinum, released", "standard, expired", "standard, released"};
#define NCMDS 13    /* ed_command_kind 1..12 */
#define NOUTCOMES 16 /* ED_OK .. ED_DATA_LOSS_REFUSED */

static uint64_t coverage[NROWS][NCMDS][NOUTCOMES];

static int row_of(const ed_instance *in)
{
    const bool std = ed_instance_edition(in) == ED_EDITION_STANDARD;
    switch (ed_instance_lifecycle(in)) {
    case ED_LIFECYCLE_ACTIVE:
        return std ? R_STD_ACTIVE : R_PLAT_ACTIVE;
    case ED_LIFECYCLE_EXPIRED:
        return std ? R_STD_EXPIRED : R_PLAT_EXPIRED;
    default:
        return std ? R_STD_RELEASED : R_PLAT_RELEASED;
    }
}

static bool in_set(int st, const int *set)
{
    for (; *set >= 0; set++)
        if (*set == st)
            return true;
    return false;
}

/* The rule that makes a cell unreachable, or NULL when the rules allow it.
 * Reached cells must have none and the others one (--require-coverage). */
static const char *unreachable(int row, ed_command_kind cmd, int st)
{
    static char why[512];
    if (row == R_STD_EXPIRED)
        return "only Enterprise Platinum expires: lifecycle expired is a platinum instance past "
               "its expiry with delete_resource (S9, lifecycle.md snapshot fields)";
    if (row == R_STD_RELEASED)
        return "only a release (S9) or a refund with allow_data_loss (S11, X3) releases, and "
               "both keep the Enterprise Platinum edition";
    if (row == R_PLAT_RELEASED)
        return st == ED_RELEASED ? NULL
                                 : "I6: a released snapshot refuses every command with released";
    if (st == ED_RELEASED)
        return "released is the refusal of a released snapshot only (section 1, I6)";
    if (st == ED_CLOCK_SKEW)
        return NULL; /* every command refuses a time before updated_at */
    if (cmd == ED_CMD_DOWNGRADE)
        return st == ED_NO_DIRECT_DOWNGRADE
                   ? NULL
                   : "S6, S8: downgrade is refused with no_direct_downgrade after released and "
                     "clock_skew";
    if (st == ED_NO_DIRECT_DOWNGRADE)
        return "only downgrade answers no_direct_downgrade (S6)";
    static const int UPGRADE[] = {ED_OK, ED_ALREADY_ENTERPRISE_PLATINUM, ED_MIGRATION_IN_PROGRESS,
                                  ED_INVALID_PERIOD, -1};
    static const int SET_ACTION[] = {ED_OK, ED_NOT_SUBSCRIPTION, ED_EXPIRED, ED_EXPIRY_DUE,
                                     ED_INVALID_ARGUMENT, -1};
    static const int REFUND[] = {ED_OK, ED_NOT_SUBSCRIPTION, ED_EXPIRED, ED_EXPIRY_DUE,
                                 ED_DATA_LOSS_REFUSED, -1};
    static const int RENEW[] = {ED_OK, ED_NOT_SUBSCRIPTION, ED_EXPIRY_DUE, ED_INVALID_PERIOD, -1};
    static const int TICK[] = {ED_OK, -1};
    static const int COMPLETE[] = {ED_OK, ED_NO_MIGRATION, -1};
    static const int ADD[] = {ED_OK, ED_EXPIRED, ED_EXPIRY_DUE, ED_MIGRATION_IN_PROGRESS,
                              ED_INVALID_NAME, ED_EXISTS, -1};
    static const int REMOVE[] = {ED_OK, ED_EXPIRED, ED_EXPIRY_DUE, ED_MIGRATION_IN_PROGRESS,
                                 ED_INVALID_NAME, ED_NOT_FOUND, -1};
    static const int PLAN[] = {ED_OK, ED_NOT_SUBSCRIPTION, ED_EXPIRED, ED_INVALID_ARGUMENT, -1};
    const int *set = NULL;
    switch (cmd) {
    case ED_CMD_UPGRADE: set = UPGRADE; break;
    case ED_CMD_SET_POST_EXPIRATION_ACTION: set = SET_ACTION; break;
    case ED_CMD_REFUND: set = REFUND; break;
    case ED_CMD_RENEW: set = RENEW; break;
    case ED_CMD_TICK: set = TICK; break;
    case ED_CMD_COMPLETE_MIGRATION: set = COMPLETE; break;
    case ED_CMD_ADD_TOPIC: case ED_CMD_ADD_GROUP: set = ADD; break;
    case ED_CMD_REMOVE_TOPIC: case ED_CMD_REMOVE_GROUP: set = REMOVE; break;
    default: set = PLAN; break;
    }
    if (!in_set(st, set)) {
        snprintf(why, sizeof why, "%s: lifecycle.md section 2 gives it no %s outcome%s",
                 ed_command_kind_name(cmd), ed_status_name((ed_status)st),
                 st == ED_INVALID_ARGUMENT ? " (the alphabet's other arguments are well-formed)" : "");
        return why;
    }
    const bool checks_edition = cmd == ED_CMD_SET_POST_EXPIRATION_ACTION || cmd == ED_CMD_REFUND ||
                                cmd == ED_CMD_RENEW || cmd == ED_CMD_PLAN_DOWNGRADE;
    const bool checks_expired = cmd == ED_CMD_SET_POST_EXPIRATION_ACTION || cmd == ED_CMD_REFUND ||
                                cmd == ED_CMD_PLAN_DOWNGRADE || cmd == ED_CMD_ADD_TOPIC ||
                                cmd == ED_CMD_ADD_GROUP || cmd == ED_CMD_REMOVE_TOPIC ||
                                cmd == ED_CMD_REMOVE_GROUP;
    if (row == R_STD_ACTIVE) {
        if (checks_edition)
            return st == ED_NOT_SUBSCRIPTION
                       ? NULL
                       : "the edition check comes first (section 1) and refuses a standard "
                         "instance with not_subscription";
        if (st == ED_EXPIRY_DUE)
            return "a standard instance has no deadline (X6): nothing is ever due";
        if (st == ED_ALREADY_ENTERPRISE_PLATINUM)
            return "already_enterprise_platinum refuses an Enterprise Platinum instance only (S7)";
        if (st == ED_EXPIRED)
            return "only Enterprise Platinum expires (S9)";
        return NULL;
    }
    /* enterprise platinum, active or expired */
    if (st == ED_NOT_SUBSCRIPTION)
        return "I2: Enterprise Platinum always has a subscription";
    if (cmd == ED_CMD_UPGRADE)
        return st == ED_ALREADY_ENTERPRISE_PLATINUM
                   ? NULL
                   : "the edition check refuses Enterprise Platinum with "
                     "already_enterprise_platinum before anything else (section 1)";
    if (row == R_PLAT_ACTIVE) {
        if (st == ED_EXPIRED)
            return "the lifecycle is active";
        return NULL;
    }
    /* expired */
    if (checks_expired)
        return st == ED_EXPIRED ? NULL
                                : "the lifecycle check refuses an expired instance with expired "
                                  "before expiry_due and the arguments (section 1)";
    return NULL;
}

static int cmd_order[] = {ED_CMD_UPGRADE, ED_CMD_SET_POST_EXPIRATION_ACTION, ED_CMD_REFUND,
                          ED_CMD_RENEW, ED_CMD_TICK, ED_CMD_COMPLETE_MIGRATION, ED_CMD_ADD_TOPIC,
                          ED_CMD_REMOVE_TOPIC, ED_CMD_ADD_GROUP, ED_CMD_REMOVE_GROUP,
                          ED_CMD_DOWNGRADE, ED_CMD_PLAN_DOWNGRADE};

/* Prints the table, checks it against unreachable(); returns the number of
 * cells in contradiction (reached yet ruled out) or, when `require`, left
 * unexplained (neither reached nor ruled out). */
static int coverage_report(FILE *f, bool require)
{
    int bad = 0, reached = 0, ruled_out = 0, unexplained = 0;
    fprintf(f, "| command | %s | %s | %s | %s |\n|---|---|---|---|---|\n", ROW_NAMES[0],
            ROW_NAMES[1], ROW_NAMES[2], ROW_NAMES[3]);
    for (size_t ci = 0; ci < sizeof cmd_order / sizeof cmd_order[0]; ci++) {
        int cmd = cmd_order[ci];
        fprintf(f, "| `%s` |", ed_command_kind_name((ed_command_kind)cmd));
        for (int row = 0; row < 4; row++) {
            bool first = true;
            for (int st = 0; st < NOUTCOMES; st++) {
                if (coverage[row][cmd][st] == 0)
                    continue;
                fprintf(f, "%s%s", first ? " " : ", ", ed_status_name((ed_status)st));
                first = false;
            }
            fprintf(f, "%s |", first ? " (none)" : "");
        }
        fprintf(f, "\n");
    }
    /* the reasons, each once, with the number of cells it rules out */
    const char *reasons[64];
    int counts[64], nreasons = 0;
    for (int row = 0; row < NROWS; row++) {
        for (size_t ci = 0; ci < sizeof cmd_order / sizeof cmd_order[0]; ci++) {
            int cmd = cmd_order[ci];
            for (int st = 0; st < NOUTCOMES; st++) {
                const char *why = unreachable(row, (ed_command_kind)cmd, st);
                bool hit = coverage[row][cmd][st] > 0;
                if (hit)
                    reached++;
                if (hit && why) {
                    fprintf(stderr, "coverage: %s / %s / %s was reached, yet: %s\n",
                            ROW_NAMES[row], ed_command_kind_name((ed_command_kind)cmd),
                            ed_status_name((ed_status)st), why);
                    bad++;
                } else if (!hit && !why) {
                    unexplained++;
                    if (require) {
                        fprintf(stderr, "coverage: %s / %s / %s was not reached and no rule "
                                        "rules it out\n", ROW_NAMES[row],
                                ed_command_kind_name((ed_command_kind)cmd),
                                ed_status_name((ed_status)st));
                        bad++;
                    }
                } else if (why) {
                    ruled_out++;
                    /* reasons naming the command are grouped by their text
                     * after the command name */
                    const char *key = why;
                    const char *colon = strstr(why, ": lifecycle.md section 2");
                    char tmp[512];
                    if (colon) {
                        snprintf(tmp, sizeof tmp, "the command's own refusals (lifecycle.md "
                                                  "section 2) do not include it");
                        key = tmp;
                    }
                    int k = 0;
                    while (k < nreasons && strcmp(reasons[k], key) != 0)
                        k++;
                    if (k == nreasons && nreasons < 64) {
                        reasons[nreasons] = strdup(key);
                        counts[nreasons++] = 0;
                    }
                    if (k < 64)
                        counts[k]++;
                }
            }
        }
    }
    fprintf(f, "\nCells: %d rows x %zu commands x %d outcomes = %zu; reached %d, ruled out %d, "
               "neither %d.\n\nUnreachable cells, by the rule that rules them out:\n\n",
            NROWS, sizeof cmd_order / sizeof cmd_order[0], NOUTCOMES,
            (size_t)NROWS * (sizeof cmd_order / sizeof cmd_order[0]) * NOUTCOMES, reached,
            ruled_out, unexplained);
    for (int k = 0; k < nreasons; k++) {
        fprintf(f, "* %d cells: %s\n", counts[k], reasons[k]);
        free((void *)reasons[k]);
    }
    return bad;
}

/* ---- export for the reference model --------------------------------------------------- */

static FILE *export_f;
static unsigned export_depth;

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void export_state(size_t k, const ed_instance *in)
{
    ed_buffer_clear(buf_c);
    if (ed_instance_dump_json(in, buf_c) != ED_OK)
        die("cannot dump a state as JSON");
    size_t len = ed_buffer_len(buf_c);
    str sc = {0};
    scenario_of(&sc, k, NULL, 0);
    fprintf(export_f, "{\"node\": %zu, \"depth\": %u, \"scenario\": ", k, (unsigned)nodes[k].depth);
    json_string(export_f, sc.p);
    free(sc.p);
    fprintf(export_f, ", \"state\": %.*s, \"steps\": [", (int)(len - 1), ed_buffer_data(buf_c));
    ed_time times[NWHEN];
    int cls[NWHEN], nt;
    times_of(in, times, cls, &nt);
    bool first = true;
    for (size_t li = 0; li < NLETTERS; li++) {
        const letter *l = &ALPHABET[li];
        const char *name = l->name != N_NONE ? name_for(in, l) : NULL;
        if (l->name != N_NONE && name == NULL)
            continue;
        for (int w = 0; w < nt; w++) {
            fprintf(export_f, "%s{\"letter\": ", first ? "" : ", ");
            first = false;
            json_string(export_f, l->label);
            fprintf(export_f, ", \"command\": \"%s\", \"now\": %lld, \"args\": {",
                    ed_command_kind_name(l->cmd), (long long)times[w]);
            switch (l->cmd) {
            case ED_CMD_UPGRADE:
            case ED_CMD_RENEW:
                fprintf(export_f, "\"period_months\": %lld", (long long)l->period);
                break;
            case ED_CMD_SET_POST_EXPIRATION_ACTION:
                fprintf(export_f, "\"action\": \"%s\"",
                        ed_action_name((ed_action)l->action) ? ed_action_name((ed_action)l->action)
                                                             : "invalid");
                break;
            case ED_CMD_REFUND:
                fprintf(export_f, "\"allow_data_loss\": %s", l->allow ? "true" : "false");
                break;
            case ED_CMD_PLAN_DOWNGRADE:
                fprintf(export_f, "\"mode\": \"%s\"",
                        ed_plan_mode_name((ed_plan_mode)l->mode)
                            ? ed_plan_mode_name((ed_plan_mode)l->mode)
                            : "invalid");
                break;
            default:
                if (name) {
                    fprintf(export_f, "\"name\": ");
                    json_string(export_f, name);
                }
                break;
            }
            fprintf(export_f, "}}");
        }
    }
    fprintf(export_f, "]}\n");
}

/* ---- the search ------------------------------------------------------------------------- */

static uint64_t transitions, accepted, refused, skipped_letters;
static fpset seen;
static str canon_buf;

/* Expands state k: every letter at every time, every check; new states
 * join the next level. */
static void expand(size_t k, unsigned depth, unsigned max_depth)
{
    ed_instance *in = rebuild(k);
    ed_buffer *before = ed_buffer_new();
    if (before == NULL || ed_instance_dump_yaml(in, before) != ED_OK)
        die("cannot dump state %zu", k);
    ed_instance *shadow = load(ed_buffer_data(before), ed_buffer_len(before));
    if (shadow == NULL)
        die("state %zu does not load back", k);
    if (export_f != NULL && depth < export_depth)
        export_state(k, in);

    ed_time times[NWHEN];
    int cls[NWHEN], nt;
    times_of(in, times, cls, &nt);
    const bool released = ed_instance_lifecycle(in) == ED_LIFECYCLE_RELEASED;
    const int row = row_of(in);

    for (size_t li = 0; li < NLETTERS; li++) {
        const letter *l = &ALPHABET[li];
        for (int w = 0; w < nt; w++) {
            ctx c = {k, l, times[w], NULL, in, shadow, cls[w]};
            ed_command *cmd = NULL;
            ed_result *r = apply_letter(in, l, c.now, &c.name, &cmd);
            if (r == NULL) {
                skipped_letters++;
                continue;
            }
            transitions++;
            ed_status st = ed_result_status(r);
            CHECK(&c, st == ED_OK || ed_status_is_refusal(st) ||
                          (st == ED_INVALID_ARGUMENT && (l->action == 2 || l->mode == 2)),
                  "status %s (%s) for a well-formed command", ed_status_name(st),
                  ed_result_message(r));
            if (st >= 0 && st < NOUTCOMES)
                coverage[row][l->cmd][st]++;
            /* I7, refusals included */
            char why[512];
            const char *broken = timer_replay_violation(in, c.now, r, why, sizeof why);
            CHECK(&c, broken == NULL, "%s", broken);
            /* I6 */
            if (released)
                CHECK(&c, st == ED_RELEASED, "I6: a released snapshot answered %s with %s",
                      l->label, ed_status_name(st));
            if (st != ED_OK) {
                refused++;
                /* I4: a refusal changes nothing and yields no effects */
                CHECK(&c, ed_result_instance(r) == NULL,
                      "I4: the refusal %s returned a snapshot (revision %" PRIu64 ", input %" PRIu64 ")",
                      ed_status_name(st), ed_instance_revision(ed_result_instance(r)),
                      ed_instance_revision(in));
                CHECK(&c, ed_effect_list_count(ed_result_effects(r)) == 0,
                      "I4: the refusal %s emitted %zu effects", ed_status_name(st),
                      ed_effect_list_count(ed_result_effects(r)));
                CHECK(&c, (ed_effect_list_count(ed_result_would_have(r)) > 0) ==
                              (st == ED_DATA_LOSS_REFUSED),
                      "the refusal %s has %zu would_have effects", ed_status_name(st),
                      ed_effect_list_count(ed_result_would_have(r)));
                CHECK(&c, st != ED_DATA_LOSS_REFUSED || (l->cmd == ED_CMD_REFUND && !l->allow),
                      "data_loss_refused for %s", l->label);
                CHECK(&c, ed_result_message(r)[0] != '\0', "the refusal %s has no message",
                      ed_status_name(st));
                CHECK(&c, ed_result_plan_count(r) == 0, "a refusal with a plan");
                CHECK(&c, ed_instance_equal(in, shadow), "I4: the refusal %s changed its input",
                      ed_status_name(st));
                if (st == ED_DATA_LOSS_REFUSED)
                    check_effect_list(&c, ed_result_would_have(r), ed_instance_revision(in) + 1,
                                      ed_instance_revision(in) + 1);
                check_same_output(&c, cmd, r);
                ed_result_free(r);
                ed_command_free(cmd);
                continue;
            }
            accepted++;
            const ed_instance *out = ed_result_instance(r);
            const ed_effect_list *fx = ed_result_effects(r);
            CHECK(&c, out != NULL, "an accepted result without a snapshot");
            CHECK(&c, ed_result_message(r)[0] == '\0', "an accepted result with a message: %s",
                  ed_result_message(r));
            CHECK(&c, ed_effect_list_count(ed_result_would_have(r)) == 0,
                  "an accepted result with would_have effects");
            CHECK(&c, (ed_result_plan_count(r) > 0) == (l->cmd == ED_CMD_PLAN_DOWNGRADE),
                  "a plan of %zu steps from %s", ed_result_plan_count(r), l->label);
            CHECK(&c, ed_instance_equal(in, shadow), "an accepted command changed its input");
            const uint64_t r0 = ed_instance_revision(in), r1 = ed_instance_revision(out);
            if (out == in) {
                CHECK(&c, ed_effect_list_count(fx) == 0,
                      "an unchanged result (the input itself) with %zu effects",
                      ed_effect_list_count(fx));
            } else {
                /* I4: one revision per transition: tick may apply two */
                CHECK(&c, r1 >= r0 + 1 && r1 <= r0 + (l->cmd == ED_CMD_TICK ? 2 : 1),
                      "I4: %s moved the revision from %" PRIu64 " to %" PRIu64, l->label, r0, r1);
                CHECK(&c, ed_instance_updated_at(out) == c.now,
                      "updated_at is %s after a change at %s", T(ed_instance_updated_at(out)),
                      T(c.now));
                CHECK(&c, !ed_instance_equal(in, out),
                      "a new revision that changes nothing else");
                /* I1 */
                CHECK(&c, strcmp(ed_instance_id(out), ed_instance_id(in)) == 0 &&
                              strcmp(ed_instance_endpoint(out), ed_instance_endpoint(in)) == 0,
                      "I1: the id or endpoint changed");
                check_i2(&c, out, "new");
                check_effect_list(&c, fx, r0 + 1, r1);
                check_i3(&c, r);
                check_round_trips(&c, out, fx);
            }
            check_same_output(&c, cmd, r);
            /* the new state */
            if (depth + 1 <= max_depth && out != in) {
                canon(out, &canon_buf);
                fp f = fingerprint(canon_buf.p, canon_buf.n);
                if (fpset_add(&seen, f))
                    (void)add_node((uint32_t)k, (unsigned)li, depth + 1, c.now);
            }
            ed_result_free(r);
            ed_command_free(cmd);
        }
    }
    /* the input, dumped again, is byte for byte what it was */
    ed_buffer_clear(buf_a);
    (void)ed_instance_dump_yaml(in, buf_a);
    if (ed_buffer_len(buf_a) != ed_buffer_len(before) ||
        memcmp(ed_buffer_data(buf_a), ed_buffer_data(before), ed_buffer_len(before)) != 0) {
        ctx c = {k, &ALPHABET[0], ed_instance_updated_at(in), NULL, in, shadow, W_SAME};
        fail(&c, "the snapshot changed while commands ran on it");
    }
    ed_buffer_free(before);
    ed_instance_free(shadow);
    ed_instance_free(in);
}

static void usage(void)
{
    fprintf(stderr, "usage: explore [--depth N] [--time-limit SECONDS] [--export FILE "
                    "--export-depth K] [--coverage-md FILE] [--counterexample FILE] "
                    "[--require-coverage]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    unsigned max_depth = 6;
    double time_limit = 0;
    const char *coverage_md = NULL, *export_path = NULL;
    bool require = false;
    const char *env = getenv("ED_EXPLORE_DEPTH");
    if (env && *env)
        max_depth = (unsigned)strtoul(env, NULL, 10);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--depth") == 0 && v) {
            max_depth = (unsigned)strtoul(v, NULL, 10);
            i++;
        } else if (strcmp(a, "--time-limit") == 0 && v) {
            time_limit = strtod(v, NULL);
            i++;
        } else if (strcmp(a, "--export") == 0 && v) {
            export_path = v;
            i++;
        } else if (strcmp(a, "--export-depth") == 0 && v) {
            export_depth = (unsigned)strtoul(v, NULL, 10);
            i++;
        } else if (strcmp(a, "--coverage-md") == 0 && v) {
            coverage_md = v;
            i++;
        } else if (strcmp(a, "--counterexample") == 0 && v) {
            counterexample_file = v;
            i++;
        } else if (strcmp(a, "--require-coverage") == 0) {
            require = true;
        } else {
            usage();
        }
    }
    if (max_depth < 1 || max_depth > 200)
        die("the depth must lie in 1..200");
    if (export_path) {
        export_f = fopen(export_path, "w");
        if (export_f == NULL)
            die("cannot write %s", export_path);
        if (export_depth == 0)
            export_depth = max_depth;
    }
    buf_a = ed_buffer_new();
    buf_b = ed_buffer_new();
    buf_c = ed_buffer_new();
    if (!buf_a || !buf_b || !buf_c)
        die("out of memory");

    printf("explore: %zu initial states, %zu letters x up to %d times, depth %u\n", NINITIAL,
           NLETTERS, NWHEN, max_depth);
    const double t0 = seconds_now();
    for (size_t i = 0; i < NINITIAL; i++) {
        ed_instance *in = load(INITIAL[i].yaml, strlen(INITIAL[i].yaml));
        if (in == NULL)
            die("initial state %zu does not load", i);
        canon(in, &canon_buf);
        if (fpset_add(&seen, fingerprint(canon_buf.p, canon_buf.n)))
            (void)add_node(UINT32_MAX, (unsigned)i, 0, ed_instance_updated_at(in));
        ed_instance_free(in);
    }
    size_t level_start = 0, level_end = nnodes;
    unsigned completed = 0;
    bool stopped = false;
    /* depth d: expand the states at distance d, which explores every path
     * of d + 1 commands; the states they reach are at distance d + 1 */
    for (unsigned d = 0; d < max_depth && level_start < level_end; d++) {
        if (time_limit > 0 && seconds_now() - t0 > time_limit) {
            stopped = true;
            break;
        }
        uint64_t tr0 = transitions;
        for (size_t k = level_start; k < level_end && !stopped; k++) {
            expand(k, d, max_depth);
            /* a level cut short by the time limit does not count */
            stopped = time_limit > 0 && (k & 63) == 0 && seconds_now() - t0 > time_limit;
        }
        if (stopped) {
            printf("  depth %2u: stopped by the time limit after %" PRIu64 " transitions\n", d + 1,
                   transitions - tr0);
            break;
        }
        completed = d + 1;
        printf("  depth %2u: %10zu states expanded, %12" PRIu64 " transitions, %10zu new states, "
               "%8.1f s\n",
               d + 1, level_end - level_start, transitions - tr0, nnodes - level_end,
               seconds_now() - t0);
        fflush(stdout);
        level_start = level_end;
        level_end = nnodes;
    }
    const double elapsed = seconds_now() - t0;
    if (stopped)
        require = false; /* the coverage of an unfinished level is not the depth's */
    printf("explore: depth %u%s: %zu distinct states (%zu expanded), %" PRIu64
           " transitions (%" PRIu64 " accepted, %" PRIu64 " refused; %" PRIu64
           " letters not applicable), %.1f s; no violation\n",
           completed, stopped ? " (stopped by the time limit)" : "", nnodes, level_start,
           transitions, accepted, refused, skipped_letters, elapsed);
    if (export_f != NULL && fclose(export_f) != 0)
        die("cannot write %s", export_path);

    int bad = coverage_report(stdout, require);
    if (coverage_md) {
        FILE *f = fopen(coverage_md, "w");
        if (f == NULL)
            die("cannot write %s", coverage_md);
        (void)coverage_report(f, false);
        fclose(f);
    }
    ed_buffer_free(buf_a);
    ed_buffer_free(buf_b);
    ed_buffer_free(buf_c);
    free(nodes);
    free(seen.slot);
    free(canon_buf.p);
    if (bad) {
        printf("explore: %d coverage cells wrong\n", bad);
        return 1;
    }
    return 0;
}
