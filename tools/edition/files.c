/*
 * Reading inputs and writing state and effects files without ever losing
 * data: see docs/cli.md, "Writing files".
 */
/* flock() is a BSD interface, outside POSIX. */
#define _DEFAULT_SOURCE

#include "files.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DOC_START "---\n"
#define DOC_END "...\n"

/* ---------------------------------------------------------------------- */
/* Fault injection                                                         */
/* ---------------------------------------------------------------------- */

static const char *const fault_stages[] = {
    "after-lock",       /* lock taken, state read, nothing written */
    "mid-effects",      /* half of the effects document appended */
    "after-effects",    /* effects document appended and fsynced */
    "after-temp-write", /* temporary state file written and fsynced */
    "before-rename",    /* temporary file closed, rename not yet done */
    "after-rename",     /* state replaced, directory not yet fsynced */
    /* edition fleet (fleet.c) */
    "fleet-after-snapshot", /* new snapshot row written, its effects not yet */
    "fleet-before-commit",  /* snapshot and effects written, not committed */
    "fleet-after-claim",    /* an effect leased, its handler not yet run */
    "fleet-after-handler",  /* the handler succeeded, the effect not yet marked done */
};

int cli_fault_check(void)
{
    const char *stage = getenv("EDITION_TEST_FAULT");
    if (!stage || !*stage)
        return CLI_EXIT_OK;
    for (size_t i = 0; i < sizeof fault_stages / sizeof fault_stages[0]; i++)
        if (strcmp(stage, fault_stages[i]) == 0)
            return CLI_EXIT_OK;
    return cli_usage("EDITION_TEST_FAULT: unknown stage '%s' (known: after-lock, mid-effects, "
                     "after-effects, after-temp-write, before-rename, after-rename, "
                     "fleet-after-snapshot, fleet-before-commit, fleet-after-claim, "
                     "fleet-after-handler)",
                     stage);
}

static bool fault_wanted(const char *stage)
{
    const char *wanted = getenv("EDITION_TEST_FAULT");
    return wanted && strcmp(wanted, stage) == 0;
}

/* EDITION_TEST_FAULT_MODE=stop stops the process at the stage instead of
 * aborting it, so that a test can kill it there with SIGKILL: a crash that
 * runs no handler and flushes nothing, exactly between two steps. */
void cli_fault_point(const char *stage)
{
    if (!fault_wanted(stage))
        return;
    const char *mode = getenv("EDITION_TEST_FAULT_MODE");
    if (mode && strcmp(mode, "stop") == 0) {
        cli_warning("EDITION_TEST_FAULT: stopped at %s", stage);
        (void)raise(SIGSTOP);
        return;
    }
    cli_warning("EDITION_TEST_FAULT: aborting at %s", stage);
    abort();
}

