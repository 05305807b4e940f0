/*
 * libedition: the lifecycle of an ApsaraMQ for RocketMQ instance moving
 * between Standard Edition and Enterprise Platinum Edition.
 *
 * This header is the whole public contract. The library models instance
 * snapshots as immutable, reference-counted values and every lifecycle
 * command as a pure transition: snapshot + now + arguments in, a new
 * snapshot and an ordered list of effects out. The library does no I/O,
 * reads no clock and prints nothing (the one exception, a random key drawn
 * once, is stated below); the host carries the effects out.
 *
 * Conventions, stated once and holding for every function below unless the
 * function says otherwise:
 *
 *  - Ownership. A function whose name ends in _new, _load_yaml, _ref or that
 *    returns an ed_result* hands the caller one reference, released with the
 *    matching _free. Pointers returned by getters ("borrowed") live as long
 *    as the object they were read from. Every _free function accepts NULL.
 *  - Thread-safety. Snapshots (ed_instance) are immutable and their
 *    reference counts are atomic: any number of threads may read, ref, free
 *    and transition the same snapshot at once. Results, effect lists,
 *    scenarios and errors are immutable once returned and may be read from
 *    many threads; freeing one while another thread reads it is the
 *    caller's bug. Options, commands and buffers are mutable: one thread at a
 *    time per object.
 *  - Errors. Functions return an ed_status or an ed_result carrying one.
 *    NULL or out-of-range arguments give ED_INVALID_ARGUMENT, never a crash.
 *    An allocation failure gives ED_NO_MEMORY and leaks nothing. A refused
 *    command changes nothing.
 *  - Time. ed_time is whole seconds since 1970-01-01T00:00:00Z (UTC). Valid
 *    times lie in [ED_TIME_MIN, ED_TIME_MAX] (years 0000 to 9999).
 *  - Results. Functions marked ED_NODISCARD return an object the caller
 *    must free or a status that says whether *out was written; compilers
 *    that know the attribute warn when such a result is dropped.
 *  - Process-wide state. Two things only, both settled before they are
 *    used: the allocator (ed_set_allocator) and the key of the topic and
 *    group index's hash, drawn once per process from getrandom(2) the first
 *    time a name is added or looked up, so that no input can make loading
 *    quadratic. That draw is the library's only system call (should it
 *    fail, the key mixes addresses and the monotonic clock); no result
 *    depends on the key.
 */
#ifndef LIBEDITION_H
#define LIBEDITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(ED_BUILDING_LIBRARY) && defined(__GNUC__)
#define ED_API __attribute__((visibility("default")))
#else
#define ED_API
#endif

/* Marks a function whose result must not be dropped: an object to free or
 * a status telling whether an out-parameter was written. Empty on compilers
 * without the attribute. NULL arguments stay defined behaviour (they give
 * ED_INVALID_ARGUMENT), so no `nonnull` is declared. */
#if defined(__GNUC__) || defined(__clang__)
#define ED_NODISCARD __attribute__((warn_unused_result))
#else
#define ED_NODISCARD
#endif

/* ---------------------------------------------------------------------- */
/* Version                                                                 */
/* ---------------------------------------------------------------------- */

/** Release version of this header; ed_version() gives the library's. */
#define ED_VERSION_MAJOR 0
#define ED_VERSION_MINOR 4
#define ED_VERSION_PATCH 0
/** The header's version as one number, MAJOR * 10000 + MINOR * 100 + PATCH
 *  (0.2.0 is 200), to compare with ed_version_number() or in preprocessor tests. */
#define ED_VERSION_NUMBER (ED_VERSION_MAJOR * 10000 + ED_VERSION_MINOR * 100 + ED_VERSION_PATCH)
/** ABI major: the soname is libedition.so.ED_ABI_MAJOR. */
#define ED_ABI_MAJOR 1

/** The library's version as "MAJOR.MINOR.PATCH". Static string; thread-safe. */
ED_API const char *ed_version(void);
/** The library's version as MAJOR * 10000 + MINOR * 100 + PATCH, the value
 *  ED_VERSION_NUMBER had when the library was built: a program can check at
 *  run time that the library is at least the version it was compiled
 *  against (`ed_version_number() >= ED_VERSION_NUMBER`). Thread-safe. */
ED_API int ed_version_number(void);

/* ---------------------------------------------------------------------- */
/* Status codes                                                            */
/* ---------------------------------------------------------------------- */

/** Outcome of a call. Values are stable and never reused. */
typedef enum ed_status {
    ED_OK = 0,
    ED_INVALID_ARGUMENT = 1,
    ED_INVALID_NAME = 2,
    ED_INVALID_PERIOD = 3,
    ED_CLOCK_SKEW = 4,
    ED_ALREADY_ENTERPRISE_PLATINUM = 5,
    ED_NOT_SUBSCRIPTION = 6,
    ED_NO_DIRECT_DOWNGRADE = 7,
    ED_EXPIRY_DUE = 8,
    ED_EXPIRED = 9,
    ED_RELEASED = 10,
    ED_MIGRATION_IN_PROGRESS = 11,
    ED_NO_MIGRATION = 12,
    ED_EXISTS = 13,
    ED_NOT_FOUND = 14,
    ED_DATA_LOSS_REFUSED = 15,
    ED_PARSE_ERROR = 16,
    ED_SCHEMA_ERROR = 17,
    ED_LIMIT_EXCEEDED = 18,
    ED_NO_MEMORY = 19,
    ED_IO_ERROR = 20
} ed_status;

/** Stable snake_case name of a status ("ok", "data_loss_refused", ...), or
 *  NULL for a value that is not a status. Static string; thread-safe. */
ED_API const char *ed_status_name(ed_status status);
/** Parses a stable status name. ED_INVALID_ARGUMENT if unknown. Thread-safe. */
ED_API ED_NODISCARD ed_status ed_status_from_name(const char *name, ed_status *out);

/** True for a lifecycle refusal: the input was well-formed and the
 *  snapshot is fine, but the rules refused the command (invalid_period,
 *  invalid_name, clock_skew, already_enterprise_platinum, not_subscription,
 *  no_direct_downgrade, expiry_due, expired, released,
 *  migration_in_progress, no_migration, exists, not_found,
 *  data_loss_refused). Showing the message to the user is the right
 *  response; retrying the same command at the same time is not.
 *  False for ED_OK, for failures and for values that are not statuses.
 *  Thread-safe. */
ED_API bool ed_status_is_refusal(ed_status status);
/** True for a failure: the call could not be judged by the rules because
 *  of bad input or misuse (invalid_argument, parse_error, schema_error),
 *  a limit (limit_exceeded), memory (no_memory) or I/O (io_error). Every
 *  status other than ED_OK is exactly one of refusal or failure; a value
 *  that is not a status is neither. Thread-safe. */
