/* Stable names of every enumeration, in both directions. The tables are
 * indexed by enum value; a NULL hole is a value that was never assigned. */
#include "internal.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const status_names[] = {
    [ED_OK] = "ok",
    [ED_INVALID_ARGUMENT] = "invalid_argument",
    [ED_INVALID_NAME] = "invalid_name",
    [ED_INVALID_PERIOD] = "invalid_period",
    [ED_CLOCK_SKEW] = "clock_skew",
    [ED_ALREADY_ENTERPRISE_PLATINUM] = "already_enterprise_platinum",
    [ED_NOT_SUBSCRIPTION] = "not_subscription",
    [ED_NO_DIRECT_DOWNGRADE] = "no_direct_downgrade",
    [ED_EXPIRY_DUE] = "expiry_due",
    [ED_EXPIRED] = "expired",
    [ED_RELEASED] = "released",
    [ED_MIGRATION_IN_PROGRESS] = "migration_in_progress",
    [ED_NO_MIGRATION] = "no_migration",
    [ED_EXISTS] = "exists",
    [ED_NOT_FOUND] = "not_found",
    [ED_DATA_LOSS_REFUSED] = "data_loss_refused",
    [ED_PARSE_ERROR] = "parse_error",
    [ED_SCHEMA_ERROR] = "schema_error",
    [ED_LIMIT_EXCEEDED] = "limit_exceeded",
    [ED_NO_MEMORY] = "no_memory",
    [ED_IO_ERROR] = "io_error",
};

static const char *const edition_names[] = {
    [ED_EDITION_STANDARD] = "standard",
    [ED_EDITION_ENTERPRISE_PLATINUM] = "enterprise_platinum",
};

static const char *const billing_names[] = {
    [ED_BILLING_PAY_AS_YOU_GO] = "pay_as_you_go",
    [ED_BILLING_SUBSCRIPTION] = "subscription",
};

static const char *const cluster_names[] = {
    [ED_CLUSTER_SHARED] = "shared",
    [ED_CLUSTER_DEDICATED] = "dedicated",
};

static const char *const lifecycle_names[] = {
    [ED_LIFECYCLE_ACTIVE] = "active",
    [ED_LIFECYCLE_EXPIRED] = "expired",
    [ED_LIFECYCLE_RELEASED] = "released",
};

static const char *const action_names[] = {
    [ED_ACTION_DELETE_RESOURCE] = "delete_resource",
    [ED_ACTION_DOWNGRADE_TO_STANDARD] = "downgrade_to_standard",
};

static const char *const plan_mode_names[] = {
    [ED_PLAN_IMMEDIATE] = "immediate",
    [ED_PLAN_AT_EXPIRY] = "at_expiry",
};

static const char *const command_names[] = {
    [ED_CMD_UPGRADE] = "upgrade",
    [ED_CMD_SET_POST_EXPIRATION_ACTION] = "set_post_expiration_action",
    [ED_CMD_REFUND] = "refund",
    [ED_CMD_RENEW] = "renew",
    [ED_CMD_TICK] = "tick",
    [ED_CMD_COMPLETE_MIGRATION] = "complete_migration",
    [ED_CMD_ADD_TOPIC] = "add_topic",
    [ED_CMD_REMOVE_TOPIC] = "remove_topic",
    [ED_CMD_ADD_GROUP] = "add_group",
    [ED_CMD_REMOVE_GROUP] = "remove_group",
    [ED_CMD_DOWNGRADE] = "downgrade",
    [ED_CMD_PLAN_DOWNGRADE] = "plan_downgrade",
};

