/*
 * The file primitives that state_file.c and effects_log.c share
 * (file_io.c): inside `edition`, not a public interface of the program.
 */
#ifndef EDITION_FILE_IO_H
#define EDITION_FILE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "files.h"

/* Fault points of one atomic replacement, named per file kind. */
typedef struct replace_stages {
    const char *mid_write;     /* half of the temporary file written */
    const char *after_write;   /* temporary file written and fsynced */
    const char *before_rename; /* temporary file closed */
    const char *after_rename;  /* renamed, directory not yet fsynced */
} replace_stages;

/* Whether EDITION_TEST_FAULT names `stage` (the crash tests). */
bool file_fault_wanted(const char *stage);
/* Writes all of `data` to `fd`, retrying short writes; 0 or an errno. */
int file_write_all(int fd, const char *data, size_t len);
/* Reads all of `fd`, refusing more than `limit` bytes. */
int file_read_fd(int fd, size_t limit, char **data, size_t *len);
/* a then b in a new string; NULL when out of memory. */
char *file_concat(const char *a, const char *b);
/* The folder of `path` in a new string. */
char *file_dir_of(const char *path);
/* Locks `path`.lock for the caller's whole run (flock); *fd_out holds it. */
int file_lock_beside(const char *path, int *fd_out, const char *what);
/* fsyncs a folder, so that a rename in it survives a crash; 0 or an errno. */
int file_sync_dir(const char *dir);
/* Writes `data` to a new fsynced temporary file beside `path`. */
int file_write_temp_beside(const char *path, mode_t mode, const char *data, size_t len,
                           const replace_stages *stages, const char *outcome, char **dir_out,
                           char **tmp_out);
/* Replaces `path` by `data` atomically. */
int file_replace(const char *path, mode_t mode, const char *data, size_t len,
                 const replace_stages *stages, bool *replaced);

#endif /* EDITION_FILE_IO_H */
