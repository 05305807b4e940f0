/* The lifecycle transitions of docs/rules.md section 2, one function per
 * command: the refusals first, in the precedence of section 1, then the new
 * snapshot, then the effects in the order the spec lists them. */
#include "internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Formats a time for a message. */
#define T(t) fmt_time((t), (char[ED_TIME_BUFSIZE]){0})

static const char *fmt_time(ed_time t, char *buf)
{
    if (ed_time_format(t, buf, ED_TIME_BUFSIZE) != ED_OK)
        (void)snprintf(buf, ED_TIME_BUFSIZE, "(out of range)");
    return buf;
}

static const char *id_of(const ed_instance *in)
{
    return in->ident->id;
}

static bool is_platinum(const ed_instance *in)
{
    return in->edition == ED_EDITION_ENTERPRISE_PLATINUM;
}

/* A time-driven transition (expiry or release) is due at now. */
static bool time_due(const ed_instance *in, ed_time now)
{
    if (in->lifecycle == ED_LIFECYCLE_ACTIVE && in->has_subscription)
        return now >= in->expires_at;
    if (in->lifecycle == ED_LIFECYCLE_EXPIRED)
        return now >= in->release_at;
    return false;
}

/* The checks every command starts with: arguments that cannot be
 * interpreted, then released, then clock_skew. NULL when they pass. */
static ed_result *refuse_common(const ed_instance *in, ed_time now, ed_command_kind cmd)
{
    const char *name = ed_command_kind_name(cmd);
    if (in == NULL)
        return ed__refuse(ED_INVALID_ARGUMENT, "%s: no instance snapshot was given (NULL)", name);
    if (!ed__time_valid(now))
        return ed__refuse(ED_INVALID_ARGUMENT,
                         "%s on instance %s: now (%lld) is outside the years 0000..9999", name,
                         id_of(in), (long long)now);
    if (in->lifecycle == ED_LIFECYCLE_RELEASED)
        return ed__refuse(ED_RELEASED,
                         "%s refused: instance %s was released at %s and accepts no more "
                         "commands; create a new instance instead",
                         name, id_of(in), T(in->updated_at));
    if (now < in->updated_at)
        return ed__refuse(ED_CLOCK_SKEW,
                         "%s refused on instance %s: now (%s) is earlier than its last change "
                         "(%s); pass the current time",
                         name, id_of(in), T(now), T(in->updated_at));
    return NULL;
}

static ed_result *refuse_expiry_due(const ed_instance *in, ed_time now, ed_command_kind cmd)
{
    ed_time when = in->lifecycle == ED_LIFECYCLE_EXPIRED ? in->release_at : in->expires_at;
    return ed__refuse(ED_EXPIRY_DUE,
                     "%s refused on instance %s: its %s at %s is due at %s; call tick first, "
                     "then retry",
                     ed_command_kind_name(cmd), id_of(in),
                     in->lifecycle == ED_LIFECYCLE_EXPIRED ? "release" : "expiry", T(when),
                     T(now));
}

static ed_result *refuse_standard(const ed_instance *in, ed_command_kind cmd)
{
    return ed__refuse(ED_NOT_SUBSCRIPTION,
                     "%s refused: instance %s is Standard Edition (pay-as-you-go) and has no "
                     "subscription; upgrade it first",
                     ed_command_kind_name(cmd), id_of(in));
}

static ed_result *refuse_expired(const ed_instance *in, ed_command_kind cmd)
{
    return ed__refuse(ED_EXPIRED,
                     "%s refused: instance %s expired and is suspended until its release at "
                     "%s; renew it first",
                     ed_command_kind_name(cmd), id_of(in), T(in->release_at));
}

static ed_result *refuse_migration(const ed_instance *in, ed_command_kind cmd)
{
    return ed__refuse(ED_MIGRATION_IN_PROGRESS,
                     "%s refused: instance %s is migrating from the %s to the %s cluster since "
                     "%s; call complete_migration once the topics have moved",
                     ed_command_kind_name(cmd), id_of(in), ed_cluster_name(in->migration_from),
                     ed_cluster_name(in->migration_to), T(in->migration_started_at));
}

/* The integer arguments are int64_t here, whatever the public function
 * takes: a command (ed_command_apply) passes the value its caller gave, and
 * a refusal names that value, not one narrowed to an int. */
