/*
 * `edition fleet`: many instances in SQLite or PostgreSQL, their effects in
 * a transactional outbox, ticked at their deadlines and dispatched to a
 * handler command (docs/fleet.md). Every lifecycle decision is the
 * library's; this file reads and writes rows through the fleet store
 * (tools/fleet_store/store.h), which holds all of the SQL.
 */
#include "fleet.h"
#include "args.h"
#include "files.h"

#if defined(EDITION_FLEET_SQLITE) || defined(EDITION_FLEET_PG)
#include "store.h"

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

#define READ_LIMIT ((size_t)64 << 20)
#define DEFAULT_MAX_ATTEMPTS 5
#define DEFAULT_BACKOFF 1
#define DEFAULT_LEASE 300
#define DEFAULT_POLL 60
#define DEFAULT_TIMEOUT 60
#define MAX_BACKOFF 3600

/* ---------------------------------------------------------------------- */
/* Options                                                                 */
/* ---------------------------------------------------------------------- */

enum {
    F_NOW, F_LIMIT, F_DUE, F_EDITION, F_LIFECYCLE, F_EXEC, F_WORKERS, F_FAILED, F_PENDING,
    F_MAX_ATTEMPTS, F_BACKOFF, F_LEASE, F_POLL, F_FORMAT, F_INSTANCE, F_TIMEOUT, F_SKIPPED,
    F_COUNT
};

static const cli_option fleet_options[F_COUNT] = {
    [F_NOW] = {"--now", "T", "the time, RFC 3339 (default: the current time)"},
    [F_LIMIT] = {"--limit", "N", "tick at most N instances"},
    [F_DUE] = {"--due", NULL, "only the instances due at --now"},
    [F_EDITION] = {"--edition", "E", "only the instances of this edition"},
    [F_LIFECYCLE] = {"--lifecycle", "L", "only the instances in this lifecycle"},
    [F_EXEC] = {"--exec", "CMD", "the handler: /bin/sh -c CMD, once per effect"},
    [F_WORKERS] = {"--workers", "N", "handlers at a time (default 1, at most 256)"},
    [F_FAILED] = {"--failed", NULL, "only the failed effects"},
    [F_PENDING] = {"--pending", NULL, "only the pending effects"},
    [F_MAX_ATTEMPTS] = {"--max-attempts", "N", "attempts before an effect is failed (default 5)"},
    [F_BACKOFF] = {"--backoff", "S", "first retry delay, doubled each attempt (default 1)"},
    [F_LEASE] = {"--lease", "S", "how long a claimed effect is held (default 300, at least 2)"},
    [F_POLL] = {"--poll", "S", "longest sleep between rounds (default 60)"},
    [F_FORMAT] = {"--format", "yaml|json", "yaml (the default) or json"},
    [F_INSTANCE] = {"--instance", "ID", "only the effects of this instance"},
    [F_TIMEOUT] = {"--timeout", "S",
                   "kill a handler after S seconds (default 60; shorter than --lease)"},
    [F_SKIPPED] = {"--skipped", NULL, "only the rows that cannot be ticked, with their error"},
};

typedef struct fleet_args {
    const char *sub;
    const char **pos;
    size_t npos;
    bool given[F_COUNT];
    const char *value[F_COUNT];
} fleet_args;

typedef struct fleet_sub {
    const char *name;
    const char *synopsis;
    const char *summary;
    unsigned options; /* bits 1u << F_... */
    size_t min_pos, max_pos; /* max_pos 0: any number */
    int (*run)(fleet_args *a);
} fleet_sub;

/* Whether an argument of `add` is a database rather than a state file: a
 * PostgreSQL URI or connection string, or a SQLite file (its header). */
static bool names_database(const char *arg)
{
    static const char header[16] = "SQLite format 3";
    char head[16];
    FILE *f;
    bool sqlite = false;
    if (fleet_is_postgresql(arg))
        return true;
    f = fopen(arg, "rb");
    if (f) {
        sqlite = fread(head, 1, sizeof head, f) == sizeof head &&
                 memcmp(head, header, sizeof head) == 0;
        (void)fclose(f);
    }
    return sqlite;
}

/* What a subcommand accepts, for the parser and its --help; its DB may be
 * left out for EDITION_FLEET_DB. */
static cli_command_line command_line_of(const fleet_sub *sub, char *name, size_t name_size,
                                        char *synopsis, size_t synopsis_size)
{
    cli_command_line line = {name, synopsis, fleet_options, F_COUNT, sub->options,
                             sub->min_pos, sub->max_pos ? sub->max_pos : CLI_ANY,
                             FLEET_DB_VARIABLE, "DB", names_database};
    snprintf(name, name_size, "fleet %s", sub->name);
    snprintf(synopsis, synopsis_size, "fleet %s", sub->synopsis);
    return line;
}

static int fleet_sub_help(const fleet_sub *sub, const cli_command_line *line)
{
    cli_str out = {0};
    int rc = CLI_EXIT_OK;
    cli_str_printf(&out, "usage: edition %s\n\n%s.\n", line->synopsis, sub->summary);
    cli_print_options(&out, line);
    if (out.failed || !cli_str_write(&out, stdout) || fflush(stdout) != 0) {
        cli_error("io_error", "standard output: cannot write");
        rc = CLI_EXIT_IO;
    }
    cli_str_free(&out);
    return rc;
}

/* Parses a subcommand's arguments (argv[2..]) with the one parser of
 * args.h; --help prints its usage (*helped). */
static int parse_fleet_args(int argc, char **argv, const fleet_sub *sub, fleet_args *a,
                            bool *helped)
{
    char name[64], synopsis[256];
    cli_command_line line = command_line_of(sub, name, sizeof name, synopsis, sizeof synopsis);
    cli_parsed p;
    int rc = cli_parse(argc, argv, 2, &line, &p);

    *helped = false;
    a->pos = p.pos; /* a owns it from here: cli_fleet frees it */
    a->npos = p.npos;
    for (size_t k = 0; k < F_COUNT; k++) {
        a->given[k] = cli_given(&p, k);
        a->value[k] = p.value[k];
    }
    if (rc == CLI_EXIT_OK && p.help) {
        *helped = true;
        rc = fleet_sub_help(sub, &line);
    }
    return rc;
}

/* A whole number in [min, max]. */
static int parse_count(const fleet_args *a, int opt, long long min, long long max, long long *out)
{
    const char *text = a->value[opt];
    char *end = NULL;
    long long v;
    if (!a->given[opt])
        return CLI_EXIT_OK;
    errno = 0;
    v = strtoll(text, &end, 10);
    if (!*text || *end || errno || v < min || v > max)
        return cli_usage("%s: '%s' is not a whole number in %lld..%lld", fleet_options[opt].name,
                         text, min, max);
    *out = v;
    return CLI_EXIT_OK;
}

