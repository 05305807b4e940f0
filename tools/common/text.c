/*
 * Text for people: `show --format text` and the timeline of
 * `simulate --format text`. Layout: a label column of 10 characters and a
 * space, values after it; the two left-most columns carry "!!" on lines that must not be
 * missed (refusals, irreversible effects) and "!" on disruptive ones and
 * coming deletions.
 */
#include "text.h"

#include <string.h>

#define LIST_SHOWN 20 /* topics or groups listed by name before "and N more" */
#define KIND_WIDTH 34 /* the longest effect kind name */

static void label(cli_str *s, const char *marker, const char *name, const cli_style *st)
{
    if (marker)
        cli_str_printf(s, "%s%-2s%s  %-10s ", st->red, marker, st->reset, name);
    else
        cli_str_printf(s, "    %-10s ", name);
}

void cli_text_command(cli_str *s, const ed_command *cmd)
{
    ed_command_kind kind = ed_command_kind_of(cmd);
    const char *name = ed_command_kind_name(kind);

    cli_str_puts(s, name ? name : "?");
    for (int a = ED_ARG_PERIOD_MONTHS; a <= ED_ARG_MODE; a++) {
        ed_arg arg = (ed_arg)a;
        int64_t v;
        if (!ed_command_kind_takes(kind, arg))
            continue;
        if (arg == ED_ARG_NAME) {
            const char *n = ed_command_get_string(cmd, arg);
            if (n) {
                cli_str_puts(s, " name=");
                cli_str_untrusted_puts(s, n);
            }
            continue;
        }
        if (!ed_command_get_int(cmd, arg, &v))
            continue;
        switch (arg) {
        case ED_ARG_ACTION: {
            const char *an = v >= 0 && v <= 1 ? ed_action_name((ed_action)v) : NULL;
            if (an)
                cli_str_printf(s, " action=%s", an);
            else
                cli_str_printf(s, " action=%lld", (long long)v);
            break;
        }
        case ED_ARG_MODE: {
            const char *mn = v >= 0 && v <= 1 ? ed_plan_mode_name((ed_plan_mode)v) : NULL;
            if (mn)
                cli_str_printf(s, " mode=%s", mn);
            else
                cli_str_printf(s, " mode=%lld", (long long)v);
            break;
        }
        case ED_ARG_ALLOW_DATA_LOSS:
            cli_str_printf(s, " allow_data_loss=%s", v ? "true" : "false");
            break;
        case ED_ARG_PERIOD_MONTHS:
        case ED_ARG_NAME:
            cli_str_printf(s, " %s=%lld", ed_arg_name(arg), (long long)v);
            break;
        }
    }
}

/* "enterprise_platinum, subscription, dedicated, active" */
static void summary(cli_str *s, const ed_instance *inst)
{
    cli_str_printf(s, "%s, %s, %s, %s", ed_edition_name(ed_instance_edition(inst)),
                   ed_billing_name(ed_instance_billing(inst)),
                   ed_cluster_name(ed_instance_cluster(inst)),
                   ed_lifecycle_name(ed_instance_lifecycle(inst)));
}

static void plural(cli_str *s, size_t n, const char *one, const char *many)
{
    cli_str_printf(s, "%zu %s", n, n == 1 ? one : many);
}

static void names(cli_str *s, size_t count, const char *(*get)(const ed_instance *, size_t),
                  const ed_instance *inst)
{
    for (size_t i = 0; i < count && i < LIST_SHOWN; i++) {
        cli_str_puts(s, i ? ", " : ": ");
        cli_str_untrusted_puts(s, get(inst, i));
    }
    if (count > LIST_SHOWN)
        cli_str_printf(s, ", and %zu more", count - LIST_SHOWN);
}

