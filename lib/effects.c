/* Effect lists: the ordered instructions a transition hands to the host. */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Subject and flags of each kind: the table of docs/rules.md section 3. */
static const struct {
    ed_subject_kind subject;
    unsigned flags;
} kind_info[] = {
    [ED_EFFECT_BILLING_CONVERT] = {ED_SUBJECT_INSTANCE, ED_FLAG_BILLING},
    [ED_EFFECT_BILLING_REFUND] = {ED_SUBJECT_INSTANCE, ED_FLAG_BILLING},
    [ED_EFFECT_BILLING_RENEW] = {ED_SUBJECT_INSTANCE, ED_FLAG_BILLING},
    [ED_EFFECT_TOPIC_MIGRATE] = {ED_SUBJECT_TOPIC, 0},
    [ED_EFFECT_CONSUMERS_REBALANCE] = {ED_SUBJECT_GROUP, 0},
    [ED_EFFECT_TOPIC_CREATE] = {ED_SUBJECT_TOPIC, 0},
    [ED_EFFECT_GROUP_CREATE] = {ED_SUBJECT_GROUP, 0},
    [ED_EFFECT_TOPIC_DELETE] = {ED_SUBJECT_TOPIC, ED_FLAG_IRREVERSIBLE},
    [ED_EFFECT_GROUP_DELETE] = {ED_SUBJECT_GROUP, ED_FLAG_IRREVERSIBLE},
    [ED_EFFECT_INSTANCE_SUSPEND] = {ED_SUBJECT_INSTANCE, ED_FLAG_DISRUPTIVE},
    [ED_EFFECT_INSTANCE_RESUME] = {ED_SUBJECT_INSTANCE, 0},
    [ED_EFFECT_INSTANCE_DELETE] = {ED_SUBJECT_INSTANCE, ED_FLAG_IRREVERSIBLE},
    [ED_EFFECT_TIMER_SCHEDULE] = {ED_SUBJECT_INSTANCE, 0},
    [ED_EFFECT_TIMER_CANCEL] = {ED_SUBJECT_INSTANCE, 0},
    [ED_EFFECT_CONFIG_POST_EXPIRATION_ACTION] = {ED_SUBJECT_INSTANCE, 0},
    [ED_EFFECT_TICKET_EXPERT_SERVICES] = {ED_SUBJECT_INSTANCE, ED_FLAG_NOTICE},
    [ED_EFFECT_NOTICE_DELETE_ON_EXPIRY] = {ED_SUBJECT_INSTANCE, ED_FLAG_NOTICE},
    [ED_EFFECT_NOTICE_RELEASE_PENDING] = {ED_SUBJECT_INSTANCE, ED_FLAG_NOTICE},
    [ED_EFFECT_NOTICE_IGNORE_RELEASE_NOTIFICATION] = {ED_SUBJECT_INSTANCE, ED_FLAG_NOTICE},
};

/* Appends a formatted string, NUL included, to the arena; returns its
 * offset or SIZE_MAX when out of memory. */
