/*
 * `edition fleet`: the host of a fleet of instances in a database
 * (docs/fleet.md), a command with a table of subcommands of its own
 * (commands.c). Built when the fleet store is; without SQLite and libpq
 * (none.c) it says so.
 */
#ifndef EDITION_FLEET_H
#define EDITION_FLEET_H

#include "cli.h"

/* Runs `edition fleet ...`: argv[0] is "fleet", argv[1] the subcommand. */
int cli_fleet(int argc, char **argv);

/* The environment variable that names the database when a fleet command
 * is given no DB argument, so that a password in it is not on a command
 * line (where `ps` shows it to every user). */
#define FLEET_DB_VARIABLE "EDITION_FLEET_DB"

#endif /* EDITION_FLEET_H */
