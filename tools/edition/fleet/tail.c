/*
 * The end of a handler's standard error (tail.h).
 */
#include "tail.h"

#include <string.h>

void host_tail_add(host_tail *t, const char *bytes, size_t n)
{
    t->total += n;
    while (n > 0) {
        size_t room = sizeof t->buf - t->len, take = n < room ? n : room;
        memcpy(t->buf + t->len, bytes, take);
        t->len += take;
        bytes += take;
        n -= take;
        if (t->len == sizeof t->buf) { /* keep the newer half */
            memmove(t->buf, t->buf + HOST_TAIL, HOST_TAIL);
            t->len = HOST_TAIL;
        }
    }
}

const char *host_tail_bytes(const host_tail *t, size_t *len)
{
    *len = t->len > HOST_TAIL ? HOST_TAIL : t->len;
    return t->buf + (t->len - *len);
}

void host_tail_clear(host_tail *t)
{
    t->len = 0;
    t->total = 0;
}

void host_tail_escape(uint64_t total, const char *bytes, size_t len, cli_str *out)
{
    if (len == 0)
        return;
    if (total > len)
        cli_str_puts(out, "[...]");
    cli_str_untrusted(out, bytes, len);
}
