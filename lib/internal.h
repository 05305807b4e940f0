/* Internal definitions shared by the files of lib/. Not installed. */
#ifndef LIBEDITION_INTERNAL_H
#define LIBEDITION_INTERNAL_H

#include "libedition.h"

#include <stdarg.h>
#include <stdatomic.h>

#define ED_INTERNAL __attribute__((visibility("hidden")))

/* Limits of the model (docs/rules.md, docs/formats.md). */
#define ED_ID_MAX 128
#define ED_ENDPOINT_MAX 1024
#define ED_REGION_MAX 64
#define ED_TOPIC_MIN 3
#define ED_GROUP_MIN 2
#define ED_NAME_MAX 64
#define ED_PERIOD_MIN 1
#define ED_PERIOD_MAX 36
#define ED_RELEASE_DELAY_DEFAULT 7
#define ED_RELEASE_DELAY_MAX 30
#define ED_MAX_NAMES 1000000u
#define ED_SECONDS_PER_DAY 86400
#define ED_MESSAGE_MAX 512
#define ED_DEFAULT_MAX_DOCUMENT ((int64_t)64 * 1024 * 1024)

/* ---- allocation: every allocation in lib/ goes through these ---------- */
ED_INTERNAL void *ed__alloc(size_t size);
ED_INTERNAL void *ed__calloc(size_t n, size_t size);
ED_INTERNAL void *ed__realloc(void *p, size_t size);
ED_INTERNAL char *ed__strndup(const char *s, size_t len);
/* n * size bytes, NULL (nothing allocated) when the product overflows. */
ED_INTERNAL void *ed__alloc_array(size_t n, size_t size);
ED_INTERNAL void *ed__realloc_array(void *p, size_t n, size_t size);
/* Releases a block of the functions above (NULL is fine). */
ED_INTERNAL void ed__free(void *p);
/* Size arithmetic that cannot wrap: false (and *out untouched) on
 * overflow. Every size computed from a count goes through these. */
ED_INTERNAL bool ed__size_mul(size_t a, size_t b, size_t *out);
ED_INTERNAL bool ed__size_add(size_t a, size_t b, size_t *out);

/* ---- name tables ------------------------------------------------------ */
/* An ordered set of names. The names live in a store (a character arena,
 * an offset per name and an open-addressing hash index) that several
 * tables share: a table is the store's first `end` positions less the
 * positions it removed, which a persistent tree of its own marks (path
 * copied, shared with other tables). Adding a name to a table that ends
 * where the store's written part ends appends it to the same store in
 * O(1); removing one marks its position in O(log n); older tables still
 * see exactly their own names (lib/names.c explains why this is safe while
 * other threads read). Tables are immutable once published and shared by
 * reference count. */
typedef struct ed_name_store {
    atomic_size_t refs;
    atomic_size_t used; /* positions written: the end of the longest table */
    size_t *off;        /* offsets into chars */
    size_t off_cap;
    char *chars;        /* names, each NUL-terminated */
    size_t chars_cap;
    _Atomic uint32_t *slots; /* hash index: 0 empty, else position + 1
                              * and hash bits (names.c) */
    size_t slot_cap;         /* power of two */
} ed_name_store;

typedef struct ed_gone ed_gone; /* a node of the tree of removed positions */

typedef struct ed_names {
    atomic_size_t refs;
    size_t count;      /* names in the table: end less the removed ones */
    size_t end;        /* the table is the store's first `end` positions... */
    ed_gone *gone;     /* ...less those this tree marks (NULL: none) */
    unsigned gone_height; /* the tree's levels above its leaves */
    size_t gone_base;  /* the first position the tree covers */
    size_t chars_len;  /* bytes of the first end positions in the store */
    size_t live_chars; /* bytes of the table's own names, NULs included */
    /* end and chars_len before the position this table appended to a
     * store it shares (equal to them when it appended none) */
    size_t base_end, base_chars;
    size_t claimed_slot; /* the index slot of the name it appended, if any */
    /* set when a removal built a table on the position this one appended:
     * the position is then never given back (names.c) */
    atomic_bool built_on;
    ed_name_store *store;
} ed_names;

