/*
 * Streaming handlers (`--exec-stream CMD`, docs/fleet.md, "Streaming
 * handlers"): one long-lived `/bin/sh -c CMD` per worker, each under a
 * guardian process that leads its process group and kills that group when
 * the dispatcher dies (PR_SET_PDEATHSIG), as a handler of --exec. An
 * effect goes to a handler as one line of JSON on its standard input; the
 * handler answers with one line on its standard output:
 *
 *     {"key": "...", "ok": true}
 *     {"key": "...", "ok": false, "error": "..."}
 *
 * Pipelined: a worker holds up to STREAM_PIPELINE_DEPTH effects in flight
 * (and no more than 32 KiB of their lines, half a pipe), each written as
 * its line without waiting for the replies before it; the handler answers
 * every line, in the order it read them, so a reply is for the oldest
 * effect in flight. Only that oldest effect's deadline runs: --timeout from
 * when it became the oldest (sent to a worker holding nothing, or the reply
 * before it came). A handler that exits, hangs past that deadline or writes
 * a line that is not the reply for the oldest effect is killed (its whole
 * group), and every effect it held fails: the oldest with the reason, the
 * others because they were in flight behind it. It is started again after
 * a delay that grows from 0.1 s to 30 s and starts over after a reply. The
 * dispatcher drives every worker with one poll() over their pipes, and
 * writes what a pipe does not take at once when it takes more.
 */
#ifndef EDITION_FLEET_STREAM_H
#define EDITION_FLEET_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "str.h"

typedef struct host_stream host_stream;

/* The most effects a worker holds in flight at a time. */
#define STREAM_PIPELINE_DEPTH 64

/* The end of one delivery: which (the caller's slot), whether the handler
 * replied ok, and otherwise why not (`why`, without the attempt count), the
 * handler's exit status or signal when it ended (else -1 and 0), and the
 * end of what it wrote to standard error since its previous reply, escaped
 * (`tail`, "[...]" first when cut). `why` and `tail` belong to the callee
 * of host_stream_wait, which frees them. */
typedef struct host_stream_result {
    size_t slot;
    bool ok;
    int exit_status;
    int signal;
    cli_str why;
    cli_str tail;
} host_stream_result;

/* A pool of `workers` handlers of `cmd` (none started yet). `timeout` is
 * --timeout, for the messages. NULL when out of memory. */
host_stream *host_stream_new(const char *cmd, size_t workers, long long timeout);

/* Whether a worker can take one more effect at `now` (monotonic seconds)
 * whose reply must come by `last_finish`: running, or down and due to
 * start; holding fewer than STREAM_PIPELINE_DEPTH effects and less than
 * 32 KiB of their lines; and, with q effects in flight already, now +
 * (q + 1) x --timeout <= last_finish, since each before it may take its
 * whole --timeout from the reply before it. False too while deliveries that
 * ended wait to be handed over by host_stream_wait. */
bool host_stream_ready(const host_stream *p, double now, double last_finish);

/* Hands the effect `document` (one line: no newline in it) with its `key`
 * to the worker with the fewest effects in flight among those that can take
 * it (host_stream_ready), a running handler first, starting its handler
 * when it is down. `slot` names the delivery in its result. False with the
 * reason in `why` when no handler could take it (none fits, or it could
 * not be started): the delivery failed. The line is queued: it is written
 * by host_stream_flush or host_stream_wait, with the others sent before
 * either, in one write to each handler. */
bool host_stream_send(host_stream *p, size_t slot, const char *key, const char *document,
                      double now, double last_finish, cli_str *why);

/* Writes the lines queued for each handler, as much as its pipe takes now
 * (host_stream_wait writes the rest when the pipe has room). */
void host_stream_flush(host_stream *p);

/* Flushes (host_stream_flush), then waits until a delivery ends or `until`
 * (monotonic seconds) passes, at most a second, and calls `done` for each
 * delivery that ended. */
void host_stream_wait(host_stream *p, double until,
                      void (*done)(void *ctx, host_stream_result *r), void *ctx);

/* Closes the handlers' standard input, gives them a second to exit, kills
 * what is left of their process groups, and frees the pool. No delivery
 * should be in flight (one still there is dropped, with no result). NULL: nothing. */
void host_stream_free(host_stream *p);

#endif /* EDITION_FLEET_STREAM_H */
