/*
 * Streaming handlers of `fleet dispatch` and `fleet run` (stream.h): the
 * handler processes, their guardians, the pipes, and the replies.
 */
#include "stream.h"

#include "log.h"
#include "tail.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The delay before a handler that ended is started again: doubled at each
 * failure in a row, reset by a reply. */
#define RESTART_FIRST 0.1
#define RESTART_MAX 30.0
/* The longest line a reply may be: anything longer is not a reply. */
#define REPLY_MAX 65536
/* How long a handler whose standard output ended has to exit by itself
 * before its group is killed; and how long handlers get to exit at the end. */
#define EXIT_GRACE 1.0
/* How many bytes of effect lines a worker may have in flight (sent, not
 * yet answered) before it takes no more: half a pipe, so that a handler
 * that reads its input late never makes the writes wait. */
#define STREAM_INFLIGHT_BYTES 32768

/* An effect in flight on a worker: written (or queued to be written) to its
 * handler, its reply not yet read. */
typedef struct stream_effect {
    size_t slot;
    char *key;
    size_t bytes; /* its line, newline included */
} stream_effect;

typedef struct stream_worker {
    size_t index;
    pid_t pid;        /* the guardian, leader of the handler's group; 0: down */
    int in, out, err; /* our ends of its standard input, output and error; -1 */
    char *line;       /* what came on standard output since the last newline */
    size_t line_len, line_cap;
    bool line_too_long;
    host_tail err_tail; /* standard error since the previous reply */
    char *wbuf; /* the lines not yet written to standard input */
    size_t wlen, woff, wcap;
    /* the effects in flight, oldest first: a ring of `queued` from `head` */
    stream_effect q[STREAM_PIPELINE_DEPTH];
    size_t head, queued;
    size_t inflight_bytes;
    double deadline; /* the oldest effect's reply is due by then */
    double restart_at; /* monotonic: when a down handler may start */
    double delay;      /* the next restart delay */
} stream_worker;

struct host_stream {
    const char *cmd;
    long long timeout;
    size_t nworkers;
    stream_worker *w;
    host_stream_result *ended; /* deliveries ended, not yet handed over */
    size_t nended;
};

