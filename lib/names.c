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
    /* the last len % 8 bytes in the low bytes of the last block: from
     * the name's last eight bytes when it has eight, else one by one */
    size_t rest = len & 7;
    uint64_t last = (uint64_t)(len & 0xff) << 56;
    if (rest != 0 && len >= 8) {
        last |= read_le64(p + rest - 8) >> (64 - 8 * rest);
    } else {
        for (size_t i = 0; i < rest; i++)
            last |= (uint64_t)p[i] << (8 * i);
    }
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

uint64_t ed__names_hash(const char *name, size_t len)
{
    return hash_bytes(name, len);
}

/* ---- stores shared by tables ---------------------------------------------
 *
 * A table is a prefix of its store: the store's first `count` names. The
 * store's `used` counts the names written into it, which is the count of
 * its longest table. Adding a name to a table T whose count equals `used`
 * claims the next position with one compare-and-swap of `used` (count ->
 * count + 1) and writes the name there: offset, characters and one hash
 * slot. The new table is the store's first count + 1 names; T is still its
 * first count. So a chain of additions (a history, a loaded instance that
 * keeps growing) costs O(1) each instead of a copy of the table, and every
 * snapshot stays immutable and shared.
 *
 * Why readers of T stay right while the store grows behind them:
 *  - Offsets and characters are written only past the claimed position,
 *    which no reader of T ever reads (T reads its first count names).
 *  - Hash slots are atomics (relaxed order: a slot is one word that never
 *    points at memory written after it). A lookup in T skips entries whose
 *    index is T's count or more, and stops at an empty slot. A name of T
 *    was placed at the first empty slot of its probe chain when it was
 *    added, so every slot of that chain before it was full at the time and
 *    stays full while T lives: skipping later entries, or seeing a slot
 *    that a later claim fills, never hides a name of T.
 *  - A table that claimed positions gives them back when it is freed, if
 *    it is still the longest (`used` equals its count, so nobody built on
 *    it): it empties the slots of its names, then lowers `used`. Emptying
 *    the most recent insertions of a linear-probing index restores the
 *    index exactly as it was before them; nobody can claim meanwhile,
 *    since only a table of count `used` may claim and this one is being
 *    freed. That keeps many previews from one snapshot (add a topic, look,
 *    drop it) at O(1) each.
 *  - When the store is full, or another table already claimed the next
 *    position (two different additions to one snapshot both kept), the
 *    new table gets a store of its own: the names copied once, with room
 *    to grow by half, so that a chain of additions copies O(1) per name
 *    amortized. Removing a name copies the table. */

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

static void store_unref(ed_name_store *st)
{
    if (st == NULL || atomic_fetch_sub_explicit(&st->refs, 1, memory_order_acq_rel) != 1)
        return;
    ed__free(st->off);
    ed__free(st->chars);
    ed__free((void *)st->slots);
    ed__free(st);
}

/* A store with room for `names` names of `chars` bytes in all, hashed
 * into `slots` slots; NULL when out of memory. */
static ed_name_store *store_new(size_t names, size_t chars, size_t slots)
{
    ed_name_store *st = ed__calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    atomic_init(&st->refs, 1);
    atomic_init(&st->used, 0);
    st->off = ed__alloc_array(names, sizeof *st->off);
    st->chars = ed__alloc(chars);
    st->slots = ed__calloc(slots, sizeof *st->slots);
    if (st->off == NULL || st->chars == NULL || st->slots == NULL) {
        store_unref(st);
        return NULL;
    }
    st->off_cap = names;
    st->chars_cap = chars;
    st->slot_cap = slots;
    return st;
}

static ed_names *table_new(ed_name_store *st)
{
    ed_names *n = ed__calloc(1, sizeof *n);
    if (n == NULL)
        return NULL;
    atomic_init(&n->refs, 1);
    n->store = st;
    return n;
}

