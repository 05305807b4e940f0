/* Commands as values: what a scenario step or a command line asks for,
 * dispatched to the transition functions. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define ARG_BIT(a) (1u << (a))

struct ed_command {
    ed_command_kind kind;
    unsigned set; /* ARG_BIT per argument given */
    int64_t period_months;
    int64_t action;
    int64_t allow_data_loss;
    int64_t mode;
    char *name;
};

static unsigned takes(ed_command_kind kind)
{
    switch (kind) {
    case ED_CMD_UPGRADE:
    case ED_CMD_RENEW:
        return ARG_BIT(ED_ARG_PERIOD_MONTHS);
    case ED_CMD_SET_POST_EXPIRATION_ACTION:
        return ARG_BIT(ED_ARG_ACTION);
    case ED_CMD_REFUND:
        return ARG_BIT(ED_ARG_ALLOW_DATA_LOSS);
    case ED_CMD_ADD_TOPIC:
    case ED_CMD_REMOVE_TOPIC:
    case ED_CMD_ADD_GROUP:
    case ED_CMD_REMOVE_GROUP:
        return ARG_BIT(ED_ARG_NAME);
    case ED_CMD_PLAN_DOWNGRADE:
        return ARG_BIT(ED_ARG_MODE);
    case ED_CMD_TICK:
    case ED_CMD_COMPLETE_MIGRATION:
    case ED_CMD_DOWNGRADE:
        break;
    }
    return 0;
}

static bool valid_arg(ed_arg arg)
{
    return arg >= ED_ARG_PERIOD_MONTHS && arg <= ED_ARG_MODE;
}

bool ed_command_kind_takes(ed_command_kind kind, ed_arg arg)
{
    return valid_arg(arg) && (takes(kind) & ARG_BIT(arg)) != 0;
}

bool ed_command_kind_requires(ed_command_kind kind, ed_arg arg)
{
    return ed_command_kind_takes(kind, arg) && arg != ED_ARG_ALLOW_DATA_LOSS;
}

ed_command *ed_command_new(ed_command_kind kind)
{
    if (ed_command_kind_name(kind) == NULL)
        return NULL;
    ed_command *c = ed__calloc(1, sizeof *c);
    if (c != NULL)
        c->kind = kind;
    return c;
}

void ed_command_free(ed_command *cmd)
{
    if (cmd == NULL)
        return;
    ed__free(cmd->name);
    ed__free(cmd);
}

ed_command_kind ed_command_kind_of(const ed_command *cmd)
{
    return cmd ? cmd->kind : (ed_command_kind)0;
}

static int64_t *int_slot(ed_command *cmd, ed_arg arg)
{
    switch (arg) {
    case ED_ARG_PERIOD_MONTHS:
        return &cmd->period_months;
    case ED_ARG_ACTION:
        return &cmd->action;
    case ED_ARG_ALLOW_DATA_LOSS:
        return &cmd->allow_data_loss;
    case ED_ARG_MODE:
        return &cmd->mode;
    case ED_ARG_NAME:
        break;
    }
    return NULL;
}

ed_status ed_command_set_int(ed_command *cmd, ed_arg arg, int64_t value)
{
    if (cmd == NULL || !ed_command_kind_takes(cmd->kind, arg))
        return ED_INVALID_ARGUMENT;
    int64_t *slot = int_slot(cmd, arg);
    if (slot == NULL)
        return ED_INVALID_ARGUMENT;
    *slot = value;
    cmd->set |= ARG_BIT(arg);
    return ED_OK;
}

ed_status ed_command_set_string(ed_command *cmd, ed_arg arg, const char *value)
{
    if (cmd == NULL || value == NULL || arg != ED_ARG_NAME ||
        !ed_command_kind_takes(cmd->kind, arg))
        return ED_INVALID_ARGUMENT;
    char *copy = ed__strndup(value, strlen(value));
    if (copy == NULL)
        return ED_NO_MEMORY;
    ed__free(cmd->name);
    cmd->name = copy;
    cmd->set |= ARG_BIT(arg);
    return ED_OK;
}

bool ed_command_get_int(const ed_command *cmd, ed_arg arg, int64_t *out)
{
    if (cmd == NULL || !valid_arg(arg) || !(cmd->set & ARG_BIT(arg)))
        return false;
    int64_t *slot = int_slot((ed_command *)cmd, arg);
    if (slot == NULL)
        return false;
    if (out)
        *out = *slot;
    return true;
}

const char *ed_command_get_string(const ed_command *cmd, ed_arg arg)
{
    if (cmd == NULL || arg != ED_ARG_NAME || !(cmd->set & ARG_BIT(arg)))
        return NULL;
    return cmd->name;
}

ed_result *ed_command_apply(const ed_command *cmd, const ed_instance *in, ed_time now)
{
    if (cmd == NULL)
        return ed__refuse(ED_INVALID_ARGUMENT, "no command given");
    unsigned missing = takes(cmd->kind) & ~cmd->set & ~ARG_BIT(ED_ARG_ALLOW_DATA_LOSS);
    if (missing != 0) {
        for (ed_arg a = ED_ARG_PERIOD_MONTHS; a <= ED_ARG_MODE; a++) {
            if (missing & ARG_BIT(a))
                return ed__refuse(ED_INVALID_ARGUMENT, "%s needs the argument %s",
                                 ed_command_kind_name(cmd->kind), ed_arg_name(a));
        }
    }
    switch (cmd->kind) {
    case ED_CMD_UPGRADE:
        return ed__upgrade(in, now, cmd->period_months);
    case ED_CMD_SET_POST_EXPIRATION_ACTION:
        return ed__set_post_expiration_action(in, now, cmd->action);
    case ED_CMD_REFUND: {
        ed_options opts;
        ed__options_defaults(&opts);
        opts.allow_data_loss = cmd->allow_data_loss != 0;
        return ed_refund(in, now, &opts);
    }
    case ED_CMD_RENEW:
        return ed__renew(in, now, cmd->period_months);
    case ED_CMD_TICK:
        return ed_tick(in, now);
    case ED_CMD_COMPLETE_MIGRATION:
        return ed_complete_migration(in, now);
    case ED_CMD_ADD_TOPIC:
        return ed_add_topic(in, now, cmd->name);
    case ED_CMD_REMOVE_TOPIC:
        return ed_remove_topic(in, now, cmd->name);
    case ED_CMD_ADD_GROUP:
        return ed_add_group(in, now, cmd->name);
    case ED_CMD_REMOVE_GROUP:
        return ed_remove_group(in, now, cmd->name);
    case ED_CMD_DOWNGRADE:
        return ed_downgrade(in, now);
    case ED_CMD_PLAN_DOWNGRADE:
        return ed__plan_downgrade(in, now, cmd->mode);
    }
    return ed__refuse(ED_INVALID_ARGUMENT, "unknown command");
}