static const char *const effect_kind_names[] = {
    [ED_EFFECT_BILLING_CONVERT] = "billing.convert",
    [ED_EFFECT_BILLING_REFUND] = "billing.refund",
    [ED_EFFECT_BILLING_RENEW] = "billing.renew",
    [ED_EFFECT_TOPIC_MIGRATE] = "topic.migrate",
    [ED_EFFECT_CONSUMERS_REBALANCE] = "consumers.rebalance",
    [ED_EFFECT_TOPIC_CREATE] = "topic.create",
    [ED_EFFECT_GROUP_CREATE] = "group.create",
    [ED_EFFECT_TOPIC_DELETE] = "topic.delete",
    [ED_EFFECT_GROUP_DELETE] = "group.delete",
    [ED_EFFECT_INSTANCE_SUSPEND] = "instance.suspend",
    [ED_EFFECT_INSTANCE_RESUME] = "instance.resume",
    [ED_EFFECT_INSTANCE_DELETE] = "instance.delete",
    [ED_EFFECT_TIMER_SCHEDULE] = "timer.schedule",
    [ED_EFFECT_TIMER_CANCEL] = "timer.cancel",
    [ED_EFFECT_CONFIG_POST_EXPIRATION_ACTION] = "config.post_expiration_action",
    [ED_EFFECT_TICKET_EXPERT_SERVICES] = "ticket.expert_services",
    [ED_EFFECT_NOTICE_DELETE_ON_EXPIRY] = "notice.delete_on_expiry",
    [ED_EFFECT_NOTICE_RELEASE_PENDING] = "notice.release_pending",
    [ED_EFFECT_NOTICE_IGNORE_RELEASE_NOTIFICATION] = "notice.ignore_release_notification",
};

static const char *const subject_names[] = {
    [ED_SUBJECT_INSTANCE] = "instance",
    [ED_SUBJECT_TOPIC] = "topic",
    [ED_SUBJECT_GROUP] = "group",
};

static const char *const field_names[] = {
    [ED_FIELD_FROM] = "from",
    [ED_FIELD_TO] = "to",
    [ED_FIELD_AT] = "at",
    [ED_FIELD_PERIOD_MONTHS] = "period_months",
    [ED_FIELD_EXPIRES_AT] = "expires_at",
    [ED_FIELD_REFUND] = "refund",
    [ED_FIELD_UNUSED_FROM] = "unused_from",
    [ED_FIELD_UNUSED_UNTIL] = "unused_until",
    [ED_FIELD_TIMER] = "timer",
    [ED_FIELD_ONLINE] = "online",
};

static const char *const arg_names[] = {
    [ED_ARG_PERIOD_MONTHS] = "period_months",
    [ED_ARG_ACTION] = "action",
    [ED_ARG_ALLOW_DATA_LOSS] = "allow_data_loss",
    [ED_ARG_NAME] = "name",
    [ED_ARG_MODE] = "mode",
};

/* Enum values arrive from callers as ints that may be anything. */
static const char *lookup(const char *const *table, size_t count, long value)
{
    if (value < 0 || (size_t)value >= count)
        return NULL;
    return table[value];
}

static ed_status parse(const char *const *table, size_t count, const char *name, int *out)
{
    if (name == NULL)
        return ED_INVALID_ARGUMENT;
    for (size_t i = 0; i < count; i++) {
        if (table[i] != NULL && strcmp(table[i], name) == 0) {
            *out = (int)i;
            return ED_OK;
        }
    }
    return ED_INVALID_ARGUMENT;
}

#define NAME_FN(fn, type, table)                                                         \
    const char *fn(type v) { return lookup(table, COUNT(table), (long)v); }

/* `type` names a type here, which cannot take parentheses. */
#define PARSE_FN(fn, type, table)                                                        \
    ed_status fn(const char *name, type *out) /* NOLINT(bugprone-macro-parentheses) */   \
    {                                                                                    \
        int v = 0;                                                                       \
        if (out == NULL)                                                                 \
            return ED_INVALID_ARGUMENT;                                                  \
        ed_status st = parse(table, COUNT(table), name, &v);                             \
        if (st == ED_OK)                                                                 \
            *out = (type)(v);                                                              \
        return st;                                                                       \
    }

NAME_FN(ed_status_name, ed_status, status_names)
NAME_FN(ed_edition_name, ed_edition, edition_names)
NAME_FN(ed_billing_name, ed_billing, billing_names)
NAME_FN(ed_cluster_name, ed_cluster, cluster_names)
NAME_FN(ed_lifecycle_name, ed_lifecycle, lifecycle_names)
NAME_FN(ed_action_name, ed_action, action_names)
NAME_FN(ed_plan_mode_name, ed_plan_mode, plan_mode_names)
NAME_FN(ed_command_kind_name, ed_command_kind, command_names)
NAME_FN(ed_effect_kind_name, ed_effect_kind, effect_kind_names)
NAME_FN(ed_subject_kind_name, ed_subject_kind, subject_names)
NAME_FN(ed_field_name, ed_field, field_names)
NAME_FN(ed_arg_name, ed_arg, arg_names)

