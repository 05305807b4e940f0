/*
 * The growable string of the tools (edition, the fleet store), with the
 * escaping of untrusted text and the RFC 3339 form of a time. Not
 * installed; shared by every program in tools/ through tools/common.
 */
#ifndef EDITION_COMMON_STR_H
#define EDITION_COMMON_STR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "libedition.h"

#if defined(__GNUC__)
#define CLI_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CLI_PRINTF(fmt, args)
#endif

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
void cli_str_vprintf(cli_str *s, const char *fmt, va_list ap) CLI_PRINTF(2, 0);
/* Appends text that came from outside (a file name, an argument, a name
 * read from a file) escaped by ed_text_escape: control characters, line
 * separators and bidirectional controls as escapes ("\x1b", "\n",
 * "\xe2\x80\xae"), so that it cannot drive the terminal, break a line or
 * reorder what the line shows. */
void cli_str_untrusted(cli_str *s, const char *text, size_t n);
void cli_str_untrusted_puts(cli_str *s, const char *text);
/* Appends `text` as a JSON string ("null" for NULL): quotes, backslashes
 * and control characters escaped. `text` is UTF-8 (the tools' own text and
 * what they escaped with ed_text_escape). */
void cli_str_json(cli_str *s, const char *text);
/* Appends a time in RFC 3339 form (UTC, "Z"). */
void cli_str_time(cli_str *s, ed_time t);

/* Writes the whole string to `out`; false on a write error. */
bool cli_str_write(const cli_str *s, FILE *out);

#endif /* EDITION_COMMON_STR_H */
