/*
 * The arguments of a lifecycle command on the command line, shared by
 * `edition plan|apply` and `edition fleet apply`: the five options that
 * carry them, the ed_command they build, --now, and the list of command
 * names for --help.
 */
#ifndef EDITION_COMMON_COMMAND_ARGS_H
#define EDITION_COMMON_COMMAND_ARGS_H

#include <stdint.h>

#include "args.h"

/* The five options, for a program's option table (args.h): put them in it
 * in this order, then pass the index of the first to cli_build_command. */
#define CLI_COMMAND_OPTIONS                                                                  \
    {"--period-months", "N", "months to buy: upgrade, renew, init --platinum"},              \
        {"--action", "A",                                                                    \
         "delete_resource or downgrade_to_standard: set_post_expiration_action"},            \
        {"--name", "N", "topic name or group ID: add_topic, remove_topic, add_group, "       \
                        "remove_group"},                                                     \
        {"--allow-data-loss", NULL, "let refund delete every topic and group: refund"},     \
        {"--mode", "M", "immediate or at_expiry: plan_downgrade"}
#define CLI_COMMAND_OPTION_COUNT 5

/* Builds the lifecycle command `name` from the parsed options:
 * CLI_COMMAND_OPTIONS's bits of cli_parsed.given and their values, shifted
 * to start at 0 (`given >> first`, `&value[first]`). Prints a usage
 * error (an unknown command or value, an argument the command does not
 * take or lacks) and returns its exit code on failure. */
int cli_build_command(uint64_t given, const char *const *value, const char *name,
                      ed_command **out);

/* --period-months N: an optional '-' and digits; the range is the
 * lifecycle's to judge. */
int cli_parse_period(const char *text, int64_t *out);

/* --now T (`text`), or the clock when it is NULL; a usage error that says
 * what is wrong with T otherwise. */
int cli_parse_now(const char *text, ed_time *now);

/* Appends "COMMAND is a lifecycle command: upgrade, ..." for --help. */
void cli_print_lifecycle_commands(cli_str *out);

#endif /* EDITION_COMMON_COMMAND_ARGS_H */