/* ---------------------------------------------------------------------- */
/* Low-level helpers                                                       */
/* ---------------------------------------------------------------------- */

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            return EIO;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_fd(int fd, size_t limit, char **data, size_t *len)
{
    size_t cap = 4096, used = 0;
    char *buf = malloc(cap + 1);

    if (!buf)
        return ENOMEM;
    for (;;) {
        ssize_t n;
        if (used == cap) {
            char *grown;
            if (cap > limit) /* already read limit + 1 bytes */
                break;
            cap = cap > limit / 2 ? limit + 1 : cap * 2;
            grown = realloc(buf, cap + 1);
            if (!grown) {
                free(buf);
                return ENOMEM;
            }
            buf = grown;
        }
        n = read(fd, buf + used, cap - used);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            return e;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    buf[used] = '\0';
    *data = buf;
    *len = used;
    return 0;
}

int cli_read_input(const char *path, size_t limit, char **data, size_t *len)
{
    int fd, e;

    if (strcmp(path, "-") == 0) {
        e = read_fd(STDIN_FILENO, limit, data, len);
        if (e) {
            cli_error("io_error", "standard input: cannot read: %s", strerror(e));
            return CLI_EXIT_IO;
        }
        return CLI_EXIT_OK;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("io_error", "%s: cannot open: %s", path, strerror(errno));
        return CLI_EXIT_IO;
    }
    e = read_fd(fd, limit, data, len);
    close(fd);
    if (e) {
        cli_error("io_error", "%s: cannot read: %s", path, strerror(e));
        return CLI_EXIT_IO;
    }
    return CLI_EXIT_OK;
}

static char *concat(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        (void)snprintf(s, n, "%s%s", a, b);
    return s;
}

/* The directory part of `path` ("." when it has none), newly allocated. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;

    if (!slash)
        return concat(".", "");
    if (slash == path)
        return concat("/", "");
    dir = malloc((size_t)(slash - path) + 1);
    if (dir) {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
    }
    return dir;
}

/* ---------------------------------------------------------------------- */
/* State files                                                             */
/* ---------------------------------------------------------------------- */

/* Locks `path`.lock, created when missing, for the caller's whole run.
 * flock needs no write access: a lock file another user created will do,
 * as long as it can be opened. The file is never removed: removing it
 * would let a waiting process lock a file a newcomer can no longer see. */
static int lock_beside(const char *path, int *fd_out, const char *what)
{
    char *lock_path = concat(path, ".lock");
    int fd;

    *fd_out = -1;
    if (!lock_path) {
        cli_error("io_error", "%s: out of memory", path);
        return CLI_EXIT_IO;
    }
    fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EACCES) {
        /* An existing lock file that is not ours to write. If it does not
         * exist either, the cause to report is the first one (EACCES), not
         * the ENOENT of this fallback. */
        int first = errno;
        fd = open(lock_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            errno = first;
    }
    if (fd < 0) {
        cli_error("io_error", "%s: cannot create the lock file of the %s: %s", lock_path, what,
                  strerror(errno));
        free(lock_path);
        return CLI_EXIT_IO;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            cli_error("io_error", "%s: cannot lock: %s", lock_path, strerror(errno));
            close(fd);
            free(lock_path);
            return CLI_EXIT_IO;
        }
    }
    free(lock_path);
    *fd_out = fd;
    return CLI_EXIT_OK;
}

int cli_state_open(cli_state_file *sf, const char *path, size_t limit, char **data,
                   size_t *len)
{
    struct stat st;
    int fd, e;

    sf->path = NULL;
    sf->lock_fd = -1;
    sf->mode = 0644;

    /* Replace the file a symbolic link points to, not the link. */
    sf->path = realpath(path, NULL);
    if (!sf->path) {
        cli_error("io_error", "%s: cannot open: %s", path, strerror(errno));
        return CLI_EXIT_IO;
    }
    int rc = lock_beside(sf->path, &sf->lock_fd, "state file");
    if (rc != CLI_EXIT_OK)
        return rc;

    fd = open(sf->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("io_error", "%s: cannot open: %s", path, strerror(errno));
        return CLI_EXIT_IO;
    }
    if (fstat(fd, &st) == 0)
        sf->mode = st.st_mode & 07777;
    e = read_fd(fd, limit, data, len);
    close(fd);
    if (e) {
        cli_error("io_error", "%s: cannot read: %s", path, strerror(e));
        return CLI_EXIT_IO;
    }
    cli_fault_point("after-lock");
    return CLI_EXIT_OK;
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int e = 0;

    if (fd < 0)
        return errno;
    /* Some file systems cannot sync a directory and say so with EINVAL;
     * there is nothing more to make durable then. */
    if (fsync(fd) != 0 && errno != EINVAL)
        e = errno;
    close(fd);
    return e;
}

/* Fault points of one atomic replacement, named per file kind. */
typedef struct replace_stages {
    const char *mid_write;     /* half of the temporary file written */
    const char *after_write;   /* temporary file written and fsynced */
    const char *before_rename; /* temporary file closed */
    const char *after_rename;  /* renamed, directory not yet fsynced */
} replace_stages;

/* Writes `data` to a new temporary file ".BASE.XXXXXX" beside `path`, with
 * permission bits `mode`, fsynced and closed; its name goes to *tmp_out and
 * the directory to *dir_out (the caller frees both). On failure the error
 * is printed, ending in `outcome`, no temporary file is left, and the
 * result is CLI_EXIT_IO. */