/* A walk over a table's names in order, O(1) per name. */
typedef struct ed_names_iter {
    const ed_names *n;
    size_t pos;                /* the next position to look at */
    const ed_gone *leaf;       /* the tree's leaf for positions leaf_base... */
    size_t leaf_base, leaf_end; /* ...up to leaf_end (leaf NULL: none removed) */
} ed_names_iter;

/* A new empty table with one reference; NULL when out of memory. */
ED_INTERNAL ed_names *ed__names_new(size_t capacity_hint);
ED_INTERNAL ed_names *ed__names_ref(ed_names *n);
ED_INTERNAL void ed__names_unref(ed_names *n);
/* Appends `name` (len bytes, not validated here) to a table that is being
 * built (one reference, not yet published). ED_EXISTS if present,
 * ED_LIMIT_EXCEEDED past ED_MAX_NAMES, ED_NO_MEMORY. Unchanged on error. */
ED_INTERNAL ed_status ed__names_push(ed_names *n, const char *name, size_t len);
/* Index of name (its rank in the table's order), or SIZE_MAX. */
ED_INTERNAL size_t ed__names_find(const ed_names *n, const char *name, size_t len);
/* ed__names_push and ed__names_find with the name's hash computed once by
 * the caller (ed__names_hash: SipHash-1-3 under the per-process key), for a
 * loader that checks one name against two tables. */
ED_INTERNAL uint64_t ed__names_hash(const char *name, size_t len);
ED_INTERNAL ed_status ed__names_push_hashed(ed_names *n, const char *name, size_t len,
                                           uint64_t hash);
ED_INTERNAL size_t ed__names_find_hashed(const ed_names *n, const char *name, size_t len,
                                         uint64_t hash);
/* Pushing in two steps, for a loader: it parses the next item while the
 * index slot of this one comes into the cache. ed__names_stage checks
 * `name` against the name rule (min..ED_NAME_MAX characters of A-Z a-z
 * 0-9 - _: ED_INVALID_NAME otherwise) and returns ED_OK with its hash in
 * *hash; when the table being built has room, it also copies the name past
 * the table's end, prefetches its slot and points *staged at the copy
 * (else *staged is NULL: use ed__names_push_hashed). ed__names_commit,
 * called next with the same length and hash, appends the staged name
 * (ED_OK) or finds it already present (ED_EXISTS: the table unchanged). */
ED_INTERNAL ed_status ed__names_stage(ed_names *n, const char *name, size_t len, size_t min,
                                      uint64_t *hash, const char **staged);
ED_INTERNAL ed_status ed__names_commit(ed_names *n, size_t len, uint64_t hash);
/* Whether the table holds name: ed__names_find without the rank. */
ED_INTERNAL bool ed__names_has(const ed_names *n, const char *name, size_t len);
/* The table's own copy of name (its characters in the store), or NULL. */
ED_INTERNAL const char *ed__names_get(const ed_names *n, const char *name, size_t len);
/* The i-th name, or NULL when i >= count. */
ED_INTERNAL const char *ed__names_at(const ed_names *n, size_t i);
ED_INTERNAL void ed__names_iter_init(ed_names_iter *it, const ed_names *n);
/* The next name of the walk, or NULL after the last. */
ED_INTERNAL const char *ed__names_iter_next(ed_names_iter *it);
/* A new table with `name` appended (n untouched): O(1) when n ends where
 * its store's written part ends, else a copy. NULL on no memory. */
ED_INTERNAL ed_names *ed__names_with(const ed_names *n, const char *name);
/* A new table without `name` (len bytes), which n holds: O(log n), or a
 * compacted copy when removed positions would outnumber the names. NULL
 * on no memory, or when n does not hold the name. n's names do not change
 * (the removal may set its built_on). */
ED_INTERNAL ed_names *ed__names_without(ed_names *n, const char *name, size_t len);
ED_INTERNAL bool ed__names_equal(const ed_names *a, const ed_names *b);

/* Name rules (X1). Each returns ED_OK or ED_INVALID_NAME. */
ED_INTERNAL ed_status ed__check_topic_name(const char *s, size_t len);
ED_INTERNAL ed_status ed__check_group_name(const char *s, size_t len);
ED_INTERNAL ed_status ed__check_instance_id(const char *s, size_t len);
/* Printable ASCII without spaces, min..max bytes. */
ED_INTERNAL bool ed__is_token(const char *s, size_t len, size_t min, size_t max);

