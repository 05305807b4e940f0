/*
 * edition: plan, apply, tick and simulate the lifecycle of an instance from
 * the shell. The command line, the outputs and the exit codes are the
 * contract of spec formats.md; docs/cli.md and docs/edition.1 describe them
 * for users.
 */
#include "cli.h"
#include "files.h"

#include <errno.h>
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
    OPT_MODE = 1u << 7
};
#define OPT_COMMAND_ARGS (OPT_PERIOD | OPT_ACTION | OPT_NAME | OPT_ALLOW | OPT_MODE)

static const struct option_spec {
    const char *name;
    const char *value; /* NULL for a flag */
    unsigned bit;
    ed_arg arg; /* the command argument it sets, 0 for none */
} option_specs[] = {
    {"--now", "T", OPT_NOW, (ed_arg)0},
    {"--format", "yaml|json|text", OPT_FORMAT, (ed_arg)0},
    {"--effects-out", "FILE", OPT_EFFECTS_OUT, (ed_arg)0},
    {"--period-months", "N", OPT_PERIOD, ED_ARG_PERIOD_MONTHS},
    {"--action", "A", OPT_ACTION, ED_ARG_ACTION},
    {"--name", "N", OPT_NAME, ED_ARG_NAME},
    {"--allow-data-loss", NULL, OPT_ALLOW, ED_ARG_ALLOW_DATA_LOSS},
    {"--mode", "M", OPT_MODE, ED_ARG_MODE},
};
#define OPTION_COUNT (sizeof option_specs / sizeof option_specs[0])

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
        if (option_specs[i].bit == bit)
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

typedef enum cli_format { FORMAT_YAML, FORMAT_JSON, FORMAT_TEXT } cli_format;

/* --format: yaml (the default) and json everywhere it is taken, text where
 * the command has a form for people (`text_ok`). */
static int parse_format(const cli_args *a, bool text_ok, cli_format *out)
{
    const char *f = opt_value(a, OPT_FORMAT);
    *out = FORMAT_YAML;
    if (!f || strcmp(f, "yaml") == 0)
        return CLI_EXIT_OK;
    if (strcmp(f, "json") == 0) {
        *out = FORMAT_JSON;
        return CLI_EXIT_OK;
    }
    if (text_ok && strcmp(f, "text") == 0) {
        *out = FORMAT_TEXT;
        return CLI_EXIT_OK;
    }
    return cli_usage("--format: '%s' is not one of %s", f,
                     text_ok ? "yaml, json, text" : "yaml, json");
}

static int run_show(const cli_args *a)
{
    ed_instance *inst = NULL;
    cli_str out = {0};
    cli_format format;
    int rc = parse_format(a, true, &format);

    if (rc == CLI_EXIT_OK)
        rc = load_state(a->pos[0], &inst);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (format == FORMAT_TEXT) {
        cli_style st = cli_style_for_stdout();
        cli_text_instance(&out, inst, &st);
    } else {
        ed_buffer *buf = ed_buffer_new();
        ed_status (*dump)(const ed_instance *, ed_buffer *) =
            format == FORMAT_JSON ? ed_instance_dump_json : ed_instance_dump_yaml;
        if (!buf || dump(inst, buf) != ED_OK)
            out.failed = true;
        else
            cli_str_append(&out, ed_buffer_data(buf), ed_buffer_len(buf));
        ed_buffer_free(buf);
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
        cli_str_printf(&out, "%s: ok\n", a->pos[0]);
        rc = emit(&out);
        cli_str_free(&out);
    }
    return rc;
}

static int run_next(const cli_args *a)
{
    ed_instance *inst = NULL;
    ed_time deadline;
    cli_str out = {0};
    int rc = load_state(a->pos[0], &inst);

    if (rc != CLI_EXIT_OK)
        return rc;
    if (ed_instance_next_deadline(inst, &deadline))
        cli_str_time(&out, deadline);
    else
        cli_str_puts(&out, "none");
    cli_str_puts(&out, "\n");
    ed_instance_free(inst);
    rc = emit(&out);
    cli_str_free(&out);
    return rc;
}

