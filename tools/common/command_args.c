/* The arguments of a lifecycle command on the command line
 * (command_args.h). */
#include "command_args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CLI_COMMAND_OPTIONS, in order, and the argument each sets. */
enum { PERIOD, ACTION, NAME, ALLOW, MODE };
static const cli_option command_options[CLI_COMMAND_OPTION_COUNT] = {CLI_COMMAND_OPTIONS};
static const ed_arg option_arg[CLI_COMMAND_OPTION_COUNT] = {
    ED_ARG_PERIOD_MONTHS, ED_ARG_ACTION, ED_ARG_NAME, ED_ARG_ALLOW_DATA_LOSS, ED_ARG_MODE};

/* --now T, or the clock when it is left out. */
int cli_parse_now(const char *text, ed_time *now)
{
    size_t len;

    if (!text) {
        *now = (ed_time)time(NULL);
        return CLI_EXIT_OK;
    }
    len = strlen(text);
    if (ed_time_parse(text, len, now) == ED_OK)
        return CLI_EXIT_OK;
    /* "2026-02-01T00:00:00.5Z": the date and time are there, the fraction
     * is what is refused. */
    if (len > 20 && text[4] == '-' && text[10] != '\0' && text[13] == ':' && text[16] == ':' &&
        text[19] == '.')
        return cli_usage("--now: '%s': fractional seconds are not supported (write whole "
                         "seconds, such as 2026-02-01T00:00:00Z)",
                         text);
    return cli_usage("--now: '%s' is not an RFC 3339 time in years 0000..9999, such as "
                     "2026-02-01T00:00:00Z",
                     text);
}

static void list_names(cli_str *s, const char *(*name_of)(int), int first)
{
    for (int v = first;; v++) {
        const char *n = name_of(v);
        if (!n)
            break;
        if (v > first)
            cli_str_puts(s, ", ");
        cli_str_puts(s, n);
    }
}

static const char *command_kind_name_of(int v)
{
    return ed_command_kind_name((ed_command_kind)v);
}
static const char *action_name_of(int v)
{
    return ed_action_name((ed_action)v);
}
static const char *plan_mode_name_of(int v)
{
    return ed_plan_mode_name((ed_plan_mode)v);
}

/* A usage error that lists the accepted names. */
static int usage_with_names(const char *what, const char *given, const char *(*name_of)(int),
                            int first)
{
    cli_str names = {0};
    int rc;
    list_names(&names, name_of, first);
    rc = cli_usage("%s: unknown %s '%s' (one of: %s)", what,
                   strcmp(what, "COMMAND") == 0 ? "command" : "value", given,
                   names.data ? names.data : "");
    cli_str_free(&names);
    return rc;
}

/* --period-months N: an optional '-' and digits, nothing else (strtoll
 * alone would take leading spaces and a '+'). The range is the lifecycle's
 * to judge; a number beyond 64 bits is refused here, as given. */
int cli_parse_period(const char *text, int64_t *out)
{
    const char *digits = text && text[0] == '-' ? text + 1 : text;
    char *end = NULL;
    long long v;

    if (!text || *digits < '0' || *digits > '9')
        return cli_usage("--period-months: '%s' is not a whole number", text ? text : "");
    errno = 0;
    v = strtoll(text, &end, 10);
    if (*end != '\0')
        return cli_usage("--period-months: '%s' is not a whole number", text);
    if (errno == ERANGE)
        return cli_usage("--period-months: %s is far outside 1..36 (more than 64 bits)", text);
    *out = (int64_t)v;
    return CLI_EXIT_OK;
}

int cli_build_command(uint64_t given, const char *const *value, const char *name,
                      ed_command **out)
{
    ed_command_kind kind;
    ed_command *cmd;
    ed_status st = ED_OK;

    if (ed_command_kind_from_name(name, &kind) != ED_OK)
        return usage_with_names("COMMAND", name, command_kind_name_of, ED_CMD_UPGRADE);
    for (size_t i = 0; i < CLI_COMMAND_OPTION_COUNT; i++) {
        const cli_option *o = &command_options[i];
        bool is_given = (given >> i) & 1u;
        if (is_given && !ed_command_kind_takes(kind, option_arg[i]))
            return cli_usage("%s: the command %s does not take it", o->name, name);
        if (!is_given && ed_command_kind_requires(kind, option_arg[i]))
            return cli_usage("the command %s needs %s %s", name, o->name,
                             o->value ? o->value : "");
    }

    cmd = ed_command_new(kind);
    if (!cmd) {
        cli_error("io_error", "out of memory");
        return CLI_EXIT_IO;
    }
    if (given & (1u << PERIOD)) {
        int64_t v;
        int prc = cli_parse_period(value[PERIOD], &v);
        if (prc != CLI_EXIT_OK) {
            ed_command_free(cmd);
            return prc;
        }
        st = ed_command_set_int(cmd, ED_ARG_PERIOD_MONTHS, v);
    }
    if (st == ED_OK && (given & (1u << ACTION))) {
        ed_action action;
        if (ed_action_from_name(value[ACTION], &action) != ED_OK) {
            ed_command_free(cmd);
            return usage_with_names("--action", value[ACTION], action_name_of, 0);
        }
        st = ed_command_set_int(cmd, ED_ARG_ACTION, action);
    }
    if (st == ED_OK && (given & (1u << MODE))) {
        ed_plan_mode mode;
        if (ed_plan_mode_from_name(value[MODE], &mode) != ED_OK) {
            ed_command_free(cmd);
            return usage_with_names("--mode", value[MODE], plan_mode_name_of, 0);
        }
        st = ed_command_set_int(cmd, ED_ARG_MODE, mode);
    }
    if (st == ED_OK && (given & (1u << ALLOW)))
        st = ed_command_set_int(cmd, ED_ARG_ALLOW_DATA_LOSS, 1);
    if (st == ED_OK && (given & (1u << NAME)))
        st = ed_command_set_string(cmd, ED_ARG_NAME, value[NAME]);
    if (st != ED_OK) {
        ed_command_free(cmd);
        cli_error(ed_status_name(st), "cannot build the command %s", name);
        return st == ED_NO_MEMORY ? CLI_EXIT_IO : CLI_EXIT_USAGE;
    }
    *out = cmd;
    return CLI_EXIT_OK;
}

void cli_print_lifecycle_commands(cli_str *out)
{
    size_t column = 2;
    cli_str_puts(out, "\nCOMMAND is a lifecycle command:\n ");
    for (int v = ED_CMD_UPGRADE; ed_command_kind_name((ed_command_kind)v); v++) {
        const char *name = ed_command_kind_name((ed_command_kind)v);
        bool last = ed_command_kind_name((ed_command_kind)(v + 1)) == NULL;
        if (column + strlen(name) + 2 > 78) {
            cli_str_puts(out, "\n ");
            column = 2;
        }
        cli_str_printf(out, " %s%s", name, last ? ".\n" : ",");
        column += strlen(name) + 2;
    }
}
