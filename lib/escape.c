/* Untrusted text as a message or a terminal may show it: the one rule of
 * what is escaped, for every message of the library that quotes a value
 * and, through ed_text_escape, for the hosts that print names, arguments
 * and file names. */
#include "internal.h"

#include <string.h>

size_t ed__utf8_next(const unsigned char *s, size_t left, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t v, min;
    *cp = c;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1Fu, min = 0x80;
    } else if ((c & 0xF0u) == 0xE0) {
        n = 3, v = c & 0x0Fu, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0u) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* Characters that are valid UTF-8 but must not reach a terminal or a log
 * raw. The C1 controls: U+009B is CSI (ESC [) on terminals that honour
 * 8-bit controls. U+2028 and U+2029 end a line for JavaScript and for
 * some terminals and viewers, so they could split a one-line message.
 * The bidirectional embeddings, overrides and isolates (U+202A..U+202E,
 * U+2066..U+2069) make a terminal show the text after them in another
 * order than it has, so that a message could name something else than it
 * does ("Trojan Source", CVE-2021-42574). */
static bool hidden(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x2028 && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* The longest escape of one character: three bytes of UTF-8, each \xNN. */
#define ESCAPE_MAX 12

/* Writes the shown form of the character at p (left > 0 bytes) to out and
 * returns its length; *used receives the bytes of p it stands for. Newline,
 * tab and carriage return are \n, \t and \r; other controls, hidden
 * characters (each byte of their UTF-8) and bytes that start no UTF-8
 * sequence are \xNN; everything else, the backslash included, is itself,
 * so that escaping text twice changes nothing. */
static size_t escape_one(const unsigned char *p, size_t left, char out[ESCAPE_MAX], size_t *used)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char c = p[0];
    uint32_t cp = c;
    size_t n = c < 0x80 ? 1 : ed__utf8_next(p, left, &cp);

    *used = n > 0 ? n : 1;
    if (c == '\n' || c == '\t' || c == '\r') {
        out[0] = '\\';
        out[1] = (char)(c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
        return 2;
    }
    if (n == 1 && c >= 0x20 && c != 0x7f) {
        out[0] = (char)c;
        return 1;
    }
    if (n > 1 && !hidden(cp)) {
        memcpy(out, p, n);
        return n;
    }
    for (size_t i = 0; i < *used; i++) {
        out[4 * i] = '\\';
        out[4 * i + 1] = 'x';
        out[4 * i + 2] = hex[p[i] >> 4];
        out[4 * i + 3] = hex[p[i] & 15];
    }
    return 4 * *used;
}

/* Escapes `len` bytes at p into buf, which has room for `room` bytes;
 * writes no NUL. *written receives the bytes written, whole characters
 * only: once one does not fit, none after it is written, though a shorter
 * one would fit. Returns the length of the whole escaped text. */
static size_t escape(char *buf, size_t room, const unsigned char *p, size_t len, size_t *written)
{
    size_t total = 0;
    bool fits = true;

    *written = 0;
    for (size_t i = 0, used = 0; i < len; i += used) {
        char one[ESCAPE_MAX];
        size_t n = escape_one(p + i, len - i, one, &used);
        if (fits && n <= room - *written) {
            memcpy(buf + *written, one, n);
            *written += n;
        } else {
            fits = false;
        }
        total += n;
    }
    return total;
}

size_t ed_text_escape(char *buf, size_t size, const char *text, size_t len)
{
    size_t written = 0;
    char none[1];

    if (text == NULL)
        len = 0;
    if (buf == NULL || size == 0) /* the length alone: no room for a byte */
        return escape(none, 0, (const unsigned char *)text, len, &written);
    size_t total = escape(buf, size - 1, (const unsigned char *)text, len, &written);
    buf[written] = '\0';
    return total;
}

const char *ed__show(ed_shown *out, const char *s, size_t len, size_t limit)
{
    size_t kept = 0;

    if (limit > ED_SHOW_MAX)
        limit = ED_SHOW_MAX;
    bool cut = escape(out->text, limit, (const unsigned char *)s, len, &kept) > limit;
    memcpy(out->text + kept, cut ? "..." : "", cut ? sizeof "..." : 1);
    return out->text;
}