static ed_result *refuse_period(const ed_instance *in, ed_command_kind cmd, int64_t months)
{
    return ed__refuse(ED_INVALID_PERIOD,
                     "%s refused on instance %s: period_months %lld is outside %d..%d "
                     "or puts the expiry past the year 9999",
                     ed_command_kind_name(cmd), in ? id_of(in) : "(new)", (long long)months,
                     ED_PERIOD_MIN, ED_PERIOD_MAX);
}

/* start + months, leaving room for the longest release delay. */
static bool expiry_after(ed_time start, int64_t months, ed_time *out)
{
    ed_time latest;
    if (months < ED_PERIOD_MIN || months > ED_PERIOD_MAX)
        return false;
    if (ed_time_add_months(start, (int)months, out) != ED_OK)
        return false;
    return ed__time_add_days(*out, ED_RELEASE_DELAY_MAX, &latest);
}

/* ---- building an accepted result -------------------------------------- */

/* One accepted command under construction: the result, the private next
 * snapshot, and the list effects go to (would_have for a refused refund). */
typedef struct tx {
    ed_result *r;
    ed_instance *next;
    ed_effect_list *fx;
} tx;

static bool tx_begin(tx *t, const ed_instance *in)
{
    t->r = ed__result_new();
    t->next = t->r ? ed__instance_clone(in) : NULL;
    t->fx = t->r ? &t->r->effects : NULL;
    if (t->next == NULL) {
        ed__free(t->r);
        t->r = NULL;
        return false;
    }
    /* keys name the instance and instance effects point at its ID */
    ed__effects_bind(&t->r->effects, t->next->ident);
    ed__effects_bind(&t->r->would_have, t->next->ident);
    return true;
}

static ed_result *tx_nomem(tx *t)
{
    ed_instance_free(t->next);
    ed_result_free(t->r);
    return ed__result_nomem();
}

/* A list that cannot be sealed: no memory, or an effect kind without a
 * text, which is a bug here and is reported as one, not as no_memory. */
static ed_result *tx_seal_failed(tx *t, ed_status st)
{
    if (st == ED_NO_MEMORY)
        return tx_nomem(t);
    ed_instance_free(t->next);
    ed__effects_release(&t->r->effects);
    ed__effects_release(&t->r->would_have);
    return ed__result_fail(t->r, st, "internal error: an effect of this transition has a kind "
                                     "the library cannot describe");
}

static ed_result *tx_commit(tx *t)
{
    ed_status sealed = ed__effects_seal(t->fx);
    if (sealed != ED_OK)
        return tx_seal_failed(t, sealed);
    t->r->status = ED_OK;
    t->r->instance = t->next;
    return t->r;
}

/* Starts a new revision of the next snapshot at now. */
static bool tx_revision(tx *t, ed_time now)
{
    if (t->next->revision == UINT64_MAX)
        return false;
    t->next->revision++;
    t->next->updated_at = now;
    return true;
}

/* A refusal (I4): no snapshot and no effects, not even those of a first
 * transition that a tick already applied to its private copy. */
static ed_result *tx_refuse_revision(tx *t)
{
    ed__result_fail(t->r, ED_LIMIT_EXCEEDED,
                   "instance %s reached the largest revision; it accepts no more changes",
                   id_of(t->next));
    ed_instance_free(t->next);
    ed__effects_release(&t->r->effects);
    ed__effects_release(&t->r->would_have);
    return t->r;
}

/* Begins an accepted transition at now with its new revision. False when
 * it cannot, with *failed the result to return (no memory, or the
 * revision limit). */
static bool tx_start(tx *t, const ed_instance *in, ed_time now, ed_result **failed)
{
    if (!tx_begin(t, in)) {
        *failed = ed__result_nomem();
        return false;
    }
    if (!tx_revision(t, now)) {
        *failed = tx_refuse_revision(t);
        return false;
    }
    return true;
}

static ed_effect *emit(tx *t, ed_effect_kind kind, const char *subject)
{
    return ed__effects_add(t->fx, kind, id_of(t->next), t->next->revision,
                          subject ? subject : id_of(t->next));
}

/* A result that changes nothing: the input snapshot itself, no effects. */
static ed_result *unchanged(const ed_instance *in)
{
    ed_result *r = ed__result_new();
    if (r == NULL)
        return ed__result_nomem();
    r->status = ED_OK;
    r->instance = ed_instance_ref(in);
    return r;
}

/* ---- shared pieces of several transitions ------------------------------ */

/* expires_at plus the release delay (S14). Always in range: every expiry
 * leaves room for the longest delay (expiry_after, ed__instance_validate). */
