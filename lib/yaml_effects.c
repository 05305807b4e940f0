/* Reading an effects document (the output of ed_effects_dump_yaml) back into
 * an owned effect list, as strictly as the state file is read.
 *
 * The fields an effect carries are read by their ed_field name and typed by
 * ed_field_type_of, never per kind: a kind that gains a field needs no
 * change here. Keys, subjects, texts and string fields are kept as written,
 * so that dumping a loaded list gives the bytes it was loaded from. */
#include "yaml_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define EFFECTS_KEY "effects"

/* The keys every effect has, besides its fields. */
enum { EK_KEY, EK_KIND, EK_SUBJECT, EK_FLAGS, EK_TEXT, EK_COUNT };
static const char *const effect_keys[EK_COUNT] = {
    [EK_KEY] = "key", [EK_KIND] = "kind", [EK_SUBJECT] = "subject",
    [EK_FLAGS] = "flags", [EK_TEXT] = "text",
};

/* Offsets into the list's arena of the strings of one effect, kept apart
 * until the arena stops growing and pointers can be taken. */
typedef struct text_offs {
    size_t field[ED_FIELD_LAST + 1];
    size_t key, subject, text, instance;
} text_offs;

typedef struct loader {
    ed_yreader *r;
    ed_effect_list *list;
    text_offs *offs; /* one per effect */
    size_t offs_cap;
} loader;

static ed_status no_memory(loader *l)
{
    return ed__error_set(l->r->err, ED_NO_MEMORY, 0, 0, "out of memory");
}

/* The cleared text offsets of the effect about to be added (the list's
 * next one), growing the table when full; NULL when out of memory. */
static text_offs *next_offs(loader *l)
{
    if (l->offs == NULL || l->list->count >= l->offs_cap) {
        size_t cap;
        if (!ed__size_mul(l->offs_cap < 4 ? 4 : l->offs_cap, 2, &cap))
            return NULL;
        text_offs *grown = ed__realloc_array(l->offs, cap, sizeof *grown);
        if (grown == NULL)
            return NULL;
        l->offs = grown;
        l->offs_cap = cap;
    }
    text_offs *offs = &l->offs[l->list->count];
    memset(offs, 0, sizeof *offs);
    return offs;
}

/* Copies a string the reader holds into the arena (the reader has refused
 * any NUL inside it, so it reads back whole). */
static ed_status put_text(loader *l, const char *s, size_t len, size_t *off)
{
    *off = ed__effects_put_text(l->list, s, len);
    return *off == SIZE_MAX ? no_memory(l) : ED_OK;
}

