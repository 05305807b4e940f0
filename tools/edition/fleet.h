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

/* The lifecycle command of `fleet apply`, parsed by the argument parser of
 * `edition apply` (main.c): argv[2..] are "[DB] ID COMMAND [ARGS] [--now T]".
 * pos receives DB, ID and COMMAND. */
int cli_fleet_apply_args(int argc, char **argv, const char *pos[3], ed_command **cmd,
                         ed_time *now);

/* The environment variable that names the database when a fleet command
 * is given no DB argument, so that a password in it is not on a command
 * line (where `ps` shows it to every user). */
#define FLEET_DB_VARIABLE "EDITION_FLEET_DB"

/* Puts the database of EDITION_FLEET_DB first in `pos` (which has room for
 * one more) when the command was given no DB argument: `npos` is one short
 * of `needed`. Returns false, having printed a usage error, when neither
 * is given. */
bool cli_fleet_db_default(const char **pos, size_t *npos, size_t needed, const char *synopsis);

#endif /* EDITION_FLEET_H */
