#include "invariants.h"
#include "timer_replay.h"

#include <stdio.h>
#include <string.h>

static bool same_effect(const ed_effect *a, const ed_effect *b)
{
    if (ed_effect_kind_of(a) != ed_effect_kind_of(b) || ed_effect_flags(a) != ed_effect_flags(b) ||
        strcmp(ed_effect_key(a), ed_effect_key(b)) != 0 ||
        strcmp(ed_effect_subject(a), ed_effect_subject(b)) != 0 ||
        strcmp(ed_effect_text(a), ed_effect_text(b)) != 0)
        return false;
    for (ed_field f = ED_FIELD_FIRST; f <= ED_FIELD_LAST; f++) {
        if (ed_effect_has(a, f) != ed_effect_has(b, f))
            return false;
        ed_time ta = 0, tb = 0;
        int64_t ia = 0, ib = 0;
        const char *sa = ed_effect_string(a, f), *sb = ed_effect_string(b, f);
        if ((sa || sb) && !(sa && sb && strcmp(sa, sb) == 0))
            return false;
        if (ed_effect_time(a, f, &ta) != ed_effect_time(b, f, &tb) || ta != tb)
            return false;
        if (ed_effect_int(a, f, &ia) != ed_effect_int(b, f, &ib) || ia != ib)
            return false;
    }
    return true;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The record ed_effect_list_read gave for an effect equal to `a` holds
 * what a's getters answer. */
static bool record_is_the_getters(const ed_effect *a, const ed_effect_record *r)
{
    ed_time t[4] = {0, 0, 0, 0};
    int64_t months = 0, online = 0;
    (void)ed_effect_time(a, ED_FIELD_AT, &t[0]);
    (void)ed_effect_time(a, ED_FIELD_EXPIRES_AT, &t[1]);
    (void)ed_effect_time(a, ED_FIELD_UNUSED_FROM, &t[2]);
    (void)ed_effect_time(a, ED_FIELD_UNUSED_UNTIL, &t[3]);
    (void)ed_effect_int(a, ED_FIELD_PERIOD_MONTHS, &months);
    (void)ed_effect_int(a, ED_FIELD_ONLINE, &online);
    return r->kind == ed_effect_kind_of(a) && r->flags == ed_effect_flags(a) &&
           r->subject_kind == ed_effect_subject_kind(a) && r->fields == ed_effect_fields(a) &&
           r->revision == ed_effect_revision(a) && r->index == ed_effect_index(a) &&
           same_str(r->key, ed_effect_key(a)) && same_str(r->text, ed_effect_text(a)) &&
           same_str(r->subject, ed_effect_subject(a)) &&
           same_str(r->instance_id, ed_effect_instance_id(a)) &&
           same_str(r->from, ed_effect_string(a, ED_FIELD_FROM)) &&
           same_str(r->to, ed_effect_string(a, ED_FIELD_TO)) &&
           same_str(r->refund, ed_effect_string(a, ED_FIELD_REFUND)) &&
           same_str(r->timer, ed_effect_string(a, ED_FIELD_TIMER)) && r->at == t[0] &&
           r->expires_at == t[1] && r->unused_from == t[2] && r->unused_until == t[3] &&
           r->period_months == months && r->online == (online != 0);
}

/* Equal effect by effect; and b's effects, read in bulk, are a's. */
static bool same_list(const ed_effect_list *a, const ed_effect_list *b)
{
    if (ed_effect_list_count(a) != ed_effect_list_count(b))
        return false;
    for (size_t i = 0; i < ed_effect_list_count(a); i++) {
        if (!same_effect(ed_effect_list_get(a, i), ed_effect_list_get(b, i)))
            return false;
        ed_effect_record r = {.size = sizeof r};
        if (ed_effect_list_read(b, i, 1, &r) != ED_OK ||
            !record_is_the_getters(ed_effect_list_get(a, i), &r))
            return false;
    }
    return true;
}

static bool same_result(const ed_result *a, const ed_result *b)
{
    if (ed_result_status(a) != ed_result_status(b) ||
        strcmp(ed_result_message(a), ed_result_message(b)) != 0 ||
        !ed_instance_equal(ed_result_instance(a), ed_result_instance(b)) ||
        ed_result_plan_count(a) != ed_result_plan_count(b))
        return false;
    return same_list(ed_result_effects(a), ed_result_effects(b)) &&
           same_list(ed_result_would_have(a), ed_result_would_have(b));
}

static bool derived_fields_agree(const ed_instance *in)
{
    bool platinum = ed_instance_edition(in) == ED_EDITION_ENTERPRISE_PLATINUM;
    return platinum == (ed_instance_billing(in) == ED_BILLING_SUBSCRIPTION) &&
           platinum == (ed_instance_cluster(in) == ED_CLUSTER_DEDICATED) &&
           platinum == ed_instance_subscription(in, NULL, NULL, NULL, NULL);
}

ed_result *inv_step(const ed_instance *before, const ed_command *cmd, ed_time now,
                    const char **violation)
{
    *violation = NULL;
    ed_result *r = ed_command_apply(cmd, before, now);
    ed_result *again = ed_command_apply(cmd, before, now);
    ed_command_kind kind = ed_command_kind_of(cmd);
    bool refused = ed_result_status(r) != ED_OK;
    const ed_instance *after = ed_result_instance(r);
    const ed_effect_list *fx = ed_result_effects(r);

    if (ed_result_status(r) == ED_NO_MEMORY) {
        /* not an invariant question */
    } else if (!same_result(r, again)) {
        *violation = "I5: the same snapshot, now and command gave a different result";
    } else if (before != NULL && ed_instance_lifecycle(before) == ED_LIFECYCLE_RELEASED &&
               ed_result_status(r) != ED_RELEASED && ed_result_status(r) != ED_INVALID_ARGUMENT) {
        *violation = "I6: a released snapshot accepted a command";
    } else if (refused) {
        if (after != NULL || ed_effect_list_count(fx) != 0)
            *violation = "I4: a refusal returned a snapshot or effects";
        else if (ed_effect_list_count(ed_result_would_have(r)) != 0 &&
                 ed_result_status(r) != ED_DATA_LOSS_REFUSED)
            *violation = "I4: would_have effects outside data_loss_refused";
    } else if (after == NULL) {
        *violation = "I4: an accepted command returned no snapshot";
    } else {
        uint64_t r0 = ed_instance_revision(before), r1 = ed_instance_revision(after);
        uint64_t max_steps = kind == ED_CMD_TICK ? 2 : 1;
        int64_t allow = 0;
        ed_command_get_int(cmd, ED_ARG_ALLOW_DATA_LOSS, &allow);
        if (strcmp(ed_instance_id(after), ed_instance_id(before)) != 0 ||
            strcmp(ed_instance_endpoint(after), ed_instance_endpoint(before)) != 0)
            *violation = "I1: the id or endpoint changed";
        else if (!derived_fields_agree(after))
            *violation = "I2: edition, billing, cluster and subscription disagree";
        else if (r1 < r0 || r1 - r0 > max_steps)
            *violation = "I4: the revision moved by more than one per transition";
        else if ((r1 == r0) != (ed_instance_equal(after, before)))
            *violation = "I4: the snapshot changed without a new revision, or the reverse";
        else if (r1 == r0 && ed_effect_list_count(fx) != 0)
            *violation = "I4: effects without a new revision";
        for (size_t i = 0; *violation == NULL && i < ed_effect_list_count(fx); i++) {
            const ed_effect *e = ed_effect_list_get(fx, i);
            uint64_t rev = ed_effect_revision(e);
            if (rev <= r0 || rev > r1)
                *violation = "I4: an effect carries a revision outside the transition";
            if (!(ed_effect_flags(e) & ED_FLAG_IRREVERSIBLE))
                continue;
            bool release = ed_instance_lifecycle(after) == ED_LIFECYCLE_RELEASED &&
                           (kind == ED_CMD_TICK || (kind == ED_CMD_REFUND && allow));
            bool named = kind == ED_CMD_REMOVE_TOPIC || kind == ED_CMD_REMOVE_GROUP;
            if (!release && !named)
                *violation = "I3: an irreversible effect outside a release, an allowed refund or a named removal";
        }
    }
    static char why[256];
    if (*violation == NULL && before != NULL && ed_result_status(r) != ED_NO_MEMORY)
        *violation = timer_replay_violation(before, now, r, why, sizeof why);
    ed_result_free(again);
    return r;
}