ed_names *ed__names_new(size_t capacity_hint)
{
    if (capacity_hint > ED_MAX_NAMES)
        capacity_hint = ED_MAX_NAMES;
    size_t cap = capacity_hint < 8 ? 8 : capacity_hint;
    /* a little room past the hint, so that a loaded table can grow in
     * place; the index is sized for the hint (it has room to spare) */
    size_t names = cap + cap / 32 + 8;
    size_t slots, chars_cap;
    if (!slots_for(cap, &slots) || !ed__size_mul(cap, 16, &chars_cap))
        return NULL;
    ed_name_store *st = store_new(names, chars_cap, slots);
    if (st == NULL)
        return NULL;
    ed_names *n = table_new(st);
    if (n == NULL)
        store_unref(st);
    return n;
}

ed_names *ed__names_ref(ed_names *n)
{
    if (n != NULL)
        atomic_fetch_add_explicit(&n->refs, 1, memory_order_relaxed);
    return n;
}

static uint32_t slot_get(const ed_name_store *st, size_t s)
{
    return atomic_load_explicit(&st->slots[s], memory_order_relaxed);
}

/* A slot holds a name's index + 1 in its low 20 bits (ED_MAX_NAMES fits)
 * and 12 more bits of the name's hash above them, so that a probe passes
 * over other names without reading their characters: a lookup in a large
 * table then touches one cache line of the index, not one per name it
 * passes. */
#define SLOT_INDEX_BITS 20
#define SLOT_INDEX_MASK ((1u << SLOT_INDEX_BITS) - 1)
_Static_assert(ED_MAX_NAMES < (1u << SLOT_INDEX_BITS), "name indexes fit in a slot");

static uint32_t slot_tag(uint64_t h)
{
    return (uint32_t)(h >> (64 - (32 - SLOT_INDEX_BITS))) << SLOT_INDEX_BITS;
}

static uint32_t slot_make(size_t i, uint64_t h)
{
    return slot_tag(h) | (uint32_t)(i + 1);
}

/* The name index a non-empty slot holds. */
static size_t slot_index(uint32_t v)
{
    return (size_t)(v & SLOT_INDEX_MASK) - 1;
}

static void slot_set(ed_name_store *st, size_t s, uint32_t v)
{
    atomic_store_explicit(&st->slots[s], v, memory_order_relaxed);
}

void ed__names_unref(ed_names *n)
{
    if (n == NULL)
        return;
    if (atomic_fetch_sub_explicit(&n->refs, 1, memory_order_acq_rel) != 1)
        return;
    ed_name_store *st = n->store;
    /* give back the positions this table claimed, if nobody built on them
     * (see above): slots first, then `used` */
    if (n->count > n->base_count && atomic_load_explicit(&st->refs, memory_order_acquire) > 1 &&
        atomic_load_explicit(&st->used, memory_order_acquire) == n->count) {
        /* additions claim one name each, and remember its slot */
        slot_set(st, n->claimed_slot, 0);
        atomic_store_explicit(&st->used, n->base_count, memory_order_release);
    }
    store_unref(st);
    ed__free(n);
}

const char *ed__names_at(const ed_names *n, size_t i)
{
    return i < n->count ? n->store->chars + n->store->off[i] : NULL;
}

/* The index of `name` in n, or SIZE_MAX; entries of longer tables sharing
 * the store are skipped. */
static size_t lookup(const ed_names *n, const char *name, size_t len, uint64_t h)
{
    const ed_name_store *st = n->store;
    size_t mask = st->slot_cap - 1;
    uint32_t tag = slot_tag(h);
    for (size_t s = (size_t)h & mask;; s = (s + 1) & mask) {
        uint32_t v = slot_get(st, s);
        if (v == 0)
            return SIZE_MAX;
        size_t i = slot_index(v);
        if (i >= n->count || (v & ~SLOT_INDEX_MASK) != tag)
            continue;
        const char *have = st->chars + st->off[i];
        if (strncmp(have, name, len) == 0 && have[len] == '\0')
            return i;
    }
}

/* The first empty slot of the chain of hash h. */
static size_t free_slot(const ed_name_store *st, uint64_t h)
{
    size_t mask = st->slot_cap - 1;
    size_t s = (size_t)h & mask;
    while (slot_get(st, s) != 0)
        s = (s + 1) & mask;
    return s;
}

size_t ed__names_find(const ed_names *n, const char *name, size_t len)
{
    return lookup(n, name, len, hash_bytes(name, len));
}

