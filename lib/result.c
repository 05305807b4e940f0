/* Results of commands and errors of loaders: one object to read back the
 * outcome and its message from, and one to free. No global mutable state:
 * the shared no-memory objects below are never written. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ed_result nomem_result = {
    .status = ED_NO_MEMORY,
    .message = "out of memory",
};

static const ed_error nomem_error = {
    .status = ED_NO_MEMORY,
    .message = "out of memory",
};

ed_result *ed__result_nomem(void)
{
    return (ed_result *)&nomem_result;
}

ed_result *ed__result_new(void)
{
    return ed__calloc(1, sizeof(ed_result));
}

static ed_result *fail_v(ed_result *r, ed_status status, const char *fmt, va_list ap)
{
    r->status = status;
    (void)vsnprintf(r->message, sizeof r->message, fmt, ap);
    return r;
}

ed_result *ed__result_fail(ed_result *r, ed_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(r, status, fmt, ap);
    va_end(ap);
    return r;
}

ed_result *ed__refuse(ed_status status, const char *fmt, ...)
{
    ed_result *r = ed__result_new();
    if (r == NULL)
        return ed__result_nomem();
    va_list ap;
    va_start(ap, fmt);
    fail_v(r, status, fmt, ap);
    va_end(ap);
    return r;
}

void ed_result_free(ed_result *r)
{
    if (r == NULL || r == &nomem_result)
        return;
    ed_instance_free(r->instance);
    ed__effects_release(&r->effects);
    ed__effects_release(&r->would_have);
    ed__free(r);
}

ed_status ed_result_status(const ed_result *r)
{
    return r ? r->status : ED_INVALID_ARGUMENT;
}

const char *ed_result_message(const ed_result *r)
{
    return r ? r->message : "no result";
}

const ed_instance *ed_result_instance(const ed_result *r)
{
    return r ? r->instance : NULL;
}

const ed_effect_list *ed_result_effects(const ed_result *r)
{
    return r ? &r->effects : NULL;
}

const ed_effect_list *ed_result_would_have(const ed_result *r)
{
    return r ? &r->would_have : NULL;
}

size_t ed_result_plan_count(const ed_result *r)
{
    return r ? r->plan_count : 0;
}

ed_command_kind ed_result_plan_command(const ed_result *r, size_t i)
{
    return r && i < r->plan_count ? r->plan[i].command : (ed_command_kind)0;
}

bool ed_result_plan_action(const ed_result *r, size_t i, ed_action *out)
{
    if (r == NULL || i >= r->plan_count || !r->plan[i].has_action)
        return false;
    if (out)
        *out = r->plan[i].action;
    return true;
}

bool ed_result_plan_at(const ed_result *r, size_t i, ed_time *out)
{
    if (r == NULL || i >= r->plan_count || !r->plan[i].has_at)
        return false;
    if (out)
        *out = r->plan[i].at;
    return true;
}

ed_status ed__error_set(ed_error **err, ed_status status, size_t line, size_t column,
                       const char *fmt, ...)
{
    if (err == NULL)
        return status;
    ed_error *e = ed__calloc(1, sizeof *e);
    if (e == NULL) {
        /* the caller reports what it could allocate: status and error agree */
        *err = (ed_error *)&nomem_error;
        return ED_NO_MEMORY;
    }
    e->status = status;
    e->line = line;
    e->column = column;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    *err = e;
    return status;
}

void ed_error_free(ed_error *err)
{
    if (err != NULL && err != &nomem_error)
        ed__free(err);
}

ed_status ed_error_status(const ed_error *err)
{
    return err ? err->status : ED_INVALID_ARGUMENT;
}

const char *ed_error_message(const ed_error *err)
{
    return err ? err->message : "no error";
}

size_t ed_error_line(const ed_error *err)
{
    return err ? err->line : 0;
}

size_t ed_error_column(const ed_error *err)
{
    return err ? err->column : 0;
}
