/*
 * Shared pieces of the `edition` command: exit codes, error lines, a small
 * growable string, and the entry points of each part of the program.
 *
 * The program is a thin host over the public API in libedition.h: it reads
 * files, reads the clock, prints, and writes files; every decision about the
 * lifecycle is the library's.
 */
#ifndef EDITION_CLI_H
#define EDITION_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "libedition.h"

/* Exit codes (docs/cli.md, "Exit codes"). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_REFUSED = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_INVALID = 3,
    CLI_EXIT_IO = 4,
    /* applied and saved, but what came after (the report) failed */
    CLI_EXIT_APPLIED = 5
};

#if defined(__GNUC__)
#define CLI_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CLI_PRINTF(fmt, args)
#endif

/* Prints "edition: <code>: <message>" to stderr, as one line: control
 * characters in the message are escaped (cli_str_untrusted). */
void cli_error(const char *code, const char *fmt, ...) CLI_PRINTF(2, 3);
/* Prints "edition: warning: <message>" to stderr, escaped the same way. */
void cli_warning(const char *fmt, ...) CLI_PRINTF(1, 2);
/* A usage error: prints it with the code invalid_argument and returns
 * CLI_EXIT_USAGE, so callers can `return cli_usage(...)`. */
int cli_usage(const char *fmt, ...) CLI_PRINTF(1, 2);
/* The error of a failed load: "edition: <code>: path:line:column: message"
 * (the position is left out when the library does not know it). Returns
 * CLI_EXIT_INVALID, or CLI_EXIT_IO for an allocation failure. */
int cli_load_error(const char *path, ed_status status, const ed_error *err);

/* A growable NUL-terminated string. On allocation failure the string
 * remembers it (failed) and further appends do nothing. */
typedef struct cli_str {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} cli_str;

void cli_str_free(cli_str *s);
void cli_str_append(cli_str *s, const char *bytes, size_t n);
void cli_str_puts(cli_str *s, const char *text);
void cli_str_printf(cli_str *s, const char *fmt, ...) CLI_PRINTF(2, 3);
/* Appends text that came from outside (a file name, an argument, a name
 * read from a file) escaped by ed_text_escape: control characters, line
 * separators and bidirectional controls as escapes ("\x1b", "\n",
 * "\xe2\x80\xae"), so that it cannot drive the terminal, break a line or
 * reorder what the line shows. */
void cli_str_untrusted(cli_str *s, const char *text, size_t n);
void cli_str_untrusted_puts(cli_str *s, const char *text);
/* Appends a time in RFC 3339 form (UTC, "Z"). */
void cli_str_time(cli_str *s, ed_time t);

/* Writes the whole string to `out`; false on a write error. */
bool cli_str_write(const cli_str *s, FILE *out);

/* Colours for the text outputs: on only when stdout is a terminal and
 * NO_COLOR is unset or empty (https://no-color.org). */
typedef struct cli_style {
    const char *bold;
    const char *red;
    const char *green;
    const char *yellow;
    const char *dim;
    const char *reset;
} cli_style;

cli_style cli_style_for_stdout(void);

/* Text renderings (timeline.c). */
/* Every field of a snapshot, one per line (`show --format text`). */
void cli_text_instance(cli_str *s, const ed_instance *inst, const cli_style *st);
/* The opening lines of a timeline: the file and the initial snapshot. */
void cli_text_timeline_start(cli_str *s, const char *path, size_t steps, const ed_instance *inst,
                             const cli_style *st);
/* One step of a timeline: `before` is the snapshot the step ran on,
 * `current` the one after it (the same on refusal). */
void cli_text_step(cli_str *s, size_t step, ed_time at, const ed_command *cmd, const ed_result *r,
                   const ed_instance *before, const ed_instance *current, const cli_style *st);
/* The outcome of `plan`, `apply` or `tick` (--format text): the command,
 * the state file it ran on, then the lines of a timeline step. */
void cli_text_outcome(cli_str *s, const char *path, ed_time now, const ed_command *cmd,
                      const ed_result *r, const ed_instance *before, const ed_instance *current,
                      const cli_style *st);
/* Totals at the end of a timeline. */
typedef struct cli_tally {
    size_t steps;
    size_t ok;
    size_t refused;
    size_t irreversible; /* irreversible effects carried out */
} cli_tally;
void cli_tally_step(cli_tally *t, const ed_result *r);
void cli_text_timeline_end(cli_str *s, const cli_tally *t, const cli_style *st);
/* Describes a command and its arguments: "upgrade period_months=1". */
void cli_text_command(cli_str *s, const ed_command *cmd);

/* The lifecycle graph in DOT (graph.c). Returns an exit code. */
int cli_graph(FILE *out);

#endif /* EDITION_CLI_H */