static int parse_time(const fleet_args *a, ed_time *now)
{
    const char *text = a->value[F_NOW];
    if (!a->given[F_NOW]) {
        *now = (ed_time)time(NULL);
        return CLI_EXIT_OK;
    }
    if (ed_time_parse(text, strlen(text), now) != ED_OK)
        return cli_usage("--now: '%s' is not an RFC 3339 time in whole seconds, such as "
                         "2026-02-01T00:00:00Z",
                         text);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* The store, with error lines                                             */
/* ---------------------------------------------------------------------- */

/* The database as every message shows it (fleet_db_display: no password);
 * never the raw argument. */
static const char *shown(const fleet_store *s)
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
static int store_error(fleet_store *s, const char *what)
{
    int rc = fleet_err_exit(s->err);
    cli_error(fleet_err_code(s->err), "%s: %s%s%s%s", shown(s), what, *what ? ": " : "",
              s->msg.data ? s->msg.data : "unknown error",
              rc == CLI_EXIT_IO && s->in_tx ? " (rolled back: nothing changed)" : "");
    return rc;
}

static int open_store(fleet_store *s, const char *uri, bool create)
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
        int rc = store_error(s, "");
        fleet_store_close(s);
        return rc;
    }
    return CLI_EXIT_OK;
}

/* Writes `out` to stdout; an error after a commit is exit 5. */
static int emit(cli_str *out, bool committed)
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
static int row_from(const ed_instance *inst, fleet_instance_row *row)
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

/* Why a row cannot be used: its code for the error line and the message
 * after "DB: instance ID: ". */
typedef struct row_problem {
    const char *code;
    cli_str why;
} row_problem;

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
static int load_row(const fleet_instance_row *row, ed_instance **out, row_problem *p)
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
static void row_error(const fleet_store *s, const char *id, const row_problem *p)
{
    cli_str line = {0};
    cli_str_untrusted_puts(&line, id);
    cli_error(p->code, "%s: instance %s: %s", shown(s), line.data ? line.data : "",
              p->why.data ? p->why.data : "out of memory");
    cli_str_free(&line);
}

/* Loads a row for show and apply: its problem is printed. */
static int load_row_or_report(const fleet_store *s, const fleet_instance_row *row,
                              ed_instance **out)
{
    row_problem p = {NULL, {0}};
    int rc = load_row(row, out, &p);
    if (rc != CLI_EXIT_OK)
        row_error(s, row->id, &p);
    cli_str_free(&p.why);
    return rc;
}

/* The effects of a result as outbox rows: each effect's own JSON object
 * (ed_effect_dump_json, the object ed_effects_dump_json writes for it in
 * the list's document). */
