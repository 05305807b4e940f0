/* The order of refusals (docs/rules.md section 1): released; clock_skew; the
 * edition or lifecycle check of the command; expiry_due; migration; the
 * arguments; data_loss_refused last. Before any of them (docs/semantics.md)
 * a NULL snapshot or a `now` out of range is invalid_argument. Each test
 * builds a snapshot on which two or more refusals apply and checks that the
 * earlier one wins and that the input stays as it was. */
#include <stdint.h>
#include <string.h>

#include "support.h"

#define T_FEB10 "2026-02-10T00:00:00Z"

/* Checks the refusal and frees the result; the input must be unchanged. */
#define expect(r, status, in) expect_(__LINE__, (r), (status), (in))
static void expect_(int line, ed_result *r, ed_status status, const ed_instance *in)
{
    capture before;
    if (in != NULL)
        capture_of(in, &before);
    check_refused_(line, r, status, in != NULL ? ed_instance_id(in) : NULL);
    ed_result_free(r);
    if (in != NULL)
        check_capture_(line, in, &before);
}

#define expect_ok(r) expect_ok_(__LINE__, (r))
static void expect_ok_(int line, ed_result *r)
{
    ck_assert_msg(ed_result_status(r) == ED_OK, "line %d: expected ok, got %s: %s", line,
                  ed_status_name(ed_result_status(r)), ed_result_message(r));
    ed_result_free(r);
}

/* Expired at T_EXPIRES (delete_resource), release_at T_RELEASE, revision 6. */
static ed_instance *expired6(void)
{
    ed_instance *p = upgraded5();
    ed_instance *e = take_ok(ed_tick(p, tp(T_EXPIRES)));
    ed_instance_free(p);
    return e;
}

static ed_instance *released(void)
{
    ed_instance *p = upgraded5();
    ed_instance *r = take_ok(ed_tick(p, tp("2026-04-01T00:00:00Z")));
    ed_instance_free(p);
    return r;
}

/* Standard with a migration dedicated -> shared in flight. */
static ed_instance *downgraded_migrating(void)
{
    ed_instance *q = upgraded_downgrade6();
    ed_instance *d = take_ok(ed_tick(q, tp(T_EXPIRES)));
    ed_instance_free(q);
    ck_assert_int_eq(ed_instance_edition(d), ED_EDITION_STANDARD);
    ck_assert(ed_instance_migration(d, NULL, NULL, NULL));
    return d;
}

START_TEST(test_released_beats_everything)
{
    ed_instance *r = released();
    ed_time early = tp("2026-01-01T00:00:00Z");
    ed_time late = tp("2026-05-01T00:00:00Z");
    /* released before clock_skew */
    expect(ed_tick(r, early), ED_RELEASED, r);
    expect(ed_upgrade(r, early, 1), ED_RELEASED, r);
    expect(ed_downgrade(r, early), ED_RELEASED, r);
    /* released before the argument checks */
    expect(ed_renew(r, late, 0), ED_RELEASED, r);
    expect(ed_upgrade(r, late, 99), ED_RELEASED, r);
    expect(ed_add_topic(r, late, NULL), ED_RELEASED, r);
    expect(ed_add_topic(r, late, "x y"), ED_RELEASED, r);
    expect(ed_remove_group(r, late, NULL), ED_RELEASED, r);
    expect(ed_set_post_expiration_action(r, late, (ed_action)7), ED_RELEASED, r);
    expect(ed_plan_downgrade(r, late, (ed_plan_mode)9), ED_RELEASED, r);
    expect(ed_complete_migration(r, late), ED_RELEASED, r);
    ed_instance_free(r);
}
END_TEST

