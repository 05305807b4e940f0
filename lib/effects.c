/* Effect lists: the ordered instructions a transition hands to the host.
 *
 * An effect costs what it is: a 32-byte record (struct ed_effect) whose
 * subject points into a name table the list holds a reference to. An
 * upgrade of n topics therefore fills n records and copies no name; up to
 * 0.2.0 every effect printed its key, subject and text with snprintf when
 * it was made, which was nearly all of an upgrade's cost.
 *
 * Keys and texts are made when first asked for, for the whole list at
 * once (one pass, no printf), into a block that is published with a
 * single compare-and-swap on list->strings:
 *
 *  - Everything else in the list is written before the list is handed
 *    out and never again, so readers need no synchronisation for it.
 *  - A reader that finds list->strings NULL builds a complete private
 *    block, then tries to install it with a compare-and-swap from NULL
 *    (release order, so the block's bytes are visible to whoever
 *    acquires the pointer). The winner's block is the list's for good;
 *    a reader that lost frees its own block, which nobody else has
 *    seen, and uses the winner's. Readers load the pointer with acquire
 *    order. No lock, no waiting, and every pointer handed out stays
 *    valid until the list is freed.
 *  - Out of memory, the getter returns NULL and publishes nothing, so a
 *    later call tries again (the header documents this).
 *
 * Writers of documents (ed_effects_dump_yaml and friends) do not build the
 * block: they write each key and text into a stack buffer as they go, so a
 * plan of two million effects needs no memory beyond its output. */
#include "internal.h"

#include <inttypes.h>
#include <stddef.h>
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

/* The words a from or to field of a transition takes, by code (0: none,
 * the value then lives in the effect's extra). */
static const char *const words[] = {
    NULL, "shared", "dedicated", "pay_as_you_go", "subscription", "delete_resource",
    "downgrade_to_standard",
};

static uint8_t word_code(const char *s)
{
    for (size_t i = 1; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(words[i], s) == 0)
            return (uint8_t)i;
    return 0;
}

/* The items live after a header that names their list: an effect finds
 * its list from its position, at no cost per effect. */
typedef struct items_block {
    ed_effect_list *list;
    ed_effect items[];
} items_block;

static ed_effect_list *list_of(const ed_effect *e)
{
    const ed_effect *first = e - e->pos;
    const items_block *b =
        (const items_block *)(const void *)((const char *)first - offsetof(items_block, items));
    return b->list;
}

/* One block: the offsets, then the characters they point into. */
struct ed_effect_strings {
    size_t count;
    size_t off[]; /* key and text of effect i at off[2i], off[2i + 1] */
};

static const char *chars_of(const ed_effect_strings *s)
{
    return (const char *)(s->off + 2 * s->count);
}

bool ed__effect_kind_info(ed_effect_kind kind, ed_subject_kind *subject, unsigned *flags)
{
    if (ed_effect_kind_name(kind) == NULL || (size_t)kind >= sizeof kind_info / sizeof kind_info[0])
        return false;
    *subject = kind_info[kind].subject;
    *flags = kind_info[kind].flags;
    return true;
}

/* ---- building a list ---------------------------------------------------- */

/* Room for `more` effects (exactly, when it has to grow). */
static bool reserve(ed_effect_list *list, size_t more)
{
    size_t need;
    if (!ed__size_add(list->count, more, &need) || need > UINT32_MAX)
        return false;
    if (need <= list->cap)
        return true;
    size_t bytes;
    if (!ed__size_mul(need, sizeof(ed_effect), &bytes) ||
        !ed__size_add(bytes, sizeof(items_block), &bytes))
        return false;
    items_block *old = list->items ? (items_block *)(void *)((char *)list->items -
                                                             offsetof(items_block, items))
                                   : NULL;
    items_block *b = ed__realloc(old, bytes);
    if (b == NULL)
        return false;
    b->list = list;
    list->items = b->items;
    list->cap = need;
    return true;
}

