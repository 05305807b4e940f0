/*
 * The effects log of `edition apply --effects-out`: whole YAML documents
 * appended, a run that crashed before saving its state rolled back, and
 * streams (a pipe, a terminal) written as they are.
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

#define DOC_START "---\n"
#define DOC_END "...\n"

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
    e = fd < 0 ? errno : file_write_all(fd, DOC_START, 4);
    if (!e)
        e = file_write_all(fd, doc, len);
    if (!e && len > 0 && doc[len - 1] != '\n')
        e = file_write_all(fd, "\n", 1);
    if (!e)
        e = file_write_all(fd, DOC_END, 4);
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
    char *p = file_concat(path, "");

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
            next = file_concat(target, "");
        } else {
            size_t n_next;
            dir = file_dir_of(p);
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

/* Opens the log for a rewrite: the file a symbolic link points to (a file
 * that does not exist yet is created under its name), locked, its mode and
 * old content read into `log`. */
static int open_log(cli_effects_log *log, const char *path)
{
    struct stat st;
    int rc;

    log->path = realpath(path, NULL);
    if (!log->path && errno == ENOENT)
        log->path = dangling_target(path);
    if (!log->path) {
        cli_error("io_error", "%s: cannot open the effects file: %s", path, strerror(errno));
        return CLI_EXIT_IO;
    }
    rc = file_lock_beside(log->path, &log->lock_fd, "effects file");
    if (rc != CLI_EXIT_OK)
        return rc;
    if (stat(log->path, &st) == 0) {
        log->existed = true;
        log->mode = st.st_mode & 07777;
        return cli_read_input(log->path, SIZE_MAX, &log->old, &log->old_len);
    }
    if (errno == ENOENT) {
        mode_t mask = umask(0);
        umask(mask);
        log->mode = 0666 & ~mask;
        return CLI_EXIT_OK;
    }
    cli_error("io_error", "%s: cannot open the effects file: %s", path, strerror(errno));
    return CLI_EXIT_IO;
}

/* How much of the old log to keep: its whole documents. Files written
 * before edition replaced them whole may end in half a document from an
 * interrupted append: it is dropped when a document is appended (kept for
 * that run otherwise), but only if it is ours. */
static int documents_to_keep(const cli_effects_log *log, const char *path, bool appending,
                             size_t *keep)
{
    *keep = whole_documents_end(log->old, log->old_len);
    if (*keep < log->old_len) {
        size_t tail = log->old_len - *keep;
        if (memcmp(log->old + *keep, DOC_START, tail < 4 ? tail : 4) != 0) {
            cli_error("io_error",
                      "%s: does not end with a whole effects document (a line '...'); "
                      "not appending to a file edition did not write",
                      path);
            return CLI_EXIT_IO;
        }
        if (!appending)
            *keep = log->old_len; /* left for the next run that appends */
    }
    return CLI_EXIT_OK;
}

/* Replaces the log by `whole`, never appending in place: a crash at any
 * moment, SIGKILL included, leaves either the old file or the new one,
 * each made of whole documents only. Then says what was dropped. */
static int replace_log(cli_effects_log *log, const char *path, const cli_str *whole, size_t keep,
                       size_t dropped, uint64_t highest, uint64_t committed)
{
    bool replaced = false;
    int rc = file_replace(log->path, log->mode, whole->data, whole->len, &effects_stages,
                          &replaced);

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

int cli_effects_append(cli_effects_log *log, const char *path, const char *doc, size_t len,
                       const char *instance_id, uint64_t committed)
{
    cli_str whole = {0};
    size_t keep = 0, dropped;
    uint64_t highest = 0;
    int rc;

    log->path = NULL;
    log->lock_fd = -1;
    log->old = NULL;
    log->old_len = 0;
    log->existed = false;
    log->written = false;

    if (cli_effects_is_stream(path))
        return doc ? stream_write(path, doc, len) : CLI_EXIT_OK;
    if ((rc = open_log(log, path)) != CLI_EXIT_OK ||
        (rc = documents_to_keep(log, path, doc != NULL, &keep)) != CLI_EXIT_OK)
        return rc;
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
    rc = replace_log(log, path, &whole, keep, dropped, highest, committed);
    cli_str_free(&whole);
    return rc;
}

/* --effects-out naming the state file (or its lock file), under any name:
 * the run would wait forever for its own lock, and the two files would
 * overwrite each other. Compared by device and inode, links resolved. */
/* Whether the paths name one file. Each is opened and both are compared
 * while both are held open: an inode number is not reused while a file is
 * open, so that a file replaced by a rename between two stat calls (as
 * state files and effect logs are, by concurrent runs) cannot take the
 * number of the other one. A path that cannot be opened is compared by
 * stat. */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    int fa = open(a, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    int fb = open(b, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    bool known_a = fa >= 0 ? fstat(fa, &sa) == 0 : stat(a, &sa) == 0;
    bool known_b = fb >= 0 ? fstat(fb, &sb) == 0 : stat(b, &sb) == 0;
    bool same = known_a && known_b && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (fa >= 0)
        close(fa);
    if (fb >= 0)
        close(fb);
    return same;
}

int cli_effects_check_target(const char *state_path, const char *effects_out)
{
    cli_str lock = {0};
    int rc = CLI_EXIT_OK;

    if (!effects_out)
        return CLI_EXIT_OK;
    if (same_file(state_path, effects_out))
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
    if (!lock.failed && same_file(lock.data, effects_out))
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
        if (file_replace(log->path, log->mode, log->old, log->old_len, &none, &replaced) !=
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
