/*
 * edition: plan, apply, tick and simulate the lifecycle of an instance from
 * the shell. The command line, the outputs and the exit codes are the
 * contract of docs/formats.md; docs/cli.md and docs/edition.1 describe them
 * for users.
 */
#include "cli.h"
#include "command_args.h"
#include "files.h"
#include "fleet.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef EDITION_VERSION
#error "the build defines EDITION_VERSION"
#endif

/* The library's default largest document; reading one byte more lets the
 * library refuse a larger file with limit_exceeded itself. */
#define READ_LIMIT ((size_t)64 << 20)

/* ---------------------------------------------------------------------- */
/* Command-line options                                                    */
/* ---------------------------------------------------------------------- */

enum {
    OPT_NOW = 1u << 0,
    OPT_FORMAT = 1u << 1,
    OPT_EFFECTS_OUT = 1u << 2,
    OPT_PERIOD = 1u << 3,
    OPT_ACTION = 1u << 4,
    OPT_NAME = 1u << 5,
    OPT_ALLOW = 1u << 6,
    OPT_MODE = 1u << 7,
    OPT_STANDARD = 1u << 8,
    OPT_PLATINUM = 1u << 9,
    OPT_ID = 1u << 10,
    OPT_ENDPOINT = 1u << 11,
    OPT_REGION = 1u << 12
};
#define OPT_COMMAND_ARGS (OPT_PERIOD | OPT_ACTION | OPT_NAME | OPT_ALLOW | OPT_MODE)
#define OPT_COMMAND_FIRST 3 /* the index of CLI_COMMAND_OPTIONS in option_table */

/* The options of every command, in the order of the OPT_ bits. */
static const cli_option option_table[] = {
    {"--now", "T", "the time, RFC 3339 (default: the current time; init needs it)"},
    {"--format", "yaml|json|text", "yaml (the default) or text"},
    {"--effects-out", "FILE", "append the effects to FILE, one YAML document per run"},
    CLI_COMMAND_OPTIONS,
    {"--standard", NULL, "init: a Standard Edition instance"},
    {"--platinum", NULL, "init: an Enterprise Platinum instance (with --period-months)"},
    {"--id", "ID", "init: the instance ID"},
    {"--endpoint", "URL", "init: the instance's endpoint"},
    {"--region", "R", "init: the instance's region (optional)"},
};
#define OPTION_COUNT (sizeof option_table / sizeof option_table[0])

typedef struct cli_args {
    const char *command;
    const char *pos[3];
    size_t npos;
    unsigned given;
    const char *value[OPTION_COUNT];
    bool help;
} cli_args;

