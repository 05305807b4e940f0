/* Ordered name sets for topics and groups, and the naming rules (X1).
 *
 * A table is one character arena plus one offset per name plus a hash
 * index, so that copying a table for an addition is three memcpy calls and
 * a table is shared, unchanged, by every snapshot that does not touch it. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const char *s, size_t len)
{
    /* FNV-1a, 64 bits */
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3u;
    }
    return h;
}

ed_names *ed__names_new(size_t capacity_hint)
{
    ed_names *n = ed__calloc(1, sizeof *n);
    if (n == NULL)
        return NULL;
    atomic_init(&n->refs, 1);
    if (capacity_hint > ED_MAX_NAMES)
        capacity_hint = ED_MAX_NAMES;
    size_t cap = capacity_hint < 8 ? 8 : capacity_hint;
    size_t slots = 16;
    while (slots < cap * 2)
        slots *= 2;
    n->off = ed__alloc(cap * sizeof *n->off);
    n->chars = ed__alloc(cap * 16);
    n->slots = ed__calloc(slots, sizeof *n->slots);
    if (n->off == NULL || n->chars == NULL || n->slots == NULL) {
        free(n->off);
        free(n->chars);
        free(n->slots);
        free(n);
        return NULL;
    }
    n->off_cap = cap;
    n->chars_cap = cap * 16;
    n->slot_cap = slots;
    return n;
}

ed_names *ed__names_ref(ed_names *n)
{
    if (n != NULL)
        atomic_fetch_add_explicit(&n->refs, 1, memory_order_relaxed);
    return n;
}

void ed__names_unref(ed_names *n)
{
    if (n == NULL)
        return;
    if (atomic_fetch_sub_explicit(&n->refs, 1, memory_order_acq_rel) != 1)
        return;
    free(n->off);
    free(n->chars);
    free(n->slots);
    free(n);
}

const char *ed__names_at(const ed_names *n, size_t i)
{
    return i < n->count ? n->chars + n->off[i] : NULL;
}

/* The slot where `name` is, or the empty slot where it would go. */
static size_t probe(const ed_names *n, const char *name, size_t len)
{
    size_t mask = n->slot_cap - 1;
    size_t s = (size_t)hash_bytes(name, len) & mask;
    for (;;) {
        uint32_t v = n->slots[s];
        if (v == 0)
            return s;
        const char *have = n->chars + n->off[v - 1];
        if (strncmp(have, name, len) == 0 && have[len] == '\0')
            return s;
        s = (s + 1) & mask;
    }
}

size_t ed__names_find(const ed_names *n, const char *name, size_t len)
{
    uint32_t v = n->slots[probe(n, name, len)];
    return v == 0 ? SIZE_MAX : (size_t)v - 1;
}

static ed_status rehash(ed_names *n, size_t slot_cap)
{
    uint32_t *slots = ed__calloc(slot_cap, sizeof *slots);
    if (slots == NULL)
        return ED_NO_MEMORY;
    free(n->slots);
    n->slots = slots;
    n->slot_cap = slot_cap;
    for (size_t i = 0; i < n->count; i++) {
        const char *s = n->chars + n->off[i];
        n->slots[probe(n, s, strlen(s))] = (uint32_t)(i + 1);
    }
    return ED_OK;
}

/* Grows *p (of *cap elements of `size` bytes) to hold at least `need`. */
static ed_status grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return ED_OK;
    size_t c = *cap * 2 > need ? *cap * 2 : need;
    void *q = ed__realloc(*p, c * size);
    if (q == NULL)
        return ED_NO_MEMORY;
    *p = q;
    *cap = c;
    return ED_OK;
}