static ed_time release_time(const ed_instance *n)
{
    return n->expires_at + (ed_time)n->release_delay_days * ED_SECONDS_PER_DAY;
}

/* One migrate effect per topic and one rebalance per group, in order. */
static bool emit_moves(tx *t, ed_cluster from, ed_cluster to)
{
    return ed__effects_add_names(t->fx, ED_EFFECT_TOPIC_MIGRATE, t->next->revision,
                                 t->next->topics, ed_cluster_name(from), ed_cluster_name(to),
                                 true) &&
           ed__effects_add_names(t->fx, ED_EFFECT_CONSUMERS_REBALANCE, t->next->revision,
                                 t->next->groups, ed_cluster_name(from), ed_cluster_name(to),
                                 false);
}

static ed_effect *emit_timer(tx *t, ed_effect_kind kind, const char *timer)
{
    ed_effect *e = emit(t, kind, NULL);
    if (e != NULL) {
        (void)ed__effect_set_string(e, ED_FIELD_TIMER, timer);
    }
    return e;
}

static ed_effect *emit_at(tx *t, ed_effect_kind kind, ed_time at)
{
    ed_effect *e = emit(t, kind, NULL);
    if (e != NULL) {
        (void)ed__effect_set_time(e, ED_FIELD_AT, at);
    }
    return e;
}

/* The downgrade of an expiry or refund with downgrade_to_standard (S13,
 * S14): Standard Edition at once, topics and groups move back online.
 * Billing switches at `effective`: the expiry for an expiry, even when the
 * tick runs late, and now for a refund. */
static bool downgrade_now(tx *t, ed_time now, ed_time effective)
{
    ed_instance *n = t->next;
    ed_time notice_at = release_time(n);
    n->edition = ED_EDITION_STANDARD;
    n->has_subscription = false;
    n->started_at = n->expires_at = 0;
    n->period_months = 0;
    n->action = ED_ACTION_DELETE_RESOURCE;
    n->has_migration = true;
    n->migration_from = ED_CLUSTER_DEDICATED;
    n->migration_to = ED_CLUSTER_SHARED;
    n->migration_started_at = now;

    ed_effect *e = emit_at(t, ED_EFFECT_BILLING_CONVERT, effective);
    if (e == NULL)
        return false;
    (void)ed__effect_set_string(e, ED_FIELD_FROM, ed_billing_name(ED_BILLING_SUBSCRIPTION));
    (void)ed__effect_set_string(e, ED_FIELD_TO, ed_billing_name(ED_BILLING_PAY_AS_YOU_GO));
    if (!emit_moves(t, ED_CLUSTER_DEDICATED, ED_CLUSTER_SHARED))
        return false;
    return emit_at(t, ED_EFFECT_NOTICE_IGNORE_RELEASE_NOTIFICATION, notice_at) != NULL;
}

/* The release (S9): every group, every topic, then the instance, each
 * irreversible. The lists empty with it. The instance is deleted as of
 * `effective`: release_at for a tick (the contractual time, even when the
 * tick runs late), now for an allowed refund. */
static bool release_now(tx *t, ed_time effective)
{
    ed_instance *n = t->next;
    if (!ed__effects_add_names(t->fx, ED_EFFECT_GROUP_DELETE, n->revision, n->groups, NULL, NULL,
                               false) ||
        !ed__effects_add_names(t->fx, ED_EFFECT_TOPIC_DELETE, n->revision, n->topics, NULL, NULL,
                               false))
        return false;
    if (emit_at(t, ED_EFFECT_INSTANCE_DELETE, effective) == NULL)
        return false;
    ed_names *no_topics = ed__names_new(0), *no_groups = ed__names_new(0);
    if (no_topics == NULL || no_groups == NULL) {
        ed__names_unref(no_topics);
        ed__names_unref(no_groups);
        return false;
    }
    ed__names_unref(n->topics);
    ed__names_unref(n->groups);
    n->topics = no_topics;
    n->groups = no_groups;
    n->lifecycle = ED_LIFECYCLE_RELEASED;
    n->has_release_at = false;
    n->release_at = 0;
    n->has_migration = false;
    return true;
}