/* The lines shared by `show` and the timeline after a change. */
static void details(cli_str *s, const ed_instance *inst, const cli_style *st)
{
    ed_time started, expires, release, since;
    int months;
    ed_action action;
    ed_cluster from, to;

    if (ed_instance_subscription(inst, &started, &expires, &months, &action)) {
        /* A released snapshot keeps its subscription only as a record. */
        if (ed_instance_lifecycle(inst) == ED_LIFECYCLE_ACTIVE) {
            label(s, NULL, "expires", st);
            cli_str_time(s, expires);
            cli_str_printf(s, ", then %s\n", ed_action_name(action));
        } else if (ed_instance_lifecycle(inst) == ED_LIFECYCLE_EXPIRED) {
            label(s, "!", "expired", st);
            cli_str_time(s, expires);
            cli_str_puts(s, ", suspended until renewed or released\n");
        }
    }
    if (ed_instance_release_at(inst, &release)) {
        label(s, "!", "release", st);
        cli_str_time(s, release);
        cli_str_puts(s, " (every topic and group is deleted then)\n");
    }
    if (ed_instance_migration(inst, &from, &to, &since)) {
        label(s, NULL, "migration", st);
        cli_str_printf(s, "%s -> %s since ", ed_cluster_name(from), ed_cluster_name(to));
        cli_str_time(s, since);
        cli_str_puts(s, "\n");
    }
}

/* "content   2 topics, 1 group" */
static void content(cli_str *s, const ed_instance *inst, const cli_style *st)
{
    label(s, NULL, "content", st);
    plural(s, ed_instance_topic_count(inst), "topic", "topics");
    cli_str_puts(s, ", ");
    plural(s, ed_instance_group_count(inst), "group", "groups");
    cli_str_puts(s, "\n");
}

void cli_text_instance(cli_str *s, const ed_instance *inst, const cli_style *st)
{
    ed_time started, expires, release, deadline;
    int months;
    ed_action action;
    const char *region = ed_instance_region(inst);
    size_t topics = ed_instance_topic_count(inst), groups = ed_instance_group_count(inst);

    label(s, NULL, "id", st);
    cli_str_untrusted_puts(s, ed_instance_id(inst));
    cli_str_puts(s, "\n");
    label(s, NULL, "endpoint", st);
    cli_str_untrusted_puts(s, ed_instance_endpoint(inst));
    cli_str_puts(s, "\n");
    if (region) {
        label(s, NULL, "region", st);
        cli_str_untrusted_puts(s, region);
        cli_str_puts(s, "\n");
    }
    label(s, NULL, "edition", st);
    cli_str_printf(s, "%s%s%s (billing %s, cluster %s)\n", st->bold,
                   ed_edition_name(ed_instance_edition(inst)), st->reset,
                   ed_billing_name(ed_instance_billing(inst)),
                   ed_cluster_name(ed_instance_cluster(inst)));
    label(s, ed_instance_lifecycle(inst) == ED_LIFECYCLE_ACTIVE ? NULL : "!!", "lifecycle", st);
    cli_str_printf(s, "%s\n", ed_lifecycle_name(ed_instance_lifecycle(inst)));
    label(s, NULL, "revision", st);
    cli_str_printf(s, "%llu\n", (unsigned long long)ed_instance_revision(inst));
    label(s, NULL, "created", st);
    cli_str_time(s, ed_instance_created_at(inst));
    cli_str_puts(s, "\n");
    label(s, NULL, "updated", st);
    cli_str_time(s, ed_instance_updated_at(inst));
    cli_str_puts(s, "\n");
    if (ed_instance_subscription(inst, &started, &expires, &months, &action)) {
        label(s, NULL, "subscribed", st);
        cli_str_time(s, started);
        cli_str_puts(s, " for ");
        plural(s, (size_t)months, "month", "months");
        cli_str_puts(s, " (last period bought)\n");
    }
    details(s, inst, st);
    if (!ed_instance_release_at(inst, &release) &&
        ed_instance_edition(inst) == ED_EDITION_ENTERPRISE_PLATINUM &&
        ed_instance_lifecycle(inst) == ED_LIFECYCLE_ACTIVE) {
        label(s, NULL, "release", st);
        cli_str_printf(s, "%d days after expiry when the action is delete_resource\n",
                       ed_instance_release_delay_days(inst));
    }
    label(s, NULL, "topics", st);
    cli_str_printf(s, "%zu", topics);
    names(s, topics, ed_instance_topic, inst);
    cli_str_puts(s, "\n");
    label(s, NULL, "groups", st);
    cli_str_printf(s, "%zu", groups);
    names(s, groups, ed_instance_group, inst);
    cli_str_puts(s, "\n");
    label(s, NULL, "next", st);
    if (ed_instance_next_deadline(inst, &deadline)) {
        cli_str_time(s, deadline);
        cli_str_puts(s, " (run tick then)\n");
    } else {
        cli_str_puts(s, "none\n");
    }
}