/* ---- snapshots -------------------------------------------------------- */
/* ID, endpoint and region never change (I1): one shared block. */
typedef struct ed_ident {
    atomic_size_t refs;
    char *id;       /* all three point into text[] */
    char *endpoint;
    char *region;   /* NULL when none */
    char text[];
} ed_ident;

ED_INTERNAL ed_ident *ed__ident_new(const char *id, const char *endpoint, const char *region);
ED_INTERNAL void ed__ident_unref(ed_ident *ident);

struct ed_instance {
    atomic_size_t refs;
    ed_ident *ident;
    ed_edition edition;
    ed_lifecycle lifecycle;
    uint64_t revision;
    ed_time created_at;
    ed_time updated_at;
    int release_delay_days;
    /* subscription: present exactly on Enterprise Platinum (I2) */
    bool has_subscription;
    ed_time started_at;
    ed_time expires_at;
    int period_months;
    ed_action action;
    /* present exactly when lifecycle is expired */
    bool has_release_at;
    ed_time release_at;
    bool has_migration;
    ed_cluster migration_from;
    ed_cluster migration_to;
    ed_time migration_started_at;
    ed_names *topics; /* never NULL */
    ed_names *groups; /* never NULL */
};

/* A zeroed snapshot with one reference that takes ownership of ident,
 * topics and groups (each may be NULL: an empty table is made). On failure
 * returns NULL and releases what it was given. */
ED_INTERNAL ed_instance *ed__instance_alloc(ed_ident *ident, ed_names *topics, ed_names *groups);
/* A private copy of `in` sharing ident and name tables; NULL on no memory. */
ED_INTERNAL ed_instance *ed__instance_clone(const ed_instance *in);
/* Checks the cross-field rules a loaded snapshot must satisfy (I2, release_at
 * only when expired, times in range, ...). On failure writes a message
 * naming the field into msg. */
ED_INTERNAL ed_status ed__instance_validate(const ed_instance *in, char *msg, size_t msg_size);
/* The one statement of the rules that tie a snapshot's optional parts to
 * its edition and lifecycle: a subscription exactly on enterprise_platinum,
 * a release time exactly when expired. Used by ed__instance_validate and
 * by the YAML reader, which points at the offending key. Returns NULL when
 * the parts fit; otherwise the key at fault ("subscription", "release_at"),
 * with *missing telling whether it is missing or present where it may not
 * be, and the reason (without the key) written into msg. */
ED_INTERNAL const char *ed__instance_parts_rule(ed_edition edition, ed_lifecycle lifecycle,
                                               bool has_subscription, bool has_release_at,
                                               bool *missing, char *msg, size_t msg_size);

/* ---- effects ---------------------------------------------------------- */
/* An effect is a compact record of 32 bytes: its kind, the subject as a
 * pointer into a name table or identity the list holds, and small typed
 * fields. It carries no text: keys and texts are written when first asked
 * for (ed_effect_key, ed_effect_text), for the whole list at once, and
 * published with one compare-and-swap (lib/effects.c explains why that is
 * safe while many threads read the list). Subject kind and flags follow
 * from the kind. */
struct ed_effect {
    const char *subject;
    uint32_t pos;    /* position in its list, which finds the list */
    uint32_t index;  /* within its revision (lists built by transitions) */
    uint32_t rev;    /* revision - the list's base_revision (same) */
    uint32_t extra;  /* 1 + index into the list's extras, 0 for none */
    uint16_t fields; /* bit (1u << ed_field) per present field */
    uint8_t kind;
    uint8_t from, to; /* codes of the words effects.c knows, 0: in extra */
    uint8_t online;
};

/* What few effects carry: times, a period, rare words. Every instance
 * effect has one; so has every effect of a loaded list, which also keeps
 * its key, text, revision and index as written, and the instance ID its
 * key names. */
typedef struct ed_effect_extra {
    const char *from, *to, *refund, *timer;
    ed_time at, expires_at, unused_from, unused_until;
    int64_t period_months;
    const char *key, *text, *instance;
    uint64_t revision;
    size_t index;
} ed_effect_extra;

/* The keys and texts of a whole list, built on first request. */
typedef struct ed_effect_strings ed_effect_strings;

#define ED_EFFECT_HELD_MAX 4

