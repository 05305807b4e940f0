/* The commands about one state file: show, check, next and init. */
#include "commands.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int run_show(const cli_args *a)
{
    ed_instance *inst = NULL;
    cli_str out = {0};
    cli_format format;
    int rc = parse_format(a, &format);

    if (rc == CLI_EXIT_OK)
        rc = load_state(a->pos[0], &inst);
    if (rc != CLI_EXIT_OK)
        return rc;
    switch (format) {
    case CLI_FORMAT_TEXT: {
        cli_style st = cli_style_for_stdout();
        cli_text_instance(&out, inst, &st);
        break;
    }
    case CLI_FORMAT_YAML:
    case CLI_FORMAT_JSON: {
        ed_buffer *buf = ed_buffer_new();
        ed_status (*dump)(const ed_instance *, ed_buffer *) =
            format == CLI_FORMAT_JSON ? ed_instance_dump_json : ed_instance_dump_yaml;
        if (!buf || dump(inst, buf) != ED_OK)
            out.failed = true;
        else
            cli_str_append(&out, ed_buffer_data(buf), ed_buffer_len(buf));
        ed_buffer_free(buf);
        break;
    }
    }
    ed_instance_free(inst);
    rc = emit(&out);
    cli_str_free(&out);
    return rc;
}

int run_check(const cli_args *a)
{
    ed_instance *inst = NULL;
    int rc = load_state(a->pos[0], &inst);

    /* check answers a yes/no question: an invalid file is its "no". */
    if (rc == CLI_EXIT_INVALID)
        return CLI_EXIT_REFUSED;
    if (rc != CLI_EXIT_OK)
        return rc;
    ed_instance_free(inst);
    {
        cli_str out = {0};
        cli_str_untrusted_puts(&out, a->pos[0]);
        cli_str_puts(&out, ": ok\n");
        rc = emit(&out);
        cli_str_free(&out);
    }
    return rc;
}

/* "3 days", "5 hours": how long ago a deadline passed, roughly. */
static void append_duration(cli_str *s, ed_time seconds)
{
    static const struct {
        ed_time unit;
        const char *one, *many;
    } units[] = {{86400, "day", "days"}, {3600, "hour", "hours"}, {60, "minute", "minutes"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (seconds >= units[i].unit) {
            long long n = (long long)(seconds / units[i].unit);
            cli_str_printf(s, "%lld %s", n, n == 1 ? units[i].one : units[i].many);
            return;
        }
    }
    cli_str_printf(s, "%lld %s", (long long)seconds, seconds == 1 ? "second" : "seconds");
}

int run_next(const cli_args *a)
{
    ed_instance *inst = NULL;
    ed_time deadline, now;
    cli_str out = {0};
    int rc = cli_parse_now(opt_value(a, OPT_NOW), &now);

    if (rc == CLI_EXIT_OK)
        rc = load_state(a->pos[0], &inst);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (ed_instance_next_deadline(inst, &deadline)) {
        /* The time comes first and alone, so that scripts can cut it. */
        cli_str_time(&out, deadline);
        if (deadline < now) {
            cli_str_puts(&out, " (overdue by ");
            append_duration(&out, now - deadline);
            cli_str_puts(&out, ": run edition tick)");
        } else if (deadline == now) {
            cli_str_puts(&out, " (due now: run edition tick)");
        }
    } else {
        cli_str_puts(&out, "none");
    }
    cli_str_puts(&out, "\n");
    ed_instance_free(inst);
    rc = emit(&out);
    cli_str_free(&out);
    return rc;
}

/* init: a new state file, so that nobody writes one by hand. */
int run_init(const cli_args *a)
{
    const char *path = a->pos[0];
    bool platinum = (a->given & OPT_PLATINUM) != 0;
    ed_options *opts = NULL;
    ed_result *r = NULL;
    ed_buffer *buf = NULL;
    ed_time now;
    int64_t months = 0;
    cli_str out = {0};
    int rc = CLI_EXIT_OK;

    if (platinum == ((a->given & OPT_STANDARD) != 0))
        return cli_usage("init: give one of --standard and --platinum");
    if (!(a->given & OPT_ID) || !(a->given & OPT_ENDPOINT) || !(a->given & OPT_NOW))
        return cli_usage("init: needs --id ID, --endpoint URL and --now T");
    if (platinum != ((a->given & OPT_PERIOD) != 0))
        return cli_usage(platinum ? "init: --platinum needs --period-months N"
                                  : "init: --period-months applies to --platinum only");
    if (strcmp(path, "-") == 0)
        return cli_usage("init: the state must be a file to create, not standard output");
    if ((rc = cli_parse_now(opt_value(a, OPT_NOW), &now)) != CLI_EXIT_OK)
        return rc;
    if (platinum && (rc = cli_parse_period(opt_value(a, OPT_PERIOD), &months)) != CLI_EXIT_OK)
        return rc;

    opts = ed_options_new();
    if (!opts) {
        cli_error("io_error", "out of memory");
        return CLI_EXIT_IO;
    }
    if (a->given & OPT_REGION) {
        ed_status st = ed_options_set_string(opts, ED_OPT_REGION, opt_value(a, OPT_REGION));
        if (st != ED_OK) {
            cli_error(ed_status_name(st), "--region: '%s' is not a region (1..64 printable ASCII "
                                          "characters without spaces)",
                      opt_value(a, OPT_REGION));
            ed_options_free(opts);
            return st == ED_NO_MEMORY ? CLI_EXIT_IO : CLI_EXIT_REFUSED;
        }
    }
    /* A period beyond int is refused by the lifecycle's range all the same;
     * it must not wrap into a valid one. */
    if (months > INT_MAX || months < INT_MIN) {
        ed_options_free(opts);
        cli_error(ed_status_name(ED_INVALID_PERIOD),
                  "create refused: period_months %lld is outside 1..36", (long long)months);
        return CLI_EXIT_REFUSED;
    }
    r = platinum ? ed_create_enterprise_platinum(opt_value(a, OPT_ID), opt_value(a, OPT_ENDPOINT),
                                                 now, (int)months, opts)
                 : ed_create_standard(opt_value(a, OPT_ID), opt_value(a, OPT_ENDPOINT), now, opts);
    ed_options_free(opts);
    if (ed_result_status(r) != ED_OK) {
        cli_error(ed_status_name(ed_result_status(r)), "%s", ed_result_message(r));
        rc = ed_result_status(r) == ED_NO_MEMORY ? CLI_EXIT_IO : CLI_EXIT_REFUSED;
        ed_result_free(r);
        return rc;
    }
    buf = ed_buffer_new();
    if (!buf || ed_instance_dump_yaml(ed_result_instance(r), buf) != ED_OK) {
        cli_error("io_error", "%s: cannot serialise the new state: out of memory", path);
        rc = CLI_EXIT_IO;
    } else {
        rc = cli_state_create(path, ed_buffer_data(buf), ed_buffer_len(buf));
    }
    if (rc == CLI_EXIT_OK) {
        const ed_instance *inst = ed_result_instance(r);
        cli_str_puts(&out, "created ");
        cli_str_untrusted_puts(&out, path);
        cli_str_printf(&out, ": %s instance ", ed_edition_name(ed_instance_edition(inst)));
        cli_str_untrusted_puts(&out, ed_instance_id(inst));
        cli_str_puts(&out, ", revision 0\n");
        rc = emit_after_commit(&out);
    }
    cli_str_free(&out);
    ed_buffer_free(buf);
    ed_result_free(r);
    return rc;
}