ed_status ed__names_push(ed_names *n, const char *name, size_t len)
{
    if (n->count >= ED_MAX_NAMES)
        return ED_LIMIT_EXCEEDED;
    size_t slot = probe(n, name, len);
    if (n->slots[slot] != 0)
        return ED_EXISTS;
    void *off = n->off, *chars = n->chars;
    if (grow(&off, &n->off_cap, n->count + 1, sizeof *n->off) != ED_OK)
        return ED_NO_MEMORY;
    n->off = off;
    if (grow(&chars, &n->chars_cap, n->chars_len + len + 1, 1) != ED_OK)
        return ED_NO_MEMORY;
    n->chars = chars;
    /* keep the load factor at or below one half */
    if ((n->count + 1) * 2 > n->slot_cap) {
        if (rehash(n, n->slot_cap * 2) != ED_OK)
            return ED_NO_MEMORY;
        slot = probe(n, name, len);
    }
    memcpy(n->chars + n->chars_len, name, len);
    n->chars[n->chars_len + len] = '\0';
    n->off[n->count] = n->chars_len;
    n->chars_len += len + 1;
    n->slots[slot] = (uint32_t)(n->count + 1);
    n->count++;
    return ED_OK;
}

/* A private copy of n with room for `extra` more names. */
static ed_names *copy(const ed_names *n, size_t extra_names, size_t extra_chars)
{
    ed_names *c = ed__calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    atomic_init(&c->refs, 1);
    c->count = n->count;
    c->off_cap = n->count + extra_names;
    c->chars_len = n->chars_len;
    c->chars_cap = n->chars_len + extra_chars;
    c->slot_cap = n->slot_cap;
    while ((c->off_cap) * 2 > c->slot_cap)
        c->slot_cap *= 2;
    c->off = ed__alloc(c->off_cap * sizeof *c->off);
    c->chars = ed__alloc(c->chars_cap);
    c->slots = ed__alloc(c->slot_cap * sizeof *c->slots);
    if (c->off == NULL || c->chars == NULL || c->slots == NULL) {
        ed__names_unref(c);
        return NULL;
    }
    memcpy(c->off, n->off, n->count * sizeof *n->off);
    memcpy(c->chars, n->chars, n->chars_len);
    if (c->slot_cap == n->slot_cap) {
        memcpy(c->slots, n->slots, n->slot_cap * sizeof *n->slots);
    } else {
        free(c->slots);
        c->slots = NULL;
        if (rehash(c, c->slot_cap) != ED_OK) {
            ed__names_unref(c);
            return NULL;
        }
    }
    return c;
}

ed_names *ed__names_with(const ed_names *n, const char *name)
{
    size_t len = strlen(name);
    ed_names *c = copy(n, 1, len + 1);
    if (c == NULL)
        return NULL;
    if (ed__names_push(c, name, len) != ED_OK) {
        ed__names_unref(c);
        return NULL;
    }
    return c;
}

ed_names *ed__names_without(const ed_names *n, size_t index)
{
    ed_names *c = ed__names_new(n->count);
    if (c == NULL)
        return NULL;
    for (size_t i = 0; i < n->count; i++) {
        if (i == index)
            continue;
        const char *s = ed__names_at(n, i);
        if (ed__names_push(c, s, strlen(s)) != ED_OK) {
            ed__names_unref(c);
            return NULL;
        }
    }
    return c;
}

bool ed__names_equal(const ed_names *a, const ed_names *b)
{
    if (a == b)
        return true;
    if (a->count != b->count || a->chars_len != b->chars_len)
        return false;
    if (memcmp(a->chars, b->chars, a->chars_len) != 0)
        return false;
    return true;
}

bool ed__is_token(const char *s, size_t len, size_t min, size_t max)
{
    if (s == NULL || len < min || len > max)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] <= ' ' || s[i] > '~')
            return false;
    }
    return true;
}

static bool is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

static ed_status check_name(const char *s, size_t len, size_t min)
{
    if (s == NULL || len < min || len > ED_NAME_MAX)
        return ED_INVALID_NAME;
    for (size_t i = 0; i < len; i++) {
        if (!is_name_char(s[i]))
            return ED_INVALID_NAME;
    }
    return ED_OK;
}

ed_status ed__check_topic_name(const char *s, size_t len)
{
    return check_name(s, len, ED_TOPIC_MIN);
}

ed_status ed__check_group_name(const char *s, size_t len)
{
    return check_name(s, len, ED_GROUP_MIN);
}

ed_status ed__check_instance_id(const char *s, size_t len)
{
    return ed__is_token(s, len, 1, ED_ID_MAX) ? ED_OK : ED_INVALID_NAME;
}
