/* Scenario files: an initial snapshot and timed commands, validated whole
 * before any step runs. The instance is read by the state file's reader. */
#include "yaml_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ed_step {
    ed_command *command;
    ed_time at;
    size_t line;
} ed_step;

struct ed_scenario {
    ed_instance *instance;
    ed_step *steps;
    size_t count, cap;
};

#define SCENARIO_KEY_STEPS "steps"
#define STEP_KEY_AT "at"
#define STEP_KEY_COMMAND "command"

void ed_scenario_free(ed_scenario *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->count; i++)
        ed_command_free(sc->steps[i].command);
    ed__free(sc->steps);
    ed_instance_free(sc->instance);
    ed__free(sc);
}

const ed_instance *ed_scenario_instance(const ed_scenario *sc)
{
    return sc ? sc->instance : NULL;
}

size_t ed_scenario_step_count(const ed_scenario *sc)
{
    return sc ? sc->count : 0;
}

const ed_command *ed_scenario_step_command(const ed_scenario *sc, size_t i)
{
    return sc && i < sc->count ? sc->steps[i].command : NULL;
}

ed_time ed_scenario_step_at(const ed_scenario *sc, size_t i)
{
    return sc && i < sc->count ? sc->steps[i].at : 0;
}

size_t ed_scenario_step_line(const ed_scenario *sc, size_t i)
{
    return sc && i < sc->count ? sc->steps[i].line : 0;
}

static bool key_is(const char *k, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(k, name, len) == 0;
}

/* True when `s` (a scalar of `len` bytes) is `len` bytes of text: a quoted
 * scalar may carry a NUL from a `\0` escape, and the *_from_name lookups
 * would stop there. */
static bool whole_text(const char *s, size_t len)
{
    return strlen(s) == len;
}

/* The argument a step key names, or 0. */
static ed_arg arg_of(const char *k, size_t len)
{
    for (int a = 1; a <= ED_YAML_ARG_LAST; a++)
        if (key_is(k, len, ed_arg_name((ed_arg)a)))
            return (ed_arg)a;
    return (ed_arg)0;
}

/* One step's keys as read, before the command is known (keys come in any
 * order, so the arguments are checked against it only at the end). */
typedef struct step_fields {
    bool has_at, has_command;
    ed_time at;
    ed_command_kind kind;
    yaml_mark_t command_mark;             /* where the command name is */
    unsigned seen;                        /* bit per ed_arg */
    int64_t value[ED_YAML_ARG_SLOTS];     /* int-like arguments */
    yaml_mark_t mark[ED_YAML_ARG_SLOTS];  /* where each argument's key is */
    char name[ED_YAML_MAX_SCALAR + 1];    /* the string argument */
} step_fields;
_Static_assert(ED_YAML_ARG_SLOTS <= sizeof(unsigned) * CHAR_BIT,
               "step_fields.seen needs a bit per ed_arg");

static ed_status read_enum_arg(ed_yreader *r, ed_ypath path, ed_arg arg, int64_t *out)
{
    const char *s = NULL;
    size_t len = 0;
    ed_status st = ed__yr_word(r, path, arg == ED_ARG_ACTION ? "an action" : "a mode", &s, &len);
    if (st != ED_OK)
        return st;
    bool known = whole_text(s, len);
    if (known && arg == ED_ARG_ACTION) {
        ed_action v;
        known = ed_action_from_name(s, &v) == ED_OK;
        *out = known ? (int64_t)v : 0;
    } else if (known) {
        ed_plan_mode v;
        known = ed_plan_mode_from_name(s, &v) == ED_OK;
        *out = known ? (int64_t)v : 0;
    }
    if (!known)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path, "unknown %s `%s`",
                               arg == ED_ARG_ACTION ? "action" : "mode",
                               ED_SHOWN(s, len, ED_SHOW_VALUE));
    return ED_OK;
}

/* No default: -Wswitch (an error in CI) then names an ed_arg added to the
 * public enum, which must also move ED_YAML_ARG_LAST. */
static ed_status read_arg(ed_yreader *r, ed_ypath path, ed_arg arg, step_fields *f)
{
    switch (arg) {
    case ED_ARG_PERIOD_MONTHS:
        return ed__yr_int(r, path, &f->value[arg]);
    case ED_ARG_ALLOW_DATA_LOSS: {
        bool v = false;
        ed_status st = ed__yr_bool(r, path, &v);
        f->value[arg] = v;
        return st;
    }
    case ED_ARG_ACTION:
    case ED_ARG_MODE:
        return read_enum_arg(r, path, arg, &f->value[arg]);
    case ED_ARG_NAME: {
        const char *s = NULL;
        size_t len = 0;
        /* the reader refuses a NUL inside the string, so it stays whole */
        ed_status st = ed__yr_string(r, path, &s, &len);
        if (st == ED_OK) {
            memcpy(f->name, s, len);
            f->name[len] = '\0';
        }
        return st;
    }
    }
    return ED_OK;
}

