/*
 * File handling of `edition`: reading inputs, the lock beside a state file,
 * the append-only effects log and the atomic replacement of a state file.
 *
 * Every function here prints its own error line (naming the file and the
 * operation that failed) and returns an exit code, CLI_EXIT_OK on success.
 */
#ifndef EDITION_FILES_H
#define EDITION_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The library's default largest document; reading one byte more lets the
 * library refuse a larger file with limit_exceeded itself. */
#define READ_LIMIT ((size_t)64 << 20)

/* Reads a whole file ("-" is standard input), at most `limit` + 1 bytes so
 * that the library can refuse an oversized document by its own limit.
 * The caller frees *data. */
int cli_read_input(const char *path, size_t limit, char **data, size_t *len);

/* The fault-injection hook for crash tests: when the environment variable
 * EDITION_TEST_FAULT names `stage`, the process aborts right there, as if it
 * had crashed. */
void cli_fault_point(const char *stage);
/* Checks EDITION_TEST_FAULT names a known stage (or is unset). */
int cli_fault_check(void);

/* A state file held under its lock for a read-compute-write cycle. */
typedef struct cli_state_file {
    char *path;      /* the real path (symbolic links resolved) */
    int lock_fd;
    mode_t mode; /* permission bits the replacement keeps */
} cli_state_file;

/* Resolves `path`, takes an exclusive flock on "<path>.lock" (waiting for
 * other holders) and reads the file. */
int cli_state_open(cli_state_file *sf, const char *path, size_t limit, char **data,
                   size_t *len);
/* Replaces the state file atomically: a temporary file in the same
 * directory, written and fsynced, renamed over the old one, then the
 * directory fsynced. On failure the old file is intact and no temporary
 * file is left. */
int cli_state_replace(const cli_state_file *sf, const char *data, size_t len,
                      bool *replaced);
/* Creates a new state file at `path` holding `data`, atomically (a
 * temporary file, fsynced, linked to the name, the directory fsynced),
 * never replacing an existing file: that is refused with the code
 * `exists` and CLI_EXIT_REFUSED. */
int cli_state_create(const char *path, const char *data, size_t len);
/* Releases the lock and frees the paths. */
void cli_state_close(cli_state_file *sf);

/* The effects log: a YAML stream of whole documents, each opened by "---"
 * and closed by "...". */
typedef struct cli_effects_log {
    char *path;      /* the real path (symbolic links resolved) */
    int lock_fd;     /* flock on PATH.lock for the whole run */
    char *old;       /* the file before this run */
    size_t old_len;
    bool existed;
    bool written;    /* this run replaced the file */
    mode_t mode;
} cli_effects_log;

/* Adds `doc` (a YAML document body) as "---\n" doc "...\n" to the log at
 * `path`, under a lock on "<path>.lock", by replacing the file atomically
 * with its old documents plus this one. Symbolic links are followed. On
 * the way, documents of instance `instance_id` whose revision is above
 * `committed` (the revision of the state file as read) are dropped, with a
 * warning: a run that crashed between writing its effects and saving the
 * state left them. `doc` may be NULL: only that recovery, writing nothing
 * when there is nothing to drop. A trailing incomplete document left by an
 * older, appending version is dropped. A stream (a pipe, a terminal,
 * /dev/stdout) is written to as a stream: no lock, no rename. */
int cli_effects_append(cli_effects_log *log, const char *path, const char *doc, size_t len,
                       const char *instance_id, uint64_t committed);
/* Whether `path` is written as a stream rather than replaced: it exists and
 * is not a regular file, or names one of this process's descriptors
 * (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N). */
bool cli_effects_is_stream(const char *path);
/* A usage error (CLI_EXIT_USAGE, printed) when `effects_out` is the state
 * file or its lock file under any name: compared by device and inode, links
 * resolved. A run would otherwise wait forever for its own lock. */
int cli_effects_check_target(const char *state_path, const char *effects_out);
/* Undoes the append (the state was not replaced after all). */
void cli_effects_rollback(cli_effects_log *log);
void cli_effects_close(cli_effects_log *log);

#endif /* EDITION_FILES_H */