static int write_temp_beside(const char *path, mode_t mode, const char *data, size_t len,
                             const replace_stages *stages, const char *outcome, char **dir_out,
                             char **tmp_out)
{
    char *dir = dir_of(path);
    const char *base = strrchr(path, '/');
    char *tmp = NULL;
    const char *step = "cannot create a temporary file";
    int fd = -1, e = 0;

    *dir_out = *tmp_out = NULL;
    base = base ? base + 1 : path;
    if (dir) {
        size_t n = strlen(dir) + strlen(base) + 16;
        tmp = malloc(n);
        if (tmp)
            snprintf(tmp, n, "%s/.%s.XXXXXX", strcmp(dir, "/") == 0 ? "" : dir, base);
    }
    if (!dir || !tmp) {
        free(dir);
        free(tmp);
        cli_error("io_error", "%s: out of memory; %s", path, outcome);
        return CLI_EXIT_IO;
    }

    fd = mkstemp(tmp);
    if (fd < 0) {
        e = errno;
        cli_error("io_error", "%s: %s in %s: %s; %s", path, step, dir, strerror(e), outcome);
        free(dir);
        free(tmp);
        return CLI_EXIT_IO;
    }
    if (fchmod(fd, mode) != 0) {
        e = errno;
        step = "cannot set the mode of the temporary file";
    } else if (stages->mid_write && fault_wanted(stages->mid_write)) {
        (void)write_all(fd, data, len / 2);
        (void)fsync(fd);
        cli_fault_point(stages->mid_write);
    }
    if (e == 0 && (e = write_all(fd, data, len)) != 0) {
        step = "cannot write the temporary file";
    } else if (e == 0 && fsync(fd) != 0) {
        e = errno;
        step = "cannot fsync the temporary file";
    }
    if (e == 0 && stages->after_write)
        cli_fault_point(stages->after_write);
    if (close(fd) != 0 && e == 0) {
        e = errno;
        step = "cannot close the temporary file";
    }
    if (e != 0) {
        unlink(tmp);
        cli_error("io_error", "%s: %s (%s): %s; %s", path, step, tmp, strerror(e), outcome);
        free(dir);
        free(tmp);
        return CLI_EXIT_IO;
    }
    *dir_out = dir;
    *tmp_out = tmp;
    return CLI_EXIT_OK;
}

/* Replaces `path` by `data` atomically: a temporary file in the same
 * directory, written and fsynced, renamed over it, the directory fsynced.
 * On failure before the rename the old file is intact and no temporary
 * file is left; *replaced says whether the rename happened. */
static int replace_file(const char *path, mode_t mode, const char *data, size_t len,
                        const replace_stages *stages, bool *replaced)
{
    char *dir, *tmp;
    int e, rc = write_temp_beside(path, mode, data, len, stages, "the file is unchanged", &dir,
                                  &tmp);

    *replaced = false;
    if (rc != CLI_EXIT_OK)
        return rc;
    if (stages->before_rename)
        cli_fault_point(stages->before_rename);
    if (rename(tmp, path) != 0) {
        e = errno;
        unlink(tmp);
        cli_error("io_error",
                  "%s: cannot rename the temporary file over it (%s): %s; the file is unchanged",
                  path, tmp, strerror(e));
        free(dir);
        free(tmp);
        return CLI_EXIT_IO;
    }
    *replaced = true;
    if (stages->after_rename)
        cli_fault_point(stages->after_rename);
    e = sync_dir(dir);
    if (e != 0)
        cli_error("io_error", "%s: replaced, but cannot fsync its directory %s: %s", path, dir,
                  strerror(e));
    free(dir);
    free(tmp);
    return e ? CLI_EXIT_IO : CLI_EXIT_OK;
}

int cli_state_replace(const cli_state_file *sf, const char *data, size_t len, bool *replaced)
{
    static const replace_stages stages = {NULL, "after-temp-write", "before-rename",
                                          "after-rename"};
    return replace_file(sf->path, sf->mode, data, len, &stages, replaced);
}