static size_t arena_printf(ed_effect_list *list, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static size_t arena_printf(ed_effect_list *list, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return SIZE_MAX;
    size_t need;
    if (!ed__size_add(list->text_len, (size_t)n, &need) || !ed__size_add(need, 1, &need))
        return SIZE_MAX;
    if (need > list->text_cap) {
        size_t cap = list->text_cap < 512 ? 512 : list->text_cap;
        while (cap < need)
            if (!ed__size_mul(cap, 2, &cap))
                cap = need;
        char *grown = ed__realloc(list->text, cap);
        if (grown == NULL)
            return SIZE_MAX;
        list->text = grown;
        list->text_cap = cap;
    }
    size_t off = list->text_len;
    va_start(ap, fmt);
    (void)vsnprintf(list->text + off, (size_t)n + 1, fmt, ap);
    va_end(ap);
    list->text_len = need;
    return off;
}

bool ed__effect_kind_info(ed_effect_kind kind, ed_subject_kind *subject, unsigned *flags)
{
    if (ed_effect_kind_name(kind) == NULL || (size_t)kind >= sizeof kind_info / sizeof kind_info[0])
        return false;
    *subject = kind_info[kind].subject;
    *flags = kind_info[kind].flags;
    return true;
}

ed_effect *ed__effects_push(ed_effect_list *list)
{
    if (list->count == list->cap) {
        size_t cap;
        if (!ed__size_mul(list->cap < 4 ? 4 : list->cap, 2, &cap))
            return NULL;
        ed_effect *grown = ed__realloc_array(list->items, cap, sizeof *grown);
        if (grown == NULL)
            return NULL;
        list->items = grown;
        list->cap = cap;
    }
    ed_effect *e = &list->items[list->count];
    memset(e, 0, sizeof *e);
    return e;
}

size_t ed__effects_put_text(ed_effect_list *list, const char *s, size_t len)
{
    return arena_printf(list, "%.*s", (int)len, s);
}

ed_effect *ed__effects_add(ed_effect_list *list, ed_effect_kind kind, const char *id,
                          uint64_t revision, const char *subject)
{
    ed_effect *e = ed__effects_push(list);
    if (e == NULL)
        return NULL;
    /* An unknown kind is kept, with no subject kind or flags, for
     * ed__effects_seal to report as the programming error it is. */
    ed_subject_kind subject_kind = ED_SUBJECT_INSTANCE;
    unsigned flags = 0;
    (void)ed__effect_kind_info(kind, &subject_kind, &flags);
    e->kind = kind;
    e->subject_kind = subject_kind;
    e->flags = flags;
    e->revision = revision;
    /* index within its revision: count back over the same revision */
    e->index = 0;
    if (list->count > 0 && list->items[list->count - 1].revision == revision)
        e->index = list->items[list->count - 1].index + 1;
    e->key_off = arena_printf(list, "%s/%" PRIu64 "/%zu", id, revision, e->index);
    if (e->key_off == SIZE_MAX)
        return NULL;
    e->subject_off = arena_printf(list, "%s", subject);
    if (e->subject_off == SIZE_MAX)
        return NULL;
    list->count++;
    return e;
}

static const char *cluster_phrase(const char *cluster)
{
    return strcmp(cluster, "shared") == 0 ? "the shared cluster" : "the dedicated cluster";
}

static const char *billing_phrase(const char *billing)
{
    return strcmp(billing, "pay_as_you_go") == 0 ? "pay-as-you-go" : "subscription";
}

/* describe()'s answer for a kind it has no text for. */
#define UNKNOWN_KIND (SIZE_MAX - 1)

/* The one-line description of an effect, written into the arena: its
 * offset, SIZE_MAX when out of memory, UNKNOWN_KIND for an unknown kind. */
static size_t describe(ed_effect_list *list, const ed_effect *e)
{
    char at[ED_TIME_BUFSIZE] = "", exp[ED_TIME_BUFSIZE] = "", until[ED_TIME_BUFSIZE] = "";
    if (e->fields & (1u << ED_FIELD_AT))
        ed_time_format(e->at, at, sizeof at);
    if (e->fields & (1u << ED_FIELD_EXPIRES_AT))
        ed_time_format(e->expires_at, exp, sizeof exp);
    if (e->fields & (1u << ED_FIELD_UNUSED_UNTIL))
        ed_time_format(e->unused_until, until, sizeof until);
    /* a copy: printing into the arena may move it */
    char subject[ED_ID_MAX + 1];
    (void)snprintf(subject, sizeof subject, "%s", list->text + e->subject_off);
    switch (e->kind) {
    case ED_EFFECT_BILLING_CONVERT:
        if (e->fields & (1u << ED_FIELD_PERIOD_MONTHS))
            return arena_printf(list,
                                "switch billing from %s to a %" PRId64
                                "-month subscription from %s, expiring %s",
                                billing_phrase(e->from), e->period_months, at, exp);
        return arena_printf(list, "switch billing from %s to %s as of %s",
                            billing_phrase(e->from), billing_phrase(e->to), at);
    case ED_EFFECT_BILLING_REFUND:
        return arena_printf(list, "refund the unused subscription time until %s", until);
    case ED_EFFECT_BILLING_RENEW:
        return arena_printf(list, "renew the subscription by %" PRId64 " month%s, to %s",
                            e->period_months, e->period_months == 1 ? "" : "s", exp);
    case ED_EFFECT_TOPIC_MIGRATE:
        return arena_printf(list, "migrate topic %s from %s to %s", subject,
                            cluster_phrase(e->from), cluster_phrase(e->to));
    case ED_EFFECT_CONSUMERS_REBALANCE:
        return arena_printf(list, "rebalance consumer group %s from %s to %s", subject,
                            cluster_phrase(e->from), cluster_phrase(e->to));
    case ED_EFFECT_TOPIC_CREATE:
        return arena_printf(list, "create topic %s", subject);
    case ED_EFFECT_GROUP_CREATE:
        return arena_printf(list, "create consumer group %s", subject);
    case ED_EFFECT_TOPIC_DELETE:
        return arena_printf(list, "delete topic %s and its messages", subject);
    case ED_EFFECT_GROUP_DELETE:
        return arena_printf(list, "delete consumer group %s", subject);
    case ED_EFFECT_INSTANCE_SUSPEND:
        return arena_printf(list,
                            "suspend instance %s as of %s: clients can no longer send or "
                            "receive",
                            subject, at);
    case ED_EFFECT_INSTANCE_RESUME:
        return arena_printf(list, "resume instance %s", subject);
    case ED_EFFECT_INSTANCE_DELETE:
        return arena_printf(list, "delete instance %s as of %s", subject, at);
    case ED_EFFECT_TIMER_SCHEDULE:
        return arena_printf(list, "schedule the %s timer at %s", e->timer, at);
    case ED_EFFECT_TIMER_CANCEL:
        return arena_printf(list, "cancel the %s timer", e->timer);
    case ED_EFFECT_CONFIG_POST_EXPIRATION_ACTION:
        return arena_printf(list, "set the post-expiration action from %s to %s", e->from,
                            e->to);
    case ED_EFFECT_TICKET_EXPERT_SERVICES:
        return arena_printf(list, "open a ticket with expert services for the upgraded instance");
    case ED_EFFECT_NOTICE_DELETE_ON_EXPIRY:
        return arena_printf(list,
                            "notify: at %s the instance and all its topics and groups will be "
                            "deleted unless the post-expiration action is changed",
                            at);
    case ED_EFFECT_NOTICE_RELEASE_PENDING:
        return arena_printf(list,
                            "notify: the instance is suspended and will be released with all "
                            "its data at %s unless renewed",
                            at);
    case ED_EFFECT_NOTICE_IGNORE_RELEASE_NOTIFICATION:
        return arena_printf(list,
                            "notify: a release notification around %s can be ignored; the "
                            "instance was downgraded, not deleted",
                            at);
    }
    return UNKNOWN_KIND;
}

ed_status ed__effects_seal(ed_effect_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        ed_effect *e = &list->items[i];
        e->text_off = describe(list, e);
        /* a kind the switch above does not know is a bug in this library,
         * not a shortage of memory: say so with a status of its own */
        if (e->text_off == UNKNOWN_KIND)
            return ED_INVALID_ARGUMENT;
        if (e->text_off == SIZE_MAX)
            return ED_NO_MEMORY;
    }
    for (size_t i = 0; i < list->count; i++) {
        ed_effect *e = &list->items[i];
        e->key = list->text + e->key_off;
        e->subject = list->text + e->subject_off;
        e->text = list->text + e->text_off;
    }
    return ED_OK;
}

