/* The immutable, reference-counted instance snapshot. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ed_ident *ed__ident_new(const char *id, const char *endpoint, const char *region)
{
    size_t id_len = strlen(id), ep_len = strlen(endpoint);
    size_t rg_len = region != NULL ? strlen(region) + 1 : 0;
    ed_ident *ident = ed__alloc(sizeof *ident + id_len + 1 + ep_len + 1 + rg_len);
    if (ident == NULL)
        return NULL;
    atomic_init(&ident->refs, 1);
    ident->id = ident->text;
    memcpy(ident->id, id, id_len + 1);
    ident->endpoint = ident->id + id_len + 1;
    memcpy(ident->endpoint, endpoint, ep_len + 1);
    ident->region = NULL;
    if (region != NULL) {
        ident->region = ident->endpoint + ep_len + 1;
        memcpy(ident->region, region, rg_len);
    }
    return ident;
}

void ed__ident_unref(ed_ident *ident)
{
    if (ident != NULL && atomic_fetch_sub_explicit(&ident->refs, 1, memory_order_acq_rel) == 1)
        ed__free(ident);
}

ed_instance *ed__instance_alloc(ed_ident *ident, ed_names *topics, ed_names *groups)
{
    ed_instance *in = ed__calloc(1, sizeof *in);
    if (in != NULL && topics == NULL)
        topics = ed__names_new(0);
    if (in != NULL && groups == NULL)
        groups = ed__names_new(0);
    if (in == NULL || topics == NULL || groups == NULL) {
        ed__free(in);
        ed__ident_unref(ident);
        ed__names_unref(topics);
        ed__names_unref(groups);
        return NULL;
    }
    atomic_init(&in->refs, 1);
    in->ident = ident;
    in->topics = topics;
    in->groups = groups;
    in->release_delay_days = ED_RELEASE_DELAY_DEFAULT;
    return in;
}

ed_instance *ed__instance_clone(const ed_instance *in)
{
    ed_instance *c = ed__alloc(sizeof *c);
    if (c == NULL)
        return NULL;
    memcpy(c, in, sizeof *c);
    atomic_init(&c->refs, 1);
    atomic_fetch_add_explicit(&c->ident->refs, 1, memory_order_relaxed);
    ed__names_ref(c->topics);
    ed__names_ref(c->groups);
    return c;
}

ed_instance *ed_instance_ref(const ed_instance *inst)
{
    if (inst == NULL)
        return NULL;
    /* The count is the one mutable part of a snapshot; it lives outside the
     * value the const promises. */
    ed_instance *mut = (ed_instance *)inst;
    atomic_fetch_add_explicit(&mut->refs, 1, memory_order_relaxed);
    return mut;
}

void ed_instance_free(ed_instance *inst)
{
    if (inst == NULL)
        return;
    if (atomic_fetch_sub_explicit(&inst->refs, 1, memory_order_acq_rel) != 1)
        return;
    ed__ident_unref(inst->ident);
    ed__names_unref(inst->topics);
    ed__names_unref(inst->groups);
    ed__free(inst);
}

const char *ed_instance_id(const ed_instance *inst)
{
    return inst ? inst->ident->id : NULL;
}

const char *ed_instance_endpoint(const ed_instance *inst)
{
    return inst ? inst->ident->endpoint : NULL;
}

const char *ed_instance_region(const ed_instance *inst)
{
    return inst ? inst->ident->region : NULL;
}

ed_edition ed_instance_edition(const ed_instance *inst)
{
    return inst ? inst->edition : ED_EDITION_STANDARD;
}

ed_billing ed_instance_billing(const ed_instance *inst)
{
    return inst && inst->edition == ED_EDITION_ENTERPRISE_PLATINUM ? ED_BILLING_SUBSCRIPTION
                                                                     : ED_BILLING_PAY_AS_YOU_GO;
}

ed_cluster ed_instance_cluster(const ed_instance *inst)
{
    return inst && inst->edition == ED_EDITION_ENTERPRISE_PLATINUM ? ED_CLUSTER_DEDICATED
                                                                     : ED_CLUSTER_SHARED;
}

ed_lifecycle ed_instance_lifecycle(const ed_instance *inst)
{
    return inst ? inst->lifecycle : ED_LIFECYCLE_ACTIVE;
}

uint64_t ed_instance_revision(const ed_instance *inst)
{
    return inst ? inst->revision : 0;
}

ed_time ed_instance_created_at(const ed_instance *inst)
{
    return inst ? inst->created_at : 0;
}

ed_time ed_instance_updated_at(const ed_instance *inst)
{
    return inst ? inst->updated_at : 0;
}

int ed_instance_release_delay_days(const ed_instance *inst)
{
    return inst ? inst->release_delay_days : 0;
}