/* --now T, or the clock when it is left out. */
static int parse_now(const cli_args *a, ed_time *now)
{
    const char *text = opt_value(a, OPT_NOW);
    if (!text) {
        *now = (ed_time)time(NULL);
        return CLI_EXIT_OK;
    }
    if (ed_time_parse(text, strlen(text), now) != ED_OK)
        return cli_usage("--now: '%s' is not an RFC 3339 time such as 2026-02-01T00:00:00Z",
                         text);
    return CLI_EXIT_OK;
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

/* Builds the lifecycle command `name` from the command-line arguments. */
static int build_command(const cli_args *a, const char *name, ed_command **out)
{
    ed_command_kind kind;
    ed_command *cmd;
    ed_status st = ED_OK;

    if (ed_command_kind_from_name(name, &kind) != ED_OK)
        return usage_with_names("COMMAND", name, command_kind_name_of, ED_CMD_UPGRADE);
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_spec *o = &option_specs[i];
        bool given = (a->given & o->bit) != 0;
        if (!o->arg)
            continue;
        if (given && !ed_command_kind_takes(kind, o->arg))
            return cli_usage("%s: the command %s does not take it", o->name, name);
        if (!given && ed_command_kind_requires(kind, o->arg))
            return cli_usage("the command %s needs %s %s", name, o->name,
                             o->value ? o->value : "");
    }

    cmd = ed_command_new(kind);
    if (!cmd) {
        cli_error("io_error", "out of memory");
        return CLI_EXIT_IO;
    }
    if (a->given & OPT_PERIOD) {
        const char *text = opt_value(a, OPT_PERIOD);
        char *end = NULL;
        long long v;
        if (!text)
            text = "";
        errno = 0;
        v = strtoll(text, &end, 10);
        if (*text == '\0' || *end != '\0' || errno == ERANGE) {
            ed_command_free(cmd);
            return cli_usage("--period-months: '%s' is not a whole number", text);
        }
        st = ed_command_set_int(cmd, ED_ARG_PERIOD_MONTHS, v);
    }
    if (st == ED_OK && (a->given & OPT_ACTION)) {
        ed_action action;
        if (ed_action_from_name(opt_value(a, OPT_ACTION), &action) != ED_OK) {
            ed_command_free(cmd);
            return usage_with_names("--action", opt_value(a, OPT_ACTION), action_name_of, 0);
        }
        st = ed_command_set_int(cmd, ED_ARG_ACTION, action);
    }
    if (st == ED_OK && (a->given & OPT_MODE)) {
        ed_plan_mode mode;
        if (ed_plan_mode_from_name(opt_value(a, OPT_MODE), &mode) != ED_OK) {
            ed_command_free(cmd);
            return usage_with_names("--mode", opt_value(a, OPT_MODE), plan_mode_name_of, 0);
        }
        st = ed_command_set_int(cmd, ED_ARG_MODE, mode);
    }
    if (st == ED_OK && (a->given & OPT_ALLOW))
        st = ed_command_set_int(cmd, ED_ARG_ALLOW_DATA_LOSS, 1);
    if (st == ED_OK && (a->given & OPT_NAME))
        st = ed_command_set_string(cmd, ED_ARG_NAME, opt_value(a, OPT_NAME));
    if (st != ED_OK) {
        ed_command_free(cmd);
        cli_error(ed_status_name(st), "cannot build the command %s", name);
        return st == ED_NO_MEMORY ? CLI_EXIT_IO : CLI_EXIT_USAGE;
    }
    *out = cmd;
    return CLI_EXIT_OK;
}

/* The document plan and apply print: the command, the outcome, the
 * snapshot after it (the unchanged one on refusal) and the effects. */
static void outcome_document(cli_str *s, cli_format format, const ed_command *cmd, ed_time now,
                             const ed_result *r, const ed_instance *current)
{
    ed_buffer *buf = ed_buffer_new();
    ed_status (*dump)(ed_buffer *, const ed_command *, ed_time, const ed_result *,
                      const ed_instance *) =
        format == FORMAT_JSON ? ed_result_dump_json : ed_result_dump_yaml;
    if (!buf || dump(buf, cmd, now, r, current) != ED_OK)
        s->failed = true;
    else
        cli_str_append(s, ed_buffer_data(buf), ed_buffer_len(buf));
    ed_buffer_free(buf);
}