void ed__effects_release(ed_effect_list *list)
{
    ed__free(list->items);
    ed__free(list->text);
    memset(list, 0, sizeof *list);
}

void ed_effects_free(ed_effect_list *list)
{
    if (list == NULL)
        return;
    ed__effects_release(list);
    ed__free(list);
}

size_t ed_effect_list_count(const ed_effect_list *list)
{
    return list ? list->count : 0;
}

const ed_effect *ed_effect_list_get(const ed_effect_list *list, size_t i)
{
    return list && i < list->count ? &list->items[i] : NULL;
}

ed_effect_kind ed_effect_kind_of(const ed_effect *e)
{
    return e ? e->kind : (ed_effect_kind)0;
}

const char *ed_effect_key(const ed_effect *e)
{
    return e ? e->key : NULL;
}

uint64_t ed_effect_revision(const ed_effect *e)
{
    return e ? e->revision : 0;
}

size_t ed_effect_index(const ed_effect *e)
{
    return e ? e->index : 0;
}

unsigned ed_effect_flags(const ed_effect *e)
{
    return e ? e->flags : 0;
}

ed_subject_kind ed_effect_subject_kind(const ed_effect *e)
{
    return e ? e->subject_kind : ED_SUBJECT_INSTANCE;
}

const char *ed_effect_subject(const ed_effect *e)
{
    return e ? e->subject : NULL;
}

