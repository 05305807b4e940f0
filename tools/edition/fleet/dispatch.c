/*
 * `fleet dispatch` and `fleet run`: ready effects claimed in batches and
 * delivered to the handler under a guardian process, each bounded by
 * --timeout within its lease.
 */
#include "host.h"
#include "metrics.h"
#include "tail.h"
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/select.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------------- */
/* dispatch and run                                                        */
/* ---------------------------------------------------------------------- */

typedef struct dispatch_conf {
    const char *exec;        /* --exec: a handler per effect; NULL with --exec-stream */
    const char *exec_stream; /* --exec-stream: a handler per worker; NULL with --exec */
    host_stream *stream;     /* the handlers of --exec-stream */
    long long max_attempts, backoff, lease, workers, timeout;
    host_metrics *metrics; /* fleet run: counts each delivery; NULL: none */
} dispatch_conf;

typedef struct dispatch_totals {
    size_t done, retried, failed;
} dispatch_totals;

/* Seconds on the monotonic clock: handler deadlines do not move with the
 * wall clock. */
static double monotonic_now(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What the guardian hands back through its report pipe before it exits:
 * the number of bytes the handler wrote to standard error, then the last
 * HOST_TAIL of them (tail.h). */

/* Reads what the handler writes to its standard error (`fd`) until it has
 * exited (or closed it), then drains what is left without waiting for a
 * child it left behind still holding the pipe. Returns its wait status.
 * SIGCHLD is blocked but for the wait in pselect, which it interrupts. */
static int collect_stderr(pid_t handler, int fd, host_tail *cap)
{
    sigset_t open_mask;
    int status = 0;
    char chunk[4096];
    bool exited = false;

    sigemptyset(&open_mask);
    while (fd >= 0) {
        fd_set readable;
        ssize_t n;
        if (!exited && waitpid(handler, &status, WNOHANG) == handler) {
            exited = true;
            (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        }
        FD_ZERO(&readable);
        FD_SET(fd, &readable);
        if (!exited && pselect(fd + 1, &readable, NULL, NULL, NULL, &open_mask) < 0)
            continue; /* SIGCHLD: look at the handler again */
        n = read(fd, chunk, sizeof chunk);
        if (n > 0) {
            host_tail_add(cap, chunk, (size_t)n);
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN) || exited) {
            close(fd);
            fd = -1;
        }
    }
    while (!exited && waitpid(handler, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

/* Writes the capture to the report pipe: it fits in the pipe's buffer, so
 * this never waits for the dispatcher. */
static void report_stderr(int report, const host_tail *cap)
{
    size_t len;
    const char *tail = host_tail_bytes(cap, &len);
    if (write(report, &cap->total, sizeof cap->total) == (ssize_t)sizeof cap->total)
        (void)!write(report, tail, len);
    close(report);
}

static void guardian_child(int sig)
{
    (void)sig; /* only to end pselect in collect_stderr */
}

/* The guardian's answer to SIGTERM, which it also gets when its dispatcher
 * dies (PR_SET_PDEATHSIG): the handler's whole process group goes, itself
 * included, so that no delivery outlives the dispatcher that leased it. */
static void guardian_stop(int sig)
{
    (void)sig;
    (void)kill(0, SIGKILL);
}

/* The first child of a delivery: leader of a process group of its own
 * (the handler and everything it starts), which the dispatcher kills whole
 * when the handler passes --timeout. It runs the handler, keeps the end of
 * its standard error, reports it through `report`, and exits with the
 * handler's status. Never returns. */
static void guardian(const dispatch_conf *c, const fleet_effect_row *e, int input, int report,
                     pid_t dispatcher)
{
    struct sigaction sa;
    sigset_t none, chld;
    pid_t handler;
    int status = 0;
    int err[2] = {-1, -1};
    static host_tail cap; /* static: 8 KiB off the stack of a fork */

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = guardian_stop;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)signal(SIGINT, SIG_DFL);
    (void)signal(SIGPIPE, SIG_DFL);
    sa.sa_handler = guardian_child;
    (void)sigaction(SIGCHLD, &sa, NULL);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    (void)sigprocmask(SIG_SETMASK, &chld, NULL);
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != dispatcher) /* it died before prctl took effect */
        guardian_stop(SIGTERM);
    if (pipe(err) != 0)
        err[0] = err[1] = -1; /* the handler writes to the service's own */
    else
        (void)fcntl(err[0], F_SETFD, FD_CLOEXEC);
    handler = fork();
    if (handler == 0) {
        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
        (void)signal(SIGTERM, SIG_DFL);
        (void)signal(SIGCHLD, SIG_DFL);
        dup2(input, STDIN_FILENO);
        close(input);
        if (err[1] >= 0)
            dup2(err[1], STDERR_FILENO);
        setenv("EDITION_EFFECT_KEY", e->key, 1);
        setenv("EDITION_EFFECT_KIND", e->kind, 1);
        setenv("EDITION_EFFECT_INSTANCE", e->instance, 1);
        /* the database may name its password: the handler gets the effect,
         * not the database */
        unsetenv("EDITION_FLEET_DB");
        execl("/bin/sh", "sh", "-c", c->exec, (char *)NULL);
        _exit(127);
    }
    close(input);
    if (err[1] >= 0)
        close(err[1]);
    if (handler < 0)
        _exit(126);
    status = collect_stderr(handler, err[0], &cap);
    report_stderr(report, &cap);
    if (WIFSIGNALED(status)) {
        (void)signal(WTERMSIG(status), SIG_DFL);
        (void)raise(WTERMSIG(status));
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
}

/* Starts the delivery of one effect: /bin/sh -c CMD under a guardian (its
 * process group), the effect's JSON on standard input, its key in
 * EDITION_EFFECT_KEY. Returns the guardian's process ID and in *report the
 * end of the pipe its report of the handler's standard error comes
 * through, or -1 with the reason in `why`. */
static pid_t start_handler(const dispatch_conf *c, const fleet_effect_row *e, int *report,
                           cli_str *why)
{
    int fds[2], rep[2];
    pid_t pid, self = getpid();
    size_t len = strlen(e->document), off = 0;

    *report = -1;
    if (pipe(fds) != 0) {
        cli_str_printf(why, "cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    /* close-on-exec: the handler holds neither end; the guardian writes */
    if (pipe(rep) != 0) {
        cli_str_printf(why, "cannot create a pipe: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    (void)fcntl(rep[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(rep[1], F_SETFD, FD_CLOEXEC);
    pid = fork();
    if (pid < 0) {
        cli_str_printf(why, "cannot start the handler: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        close(rep[0]);
        close(rep[1]);
        return -1;
    }
    if (pid == 0) {
        (void)setpgid(0, 0);
        close(fds[1]);
        close(rep[0]);
        guardian(c, e, fds[0], rep[1], self);
    }
    /* set here too: the group must exist before the dispatcher may kill it */
    (void)setpgid(pid, pid);
    close(fds[0]);
    close(rep[1]);
    *report = rep[0];
    /* An effect document is far smaller than a pipe's buffer: this does
     * not wait for the handler to read it. A handler that closes its input
     * early ends this write with EPIPE; its exit status tells. */
    while (off < len) {
        ssize_t n = write(fds[1], e->document + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    if (off == len) {
        /* the closing newline: a failure here is the handler's early
         * close again, which its exit status reports */
        ssize_t newline = write(fds[1], "\n", 1);
        (void)newline;
    }
    close(fds[1]);
    return pid;
}

static void describe_status(int status, fleet_outcome *o, cli_str *why)
{
    if (WIFEXITED(status)) {
        o->exit_status = WEXITSTATUS(status);
        cli_str_printf(why, "the handler exited with status %d", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        o->signal = WTERMSIG(status);
        cli_str_printf(why, "the handler was killed by signal %d", WTERMSIG(status));
    } else {
        cli_str_puts(why, "the handler ended abnormally");
    }
}

/* Waits until a child ends or `until` (monotonic) passes, whichever comes
 * first. SIGCHLD is blocked while handlers run, so that it wakes this wait
 * instead of being lost between a check and a sleep. */
static void wait_for_child(double until)
{
    double left = until - monotonic_now();
    sigset_t chld;
    struct timespec ts;
    if (left <= 0)
        return;
    if (left > 1)
        left = 1; /* look at the stop flag at least once a second */
    ts.tv_sec = (time_t)left;
    ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    (void)sigtimedwait(&chld, NULL, &ts);
}

/* The effects claimed at a time per worker of a streaming handler
 * (docs/fleet.md, "Streaming handlers"); 8 per worker with --exec. */
#define STREAM_BATCH_PER_WORKER 64

/* The margin between the moment a delivery is killed at the latest and the
 * end of its lease: time to kill and reap its process group, and to spare
 * for clocks that tick a little apart. */
#define LEASE_MARGIN 0.25

/* The deliveries of a batch under way: a guardian per started effect. */
typedef struct deliveries {
    pid_t *pid;       /* 0: not started, or ended */
    int *report;      /* the guardian's report of the handler's standard error */
    double *started;  /* monotonic */
    double *deadline; /* monotonic: --timeout after its start */
    bool *killed;     /* its group was killed at its deadline */
    size_t started_count, running;
} deliveries;

/* The report of a guardian that ended: what the handler wrote to standard
 * error, its end escaped into `tail` ("[...]" first when it was cut). */
static void read_report(int fd, cli_str *tail)
{
    char buf[sizeof(uint64_t) + HOST_TAIL];
    size_t len = 0;
    uint64_t total = 0;
    while (len < sizeof buf) {
        ssize_t n = read(fd, buf + len, sizeof buf - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (len <= sizeof total)
        return;
    memcpy(&total, buf, sizeof total);
    host_tail_escape(total, buf + sizeof total, len - sizeof total, tail);
}

/* Records the end of the delivery whose guardian `done` ended. */
static void delivery_ended(const dispatch_conf *c, deliveries *d, pid_t done, int status,
                           fleet_outcome *o, cli_str *why, cli_str *tail)
{
    for (size_t i = 0; i < d->started_count; i++) {
        if (d->pid[i] != done)
            continue;
        d->pid[i] = 0;
        d->running--;
        /* what the handler left in its group goes with it */
        (void)kill(-done, SIGKILL);
        o[i].duration_ms = (int64_t)((monotonic_now() - d->started[i]) * 1000.0 + 0.5);
        read_report(d->report[i], &tail[i]);
        d->report[i] = -1;
        o[i].ok = !d->killed[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (o[i].ok)
            o[i].exit_status = 0;
        else if (d->killed[i]) {
            o[i].signal = SIGKILL;
            cli_str_printf(&why[i], "the handler ran past --timeout %llds and was killed",
                           c->timeout);
        } else
            describe_status(status, &o[i], &why[i]);
    }
}

/* Kills the groups of the deliveries past their deadline; returns the
 * earliest deadline still ahead (at most `wake`). */
static double kill_overdue(deliveries *d, double wake)
{
    double now = monotonic_now();
    for (size_t i = 0; i < d->started_count; i++) {
        if (d->pid[i] <= 0 || d->killed[i])
            continue;
        if (now >= d->deadline[i]) {
            (void)kill(-d->pid[i], SIGKILL);
            d->killed[i] = true;
        } else if (d->deadline[i] < wake) {
            wake = d->deadline[i];
        }
    }
    return wake;
}

/* The fields every event of an effect carries. */
static void log_effect(host_log_event *ev, const fleet_effect_row *e)
{
    host_log_str(ev, "key", e->key);
    host_log_str(ev, "kind", e->kind);
    host_log_str(ev, "instance", e->instance);
}

static void log_done(const fleet_effect_row *e, const fleet_outcome *o)
{
    host_log_event ev;
    if (!host_log_begin(&ev, HOST_LOG_INFO, "effect_done"))
        return;
    log_effect(&ev, e);
    host_log_int(&ev, "attempt", e->attempts);
    host_log_seconds(&ev, "duration", (double)o->duration_ms / 1000.0);
    host_log_end(&ev);
}

/* A failed attempt: warn with the next attempt, or error when the effect
 * is failed for good (dead-lettered: it holds its instance's later effects
 * until `fleet retry`). */
static void log_failed(const dispatch_conf *c, const fleet_effect_row *e, const fleet_outcome *o)
{
    host_log_event ev;
    if (!host_log_begin(&ev, o->dead ? HOST_LOG_ERROR : HOST_LOG_WARN,
                        o->dead ? "effect_failed" : "attempt_failed"))
        return;
    log_effect(&ev, e);
    host_log_int(&ev, "attempt", e->attempts);
    host_log_int(&ev, "max_attempts", c->max_attempts);
    host_log_str(&ev, "reason", o->error);
    if (o->exit_status >= 0)
        host_log_int(&ev, "exit_status", o->exit_status);
    if (o->signal > 0)
        host_log_int(&ev, "signal", o->signal);
    host_log_seconds(&ev, "duration", (double)o->duration_ms / 1000.0);
    host_log_str(&ev, "stderr", o->stderr_tail);
    if (o->dead)
        host_log_str(&ev, "action", "kept as failed: edition fleet retry DB KEY re-queues it");
    else
        host_log_time(&ev, "next_attempt", o->retry_at);
    host_log_end(&ev);
}

/* The outcome of a failed delivery: retried after the backoff, or failed
 * for good after --max-attempts. */
static void failed_outcome(const dispatch_conf *c, const fleet_effect_row *e, fleet_outcome *o,
                           cli_str *why, dispatch_totals *t)
{
    long long delay = c->backoff;
    o->dead = e->attempts >= c->max_attempts;
    for (long long k = 1; k < e->attempts && delay < MAX_BACKOFF; k++)
        delay *= 2;
    if (delay > MAX_BACKOFF)
        delay = MAX_BACKOFF;
    o->retry_at = (ed_time)time(NULL) + delay;
    cli_str_printf(why, " (attempt %" PRId64 " of %lld)", e->attempts, c->max_attempts);
    o->error = why->data && !why->failed ? why->data : "the handler failed";
    log_failed(c, e, o);
    if (o->dead)
        t->failed++;
    else
        t->retried++;
}

/* The outcomes of a batch that ran: counted, logged, and completed with
 * what the next attempt or the failed effect needs. */
static void finish_batch(const dispatch_conf *c, const fleet_effect_row *e, size_t n,
                         fleet_outcome *o, cli_str *why, cli_str *tail, dispatch_totals *t)
{
    for (size_t i = 0; i < n; i++) {
        if (o[i].released)
            continue;
        o[i].stderr_tail = tail[i].len > 0 && !tail[i].failed ? tail[i].data : NULL;
        if (o[i].ok) {
            t->done++;
            log_done(&e[i], &o[i]);
        } else {
            failed_outcome(c, &e[i], &o[i], &why[i], t);
        }
        host_metrics_delivery(c->metrics, o[i].ok ? "done" : o[i].dead ? "failed" : "retry",
                              (double)o[i].duration_ms / 1000.0);
    }
}

/* A claimed effect given back unstarted: no attempt counted. */
static void release_effect(const fleet_effect_row *e, fleet_outcome *o)
{
    host_log_event ev;
    o->released = true;
    if (host_log_begin(&ev, HOST_LOG_DEBUG, "effect_released")) {
        log_effect(&ev, e);
        host_log_str(&ev, "reason",
                     host_stop_requested ? "stopping" : "its lease ends before --timeout could");
        host_log_end(&ev);
    }
}

/* Runs the deliveries of a claimed batch (each effect of another
 * instance), at most --workers at a time, and fills the outcomes. The batch
 * was claimed at `claimed` (monotonic, taken before the claim), leased for
 * at least --lease seconds from then. A delivery is started only while it
 * can run its whole --timeout before the lease ends (less LEASE_MARGIN),
 * and its process group is killed when --timeout passes: so no delivery
 * outlives its lease, and neither a redelivery of its effect nor a later
 * effect of its instance ever starts beside it. What cannot be started in
 * time is given back (released) without counting an attempt. */
static void run_batch(const dispatch_conf *c, fleet_effect_row *e, size_t n, double claimed,
                      fleet_outcome *o, cli_str *why, cli_str *tail, dispatch_totals *t)
{
    deliveries d = {calloc(n, sizeof(pid_t)), calloc(n, sizeof(int)), calloc(n, sizeof(double)),
                    calloc(n, sizeof(double)), calloc(n, sizeof(bool)), 0, 0};
    double last_start = claimed + (double)c->lease - LEASE_MARGIN - (double)c->timeout;
    sigset_t chld, old;

    for (size_t i = 0; i < n; i++) {
        o[i].key = e[i].key;
        o[i].attempt = e[i].attempts;
        o[i].exit_status = -1;
    }
    if (!d.pid || !d.report || !d.started || !d.deadline || !d.killed) {
        for (size_t i = 0; i < n; i++)
            cli_str_puts(&why[i], "out of memory"); /* nothing started: retried */
        d.started_count = n;
    }
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    (void)sigprocmask(SIG_BLOCK, &chld, &old);
    while (d.started_count < n || d.running > 0) {
        int status = 0;
        pid_t done;

        while (d.started_count < n && d.running < (size_t)c->workers) {
            size_t i = d.started_count++;
            if (monotonic_now() > last_start || host_stop_requested) {
                release_effect(&e[i], &o[i]);
                continue;
            }
            d.started[i] = monotonic_now();
            d.pid[i] = start_handler(c, &e[i], &d.report[i], &why[i]);
            d.deadline[i] = d.started[i] + (double)c->timeout;
            if (d.pid[i] > 0)
                d.running++;
        }
        if (d.running == 0)
            continue;
        done = waitpid(-1, &status, WNOHANG);
        if (done < 0 && errno != EINTR)
            break;
        if (done > 0)
            delivery_ended(c, &d, done, status, o, why, tail);
        else
            wait_for_child(kill_overdue(&d, monotonic_now() + 1));
    }
    (void)sigprocmask(SIG_SETMASK, &old, NULL);
    finish_batch(c, e, n, o, why, tail, t);
    free(d.killed);
    free(d.deadline);
    free(d.started);
    free(d.report);
    free(d.pid);
}

/* The deliveries of a batch to the streaming handlers, under way. */
typedef struct stream_batch {
    fleet_outcome *o;
    cli_str *why, *tail;
    double *started; /* monotonic */
    size_t running;
} stream_batch;

/* host_stream_wait's report of a delivery that ended. */
static void stream_ended(void *ctx, host_stream_result *r)
{
    stream_batch *b = ctx;
    size_t i = r->slot;
    b->o[i].ok = r->ok;
    b->o[i].exit_status = r->exit_status;
    b->o[i].signal = r->signal;
    b->o[i].duration_ms = (int64_t)((monotonic_now() - b->started[i]) * 1000.0 + 0.5);
    cli_str_free(&b->why[i]);
    b->why[i] = r->why;
    cli_str_free(&b->tail[i]);
    b->tail[i] = r->tail;
    memset(&r->why, 0, sizeof r->why);
    memset(&r->tail, 0, sizeof r->tail);
    b->running--;
}

/* The batch claimed ahead (--exec-stream): while the handlers work on one
 * batch, the next is claimed, so that the database and the handlers work
 * side by side. Its effects are of instances with nothing in flight (the
 * claim passes over an instance whose earlier effect is not done). */
typedef struct prefetch {
    fleet_store *s;
    const dispatch_conf *c;
    size_t limit;
    bool tried;          /* the claim was made (whatever it found) */
    int rc;              /* CLI_EXIT_OK, or the claim failed (reported) */
    fleet_effect_row *e; /* what it claimed */
    size_t n;
    double claimed; /* monotonic, taken before the claim */
} prefetch;

static void claim_next(prefetch *p)
{
    ed_time now = (ed_time)time(NULL);
    fleet_err err;
    p->tried = true;
    p->claimed = monotonic_now();
    if (host_stop_requested)
        return; /* nothing more is claimed once asked to stop */
    /* the lease runs from the next whole second, as in dispatch_loop; a
     * busy database (SQLite) leaves it to the next claim */
    err = fleet_store_claim_effects(p->s, now, now + 1 + p->c->lease, p->limit, &p->e, &p->n);
    if (err == FLEET_OK && p->n > 0)
        cli_fault_point("fleet-after-claim");
    else if (err != FLEET_OK && err != FLEET_BUSY)
        p->rc = host_store_error(p->s, "cannot claim effects");
}

/* run_batch with --exec-stream: each effect of the batch goes, as one line,
 * to the worker with the fewest effects in flight, several to a worker at a
 * time (pipelined: host_stream_ready), with the lease rule of run_batch
 * extended to the queue: an effect is sent only while every effect before
 * it on its worker and itself can each take their whole --timeout, one
 * after the other, before the lease ends (less LEASE_MARGIN); an effect
 * that no worker can take in time is released. No reply within --timeout
 * of an effect becoming its worker's oldest: the handler's group is killed
 * and every effect it held fails that attempt. */
static void run_batch_stream(const dispatch_conf *c, fleet_effect_row *e, size_t n,
                             double claimed, fleet_outcome *o, cli_str *why, cli_str *tail,
                             dispatch_totals *t, prefetch *ahead)
{
    stream_batch b = {o, why, tail, calloc(n, sizeof(double)), 0};
    double last_finish = claimed + (double)c->lease - LEASE_MARGIN;
    size_t next = 0;
    prefetch *next_batch = ahead; /* claimed once, after the first sends */

    for (size_t i = 0; i < n; i++) {
        o[i].key = e[i].key;
        o[i].attempt = e[i].attempts;
        o[i].exit_status = -1;
    }
    if (!b.started) {
        for (size_t i = 0; i < n; i++)
            cli_str_puts(&why[i], "out of memory"); /* nothing started: retried */
        next = n;
    }
    while (next < n || b.running > 0) {
        while (next < n) {
            size_t i = next;
            double now = monotonic_now();
            if (now + (double)c->timeout > last_finish || host_stop_requested) {
                next++;
                release_effect(&e[i], &o[i]);
                continue;
            }
            if (!host_stream_ready(c->stream, now, last_finish))
                break;
            next++;
            b.started[i] = now;
            if (host_stream_send(c->stream, i, e[i].key, e[i].document, now, last_finish,
                                 &why[i]))
                b.running++;
        }
        /* once the first effects are on their way, the next batch is
         * claimed while the handlers work on them */
        if (next_batch) {
            host_stream_flush(c->stream);
            claim_next(next_batch);
            next_batch = NULL;
            continue;
        }
        if (next < n || b.running > 0)
            host_stream_wait(c->stream, monotonic_now() + 1, stream_ended, &b);
    }
    if (next_batch)
        claim_next(next_batch);
    finish_batch(c, e, n, o, why, tail, t);
    free(b.started);
}

/* A claimed effect whose earlier claim's lease ended with no outcome: the
 * dispatcher that held it died or was stopped; it is delivered again. */
static void log_redelivery(const fleet_effect_row *e)
{
    host_log_event ev;
    if (!host_log_begin(&ev, HOST_LOG_WARN, "lease_expired"))
        return;
    log_effect(&ev, e);
    host_log_int(&ev, "attempt", e->attempts - 1);
    host_log_str(&ev, "action", "delivered again");
    host_log_int(&ev, "next_attempt", e->attempts);
    host_log_end(&ev);
}

/* Claims and runs batches of ready effects until none is ready; with
 * `wait`, also waits for effects that are pending but not ready yet (a
 * retry's backoff, another dispatcher's lease, an earlier effect of the
 * same instance in flight) until none is left. */
static int dispatch_loop(fleet_store *s, const dispatch_conf *c, bool wait, dispatch_totals *t)
{
    int rc = CLI_EXIT_OK;
    /* a streaming handler takes an effect in tens of microseconds: its
     * batches are larger, so that the two transactions of a batch (claim,
     * outcomes) are spread over more effects */
    size_t batch = (size_t)c->workers * (c->exec_stream ? STREAM_BATCH_PER_WORKER : 8);
    prefetch ahead = {s, c, 0, false, CLI_EXIT_OK, NULL, 0, 0};

    if (batch < 32)
        batch = 32;
    ahead.limit = batch;
    while (!host_stop_requested || (ahead.tried && ahead.n > 0)) {
        fleet_effect_row *e = NULL;
        fleet_outcome *o;
        cli_str *why, *tail;
        size_t n = 0;
        double claimed = monotonic_now();
        ed_time now = (ed_time)time(NULL);
        fleet_err err;

        if (ahead.tried && ahead.rc != CLI_EXIT_OK) {
            rc = ahead.rc;
            break;
        }
        if (ahead.tried && ahead.n > 0) {
            /* the batch claimed while the last one ran (run even when a
             * stop was asked meanwhile: its effects are given back,
             * released); when it found none, the claim is made again now
             * that the last batch's outcomes let its instances' next
             * effects through */
            err = FLEET_OK;
            e = ahead.e;
            n = ahead.n;
            claimed = ahead.claimed;
        } else {
            /* the lease runs from the next whole second: at least --lease
             * seconds of the wall clock, whatever part of this one is gone */
            err = fleet_store_claim_effects(s, now, now + 1 + c->lease, batch, &e, &n);
            if (err == FLEET_OK && n > 0)
                cli_fault_point("fleet-after-claim");
        }
        ahead.tried = false;
        ahead.e = NULL;
        ahead.n = 0;
        if (err == FLEET_BUSY)
            continue;
        if (err != FLEET_OK) {
            rc = host_store_error(s, "cannot claim effects");
            break;
        }
        if (n == 0) {
            bool has_dl, has_ef;
            ed_time dl, at;
            struct timespec pause = {0, 50L * 1000 * 1000};
            if (!wait)
                break;
            if (fleet_store_wake(s, &has_dl, &dl, &has_ef, &at) != FLEET_OK) {
                rc = host_store_error(s, "cannot read the outbox");
                break;
            }
            if (!has_ef)
                break;
            (void)nanosleep(&pause, NULL);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (e[i].lease_expired)
                log_redelivery(&e[i]);
        o = calloc(n, sizeof *o);
        why = calloc(n, sizeof *why);
        tail = calloc(n, sizeof *tail);
        if (!o || !why || !tail) {
            cli_error("io_error", "out of memory");
            rc = CLI_EXIT_IO;
        } else {
            if (c->stream)
                run_batch_stream(c, e, n, claimed, o, why, tail, t, &ahead);
            else
                run_batch(c, e, n, claimed, o, why, tail, t);
            cli_fault_point("fleet-after-handler");
            if (fleet_store_record(s, o, n, (ed_time)time(NULL)) != FLEET_OK)
                rc = host_store_error(s, "cannot record the outcome of the effects");
        }
        for (size_t i = 0; i < n; i++) {
            if (why)
                cli_str_free(&why[i]);
            if (tail)
                cli_str_free(&tail[i]);
            fleet_effect_row_free(&e[i]);
        }
        free(tail);
        free(why);
        free(o);
        free(e);
        if (rc != CLI_EXIT_OK)
            break;
    }
    /* a batch claimed ahead and not run (the loop stopped on an error): its
     * leases end and it is delivered again, as after a crash */
    for (size_t i = 0; i < ahead.n; i++)
        fleet_effect_row_free(&ahead.e[i]);
    free(ahead.e);
    return rc;
}

static int dispatch_conf_from(const fleet_args *a, dispatch_conf *c)
{
    int rc;
    c->exec = a->given[F_EXEC] ? a->value[F_EXEC] : NULL;
    c->exec_stream = a->given[F_EXEC_STREAM] ? a->value[F_EXEC_STREAM] : NULL;
    c->stream = NULL;
    c->max_attempts = DEFAULT_MAX_ATTEMPTS;
    c->backoff = DEFAULT_BACKOFF;
    c->lease = DEFAULT_LEASE;
    c->workers = 1;
    c->timeout = DEFAULT_TIMEOUT;
    c->metrics = NULL;
    if (a->given[F_EXEC] && a->given[F_EXEC_STREAM])
        return cli_usage("fleet %s: --exec and --exec-stream exclude each other: give one",
                         a->sub);
    if (!a->given[F_EXEC] && !a->given[F_EXEC_STREAM])
        return cli_usage("fleet %s: needs --exec CMD or --exec-stream CMD", a->sub);
    if ((rc = host_parse_count(a, F_MAX_ATTEMPTS, 1, 1000, &c->max_attempts)) != CLI_EXIT_OK ||
        (rc = host_parse_count(a, F_BACKOFF, 0, MAX_BACKOFF, &c->backoff)) != CLI_EXIT_OK ||
        (rc = host_parse_count(a, F_LEASE, 2, 86400LL * 7, &c->lease)) != CLI_EXIT_OK ||
        (rc = host_parse_count(a, F_WORKERS, 1, 256, &c->workers)) != CLI_EXIT_OK)
        return rc;
    c->timeout = c->lease - 1 < DEFAULT_TIMEOUT ? c->lease - 1 : DEFAULT_TIMEOUT;
    if ((rc = host_parse_count(a, F_TIMEOUT, 1, 86400LL * 7, &c->timeout)) != CLI_EXIT_OK)
        return rc;
    if (c->timeout >= c->lease)
        return cli_usage("fleet %s: --timeout %llds is not shorter than the lease (--lease "
                         "%llds): a handler still running when its lease ends could run beside "
                         "the next delivery of its effect",
                         a->sub, c->timeout, c->lease);
    return CLI_EXIT_OK;
}

/* The event "started" of dispatch and run, with their settings. */
static void log_started(const char *command, const fleet_store *s, const dispatch_conf *c,
                        long long poll, long long batch)
{
    host_log_event ev;
    if (!host_log_begin(&ev, HOST_LOG_INFO, "started"))
        return;
    host_log_str(&ev, "command", command);
    host_log_str(&ev, "version", ed_version());
    host_log_str(&ev, "db", host_shown(s));
    host_log_str(&ev, "exec", c->exec);
    host_log_str(&ev, "exec_stream", c->exec_stream);
    host_log_int(&ev, "workers", c->workers);
    host_log_int(&ev, "max_attempts", c->max_attempts);
    host_log_int(&ev, "backoff", c->backoff);
    host_log_int(&ev, "lease", c->lease);
    host_log_int(&ev, "timeout", c->timeout);
    if (poll > 0)
        host_log_int(&ev, "poll", poll);
    if (batch > 0)
        host_log_int(&ev, "batch", batch);
    host_log_end(&ev);
}

/* The streaming handlers of --exec-stream, one per worker (none started
 * yet); nothing with --exec. */
static int open_stream(dispatch_conf *c)
{
    if (!c->exec_stream)
        return CLI_EXIT_OK;
    c->stream = host_stream_new(c->exec_stream, (size_t)c->workers, c->timeout);
    if (!c->stream) {
        cli_error("io_error", "out of memory");
        return CLI_EXIT_IO;
    }
    return CLI_EXIT_OK;
}

int fleet_cmd_dispatch(fleet_args *a)
{
    dispatch_conf c;
    dispatch_totals t = {0, 0, 0};
    fleet_store s;
    cli_str out = {0};
    int rc = dispatch_conf_from(a, &c);

    if (rc == CLI_EXIT_OK)
        rc = host_log_setup(a);
    if (rc == CLI_EXIT_OK)
        rc = cli_fault_check();
    if (rc != CLI_EXIT_OK || (rc = host_open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    log_started("dispatch", &s, &c, 0, 0);
    rc = open_stream(&c);
    if (rc == CLI_EXIT_OK)
        rc = dispatch_loop(&s, &c, true, &t);
    host_stream_free(c.stream);
    cli_str_printf(&out, "dispatched %zu effects, %zu retries scheduled, %zu failed\n", t.done,
                   t.retried, t.failed);
    {
        int erc = host_emit(&out, t.done > 0);
        if (rc == CLI_EXIT_OK)
            rc = erc;
    }
    if (rc == CLI_EXIT_OK && t.failed) {
        cli_error("effects_failed", "%zu effects failed after %lld attempts: see edition fleet "
                                    "effects %s --failed",
                  t.failed, c.max_attempts, host_shown(&s));
        rc = CLI_EXIT_REFUSED;
    }
    fleet_store_close(&s);
    host_log_stopped(a, rc);
    return rc;
}

/* The sleep of the service between two cycles, which a notification of
 * new work (PostgreSQL) or a signal ends early. */
static int run_sleep(fleet_store *s, const struct timespec *pause)
{
    bool woken = false;
    host_log_event ev;
    if (fleet_store_wait(s, (double)pause->tv_sec + (double)pause->tv_nsec / 1e9, &woken) !=
        FLEET_OK)
        return host_store_error(s, "cannot wait for wake-ups");
    if (woken && host_log_begin(&ev, HOST_LOG_DEBUG, "woken")) {
        host_log_str(&ev, "channel", FLEET_NOTIFY_CHANNEL);
        host_log_end(&ev);
    }
    return CLI_EXIT_OK;
}

/* The service: ticks at deadlines and dispatches, until SIGTERM or SIGINT;
 * then finishes the effect or transaction in hand and exits 0. */
int fleet_cmd_run(fleet_args *a)
{
    dispatch_conf c;
    long long poll = DEFAULT_POLL, batch = DEFAULT_BATCH;
    fleet_store s;
    struct sigaction sa;
    host_metrics metrics;
    const char *metrics_file = a->given[F_METRICS_FILE] ? a->value[F_METRICS_FILE] : NULL;
    int rc = dispatch_conf_from(a, &c);

    if (rc == CLI_EXIT_OK)
        rc = host_parse_count(a, F_POLL, 1, 86400, &poll);
    if (rc == CLI_EXIT_OK)
        rc = host_parse_count(a, F_BATCH, 1, MAX_BATCH, &batch);
    if (rc == CLI_EXIT_OK)
        rc = host_log_setup(a);
    if (rc != CLI_EXIT_OK || (rc = host_open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    log_started("run", &s, &c, poll, batch);
    rc = open_stream(&c);
    /* PostgreSQL: a commit that creates work wakes the sleep below */
    if (rc == CLI_EXIT_OK && fleet_store_listen(&s) != FLEET_OK)
        rc = host_store_error(&s, "cannot listen for wake-ups");
    if (rc != CLI_EXIT_OK) {
        host_stream_free(c.stream);
        fleet_store_close(&s);
        host_log_stopped(a, rc);
        return rc;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = host_on_stop; /* no SA_RESTART: a signal ends the sleep */
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGINT, &sa, NULL);
    (void)signal(SIGPIPE, SIG_IGN);
    host_metrics_init(&metrics, (ed_time)time(NULL));
    c.metrics = &metrics;
    if (metrics_file)
        host_metrics_publish(&s, &metrics, metrics_file);
    while (!host_stop_requested) {
        tick_totals tt = {0, 0, 0, 0, 0};
        dispatch_totals dt = {0, 0, 0};
        bool has_dl = false, has_ef = false;
        ed_time dl = 0, at = 0, now, wake;
        struct timespec pause;

        /* rows that cannot be ticked are reported and wait out their
         * backoff (skip_row): they hold up neither the other instances nor
         * the dispatch of effects */
        rc = host_tick_all(&s, (ed_time)time(NULL), -1, (size_t)batch, true, false, &tt);
        host_metrics_ticked(&metrics, tt.ticked);
        if (rc == CLI_EXIT_OK)
            rc = dispatch_loop(&s, &c, false, &dt);
        if (rc == CLI_EXIT_OK && fleet_store_wake(&s, &has_dl, &dl, &has_ef, &at) != FLEET_OK)
            rc = host_store_error(&s, "cannot read the next deadline");
        if (rc != CLI_EXIT_OK)
            break;
        if (metrics_file)
            host_metrics_publish(&s, &metrics, metrics_file);
        now = (ed_time)time(NULL);
        wake = now + poll;
        if (has_dl && dl < wake)
            wake = dl;
        if (has_ef && at < wake)
            wake = at;
        if (wake <= now)
            pause = (struct timespec){0, 200L * 1000 * 1000};
        else
            pause = (struct timespec){(time_t)(wake - now), 0};
        {
            host_log_event ev;
            if (host_log_begin(&ev, HOST_LOG_DEBUG, "cycle")) {
                host_log_int(&ev, "ticked", (int64_t)tt.ticked);
                host_log_int(&ev, "effects_queued", (int64_t)tt.effects);
                host_log_int(&ev, "done", (int64_t)dt.done);
                host_log_int(&ev, "retried", (int64_t)dt.retried);
                host_log_int(&ev, "failed", (int64_t)dt.failed);
                host_log_time(&ev, "sleep_until", wake > now ? wake : now);
                host_log_end(&ev);
            }
        }
        if (!host_stop_requested && (rc = run_sleep(&s, &pause)) != CLI_EXIT_OK)
            break;
    }
    host_stream_free(c.stream);
    fleet_store_close(&s);
    host_log_stopped(a, rc);
    return rc;
}

