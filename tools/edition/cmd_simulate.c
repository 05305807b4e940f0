/* simulate: every step of a scenario file, from the last accepted
 * snapshot. */
#include "commands.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int run_simulate(const cli_args *a)
{
    const char *path = a->pos[0];
    ed_scenario *sc = NULL;
    ed_error *err = NULL;
    ed_instance *cur;
    ed_buffer *buf;
    cli_style style = cli_style_for_stdout();
    cli_tally tally = {0, 0, 0, 0};
    char *data = NULL;
    size_t len = 0;
    cli_format format;
    int rc = parse_format(a, &format);
    ed_status st;

    if (rc == CLI_EXIT_OK)
        rc = cli_read_input(path, READ_LIMIT, &data, &len);
    if (rc != CLI_EXIT_OK)
        return rc;
    st = ed_scenario_load_yaml(&sc, data, len, NULL, &err);
    free(data);
    if (st != ED_OK) {
        rc = cli_load_error(path, st, err);
        ed_error_free(err);
        return rc;
    }

    buf = ed_buffer_new();
    cur = ed_instance_ref(ed_scenario_instance(sc));
    if (!buf) {
        cli_error("io_error", "out of memory");
        rc = CLI_EXIT_IO;
    }
    if (rc == CLI_EXIT_OK && format == CLI_FORMAT_TEXT) {
        cli_str out = {0};
        cli_text_timeline_start(&out, path, ed_scenario_step_count(sc), cur, &style);
        rc = emit(&out);
        cli_str_free(&out);
    }
    for (size_t i = 0; rc == CLI_EXIT_OK && i < ed_scenario_step_count(sc); i++) {
        const ed_command *cmd = ed_scenario_step_command(sc, i);
        ed_time at = ed_scenario_step_at(sc, i);
        ed_result *r = ed_command_apply(cmd, cur, at);
        ed_instance *before = cur;
        cli_str out = {0};

        if (ed_result_status(r) == ED_OK)
            cur = ed_instance_ref(ed_result_instance(r));
        else
            ed_instance_ref(before);
        switch (format) {
        case CLI_FORMAT_TEXT:
            cli_text_step(&out, i + 1, at, cmd, r, before, cur, &style);
            cli_tally_step(&tally, r);
            break;
        case CLI_FORMAT_YAML:
            ed_buffer_clear(buf);
            if (ed_step_dump_yaml(buf, i + 1, at, cmd, r, cur) != ED_OK) {
                out.failed = true;
            } else {
                if (strncmp(ed_buffer_data(buf), "---", 3) != 0)
                    cli_str_puts(&out, "---\n");
                cli_str_append(&out, ed_buffer_data(buf), ed_buffer_len(buf));
            }
            break;
        case CLI_FORMAT_JSON:
            /* JSON Lines: each step document is one line */
            ed_buffer_clear(buf);
            if (ed_step_dump_json(buf, i + 1, at, cmd, r, cur) != ED_OK)
                out.failed = true;
            else
                cli_str_append(&out, ed_buffer_data(buf), ed_buffer_len(buf));
            break;
        }
        rc = emit(&out);
        cli_str_free(&out);
        ed_instance_free(before);
        ed_result_free(r);
    }
    if (rc == CLI_EXIT_OK && format == CLI_FORMAT_TEXT) {
        cli_str out = {0};
        cli_text_timeline_end(&out, &tally, &style);
        rc = emit(&out);
        cli_str_free(&out);
    }
    ed_instance_free(cur);
    ed_buffer_free(buf);
    ed_scenario_free(sc);
    return rc;
}