static const char *opt_value(const cli_args *a, unsigned bit)
{
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (bit == 1u << i)
            return a->value[i];
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Commands                                                                */
/* ---------------------------------------------------------------------- */

typedef int (*run_fn)(const cli_args *a);

typedef struct command_spec {
    const char *name;
    const char *synopsis;
    const char *summary;
    const char *help;
    unsigned options;
    size_t min_pos, max_pos;
    run_fn run;
    /* A command with a table of subcommands of its own (fleet) gets the
     * command line from its name on, and parses it itself. */
    int (*run_nested)(int argc, char **argv);
} command_spec;

static const command_spec *find_command(const char *name);
static void print_help(cli_str *out);
static void print_command_help(cli_str *out, const command_spec *c);

/* Reads and loads a state file; prints the error and returns its exit
 * code on failure. */
static int load_state(const char *path, ed_instance **out)
{
    char *data = NULL;
    size_t len = 0;
    ed_error *err = NULL;
    ed_status st;
    int rc = cli_read_input(path, READ_LIMIT, &data, &len);

    if (rc != CLI_EXIT_OK)
        return rc;
    st = ed_instance_load_yaml(out, data, len, NULL, &err);
    free(data);
    if (st != ED_OK) {
        rc = cli_load_error(path, st, err);
        ed_error_free(err);
        return rc;
    }
    return CLI_EXIT_OK;
}

/* Writes the output, or reports that standard output failed. */
static int emit(const cli_str *s)
{
    if (s->failed) {
        cli_error("io_error", "standard output: out of memory");
        return CLI_EXIT_IO;
    }
    if (!cli_str_write(s, stdout) || fflush(stdout) != 0) {
        cli_error("io_error", "standard output: cannot write: %s", strerror(errno));
        return CLI_EXIT_IO;
    }
    return CLI_EXIT_OK;
}

/* Writes the report of a command whose outcome is already saved. Its
 * failure (a full disk, a closed pipe) must not read as "nothing changed":
 * running the command again would apply it twice. */
static int emit_after_commit(const cli_str *s)
{
    int e = 0;

    errno = 0;
    if (s->failed)
        e = ENOMEM;
    else if (!cli_str_write(s, stdout) || fflush(stdout) != 0)
        e = errno ? errno : EIO;
    if (!e)
        return CLI_EXIT_OK;
    cli_error("io_error",
              "standard output: %s: applied and saved, but its report could not be written: "
              "do not retry",
              strerror(e));
    return CLI_EXIT_APPLIED;
}

/* Output formats. A new one is a new case in parse_format and in the
 * switches of the commands that print. */
typedef enum cli_format { CLI_FORMAT_YAML, CLI_FORMAT_JSON, CLI_FORMAT_TEXT } cli_format;

static int parse_format(const cli_args *a, cli_format *out)
{
    static const struct {
        const char *name;
        cli_format format;
    } formats[] = {{"yaml", CLI_FORMAT_YAML}, {"json", CLI_FORMAT_JSON}, {"text", CLI_FORMAT_TEXT}};
    const char *f = opt_value(a, OPT_FORMAT);

    *out = CLI_FORMAT_YAML;
    if (!f)
        return CLI_EXIT_OK;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (strcmp(f, formats[i].name) == 0) {
            *out = formats[i].format;
            return CLI_EXIT_OK;
        }
    }
    return cli_usage("--format: unknown format '%s' (one of: yaml, json, text)", f);
}

static int run_show(const cli_args *a)
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

static int run_check(const cli_args *a)
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

static int run_next(const cli_args *a)
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

/* The report plan and apply print: the command, the outcome, the
 * snapshot after it (the unchanged one on refusal) and the effects. */
static void outcome_report(cli_str *s, cli_format format, const char *path, const ed_command *cmd,
                           ed_time now, const ed_result *r, const ed_instance *before,
                           const ed_instance *current)
{
    switch (format) {
    case CLI_FORMAT_TEXT: {
        cli_style st = cli_style_for_stdout();
        cli_text_outcome(s, path, now, cmd, r, before, current, &st);
        break;
    }
    case CLI_FORMAT_YAML:
    case CLI_FORMAT_JSON: {
        ed_buffer *buf = ed_buffer_new();
        ed_status (*dump)(ed_buffer *, const ed_command *, ed_time, const ed_result *,
                          const ed_instance *) =
            format == CLI_FORMAT_JSON ? ed_result_dump_json : ed_result_dump_yaml;
        if (!buf || dump(buf, cmd, now, r, current) != ED_OK)
            s->failed = true;
        else
            cli_str_append(s, ed_buffer_data(buf), ed_buffer_len(buf));
        ed_buffer_free(buf);
        break;
    }
    }
}

static bool write_stdout(void *ctx, const char *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len;
}

/* plan's YAML or JSON report, written to standard output as the library
 * writes it: a plan of millions of effects never sits in memory whole. */