const char *ed_effect_text(const ed_effect *e)
{
    return e ? e->text : NULL;
}

bool ed_effect_has(const ed_effect *e, ed_field field)
{
    if (e == NULL || field < ED_FIELD_FIRST || field > ED_FIELD_LAST)
        return false;
    return (e->fields & (1u << field)) != 0;
}

const char *ed_effect_string(const ed_effect *e, ed_field field)
{
    if (!ed_effect_has(e, field))
        return NULL;
    switch (field) {
    case ED_FIELD_FROM:
        return e->from;
    case ED_FIELD_TO:
        return e->to;
    case ED_FIELD_REFUND:
        return e->refund;
    case ED_FIELD_TIMER:
        return e->timer;
    default:
        return NULL;
    }
}

bool ed_effect_time(const ed_effect *e, ed_field field, ed_time *out)
{
    if (!ed_effect_has(e, field) || out == NULL)
        return false;
    switch (field) {
    case ED_FIELD_AT:
        *out = e->at;
        return true;
    case ED_FIELD_EXPIRES_AT:
        *out = e->expires_at;
        return true;
    case ED_FIELD_UNUSED_FROM:
        *out = e->unused_from;
        return true;
    case ED_FIELD_UNUSED_UNTIL:
        *out = e->unused_until;
        return true;
    default:
        return false;
    }
}

bool ed_effect_int(const ed_effect *e, ed_field field, int64_t *out)
{
    if (!ed_effect_has(e, field) || out == NULL)
        return false;
    if (field == ED_FIELD_PERIOD_MONTHS) {
        *out = e->period_months;
        return true;
    }
    if (field == ED_FIELD_ONLINE) {
        *out = e->online ? 1 : 0;
        return true;
    }
    return false;
}

bool ed__effect_set_string(ed_effect *e, ed_field field, const char *value)
{
    const char **slot = NULL;
    switch (field) {
    case ED_FIELD_FROM:
        slot = &e->from;
        break;
    case ED_FIELD_TO:
        slot = &e->to;
        break;
    case ED_FIELD_REFUND:
        slot = &e->refund;
        break;
    case ED_FIELD_TIMER:
        slot = &e->timer;
        break;
    default:
        return false;
    }
    *slot = value;
    e->fields |= 1u << field;
    return true;
}

bool ed__effect_set_time(ed_effect *e, ed_field field, ed_time value)
{
    ed_time *slot = NULL;
    switch (field) {
    case ED_FIELD_AT:
        slot = &e->at;
        break;
    case ED_FIELD_EXPIRES_AT:
        slot = &e->expires_at;
        break;
    case ED_FIELD_UNUSED_FROM:
        slot = &e->unused_from;
        break;
    case ED_FIELD_UNUSED_UNTIL:
        slot = &e->unused_until;
        break;
    default:
        return false;
    }
    *slot = value;
    e->fields |= 1u << field;
    return true;
}

bool ed__effect_set_int(ed_effect *e, ed_field field, int64_t value)
{
    if (field == ED_FIELD_PERIOD_MONTHS)
        e->period_months = value;
    else if (field == ED_FIELD_ONLINE)
        e->online = value != 0;
    else
        return false;
    e->fields |= 1u << field;
    return true;
}