size_t ed__names_find_hashed(const ed_names *n, const char *name, size_t len, uint64_t h)
{
    return lookup(n, name, len, h);
}

/* Writes name at position n->count of n's store, which n owns (it is being
 * built, or it just claimed the position); the caller made room. Returns
 * the slot the name went to. */
static size_t write_name(ed_names *n, const char *name, size_t len, uint64_t h)
{
    ed_name_store *st = n->store;
    memcpy(st->chars + n->chars_len, name, len);
    st->chars[n->chars_len + len] = '\0';
    st->off[n->count] = n->chars_len;
    size_t slot = free_slot(st, h);
    slot_set(st, slot, slot_make(n->count, h));
    n->chars_len += len + 1;
    n->count++;
    return slot;
}

/* Whether n's store has room for one more name of len bytes after n. */
static bool room_for(const ed_names *n, size_t len)
{
    const ed_name_store *st = n->store;
    size_t slots;
    return n->count < st->off_cap && st->chars_cap - n->chars_len > len &&
           slots_for(n->count + 1, &slots) && slots <= st->slot_cap;
}

/* Indexes the first count names of a store whose slots are empty. */
static void index_all(ed_name_store *st, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const char *s = st->chars + st->off[i];
        uint64_t h = hash_bytes(s, strlen(s));
        slot_set(st, free_slot(st, h), slot_make(i, h));
    }
}