static bool grow(ed_effect_list *list)
{
    if (list->count < list->cap)
        return true;
    size_t more = list->cap < 4 ? 8 : list->cap;
    return reserve(list, more) || reserve(list, 1);
}

static uint32_t new_extra(ed_effect_list *list)
{
    if (list->extra_count == list->extra_cap) {
        size_t cap = list->extra_cap < 4 ? 4 : list->extra_cap * 2;
        ed_effect_extra *grown = ed__realloc_array(list->extras, cap, sizeof *grown);
        if (grown == NULL)
            return 0;
        list->extras = grown;
        list->extra_cap = cap;
    }
    memset(&list->extras[list->extra_count], 0, sizeof list->extras[0]);
    return (uint32_t)++list->extra_count;
}

ed_effect_extra *ed__effect_extra(const ed_effect *e)
{
    return e->extra ? &list_of(e)->extras[e->extra - 1] : NULL;
}

ed_effect *ed__effects_push(ed_effect_list *list)
{
    list->loaded = true;
    if (!grow(list))
        return NULL;
    uint32_t x = new_extra(list);
    if (x == 0)
        return NULL;
    ed_effect *e = &list->items[list->count];
    memset(e, 0, sizeof *e);
    e->pos = (uint32_t)list->count;
    e->extra = x;
    return e;
}

size_t ed__effects_put_text(ed_effect_list *list, const char *s, size_t len)
{
    size_t need;
    if (!ed__size_add(list->text_len, len, &need) || !ed__size_add(need, 1, &need))
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
    memcpy(list->text + off, s, len);
    list->text[off + len] = '\0';
    list->text_len = need;
    return off;
}

void ed__effects_bind(ed_effect_list *list, ed_ident *ident)
{
    if (list->ident != NULL || list->id != NULL)
        return;
    atomic_fetch_add_explicit(&ident->refs, 1, memory_order_relaxed);
    list->ident = ident;
    list->id = ident->id;
}

static bool hold(ed_effect_list *list, ed_names *table)
{
    for (size_t i = 0; i < ED_EFFECT_HELD_MAX; i++) {
        if (list->held[i] == table)
            return true;
        if (list->held[i] == NULL) {
            list->held[i] = ed__names_ref(table);
            return true;
        }
    }
    return false;
}

/* The next record, its position, revision and index set: the caller has
 * made room. Revisions of one list never go down. */
static ed_effect *next_record(ed_effect_list *list, ed_effect_kind kind, uint64_t revision,
                              const char *subject)
{
    if (list->count == 0)
        list->base_revision = revision;
    ed_effect *e = &list->items[list->count];
    memset(e, 0, sizeof *e);
    e->pos = (uint32_t)list->count;
    e->kind = (uint8_t)kind;
    e->subject = subject;
    e->rev = (uint32_t)(revision - list->base_revision);
    if (list->count > 0 && list->items[list->count - 1].rev == e->rev)
        e->index = list->items[list->count - 1].index + 1;
    ed_subject_kind subject_kind;
    unsigned flags;
    if (!ed__effect_kind_info(kind, &subject_kind, &flags) || (uint8_t)kind != kind)
        list->bad_kind = true;
    return e;
}

/* An effect on the instance carries its fields in an extra. */
static ed_effect *add_record(ed_effect_list *list, ed_effect_kind kind, uint64_t revision,
                             const char *subject)
{
    if (!grow(list))
        return NULL;
    ed_subject_kind subject_kind = ED_SUBJECT_INSTANCE;
    unsigned flags = 0;
    (void)ed__effect_kind_info(kind, &subject_kind, &flags);
    uint32_t x = 0;
    if (subject_kind == ED_SUBJECT_INSTANCE && (x = new_extra(list)) == 0)
        return NULL;
    ed_effect *e = next_record(list, kind, revision, subject);
    e->extra = x;
    list->count++;
    return e;
}

