/* Error lines and terminal styling of the tools (output.h). */
#include "output.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>



/* Prints prefix, the formatted message with its control characters escaped,
 * then suffix, as one write. Writes to stderr are not checked: there is
 * nowhere left to report their failure, and the exit code already tells
 * the outcome. */
static void print_escaped(const char *prefix, const char *suffix, const char *fmt, va_list ap)
{
    cli_str raw = {0}, line = {0};

    cli_str_vprintf(&raw, fmt, ap);
    cli_str_puts(&line, prefix);
    cli_str_untrusted(&line, raw.data ? raw.data : "", raw.len);
    cli_str_puts(&line, suffix);
    if (line.failed || raw.failed)
        (void)fprintf(stderr, "%s(the message could not be formatted)%s", prefix, suffix);
    else
        (void)fwrite(line.data, 1, line.len, stderr);
    cli_str_free(&raw);
    cli_str_free(&line);
}

void cli_error(const char *code, const char *fmt, ...)
{
    cli_str prefix = {0};
    va_list ap;

    cli_str_printf(&prefix, "edition: %s: ", code);
    va_start(ap, fmt);
    print_escaped(prefix.data ? prefix.data : "edition: ", "\n", fmt, ap);
    va_end(ap);
    cli_str_free(&prefix);
}

void cli_warning(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_escaped("edition: warning: ", "\n", fmt, ap);
    va_end(ap);
}

int cli_usage(const char *fmt, ...)
{
    va_list ap;
    cli_str prefix = {0};

    cli_str_printf(&prefix, "edition: %s: ", ed_status_name(ED_INVALID_ARGUMENT));
    va_start(ap, fmt);
    print_escaped(prefix.data ? prefix.data : "edition: ", " (see 'edition help')\n", fmt, ap);
    va_end(ap);
    cli_str_free(&prefix);
    return CLI_EXIT_USAGE;
}

int cli_load_error(const char *path, ed_status status, const ed_error *err)
{
    const char *code = ed_status_name(status);
    const char *message = err ? ed_error_message(err) : NULL;
    size_t line = err ? ed_error_line(err) : 0;
    size_t column = err ? ed_error_column(err) : 0;

    if (!code)
        code = "unknown_error";
    if (!message || !*message)
        message = status == ED_NO_MEMORY ? "out of memory" : "the file is not valid";
    if (line > 0 && column > 0)
        cli_error(code, "%s:%zu:%zu: %s", path, line, column, message);
    else if (line > 0)
        cli_error(code, "%s:%zu: %s", path, line, message);
    else
        cli_error(code, "%s: %s", path, message);
    return status == ED_NO_MEMORY ? CLI_EXIT_IO : CLI_EXIT_INVALID;
}








cli_style cli_style_for_stdout(void)
{
    static const cli_style plain = {"", "", "", "", "", ""};
    static const cli_style ansi = {"\033[1m",  "\033[1;31m", "\033[32m",
                                   "\033[33m", "\033[2m",    "\033[0m"};
    const char *no_color = getenv("NO_COLOR");

    if ((no_color && *no_color) || !isatty(STDOUT_FILENO))
        return plain;
    return ansi;
}