void cli_text_timeline_start(cli_str *s, const char *path, size_t steps, const ed_instance *inst,
                             const cli_style *st)
{
    cli_str_printf(s, "%sscenario%s   ", st->bold, st->reset);
    cli_str_untrusted_puts(s, path);
    cli_str_puts(s, ", ");
    plural(s, steps, "step", "steps");
    cli_str_puts(s, "\n");
    label(s, NULL, "instance", st);
    cli_str_untrusted_puts(s, ed_instance_id(inst));
    cli_str_puts(s, "\n");
    label(s, NULL, "start", st);
    cli_str_printf(s, "revision %llu: ", (unsigned long long)ed_instance_revision(inst));
    summary(s, inst);
    cli_str_puts(s, "\n");
    details(s, inst, st);
    content(s, inst, st);
}

static void effect_line(cli_str *s, const char *first_label, const ed_effect *e,
                        const cli_style *st)
{
    unsigned flags = ed_effect_flags(e);
    const char *kind = ed_effect_kind_name(ed_effect_kind_of(e));
    const char *marker = NULL;

    if (flags & ED_FLAG_IRREVERSIBLE)
        marker = "!!";
    else if (flags & ED_FLAG_DISRUPTIVE)
        marker = "!";
    label(s, marker, first_label, st);
    if (flags & ED_FLAG_IRREVERSIBLE) {
        cli_str_printf(s, "%s%-*s%s ", st->red, KIND_WIDTH, kind, st->reset);
        cli_str_untrusted_puts(s, ed_effect_text(e));
        cli_str_printf(s, "  %sIRREVERSIBLE%s\n", st->red, st->reset);
    } else if (flags & ED_FLAG_DISRUPTIVE) {
        cli_str_printf(s, "%s%-*s%s ", st->yellow, KIND_WIDTH, kind, st->reset);
        cli_str_untrusted_puts(s, ed_effect_text(e));
        cli_str_printf(s, "  %sDISRUPTIVE%s\n", st->yellow, st->reset);
    } else {
        cli_str_printf(s, "%-*s ", KIND_WIDTH, kind);
        cli_str_untrusted_puts(s, ed_effect_text(e));
        cli_str_puts(s, "\n");
    }
}

static void effect_lines(cli_str *s, const char *name, const ed_effect_list *list,
                         const cli_style *st)
{
    size_t n = ed_effect_list_count(list);
    for (size_t i = 0; i < n; i++)
        effect_line(s, i == 0 ? name : "", ed_effect_list_get(list, i), st);
}

static void plan_lines(cli_str *s, const ed_result *r, const cli_style *st)
{
    size_t n = ed_result_plan_count(r);
    for (size_t i = 0; i < n; i++) {
        ed_action action;
        ed_time at;
        const char *cmd = ed_command_kind_name(ed_result_plan_command(r, i));
        label(s, NULL, i == 0 ? "plan" : "", st);
        cli_str_printf(s, "%zu. %s", i + 1, cmd ? cmd : "?");
        if (ed_result_plan_action(r, i, &action))
            cli_str_printf(s, " action=%s", ed_action_name(action));
        if (ed_result_plan_at(r, i, &at)) {
            cli_str_puts(s, " at ");
            cli_str_time(s, at);
        }
        cli_str_puts(s, "\n");
    }
}

/* The outcome of one command at `at`: refusal, no change or the new
 * state with its effects, then the next deadline. */