bool ed_instance_subscription(const ed_instance *inst, ed_time *started_at, ed_time *expires_at,
                              int *period_months, ed_action *action)
{
    if (inst == NULL || !inst->has_subscription)
        return false;
    if (started_at)
        *started_at = inst->started_at;
    if (expires_at)
        *expires_at = inst->expires_at;
    if (period_months)
        *period_months = inst->period_months;
    if (action)
        *action = inst->action;
    return true;
}

bool ed_instance_release_at(const ed_instance *inst, ed_time *release_at)
{
    if (inst == NULL || !inst->has_release_at)
        return false;
    if (release_at)
        *release_at = inst->release_at;
    return true;
}

bool ed_instance_migration(const ed_instance *inst, ed_cluster *from, ed_cluster *to,
                           ed_time *started_at)
{
    if (inst == NULL || !inst->has_migration)
        return false;
    if (from)
        *from = inst->migration_from;
    if (to)
        *to = inst->migration_to;
    if (started_at)
        *started_at = inst->migration_started_at;
    return true;
}

size_t ed_instance_topic_count(const ed_instance *inst)
{
    return inst ? inst->topics->count : 0;
}

const char *ed_instance_topic(const ed_instance *inst, size_t i)
{
    return inst ? ed__names_at(inst->topics, i) : NULL;
}

bool ed_instance_has_topic(const ed_instance *inst, const char *name)
{
    return inst && name && ed__names_has(inst->topics, name, strlen(name));
}

size_t ed_instance_group_count(const ed_instance *inst)
{
    return inst ? inst->groups->count : 0;
}

const char *ed_instance_group(const ed_instance *inst, size_t i)
{
    return inst ? ed__names_at(inst->groups, i) : NULL;
}

bool ed_instance_has_group(const ed_instance *inst, const char *name)
{
    return inst && name && ed__names_has(inst->groups, name, strlen(name));
}