ed_effect *ed__effects_add(ed_effect_list *list, ed_effect_kind kind, const char *id,
                          uint64_t revision, const char *subject)
{
    if (list->id == NULL) {
        list->id_owned = ed__strndup(id, strlen(id));
        if (list->id_owned == NULL)
            return NULL;
        list->id = list->id_owned;
    }
    if (subject == id || strcmp(subject, list->id) == 0) {
        subject = list->id;
    } else {
        if (list->owned_count == list->owned_cap) {
            size_t cap = list->owned_cap < 2 ? 2 : list->owned_cap * 2;
            char **grown = ed__realloc_array(list->owned, cap, sizeof *grown);
            if (grown == NULL)
                return NULL;
            list->owned = grown;
            list->owned_cap = cap;
        }
        char *copy = ed__strndup(subject, strlen(subject));
        if (copy == NULL)
            return NULL;
        ed_effect *e = add_record(list, kind, revision, copy);
        if (e == NULL) {
            ed__free(copy);
            return NULL;
        }
        list->owned[list->owned_count++] = copy;
        return e;
    }
    return add_record(list, kind, revision, subject);
}

ed_effect *ed__effects_add_name(ed_effect_list *list, ed_effect_kind kind, uint64_t revision,
                               ed_names *table, const char *name)
{
    if (!hold(list, table))
        return NULL;
    return add_record(list, kind, revision, name);
}

bool ed__effects_add_names(ed_effect_list *list, ed_effect_kind kind, uint64_t revision,
                          ed_names *table, const char *from, const char *to, bool online)
{
    size_t n = table->count;
    if (n == 0)
        return true;
    if (!reserve(list, n) || !hold(list, table))
        return false;
    uint16_t fields = (uint16_t)((from ? 1u << ED_FIELD_FROM : 0) | (to ? 1u << ED_FIELD_TO : 0) |
                                 (online ? 1u << ED_FIELD_ONLINE : 0));
    uint8_t from_code = from ? word_code(from) : 0, to_code = to ? word_code(to) : 0;
    /* the names in the table's order, past any it removed */
    ed_names_iter it;
    ed__names_iter_init(&it, table);
    /* the first record settles revision and index; the rest follow it */
    ed_effect *e = next_record(list, kind, revision, ed__names_iter_next(&it));
    e->fields = fields;
    e->from = from_code;
    e->to = to_code;
    e->online = online;
    ed_effect proto = *e;
    ed_effect *items = list->items;
    uint32_t pos = (uint32_t)list->count;
    for (size_t i = 1; i < n; i++) {
        ed_effect *r = &items[pos + i];
        *r = proto;
        r->subject = ed__names_iter_next(&it);
        r->pos = pos + (uint32_t)i;
        r->index = proto.index + (uint32_t)i;
    }
    list->count += n;
    return true;
}

ed_status ed__effects_seal(ed_effect_list *list)
{
    return list->bad_kind ? ED_INVALID_ARGUMENT : ED_OK;
}

/* ---- keys and texts ------------------------------------------------------ */

/* A writer into a buffer that stops at its end (the sizes above leave room
 * for every text the library writes; the bound only keeps a mistake from
 * writing past the buffer). */
typedef struct sink {
    char *p, *end;
} sink;

static void put(sink *o, const char *s)
{
    size_t n = strlen(s), room = (size_t)(o->end - o->p);
    n = n < room ? n : room;
    memcpy(o->p, s, n);
    o->p += n;
}

static void put_u64(sink *o, uint64_t v)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n > 0 && o->p < o->end)
        *o->p++ = digits[--n];
}

static void put_i64(sink *o, int64_t v)
{
    if (v < 0) {
        put(o, "-");
        put_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(o, (uint64_t)v);
    }
}

static void put_time(sink *o, ed_time t)
{
    char buf[ED_TIME_BUFSIZE] = "";
    (void)ed_time_format(t, buf, sizeof buf);
    put(o, buf);
}

static const char *cluster_phrase(const char *cluster)
{
    return strcmp(cluster, "shared") == 0 ? "the shared cluster" : "the dedicated cluster";
}