START_TEST(test_clock_skew_beats_lifecycle_checks)
{
    ed_instance *s = standard4();
    ed_instance *p = upgraded5();
    ed_instance *e = expired6();
    ed_time before_s = tp(T_CREATE) - 1;
    ed_time before_p = tp(T_UPGRADE) - 1;
    ed_time before_e = tp(T_EXPIRES) - 1;
    /* not_subscription would apply */
    expect(ed_set_post_expiration_action(s, before_s, ED_ACTION_DOWNGRADE_TO_STANDARD),
           ED_CLOCK_SKEW, s);
    expect(ed_renew(s, before_s, 1), ED_CLOCK_SKEW, s);
    expect(ed_refund(s, before_s, NULL), ED_CLOCK_SKEW, s);
    expect(ed_plan_downgrade(s, before_s, ED_PLAN_IMMEDIATE), ED_CLOCK_SKEW, s);
    /* no_direct_downgrade would apply */
    expect(ed_downgrade(s, before_s), ED_CLOCK_SKEW, s);
    /* already_enterprise_platinum would apply */
    expect(ed_upgrade(p, before_p, 1), ED_CLOCK_SKEW, p);
    /* expired would apply */
    expect(ed_add_topic(e, before_e, "refunds"), ED_CLOCK_SKEW, e);
    expect(ed_refund(e, before_e, NULL), ED_CLOCK_SKEW, e);
    /* migration_in_progress, invalid names, no_migration would apply */
    expect(ed_add_topic(p, before_p, "x"), ED_CLOCK_SKEW, p);
    expect(ed_complete_migration(s, before_s), ED_CLOCK_SKEW, s);
    expect(ed_tick(p, before_p), ED_CLOCK_SKEW, p);
    /* now == updated_at is not skew */
    expect_ok(ed_add_topic(s, tp(T_CREATE), "refunds"));
    expect_ok(ed_tick(p, tp(T_UPGRADE)));
    ed_instance_free(e);
    ed_instance_free(p);
    ed_instance_free(s);
}
END_TEST

START_TEST(test_lifecycle_check_beats_expiry_due)
{
    /* expired and past release_at: the release is due, but expired wins */
    ed_instance *e = expired6();
    ed_time late = tp("2026-03-20T00:00:00Z");
    expect(ed_set_post_expiration_action(e, late, ED_ACTION_DOWNGRADE_TO_STANDARD), ED_EXPIRED, e);
    expect(ed_add_topic(e, late, "refunds"), ED_EXPIRED, e);
    expect(ed_remove_topic(e, late, "orders"), ED_EXPIRED, e);
    expect(ed_add_group(e, late, "GID_new"), ED_EXPIRED, e);
    expect(ed_remove_group(e, late, "GID_audit"), ED_EXPIRED, e);
    expect(ed_refund(e, late, NULL), ED_EXPIRED, e);
    expect(ed_plan_downgrade(e, late, ED_PLAN_AT_EXPIRY), ED_EXPIRED, e);
    expect(ed_upgrade(e, late, 1), ED_ALREADY_ENTERPRISE_PLATINUM, e);
    /* renew may run on expired: then the due release refuses it */
    expect(ed_renew(e, late, 1), ED_EXPIRY_DUE, e);
    expect(ed_renew(e, tp(T_RELEASE), 1), ED_EXPIRY_DUE, e);
    expect_ok(ed_renew(e, tp(T_RELEASE) - 1, 1));

    /* active platinum past expires_at: upgrade's own check first */
    ed_instance *p = upgraded5();
    expect(ed_upgrade(p, tp(T_EXPIRES), 1), ED_ALREADY_ENTERPRISE_PLATINUM, p);
    ed_instance_free(p);
    ed_instance_free(e);
}
END_TEST

START_TEST(test_lifecycle_check_beats_migration_and_arguments)
{
    ed_instance *s = standard4();
    ed_instance *p = upgraded5(); /* migration in flight */
    ed_instance *e = expired6(); /* migration kept while expired */
    ed_time t = tp(T_FEB10);
    ed_time te = tp("2026-03-02T00:00:00Z");
    expect(ed_upgrade(p, t, 1), ED_ALREADY_ENTERPRISE_PLATINUM, p);
    expect(ed_upgrade(p, t, 0), ED_ALREADY_ENTERPRISE_PLATINUM, p);
    expect(ed_renew(s, t, 0), ED_NOT_SUBSCRIPTION, s);
    expect(ed_set_post_expiration_action(s, t, (ed_action)5), ED_NOT_SUBSCRIPTION, s);
    expect(ed_plan_downgrade(s, t, (ed_plan_mode)5), ED_NOT_SUBSCRIPTION, s);
    expect(ed_add_topic(e, te, "refunds"), ED_EXPIRED, e);
    expect(ed_add_topic(e, te, "x"), ED_EXPIRED, e);
    expect(ed_remove_group(e, te, "GID_none"), ED_EXPIRED, e);
    expect(ed_set_post_expiration_action(e, te, (ed_action)-1), ED_EXPIRED, e);
    ed_instance_free(e);
    ed_instance_free(p);
    ed_instance_free(s);
}
END_TEST

