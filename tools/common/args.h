/*
 * The one command-line parser of `edition` and `edition fleet`: every
 * command and subcommand takes `--opt value` and `--opt=value`, `--help`
 * (or -h), and `--` to end the options, and the same mistake gives the same
 * message everywhere.
 */
#ifndef EDITION_COMMON_ARGS_H
#define EDITION_COMMON_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output.h"

/* The most options one table may hold: bit i of a mask is option i. */
#define CLI_MAX_OPTIONS 64

/* max_pos of a command that takes any number of positional arguments. */
#define CLI_ANY SIZE_MAX

/* One option of a program's table. */
typedef struct cli_option {
    const char *name;  /* "--now" */
    const char *value; /* its value's placeholder ("T"); NULL for a flag */
    const char *help;  /* one line for --help */
} cli_option;

/* What one command accepts. */
typedef struct cli_command_line {
    const char *name;     /* as messages name it: "tick", "fleet tick" */
    const char *synopsis; /* its usage, after "edition " */
    const cli_option *table;
    size_t table_len;
    uint64_t options;        /* bit i: table[i] applies to this command */
    size_t min_pos, max_pos; /* positional arguments; max_pos CLI_ANY: any number */
    /* The first positional argument may be left out and taken from this
     * environment variable (NULL: it may not); `first_name` names it in
     * messages. For a command with any number of positional arguments,
     * `is_first` tells whether the first one given is that argument. */
    const char *first_from_env;
    const char *first_name;
    bool (*is_first)(const char *arg);
} cli_command_line;

typedef struct cli_parsed {
    const char **pos; /* the positional arguments (owned: cli_parsed_free) */
    size_t npos;
    uint64_t given; /* bit i: table[i] was given */
    const char *value[CLI_MAX_OPTIONS]; /* its value; NULL for a flag */
    bool help;      /* --help or -h: print the usage, run nothing */
} cli_parsed;

/* Parses argv[first..argc) for `c`. On a mistake prints the usage error
 * and returns CLI_EXIT_USAGE; *out is then still to be freed. */
int cli_parse(int argc, char **argv, int first, const cli_command_line *c, cli_parsed *out);
void cli_parsed_free(cli_parsed *p);

static inline bool cli_given(const cli_parsed *p, size_t option)
{
    return (p->given >> option) & 1u;
}

/* Appends the "options:" block of `c`'s --help. */
void cli_print_options(cli_str *out, const cli_command_line *c);

#endif /* EDITION_COMMON_ARGS_H */
