/*
 * The event log of the fleet service (log.h).
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct {
    bool json;
    bool journal; /* standard error is the journal's stream */
    bool colour;
    host_log_level lowest;
} conf = {false, false, false, HOST_LOG_INFO};

static const char *const level_names[] = {"debug", "info", "warn", "error"};
/* syslog priorities: debug 7, info 6, warning 4, err 3 */
static const char *const journal_prefix[] = {"<7>", "<6>", "<4>", "<3>"};
static const char *const level_colour[] = {"\033[2m", "\033[32m", "\033[33m", "\033[31m"};

/* Whether JOURNAL_STREAM ("DEVICE:INODE") names standard error: then
 * systemd connected it to journald, which stamps each line itself. */
static bool stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    char *end = NULL;
    struct stat st;
    if (!js || *js < '0' || *js > '9')
        return false;
    errno = 0;
    dev = strtoull(js, &end, 10);
    if (errno || *end != ':' || end[1] < '0' || end[1] > '9')
        return false;
    ino = strtoull(end + 1, &end, 10);
    if (errno || *end != '\0')
        return false;
    return fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
           (unsigned long long)st.st_ino == ino;
}

bool host_log_configure(const char *format, host_log_level lowest)
{
    const char *term = getenv("TERM");
    if (format && strcmp(format, "json") != 0 && strcmp(format, "logfmt") != 0)
        return false;
    conf.json = format && strcmp(format, "json") == 0;
    conf.lowest = lowest;
    conf.journal = stderr_is_journal();
    conf.colour = !conf.json && !conf.journal && isatty(STDERR_FILENO) &&
                  !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
    return true;
}

bool host_log_enabled(host_log_level level)
{
    return level >= conf.lowest;
}

/* The key of a field: `,"key": ` in JSON, ` key=` in logfmt. */
static void put_key(host_log_event *ev, const char *key)
{
    if (conf.json) {
        cli_str_puts(&ev->line, ", ");
        cli_str_json(&ev->line, key);
        cli_str_puts(&ev->line, ": ");
    } else {
        cli_str_printf(&ev->line, " %s=", key);
    }
}

/* A logfmt value: bare when it is a plain word, else in double quotes with
 * `"` and `\` escaped (the text is already one escaped line). */
static void put_logfmt_value(cli_str *out, const char *text)
{
    bool bare = *text != '\0';
    for (const char *p = text; *p && bare; p++)
        bare = *p != ' ' && *p != '=' && *p != '"' && *p != '\\';
    if (bare) {
        cli_str_puts(out, text);
        return;
    }
    cli_str_puts(out, "\"");
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\')
            cli_str_puts(out, "\\");
        cli_str_append(out, p, 1);
    }
    cli_str_puts(out, "\"");
}

/* A string value, escaped (ed_text_escape) then quoted for the format. */
static void put_value(host_log_event *ev, const char *value)
{
    cli_str escaped = {0};
    cli_str_untrusted_puts(&escaped, value);
    if (conf.json)
        cli_str_json(&ev->line, escaped.data ? escaped.data : "");
    else
        put_logfmt_value(&ev->line, escaped.data ? escaped.data : "");
    if (escaped.failed)
        ev->line.failed = true;
    cli_str_free(&escaped);
}

bool host_log_begin(host_log_event *ev, host_log_level level, const char *event)
{
    memset(ev, 0, sizeof *ev);
    ev->level = level;
    if (!host_log_enabled(level))
        return false;
    if (conf.journal)
        cli_str_puts(&ev->line, journal_prefix[level]);
    cli_str_puts(&ev->line, conf.json ? "{" : "");
    if (!conf.journal) {
        struct timespec ts;
        struct tm tm;
        char stamp[40];
        (void)clock_gettime(CLOCK_REALTIME, &ts);
        (void)gmtime_r(&ts.tv_sec, &tm);
        (void)strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
        cli_str_printf(&ev->line, conf.json ? "\"time\": \"%s.%03ldZ\", " : "time=%s.%03ldZ ",
                       stamp, ts.tv_nsec / 1000000);
    }
    if (conf.json)
        cli_str_printf(&ev->line, "\"level\": \"%s\", \"event\": \"%s\"", level_names[level],
                       event);
    else if (conf.colour)
        cli_str_printf(&ev->line, "level=%s%s\033[0m event=%s", level_colour[level],
                       level_names[level], event);
    else
        cli_str_printf(&ev->line, "level=%s event=%s", level_names[level], event);
    return true;
}

void host_log_str(host_log_event *ev, const char *key, const char *value)
{
    if (!value)
        return;
    put_key(ev, key);
    put_value(ev, value);
}

void host_log_int(host_log_event *ev, const char *key, int64_t value)
{
    put_key(ev, key);
    cli_str_printf(&ev->line, "%lld", (long long)value);
}

void host_log_seconds(host_log_event *ev, const char *key, double seconds)
{
    put_key(ev, key);
    cli_str_printf(&ev->line, "%.3f", seconds);
}

void host_log_time(host_log_event *ev, const char *key, ed_time t)
{
    cli_str text = {0};
    cli_str_time(&text, t);
    host_log_str(ev, key, text.data ? text.data : "");
    cli_str_free(&text);
}

void host_log_end(host_log_event *ev)
{
    cli_str_puts(&ev->line, conf.json ? "}\n" : "\n");
    /* one write per line: lines of concurrent writers do not interleave */
    if (!ev->line.failed && ev->line.data)
        (void)!write(STDERR_FILENO, ev->line.data, ev->line.len);
    cli_str_free(&ev->line);
}
