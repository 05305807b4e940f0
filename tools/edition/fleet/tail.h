/*
 * The end of a handler's standard error (docs/fleet.md, "What went wrong,
 * kept"): the last HOST_TAIL bytes of what it wrote, kept in a buffer of
 * twice that size so that most writes are a copy, and escaped for the
 * attempt's row. Used by the guardian of an --exec delivery (dispatch.c)
 * and by each worker of --exec-stream (stream.c).
 */
#ifndef EDITION_FLEET_TAIL_H
#define EDITION_FLEET_TAIL_H

#include <stddef.h>
#include <stdint.h>

#include "str.h"

#define HOST_TAIL 4096

typedef struct host_tail {
    char buf[2 * HOST_TAIL];
    size_t len;
    uint64_t total; /* bytes written in all, kept or not */
} host_tail;

void host_tail_add(host_tail *t, const char *bytes, size_t n);
/* The kept bytes: at most HOST_TAIL, the newest. */
const char *host_tail_bytes(const host_tail *t, size_t *len);
void host_tail_clear(host_tail *t);
/* Appends the `len` last bytes of `total` written, escaped, to `out`:
 * "[...]" first when the start was cut; nothing when there are none. */
void host_tail_escape(uint64_t total, const char *bytes, size_t len, cli_str *out);

#endif /* EDITION_FLEET_TAIL_H */
