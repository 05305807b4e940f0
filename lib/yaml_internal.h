/* The strict YAML event reader shared by the state file and scenario
 * loaders, and the rule both the reader and the writer use to decide
 * whether a plain scalar reads as a string. Not installed. */
#ifndef LIBEDITION_YAML_INTERNAL_H
#define LIBEDITION_YAML_INTERNAL_H

#include "internal.h"

#include <yaml.h>

/* Limits of formats.md, refused with ED_LIMIT_EXCEEDED. */
#define ED_YAML_MAX_DEPTH 16u
#define ED_YAML_MAX_SCALAR 4096u
/* The only `libedition:` format version this library reads and writes. */
#define ED_YAML_FORMAT_VERSION 1

/* Names the node an error is about: "ctx.key", or "ctx[index]" when key is
 * NULL, or "ctx" alone when index is SIZE_MAX too. Built by value so that
 * no text is formatted unless an error is reported. */
typedef struct ed_ypath {
    const char *ctx;
    const char *key;
    size_t index;
} ed_ypath;

/* A pull reader over libyaml's event API. The current event lives in `ev`
 * until the next call to ed__yr_next; text borrowed from it dies then. */
typedef struct ed_yreader {
    yaml_parser_t parser;
    yaml_event_t ev;
    bool has_ev;
    bool open; /* parser initialized */
    const char *data;
    size_t len;
    unsigned depth;
    const ed_options *opts;
    bool key_pending;  /* the current event is a key ed__yr_key returns next */
    bool version_read; /* the root's `libedition:` was read and checked */
    ed_error **err;
} ed_yreader;

/* Checks the size limit (ED_OPT_MAX_DOCUMENT_SIZE of opts) and NUL bytes,
 * starts the parser and reads up to the start of the single document.
 * On failure the reader is closed already and *err is set. */
ED_INTERNAL ed_status ed__yr_open(ed_yreader *r, const char *data, size_t len,
                                 const ed_options *opts, ed_error **err);
ED_INTERNAL void ed__yr_close(ed_yreader *r);

/* Reads the next event. Refuses aliases, anchors and tags (schema_error),
 * nesting deeper than ED_YAML_MAX_DEPTH and scalars longer than
 * ED_YAML_MAX_SCALAR (limit_exceeded); maps libyaml failures to
 * parse_error or no_memory. */
ED_INTERNAL ed_status ed__yr_next(ed_yreader *r);