struct ed_effect_list {
    ed_effect *items; /* preceded by a header naming the list (effects.c) */
    size_t count, cap;
    uint64_t base_revision;
    const char *id;           /* of every key: ident's, or id_owned */
    ed_ident *ident;          /* a reference, or NULL */
    char *id_owned;
    ed_names *held[ED_EFFECT_HELD_MAX]; /* tables subjects point into */
    char **owned;             /* subjects copied by ed__effects_add */
    size_t owned_count, owned_cap;
    ed_effect_extra *extras;
    size_t extra_count, extra_cap;
    bool loaded;              /* read from a document: strings as written */
    bool bad_kind;            /* an effect has a kind without a text */
    char *text;               /* loaded lists: arena of their strings */
    size_t text_len, text_cap;
    _Atomic(ed_effect_strings *) strings;
};

/* Largest key and text (NUL included) that the library writes. */
#define ED_EFFECT_KEY_MAX 192
#define ED_EFFECT_TEXT_MAX 512

/* Makes `ident` the instance of every key in the list (a reference is
 * taken): subjects equal to its ID are then not copied. */
ED_INTERNAL void ed__effects_bind(ed_effect_list *list, ed_ident *ident);
/* Appends an effect of `kind` on `subject` (copied unless it is the bound
 * identity's ID); the caller then sets fields. NULL on no memory. */
ED_INTERNAL ed_effect *ed__effects_add(ed_effect_list *list, ed_effect_kind kind, const char *id,
                                      uint64_t revision, const char *subject);
/* Appends one effect of `kind` per name of `table`, in order, with from
 * and to (either may be NULL) and online when `online`. The list holds a
 * reference to the table; subjects point into it. false on no memory (the
 * list is then unchanged). */
ED_INTERNAL bool ed__effects_add_names(ed_effect_list *list, ed_effect_kind kind,
                                      uint64_t revision, ed_names *table, const char *from,
                                      const char *to, bool online);
/* Appends an effect whose subject is `name`, a name stored in `table`
 * (held as above). */
ED_INTERNAL ed_effect *ed__effects_add_name(ed_effect_list *list, ed_effect_kind kind,
                                           uint64_t revision, ed_names *table,
                                           const char *name);
/* ED_INVALID_ARGUMENT when an effect has a kind that has no text (a bug of
 * the caller), else ED_OK. Texts are not written here: they are made when
 * asked for. */
ED_INTERNAL ed_status ed__effects_seal(ed_effect_list *list);
/* The subject kind and flags of `kind` (lifecycle table); false for a value
 * that is not an effect kind. */
ED_INTERNAL bool ed__effect_kind_info(ed_effect_kind kind, ed_subject_kind *subject,
                                     unsigned *flags);
/* Loaded lists: appends a zeroed effect with its extra; NULL on no memory. */
ED_INTERNAL ed_effect *ed__effects_push(ed_effect_list *list);
/* The extra of an effect (NULL for none). */
ED_INTERNAL ed_effect_extra *ed__effect_extra(const ed_effect *e);
/* Copies len bytes and a NUL into the text arena of a loaded list: the
 * offset, or SIZE_MAX on no memory. */
ED_INTERNAL size_t ed__effects_put_text(ed_effect_list *list, const char *s, size_t len);
/* Set a field by its ed_field, marking it present; false when the field is
 * not of that type (ed_field_type_of) or needs an extra the effect lacks. */
ED_INTERNAL bool ed__effect_set_string(ed_effect *e, ed_field field, const char *value);
ED_INTERNAL bool ed__effect_set_time(ed_effect *e, ed_field field, ed_time value);
ED_INTERNAL bool ed__effect_set_int(ed_effect *e, ed_field field, int64_t value);
/* The key and text of e without building the list's strings: the stored
 * or already built string, or one written into buf (ED_EFFECT_KEY_MAX or
 * ED_EFFECT_TEXT_MAX bytes). NULL only for a kind without a text. Writers
 * of documents use these, so that dumping a long list needs no memory
 * beyond the document. */
ED_INTERNAL const char *ed__effect_key_into(const ed_effect *e, char *buf);
ED_INTERNAL const char *ed__effect_text_into(const ed_effect *e, char *buf);
ED_INTERNAL void ed__effects_release(ed_effect_list *list);

/* ---- results ---------------------------------------------------------- */
typedef struct ed_plan_step {
    ed_command_kind command;
    bool has_action;
    ed_action action;
    bool has_at;
    ed_time at;
} ed_plan_step;