static void outcome_lines(cli_str *s, ed_time at, const ed_result *r, const ed_instance *before,
                          const ed_instance *current, const cli_style *st)
{
    ed_status status = ed_result_status(r);
    ed_time deadline;

    if (status != ED_OK) {
        label(s, "!!", "REFUSED", st);
        cli_str_printf(s, "%s%s%s: ", st->red, ed_status_name(status), st->reset);
        cli_str_untrusted_puts(s, ed_result_message(r));
        cli_str_puts(s, "\n");
        label(s, NULL, "state", st);
        cli_str_printf(s, "unchanged, revision %llu\n",
                       (unsigned long long)ed_instance_revision(current));
        effect_lines(s, "would have", ed_result_would_have(r), st);
    } else if (ed_instance_revision(current) == ed_instance_revision(before)) {
        label(s, NULL, "ok", st);
        cli_str_printf(s, "%snothing changed%s, revision %llu\n", st->green, st->reset,
                       (unsigned long long)ed_instance_revision(current));
        plan_lines(s, r, st);
    } else {
        label(s, NULL, "ok", st);
        cli_str_printf(s, "%srevision %llu%s: ", st->green,
                       (unsigned long long)ed_instance_revision(current), st->reset);
        summary(s, current);
        cli_str_puts(s, "\n");
        details(s, current, st);
        content(s, current, st);
        effect_lines(s, "effects", ed_result_effects(r), st);
    }
    label(s, NULL, "next", st);
    if (ed_instance_next_deadline(current, &deadline)) {
        cli_str_time(s, deadline);
        if (deadline <= at)
            cli_str_puts(s, " (due now: tick)");
        cli_str_puts(s, "\n");
    } else {
        cli_str_puts(s, "none\n");
    }
}

void cli_text_step(cli_str *s, size_t step, ed_time at, const ed_command *cmd, const ed_result *r,
                   const ed_instance *before, const ed_instance *current, const cli_style *st)
{
    cli_str_printf(s, "\n%sstep %zu%s  ", st->bold, step, st->reset);
    cli_str_time(s, at);
    cli_str_puts(s, "  ");
    cli_text_command(s, cmd);
    cli_str_puts(s, "\n");
    outcome_lines(s, at, r, before, current, st);
}

void cli_text_outcome(cli_str *s, const char *path, ed_time now, const ed_command *cmd,
                      const ed_result *r, const ed_instance *before, const ed_instance *current,
                      const cli_style *st)
{
    cli_str_printf(s, "%scommand%s    ", st->bold, st->reset);
    cli_text_command(s, cmd);
    cli_str_puts(s, " at ");
    cli_str_time(s, now);
    cli_str_puts(s, "\n");
    label(s, NULL, "before", st);
    cli_str_untrusted_puts(s, path);
    cli_str_printf(s, ", instance ");
    cli_str_untrusted_puts(s, ed_instance_id(before));
    cli_str_printf(s, ", revision %llu: ", (unsigned long long)ed_instance_revision(before));
    summary(s, before);
    cli_str_puts(s, "\n");
    outcome_lines(s, now, r, before, current, st);
}

void cli_tally_step(cli_tally *t, const ed_result *r)
{
    const ed_effect_list *effects = ed_result_effects(r);

    t->steps++;
    if (ed_result_status(r) != ED_OK) {
        t->refused++;
        return;
    }
    t->ok++;
    for (size_t i = 0; i < ed_effect_list_count(effects); i++)
        if (ed_effect_flags(ed_effect_list_get(effects, i)) & ED_FLAG_IRREVERSIBLE)
            t->irreversible++;
}

void cli_text_timeline_end(cli_str *s, const cli_tally *t, const cli_style *st)
{
    cli_str_printf(s, "\n%ssummary%s    ", st->bold, st->reset);
    plural(s, t->steps, "step", "steps");
    cli_str_printf(s, ": %zu ok, ", t->ok);
    if (t->refused)
        cli_str_printf(s, "%s%zu refused%s", st->red, t->refused, st->reset);
    else
        cli_str_puts(s, "0 refused");
    cli_str_puts(s, "; ");
    if (t->irreversible) {
        cli_str_printf(s, "%s", st->red);
        plural(s, t->irreversible, "irreversible effect", "irreversible effects");
        cli_str_printf(s, "%s\n", st->reset);
    } else {
        cli_str_puts(s, "no irreversible effects\n");
    }
}
