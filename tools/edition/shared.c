/* What the commands of `edition` share: loading a state file, writing the
 * report to standard output, and --format. */
#include "commands.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Reads and loads a state file; prints the error and returns its exit
 * code on failure. */
int load_state(const char *path, ed_instance **out)
{
    char *data = NULL;
    size_t len = 0;
    ed_error *err = NULL;
    ed_status st;
    int rc = cli_read_input(path, READ_LIMIT, &data, &len);

    if (rc != CLI_EXIT_OK)
        return rc;
    st = ed_instance_load_yaml(out, data, len, NULL, &err);
    free(data);
    if (st != ED_OK) {
        rc = cli_load_error(path, st, err);
        ed_error_free(err);
        return rc;
    }
    return CLI_EXIT_OK;
}

/* Writes the output, or reports that standard output failed. */
int emit(const cli_str *s)
{
    if (s->failed) {
        cli_error("io_error", "standard output: out of memory");
        return CLI_EXIT_IO;
    }
    if (!cli_str_write(s, stdout) || fflush(stdout) != 0) {
        cli_error("io_error", "standard output: cannot write: %s", strerror(errno));
        return CLI_EXIT_IO;
    }
    return CLI_EXIT_OK;
}

/* Writes the report of a command whose outcome is already saved. Its
 * failure (a full disk, a closed pipe) must not read as "nothing changed":
 * running the command again would apply it twice. */
int emit_after_commit(const cli_str *s)
{
    int e = 0;

    errno = 0;
    if (s->failed)
        e = ENOMEM;
    else if (!cli_str_write(s, stdout) || fflush(stdout) != 0)
        e = errno ? errno : EIO;
    if (!e)
        return CLI_EXIT_OK;
    cli_error("io_error",
              "standard output: %s: applied and saved, but its report could not be written: "
              "do not retry",
              strerror(e));
    return CLI_EXIT_APPLIED;
}

int parse_format(const cli_args *a, cli_format *out)
{
    static const struct {
        const char *name;
        cli_format format;
    } formats[] = {{"yaml", CLI_FORMAT_YAML}, {"json", CLI_FORMAT_JSON}, {"text", CLI_FORMAT_TEXT}};
    const char *f = opt_value(a, OPT_FORMAT);

    *out = CLI_FORMAT_YAML;
    if (!f)
        return CLI_EXIT_OK;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (strcmp(f, formats[i].name) == 0) {
            *out = formats[i].format;
            return CLI_EXIT_OK;
        }
    }
    return cli_usage("--format: unknown format '%s' (one of: yaml, json, text)", f);
}