int cli_state_create(const char *path, const char *data, size_t len)
{
    static const replace_stages none = {NULL, NULL, NULL, NULL};
    mode_t mask = umask(0);
    char *dir, *tmp;
    int e = 0, rc;

    umask(mask);
    rc = write_temp_beside(path, 0666 & ~mask, data, len, &none, "nothing was created", &dir,
                           &tmp);
    if (rc != CLI_EXIT_OK)
        return rc;
    /* link(), unlike rename(), fails when the name exists: two runs of
     * init cannot both believe they created the file, and an existing
     * state file is never replaced. */
    if (link(tmp, path) != 0)
        e = errno;
    unlink(tmp);
    if (e == EEXIST) {
        cli_error(ed_status_name(ED_EXISTS),
                  "%s: already exists; init never replaces a state file (apply changes one)",
                  path);
        rc = CLI_EXIT_REFUSED;
    } else if (e != 0) {
        cli_error("io_error", "%s: cannot link the temporary file to its name (%s): %s; nothing "
                              "was created",
                  path, tmp, strerror(e));
        rc = CLI_EXIT_IO;
    } else if ((e = sync_dir(dir)) != 0) {
        cli_error("io_error", "%s: created, but cannot fsync its directory %s: %s; it may not "
                              "survive a power loss",
                  path, dir, strerror(e));
        rc = CLI_EXIT_APPLIED;
    }
    free(dir);
    free(tmp);
    return rc;
}

void cli_state_close(cli_state_file *sf)
{
    /* The lock file stays: removing it would let a waiting process lock a
     * file that a newcomer can no longer see. */
    if (sf->lock_fd >= 0)
        close(sf->lock_fd);
    sf->lock_fd = -1;
    free(sf->path);
    sf->path = NULL;
}

/* ---------------------------------------------------------------------- */
/* The effects log                                                         */
/* ---------------------------------------------------------------------- */

/* The offset just past the last line "..." of data (0 when none). */
static size_t whole_documents_end(const char *data, size_t len)
{
    for (size_t i = len; i >= 4; i--) {
        if (memcmp(data + i - 4, DOC_END, 4) == 0 && (i == 4 || data[i - 5] == '\n'))
            return i;
    }
    return 0;
}

static const replace_stages effects_stages = {"mid-effects", NULL, NULL, "after-effects"};

/* The descriptor a path names when it is one of this process's own
 * streams (/dev/stdout, /dev/fd/1, /proc/self/fd/1): written to directly,
 * so that the effects and the report share one offset. -1 otherwise. */
static int own_stream_fd(const char *path)
{
    static const char *const prefixes[] = {"/dev/fd/", "/proc/self/fd/"};
    if (strcmp(path, "/dev/stdout") == 0)
        return STDOUT_FILENO;
    if (strcmp(path, "/dev/stderr") == 0)
        return STDERR_FILENO;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        char *end = NULL;
        long fd;
        if (strncmp(path, prefixes[i], n) != 0 || path[n] < '0' || path[n] > '9')
            continue;
        fd = strtol(path + n, &end, 10);
        if (*end == '\0' && fd >= 0 && fd <= INT_MAX)
            return (int)fd;
    }
    return -1;
}

bool cli_effects_is_stream(const char *path)
{
    struct stat st;
    return own_stream_fd(path) >= 0 || (stat(path, &st) == 0 && !S_ISREG(st.st_mode));
}

/* Writes one document to a stream: no lock, no temporary file, no rename. */
static int stream_write(const char *path, const char *doc, size_t len)
{
    int fd = own_stream_fd(path);
    bool own = fd >= 0;
    int e;

    if (own)
        (void)fflush(fd == STDOUT_FILENO ? stdout : stderr);
    else
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    e = fd < 0 ? errno : write_all(fd, DOC_START, 4);
    if (!e)
        e = write_all(fd, doc, len);
    if (!e && len > 0 && doc[len - 1] != '\n')
        e = write_all(fd, "\n", 1);
    if (!e)
        e = write_all(fd, DOC_END, 4);
    if (fd >= 0 && !own)
        close(fd);
    if (e) {
        cli_error("io_error", "%s: cannot write the effects: %s; nothing was changed", path,
                  strerror(e));
        return CLI_EXIT_IO;
    }
    return CLI_EXIT_OK;
}

/* The revision of the first effect of an effects document, read by the
 * library (ed_effects_load_yaml), when that effect belongs to instance
 * `id`. False for a document that does not load or holds no effect. */
static bool document_revision(const char *doc, size_t len, const char *id, uint64_t *rev)
{
    ed_options *opts = ed_options_new();
    ed_effect_list *list = NULL;
    const ed_effect *first;
    ed_status st;
    bool ours;

    /* whatever its size: this program wrote it, and reads the log whole */
    if (opts && len > 0)
        (void)ed_options_set_int(opts, ED_OPT_MAX_DOCUMENT_SIZE, (int64_t)len);
    st = ed_effects_load_yaml(&list, doc, len, opts, NULL);
    ed_options_free(opts);
    if (st != ED_OK)
        return false;
    first = ed_effect_list_get(list, 0);
    ours = first && strcmp(ed_effect_instance_id(first), id) == 0;
    if (ours)
        *rev = ed_effect_revision(first);
    ed_effects_free(list);
    return ours;
}

