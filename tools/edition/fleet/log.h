/*
 * The event log of `fleet run`, `fleet tick` and `fleet dispatch`: one line
 * per event on standard error (docs/fleet.md, "Logs"), in logfmt (the
 * default) or JSON (--log-format json), filtered by level (--quiet: warn
 * and error; --verbose: debug too). Under journald (JOURNAL_STREAM names
 * standard error) a line carries no time of its own, which the journal
 * adds, and begins with its syslog priority ("<4>"); on a terminal the level
 * is coloured (unless NO_COLOR is set). Every string value is escaped as
 * every message of libedition escapes an untrusted one (ed_text_escape).
 *
 *     host_log_event ev;
 *     if (host_log_begin(&ev, HOST_LOG_INFO, "effect_done")) {
 *         host_log_str(&ev, "key", key);
 *         host_log_end(&ev);
 *     }
 */
#ifndef EDITION_FLEET_LOG_H
#define EDITION_FLEET_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "libedition.h"
#include "str.h"

typedef enum host_log_level {
    HOST_LOG_DEBUG,
    HOST_LOG_INFO,
    HOST_LOG_WARN,
    HOST_LOG_ERROR
} host_log_level;

/* Sets the format ("logfmt" or "json"; NULL: logfmt) and the lowest level
 * written; reads JOURNAL_STREAM, NO_COLOR and whether standard error is a
 * terminal. Returns false for an unknown format. */
bool host_log_configure(const char *format, host_log_level lowest);

/* Whether events of `level` are written. */
bool host_log_enabled(host_log_level level);

typedef struct host_log_event {
    cli_str line;
    host_log_level level;
} host_log_event;

/* Starts an event; false (and nothing to end) when its level is off. */
bool host_log_begin(host_log_event *ev, host_log_level level, const char *event);
/* A string field, escaped; NULL writes nothing. */
void host_log_str(host_log_event *ev, const char *key, const char *value);
void host_log_int(host_log_event *ev, const char *key, int64_t value);
/* Seconds with millisecond precision. */
void host_log_seconds(host_log_event *ev, const char *key, double seconds);
/* A time in RFC 3339. */
void host_log_time(host_log_event *ev, const char *key, ed_time t);
/* Writes the line and frees the event. */
void host_log_end(host_log_event *ev);

#endif /* EDITION_FLEET_LOG_H */