START_TEST(test_expiry_due_beats_migration_arguments_and_data_loss)
{
    ed_instance *p = upgraded5(); /* migration in flight, delete_resource */
    ed_time due = tp(T_EXPIRES);
    expect(ed_add_topic(p, due, "refunds"), ED_EXPIRY_DUE, p);
    expect(ed_add_topic(p, due, "x"), ED_EXPIRY_DUE, p);
    expect(ed_remove_topic(p, due, "none"), ED_EXPIRY_DUE, p);
    expect(ed_renew(p, due, 0), ED_EXPIRY_DUE, p);
    expect(ed_set_post_expiration_action(p, due, (ed_action)3), ED_EXPIRY_DUE, p);
    expect(ed_refund(p, due, NULL), ED_EXPIRY_DUE, p);
    /* exempt: tick, complete_migration, plan_downgrade */
    expect_ok(ed_complete_migration(p, due));
    expect_ok(ed_plan_downgrade(p, due, ED_PLAN_IMMEDIATE));
    expect_ok(ed_tick(p, due));
    /* downgrade is always no_direct_downgrade after released and skew */
    expect(ed_downgrade(p, due), ED_NO_DIRECT_DOWNGRADE, p);
    /* one second earlier nothing is due */
    expect(ed_add_topic(p, due - 1, "refunds"), ED_MIGRATION_IN_PROGRESS, p);
    expect(ed_refund(p, due - 1, NULL), ED_DATA_LOSS_REFUSED, p);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_migration_beats_arguments)
{
    ed_instance *p = upgraded5();
    ed_time t = tp(T_FEB10);
    expect(ed_add_topic(p, t, "x"), ED_MIGRATION_IN_PROGRESS, p);
    expect(ed_add_topic(p, t, "orders"), ED_MIGRATION_IN_PROGRESS, p);
    expect(ed_add_group(p, t, "orders"), ED_MIGRATION_IN_PROGRESS, p);
    expect(ed_remove_topic(p, t, "unknown"), ED_MIGRATION_IN_PROGRESS, p);
    expect(ed_remove_group(p, t, "g"), ED_MIGRATION_IN_PROGRESS, p);
    ed_instance *d = downgraded_migrating();
    ed_time td = tp("2026-03-02T00:00:00Z");
    expect(ed_upgrade(d, td, 0), ED_MIGRATION_IN_PROGRESS, d);
    expect(ed_upgrade(d, td, 37), ED_MIGRATION_IN_PROGRESS, d);
    /* migration does not block renew: its argument check applies */
    expect(ed_renew(p, t, 0), ED_INVALID_PERIOD, p);
    ed_instance_free(d);
    ed_instance_free(p);
}
END_TEST

/* A NULL name is an argument error (docs/rules.md section 1: invalid_argument sits among the
 * argument checks; docs/semantics.md puts only a NULL snapshot and an
 * out-of-range `now` before every rule). */
START_TEST(test_null_name_is_checked_with_the_arguments)
{
    ed_instance *p = upgraded5(); /* migration in flight */
    ed_time t = tp(T_FEB10);
    expect(ed_add_topic(p, t, NULL), ED_MIGRATION_IN_PROGRESS, p);
    expect(ed_remove_group(p, t, NULL), ED_MIGRATION_IN_PROGRESS, p);
    expect(ed_add_group(p, tp(T_EXPIRES), NULL), ED_EXPIRY_DUE, p);
    ed_instance *e = expired6();
    expect(ed_remove_topic(e, tp("2026-03-02T00:00:00Z"), NULL), ED_EXPIRED, e);
    ed_instance_free(e);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_arguments_beat_data_loss)
{
    /* refund takes no argument that can be wrong, so data_loss_refused is
     * what remains: with a migration in flight it still is the answer */
    ed_instance *p = upgraded5();
    expect(ed_refund(p, tp(T_FEB10), NULL), ED_DATA_LOSS_REFUSED, p);
    /* argument errors of the other commands come after the migration */
    ed_instance *m = take_ok(ed_complete_migration(p, tp(T_FEB10)));
    ed_time t = tp(T_FEB10);
    expect(ed_add_topic(m, t, "ab"), ED_INVALID_NAME, m);
    expect(ed_add_topic(m, t, NULL), ED_INVALID_ARGUMENT, m);
    expect(ed_add_group(m, t, NULL), ED_INVALID_ARGUMENT, m);
    expect(ed_remove_topic(m, t, NULL), ED_INVALID_ARGUMENT, m);
    expect(ed_remove_group(m, t, NULL), ED_INVALID_ARGUMENT, m);
    expect(ed_add_topic(m, t, "GID_billing"), ED_EXISTS, m);
    expect(ed_remove_topic(m, t, "refunds"), ED_NOT_FOUND, m);
    expect(ed_set_post_expiration_action(m, t, (ed_action)2), ED_INVALID_ARGUMENT, m);
    expect(ed_set_post_expiration_action(m, t, (ed_action)-1), ED_INVALID_ARGUMENT, m);
    expect(ed_plan_downgrade(m, t, (ed_plan_mode)2), ED_INVALID_ARGUMENT, m);
    expect(ed_plan_downgrade(m, t, (ed_plan_mode)-1), ED_INVALID_ARGUMENT, m);
    expect(ed_renew(m, t, 37), ED_INVALID_PERIOD, m);
    ed_instance_free(m);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_null_snapshot_is_invalid_argument)
{
    ed_time t = tp(T_FEB10);
    ed_options *allow = opts_int(ED_OPT_ALLOW_DATA_LOSS, 1);
    ed_result *rs[] = {
        ed_upgrade(NULL, t, 1),
        ed_set_post_expiration_action(NULL, t, ED_ACTION_DELETE_RESOURCE),
        ed_tick(NULL, t),
        ed_refund(NULL, t, NULL),
        ed_refund(NULL, t, allow),
        ed_renew(NULL, t, 1),
        ed_add_topic(NULL, t, "orders"),
        ed_remove_topic(NULL, t, "orders"),
        ed_add_group(NULL, t, "GID_x"),
        ed_remove_group(NULL, t, "GID_x"),
        ed_complete_migration(NULL, t),
        ed_downgrade(NULL, t),
        ed_plan_downgrade(NULL, t, ED_PLAN_IMMEDIATE),
        ed_add_topic(NULL, t, NULL),
    };
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
        check_refused(rs[i], ED_INVALID_ARGUMENT, NULL);
        ed_result_free(rs[i]);
    }
    ed_options_free(allow);
}
END_TEST

