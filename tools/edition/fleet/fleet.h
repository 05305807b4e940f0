/*
 * `edition fleet`: the host of a fleet of instances in a database
 * (docs/fleet.md). fleet.c is built in every edition; without SQLite and
 * libpq its subcommands say so.
 */
#ifndef EDITION_FLEET_H
#define EDITION_FLEET_H

#include "cli.h"

/* Runs `edition fleet ...`: argv[0] is "fleet", argv[1] the subcommand. */
int cli_fleet(int argc, char **argv);

/* The usage of `fleet apply`. */
#define FLEET_APPLY_SYNOPSIS "fleet apply DB ID COMMAND [ARGS] [--now T]"

/* The lifecycle command of `fleet apply`, parsed with the options of
 * `edition apply` (main.c): argv[2..] are "[DB] ID COMMAND [ARGS] [--now T]".
 * pos receives DB, ID and COMMAND. With --help it prints the usage and
 * returns CLI_EXIT_OK with *cmd NULL. */
int cli_fleet_apply_args(int argc, char **argv, const char *pos[3], ed_command **cmd,
                         ed_time *now);

/* The environment variable that names the database when a fleet command
 * is given no DB argument, so that a password in it is not on a command
 * line (where `ps` shows it to every user). */
#define FLEET_DB_VARIABLE "EDITION_FLEET_DB"

#endif /* EDITION_FLEET_H */