/* Copies the whole documents of old[0, len) into `out`, leaving out those
 * of instance `id` whose revision is above `committed`: effects of a run
 * that crashed after writing them and before saving the state. Their keys
 * belong to no committed revision, and the next run would reuse them for
 * other effects. Returns how many documents were left out. */
static size_t keep_committed(cli_str *out, const char *old, size_t len, const char *id,
                             uint64_t committed, uint64_t *highest)
{
    size_t dropped = 0, pos = 0;

    while (pos < len) {
        size_t end = len;
        uint64_t rev = 0;
        /* the end of this document: its line "..." */
        for (size_t i = pos; i + 4 <= len; i++) {
            if ((i == 0 || old[i - 1] == '\n') && memcmp(old + i, DOC_END, 4) == 0) {
                end = i + 4;
                break;
            }
        }
        if (document_revision(old + pos, end - pos, id, &rev) && rev > committed) {
            dropped++;
            if (rev > *highest)
                *highest = rev;
        } else {
            cli_str_append(out, old + pos, end - pos);
        }
        pos = end;
    }
    return dropped;
}

/* The file a path names once its symbolic links are followed, for a file
 * that does not exist yet (realpath() needs an existing one): a dangling
 * link is created through, not replaced. */
static char *dangling_target(const char *path)
{
    char *p = concat(path, "");

    for (int hops = 0; p && hops < 40; hops++) {
        struct stat st;
        char target[PATH_MAX];
        ssize_t n;
        char *next, *dir;

        if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
            return p;
        n = readlink(p, target, sizeof target - 1);
        if (n < 0)
            return p;
        target[n] = '\0';
        if (target[0] == '/') {
            next = concat(target, "");
        } else {
            size_t n_next;
            dir = dir_of(p);
            n_next = dir ? strlen(dir) + strlen(target) + 2 : 0;
            next = dir ? malloc(n_next) : NULL;
            if (next)
                (void)snprintf(next, n_next, "%s/%s", dir, target);
            free(dir);
        }
        free(p);
        p = next;
    }
    return p;
}

