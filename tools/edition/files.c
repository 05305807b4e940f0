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
                     "after-effects, after-temp-write, before-rename, after-rename)",
                     stage);
}

static bool fault_wanted(const char *stage)
{
    const char *wanted = getenv("EDITION_TEST_FAULT");
    return wanted && strcmp(wanted, stage) == 0;
}

void cli_fault_point(const char *stage)
{
    if (fault_wanted(stage)) {
        (void)fprintf(stderr, "edition: EDITION_TEST_FAULT: aborting at %s\n", stage);
        abort();
    }
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

int cli_state_open(cli_state_file *sf, const char *path, size_t limit, char **data,
                   size_t *len)
{
    struct stat st;
    int fd, e;

    sf->path = NULL;
    sf->lock_path = NULL;
    sf->lock_fd = -1;
    sf->mode = 0644;

    /* Replace the file a symbolic link points to, not the link. */
    sf->path = realpath(path, NULL);
    if (!sf->path) {
        cli_error("io_error", "%s: cannot open: %s", path, strerror(errno));
        return CLI_EXIT_IO;
    }
    sf->lock_path = concat(sf->path, ".lock");
    if (!sf->lock_path) {
        cli_error("io_error", "%s: out of memory", path);
        return CLI_EXIT_IO;
    }
    sf->lock_fd = open(sf->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    /* flock needs no write access: a lock file another user created will
     * do, as long as it can be opened. */
    if (sf->lock_fd < 0 && errno == EACCES)
        sf->lock_fd = open(sf->lock_path, O_RDONLY | O_CLOEXEC);
    if (sf->lock_fd < 0) {
        cli_error("io_error", "%s: cannot create the lock file: %s", sf->lock_path,
                  strerror(errno));
        return CLI_EXIT_IO;
    }
    while (flock(sf->lock_fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            cli_error("io_error", "%s: cannot lock: %s", sf->lock_path, strerror(errno));
            return CLI_EXIT_IO;
        }
    }

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

int cli_state_replace(const cli_state_file *sf, const char *data, size_t len, bool *replaced)
{
    char *dir = dir_of(sf->path);
    const char *base = strrchr(sf->path, '/');
    char *tmp = NULL;
    const char *step = "cannot create a temporary file";
    int fd = -1, e = 0;

    *replaced = false;
    base = base ? base + 1 : sf->path;
    if (dir) {
        size_t n = strlen(dir) + strlen(base) + 16;
        tmp = malloc(n);
        if (tmp)
            snprintf(tmp, n, "%s/.%s.XXXXXX", strcmp(dir, "/") == 0 ? "" : dir, base);
    }
    if (!dir || !tmp) {
        free(dir);
        free(tmp);
        cli_error("io_error", "%s: out of memory", sf->path);
        return CLI_EXIT_IO;
    }

    fd = mkstemp(tmp);
    if (fd < 0) {
        e = errno;
        cli_error("io_error", "%s: %s in %s: %s", sf->path, step, dir, strerror(e));
        free(dir);
        free(tmp);
        return CLI_EXIT_IO;
    }
    if (fchmod(fd, sf->mode) != 0) {
        e = errno;
        step = "cannot set the mode of the temporary file";
    } else if ((e = write_all(fd, data, len)) != 0) {
        step = "cannot write the temporary file";
    } else if (fsync(fd) != 0) {
        e = errno;
        step = "cannot fsync the temporary file";
    }
    if (e == 0)
        cli_fault_point("after-temp-write");
    if (close(fd) != 0 && e == 0) {
        e = errno;
        step = "cannot close the temporary file";
    }
    if (e == 0) {
        cli_fault_point("before-rename");
        if (rename(tmp, sf->path) != 0) {
            e = errno;
            step = "cannot rename the temporary file over it";
        }
    }
    if (e != 0) {
        unlink(tmp);
        cli_error("io_error", "%s: %s (%s): %s; the state file is unchanged", sf->path, step, tmp,
                  strerror(e));
        free(dir);
        free(tmp);
        return CLI_EXIT_IO;
    }
    *replaced = true;
    cli_fault_point("after-rename");
    e = sync_dir(dir);
    if (e != 0)
        cli_error("io_error", "%s: replaced, but cannot fsync its directory %s: %s", sf->path, dir,
                  strerror(e));
    free(dir);
    free(tmp);
    return e ? CLI_EXIT_IO : CLI_EXIT_OK;
}

void cli_state_close(cli_state_file *sf)
{
    /* The lock file stays: removing it would let a waiting process lock a
     * file that a newcomer can no longer see. */
    if (sf->lock_fd >= 0)
        close(sf->lock_fd);
    sf->lock_fd = -1;
    free(sf->path);
    free(sf->lock_path);
    sf->path = sf->lock_path = NULL;
}

/* ---------------------------------------------------------------------- */
/* The effects log                                                         */
/* ---------------------------------------------------------------------- */

static int pread_all(int fd, char *buf, size_t len, off_t at)
{
    while (len > 0) {
        ssize_t n = pread(fd, buf, len, at);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            return EIO;
        buf += n;
        len -= (size_t)n;
        at += n;
    }
    return 0;
}

/* The offset just past the last line "..." in the first `size` bytes of
 * the file (0 when there is none), read backwards in chunks. */
static int last_document_end(int fd, off_t size, off_t *end)
{
    enum { CHUNK = 65536, KEEP = 4 };
    char *buf = malloc(CHUNK + KEEP);
    off_t pos = size;
    size_t carry = 0;
    int e = 0;

    *end = 0;
    if (!buf)
        return ENOMEM;
    while (pos > 0) {
        size_t n = pos > CHUNK ? (size_t)CHUNK : (size_t)pos;
        pos -= (off_t)n;
        /* The first bytes of the chunk read before follow this one. */
        memmove(buf + n, buf, carry);
        e = pread_all(fd, buf, n, pos);
        if (e)
            break;
        /* A match "\n...\n" at i ends at pos + i + 5; the last one wins. */
        for (size_t i = n + carry; i-- > 0;) {
            if (i + 5 <= n + carry && memcmp(buf + i, "\n" DOC_END, 5) == 0) {
                *end = pos + (off_t)i + 5;
                free(buf);
                return 0;
            }
        }
        if (pos == 0 && n + carry >= 4 && memcmp(buf, DOC_END, 4) == 0) {
            *end = 4;
            break;
        }
        carry = n + carry < KEEP ? n + carry : KEEP;
    }
    free(buf);
    return e;
}

/* Whether the bytes after the last whole document are the start of one of
 * ours (an append that was interrupted) and may therefore be dropped. */
static int check_tail(cli_effects_log *log, off_t size, off_t *keep)
{
    char head[4];
    off_t end;
    size_t n;
    int e;

    *keep = size;
    if (size == 0)
        return 0;
    if (size >= 4) {
        char tail[5];
        size_t m = size >= 5 ? 5 : 4;
        e = pread_all(log->fd, tail, m, size - (off_t)m);
        if (e)
            return e;
        if (memcmp(tail + m - 4, DOC_END, 4) == 0 && (m == 4 || tail[0] == '\n'))
            return 0;
    }
    e = last_document_end(log->fd, size, &end);
    if (e)
        return e;
    n = size - end >= 4 ? 4u : (size_t)(size - end);
    e = pread_all(log->fd, head, n, end);
    if (e)
        return e;
    if (memcmp(head, DOC_START, n) != 0)
        return EILSEQ;
    *keep = end;
    return 0;
}

int cli_effects_append(cli_effects_log *log, const char *path, const char *doc, size_t len)
{
    struct stat st;
    off_t keep;
    int e;

    log->path = path;
    log->old_size = -1;
    log->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (log->fd < 0) {
        cli_error("io_error", "%s: cannot open the effects file: %s", path, strerror(errno));
        return CLI_EXIT_IO;
    }
    while (flock(log->fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            cli_error("io_error", "%s: cannot lock the effects file: %s", path, strerror(errno));
            return CLI_EXIT_IO;
        }
    }
    if (fstat(log->fd, &st) != 0) {
        cli_error("io_error", "%s: cannot stat the effects file: %s", path, strerror(errno));
        return CLI_EXIT_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        /* A pipe or a terminal: append as a stream, nothing to repair or
         * roll back. */
        e = write_all(log->fd, DOC_START, 4);
        if (!e)
            e = write_all(log->fd, doc, len);
        if (!e)
            e = write_all(log->fd, DOC_END, 4);
        if (e) {
            cli_error("io_error", "%s: cannot write the effects: %s", path, strerror(e));
            return CLI_EXIT_IO;
        }
        return CLI_EXIT_OK;
    }

    e = check_tail(log, st.st_size, &keep);
    if (e == EILSEQ) {
        cli_error("io_error",
                  "%s: does not end with a whole effects document (a line '...'); "
                  "not appending to a file edition did not write",
                  path);
        return CLI_EXIT_IO;
    }
    if (e) {
        cli_error("io_error", "%s: cannot read the effects file: %s", path, strerror(e));
        return CLI_EXIT_IO;
    }
    if (keep < st.st_size) {
        if (ftruncate(log->fd, keep) != 0) {
            cli_error("io_error", "%s: cannot drop an incomplete document: %s", path,
                      strerror(errno));
            return CLI_EXIT_IO;
        }
        (void)fprintf(stderr,
                      "edition: warning: %s: dropped %lld bytes of an incomplete effects "
                      "document left by an interrupted run\n",
                      path, (long long)(st.st_size - keep));
    }
    log->old_size = keep;

    {
        /* One write of the whole document, so that concurrent readers see
         * it appear at once on local file systems. */
        cli_str whole = {0};
        cli_str_puts(&whole, DOC_START);
        cli_str_append(&whole, doc, len);
        if (len > 0 && doc[len - 1] != '\n')
            cli_str_puts(&whole, "\n");
        cli_str_puts(&whole, DOC_END);
        if (whole.failed) {
            cli_str_free(&whole);
            cli_error("io_error", "%s: out of memory", path);
            return CLI_EXIT_IO;
        }
        if (fault_wanted("mid-effects")) {
            /* A crash in the middle of the append: half a document. */
            (void)write_all(log->fd, whole.data, whole.len / 2);
            (void)fsync(log->fd);
            cli_fault_point("mid-effects");
        }
        e = write_all(log->fd, whole.data, whole.len);
        cli_str_free(&whole);
    }
    if (!e && fsync(log->fd) != 0)
        e = errno;
    if (e) {
        cli_effects_rollback(log);
        cli_error("io_error", "%s: cannot append the effects: %s; nothing was written", path,
                  strerror(e));
        return CLI_EXIT_IO;
    }
    cli_fault_point("after-effects");
    return CLI_EXIT_OK;
}

void cli_effects_rollback(cli_effects_log *log)
{
    if (log->fd < 0 || log->old_size < 0)
        return;
    if (ftruncate(log->fd, log->old_size) != 0 || fsync(log->fd) != 0)
        cli_error("io_error", "%s: cannot remove the effects appended by this run: %s", log->path,
                  strerror(errno));
}

void cli_effects_close(cli_effects_log *log)
{
    if (log->fd >= 0)
        close(log->fd);
    log->fd = -1;
}