static const char *billing_phrase(const char *billing)
{
    return strcmp(billing, "pay_as_you_go") == 0 ? "pay-as-you-go" : "subscription";
}

static const char *string_field(const ed_effect *e, ed_field field)
{
    const char *s = ed_effect_string(e, field);
    return s ? s : "";
}

static uint64_t revision_of(const ed_effect *e, const ed_effect_list *list)
{
    return list->loaded ? list->extras[e->extra - 1].revision : list->base_revision + e->rev;
}

/* "<id>/<revision>/<index>" into o. */
static void write_key(sink *o, const ed_effect *e, const ed_effect_list *list)
{
    put(o, list->id ? list->id : "");
    put(o, "/");
    put_u64(o, revision_of(e, list));
    put(o, "/");
    put_u64(o, e->index);
}

/* The one-line description of an effect into o; false for a kind that has
 * no text. */
static bool write_text(sink *o, const ed_effect *e, const ed_effect_list *list)
{
    static const ed_effect_extra none;
    const ed_effect_extra *x = e->extra ? &list->extras[e->extra - 1] : &none;
    const char *from = string_field(e, ED_FIELD_FROM), *to = string_field(e, ED_FIELD_TO);
    const char *subject = e->subject ? e->subject : "";
    switch ((ed_effect_kind)e->kind) {
    case ED_EFFECT_BILLING_CONVERT:
        put(o, "switch billing from ");
        put(o, billing_phrase(from));
        if (e->fields & (1u << ED_FIELD_PERIOD_MONTHS)) {
            put(o, " to a ");
            put_i64(o, x->period_months);
            put(o, "-month subscription from ");
            put_time(o, x->at);
            put(o, ", expiring ");
            put_time(o, x->expires_at);
        } else {
            put(o, " to ");
            put(o, billing_phrase(to));
            put(o, " as of ");
            put_time(o, x->at);
        }
        return true;
    case ED_EFFECT_BILLING_REFUND:
        put(o, "refund the unused subscription time until ");
        put_time(o, x->unused_until);
        return true;
    case ED_EFFECT_BILLING_RENEW:
        put(o, "renew the subscription by ");
        put_i64(o, x->period_months);
        put(o, x->period_months == 1 ? " month, to " : " months, to ");
        put_time(o, x->expires_at);
        return true;
    case ED_EFFECT_TOPIC_MIGRATE:
    case ED_EFFECT_CONSUMERS_REBALANCE:
        put(o, e->kind == ED_EFFECT_TOPIC_MIGRATE ? "migrate topic " : "rebalance consumer group ");
        put(o, subject);
        put(o, " from ");
        put(o, cluster_phrase(from));
        put(o, " to ");
        put(o, cluster_phrase(to));
        return true;
    case ED_EFFECT_TOPIC_CREATE:
        put(o, "create topic ");
        put(o, subject);
        return true;
    case ED_EFFECT_GROUP_CREATE:
        put(o, "create consumer group ");
        put(o, subject);
        return true;
    case ED_EFFECT_TOPIC_DELETE:
        put(o, "delete topic ");
        put(o, subject);
        put(o, " and its messages");
        return true;
    case ED_EFFECT_GROUP_DELETE:
        put(o, "delete consumer group ");
        put(o, subject);
        return true;
    case ED_EFFECT_INSTANCE_SUSPEND:
        put(o, "suspend instance ");
        put(o, subject);
        put(o, " as of ");
        put_time(o, x->at);
        put(o, ": clients can no longer send or receive");
        return true;
    case ED_EFFECT_INSTANCE_RESUME:
        put(o, "resume instance ");
        put(o, subject);
        return true;
    case ED_EFFECT_INSTANCE_DELETE:
        put(o, "delete instance ");
        put(o, subject);
        put(o, " as of ");
        put_time(o, x->at);
        return true;
    case ED_EFFECT_TIMER_SCHEDULE:
        put(o, "schedule the ");
        put(o, string_field(e, ED_FIELD_TIMER));
        put(o, " timer at ");
        put_time(o, x->at);
        return true;
    case ED_EFFECT_TIMER_CANCEL:
        put(o, "cancel the ");
        put(o, string_field(e, ED_FIELD_TIMER));
        put(o, " timer");
        return true;
    case ED_EFFECT_CONFIG_POST_EXPIRATION_ACTION:
        put(o, "set the post-expiration action from ");
        put(o, from);
        put(o, " to ");
        put(o, to);
        return true;
    case ED_EFFECT_TICKET_EXPERT_SERVICES:
        put(o, "open a ticket with expert services for the upgraded instance");
        return true;
    case ED_EFFECT_NOTICE_DELETE_ON_EXPIRY:
        put(o, "notify: at ");
        put_time(o, x->at);
        put(o, " the instance and all its topics and groups will be deleted unless the "
               "post-expiration action is changed");
        return true;
    case ED_EFFECT_NOTICE_RELEASE_PENDING:
        put(o, "notify: the instance is suspended and will be released with all its data at ");
        put_time(o, x->at);
        put(o, " unless renewed");
        return true;
    case ED_EFFECT_NOTICE_IGNORE_RELEASE_NOTIFICATION:
        put(o, "notify: a release notification around ");
        put_time(o, x->at);
        put(o, " can be ignored; the instance was downgraded, not deleted");
        return true;
    }
    return false;
}

