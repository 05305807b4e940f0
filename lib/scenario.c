/* Scenario files: an initial snapshot and timed commands, validated whole
 * before any step runs. The instance is read by the state file's reader. */
#include "yaml_internal.h"

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
    free(sc->steps);
    ed_instance_free(sc->instance);
    free(sc);
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

/* The argument a step key names, or 0. */
static ed_arg arg_of(const char *k, size_t len)
{
    for (int a = 1; ed_arg_name((ed_arg)a); a++)
        if (key_is(k, len, ed_arg_name((ed_arg)a)))
            return (ed_arg)a;
    return (ed_arg)0;
}

/* Arguments as read, before the command is known (keys come in any order). */
typedef struct step_args {
    unsigned seen;           /* bit per ed_arg */
    int64_t value[8];        /* int-like arguments */
    yaml_mark_t mark[8];     /* where each argument's key is */
    char name[ED_YAML_MAX_SCALAR + 1];
} step_args;

static ed_status read_enum_arg(ed_yreader *r, ed_ypath path, ed_arg arg, int64_t *out)
{
    const char *s = NULL;
    size_t len = 0;
    ed_status st = ed__yr_plain(r, path, arg == ED_ARG_ACTION ? "an action" : "a mode", &s, &len);
    if (st != ED_OK)
        return st;
    /* Scalars carry a NUL terminator, and NUL bytes were refused earlier. */
    bool known;
    if (arg == ED_ARG_ACTION) {
        ed_action v;
        known = ed_action_from_name(s, &v) == ED_OK;
        *out = known ? (int64_t)v : 0;
    } else {
        ed_plan_mode v;
        known = ed_plan_mode_from_name(s, &v) == ED_OK;
        *out = known ? (int64_t)v : 0;
    }
    if (!known)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path, "unknown %s `%.*s`",
                               arg == ED_ARG_ACTION ? "action" : "mode",
                               (int)(len > 64 ? 64 : len), s);
    return ED_OK;
}

static ed_status read_arg(ed_yreader *r, ed_ypath path, ed_arg arg, step_args *a)
{
    switch (arg) {
    case ED_ARG_PERIOD_MONTHS:
        return ed__yr_int(r, path, &a->value[arg]);
    case ED_ARG_ALLOW_DATA_LOSS: {
        bool v = false;
        ed_status st = ed__yr_bool(r, path, &v);
        a->value[arg] = v;
        return st;
    }
    case ED_ARG_ACTION:
    case ED_ARG_MODE:
        return read_enum_arg(r, path, arg, &a->value[arg]);
    case ED_ARG_NAME: {
        const char *s = NULL;
        size_t len = 0;
        ed_status st = ed__yr_string(r, path, &s, &len);
        if (st == ED_OK) {
            memcpy(a->name, s, len);
            a->name[len] = '\0';
        }
        return st;
    }
    }
    return ED_OK;
}

