/* Ordered name sets for topics and groups, and the naming rules (X1).
 *
 * A table is one character arena plus one offset per name plus a hash
 * index, so that copying a table for an addition is three memcpy calls and
 * a table is shared, unchanged, by every snapshot that does not touch it. */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>
#include <time.h>

/* ---- the hash index ----------------------------------------------------
 *
 * Names come from files a host may not control, so the index must not let
 * input choose its collisions: with a fixed hash (FNV-1a before 0.2.0),
 * names crafted to share the low hash bits pile into one probe chain and
 * loading n of them costs n^2/2 string comparisons. The hash is therefore
 * SipHash-1-3 under a key drawn once per process, as Python and Rust do
 * for their dictionaries: without the key, colliding names cannot be
 * computed in advance. Nothing depends on the key but the index itself:
 * names keep their insertion order in `off`, and equality, dumps and
 * iteration read that order, never the slots, so every result stays
 * deterministic.
 *
 * Drawing the key is the library's one contact with the system: a single
 * getrandom(2) call with GRND_NONBLOCK, once per process. When it cannot
 * deliver (an old kernel, early boot), the key mixes the addresses that
 * address-space randomization moved and the monotonic clock: weaker, but
 * still unknown to whoever wrote the input. A bounded-worst-case structure
 * (a balanced tree, a crit-bit tree) would avoid the randomness but cost a
 * pointer chase per name byte or level on every lookup, where the keyed
 * hash keeps lookups constant-time. */

static uint64_t hash_key[2];
static pthread_once_t hash_key_once = PTHREAD_ONCE_INIT;

static uint64_t mix64(uint64_t x)
{
    /* splitmix64's finalizer: spreads weak entropy over all the bits */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9u;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebu;
    x ^= x >> 31;
    return x;
}