int cli_effects_append(cli_effects_log *log, const char *path, const char *doc, size_t len,
                       const char *instance_id, uint64_t committed)
{
    struct stat st;
    size_t keep, dropped;
    uint64_t highest = 0;
    int rc, e;

    log->path = NULL;
    log->lock_fd = -1;
    log->old = NULL;
    log->old_len = 0;
    log->existed = false;
    log->written = false;

    if (cli_effects_is_stream(path))
        return doc ? stream_write(path, doc, len) : CLI_EXIT_OK;

    /* Replace the file a symbolic link points to, not the link, as for the
     * state file. A file that does not exist yet is created under its name. */
    log->path = realpath(path, NULL);
    if (!log->path && errno == ENOENT)
        log->path = dangling_target(path);
    if (!log->path) {
        cli_error("io_error", "%s: cannot open the effects file: %s", path, strerror(errno));
        return CLI_EXIT_IO;
    }
    rc = lock_beside(log->path, &log->lock_fd, "effects file");
    if (rc != CLI_EXIT_OK)
        return rc;

    if (stat(log->path, &st) == 0) {
        log->existed = true;
        log->mode = st.st_mode & 07777;
        e = cli_read_input(log->path, SIZE_MAX, &log->old, &log->old_len);
        if (e != CLI_EXIT_OK)
            return e;
    } else if (errno == ENOENT) {
        mode_t mask = umask(0);
        umask(mask);
        log->mode = 0666 & ~mask;
    } else {
        cli_error("io_error", "%s: cannot open the effects file: %s", path, strerror(errno));
        return CLI_EXIT_IO;
    }

    /* Files written before edition replaced them whole may end in half a
     * document from an interrupted append: drop it, but only if it is ours. */
    keep = whole_documents_end(log->old, log->old_len);
    if (keep < log->old_len) {
        size_t tail = log->old_len - keep;
        if (memcmp(log->old + keep, DOC_START, tail < 4 ? tail : 4) != 0) {
            cli_error("io_error",
                      "%s: does not end with a whole effects document (a line '...'); "
                      "not appending to a file edition did not write",
                      path);
            return CLI_EXIT_IO;
        }
        if (!doc)
            keep = log->old_len; /* left for the next run that appends */
    }

    cli_str whole = {0};
    dropped = keep_committed(&whole, log->old ? log->old : "", keep, instance_id, committed,
                             &highest);
    if (!doc && dropped == 0) {
        cli_str_free(&whole);
        return CLI_EXIT_OK;
    }
    if (doc) {
        cli_str_puts(&whole, DOC_START);
        cli_str_append(&whole, doc, len);
        if (len > 0 && doc[len - 1] != '\n')
            cli_str_puts(&whole, "\n");
        cli_str_puts(&whole, DOC_END);
    }
    if (whole.failed) {
        cli_str_free(&whole);
        cli_error("io_error", "%s: out of memory", path);
        return CLI_EXIT_IO;
    }
    /* The whole file is replaced, never appended to in place: a crash at
     * any moment, SIGKILL included, leaves either the old file or the new
     * one, each made of whole documents only. */
    bool replaced = false;
    rc = replace_file(log->path, log->mode, whole.data, whole.len, &effects_stages, &replaced);
    cli_str_free(&whole);
    log->written = replaced;
    if (rc != CLI_EXIT_OK && replaced) {
        cli_effects_rollback(log);
        return rc;
    }
    if (rc != CLI_EXIT_OK) {
        cli_warning("%s: no effects were written", path);
        return rc;
    }
    if (keep < log->old_len)
        cli_warning("%s: dropped %zu bytes of an incomplete effects document left by an "
                    "interrupted run",
                    path, log->old_len - keep);
    if (dropped > 0)
        cli_warning("%s: dropped %zu effects document%s of revisions the state never reached "
                    "(up to %llu; the state is at revision %llu): a run that crashed after "
                    "writing its effects and before saving the state left %s",
                    path, dropped, dropped == 1 ? "" : "s", (unsigned long long)highest,
                    (unsigned long long)committed, dropped == 1 ? "it" : "them");
    return rc;
}

/* --effects-out naming the state file (or its lock file), under any name:
 * the run would wait forever for its own lock, and the two files would
 * overwrite each other. Compared by device and inode, links resolved. */
int cli_effects_check_target(const char *state_path, const char *effects_out)
{
    struct stat st_state, st_effects, st_lock;
    cli_str lock = {0};
    int rc = CLI_EXIT_OK;

    if (!effects_out || stat(effects_out, &st_effects) != 0 || stat(state_path, &st_state) != 0)
        return CLI_EXIT_OK;
    if (st_state.st_dev == st_effects.st_dev && st_state.st_ino == st_effects.st_ino)
        return cli_usage("--effects-out: %s is the state file %s itself; the effects need a "
                         "file of their own",
                         effects_out, state_path);
    {
        char *real = realpath(state_path, NULL);
        if (real)
            cli_str_puts(&lock, real);
        cli_str_puts(&lock, ".lock");
        free(real);
    }
    if (!lock.failed && stat(lock.data, &st_lock) == 0 && st_lock.st_dev == st_effects.st_dev &&
        st_lock.st_ino == st_effects.st_ino)
        rc = cli_usage("--effects-out: %s is the lock file of the state file %s; the effects "
                       "need a file of their own",
                       effects_out, state_path);
    cli_str_free(&lock);
    return rc;
}

void cli_effects_rollback(cli_effects_log *log)
{
    bool replaced = false;
    static const replace_stages none = {NULL, NULL, NULL, NULL};

    if (!log->written)
        return;
    if (log->existed) {
        if (replace_file(log->path, log->mode, log->old, log->old_len, &none, &replaced) !=
            CLI_EXIT_OK)
            cli_error("io_error", "%s: cannot remove the effects written by this run", log->path);
    } else if (unlink(log->path) != 0) {
        cli_error("io_error", "%s: cannot remove the effects written by this run: %s", log->path,
                  strerror(errno));
    }
    log->written = false;
}

void cli_effects_close(cli_effects_log *log)
{
    if (log->lock_fd >= 0)
        close(log->lock_fd);
    log->lock_fd = -1;
    free(log->old);
    log->old = NULL;
    free(log->path);
    log->path = NULL;
}
