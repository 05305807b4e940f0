/*
 * The fleet commands' side of the store: the database as messages show it,
 * store errors as exit codes, instance rows from snapshots and back (each
 * row checked against its snapshot), and the writing of a transition's
 * outcome.
 */
#include "host.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------------- */
/* The store, with error lines                                             */
/* ---------------------------------------------------------------------- */

/* The database as every message shows it (fleet_db_display: no password);
 * never the raw argument. */
const char *host_shown(const fleet_store *s)
{
    return s->shown ? s->shown : "the database";
}

/* The exit code of a store error (docs/cli.md). */
static int fleet_err_exit(fleet_err e)
{
    switch (e) {
    case FLEET_OK: return CLI_EXIT_OK;
    case FLEET_NOT_FOUND:
    case FLEET_CONFLICT: return CLI_EXIT_REFUSED;
    case FLEET_SCHEMA: return CLI_EXIT_INVALID;
    default: return CLI_EXIT_IO;
    }
}

/* Prints the store's last error and returns its exit code. */
int host_store_error(fleet_store *s, const char *what)
{
    int rc = fleet_err_exit(s->err);
    cli_error(fleet_err_code(s->err), "%s: %s%s%s%s", host_shown(s), what, *what ? ": " : "",
              s->msg.data ? s->msg.data : "unknown error",
              rc == CLI_EXIT_IO && s->in_tx ? " (rolled back: nothing changed)" : "");
    return rc;
}

int host_open_store(fleet_store *s, const char *uri, bool create)
{
    const char *missing = NULL;
    if (!fleet_store_supported(uri, &missing)) {
        char *name = fleet_db_display(uri);
        cli_error("unsupported", "%s: this edition was built without %s support",
                  name ? name : "the database", missing);
        free(name);
        return CLI_EXIT_USAGE;
    }
    if (fleet_store_open(s, uri, create) != FLEET_OK) {
        int rc = host_store_error(s, "");
        fleet_store_close(s);
        return rc;
    }
    return CLI_EXIT_OK;
}

/* Writes `out` to stdout; an error after a commit is exit 5. */
int host_emit(cli_str *out, bool committed)
{
    int rc = CLI_EXIT_OK;
    if (out->failed || !cli_str_write(out, stdout) || fflush(stdout) != 0) {
        cli_error("io_error", "standard output: cannot write%s",
                  committed ? ": committed, but its report could not be written: do not retry"
                            : "");
        rc = committed ? CLI_EXIT_APPLIED : CLI_EXIT_IO;
    }
    cli_str_free(out);
    return rc;
}

/* The row of a snapshot. */
int host_row_from(const ed_instance *inst, fleet_instance_row *row)
{
    ed_buffer *buf = ed_buffer_new();
    memset(row, 0, sizeof *row);
    if (!buf || ed_instance_dump_json(inst, buf) != ED_OK) {
        ed_buffer_free(buf);
        cli_error("io_error", "out of memory");
        return CLI_EXIT_IO;
    }
    row->id = strdup(ed_instance_id(inst));
    row->snapshot = strdup(ed_buffer_data(buf));
    row->edition = strdup(ed_edition_name(ed_instance_edition(inst)));
    row->lifecycle = strdup(ed_lifecycle_name(ed_instance_lifecycle(inst)));
    row->revision = ed_instance_revision(inst);
    row->has_deadline = ed_instance_next_deadline(inst, &row->next_deadline);
    ed_buffer_free(buf);
    if (!row->id || !row->snapshot || !row->edition || !row->lifecycle) {
        fleet_instance_row_free(row);
        cli_error("io_error", "out of memory");
        return CLI_EXIT_IO;
    }
    return CLI_EXIT_OK;
}


/* The columns a row derives from its snapshot, compared with it: a row
 * whose revision, edition, lifecycle or next deadline columns disagree
 * with its snapshot was written by something else than this program, and
 * neither the compare-and-set on its revision nor the claim of due rows
 * by next_deadline can be trusted with it. */