/* Expiry with delete_resource (S9, S14): suspended, released later. */
static bool suspend_now(tx *t)
{
    ed_instance *n = t->next;
    n->lifecycle = ED_LIFECYCLE_EXPIRED;
    n->has_release_at = true;
    n->release_at = release_time(n);
    if (emit_at(t, ED_EFFECT_INSTANCE_SUSPEND, n->expires_at) == NULL)
        return false;
    ed_effect *e = emit_timer(t, ED_EFFECT_TIMER_SCHEDULE, "release");
    if (e == NULL)
        return false;
    (void)ed__effect_set_time(e, ED_FIELD_AT, n->release_at);
    return emit_at(t, ED_EFFECT_NOTICE_RELEASE_PENDING, n->release_at) != NULL;
}

/* ---- create ------------------------------------------------------------ */

static ed_result *create(const char *id, const char *endpoint, ed_time now, int period_months,
                         bool platinum, const ed_options *opts)
{
    if (id == NULL || endpoint == NULL)
        return ed__refuse(ED_INVALID_ARGUMENT, "create: the instance ID and endpoint are required");
    if (ed__check_instance_id(id, strlen(id)) != ED_OK)
        return ed__refuse(ED_INVALID_NAME,
                         "create: instance ID '%s' must be 1..%d printable ASCII characters "
                         "without spaces",
                         ED_SHOWN(id, strlen(id), ED_SHOW_ID), ED_ID_MAX);
    if (!ed__time_valid(now))
        return ed__refuse(ED_INVALID_ARGUMENT,
                         "create of instance %s: now (%lld) is outside the years 0000..9999", id,
                         (long long)now);
    if (!ed__is_token(endpoint, strlen(endpoint), 1, ED_ENDPOINT_MAX))
        return ed__refuse(ED_INVALID_ARGUMENT,
                         "create of instance %s: the endpoint must be 1..%d printable ASCII "
                         "characters without spaces",
                         id, ED_ENDPOINT_MAX);
    ed_time expires = 0;
    if (platinum && !expiry_after(now, period_months, &expires))
        return ed__refuse(ED_INVALID_PERIOD,
                         "create of instance %s: period_months %d is outside %d..%d or puts "
                         "the expiry past the year 9999",
                         id, period_months, ED_PERIOD_MIN, ED_PERIOD_MAX);

    ed_result *r = ed__result_new();
    if (r == NULL)
        return ed__result_nomem();
    ed_ident *ident = ed__ident_new(id, endpoint, opts ? opts->region : NULL);
    ed_instance *in = ident ? ed__instance_alloc(ident, NULL, NULL) : NULL;
    if (in == NULL) {
        ed_result_free(r);
        return ed__result_nomem();
    }
    in->edition = platinum ? ED_EDITION_ENTERPRISE_PLATINUM : ED_EDITION_STANDARD;
    in->lifecycle = ED_LIFECYCLE_ACTIVE;
    in->created_at = in->updated_at = now;
    in->release_delay_days = opts ? opts->release_delay_days : ED_RELEASE_DELAY_DEFAULT;
    if (platinum) {
        in->has_subscription = true;
        in->started_at = now;
        in->expires_at = expires;
        in->period_months = period_months;
        in->action = ED_ACTION_DELETE_RESOURCE; /* S10: no argument at creation */
    }
    r->status = ED_OK;
    r->instance = in;
    return r;
}

ed_result *ed_create_standard(const char *id, const char *endpoint, ed_time now,
                              const ed_options *opts)
{
    return create(id, endpoint, now, 0, false, opts);
}

ed_result *ed_create_enterprise_platinum(const char *id, const char *endpoint, ed_time now,
                                         int period_months, const ed_options *opts)
{
    return create(id, endpoint, now, period_months, true, opts);
}

/* ---- upgrade (S2, S3, S4, S5, S7) -------------------------------------- */

ed_result *ed_upgrade(const ed_instance *in, ed_time now, int period_months)
{
    return ed__upgrade(in, now, period_months);
}

