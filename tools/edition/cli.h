/*
 * The `edition` command: a host over the public API in libedition.h. It
 * reads files, reads the clock, prints, and writes files; every decision
 * about the lifecycle is the library's. Its rooms: main.c (the command
 * table), state_file.c and effects_log.c (files.h), graph.c, and fleet/
 * (`edition fleet`); tools/common holds the parser and the output layer it
 * shares with the other tools.
 */
#ifndef EDITION_CLI_H
#define EDITION_CLI_H

#include <stdio.h>

#include "args.h"
#include "output.h"
#include "text.h"

/* The lifecycle graph in DOT (graph.c). Returns an exit code. */
int cli_graph(FILE *out);

#endif /* EDITION_CLI_H */