static void strings_free(ed_effect_strings *s)
{
    ed__free(s);
}

/* Every key and text of a built list in one block; NULL on no memory. A
 * kind without a text gets an empty one (such a list never leaves the
 * library: ed__effects_seal refuses it). */
static ed_effect_strings *strings_build(const ed_effect_list *list)
{
    size_t head, cap, bytes;
    if (!ed__size_mul(list->count, 2 * sizeof(size_t), &head) ||
        !ed__size_add(head, sizeof(ed_effect_strings), &head) ||
        !ed__size_mul(list->count, 64, &cap) ||
        !ed__size_add(cap, ED_EFFECT_KEY_MAX + ED_EFFECT_TEXT_MAX, &cap) ||
        !ed__size_add(head, cap, &bytes))
        return NULL;
    ed_effect_strings *s = ed__alloc(bytes);
    if (s == NULL)
        return NULL;
    s->count = list->count;
    size_t len = 0;
    for (size_t i = 0; i < list->count; i++) {
        if (cap - len < ED_EFFECT_KEY_MAX + ED_EFFECT_TEXT_MAX) {
            size_t more;
            ed_effect_strings *grown = ed__size_mul(cap, 2, &more) &&
                                               ed__size_add(head, more, &bytes)
                                           ? ed__realloc(s, bytes)
                                           : NULL;
            if (grown == NULL) {
                strings_free(s);
                return NULL;
            }
            s = grown;
            cap = more;
        }
        char *chars = (char *)(s->off + 2 * s->count);
        const ed_effect *e = &list->items[i];
        sink o = {chars + len, chars + len + ED_EFFECT_KEY_MAX - 1};
        write_key(&o, e, list);
        *o.p++ = '\0';
        s->off[2 * i] = len;
        len = (size_t)(o.p - chars);
        o = (sink){chars + len, chars + len + ED_EFFECT_TEXT_MAX - 1};
        (void)write_text(&o, e, list);
        *o.p++ = '\0';
        s->off[2 * i + 1] = len;
        len = (size_t)(o.p - chars);
    }
    return s;
}

/* The list's keys and texts, built and published on first use (see the
 * top of this file); NULL when out of memory. */
static const ed_effect_strings *strings_of(const ed_effect_list *clist)
{
    /* the strings are a cache: the list is never an object defined const
     * (results and loaded lists are allocated), only handed out as one */
    ed_effect_list *list = (ed_effect_list *)clist;
    ed_effect_strings *s = atomic_load_explicit(&list->strings, memory_order_acquire);
    if (s != NULL)
        return s;
    ed_effect_strings *mine = strings_build(list);
    if (mine == NULL)
        return NULL;
    ed_effect_strings *expected = NULL;
    if (atomic_compare_exchange_strong_explicit(&list->strings, &expected, mine,
                                                memory_order_acq_rel, memory_order_acquire))
        return mine;
    strings_free(mine);
    return expected;
}

