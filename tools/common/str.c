/* The growable string of the tools (str.h). */
#include "str.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

void cli_str_vprintf(cli_str *s, const char *fmt, va_list ap)
{
    va_list copy;
    int n;

    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) {
        s->failed = true;
        return;
    }
    if (!str_reserve(s, (size_t)n))
        return;
    n = vsnprintf(s->data + s->len, (size_t)n + 1, fmt, ap);
    if (n < 0) {
        s->data[s->len] = '\0';
        s->failed = true;
        return;
    }
    s->len += (size_t)n;
}

void cli_str_printf(cli_str *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_str_vprintf(s, fmt, ap);
    va_end(ap);
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

void cli_str_json(cli_str *s, const char *text)
{
    static const char hex[] = "0123456789abcdef";
    if (!text) {
        cli_str_puts(s, "null");
        return;
    }
    cli_str_puts(s, "\"");
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            cli_str_append(s, esc, 2);
        } else if (*p < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            cli_str_append(s, esc, 6);
        } else {
            cli_str_append(s, (const char *)p, 1);
        }
    }
    cli_str_puts(s, "\"");
}
