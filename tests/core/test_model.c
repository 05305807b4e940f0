/* Seeded random model test. Runs ED_MODEL_STEPS (default 100,000) random
 * commands, every command of the lifecycle including create, with a
 * plausible clock that sometimes goes backwards, random valid and invalid
 * names and arguments. After every step it checks the invariants I1..I7 and
 * compares the library with a small reference model written here from
 * docs/rules.md and docs/semantics.md: status, new snapshot field by
 * field, every effect (kind, key, flags, subject, fields), the would-have
 * effects of data_loss_refused and the downgrade plan.
 *
 * ED_SEED=<n> reproduces a run; the seed is printed at the start. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "effect_kinds.h"
#include "timer_replay.h"

/* ---- random numbers (xorshift64*, seeded) -------------------------------- */

static uint64_t rng;
static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dULL;
}
static int below(int n)
{
    return (int)(rnd() % (uint64_t)n);
}
static bool chance(int percent)
{
    return below(100) < percent;
}

/* ---- the reference model ---------------------------------------------------- */

#define MAXN 48
#define NAMELEN 72

typedef struct names {
    size_t n;
    char v[MAXN][NAMELEN];
} names;

static size_t names_find(const names *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], name) == 0)
            return i;
    return SIZE_MAX;
}

static void names_add(names *s, const char *name)
{
    REQUIRE(s->n < MAXN, "too many names");
    snprintf(s->v[s->n++], NAMELEN, "%s", name);
}

static void names_remove(names *s, size_t at)
{
    for (size_t i = at; i + 1 < s->n; i++)
        memcpy(s->v[i], s->v[i + 1], NAMELEN);
    s->n--;
}

typedef struct model {
    bool exists;
    char id[200];
    char endpoint[320];
    bool has_region;
    ed_edition edition;
    ed_lifecycle lc;
    uint64_t rev;
    ed_time created, updated;
    int delay;
    bool sub;
    ed_time started, expires;
    int period;
    ed_action action;
    bool has_rel;
    ed_time rel;
    bool mig;
    ed_cluster mfrom, mto;
    ed_time mstart;
    names topics, groups;
} model;

/* One expected effect. */
typedef struct xeff {
    ed_effect_kind kind;
    uint64_t rev;
    size_t idx;
    ed_subject_kind sk;
    char subject[NAMELEN];
    unsigned flags;
    fexp fields[6]; /* ends with field 0 */
    int nfields;
} xeff;

typedef struct xlist {
    size_t n;
    xeff v[2 * MAXN + 16];
    uint64_t rev; /* revision of the transition being emitted */
    size_t idx;
} xlist;


static void xl_begin(xlist *l, uint64_t rev)
{
    l->rev = rev;
    l->idx = 0;
}