static void draw_hash_key(void)
{
    uint64_t key[2] = {0, 0};
    ssize_t got = getrandom(key, sizeof key, GRND_NONBLOCK);
    if (got != (ssize_t)sizeof key) {
        struct timespec ts = {0, 0};
        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        int local = 0;
        uint64_t a = (uint64_t)(uintptr_t)&hash_key;
        uint64_t b = (uint64_t)(uintptr_t)&local;
        uint64_t c = (uint64_t)(uintptr_t)&getrandom;
        uint64_t t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        key[0] ^= mix64(a ^ mix64(t));
        key[1] ^= mix64(b ^ mix64(c + t));
    }
    hash_key[0] = key[0];
    hash_key[1] = key[1];
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = ROTL(v[1], 13);
    v[1] ^= v[0];
    v[0] = ROTL(v[0], 32);
    v[2] += v[3];
    v[3] = ROTL(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = ROTL(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = ROTL(v[1], 17);
    v[1] ^= v[2];
    v[2] = ROTL(v[2], 32);
}

/* Eight bytes as a little-endian number, whatever the machine's order. */
static uint64_t read_le64(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, sizeof x);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
}

/* SipHash-1-3: one compression round per 8-byte block, three to finish. */
static uint64_t siphash13(const uint64_t key[2], const char *s, size_t len)
{
    uint64_t v[4] = {key[0] ^ 0x736f6d6570736575u, key[1] ^ 0x646f72616e646f6du,
                     key[0] ^ 0x6c7967656e657261u, key[1] ^ 0x7465646279746573u};
    const unsigned char *p = (const unsigned char *)s;
    size_t blocks = len / 8;
    for (size_t i = 0; i < blocks; i++, p += 8) {
        uint64_t m = read_le64(p);
        v[3] ^= m;
        sip_round(v);
        v[0] ^= m;
    }
    unsigned char tail[8] = {0};
    memcpy(tail, p, len & 7);
    uint64_t last = read_le64(tail) | (uint64_t)(len & 0xff) << 56;
    v[3] ^= last;
    sip_round(v);
    v[0] ^= last;
    v[2] ^= 0xff;
    sip_round(v);
    sip_round(v);
    sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint64_t hash_bytes(const char *s, size_t len)
{
    (void)pthread_once(&hash_key_once, draw_hash_key);
    return siphash13(hash_key, s, len);
}

/* Slot count for `names` entries at a load factor of at most one half:
 * a power of two, at least 16; false when it cannot be represented. */
static bool slots_for(size_t names, size_t *out)
{
    size_t need;
    if (!ed__size_mul(names, 2, &need))
        return false;
    size_t slots = 16;
    while (slots < need) {
        if (slots > SIZE_MAX / 2)
            return false;
        slots *= 2;
    }
    *out = slots;
    return true;
}

ed_names *ed__names_new(size_t capacity_hint)
{
    if (capacity_hint > ED_MAX_NAMES)
        capacity_hint = ED_MAX_NAMES;
    size_t cap = capacity_hint < 8 ? 8 : capacity_hint;
    size_t slots, chars_cap;
    if (!slots_for(cap, &slots) || !ed__size_mul(cap, 16, &chars_cap))
        return NULL;
    ed_names *n = ed__calloc(1, sizeof *n);
    if (n == NULL)
        return NULL;
    atomic_init(&n->refs, 1);
    n->off = ed__alloc_array(cap, sizeof *n->off);
    n->chars = ed__alloc(chars_cap);
    n->slots = ed__calloc(slots, sizeof *n->slots);
    if (n->off == NULL || n->chars == NULL || n->slots == NULL) {
        ed__free(n->off);
        ed__free(n->chars);
        ed__free(n->slots);
        ed__free(n);
        return NULL;
    }
    n->off_cap = cap;
    n->chars_cap = chars_cap;
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
    ed__free(n->off);
    ed__free(n->chars);
    ed__free(n->slots);
    ed__free(n);
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
    ed__free(n->slots);
    n->slots = slots;
    n->slot_cap = slot_cap;
    for (size_t i = 0; i < n->count; i++) {
        const char *s = n->chars + n->off[i];
        n->slots[probe(n, s, strlen(s))] = (uint32_t)(i + 1);
    }
    return ED_OK;
}

/* Grows *p (of *cap elements of `size` bytes) to hold at least `need`,
 * doubling where that fits. */
static ed_status grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return ED_OK;
    size_t c;
    if (!ed__size_mul(*cap, 2, &c) || c < need)
        c = need;
    void *q = ed__realloc_array(*p, c, size);
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
    size_t chars_need, slots;
    if (!ed__size_add(n->chars_len, len, &chars_need) ||
        !ed__size_add(chars_need, 1, &chars_need) || !slots_for(n->count + 1, &slots))
        return ED_NO_MEMORY;
    void *off = n->off, *chars = n->chars;
    if (grow(&off, &n->off_cap, n->count + 1, sizeof *n->off) != ED_OK)
        return ED_NO_MEMORY;
    n->off = off;
    if (grow(&chars, &n->chars_cap, chars_need, 1) != ED_OK)
        return ED_NO_MEMORY;
    n->chars = chars;
    /* keep the load factor at or below one half */
    if (slots > n->slot_cap) {
        if (rehash(n, slots) != ED_OK)
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
    size_t off_cap, chars_cap, slot_cap;
    if (!ed__size_add(n->count, extra_names, &off_cap) ||
        !ed__size_add(n->chars_len, extra_chars, &chars_cap) || !slots_for(off_cap, &slot_cap))
        return NULL;
    if (slot_cap < n->slot_cap)
        slot_cap = n->slot_cap;
    ed_names *c = ed__calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    atomic_init(&c->refs, 1);
    c->count = n->count;
    c->off_cap = off_cap;
    c->chars_len = n->chars_len;
    c->chars_cap = chars_cap;
    c->slot_cap = slot_cap;
    c->off = ed__alloc_array(c->off_cap, sizeof *c->off);
    c->chars = ed__alloc(c->chars_cap);
    c->slots = ed__alloc_array(c->slot_cap, sizeof *c->slots);
    if (c->off == NULL || c->chars == NULL || c->slots == NULL) {
        ed__names_unref(c);
        return NULL;
    }
    memcpy(c->off, n->off, n->count * sizeof *n->off);
    memcpy(c->chars, n->chars, n->chars_len);
    if (c->slot_cap == n->slot_cap) {
        memcpy(c->slots, n->slots, n->slot_cap * sizeof *n->slots);
    } else {
        ed__free(c->slots);
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