/* Rebuilds the index of a store owned by one builder at slot_cap slots. */
static ed_status rehash(ed_name_store *st, size_t count, size_t slot_cap)
{
    _Atomic uint32_t *slots = ed__calloc(slot_cap, sizeof *slots);
    if (slots == NULL)
        return ED_NO_MEMORY;
    ed__free((void *)st->slots);
    st->slots = slots;
    st->slot_cap = slot_cap;
    index_all(st, count);
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

/* Makes room in the store of a table being built for one more name of len
 * bytes: offsets, characters, and index slots at a load factor of at most
 * one half (rehashing moves the name's slot, so *slot is found again). */
static ed_status make_room(ed_names *n, size_t len, uint64_t h, size_t *slot)
{
    ed_name_store *st = n->store;
    size_t chars_need, slots;
    if (!ed__size_add(n->chars_len, len, &chars_need) ||
        !ed__size_add(chars_need, 1, &chars_need) || !slots_for(n->count + 1, &slots))
        return ED_NO_MEMORY;
    void *off = st->off, *chars = st->chars;
    if (grow(&off, &st->off_cap, n->count + 1, sizeof *st->off) != ED_OK)
        return ED_NO_MEMORY;
    st->off = off;
    if (grow(&chars, &st->chars_cap, chars_need, 1) != ED_OK)
        return ED_NO_MEMORY;
    st->chars = chars;
    if (slots > st->slot_cap) {
        if (rehash(st, n->count, slots) != ED_OK)
            return ED_NO_MEMORY;
        *slot = free_slot(st, h);
    }
    return ED_OK;
}

/* Whether a table being built has room for one more name of len bytes
 * without growing. A table sized for its names (a load) has: these
 * comparisons cannot overflow (chars_len <= chars_cap, slot_cap is a power
 * of two) and mean what make_room checks with overflow-checked sizes. */
static bool has_room(const ed_names *n, size_t len)
{
    const ed_name_store *st = n->store;
    return n->count < st->off_cap && st->chars_cap - n->chars_len > len &&
           n->count + 1 <= st->slot_cap / 2;
}

/* The probe of a table being built: true if `name` is one of its names,
 * else false with *slot the empty slot it goes to. A table being built
 * owns its store, so every entry in the index is one of its names. */
static bool probe(const ed_names *n, const char *name, size_t len, uint64_t h, size_t *slot)
{
    const ed_name_store *st = n->store;
    size_t mask = st->slot_cap - 1, s = (size_t)h & mask;
    uint32_t tag = slot_tag(h);
    for (uint32_t v; (v = slot_get(st, s)) != 0; s = (s + 1) & mask) {
        if ((v & ~SLOT_INDEX_MASK) != tag)
            continue;
        const char *have = st->chars + st->off[slot_index(v)];
        if (strncmp(have, name, len) == 0 && have[len] == '\0')
            return true;
    }
    *slot = s;
    return false;
}

/* Makes the name whose len bytes and NUL were written at the end of the
 * characters of a table being built its next name, in `slot`. */
static void append(ed_names *n, size_t len, uint64_t h, size_t slot)
{
    ed_name_store *st = n->store;
    st->off[n->count] = n->chars_len;
    slot_set(st, slot, slot_make(n->count, h));
    n->chars_len += len + 1;
    n->count++;
    /* a table being built claimed nothing from others */
    n->base_count = n->count;
    n->base_chars = n->chars_len;
    atomic_store_explicit(&st->used, n->count, memory_order_relaxed);
}

ed_status ed__names_push(ed_names *n, const char *name, size_t len)
{
    return ed__names_push_hashed(n, name, len, hash_bytes(name, len));
}

ed_status ed__names_push_hashed(ed_names *n, const char *name, size_t len, uint64_t h)
{
    if (n->count >= ED_MAX_NAMES)
        return ED_LIMIT_EXCEEDED;
    size_t slot = 0;
    if (probe(n, name, len, h, &slot))
        return ED_EXISTS;
    if (!has_room(n, len)) {
        ed_status room = make_room(n, len, h, &slot);
        if (room != ED_OK)
            return room;
    }
    ed_name_store *st = n->store;
    memcpy(st->chars + n->chars_len, name, len);
    st->chars[n->chars_len + len] = '\0';
    append(n, len, h, slot);
    return ED_OK;
}

/* 1 for the characters of a name (A-Z a-z 0-9 - _), by byte value; a row
 * per 16 values from 0x20 (the rest, control and non-ASCII bytes, are 0). */
static const unsigned char name_chars[256] = {
    [0x20] = 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, /*  !"#$%&'()*+,-./ */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,          /* 0123456789:;<=>? */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,          /* @ABCDEFGHIJKLMNO */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,          /* PQRSTUVWXYZ[\]^_ */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,          /* `abcdefghijklmno */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,          /* pqrstuvwxyz{|}~  */
};

static ed_status check_name(const char *s, size_t len, size_t min)
{
    if (s == NULL || len < min || len > ED_NAME_MAX)
        return ED_INVALID_NAME;
    /* no early exit: names are short, and a loop without branches runs
     * faster on the valid ones that every load reads */
    unsigned valid = 1;
    for (size_t i = 0; i < len; i++)
        valid &= name_chars[(unsigned char)s[i]];
    return valid ? ED_OK : ED_INVALID_NAME;
}

/* Eight name bytes at once: true if each is one of A-Z a-z 0-9 - _. Each
 * test sets a byte's high bit: for bytes below 0x80 no sum carries into
 * the next byte, and a byte at 0x80 or above fails through ~x whatever
 * its carries did to its neighbours. */
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)
static bool word_is_name(uint64_t x)
{
    uint64_t lower = x | 0x20 * ONES; /* A-Z become a-z; no other byte does */
    uint64_t letter = (lower + (0x80 - 'a') * ONES) & ~(lower + (0x7f - 'z') * ONES);
    uint64_t digit = (x + (0x80 - '0') * ONES) & ~(x + (0x7f - '9') * ONES);
    uint64_t dash = ~((x ^ '-' * ONES) + 0x7f * ONES);
    uint64_t under = ~((x ^ '_' * ONES) + 0x7f * ONES);
    return ((letter | digit | dash | under) & ~x & HIGHS) == HIGHS;
}

/* Copies len bytes of a name and tells whether they are all name
 * characters; eight at a time from eight on (the last eight overlapping
 * the ones before), one at a time below. */
static bool copy_name(char *to, const char *from, size_t len)
{
    if (len < 8) {
        unsigned valid = 1;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)from[i];
            valid &= name_chars[c];
            to[i] = (char)c;
        }
        return valid != 0;
    }
    bool valid = true;
    uint64_t x;
    for (size_t i = 0; i + 8 <= len; i += 8) {
        memcpy(&x, from + i, sizeof x);
        valid &= word_is_name(x);
        memcpy(to + i, &x, sizeof x);
    }
    memcpy(&x, from + len - 8, sizeof x);
    valid &= word_is_name(x);
    memcpy(to + len - 8, &x, sizeof x);
    return valid;
}

