/* Error lines, the growable string and terminal styling of `edition`. */
#include "cli.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool str_reserve(cli_str *s, size_t extra);

/* Control characters in a file name, an argument or a loaded file must not
 * reach a terminal: ESC and BEL could rewrite the screen or the title, a
 * newline would split a one-line error in two, and a right-to-left override
 * could make a line name something else than it does. The library's rule
 * (ed_text_escape) is the one its own messages follow. */
void cli_str_untrusted(cli_str *s, const char *text, size_t n)
{
    size_t need = ed_text_escape(NULL, 0, text, n);

    if (!str_reserve(s, need))
        return;
    (void)ed_text_escape(s->data + s->len, need + 1, text, n);
    s->len += need;
}

void cli_str_untrusted_puts(cli_str *s, const char *text)
{
    cli_str_untrusted(s, text, strlen(text));
}

/* Prints prefix, the formatted message with its control characters escaped,
 * then suffix, as one write. Writes to stderr are not checked: there is
 * nowhere left to report their failure, and the exit code already tells
 * the outcome. */
static void print_escaped(const char *prefix, const char *suffix, const char *fmt, va_list ap)
{
    cli_str raw = {0}, line = {0};
    va_list copy;
    int n;

    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n >= 0 && str_reserve(&raw, (size_t)n) && vsnprintf(raw.data, (size_t)n + 1, fmt, ap) >= 0)
        raw.len = (size_t)n;
    cli_str_puts(&line, prefix);
    cli_str_untrusted(&line, raw.data ? raw.data : "", raw.len);
    cli_str_puts(&line, suffix);
    if (line.failed || raw.failed || n < 0)
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

void cli_str_free(cli_str *s)
{
    free(s->data);
    s->data = NULL;
    s->len = s->cap = 0;
}

static bool str_reserve(cli_str *s, size_t extra)
{
    size_t need, cap;
    char *grown;

    if (s->failed)
        return false;
    if (extra > SIZE_MAX - s->len - 1) {
        s->failed = true;
        return false;
    }
    need = s->len + extra + 1;
    if (need <= s->cap)
        return true;
    cap = s->cap ? s->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    grown = realloc(s->data, cap);
    if (!grown) {
        s->failed = true;
        return false;
    }
    s->data = grown;
    s->cap = cap;
    return true;
}

void cli_str_append(cli_str *s, const char *bytes, size_t n)
{
    if (!str_reserve(s, n))
        return;
    memcpy(s->data + s->len, bytes, n);
    s->len += n;
    s->data[s->len] = '\0';
}

void cli_str_puts(cli_str *s, const char *text)
{
    cli_str_append(s, text, strlen(text));
}

void cli_str_printf(cli_str *s, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        s->failed = true;
        return;
    }
    if (!str_reserve(s, (size_t)n))
        return;
    va_start(ap, fmt);
    n = vsnprintf(s->data + s->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
        s->data[s->len] = '\0';
        s->failed = true;
        return;
    }
    s->len += (size_t)n;
}

void cli_str_time(cli_str *s, ed_time t)
{
    char buf[ED_TIME_BUFSIZE];
    if (ed_time_format(t, buf, sizeof buf) != ED_OK)
        cli_str_printf(s, "%lld", (long long)t);
    else
        cli_str_puts(s, buf);
}

bool cli_str_write(const cli_str *s, FILE *out)
{
    if (s->len == 0)
        return true;
    return fwrite(s->data, 1, s->len, out) == s->len;
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