ED_API bool ed_status_is_failure(ed_status status);

/* ---------------------------------------------------------------------- */
/* Enumerations of the model, each with its stable name                    */
/* ---------------------------------------------------------------------- */

typedef enum ed_edition {
    ED_EDITION_STANDARD = 0,
    ED_EDITION_ENTERPRISE_PLATINUM = 1
} ed_edition;

typedef enum ed_billing {
    ED_BILLING_PAY_AS_YOU_GO = 0,
    ED_BILLING_SUBSCRIPTION = 1
} ed_billing;

typedef enum ed_cluster {
    ED_CLUSTER_SHARED = 0,
    ED_CLUSTER_DEDICATED = 1
} ed_cluster;

typedef enum ed_lifecycle {
    ED_LIFECYCLE_ACTIVE = 0,
    ED_LIFECYCLE_EXPIRED = 1,
    ED_LIFECYCLE_RELEASED = 2
} ed_lifecycle;

/** What happens when an Enterprise Platinum subscription expires. */
typedef enum ed_action {
    ED_ACTION_DELETE_RESOURCE = 0,
    ED_ACTION_DOWNGRADE_TO_STANDARD = 1
} ed_action;

/** Mode of the downgrade plan (rule X2). */
typedef enum ed_plan_mode {
    ED_PLAN_IMMEDIATE = 0,
    ED_PLAN_AT_EXPIRY = 1
} ed_plan_mode;

/** Every command a snapshot accepts (docs/rules.md section 2). */
typedef enum ed_command_kind {
    ED_CMD_UPGRADE = 1,
    ED_CMD_SET_POST_EXPIRATION_ACTION = 2,
    ED_CMD_REFUND = 3,
    ED_CMD_RENEW = 4,
    ED_CMD_TICK = 5,
    ED_CMD_COMPLETE_MIGRATION = 6,
    ED_CMD_ADD_TOPIC = 7,
    ED_CMD_REMOVE_TOPIC = 8,
    ED_CMD_ADD_GROUP = 9,
    ED_CMD_REMOVE_GROUP = 10,
    ED_CMD_DOWNGRADE = 11,
    ED_CMD_PLAN_DOWNGRADE = 12
} ed_command_kind;

/* Stable names of the values above: static strings, NULL for a value out of
 * range; thread-safe. */
/** "standard" or "enterprise_platinum". */
ED_API const char *ed_edition_name(ed_edition v);
/** "pay_as_you_go" or "subscription". */
ED_API const char *ed_billing_name(ed_billing v);
/** "shared" or "dedicated". */
ED_API const char *ed_cluster_name(ed_cluster v);
/** "active", "expired" or "released". */
ED_API const char *ed_lifecycle_name(ed_lifecycle v);
/** "delete_resource" or "downgrade_to_standard". */
ED_API const char *ed_action_name(ed_action v);
/** "immediate" or "at_expiry". */
ED_API const char *ed_plan_mode_name(ed_plan_mode v);
/** The scenario file's command name: "upgrade", "set_post_expiration_action", ... */
ED_API const char *ed_command_kind_name(ed_command_kind v);

/* Parsing a stable name back into its value: ED_INVALID_ARGUMENT if the name
 * is unknown or an argument is NULL, and *out is then untouched. Thread-safe. */
/** Parses "standard" / "enterprise_platinum". */
ED_API ED_NODISCARD ed_status ed_edition_from_name(const char *name, ed_edition *out);
/** Parses "pay_as_you_go" / "subscription". */
ED_API ED_NODISCARD ed_status ed_billing_from_name(const char *name, ed_billing *out);
/** Parses "shared" / "dedicated". */
ED_API ED_NODISCARD ed_status ed_cluster_from_name(const char *name, ed_cluster *out);
/** Parses "active" / "expired" / "released". */
ED_API ED_NODISCARD ed_status ed_lifecycle_from_name(const char *name, ed_lifecycle *out);
/** Parses "delete_resource" / "downgrade_to_standard". */
ED_API ED_NODISCARD ed_status ed_action_from_name(const char *name, ed_action *out);
/** Parses "immediate" / "at_expiry". */
ED_API ED_NODISCARD ed_status ed_plan_mode_from_name(const char *name, ed_plan_mode *out);
/** Parses a scenario command name ("upgrade", "tick", ...). */
ED_API ED_NODISCARD ed_status ed_command_kind_from_name(const char *name, ed_command_kind *out);

/* ---------------------------------------------------------------------- */
/* Time                                                                    */
/* ---------------------------------------------------------------------- */

/** Seconds since the Unix epoch, UTC. */
typedef int64_t ed_time;

/** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define ED_TIME_MIN ((ed_time)-62167219200LL)
#define ED_TIME_MAX ((ed_time)253402300799LL)
/** Bytes needed by ed_time_format, terminating NUL included. */
#define ED_TIME_BUFSIZE 21

/** Parses an RFC 3339 date-time ("2026-02-01T00:00:00Z", a numeric offset
 *  such as "+08:00" is accepted and applied; 't' and 'z' may be lower case).
 *  Fractional seconds and leap seconds are refused: libedition's time is
 *  whole seconds. `len` is the number of bytes of `text` (no NUL needed).
 *  ED_PARSE_ERROR if the text is not such a time or lies outside the valid
 *  range. Thread-safe. */
ED_API ED_NODISCARD ed_status ed_time_parse(const char *text, size_t len, ed_time *out);

/** Formats `t` as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least ED_TIME_BUFSIZE
 *  bytes), NUL-terminated. ED_INVALID_ARGUMENT if t is out of range or buf
 *  is too small. Thread-safe. */
ED_API ed_status ed_time_format(ed_time t, char *buf, size_t size);

/** Calendar arithmetic in UTC: `t` plus `months` (may be negative), the
 *  day clamped to the end of the target month (Jan 31 + 1 month = Feb 28 or
 *  29), the time of day kept. ED_INVALID_ARGUMENT if t or the result is out
 *  of range. Thread-safe. */
ED_API ED_NODISCARD ed_status ed_time_add_months(ed_time t, int months, ed_time *out);

/* ---------------------------------------------------------------------- */
/* Memory                                                                  */
/* ---------------------------------------------------------------------- */