ed_status ed__names_stage(ed_names *n, const char *name, size_t len, size_t min, uint64_t *hash,
                          const char **staged)
{
    *staged = NULL;
    if (len < min || len > ED_NAME_MAX)
        return ED_INVALID_NAME;
    const char *text = name;
    bool valid;
    if (n->count < ED_MAX_NAMES && has_room(n, len)) {
        /* checked while copied, past the table's end: nothing is written
         * that the table can see before ed__names_commit */
        char *copy = n->store->chars + n->chars_len;
        valid = copy_name(copy, name, len);
        copy[len] = '\0';
        text = copy;
    } else {
        valid = check_name(name, len, min) == ED_OK;
    }
    if (!valid)
        return ED_INVALID_NAME;
    uint64_t h = hash_bytes(text, len);
    *hash = h;
    if (text != name) {
        ed_name_store *st = n->store;
        /* the slot where the probe starts, for writing */
        __builtin_prefetch((const void *)&st->slots[(size_t)h & (st->slot_cap - 1)], 1);
        *staged = text;
    }
    return ED_OK;
}

ed_status ed__names_commit(ed_names *n, size_t len, uint64_t h)
{
    size_t slot = 0;
    if (probe(n, n->store->chars + n->chars_len, len, h, &slot))
        return ED_EXISTS;
    append(n, len, h, slot);
    return ED_OK;
}

/* A table with a store of its own holding n's names, with room for half as
 * many more and at least `extra_chars` more bytes. */
static ed_names *copy(const ed_names *n, size_t extra_chars)
{
    const ed_name_store *from = n->store;
    size_t names, chars, slots;
    if (!ed__size_add(n->count, n->count / 2 + 8, &names) || !slots_for(names, &slots) ||
        !ed__size_add(n->chars_len, n->chars_len / 2, &chars) ||
        !ed__size_add(chars, extra_chars, &chars))
        return NULL;
    ed_name_store *st = store_new(names, chars, slots);
    if (st == NULL)
        return NULL;
    ed_names *c = table_new(st);
    if (c == NULL) {
        store_unref(st);
        return NULL;
    }
    memcpy(st->off, from->off, n->count * sizeof *st->off);
    memcpy(st->chars, from->chars, n->chars_len);
    c->count = c->base_count = n->count;
    c->chars_len = c->base_chars = n->chars_len;
    if (slots == from->slot_cap) {
        /* the same index without the entries of longer tables: emptying
         * the latest insertions restores it as it was before them */
        for (size_t s = 0; s < slots; s++) {
            uint32_t v = slot_get(from, s);
            slot_set(st, s, v != 0 && slot_index(v) < n->count ? v : 0);
        }
    } else {
        index_all(st, n->count);
    }
    atomic_store_explicit(&st->used, n->count, memory_order_relaxed);
    return c;
}

ed_names *ed__names_with(const ed_names *n, const char *name)
{
    size_t len = strlen(name);
    uint64_t h = hash_bytes(name, len);
    if (n->count >= ED_MAX_NAMES || lookup(n, name, len, h) != SIZE_MAX)
        return NULL;
    ed_name_store *st = n->store;
    if (room_for(n, len)) {
        ed_names *c = table_new(st);
        if (c == NULL)
            return NULL;
        size_t expected = n->count;
        if (atomic_compare_exchange_strong_explicit(&st->used, &expected, n->count + 1,
                                                    memory_order_acq_rel,
                                                    memory_order_relaxed)) {
            atomic_fetch_add_explicit(&st->refs, 1, memory_order_relaxed);
            c->count = c->base_count = n->count;
            c->chars_len = c->base_chars = n->chars_len;
            c->claimed_slot = write_name(c, name, len, h);
            return c;
        }
        ed__free(c);
    }
    ed_names *c = copy(n, len + 1);
    if (c == NULL)
        return NULL;
    (void)write_name(c, name, len, h);
    c->base_count = c->count;
    c->base_chars = c->chars_len;
    atomic_store_explicit(&c->store->used, c->count, memory_order_relaxed);
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
    return memcmp(a->store->chars, b->store->chars, a->chars_len) == 0;
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
