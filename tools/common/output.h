/*
 * The output layer of the tools: exit codes, one-line error messages on
 * standard error (escaped), and the colours of the text outputs.
 */
#ifndef EDITION_COMMON_OUTPUT_H
#define EDITION_COMMON_OUTPUT_H

#include "str.h"

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

#endif /* EDITION_COMMON_OUTPUT_H */