/** Routes every allocation the library makes through the host's functions,
 *  in the manner of SQLite's SQLITE_CONFIG_MALLOC: `malloc_fn(size, ctx)`,
 *  `realloc_fn(ptr, size, ctx)` (ptr never NULL, size never 0) and
 *  `free_fn(ptr, ctx)` (ptr never NULL); `ctx` is passed through unchanged.
 *  Pass three NULLs to go back to the C library's malloc, realloc and free.
 *
 *  Call it before any other libedition function, from one thread. Once the
 *  library has allocated anything (any function that returns an object or
 *  loads a document does), the allocator is fixed for the life of the
 *  process and this returns ED_INVALID_ARGUMENT, changing nothing, so that
 *  every block is released by the allocator that made it. Also
 *  ED_INVALID_ARGUMENT when some but not all three functions are given.
 *
 *  libyaml, which the YAML loaders and writers use, allocates its parser,
 *  emitter and event buffers through its own yaml_malloc, which calls the
 *  C library's malloc and offers no hook: those short-lived blocks (freed
 *  before each loader or writer returns) do not go through these functions.
 *  Every block the library itself allocates, and every object handed to the
 *  caller, does. Not thread-safe (see above). */
ED_API ED_NODISCARD ed_status ed_set_allocator(void *(*malloc_fn)(size_t size, void *ctx),
                                               void *(*realloc_fn)(void *ptr, size_t size,
                                                                   void *ctx),
                                               void (*free_fn)(void *ptr, void *ctx), void *ctx);

/* ---------------------------------------------------------------------- */
/* Options: an extensible bag of settings (new keys never change a layout)  */
/* ---------------------------------------------------------------------- */

typedef struct ed_options ed_options;

typedef enum ed_option {
    /** int 0 or 1, default 0. ed_refund: allow the delete_resource path,
     *  which deletes every topic and group (rule X3). */
    ED_OPT_ALLOW_DATA_LOSS = 1,
    /** int 0..30, default 7. ed_create_*: days between expiry and release. */
    ED_OPT_RELEASE_DELAY_DAYS = 2,
    /** string, default none. ed_create_*: informational region. */
    ED_OPT_REGION = 3,
    /** int 1..2^40, default 64 MiB. YAML loaders: largest document. */
    ED_OPT_MAX_DOCUMENT_SIZE = 4
} ed_option;

/** New options set to their defaults; NULL when out of memory. Caller frees
 *  with ed_options_free. Wherever an options pointer is taken, NULL means
 *  "all defaults". Options are set by one thread; once set, the object is
 *  only read by the functions that take it (as const), so one finished
 *  options object may be shared read-only by any number of threads at once,
 *  as long as no thread sets or frees it meanwhile. */
ED_API ED_NODISCARD ed_options *ed_options_new(void);
/** Frees options made by ed_options_new (NULL is fine). */
ED_API void ed_options_free(ed_options *opts);
/** Set an integer option. ED_INVALID_ARGUMENT for a string key or a value
 *  out of the key's range (the options are then unchanged). */
ED_API ed_status ed_options_set_int(ed_options *opts, ed_option key, int64_t value);
/** Set a string option (copied; NULL clears it). ED_INVALID_ARGUMENT for an
 *  integer key, ED_INVALID_NAME for an invalid region, ED_NO_MEMORY. */
ED_API ed_status ed_options_set_string(ed_options *opts, ed_option key, const char *value);

/* ---------------------------------------------------------------------- */
/* Snapshots                                                               */
/* ---------------------------------------------------------------------- */

/** An immutable instance snapshot, reference-counted (see conventions). */
typedef struct ed_instance ed_instance;

/** Takes one more reference to `inst` and returns it (NULL stays NULL). */
ED_API ed_instance *ed_instance_ref(const ed_instance *inst);
/** Releases one reference; the last one frees the snapshot. */
ED_API void ed_instance_free(ed_instance *inst);

/* Getters. All take a snapshot; on NULL they return 0, NULL or false.
 * Returned strings are borrowed from the snapshot. Thread-safe. */
/** The instance ID (never changes, S3). */
ED_API const char *ed_instance_id(const ed_instance *inst);
/** The endpoint (never changes, S3). */
ED_API const char *ed_instance_endpoint(const ed_instance *inst);
/** The region, or NULL when none is recorded. */
ED_API const char *ed_instance_region(const ed_instance *inst);
/** Standard or Enterprise Platinum. */
ED_API ed_edition ed_instance_edition(const ed_instance *inst);
/** Derived from the edition (rule S1). */
ED_API ed_billing ed_instance_billing(const ed_instance *inst);
/** Derived from the edition (rule S2). */
ED_API ed_cluster ed_instance_cluster(const ed_instance *inst);
/** Active, expired (platinum past expiry, waiting for release) or released. */
ED_API ed_lifecycle ed_instance_lifecycle(const ed_instance *inst);
/** Moves by one for every accepted transition that changes the snapshot. */
ED_API uint64_t ed_instance_revision(const ed_instance *inst);
/** When the instance was created. */
ED_API ed_time ed_instance_created_at(const ed_instance *inst);
/** When the last transition that changed the snapshot happened. */
ED_API ed_time ed_instance_updated_at(const ed_instance *inst);
/** Days between expiry and release, 0..30 (default 7, S14). */
ED_API int ed_instance_release_delay_days(const ed_instance *inst);

/** The subscription of an Enterprise Platinum snapshot. Returns false (and
 *  writes nothing) on Standard Edition. Any out pointer may be NULL. */
ED_API bool ed_instance_subscription(const ed_instance *inst, ed_time *started_at,
                                     ed_time *expires_at, int *period_months,
                                     ed_action *post_expiration_action);
/** The release time; false unless the lifecycle is expired. */
ED_API bool ed_instance_release_at(const ed_instance *inst, ed_time *release_at);
/** The migration in flight; false when none. Any out pointer may be NULL. */
ED_API bool ed_instance_migration(const ed_instance *inst, ed_cluster *from, ed_cluster *to,
                                  ed_time *started_at);

/** Number of topics. */
ED_API size_t ed_instance_topic_count(const ed_instance *inst);
/** The i-th topic in insertion order, or NULL when i is out of range. */
ED_API const char *ed_instance_topic(const ed_instance *inst, size_t i);
/** Whether a topic of that name exists (constant time). */
ED_API bool ed_instance_has_topic(const ed_instance *inst, const char *name);
/** Number of consumer groups. */
ED_API size_t ed_instance_group_count(const ed_instance *inst);
/** The i-th group ID in insertion order, or NULL when i is out of range. */
ED_API const char *ed_instance_group(const ed_instance *inst, size_t i);
/** Whether a group of that ID exists (constant time). */
ED_API bool ed_instance_has_group(const ed_instance *inst, const char *name);

/** True when a and b hold the same values in every field (both NULL: true). */
ED_API bool ed_instance_equal(const ed_instance *a, const ed_instance *b);

