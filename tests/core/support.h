/* Helpers shared by the core tests: times, expected effects, refusals and
 * field-by-field snapshot captures. Only the public API is used. */
#ifndef ED_TEST_SUPPORT_H
#define ED_TEST_SUPPORT_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libedition.h"

#define TEST_ID "MQ_INST_1380156306793859_BXq3ZzKs"
#define TEST_ENDPOINT                                                                      \
    "http://MQ_INST_1380156306793859_BXq3ZzKs.cn-hangzhou.mq-internal.aliyuncs.com:8080"
#define TEST_ID2 "MQ_INST_1380156306793859_Zk93LmQa"
#define TEST_ENDPOINT2                                                                     \
    "http://MQ_INST_1380156306793859_Zk93LmQa.cn-beijing.mq-internal.aliyuncs.com:8080"

/* ck_assert_msg without check's per-assertion bookkeeping (check reports
 * the location of every passing assertion to its parent process, which
 * dominates the run time of loops with millions of checks). */
#define REQUIRE(cond, ...)                                                                      \
    do {                                                                                        \
        if (!(cond))                                                                            \
            ck_abort_msg(__VA_ARGS__);                                                          \
    } while (0)

/* Prefix of every failure message of the helpers below (empty by default);
 * the random model test writes its seed and step here. */
extern char test_ctx[256];

/* An RFC 3339 time; the test fails if the library cannot parse it. */
ed_time tp(const char *text);
/* t plus whole days (no library call). */
ed_time plus_days(ed_time t, int days);

/* ---- the tests' own proleptic Gregorian calendar (an oracle independent
 * of the library) -------------------------------------------------------- */
typedef struct civil {
    int64_t y;
    int mo, d, h, mi, s;
} civil;

bool cal_leap(int64_t y);
int cal_month_days(int64_t y, int m);
/* Days from 0000-01-01 to January 1st of year y (y >= 0). */
int64_t cal_days_before_year(int64_t y);
civil cal_civil(int64_t y, int mo, int d, int h, int mi, int s);
ed_time cal_to_time(civil c);
/* t must lie in [ED_TIME_MIN, ED_TIME_MAX]. */
civil cal_to_civil(ed_time t);
void cal_format(civil c, char *buf, size_t size);
/* t + months with the day clamped; false when out of the valid range. */
bool cal_add_months(ed_time t, int months, ed_time *out);

/* ---- the story most tests share -----------------------------------------
 * A standard instance created on Jan 5 with two topics and two groups
 * (revisions 1..4), upgraded for one month on Feb 1 (revision 5, migration
 * shared -> dedicated in flight), expiring Mar 1, released Mar 8 with the
 * default delay of 7 days. */
#define T_CREATE "2026-01-05T00:00:00Z"
#define T_UPGRADE "2026-02-01T00:00:00Z"
#define T_EXPIRES "2026-03-01T00:00:00Z"
#define T_RELEASE "2026-03-08T00:00:00Z"

extern const char *const TOPICS[2]; /* "orders", "payments" */
extern const char *const GROUPS[2]; /* "GID_billing", "GID_audit" */

/* Revision 4: standard, TOPICS and GROUPS, updated at T_CREATE. */
ed_instance *standard4(void);
/* Revision 5: standard4() upgraded at T_UPGRADE for one month. */
ed_instance *upgraded5(void);
/* Revision 6: upgraded5() with the action set to downgrade_to_standard on
 * 2026-02-10. */
ed_instance *upgraded_downgrade6(void);
/* New options with one integer option set. */
ed_options *opts_int(ed_option key, int64_t value);

/* ---- results ----------------------------------------------------------- */

/* Asserts that r is ok, takes a reference to its snapshot, frees r and
 * returns the snapshot. */
#define take_ok(r) take_ok_(__LINE__, (r))
ed_instance *take_ok_(int line, ed_result *r);

/* Asserts a refusal as the spec wants it: `status`, no snapshot, no effects
 * (would_have only for data_loss_refused), a message that is not empty and,
 * when `id` is not NULL, names the instance. Does not free r. */
#define check_refused(r, status, id) check_refused_(__LINE__, (r), (status), (id))
void check_refused_(int line, const ed_result *r, ed_status status, const char *id);

/* Asserts that r is ok, changed nothing: the input snapshot itself comes
 * back and there are no effects. Does not free r. */
#define check_unchanged(r, in) check_unchanged_(__LINE__, (r), (in))
void check_unchanged_(int line, const ed_result *r, const ed_instance *in);

/* ---- expected effects --------------------------------------------------- */

/* One expected field. The value is `s` for string fields and `v` for time,
 * int and bool fields. */
typedef struct fexp {
    ed_field field; /* 0 ends the list */
    const char *s;
    int64_t v;
} fexp;

#define FS(f, str) {(f), (str), 0}
#define FV(f, val) {(f), NULL, (int64_t)(val)}
#define FIELDS(...) ((const fexp[]){__VA_ARGS__, {(ed_field)0, NULL, 0}})
#define NO_FIELDS ((const fexp[]){{(ed_field)0, NULL, 0}})

/* Asserts effect i of `list`: key "<id>/<rev>/<idx>", revision and index,
 * kind, exact flags, subject kind and name (the instance ID for instance
 * effects), a non-empty text and exactly the fields given (every other
 * field absent). */
#define check_effect(list, i, id, rev, idx, kind, sk, subject, flags, fields)                \
    check_effect_(__LINE__, (list), (i), (id), (rev), (idx), (kind), (sk), (subject),         \
                  (flags), (fields))
void check_effect_(int line, const ed_effect_list *list, size_t i, const char *id, uint64_t rev,
                   size_t idx, ed_effect_kind kind, ed_subject_kind sk, const char *subject,
                   unsigned flags, const fexp *fields);

/* ---- snapshot captures -------------------------------------------------- */

#define CAP_MAX_NAMES 64

/* Every field of a snapshot read through the getters, owned by the test. */
typedef struct capture {
    char id[160];
    char endpoint[1100];
    bool has_region;
    char region[80];
    ed_edition edition;
    ed_billing billing;
    ed_cluster cluster;
    ed_lifecycle lifecycle;
    uint64_t revision;
    ed_time created_at, updated_at;
    int release_delay_days;
    bool has_sub;
    ed_time started_at, expires_at;
    int period_months;
    ed_action action;
    bool has_release_at;
    ed_time release_at;
    bool has_migration;
    ed_cluster mig_from, mig_to;
    ed_time mig_started_at;
    bool has_deadline;
    ed_time deadline;
    size_t topic_count, group_count;
    char topics[CAP_MAX_NAMES][72];
    char groups[CAP_MAX_NAMES][72];
} capture;

void capture_of(const ed_instance *in, capture *out);
/* Asserts that the snapshot still holds exactly the captured values. */
#define check_capture(in, cap) check_capture_(__LINE__, (in), (cap))
void check_capture_(int line, const ed_instance *in, const capture *cap);

/* Asserts that two results are identical in every observable part (I5). */
#define check_same_result(a, b) check_same_result_(__LINE__, (a), (b))
void check_same_result_(int line, const ed_result *a, const ed_result *b);
/* Same for two effect lists. */
void check_same_effects_(int line, const ed_effect_list *a, const ed_effect_list *b);

/* Asserts the standard ⇔ pay_as_you_go ⇔ shared, platinum ⇔ subscription ⇔
 * dedicated invariant and that a subscription exists exactly on platinum. */
#define check_i2(in) check_i2_(__LINE__, (in))
void check_i2_(int line, const ed_instance *in);

/* Runs a check suite and returns the process exit status. */
int run_suite(Suite *s);

#endif
