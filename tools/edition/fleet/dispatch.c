/*
 * `fleet dispatch` and `fleet run`: ready effects claimed in batches and
 * delivered to the handler under a guardian process, each bounded by
 * --timeout within its lease.
 */
#include "host.h"
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
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
    const char *exec;
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
 * when the handler passes --timeout. It runs the handler and exits with its
 * status. Never returns. */
static void guardian(const dispatch_conf *c, const fleet_effect_row *e, int input, pid_t dispatcher)
{
    struct sigaction sa;
    sigset_t none;
    pid_t handler;
    int status = 0;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = guardian_stop;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)signal(SIGINT, SIG_DFL);
    (void)signal(SIGPIPE, SIG_DFL);
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != dispatcher) /* it died before prctl took effect */
        guardian_stop(SIGTERM);
    handler = fork();
    if (handler == 0) {
        (void)signal(SIGTERM, SIG_DFL);
        dup2(input, STDIN_FILENO);
        close(input);
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

/* Starts the delivery of one effect: /bin/sh -c CMD under a guardian (its
 * process group), the effect's JSON on standard input, its key in
 * EDITION_EFFECT_KEY. Returns the guardian's process ID, or -1 with the
 * reason in `why`. */
static pid_t start_handler(const dispatch_conf *c, const fleet_effect_row *e, cli_str *why)
{
    int fds[2];
    pid_t pid, self = getpid();
    size_t len = strlen(e->document), off = 0;

    if (pipe(fds) != 0) {
        cli_str_printf(why, "cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        cli_str_printf(why, "cannot start the handler: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        (void)setpgid(0, 0);
        close(fds[1]);
        guardian(c, e, fds[0], self);
    }
    /* set here too: the group must exist before the dispatcher may kill it */
    (void)setpgid(pid, pid);
    close(fds[0]);
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

static void describe_status(int status, cli_str *why)
{
    if (WIFEXITED(status))
        cli_str_printf(why, "the handler exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        cli_str_printf(why, "the handler was killed by signal %d", WTERMSIG(status));
    else
        cli_str_puts(why, "the handler ended abnormally");
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

/* The margin between the moment a delivery is killed at the latest and the
 * end of its lease: time to kill and reap its process group, and to spare
 * for clocks that tick a little apart. */
#define LEASE_MARGIN 0.25

/* The deliveries of a batch under way: a guardian per started effect. */
typedef struct deliveries {
    pid_t *pid;       /* 0: not started, or ended */
    double *deadline; /* monotonic: --timeout after its start */
    bool *killed;     /* its group was killed at its deadline */
    double *took;     /* seconds from its start to its end (metrics) */
    size_t started, running;
} deliveries;

/* Records the end of the delivery whose guardian `done` ended. */
static void delivery_ended(const dispatch_conf *c, deliveries *d, pid_t done, int status,
                           fleet_outcome *o, cli_str *why)
{
    for (size_t i = 0; i < d->started; i++) {
        if (d->pid[i] != done)
            continue;
        d->pid[i] = 0;
        d->running--;
        d->took[i] = monotonic_now() - (d->deadline[i] - (double)c->timeout);
        /* what the handler left in its group goes with it */
        (void)kill(-done, SIGKILL);
        o[i].ok = !d->killed[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (d->killed[i])
            cli_str_printf(&why[i], "the handler ran past --timeout %llds and was killed",
                           c->timeout);
        else if (!o[i].ok)
            describe_status(status, &why[i]);
    }
}

/* Kills the groups of the deliveries past their deadline; returns the
 * earliest deadline still ahead (at most `wake`). */
static double kill_overdue(deliveries *d, double wake)
{
    double now = monotonic_now();
    for (size_t i = 0; i < d->started; i++) {
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
    cli_warning("effect %s: %s%s", e->key, o->error,
                o->dead ? ": failed, kept for edition fleet retry" : ": will retry");
    if (o->dead)
        t->failed++;
    else
        t->retried++;
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
                      fleet_outcome *o, cli_str *why, dispatch_totals *t)
{
    deliveries d = {calloc(n, sizeof(pid_t)), calloc(n, sizeof(double)), calloc(n, sizeof(bool)),
                    calloc(n, sizeof(double)), 0, 0};
    double last_start = claimed + (double)c->lease - LEASE_MARGIN - (double)c->timeout;
    sigset_t chld, old;

    for (size_t i = 0; i < n; i++) {
        o[i].key = e[i].key;
        o[i].attempt = e[i].attempts;
    }
    if (!d.pid || !d.deadline || !d.killed || !d.took) {
        for (size_t i = 0; i < n; i++)
            cli_str_puts(&why[i], "out of memory"); /* nothing started: retried */
        d.started = n;
    }
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    (void)sigprocmask(SIG_BLOCK, &chld, &old);
    while (d.started < n || d.running > 0) {
        int status = 0;
        pid_t done;

        while (d.started < n && d.running < (size_t)c->workers) {
            size_t i = d.started++;
            if (monotonic_now() > last_start || host_stop_requested) {
                o[i].released = true; /* given back: no attempt counted */
                continue;
            }
            d.pid[i] = start_handler(c, &e[i], &why[i]);
            d.deadline[i] = monotonic_now() + (double)c->timeout;
            if (d.pid[i] > 0)
                d.running++;
        }
        if (d.running == 0)
            continue;
        done = waitpid(-1, &status, WNOHANG);
        if (done < 0 && errno != EINTR)
            break;
        if (done > 0)
            delivery_ended(c, &d, done, status, o, why);
        else
            wait_for_child(kill_overdue(&d, monotonic_now() + 1));
    }
    (void)sigprocmask(SIG_SETMASK, &old, NULL);
    for (size_t i = 0; i < n; i++) {
        if (o[i].released)
            continue;
        if (o[i].ok)
            t->done++;
        else
            failed_outcome(c, &e[i], &o[i], &why[i], t);
        host_metrics_delivery(c->metrics, o[i].ok ? "done" : o[i].dead ? "failed" : "retry",
                              d.took ? d.took[i] : 0);
    }
    free(d.took);
    free(d.killed);
    free(d.deadline);
    free(d.pid);
}

/* Claims and runs batches of ready effects until none is ready; with
 * `wait`, also waits for effects that are pending but not ready yet (a
 * retry's backoff, another dispatcher's lease, an earlier effect of the
 * same instance in flight) until none is left. */
static int dispatch_loop(fleet_store *s, const dispatch_conf *c, bool wait, dispatch_totals *t)
{
    int rc = CLI_EXIT_OK;
    size_t batch = (size_t)c->workers * 8;

    if (batch < 32)
        batch = 32;
    while (!host_stop_requested) {
        fleet_effect_row *e = NULL;
        fleet_outcome *o;
        cli_str *why;
        size_t n = 0;
        double claimed = monotonic_now();
        ed_time now = (ed_time)time(NULL);
        /* the lease runs from the next whole second: at least --lease
         * seconds of the wall clock, whatever part of this one is gone */
        fleet_err err = fleet_store_claim_effects(s, now, now + 1 + c->lease, batch, &e, &n);

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
        cli_fault_point("fleet-after-claim");
        o = calloc(n, sizeof *o);
        why = calloc(n, sizeof *why);
        if (!o || !why) {
            cli_error("io_error", "out of memory");
            rc = CLI_EXIT_IO;
        } else {
            run_batch(c, e, n, claimed, o, why, t);
            cli_fault_point("fleet-after-handler");
            if (fleet_store_record(s, o, n, (ed_time)time(NULL)) != FLEET_OK)
                rc = host_store_error(s, "cannot record the outcome of the effects");
        }
        for (size_t i = 0; i < n; i++) {
            if (why)
                cli_str_free(&why[i]);
            fleet_effect_row_free(&e[i]);
        }
        free(why);
        free(o);
        free(e);
        if (rc != CLI_EXIT_OK)
            break;
    }
    return rc;
}

static int dispatch_conf_from(const fleet_args *a, dispatch_conf *c)
{
    int rc;
    c->exec = a->value[F_EXEC];
    c->max_attempts = DEFAULT_MAX_ATTEMPTS;
    c->backoff = DEFAULT_BACKOFF;
    c->lease = DEFAULT_LEASE;
    c->workers = 1;
    c->metrics = NULL;
    if (!a->given[F_EXEC])
        return cli_usage("fleet %s: needs --exec CMD", a->sub);
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

int fleet_cmd_dispatch(fleet_args *a)
{
    dispatch_conf c;
    dispatch_totals t = {0, 0, 0};
    fleet_store s;
    cli_str out = {0};
    int rc = dispatch_conf_from(a, &c);

    if (rc == CLI_EXIT_OK)
        rc = cli_fault_check();
    if (rc != CLI_EXIT_OK || (rc = host_open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    rc = dispatch_loop(&s, &c, true, &t);
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
    return rc;
}

/* The service: ticks at deadlines and dispatches, until SIGTERM or SIGINT;
 * then finishes the effect or transaction in hand and exits 0. */
int fleet_cmd_run(fleet_args *a)
{
    dispatch_conf c;
    long long poll = DEFAULT_POLL;
    fleet_store s;
    struct sigaction sa;
    host_metrics metrics;
    const char *metrics_file = a->given[F_METRICS_FILE] ? a->value[F_METRICS_FILE] : NULL;
    int rc = dispatch_conf_from(a, &c);

    if (rc == CLI_EXIT_OK)
        rc = host_parse_count(a, F_POLL, 1, 86400, &poll);
    if (rc != CLI_EXIT_OK || (rc = host_open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
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
        rc = host_tick_all(&s, (ed_time)time(NULL), -1, true, false, &tt);
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
        if (!host_stop_requested)
            (void)nanosleep(&pause, NULL);
    }
    fleet_store_close(&s);
    return rc;
}