ed_result *ed__upgrade(const ed_instance *in, ed_time now, int64_t months_given)
{
    ed_result *refused = refuse_common(in, now, ED_CMD_UPGRADE);
    if (refused)
        return refused;
    if (is_platinum(in))
        return ed__refuse(ED_ALREADY_ENTERPRISE_PLATINUM,
                         "upgrade refused: instance %s is already Enterprise Platinum Edition; "
                         "use renew to extend its subscription",
                         id_of(in));
    if (in->has_migration)
        return refuse_migration(in, ED_CMD_UPGRADE);
    ed_time expires;
    if (!expiry_after(now, months_given, &expires))
        return refuse_period(in, ED_CMD_UPGRADE, months_given);
    const int period_months = (int)months_given; /* in range: expiry_after checked it */

    tx t;
    ed_result *failed;
    if (!tx_start(&t, in, now, &failed))
        return failed;
    ed_instance *n = t.next;
    n->edition = ED_EDITION_ENTERPRISE_PLATINUM;
    n->has_subscription = true;
    n->started_at = now;
    n->expires_at = expires;
    n->period_months = period_months;
    n->action = ED_ACTION_DELETE_RESOURCE;
    n->has_migration = true;
    n->migration_from = ED_CLUSTER_SHARED;
    n->migration_to = ED_CLUSTER_DEDICATED;
    n->migration_started_at = now;

    ed_effect *e = emit_at(&t, ED_EFFECT_BILLING_CONVERT, now);
    if (e == NULL)
        return tx_nomem(&t);
    (void)ed__effect_set_string(e, ED_FIELD_FROM, ed_billing_name(ED_BILLING_PAY_AS_YOU_GO));
    (void)ed__effect_set_string(e, ED_FIELD_TO, ed_billing_name(ED_BILLING_SUBSCRIPTION));
    (void)ed__effect_set_int(e, ED_FIELD_PERIOD_MONTHS, period_months);
    (void)ed__effect_set_time(e, ED_FIELD_EXPIRES_AT, expires);
    if (!emit_moves(&t, ED_CLUSTER_SHARED, ED_CLUSTER_DEDICATED))
        return tx_nomem(&t);
    e = emit_timer(&t, ED_EFFECT_TIMER_SCHEDULE, "expiry");
    if (e == NULL)
        return tx_nomem(&t);
    (void)ed__effect_set_time(e, ED_FIELD_AT, expires);
    if (emit(&t, ED_EFFECT_TICKET_EXPERT_SERVICES, NULL) == NULL ||
        emit_at(&t, ED_EFFECT_NOTICE_DELETE_ON_EXPIRY, expires) == NULL)
        return tx_nomem(&t);
    return tx_commit(&t);
}

/* ---- set_post_expiration_action (S8, S9, S10) -------------------------- */

ed_result *ed_set_post_expiration_action(const ed_instance *in, ed_time now, ed_action action)
{
    /* through int: an enum of unsigned type would show -1 as 4294967295 */
    return ed__set_post_expiration_action(in, now, (int64_t)(int)action);
}

ed_result *ed__set_post_expiration_action(const ed_instance *in, ed_time now, int64_t value)
{
    const ed_command_kind cmd = ED_CMD_SET_POST_EXPIRATION_ACTION;
    ed_result *refused = refuse_common(in, now, cmd);
    if (refused)
        return refused;
    if (!is_platinum(in))
        return refuse_standard(in, cmd);
    if (in->lifecycle == ED_LIFECYCLE_EXPIRED)
        return refuse_expired(in, cmd);
    if (time_due(in, now))
        return refuse_expiry_due(in, now, cmd);
    if (value < 0 || value > INT_MAX || ed_action_name((ed_action)value) == NULL)
        return ed__refuse(ED_INVALID_ARGUMENT,
                         "set_post_expiration_action refused on instance %s: action %lld is "
                         "neither delete_resource nor downgrade_to_standard",
                         id_of(in), (long long)value);
    const ed_action action = (ed_action)value;
    if (action == in->action)
        return unchanged(in);

    tx t;
    ed_result *failed;
    if (!tx_start(&t, in, now, &failed))
        return failed;
    t.next->action = action;
    ed_effect *e = emit(&t, ED_EFFECT_CONFIG_POST_EXPIRATION_ACTION, NULL);
    if (e == NULL)
        return tx_nomem(&t);
    (void)ed__effect_set_string(e, ED_FIELD_FROM, ed_action_name(in->action));
    (void)ed__effect_set_string(e, ED_FIELD_TO, ed_action_name(action));
    if (action == ED_ACTION_DELETE_RESOURCE &&
        emit_at(&t, ED_EFFECT_NOTICE_DELETE_ON_EXPIRY, in->expires_at) == NULL)
        return tx_nomem(&t);
    return tx_commit(&t);
}

/* ---- tick: expire and release (S8, S9, S13, S14, X6) ------------------- */

