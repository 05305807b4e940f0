/*
 * edition: plan, apply, tick and simulate the lifecycle of an instance from
 * the shell. The command line, the outputs and the exit codes are the
 * contract of docs/formats.md; docs/cli.md and docs/edition.1 describe them
 * for users. This file holds the command table, the help and main(); the
 * commands are in cmd_*.c (commands.h).
 */
#include "commands.h"
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

/* ---------------------------------------------------------------------- */
/* Command-line options                                                    */
/* ---------------------------------------------------------------------- */

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
/* option_table has one entry per OPT_ bit */
_Static_assert(sizeof option_table / sizeof option_table[0] == OPTION_COUNT,
               "one option per OPT_ bit");

const char *opt_value(const cli_args *a, unsigned bit)
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