/* Decimal digits without a leading zero; false on anything else. */
static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || (len > 1 && s[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* The last '/' in s[0, len), or NULL. */
static const char *last_slash(const char *s, size_t len)
{
    while (len > 0)
        if (s[--len] == '/')
            return s + len;
    return NULL;
}

/* key: "<instance id>/<revision>/<index>", written the way the library
 * writes it, so that the key read is the key the list would make. The
 * instance ID is kept apart too, for ed_effect_instance_id. */
static ed_status read_key(loader *l, ed_ypath path, ed_effect *e, size_t *id_len,
                          text_offs *offs)
{
    const char *s = NULL;
    size_t len = 0;
    ed_status st = ed__yr_string(l->r, path, &s, &len);
    if (st != ED_OK)
        return st;
    const char *last = last_slash(s, len);
    const char *mid = last ? last_slash(s, (size_t)(last - s)) : NULL;
    uint64_t rev = 0, index = 0;
    if (mid == NULL || ed__check_instance_id(s, (size_t)(mid - s)) != ED_OK ||
        !parse_u64(mid + 1, (size_t)(last - mid - 1), &rev) ||
        !parse_u64(last + 1, len - (size_t)(last - s) - 1, &index) || index > SIZE_MAX)
        return ed__yr_fail_path(l->r, ED_SCHEMA_ERROR, l->r->ev.start_mark, path,
                               "`%s` is not <instance id>/<revision>/<index>",
                               ED_SHOWN(s, len, ED_SHOW_VALUE));
    ed_effect_extra *x = ed__effect_extra(e);
    x->revision = rev;
    x->index = (size_t)index;
    *id_len = (size_t)(mid - s);
    st = put_text(l, s, len, &offs->key);
    if (st == ED_OK)
        st = put_text(l, s, *id_len, &offs->instance);
    return st;
}

/* kind: a dotted kind name, which also gives the subject kind and flags. */
static ed_status read_kind(loader *l, ed_ypath path, ed_effect *e)
{
    const char *s = NULL;
    size_t len = 0;
    ed_status st = ed__yr_word(l->r, path, "an effect kind", &s, &len);
    if (st != ED_OK)
        return st;
    char name[64] = "";
    if (len < sizeof name)
        memcpy(name, s, len);
    ed_effect_kind kind;
    ed_subject_kind subject_kind;
    unsigned flags;
    /* a quoted scalar may hold a NUL, which would cut the name short */
    if (len >= sizeof name || memchr(s, '\0', len) != NULL ||
        ed_effect_kind_from_name(name, &kind) != ED_OK ||
        !ed__effect_kind_info(kind, &subject_kind, &flags))
        return ed__yr_fail_path(l->r, ED_SCHEMA_ERROR, l->r->ev.start_mark, path,
                               "unknown effect kind `%s`", ED_SHOWN(s, len, ED_SHOW_VALUE));
    e->kind = (uint8_t)kind;
    return ED_OK;
}

/* subject: {<subject kind>: <name>}, one entry. The kind is checked
 * against the effect kind once both are known. */
static ed_status read_subject(loader *l, ed_ypath path, ed_subject_kind *kind,
                              yaml_mark_t *mark, const char **name_s, size_t *name_len)
{
    ed_status st = ed__yr_mapping(l->r, path);
    if (st != ED_OK)
        return st;
    yaml_mark_t start = l->r->ev.start_mark;
    const char *k = NULL;
    size_t klen = 0;
    if ((st = ed__yr_key(l->r, path, &k, &klen)) != ED_OK)
        return st;
    if (k == NULL)
        return ed__yr_fail_path(l->r, ED_SCHEMA_ERROR, start, path,
                               "expected one of instance, topic or group");
    char word[16] = "";
    if (klen < sizeof word)
        memcpy(word, k, klen);
    if (klen >= sizeof word || memchr(k, '\0', klen) != NULL ||
        ed_subject_kind_from_name(word, kind) != ED_OK)
        return ed__yr_fail_path(l->r, ED_SCHEMA_ERROR, l->r->ev.start_mark, path,
                               "unknown subject kind `%s` (instance, topic or group)",
                               ED_SHOWN(k, klen, ED_SHOW_VALUE));
    char where[96];
    (void)snprintf(where, sizeof where, "%s.%s", path.ctx, path.key);
    ed_ypath value_path = {where, ed_subject_kind_name(*kind), SIZE_MAX};
    if ((st = ed__yr_string(l->r, value_path, name_s, name_len)) != ED_OK)
        return st;
    *mark = l->r->ev.start_mark;
    ed_status valid = *kind == ED_SUBJECT_TOPIC   ? ed__check_topic_name(*name_s, *name_len)
                      : *kind == ED_SUBJECT_GROUP ? ed__check_group_name(*name_s, *name_len)
                                                  : ed__check_instance_id(*name_s, *name_len);
    if (valid != ED_OK)
        return ed__yr_fail_path(l->r, ED_SCHEMA_ERROR, *mark, value_path,
                               "`%s` is not a valid %s name", ED_SHOWN(*name_s, *name_len,
                               ED_SHOW_VALUE), ed_subject_kind_name(*kind));
    /* the name is borrowed from the current event: keep it in the arena
     * before reading on (done by the caller through put_text) */
    return ED_OK;
}

/* flags: a sequence of flag names, each at most once. */
static ed_status read_flags(loader *l, const char *ctx, unsigned *flags)
{
    ed_ypath path = {ctx, effect_keys[EK_FLAGS], SIZE_MAX};
    ed_status st = ed__yr_sequence(l->r, path);
    if (st != ED_OK)
        return st;
    *flags = 0;
    for (size_t i = 0;; i++) {
        bool more = false;
        if ((st = ed__yr_item(l->r, &more)) != ED_OK)
            return st;
        if (!more)
            return ED_OK;
        ed_ypath item = {ctx, effect_keys[EK_FLAGS], i};
        if (l->r->ev.type != YAML_SCALAR_EVENT)
            return ed__yr_wrong_type(l->r, item, "a flag name");
        const char *s = (const char *)l->r->ev.data.scalar.value;
        size_t len = l->r->ev.data.scalar.length;
        yaml_scalar_style_t style = l->r->ev.data.scalar.style;
        if (style != YAML_PLAIN_SCALAR_STYLE && style != YAML_SINGLE_QUOTED_SCALAR_STYLE &&
            style != YAML_DOUBLE_QUOTED_SCALAR_STYLE)
            return ed__yr_fail_path(l->r, ED_SCHEMA_ERROR, l->r->ev.start_mark, item,
                                   "expected a flag name as a plain or quoted scalar, got a "
                                   "block scalar");
        char word[16] = "";
        if (len < sizeof word)
            memcpy(word, s, len);
        ed_effect_flag flag;
        if (len >= sizeof word || memchr(s, '\0', len) != NULL ||
            ed_effect_flag_from_name(word, &flag) != ED_OK)
            return ed__yr_fail_path(l->r, ED_SCHEMA_ERROR, l->r->ev.start_mark, item,
                                   "unknown flag `%s`", ED_SHOWN(s, len, ED_SHOW_VALUE));
        if (*flags & (unsigned)flag)
            return ed__yr_fail_path(l->r, ED_SCHEMA_ERROR, l->r->ev.start_mark, item,
                                   "flag `%s` given twice", word);
        *flags |= (unsigned)flag;
    }
}

/* One field, typed by ed_field_type_of. */
static ed_status read_field(loader *l, const char *ctx, ed_field field, ed_effect *e,
                            text_offs *offs)
{
    ed_ypath path = {ctx, ed_field_name(field), SIZE_MAX};
    ed_status st = ED_OK;
    switch (ed_field_type_of(field)) {
    case ED_FIELD_TYPE_STRING: {
        const char *s = NULL;
        size_t len = 0;
        if ((st = ed__yr_string(l->r, path, &s, &len)) != ED_OK)
            return st;
        if ((st = put_text(l, s, len, &offs->field[field])) != ED_OK)
            return st;
        (void)ed__effect_set_string(e, field, NULL); /* pointer set at the end */
        return ED_OK;
    }
    case ED_FIELD_TYPE_TIME: {
        ed_time t = 0;
        if ((st = ed__yr_time(l->r, path, &t)) != ED_OK)
            return st;
        (void)ed__effect_set_time(e, field, t);
        return ED_OK;
    }
    case ED_FIELD_TYPE_INT: {
        int64_t v = 0;
        if ((st = ed__yr_int(l->r, path, &v)) != ED_OK)
            return st;
        (void)ed__effect_set_int(e, field, v);
        return ED_OK;
    }
    case ED_FIELD_TYPE_BOOL: {
        bool b = false;
        if ((st = ed__yr_bool(l->r, path, &b)) != ED_OK)
            return st;
        (void)ed__effect_set_int(e, field, b ? 1 : 0);
        return ED_OK;
    }
    }
    return ED_OK;
}

/* Which key of an effect mapping `k` is: one of effect_keys (its index),
 * a field (EK_COUNT + field), or -1. */
static int effect_key(const char *k, size_t len)
{
    for (int i = 0; i < EK_COUNT; i++)
        if (strlen(effect_keys[i]) == len && memcmp(effect_keys[i], k, len) == 0)
            return i;
    char word[32] = "";
    /* a quoted key may hold a NUL, which would cut the name short */
    if (len >= sizeof word || memchr(k, '\0', len) != NULL)
        return -1;
    memcpy(word, k, len);
    ed_field field;
    if (ed_field_from_name(word, &field) != ED_OK)
        return -1;
    return EK_COUNT + (int)field;
}

static ed_status read_effect(loader *l, size_t index)
{
    char ctx[48];
    (void)snprintf(ctx, sizeof ctx, EFFECTS_KEY "[%zu]", index);
    ed_ypath here = {ctx, NULL, SIZE_MAX};
    ed_yreader *r = l->r;
    if (r->ev.type != YAML_MAPPING_START_EVENT)
        return ed__yr_wrong_type(r, (ed_ypath){EFFECTS_KEY, NULL, index}, "a mapping (an effect)");
    yaml_mark_t start = r->ev.start_mark;
    text_offs *offs = next_offs(l);
    ed_effect *e = offs ? ed__effects_push(l->list) : NULL;
    if (e == NULL)
        return no_memory(l);
    /* counted now, so that a failure below frees what it holds */
    l->list->count++;

    ed_status st;
    unsigned seen = 0, flags = 0;
    size_t id_len = 0, subject_len = 0;
    ed_subject_kind subject_kind = ED_SUBJECT_INSTANCE;
    yaml_mark_t subject_mark = start, flags_mark = start;
    for (;;) {
        const char *k = NULL;
        size_t klen = 0;
        if ((st = ed__yr_key(r, here, &k, &klen)) != ED_OK)
            return st;
        if (k == NULL)
            break;
        int key = effect_key(k, klen);
        if (key < 0)
            return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, here,
                                   "unknown key `%s`", ED_SHOWN(k, klen, ED_SHOW_VALUE));
        if (seen & (1u << key))
            return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, here,
                                   "duplicate key `%s`", ED_SHOWN(k, klen, ED_SHOW_VALUE));
        seen |= 1u << key;
        yaml_mark_t key_mark = r->ev.start_mark;
        ed_ypath path = {ctx, key < EK_COUNT ? effect_keys[key] : NULL, SIZE_MAX};
        switch (key) {
        case EK_KEY:
            st = read_key(l, path, e, &id_len, offs);
            break;
        case EK_KIND:
            st = read_kind(l, path, e);
            break;
        case EK_SUBJECT: {
            const char *name = NULL;
            st = read_subject(l, path, &subject_kind, &subject_mark, &name, &subject_len);
            if (st == ED_OK)
                st = put_text(l, name, subject_len, &offs->subject);
            if (st == ED_OK) {
                const char *end = NULL;
                size_t end_len = 0;
                st = ed__yr_key(r, path, &end, &end_len);
                if (st == ED_OK && end != NULL)
                    st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                                         "a subject has exactly one entry");
            }
            break;
        }
        case EK_FLAGS:
            flags_mark = key_mark;
            st = read_flags(l, ctx, &flags);
            break;
        case EK_TEXT: {
            const char *s = NULL;
            size_t len = 0;
            st = ed__yr_string(r, path, &s, &len);
            if (st == ED_OK)
                st = put_text(l, s, len, &offs->text);
            break;
        }
        default:
            st = read_field(l, ctx, (ed_field)(key - EK_COUNT), e, offs);
            break;
        }
        if (st != ED_OK)
            return st;
    }
    for (int i = 0; i < EK_COUNT; i++)
        if (!(seen & (1u << i)))
            return ed__yr_fail_path(r, ED_SCHEMA_ERROR, start, here, "missing key `%s`",
                                   effect_keys[i]);
    /* the rest follows from the kind: it names the subject and the flags */
    const char *kind = ed_effect_kind_name(ed_effect_kind_of(e));
    ed_subject_kind want_subject = ed_effect_subject_kind(e);
    if (subject_kind != want_subject)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, subject_mark,
                               (ed_ypath){ctx, effect_keys[EK_SUBJECT], SIZE_MAX},
                               "a %s effect is about %s %s, not a %s", kind,
                               want_subject == ED_SUBJECT_INSTANCE ? "the" : "a",
                               ed_subject_kind_name(want_subject),
                               ed_subject_kind_name(subject_kind));
    if (flags != ed_effect_flags(e))
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, flags_mark,
                               (ed_ypath){ctx, effect_keys[EK_FLAGS], SIZE_MAX},
                               "the flags do not match those of kind %s", kind);
    const char *arena = l->list->text;
    if (subject_kind == ED_SUBJECT_INSTANCE &&
        (subject_len != id_len || memcmp(arena + offs->subject, arena + offs->key, id_len) != 0))
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, subject_mark,
                               (ed_ypath){ctx, effect_keys[EK_SUBJECT], SIZE_MAX},
                               "the instance is not the one the key names");
    return ED_OK;
}