ed_result *ed_tick(const ed_instance *in, ed_time now)
{
    ed_result *refused = refuse_common(in, now, ED_CMD_TICK);
    if (refused)
        return refused;
    if (!time_due(in, now))
        return unchanged(in);

    tx t;
    if (!tx_begin(&t, in))
        return ed__result_nomem();
    if (t.next->lifecycle == ED_LIFECYCLE_ACTIVE) {
        if (!tx_revision(&t, now))
            return tx_refuse_revision(&t);
        bool ok = t.next->action == ED_ACTION_DOWNGRADE_TO_STANDARD
                      ? downgrade_now(&t, now, t.next->expires_at)
                      : suspend_now(&t);
        if (!ok)
            return tx_nomem(&t);
    }
    if (time_due(t.next, now)) {
        /* the release, when it is due as well, is a revision of its own */
        if (!tx_revision(&t, now))
            return tx_refuse_revision(&t);
        if (!release_now(&t, t.next->release_at))
            return tx_nomem(&t);
    }
    return tx_commit(&t);
}

/* ---- refund (S11, S12, S13, X3) ---------------------------------------- */

ed_result *ed_refund(const ed_instance *in, ed_time now, const ed_options *opts)
{
    ed_result *refused = refuse_common(in, now, ED_CMD_REFUND);
    if (refused)
        return refused;
    if (!is_platinum(in))
        return refuse_standard(in, ED_CMD_REFUND);
    if (in->lifecycle == ED_LIFECYCLE_EXPIRED)
        return refuse_expired(in, ED_CMD_REFUND);
    if (time_due(in, now))
        return refuse_expiry_due(in, now, ED_CMD_REFUND);
    const bool deletes = in->action == ED_ACTION_DELETE_RESOURCE;
    const bool allowed = opts != NULL && opts->allow_data_loss;

    tx t;
    ed_result *failed;
    if (!tx_start(&t, in, now, &failed))
        return failed;
    if (deletes && !allowed)
        t.fx = &t.r->would_have; /* computed for display, then refused */
    ed_effect *e = emit(&t, ED_EFFECT_BILLING_REFUND, NULL);
    if (e == NULL)
        return tx_nomem(&t);
    (void)ed__effect_set_string(e, ED_FIELD_REFUND, "partial");
    (void)ed__effect_set_time(e, ED_FIELD_UNUSED_FROM, now);
    (void)ed__effect_set_time(e, ED_FIELD_UNUSED_UNTIL, in->expires_at);
    /* the subscription ends now: its expiry timer must not fire (I7) */
    if (emit_timer(&t, ED_EFFECT_TIMER_CANCEL, "expiry") == NULL)
        return tx_nomem(&t);
    if (!(deletes ? release_now(&t, now) : downgrade_now(&t, now, now)))
        return tx_nomem(&t);
    if (!deletes || allowed)
        return tx_commit(&t);

    ed_status sealed = ed__effects_seal(t.fx);
    if (sealed != ED_OK)
        return tx_seal_failed(&t, sealed);
    ed_instance_free(t.next);
    return ed__result_fail(
        t.r, ED_DATA_LOSS_REFUSED,
        "refund refused on instance %s: its post-expiration action is delete_resource, so "
        "unsubscribing now would delete %zu topic%s and %zu group%s (S11). Set the action to "
        "downgrade_to_standard first to keep them, or pass allow-data-loss to delete them",
        id_of(in), in->topics->count, in->topics->count == 1 ? "" : "s", in->groups->count,
        in->groups->count == 1 ? "" : "s");
}

/* ---- renew (X4) -------------------------------------------------------- */

ed_result *ed_renew(const ed_instance *in, ed_time now, int period_months)
{
    return ed__renew(in, now, period_months);
}