static int stream_report(cli_format format, const ed_command *cmd, ed_time now,
                         const ed_result *r, const ed_instance *current)
{
    ed_status (*write)(ed_write_fn, void *, const ed_command *, ed_time, const ed_result *,
                       const ed_instance *) =
        format == CLI_FORMAT_JSON ? ed_result_write_json : ed_result_write_yaml;
    errno = 0;
    ed_status st = write(write_stdout, stdout, cmd, now, r, current);
    if (st == ED_OK && fflush(stdout) == 0)
        return CLI_EXIT_OK;
    if (st == ED_NO_MEMORY)
        cli_error("io_error", "standard output: out of memory");
    else
        cli_error("io_error", "standard output: cannot write: %s", strerror(errno));
    return CLI_EXIT_IO;
}

/* Records the new snapshot: effects first, then the state file. `before`
 * is the snapshot the state file holds now: effects of a higher revision in
 * the log were left by a crashed run and are dropped on the way. */
static int commit(const cli_state_file *sf, const char *effects_out, const ed_instance *before,
                  const ed_result *r)
{
    const ed_instance *next = ed_result_instance(r);
    const ed_effect_list *effects = ed_result_effects(r);
    cli_effects_log log = {.lock_fd = -1};
    ed_buffer *buf = ed_buffer_new();
    bool replaced = false;
    int rc = CLI_EXIT_OK;

    if (!buf) {
        cli_error("io_error", "%s: out of memory", sf->path);
        return CLI_EXIT_IO;
    }
    /* Also without effects of its own: a new revision must not be saved
     * while the log still holds a crashed run's effects under its keys. */
    if (effects_out) {
        bool any = ed_effect_list_count(effects) > 0;
        if (any && ed_effects_dump_yaml(effects, buf) != ED_OK) {
            cli_error("io_error", "%s: cannot serialise the effects: out of memory", effects_out);
            rc = CLI_EXIT_IO;
        } else {
            rc = cli_effects_append(&log, effects_out, any ? ed_buffer_data(buf) : NULL,
                                    any ? ed_buffer_len(buf) : 0, ed_instance_id(before),
                                    ed_instance_revision(before));
        }
    }
    if (rc == CLI_EXIT_OK) {
        ed_buffer_clear(buf);
        if (ed_instance_dump_yaml(next, buf) != ED_OK) {
            cli_error("io_error", "%s: cannot serialise the new state: out of memory", sf->path);
            rc = CLI_EXIT_IO;
        } else {
            rc = cli_state_replace(sf, ed_buffer_data(buf), ed_buffer_len(buf), &replaced);
        }
        /* Effects of a revision the state file never reached would give
         * their keys to other effects later. */
        if (rc != CLI_EXIT_OK && !replaced)
            cli_effects_rollback(&log);
        if (rc != CLI_EXIT_OK && replaced) {
            cli_error("io_error", "%s: applied and saved, but it may not survive a power loss: "
                                  "do not retry",
                      sf->path);
            rc = CLI_EXIT_APPLIED;
        }
    }
    cli_effects_close(&log);
    ed_buffer_free(buf);
    return rc;
}