/** The time at which ed_tick next does something: expires_at of an active
 *  Enterprise Platinum snapshot, release_at of an expired one (rule X6).
 *  Returns false ("none") otherwise. The time may already have passed:
 *  then tick is due now. */
ED_API bool ed_instance_next_deadline(const ed_instance *inst, ed_time *deadline);

/* ---------------------------------------------------------------------- */
/* Effects                                                                 */
/* ---------------------------------------------------------------------- */

/* The effect protocol (docs/rules.md section 3). A host carries effects
 * out in order, each once, recognised by its key:
 *
 *  - Keys are unique within one committed history of an instance, not
 *    across previews: two different commands run on the same snapshot both
 *    produce "<id>/<revision+1>/0". Commit a new snapshot with a
 *    compare-and-set on its revision, and keep keys unique in your store.
 *  - Timers are named ("expiry", "release"); an instance has at most one
 *    pending timer per name. timer.schedule REPLACES the pending timer of
 *    that name, timer.cancel removes it, and a timer that fired (the host
 *    called ed_tick) is gone. Following these rules, the host's timer table
 *    always holds exactly ed_instance_next_deadline (invariant I7).
 *    Creation emits no effects: schedule the first timer from the new
 *    snapshot's next deadline.
 *  - Effective times: billing.convert, instance.suspend and instance.delete
 *    carry ED_FIELD_AT, the time the change takes effect, which is the
 *    expiry or release time when a late tick applies them. */
typedef struct ed_effect ed_effect;
typedef struct ed_effect_list ed_effect_list;

/** Effect kinds (docs/rules.md section 3). Values stable, never reused. */
typedef enum ed_effect_kind {
    ED_EFFECT_BILLING_CONVERT = 1,
    ED_EFFECT_BILLING_REFUND = 2,
    ED_EFFECT_BILLING_RENEW = 3,
    ED_EFFECT_TOPIC_MIGRATE = 4,
    ED_EFFECT_CONSUMERS_REBALANCE = 5,
    ED_EFFECT_TOPIC_CREATE = 6,
    ED_EFFECT_GROUP_CREATE = 7,
    ED_EFFECT_TOPIC_DELETE = 8,
    ED_EFFECT_GROUP_DELETE = 9,
    ED_EFFECT_INSTANCE_SUSPEND = 10,
    ED_EFFECT_INSTANCE_RESUME = 11,
    ED_EFFECT_INSTANCE_DELETE = 12,
    ED_EFFECT_TIMER_SCHEDULE = 13,
    ED_EFFECT_TIMER_CANCEL = 14,
    ED_EFFECT_CONFIG_POST_EXPIRATION_ACTION = 15,
    ED_EFFECT_TICKET_EXPERT_SERVICES = 16,
    ED_EFFECT_NOTICE_DELETE_ON_EXPIRY = 17,
    ED_EFFECT_NOTICE_RELEASE_PENDING = 18,
    ED_EFFECT_NOTICE_IGNORE_RELEASE_NOTIFICATION = 19
} ed_effect_kind;

/** Dotted name of a kind ("billing.convert"), NULL if out of range. */
ED_API const char *ed_effect_kind_name(ed_effect_kind kind);
/** Parses a dotted kind name ("billing.convert"). ED_INVALID_ARGUMENT if the
 *  name is unknown or an argument is NULL (*out untouched). Thread-safe. */
ED_API ED_NODISCARD ed_status ed_effect_kind_from_name(const char *name, ed_effect_kind *out);

/** Effect flags, a bit set. */
typedef enum ed_effect_flag {
    ED_FLAG_IRREVERSIBLE = 1u << 0,
    ED_FLAG_DISRUPTIVE = 1u << 1,
    ED_FLAG_BILLING = 1u << 2,
    ED_FLAG_NOTICE = 1u << 3
} ed_effect_flag;

/** Name of a single flag ("irreversible"), NULL if not exactly one flag. */
ED_API const char *ed_effect_flag_name(ed_effect_flag flag);
/** Parses a flag name ("irreversible", "disruptive", "billing", "notice").
 *  ED_INVALID_ARGUMENT if unknown or an argument is NULL (*out untouched).
 *  Thread-safe. */
ED_API ED_NODISCARD ed_status ed_effect_flag_from_name(const char *name, ed_effect_flag *out);

typedef enum ed_subject_kind {
    ED_SUBJECT_INSTANCE = 0,
    ED_SUBJECT_TOPIC = 1,
    ED_SUBJECT_GROUP = 2
} ed_subject_kind;

/** "instance", "topic", "group"; NULL if out of range. */
ED_API const char *ed_subject_kind_name(ed_subject_kind kind);
/** Parses "instance" / "topic" / "group". ED_INVALID_ARGUMENT if unknown or
 *  an argument is NULL (*out untouched). Thread-safe. */
ED_API ED_NODISCARD ed_status ed_subject_kind_from_name(const char *name, ed_subject_kind *out);

/** Fields an effect may carry, in the order documents list them. */
typedef enum ed_field {
    ED_FIELD_FROM = 1,         /* string */
    ED_FIELD_TO = 2,           /* string */
    ED_FIELD_AT = 3,           /* time */
    ED_FIELD_PERIOD_MONTHS = 4, /* int */
    ED_FIELD_EXPIRES_AT = 5,   /* time */
    ED_FIELD_REFUND = 6,       /* string ("partial") */
    ED_FIELD_UNUSED_FROM = 7,  /* time */
    ED_FIELD_UNUSED_UNTIL = 8, /* time */
    ED_FIELD_TIMER = 9,        /* string ("expiry", "release") */
    ED_FIELD_ONLINE = 10       /* bool */
} ed_field;

#define ED_FIELD_FIRST ED_FIELD_FROM
#define ED_FIELD_LAST ED_FIELD_ONLINE

typedef enum ed_field_type {
    ED_FIELD_TYPE_STRING = 0,
    ED_FIELD_TYPE_TIME = 1,
    ED_FIELD_TYPE_INT = 2,
    ED_FIELD_TYPE_BOOL = 3
} ed_field_type;

/** "from", "period_months", ...; NULL if out of range. */
ED_API const char *ed_field_name(ed_field field);
/** Parses a field name ("from", "period_months", ...). ED_INVALID_ARGUMENT
 *  if unknown or an argument is NULL (*out untouched). Thread-safe. */
ED_API ED_NODISCARD ed_status ed_field_from_name(const char *name, ed_field *out);
/** The type of a field's value; ED_FIELD_TYPE_STRING for an unknown field. */
ED_API ed_field_type ed_field_type_of(ed_field field);