ed_result *ed__renew(const ed_instance *in, ed_time now, int64_t months_given)
{
    ed_result *refused = refuse_common(in, now, ED_CMD_RENEW);
    if (refused)
        return refused;
    if (!is_platinum(in))
        return refuse_standard(in, ED_CMD_RENEW);
    if (time_due(in, now))
        return refuse_expiry_due(in, now, ED_CMD_RENEW);
    ed_time expires;
    if (!expiry_after(in->expires_at, months_given, &expires))
        return refuse_period(in, ED_CMD_RENEW, months_given);
    const int period_months = (int)months_given; /* in range: expiry_after checked it */
    const bool was_expired = in->lifecycle == ED_LIFECYCLE_EXPIRED;
    if (was_expired && expires <= now)
        return ed__refuse(ED_INVALID_PERIOD,
                         "renew refused on instance %s: %d months from the old expiry (%s) "
                         "ends at %s, which is not after now (%s); renew for longer",
                         id_of(in), period_months, T(in->expires_at), T(expires), T(now));

    tx t;
    ed_result *failed;
    if (!tx_start(&t, in, now, &failed))
        return failed;
    ed_instance *n = t.next;
    n->expires_at = expires;
    n->period_months = period_months;
    n->lifecycle = ED_LIFECYCLE_ACTIVE;
    n->has_release_at = false;
    n->release_at = 0;

    ed_effect *e = emit(&t, ED_EFFECT_BILLING_RENEW, NULL);
    if (e == NULL)
        return tx_nomem(&t);
    (void)ed__effect_set_int(e, ED_FIELD_PERIOD_MONTHS, period_months);
    (void)ed__effect_set_time(e, ED_FIELD_EXPIRES_AT, expires);
    if (was_expired && (emit(&t, ED_EFFECT_INSTANCE_RESUME, NULL) == NULL ||
                        emit_timer(&t, ED_EFFECT_TIMER_CANCEL, "release") == NULL))
        return tx_nomem(&t);
    e = emit_timer(&t, ED_EFFECT_TIMER_SCHEDULE, "expiry");
    if (e == NULL)
        return tx_nomem(&t);
    (void)ed__effect_set_time(e, ED_FIELD_AT, expires);
    return tx_commit(&t);
}

/* ---- topics and groups (X1, X5) ---------------------------------------- */

static ed_result *change_name(const ed_instance *in, ed_time now, const char *name,
                              ed_command_kind cmd)
{
    const bool topic = cmd == ED_CMD_ADD_TOPIC || cmd == ED_CMD_REMOVE_TOPIC;
    const bool add = cmd == ED_CMD_ADD_TOPIC || cmd == ED_CMD_ADD_GROUP;
    const char *what = topic ? "topic" : "group";
    ed_result *refused = refuse_common(in, now, cmd);
    if (refused)
        return refused;
    if (in->lifecycle == ED_LIFECYCLE_EXPIRED)
        return refuse_expired(in, cmd);
    if (time_due(in, now))
        return refuse_expiry_due(in, now, cmd);
    if (in->has_migration)
        return refuse_migration(in, cmd);
    /* a missing name is an argument error, so it ranks with the arguments */
    if (name == NULL)
        return ed__refuse(ED_INVALID_ARGUMENT, "%s on instance %s: no %s name was given (NULL)",
                         ed_command_kind_name(cmd), id_of(in), what);
    size_t len = strlen(name);
    if ((topic ? ed__check_topic_name(name, len) : ed__check_group_name(name, len)) != ED_OK)
        return ed__refuse(ED_INVALID_NAME,
                         "%s refused on instance %s: %s name '%s' must be %d..%d characters "
                         "of A-Z a-z 0-9 - _",
                         ed_command_kind_name(cmd), id_of(in), what,
                         ED_SHOWN(name, len, ED_SHOW_NAME),
                         topic ? ED_TOPIC_MIN : ED_GROUP_MIN, ED_NAME_MAX);
    ed_names *own = topic ? in->topics : in->groups;
    /* the table's copy of the name: a removal's effect points at it */
    const char *stored = ed__names_get(own, name, len);
    if (add) {
        if (stored != NULL || ed__names_has(topic ? in->groups : in->topics, name, len))
            return ed__refuse(ED_EXISTS,
                             "%s refused on instance %s: the name '%s' is already used by a %s",
                             ed_command_kind_name(cmd), id_of(in), name,
                             stored != NULL ? what : (topic ? "group" : "topic"));
        if (own->count >= ED_MAX_NAMES)
            return ed__refuse(ED_LIMIT_EXCEEDED, "%s refused on instance %s: it has %u %ss",
                             ed_command_kind_name(cmd), id_of(in), ED_MAX_NAMES, what);
    } else if (stored == NULL) {
        return ed__refuse(ED_NOT_FOUND, "%s refused on instance %s: there is no %s named '%s'",
                         ed_command_kind_name(cmd), id_of(in), what, name);
    }

    tx t;
    ed_result *failed;
    if (!tx_start(&t, in, now, &failed))
        return failed;
    ed_names *changed = add ? ed__names_with(own, name) : ed__names_without(own, name, len);
    if (changed == NULL)
        return tx_nomem(&t);
    ed_names **slot = topic ? &t.next->topics : &t.next->groups;
    ed__names_unref(*slot);
    *slot = changed;
    static const ed_effect_kind kinds[2][2] = {
        {ED_EFFECT_GROUP_DELETE, ED_EFFECT_GROUP_CREATE},
        {ED_EFFECT_TOPIC_DELETE, ED_EFFECT_TOPIC_CREATE},
    };
    /* the subject points into the table that has the name: the new one
     * for an addition, the old one for a removal */
    ed_names *holder = add ? changed : own;
    if (add)
        stored = ed__names_get(changed, name, len);
    if (ed__effects_add_name(t.fx, kinds[topic][add], t.next->revision, holder, stored) == NULL)
        return tx_nomem(&t);
    return tx_commit(&t);
}

