/*
 * State files: read under a lock held for the whole run, replaced
 * atomically, created without ever replacing another (docs/cli.md,
 * "Writing files").
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
/* State files                                                             */
/* ---------------------------------------------------------------------- */

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
    int rc = file_lock_beside(sf->path, &sf->lock_fd, "state file");
    if (rc != CLI_EXIT_OK)
        return rc;

    fd = open(sf->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("io_error", "%s: cannot open: %s", path, strerror(errno));
        return CLI_EXIT_IO;
    }
    if (fstat(fd, &st) == 0)
        sf->mode = st.st_mode & 07777;
    e = file_read_fd(fd, limit, data, len);
    close(fd);
    if (e) {
        cli_error("io_error", "%s: cannot read: %s", path, strerror(e));
        return CLI_EXIT_IO;
    }
    cli_fault_point("after-lock");
    return CLI_EXIT_OK;
}

int cli_state_replace(const cli_state_file *sf, const char *data, size_t len, bool *replaced)
{
    static const replace_stages stages = {NULL, "after-temp-write", "before-rename",
                                          "after-rename"};
    return file_replace(sf->path, sf->mode, data, len, &stages, replaced);
}

int cli_state_create(const char *path, const char *data, size_t len)
{
    static const replace_stages none = {NULL, NULL, NULL, NULL};
    mode_t mask = umask(0);
    char *dir, *tmp;
    int e = 0, rc;

    umask(mask);
    rc = file_write_temp_beside(path, 0666 & ~mask, data, len, &none, "nothing was created",
                                &dir, &tmp);
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
    } else if ((e = file_sync_dir(dir)) != 0) {
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