/* buf is written through a sink, which clang-tidy does not follow */
const char *ed__effect_key_into(const ed_effect *e, char *buf) /* NOLINT(readability-non-const-parameter) */
{
    const ed_effect_list *list = list_of(e);
    if (list->loaded)
        return list->extras[e->extra - 1].key;
    const ed_effect_strings *s = atomic_load_explicit(
        &((ed_effect_list *)list)->strings, memory_order_acquire);
    if (s != NULL)
        return chars_of(s) + s->off[2 * (size_t)e->pos];
    sink o = {buf, buf + ED_EFFECT_KEY_MAX - 1};
    write_key(&o, e, list);
    *o.p = '\0';
    return buf;
}

/* buf is written through a sink, which clang-tidy does not follow */
const char *ed__effect_text_into(const ed_effect *e, char *buf) /* NOLINT(readability-non-const-parameter) */
{
    const ed_effect_list *list = list_of(e);
    if (list->loaded)
        return list->extras[e->extra - 1].text;
    const ed_effect_strings *s = atomic_load_explicit(
        &((ed_effect_list *)list)->strings, memory_order_acquire);
    if (s != NULL)
        return chars_of(s) + s->off[2 * (size_t)e->pos + 1];
    sink o = {buf, buf + ED_EFFECT_TEXT_MAX - 1};
    bool known = write_text(&o, e, list);
    *o.p = '\0';
    return known ? buf : NULL;
}

void ed__effects_release(ed_effect_list *list)
{
    strings_free(atomic_load_explicit(&list->strings, memory_order_relaxed));
    if (list->items != NULL)
        ed__free((char *)list->items - offsetof(items_block, items));
    ed__free(list->extras);
    for (size_t i = 0; i < list->owned_count; i++)
        ed__free(list->owned[i]);
    ed__free(list->owned);
    ed__free(list->id_owned);
    ed__ident_unref(list->ident);
    for (size_t i = 0; i < ED_EFFECT_HELD_MAX; i++)
        ed__names_unref(list->held[i]);
    ed__free(list->text);
    memset(list, 0, sizeof *list);
}

/* ---- reading ------------------------------------------------------------- */

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
    return e ? (ed_effect_kind)e->kind : (ed_effect_kind)0;
}

const char *ed_effect_key(const ed_effect *e)
{
    if (e == NULL)
        return NULL;
    const ed_effect_list *list = list_of(e);
    if (list->loaded)
        return list->extras[e->extra - 1].key;
    const ed_effect_strings *s = strings_of(list);
    return s ? chars_of(s) + s->off[2 * (size_t)e->pos] : NULL;
}

uint64_t ed_effect_revision(const ed_effect *e)
{
    return e ? revision_of(e, list_of(e)) : 0;
}

const char *ed_effect_instance_id(const ed_effect *e)
{
    if (e == NULL)
        return NULL;
    const ed_effect_list *list = list_of(e);
    return list->loaded ? list->extras[e->extra - 1].instance : list->id;
}

size_t ed_effect_index(const ed_effect *e)
{
    if (e == NULL)
        return 0;
    const ed_effect_list *list = list_of(e);
    return list->loaded ? list->extras[e->extra - 1].index : e->index;
}

unsigned ed_effect_flags(const ed_effect *e)
{
    ed_subject_kind subject = ED_SUBJECT_INSTANCE;
    unsigned flags = 0;
    if (e != NULL)
        (void)ed__effect_kind_info((ed_effect_kind)e->kind, &subject, &flags);
    return flags;
}

ed_subject_kind ed_effect_subject_kind(const ed_effect *e)
{
    ed_subject_kind subject = ED_SUBJECT_INSTANCE;
    unsigned flags = 0;
    if (e != NULL)
        (void)ed__effect_kind_info((ed_effect_kind)e->kind, &subject, &flags);
    return subject;
}