static ed_status read_command_name(ed_yreader *r, const char *ctx, step_fields *f)
{
    ed_ypath path = {ctx, STEP_KEY_COMMAND, SIZE_MAX};
    const char *s = NULL;
    size_t len = 0;
    ed_status st = ed__yr_word(r, path, "a command name", &s, &len);
    f->command_mark = r->ev.start_mark;
    if (st == ED_OK && (!whole_text(s, len) || ed_command_kind_from_name(s, &f->kind) != ED_OK))
        st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                             "unknown command `%s`", ED_SHOWN(s, len, ED_SHOW_VALUE));
    return st;
}

/* One key of a step and its value. A key may appear once; any key other
 * than `at`, `command` and an argument name is refused. */
static ed_status read_step_key(ed_yreader *r, const char *ctx, const char *k, size_t klen,
                               step_fields *f)
{
    yaml_mark_t key_mark = r->ev.start_mark;
    ed_ypath step_path = {ctx, NULL, SIZE_MAX};
    bool is_at = key_is(k, klen, STEP_KEY_AT);
    bool is_command = key_is(k, klen, STEP_KEY_COMMAND);
    ed_arg arg = arg_of(k, klen);
    bool *seen_flag = is_at ? &f->has_at : is_command ? &f->has_command : NULL;
    bool dup;
    if (seen_flag) {
        dup = *seen_flag;
        *seen_flag = true;
    } else if (arg) {
        dup = (f->seen & (1u << arg)) != 0;
        f->seen |= 1u << arg;
        f->mark[arg] = key_mark;
    } else {
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, key_mark, step_path,
                               "unknown key `%s` (not a command argument)",
                               ED_SHOWN(k, klen, ED_SHOW_VALUE));
    }
    if (dup)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, key_mark, step_path, "duplicate key `%s`",
                               ED_SHOWN(k, klen, ED_SHOW_VALUE));
    if (is_at)
        return ed__yr_time(r, (ed_ypath){ctx, STEP_KEY_AT, SIZE_MAX}, &f->at);
    if (is_command)
        return read_command_name(r, ctx, f);
    return read_arg(r, (ed_ypath){ctx, ed_arg_name(arg), SIZE_MAX}, arg, f);
}

/* What the key-by-key reading cannot see: `at` and `command` are present,
 * and the arguments given are the ones the command takes and needs. */
static ed_status check_step(ed_yreader *r, const char *ctx, yaml_mark_t start,
                            const step_fields *f)
{
    ed_ypath step_path = {ctx, NULL, SIZE_MAX};
    if (!f->has_at)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, start, step_path, "missing key `at`");
    if (!f->has_command)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, start, step_path, "missing key `command`");
    const char *command = ed_command_kind_name(f->kind);
    for (int a = 1; a <= ED_YAML_ARG_LAST; a++) {
        ed_arg arg = (ed_arg)a;
        bool given = (f->seen & (1u << a)) != 0;
        if (given && !ed_command_kind_takes(f->kind, arg))
            return ed__yr_fail_path(r, ED_SCHEMA_ERROR, f->mark[a], step_path,
                                   "command %s takes no argument `%s`", command, ed_arg_name(arg));
        if (!given && ed_command_kind_requires(f->kind, arg))
            return ed__yr_fail_path(r, ED_SCHEMA_ERROR, f->command_mark, step_path,
                                   "command %s needs the argument `%s`", command,
                                   ed_arg_name(arg));
    }
    return ED_OK;
}

/* The command of a checked step; a value the command refuses is reported
 * at its key. */
static ed_status build_step_command(ed_yreader *r, const char *ctx, const step_fields *f,
                                    ed_command **out)
{
    ed_command *cmd = ed_command_new(f->kind);
    if (!cmd)
        return ed__error_set(r->err, ED_NO_MEMORY, 0, 0, "out of memory");
    for (int a = 1; a <= ED_YAML_ARG_LAST; a++) {
        ed_arg arg = (ed_arg)a;
        if (!(f->seen & (1u << a)))
            continue;
        ed_status st = arg == ED_ARG_NAME ? ed_command_set_string(cmd, arg, f->name)
                                          : ed_command_set_int(cmd, arg, f->value[a]);
        if (st != ED_OK) {
            ed_command_free(cmd);
            return ed__error_set(r->err, st == ED_NO_MEMORY ? ED_NO_MEMORY : ED_SCHEMA_ERROR,
                                f->mark[a].line + 1, f->mark[a].column + 1,
                                "%s.%s: the command does not accept this value", ctx,
                                ed_arg_name(arg));
        }
    }
    *out = cmd;
    return ED_OK;
}

