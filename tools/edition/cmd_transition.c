/* plan, apply and tick: a lifecycle command run on a state file, its outcome
 * reported and, for apply and tick, recorded (docs/cli.md, "Writing
 * files"). */
#include "commands.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The report plan and apply print: the command, the outcome, the
 * snapshot after it (the unchanged one on refusal) and the effects. */
static void outcome_report(cli_str *s, cli_format format, const char *path, const ed_command *cmd,
                           ed_time now, const ed_result *r, const ed_instance *before,
                           const ed_instance *current)
{
    switch (format) {
    case CLI_FORMAT_TEXT: {
        cli_style st = cli_style_for_stdout();
        cli_text_outcome(s, path, now, cmd, r, before, current, &st);
        break;
    }
    case CLI_FORMAT_YAML:
    case CLI_FORMAT_JSON: {
        ed_buffer *buf = ed_buffer_new();
        ed_status (*dump)(ed_buffer *, const ed_command *, ed_time, const ed_result *,
                          const ed_instance *) =
            format == CLI_FORMAT_JSON ? ed_result_dump_json : ed_result_dump_yaml;
        if (!buf || dump(buf, cmd, now, r, current) != ED_OK)
            s->failed = true;
        else
            cli_str_append(s, ed_buffer_data(buf), ed_buffer_len(buf));
        ed_buffer_free(buf);
        break;
    }
    }
}

static bool write_stdout(void *ctx, const char *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len;
}

/* plan's YAML or JSON report, written to standard output as the library
 * writes it: a plan of millions of effects never sits in memory whole. */
static int stream_report(cli_format format, const ed_command *cmd, ed_time now,
                         const ed_result *r, const ed_instance *current)
{
    ed_status (*write)(ed_write_fn, void *, const ed_command *, ed_time, const ed_result *,
                       const ed_instance *) =
        format == CLI_FORMAT_JSON ? ed_result_write_json : ed_result_write_yaml;
    errno = 0;
    ed_status st = write(write_stdout, stdout, cmd, now, r, current);
    if (st == ED_OK && fflush(stdout) == 0)
        return CLI_EXIT_OK;
    if (st == ED_NO_MEMORY)
        cli_error("io_error", "standard output: out of memory");
    else
        cli_error("io_error", "standard output: cannot write: %s", strerror(errno));
    return CLI_EXIT_IO;
}

/* Records the new snapshot: effects first, then the state file. `before`
 * is the snapshot the state file holds now: effects of a higher revision in
 * the log were left by a crashed run and are dropped on the way. */
static int commit(const cli_state_file *sf, const char *effects_out, const ed_instance *before,
                  const ed_result *r)
{
    const ed_instance *next = ed_result_instance(r);
    const ed_effect_list *effects = ed_result_effects(r);
    cli_effects_log log = {.lock_fd = -1};
    ed_buffer *buf = ed_buffer_new();
    bool replaced = false;
    int rc = CLI_EXIT_OK;

    if (!buf) {
        cli_error("io_error", "%s: out of memory", sf->path);
        return CLI_EXIT_IO;
    }
    /* Also without effects of its own: a new revision must not be saved
     * while the log still holds a crashed run's effects under its keys. */
    if (effects_out) {
        bool any = ed_effect_list_count(effects) > 0;
        if (any && ed_effects_dump_yaml(effects, buf) != ED_OK) {
            cli_error("io_error", "%s: cannot serialise the effects: out of memory", effects_out);
            rc = CLI_EXIT_IO;
        } else {
            rc = cli_effects_append(&log, effects_out, any ? ed_buffer_data(buf) : NULL,
                                    any ? ed_buffer_len(buf) : 0, ed_instance_id(before),
                                    ed_instance_revision(before));
        }
    }
    if (rc == CLI_EXIT_OK) {
        ed_buffer_clear(buf);
        if (ed_instance_dump_yaml(next, buf) != ED_OK) {
            cli_error("io_error", "%s: cannot serialise the new state: out of memory", sf->path);
            rc = CLI_EXIT_IO;
        } else {
            rc = cli_state_replace(sf, ed_buffer_data(buf), ed_buffer_len(buf), &replaced);
        }
        /* Effects of a revision the state file never reached would give
         * their keys to other effects later. */
        if (rc != CLI_EXIT_OK && !replaced)
            cli_effects_rollback(&log);
        if (rc != CLI_EXIT_OK && replaced) {
            cli_error("io_error", "%s: applied and saved, but it may not survive a power loss: "
                                  "do not retry",
                      sf->path);
            rc = CLI_EXIT_APPLIED;
        }
    }
    cli_effects_close(&log);
    ed_buffer_free(buf);
    return rc;
}