/* plan, apply and tick: one command on a state file. */
static int transition(const cli_args *a, const char *command_name, bool write)
{
    const char *path = a->pos[0];
    const char *effects_out = opt_value(a, OPT_EFFECTS_OUT);
    cli_state_file sf = {.lock_fd = -1};
    ed_command *cmd = NULL;
    ed_instance *inst = NULL;
    ed_result *r = NULL;
    ed_time now;
    cli_format format;
    cli_str out = {0};
    char *data = NULL;
    size_t len = 0;
    int rc;

    if ((rc = parse_format(a, &format)) != CLI_EXIT_OK)
        return rc;
    if ((rc = cli_parse_now(opt_value(a, OPT_NOW), &now)) != CLI_EXIT_OK)
        return rc;
    if ((rc = cli_build_command(a->given >> OPT_COMMAND_FIRST, &a->value[OPT_COMMAND_FIRST],
                                 command_name, &cmd)) != CLI_EXIT_OK)
        return rc;
    if (write && strcmp(path, "-") == 0) {
        rc = cli_usage("%s: the state must be a file to replace, not standard input", a->command);
    } else if (write) {
        if ((rc = cli_fault_check()) == CLI_EXIT_OK)
            rc = cli_effects_check_target(path, effects_out);
        if (rc == CLI_EXIT_OK)
            rc = cli_state_open(&sf, path, READ_LIMIT, &data, &len);
    } else {
        rc = cli_read_input(path, READ_LIMIT, &data, &len);
    }
    if (rc == CLI_EXIT_OK) {
        ed_error *err = NULL;
        ed_status st = ed_instance_load_yaml(&inst, data, len, NULL, &err);
        if (st != ED_OK)
            rc = cli_load_error(path, st, err);
        ed_error_free(err);
    }
    free(data);
    if (rc != CLI_EXIT_OK)
        goto done;

    r = ed_command_apply(cmd, inst, now);
    /* plan changes nothing: its report streams out */
    bool stream = !write && format != CLI_FORMAT_TEXT;
    if (ed_result_status(r) != ED_OK) {
        if (stream) {
            rc = stream_report(format, cmd, now, r, inst);
        } else {
            outcome_report(&out, format, path, cmd, now, r, inst, inst);
            rc = emit(&out);
        }
        cli_error(ed_status_name(ed_result_status(r)), "%s", ed_result_message(r));
        rc = rc == CLI_EXIT_OK ? CLI_EXIT_REFUSED : rc;
        goto done;
    }
    if (stream) {
        rc = stream_report(format, cmd, now, r, ed_result_instance(r));
        goto done;
    }
    outcome_report(&out, format, path, cmd, now, r, inst, ed_result_instance(r));
    if (out.failed) {
        cli_error("io_error", "out of memory");
        rc = CLI_EXIT_IO;
        goto done;
    }
    if (write && ed_instance_revision(ed_result_instance(r)) != ed_instance_revision(inst)) {
        rc = commit(&sf, effects_out, inst, r);
        if (rc == CLI_EXIT_OK)
            rc = emit_after_commit(&out);
        else if (rc == CLI_EXIT_APPLIED)
            (void)emit_after_commit(&out);
    } else {
        rc = emit(&out);
    }

done:
    if (write)
        cli_state_close(&sf);
    cli_str_free(&out);
    ed_result_free(r);
    ed_instance_free(inst);
    ed_command_free(cmd);
    return rc;
}

/* init: a new state file, so that nobody writes one by hand. */
static int run_init(const cli_args *a)
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

static int run_plan(const cli_args *a)
{
    return transition(a, a->pos[1], false);
}

static int run_apply(const cli_args *a)
{
    return transition(a, a->pos[1], true);
}

static int run_tick(const cli_args *a)
{
    return transition(a, ed_command_kind_name(ED_CMD_TICK), true);
}

