/*
 * Text renderings of snapshots, steps and timelines (`--format text` and
 * `edition simulate`), over the public API of libedition.
 */
#ifndef EDITION_COMMON_TEXT_H
#define EDITION_COMMON_TEXT_H

#include "output.h"

/* Every field of a snapshot, one per line (`show --format text`). */
void cli_text_instance(cli_str *s, const ed_instance *inst, const cli_style *st);
/* The opening lines of a timeline: the file and the initial snapshot. */
void cli_text_timeline_start(cli_str *s, const char *path, size_t steps, const ed_instance *inst,
                             const cli_style *st);
/* One step of a timeline: `before` is the snapshot the step ran on,
 * `current` the one after it (the same on refusal). */
void cli_text_step(cli_str *s, size_t step, ed_time at, const ed_command *cmd, const ed_result *r,
                   const ed_instance *before, const ed_instance *current, const cli_style *st);
/* The outcome of `plan`, `apply` or `tick` (--format text): the command,
 * the state file it ran on, then the lines of a timeline step. */
void cli_text_outcome(cli_str *s, const char *path, ed_time now, const ed_command *cmd,
                      const ed_result *r, const ed_instance *before, const ed_instance *current,
                      const cli_style *st);
/* Totals at the end of a timeline. */
typedef struct cli_tally {
    size_t steps;
    size_t ok;
    size_t refused;
    size_t irreversible; /* irreversible effects carried out */
} cli_tally;
void cli_tally_step(cli_tally *t, const ed_result *r);
void cli_text_timeline_end(cli_str *s, const cli_tally *t, const cli_style *st);
/* Describes a command and its arguments: "upgrade period_months=1". */
void cli_text_command(cli_str *s, const ed_command *cmd);

#endif /* EDITION_COMMON_TEXT_H */
