/*
 * Reading inputs and writing files without ever losing data (docs/cli.md,
 * "Writing files"): whole reads with a limit, locks beside a file, atomic
 * replacement (temporary file, fsync, rename, fsync of the folder), and the
 * fault points of the crash tests. state_file.c and effects_log.c build on
 * them.
 */
/* flock() is a BSD interface, outside POSIX. */
#define _DEFAULT_SOURCE

#include "file_io.h"

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

bool file_fault_wanted(const char *stage)
{
    const char *wanted = getenv("EDITION_TEST_FAULT");
    return wanted && strcmp(wanted, stage) == 0;
}

/* EDITION_TEST_FAULT_MODE=stop stops the process at the stage instead of
 * aborting it, so that a test can kill it there with SIGKILL: a crash that
 * runs no handler and flushes nothing, exactly between two steps. */
void cli_fault_point(const char *stage)
{
    if (!file_fault_wanted(stage))
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

int file_write_all(int fd, const char *data, size_t len)
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

int file_read_fd(int fd, size_t limit, char **data, size_t *len)
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
        e = file_read_fd(STDIN_FILENO, limit, data, len);
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
    e = file_read_fd(fd, limit, data, len);
    close(fd);
    if (e) {
        cli_error("io_error", "%s: cannot read: %s", path, strerror(e));
        return CLI_EXIT_IO;
    }
    return CLI_EXIT_OK;
}

char *file_concat(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        (void)snprintf(s, n, "%s%s", a, b);
    return s;
}

/* The directory part of `path` ("." when it has none), newly allocated. */
char *file_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;

    if (!slash)
        return file_concat(".", "");
    if (slash == path)
        return file_concat("/", "");
    dir = malloc((size_t)(slash - path) + 1);
    if (dir) {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
    }
    return dir;
}

/* Locks `path`.lock, created when missing, for the caller's whole run.
 * flock needs no write access: a lock file another user created will do,
 * as long as it can be opened. The file is never removed: removing it
 * would let a waiting process lock a file a newcomer can no longer see. */
int file_lock_beside(const char *path, int *fd_out, const char *what)
{
    char *lock_path = file_concat(path, ".lock");
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


int file_sync_dir(const char *dir)
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


/* Writes `data` to a new temporary file ".BASE.XXXXXX" beside `path`, with
 * permission bits `mode`, fsynced and closed; its name goes to *tmp_out and
 * the directory to *dir_out (the caller frees both). On failure the error
 * is printed, ending in `outcome`, no temporary file is left, and the
 * result is CLI_EXIT_IO. */
int file_write_temp_beside(const char *path, mode_t mode, const char *data, size_t len,
                           const replace_stages *stages, const char *outcome, char **dir_out,
                           char **tmp_out)
{
    char *dir = file_dir_of(path);
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
    } else if (stages->mid_write && file_fault_wanted(stages->mid_write)) {
        (void)file_write_all(fd, data, len / 2);
        (void)fsync(fd);
        cli_fault_point(stages->mid_write);
    }
    if (e == 0 && (e = file_write_all(fd, data, len)) != 0) {
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
int file_replace(const char *path, mode_t mode, const char *data, size_t len,
                 const replace_stages *stages, bool *replaced)
{
    char *dir, *tmp;
    int e, rc = file_write_temp_beside(path, mode, data, len, stages, "the file is unchanged",
                                       &dir, &tmp);

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
    e = file_sync_dir(dir);
    if (e != 0)
        cli_error("io_error", "%s: replaced, but cannot fsync its directory %s: %s", path, dir,
                  strerror(e));
    free(dir);
    free(tmp);
    return e ? CLI_EXIT_IO : CLI_EXIT_OK;
}