static int run_simulate(const cli_args *a)
{
    const char *path = a->pos[0];
    ed_scenario *sc = NULL;
    ed_error *err = NULL;
    ed_instance *cur;
    ed_buffer *buf;
    cli_style style = cli_style_for_stdout();
    cli_tally tally = {0, 0, 0, 0};
    char *data = NULL;
    size_t len = 0;
    cli_format format;
    int rc = parse_format(a, &format);
    ed_status st;

    if (rc == CLI_EXIT_OK)
        rc = cli_read_input(path, READ_LIMIT, &data, &len);
    if (rc != CLI_EXIT_OK)
        return rc;
    st = ed_scenario_load_yaml(&sc, data, len, NULL, &err);
    free(data);
    if (st != ED_OK) {
        rc = cli_load_error(path, st, err);
        ed_error_free(err);
        return rc;
    }

    buf = ed_buffer_new();
    cur = ed_instance_ref(ed_scenario_instance(sc));
    if (!buf) {
        cli_error("io_error", "out of memory");
        rc = CLI_EXIT_IO;
    }
    if (rc == CLI_EXIT_OK && format == CLI_FORMAT_TEXT) {
        cli_str out = {0};
        cli_text_timeline_start(&out, path, ed_scenario_step_count(sc), cur, &style);
        rc = emit(&out);
        cli_str_free(&out);
    }
    for (size_t i = 0; rc == CLI_EXIT_OK && i < ed_scenario_step_count(sc); i++) {
        const ed_command *cmd = ed_scenario_step_command(sc, i);
        ed_time at = ed_scenario_step_at(sc, i);
        ed_result *r = ed_command_apply(cmd, cur, at);
        ed_instance *before = cur;
        cli_str out = {0};

        if (ed_result_status(r) == ED_OK)
            cur = ed_instance_ref(ed_result_instance(r));
        else
            ed_instance_ref(before);
        switch (format) {
        case CLI_FORMAT_TEXT:
            cli_text_step(&out, i + 1, at, cmd, r, before, cur, &style);
            cli_tally_step(&tally, r);
            break;
        case CLI_FORMAT_YAML:
            ed_buffer_clear(buf);
            if (ed_step_dump_yaml(buf, i + 1, at, cmd, r, cur) != ED_OK) {
                out.failed = true;
            } else {
                if (strncmp(ed_buffer_data(buf), "---", 3) != 0)
                    cli_str_puts(&out, "---\n");
                cli_str_append(&out, ed_buffer_data(buf), ed_buffer_len(buf));
            }
            break;
        case CLI_FORMAT_JSON:
            /* JSON Lines: each step document is one line */
            ed_buffer_clear(buf);
            if (ed_step_dump_json(buf, i + 1, at, cmd, r, cur) != ED_OK)
                out.failed = true;
            else
                cli_str_append(&out, ed_buffer_data(buf), ed_buffer_len(buf));
            break;
        }
        rc = emit(&out);
        cli_str_free(&out);
        ed_instance_free(before);
        ed_result_free(r);
    }
    if (rc == CLI_EXIT_OK && format == CLI_FORMAT_TEXT) {
        cli_str out = {0};
        cli_text_timeline_end(&out, &tally, &style);
        rc = emit(&out);
        cli_str_free(&out);
    }
    ed_instance_free(cur);
    ed_buffer_free(buf);
    ed_scenario_free(sc);
    return rc;
}

static int run_graph(const cli_args *a)
{
    (void)a;
    return cli_graph(stdout);
}

static int run_version(const cli_args *a)
{
    cli_str out = {0};
    int rc;

    (void)a;
    cli_str_printf(&out, "edition %s (libedition %s)\n", EDITION_VERSION, ed_version());
    rc = emit(&out);
    cli_str_free(&out);
    return rc;
}

static int run_help(const cli_args *a)
{
    cli_str out = {0};
    int rc;

    if (a->npos == 0) {
        print_help(&out);
    } else {
        const command_spec *c = find_command(a->pos[0]);
        if (!c)
            return cli_usage("help: unknown command '%s'", a->pos[0]);
        print_command_help(&out, c);
    }
    rc = emit(&out);
    cli_str_free(&out);
    return rc;
}