static ed_status read_step(ed_yreader *r, size_t index, ed_step *out)
{
    ed_ypath here = {SCENARIO_KEY_STEPS, NULL, index};
    yaml_mark_t start = r->ev.start_mark;
    char ctx[48];
    snprintf(ctx, sizeof ctx, "%s[%zu]", SCENARIO_KEY_STEPS, index);
    bool has_at = false, has_command = false;
    ed_time at = 0;
    ed_command_kind kind = ED_CMD_TICK;
    yaml_mark_t command_mark = start;
    step_args *a = ed__calloc(1, sizeof *a);
    if (!a)
        return ed__error_set(r->err, ED_NO_MEMORY, 0, 0, "out of memory");
    ed_status st = ED_OK;
    for (;;) {
        const char *k = NULL;
        size_t klen = 0;
        if ((st = ed__yr_key(r, here, &k, &klen)) != ED_OK || !k)
            break;
        yaml_mark_t key_mark = r->ev.start_mark;
        ed_arg arg = arg_of(k, klen);
        bool dup;
        if (key_is(k, klen, STEP_KEY_AT)) {
            dup = has_at;
            has_at = true;
        } else if (key_is(k, klen, STEP_KEY_COMMAND)) {
            dup = has_command;
            has_command = true;
        } else if (arg) {
            dup = (a->seen & (1u << arg)) != 0;
            a->seen |= 1u << arg;
            a->mark[arg] = key_mark;
        } else {
            st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, key_mark, (ed_ypath){ctx, NULL, SIZE_MAX},
                                 "unknown key `%.*s` (not a command argument)",
                                 (int)(klen > 64 ? 64 : klen), k);
            break;
        }
        if (dup) {
            st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, key_mark, (ed_ypath){ctx, NULL, SIZE_MAX},
                                 "duplicate key `%.*s`", (int)(klen > 64 ? 64 : klen), k);
            break;
        }
        if (key_is(k, klen, STEP_KEY_AT)) {
            st = ed__yr_time(r, (ed_ypath){ctx, STEP_KEY_AT, SIZE_MAX}, &at);
        } else if (key_is(k, klen, STEP_KEY_COMMAND)) {
            ed_ypath path = {ctx, STEP_KEY_COMMAND, SIZE_MAX};
            const char *s = NULL;
            size_t len = 0;
            st = ed__yr_plain(r, path, "a command name", &s, &len);
            command_mark = r->ev.start_mark;
            if (st == ED_OK && ed_command_kind_from_name(s, &kind) != ED_OK)
                st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                                     "unknown command `%.*s`", (int)(len > 64 ? 64 : len), s);
        } else {
            st = read_arg(r, (ed_ypath){ctx, ed_arg_name(arg), SIZE_MAX}, arg, a);
        }
        if (st != ED_OK)
            break;
    }
    ed_ypath step_path = {ctx, NULL, SIZE_MAX};
    if (st == ED_OK && !has_at)
        st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, start, step_path, "missing key `at`");
    if (st == ED_OK && !has_command)
        st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, start, step_path, "missing key `command`");
    for (int arg = 1; st == ED_OK && ed_arg_name((ed_arg)arg); arg++) {
        bool given = (a->seen & (1u << arg)) != 0;
        if (given && !ed_command_kind_takes(kind, (ed_arg)arg))
            st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, a->mark[arg], step_path,
                                 "command %s takes no argument `%s`", ed_command_kind_name(kind),
                                 ed_arg_name((ed_arg)arg));
        else if (!given && ed_command_kind_requires(kind, (ed_arg)arg))
            st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, command_mark, step_path,
                                 "command %s needs the argument `%s`", ed_command_kind_name(kind),
                                 ed_arg_name((ed_arg)arg));
    }
    ed_command *cmd = NULL;
    if (st == ED_OK && !(cmd = ed_command_new(kind)))
        st = ed__error_set(r->err, ED_NO_MEMORY, 0, 0, "out of memory");
    for (int arg = 1; st == ED_OK && ed_arg_name((ed_arg)arg); arg++) {
        if (!(a->seen & (1u << arg)))
            continue;
        st = arg == ED_ARG_NAME ? ed_command_set_string(cmd, (ed_arg)arg, a->name)
                                : ed_command_set_int(cmd, (ed_arg)arg, a->value[arg]);
        if (st != ED_OK)
            st = ed__error_set(r->err, st == ED_NO_MEMORY ? ED_NO_MEMORY : ED_SCHEMA_ERROR,
                              a->mark[arg].line + 1, a->mark[arg].column + 1,
                              "%s.%s: the command does not accept this value", ctx,
                              ed_arg_name((ed_arg)arg));
    }
    free(a);
    if (st != ED_OK) {
        ed_command_free(cmd);
        return st;
    }
    out->command = cmd;
    out->at = at;
    out->line = start.line + 1;
    return ED_OK;
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
        if (key_is(k, klen, ED_YAML_KEY_INSTANCE) && !sc->instance) {
            st = ed__yr_instance(&r, ED_YAML_KEY_INSTANCE, &sc->instance);
        } else if (key_is(k, klen, SCENARIO_KEY_STEPS) && !has_steps) {
            has_steps = true;
            st = read_steps(&r, sc);
        } else {
            bool known = key_is(k, klen, ED_YAML_KEY_INSTANCE) ||
                         key_is(k, klen, SCENARIO_KEY_STEPS) ||
                         key_is(k, klen, ED_YAML_KEY_VERSION);
            st = ed__yr_fail_path(&r, ED_SCHEMA_ERROR, r.ev.start_mark, root, "%s key `%.*s`",
                                 known ? "duplicate" : "unknown", (int)(klen > 64 ? 64 : klen),
                                 k);
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