/* Effects and their lists are borrowed from the result that holds them
 * (or owned by the caller when made by ed_effects_load_yaml); getters
 * return 0, NULL or false for NULL. Thread-safe.
 *
 * Keys and texts of a list made by a transition are written when one of
 * them is first asked for, all of the list's at once, so that a
 * transition emitting many effects costs about as much as filling an
 * array: any number of threads may ask at once, each gets the same
 * pointers, valid as long as the list. Should that first writing run out
 * of memory, ed_effect_key and ed_effect_text return NULL (and the next
 * call tries again); they return NULL in no other case for an effect. The
 * dump functions never need that memory. */
/** Number of effects (0 for NULL). */
ED_API size_t ed_effect_list_count(const ed_effect_list *list);
/** The i-th effect in order (NULL when out of range). */
ED_API const ed_effect *ed_effect_list_get(const ed_effect_list *list, size_t i);

/** The effect's kind. */
ED_API ed_effect_kind ed_effect_kind_of(const ed_effect *e);
/** "<instance id>/<revision>/<index>": stable, and unique within one
 *  committed history (see the effect protocol above), for exactly-once. */
ED_API const char *ed_effect_key(const ed_effect *e);
/** The revision the effect belongs to (the one its transition produced). */
ED_API uint64_t ed_effect_revision(const ed_effect *e);
/** The ID of the instance the effect belongs to, the one its key names:
 *  the instance a transition ran on or, in a list made by
 *  ed_effects_load_yaml, the key's as written. With ed_effect_revision it
 *  tells a host which instance and revision an effects document holds
 *  without reading the key. Borrowed from the list; NULL for NULL.
 *  Thread-safe. Since 0.4.0. */
ED_API const char *ed_effect_instance_id(const ed_effect *e);
/** The effect's index within its revision, from 0. */
ED_API size_t ed_effect_index(const ed_effect *e);
/** Bit set of ed_effect_flag. */
ED_API unsigned ed_effect_flags(const ed_effect *e);
/** Whether the subject is the instance, a topic or a group. */
ED_API ed_subject_kind ed_effect_subject_kind(const ed_effect *e);
/** The instance ID, topic name or group ID the effect names. */
ED_API const char *ed_effect_subject(const ed_effect *e);
/** One line for people: "migrate topic orders from the shared cluster ...". */
ED_API const char *ed_effect_text(const ed_effect *e);
/** Whether the effect carries `field`. */
ED_API bool ed_effect_has(const ed_effect *e, ed_field field);
/** The fields the effect carries as one bit set: bit `1u << f` is set for
 *  each ed_field `f` it carries (bit 0 is never set); 0 for NULL. One call
 *  instead of one ed_effect_has per field, for bindings that copy effects
 *  out. Thread-safe. Since 0.3.0. */
ED_API unsigned ed_effect_fields(const ed_effect *e);
/** A string field, or NULL if absent or not a string field. */
ED_API const char *ed_effect_string(const ed_effect *e, ed_field field);
/** A time field; false if absent or not a time field. */
ED_API bool ed_effect_time(const ed_effect *e, ed_field field, ed_time *out);
/** An int or bool field (bool as 0/1); false if absent or of another type. */
ED_API bool ed_effect_int(const ed_effect *e, ed_field field, int64_t *out);

/** One effect copied out by ed_effect_list_read: every getter above in one
 *  record, for hosts and bindings that copy whole lists.
 *
 *  The one public struct of the library, and versioned by its size: the
 *  caller sets `size` to sizeof(ed_effect_record) as it was compiled;
 *  members are only ever appended, in a later minor release, after those
 *  below, so a program built against 0.4 keeps working with a later
 *  library (which fills only the members within `size`), and a program
 *  built against a later header gets, from an older library that knows
 *  fewer members, its members filled and every later byte zeroed.
 *  Since 0.4.0. */
typedef struct ed_effect_record {
    size_t size;                  /* set by the caller: sizeof(ed_effect_record) */
    ed_effect_kind kind;          /* ed_effect_kind_of */
    ed_subject_kind subject_kind; /* ed_effect_subject_kind */
    unsigned flags;               /* ed_effect_flags */
    unsigned fields;              /* ed_effect_fields: which members below hold a value */
    uint64_t revision;            /* ed_effect_revision */
    size_t index;                 /* ed_effect_index */
    const char *key;              /* ed_effect_key */
    const char *instance_id;      /* ed_effect_instance_id */
    const char *subject;          /* ed_effect_subject */
    const char *text;             /* ed_effect_text */
    /* The fields (ed_effect_string, ed_effect_time, ed_effect_int): NULL
     * or 0 when absent, which `fields` tells apart from a 0 value. */
    const char *from;             /* ED_FIELD_FROM */
    const char *to;               /* ED_FIELD_TO */
    ed_time at;                   /* ED_FIELD_AT */
    int64_t period_months;        /* ED_FIELD_PERIOD_MONTHS */
    ed_time expires_at;           /* ED_FIELD_EXPIRES_AT */
    const char *refund;           /* ED_FIELD_REFUND */
    ed_time unused_from;          /* ED_FIELD_UNUSED_FROM */
    ed_time unused_until;         /* ED_FIELD_UNUSED_UNTIL */
    const char *timer;            /* ED_FIELD_TIMER */
    bool online;                  /* ED_FIELD_ONLINE */
} ed_effect_record;

/** Copies effects first .. first+count-1 of `list` into out[0] ..
 *  out[count-1]. The caller sets out[0].size (sizeof(ed_effect_record));
 *  the records are that many bytes apart, and each gets it as its `size`.
 *  The strings are borrowed from the list, as from the getters (reading
 *  them writes the list's keys and texts, as ed_effect_key does).
 *  ED_INVALID_ARGUMENT when list or out is NULL, out[0].size is smaller
 *  than the 0.4.0 record, or the range passes the list's end;
 *  ED_NO_MEMORY when the keys and texts cannot be written. On an error
 *  nothing of `out` is written. count 0 is ED_OK. Thread-safe.
 *  Since 0.4.0. */
ED_API ED_NODISCARD ed_status ed_effect_list_read(const ed_effect_list *list, size_t first,
                                                  size_t count, ed_effect_record *out);

/* ---------------------------------------------------------------------- */
/* Results: the outcome of one command                                     */
/* ---------------------------------------------------------------------- */

/** Outcome of a command: status, message, new snapshot, effects, and for
 *  data_loss_refused the effects that would have happened. Never NULL:
 *  when even the result cannot be allocated, a shared static result with
 *  status ED_NO_MEMORY is returned (ed_result_free accepts it). */
typedef struct ed_result ed_result;