static const command_spec commands[] = {
    {"show", "show STATE [--format yaml|json|text]", "validate and print a state file",
     "Loads STATE strictly and prints it: as the full state file (yaml, the default)\n"
     "or as a summary for people (text). STATE may be - for standard input.\n",
     OPT_FORMAT, 1, 1, run_show, NULL},
    {"check", "check STATE", "validate a state file",
     "Loads STATE strictly. Prints \"STATE: ok\" and exits 0 when it is valid;\n"
     "otherwise prints the error with its line and column and exits 1.\n",
     0, 1, 1, run_check, NULL},
    {"init",
     "init STATE --standard|--platinum --id ID --endpoint URL [--period-months N] "
     "[--region R] --now T",
     "create a new state file",
     "Creates the state file STATE for a new instance, created at T: Standard\n"
     "Edition, or Enterprise Platinum subscribed for N months from T (action\n"
     "delete_resource). Never replaces an existing file: STATE must not exist\n"
     "(exit 1, exists). The file is written whole (temporary file, fsync, link).\n",
     OPT_STANDARD | OPT_PLATINUM | OPT_ID | OPT_ENDPOINT | OPT_PERIOD | OPT_REGION | OPT_NOW, 1,
     1, run_init, NULL},
    {"plan", "plan STATE COMMAND [ARGS] [--now T] [--format yaml|json|text]", "dry run of a command",
     "Runs COMMAND on the snapshot in STATE at time T (default: now) and prints the\n"
     "outcome: status, the snapshot after it and the effects (on a refusal: the\n"
     "message and, for data_loss_refused, the effects that would have happened).\n"
     "Writes nothing. Exits 1 when the lifecycle refuses the command.\n",
     OPT_NOW | OPT_FORMAT | OPT_COMMAND_ARGS, 2, 2, run_plan, NULL},
    {"apply", "apply STATE COMMAND [ARGS] [--now T] [--effects-out FILE] [--format yaml|json|text]",
     "run a command",
     "Like plan, then records the outcome: appends the effects to FILE as one whole\n"
     "YAML document, then replaces STATE atomically (temporary file, fsync, rename,\n"
     "fsync of the directory). An exclusive lock on STATE.lock is held from reading\n"
     "to writing, so concurrent runs take turns. A refusal or an error writes\n"
     "nothing. Effects left in FILE by a run that crashed before saving the state\n"
     "(revisions above the state's) are dropped, with a warning. Exits 5 when the\n"
     "command was applied and saved but its report could not be written: do not\n"
     "run it again.\n",
     OPT_NOW | OPT_EFFECTS_OUT | OPT_FORMAT | OPT_COMMAND_ARGS, 2, 2, run_apply, NULL},
    {"tick", "tick STATE [--now T] [--effects-out FILE] [--format yaml|json|text]",
     "apply what is due",
     "The same as 'apply STATE tick': carries out every time-driven transition due\n"
     "at T (expiry, release).\n",
     OPT_NOW | OPT_EFFECTS_OUT | OPT_FORMAT, 1, 1, run_tick, NULL},
    {"next", "next STATE [--now T]", "print the next deadline",
     "Prints the time at which tick next has something to do, or \"none\". When\n"
     "that time is not after T (default: now), says so after it: \"(overdue by 3\n"
     "days: run edition tick)\" or \"(due now: run edition tick)\".\n",
     OPT_NOW, 1, 1, run_next, NULL},
    {"simulate", "simulate SCENARIO [--format yaml|json|text]", "run a scenario",
     "Validates the whole scenario file, then runs every step from the last\n"
     "accepted snapshot and prints one YAML document per step (yaml, the default)\n"
     "or a timeline for people (text). A refused step is reported and the scenario\n"
     "goes on; simulate exits 0 when every step ran.\n",
     OPT_FORMAT, 1, 1, run_simulate, NULL},
    {"fleet", "fleet SUBCOMMAND DB ...", "a fleet of instances in SQLite or PostgreSQL",
     "Keeps many instances in a database (a SQLite file or a postgresql:// URI) with\n"
     "an outbox of their effects: init, add, show, list, apply, tick, dispatch, run,\n"
     "effects, retry, stats. 'edition fleet help' lists them; docs/fleet.md.\n",
     0, 0, 0, NULL, cli_fleet},
    {"graph", "graph", "print the lifecycle as a Graphviz graph",
     "Prints the lifecycle as a DOT graph: the states and, per command, the\n"
     "transitions with their guards, found by running the library's transitions.\n",
     0, 0, 0, run_graph, NULL},
    {"help", "help [COMMAND]", "describe the commands", "Describes edition or one command.\n",
     0, 0, 1, run_help, NULL},
    {"--version", "--version", "print the version", "Prints the versions of edition and libedition.\n",
     0, 0, 0, run_version, NULL},
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static const command_spec *find_command(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* What a command accepts, for the parser and its --help. */
static cli_command_line command_line_of(const command_spec *c)
{
    cli_command_line line = {c->name, c->synopsis, option_table, OPTION_COUNT, c->options,
                             c->min_pos, c->max_pos, NULL, NULL, NULL};
    return line;
}

static void print_command_help(cli_str *out, const command_spec *c)
{
    cli_str_printf(out, "usage: edition %s\n\n%s", c->synopsis, c->help);
    cli_command_line line = command_line_of(c);
    if ((c->options & OPT_COMMAND_ARGS) == OPT_COMMAND_ARGS)
        cli_print_lifecycle_commands(out);
    cli_print_options(out, &line);
}

static void print_help(cli_str *out)
{
    cli_str_puts(out, "usage: edition COMMAND ...\n\n"
                      "Plan, apply, tick and simulate the edition lifecycle of an ApsaraMQ for\n"
                      "RocketMQ instance (libedition).\n\ncommands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        if (strlen(commands[i].synopsis) <= 58)
            cli_str_printf(out, "  %-58s %s\n", commands[i].synopsis, commands[i].summary);
        else
            cli_str_printf(out, "  %s\n  %-58s %s\n", commands[i].synopsis, "",
                           commands[i].summary);
    }
    cli_str_puts(out, "\nexit codes: 0 ok; 1 refused (nothing changed); 2 usage error;\n"
                      "3 invalid input file; 4 I/O error (nothing changed); 5 applied and\n"
                      "saved, but the report could not be written (do not retry).\n"
                      "'edition help COMMAND' describes one command; man edition describes all.\n");
}

/* ---------------------------------------------------------------------- */
/* Parsing                                                                 */
/* ---------------------------------------------------------------------- */

/* Parses the command line of `c` (argv[2..]) with the one parser of
 * args.h into `a`. */
static int parse_line(int argc, char **argv, const cli_command_line *line, cli_args *a)
{
    cli_parsed p;
    int rc = cli_parse(argc, argv, 2, line, &p);

    if (rc == CLI_EXIT_OK) {
        for (size_t i = 0; i < p.npos && i < sizeof a->pos / sizeof a->pos[0]; i++)
            a->pos[i] = p.pos[i];
        a->npos = p.npos;
        a->given = (unsigned)p.given;
        for (size_t i = 0; i < OPTION_COUNT; i++)
            a->value[i] = p.value[i];
        a->help = p.help;
    }
    cli_parsed_free(&p);
    return rc;
}

static int parse_args(int argc, char **argv, const command_spec *c, cli_args *a)
{
    cli_command_line line = command_line_of(c);
    return parse_line(argc, argv, &line, a);
}

int main(int argc, char **argv)
{
    const command_spec *c;
    cli_args a;
    int rc;

    if (argc < 2)
        return cli_usage("no command given");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return run_help(&(cli_args){0});
    c = find_command(argv[1]);
    if (!c)
        return cli_usage("unknown command '%s'", argv[1]);
    if (c->run_nested)
        return c->run_nested(argc - 1, argv + 1);
    memset(&a, 0, sizeof a);
    a.command = c->name;
    rc = parse_args(argc, argv, c, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a.help) {
        cli_args topic = {0};
        topic.pos[0] = c->name;
        topic.npos = 1;
        return run_help(&topic);
    }
    /* A closed pipe must not kill a command that writes files between
     * saving the state and reporting it: the write fails with EPIPE
     * instead, and the command exits 5 (applied, report lost). The other
     * commands change nothing and keep the default: `edition simulate |
     * head` ends quietly, as filters do. */
    if (c->run == run_apply || c->run == run_tick || c->run == run_init)
        (void)signal(SIGPIPE, SIG_IGN);
    return c->run(&a);
}