START_TEST(test_now_out_of_range_is_invalid_argument_first)
{
    ed_instance *r = released();
    ed_instance *p = upgraded5();
    const ed_time bad[] = {ED_TIME_MAX + 1, ED_TIME_MIN - 1, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < 4; i++) {
        ed_time t = bad[i];
        /* even on a released snapshot: checked before any rule */
        expect(ed_tick(r, t), ED_INVALID_ARGUMENT, r);
        expect(ed_downgrade(r, t), ED_INVALID_ARGUMENT, r);
        expect(ed_tick(p, t), ED_INVALID_ARGUMENT, p);
        expect(ed_upgrade(p, t, 1), ED_INVALID_ARGUMENT, p);
        expect(ed_set_post_expiration_action(p, t, ED_ACTION_DOWNGRADE_TO_STANDARD),
               ED_INVALID_ARGUMENT, p);
        expect(ed_refund(p, t, NULL), ED_INVALID_ARGUMENT, p);
        expect(ed_renew(p, t, 1), ED_INVALID_ARGUMENT, p);
        expect(ed_add_topic(p, t, "refunds"), ED_INVALID_ARGUMENT, p);
        expect(ed_remove_topic(p, t, "orders"), ED_INVALID_ARGUMENT, p);
        expect(ed_add_group(p, t, "GID_x"), ED_INVALID_ARGUMENT, p);
        expect(ed_remove_group(p, t, "GID_audit"), ED_INVALID_ARGUMENT, p);
        expect(ed_complete_migration(p, t), ED_INVALID_ARGUMENT, p);
        expect(ed_plan_downgrade(p, t, ED_PLAN_AT_EXPIRY), ED_INVALID_ARGUMENT, p);
        ed_result *c = ed_create_standard(TEST_ID, TEST_ENDPOINT, t, NULL);
        check_refused(c, ED_INVALID_ARGUMENT, NULL);
        ed_result_free(c);
        c = ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, t, 1, NULL);
        check_refused(c, ED_INVALID_ARGUMENT, NULL);
        ed_result_free(c);
    }
    ed_instance_free(p);
    ed_instance_free(r);
}
END_TEST

START_TEST(test_create_arguments)
{
    ed_time t = tp(T_CREATE);
    char ep1024[1025], ep1025[1026];
    memset(ep1024, 'e', 1024);
    ep1024[1024] = '\0';
    memset(ep1025, 'e', 1025);
    ep1025[1025] = '\0';
    ed_result *ok = ed_create_standard(TEST_ID, ep1024, t, NULL);
    ck_assert_int_eq(ed_result_status(ok), ED_OK);
    ed_result_free(ok);
    const char *bad_ep[] = {"", ep1025, "http://a b", "http://a\tb", "http://\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad_ep / sizeof bad_ep[0]; i++) {
        ed_result *r = ed_create_standard(TEST_ID, bad_ep[i], t, NULL);
        check_refused(r, ED_INVALID_ARGUMENT, NULL);
        ed_result_free(r);
    }
    ed_result *r = ed_create_standard(NULL, TEST_ENDPOINT, t, NULL);
    check_refused(r, ED_INVALID_ARGUMENT, NULL);
    ed_result_free(r);
    r = ed_create_standard(TEST_ID, NULL, t, NULL);
    check_refused(r, ED_INVALID_ARGUMENT, NULL);
    ed_result_free(r);
    r = ed_create_enterprise_platinum(NULL, NULL, t, 1, NULL);
    check_refused(r, ED_INVALID_ARGUMENT, NULL);
    ed_result_free(r);
    const int bad_period[] = {0, 37, -1};
    for (size_t i = 0; i < 3; i++) {
        r = ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, t, bad_period[i], NULL);
        check_refused(r, ED_INVALID_PERIOD, NULL);
        ed_result_free(r);
    }
}
END_TEST