static double stream_now(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

host_stream *host_stream_new(const char *cmd, size_t workers, long long timeout)
{
    host_stream *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->cmd = cmd;
    p->timeout = timeout;
    p->nworkers = workers;
    p->w = calloc(workers, sizeof *p->w);
    p->ended = calloc(workers * STREAM_PIPELINE_DEPTH, sizeof *p->ended);
    if (!p->w || !p->ended) {
        free(p->w);
        free(p->ended);
        free(p);
        return NULL;
    }
    for (size_t i = 0; i < workers; i++) {
        stream_worker *w = &p->w[i];
        w->index = i;
        w->in = w->out = w->err = -1;
        w->delay = RESTART_FIRST;
    }
    return p;
}

/* ---------------------------------------------------------------------- */
/* Events                                                                  */
/* ---------------------------------------------------------------------- */

static void log_worker(host_log_event *ev, const stream_worker *w, pid_t pid)
{
    host_log_int(ev, "worker", (int64_t)w->index + 1);
    host_log_int(ev, "pid", pid);
}

static void log_status(host_log_event *ev, int status, bool reaped)
{
    if (!reaped)
        return;
    if (WIFEXITED(status))
        host_log_int(ev, "exit_status", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        host_log_int(ev, "signal", WTERMSIG(status));
}

/* ---------------------------------------------------------------------- */
/* Starting a handler                                                      */
/* ---------------------------------------------------------------------- */

static void stream_guardian_stop(int sig)
{
    (void)sig;
    (void)kill(0, SIGKILL);
}

/* The guardian of a streaming handler: leader of its process group, it
 * starts the handler on the pipes `in`, `out`, `err` (the handler's ends),
 * waits for it, and exits as it did; it kills the group when its dispatcher
 * dies. Holds no other end of any pipe of the pool, so that each handler
 * sees the end of its input when the dispatcher closes it. Never returns. */
static void stream_guardian(const host_stream *p, int in, int out, int err, pid_t dispatcher)
{
    struct sigaction sa;
    pid_t handler;
    int status = 0;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = stream_guardian_stop;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)signal(SIGINT, SIG_DFL);
    (void)signal(SIGPIPE, SIG_DFL);
    (void)signal(SIGCHLD, SIG_DFL);
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != dispatcher) /* it died before prctl took effect */
        stream_guardian_stop(SIGTERM);
    for (size_t i = 0; i < p->nworkers; i++) {
        const stream_worker *o = &p->w[i];
        if (o->in >= 0)
            close(o->in);
        if (o->out >= 0)
            close(o->out);
        if (o->err >= 0)
            close(o->err);
    }
    handler = fork();
    if (handler == 0) {
        sigset_t none;
        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
        (void)signal(SIGTERM, SIG_DFL);
        if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
            dup2(err, STDERR_FILENO) < 0)
            _exit(126);
        if (in > STDERR_FILENO)
            close(in);
        if (out > STDERR_FILENO)
            close(out);
        if (err > STDERR_FILENO)
            close(err);
        /* the database may name its password: the handler gets effects,
         * not the database */
        unsetenv("EDITION_FLEET_DB");
        execl("/bin/sh", "sh", "-c", p->cmd, (char *)NULL);
        _exit(127);
    }
    close(in);
    close(out);
    close(err);
    if (handler < 0)
        _exit(126);
    while (waitpid(handler, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(status)) {
        (void)signal(WTERMSIG(status), SIG_DFL);
        (void)raise(WTERMSIG(status));
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
}

/* A pipe whose both ends are closed at exec; false with the reason. */
static bool make_pipe(int fds[2], cli_str *why)
{
    if (pipe(fds) != 0) {
        cli_str_printf(why, "cannot create a pipe: %s", strerror(errno));
        return false;
    }
    (void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return true;
}

static bool start_worker(host_stream *p, stream_worker *w, cli_str *why)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    pid_t pid, self = getpid();
    host_log_event ev;

    if (!make_pipe(in, why) || !make_pipe(out, why) || !make_pipe(err, why)) {
        int all[6] = {in[0], in[1], out[0], out[1], err[0], err[1]};
        for (size_t i = 0; i < 6; i++)
            close_fd(&all[i]);
        return false;
    }
    pid = fork();
    if (pid < 0) {
        int all[6] = {in[0], in[1], out[0], out[1], err[0], err[1]};
        cli_str_printf(why, "cannot start the stream handler: %s", strerror(errno));
        for (size_t i = 0; i < 6; i++)
            close_fd(&all[i]);
        return false;
    }
    if (pid == 0) {
        (void)setpgid(0, 0);
        close(in[1]);
        close(out[0]);
        close(err[0]);
        stream_guardian(p, in[0], out[1], err[1], self);
    }
    /* set here too: the group must exist before the dispatcher may kill it */
    (void)setpgid(pid, pid);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    w->pid = pid;
    w->in = in[1];
    w->out = out[0];
    w->err = err[0];
    (void)fcntl(w->in, F_SETFL, fcntl(w->in, F_GETFL) | O_NONBLOCK);
    (void)fcntl(w->out, F_SETFL, fcntl(w->out, F_GETFL) | O_NONBLOCK);
    (void)fcntl(w->err, F_SETFL, fcntl(w->err, F_GETFL) | O_NONBLOCK);
    w->line_len = 0;
    w->line_too_long = false;
    host_tail_clear(&w->err_tail);
    if (host_log_begin(&ev, HOST_LOG_INFO, "handler_started")) {
        log_worker(&ev, w, pid);
        host_log_str(&ev, "exec_stream", p->cmd);
        host_log_end(&ev);
    }
    return true;
}

/* ---------------------------------------------------------------------- */
/* Standard error                                                          */
/* ---------------------------------------------------------------------- */

/* Reads what is in the standard error pipe now; closes it at its end. */
static void drain_err(stream_worker *w)
{
    char chunk[4096];
    while (w->err >= 0) {
        ssize_t n = read(w->err, chunk, sizeof chunk);
        if (n > 0) {
            host_tail_add(&w->err_tail, chunk, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || errno != EAGAIN)
            close_fd(&w->err);
        break;
    }
}

/* The standard error kept since the previous reply, escaped, then
 * forgotten. */
static void take_tail(stream_worker *w, cli_str *tail)
{
    size_t len;
    const char *bytes = host_tail_bytes(&w->err_tail, &len);
    host_tail_escape(w->err_tail.total, bytes, len, tail);
    host_tail_clear(&w->err_tail);
}

/* ---------------------------------------------------------------------- */
/* Ending a handler                                                        */
/* ---------------------------------------------------------------------- */

/* Ends the oldest delivery a worker holds with `why` (taken over), the
 * status of its handler when it `ended`, and `tail` (the standard error
 * kept, copied). When another effect is in flight behind it, its deadline
 * starts now: --timeout from the reply. */
static void end_delivery(host_stream *p, stream_worker *w, bool ok, cli_str *why, int status,
                         bool ended, const cli_str *tail)
{
    host_stream_result *r;
    stream_effect *e;
    if (w->queued == 0) {
        cli_str_free(why);
        return;
    }
    e = &w->q[w->head];
    r = &p->ended[p->nended++];
    memset(r, 0, sizeof *r);
    r->slot = e->slot;
    r->ok = ok;
    r->exit_status = -1;
    if (ended && WIFEXITED(status))
        r->exit_status = WEXITSTATUS(status);
    else if (ended && WIFSIGNALED(status))
        r->signal = WTERMSIG(status);
    r->why = *why;
    memset(why, 0, sizeof *why);
    if (tail->len > 0)
        cli_str_append(&r->tail, tail->data, tail->len);
    free(e->key);
    e->key = NULL;
    w->inflight_bytes -= e->bytes;
    w->head = (w->head + 1) % STREAM_PIPELINE_DEPTH;
    w->queued--;
    if (w->queued > 0)
        w->deadline = stream_now() + (double)p->timeout;
}

/* Fails every delivery a worker holds, its handler stopped: the oldest with
 * `why` (taken over), the others because it ended with them behind it. */
static void end_all(host_stream *p, stream_worker *w, cli_str *why, int status, bool ended)
{
    cli_str tail = {0};
    take_tail(w, &tail);
    if (w->queued > 0) {
        cli_str first = {0}, rest = {0};
        cli_str_puts(&rest, "the stream handler was stopped with this effect in flight behind "
                            "an earlier one (");
        cli_str_append(&rest, why->data ? why->data : "", why->len);
        cli_str_puts(&rest, ")");
        first = *why;
        memset(why, 0, sizeof *why);
        end_delivery(p, w, false, &first, status, ended, &tail);
        while (w->queued > 0) {
            cli_str each = {0};
            cli_str_append(&each, rest.data, rest.len);
            end_delivery(p, w, false, &each, status, ended, &tail);
        }
        cli_str_free(&rest);
    }
    cli_str_free(why);
    cli_str_free(&tail);
}

/* Stops a worker's handler: `kill_now` kills its group at once (it hangs,
 * or said something that is not a reply); otherwise its standard output
 * ended and it gets EXIT_GRACE to exit by itself. The oldest delivery it
 * held fails with `why`, completed by how the handler ended, and every
 * other one it held fails with it (end_all); it is started again after its
 * delay, unless `stopping`. */
static void stop_worker(host_stream *p, stream_worker *w, bool kill_now, cli_str *why,
                        const char *reason, bool stopping)
{
    int status = 0;
    bool reaped = false, exited_alone = false;
    pid_t pid = w->pid;
    host_log_event ev;

    if (!kill_now) {
        double until = stream_now() + EXIT_GRACE;
        while (!reaped) {
            pid_t r = waitpid(pid, &status, WNOHANG);
            if (r == pid) {
                reaped = exited_alone = true;
            } else if ((r < 0 && errno != EINTR) || stream_now() >= until) {
                break;
            } else {
                struct timespec ts = {0, 2L * 1000 * 1000};
                drain_err(w);
                (void)nanosleep(&ts, NULL);
            }
        }
    }
    /* the handler's group, with what it left behind */
    (void)kill(-pid, SIGKILL);
    while (!reaped) {
        pid_t r = waitpid(pid, &status, 0);
        if (r == pid)
            reaped = true;
        else if (r < 0 && errno != EINTR)
            break;
    }
    drain_err(w);
    close_fd(&w->in);
    close_fd(&w->out);
    close_fd(&w->err);
    w->wlen = w->woff = 0;
    w->pid = 0;
    if (why) {
        /* it ended by itself: how says more than the pipe that closed */
        if (exited_alone && (WIFEXITED(status) || WIFSIGNALED(status))) {
            cli_str_free(why);
            if (WIFEXITED(status))
                cli_str_printf(why, "the stream handler exited with status %d before replying",
                               WEXITSTATUS(status));
            else
                cli_str_printf(why, "the stream handler was killed by signal %d before replying",
                               WTERMSIG(status));
        }
        end_all(p, w, why, status, reaped);
    }
    if (host_log_begin(&ev, stopping ? HOST_LOG_INFO : HOST_LOG_WARN, "handler_exited")) {
        log_worker(&ev, w, pid);
        host_log_str(&ev, "reason", reason);
        log_status(&ev, status, reaped);
        host_log_end(&ev);
    }
    if (stopping)
        return;
    w->restart_at = stream_now() + w->delay;
    if (host_log_begin(&ev, HOST_LOG_INFO, "handler_restarting")) {
        host_log_int(&ev, "worker", (int64_t)w->index + 1);
        host_log_seconds(&ev, "delay", w->delay);
        host_log_end(&ev);
    }
    w->delay = w->delay * 2 > RESTART_MAX ? RESTART_MAX : w->delay * 2;
}

/* ---------------------------------------------------------------------- */
/* Replies                                                                 */
/* ---------------------------------------------------------------------- */

static const char *skip_ws(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++;
    return s;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_hex4(const char *s, const char *end, unsigned *out)
{
    unsigned v = 0;
    if (end - s < 4)
        return false;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(s[i]);
        if (h < 0)
            return false;
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return true;
}

static void put_utf8(cli_str *out, unsigned cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    cli_str_append(out, b, n);
}

/* A JSON string at *s (its opening quote), decoded into `out`; *s moves
 * past it. No control character, no NUL, no lone surrogate. */
static bool parse_string(const char **s, const char *end, cli_str *out)
{
    const char *c = *s;
    if (c >= end || *c != '"')
        return false;
    c++;
    cli_str_puts(out, "");
    while (c < end && *c != '"') {
        unsigned char u = (unsigned char)*c;
        if (u < 0x20)
            return false;
        if (u != '\\') {
            const char *run = c;
            while (c < end && *c != '"' && *c != '\\' && (unsigned char)*c >= 0x20)
                c++;
            cli_str_append(out, run, (size_t)(c - run));
            continue;
        }
        if (++c >= end)
            return false;
        switch (*c) {
        case '"': cli_str_puts(out, "\""); break;
        case '\\': cli_str_puts(out, "\\"); break;
        case '/': cli_str_puts(out, "/"); break;
        case 'b': cli_str_puts(out, "\b"); break;
        case 'f': cli_str_puts(out, "\f"); break;
        case 'n': cli_str_puts(out, "\n"); break;
        case 'r': cli_str_puts(out, "\r"); break;
        case 't': cli_str_puts(out, "\t"); break;
        case 'u': {
            unsigned cp, lo;
            if (!read_hex4(c + 1, end, &cp))
                return false;
            c += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - c < 7 || c[1] != '\\' || c[2] != 'u' || !read_hex4(c + 3, end, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return false;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                c += 6;
            } else if ((cp >= 0xDC00 && cp <= 0xDFFF) || cp == 0) {
                return false;
            }
            put_utf8(out, cp);
            break;
        }
        default:
            return false;
        }
        c++;
    }
    if (c >= end || out->failed)
        return false;
    *s = c + 1;
    return true;
}

/* A reply: one JSON object with "key" (a string) and "ok" (true or false),
 * and "error" (a string) when ok is false; nothing else, no field twice,
 * nothing after it. */
static bool parse_reply(const char *line, size_t len, cli_str *key, bool *ok, cli_str *error)
{
    const char *s = line, *end = line + len;
    bool has_key = false, has_ok = false, has_error = false;

    s = skip_ws(s, end);
    if (s >= end || *s++ != '{')
        return false;
    s = skip_ws(s, end);
    if (s < end && *s == '}')
        return false;
    for (;;) {
        cli_str name = {0};
        bool good;
        s = skip_ws(s, end);
        good = parse_string(&s, end, &name);
        if (good) {
            s = skip_ws(s, end);
            good = s < end && *s++ == ':';
            s = skip_ws(s, end);
        }
        if (good && strcmp(name.data, "key") == 0 && !has_key) {
            has_key = good = parse_string(&s, end, key);
        } else if (good && strcmp(name.data, "error") == 0 && !has_error) {
            has_error = good = parse_string(&s, end, error);
        } else if (good && strcmp(name.data, "ok") == 0 && !has_ok) {
            if (end - s >= 4 && memcmp(s, "true", 4) == 0) {
                *ok = true;
                s += 4;
            } else if (end - s >= 5 && memcmp(s, "false", 5) == 0) {
                *ok = false;
                s += 5;
            } else {
                good = false;
            }
            has_ok = good;
        } else {
            good = false;
        }
        cli_str_free(&name);
        if (!good)
            return false;
        s = skip_ws(s, end);
        if (s < end && *s == ',') {
            s++;
            continue;
        }
        if (s < end && *s == '}') {
            s++;
            break;
        }
        return false;
    }
    if (skip_ws(s, end) != end || !has_key || !has_ok)
        return false;
    return *ok ? !has_error : has_error;
}

/* What the handler said that is not a reply, escaped, cut at 200 bytes. */
static void quote_line(cli_str *why, const char *line, size_t len)
{
    cli_str_puts(why, "'");
    cli_str_untrusted(why, line, len > 200 ? 200 : len);
    cli_str_puts(why, len > 200 ? "[...]'" : "'");
}

/* One line of a handler's standard output. Returns false when the handler
 * was stopped for it. */
static bool handle_line(host_stream *p, stream_worker *w, const char *line, size_t len,
                        bool too_long)
{
    cli_str key = {0}, error = {0}, why = {0};
    bool ok = false, reply = !too_long && parse_reply(line, len, &key, &ok, &error);

    if (w->queued == 0) {
        cli_str_puts(&why, "the stream handler wrote a line with no effect in hand");
    } else if (too_long) {
        cli_str_printf(&why, "the stream handler answered a line longer than %d bytes, not a "
                             "reply",
                       REPLY_MAX);
    } else if (!reply) {
        cli_str_puts(&why, "the stream handler answered something that is not a reply: ");
        quote_line(&why, line, len);
    } else if (strcmp(key.data, w->q[w->head].key) != 0) {
        cli_str_puts(&why, "the stream handler replied for another key: ");
        cli_str_untrusted_puts(&why, key.data);
    }
    if (why.len > 0 || why.failed) {
        drain_err(w);
        stop_worker(p, w, true, &why,
                    w->queued > 0 ? "not a reply" : "a line with no effect in hand", false);
        cli_str_free(&why);
        cli_str_free(&key);
        cli_str_free(&error);
        return false;
    }
    /* what it wrote to standard error before its reply: all of it when it
     * held nothing else; with more in flight, only what was read before
     * the reply (poll reads standard output first), since what follows may
     * be about the next effect */
    if (w->queued == 1)
        drain_err(w);
    w->delay = RESTART_FIRST;
    if (!ok) {
        cli_str_puts(&why, "the stream handler reported a failure: ");
        cli_str_untrusted_puts(&why, error.data);
    }
    {
        cli_str tail = {0};
        take_tail(w, &tail);
        end_delivery(p, w, ok, &why, 0, false, &tail);
        cli_str_free(&tail);
    }
    cli_str_free(&why);
    cli_str_free(&key);
    cli_str_free(&error);
    return true;
}

/* Adds bytes to the line being read; past REPLY_MAX it is too long. */
static void line_add(stream_worker *w, const char *bytes, size_t n)
{
    if (w->line_too_long || w->line_len + n > REPLY_MAX) {
        w->line_too_long = true;
        return;
    }
    if (w->line_len + n + 1 > w->line_cap) {
        size_t cap = w->line_len + n + 256;
        char *grown = realloc(w->line, cap);
        if (!grown) {
            w->line_too_long = true;
            return;
        }
        w->line = grown;
        w->line_cap = cap;
    }
    if (!w->line)
        return;
    memcpy(w->line + w->line_len, bytes, n);
    w->line_len += n;
    w->line[w->line_len] = '\0';
}

/* Reads what is on a handler's standard output now and handles its whole
 * lines; at its end the handler is stopped. */
static void read_out(host_stream *p, stream_worker *w)
{
    char chunk[4096];
    for (;;) {
        ssize_t n = read(w->out, chunk, sizeof chunk);
        size_t start = 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            cli_str why = {0};
            cli_str_puts(&why, "the stream handler closed its standard output before replying");
            drain_err(w);
            stop_worker(p, w, false, &why, "its standard output ended", false);
            cli_str_free(&why);
            return;
        }
        for (size_t i = 0; i < (size_t)n; i++) {
            if (chunk[i] != '\n')
                continue;
            line_add(w, chunk + start, i - start);
            start = i + 1;
            if (!handle_line(p, w, w->line ? w->line : "", w->line_len, w->line_too_long))
                return;
            w->line_len = 0;
            w->line_too_long = false;
        }
        line_add(w, chunk + start, (size_t)n - start);
    }
}

/* Writes what is left of the lines for the handler, as much as its pipe
 * takes now (the rest waits for POLLOUT); at EPIPE (it closed its input)
 * it is stopped. */
static void write_in(host_stream *p, stream_worker *w)
{
    while (w->woff < w->wlen) {
        ssize_t n = write(w->in, w->wbuf + w->woff, w->wlen - w->woff);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            cli_str why = {0};
            cli_str_puts(&why, "the stream handler closed its standard input");
            drain_err(w);
            stop_worker(p, w, false, &why, "its standard input closed", false);
            cli_str_free(&why);
            return;
        }
        w->woff += (size_t)n;
    }
    w->wlen = w->woff = 0;
}

/* ---------------------------------------------------------------------- */
/* The pool                                                                */
/* ---------------------------------------------------------------------- */

/* Whether a worker can take one more effect at `now` that must be answered
 * by `last_finish`: running or due to start, with room in its queue and
 * its pipe, and time for every effect before it and this one to run their
 * whole --timeout each. */
static bool worker_fits(const host_stream *p, const stream_worker *w, double now,
                        double last_finish)
{
    /* results not yet handed over first: so they never outnumber the
     * deliveries a pool can hold */
    if (p->nended > 0)
        return false;
    if (w->pid == 0 && now < w->restart_at)
        return false;
    if (w->queued >= STREAM_PIPELINE_DEPTH || w->inflight_bytes >= STREAM_INFLIGHT_BYTES)
        return false;
    return now + (double)(w->queued + 1) * (double)p->timeout <= last_finish;
}

/* The worker that fits (worker_fits) with the shortest queue, a running
 * handler before one to start; NULL when none fits. */
static stream_worker *pick_worker(const host_stream *p, double now, double last_finish)
{
    stream_worker *best = NULL;
    for (size_t i = 0; i < p->nworkers; i++) {
        stream_worker *w = &p->w[i];
        if (!worker_fits(p, w, now, last_finish))
            continue;
        if (!best || w->queued < best->queued ||
            (w->queued == best->queued && best->pid == 0 && w->pid > 0))
            best = w;
    }
    return best;
}

bool host_stream_ready(const host_stream *p, double now, double last_finish)
{
    return pick_worker(p, now, last_finish) != NULL;
}

bool host_stream_send(host_stream *p, size_t slot, const char *key, const char *document,
                      double now, double last_finish, cli_str *why)
{
    stream_worker *w = pick_worker(p, now, last_finish);
    size_t len = strlen(document);
    stream_effect *e;
    char *k;

    if (!w) {
        cli_str_puts(why, "no stream handler is free");
        return false;
    }
    if (w->pid == 0 && !start_worker(p, w, why)) {
        w->restart_at = now + w->delay;
        w->delay = w->delay * 2 > RESTART_MAX ? RESTART_MAX : w->delay * 2;
        return false;
    }
    if (w->wlen + len + 1 > w->wcap) {
        size_t cap = w->wlen + len + 1 + 4096;
        char *grown = realloc(w->wbuf, cap);
        if (!grown) {
            cli_str_puts(why, "out of memory");
            return false;
        }
        w->wbuf = grown;
        w->wcap = cap;
    }
    k = strdup(key);
    if (!k) {
        cli_str_puts(why, "out of memory");
        return false;
    }
    memcpy(w->wbuf + w->wlen, document, len);
    w->wbuf[w->wlen + len] = '\n';
    w->wlen += len + 1;
    e = &w->q[(w->head + w->queued) % STREAM_PIPELINE_DEPTH];
    e->slot = slot;
    e->key = k;
    e->bytes = len + 1;
    w->inflight_bytes += len + 1;
    if (w->queued++ == 0)
        w->deadline = now + (double)p->timeout;
    /* written by host_stream_flush or host_stream_wait: the lines of a
     * batch go to each handler in one write */
    return true;
}

void host_stream_flush(host_stream *p)
{
    for (size_t i = 0; i < p->nworkers; i++) {
        stream_worker *w = &p->w[i];
        if (w->pid > 0 && w->woff < w->wlen)
            write_in(p, w);
    }
}

static void hand_over(host_stream *p, void (*done)(void *ctx, host_stream_result *r), void *ctx)
{
    for (size_t i = 0; i < p->nended; i++)
        done(ctx, &p->ended[i]);
    p->nended = 0;
}

void host_stream_wait(host_stream *p, double until,
                      void (*done)(void *ctx, host_stream_result *r), void *ctx)
{
    struct pollfd fds[3 * 256];
    stream_worker *owner[3 * 256];
    size_t nfds = 0;
    double now = stream_now(), wake = until;
    int ms;

    host_stream_flush(p);
    if (p->nended > 0) {
        hand_over(p, done, ctx);
        return;
    }
    if (wake > now + 1)
        wake = now + 1;
    for (size_t i = 0; i < p->nworkers && nfds + 3 <= sizeof fds / sizeof fds[0]; i++) {
        stream_worker *w = &p->w[i];
        if (w->pid == 0) {
            if (w->restart_at > now && w->restart_at < wake)
                wake = w->restart_at;
            continue;
        }
        if (w->queued > 0 && w->deadline < wake)
            wake = w->deadline;
        fds[nfds] = (struct pollfd){w->out, POLLIN, 0};
        owner[nfds++] = w;
        if (w->err >= 0) {
            fds[nfds] = (struct pollfd){w->err, POLLIN, 0};
            owner[nfds++] = w;
        }
        if (w->woff < w->wlen) {
            fds[nfds] = (struct pollfd){w->in, POLLOUT, 0};
            owner[nfds++] = w;
        }
    }
    ms = wake > now ? (int)((wake - now) * 1000.0) + 1 : 0;
    if (poll(fds, nfds, ms) > 0) {
        for (size_t k = 0; k < nfds; k++) {
            stream_worker *w = owner[k];
            if (fds[k].revents == 0 || w->pid == 0)
                continue;
            if (fds[k].fd == w->err)
                drain_err(w);
            else if (fds[k].fd == w->out)
                read_out(p, w);
            else if (fds[k].fd == w->in)
                write_in(p, w);
        }
    }
    now = stream_now();
    for (size_t i = 0; i < p->nworkers; i++) {
        stream_worker *w = &p->w[i];
        if (w->pid > 0 && w->queued > 0 && now >= w->deadline) {
            cli_str why = {0};
            cli_str_printf(&why, "the stream handler gave no reply within --timeout %llds and "
                                 "was killed",
                           p->timeout);
            drain_err(w);
            stop_worker(p, w, true, &why, "no reply within --timeout", false);
            cli_str_free(&why);
        }
    }
    hand_over(p, done, ctx);
}

void host_stream_free(host_stream *p)
{
    double until;
    if (!p)
        return;
    for (size_t i = 0; i < p->nworkers; i++)
        close_fd(&p->w[i].in); /* the end of their input: time to exit */
    until = stream_now() + EXIT_GRACE;
    for (size_t i = 0; i < p->nworkers; i++) {
        stream_worker *w = &p->w[i];
        int status = 0;
        bool reaped = false;
        host_log_event ev;
        if (w->pid == 0)
            continue;
        while (!reaped && stream_now() < until) {
            pid_t r = waitpid(w->pid, &status, WNOHANG);
            struct timespec ts = {0, 2L * 1000 * 1000};
            if (r == w->pid)
                reaped = true;
            else if (r < 0 && errno != EINTR)
                break;
            else
                (void)nanosleep(&ts, NULL);
        }
        (void)kill(-w->pid, SIGKILL);
        while (!reaped) {
            pid_t r = waitpid(w->pid, &status, 0);
            if (r == w->pid)
                reaped = true;
            else if (r < 0 && errno != EINTR)
                break;
        }
        if (host_log_begin(&ev, HOST_LOG_INFO, "handler_exited")) {
            log_worker(&ev, w, w->pid);
            host_log_str(&ev, "reason", "stopping");
            log_status(&ev, status, reaped);
            host_log_end(&ev);
        }
        close_fd(&w->out);
        close_fd(&w->err);
        w->pid = 0;
    }
    for (size_t i = 0; i < p->nworkers; i++) {
        stream_worker *w = &p->w[i];
        for (size_t k = 0; k < w->queued; k++)
            free(w->q[(w->head + k) % STREAM_PIPELINE_DEPTH].key);
        free(w->wbuf);
        free(w->line);
    }
    for (size_t i = 0; i < p->nended; i++) {
        cli_str_free(&p->ended[i].why);
        cli_str_free(&p->ended[i].tail);
    }
    free(p->ended);
    free(p->w);
    free(p);
}