const char *ed_effect_subject(const ed_effect *e)
{
    return e ? e->subject : NULL;
}

const char *ed_effect_text(const ed_effect *e)
{
    if (e == NULL)
        return NULL;
    const ed_effect_list *list = list_of(e);
    if (list->loaded)
        return list->extras[e->extra - 1].text;
    const ed_effect_strings *s = strings_of(list);
    return s ? chars_of(s) + s->off[2 * (size_t)e->pos + 1] : NULL;
}

bool ed_effect_has(const ed_effect *e, ed_field field)
{
    if (e == NULL || field < ED_FIELD_FIRST || field > ED_FIELD_LAST)
        return false;
    return (e->fields & (1u << field)) != 0;
}

unsigned ed_effect_fields(const ed_effect *e)
{
    return e == NULL ? 0u : (unsigned)e->fields;
}

const char *ed_effect_string(const ed_effect *e, ed_field field)
{
    if (!ed_effect_has(e, field))
        return NULL;
    const ed_effect_extra *x = ed__effect_extra(e);
    switch (field) {
    case ED_FIELD_FROM:
        return e->from ? words[e->from] : x ? x->from : NULL;
    case ED_FIELD_TO:
        return e->to ? words[e->to] : x ? x->to : NULL;
    case ED_FIELD_REFUND:
        return x ? x->refund : NULL;
    case ED_FIELD_TIMER:
        return x ? x->timer : NULL;
    default:
        return NULL;
    }
}

bool ed_effect_time(const ed_effect *e, ed_field field, ed_time *out)
{
    if (!ed_effect_has(e, field) || out == NULL)
        return false;
    const ed_effect_extra *x = ed__effect_extra(e);
    if (x == NULL)
        return false;
    switch (field) {
    case ED_FIELD_AT:
        *out = x->at;
        return true;
    case ED_FIELD_EXPIRES_AT:
        *out = x->expires_at;
        return true;
    case ED_FIELD_UNUSED_FROM:
        *out = x->unused_from;
        return true;
    case ED_FIELD_UNUSED_UNTIL:
        *out = x->unused_until;
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
        const ed_effect_extra *x = ed__effect_extra(e);
        if (x == NULL)
            return false;
        *out = x->period_months;
        return true;
    }
    if (field == ED_FIELD_ONLINE) {
        *out = e->online ? 1 : 0;
        return true;
    }
    return false;
}

/* ---- copying effects out in bulk ------------------------------------------ */

/* The record of 0.4.0: the smallest `size` ed_effect_list_read accepts. */
#define RECORD_0_4_SIZE sizeof(ed_effect_record)

static void record_of(const ed_effect *e, const ed_effect_list *list,
                      const ed_effect_strings *s, ed_effect_record *r)
{
    const ed_effect_extra *x = e->extra ? &list->extras[e->extra - 1] : NULL;
    ed_subject_kind subject = ED_SUBJECT_INSTANCE;
    unsigned flags = 0;
    (void)ed__effect_kind_info((ed_effect_kind)e->kind, &subject, &flags);
    memset(r, 0, sizeof *r);
    r->kind = (ed_effect_kind)e->kind;
    r->subject_kind = subject;
    r->flags = flags;
    r->fields = e->fields;
    r->revision = revision_of(e, list);
    r->subject = e->subject;
    if (list->loaded) {
        if (x == NULL) /* every effect of a loaded list has its extra */
            return;
        r->index = x->index;
        r->key = x->key;
        r->text = x->text;
        r->instance_id = x->instance;
    } else {
        r->index = e->index;
        r->key = chars_of(s) + s->off[2 * (size_t)e->pos];
        r->text = chars_of(s) + s->off[2 * (size_t)e->pos + 1];
        r->instance_id = list->id;
    }
    unsigned f = e->fields;
    /* the words of from and to are decoded where the getter decodes them */
    r->from = ed_effect_string(e, ED_FIELD_FROM);
    r->to = ed_effect_string(e, ED_FIELD_TO);
    if (f & (1u << ED_FIELD_ONLINE))
        r->online = e->online != 0;
    if (x == NULL)
        return;
    if (f & (1u << ED_FIELD_AT))
        r->at = x->at;
    if (f & (1u << ED_FIELD_PERIOD_MONTHS))
        r->period_months = x->period_months;
    if (f & (1u << ED_FIELD_EXPIRES_AT))
        r->expires_at = x->expires_at;
    r->refund = ed_effect_string(e, ED_FIELD_REFUND);
    if (f & (1u << ED_FIELD_UNUSED_FROM))
        r->unused_from = x->unused_from;
    if (f & (1u << ED_FIELD_UNUSED_UNTIL))
        r->unused_until = x->unused_until;
    r->timer = ed_effect_string(e, ED_FIELD_TIMER);
}