/** Frees a result, its effect lists and its reference to the snapshot. */
ED_API void ed_result_free(ed_result *r);
/** ED_OK or the refusal's status (ED_INVALID_ARGUMENT for NULL). */
ED_API ed_status ed_result_status(const ed_result *r);
/** Empty on success; on refusal a sentence naming the instance, the rule
 *  broken and what to do instead. A refused name or ID it quotes is
 *  escaped (ed_text_escape). Borrowed; lives as long as the result. */
ED_API const char *ed_result_message(const ed_result *r);
/** The snapshot after the command (borrowed; ed_instance_ref to keep it).
 *  A command that changed nothing returns the input snapshot itself.
 *  NULL on refusal: the input is the current snapshot still. */
ED_API const ed_instance *ed_result_instance(const ed_result *r);
/** Effects in the order the host must carry them out (empty, never NULL). */
ED_API const ed_effect_list *ed_result_effects(const ed_result *r);
/** With ED_DATA_LOSS_REFUSED: the effects the refused command would have
 *  produced, for display. Empty otherwise. */
ED_API const ed_effect_list *ed_result_would_have(const ed_result *r);

/** The downgrade plan (ed_plan_downgrade): steps in order. 0 otherwise. */
ED_API size_t ed_result_plan_count(const ed_result *r);
/** Command of plan step i: ED_CMD_SET_POST_EXPIRATION_ACTION, ED_CMD_REFUND
 *  or ED_CMD_TICK; 0 when i is out of range. */
ED_API ed_command_kind ed_result_plan_command(const ed_result *r, size_t i);
/** The action argument of plan step i; false if it has none. */
ED_API bool ed_result_plan_action(const ed_result *r, size_t i, ed_action *out);
/** The time of plan step i (`at` of a tick); false if it has none. */
ED_API bool ed_result_plan_at(const ed_result *r, size_t i, ed_time *out);

/* ---------------------------------------------------------------------- */
/* Commands                                                                */
/* ---------------------------------------------------------------------- */
/*
 * Each command takes a snapshot `in` (not modified, not consumed), an
 * explicit `now` and its arguments, and returns a result (caller frees with
 * ed_result_free). When several refusals apply, the first of this order
 * wins: released; clock_skew (now earlier than updated_at); the edition or
 * lifecycle check of the command; expiry_due (a time-driven transition is
 * due: tick first); migration_in_progress / no_migration; the arguments
 * (invalid_period, invalid_name, invalid_argument, exists, not_found);
 * data_loss_refused. Thread-safe: `in` may be shared between threads.
 */

/** A new Standard Edition instance: active, revision 0, no effects.
 *  `opts` may set ED_OPT_REGION and ED_OPT_RELEASE_DELAY_DAYS. The instance
 *  ID is 1..128 printable ASCII characters without spaces (ED_INVALID_NAME);
 *  the endpoint 1..1024 of the same (ED_INVALID_ARGUMENT). */
ED_API ED_NODISCARD ed_result *ed_create_standard(const char *id, const char *endpoint, ed_time now,
                                     const ed_options *opts);
/** A new Enterprise Platinum instance subscribed from `now` for
 *  `period_months` (1..36), post-expiration action delete_resource (S10:
 *  creation takes no action argument). No effects. */
ED_API ED_NODISCARD ed_result *ed_create_enterprise_platinum(const char *id, const char *endpoint,
                                                ed_time now, int period_months,
                                                const ed_options *opts);

/** Upgrade in place to Enterprise Platinum (S2-S5, S7); period 1..36. */
ED_API ED_NODISCARD ed_result *ed_upgrade(const ed_instance *in, ed_time now, int period_months);
/** Set the post-expiration action (S8-S10). Same value: ok, no effects. */
ED_API ED_NODISCARD ed_result *ed_set_post_expiration_action(const ed_instance *in, ed_time now,
                                                ed_action action);
/** Apply every time-driven transition due at `now` (expire, release), one
 *  revision each, effects in order (X6). Nothing due: ok, no effects. */
ED_API ED_NODISCARD ed_result *ed_tick(const ed_instance *in, ed_time now);
/** Unsubscribe now with a partial refund (S11-S13). With the action
 *  delete_resource this deletes everything and is refused with
 *  ED_DATA_LOSS_REFUSED unless `opts` sets ED_OPT_ALLOW_DATA_LOSS (X3). */
ED_API ED_NODISCARD ed_result *ed_refund(const ed_instance *in, ed_time now, const ed_options *opts);
/** Renew by `period_months` (1..36), also from expired before release (X4). */
ED_API ED_NODISCARD ed_result *ed_renew(const ed_instance *in, ed_time now, int period_months);
/** Add a topic (X1 name: 3..64 of A-Z a-z 0-9 - _), effect topic.create (X5). */
ED_API ED_NODISCARD ed_result *ed_add_topic(const ed_instance *in, ed_time now, const char *name);
/** Remove a topic the caller names: effect topic.delete, irreversible (X5). */
ED_API ED_NODISCARD ed_result *ed_remove_topic(const ed_instance *in, ed_time now, const char *name);
/** Add a consumer group (X1 name: 2..64 characters), effect group.create. */
ED_API ED_NODISCARD ed_result *ed_add_group(const ed_instance *in, ed_time now, const char *name);
/** Remove a group the caller names: effect group.delete, irreversible. */
ED_API ED_NODISCARD ed_result *ed_remove_group(const ed_instance *in, ed_time now, const char *name);
/** Clear the migration in flight (no effects); ED_NO_MIGRATION without one. */
ED_API ED_NODISCARD ed_result *ed_complete_migration(const ed_instance *in, ed_time now);
/** Always refused with ED_NO_DIRECT_DOWNGRADE (S6, S8); the message names
 *  the safe workflow (see ed_plan_downgrade). */
ED_API ED_NODISCARD ed_result *ed_downgrade(const ed_instance *in, ed_time now);
/** The command list that reaches Standard Edition without deleting
 *  anything (X2), in ed_result_plan_*; changes nothing. */
ED_API ED_NODISCARD ed_result *ed_plan_downgrade(const ed_instance *in, ed_time now, ed_plan_mode mode);

/* ---------------------------------------------------------------------- */
/* Generic commands: a command and its arguments as a value                */
/* ---------------------------------------------------------------------- */

/** A command with its arguments, as read from a scenario or a command line. */
typedef struct ed_command ed_command;

/** Arguments a command may take; names are the scenario file's keys. */
typedef enum ed_arg {
    ED_ARG_PERIOD_MONTHS = 1,  /* int: upgrade, renew */
    ED_ARG_ACTION = 2,         /* ed_action: set_post_expiration_action */
    ED_ARG_ALLOW_DATA_LOSS = 3, /* bool: refund */
    ED_ARG_NAME = 4,           /* string: add/remove topic/group */
    ED_ARG_MODE = 5            /* ed_plan_mode: plan_downgrade */
} ed_arg;