static bool row_consistent(const fleet_instance_row *row, const ed_instance *inst, cli_str *why)
{
    ed_time deadline = 0;
    bool has_deadline = ed_instance_next_deadline(inst, &deadline);
    const char *edition = ed_edition_name(ed_instance_edition(inst));
    const char *lifecycle = ed_lifecycle_name(ed_instance_lifecycle(inst));
    if (row->revision != ed_instance_revision(inst)) {
        cli_str_printf(why, "the revision column says %" PRIu64 ", the snapshot %" PRIu64,
                       row->revision, ed_instance_revision(inst));
    } else if (!row->edition || strcmp(row->edition, edition) != 0) {
        cli_str_puts(why, "the edition column says ");
        cli_str_untrusted_puts(why, row->edition ? row->edition : "NULL");
        cli_str_printf(why, ", the snapshot %s", edition);
    } else if (!row->lifecycle || strcmp(row->lifecycle, lifecycle) != 0) {
        cli_str_puts(why, "the lifecycle column says ");
        cli_str_untrusted_puts(why, row->lifecycle ? row->lifecycle : "NULL");
        cli_str_printf(why, ", the snapshot %s", lifecycle);
    } else if (row->has_deadline != has_deadline ||
               (has_deadline && row->next_deadline != deadline)) {
        cli_str_puts(why, "the next_deadline column says ");
        if (row->has_deadline)
            cli_str_time(why, row->next_deadline);
        else
            cli_str_puts(why, "none");
        cli_str_puts(why, ", the snapshot ");
        if (has_deadline)
            cli_str_time(why, deadline);
        else
            cli_str_puts(why, "none");
    } else {
        return true;
    }
    cli_str_puts(why, ": written by another program? Mend or remove the row");
    return false;
}

/* Loads the snapshot of a row and checks the row against it. On failure
 * `p` says why and the exit code is returned: 3 for a row that does not
 * load or disagrees with its snapshot. */
int host_load_row(const fleet_instance_row *row, ed_instance **out, row_problem *p)
{
    ed_error *err = NULL;
    /* a NULL snapshot column loads as an empty document: a corrupt row */
    const char *doc = row->snapshot ? row->snapshot : "";
    ed_status st = ed_instance_load_yaml(out, doc, strlen(doc), NULL, &err);
    int rc = CLI_EXIT_INVALID;

    if (st != ED_OK) {
        size_t line = err ? ed_error_line(err) : 0, column = err ? ed_error_column(err) : 0;
        const char *message = err ? ed_error_message(err) : NULL;
        p->code = ed_status_name(st) ? ed_status_name(st) : "invalid_document";
        cli_str_puts(&p->why, "snapshot row");
        if (line > 0)
            cli_str_printf(&p->why, ":%zu", line);
        if (line > 0 && column > 0)
            cli_str_printf(&p->why, ":%zu", column);
        cli_str_puts(&p->why, ": ");
        cli_str_puts(&p->why, message && *message ? message
                              : st == ED_NO_MEMORY ? "out of memory"
                                                   : "the document is not valid");
        if (st == ED_NO_MEMORY)
            rc = CLI_EXIT_IO;
        ed_error_free(err);
        *out = NULL;
        return rc;
    }
    if (strcmp(ed_instance_id(*out), row->id) != 0) {
        p->code = "invalid_document";
        cli_str_puts(&p->why, "the snapshot row holds the instance ");
        cli_str_untrusted_puts(&p->why, ed_instance_id(*out));
    } else if (!row_consistent(row, *out, &p->why)) {
        p->code = "inconsistent_row";
    } else {
        return CLI_EXIT_OK;
    }
    ed_instance_free(*out);
    *out = NULL;
    return rc;
}

/* Prints a row's problem: "edition: CODE: DB: instance ID: why". */
void host_row_error(const fleet_store *s, const char *id, const row_problem *p)
{
    cli_str line = {0};
    cli_str_untrusted_puts(&line, id);
    cli_error(p->code, "%s: instance %s: %s", host_shown(s), line.data ? line.data : "",
              p->why.data ? p->why.data : "out of memory");
    cli_str_free(&line);
}