START_TEST(test_expiry_must_leave_room_for_release)
{
    /* expires_at + 30 days must not pass 9999-12-31T23:59:59Z */
    ed_time late = tp("9999-11-15T00:00:00Z");
    ed_result *r = ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, late, 1, NULL);
    check_refused(r, ED_INVALID_PERIOD, NULL);
    ed_result_free(r);
    ed_time fits = tp("9999-10-01T23:59:59Z"); /* + 1 month + 30 days = Dec 1 */
    ed_instance *c = take_ok(ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, fits, 1, NULL));
    ed_time exp = 0;
    ck_assert(ed_instance_subscription(c, NULL, &exp, NULL, NULL));
    ck_assert_int_eq(exp, tp("9999-11-01T23:59:59Z"));
    /* one more month ends exactly 30 days before the limit: allowed; two
     * would pass it */
    expect(ed_renew(c, fits, 2), ED_INVALID_PERIOD, c);
    r = ed_renew(c, fits, 1);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ck_assert(ed_instance_subscription(ed_result_instance(r), NULL, &exp, NULL, NULL));
    ck_assert_int_eq(exp, tp("9999-12-01T23:59:59Z"));
    ed_result_free(r);
    ed_instance_free(c);

    ed_instance *s = take_ok(ed_create_standard(TEST_ID, TEST_ENDPOINT, late, NULL));
    expect(ed_upgrade(s, late, 1), ED_INVALID_PERIOD, s);
    ed_instance_free(s);
    s = take_ok(ed_create_standard(TEST_ID, TEST_ENDPOINT, fits, NULL));
    r = ed_upgrade(s, fits, 1);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_result_free(r);
    ed_instance_free(s);
}
END_TEST

START_TEST(test_exact_boundaries)
{
    ed_instance *p = upgraded5();
    ed_time exp = tp(T_EXPIRES);
    /* expiry is due at expires_at, not a second earlier */
    expect(ed_renew(p, exp, 1), ED_EXPIRY_DUE, p);
    expect_ok(ed_renew(p, exp - 1, 1));
    ed_result *r = ed_tick(p, exp - 1);
    check_unchanged(r, p);
    ed_result_free(r);
    /* release is due at release_at */
    ed_instance *e = take_ok(ed_tick(p, exp));
    r = ed_tick(e, tp(T_RELEASE) - 1);
    check_unchanged(r, e);
    ed_result_free(r);
    r = ed_tick(e, tp(T_RELEASE));
    ck_assert_int_eq(ed_instance_lifecycle(ed_result_instance(r)), ED_LIFECYCLE_RELEASED);
    ed_result_free(r);
    ed_instance_free(e);
    ed_instance_free(p);
}
END_TEST

static Suite *precedence_suite(void)
{
    Suite *s = suite_create("precedence");
    TCase *tc = tcase_create("precedence");
    tcase_add_test(tc, test_released_beats_everything);
    tcase_add_test(tc, test_clock_skew_beats_lifecycle_checks);
    tcase_add_test(tc, test_lifecycle_check_beats_expiry_due);
    tcase_add_test(tc, test_lifecycle_check_beats_migration_and_arguments);
    tcase_add_test(tc, test_expiry_due_beats_migration_arguments_and_data_loss);
    tcase_add_test(tc, test_migration_beats_arguments);
    tcase_add_test(tc, test_null_name_is_checked_with_the_arguments);
    tcase_add_test(tc, test_arguments_beat_data_loss);
    tcase_add_test(tc, test_null_snapshot_is_invalid_argument);
    tcase_add_test(tc, test_now_out_of_range_is_invalid_argument_first);
    tcase_add_test(tc, test_create_arguments);
    tcase_add_test(tc, test_expiry_must_leave_room_for_release);
    tcase_add_test(tc, test_exact_boundaries);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(precedence_suite());
}