/* Records the new snapshot: effects first, then the state file. */
static int commit(const cli_state_file *sf, const char *effects_out, const ed_result *r)
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
    if (effects_out && ed_effect_list_count(effects) > 0) {
        if (ed_effects_dump_yaml(effects, buf) != ED_OK) {
            cli_error("io_error", "%s: cannot serialise the effects: out of memory", effects_out);
            rc = CLI_EXIT_IO;
        } else {
            rc = cli_effects_append(&log, effects_out, ed_buffer_data(buf), ed_buffer_len(buf));
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
    cli_str out = {0};
    char *data = NULL;
    size_t len = 0;
    cli_format format;
    int rc;

    if ((rc = parse_format(a, false, &format)) != CLI_EXIT_OK)
        return rc;
    if ((rc = parse_now(a, &now)) != CLI_EXIT_OK)
        return rc;
    if ((rc = build_command(a, command_name, &cmd)) != CLI_EXIT_OK)
        return rc;
    if (write && strcmp(path, "-") == 0) {
        rc = cli_usage("%s: the state must be a file to replace, not standard input", a->command);
    } else if (write) {
        if ((rc = cli_fault_check()) == CLI_EXIT_OK)
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
    if (ed_result_status(r) != ED_OK) {
        outcome_document(&out, format, cmd, now, r, inst);
        rc = emit(&out);
        cli_error(ed_status_name(ed_result_status(r)), "%s", ed_result_message(r));
        rc = rc == CLI_EXIT_OK ? CLI_EXIT_REFUSED : rc;
        goto done;
    }
    outcome_document(&out, format, cmd, now, r, ed_result_instance(r));
    if (out.failed) {
        cli_error("io_error", "out of memory");
        rc = CLI_EXIT_IO;
        goto done;
    }
    if (write && ed_instance_revision(ed_result_instance(r)) != ed_instance_revision(inst))
        rc = commit(&sf, effects_out, r);
    if (rc == CLI_EXIT_OK)
        rc = emit(&out);

done:
    if (write)
        cli_state_close(&sf);
    cli_str_free(&out);
    ed_result_free(r);
    ed_instance_free(inst);
    ed_command_free(cmd);
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
    int rc = parse_format(a, true, &format);
    bool text = format == FORMAT_TEXT;
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
    if (rc == CLI_EXIT_OK && text) {
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
        if (text) {
            cli_text_step(&out, i + 1, at, cmd, r, before, cur, &style);
            cli_tally_step(&tally, r);
        } else {
            ed_buffer_clear(buf);
            if (format == FORMAT_JSON) {
                /* One line per step: JSON Lines, no document markers. */
                if (ed_step_dump_json(buf, i + 1, at, cmd, r, cur) != ED_OK)
                    out.failed = true;
                else
                    cli_str_append(&out, ed_buffer_data(buf), ed_buffer_len(buf));
            } else if (ed_step_dump_yaml(buf, i + 1, at, cmd, r, cur) != ED_OK) {
                out.failed = true;
            } else {
                if (strncmp(ed_buffer_data(buf), "---", 3) != 0)
                    cli_str_puts(&out, "---\n");
                cli_str_append(&out, ed_buffer_data(buf), ed_buffer_len(buf));
            }
        }
        rc = emit(&out);
        cli_str_free(&out);
        ed_instance_free(before);
        ed_result_free(r);
    }
    if (rc == CLI_EXIT_OK && text) {
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
     "Loads STATE strictly and prints it: as the full state file (yaml, the default,\n"
     "or json on one line) or as a summary for people (text). STATE may be - for\n"
     "standard input.\n",
     OPT_FORMAT, 1, 1, run_show},
    {"check", "check STATE", "validate a state file",
     "Loads STATE strictly. Prints \"STATE: ok\" and exits 0 when it is valid;\n"
     "otherwise prints the error with its line and column and exits 1.\n",
     0, 1, 1, run_check},
    {"plan", "plan STATE COMMAND [ARGS] [--now T] [--format yaml|json]", "dry run of a command",
     "Runs COMMAND on the snapshot in STATE at time T (default: now) and prints the\n"
     "outcome: status, the snapshot after it and the effects (on a refusal: the\n"
     "message and, for data_loss_refused, the effects that would have happened).\n"
     "Writes nothing. Exits 1 when the lifecycle refuses the command. --format json\n"
     "prints the same document as one line of JSON.\n",
     OPT_NOW | OPT_FORMAT | OPT_COMMAND_ARGS, 2, 2, run_plan},
    {"apply", "apply STATE COMMAND [ARGS] [--now T] [--effects-out FILE] [--format yaml|json]",
     "run a command",
     "Like plan, then records the outcome: appends the effects to FILE as one whole\n"
     "YAML document, then replaces STATE atomically (temporary file, fsync, rename,\n"
     "fsync of the directory). An exclusive lock on STATE.lock is held from reading\n"
     "to writing, so concurrent runs take turns. A refusal or an error writes\n"
     "nothing. --format picks the syntax of the printed outcome; STATE and FILE stay\n"
     "YAML.\n",
     OPT_NOW | OPT_FORMAT | OPT_EFFECTS_OUT | OPT_COMMAND_ARGS, 2, 2, run_apply},
    {"tick", "tick STATE [--now T] [--effects-out FILE] [--format yaml|json]", "apply what is due",
     "The same as 'apply STATE tick': carries out every time-driven transition due\n"
     "at T (expiry, release).\n",
     OPT_NOW | OPT_FORMAT | OPT_EFFECTS_OUT, 1, 1, run_tick},
    {"next", "next STATE", "print the next deadline",
     "Prints the time at which tick next has something to do, or \"none\".\n", 0, 1, 1,
     run_next},
    {"simulate", "simulate SCENARIO [--format yaml|json|text]", "run a scenario",
     "Validates the whole scenario file, then runs every step from the last\n"
     "accepted snapshot and prints one YAML document per step (yaml, the default),\n"
     "one JSON line per step (json: JSON Lines) or a timeline for people (text).\n"
     "A refused step is reported and the scenario goes on; simulate exits 0 when\n"
     "every step ran.\n",
     OPT_FORMAT, 1, 1, run_simulate},
    {"graph", "graph", "print the lifecycle as a Graphviz graph",
     "Prints the lifecycle as a DOT graph: the states and, per command, the\n"
     "transitions with their guards, found by running the library's transitions.\n",
     0, 0, 0, run_graph},
    {"help", "help [COMMAND]", "describe the commands", "Describes edition or one command.\n",
     0, 0, 1, run_help},
    {"--version", "--version", "print the version", "Prints the versions of edition and libedition.\n",
     0, 0, 0, run_version},
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static const command_spec *find_command(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_options(cli_str *out, unsigned options)
{
    static const char *const descriptions[OPTION_COUNT] = {
        "the time of the command, RFC 3339 (default: the current time)",
        "yaml (the default) or text",
        "append the effects to FILE, one YAML document per run",
        "months to buy: upgrade, renew",
        "delete_resource or downgrade_to_standard: set_post_expiration_action",
        "topic name or group ID: add_topic, remove_topic, add_group, remove_group",
        "let refund delete every topic and group: refund",
        "immediate or at_expiry: plan_downgrade",
    };
    if (!options)
        return;
    cli_str_puts(out, "\noptions:\n");
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_spec *o = &option_specs[i];
        size_t width;
        if (!(options & o->bit))
            continue;
        width = strlen(o->name) + (o->value ? strlen(o->value) + 1 : 0);
        cli_str_printf(out, "  %s%s%s%*s %s\n", o->name, o->value ? " " : "",
                       o->value ? o->value : "", width < 22 ? (int)(22 - width) : 0, "",
                       descriptions[i]);
    }
}

static void print_lifecycle_commands(cli_str *out)
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

static void print_command_help(cli_str *out, const command_spec *c)
{
    cli_str_printf(out, "usage: edition %s\n\n%s", c->synopsis, c->help);
    if (c->options & OPT_COMMAND_ARGS)
        print_lifecycle_commands(out);
    print_options(out, c->options);
}

static void print_help(cli_str *out)
{
    cli_str_puts(out, "usage: edition COMMAND ...\n\n"
                      "Plan, apply, tick and simulate the edition lifecycle of an ApsaraMQ for\n"
                      "RocketMQ instance (libedition).\n\ncommands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        cli_str_printf(out, "  %-58s %s\n", commands[i].synopsis, commands[i].summary);
    cli_str_puts(out, "\nexit codes: 0 ok; 1 refused (nothing changed); 2 usage error;\n"
                      "3 invalid input file; 4 I/O error.\n"
                      "'edition help COMMAND' describes one command; man edition describes all.\n");
}

/* ---------------------------------------------------------------------- */
/* Parsing                                                                 */
/* ---------------------------------------------------------------------- */

static int parse_args(int argc, char **argv, const command_spec *c, cli_args *a)
{
    bool options_done = false;

    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        const struct option_spec *o = NULL;
        const char *value = NULL;
        size_t k;

        if (options_done || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (a->npos == c->max_pos)
                return cli_usage("%s: unexpected argument '%s'", c->name, arg);
            a->pos[a->npos++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_done = true;
            continue;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            a->help = true;
            continue;
        }
        for (k = 0; k < OPTION_COUNT; k++) {
            size_t n = strlen(option_specs[k].name);
            if (strncmp(arg, option_specs[k].name, n) == 0 && (arg[n] == '\0' || arg[n] == '=')) {
                o = &option_specs[k];
                value = arg[n] == '=' ? arg + n + 1 : NULL;
                break;
            }
        }
        if (!o)
            return cli_usage("%s: unknown option '%s'", c->name, arg);
        if (!(c->options & o->bit))
            return cli_usage("%s: the option %s does not apply here", c->name, o->name);
        if (a->given & o->bit)
            return cli_usage("%s: %s given twice", c->name, o->name);
        if (o->value && !value) {
            if (i + 1 >= argc)
                return cli_usage("%s: %s needs a value %s", c->name, o->name, o->value);
            value = argv[++i];
        } else if (!o->value && value) {
            return cli_usage("%s: %s takes no value", c->name, o->name);
        }
        a->given |= o->bit;
        a->value[k] = value;
    }
    if (!a->help && a->npos < c->min_pos)
        return cli_usage("%s: missing arguments; usage: edition %s", c->name, c->synopsis);
    return CLI_EXIT_OK;
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
    return c->run(&a);
}