/* Loads a row for show and apply: its problem is printed. */
int host_load_row_or_report(const fleet_store *s, const fleet_instance_row *row,
                              ed_instance **out)
{
    row_problem p = {NULL, {0}};
    int rc = host_load_row(row, out, &p);
    if (rc != CLI_EXIT_OK)
        host_row_error(s, row->id, &p);
    cli_str_free(&p.why);
    return rc;
}

/* The effects of a result as outbox rows: each effect's key, revision,
 * index and kind (one ed_effect_list_read for the list) and its own JSON
 * object (ed_effect_dump_json, the object ed_effects_dump_json writes for
 * it in the list's document). */
static int effect_rows(const ed_effect_list *list, fleet_effect_row **out, size_t *count)
{
    size_t n = ed_effect_list_count(list);
    ed_buffer *buf;
    fleet_effect_row *rows;
    ed_effect_record *recs;
    bool failed;

    *out = NULL;
    *count = 0;
    if (n == 0)
        return CLI_EXIT_OK;
    buf = ed_buffer_new();
    rows = calloc(n, sizeof *rows);
    recs = calloc(n, sizeof *recs);
    failed = !buf || !rows || !recs;
    if (!failed) {
        recs[0].size = sizeof recs[0];
        failed = ed_effect_list_read(list, 0, n, recs) != ED_OK;
    }
    for (size_t i = 0; !failed && i < n; i++) {
        const ed_effect_record *e = &recs[i];
        fleet_effect_row *r = &rows[i];
        ed_buffer_clear(buf);
        if (ed_effect_dump_json(ed_effect_list_get(list, i), buf) != ED_OK) {
            failed = true;
            break;
        }
        r->key = strdup(e->key);
        r->instance = NULL;
        r->revision = e->revision;
        r->index = (int64_t)e->index;
        r->kind = strdup(ed_effect_kind_name(e->kind));
        r->document = strndup(ed_buffer_data(buf), ed_buffer_len(buf));
        failed = !r->key || !r->kind || !r->document;
    }
    free(recs);
    ed_buffer_free(buf);
    *out = rows;
    *count = rows ? n : 0;
    if (failed) {
        cli_error("io_error", "out of memory");
        return CLI_EXIT_IO;
    }
    return CLI_EXIT_OK;
}

static void effect_rows_free(fleet_effect_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rows[i].instance = NULL; /* borrowed */
        fleet_effect_row_free(&rows[i]);
    }
    free(rows);
}

/* Writes the outcome of a transition in the open transaction: the new
 * snapshot with a compare-and-set on the revision it was read at, then its
 * effects as pending. Either all of it commits or none of it. */
int host_write_outcome(fleet_store *s, const ed_instance *before, const ed_result *r,
                         size_t *neffects)
{
    fleet_instance_row row;
    fleet_effect_row *effects = NULL;
    size_t n = 0;
    int rc = host_row_from(ed_result_instance(r), &row);

    if (rc == CLI_EXIT_OK)
        rc = effect_rows(ed_result_effects(r), &effects, &n);
    if (rc == CLI_EXIT_OK && fleet_store_put_cas(s, &row, ed_instance_revision(before)) != FLEET_OK)
        rc = host_store_error(s, "cannot write the snapshot");
    if (rc == CLI_EXIT_OK)
        cli_fault_point("fleet-after-snapshot");
    for (size_t i = 0; rc == CLI_EXIT_OK && i < n; i++) {
        effects[i].instance = row.id;
        if (fleet_store_insert_effect(s, &effects[i]) != FLEET_OK)
            rc = host_store_error(s, "cannot insert an effect");
    }
    if (rc == CLI_EXIT_OK)
        cli_fault_point("fleet-before-commit");
    *neffects = n;
    effect_rows_free(effects, n);
    fleet_instance_row_free(&row);
    return rc;
}