ed_result *ed_add_topic(const ed_instance *in, ed_time now, const char *name)
{
    return change_name(in, now, name, ED_CMD_ADD_TOPIC);
}

ed_result *ed_remove_topic(const ed_instance *in, ed_time now, const char *name)
{
    return change_name(in, now, name, ED_CMD_REMOVE_TOPIC);
}

ed_result *ed_add_group(const ed_instance *in, ed_time now, const char *name)
{
    return change_name(in, now, name, ED_CMD_ADD_GROUP);
}

ed_result *ed_remove_group(const ed_instance *in, ed_time now, const char *name)
{
    return change_name(in, now, name, ED_CMD_REMOVE_GROUP);
}

/* ---- complete_migration (X5) ------------------------------------------- */

ed_result *ed_complete_migration(const ed_instance *in, ed_time now)
{
    ed_result *refused = refuse_common(in, now, ED_CMD_COMPLETE_MIGRATION);
    if (refused)
        return refused;
    if (!in->has_migration)
        return ed__refuse(ED_NO_MIGRATION,
                         "complete_migration refused: instance %s has no migration in flight",
                         id_of(in));
    tx t;
    ed_result *failed;
    if (!tx_start(&t, in, now, &failed))
        return failed;
    t.next->has_migration = false;
    t.next->migration_started_at = 0;
    return tx_commit(&t);
}

/* ---- no direct downgrade (S6, S8) and the downgrade plan (X2) ----------- */

ed_result *ed_downgrade(const ed_instance *in, ed_time now)
{
    ed_result *refused = refuse_common(in, now, ED_CMD_DOWNGRADE);
    if (refused)
        return refused;
    return ed__refuse(ED_NO_DIRECT_DOWNGRADE,
                     "downgrade refused on instance %s: Enterprise Platinum Edition cannot be "
                     "downgraded directly. Set the post-expiration action to "
                     "downgrade_to_standard, then let the subscription expire or unsubscribe "
                     "with refund; plan_downgrade lists the steps",
                     id_of(in));
}

ed_result *ed_plan_downgrade(const ed_instance *in, ed_time now, ed_plan_mode mode)
{
    return ed__plan_downgrade(in, now, (int64_t)(int)mode);
}

ed_result *ed__plan_downgrade(const ed_instance *in, ed_time now, int64_t value)
{
    ed_result *refused = refuse_common(in, now, ED_CMD_PLAN_DOWNGRADE);
    if (refused)
        return refused;
    if (!is_platinum(in))
        return refuse_standard(in, ED_CMD_PLAN_DOWNGRADE);
    if (in->lifecycle == ED_LIFECYCLE_EXPIRED)
        return refuse_expired(in, ED_CMD_PLAN_DOWNGRADE);
    if (value < 0 || value > INT_MAX || ed_plan_mode_name((ed_plan_mode)value) == NULL)
        return ed__refuse(ED_INVALID_ARGUMENT,
                         "plan_downgrade on instance %s: mode %lld is neither immediate nor "
                         "at_expiry",
                         id_of(in), (long long)value);
    const ed_plan_mode mode = (ed_plan_mode)value;
    ed_result *r = unchanged(in);
    if (r->status != ED_OK)
        return r;
    if (in->action != ED_ACTION_DOWNGRADE_TO_STANDARD) {
        r->plan[r->plan_count++] = (ed_plan_step){
            .command = ED_CMD_SET_POST_EXPIRATION_ACTION,
            .has_action = true,
            .action = ED_ACTION_DOWNGRADE_TO_STANDARD,
        };
    }
    if (mode == ED_PLAN_IMMEDIATE)
        r->plan[r->plan_count++] = (ed_plan_step){.command = ED_CMD_REFUND};
    else
        r->plan[r->plan_count++] =
            (ed_plan_step){.command = ED_CMD_TICK, .has_at = true, .at = in->expires_at};
    return r;
}