ed_status ed_effect_list_read(const ed_effect_list *list, size_t first, size_t count,
                              ed_effect_record *out)
{
    if (list == NULL || out == NULL || out[0].size < RECORD_0_4_SIZE || first > list->count ||
        count > list->count - first)
        return ED_INVALID_ARGUMENT;
    size_t size = out[0].size;
    const ed_effect_strings *s = NULL;
    if (count > 0 && !list->loaded && (s = strings_of(list)) == NULL)
        return ED_NO_MEMORY;
    char *dst = (char *)out;
    for (size_t i = 0; i < count; i++, dst += size) {
        ed_effect_record r;
        record_of(&list->items[first + i], list, s, &r);
        r.size = size;
        memcpy(dst, &r, sizeof r);
        if (size > sizeof r)
            memset(dst + sizeof r, 0, size - sizeof r);
    }
    return ED_OK;
}

/* ---- setting fields -------------------------------------------------------- */

bool ed__effect_set_string(ed_effect *e, ed_field field, const char *value)
{
    ed_effect_extra *x = ed__effect_extra(e);
    uint8_t code = 0;
    switch (field) {
    case ED_FIELD_FROM:
    case ED_FIELD_TO:
        /* a loaded list keeps its words as written, in the extra */
        code = value && !list_of(e)->loaded ? word_code(value) : 0;
        if (code == 0 && x == NULL)
            return false;
        if (field == ED_FIELD_FROM) {
            e->from = code;
            if (x)
                x->from = value;
        } else {
            e->to = code;
            if (x)
                x->to = value;
        }
        break;
    case ED_FIELD_REFUND:
    case ED_FIELD_TIMER:
        if (x == NULL)
            return false;
        *(field == ED_FIELD_REFUND ? &x->refund : &x->timer) = value;
        break;
    default:
        return false;
    }
    e->fields = (uint16_t)(e->fields | 1u << field);
    return true;
}

bool ed__effect_set_time(ed_effect *e, ed_field field, ed_time value)
{
    ed_effect_extra *x = ed__effect_extra(e);
    if (x == NULL)
        return false;
    switch (field) {
    case ED_FIELD_AT:
        x->at = value;
        break;
    case ED_FIELD_EXPIRES_AT:
        x->expires_at = value;
        break;
    case ED_FIELD_UNUSED_FROM:
        x->unused_from = value;
        break;
    case ED_FIELD_UNUSED_UNTIL:
        x->unused_until = value;
        break;
    default:
        return false;
    }
    e->fields = (uint16_t)(e->fields | 1u << field);
    return true;
}

bool ed__effect_set_int(ed_effect *e, ed_field field, int64_t value)
{
    if (field == ED_FIELD_PERIOD_MONTHS) {
        ed_effect_extra *x = ed__effect_extra(e);
        if (x == NULL)
            return false;
        x->period_months = value;
    } else if (field == ED_FIELD_ONLINE) {
        e->online = value != 0;
    } else {
        return false;
    }
    e->fields = (uint16_t)(e->fields | 1u << field);
    return true;
}