struct ed_result {
    ed_status status;
    ed_instance *instance;      /* NULL on refusal */
    ed_effect_list effects;
    ed_effect_list would_have;
    ed_plan_step plan[2];
    size_t plan_count;
    char message[ED_MESSAGE_MAX];
};

/* The static result returned when a result cannot be allocated. */
ED_INTERNAL ed_result *ed__result_nomem(void) __attribute__((returns_nonnull));
ED_INTERNAL ed_result *ed__result_new(void);
/* Sets status and a printf-style message; returns r. */
ED_INTERNAL ed_result *ed__result_fail(ed_result *r, ed_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), returns_nonnull));
/* Builds a refused result in one step (ed__result_nomem() if allocation
 * fails). */
ED_INTERNAL ed_result *ed__refuse(ed_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), returns_nonnull));

/* The transitions whose integer argument a command carries as int64_t
 * (ed_command_apply): the public ed_upgrade, ed_renew,
 * ed_set_post_expiration_action and ed_plan_downgrade call them, and a
 * refusal names the value given, however wide. */
ED_INTERNAL ed_result *ed__upgrade(const ed_instance *in, ed_time now, int64_t period_months);
ED_INTERNAL ed_result *ed__renew(const ed_instance *in, ed_time now, int64_t period_months);
ED_INTERNAL ed_result *ed__set_post_expiration_action(const ed_instance *in, ed_time now,
                                                      int64_t action);
ED_INTERNAL ed_result *ed__plan_downgrade(const ed_instance *in, ed_time now, int64_t mode);

/* ---- options, commands, buffers, errors ------------------------------- */
struct ed_options {
    bool allow_data_loss;
    int release_delay_days;
    char *region;
    int64_t max_document_size;
};

/* The one definition of every option's default (no region to free). */
ED_INTERNAL void ed__options_defaults(ed_options *o);
ED_INTERNAL int64_t ed__options_max_document(const ed_options *opts);

struct ed_buffer {
    char *data;
    size_t len, cap;
};
ED_INTERNAL ed_status ed__buffer_append(ed_buffer *buf, const char *data, size_t len);

struct ed_error {
    ed_status status;
    size_t line, column;
    char message[ED_MESSAGE_MAX];
};
/* Creates *err (when err is not NULL) with a formatted message and returns
 * status. Out of memory: *err is the static no-memory error and the return
 * is ED_NO_MEMORY, so that callers return what the error says. */
ED_INTERNAL ed_status ed__error_set(ed_error **err, ed_status status, size_t line, size_t column,
                                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- untrusted text in messages (escape.c) ------------------------------ */
/* Length of the well-formed UTF-8 sequence (RFC 3629) at the start of the
 * `left` (> 0) bytes at s, with its code point in *cp; 0 when there is
 * none. */
ED_INTERNAL size_t ed__utf8_next(const unsigned char *s, size_t left, uint32_t *cp);

/* How much of an untrusted value a message shows, in bytes of its escaped
 * form (ed_text_escape). */
#define ED_SHOW_VALUE 64 /* a key, a word or a name read from a document */
#define ED_SHOW_NAME 80  /* a topic or group name given to a command */
#define ED_SHOW_ID 160   /* an instance ID given to create */
#define ED_SHOW_MAX ED_SHOW_ID
typedef struct ed_shown {
    char text[ED_SHOW_MAX + sizeof "..."];
} ed_shown;
/* `len` bytes at s (NULs included) as a message quotes them: escaped by
 * ed_text_escape, cut after at most `limit` (<= ED_SHOW_MAX) bytes between
 * whole characters and then marked "...". Returns out->text. */
ED_INTERNAL const char *ed__show(ed_shown *out, const char *s, size_t len, size_t limit);
/* ed__show into a temporary that lives until the end of the enclosing
 * block, for a message's argument list: "unknown key `%s`",
 * ED_SHOWN(k, klen, ED_SHOW_VALUE). */
#define ED_SHOWN(s, len, limit) ed__show(&(ed_shown){{0}}, (s), (len), (limit))

/* ---- time ------------------------------------------------------------- */
ED_INTERNAL bool ed__time_valid(ed_time t);
/* t + days, false if out of range. */
ED_INTERNAL bool ed__time_add_days(ed_time t, int days, ed_time *out);

#endif