/* Reads the step mapping whose start event is current. */
static ed_status read_step(ed_yreader *r, size_t index, ed_step *out)
{
    ed_ypath here = {SCENARIO_KEY_STEPS, NULL, index};
    yaml_mark_t start = r->ev.start_mark;
    char ctx[48];
    snprintf(ctx, sizeof ctx, "%s[%zu]", SCENARIO_KEY_STEPS, index);
    /* Heap, not stack: the name buffer is the size of the longest scalar. */
    step_fields *f = ed__calloc(1, sizeof *f);
    if (!f)
        return ed__error_set(r->err, ED_NO_MEMORY, 0, 0, "out of memory");
    f->kind = ED_CMD_TICK;
    f->command_mark = start;
    ed_status st;
    for (;;) {
        const char *k = NULL;
        size_t klen = 0;
        if ((st = ed__yr_key(r, here, &k, &klen)) != ED_OK || !k)
            break;
        if ((st = read_step_key(r, ctx, k, klen, f)) != ED_OK)
            break;
    }
    ed_command *cmd = NULL;
    if (st == ED_OK)
        st = check_step(r, ctx, start, f);
    if (st == ED_OK)
        st = build_step_command(r, ctx, f, &cmd);
    if (st == ED_OK) {
        out->command = cmd;
        out->at = f->at;
        out->line = start.line + 1;
    }
    ed__free(f);
    return st;
}

static ed_status read_steps(ed_yreader *r, ed_scenario *sc)
{
    ed_status st = ed__yr_sequence(r, (ed_ypath){SCENARIO_KEY_STEPS, NULL, SIZE_MAX});
    for (size_t i = 0; st == ED_OK; i++) {
        bool more;
        if ((st = ed__yr_item(r, &more)) != ED_OK || !more)
            break;
        if (r->ev.type != YAML_MAPPING_START_EVENT)
            return ed__yr_wrong_type(r, (ed_ypath){SCENARIO_KEY_STEPS, NULL, i},
                                    "a mapping with `at` and `command`");
        if (sc->count == sc->cap) {
            size_t cap = sc->cap ? sc->cap * 2 : 16;
            ed_step *steps = ed__realloc(sc->steps, cap * sizeof *steps);
            if (!steps)
                return ed__error_set(r->err, ED_NO_MEMORY, 0, 0, "out of memory");
            sc->steps = steps;
            sc->cap = cap;
        }
        if ((st = read_step(r, i, &sc->steps[sc->count])) == ED_OK)
            sc->count++;
    }
    return st;
}

ed_status ed_scenario_load_yaml(ed_scenario **out, const char *data, size_t len,
                                const ed_options *opts, ed_error **err)
{
    if (!out || (!data && len))
        return ed__error_set(err, ED_INVALID_ARGUMENT, 0, 0,
                            "ed_scenario_load_yaml: out and data must not be NULL");
    ed_scenario *sc = ed__calloc(1, sizeof *sc);
    if (!sc)
        return ed__error_set(err, ED_NO_MEMORY, 0, 0, "out of memory");
    ed_yreader r;
    ed_status st = ed__yr_open(&r, data, len, opts, err);
    if (st != ED_OK) {
        ed_scenario_free(sc);
        return st;
    }
    yaml_mark_t start = {0, 0, 0};
    st = ed__yr_root(&r, &start);
    ed_ypath root = {NULL, NULL, SIZE_MAX};
    bool has_steps = false;
    while (st == ED_OK) {
        const char *k = NULL;
        size_t klen = 0;
        if ((st = ed__yr_key(&r, root, &k, &klen)) != ED_OK || !k)
            break;
        if (ed__yr_root_version_key(&r, k, klen, &st))
            continue;
        if (key_is(k, klen, ED_YAML_KEY_INSTANCE) && !sc->instance) {
            st = ed__yr_instance(&r, ED_YAML_KEY_INSTANCE, &sc->instance);
        } else if (key_is(k, klen, SCENARIO_KEY_STEPS) && !has_steps) {
            has_steps = true;
            st = read_steps(&r, sc);
        } else {
            bool known = key_is(k, klen, ED_YAML_KEY_INSTANCE) ||
                         key_is(k, klen, SCENARIO_KEY_STEPS) ||
                         key_is(k, klen, ED_YAML_KEY_VERSION);
            st = ed__yr_fail_path(&r, ED_SCHEMA_ERROR, r.ev.start_mark, root, "%s key `%s`",
                                 known ? "duplicate" : "unknown", ED_SHOWN(k, klen,
                                 ED_SHOW_VALUE));
        }
    }
    if (st == ED_OK && !sc->instance)
        st = ed__yr_fail_path(&r, ED_SCHEMA_ERROR, start, root, "missing key `instance`");
    if (st == ED_OK && !has_steps)
        st = ed__yr_fail_path(&r, ED_SCHEMA_ERROR, start, root, "missing key `steps`");
    if (st == ED_OK)
        st = ed__yr_finish(&r);
    ed__yr_close(&r);
    if (st != ED_OK) {
        ed_scenario_free(sc);
        return st;
    }
    *out = sc;
    return ED_OK;
}