static xeff *emit(xlist *l, ed_effect_kind kind, const char *subject)
{
    REQUIRE(l->n < sizeof l->v / sizeof l->v[0], "too many effects");
    xeff *e = &l->v[l->n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->rev = l->rev;
    e->idx = l->idx++;
    e->sk = kind_subject(kind);
    e->flags = kind_flags(kind);
    snprintf(e->subject, sizeof e->subject, "%s", subject ? subject : "");
    return e;
}

static xeff *fs(xeff *e, ed_field f, const char *s)
{
    e->fields[e->nfields++] = (fexp){f, s, 0};
    return e;
}

static xeff *fv(xeff *e, ed_field f, int64_t v)
{
    e->fields[e->nfields++] = (fexp){f, NULL, v};
    return e;
}

static const char *cluster_name(ed_cluster c)
{
    return c == ED_CLUSTER_SHARED ? "shared" : "dedicated";
}

static const char *action_name(ed_action a)
{
    return a == ED_ACTION_DELETE_RESOURCE ? "delete_resource" : "downgrade_to_standard";
}

/* The expected outcome of one command. */
typedef struct outcome {
    ed_status status;
    bool unchanged;
    uint64_t transitions;
    bool release_step; /* a release happens in this step (I3) */
    xlist effects;
    xlist would_have;
    size_t plan_n;
    ed_command_kind plan_cmd[2];
    bool plan_action[2];
    bool plan_has_at[2];
    ed_time plan_at[2];
    model next;
} outcome;

/* A revision per transition: tick may apply two. */
static void transition(outcome *o, xlist *l, ed_time now)
{
    o->next.rev++;
    o->next.updated = now;
    o->transitions++;
    xl_begin(l, o->next.rev);
}

/* The instance is deleted as of `effective`: release_at, or now for a
 * refund. */
static void do_release(outcome *o, xlist *l, ed_time effective)
{
    model *m = &o->next;
    for (size_t i = 0; i < m->groups.n; i++)
        emit(l, ED_EFFECT_GROUP_DELETE, m->groups.v[i]);
    for (size_t i = 0; i < m->topics.n; i++)
        emit(l, ED_EFFECT_TOPIC_DELETE, m->topics.v[i]);
    fv(emit(l, ED_EFFECT_INSTANCE_DELETE, NULL), ED_FIELD_AT, effective);
    m->lc = ED_LIFECYCLE_RELEASED;
    m->topics.n = 0;
    m->groups.n = 0;
    m->mig = false;
    m->has_rel = false;
    o->release_step = true;
}

/* Billing switches at `effective`: the expiry, or now for a refund. */
static void do_downgrade(outcome *o, xlist *l, ed_time now, ed_time effective)
{
    model *m = &o->next;
    fv(fs(fs(emit(l, ED_EFFECT_BILLING_CONVERT, NULL), ED_FIELD_FROM, "subscription"),
          ED_FIELD_TO, "pay_as_you_go"),
       ED_FIELD_AT, effective);
    for (size_t i = 0; i < m->topics.n; i++)
        fv(fs(fs(emit(l, ED_EFFECT_TOPIC_MIGRATE, m->topics.v[i]), ED_FIELD_FROM, "dedicated"),
              ED_FIELD_TO, "shared"),
           ED_FIELD_ONLINE, 1);
    for (size_t i = 0; i < m->groups.n; i++)
        fs(fs(emit(l, ED_EFFECT_CONSUMERS_REBALANCE, m->groups.v[i]), ED_FIELD_FROM, "dedicated"),
           ED_FIELD_TO, "shared");
    fv(emit(l, ED_EFFECT_NOTICE_IGNORE_RELEASE_NOTIFICATION, NULL), ED_FIELD_AT,
       m->expires + (ed_time)m->delay * 86400);
    m->edition = ED_EDITION_STANDARD;
    m->sub = false;
    m->mig = true;
    m->mfrom = ED_CLUSTER_DEDICATED;
    m->mto = ED_CLUSTER_SHARED;
    m->mstart = now;
}

static void do_expire_delete(outcome *o, xlist *l)
{
    model *m = &o->next;
    m->lc = ED_LIFECYCLE_EXPIRED;
    m->has_rel = true;
    m->rel = m->expires + (ed_time)m->delay * 86400;
    fv(emit(l, ED_EFFECT_INSTANCE_SUSPEND, NULL), ED_FIELD_AT, m->expires);
    fs(fv(emit(l, ED_EFFECT_TIMER_SCHEDULE, NULL), ED_FIELD_AT, m->rel), ED_FIELD_TIMER,
       "release");
    fv(emit(l, ED_EFFECT_NOTICE_RELEASE_PENDING, NULL), ED_FIELD_AT, m->rel);
}

static bool time_ok(ed_time t)
{
    return t >= ED_TIME_MIN && t <= ED_TIME_MAX;
}

static bool due(const model *m, ed_time now)
{
    if (m->lc == ED_LIFECYCLE_ACTIVE && m->sub)
        return now >= m->expires;
    if (m->lc == ED_LIFECYCLE_EXPIRED)
        return now >= m->rel;
    return false;
}

/* An expiry that leaves room for the largest release delay. */
static bool expiry_fits(ed_time from, int months, ed_time *out)
{
    return cal_add_months(from, months, out) && *out <= ED_TIME_MAX - 30 * 86400;
}

static bool token(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

static bool name_ok(const char *s, size_t min)
{
    size_t n = strlen(s);
    if (n < min || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* ---- commands ------------------------------------------------------------ */

enum cmd {
    C_CREATE_STANDARD,
    C_CREATE_PLATINUM,
    C_UPGRADE,
    C_SET_ACTION,
    C_TICK,
    C_REFUND,
    C_RENEW,
    C_ADD_TOPIC,
    C_REMOVE_TOPIC,
    C_ADD_GROUP,
    C_REMOVE_GROUP,
    C_COMPLETE,
    C_DOWNGRADE,
    C_PLAN,
    C_COUNT
};

static const char *const cmd_names[C_COUNT] = {
    "create_standard", "create_enterprise_platinum", "upgrade", "set_post_expiration_action",
    "tick", "refund", "renew", "add_topic", "remove_topic", "add_group", "remove_group",
    "complete_migration", "downgrade", "plan_downgrade"};

typedef struct step {
    enum cmd cmd;
    ed_time now;
    int period;
    int action; /* may be out of range */
    int mode;   /* may be out of range */
    int allow;  /* -1: NULL options, 0/1 */
    const char *name;
    char id[200];
    int delay;  /* -1: default */
    bool region;
} step;

static ed_result *run(const step *s, const ed_instance *in)
{
    ed_options *o = NULL;
    ed_result *r = NULL;
    if ((s->cmd == C_REFUND && s->allow >= 0) ||
        ((s->cmd == C_CREATE_STANDARD || s->cmd == C_CREATE_PLATINUM) &&
         (s->delay >= 0 || s->region))) {
        o = ed_options_new();
        REQUIRE(o != NULL, "no memory");
        if (s->cmd == C_REFUND)
            REQUIRE(ed_options_set_int(o, ED_OPT_ALLOW_DATA_LOSS, s->allow) == ED_OK, "option");
        if (s->cmd != C_REFUND && s->delay >= 0)
            REQUIRE(ed_options_set_int(o, ED_OPT_RELEASE_DELAY_DAYS, s->delay) == ED_OK, "option");
        if (s->cmd != C_REFUND && s->region)
            REQUIRE(ed_options_set_string(o, ED_OPT_REGION, "cn-hangzhou") == ED_OK, "option");
    }
    char endpoint[256];
    snprintf(endpoint, sizeof endpoint, "http://%s.cn-hangzhou.mq-internal.aliyuncs.com:8080",
             s->id);
    switch (s->cmd) {
    case C_CREATE_STANDARD:
        r = ed_create_standard(s->id, endpoint, s->now, o);
        break;
    case C_CREATE_PLATINUM:
        r = ed_create_enterprise_platinum(s->id, endpoint, s->now, s->period, o);
        break;
    case C_UPGRADE:
        r = ed_upgrade(in, s->now, s->period);
        break;
    case C_SET_ACTION:
        r = ed_set_post_expiration_action(in, s->now, (ed_action)s->action);
        break;
    case C_TICK:
        r = ed_tick(in, s->now);
        break;
    case C_REFUND:
        r = ed_refund(in, s->now, o);
        break;
    case C_RENEW:
        r = ed_renew(in, s->now, s->period);
        break;
    case C_ADD_TOPIC:
        r = ed_add_topic(in, s->now, s->name);
        break;
    case C_REMOVE_TOPIC:
        r = ed_remove_topic(in, s->now, s->name);
        break;
    case C_ADD_GROUP:
        r = ed_add_group(in, s->now, s->name);
        break;
    case C_REMOVE_GROUP:
        r = ed_remove_group(in, s->now, s->name);
        break;
    case C_COMPLETE:
        r = ed_complete_migration(in, s->now);
        break;
    case C_DOWNGRADE:
        r = ed_downgrade(in, s->now);
        break;
    case C_PLAN:
        r = ed_plan_downgrade(in, s->now, (ed_plan_mode)s->mode);
        break;
    case C_COUNT:
        break;
    }
    ed_options_free(o);
    REQUIRE(r != NULL, "NULL result");
    return r;
}

/* What the spec says the command does to the model. */
static void expect(const model *m, const step *s, outcome *o)
{
    memset(o, 0, sizeof *o);
    o->next = *m;
    o->status = ED_OK;
    xlist *l = &o->effects;
    ed_time now = s->now;

    if (s->cmd == C_CREATE_STANDARD || s->cmd == C_CREATE_PLATINUM) {
        ed_time exp = 0;
        if (!time_ok(now))
            o->status = ED_INVALID_ARGUMENT;
        else if (!token(s->id, 1, 128))
            o->status = ED_INVALID_NAME;
        else if (s->cmd == C_CREATE_PLATINUM &&
                 (s->period < 1 || s->period > 36 || !expiry_fits(now, s->period, &exp)))
            o->status = ED_INVALID_PERIOD;
        if (o->status != ED_OK)
            return;
        model *n = &o->next;
        memset(n, 0, sizeof *n);
        n->exists = true;
        snprintf(n->id, sizeof n->id, "%s", s->id);
        snprintf(n->endpoint, sizeof n->endpoint,
                 "http://%s.cn-hangzhou.mq-internal.aliyuncs.com:8080", s->id);
        n->has_region = s->region;
        n->lc = ED_LIFECYCLE_ACTIVE;
        n->created = n->updated = now;
        n->delay = s->delay >= 0 ? s->delay : 7;
        n->edition = ED_EDITION_STANDARD;
        if (s->cmd == C_CREATE_PLATINUM) {
            n->edition = ED_EDITION_ENTERPRISE_PLATINUM;
            n->sub = true;
            n->started = now;
            n->expires = exp;
            n->period = s->period;
            n->action = ED_ACTION_DELETE_RESOURCE;
        }
        return;
    }

    /* before any rule, then released, then clock_skew */
    if (!time_ok(now)) {
        o->status = ED_INVALID_ARGUMENT;
        return;
    }
    if (m->lc == ED_LIFECYCLE_RELEASED) {
        o->status = ED_RELEASED;
        return;
    }
    if (now < m->updated) {
        o->status = ED_CLOCK_SKEW;
        return;
    }
    const bool std = m->edition == ED_EDITION_STANDARD;
    const bool expired = m->lc == ED_LIFECYCLE_EXPIRED;
    model *n = &o->next;

    switch (s->cmd) {
    case C_UPGRADE: {
        ed_time exp = 0;
        if (!std)
            o->status = ED_ALREADY_ENTERPRISE_PLATINUM;
        else if (m->mig)
            o->status = ED_MIGRATION_IN_PROGRESS;
        else if (s->period < 1 || s->period > 36 || !expiry_fits(now, s->period, &exp))
            o->status = ED_INVALID_PERIOD;
        if (o->status != ED_OK)
            return;
        transition(o, l, now);
        fv(fv(fv(fs(fs(emit(l, ED_EFFECT_BILLING_CONVERT, NULL), ED_FIELD_FROM, "pay_as_you_go"),
                    ED_FIELD_TO, "subscription"),
                 ED_FIELD_AT, now),
              ED_FIELD_PERIOD_MONTHS, s->period),
           ED_FIELD_EXPIRES_AT, exp);
        for (size_t i = 0; i < m->topics.n; i++)
            fv(fs(fs(emit(l, ED_EFFECT_TOPIC_MIGRATE, m->topics.v[i]), ED_FIELD_FROM, "shared"),
                  ED_FIELD_TO, "dedicated"),
               ED_FIELD_ONLINE, 1);
        for (size_t i = 0; i < m->groups.n; i++)
            fs(fs(emit(l, ED_EFFECT_CONSUMERS_REBALANCE, m->groups.v[i]), ED_FIELD_FROM,
                  "shared"),
               ED_FIELD_TO, "dedicated");
        fs(fv(emit(l, ED_EFFECT_TIMER_SCHEDULE, NULL), ED_FIELD_AT, exp), ED_FIELD_TIMER,
           "expiry");
        emit(l, ED_EFFECT_TICKET_EXPERT_SERVICES, NULL);
        fv(emit(l, ED_EFFECT_NOTICE_DELETE_ON_EXPIRY, NULL), ED_FIELD_AT, exp);
        n->edition = ED_EDITION_ENTERPRISE_PLATINUM;
        n->sub = true;
        n->started = now;
        n->expires = exp;
        n->period = s->period;
        n->action = ED_ACTION_DELETE_RESOURCE;
        n->mig = true;
        n->mfrom = ED_CLUSTER_SHARED;
        n->mto = ED_CLUSTER_DEDICATED;
        n->mstart = now;
        return;
    }
    case C_SET_ACTION:
        if (std)
            o->status = ED_NOT_SUBSCRIPTION;
        else if (expired)
            o->status = ED_EXPIRED;
        else if (due(m, now))
            o->status = ED_EXPIRY_DUE;
        else if (s->action != ED_ACTION_DELETE_RESOURCE &&
                 s->action != ED_ACTION_DOWNGRADE_TO_STANDARD)
            o->status = ED_INVALID_ARGUMENT;
        else if ((ed_action)s->action == m->action)
            o->unchanged = true;
        if (o->status != ED_OK || o->unchanged)
            return;
        transition(o, l, now);
        fs(fs(emit(l, ED_EFFECT_CONFIG_POST_EXPIRATION_ACTION, NULL), ED_FIELD_FROM,
              action_name(m->action)),
           ED_FIELD_TO, action_name((ed_action)s->action));
        if (s->action == ED_ACTION_DELETE_RESOURCE)
            fv(emit(l, ED_EFFECT_NOTICE_DELETE_ON_EXPIRY, NULL), ED_FIELD_AT, m->expires);
        n->action = (ed_action)s->action;
        return;
    case C_TICK:
        if (!due(m, now)) {
            o->unchanged = true;
            return;
        }
        if (n->lc == ED_LIFECYCLE_ACTIVE) {
            transition(o, l, now);
            if (n->action == ED_ACTION_DOWNGRADE_TO_STANDARD)
                do_downgrade(o, l, now, m->expires);
            else
                do_expire_delete(o, l);
        }
        if (n->lc == ED_LIFECYCLE_EXPIRED && now >= n->rel) {
            transition(o, l, now);
            do_release(o, l, n->rel);
        }
        return;
    case C_REFUND:
        if (std)
            o->status = ED_NOT_SUBSCRIPTION;
        else if (expired)
            o->status = ED_EXPIRED;
        else if (due(m, now))
            o->status = ED_EXPIRY_DUE;
        if (o->status != ED_OK)
            return;
        if (m->action == ED_ACTION_DELETE_RESOURCE && s->allow != 1) {
            o->status = ED_DATA_LOSS_REFUSED;
            l = &o->would_have;
        }
        transition(o, l, now);
        fv(fv(fs(emit(l, ED_EFFECT_BILLING_REFUND, NULL), ED_FIELD_REFUND, "partial"),
              ED_FIELD_UNUSED_FROM, now),
           ED_FIELD_UNUSED_UNTIL, m->expires);
        fs(emit(l, ED_EFFECT_TIMER_CANCEL, NULL), ED_FIELD_TIMER, "expiry");
        if (m->action == ED_ACTION_DOWNGRADE_TO_STANDARD)
            do_downgrade(o, l, now, now);
        else
            do_release(o, l, now);
        if (o->status != ED_OK) {
            o->next = *m;
            o->transitions = 0;
            o->release_step = false;
        }
        return;
    case C_RENEW: {
        ed_time exp = 0;
        if (std)
            o->status = ED_NOT_SUBSCRIPTION;
        else if (due(m, now))
            o->status = ED_EXPIRY_DUE;
        else if (s->period < 1 || s->period > 36 || !expiry_fits(m->expires, s->period, &exp) ||
                 (expired && exp <= now))
            o->status = ED_INVALID_PERIOD;
        if (o->status != ED_OK)
            return;
        transition(o, l, now);
        fv(fv(emit(l, ED_EFFECT_BILLING_RENEW, NULL), ED_FIELD_PERIOD_MONTHS, s->period),
           ED_FIELD_EXPIRES_AT, exp);
        if (expired) {
            emit(l, ED_EFFECT_INSTANCE_RESUME, NULL);
            fs(emit(l, ED_EFFECT_TIMER_CANCEL, NULL), ED_FIELD_TIMER, "release");
        }
        fs(fv(emit(l, ED_EFFECT_TIMER_SCHEDULE, NULL), ED_FIELD_AT, exp), ED_FIELD_TIMER,
           "expiry");
        n->expires = exp;
        n->period = s->period;
        n->lc = ED_LIFECYCLE_ACTIVE;
        n->has_rel = false;
        return;
    }
    case C_ADD_TOPIC:
    case C_REMOVE_TOPIC:
    case C_ADD_GROUP:
    case C_REMOVE_GROUP: {
        const bool topic = s->cmd == C_ADD_TOPIC || s->cmd == C_REMOVE_TOPIC;
        const bool add = s->cmd == C_ADD_TOPIC || s->cmd == C_ADD_GROUP;
        names *own = topic ? &n->topics : &n->groups;
        const names *other = topic ? &n->groups : &n->topics;
        if (expired)
            o->status = ED_EXPIRED;
        else if (due(m, now))
            o->status = ED_EXPIRY_DUE;
        else if (m->mig)
            o->status = ED_MIGRATION_IN_PROGRESS;
        else if (!name_ok(s->name, topic ? 3 : 2))
            o->status = ED_INVALID_NAME;
        else if (add && (names_find(own, s->name) != SIZE_MAX ||
                         names_find(other, s->name) != SIZE_MAX))
            o->status = ED_EXISTS;
        else if (!add && names_find(own, s->name) == SIZE_MAX)
            o->status = ED_NOT_FOUND;
        if (o->status != ED_OK)
            return;
        transition(o, l, now);
        if (add) {
            emit(l, topic ? ED_EFFECT_TOPIC_CREATE : ED_EFFECT_GROUP_CREATE, s->name);
            names_add(own, s->name);
        } else {
            emit(l, topic ? ED_EFFECT_TOPIC_DELETE : ED_EFFECT_GROUP_DELETE, s->name);
            names_remove(own, names_find(own, s->name));
        }
        return;
    }
    case C_COMPLETE:
        if (!m->mig) {
            o->status = ED_NO_MIGRATION;
            return;
        }
        transition(o, l, now);
        n->mig = false;
        return;
    case C_DOWNGRADE:
        o->status = ED_NO_DIRECT_DOWNGRADE;
        return;
    case C_PLAN:
        if (std)
            o->status = ED_NOT_SUBSCRIPTION;
        else if (expired)
            o->status = ED_EXPIRED;
        else if (s->mode != ED_PLAN_IMMEDIATE && s->mode != ED_PLAN_AT_EXPIRY)
            o->status = ED_INVALID_ARGUMENT;
        if (o->status != ED_OK)
            return;
        o->unchanged = true;
        if (m->action != ED_ACTION_DOWNGRADE_TO_STANDARD) {
            o->plan_cmd[o->plan_n] = ED_CMD_SET_POST_EXPIRATION_ACTION;
            o->plan_action[o->plan_n++] = true;
        }
        if (s->mode == ED_PLAN_IMMEDIATE) {
            o->plan_cmd[o->plan_n++] = ED_CMD_REFUND;
        } else {
            o->plan_cmd[o->plan_n] = ED_CMD_TICK;
            o->plan_has_at[o->plan_n] = true;
            o->plan_at[o->plan_n++] = m->expires;
        }
        return;
    default:
        ck_abort_msg("unknown command");
    }
}

/* ---- comparing the library with the model -------------------------------- */

static void check_model(const ed_instance *s, const model *m)
{
    REQUIRE(strcmp(ed_instance_id(s), m->id) == 0, "%sid", test_ctx);
    REQUIRE(strcmp(ed_instance_endpoint(s), m->endpoint) == 0, "%sendpoint", test_ctx);
    REQUIRE((ed_instance_region(s) != NULL) == m->has_region, "%sregion", test_ctx);
    REQUIRE(ed_instance_edition(s) == m->edition, "%sedition %s, model %s", test_ctx,
                  ed_edition_name(ed_instance_edition(s)), ed_edition_name(m->edition));
    REQUIRE(ed_instance_lifecycle(s) == m->lc, "%slifecycle %s, model %s", test_ctx,
                  ed_lifecycle_name(ed_instance_lifecycle(s)), ed_lifecycle_name(m->lc));
    REQUIRE(ed_instance_revision(s) == m->rev, "%srevision %" PRIu64 ", model %" PRIu64,
                  test_ctx, ed_instance_revision(s), m->rev);
    REQUIRE(ed_instance_created_at(s) == m->created, "%screated_at", test_ctx);
    REQUIRE(ed_instance_updated_at(s) == m->updated, "%supdated_at %lld, model %lld",
                  test_ctx, (long long)ed_instance_updated_at(s), (long long)m->updated);
    REQUIRE(ed_instance_release_delay_days(s) == m->delay, "%srelease delay", test_ctx);
    /* I2 */
    check_i2_(0, s);
    ed_time started = 0, expires = 0;
    int period = 0;
    ed_action action = ED_ACTION_DELETE_RESOURCE;
    bool sub = ed_instance_subscription(s, &started, &expires, &period, &action);
    REQUIRE(sub == m->sub, "%ssubscription present=%d, model %d", test_ctx, sub, m->sub);
    if (sub)
        REQUIRE(started == m->started && expires == m->expires && period == m->period &&
                          action == m->action,
                      "%ssubscription (%lld %lld %d %d), model (%lld %lld %d %d)", test_ctx,
                      (long long)started, (long long)expires, period, (int)action,
                      (long long)m->started, (long long)m->expires, m->period, (int)m->action);
    ed_time rel = 0;
    bool has_rel = ed_instance_release_at(s, &rel);
    REQUIRE(has_rel == m->has_rel && (!has_rel || rel == m->rel), "%srelease_at", test_ctx);
    ed_cluster from = ED_CLUSTER_SHARED, to = ED_CLUSTER_SHARED;
    ed_time mstart = 0;
    bool mig = ed_instance_migration(s, &from, &to, &mstart);
    REQUIRE(mig == m->mig, "%smigration present=%d, model %d", test_ctx, mig, m->mig);
    if (mig)
        REQUIRE(from == m->mfrom && to == m->mto && mstart == m->mstart,
                      "%smigration %s->%s at %lld, model %s->%s at %lld", test_ctx,
                      cluster_name(from), cluster_name(to), (long long)mstart,
                      cluster_name(m->mfrom), cluster_name(m->mto), (long long)m->mstart);
    ed_time dl;
    bool has_dl = ed_instance_next_deadline(s, &dl);
    bool want_dl = (m->lc == ED_LIFECYCLE_ACTIVE && m->sub) || m->lc == ED_LIFECYCLE_EXPIRED;
    ed_time want = m->lc == ED_LIFECYCLE_EXPIRED ? m->rel : m->expires;
    REQUIRE(has_dl == want_dl && (!has_dl || dl == want), "%snext_deadline", test_ctx);
    REQUIRE(ed_instance_topic_count(s) == m->topics.n, "%stopic count %zu, model %zu",
                  test_ctx, ed_instance_topic_count(s), m->topics.n);
    REQUIRE(ed_instance_group_count(s) == m->groups.n, "%sgroup count %zu, model %zu",
                  test_ctx, ed_instance_group_count(s), m->groups.n);
    for (size_t i = 0; i < m->topics.n; i++) {
        REQUIRE(strcmp(ed_instance_topic(s, i), m->topics.v[i]) == 0, "%stopic %zu",
                      test_ctx, i);
        REQUIRE(ed_instance_has_topic(s, m->topics.v[i]), "%shas_topic", test_ctx);
    }
    for (size_t i = 0; i < m->groups.n; i++) {
        REQUIRE(strcmp(ed_instance_group(s, i), m->groups.v[i]) == 0, "%sgroup %zu",
                      test_ctx, i);
        REQUIRE(ed_instance_has_group(s, m->groups.v[i]), "%shas_group", test_ctx);
    }
    REQUIRE(ed_instance_topic(s, m->topics.n) == NULL, "%stopic past the end", test_ctx);
    REQUIRE(ed_instance_group(s, m->groups.n) == NULL, "%sgroup past the end", test_ctx);
}

static void check_effects(const ed_effect_list *got, const xlist *want, const char *id)
{
    REQUIRE(ed_effect_list_count(got) == want->n, "%s%zu effects, model %zu", test_ctx,
                  ed_effect_list_count(got), want->n);
    for (size_t i = 0; i < want->n; i++) {
        const xeff *x = &want->v[i];
        fexp fields[7];
        memcpy(fields, x->fields, sizeof x->fields);
        fields[x->nfields] = (fexp){(ed_field)0, NULL, 0};
        check_effect_(0, got, i, id, x->rev, x->idx, x->kind, x->sk, x->subject, x->flags,
                      fields);
    }
}

/* ---- the random walk ------------------------------------------------------- */

static const char *const TOPIC_POOL[] = {
    "orders", "payments", "refunds", "audit-log", "T_1", "xyz", "A-B_c", "inventory",
    "shipping_events", "0123456789012345678901234567890123456789012345678901234567890123"};
static const char *const GROUP_POOL[] = {"GID_billing", "GID_audit", "GID-x", "g1",
                                         "CG_orders", "orders", "GID_inventory", "zz"};
static const char *const BAD_NAMES[] = {
    "a", "", "has space", "dot.ted", "t\xc3\xa9st",
    "01234567890123456789012345678901234567890123456789012345678901234", "tab\t", "q"};

static const char *pick_name(bool topic)
{
    int r = below(100);
    if (r < 70)
        return topic ? TOPIC_POOL[below(10)] : GROUP_POOL[below(8)];
    if (r < 82)
        return topic ? GROUP_POOL[below(8)] : TOPIC_POOL[below(10)];
    return BAD_NAMES[below(8)];
}

static int pick_period(void)
{
    int r = below(100);
    if (r < 85)
        return 1 + below(36);
    const int odd[] = {0, -1, 37, 100, -2147483647 - 1, 2147483647};
    return odd[below(6)];
}

static void random_id(char *buf, size_t size)
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    int r = below(100);
    if (r < 94) {
        char tail[9];
        for (int i = 0; i < 8; i++)
            tail[i] = alnum[below(62)];
        tail[8] = '\0';
        snprintf(buf, size, "MQ_INST_%016" PRIu64 "_%s", (uint64_t)(rnd() % 10000000000000000ULL), tail);
    } else if (r < 96) {
        snprintf(buf, size, "MQ INST_%d", below(1000));
    } else if (r < 98) {
        buf[0] = '\0';
    } else {
        memset(buf, 'I', 129);
        buf[129] = '\0';
    }
}

/* Classify every irreversible effect by the command issued (I3). */
static void check_i3(const step *s, const ed_result *r, const outcome *o)
{
    const ed_effect_list *l = ed_result_effects(r);
    for (size_t i = 0; i < ed_effect_list_count(l); i++) {
        const ed_effect *e = ed_effect_list_get(l, i);
        if ((ed_effect_flags(e) & ED_FLAG_IRREVERSIBLE) == 0)
            continue;
        switch (s->cmd) {
        case C_REMOVE_TOPIC:
        case C_REMOVE_GROUP:
            REQUIRE(strcmp(ed_effect_subject(e), s->name) == 0,
                          "%sI3: removal deleted %s, not the named %s", test_ctx,
                          ed_effect_subject(e), s->name);
            break;
        case C_TICK:
            REQUIRE(o->release_step, "%sI3: tick deleted without a release", test_ctx);
            break;
        case C_REFUND:
            REQUIRE(s->allow == 1, "%sI3: refund deleted without allow_data_loss",
                          test_ctx);
            break;
        default:
            ck_abort_msg("%sI3: %s produced irreversible effect %s", test_ctx, cmd_names[s->cmd],
                         ed_effect_key(e));
        }
    }
}

static void make_step(step *s, const model *m, ed_time *clock)
{
    memset(s, 0, sizeof *s);
    s->allow = -1;
    s->delay = -1;
    if (!m->exists || m->lc == ED_LIFECYCLE_RELEASED || chance(2)) {
        s->cmd = chance(50) ? C_CREATE_STANDARD : C_CREATE_PLATINUM;
        if (*clock > tp("9000-01-01T00:00:00Z"))
            *clock = tp("2026-01-01T00:00:00Z");
        s->now = *clock;
        random_id(s->id, sizeof s->id);
        s->period = pick_period();
        if (!token(s->id, 1, 128) && (s->period < 1 || s->period > 36))
            s->period = 1; /* one refusal at a time: the order among argument errors is open */
        if (chance(50))
            s->delay = below(31);
        s->region = chance(30);
        if (chance(1)) {
            s->now = chance(50) ? ED_TIME_MAX + 1 : INT64_MIN;
            s->period = 1;
            snprintf(s->id, sizeof s->id, "%s", TEST_ID);
        }
        return;
    }
    s->cmd = (enum cmd)(C_UPGRADE + below(C_COUNT - C_UPGRADE));
    /* the clock */
    int r = below(100);
    ed_time dl;
    bool has_dl = (m->lc == ED_LIFECYCLE_ACTIVE && m->sub) || m->lc == ED_LIFECYCLE_EXPIRED;
    dl = m->lc == ED_LIFECYCLE_EXPIRED ? m->rel : m->expires;
    ed_time now;
    if (r < 7) {
        now = m->updated - 1 - (ed_time)below(3 * 86400); /* backwards: clock_skew */
    } else if (r < 22 && has_dl) {
        const ed_time around[] = {-86400, -1, 0, 0, 1, 3600};
        now = dl + around[below(6)];
        if (now < *clock && chance(50))
            now = *clock;
    } else if (r < 45) {
        now = *clock + below(3600);
    } else if (r < 75) {
        now = *clock + below(3 * 86400);
    } else {
        now = *clock + below(40 * 86400);
    }
    if (chance(1))
        now = chance(50) ? ED_TIME_MAX + 1 + below(1000) : INT64_MIN;
    if (now > *clock && time_ok(now))
        *clock = now;
    s->now = now;
    s->period = pick_period();
    s->action = chance(96) ? below(2) : (chance(50) ? 2 : -1);
    s->mode = chance(96) ? below(2) : (chance(50) ? 2 : -1);
    s->allow = below(3) - 1;
    s->name = pick_name(s->cmd == C_ADD_TOPIC || s->cmd == C_REMOVE_TOPIC);
}

static void check_plan(const ed_result *r, const outcome *o)
{
    REQUIRE(ed_result_plan_count(r) == o->plan_n, "%splan of %zu steps, model %zu",
                  test_ctx, ed_result_plan_count(r), o->plan_n);
    for (size_t i = 0; i < o->plan_n; i++) {
        ed_action a = ED_ACTION_DELETE_RESOURCE;
        ed_time at = 0;
        REQUIRE(ed_result_plan_command(r, i) == o->plan_cmd[i], "%splan step %zu",
                      test_ctx, i);
        REQUIRE(ed_result_plan_action(r, i, &a) == o->plan_action[i], "%splan action",
                      test_ctx);
        if (o->plan_action[i])
            REQUIRE(a == ED_ACTION_DOWNGRADE_TO_STANDARD, "%splan action", test_ctx);
        REQUIRE(ed_result_plan_at(r, i, &at) == o->plan_has_at[i], "%splan at", test_ctx);
        if (o->plan_has_at[i])
            REQUIRE(at == o->plan_at[i], "%splan at", test_ctx);
    }
}

static uint64_t env_u64(const char *name, uint64_t fallback)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return fallback;
    char *end = NULL;
    unsigned long long x = strtoull(v, &end, 0);
    REQUIRE(end != NULL && *end == '\0', "%s is not a number: %s", name, v);
    return (uint64_t)x;
}

START_TEST(test_random_model)
{
    const uint64_t seed = env_u64("ED_SEED", 20260201);
    const uint64_t steps = env_u64("ED_MODEL_STEPS", 100000);
    printf("model test: ED_SEED=%" PRIu64 " ED_MODEL_STEPS=%" PRIu64 "\n", seed, steps);
    fflush(stdout);
    rng = seed * 0x9e3779b97f4a7c15ULL + 1;

    model m;
    memset(&m, 0, sizeof m);
    ed_instance *cur = NULL;
    ed_time clock = tp("2026-01-01T00:00:00Z");
    static outcome o;
    uint64_t counts[C_COUNT][2];
    memset(counts, 0, sizeof counts);

    for (uint64_t k = 0; k < steps; k++) {
        step s;
        make_step(&s, &m, &clock);
        snprintf(test_ctx, sizeof test_ctx, "seed %" PRIu64 " step %" PRIu64 " %s at %lld: ",
                 seed, k, cmd_names[s.cmd], (long long)s.now);
        const bool create = s.cmd == C_CREATE_STANDARD || s.cmd == C_CREATE_PLATINUM;
        const model *base = &m;
        model none;
        if (create) {
            memset(&none, 0, sizeof none);
            base = &none;
        }
        expect(base, &s, &o);

        ed_result *r = run(&s, create ? NULL : cur);
        ed_result *again = run(&s, create ? NULL : cur);
        /* I5: the same input gives the same result, byte for byte */
        check_same_result_(0, r, again);
        ed_result_free(again);

        ed_status st = ed_result_status(r);
        if (!create) {
            char why[256];
            const char *broken = timer_replay_violation(cur, s.now, r, why, sizeof why);
            REQUIRE(broken == NULL, "%s%s", test_ctx, broken);
        }
        REQUIRE(st == o.status, "%sstatus %s (%s), model %s", test_ctx, ed_status_name(st),
                      ed_result_message(r), ed_status_name(o.status));
        counts[s.cmd][st == ED_OK]++;
        const char *id = create ? NULL : m.id;
        if (st != ED_OK) {
            /* I4: a refusal changes nothing and yields no effects */
            check_refused_(0, r, st, id);
            if (st == ED_DATA_LOSS_REFUSED) {
                check_effects(ed_result_would_have(r), &o.would_have, m.id);
                REQUIRE(strstr(ed_result_message(r), "downgrade_to_standard") != NULL,
                              "%smessage does not name downgrade_to_standard", test_ctx);
            }
            /* I6 */
            if (!create && m.lc == ED_LIFECYCLE_RELEASED && time_ok(s.now))
                REQUIRE(st == ED_RELEASED, "%sI6", test_ctx);
            if (cur != NULL)
                check_model(cur, &m);
            ed_result_free(r);
            continue;
        }
        REQUIRE(ed_result_message(r)[0] == '\0', "%smessage on success", test_ctx);
        REQUIRE(ed_effect_list_count(ed_result_would_have(r)) == 0, "%swould_have",
                      test_ctx);
        const ed_instance *out = ed_result_instance(r);
        REQUIRE(out != NULL, "%sno snapshot", test_ctx);
        if (o.unchanged) {
            REQUIRE(out == cur, "%san unchanged result must be the input", test_ctx);
            REQUIRE(ed_effect_list_count(ed_result_effects(r)) == 0, "%seffects", test_ctx);
        } else if (!create) {
            /* I4: one revision per transition */
            REQUIRE(ed_instance_revision(out) - ed_instance_revision(cur) == o.transitions,
                          "%srevision moved by %" PRIu64 ", expected %" PRIu64, test_ctx,
                          ed_instance_revision(out) - ed_instance_revision(cur), o.transitions);
            /* I1 */
            REQUIRE(strcmp(ed_instance_id(out), ed_instance_id(cur)) == 0 &&
                              strcmp(ed_instance_endpoint(out), ed_instance_endpoint(cur)) == 0,
                          "%sI1", test_ctx);
        }
        check_model(out, &o.next);
        check_effects(ed_result_effects(r), &o.effects, o.next.id);
        if (s.cmd == C_PLAN)
            check_plan(r, &o);
        else
            REQUIRE(ed_result_plan_count(r) == 0, "%splan", test_ctx);
        check_i3(&s, r, &o);
        /* the input is still what it was */
        if (cur != NULL && !create)
            check_model(cur, &m);

        ed_instance *next = ed_instance_ref(out);
        ed_result_free(r);
        ed_instance_free(cur);
        cur = next;
        m = o.next;
    }
    ed_instance_free(cur);
    test_ctx[0] = '\0';

    /* the walk must have exercised every command, accepted and refused */
    for (int c = 0; c < C_COUNT; c++) {
        printf("  %-28s ok %8" PRIu64 "  refused %8" PRIu64 "\n", cmd_names[c], counts[c][1],
               counts[c][0]);
        if (steps >= 100000) {
            REQUIRE(counts[c][1] > 0 || c == C_DOWNGRADE, "%s never accepted",
                          cmd_names[c]);
            REQUIRE(counts[c][0] > 0, "%s never refused", cmd_names[c]);
        }
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, test_random_model);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