/* The arena is complete: turn offsets into pointers. */
static void fix_pointers(loader *l)
{
    ed_effect_list *list = l->list;
    if (l->offs == NULL)
        return; /* an empty list */
    for (size_t i = 0; i < list->count; i++) {
        ed_effect *e = &list->items[i];
        ed_effect_extra *x = ed__effect_extra(e);
        x->key = list->text + l->offs[i].key;
        x->instance = list->text + l->offs[i].instance;
        e->subject = list->text + l->offs[i].subject;
        x->text = list->text + l->offs[i].text;
        for (int f = ED_FIELD_FIRST; f <= ED_FIELD_LAST; f++) {
            ed_field field = (ed_field)f;
            if ((e->fields & (1u << field)) && ed_field_type_of(field) == ED_FIELD_TYPE_STRING)
                (void)ed__effect_set_string(e, field, list->text + l->offs[i].field[field]);
        }
    }
}

static ed_status read_effects(loader *l)
{
    ed_ypath path = {EFFECTS_KEY, NULL, SIZE_MAX};
    ed_status st = ed__yr_sequence(l->r, path);
    for (size_t i = 0; st == ED_OK; i++) {
        bool more = false;
        if ((st = ed__yr_item(l->r, &more)) != ED_OK || !more)
            break;
        st = read_effect(l, i);
    }
    return st;
}