static bool str_equal(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool ed_instance_equal(const ed_instance *a, const ed_instance *b)
{
    if (a == b)
        return true;
    if (a == NULL || b == NULL)
        return false;
    if (!str_equal(a->ident->id, b->ident->id) ||
        !str_equal(a->ident->endpoint, b->ident->endpoint) ||
        !str_equal(a->ident->region, b->ident->region))
        return false;
    if (a->edition != b->edition || a->lifecycle != b->lifecycle ||
        a->revision != b->revision || a->created_at != b->created_at ||
        a->updated_at != b->updated_at || a->release_delay_days != b->release_delay_days)
        return false;
    if (a->has_subscription != b->has_subscription ||
        (a->has_subscription &&
         (a->started_at != b->started_at || a->expires_at != b->expires_at ||
          a->period_months != b->period_months || a->action != b->action)))
        return false;
    if (a->has_release_at != b->has_release_at ||
        (a->has_release_at && a->release_at != b->release_at))
        return false;
    if (a->has_migration != b->has_migration ||
        (a->has_migration &&
         (a->migration_from != b->migration_from || a->migration_to != b->migration_to ||
          a->migration_started_at != b->migration_started_at)))
        return false;
    return ed__names_equal(a->topics, b->topics) && ed__names_equal(a->groups, b->groups);
}

bool ed_instance_next_deadline(const ed_instance *inst, ed_time *deadline)
{
    if (inst == NULL)
        return false;
    ed_time t;
    if (inst->lifecycle == ED_LIFECYCLE_ACTIVE && inst->has_subscription)
        t = inst->expires_at;
    else if (inst->lifecycle == ED_LIFECYCLE_EXPIRED && inst->has_release_at)
        t = inst->release_at;
    else
        return false;
    if (deadline)
        *deadline = t;
    return true;
}

const char *ed__instance_parts_rule(ed_edition edition, ed_lifecycle lifecycle,
                                   bool has_subscription, bool has_release_at, bool *missing,
                                   char *msg, size_t msg_size)
{
    const bool platinum = edition == ED_EDITION_ENTERPRISE_PLATINUM;
    const bool expired = lifecycle == ED_LIFECYCLE_EXPIRED;
    *missing = false;
    if (platinum && !has_subscription) {
        *missing = true;
        snprintf(msg, msg_size, "required on %s", ed_edition_name(edition));
        return "subscription";
    }
    if (!platinum && has_subscription) {
        snprintf(msg, msg_size, "a %s instance has no subscription", ed_edition_name(edition));
        return "subscription";
    }
    if (expired && !has_release_at) {
        *missing = true;
        snprintf(msg, msg_size, "required when lifecycle is %s", ed_lifecycle_name(lifecycle));
        return "release_at";
    }
    if (!expired && has_release_at) {
        snprintf(msg, msg_size, "only an expired instance has a release time (lifecycle is %s)",
                 ed_lifecycle_name(lifecycle));
        return "release_at";
    }
    return NULL;
}

#define INVALID(...) (snprintf(msg, msg_size, __VA_ARGS__), ED_SCHEMA_ERROR)

ed_status ed__instance_validate(const ed_instance *in, char *msg, size_t msg_size)
{
    const bool platinum = in->edition == ED_EDITION_ENTERPRISE_PLATINUM;
    if (ed__check_instance_id(in->ident->id, strlen(in->ident->id)) != ED_OK)
        return INVALID("id: must be 1..%d printable ASCII characters without spaces", ED_ID_MAX);
    if (!ed__is_token(in->ident->endpoint, strlen(in->ident->endpoint), 1, ED_ENDPOINT_MAX))
        return INVALID("endpoint: must be 1..%d printable ASCII characters without spaces",
                       ED_ENDPOINT_MAX);
    if (in->ident->region != NULL &&
        !ed__is_token(in->ident->region, strlen(in->ident->region), 1, ED_REGION_MAX))
        return INVALID("region: must be 1..%d printable ASCII characters without spaces",
                       ED_REGION_MAX);
    if (in->release_delay_days < 0 || in->release_delay_days > ED_RELEASE_DELAY_MAX)
        return INVALID("release_delay_days: must be 0..%d", ED_RELEASE_DELAY_MAX);
    if (!ed__time_valid(in->created_at))
        return INVALID("created_at: out of range");
    if (!ed__time_valid(in->updated_at))
        return INVALID("updated_at: out of range");
    if (in->updated_at < in->created_at)
        return INVALID("updated_at: earlier than created_at");
    char reason[ED_MESSAGE_MAX];
    bool missing;
    const char *part = ed__instance_parts_rule(in->edition, in->lifecycle, in->has_subscription,
                                               in->has_release_at, &missing, reason,
                                               sizeof reason);
    if (part)
        return INVALID("%s: %s", part, reason);
    if (in->has_subscription) {
        if (in->period_months < ED_PERIOD_MIN || in->period_months > ED_PERIOD_MAX)
            return INVALID("subscription.period_months: must be %d..%d", ED_PERIOD_MIN,
                           ED_PERIOD_MAX);
        if (in->action != ED_ACTION_DELETE_RESOURCE &&
            in->action != ED_ACTION_DOWNGRADE_TO_STANDARD)
            return INVALID("subscription.post_expiration_action: unknown value");
        ed_time latest;
        if (!ed__time_valid(in->started_at))
            return INVALID("subscription.started_at: out of range (years 0000..9999)");
        if (!ed__time_add_days(in->expires_at, ED_RELEASE_DELAY_MAX, &latest))
            return INVALID("subscription.expires_at: must be at most 9999-12-01T23:59:59Z, so "
                           "that a release, up to %d days after expiry, stays within the year "
                           "9999",
                           ED_RELEASE_DELAY_MAX);
        if (in->expires_at <= in->started_at)
            return INVALID("subscription.expires_at: not after started_at");
    }
    if (in->lifecycle == ED_LIFECYCLE_EXPIRED) {
        if (!platinum)
            return INVALID("lifecycle: only enterprise_platinum can be expired");
        ed_time expect;
        if (!ed__time_add_days(in->expires_at, in->release_delay_days, &expect) ||
            expect != in->release_at)
            return INVALID("release_at: must be subscription.expires_at + release_delay_days");
    }
    if (in->has_migration) {
        if (in->migration_from == in->migration_to ||
            (in->migration_from != ED_CLUSTER_SHARED &&
             in->migration_from != ED_CLUSTER_DEDICATED) ||
            (in->migration_to != ED_CLUSTER_SHARED && in->migration_to != ED_CLUSTER_DEDICATED))
            return INVALID("migration: from and to must be two different clusters");
        if (in->migration_to != ed_instance_cluster(in))
            return INVALID("migration.to: must be the instance's cluster (%s)",
                           ed_cluster_name(ed_instance_cluster(in)));
        if (!ed__time_valid(in->migration_started_at))
            return INVALID("migration.started_at: out of range");
    }
    if (in->lifecycle == ED_LIFECYCLE_RELEASED && (in->topics->count || in->groups->count))
        return INVALID("topics: a released instance has no topics or groups");
    ed_names_iter it;
    ed__names_iter_init(&it, in->groups);
    for (const char *g; (g = ed__names_iter_next(&it)) != NULL;) {
        if (ed__names_has(in->topics, g, strlen(g)))
            return INVALID("groups: '%s' is also a topic name", g);
    }
    return ED_OK;
}