static int effect_rows(const ed_effect_list *list, fleet_effect_row **out, size_t *count)
{
    size_t n = ed_effect_list_count(list);
    ed_buffer *buf;
    fleet_effect_row *rows;
    bool failed;

    *out = NULL;
    *count = 0;
    if (n == 0)
        return CLI_EXIT_OK;
    buf = ed_buffer_new();
    rows = calloc(n, sizeof *rows);
    failed = !buf || !rows;
    for (size_t i = 0; !failed && i < n; i++) {
        const ed_effect *e = ed_effect_list_get(list, i);
        const char *key = ed_effect_key(e);
        fleet_effect_row *r = &rows[i];
        ed_buffer_clear(buf);
        if (!key || ed_effect_dump_json(e, buf) != ED_OK) {
            failed = true;
            break;
        }
        r->key = strdup(key);
        r->instance = NULL;
        r->revision = ed_effect_revision(e);
        r->index = (int64_t)ed_effect_index(e);
        r->kind = strdup(ed_effect_kind_name(ed_effect_kind_of(e)));
        r->document = strndup(ed_buffer_data(buf), ed_buffer_len(buf));
        failed = !r->key || !r->kind || !r->document;
    }
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
static int write_outcome(fleet_store *s, const ed_instance *before, const ed_result *r,
                         size_t *neffects)
{
    fleet_instance_row row;
    fleet_effect_row *effects = NULL;
    size_t n = 0;
    int rc = row_from(ed_result_instance(r), &row);

    if (rc == CLI_EXIT_OK)
        rc = effect_rows(ed_result_effects(r), &effects, &n);
    if (rc == CLI_EXIT_OK && fleet_store_put_cas(s, &row, ed_instance_revision(before)) != FLEET_OK)
        rc = store_error(s, "cannot write the snapshot");
    if (rc == CLI_EXIT_OK)
        cli_fault_point("fleet-after-snapshot");
    for (size_t i = 0; rc == CLI_EXIT_OK && i < n; i++) {
        effects[i].instance = row.id;
        if (fleet_store_insert_effect(s, &effects[i]) != FLEET_OK)
            rc = store_error(s, "cannot insert an effect");
    }
    if (rc == CLI_EXIT_OK)
        cli_fault_point("fleet-before-commit");
    *neffects = n;
    effect_rows_free(effects, n);
    fleet_instance_row_free(&row);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* init, add, show, list, stats                                            */
/* ---------------------------------------------------------------------- */

static int run_init(fleet_args *a)
{
    fleet_store s;
    cli_str out = {0};
    int from = 0;
    int rc = open_store(&s, a->pos[0], true);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (fleet_store_migrate(&s, &from) != FLEET_OK) {
        rc = store_error(&s, "cannot apply the schema");
        fleet_store_close(&s);
        return rc;
    }
    cli_str_puts(&out, shown(&s));
    if (from == FLEET_SCHEMA_VERSION)
        cli_str_printf(&out, ": schema version %d, up to date\n", from);
    else
        cli_str_printf(&out, ": schema version %d (from %d)\n", FLEET_SCHEMA_VERSION, from);
    fleet_store_close(&s);
    return emit(&out, true);
}

static int run_add(fleet_args *a)
{
    fleet_store s;
    cli_str out = {0};
    int rc = open_store(&s, a->pos[0], false);
    size_t added = 0;

    if (rc != CLI_EXIT_OK)
        return rc;
    if (fleet_store_begin(&s) != FLEET_OK)
        rc = store_error(&s, "cannot begin a transaction");
    for (size_t i = 1; rc == CLI_EXIT_OK && i < a->npos; i++) {
        char *data = NULL;
        size_t len = 0;
        ed_instance *inst = NULL;
        ed_error *err = NULL;
        fleet_instance_row row;
        rc = cli_read_input(a->pos[i], READ_LIMIT, &data, &len);
        if (rc == CLI_EXIT_OK) {
            ed_status st = ed_instance_load_yaml(&inst, data, len, NULL, &err);
            if (st != ED_OK)
                rc = cli_load_error(a->pos[i], st, err);
            ed_error_free(err);
        }
        free(data);
        if (rc == CLI_EXIT_OK)
            rc = row_from(inst, &row);
        if (rc == CLI_EXIT_OK) {
            if (fleet_store_insert(&s, &row) != FLEET_OK) {
                cli_str what = {0};
                cli_str_untrusted_puts(&what, a->pos[i]);
                rc = store_error(&s, what.data ? what.data : "");
                cli_str_free(&what);
            }
            fleet_instance_row_free(&row);
            added++;
        }
        ed_instance_free(inst);
    }
    if (rc == CLI_EXIT_OK && fleet_store_commit(&s) != FLEET_OK)
        rc = store_error(&s, "cannot commit");
    if (rc != CLI_EXIT_OK) {
        fleet_store_rollback(&s);
        fleet_store_close(&s);
        return rc;
    }
    fleet_store_close(&s);
    cli_str_printf(&out, "added %zu instances\n", added);
    return emit(&out, true);
}

static int run_show(fleet_args *a)
{
    fleet_store s;
    fleet_instance_row row;
    ed_instance *inst = NULL;
    cli_str out = {0};
    bool json = a->given[F_FORMAT] && strcmp(a->value[F_FORMAT], "json") == 0;
    int rc;

    if (a->given[F_FORMAT] && !json && strcmp(a->value[F_FORMAT], "yaml") != 0)
        return cli_usage("--format: unknown format '%s' (one of: yaml, json)", a->value[F_FORMAT]);
    if ((rc = open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    if (fleet_store_get(&s, a->pos[1], false, &row) != FLEET_OK) {
        rc = store_error(&s, "");
        fleet_store_close(&s);
        return rc;
    }
    rc = load_row_or_report(&s, &row, &inst);
    if (rc == CLI_EXIT_OK) {
        ed_buffer *buf = ed_buffer_new();
        if (!buf || (json ? ed_instance_dump_json(inst, buf) : ed_instance_dump_yaml(inst, buf)) !=
                        ED_OK)
            out.failed = true;
        else
            cli_str_append(&out, ed_buffer_data(buf), ed_buffer_len(buf));
        ed_buffer_free(buf);
        rc = emit(&out, false);
    }
    ed_instance_free(inst);
    fleet_instance_row_free(&row);
    fleet_store_close(&s);
    return rc;
}

static int run_list(fleet_args *a)
{
    fleet_store s;
    fleet_rows rows = {0};
    fleet_list_filter f = {a->value[F_EDITION], a->value[F_LIFECYCLE], a->given[F_DUE], 0,
                           a->given[F_SKIPPED]};
    cli_str out = {0};
    int rc = parse_time(a, &f.now);

    if (rc != CLI_EXIT_OK)
        return rc;
    if (a->given[F_EDITION]) {
        ed_edition e;
        if (ed_edition_from_name(a->value[F_EDITION], &e) != ED_OK)
            return cli_usage("--edition: unknown edition '%s'", a->value[F_EDITION]);
    }
    if (a->given[F_LIFECYCLE]) {
        ed_lifecycle l;
        if (ed_lifecycle_from_name(a->value[F_LIFECYCLE], &l) != ED_OK)
            return cli_usage("--lifecycle: unknown lifecycle '%s'", a->value[F_LIFECYCLE]);
    }
    if ((rc = open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    if (fleet_store_list(&s, &f, &rows) != FLEET_OK) {
        rc = store_error(&s, "cannot list the instances");
    } else {
        for (size_t r = 0; r < rows.nrows; r++) {
            const char *dl = fleet_cell(&rows, r, 4);
            cli_str_untrusted_puts(&out, fleet_cell(&rows, r, 0));
            cli_str_printf(&out, "\trevision %s\t%s\t%s\t", fleet_cell(&rows, r, 1),
                           fleet_cell(&rows, r, 2), fleet_cell(&rows, r, 3));
            if (dl)
                cli_str_time(&out, (ed_time)strtoll(dl, NULL, 10));
            else
                cli_str_puts(&out, "none");
            if (a->given[F_SKIPPED]) {
                cli_str_printf(&out, "\ttick failed %s times\t", fleet_cell(&rows, r, 5));
                cli_str_untrusted_puts(&out, fleet_cell(&rows, r, 6) ? fleet_cell(&rows, r, 6) : "");
            }
            cli_str_puts(&out, "\n");
        }
        rc = emit(&out, false);
    }
    fleet_rows_free(&rows);
    fleet_store_close(&s);
    return rc;
}

static int run_stats(fleet_args *a)
{
    fleet_store s;
    fleet_stats st;
    cli_str out = {0};
    int rc = open_store(&s, a->pos[0], false);

    if (rc != CLI_EXIT_OK)
        return rc;
    if (fleet_store_stats(&s, (ed_time)time(NULL), &st) != FLEET_OK) {
        rc = store_error(&s, "cannot read the statistics");
        fleet_store_close(&s);
        return rc;
    }
    cli_str_puts(&out, "instances:\n");
    for (size_t r = 0; r < st.by_state.nrows; r++)
        cli_str_printf(&out, "  %s %s: %s\n", fleet_cell(&st.by_state, r, 0),
                       fleet_cell(&st.by_state, r, 1), fleet_cell(&st.by_state, r, 2));
    cli_str_printf(&out, "due now: %" PRIu64 "\n", st.due);
    cli_str_printf(&out, "cannot be ticked: %" PRIu64 " (edition fleet list DB --skipped)\n",
                   st.skipped);
    cli_str_printf(&out, "effects: pending %" PRIu64 ", done %" PRIu64 ", failed %" PRIu64 "\n",
                   st.pending, st.done, st.failed);
    fleet_stats_free(&st);
    fleet_store_close(&s);
    return emit(&out, false);
}

static int run_effects(fleet_args *a)
{
    fleet_store s;
    fleet_rows rows = {0};
    fleet_effects_filter f = {a->given[F_FAILED] ? "failed" : a->given[F_PENDING] ? "pending" : NULL,
                              a->value[F_INSTANCE]};
    cli_str out = {0};
    int rc;

    if (a->given[F_FAILED] && a->given[F_PENDING])
        return cli_usage("fleet effects: give --failed or --pending, not both");
    if ((rc = open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    if (fleet_store_effects(&s, &f, &rows) != FLEET_OK) {
        rc = store_error(&s, "cannot list the effects");
    } else {
        for (size_t r = 0; r < rows.nrows; r++) {
            cli_str_untrusted_puts(&out, fleet_cell(&rows, r, 0));
            cli_str_printf(&out, "\t%s\tattempts %s\t%s", fleet_cell(&rows, r, 1),
                           fleet_cell(&rows, r, 2), fleet_cell(&rows, r, 3));
            if (fleet_cell(&rows, r, 4)) {
                cli_str_puts(&out, "\t");
                cli_str_untrusted_puts(&out, fleet_cell(&rows, r, 4));
            }
            cli_str_puts(&out, "\n");
        }
        rc = emit(&out, false);
    }
    fleet_rows_free(&rows);
    fleet_store_close(&s);
    return rc;
}

static int run_retry(fleet_args *a)
{
    fleet_store s;
    cli_str out = {0};
    int rc = open_store(&s, a->pos[0], false);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (fleet_store_effect_requeue(&s, a->pos[1]) != FLEET_OK) {
        rc = store_error(&s, "");
        fleet_store_close(&s);
        return rc;
    }
    fleet_store_close(&s);
    cli_str_untrusted_puts(&out, a->pos[1]);
    cli_str_puts(&out, ": pending again\n");
    return emit(&out, true);
}

/* ---------------------------------------------------------------------- */
/* apply and tick                                                          */
/* ---------------------------------------------------------------------- */

static int run_apply(fleet_args *a)
{
    (void)a;
    return CLI_EXIT_USAGE; /* parsed and run by fleet_apply below */
}

static int fleet_apply(int argc, char **argv)
{
    const char *pos[3] = {NULL, NULL, NULL};
    ed_command *cmd = NULL;
    ed_instance *inst = NULL;
    ed_result *r = NULL;
    fleet_instance_row row = {0};
    fleet_store s;
    cli_str out = {0};
    size_t neffects = 0;
    ed_time now;
    int rc = cli_fleet_apply_args(argc, argv, pos, &cmd, &now);

    if (rc != CLI_EXIT_OK || !cmd) /* an error, or --help printed */
        return rc;
    if ((rc = cli_fault_check()) != CLI_EXIT_OK || (rc = open_store(&s, pos[0], false)) != CLI_EXIT_OK) {
        ed_command_free(cmd);
        return rc;
    }
    if (fleet_store_begin(&s) != FLEET_OK)
        rc = store_error(&s, "cannot begin a transaction");
    else if (fleet_store_get(&s, pos[1], true, &row) != FLEET_OK)
        rc = store_error(&s, "");
    if (rc == CLI_EXIT_OK)
        rc = load_row_or_report(&s, &row, &inst);
    if (rc == CLI_EXIT_OK) {
        r = ed_command_apply(cmd, inst, now);
        if (ed_result_status(r) != ED_OK) {
            cli_error(ed_status_name(ed_result_status(r)), "%s", ed_result_message(r));
            rc = ed_result_status(r) == ED_NO_MEMORY ? CLI_EXIT_IO : CLI_EXIT_REFUSED;
        }
    }
    if (rc == CLI_EXIT_OK &&
        ed_instance_revision(ed_result_instance(r)) == ed_instance_revision(inst)) {
        fleet_store_rollback(&s);
        cli_str_untrusted_puts(&out, pos[1]);
        cli_str_printf(&out, ": %s: nothing to do, revision %" PRIu64 "\n",
                       ed_command_kind_name(ed_command_kind_of(cmd)), ed_instance_revision(inst));
        rc = emit(&out, false);
        goto done;
    }
    if (rc == CLI_EXIT_OK)
        rc = write_outcome(&s, inst, r, &neffects);
    if (rc == CLI_EXIT_OK && fleet_store_commit(&s) != FLEET_OK)
        rc = store_error(&s, "cannot commit");
    if (rc != CLI_EXIT_OK) {
        fleet_store_rollback(&s);
        goto done;
    }
    cli_str_untrusted_puts(&out, pos[1]);
    cli_str_printf(&out, ": %s: revision %" PRIu64 " -> %" PRIu64 ", %zu effects pending\n",
                   ed_command_kind_name(ed_command_kind_of(cmd)), ed_instance_revision(inst),
                   ed_instance_revision(ed_result_instance(r)), neffects);
    rc = emit(&out, true);
done:
    fleet_instance_row_free(&row);
    ed_result_free(r);
    ed_instance_free(inst);
    ed_command_free(cmd);
    fleet_store_close(&s);
    return rc;
}

typedef struct tick_totals {
    size_t ticked, effects, invalid, inconsistent, refused;
} tick_totals;

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* A row that could not be ticked: reported by ID with its code, counted,
 * and its failure recorded with the time of its next try (1 s, 2 s, 4 s
 * ... after each failure, at most an hour), which `fleet run` waits for.
 * Returns an exit code only for a database error. */
static int skip_row(fleet_store *s, const fleet_instance_row *row, row_problem *p, ed_time now,
                    size_t *counted)
{
    int64_t failures = 0;
    long long delay = 1;
    ed_time retry_at;

    for (int64_t k = 0; k < row->tick_failures && delay < MAX_BACKOFF; k++)
        delay *= 2;
    if (delay > MAX_BACKOFF)
        delay = MAX_BACKOFF;
    retry_at = now + delay;
    (*counted)++;
    if (s->in_tx)
        fleet_store_rollback(s);
    if (fleet_store_tick_failed(s, row->id, p->why.data ? p->why.data : "", retry_at,
                                &failures) != FLEET_OK)
        return store_error(s, "cannot record a failed tick");
    cli_str_printf(&p->why, " (failed %" PRId64 " times; fleet run tries again at ", failures);
    cli_str_time(&p->why, retry_at);
    cli_str_puts(&p->why, ")");
    row_error(s, row->id, p);
    return CLI_EXIT_OK;
}

/* The progress bar of `fleet tick` on a terminal: the due instances are
 * counted once, then each claimed row is one step. */
typedef struct tick_progress {
    bool on;
    size_t total, seen;
} tick_progress;

static void progress_start(fleet_store *s, ed_time now, bool on, tick_progress *p)
{
    uint64_t due = 0;
    memset(p, 0, sizeof *p);
    p->on = on;
    if (on && fleet_store_count_due(s, now, &due) == FLEET_OK)
        p->total = (size_t)due;
}

static void progress_step(tick_progress *p)
{
    size_t done;
    int width = 30, fill;
    p->seen++;
    if (!p->on || p->total == 0 || (p->seen % 64 != 0 && p->seen != p->total))
        return;
    done = p->seen > p->total ? p->total : p->seen;
    fill = (int)(done * 30 / p->total);
    fprintf(stderr, "\rticking [%.*s%*s] %zu/%zu", fill, "##############################",
            width - fill, "", done, p->total);
}

static void progress_end(const tick_progress *p)
{
    if (p->on && p->total > 0)
        (void)fputs("\n", stderr);
}

/* Ticks one claimed row inside the open transaction and commits it; a row
 * that cannot be ticked is skipped (skip_row). Returns an exit code only
 * for what stops the run: a database error, memory. */
static int tick_row(fleet_store *s, const fleet_instance_row *row, ed_time now, tick_totals *t)
{
    row_problem p = {NULL, {0}};
    ed_instance *inst = NULL;
    ed_result *r = NULL;
    size_t n = 0;
    int rc = CLI_EXIT_OK;
    int lrc = load_row(row, &inst, &p);

    if (lrc == CLI_EXIT_IO) {
        row_error(s, row->id, &p);
        rc = lrc;
    } else if (lrc != CLI_EXIT_OK) {
        rc = skip_row(s, row, &p, now,
                      strcmp(p.code, "inconsistent_row") == 0 ? &t->inconsistent : &t->invalid);
    } else if (ed_result_status(r = ed_tick(inst, now)) != ED_OK) {
        p.code = ed_status_name(ed_result_status(r));
        cli_str_puts(&p.why, "tick refused: ");
        cli_str_puts(&p.why, ed_result_message(r));
        if (ed_result_status(r) == ED_NO_MEMORY) {
            row_error(s, row->id, &p);
            rc = CLI_EXIT_IO;
        } else {
            rc = skip_row(s, row, &p, now, &t->refused);
        }
    } else if (ed_instance_revision(ed_result_instance(r)) != ed_instance_revision(inst)) {
        rc = write_outcome(s, inst, r, &n);
        if (rc == CLI_EXIT_OK && fleet_store_commit(s) != FLEET_OK)
            rc = store_error(s, "cannot commit");
        if (rc == CLI_EXIT_OK) {
            t->ticked++;
            t->effects += n;
        }
    }
    cli_str_free(&p.why);
    ed_result_free(r);
    ed_instance_free(inst);
    return rc;
}

/* Ticks every instance due at `now`, each in a transaction of its own, in
 * the order of their deadlines. Rows that cannot be ticked are reported
 * and skipped (skip_row); with `honour_backoff` (fleet run), those that
 * failed before are passed over until their next try. A database error
 * stops the run. */
static int tick_all(fleet_store *s, ed_time now, long long limit, bool honour_backoff,
                    bool progress, tick_totals *t)
{
    ed_time cursor_deadline = 0;
    char *cursor_id = NULL;
    tick_progress bar;
    int rc = CLI_EXIT_OK;

    progress_start(s, now, progress, &bar);
    while (rc == CLI_EXIT_OK && !stop_requested && (limit < 0 || (long long)t->ticked < limit)) {
        fleet_instance_row row = {0};
        fleet_err e;

        if (fleet_store_begin(s) != FLEET_OK) {
            rc = store_error(s, "cannot begin a transaction");
            break;
        }
        e = fleet_store_claim_due(s, now, cursor_deadline, cursor_id, honour_backoff, &row);
        if (e != FLEET_OK) {
            if (e != FLEET_NOT_FOUND)
                rc = store_error(s, "cannot claim a due instance");
            fleet_store_rollback(s);
            break;
        }
        /* the cursor moves past the row whatever becomes of it */
        free(cursor_id);
        cursor_id = strdup(row.id);
        cursor_deadline = row.next_deadline;
        if (!cursor_id) {
            cli_error("io_error", "out of memory");
            rc = CLI_EXIT_IO;
        } else {
            rc = tick_row(s, &row, now, t);
        }
        if (s->in_tx)
            fleet_store_rollback(s);
        fleet_instance_row_free(&row);
        progress_step(&bar);
    }
    progress_end(&bar);
    free(cursor_id);
    return rc;
}

static int run_tick(fleet_args *a)
{
    fleet_store s;
    tick_totals t = {0, 0, 0, 0, 0};
    long long limit = -1;
    cli_str out = {0};
    ed_time now;
    int rc = parse_time(a, &now);

    if (rc == CLI_EXIT_OK)
        rc = parse_count(a, F_LIMIT, 0, INT64_MAX, &limit);
    if (rc == CLI_EXIT_OK)
        rc = cli_fault_check();
    if (rc != CLI_EXIT_OK || (rc = open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    rc = tick_all(&s, now, limit, false, isatty(STDERR_FILENO) != 0, &t);
    fleet_store_close(&s);
    cli_str_printf(&out, "ticked %zu instances, %zu effects pending", t.ticked, t.effects);
    if (t.invalid)
        cli_str_printf(&out, ", %zu invalid snapshot rows skipped", t.invalid);
    if (t.inconsistent)
        cli_str_printf(&out, ", %zu inconsistent rows skipped", t.inconsistent);
    if (t.refused)
        cli_str_printf(&out, ", %zu refused", t.refused);
    cli_str_puts(&out, "\n");
    {
        int erc = emit(&out, t.ticked > 0);
        if (rc == CLI_EXIT_OK)
            rc = erc;
    }
    if (rc == CLI_EXIT_OK && (t.invalid || t.inconsistent))
        rc = CLI_EXIT_INVALID;
    if (rc == CLI_EXIT_OK && t.refused)
        rc = CLI_EXIT_REFUSED;
    return rc;
}

/* ---------------------------------------------------------------------- */
/* dispatch and run                                                        */
/* ---------------------------------------------------------------------- */

typedef struct dispatch_conf {
    const char *exec;
    long long max_attempts, backoff, lease, workers, timeout;
} dispatch_conf;

typedef struct dispatch_totals {
    size_t done, retried, failed;
} dispatch_totals;

/* Seconds on the monotonic clock: handler deadlines do not move with the
 * wall clock. */
static double monotonic_now(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The guardian's answer to SIGTERM, which it also gets when its dispatcher
 * dies (PR_SET_PDEATHSIG): the handler's whole process group goes, itself
 * included, so that no delivery outlives the dispatcher that leased it. */
static void guardian_stop(int sig)
{
    (void)sig;
    (void)kill(0, SIGKILL);
}

/* The first child of a delivery: leader of a process group of its own
 * (the handler and everything it starts), which the dispatcher kills whole
 * when the handler passes --timeout. It runs the handler and exits with its
 * status. Never returns. */
static void guardian(const dispatch_conf *c, const fleet_effect_row *e, int input, pid_t dispatcher)
{
    struct sigaction sa;
    sigset_t none;
    pid_t handler;
    int status = 0;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = guardian_stop;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)signal(SIGINT, SIG_DFL);
    (void)signal(SIGPIPE, SIG_DFL);
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != dispatcher) /* it died before prctl took effect */
        guardian_stop(SIGTERM);
    handler = fork();
    if (handler == 0) {
        (void)signal(SIGTERM, SIG_DFL);
        dup2(input, STDIN_FILENO);
        close(input);
        setenv("EDITION_EFFECT_KEY", e->key, 1);
        setenv("EDITION_EFFECT_KIND", e->kind, 1);
        setenv("EDITION_EFFECT_INSTANCE", e->instance, 1);
        /* the database may name its password: the handler gets the effect,
         * not the database */
        unsetenv("EDITION_FLEET_DB");
        execl("/bin/sh", "sh", "-c", c->exec, (char *)NULL);
        _exit(127);
    }
    close(input);
    if (handler < 0)
        _exit(126);
    while (waitpid(handler, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(status)) {
        (void)signal(WTERMSIG(status), SIG_DFL);
        (void)raise(WTERMSIG(status));
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
}

/* Starts the delivery of one effect: /bin/sh -c CMD under a guardian (its
 * process group), the effect's JSON on standard input, its key in
 * EDITION_EFFECT_KEY. Returns the guardian's process ID, or -1 with the
 * reason in `why`. */
static pid_t start_handler(const dispatch_conf *c, const fleet_effect_row *e, cli_str *why)
{
    int fds[2];
    pid_t pid, self = getpid();
    size_t len = strlen(e->document), off = 0;

    if (pipe(fds) != 0) {
        cli_str_printf(why, "cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        cli_str_printf(why, "cannot start the handler: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        (void)setpgid(0, 0);
        close(fds[1]);
        guardian(c, e, fds[0], self);
    }
    /* set here too: the group must exist before the dispatcher may kill it */
    (void)setpgid(pid, pid);
    close(fds[0]);
    /* An effect document is far smaller than a pipe's buffer: this does
     * not wait for the handler to read it. A handler that closes its input
     * early ends this write with EPIPE; its exit status tells. */
    while (off < len) {
        ssize_t n = write(fds[1], e->document + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    if (off == len) {
        /* the closing newline: a failure here is the handler's early
         * close again, which its exit status reports */
        ssize_t newline = write(fds[1], "\n", 1);
        (void)newline;
    }
    close(fds[1]);
    return pid;
}

static void describe_status(int status, cli_str *why)
{
    if (WIFEXITED(status))
        cli_str_printf(why, "the handler exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        cli_str_printf(why, "the handler was killed by signal %d", WTERMSIG(status));
    else
        cli_str_puts(why, "the handler ended abnormally");
}

/* Waits until a child ends or `until` (monotonic) passes, whichever comes
 * first. SIGCHLD is blocked while handlers run, so that it wakes this wait
 * instead of being lost between a check and a sleep. */
static void wait_for_child(double until)
{
    double left = until - monotonic_now();
    sigset_t chld;
    struct timespec ts;
    if (left <= 0)
        return;
    if (left > 1)
        left = 1; /* look at the stop flag at least once a second */
    ts.tv_sec = (time_t)left;
    ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    (void)sigtimedwait(&chld, NULL, &ts);
}

/* The margin between the moment a delivery is killed at the latest and the
 * end of its lease: time to kill and reap its process group, and to spare
 * for clocks that tick a little apart. */
#define LEASE_MARGIN 0.25

/* Runs the deliveries of a claimed batch (each effect of another
 * instance), at most --workers at a time, and fills the outcomes. The batch
 * was claimed at `claimed` (monotonic, taken before the claim), leased for
 * at least --lease seconds from then. A delivery is started only while it
 * can run its whole --timeout before the lease ends (less LEASE_MARGIN),
 * and its process group is killed when --timeout passes: so no delivery
 * outlives its lease, and neither a redelivery of its effect nor a later
 * effect of its instance ever starts beside it. What cannot be started in
 * time is given back (released) without counting an attempt. */
static void run_batch(const dispatch_conf *c, fleet_effect_row *e, size_t n, double claimed,
                      fleet_outcome *o, cli_str *why, dispatch_totals *t)
{
    pid_t *pids = calloc(n, sizeof *pids);
    double *deadline = calloc(n, sizeof *deadline);
    bool *killed = calloc(n, sizeof *killed);
    double last_start = claimed + (double)c->lease - LEASE_MARGIN - (double)c->timeout;
    size_t next = 0, running = 0;
    sigset_t chld, old;

    for (size_t i = 0; i < n; i++) {
        o[i].key = e[i].key;
        o[i].attempt = e[i].attempts;
    }
    if (!pids || !deadline || !killed) {
        for (size_t i = 0; i < n; i++)
            cli_str_puts(&why[i], "out of memory"); /* nothing started: retried */
        next = n;
    }
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    (void)sigprocmask(SIG_BLOCK, &chld, &old);
    while (next < n || running > 0) {
        double now = monotonic_now(), wake = now + 1;
        int status = 0;
        pid_t done;

        while (next < n && running < (size_t)c->workers) {
            if (now > last_start || stop_requested) {
                o[next++].released = true; /* given back: no attempt counted */
                continue;
            }
            pids[next] = start_handler(c, &e[next], &why[next]);
            deadline[next] = monotonic_now() + (double)c->timeout;
            if (pids[next] > 0)
                running++;
            next++;
        }
        if (running == 0)
            continue;
        done = waitpid(-1, &status, WNOHANG);
        if (done < 0 && errno != EINTR)
            break;
        for (size_t i = 0; done > 0 && i < next; i++) {
            if (pids[i] != done)
                continue;
            pids[i] = 0;
            running--;
            /* what the handler left in its group goes with it */
            (void)kill(-done, SIGKILL);
            o[i].ok = !killed[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0;
            if (killed[i])
                cli_str_printf(&why[i], "the handler ran past --timeout %llds and was killed",
                               c->timeout);
            else if (!o[i].ok)
                describe_status(status, &why[i]);
        }
        if (done > 0)
            continue;
        now = monotonic_now();
        for (size_t i = 0; i < next; i++) {
            if (pids[i] <= 0 || killed[i])
                continue;
            if (now >= deadline[i]) {
                (void)kill(-pids[i], SIGKILL);
                killed[i] = true;
            } else if (deadline[i] < wake) {
                wake = deadline[i];
            }
        }
        wait_for_child(wake);
    }
    (void)sigprocmask(SIG_SETMASK, &old, NULL);
    for (size_t i = 0; i < n; i++) {
        if (o[i].released)
            continue;
        if (o[i].ok) {
            t->done++;
            continue;
        }
        {
            long long delay = c->backoff;
            o[i].dead = e[i].attempts >= c->max_attempts;
            for (long long k = 1; k < e[i].attempts && delay < MAX_BACKOFF; k++)
                delay *= 2;
            if (delay > MAX_BACKOFF)
                delay = MAX_BACKOFF;
            o[i].retry_at = (ed_time)time(NULL) + delay;
            cli_str_printf(&why[i], " (attempt %" PRId64 " of %lld)", e[i].attempts,
                           c->max_attempts);
            o[i].error = why[i].data && !why[i].failed ? why[i].data : "the handler failed";
            cli_warning("effect %s: %s%s", e[i].key, o[i].error,
                        o[i].dead ? ": failed, kept for edition fleet retry" : ": will retry");
            if (o[i].dead)
                t->failed++;
            else
                t->retried++;
        }
    }
    free(killed);
    free(deadline);
    free(pids);
}

/* Claims and runs batches of ready effects until none is ready; with
 * `wait`, also waits for effects that are pending but not ready yet (a
 * retry's backoff, another dispatcher's lease, an earlier effect of the
 * same instance in flight) until none is left. */
static int dispatch_loop(fleet_store *s, const dispatch_conf *c, bool wait, dispatch_totals *t)
{
    int rc = CLI_EXIT_OK;
    size_t batch = (size_t)c->workers * 8;

    if (batch < 32)
        batch = 32;
    while (!stop_requested) {
        fleet_effect_row *e = NULL;
        fleet_outcome *o;
        cli_str *why;
        size_t n = 0;
        double claimed = monotonic_now();
        ed_time now = (ed_time)time(NULL);
        /* the lease runs from the next whole second: at least --lease
         * seconds of the wall clock, whatever part of this one is gone */
        fleet_err err = fleet_store_claim_effects(s, now, now + 1 + c->lease, batch, &e, &n);

        if (err == FLEET_BUSY)
            continue;
        if (err != FLEET_OK) {
            rc = store_error(s, "cannot claim effects");
            break;
        }
        if (n == 0) {
            bool has_dl, has_ef;
            ed_time dl, at;
            struct timespec pause = {0, 50L * 1000 * 1000};
            if (!wait)
                break;
            if (fleet_store_wake(s, &has_dl, &dl, &has_ef, &at) != FLEET_OK) {
                rc = store_error(s, "cannot read the outbox");
                break;
            }
            if (!has_ef)
                break;
            (void)nanosleep(&pause, NULL);
            continue;
        }
        cli_fault_point("fleet-after-claim");
        o = calloc(n, sizeof *o);
        why = calloc(n, sizeof *why);
        if (!o || !why) {
            cli_error("io_error", "out of memory");
            rc = CLI_EXIT_IO;
        } else {
            run_batch(c, e, n, claimed, o, why, t);
            cli_fault_point("fleet-after-handler");
            if (fleet_store_record(s, o, n, (ed_time)time(NULL)) != FLEET_OK)
                rc = store_error(s, "cannot record the outcome of the effects");
        }
        for (size_t i = 0; i < n; i++) {
            if (why)
                cli_str_free(&why[i]);
            fleet_effect_row_free(&e[i]);
        }
        free(why);
        free(o);
        free(e);
        if (rc != CLI_EXIT_OK)
            break;
    }
    return rc;
}

static int dispatch_conf_from(const fleet_args *a, dispatch_conf *c)
{
    int rc;
    c->exec = a->value[F_EXEC];
    c->max_attempts = DEFAULT_MAX_ATTEMPTS;
    c->backoff = DEFAULT_BACKOFF;
    c->lease = DEFAULT_LEASE;
    c->workers = 1;
    if (!a->given[F_EXEC])
        return cli_usage("fleet %s: needs --exec CMD", a->sub);
    if ((rc = parse_count(a, F_MAX_ATTEMPTS, 1, 1000, &c->max_attempts)) != CLI_EXIT_OK ||
        (rc = parse_count(a, F_BACKOFF, 0, MAX_BACKOFF, &c->backoff)) != CLI_EXIT_OK ||
        (rc = parse_count(a, F_LEASE, 2, 86400LL * 7, &c->lease)) != CLI_EXIT_OK ||
        (rc = parse_count(a, F_WORKERS, 1, 256, &c->workers)) != CLI_EXIT_OK)
        return rc;
    c->timeout = c->lease - 1 < DEFAULT_TIMEOUT ? c->lease - 1 : DEFAULT_TIMEOUT;
    if ((rc = parse_count(a, F_TIMEOUT, 1, 86400LL * 7, &c->timeout)) != CLI_EXIT_OK)
        return rc;
    if (c->timeout >= c->lease)
        return cli_usage("fleet %s: --timeout %llds is not shorter than the lease (--lease "
                         "%llds): a handler still running when its lease ends could run beside "
                         "the next delivery of its effect",
                         a->sub, c->timeout, c->lease);
    return CLI_EXIT_OK;
}

static int run_dispatch(fleet_args *a)
{
    dispatch_conf c;
    dispatch_totals t = {0, 0, 0};
    fleet_store s;
    cli_str out = {0};
    int rc = dispatch_conf_from(a, &c);

    if (rc == CLI_EXIT_OK)
        rc = cli_fault_check();
    if (rc != CLI_EXIT_OK || (rc = open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    rc = dispatch_loop(&s, &c, true, &t);
    cli_str_printf(&out, "dispatched %zu effects, %zu retries scheduled, %zu failed\n", t.done,
                   t.retried, t.failed);
    {
        int erc = emit(&out, t.done > 0);
        if (rc == CLI_EXIT_OK)
            rc = erc;
    }
    if (rc == CLI_EXIT_OK && t.failed) {
        cli_error("effects_failed", "%zu effects failed after %lld attempts: see edition fleet "
                                    "effects %s --failed",
                  t.failed, c.max_attempts, shown(&s));
        rc = CLI_EXIT_REFUSED;
    }
    fleet_store_close(&s);
    return rc;
}

/* The service: ticks at deadlines and dispatches, until SIGTERM or SIGINT;
 * then finishes the effect or transaction in hand and exits 0. */
static int run_run(fleet_args *a)
{
    dispatch_conf c;
    long long poll = DEFAULT_POLL;
    fleet_store s;
    struct sigaction sa;
    int rc = dispatch_conf_from(a, &c);

    if (rc == CLI_EXIT_OK)
        rc = parse_count(a, F_POLL, 1, 86400, &poll);
    if (rc != CLI_EXIT_OK || (rc = open_store(&s, a->pos[0], false)) != CLI_EXIT_OK)
        return rc;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop; /* no SA_RESTART: a signal ends the sleep */
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGINT, &sa, NULL);
    (void)signal(SIGPIPE, SIG_IGN);
    while (!stop_requested) {
        tick_totals tt = {0, 0, 0, 0, 0};
        dispatch_totals dt = {0, 0, 0};
        bool has_dl = false, has_ef = false;
        ed_time dl = 0, at = 0, now, wake;
        struct timespec pause;

        /* rows that cannot be ticked are reported and wait out their
         * backoff (skip_row): they hold up neither the other instances nor
         * the dispatch of effects */
        rc = tick_all(&s, (ed_time)time(NULL), -1, true, false, &tt);
        if (rc == CLI_EXIT_OK)
            rc = dispatch_loop(&s, &c, false, &dt);
        if (rc == CLI_EXIT_OK && fleet_store_wake(&s, &has_dl, &dl, &has_ef, &at) != FLEET_OK)
            rc = store_error(&s, "cannot read the next deadline");
        if (rc != CLI_EXIT_OK)
            break;
        now = (ed_time)time(NULL);
        wake = now + poll;
        if (has_dl && dl < wake)
            wake = dl;
        if (has_ef && at < wake)
            wake = at;
        if (wake <= now)
            pause = (struct timespec){0, 200L * 1000 * 1000};
        else
            pause = (struct timespec){(time_t)(wake - now), 0};
        if (!stop_requested)
            (void)nanosleep(&pause, NULL);
    }
    fleet_store_close(&s);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The table of subcommands                                                */
/* ---------------------------------------------------------------------- */

#define O(x) (1u << (x))

static const fleet_sub subs[] = {
    {"init", "init DB", "create the schema, or migrate it to this version", 0, 1, 1, run_init},
    {"add", "add DB STATE...", "import state files, all or none", 0, 2, 0, run_add},
    {"show", "show DB ID [--format yaml|json]", "print an instance's snapshot", O(F_FORMAT), 2, 2,
     run_show},
    {"list", "list DB [--due] [--now T] [--edition E] [--lifecycle L] [--skipped]",
     "list instances (--skipped: those that cannot be ticked, with the error)",
     O(F_DUE) | O(F_NOW) | O(F_EDITION) | O(F_LIFECYCLE) | O(F_SKIPPED), 1, 1, run_list},
    {"apply", FLEET_APPLY_SYNOPSIS + 6, "run a command in one transaction", 0, 3, 3, run_apply},
    {"tick", "tick DB [--now T] [--limit N]", "tick every due instance", O(F_NOW) | O(F_LIMIT), 1, 1,
     run_tick},
    {"dispatch",
     "dispatch DB --exec CMD [--workers N] [--max-attempts N] [--backoff S] [--lease S] "
     "[--timeout S]",
     "run the pending effects",
     O(F_EXEC) | O(F_WORKERS) | O(F_MAX_ATTEMPTS) | O(F_BACKOFF) | O(F_LEASE) | O(F_TIMEOUT), 1,
     1, run_dispatch},
    {"run",
     "run DB --exec CMD [--workers N] [--poll S] [--max-attempts N] [--backoff S] [--lease S] "
     "[--timeout S]",
     "tick at deadlines and dispatch until SIGTERM",
     O(F_EXEC) | O(F_WORKERS) | O(F_POLL) | O(F_MAX_ATTEMPTS) | O(F_BACKOFF) | O(F_LEASE) |
         O(F_TIMEOUT),
     1, 1, run_run},
    {"effects", "effects DB [--failed|--pending] [--instance ID]", "list the outbox",
     O(F_FAILED) | O(F_PENDING) | O(F_INSTANCE), 1, 1, run_effects},
    {"retry", "retry DB KEY", "re-queue a failed effect", 0, 2, 2, run_retry},
    {"stats", "stats DB", "count instances and effects", 0, 1, 1, run_stats},
};
#define SUB_COUNT (sizeof subs / sizeof subs[0])

static int fleet_help(FILE *to)
{
    (void)fputs("usage: edition fleet SUBCOMMAND DB ...\n\n"
          "A fleet of instances in a database: DB is a SQLite file or a postgresql:// URI.\n\n"
          "subcommands:\n",
          to);
    for (size_t i = 0; i < SUB_COUNT; i++)
        (void)fprintf(to, "  %s\n      %s\n", subs[i].synopsis, subs[i].summary);
    (void)fputs("\nman edition and docs/fleet.md describe them.\n", to);
    return fflush(to) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

int cli_fleet(int argc, char **argv)
{
    const fleet_sub *sub = NULL;
    fleet_args a;
    bool helped = false;
    int rc;

    if (argc < 2)
        return cli_usage("fleet: no subcommand given (one of: init, add, show, list, apply, tick, "
                         "dispatch, run, effects, retry, stats)");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0)
        return fleet_help(stdout);
    for (size_t i = 0; i < SUB_COUNT; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            sub = &subs[i];
    if (!sub)
        return cli_usage("fleet: unknown subcommand '%s' (one of: init, add, show, list, apply, "
                         "tick, dispatch, run, effects, retry, stats)",
                         argv[1]);
    if (sub->run == run_apply) {
        (void)signal(SIGPIPE, SIG_IGN);
        return fleet_apply(argc, argv);
    }
    memset(&a, 0, sizeof a);
    a.sub = sub->name;
    rc = parse_fleet_args(argc, argv, sub, &a, &helped);
    if (rc == CLI_EXIT_OK && !helped) {
        (void)signal(SIGPIPE, SIG_IGN);
        rc = sub->run(&a);
    }
    free(a.pos);
    return rc;
}

#else /* neither SQLite nor libpq */

int cli_fleet(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("unsupported", "fleet: this edition was built without SQLite and without "
                             "PostgreSQL (libpq): rebuild with libsqlite3-dev or libpq-dev");
    return CLI_EXIT_USAGE;
}

#endif
