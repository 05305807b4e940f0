/* The caller-owned growing buffer that the YAML writers append to. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

ed_buffer *ed_buffer_new(void)
{
    ed_buffer *buf = ed__calloc(1, sizeof *buf);
    return buf;
}

void ed_buffer_free(ed_buffer *buf)
{
    if (buf == NULL)
        return;
    ed__free(buf->data);
    ed__free(buf);
}

const char *ed_buffer_data(const ed_buffer *buf)
{
    if (buf == NULL || buf->data == NULL)
        return "";
    return buf->data;
}

size_t ed_buffer_len(const ed_buffer *buf)
{
    return buf == NULL ? 0 : buf->len;
}

void ed_buffer_clear(ed_buffer *buf)
{
    if (buf == NULL)
        return;
    buf->len = 0;
    if (buf->data != NULL)
        buf->data[0] = '\0';
}

ed_status ed__buffer_append(ed_buffer *buf, const char *data, size_t len)
{
    if (buf == NULL || (data == NULL && len > 0))
        return ED_INVALID_ARGUMENT;
    if (len > SIZE_MAX - buf->len - 1)
        return ED_NO_MEMORY;
    size_t need = buf->len + len + 1;
    if (need > buf->cap) {
        size_t cap = buf->cap < 256 ? 256 : buf->cap;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        char *grown = ed__realloc(buf->data, cap);
        if (grown == NULL)
            return ED_NO_MEMORY;
        buf->data = grown;
        buf->cap = cap;
    }
    if (len > 0)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return ED_OK;
}