/** "period_months", "action", "allow_data_loss", "name", "mode"; NULL if out
 *  of range. */
ED_API const char *ed_arg_name(ed_arg arg);
/** Parses an argument name ("period_months", ...). ED_INVALID_ARGUMENT if
 *  unknown or an argument is NULL (*out untouched). Thread-safe. */
ED_API ED_NODISCARD ed_status ed_arg_from_name(const char *name, ed_arg *out);
/** Whether command `kind` takes argument `arg`. */
ED_API bool ed_command_kind_takes(ed_command_kind kind, ed_arg arg);
/** Whether command `kind` cannot run without `arg` (period_months, action,
 *  name, mode where taken; allow_data_loss defaults to false). */
ED_API bool ed_command_kind_requires(ed_command_kind kind, ed_arg arg);

/** A new command of `kind` with no arguments set; NULL if out of memory or
 *  kind is out of range. Caller frees with ed_command_free. */
ED_API ED_NODISCARD ed_command *ed_command_new(ed_command_kind kind);
/** Frees a command (NULL is fine). */
ED_API void ed_command_free(ed_command *cmd);
/** The command's kind (0 for NULL). */
ED_API ed_command_kind ed_command_kind_of(const ed_command *cmd);
/** Set an integer argument (period_months, action, allow_data_loss, mode).
 *  ED_INVALID_ARGUMENT if the command does not take it. Values are checked
 *  when the command runs, as the lifecycle rules say. */
ED_API ed_status ed_command_set_int(ed_command *cmd, ed_arg arg, int64_t value);
/** Set a string argument (name), copied. ED_INVALID_ARGUMENT if the command
 *  does not take it; ED_NO_MEMORY. */
ED_API ed_status ed_command_set_string(ed_command *cmd, ed_arg arg, const char *value);
/** Whether integer `arg` has been set, and its value (out may be NULL). */
ED_API bool ed_command_get_int(const ed_command *cmd, ed_arg arg, int64_t *out);
/** The string argument (name) if set, else NULL; borrowed from cmd. */
ED_API const char *ed_command_get_string(const ed_command *cmd, ed_arg arg);
/** Run the command on `in` at `now`: the same as calling the matching
 *  function above. A required argument that was never set gives
 *  ED_INVALID_ARGUMENT. */
ED_API ED_NODISCARD ed_result *ed_command_apply(const ed_command *cmd, const ed_instance *in, ed_time now);

/* ---------------------------------------------------------------------- */
/* Buffers, errors and YAML (docs/formats.md)                             */
/* ---------------------------------------------------------------------- */

/** A growing byte buffer owned by the caller; writers append to it. */
typedef struct ed_buffer ed_buffer;
/** A new empty buffer; NULL when out of memory. Free with ed_buffer_free. */
ED_API ED_NODISCARD ed_buffer *ed_buffer_new(void);
/** Frees the buffer and its bytes (NULL is fine). */
ED_API void ed_buffer_free(ed_buffer *buf);
/** The bytes written so far, NUL-terminated (the NUL not counted). */
ED_API const char *ed_buffer_data(const ed_buffer *buf);
/** Number of bytes written so far. */
ED_API size_t ed_buffer_len(const ed_buffer *buf);
/** Empties the buffer, keeping its memory. */
ED_API void ed_buffer_clear(ed_buffer *buf);

/** A load error: status, message naming the field, and where it is. */
typedef struct ed_error ed_error;
/** Frees an error (NULL is fine). */
ED_API void ed_error_free(ed_error *err);
/** ED_PARSE_ERROR, ED_SCHEMA_ERROR, ED_LIMIT_EXCEEDED, ED_NO_MEMORY, ... */
ED_API ed_status ed_error_status(const ed_error *err);
/** What was wrong, naming the field ("instance.subscription.expires_at: ...").
 *  A value it quotes is escaped (ed_text_escape) and cut after 64 bytes. */
ED_API const char *ed_error_message(const ed_error *err);
/** 1-based line of the offending input; 0 when not known. */
ED_API size_t ed_error_line(const ed_error *err);
/** 1-based column of the offending input; 0 when not known. */
ED_API size_t ed_error_column(const ed_error *err);

/** Writes `len` bytes of untrusted `text` (a name, an argument, a file
 *  name; NULs and bytes that are not UTF-8 allowed) to `buf` as a message
 *  or a terminal may show them, the way every message of the library
 *  quotes a value: newline, tab and carriage return as `\n`, `\t`, `\r`;
 *  the other C0 controls, DEL, and each byte of the UTF-8 of the C1
 *  controls (U+0080..U+009F), of U+2028, U+2029 and of the bidirectional
 *  controls (U+202A..U+202E, U+2066..U+2069) as `\xNN` (lower-case hex);
 *  a byte that starts no UTF-8 sequence as `\xNN`; everything else as
 *  itself. A backslash is not escaped, so escaping escaped text changes
 *  nothing (a host may escape a whole line that holds a message). The
 *  result is one line of UTF-8 without NULs. Returns the length of the
 *  whole escaped text; writes as much of it as fits in size - 1 bytes, cut
 *  between whole characters, and a NUL when size > 0 (call with size 0 to
 *  learn the size). NULL text is empty text. Allocates nothing.
 *  Thread-safe. Since 0.4.0. */
ED_API size_t ed_text_escape(char *buf, size_t size, const char *text, size_t len);

/** Loads a state file (docs/formats.md) from `len` bytes at `data`. Strict: see
 *  docs/formats.md. On success *out holds a new reference. On failure *out
 *  is untouched and, when err is not NULL, *err receives an error the
 *  caller frees with ed_error_free. `opts` may set ED_OPT_MAX_DOCUMENT_SIZE.
 *  Thread-safe. */
ED_API ED_NODISCARD ed_status ed_instance_load_yaml(ed_instance **out, const char *data, size_t len,
                                       const ed_options *opts, ed_error **err);
/** Appends the state file of `inst` (full form, docs/formats.md key order). */
ED_API ed_status ed_instance_dump_yaml(const ed_instance *inst, ed_buffer *buf);
/** Appends an effects document holding `list`. */
ED_API ed_status ed_effects_dump_yaml(const ed_effect_list *list, ed_buffer *buf);
/** Reads an effects document (the output of ed_effects_dump_yaml) back into
 *  a new effect list, owned by the caller and freed with ed_effects_free.
 *  Same contract and strictness as ed_instance_load_yaml: unknown, missing
 *  or repeated keys, wrong types, a kind, subject, flag set or key that does
 *  not fit the effect, and documents past the limits are refused with a
 *  status, a message naming the field and its line and column. Keys, texts
 *  and field values are kept as written, so a document written by
 *  ed_effects_dump_yaml loads into a list that dumps to the same bytes.
 *  Fields are read by name and typed by ed_field_type_of on any kind. On
 *  failure *out is untouched. Thread-safe. */