PARSE_FN(ed_status_from_name, ed_status, status_names)
PARSE_FN(ed_edition_from_name, ed_edition, edition_names)
PARSE_FN(ed_billing_from_name, ed_billing, billing_names)
PARSE_FN(ed_cluster_from_name, ed_cluster, cluster_names)
PARSE_FN(ed_lifecycle_from_name, ed_lifecycle, lifecycle_names)
PARSE_FN(ed_action_from_name, ed_action, action_names)
PARSE_FN(ed_plan_mode_from_name, ed_plan_mode, plan_mode_names)
PARSE_FN(ed_command_kind_from_name, ed_command_kind, command_names)
PARSE_FN(ed_effect_kind_from_name, ed_effect_kind, effect_kind_names)
PARSE_FN(ed_subject_kind_from_name, ed_subject_kind, subject_names)
PARSE_FN(ed_field_from_name, ed_field, field_names)
PARSE_FN(ed_arg_from_name, ed_arg, arg_names)

bool ed_status_is_refusal(ed_status status)
{
    switch (status) {
    case ED_INVALID_NAME:
    case ED_INVALID_PERIOD:
    case ED_CLOCK_SKEW:
    case ED_ALREADY_ENTERPRISE_PLATINUM:
    case ED_NOT_SUBSCRIPTION:
    case ED_NO_DIRECT_DOWNGRADE:
    case ED_EXPIRY_DUE:
    case ED_EXPIRED:
    case ED_RELEASED:
    case ED_MIGRATION_IN_PROGRESS:
    case ED_NO_MIGRATION:
    case ED_EXISTS:
    case ED_NOT_FOUND:
    case ED_DATA_LOSS_REFUSED:
        return true;
    case ED_OK:
    case ED_INVALID_ARGUMENT:
    case ED_PARSE_ERROR:
    case ED_SCHEMA_ERROR:
    case ED_LIMIT_EXCEEDED:
    case ED_NO_MEMORY:
    case ED_IO_ERROR:
        break;
    }
    return false;
}

bool ed_status_is_failure(ed_status status)
{
    return status != ED_OK && ed_status_name(status) != NULL && !ed_status_is_refusal(status);
}

static const ed_effect_flag all_flags[] = {ED_FLAG_IRREVERSIBLE, ED_FLAG_DISRUPTIVE,
                                           ED_FLAG_BILLING, ED_FLAG_NOTICE};

ed_status ed_effect_flag_from_name(const char *name, ed_effect_flag *out)
{
    if (name == NULL || out == NULL)
        return ED_INVALID_ARGUMENT;
    for (size_t i = 0; i < COUNT(all_flags); i++) {
        if (strcmp(ed_effect_flag_name(all_flags[i]), name) == 0) {
            *out = all_flags[i];
            return ED_OK;
        }
    }
    return ED_INVALID_ARGUMENT;
}

const char *ed_effect_flag_name(ed_effect_flag flag)
{
    switch (flag) {
    case ED_FLAG_IRREVERSIBLE:
        return "irreversible";
    case ED_FLAG_DISRUPTIVE:
        return "disruptive";
    case ED_FLAG_BILLING:
        return "billing";
    case ED_FLAG_NOTICE:
        return "notice";
    }
    return NULL;
}

ed_field_type ed_field_type_of(ed_field field)
{
    switch (field) {
    case ED_FIELD_AT:
    case ED_FIELD_EXPIRES_AT:
    case ED_FIELD_UNUSED_FROM:
    case ED_FIELD_UNUSED_UNTIL:
        return ED_FIELD_TYPE_TIME;
    case ED_FIELD_PERIOD_MONTHS:
        return ED_FIELD_TYPE_INT;
    case ED_FIELD_ONLINE:
        return ED_FIELD_TYPE_BOOL;
    case ED_FIELD_FROM:
    case ED_FIELD_TO:
    case ED_FIELD_REFUND:
    case ED_FIELD_TIMER:
        break;
    }
    return ED_FIELD_TYPE_STRING;
}

const char *ed_version(void)
{
    return ED_VERSION_STRING;
}

int ed_version_number(void)
{
    return ED_VERSION_NUMBER;
}
