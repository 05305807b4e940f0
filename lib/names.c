/* Ordered name sets for topics and groups, and the naming rules (X1).
 *
 * A table is a prefix of a store (one character arena, one offset per
 * name, a hash index) that tables share, less the positions it removed,
 * which a persistent tree of its own marks. An addition appends to the
 * store in O(1) (amortized when the store must be copied), a removal path
 * copies the tree in O(log n) (amortized O(log n) with the compaction
 * that keeps removed positions from outnumbering the names), a lookup by
 * name is one hash probe, and a table is shared, unchanged, by every
 * snapshot that does not touch it. The sections below give the arguments:
 * the keyed hash, the shared stores and their readers on other threads,
 * the tree of removed positions. */
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
 * A table is a prefix of its store, the store's first `end` positions,
 * less the positions the table removed (the tree of removed positions
 * below). The store's `used` counts the positions written into it, which
 * is the end of its longest table. Adding a name to a table T whose end
 * equals `used` claims the next position with one compare-and-swap of
 * `used` (end -> end + 1) and writes the name there: offset, characters
 * and one hash slot. The new table is the store's first end + 1 positions
 * with T's removed ones; T is still its first end. So a chain of additions
 * (a history, a loaded instance that keeps growing) costs O(1) each instead
 * of a copy of the table, and every snapshot stays immutable and shared.
 *
 * Why readers of T stay right while the store grows behind them:
 *  - Offsets and characters are written only past the claimed position,
 *    which no reader of T ever reads (T reads its first end positions).
 *  - Hash slots are atomics (relaxed order: a slot is one word that never
 *    points at memory written after it). A lookup in T skips entries whose
 *    position is T's end or more, and stops at an empty slot. A name of T
 *    was placed at the first empty slot of its probe chain when it was
 *    added, so every slot of that chain before it was full at the time and
 *    stays full while T lives: skipping later entries, or seeing a slot
 *    that a later claim fills, never hides a name of T. A removal writes
 *    nothing to the store (its table's tree marks the position), so the
 *    slots of removed names stay full and keep the chains intact.
 *  - A table that claimed a position gives it back when it is freed, if
 *    it is still the longest (`used` equals its end, so no addition built
 *    on it) and no removal built a table on it (`built_on`, set by the
 *    removal before it drops its reference to T): it empties the slot of
 *    its name, then lowers `used`. Emptying the most recent insertions of a
 *    linear-probing index restores the index exactly as it was before
 *    them; nobody can claim meanwhile, since only a table whose end is
 *    `used` may claim and this one is being freed. That keeps many
 *    previews from one snapshot (add a topic, look, drop it) at O(1) each.
 *  - When the store is full, or another table already claimed the next
 *    position (two different additions to one snapshot both kept), the
 *    new table gets a store of its own: the names copied once, removed
 *    ones left out, with room to grow by half, so that a chain of
 *    additions copies O(1) per name amortized.
 *
 * Slots hold a position in 20 bits, so a store has at most SLOT_INDEX_MASK
 * positions; a table whose end reaches that is copied (compacted) by its
 * next addition, like a full one. */

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
    atomic_init(&n->built_on, false);
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

/* A slot holds a name's position + 1 in its low 20 bits (ED_MAX_NAMES
 * fits) and 12 more bits of the name's hash above them, so that a probe
 * passes over other names without reading their characters: a lookup in a
 * large table then touches one cache line of the index, not one per name
 * it passes. (A slot twice as wide could also hold the characters' offset
 * and save a lookup one cache miss, the offset's. Measured: remove_topic
 * on 1,000,000 topics went from about 2.15 to 1.95 times its cost on 10,
 * but the peak memory of a load from 2.54 to 3.28 times the file's size,
 * past that target of 3; not worth it.) */
#define SLOT_INDEX_BITS 20
#define SLOT_INDEX_MASK ((1u << SLOT_INDEX_BITS) - 1)
#define SLOT_TAG_MASK (~SLOT_INDEX_MASK)
_Static_assert(ED_MAX_NAMES < (1u << SLOT_INDEX_BITS), "name indexes fit in a slot");

static uint32_t slot_tag(uint64_t h)
{
    return (uint32_t)(h >> (64 - (32 - SLOT_INDEX_BITS))) << SLOT_INDEX_BITS;
}

static uint32_t slot_make(size_t i, uint64_t h)
{
    return slot_tag(h) | (uint32_t)(i + 1);
}

/* The position a non-empty slot holds. */
static size_t slot_index(uint32_t v)
{
    return (size_t)(v & SLOT_INDEX_MASK) - 1;
}

/* The characters of a slot's name. */
static const char *slot_name(const ed_name_store *st, uint32_t v)
{
    return st->chars + st->off[slot_index(v)];
}

static void slot_set(ed_name_store *st, size_t s, uint32_t v)
{
    atomic_store_explicit(&st->slots[s], v, memory_order_relaxed);
}

/* ---- removed positions ---------------------------------------------------
 *
 * Removing a name leaves the store alone: the new table has the same end
 * and a tree that marks the position as removed. The tree is a radix tree
 * over positions with path copying, as the persistent vectors of Clojure
 * or immer are: a leaf is a bitmap of 4,096 positions, a node has 32
 * children and each child's count of removed positions. A removal copies
 * the path from the root to the leaf of its position (at most three nodes
 * for the 2^20 positions a store can hold) and shares every other node
 * with the older table, so it costs O(log n) time and memory, and no table
 * ever changes. A subtree without removed positions is NULL; a table
 * without any has no tree, and reads as before, with nothing to skip.
 *
 * The tree covers only the aligned block of positions where the table
 * removed names (`gone_base`, of the span of its height): a first removal
 * makes one leaf wherever it lies, in a table of ten names or of a
 * million, and the tree grows a level when a removal falls outside its
 * block (gone_lift puts the old root under the new one where it belongs).
 * Positions before the block and past it are all names of the table.
 *
 * The counts answer the rank and select queries that index access needs:
 * the i-th name is found by walking down the counts (ed__names_at), a
 * name's index by summing the counts left of its path (ed__names_find).
 * Lookups by name check the position's bit: a walk of at most three nodes,
 * and only for a name that the hash found. Walks in order (dumps, effects)
 * read one leaf per 4,096 positions.
 *
 * A table whose removed positions would outnumber its names is compacted
 * instead: its names are copied into a store of their own, without holes.
 * That is O(n), but the table's removed positions, at least n, were each
 * O(log n) removals since its store was last compacted (a store starts
 * without any), so along a history it adds O(1) per removal amortized. */

struct ed_gone {
    atomic_uint refs;
    uint32_t dead; /* removed positions in this subtree */
};

#define LEAF_BITS 12 /* a leaf covers 4,096 positions */
#define LEAF_WORDS (1u << (LEAF_BITS - 6))
#define FAN_BITS 5 /* a node has 32 children */
#define FAN (1u << FAN_BITS)
/* the height a store's positions may need: 4096 * 32^2 >= 2^20 */
_Static_assert((uint64_t)1 << (LEAF_BITS + FAN_BITS * 2) >= (uint64_t)1 << SLOT_INDEX_BITS,
               "two levels above the leaves cover a store");

typedef struct gone_leaf {
    ed_gone h;
    uint64_t bits[LEAF_WORDS];
} gone_leaf;

typedef struct gone_node {
    ed_gone h;
    uint32_t kids;       /* bit j: kid[j] is not NULL */
    uint32_t kdead[FAN]; /* removed positions under each child */
    ed_gone *kid[FAN];   /* NULL: none removed there */
} gone_node;

/* Positions a subtree of height h covers. */
static size_t gone_span(unsigned h)
{
    return (size_t)1 << (LEAF_BITS + FAN_BITS * h);
}

/* The child of a node of height h (>= 1) that covers position p. */
static size_t gone_child(unsigned h, size_t p)
{
    return (p >> (LEAF_BITS + FAN_BITS * (h - 1))) & (FAN - 1);
}

static const gone_leaf *as_leaf(const ed_gone *g)
{
    return (const gone_leaf *)(const void *)g;
}

static const gone_node *as_node(const ed_gone *g)
{
    return (const gone_node *)(const void *)g;
}

static void gone_ref(ed_gone *g)
{
    if (g != NULL)
        atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
}

/* Releases a subtree of height h. */
static void gone_unref(ed_gone *g, unsigned h)
{
    if (g == NULL || atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (h > 0) {
        gone_node *nd = (gone_node *)(void *)g;
        for (uint32_t k = nd->kids; k != 0; k &= k - 1)
            gone_unref(nd->kid[__builtin_ctz(k)], h - 1);
    }
    ed__free(g);
}

/* Whether position p lies outside what table n's tree covers (then it was
 * not removed). */
static bool outside_tree(const ed_names *n, size_t p)
{
    return p < n->gone_base || p - n->gone_base >= gone_span(n->gone_height);
}

/* Whether table n removed position p (p < n->end). */
static bool is_gone(const ed_names *n, size_t p)
{
    const ed_gone *g = n->gone;
    unsigned h = n->gone_height;
    if (g == NULL || outside_tree(n, p))
        return false;
    for (; h > 0; h--) {
        g = as_node(g)->kid[gone_child(h, p)];
        if (g == NULL)
            return false;
    }
    return (as_leaf(g)->bits[(p >> 6) % LEAF_WORDS] >> (p & 63)) & 1u;
}

/* Positions of table n from `base` (a multiple of span(h), below n->end:
 * select never walks past the table's last name) that a subtree of height
 * h covers, removed ones included. */
static size_t gone_cover(const ed_names *n, size_t base, unsigned h)
{
    size_t span = gone_span(h);
    return n->end - base < span ? n->end - base : span;
}

/* The position of the i-th name of n (i < n->count): select. */
static size_t position_of(const ed_names *n, size_t i)
{
    const ed_gone *g = n->gone;
    if (g == NULL)
        return i;
    unsigned h = n->gone_height;
    size_t base = n->gone_base;
    if (i < base) /* before the tree's span: nothing removed there */
        return i;
    i -= base;
    size_t in_tree = gone_cover(n, base, h) - g->dead;
    if (i >= in_tree) /* past it: nothing removed there either */
        return base + gone_span(h) + (i - in_tree);
    for (; h > 0; h--) {
        const gone_node *nd = as_node(g);
        size_t j = 0;
        for (;; j++) {
            size_t kid_base = base + j * gone_span(h - 1);
            size_t live = gone_cover(n, kid_base, h - 1) - nd->kdead[j];
            if (i < live)
                break;
            i -= live;
        }
        base += j * gone_span(h - 1);
        g = nd->kid[j];
        if (g == NULL)
            return base + i;
    }
    const gone_leaf *leaf = as_leaf(g);
    for (size_t w = 0;; w++) {
        uint64_t live = ~leaf->bits[w];
        size_t k = (size_t)__builtin_popcountll(live);
        if (i < k) {
            for (; i > 0; i--)
                live &= live - 1;
            return base + w * 64 + (size_t)__builtin_ctzll(live);
        }
        i -= k;
    }
}

/* The index of position p in n (p < n->end, not removed): rank. */
static size_t index_of(const ed_names *n, size_t p)
{
    const ed_gone *g = n->gone;
    unsigned h = n->gone_height;
    if (g == NULL || p < n->gone_base)
        return p;
    if (outside_tree(n, p))
        return p - g->dead;
    size_t dead = 0;
    for (; h > 0; h--) {
        const gone_node *nd = as_node(g);
        size_t j = gone_child(h, p);
        for (size_t k = 0; k < j; k++)
            dead += nd->kdead[k];
        g = nd->kid[j];
        if (g == NULL)
            return p - dead;
    }
    const gone_leaf *leaf = as_leaf(g);
    size_t w = (p >> 6) % LEAF_WORDS;
    for (size_t k = 0; k < w; k++)
        dead += (size_t)__builtin_popcountll(leaf->bits[k]);
    uint64_t below = (((uint64_t)1) << (p & 63)) - 1;
    dead += (size_t)__builtin_popcountll(leaf->bits[w] & below);
    return p - dead;
}

/* A new reference to the tree g of height gh, covering positions from
 * `base`, seen at height h >= gh: g itself, or g under nodes that hold it
 * as the child that covers base. False when out of memory. */
static bool gone_lift(ed_gone *g, unsigned gh, size_t base, unsigned h, ed_gone **out)
{
    gone_ref(g);
    for (; g != NULL && gh < h; gh++) {
        gone_node *nd = ed__calloc(1, sizeof *nd);
        if (nd == NULL) {
            gone_unref(g, gh);
            return false;
        }
        size_t j = gone_child(gh + 1, base);
        atomic_init(&nd->h.refs, 1);
        nd->h.dead = g->dead;
        nd->kids = (uint32_t)1 << j;
        nd->kdead[j] = g->dead;
        nd->kid[j] = g;
        g = &nd->h;
    }
    *out = g;
    return true;
}

/* A copy of the subtree g (height h, may be NULL) with position p marked
 * (p is not marked in g, and within its span); the path is new, the rest
 * shared. NULL when out of memory. */
static ed_gone *gone_mark(const ed_gone *g, unsigned h, size_t p)
{
    if (h == 0) {
        gone_leaf *leaf = ed__calloc(1, sizeof *leaf);
        if (leaf == NULL)
            return NULL;
        if (g != NULL) {
            memcpy(leaf->bits, as_leaf(g)->bits, sizeof leaf->bits);
            leaf->h.dead = g->dead;
        }
        atomic_init(&leaf->h.refs, 1);
        leaf->bits[(p >> 6) % LEAF_WORDS] |= (uint64_t)1 << (p & 63);
        leaf->h.dead++;
        return &leaf->h;
    }
    size_t j = gone_child(h, p);
    const gone_node *old = g != NULL ? as_node(g) : NULL;
    ed_gone *kid = gone_mark(old != NULL ? old->kid[j] : NULL, h - 1, p);
    if (kid == NULL)
        return NULL;
    gone_node *nd = ed__calloc(1, sizeof *nd);
    if (nd == NULL) {
        gone_unref(kid, h - 1);
        return NULL;
    }
    if (old != NULL) {
        nd->h.dead = old->h.dead;
        nd->kids = old->kids;
        memcpy(nd->kdead, old->kdead, sizeof nd->kdead);
        memcpy(nd->kid, old->kid, sizeof nd->kid);
        for (uint32_t k = old->kids & ~((uint32_t)1 << j); k != 0; k &= k - 1)
            gone_ref(nd->kid[__builtin_ctz(k)]);
    }
    atomic_init(&nd->h.refs, 1);
    nd->kids |= (uint32_t)1 << j;
    nd->kid[j] = kid;
    nd->kdead[j]++;
    nd->h.dead++;
    return &nd->h;
}

void ed__names_unref(ed_names *n)
{
    if (n == NULL)
        return;
    if (atomic_fetch_sub_explicit(&n->refs, 1, memory_order_acq_rel) != 1)
        return;
    ed_name_store *st = n->store;
    /* give back the position this table claimed, if nobody built on it
     * (see above): the slot first, then `used` */
    if (n->end > n->base_end && atomic_load_explicit(&st->refs, memory_order_acquire) > 1 &&
        !atomic_load_explicit(&n->built_on, memory_order_acquire) &&
        atomic_load_explicit(&st->used, memory_order_acquire) == n->end) {
        slot_set(st, n->claimed_slot, 0);
        atomic_store_explicit(&st->used, n->base_end, memory_order_release);
    }
    gone_unref(n->gone, n->gone_height);
    store_unref(st);
    ed__free(n);
}

const char *ed__names_at(const ed_names *n, size_t i)
{
    if (i >= n->count)
        return NULL;
    return n->store->chars + n->store->off[position_of(n, i)];
}

void ed__names_iter_init(ed_names_iter *it, const ed_names *n)
{
    it->n = n;
    it->pos = 0;
    it->leaf = NULL;
    it->leaf_base = it->leaf_end = 0;
}

/* Points the walk at the leaf that covers position p, or at the largest
 * range around p without removed positions. */
static void iter_seek(ed_names_iter *it, size_t p)
{
    const ed_gone *g = it->n->gone;
    unsigned h = it->n->gone_height;
    size_t base = it->n->gone_base;
    it->leaf = NULL;
    if (p < base) {
        it->leaf_base = 0;
        it->leaf_end = base;
        return;
    }
    if (p - base >= gone_span(h)) {
        it->leaf_base = base + gone_span(h);
        it->leaf_end = SIZE_MAX;
        return;
    }
    for (; h > 0 && g != NULL; h--)
        g = as_node(g)->kid[gone_child(h, p)];
    it->leaf = g;
    it->leaf_base = p & ~(gone_span(h) - 1);
    it->leaf_end = it->leaf_base + gone_span(h);
}

const char *ed__names_iter_next(ed_names_iter *it)
{
    const ed_names *n = it->n;
    while (it->pos < n->end) {
        size_t p = it->pos++;
        if (n->gone != NULL) {
            if (p >= it->leaf_end)
                iter_seek(it, p);
            const gone_leaf *leaf = it->leaf != NULL ? as_leaf(it->leaf) : NULL;
            if (leaf != NULL && (leaf->bits[(p >> 6) % LEAF_WORDS] >> (p & 63)) & 1u)
                continue;
        }
        return n->store->chars + n->store->off[p];
    }
    return NULL;
}

/* The position of `name` in n, or SIZE_MAX; entries of longer tables
 * sharing the store, and positions n removed, are skipped (a name removed
 * and added again has a second, later position). When stored is not NULL,
 * *stored is set to the table's copy of the name. */
static size_t lookup(const ed_names *n, const char *name, size_t len, uint64_t h,
                     const char **stored)
{
    const ed_name_store *st = n->store;
    size_t mask = st->slot_cap - 1;
    uint32_t tag = slot_tag(h);
    for (size_t s = (size_t)h & mask;; s = (s + 1) & mask) {
        uint32_t v = slot_get(st, s);
        if (v == 0)
            return SIZE_MAX;
        size_t i = slot_index(v);
        if (i >= n->end || (v & SLOT_TAG_MASK) != tag)
            continue;
        const char *have = slot_name(st, v);
        if (strncmp(have, name, len) == 0 && have[len] == '\0' && !is_gone(n, i)) {
            if (stored != NULL)
                *stored = have;
            return i;
        }
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
    size_t p = lookup(n, name, len, hash_bytes(name, len), NULL);
    return p == SIZE_MAX ? SIZE_MAX : index_of(n, p);
}

size_t ed__names_find_hashed(const ed_names *n, const char *name, size_t len, uint64_t h)
{
    size_t p = lookup(n, name, len, h, NULL);
    return p == SIZE_MAX ? SIZE_MAX : index_of(n, p);
}

bool ed__names_has(const ed_names *n, const char *name, size_t len)
{
    return lookup(n, name, len, hash_bytes(name, len), NULL) != SIZE_MAX;
}

const char *ed__names_get(const ed_names *n, const char *name, size_t len)
{
    const char *stored = NULL;
    (void)lookup(n, name, len, hash_bytes(name, len), &stored);
    return stored;
}

/* Writes name at position n->end of n's store, which n owns (it is being
 * built, or it just claimed the position); the caller made room. Returns
 * the slot the name went to. */
static size_t write_name(ed_names *n, const char *name, size_t len, uint64_t h)
{
    ed_name_store *st = n->store;
    memcpy(st->chars + n->chars_len, name, len);
    st->chars[n->chars_len + len] = '\0';
    st->off[n->end] = n->chars_len;
    size_t slot = free_slot(st, h);
    slot_set(st, slot, slot_make(n->end, h));
    n->chars_len += len + 1;
    n->live_chars += len + 1;
    n->end++;
    n->count++;
    return slot;
}

/* Whether n's store has room for one more name of len bytes at position
 * n->end without growing: an offset, the characters and their NUL, and an
 * index slot at a load factor of at most one half (slot_cap is a power of
 * two of at least 16, so this is slots_for(end + 1) <= slot_cap). These
 * comparisons cannot overflow (chars_len <= chars_cap); for a table being
 * built (end == count) they mean what make_room checks with
 * overflow-checked sizes. */
static bool has_room(const ed_names *n, size_t len)
{
    const ed_name_store *st = n->store;
    return n->end < st->off_cap && n->end < SLOT_INDEX_MASK && st->chars_cap - n->chars_len > len &&
           n->end + 1 <= st->slot_cap / 2;
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

/* The probe of a table being built: true if `name` is one of its names,
 * else false with *slot the empty slot it goes to. A table being built
 * owns its store, so every entry in the index is one of its names. */
static bool probe(const ed_names *n, const char *name, size_t len, uint64_t h, size_t *slot)
{
    const ed_name_store *st = n->store;
    size_t mask = st->slot_cap - 1, s = (size_t)h & mask;
    uint32_t tag = slot_tag(h);
    for (uint32_t v; (v = slot_get(st, s)) != 0; s = (s + 1) & mask) {
        if ((v & SLOT_TAG_MASK) != tag)
            continue;
        const char *have = slot_name(st, v);
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
    n->live_chars = n->chars_len;
    n->count++;
    n->end = n->count;
    /* a table being built claimed nothing from others */
    n->base_end = n->end;
    n->base_chars = n->chars_len;
    atomic_store_explicit(&st->used, n->end, memory_order_relaxed);
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

/* A table with a store of its own holding n's names but the one at
 * position `skip` (SIZE_MAX: none), without holes, with room for half as
 * many more and at least `extra_chars` more bytes. */
static ed_names *copy(const ed_names *n, size_t skip, size_t extra_chars)
{
    const ed_name_store *from = n->store;
    size_t names, chars, slots;
    if (!ed__size_add(n->count, n->count / 2 + 8, &names) || !slots_for(names, &slots) ||
        !ed__size_add(n->live_chars, n->live_chars / 2 + 16, &chars) ||
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
    if (n->gone == NULL && skip == SIZE_MAX) {
        memcpy(st->off, from->off, n->end * sizeof *st->off);
        memcpy(st->chars, from->chars, n->chars_len);
        c->end = n->end;
        c->chars_len = n->chars_len;
    } else {
        /* compaction: the names in order, holes closed */
        ed_names_iter it;
        ed__names_iter_init(&it, n);
        for (const char *s; (s = ed__names_iter_next(&it)) != NULL;) {
            if (it.pos - 1 == skip)
                continue;
            size_t len = strlen(s) + 1;
            memcpy(st->chars + c->chars_len, s, len);
            st->off[c->end++] = c->chars_len;
            c->chars_len += len;
        }
    }
    c->count = c->base_end = c->end;
    c->live_chars = c->base_chars = c->chars_len;
    if (n->gone == NULL && skip == SIZE_MAX && slots == from->slot_cap) {
        /* the same index without the entries of longer tables: emptying
         * the latest insertions restores it as it was before them */
        for (size_t s = 0; s < slots; s++) {
            uint32_t v = slot_get(from, s);
            slot_set(st, s, v != 0 && slot_index(v) < n->end ? v : 0);
        }
    } else {
        index_all(st, c->end);
    }
    atomic_store_explicit(&st->used, c->end, memory_order_relaxed);
    return c;
}

ed_names *ed__names_with(const ed_names *n, const char *name)
{
    size_t len = strlen(name);
    uint64_t h = hash_bytes(name, len);
    if (n->count >= ED_MAX_NAMES || lookup(n, name, len, h, NULL) != SIZE_MAX)
        return NULL;
    ed_name_store *st = n->store;
    if (has_room(n, len)) {
        ed_names *c = table_new(st);
        if (c == NULL)
            return NULL;
        size_t expected = n->end;
        if (atomic_compare_exchange_strong_explicit(&st->used, &expected, n->end + 1,
                                                    memory_order_acq_rel,
                                                    memory_order_relaxed)) {
            atomic_fetch_add_explicit(&st->refs, 1, memory_order_relaxed);
            gone_ref(n->gone);
            c->gone = n->gone;
            c->gone_height = n->gone_height;
            c->gone_base = n->gone_base;
            c->count = n->count;
            c->end = c->base_end = n->end;
            c->chars_len = c->base_chars = n->chars_len;
            c->live_chars = n->live_chars;
            c->claimed_slot = write_name(c, name, len, h);
            return c;
        }
        ed__free(c);
    }
    ed_names *c = copy(n, SIZE_MAX, len + 1);
    if (c == NULL)
        return NULL;
    (void)write_name(c, name, len, h);
    c->base_end = c->end;
    c->base_chars = c->chars_len;
    atomic_store_explicit(&c->store->used, c->end, memory_order_relaxed);
    return c;
}

ed_names *ed__names_without(ed_names *n, const char *name, size_t len)
{
    size_t p = lookup(n, name, len, hash_bytes(name, len), NULL);
    if (p == SIZE_MAX)
        return NULL;
    /* compact rather than let removed positions outnumber the names */
    if ((n->end - n->count + 1) * 2 > n->end)
        return copy(n, p, 0);
    /* the lowest tree that covers both the old one and p: a first removal
     * makes a single leaf, wherever p lies */
    unsigned h = n->gone != NULL ? n->gone_height : 0;
    size_t base = n->gone != NULL ? n->gone_base : p;
    while ((base >> (LEAF_BITS + FAN_BITS * h)) != (p >> (LEAF_BITS + FAN_BITS * h)))
        h++;
    base &= ~(gone_span(h) - 1);
    ed_gone *lifted;
    if (!gone_lift(n->gone, n->gone_height, n->gone_base, h, &lifted))
        return NULL;
    ed_gone *gone = gone_mark(lifted, h, p);
    gone_unref(lifted, h);
    if (gone == NULL)
        return NULL;
    ed_names *c = table_new(n->store);
    if (c == NULL) {
        gone_unref(gone, h);
        return NULL;
    }
    atomic_fetch_add_explicit(&n->store->refs, 1, memory_order_relaxed);
    c->gone = gone;
    c->gone_height = h;
    c->gone_base = base;
    c->count = n->count - 1;
    c->end = c->base_end = n->end;
    c->chars_len = c->base_chars = n->chars_len;
    c->live_chars = n->live_chars - (len + 1);
    /* c reads the position n appended, if any: n must not give it back */
    if (n->end > n->base_end)
        atomic_store_explicit(&n->built_on, true, memory_order_release);
    return c;
}

bool ed__names_equal(const ed_names *a, const ed_names *b)
{
    if (a == b)
        return true;
    if (a->count != b->count || a->live_chars != b->live_chars)
        return false;
    if (a->gone == NULL && b->gone == NULL)
        return memcmp(a->store->chars, b->store->chars, a->chars_len) == 0;
    ed_names_iter ia, ib;
    ed__names_iter_init(&ia, a);
    ed__names_iter_init(&ib, b);
    for (const char *x; (x = ed__names_iter_next(&ia)) != NULL;) {
        if (strcmp(x, ed__names_iter_next(&ib)) != 0)
            return false;
    }
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