ED_API ED_NODISCARD ed_status ed_effects_load_yaml(ed_effect_list **out, const char *data,
                                                   size_t len, const ed_options *opts,
                                                   ed_error **err);
/** Frees a list made by ed_effects_load_yaml (NULL is fine). Lists borrowed
 *  from a result are freed with the result, never with this function. */
ED_API void ed_effects_free(ed_effect_list *list);

/** A scenario: an initial snapshot and timed steps (input of simulate). */
typedef struct ed_scenario ed_scenario;
/** Loads and validates a whole scenario file; same contract as
 *  ed_instance_load_yaml. Caller frees with ed_scenario_free. */
ED_API ED_NODISCARD ed_status ed_scenario_load_yaml(ed_scenario **out, const char *data, size_t len,
                                       const ed_options *opts, ed_error **err);
/** Frees a scenario (NULL is fine). */
ED_API void ed_scenario_free(ed_scenario *sc);
/** The initial snapshot (borrowed). */
ED_API const ed_instance *ed_scenario_instance(const ed_scenario *sc);
/** Number of steps. */
ED_API size_t ed_scenario_step_count(const ed_scenario *sc);
/** Step i's command (borrowed); NULL when out of range. */
ED_API const ed_command *ed_scenario_step_command(const ed_scenario *sc, size_t i);
/** Step i's time (`at`); 0 when out of range. */
ED_API ed_time ed_scenario_step_at(const ed_scenario *sc, size_t i);
/** 1-based line of step i in the file, for messages. */
ED_API size_t ed_scenario_step_line(const ed_scenario *sc, size_t i);

/** Appends one `edition simulate` step document (docs/formats.md): step number
 *  `step` (1-based), its time and command, the result `r`, and `current`,
 *  the snapshot after the step (the result's on success, the last accepted
 *  one on refusal), which gives the state summary and next_deadline. */
ED_API ed_status ed_step_dump_yaml(ed_buffer *buf, size_t step, ed_time at,
                                   const ed_command *cmd, const ed_result *r,
                                   const ed_instance *current);

/** Appends the document `edition plan` and `edition apply` print for one
 *  command: `libedition`, the command and its arguments, `at` (now), the
 *  status (and message), `instance` (the full state of `current`: the
 *  result's snapshot on success, the unchanged input on refusal), effects,
 *  would_have and plan where they apply, and next_deadline. */
ED_API ed_status ed_result_dump_yaml(ed_buffer *buf, const ed_command *cmd, ed_time now,
                                     const ed_result *r, const ed_instance *current);

/* JSON twins of the four writers above (since 1.1): the same fields in the
 * same order, as one line of JSON (RFC 8259) ending in "\n", so that step
 * documents appended one after another make JSON Lines. Strings are quoted
 * and escaped, numbers and booleans are bare, a missing next_deadline is
 * null. The loaders read the output back (JSON is a subset of YAML 1.2):
 * ed_instance_load_yaml on ed_instance_dump_json output gives an equal
 * snapshot. Like their YAML twins they append a whole document or, on
 * failure (ED_NO_MEMORY, ED_INVALID_ARGUMENT), leave the buffer as it was.
 * Thread-safe for distinct buffers. */

/** Appends the state file of `inst` as JSON (see ed_instance_dump_yaml). */
ED_API ed_status ed_instance_dump_json(const ed_instance *inst, ed_buffer *buf);
/** Appends an effects document holding `list` as JSON. */
ED_API ed_status ed_effects_dump_json(const ed_effect_list *list, ed_buffer *buf);
/** Appends one effect `e` as the JSON object ed_effects_dump_json writes
 *  for it inside its list, byte for byte: the list's document is
 *  `{"libedition":1,"effects":[` then the objects of its effects joined by
 *  `,` then `]}` and "\n". Unlike the writers above, no "\n" follows the
 *  object, so that a host can store or send one effect on its own (a row,
 *  a message) and build the list around it. The object reads back with
 *  ed_effects_load_yaml once wrapped in such a document. `e` is borrowed
 *  from its list (a result's or one made by ed_effects_load_yaml), which
 *  is only read. ED_INVALID_ARGUMENT for a NULL argument, ED_NO_MEMORY; on
 *  failure the buffer is left as it was. Thread-safe for distinct
 *  buffers. Since 0.4.0. */
ED_API ed_status ed_effect_dump_json(const ed_effect *e, ed_buffer *buf);
/** Appends one `edition simulate` step document as one JSON line (JSON
 *  Lines); arguments as ed_step_dump_yaml. */
ED_API ed_status ed_step_dump_json(ed_buffer *buf, size_t step, ed_time at,
                                   const ed_command *cmd, const ed_result *r,
                                   const ed_instance *current);
/** Appends the `edition plan` / `edition apply` document of one command as
 *  JSON; arguments as ed_result_dump_yaml. */
ED_API ed_status ed_result_dump_json(ed_buffer *buf, const ed_command *cmd, ed_time now,
                                     const ed_result *r, const ed_instance *current);

/** Where the streaming writers below send a document: called with each
 *  piece in order (at most about 64 KiB, never empty); returns true when it
 *  took the bytes, false to stop the writer. */
typedef bool (*ed_write_fn)(void *ctx, const char *data, size_t len);

/** ed_result_dump_yaml's document, handed to `write` piece by piece as it
 *  is written instead of collected in a buffer (since 1.1): the memory it
 *  needs does not grow with the number of effects, so a plan of millions
 *  of effects can go straight to a file. ED_IO_ERROR when `write` returned
 *  false (the writer stops at once), ED_NO_MEMORY, ED_INVALID_ARGUMENT for
 *  a NULL argument or an invalid time. On failure the pieces already
 *  handed over stay written: the caller discards a partial document.
 *  Thread-safe for distinct calls. */
ED_API ed_status ed_result_write_yaml(ed_write_fn write, void *ctx, const ed_command *cmd,
                                      ed_time now, const ed_result *r,
                                      const ed_instance *current);
/** ed_result_write_yaml's JSON twin: ed_result_dump_json's document in
 *  pieces. */
ED_API ed_status ed_result_write_json(ed_write_fn write, void *ctx, const ed_command *cmd,
                                      ed_time now, const ed_result *r,
                                      const ed_instance *current);

#ifdef __cplusplus
}
#endif

#endif /* LIBEDITION_H */
