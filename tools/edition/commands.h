/*
 * What the files of the `edition` command share: its options, the parsed
 * command line, and the commands of each group (cmd_state.c,
 * cmd_transition.c, cmd_simulate.c) that main.c's table runs.
 */
#ifndef EDITION_COMMANDS_H
#define EDITION_COMMANDS_H

#include "cli.h"
#include "command_args.h"
#include "files.h"


/* The options of every command: bit i is option_table[i] (main.c). */
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
#define OPTION_COUNT 13

typedef struct cli_args {
    const char *command;
    const char *pos[3];
    size_t npos;
    unsigned given;
    const char *value[OPTION_COUNT];
    bool help;
} cli_args;

/* The value of the option `bit`, NULL when not given. */
const char *opt_value(const cli_args *a, unsigned bit);

/* Output formats. A new one is a new case in parse_format and in the
 * switches of the commands that print. */
typedef enum cli_format { CLI_FORMAT_YAML, CLI_FORMAT_JSON, CLI_FORMAT_TEXT } cli_format;

/* shared.c */
int load_state(const char *path, ed_instance **out);
int emit(const cli_str *s);
int emit_after_commit(const cli_str *s);
int parse_format(const cli_args *a, cli_format *out);

/* The commands (cmd_*.c), run by main.c's table. */
int run_show(const cli_args *a);
int run_check(const cli_args *a);
int run_next(const cli_args *a);
int run_init(const cli_args *a);
int run_plan(const cli_args *a);
int run_apply(const cli_args *a);
int run_tick(const cli_args *a);
int run_simulate(const cli_args *a);

#endif /* EDITION_COMMANDS_H */