/* plan, apply and tick: one command on a state file. */
static int transition(const cli_args *a, const char *command_name, bool write)
{
    const char *path = a->pos[0];
    const char *effects_out = opt_value(a, OPT_EFFECTS_OUT);
    cli_state_file sf = {.lock_fd = -1};
    ed_command *cmd = NULL;
    ed_instance *inst = NULL;
    ed_result *r = NULL;
    ed_time now;
    cli_format format;
    cli_str out = {0};
    char *data = NULL;
    size_t len = 0;
    int rc;

    if ((rc = parse_format(a, &format)) != CLI_EXIT_OK)
        return rc;
    if ((rc = cli_parse_now(opt_value(a, OPT_NOW), &now)) != CLI_EXIT_OK)
        return rc;
    if ((rc = cli_build_command(a->given >> OPT_COMMAND_FIRST, &a->value[OPT_COMMAND_FIRST],
                                 command_name, &cmd)) != CLI_EXIT_OK)
        return rc;
    if (write && strcmp(path, "-") == 0) {
        rc = cli_usage("%s: the state must be a file to replace, not standard input", a->command);
    } else if (write) {
        if ((rc = cli_fault_check()) == CLI_EXIT_OK)
            rc = cli_effects_check_target(path, effects_out);
        if (rc == CLI_EXIT_OK)
            rc = cli_state_open(&sf, path, READ_LIMIT, &data, &len);
    } else {
        rc = cli_read_input(path, READ_LIMIT, &data, &len);
    }
    if (rc == CLI_EXIT_OK) {
        ed_error *err = NULL;
        ed_status st = ed_instance_load_yaml(&inst, data, len, NULL, &err);
        if (st != ED_OK)
            rc = cli_load_error(path, st, err);
        ed_error_free(err);
    }
    free(data);
    if (rc != CLI_EXIT_OK)
        goto done;

    r = ed_command_apply(cmd, inst, now);
    /* plan changes nothing: its report streams out */
    bool stream = !write && format != CLI_FORMAT_TEXT;
    if (ed_result_status(r) != ED_OK) {
        if (stream) {
            rc = stream_report(format, cmd, now, r, inst);
        } else {
            outcome_report(&out, format, path, cmd, now, r, inst, inst);
            rc = emit(&out);
        }
        cli_error(ed_status_name(ed_result_status(r)), "%s", ed_result_message(r));
        rc = rc == CLI_EXIT_OK ? CLI_EXIT_REFUSED : rc;
        goto done;
    }
    if (stream) {
        rc = stream_report(format, cmd, now, r, ed_result_instance(r));
        goto done;
    }
    outcome_report(&out, format, path, cmd, now, r, inst, ed_result_instance(r));
    if (out.failed) {
        cli_error("io_error", "out of memory");
        rc = CLI_EXIT_IO;
        goto done;
    }
    if (write && ed_instance_revision(ed_result_instance(r)) != ed_instance_revision(inst)) {
        rc = commit(&sf, effects_out, inst, r);
        if (rc == CLI_EXIT_OK)
            rc = emit_after_commit(&out);
        else if (rc == CLI_EXIT_APPLIED)
            (void)emit_after_commit(&out);
    } else {
        rc = emit(&out);
    }

done:
    if (write)
        cli_state_close(&sf);
    cli_str_free(&out);
    ed_result_free(r);
    ed_instance_free(inst);
    ed_command_free(cmd);
    return rc;
}

int run_plan(const cli_args *a)
{
    return transition(a, a->pos[1], false);
}

int run_apply(const cli_args *a)
{
    return transition(a, a->pos[1], true);
}

int run_tick(const cli_args *a)
{
    return transition(a, ed_command_kind_name(ED_CMD_TICK), true);
}