ed_status ed_effects_load_yaml(ed_effect_list **out, const char *data, size_t len,
                               const ed_options *opts, ed_error **err)
{
    if (!out || (!data && len))
        return ed__error_set(err, ED_INVALID_ARGUMENT, 0, 0,
                            "ed_effects_load_yaml: out and data must not be NULL");
    ed_effect_list *list = ed__calloc(1, sizeof *list);
    if (list == NULL)
        return ed__error_set(err, ED_NO_MEMORY, 0, 0, "out of memory");
    ed_yreader r;
    ed_status st = ed__yr_open(&r, data, len, opts, err);
    if (st != ED_OK) {
        ed__free(list);
        return st;
    }
    loader l = {&r, list, NULL, 0};
    yaml_mark_t start = {0, 0, 0};
    bool have_effects = false;
    st = ed__yr_root(&r, &start);
    ed_ypath root = {NULL, NULL, SIZE_MAX};
    while (st == ED_OK) {
        const char *k = NULL;
        size_t klen = 0;
        if ((st = ed__yr_key(&r, root, &k, &klen)) != ED_OK || !k)
            break;
        /* `libedition` after `effects`, as writers that sort keys put it */
        if (ed__yr_root_version_key(&r, k, klen, &st))
            continue;
        bool is_effects = klen == strlen(EFFECTS_KEY) && memcmp(k, EFFECTS_KEY, klen) == 0;
        bool is_version = klen == strlen(ED_YAML_KEY_VERSION) &&
                          memcmp(k, ED_YAML_KEY_VERSION, klen) == 0;
        if (!is_effects || have_effects)
            st = ed__yr_fail_path(&r, ED_SCHEMA_ERROR, r.ev.start_mark, root, "%s key `%s`",
                                 is_effects || is_version ? "duplicate" : "unknown",
                                 ED_SHOWN(k, klen, ED_SHOW_VALUE));
        else {
            have_effects = true;
            st = read_effects(&l);
        }
    }
    if (st == ED_OK && !have_effects)
        st = ed__yr_fail_path(&r, ED_SCHEMA_ERROR, start, root, "missing key `" EFFECTS_KEY "`");
    if (st == ED_OK)
        st = ed__yr_finish(&r);
    ed__yr_close(&r);
    if (st == ED_OK)
        fix_pointers(&l);
    ed__free(l.offs);
    if (st != ED_OK) {
        ed_effects_free(list);
        return st;
    }
    *out = list;
    return ED_OK;
}