/* Reports an error at a 0-based libyaml mark (printed 1-based). */
ED_INTERNAL ed_status ed__yr_fail_at(ed_yreader *r, ed_status status, yaml_mark_t mark,
                                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Reports an error naming `path`: "<path>: <message>". */
ED_INTERNAL ed_status ed__yr_fail_path(ed_yreader *r, ed_status status, yaml_mark_t mark,
                                      ed_ypath path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The current event starts a node of the wrong type: skips the node,
 * limits still enforced, and refuses it with schema_error. */
ED_INTERNAL ed_status ed__yr_wrong_type(ed_yreader *r, ed_ypath path, const char *expected);
/* Reads the next node, which must be a mapping (its start event is then
 * current). A node of another type is skipped, limits still enforced, and
 * refused with schema_error. */
ED_INTERNAL ed_status ed__yr_mapping(ed_yreader *r, ed_ypath path);
/* The same for a sequence. */
ED_INTERNAL ed_status ed__yr_sequence(ed_yreader *r, ed_ypath path);
/* Inside a mapping: reads the next key. *key is NULL at the mapping's end;
 * otherwise it points into the current event (*len bytes). */
ED_INTERNAL ed_status ed__yr_key(ed_yreader *r, ed_ypath path, const char **key, size_t *len);
/* Inside a sequence: reads the next item's first event. *more is false at
 * the sequence's end. */
ED_INTERNAL ed_status ed__yr_item(ed_yreader *r, bool *more);

/* Scalar readers: each reads the next event, which must be a scalar of the
 * right kind (formats.md, "Scalars"). Strings may be plain or quoted, but a
 * plain scalar that YAML resolves to null, a boolean, a number or a date is
 * not a string. Words (times, enum and command names) may be plain or
 * quoted: JSON and PyYAML quote them. Ints and booleans must be plain, so
 * that `"4"` is never read as a number. A quoted word may hold a NUL from
 * an escape (`\0`): callers compare lengths, not C strings. */
ED_INTERNAL ed_status ed__yr_string(ed_yreader *r, ed_ypath path, const char **s, size_t *len);
ED_INTERNAL ed_status ed__yr_word(ed_yreader *r, ed_ypath path, const char *what, const char **s,
                                 size_t *len);
ED_INTERNAL ed_status ed__yr_plain(ed_yreader *r, ed_ypath path, const char *what, const char **s,
                                  size_t *len);
/* The current event (already read) as a string, as ed__yr_string. */
ED_INTERNAL ed_status ed__yr_current_string(ed_yreader *r, ed_ypath path, const char **s,
                                           size_t *len);
/* Plain decimal digits, at most `max`. */
ED_INTERNAL ed_status ed__yr_uint(ed_yreader *r, ed_ypath path, uint64_t max, uint64_t *out);
/* An optional '-' then decimal digits, within int64_t. */
ED_INTERNAL ed_status ed__yr_int(ed_yreader *r, ed_ypath path, int64_t *out);
/* `true` or `false`. */
ED_INTERNAL ed_status ed__yr_bool(ed_yreader *r, ed_ypath path, bool *out);
/* An RFC 3339 time (ed_time_parse). */
ED_INTERNAL ed_status ed__yr_time(ed_yreader *r, ed_ypath path, ed_time *out);

/* Reads the root mapping's start and checks its `libedition:` version
 * before anything else, so that a file of another version is named as
 * such. The key is usually first; when it is not (PyYAML's safe_dump and
 * Go's encoding/json sort keys, putting `instance` first), a second reader
 * finds it, and the loader meets it later through ed__yr_root_version_key.
 * *root_mark receives the mapping's position. */
ED_INTERNAL ed_status ed__yr_root(ed_yreader *r, yaml_mark_t *root_mark);
/* In the root mapping, the key just read (k, len) is `libedition` and has
 * not been read yet: reads and checks its value, and returns true. False
 * for any other key, or for a repeated `libedition`. */
ED_INTERNAL bool ed__yr_root_version_key(ed_yreader *r, const char *k, size_t len,
                                         ed_status *st);
/* Reads the `libedition:` version value (must be ED_YAML_FORMAT_VERSION). */
ED_INTERNAL ed_status ed__yr_version(ed_yreader *r, ed_ypath path);
/* After the root node: the document must end and no other may follow. */
ED_INTERNAL ed_status ed__yr_finish(ed_yreader *r);

/* The last command argument (ed_arg counts from 1): scenario steps read
 * and result documents write the arguments up to it, in ed_arg order, and
 * size their per-argument tables by ED_YAML_ARG_SLOTS. */
#define ED_YAML_ARG_LAST ED_ARG_MODE
#define ED_YAML_ARG_SLOTS (ED_YAML_ARG_LAST + 1)

/* Keys of an instance mapping, in the order the writer emits them. */
typedef enum ed_ikey {
    ED_IK_ID,
    ED_IK_ENDPOINT,
    ED_IK_REGION,
    ED_IK_EDITION,
    ED_IK_BILLING,
    ED_IK_CLUSTER,
    ED_IK_LIFECYCLE,
    ED_IK_REVISION,
    ED_IK_CREATED_AT,
    ED_IK_UPDATED_AT,
    ED_IK_RELEASE_DELAY_DAYS,
    ED_IK_RELEASE_AT,
    ED_IK_SUBSCRIPTION,
    ED_IK_MIGRATION,
    ED_IK_TOPICS,
    ED_IK_GROUPS,
    ED_IK_COUNT
} ed_ikey;
ED_INTERNAL extern const char *const ed__yaml_instance_keys[ED_IK_COUNT];

/* Keys of the subscription mapping, in writer order. */
typedef enum ed_skey {
    ED_SK_STARTED_AT,
    ED_SK_EXPIRES_AT,
    ED_SK_PERIOD_MONTHS,
    ED_SK_POST_EXPIRATION_ACTION,
    ED_SK_COUNT
} ed_skey;
ED_INTERNAL extern const char *const ed__yaml_subscription_keys[ED_SK_COUNT];

/* Keys of the migration mapping, in writer order. */
typedef enum ed_mkey { ED_MK_FROM, ED_MK_TO, ED_MK_STARTED_AT, ED_MK_COUNT } ed_mkey;
ED_INTERNAL extern const char *const ed__yaml_migration_keys[ED_MK_COUNT];

/* Root keys of documents. */
#define ED_YAML_KEY_VERSION "libedition"
#define ED_YAML_KEY_INSTANCE "instance"

/* Reads the next node as an instance mapping (state file rules, short form
 * allowed); `ctx` names it in messages ("instance"). */
ED_INTERNAL ed_status ed__yr_instance(ed_yreader *r, const char *ctx, ed_instance **out);

/* True when a plain scalar with this text would not read as a string under
 * YAML 1.1 or 1.2 (null, booleans such as yes/on/true, ints, floats, dates).
 * The writer quotes such strings; the reader refuses them unquoted. */
ED_INTERNAL bool ed__yaml_plain_not_string(const char *s, size_t len);

#endif
