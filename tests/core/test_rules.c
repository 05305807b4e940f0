/* One or more tests per rule of docs/rules.md, each named after it:
 * S1..S14 (product documentation), X1..X6 (lifecycle additions) and the
 * invariants I1..I7. Expected values are written out from the spec and
 * docs/semantics.md, never computed by the library under test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "timer_replay.h"

/* Effects 0..7 of an upgrade of the standard4() instance (docs/rules.md section 2, upgrade). */
static void check_upgrade_effects(const ed_effect_list *l, uint64_t rev, ed_time now, int period,
                                  ed_time exp)
{
    ck_assert_uint_eq(ed_effect_list_count(l), 8);
    check_effect(l, 0, TEST_ID, rev, 0, ED_EFFECT_BILLING_CONVERT, ED_SUBJECT_INSTANCE, NULL,
                 ED_FLAG_BILLING,
                 FIELDS(FS(ED_FIELD_FROM, "pay_as_you_go"), FS(ED_FIELD_TO, "subscription"),
                        FV(ED_FIELD_AT, now), FV(ED_FIELD_PERIOD_MONTHS, period),
                        FV(ED_FIELD_EXPIRES_AT, exp)));
    for (size_t i = 0; i < 2; i++)
        check_effect(l, 1 + i, TEST_ID, rev, 1 + i, ED_EFFECT_TOPIC_MIGRATE, ED_SUBJECT_TOPIC,
                     TOPICS[i], 0u,
                     FIELDS(FS(ED_FIELD_FROM, "shared"), FS(ED_FIELD_TO, "dedicated"),
                            FV(ED_FIELD_ONLINE, 1)));
    for (size_t i = 0; i < 2; i++)
        check_effect(l, 3 + i, TEST_ID, rev, 3 + i, ED_EFFECT_CONSUMERS_REBALANCE,
                     ED_SUBJECT_GROUP, GROUPS[i], 0u,
                     FIELDS(FS(ED_FIELD_FROM, "shared"), FS(ED_FIELD_TO, "dedicated")));
    check_effect(l, 5, TEST_ID, rev, 5, ED_EFFECT_TIMER_SCHEDULE, ED_SUBJECT_INSTANCE, NULL, 0u,
                 FIELDS(FV(ED_FIELD_AT, exp), FS(ED_FIELD_TIMER, "expiry")));
    check_effect(l, 6, TEST_ID, rev, 6, ED_EFFECT_TICKET_EXPERT_SERVICES, ED_SUBJECT_INSTANCE,
                 NULL, ED_FLAG_NOTICE, NO_FIELDS);
    check_effect(l, 7, TEST_ID, rev, 7, ED_EFFECT_NOTICE_DELETE_ON_EXPIRY, ED_SUBJECT_INSTANCE,
                 NULL, ED_FLAG_NOTICE, FIELDS(FV(ED_FIELD_AT, exp)));
}

/* The downgrade effects (expire or refund with downgrade_to_standard) of an
 * instance holding TOPICS and GROUPS, starting at list position `pos` and
 * effect index `idx`; billing switches at `effective`. */
static void check_downgrade_effects(const ed_effect_list *l, size_t pos, uint64_t rev, size_t idx,
                                    ed_time effective, ed_time notice_at)
{
    check_effect(l, pos, TEST_ID, rev, idx, ED_EFFECT_BILLING_CONVERT, ED_SUBJECT_INSTANCE, NULL,
                 ED_FLAG_BILLING,
                 FIELDS(FS(ED_FIELD_FROM, "subscription"), FS(ED_FIELD_TO, "pay_as_you_go"),
                        FV(ED_FIELD_AT, effective)));
    for (size_t i = 0; i < 2; i++)
        check_effect(l, pos + 1 + i, TEST_ID, rev, idx + 1 + i, ED_EFFECT_TOPIC_MIGRATE,
                     ED_SUBJECT_TOPIC, TOPICS[i], 0u,
                     FIELDS(FS(ED_FIELD_FROM, "dedicated"), FS(ED_FIELD_TO, "shared"),
                            FV(ED_FIELD_ONLINE, 1)));
    for (size_t i = 0; i < 2; i++)
        check_effect(l, pos + 3 + i, TEST_ID, rev, idx + 3 + i, ED_EFFECT_CONSUMERS_REBALANCE,
                     ED_SUBJECT_GROUP, GROUPS[i], 0u,
                     FIELDS(FS(ED_FIELD_FROM, "dedicated"), FS(ED_FIELD_TO, "shared")));
    check_effect(l, pos + 5, TEST_ID, rev, idx + 5, ED_EFFECT_NOTICE_IGNORE_RELEASE_NOTIFICATION,
                 ED_SUBJECT_INSTANCE, NULL, ED_FLAG_NOTICE, FIELDS(FV(ED_FIELD_AT, notice_at)));
}

/* Release effects: every group, every topic, the instance (deleted as of
 * `effective`); all irreversible. */
static void check_release_effects(const ed_effect_list *l, size_t pos, uint64_t rev, size_t idx,
                                  ed_time effective)
{
    for (size_t i = 0; i < 2; i++)
        check_effect(l, pos + i, TEST_ID, rev, idx + i, ED_EFFECT_GROUP_DELETE, ED_SUBJECT_GROUP,
                     GROUPS[i], ED_FLAG_IRREVERSIBLE, NO_FIELDS);
    for (size_t i = 0; i < 2; i++)
        check_effect(l, pos + 2 + i, TEST_ID, rev, idx + 2 + i, ED_EFFECT_TOPIC_DELETE,
                     ED_SUBJECT_TOPIC, TOPICS[i], ED_FLAG_IRREVERSIBLE, NO_FIELDS);
    check_effect(l, pos + 4, TEST_ID, rev, idx + 4, ED_EFFECT_INSTANCE_DELETE,
                 ED_SUBJECT_INSTANCE, NULL, ED_FLAG_IRREVERSIBLE,
                 FIELDS(FV(ED_FIELD_AT, effective)));
}

/* The first two effects of every refund at `now` of a subscription that
 * expires at `expires`: the partial refund, then the end of the expiry
 * timer (section 3, Timers). */
static void check_refund_head(const ed_effect_list *l, uint64_t rev, ed_time now, ed_time expires)
{
    check_effect(l, 0, TEST_ID, rev, 0, ED_EFFECT_BILLING_REFUND, ED_SUBJECT_INSTANCE, NULL,
                 ED_FLAG_BILLING,
                 FIELDS(FS(ED_FIELD_REFUND, "partial"), FV(ED_FIELD_UNUSED_FROM, now),
                        FV(ED_FIELD_UNUSED_UNTIL, expires)));
    check_effect(l, 1, TEST_ID, rev, 1, ED_EFFECT_TIMER_CANCEL, ED_SUBJECT_INSTANCE, NULL, 0u,
                 FIELDS(FS(ED_FIELD_TIMER, "expiry")));
}

/* The snapshot after a downgrade (expiry or refund) at `at`. */
static void check_downgraded(const ed_instance *s, uint64_t rev, ed_time at)
{
    ck_assert_int_eq(ed_instance_edition(s), ED_EDITION_STANDARD);
    ck_assert_int_eq(ed_instance_billing(s), ED_BILLING_PAY_AS_YOU_GO);
    ck_assert_int_eq(ed_instance_cluster(s), ED_CLUSTER_SHARED);
    ck_assert_int_eq(ed_instance_lifecycle(s), ED_LIFECYCLE_ACTIVE);
    ck_assert_uint_eq(ed_instance_revision(s), rev);
    ck_assert_int_eq(ed_instance_updated_at(s), at);
    ck_assert(!ed_instance_subscription(s, NULL, NULL, NULL, NULL));
    ck_assert(!ed_instance_release_at(s, NULL));
    ed_cluster from = ED_CLUSTER_SHARED, to = ED_CLUSTER_DEDICATED;
    ed_time started = 0;
    ck_assert(ed_instance_migration(s, &from, &to, &started));
    ck_assert_int_eq(from, ED_CLUSTER_DEDICATED);
    ck_assert_int_eq(to, ED_CLUSTER_SHARED);
    ck_assert_int_eq(started, at);
    ck_assert_uint_eq(ed_instance_topic_count(s), 2);
    ck_assert_uint_eq(ed_instance_group_count(s), 2);
    ck_assert(!ed_instance_next_deadline(s, NULL));
}

/* The snapshot after a release at `at`. */
static void check_released(const ed_instance *s, uint64_t rev, ed_time at)
{
    ck_assert_int_eq(ed_instance_lifecycle(s), ED_LIFECYCLE_RELEASED);
    ck_assert_uint_eq(ed_instance_revision(s), rev);
    ck_assert_int_eq(ed_instance_updated_at(s), at);
    ck_assert_uint_eq(ed_instance_topic_count(s), 0);
    ck_assert_uint_eq(ed_instance_group_count(s), 0);
    ck_assert(!ed_instance_migration(s, NULL, NULL, NULL));
    ck_assert(!ed_instance_release_at(s, NULL));
    ck_assert(!ed_instance_next_deadline(s, NULL));
    /* edition and subscription stay as the record of what was released */
    ck_assert_int_eq(ed_instance_edition(s), ED_EDITION_ENTERPRISE_PLATINUM);
    ck_assert(ed_instance_subscription(s, NULL, NULL, NULL, NULL));
    ck_assert_str_eq(ed_instance_id(s), TEST_ID);
}

/* ---------------------------------------------------------------- S1 -- */

START_TEST(test_S1_standard_is_pay_as_you_go)
{
    ed_time t = tp(T_CREATE);
    ed_result *r = ed_create_standard(TEST_ID, TEST_ENDPOINT, t, NULL);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ck_assert_uint_eq(ed_effect_list_count(ed_result_effects(r)), 0);
    const ed_instance *s = ed_result_instance(r);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(ed_instance_edition(s), ED_EDITION_STANDARD);
    ck_assert_int_eq(ed_instance_billing(s), ED_BILLING_PAY_AS_YOU_GO);
    ck_assert_int_eq(ed_instance_cluster(s), ED_CLUSTER_SHARED);
    ck_assert_int_eq(ed_instance_lifecycle(s), ED_LIFECYCLE_ACTIVE);
    ck_assert_uint_eq(ed_instance_revision(s), 0);
    ck_assert_int_eq(ed_instance_created_at(s), t);
    ck_assert_int_eq(ed_instance_updated_at(s), t);
    ck_assert_int_eq(ed_instance_release_delay_days(s), 7);
    ck_assert(!ed_instance_subscription(s, NULL, NULL, NULL, NULL));
    ck_assert(!ed_instance_migration(s, NULL, NULL, NULL));
    ck_assert(!ed_instance_release_at(s, NULL));
    ck_assert(!ed_instance_next_deadline(s, NULL));
    ck_assert_ptr_null(ed_instance_region(s));
    ck_assert_uint_eq(ed_instance_topic_count(s), 0);
    ck_assert_uint_eq(ed_instance_group_count(s), 0);
    ed_result_free(r);
}
END_TEST

START_TEST(test_S1_upgrade_converts_billing_to_subscription)
{
    ed_instance *s = standard4();
    ed_result *r = ed_upgrade(s, tp(T_UPGRADE), 1);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    const ed_instance *p = ed_result_instance(r);
    ck_assert_int_eq(ed_instance_billing(p), ED_BILLING_SUBSCRIPTION);
    const ed_effect_list *l = ed_result_effects(r);
    check_effect(l, 0, TEST_ID, 5, 0, ED_EFFECT_BILLING_CONVERT, ED_SUBJECT_INSTANCE, NULL,
                 ED_FLAG_BILLING,
                 FIELDS(FS(ED_FIELD_FROM, "pay_as_you_go"), FS(ED_FIELD_TO, "subscription"),
                        FV(ED_FIELD_AT, tp(T_UPGRADE)), FV(ED_FIELD_PERIOD_MONTHS, 1),
                        FV(ED_FIELD_EXPIRES_AT, tp(T_EXPIRES))));
    /* the input keeps being what it was */
    ck_assert_int_eq(ed_instance_billing(s), ED_BILLING_PAY_AS_YOU_GO);
    ed_result_free(r);
    ed_instance_free(s);
}
END_TEST

/* ---------------------------------------------------------------- S2 -- */

START_TEST(test_S2_upgrade_moves_to_dedicated_cluster)
{
    ed_instance *s = standard4();
    ed_time now = tp(T_UPGRADE);
    ed_result *r = ed_upgrade(s, now, 1);
    const ed_instance *p = ed_result_instance(r);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(ed_instance_cluster(p), ED_CLUSTER_DEDICATED);
    ck_assert_int_eq(ed_instance_edition(p), ED_EDITION_ENTERPRISE_PLATINUM);
    ed_cluster from = ED_CLUSTER_DEDICATED, to = ED_CLUSTER_SHARED;
    ed_time started = 0;
    ck_assert(ed_instance_migration(p, &from, &to, &started));
    ck_assert_int_eq(from, ED_CLUSTER_SHARED);
    ck_assert_int_eq(to, ED_CLUSTER_DEDICATED);
    ck_assert_int_eq(started, now);
    /* every topic and every group moves, in insertion order */
    const ed_effect_list *l = ed_result_effects(r);
    ck_assert_int_eq(ed_effect_kind_of(ed_effect_list_get(l, 1)), ED_EFFECT_TOPIC_MIGRATE);
    ck_assert_str_eq(ed_effect_subject(ed_effect_list_get(l, 1)), "orders");
    ck_assert_str_eq(ed_effect_subject(ed_effect_list_get(l, 2)), "payments");
    ck_assert_str_eq(ed_effect_subject(ed_effect_list_get(l, 3)), "GID_billing");
    ck_assert_str_eq(ed_effect_subject(ed_effect_list_get(l, 4)), "GID_audit");
    ck_assert_int_eq(ed_instance_cluster(s), ED_CLUSTER_SHARED);
    ed_result_free(r);
    ed_instance_free(s);
}
END_TEST

/* ---------------------------------------------------------------- S3 -- */

START_TEST(test_S3_upgrade_keeps_id_and_endpoint)
{
    ed_options *o = ed_options_new();
    ck_assert_int_eq(ed_options_set_string(o, ED_OPT_REGION, "cn-hangzhou"), ED_OK);
    ed_instance *s = take_ok(ed_create_standard(TEST_ID, TEST_ENDPOINT, tp(T_CREATE), o));
    ed_options_free(o);
    ed_instance *p = take_ok(ed_upgrade(s, tp(T_UPGRADE), 12));
    ck_assert_str_eq(ed_instance_id(p), TEST_ID);
    ck_assert_str_eq(ed_instance_endpoint(p), TEST_ENDPOINT);
    ck_assert_str_eq(ed_instance_region(p), "cn-hangzhou");
    ck_assert_int_eq(ed_instance_created_at(p), tp(T_CREATE));
    ed_instance_free(p);
    ed_instance_free(s);
}
END_TEST

/* ---------------------------------------------------------------- S4 -- */

START_TEST(test_S4_upgrade_interrupts_nothing)
{
    ed_instance *s = standard4();
    ed_result *r = ed_upgrade(s, tp(T_UPGRADE), 3);
    const ed_effect_list *l = ed_result_effects(r);
    ck_assert_uint_gt(ed_effect_list_count(l), 0);
    for (size_t i = 0; i < ed_effect_list_count(l); i++) {
        const ed_effect *e = ed_effect_list_get(l, i);
        ck_assert_msg((ed_effect_flags(e) & (ED_FLAG_DISRUPTIVE | ED_FLAG_IRREVERSIBLE)) == 0,
                      "upgrade effect %s is disruptive or irreversible", ed_effect_key(e));
        ck_assert_int_ne(ed_effect_kind_of(e), ED_EFFECT_INSTANCE_SUSPEND);
        if (ed_effect_kind_of(e) == ED_EFFECT_TOPIC_MIGRATE) {
            int64_t online = 0;
            ck_assert(ed_effect_int(e, ED_FIELD_ONLINE, &online));
            ck_assert_int_eq(online, 1);
        }
    }
    ck_assert_int_eq(ed_instance_lifecycle(ed_result_instance(r)), ED_LIFECYCLE_ACTIVE);
    ed_result_free(r);
    ed_instance_free(s);
}
END_TEST

/* ---------------------------------------------------------------- S5 -- */

START_TEST(test_S5_upgrade_subscribes_from_now_for_the_period)
{
    ed_instance *s = standard4();
    /* calendar months, day clamped: Jan 31 + 1 month = Feb 28 (2026) */
    ed_time now = tp("2026-01-31T10:00:00Z");
    ed_instance *p = take_ok(ed_upgrade(s, now, 1));
    ed_time started = 0, expires = 0;
    int period = 0;
    ed_action action = ED_ACTION_DOWNGRADE_TO_STANDARD;
    ck_assert(ed_instance_subscription(p, &started, &expires, &period, &action));
    ck_assert_int_eq(started, now);
    ck_assert_int_eq(expires, tp("2026-02-28T10:00:00Z"));
    ck_assert_int_eq(period, 1);
    ck_assert_int_eq(action, ED_ACTION_DELETE_RESOURCE);
    ck_assert_int_eq(ed_instance_updated_at(p), now);
    ck_assert_uint_eq(ed_instance_revision(p), 5);
    ed_time deadline = 0;
    ck_assert(ed_instance_next_deadline(p, &deadline));
    ck_assert_int_eq(deadline, tp("2026-02-28T10:00:00Z"));
    ed_instance_free(p);

    /* 36 months is the longest period */
    p = take_ok(ed_upgrade(s, now, 36));
    ck_assert(ed_instance_subscription(p, NULL, &expires, &period, NULL));
    ck_assert_int_eq(expires, tp("2029-01-31T10:00:00Z"));
    ck_assert_int_eq(period, 36);
    ed_instance_free(p);

    capture before;
    capture_of(s, &before);
    const int bad[] = {0, 37, -1, 1000, -2147483647 - 1, 2147483647};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ed_result *r = ed_upgrade(s, now, bad[i]);
        check_refused(r, ED_INVALID_PERIOD, TEST_ID);
        ed_result_free(r);
    }
    check_capture(s, &before);
    ed_instance_free(s);
}
END_TEST

/* ---------------------------------------------------------------- S6 -- */

START_TEST(test_S6_direct_downgrade_refused)
{
    ed_instance *s = standard4();
    ed_instance *p = upgraded5();
    capture before;
    capture_of(p, &before);
    ed_result *r = ed_downgrade(p, tp("2026-02-10T00:00:00Z"));
    check_refused(r, ED_NO_DIRECT_DOWNGRADE, TEST_ID);
    /* the message names the safe workflow */
    ck_assert_ptr_nonnull(strstr(ed_result_message(r), "downgrade_to_standard"));
    ed_result_free(r);
    check_capture(p, &before);

    /* refused whatever the edition (docs/semantics.md) */
    r = ed_downgrade(s, tp("2026-02-10T00:00:00Z"));
    check_refused(r, ED_NO_DIRECT_DOWNGRADE, TEST_ID);
    ed_result_free(r);
    ed_instance_free(s);
    ed_instance_free(p);
}
END_TEST

/* ---------------------------------------------------------------- S7 -- */

START_TEST(test_S7_upgrade_effects_in_order)
{
    ed_instance *s = standard4();
    ed_result *r = ed_upgrade(s, tp(T_UPGRADE), 1);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ck_assert_str_eq(ed_result_message(r), "");
    check_upgrade_effects(ed_result_effects(r), 5, tp(T_UPGRADE), 1, tp(T_EXPIRES));
    ck_assert_uint_eq(ed_effect_list_count(ed_result_would_have(r)), 0);
    ck_assert_uint_eq(ed_result_plan_count(r), 0);
    ed_result_free(r);

    /* an instance without topics or groups: only the instance effects */
    ed_instance *bare = take_ok(ed_create_standard(TEST_ID, TEST_ENDPOINT, tp(T_CREATE), NULL));
    r = ed_upgrade(bare, tp(T_UPGRADE), 2);
    const ed_effect_list *l = ed_result_effects(r);
    ed_time exp = tp("2026-04-01T00:00:00Z");
    ck_assert_uint_eq(ed_effect_list_count(l), 4);
    check_effect(l, 0, TEST_ID, 1, 0, ED_EFFECT_BILLING_CONVERT, ED_SUBJECT_INSTANCE, NULL,
                 ED_FLAG_BILLING,
                 FIELDS(FS(ED_FIELD_FROM, "pay_as_you_go"), FS(ED_FIELD_TO, "subscription"),
                        FV(ED_FIELD_AT, tp(T_UPGRADE)), FV(ED_FIELD_PERIOD_MONTHS, 2),
                        FV(ED_FIELD_EXPIRES_AT, exp)));
    check_effect(l, 1, TEST_ID, 1, 1, ED_EFFECT_TIMER_SCHEDULE, ED_SUBJECT_INSTANCE, NULL, 0u,
                 FIELDS(FV(ED_FIELD_AT, exp), FS(ED_FIELD_TIMER, "expiry")));
    check_effect(l, 2, TEST_ID, 1, 2, ED_EFFECT_TICKET_EXPERT_SERVICES, ED_SUBJECT_INSTANCE,
                 NULL, ED_FLAG_NOTICE, NO_FIELDS);
    check_effect(l, 3, TEST_ID, 1, 3, ED_EFFECT_NOTICE_DELETE_ON_EXPIRY, ED_SUBJECT_INSTANCE,
                 NULL, ED_FLAG_NOTICE, FIELDS(FV(ED_FIELD_AT, exp)));
    ed_result_free(r);
    ed_instance_free(bare);
    ed_instance_free(s);
}
END_TEST

START_TEST(test_S7_upgrade_refused_on_platinum)
{
    ed_instance *p = upgraded5();
    ed_result *r = ed_upgrade(p, tp("2026-02-02T00:00:00Z"), 1);
    check_refused(r, ED_ALREADY_ENTERPRISE_PLATINUM, TEST_ID);
    ed_result_free(r);
    ed_instance *c =
        take_ok(ed_create_enterprise_platinum(TEST_ID2, TEST_ENDPOINT2, tp(T_CREATE), 6, NULL));
    r = ed_upgrade(c, tp(T_CREATE), 1);
    check_refused(r, ED_ALREADY_ENTERPRISE_PLATINUM, TEST_ID2);
    ed_result_free(r);
    /* expired platinum too (docs/semantics.md) */
    ed_instance *e = take_ok(ed_tick(p, tp(T_EXPIRES)));
    r = ed_upgrade(e, tp(T_EXPIRES), 1);
    check_refused(r, ED_ALREADY_ENTERPRISE_PLATINUM, TEST_ID);
    ed_result_free(r);
    ed_instance_free(e);
    ed_instance_free(c);
    ed_instance_free(p);
}
END_TEST

/* ---------------------------------------------------------------- S8 -- */

START_TEST(test_S8_downgrade_through_post_expiration_action)
{
    ed_instance *p = upgraded5();
    ed_time t = tp("2026-02-10T00:00:00Z");
    ed_result *r = ed_set_post_expiration_action(p, t, ED_ACTION_DOWNGRADE_TO_STANDARD);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    const ed_effect_list *l = ed_result_effects(r);
    ck_assert_uint_eq(ed_effect_list_count(l), 1);
    check_effect(l, 0, TEST_ID, 6, 0, ED_EFFECT_CONFIG_POST_EXPIRATION_ACTION, ED_SUBJECT_INSTANCE,
                 NULL, 0u,
                 FIELDS(FS(ED_FIELD_FROM, "delete_resource"),
                        FS(ED_FIELD_TO, "downgrade_to_standard")));
    const ed_instance *q = ed_result_instance(r);
    ed_action action = ED_ACTION_DELETE_RESOURCE;
    ed_time expires = 0;
    ck_assert(ed_instance_subscription(q, NULL, &expires, NULL, &action));
    ck_assert_int_eq(action, ED_ACTION_DOWNGRADE_TO_STANDARD);
    ck_assert_int_eq(expires, tp(T_EXPIRES));
    ck_assert_uint_eq(ed_instance_revision(q), 6);
    ck_assert_int_eq(ed_instance_updated_at(q), t);
    ck_assert_int_eq(ed_instance_edition(q), ED_EDITION_ENTERPRISE_PLATINUM);

    /* the downgrade happens at expiry, by tick */
    ed_result *x = ed_tick(q, tp(T_EXPIRES));
    ck_assert_int_eq(ed_result_status(x), ED_OK);
    check_downgraded(ed_result_instance(x), 7, tp(T_EXPIRES));
    ck_assert_uint_eq(ed_effect_list_count(ed_result_effects(x)), 6);
    check_downgrade_effects(ed_result_effects(x), 0, 7, 0, tp(T_EXPIRES), tp(T_RELEASE));
    ed_result_free(x);
    ed_result_free(r);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_S8_set_action_refusals)
{
    ed_instance *s = standard4();
    ed_result *r = ed_set_post_expiration_action(s, tp(T_UPGRADE), ED_ACTION_DOWNGRADE_TO_STANDARD);
    check_refused(r, ED_NOT_SUBSCRIPTION, TEST_ID);
    ed_result_free(r);

    ed_instance *p = upgraded5();
    /* at expires_at the expiry is due: tick first */
    r = ed_set_post_expiration_action(p, tp(T_EXPIRES), ED_ACTION_DOWNGRADE_TO_STANDARD);
    check_refused(r, ED_EXPIRY_DUE, TEST_ID);
    ed_result_free(r);
    ed_instance *e = take_ok(ed_tick(p, tp(T_EXPIRES)));
    r = ed_set_post_expiration_action(e, tp("2026-03-02T00:00:00Z"),
                                      ED_ACTION_DOWNGRADE_TO_STANDARD);
    check_refused(r, ED_EXPIRED, TEST_ID);
    ed_result_free(r);
    /* one second before expiry it is still allowed */
    r = ed_set_post_expiration_action(p, tp(T_EXPIRES) - 1, ED_ACTION_DOWNGRADE_TO_STANDARD);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_result_free(r);
    ed_instance_free(e);
    ed_instance_free(p);
    ed_instance_free(s);
}
END_TEST

/* ---------------------------------------------------------------- S9 -- */

START_TEST(test_S9_default_action_is_delete_resource)
{
    ed_instance *p = upgraded5();
    ed_action a = ED_ACTION_DOWNGRADE_TO_STANDARD;
    ck_assert(ed_instance_subscription(p, NULL, NULL, NULL, &a));
    ck_assert_int_eq(a, ED_ACTION_DELETE_RESOURCE);
    ed_instance *c =
        take_ok(ed_create_enterprise_platinum(TEST_ID2, TEST_ENDPOINT2, tp(T_CREATE), 1, NULL));
    a = ED_ACTION_DOWNGRADE_TO_STANDARD;
    ck_assert(ed_instance_subscription(c, NULL, NULL, NULL, &a));
    ck_assert_int_eq(a, ED_ACTION_DELETE_RESOURCE);
    ed_instance_free(c);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_S9_expiry_with_delete_suspends_then_releases_all)
{
    ed_instance *p = upgraded5();
    ed_time exp = tp(T_EXPIRES), rel = tp(T_RELEASE);

    /* nothing happens a second before expiry */
    ed_result *r = ed_tick(p, exp - 1);
    check_unchanged(r, p);
    ed_result_free(r);

    r = ed_tick(p, exp);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    const ed_effect_list *l = ed_result_effects(r);
    ck_assert_uint_eq(ed_effect_list_count(l), 3);
    check_effect(l, 0, TEST_ID, 6, 0, ED_EFFECT_INSTANCE_SUSPEND, ED_SUBJECT_INSTANCE, NULL,
                 ED_FLAG_DISRUPTIVE, FIELDS(FV(ED_FIELD_AT, tp(T_EXPIRES))));
    check_effect(l, 1, TEST_ID, 6, 1, ED_EFFECT_TIMER_SCHEDULE, ED_SUBJECT_INSTANCE, NULL, 0u,
                 FIELDS(FV(ED_FIELD_AT, rel), FS(ED_FIELD_TIMER, "release")));
    check_effect(l, 2, TEST_ID, 6, 2, ED_EFFECT_NOTICE_RELEASE_PENDING, ED_SUBJECT_INSTANCE, NULL,
                 ED_FLAG_NOTICE, FIELDS(FV(ED_FIELD_AT, rel)));
    ed_instance *e = ed_instance_ref(ed_result_instance(r));
    ed_result_free(r);
    ck_assert_int_eq(ed_instance_lifecycle(e), ED_LIFECYCLE_EXPIRED);
    ck_assert_int_eq(ed_instance_edition(e), ED_EDITION_ENTERPRISE_PLATINUM);
    ck_assert_uint_eq(ed_instance_revision(e), 6);
    ck_assert_int_eq(ed_instance_updated_at(e), exp);
    ed_time t = 0;
    ck_assert(ed_instance_release_at(e, &t));
    ck_assert_int_eq(t, rel);
    ck_assert(ed_instance_next_deadline(e, &t));
    ck_assert_int_eq(t, rel);
    /* subscription and migration stay while expired */
    ck_assert(ed_instance_subscription(e, NULL, &t, NULL, NULL));
    ck_assert_int_eq(t, exp);
    ck_assert(ed_instance_migration(e, NULL, NULL, NULL));
    ck_assert_uint_eq(ed_instance_topic_count(e), 2);

    /* still waiting a second before release */
    r = ed_tick(e, rel - 1);
    check_unchanged(r, e);
    ed_result_free(r);

    r = ed_tick(e, rel);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    l = ed_result_effects(r);
    ck_assert_uint_eq(ed_effect_list_count(l), 5);
    check_release_effects(l, 0, 7, 0, rel);
    check_released(ed_result_instance(r), 7, rel);
    ed_result_free(r);
    ed_instance_free(e);
    ed_instance_free(p);
}
END_TEST

/* --------------------------------------------------------------- S10 -- */

START_TEST(test_S10_action_is_changed_only_after_creation)
{
    ed_time t0 = tp(T_CREATE);
    ed_instance *c = take_ok(ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, t0, 2, NULL));
    ed_time started = 0, expires = 0;
    int period = 0;
    ed_action a = ED_ACTION_DOWNGRADE_TO_STANDARD;
    ck_assert(ed_instance_subscription(c, &started, &expires, &period, &a));
    ck_assert_int_eq(a, ED_ACTION_DELETE_RESOURCE);
    ck_assert_int_eq(started, t0);
    ck_assert_int_eq(expires, tp("2026-03-05T00:00:00Z"));
    ck_assert_int_eq(period, 2);
    ck_assert_uint_eq(ed_instance_revision(c), 0);
    ck_assert_int_eq(ed_instance_edition(c), ED_EDITION_ENTERPRISE_PLATINUM);
    ck_assert_int_eq(ed_instance_billing(c), ED_BILLING_SUBSCRIPTION);
    ck_assert_int_eq(ed_instance_cluster(c), ED_CLUSTER_DEDICATED);
    ck_assert(!ed_instance_migration(c, NULL, NULL, NULL));

    /* setting the value it already has: ok, no effects, no new revision */
    ed_time t1 = tp("2026-01-06T00:00:00Z");
    ed_result *r = ed_set_post_expiration_action(c, t1, ED_ACTION_DELETE_RESOURCE);
    check_unchanged(r, c);
    ed_result_free(r);

    ed_instance *d = take_ok(ed_set_post_expiration_action(c, t1, ED_ACTION_DOWNGRADE_TO_STANDARD));
    ck_assert_uint_eq(ed_instance_revision(d), 1);
    r = ed_set_post_expiration_action(d, t1, ED_ACTION_DOWNGRADE_TO_STANDARD);
    check_unchanged(r, d);
    ed_result_free(r);

    /* back to delete_resource: the change and the warning */
    ed_time t2 = tp("2026-01-07T00:00:00Z");
    r = ed_set_post_expiration_action(d, t2, ED_ACTION_DELETE_RESOURCE);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    const ed_effect_list *l = ed_result_effects(r);
    ck_assert_uint_eq(ed_effect_list_count(l), 2);
    check_effect(l, 0, TEST_ID, 2, 0, ED_EFFECT_CONFIG_POST_EXPIRATION_ACTION, ED_SUBJECT_INSTANCE,
                 NULL, 0u,
                 FIELDS(FS(ED_FIELD_FROM, "downgrade_to_standard"),
                        FS(ED_FIELD_TO, "delete_resource")));
    check_effect(l, 1, TEST_ID, 2, 1, ED_EFFECT_NOTICE_DELETE_ON_EXPIRY, ED_SUBJECT_INSTANCE, NULL,
                 ED_FLAG_NOTICE, FIELDS(FV(ED_FIELD_AT, tp("2026-03-05T00:00:00Z"))));
    ck_assert_uint_eq(ed_instance_revision(ed_result_instance(r)), 2);
    ck_assert_int_eq(ed_instance_updated_at(ed_result_instance(r)), t2);
    ed_result_free(r);
    ed_instance_free(d);
    ed_instance_free(c);
}
END_TEST

/* --------------------------------------------------------------- S11 -- */

START_TEST(test_S11_refund_before_changing_action_refused)
{
    ed_instance *p = upgraded5();
    ed_time now = tp("2026-02-10T00:00:00Z");
    capture before;
    capture_of(p, &before);
    ed_result *r = ed_refund(p, now, NULL);
    check_refused(r, ED_DATA_LOSS_REFUSED, TEST_ID);
    ck_assert_ptr_nonnull(strstr(ed_result_message(r), "downgrade_to_standard"));
    /* the effects that would have happened, with the keys they would have had */
    const ed_effect_list *w = ed_result_would_have(r);
    ck_assert_uint_eq(ed_effect_list_count(w), 7);
    check_refund_head(w, 6, now, tp(T_EXPIRES));
    check_release_effects(w, 2, 6, 2, now);
    ed_result_free(r);
    check_capture(p, &before);

    /* allow_data_loss explicitly 0 is the same refusal */
    ed_options *o = opts_int(ED_OPT_ALLOW_DATA_LOSS, 0);
    r = ed_refund(p, now, o);
    check_refused(r, ED_DATA_LOSS_REFUSED, TEST_ID);
    ed_result_free(r);
    ed_options_free(o);
    ed_instance_free(p);
}
END_TEST

/* --------------------------------------------------------------- S12 -- */

START_TEST(test_S12_refund_is_partial_for_the_unused_time)
{
    ed_instance *q = upgraded_downgrade6();
    ed_time now = tp("2026-02-15T12:30:00Z");
    ed_result *r = ed_refund(q, now, NULL);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    const ed_effect_list *l = ed_result_effects(r);
    ck_assert_uint_ge(ed_effect_list_count(l), 1);
    check_effect(l, 0, TEST_ID, 7, 0, ED_EFFECT_BILLING_REFUND, ED_SUBJECT_INSTANCE, NULL,
                 ED_FLAG_BILLING,
                 FIELDS(FS(ED_FIELD_REFUND, "partial"), FV(ED_FIELD_UNUSED_FROM, now),
                        FV(ED_FIELD_UNUSED_UNTIL, tp(T_EXPIRES))));
    ed_result_free(r);

    /* refund needs an active subscription not yet past expiry */
    ed_instance *s = standard4();
    r = ed_refund(s, now, NULL);
    check_refused(r, ED_NOT_SUBSCRIPTION, TEST_ID);
    ed_result_free(r);
    r = ed_refund(q, tp(T_EXPIRES), NULL);
    check_refused(r, ED_EXPIRY_DUE, TEST_ID);
    ed_result_free(r);
    ed_instance_free(s);
    ed_instance_free(q);
}
END_TEST

/* --------------------------------------------------------------- S13 -- */

START_TEST(test_S13_refund_with_downgrade_is_standard_at_once)
{
    ed_instance *q = upgraded_downgrade6();
    ed_time now = tp("2026-02-15T00:00:00Z");
    ed_result *r = ed_refund(q, now, NULL);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    const ed_effect_list *l = ed_result_effects(r);
    ck_assert_uint_eq(ed_effect_list_count(l), 8);
    check_refund_head(l, 7, now, tp(T_EXPIRES));
    check_downgrade_effects(l, 2, 7, 2, now, tp(T_RELEASE));
    check_downgraded(ed_result_instance(r), 7, now);
    for (size_t i = 0; i < ed_effect_list_count(l); i++)
        ck_assert_uint_eq(ed_effect_flags(ed_effect_list_get(l, i)) & ED_FLAG_IRREVERSIBLE, 0);
    ed_result_free(r);
    ed_instance_free(q);
}
END_TEST

START_TEST(test_S13_expiry_with_downgrade_is_standard_at_once)
{
    ed_instance *q = upgraded_downgrade6();
    /* ticking well after expiry: the snapshot is dated by the tick, but
     * billing switches at the expiry */
    ed_time now = tp("2026-03-20T00:00:00Z");
    ed_result *r = ed_tick(q, now);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ck_assert_uint_eq(ed_effect_list_count(ed_result_effects(r)), 6);
    check_downgrade_effects(ed_result_effects(r), 0, 7, 0, tp(T_EXPIRES), tp(T_RELEASE));
    check_downgraded(ed_result_instance(r), 7, now);
    ed_result_free(r);
    ed_instance_free(q);
}
END_TEST

/* --------------------------------------------------------------- S14 -- */

START_TEST(test_S14_release_notification_ignored_after_downgrade)
{
    ed_options *o = opts_int(ED_OPT_RELEASE_DELAY_DAYS, 10);
    ed_time t0 = tp("2026-01-10T08:00:00Z");
    ed_instance *c = take_ok(ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, t0, 1, o));
    ed_options_free(o);
    ck_assert_int_eq(ed_instance_release_delay_days(c), 10);
    ed_instance *d = take_ok(ed_set_post_expiration_action(c, t0, ED_ACTION_DOWNGRADE_TO_STANDARD));
    ed_result *r = ed_tick(d, tp("2026-02-10T08:00:00Z"));
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    const ed_effect_list *l = ed_result_effects(r);
    ck_assert_uint_eq(ed_effect_list_count(l), 2);
    check_effect(l, 0, TEST_ID, 2, 0, ED_EFFECT_BILLING_CONVERT, ED_SUBJECT_INSTANCE, NULL,
                 ED_FLAG_BILLING,
                 FIELDS(FS(ED_FIELD_FROM, "subscription"), FS(ED_FIELD_TO, "pay_as_you_go"),
                        FV(ED_FIELD_AT, tp("2026-02-10T08:00:00Z"))));
    check_effect(l, 1, TEST_ID, 2, 1, ED_EFFECT_NOTICE_IGNORE_RELEASE_NOTIFICATION,
                 ED_SUBJECT_INSTANCE, NULL, ED_FLAG_NOTICE,
                 FIELDS(FV(ED_FIELD_AT, tp("2026-02-20T08:00:00Z"))));
    ck_assert_int_eq(ed_instance_lifecycle(ed_result_instance(r)), ED_LIFECYCLE_ACTIVE);
    ck_assert_int_eq(ed_instance_edition(ed_result_instance(r)), ED_EDITION_STANDARD);
    /* after the downgrade nothing is due any more, release notice or not */
    ed_result *later = ed_tick(ed_result_instance(r), tp("2026-02-20T08:00:00Z"));
    check_unchanged(later, ed_result_instance(r));
    ed_result_free(later);
    ed_result_free(r);
    ed_instance_free(d);
    ed_instance_free(c);
}
END_TEST

START_TEST(test_S14_release_delay_default_and_custom)
{
    ed_time t0 = tp("2026-01-31T00:00:00Z");
    const int delays[] = {0, 1, 7, 30};
    for (size_t i = 0; i < sizeof delays / sizeof delays[0]; i++) {
        ed_options *o = opts_int(ED_OPT_RELEASE_DELAY_DAYS, delays[i]);
        ed_instance *c = take_ok(ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, t0, 1, o));
        ed_options_free(o);
        ed_time exp = tp("2026-02-28T00:00:00Z");
        ed_time rel = plus_days(exp, delays[i]);
        ed_result *r = ed_tick(c, exp);
        ck_assert_int_eq(ed_result_status(r), ED_OK);
        const ed_instance *e = ed_result_instance(r);
        if (delays[i] == 0) {
            /* release is due at the same second: both transitions, in order */
            ck_assert_int_eq(ed_instance_lifecycle(e), ED_LIFECYCLE_RELEASED);
            ck_assert_uint_eq(ed_instance_revision(e), 2);
            ck_assert_uint_eq(ed_effect_list_count(ed_result_effects(r)), 4);
            check_effect(ed_result_effects(r), 1, TEST_ID, 1, 1, ED_EFFECT_TIMER_SCHEDULE,
                         ED_SUBJECT_INSTANCE, NULL, 0u,
                         FIELDS(FV(ED_FIELD_AT, exp), FS(ED_FIELD_TIMER, "release")));
            check_effect(ed_result_effects(r), 3, TEST_ID, 2, 0, ED_EFFECT_INSTANCE_DELETE,
                         ED_SUBJECT_INSTANCE, NULL, ED_FLAG_IRREVERSIBLE,
                         FIELDS(FV(ED_FIELD_AT, rel)));
        } else {
            ed_time got = 0;
            ck_assert_int_eq(ed_instance_lifecycle(e), ED_LIFECYCLE_EXPIRED);
            ck_assert(ed_instance_release_at(e, &got));
            ck_assert_int_eq(got, rel);
        }
        ed_result_free(r);
        ed_instance_free(c);
    }
    /* the default is 7 days, also for an upgraded instance */
    ed_instance *p = upgraded5();
    ck_assert_int_eq(ed_instance_release_delay_days(p), 7);
    ed_instance_free(p);
    /* more than 30 days is refused by the options */
    ed_options *o = ed_options_new();
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_RELEASE_DELAY_DAYS, 31), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_RELEASE_DELAY_DAYS, -1), ED_INVALID_ARGUMENT);
    ed_instance *c = take_ok(ed_create_standard(TEST_ID, TEST_ENDPOINT, t0, o));
    ck_assert_int_eq(ed_instance_release_delay_days(c), 7);
    ed_instance_free(c);
    ed_options_free(o);
}
END_TEST

/* ---------------------------------------------------------------- X1 -- */

static ed_status add_topic_status(const ed_instance *s, const char *name)
{
    ed_result *r = ed_add_topic(s, ed_instance_updated_at(s), name);
    ed_status st = ed_result_status(r);
    if (st != ED_OK)
        check_refused(r, st, TEST_ID);
    ed_result_free(r);
    return st;
}

static ed_status add_group_status(const ed_instance *s, const char *name)
{
    ed_result *r = ed_add_group(s, ed_instance_updated_at(s), name);
    ed_status st = ed_result_status(r);
    if (st != ED_OK)
        check_refused(r, st, TEST_ID);
    ed_result_free(r);
    return st;
}

START_TEST(test_X1_topic_names)
{
    ed_instance *s = standard4();
    char n64[65], n65[66];
    memset(n64, 'a', 64);
    n64[64] = '\0';
    memset(n65, 'b', 65);
    n65[65] = '\0';
    const char *ok[] = {"abc", "A-z_09", "orders-2026", "___", "---", n64};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        ck_assert_msg(add_topic_status(s, ok[i]) == ED_OK, "topic %s refused", ok[i]);
    const char *bad[] = {"", "a", "ab", n65, "has space", "dot.ted", "slash/x",
                         "t\xc3\xa9st", "tab\tx", "colon:x", "new\nline"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(add_topic_status(s, bad[i]) == ED_INVALID_NAME, "topic '%s' accepted",
                      bad[i]);
    ed_instance_free(s);
}
END_TEST

START_TEST(test_X1_group_names)
{
    ed_instance *s = standard4();
    char n64[65], n65[66];
    memset(n64, 'g', 64);
    n64[64] = '\0';
    memset(n65, 'g', 65);
    n65[65] = '\0';
    /* the GID_ prefix is recommended, not required */
    const char *ok[] = {"ab", "GID_x", "GID-orders", "consumers_1", n64};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        ck_assert_msg(add_group_status(s, ok[i]) == ED_OK, "group %s refused", ok[i]);
    const char *bad[] = {"", "g", n65, "GID x", "GID.x", "GID@x", "GID_\xe4\xb8\xad"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(add_group_status(s, bad[i]) == ED_INVALID_NAME, "group '%s' accepted",
                      bad[i]);
    ed_instance_free(s);
}
END_TEST

START_TEST(test_X1_duplicates_and_shared_names_refused)
{
    ed_instance *s = standard4();
    ck_assert_int_eq(add_topic_status(s, "orders"), ED_EXISTS);
    ck_assert_int_eq(add_group_status(s, "GID_billing"), ED_EXISTS);
    /* a topic and a group may not share a name, either way round */
    ck_assert_int_eq(add_group_status(s, "orders"), ED_EXISTS);
    ck_assert_int_eq(add_topic_status(s, "GID_audit"), ED_EXISTS);
    /* unknown names on removal */
    ed_time t = ed_instance_updated_at(s);
    ed_result *r = ed_remove_topic(s, t, "refunds");
    check_refused(r, ED_NOT_FOUND, TEST_ID);
    ed_result_free(r);
    r = ed_remove_group(s, t, "GID_unknown");
    check_refused(r, ED_NOT_FOUND, TEST_ID);
    ed_result_free(r);
    /* a group is not a topic */
    r = ed_remove_topic(s, t, "GID_billing");
    check_refused(r, ED_NOT_FOUND, TEST_ID);
    ed_result_free(r);
    r = ed_remove_group(s, t, "orders");
    check_refused(r, ED_NOT_FOUND, TEST_ID);
    ed_result_free(r);
    ed_instance_free(s);
}
END_TEST

START_TEST(test_X1_instance_id)
{
    ed_time t = tp(T_CREATE);
    char id128[129], id129[130];
    memset(id128, 'I', 128);
    id128[128] = '\0';
    memset(id129, 'I', 129);
    id129[129] = '\0';
    const char *ok[] = {"i", TEST_ID, id128, "MQ_INST_1!~{}"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ed_instance *s = take_ok(ed_create_standard(ok[i], TEST_ENDPOINT, t, NULL));
        ck_assert_str_eq(ed_instance_id(s), ok[i]);
        ed_instance_free(s);
        s = take_ok(ed_create_enterprise_platinum(ok[i], TEST_ENDPOINT, t, 1, NULL));
        ed_instance_free(s);
    }
    const char *bad[] = {"", id129, "MQ INST", "MQ_INST\t1", "MQ_\x7f", "MQ_\xc3\xa9",
                         "MQ_INST\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ed_result *r = ed_create_standard(bad[i], TEST_ENDPOINT, t, NULL);
        check_refused(r, ED_INVALID_NAME, NULL);
        ed_result_free(r);
        r = ed_create_enterprise_platinum(bad[i], TEST_ENDPOINT, t, 1, NULL);
        check_refused(r, ED_INVALID_NAME, NULL);
        ed_result_free(r);
    }
}
END_TEST

/* ---------------------------------------------------------------- X2 -- */

static void check_plan_step(const ed_result *r, size_t i, ed_command_kind cmd, bool has_action,
                            bool has_at, ed_time at)
{
    ck_assert_int_eq(ed_result_plan_command(r, i), cmd);
    ed_action a = ED_ACTION_DELETE_RESOURCE;
    ck_assert_int_eq(ed_result_plan_action(r, i, &a), has_action);
    if (has_action)
        ck_assert_int_eq(a, ED_ACTION_DOWNGRADE_TO_STANDARD);
    ed_time t = 0;
    ck_assert_int_eq(ed_result_plan_at(r, i, &t), has_at);
    if (has_at)
        ck_assert_int_eq(t, at);
}

START_TEST(test_X2_plan_immediate)
{
    ed_instance *p = upgraded5();
    ed_time now = tp("2026-02-10T00:00:00Z");
    ed_result *r = ed_plan_downgrade(p, now, ED_PLAN_IMMEDIATE);
    check_unchanged(r, p);
    ck_assert_uint_eq(ed_result_plan_count(r), 2);
    check_plan_step(r, 0, ED_CMD_SET_POST_EXPIRATION_ACTION, true, false, 0);
    check_plan_step(r, 1, ED_CMD_REFUND, false, false, 0);
    ck_assert_int_eq(ed_result_plan_command(r, 2), 0);
    ck_assert_uint_eq(ed_instance_revision(p), 5);
    ed_result_free(r);

    /* the action already set: that step is left out */
    ed_instance *q = upgraded_downgrade6();
    r = ed_plan_downgrade(q, now, ED_PLAN_IMMEDIATE);
    check_unchanged(r, q);
    ck_assert_uint_eq(ed_result_plan_count(r), 1);
    check_plan_step(r, 0, ED_CMD_REFUND, false, false, 0);
    ed_result_free(r);
    ed_instance_free(q);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_X2_plan_at_expiry)
{
    ed_instance *p = upgraded5();
    ed_time now = tp("2026-02-10T00:00:00Z");
    ed_result *r = ed_plan_downgrade(p, now, ED_PLAN_AT_EXPIRY);
    check_unchanged(r, p);
    ck_assert_uint_eq(ed_result_plan_count(r), 2);
    check_plan_step(r, 0, ED_CMD_SET_POST_EXPIRATION_ACTION, true, false, 0);
    check_plan_step(r, 1, ED_CMD_TICK, false, true, tp(T_EXPIRES));
    ed_result_free(r);
    ed_instance *q = upgraded_downgrade6();
    r = ed_plan_downgrade(q, now, ED_PLAN_AT_EXPIRY);
    ck_assert_uint_eq(ed_result_plan_count(r), 1);
    check_plan_step(r, 0, ED_CMD_TICK, false, true, tp(T_EXPIRES));
    ed_result_free(r);
    /* exempt from expiry_due: past expires_at before a tick it still plans */
    r = ed_plan_downgrade(p, tp("2026-03-02T00:00:00Z"), ED_PLAN_AT_EXPIRY);
    check_unchanged(r, p);
    ck_assert_uint_eq(ed_result_plan_count(r), 2);
    ed_result_free(r);
    ed_instance_free(q);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_X2_plan_refusals)
{
    ed_instance *s = standard4();
    ed_result *r = ed_plan_downgrade(s, tp(T_UPGRADE), ED_PLAN_IMMEDIATE);
    check_refused(r, ED_NOT_SUBSCRIPTION, TEST_ID);
    ed_result_free(r);
    ed_instance *p = upgraded5();
    ed_instance *e = take_ok(ed_tick(p, tp(T_EXPIRES)));
    r = ed_plan_downgrade(e, tp(T_EXPIRES), ED_PLAN_AT_EXPIRY);
    check_refused(r, ED_EXPIRED, TEST_ID);
    ed_result_free(r);
    ed_instance_free(e);
    ed_instance_free(p);
    ed_instance_free(s);
}
END_TEST

/* Following the plan reaches Standard Edition and deletes nothing. */
static void follow_plan(ed_plan_mode mode)
{
    ed_instance *cur = upgraded5();
    ed_time now = tp("2026-02-10T00:00:00Z");
    ed_result *plan = ed_plan_downgrade(cur, now, mode);
    ck_assert_int_eq(ed_result_status(plan), ED_OK);
    for (size_t i = 0; i < ed_result_plan_count(plan); i++) {
        ed_result *r = NULL;
        ed_action a = ED_ACTION_DELETE_RESOURCE;
        ed_time at = 0;
        switch (ed_result_plan_command(plan, i)) {
        case ED_CMD_SET_POST_EXPIRATION_ACTION:
            ck_assert(ed_result_plan_action(plan, i, &a));
            r = ed_set_post_expiration_action(cur, now, a);
            break;
        case ED_CMD_REFUND:
            r = ed_refund(cur, now, NULL);
            break;
        case ED_CMD_TICK:
            ck_assert(ed_result_plan_at(plan, i, &at));
            r = ed_tick(cur, at);
            break;
        default:
            ck_abort_msg("unexpected plan command %d", (int)ed_result_plan_command(plan, i));
        }
        ck_assert_int_eq(ed_result_status(r), ED_OK);
        const ed_effect_list *l = ed_result_effects(r);
        for (size_t k = 0; k < ed_effect_list_count(l); k++)
            ck_assert_uint_eq(ed_effect_flags(ed_effect_list_get(l, k)) & ED_FLAG_IRREVERSIBLE, 0);
        ed_instance *next = take_ok(r);
        ed_instance_free(cur);
        cur = next;
    }
    ck_assert_int_eq(ed_instance_edition(cur), ED_EDITION_STANDARD);
    ck_assert_int_eq(ed_instance_lifecycle(cur), ED_LIFECYCLE_ACTIVE);
    ck_assert_uint_eq(ed_instance_topic_count(cur), 2);
    ck_assert_uint_eq(ed_instance_group_count(cur), 2);
    ed_result_free(plan);
    ed_instance_free(cur);
}

START_TEST(test_X2_following_the_plan_deletes_nothing)
{
    follow_plan(ED_PLAN_IMMEDIATE);
    follow_plan(ED_PLAN_AT_EXPIRY);
}
END_TEST

/* ---------------------------------------------------------------- X3 -- */

START_TEST(test_X3_refund_with_allow_data_loss_releases)
{
    ed_instance *p = upgraded5();
    ed_time now = tp("2026-02-10T00:00:00Z");
    ed_options *o = opts_int(ED_OPT_ALLOW_DATA_LOSS, 1);
    ed_result *refused = ed_refund(p, now, NULL);
    ed_result *r = ed_refund(p, now, o);
    ed_options_free(o);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    const ed_effect_list *l = ed_result_effects(r);
    ck_assert_uint_eq(ed_effect_list_count(l), 7);
    check_refund_head(l, 6, now, tp(T_EXPIRES));
    check_release_effects(l, 2, 6, 2, now);
    check_released(ed_result_instance(r), 6, now);
    ck_assert_uint_eq(ed_effect_list_count(ed_result_would_have(r)), 0);
    /* what the refusal showed is exactly what the allowed refund does */
    check_same_effects_(__LINE__, ed_result_would_have(refused), l);
    ed_result_free(r);
    ed_result_free(refused);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_X3_guard_applies_during_migration)
{
    /* the guard is independent of a migration in flight (refund is not
     * blocked by migrations) */
    ed_instance *p = upgraded5();
    ck_assert(ed_instance_migration(p, NULL, NULL, NULL));
    ed_result *r = ed_refund(p, tp(T_UPGRADE), NULL);
    check_refused(r, ED_DATA_LOSS_REFUSED, TEST_ID);
    ck_assert_uint_eq(ed_effect_list_count(ed_result_would_have(r)), 7);
    ed_result_free(r);
    /* the downgrade path has no guard: nothing is deleted */
    ed_instance *q = upgraded_downgrade6();
    r = ed_refund(q, tp("2026-02-10T00:00:00Z"), NULL);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_result_free(r);
    ed_instance_free(q);
    ed_instance_free(p);
}
END_TEST

/* ---------------------------------------------------------------- X4 -- */

START_TEST(test_X4_renew_active)
{
    ed_instance *p = upgraded5();
    ed_time now = tp("2026-02-10T00:00:00Z");
    ed_result *r = ed_renew(p, now, 12);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_time exp = tp("2027-03-01T00:00:00Z");
    const ed_effect_list *l = ed_result_effects(r);
    ck_assert_uint_eq(ed_effect_list_count(l), 2);
    check_effect(l, 0, TEST_ID, 6, 0, ED_EFFECT_BILLING_RENEW, ED_SUBJECT_INSTANCE, NULL,
                 ED_FLAG_BILLING,
                 FIELDS(FV(ED_FIELD_PERIOD_MONTHS, 12), FV(ED_FIELD_EXPIRES_AT, exp)));
    check_effect(l, 1, TEST_ID, 6, 1, ED_EFFECT_TIMER_SCHEDULE, ED_SUBJECT_INSTANCE, NULL, 0u,
                 FIELDS(FV(ED_FIELD_AT, exp), FS(ED_FIELD_TIMER, "expiry")));
    const ed_instance *n = ed_result_instance(r);
    ed_time started = 0, expires = 0, deadline = 0;
    int period = 0;
    ck_assert(ed_instance_subscription(n, &started, &expires, &period, NULL));
    ck_assert_int_eq(started, tp(T_UPGRADE));
    ck_assert_int_eq(expires, exp);
    ck_assert_int_eq(period, 12);
    ck_assert_uint_eq(ed_instance_revision(n), 6);
    ck_assert_int_eq(ed_instance_updated_at(n), now);
    ck_assert(ed_instance_next_deadline(n, &deadline));
    ck_assert_int_eq(deadline, exp);
    /* renew is not blocked by the migration in flight, and keeps it */
    ck_assert(ed_instance_migration(n, NULL, NULL, NULL));
    ed_result_free(r);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_X4_renew_expired_before_release)
{
    ed_instance *p = upgraded5();
    ed_instance *e = take_ok(ed_tick(p, tp(T_EXPIRES)));
    ed_time now = tp("2026-03-05T00:00:00Z");
    ed_result *r = ed_renew(e, now, 1);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_time exp = tp("2026-04-01T00:00:00Z");
    const ed_effect_list *l = ed_result_effects(r);
    ck_assert_uint_eq(ed_effect_list_count(l), 4);
    check_effect(l, 0, TEST_ID, 7, 0, ED_EFFECT_BILLING_RENEW, ED_SUBJECT_INSTANCE, NULL,
                 ED_FLAG_BILLING,
                 FIELDS(FV(ED_FIELD_PERIOD_MONTHS, 1), FV(ED_FIELD_EXPIRES_AT, exp)));
    check_effect(l, 1, TEST_ID, 7, 1, ED_EFFECT_INSTANCE_RESUME, ED_SUBJECT_INSTANCE, NULL, 0u,
                 NO_FIELDS);
    check_effect(l, 2, TEST_ID, 7, 2, ED_EFFECT_TIMER_CANCEL, ED_SUBJECT_INSTANCE, NULL, 0u,
                 FIELDS(FS(ED_FIELD_TIMER, "release")));
    check_effect(l, 3, TEST_ID, 7, 3, ED_EFFECT_TIMER_SCHEDULE, ED_SUBJECT_INSTANCE, NULL, 0u,
                 FIELDS(FV(ED_FIELD_AT, exp), FS(ED_FIELD_TIMER, "expiry")));
    const ed_instance *n = ed_result_instance(r);
    ck_assert_int_eq(ed_instance_lifecycle(n), ED_LIFECYCLE_ACTIVE);
    ck_assert(!ed_instance_release_at(n, NULL));
    ed_time t = 0;
    ck_assert(ed_instance_next_deadline(n, &t));
    ck_assert_int_eq(t, exp);
    ck_assert_uint_eq(ed_instance_topic_count(n), 2);
    ed_result_free(r);

    /* at release_at the release is due: tick first */
    r = ed_renew(e, tp(T_RELEASE), 1);
    check_refused(r, ED_EXPIRY_DUE, TEST_ID);
    ed_result_free(r);
    ed_instance_free(e);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_X4_renew_refusals)
{
    ed_instance *s = standard4();
    ed_result *r = ed_renew(s, tp(T_UPGRADE), 1);
    check_refused(r, ED_NOT_SUBSCRIPTION, TEST_ID);
    ed_result_free(r);

    ed_instance *p = upgraded5();
    r = ed_renew(p, tp(T_EXPIRES), 1);
    check_refused(r, ED_EXPIRY_DUE, TEST_ID);
    ed_result_free(r);
    const int bad[] = {0, 37, -3};
    for (size_t i = 0; i < 3; i++) {
        r = ed_renew(p, tp("2026-02-10T00:00:00Z"), bad[i]);
        check_refused(r, ED_INVALID_PERIOD, TEST_ID);
        ed_result_free(r);
    }

    /* expired with a 30-day delay: Jan 31 + 1 month = Feb 28, which is not
     * after Feb 28 noon, so that renewal would not bring it back */
    ed_options *o = opts_int(ED_OPT_RELEASE_DELAY_DAYS, 30);
    ed_instance *c = take_ok(
        ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, tp("2025-12-31T00:00:00Z"), 1, o));
    ed_options_free(o);
    ed_instance *e = take_ok(ed_tick(c, tp("2026-01-31T00:00:00Z")));
    ck_assert_int_eq(ed_instance_lifecycle(e), ED_LIFECYCLE_EXPIRED);
    ed_time noon = tp("2026-02-28T12:00:00Z");
    r = ed_renew(e, noon, 1);
    check_refused(r, ED_INVALID_PERIOD, TEST_ID);
    ed_result_free(r);
    r = ed_renew(e, noon, 2);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_time exp = 0;
    ck_assert(ed_instance_subscription(ed_result_instance(r), NULL, &exp, NULL, NULL));
    ck_assert_int_eq(exp, tp("2026-03-31T00:00:00Z"));
    ed_result_free(r);
    ed_instance_free(e);
    ed_instance_free(c);
    ed_instance_free(p);
    ed_instance_free(s);
}
END_TEST

/* ---------------------------------------------------------------- X5 -- */

/* From expired, the new expiry must be after now: ending exactly at now
 * is refused, a second earlier it is a renewal (X4, "not after now"). */
START_TEST(test_X4_renewal_from_expired_ending_at_now_refused)
{
    ed_options *o = opts_int(ED_OPT_RELEASE_DELAY_DAYS, 30);
    ed_instance *c = take_ok(
        ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, tp("2025-12-31T00:00:00Z"), 1, o));
    ed_options_free(o);
    ed_instance *e = take_ok(ed_tick(c, tp("2026-01-31T00:00:00Z")));
    /* Jan 31 + 1 month = Feb 28 */
    ed_result *r = ed_renew(e, tp("2026-02-28T00:00:00Z"), 1);
    check_refused(r, ED_INVALID_PERIOD, TEST_ID);
    ed_result_free(r);
    r = ed_renew(e, tp("2026-02-27T23:59:59Z"), 1);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ck_assert_int_eq(ed_instance_lifecycle(ed_result_instance(r)), ED_LIFECYCLE_ACTIVE);
    ed_result_free(r);
    ed_instance_free(e);
    ed_instance_free(c);
}
END_TEST

START_TEST(test_X5_add_and_remove_keep_order)
{
    ed_instance *s = standard4();
    ed_time t = tp("2026-01-06T00:00:00Z");
    ed_result *r = ed_add_topic(s, t, "refunds");
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ck_assert_uint_eq(ed_effect_list_count(ed_result_effects(r)), 1);
    check_effect(ed_result_effects(r), 0, TEST_ID, 5, 0, ED_EFFECT_TOPIC_CREATE, ED_SUBJECT_TOPIC,
                 "refunds", 0u, NO_FIELDS);
    ed_instance *a = take_ok(r);
    ck_assert_int_eq(ed_instance_updated_at(a), t);
    ck_assert(ed_instance_has_topic(a, "refunds"));
    ck_assert(!ed_instance_has_topic(s, "refunds"));

    r = ed_remove_topic(a, t, "payments");
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ck_assert_uint_eq(ed_effect_list_count(ed_result_effects(r)), 1);
    check_effect(ed_result_effects(r), 0, TEST_ID, 6, 0, ED_EFFECT_TOPIC_DELETE, ED_SUBJECT_TOPIC,
                 "payments", ED_FLAG_IRREVERSIBLE, NO_FIELDS);
    ed_instance *b = take_ok(r);
    ck_assert_uint_eq(ed_instance_topic_count(b), 2);
    ck_assert_str_eq(ed_instance_topic(b, 0), "orders");
    ck_assert_str_eq(ed_instance_topic(b, 1), "refunds");
    ck_assert_ptr_null(ed_instance_topic(b, 2));
    ck_assert(!ed_instance_has_topic(b, "payments"));

    r = ed_add_group(b, t, "GID_refunds");
    check_effect(ed_result_effects(r), 0, TEST_ID, 7, 0, ED_EFFECT_GROUP_CREATE, ED_SUBJECT_GROUP,
                 "GID_refunds", 0u, NO_FIELDS);
    ed_instance *c = take_ok(r);
    r = ed_remove_group(c, t, "GID_billing");
    ck_assert_uint_eq(ed_effect_list_count(ed_result_effects(r)), 1);
    check_effect(ed_result_effects(r), 0, TEST_ID, 8, 0, ED_EFFECT_GROUP_DELETE, ED_SUBJECT_GROUP,
                 "GID_billing", ED_FLAG_IRREVERSIBLE, NO_FIELDS);
    ed_instance *d = take_ok(r);
    ck_assert_uint_eq(ed_instance_group_count(d), 2);
    ck_assert_str_eq(ed_instance_group(d, 0), "GID_audit");
    ck_assert_str_eq(ed_instance_group(d, 1), "GID_refunds");
    ck_assert(ed_instance_has_group(d, "GID_refunds"));
    ck_assert(!ed_instance_has_group(d, "GID_billing"));
    /* a removed name can come back, at the end */
    ed_instance *e = take_ok(ed_add_topic(d, t, "payments"));
    ck_assert_str_eq(ed_instance_topic(e, 2), "payments");
    ck_assert_uint_eq(ed_instance_revision(e), 9);
    ed_instance_free(e);
    ed_instance_free(d);
    ed_instance_free(c);
    ed_instance_free(b);
    ed_instance_free(a);
    ed_instance_free(s);
}
END_TEST

START_TEST(test_X5_migration_blocks_topic_and_group_changes)
{
    ed_instance *p = upgraded5();
    ed_time t = tp("2026-02-02T00:00:00Z");
    ed_result *rs[4] = {ed_add_topic(p, t, "refunds"), ed_remove_topic(p, t, "orders"),
                        ed_add_group(p, t, "GID_new"), ed_remove_group(p, t, "GID_audit")};
    for (size_t i = 0; i < 4; i++) {
        check_refused(rs[i], ED_MIGRATION_IN_PROGRESS, TEST_ID);
        ed_result_free(rs[i]);
    }
    /* complete_migration clears it: no effects, one revision */
    ed_result *r = ed_complete_migration(p, t);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ck_assert_uint_eq(ed_effect_list_count(ed_result_effects(r)), 0);
    ed_instance *m = take_ok(r);
    ck_assert(!ed_instance_migration(m, NULL, NULL, NULL));
    ck_assert_uint_eq(ed_instance_revision(m), 6);
    ck_assert_int_eq(ed_instance_updated_at(m), t);
    ck_assert_int_eq(ed_instance_edition(m), ED_EDITION_ENTERPRISE_PLATINUM);
    r = ed_complete_migration(m, t);
    check_refused(r, ED_NO_MIGRATION, TEST_ID);
    ed_result_free(r);
    /* now topics may change on the platinum instance */
    r = ed_add_topic(m, t, "refunds");
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_result_free(r);
    ed_instance_free(m);

    /* a standard instance without a migration: no_migration */
    ed_instance *s = standard4();
    r = ed_complete_migration(s, t);
    check_refused(r, ED_NO_MIGRATION, TEST_ID);
    ed_result_free(r);
    ed_instance_free(s);
    ed_instance_free(p);
}
END_TEST


START_TEST(test_X5_expired_and_due_refuse_topic_changes)
{
    ed_instance *p = upgraded5();
    ed_instance *m = take_ok(ed_complete_migration(p, tp(T_UPGRADE)));
    ed_time exp = tp(T_EXPIRES);
    /* past expires_at before a tick: expiry_due */
    ed_result *rs[4] = {ed_add_topic(m, exp, "refunds"), ed_remove_topic(m, exp, "orders"),
                        ed_add_group(m, exp, "GID_new"), ed_remove_group(m, exp, "GID_audit")};
    for (size_t i = 0; i < 4; i++) {
        check_refused(rs[i], ED_EXPIRY_DUE, TEST_ID);
        ed_result_free(rs[i]);
    }
    /* expired: expired */
    ed_instance *e = take_ok(ed_tick(m, exp));
    ed_time t = tp("2026-03-02T00:00:00Z");
    ed_result *es[4] = {ed_add_topic(e, t, "refunds"), ed_remove_topic(e, t, "orders"),
                        ed_add_group(e, t, "GID_new"), ed_remove_group(e, t, "GID_audit")};
    for (size_t i = 0; i < 4; i++) {
        check_refused(es[i], ED_EXPIRED, TEST_ID);
        ed_result_free(es[i]);
    }
    /* a standard instance has no expiry: years later it still changes */
    ed_instance *s = standard4();
    ed_result *r = ed_add_topic(s, tp("2036-01-01T00:00:00Z"), "refunds");
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_result_free(r);
    ed_instance_free(s);
    ed_instance_free(e);
    ed_instance_free(m);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_X5_time_and_money_do_not_wait_for_migration)
{
    ed_instance *p = upgraded5(); /* migration shared -> dedicated in flight */
    /* expiry with delete_resource keeps the migration in flight */
    ed_instance *e = take_ok(ed_tick(p, tp(T_EXPIRES)));
    ed_cluster from = ED_CLUSTER_DEDICATED, to = ED_CLUSTER_SHARED;
    ed_time started = 0;
    ck_assert(ed_instance_migration(e, &from, &to, &started));
    ck_assert_int_eq(from, ED_CLUSTER_SHARED);
    ck_assert_int_eq(to, ED_CLUSTER_DEDICATED);
    ck_assert_int_eq(started, tp(T_UPGRADE));
    /* complete_migration works on an expired instance too */
    ed_result *r = ed_complete_migration(e, tp("2026-03-02T00:00:00Z"));
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ck_assert_uint_eq(ed_effect_list_count(ed_result_effects(r)), 0);
    ck_assert_int_eq(ed_instance_lifecycle(ed_result_instance(r)), ED_LIFECYCLE_EXPIRED);
    ck_assert(!ed_instance_migration(ed_result_instance(r), NULL, NULL, NULL));
    ck_assert_uint_eq(ed_instance_revision(ed_result_instance(r)), 7);
    ed_result_free(r);

    /* expiry with downgrade replaces the migration in flight */
    ed_instance *q = upgraded_downgrade6();
    ck_assert(ed_instance_migration(q, NULL, NULL, NULL));
    r = ed_tick(q, tp(T_EXPIRES));
    check_downgraded(ed_result_instance(r), 7, tp(T_EXPIRES));
    ed_result_free(r);
    /* and so does a refund */
    r = ed_refund(q, tp("2026-02-11T00:00:00Z"), NULL);
    check_downgraded(ed_result_instance(r), 7, tp("2026-02-11T00:00:00Z"));
    ed_result_free(r);
    ed_instance_free(q);
    ed_instance_free(e);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_X5_upgrade_waits_for_migration)
{
    ed_instance *q = upgraded_downgrade6();
    ed_instance *d = take_ok(ed_tick(q, tp(T_EXPIRES)));
    ck_assert_int_eq(ed_instance_edition(d), ED_EDITION_STANDARD);
    ed_result *r = ed_upgrade(d, tp("2026-03-02T00:00:00Z"), 1);
    check_refused(r, ED_MIGRATION_IN_PROGRESS, TEST_ID);
    ed_result_free(r);
    ed_instance *c = take_ok(ed_complete_migration(d, tp("2026-03-02T00:00:00Z")));
    ck_assert_uint_eq(ed_instance_revision(c), 8);
    r = ed_upgrade(c, tp("2026-03-02T00:00:00Z"), 1);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    check_upgrade_effects(ed_result_effects(r), 9, tp("2026-03-02T00:00:00Z"), 1,
                          tp("2026-04-02T00:00:00Z"));
    ed_result_free(r);
    ed_instance_free(c);
    ed_instance_free(d);
    ed_instance_free(q);
}
END_TEST

/* ---------------------------------------------------------------- X6 -- */

START_TEST(test_X6_tick_with_nothing_due_changes_nothing)
{
    ed_instance *s = standard4();
    ed_result *r = ed_tick(s, tp("2030-01-01T00:00:00Z"));
    check_unchanged(r, s);
    ck_assert_uint_eq(ed_instance_revision(ed_result_instance(r)), 4);
    ed_result_free(r);
    ed_instance *p = upgraded5();
    r = ed_tick(p, tp(T_UPGRADE));
    check_unchanged(r, p);
    ck_assert_int_eq(ed_instance_updated_at(ed_result_instance(r)), tp(T_UPGRADE));
    ed_result_free(r);
    ed_instance_free(p);
    ed_instance_free(s);
}
END_TEST

START_TEST(test_X6_tick_applies_expire_then_release)
{
    ed_instance *p = upgraded5();
    ed_time now = tp("2026-03-09T00:00:00Z");
    ed_time rel = tp(T_RELEASE);
    ed_result *r = ed_tick(p, now);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    const ed_effect_list *l = ed_result_effects(r);
    ck_assert_uint_eq(ed_effect_list_count(l), 8);
    check_effect(l, 0, TEST_ID, 6, 0, ED_EFFECT_INSTANCE_SUSPEND, ED_SUBJECT_INSTANCE, NULL,
                 ED_FLAG_DISRUPTIVE, FIELDS(FV(ED_FIELD_AT, tp(T_EXPIRES))));
    check_effect(l, 1, TEST_ID, 6, 1, ED_EFFECT_TIMER_SCHEDULE, ED_SUBJECT_INSTANCE, NULL, 0u,
                 FIELDS(FV(ED_FIELD_AT, rel), FS(ED_FIELD_TIMER, "release")));
    check_effect(l, 2, TEST_ID, 6, 2, ED_EFFECT_NOTICE_RELEASE_PENDING, ED_SUBJECT_INSTANCE, NULL,
                 ED_FLAG_NOTICE, FIELDS(FV(ED_FIELD_AT, rel)));
    check_release_effects(l, 3, 7, 0, rel);
    check_released(ed_result_instance(r), 7, now);
    ed_result_free(r);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_X6_next_deadline)
{
    ed_instance *s = standard4();
    ed_time t = 0;
    ck_assert(!ed_instance_next_deadline(s, &t));
    ed_instance *p = upgraded5();
    ck_assert(ed_instance_next_deadline(p, &t));
    ck_assert_int_eq(t, tp(T_EXPIRES));
    /* a deadline that already passed is still reported: tick is due now */
    ed_result *r = ed_tick(p, t);
    ck_assert_uint_eq(ed_effect_list_count(ed_result_effects(r)), 3);
    const ed_instance *e = ed_result_instance(r);
    ck_assert(ed_instance_next_deadline(e, &t));
    ck_assert_int_eq(t, tp(T_RELEASE));
    /* ticking at each deadline walks the instance to its end */
    ed_result *r2 = ed_tick(e, t);
    ck_assert_int_eq(ed_instance_lifecycle(ed_result_instance(r2)), ED_LIFECYCLE_RELEASED);
    ck_assert(!ed_instance_next_deadline(ed_result_instance(r2), &t));
    ed_result_free(r2);
    ed_result_free(r);
    ck_assert(!ed_instance_next_deadline(NULL, &t));
    ed_instance_free(p);
    ed_instance_free(s);
}
END_TEST

/* ---------------------------------------------------------------- I1-I3 -- */

/* A long life touching every command; `visit` sees each result with the
 * command that produced it, its input and whether allow_data_loss was set. */
typedef void (*visit_fn)(const char *what, const ed_instance *in, const ed_result *r,
                         bool allow, const char *named);

static ed_instance *advance(ed_instance *cur, ed_result *r, const char *what, visit_fn visit,
                            bool allow, const char *named)
{
    visit(what, cur, r, allow, named);
    if (ed_result_status(r) != ED_OK) {
        ed_result_free(r);
        return cur;
    }
    ed_instance *next = take_ok(r);
    ed_instance_free(cur);
    return next;
}

static void walk_life(visit_fn visit)
{
    ed_time t = tp(T_CREATE);
    ed_options *o = ed_options_new();
    ck_assert_int_eq(ed_options_set_string(o, ED_OPT_REGION, "cn-hangzhou"), ED_OK);
    ed_result *cr = ed_create_standard(TEST_ID, TEST_ENDPOINT, t, o);
    ed_options_free(o);
    visit("create", NULL, cr, false, NULL);
    ed_instance *c = take_ok(cr);
    c = advance(c, ed_add_topic(c, t, "orders"), "add_topic", visit, false, "orders");
    c = advance(c, ed_add_topic(c, t, "payments"), "add_topic", visit, false, "payments");
    c = advance(c, ed_add_group(c, t, "GID_billing"), "add_group", visit, false, "GID_billing");
    c = advance(c, ed_remove_topic(c, t, "payments"), "remove_topic", visit, false, "payments");
    c = advance(c, ed_upgrade(c, tp(T_UPGRADE), 1), "upgrade", visit, false, NULL);
    c = advance(c, ed_add_topic(c, tp(T_UPGRADE), "refused"), "add_topic", visit, false, NULL);
    c = advance(c, ed_complete_migration(c, tp("2026-02-02T00:00:00Z")), "complete_migration",
                visit, false, NULL);
    c = advance(c, ed_remove_group(c, tp("2026-02-02T00:00:00Z"), "GID_billing"), "remove_group",
                visit, false, "GID_billing");
    c = advance(c, ed_add_group(c, tp("2026-02-02T00:00:00Z"), "GID_audit"), "add_group", visit,
                false, "GID_audit");
    c = advance(c, ed_refund(c, tp("2026-02-03T00:00:00Z"), NULL), "refund", visit, false, NULL);
    c = advance(c,
                ed_set_post_expiration_action(c, tp("2026-02-04T00:00:00Z"),
                                              ED_ACTION_DOWNGRADE_TO_STANDARD),
                "set_post_expiration_action", visit, false, NULL);
    c = advance(c, ed_renew(c, tp("2026-02-05T00:00:00Z"), 2), "renew", visit, false, NULL);
    c = advance(c, ed_downgrade(c, tp("2026-02-05T00:00:00Z")), "downgrade", visit, false, NULL);
    c = advance(c, ed_plan_downgrade(c, tp("2026-02-05T00:00:00Z"), ED_PLAN_AT_EXPIRY),
                "plan_downgrade", visit, false, NULL);
    /* expires May 1: downgrade to standard */
    c = advance(c, ed_tick(c, tp("2026-05-01T00:00:00Z")), "tick", visit, false, NULL);
    c = advance(c, ed_complete_migration(c, tp("2026-05-01T00:00:00Z")), "complete_migration",
                visit, false, NULL);
    c = advance(c, ed_upgrade(c, tp("2026-05-02T00:00:00Z"), 1), "upgrade", visit, false, NULL);
    /* expires Jun 2 with delete_resource, renewed while expired, expires
     * again, released by tick */
    c = advance(c, ed_tick(c, tp("2026-06-02T00:00:00Z")), "tick", visit, false, NULL);
    c = advance(c, ed_renew(c, tp("2026-06-03T00:00:00Z"), 1), "renew", visit, false, NULL);
    c = advance(c, ed_tick(c, tp("2026-07-02T00:00:00Z")), "tick", visit, false, NULL);
    c = advance(c, ed_tick(c, tp("2026-07-09T00:00:00Z")), "tick", visit, false, NULL);
    c = advance(c, ed_tick(c, tp("2026-07-10T00:00:00Z")), "tick", visit, false, NULL);
    ck_assert_int_eq(ed_instance_lifecycle(c), ED_LIFECYCLE_RELEASED);
    ed_instance_free(c);

    /* a second life ending in a refund that was allowed to delete */
    c = take_ok(ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, t, 3, NULL));
    c = advance(c, ed_add_topic(c, t, "orders"), "add_topic", visit, false, "orders");
    ed_options *allow = opts_int(ED_OPT_ALLOW_DATA_LOSS, 1);
    c = advance(c, ed_refund(c, tp("2026-02-01T00:00:00Z"), allow), "refund", visit, true, NULL);
    ed_options_free(allow);
    ck_assert_int_eq(ed_instance_lifecycle(c), ED_LIFECYCLE_RELEASED);
    ed_instance_free(c);
}

static void visit_i1(const char *what, const ed_instance *in, const ed_result *r, bool allow,
                     const char *named)
{
    (void)allow;
    (void)named;
    const ed_instance *out = ed_result_instance(r);
    if (out == NULL)
        return;
    ck_assert_msg(strcmp(ed_instance_id(out), TEST_ID) == 0, "%s changed the id", what);
    ck_assert_msg(strcmp(ed_instance_endpoint(out), TEST_ENDPOINT) == 0,
                  "%s changed the endpoint", what);
    if (in != NULL) {
        ck_assert_str_eq(ed_instance_id(in), TEST_ID);
        ck_assert_str_eq(ed_instance_endpoint(in), TEST_ENDPOINT);
        if (ed_instance_region(in) != NULL)
            ck_assert_str_eq(ed_instance_region(out), ed_instance_region(in));
    }
}

START_TEST(test_I1_id_and_endpoint_never_change)
{
    walk_life(visit_i1);
}
END_TEST

static void visit_i2(const char *what, const ed_instance *in, const ed_result *r, bool allow,
                     const char *named)
{
    (void)what;
    (void)allow;
    (void)named;
    if (in != NULL)
        check_i2(in);
    if (ed_result_instance(r) != NULL)
        check_i2(ed_result_instance(r));
}

START_TEST(test_I2_billing_and_cluster_follow_edition)
{
    walk_life(visit_i2);
}
END_TEST

static int irreversible_seen;

static void visit_i3(const char *what, const ed_instance *in, const ed_result *r, bool allow,
                     const char *named)
{
    const ed_effect_list *l = ed_result_effects(r);
    size_t n = 0;
    for (size_t i = 0; i < ed_effect_list_count(l); i++) {
        const ed_effect *e = ed_effect_list_get(l, i);
        if ((ed_effect_flags(e) & ED_FLAG_IRREVERSIBLE) == 0)
            continue;
        n++;
        irreversible_seen++;
        const ed_instance *out = ed_result_instance(r);
        if (strcmp(what, "remove_topic") == 0 || strcmp(what, "remove_group") == 0) {
            /* only what the caller named */
            ck_assert_ptr_nonnull(named);
            ck_assert_str_eq(ed_effect_subject(e), named);
        } else if (strcmp(what, "tick") == 0) {
            /* a release after expiry with delete_resource */
            ed_action a = ED_ACTION_DOWNGRADE_TO_STANDARD;
            ck_assert(ed_instance_subscription(in, NULL, NULL, NULL, &a));
            ck_assert_int_eq(a, ED_ACTION_DELETE_RESOURCE);
            ck_assert_int_eq(ed_instance_lifecycle(out), ED_LIFECYCLE_RELEASED);
        } else if (strcmp(what, "refund") == 0) {
            ck_assert_msg(allow, "refund deleted data without allow_data_loss");
            ck_assert_int_eq(ed_instance_lifecycle(out), ED_LIFECYCLE_RELEASED);
        } else {
            ck_abort_msg("%s produced irreversible effect %s", what, ed_effect_key(e));
        }
    }
    if (strcmp(what, "remove_topic") == 0 || strcmp(what, "remove_group") == 0)
        ck_assert_uint_le(n, 1);
}

START_TEST(test_I3_irreversible_only_in_release_refund_or_removal)
{
    irreversible_seen = 0;
    walk_life(visit_i3);
    /* remove_topic, remove_group, a release of 1 group + 1 topic + the
     * instance, and a refund deleting 1 topic + the instance */
    ck_assert_int_eq(irreversible_seen, 2 + 3 + 2);
}
END_TEST

static void visit_i4(const char *what, const ed_instance *in, const ed_result *r, bool allow,
                     const char *named)
{
    (void)allow;
    (void)named;
    if (in == NULL)
        return;
    const ed_instance *out = ed_result_instance(r);
    if (ed_result_status(r) != ED_OK) {
        ck_assert_ptr_null(out);
        ck_assert_uint_eq(ed_effect_list_count(ed_result_effects(r)), 0);
        return;
    }
    size_t n = ed_effect_list_count(ed_result_effects(r));
    uint64_t delta = ed_instance_revision(out) - ed_instance_revision(in);
    if (out == in) {
        ck_assert_uint_eq(n, 0);
    } else if (strcmp(what, "tick") == 0) {
        ck_assert_msg(delta == 1 || delta == 2, "tick moved the revision by %llu",
                      (unsigned long long)delta);
    } else {
        ck_assert_msg(delta == 1, "%s moved the revision by %llu", what,
                      (unsigned long long)delta);
    }
    /* every effect carries the revision of the transition that made it */
    for (size_t i = 0; i < n; i++) {
        uint64_t er = ed_effect_revision(ed_effect_list_get(ed_result_effects(r), i));
        ck_assert(er > ed_instance_revision(in) && er <= ed_instance_revision(out));
    }
}

START_TEST(test_I4_revision_moves_once_per_transition)
{
    walk_life(visit_i4);
    /* the double tick: exactly two revisions */
    ed_instance *p = upgraded5();
    ed_result *r = ed_tick(p, tp("2026-04-01T00:00:00Z"));
    ck_assert_uint_eq(ed_instance_revision(ed_result_instance(r)), 7);
    ed_result_free(r);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_I4_refusal_changes_nothing)
{
    ed_instance *p = upgraded5();
    capture before;
    capture_of(p, &before);
    ed_time t = tp("2026-02-10T00:00:00Z");
    ed_time early = tp("2026-01-01T00:00:00Z");
    ed_result *rs[] = {
        ed_upgrade(p, t, 1),
        ed_upgrade(p, early, 1),
        ed_set_post_expiration_action(p, early, ED_ACTION_DOWNGRADE_TO_STANDARD),
        ed_set_post_expiration_action(p, tp(T_EXPIRES), ED_ACTION_DOWNGRADE_TO_STANDARD),
        ed_refund(p, t, NULL),
        ed_renew(p, t, 0),
        ed_add_topic(p, t, "refunds"),
        ed_remove_topic(p, t, "orders"),
        ed_add_group(p, t, "GID_x"),
        ed_remove_group(p, t, "GID_audit"),
        ed_downgrade(p, t),
        ed_tick(p, early),
        ed_plan_downgrade(p, early, ED_PLAN_IMMEDIATE),
    };
    const ed_status want[] = {
        ED_ALREADY_ENTERPRISE_PLATINUM, ED_CLOCK_SKEW, ED_CLOCK_SKEW, ED_EXPIRY_DUE,
        ED_DATA_LOSS_REFUSED, ED_INVALID_PERIOD, ED_MIGRATION_IN_PROGRESS,
        ED_MIGRATION_IN_PROGRESS, ED_MIGRATION_IN_PROGRESS, ED_MIGRATION_IN_PROGRESS,
        ED_NO_DIRECT_DOWNGRADE, ED_CLOCK_SKEW, ED_CLOCK_SKEW,
    };
    ck_assert_uint_eq(sizeof rs / sizeof rs[0], sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
        check_refused(rs[i], want[i], TEST_ID);
        ed_result_free(rs[i]);
    }
    check_capture(p, &before);
    ed_instance_free(p);
}
END_TEST

/* ---------------------------------------------------------------- I5 -- */

static void twice(ed_result *(*run)(const ed_instance *, ed_time, int), const ed_instance *in,
                  ed_time now, int arg)
{
    ed_result *a = run(in, now, arg);
    ed_result *b = run(in, now, arg);
    check_same_result(a, b);
    ed_result_free(a);
    ed_result_free(b);
}

static ed_result *run_upgrade(const ed_instance *in, ed_time now, int arg)
{
    return ed_upgrade(in, now, arg);
}
static ed_result *run_renew(const ed_instance *in, ed_time now, int arg)
{
    return ed_renew(in, now, arg);
}
static ed_result *run_tick(const ed_instance *in, ed_time now, int arg)
{
    (void)arg;
    return ed_tick(in, now);
}
static ed_result *run_set(const ed_instance *in, ed_time now, int arg)
{
    return ed_set_post_expiration_action(in, now, (ed_action)arg);
}
static ed_result *run_refund(const ed_instance *in, ed_time now, int arg)
{
    ed_options *o = opts_int(ED_OPT_ALLOW_DATA_LOSS, arg);
    ed_result *r = ed_refund(in, now, o);
    ed_options_free(o);
    return r;
}
static ed_result *run_plan(const ed_instance *in, ed_time now, int arg)
{
    return ed_plan_downgrade(in, now, (ed_plan_mode)arg);
}
static ed_result *run_add_topic(const ed_instance *in, ed_time now, int arg)
{
    return ed_add_topic(in, now, arg ? "refunds" : "orders");
}
static ed_result *run_remove_group(const ed_instance *in, ed_time now, int arg)
{
    return ed_remove_group(in, now, arg ? "GID_audit" : "GID_none");
}
static ed_result *run_complete(const ed_instance *in, ed_time now, int arg)
{
    (void)arg;
    return ed_complete_migration(in, now);
}
static ed_result *run_downgrade(const ed_instance *in, ed_time now, int arg)
{
    (void)arg;
    return ed_downgrade(in, now);
}

START_TEST(test_I5_same_input_same_result)
{
    ed_instance *s = standard4();
    ed_instance *p = upgraded5();
    ed_instance *q = upgraded_downgrade6();
    ed_time t = tp("2026-02-10T00:00:00Z");
    const ed_instance *both[] = {s, p, q};
    for (size_t i = 0; i < 3; i++) {
        const ed_instance *in = both[i];
        twice(run_upgrade, in, t, 1);
        twice(run_upgrade, in, t, 40);
        twice(run_renew, in, t, 6);
        twice(run_tick, in, t, 0);
        twice(run_tick, in, tp("2026-03-10T00:00:00Z"), 0);
        twice(run_set, in, t, ED_ACTION_DOWNGRADE_TO_STANDARD);
        twice(run_set, in, t, ED_ACTION_DELETE_RESOURCE);
        twice(run_refund, in, t, 0);
        twice(run_refund, in, t, 1);
        twice(run_plan, in, t, ED_PLAN_IMMEDIATE);
        twice(run_plan, in, t, ED_PLAN_AT_EXPIRY);
        twice(run_add_topic, in, t, 0);
        twice(run_add_topic, in, t, 1);
        twice(run_remove_group, in, t, 0);
        twice(run_remove_group, in, t, 1);
        twice(run_complete, in, t, 0);
        twice(run_downgrade, in, t, 0);
        twice(run_tick, in, tp("2025-01-01T00:00:00Z"), 0);
    }
    ed_instance_free(q);
    ed_instance_free(p);
    ed_instance_free(s);
}
END_TEST

/* ---------------------------------------------------------------- I6 -- */

static void check_all_refused_released(const ed_instance *rel)
{
    ck_assert_int_eq(ed_instance_lifecycle(rel), ED_LIFECYCLE_RELEASED);
    ed_time later = ed_instance_updated_at(rel) + 86400;
    ed_time early = ed_instance_updated_at(rel) - 86400;
    ed_options *allow = opts_int(ED_OPT_ALLOW_DATA_LOSS, 1);
    const ed_time times[] = {later, early, ed_instance_updated_at(rel)};
    for (size_t k = 0; k < 3; k++) {
        ed_time t = times[k];
        ed_result *rs[] = {
            ed_upgrade(rel, t, 1),
            ed_upgrade(rel, t, 0),
            ed_set_post_expiration_action(rel, t, ED_ACTION_DOWNGRADE_TO_STANDARD),
            ed_set_post_expiration_action(rel, t, ED_ACTION_DELETE_RESOURCE),
            ed_tick(rel, t),
            ed_refund(rel, t, NULL),
            ed_refund(rel, t, allow),
            ed_renew(rel, t, 1),
            ed_renew(rel, t, 99),
            ed_add_topic(rel, t, "orders"),
            ed_add_topic(rel, t, "x"),
            ed_remove_topic(rel, t, "orders"),
            ed_add_group(rel, t, "GID_billing"),
            ed_remove_group(rel, t, "GID_billing"),
            ed_complete_migration(rel, t),
            ed_downgrade(rel, t),
            ed_plan_downgrade(rel, t, ED_PLAN_IMMEDIATE),
            ed_plan_downgrade(rel, t, ED_PLAN_AT_EXPIRY),
        };
        for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
            check_refused(rs[i], ED_RELEASED, TEST_ID);
            ed_result_free(rs[i]);
        }
    }
    ed_options_free(allow);
}

/* Runs `r` through the I7 replay from `before` at `now`, frees r and
 * returns its snapshot (a new reference). */
static ed_instance *replayed(const ed_instance *before, ed_time now, ed_result *r)
{
    char why[256];
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    const char *broken = timer_replay_violation(before, now, r, why, sizeof why);
    ck_assert_msg(broken == NULL, "%s", broken);
    return take_ok(r);
}

START_TEST(test_I7_timer_replay_holds_through_every_timer_change)
{
    ed_options *allow = opts_int(ED_OPT_ALLOW_DATA_LOSS, 1);
    /* upgrade schedules the expiry; renew replaces it */
    ed_instance *s = standard4();
    ed_instance *p = replayed(s, tp(T_UPGRADE), ed_upgrade(s, tp(T_UPGRADE), 1));
    ed_instance *q = replayed(p, tp("2026-02-02T00:00:00Z"),
                              ed_renew(p, tp("2026-02-02T00:00:00Z"), 1));
    /* a late tick: the expiry fired, the release is scheduled */
    ed_instance *e = replayed(q, tp("2026-04-03T00:00:00Z"),
                              ed_tick(q, tp("2026-04-03T00:00:00Z")));
    ck_assert_int_eq(ed_instance_lifecycle(e), ED_LIFECYCLE_EXPIRED);
    /* renewing the expired instance cancels the release, schedules expiry */
    ed_instance *a = replayed(e, tp("2026-04-04T00:00:00Z"),
                              ed_renew(e, tp("2026-04-04T00:00:00Z"), 2));
    /* each refund cancels the pending expiry */
    ed_instance *gone = replayed(a, tp("2026-04-05T00:00:00Z"),
                                 ed_refund(a, tp("2026-04-05T00:00:00Z"), allow));
    ck_assert_int_eq(ed_instance_lifecycle(gone), ED_LIFECYCLE_RELEASED);
    ed_instance *d = take_ok(ed_set_post_expiration_action(a, tp("2026-04-05T00:00:00Z"),
                                                           ED_ACTION_DOWNGRADE_TO_STANDARD));
    ed_instance *std = replayed(d, tp("2026-04-06T00:00:00Z"),
                                ed_refund(d, tp("2026-04-06T00:00:00Z"), NULL));
    ck_assert_int_eq(ed_instance_edition(std), ED_EDITION_STANDARD);
    /* expire and release in one tick: both timers fired, nothing remains */
    ed_instance *both = replayed(q, tp("2026-05-01T00:00:00Z"),
                                 ed_tick(q, tp("2026-05-01T00:00:00Z")));
    ck_assert_int_eq(ed_instance_lifecycle(both), ED_LIFECYCLE_RELEASED);
    ed_instance *all[] = {s, p, q, e, a, gone, d, std, both};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        ed_instance_free(all[i]);
    ed_options_free(allow);
}
END_TEST

START_TEST(test_I6_released_refuses_everything)
{
    ed_instance *p = upgraded5();
    ed_instance *r1 = take_ok(ed_tick(p, tp("2026-04-01T00:00:00Z")));
    check_all_refused_released(r1);
    ed_options *allow = opts_int(ED_OPT_ALLOW_DATA_LOSS, 1);
    ed_instance *r2 = take_ok(ed_refund(p, tp("2026-02-10T00:00:00Z"), allow));
    ed_options_free(allow);
    check_all_refused_released(r2);
    ed_instance_free(r2);
    ed_instance_free(r1);
    ed_instance_free(p);
}
END_TEST

/* libedition.h, "Errors": an out-of-range argument gives ED_INVALID_ARGUMENT,
 * never a crash. ed_command_set_int takes any action or mode (the command
 * checks it when it runs, refusing it with invalid_argument); the documents
 * of that refusal used to pass the name of no action to the writer, which
 * crashed (found by the exhaustive model check, tests/model/explore.c). */
static bool sink(void *ctx, const char *data, size_t len)
{
    (void)data;
    *(size_t *)ctx += len;
    return true;
}

START_TEST(test_errors_dump_of_an_unknown_action_or_mode_is_invalid_argument)
{
    ed_instance *p = upgraded5();
    const ed_time now = tp("2026-02-10T00:00:00Z");
    struct {
        ed_command_kind kind;
        ed_arg arg;
        int64_t value;
    } cases[] = {
        {ED_CMD_SET_POST_EXPIRATION_ACTION, ED_ARG_ACTION, 2},
        {ED_CMD_SET_POST_EXPIRATION_ACTION, ED_ARG_ACTION, -1},
        {ED_CMD_SET_POST_EXPIRATION_ACTION, ED_ARG_ACTION, INT64_MAX},
        {ED_CMD_PLAN_DOWNGRADE, ED_ARG_MODE, 2},
        {ED_CMD_PLAN_DOWNGRADE, ED_ARG_MODE, -7},
    };
    ed_buffer *buf = ed_buffer_new();
    ck_assert_ptr_nonnull(buf);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ed_command *cmd = ed_command_new(cases[i].kind);
        ck_assert_int_eq(ed_command_set_int(cmd, cases[i].arg, cases[i].value), ED_OK);
        ed_result *r = ed_command_apply(cmd, p, now);
        check_refused(r, ED_INVALID_ARGUMENT, TEST_ID);
        ed_buffer_clear(buf);
        ck_assert_int_eq(ed_result_dump_yaml(buf, cmd, now, r, p), ED_INVALID_ARGUMENT);
        ck_assert_uint_eq(ed_buffer_len(buf), 0);
        ck_assert_int_eq(ed_result_dump_json(buf, cmd, now, r, p), ED_INVALID_ARGUMENT);
        ck_assert_uint_eq(ed_buffer_len(buf), 0);
        ck_assert_int_eq(ed_step_dump_yaml(buf, 1, now, cmd, r, p), ED_INVALID_ARGUMENT);
        ck_assert_uint_eq(ed_buffer_len(buf), 0);
        ck_assert_int_eq(ed_step_dump_json(buf, 1, now, cmd, r, p), ED_INVALID_ARGUMENT);
        ck_assert_uint_eq(ed_buffer_len(buf), 0);
        size_t written = 0;
        ck_assert_int_eq(ed_result_write_yaml(sink, &written, cmd, now, r, p), ED_INVALID_ARGUMENT);
        ck_assert_int_eq(ed_result_write_json(sink, &written, cmd, now, r, p), ED_INVALID_ARGUMENT);
        /* a known value still dumps */
        ck_assert_int_eq(ed_command_set_int(cmd, cases[i].arg, 1), ED_OK);
        ed_result *ok = ed_command_apply(cmd, p, now);
        ck_assert_int_eq(ed_result_status(ok), ED_OK);
        ck_assert_int_eq(ed_result_dump_yaml(buf, cmd, now, ok,
                                             ed_result_instance(ok)), ED_OK);
        ck_assert_ptr_nonnull(strstr(ed_buffer_data(buf),
                                     cases[i].arg == ED_ARG_ACTION
                                         ? "action: downgrade_to_standard"
                                         : "mode: at_expiry"));
        ed_result_free(ok);
        ed_result_free(r);
        ed_command_free(cmd);
    }
    ed_buffer_free(buf);
    ed_instance_free(p);
}
END_TEST

static Suite *rules_suite(void)
{
    Suite *s = suite_create("rules");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, test_S1_standard_is_pay_as_you_go);
    tcase_add_test(tc, test_S1_upgrade_converts_billing_to_subscription);
    tcase_add_test(tc, test_S2_upgrade_moves_to_dedicated_cluster);
    tcase_add_test(tc, test_S3_upgrade_keeps_id_and_endpoint);
    tcase_add_test(tc, test_S4_upgrade_interrupts_nothing);
    tcase_add_test(tc, test_S5_upgrade_subscribes_from_now_for_the_period);
    tcase_add_test(tc, test_S6_direct_downgrade_refused);
    tcase_add_test(tc, test_S7_upgrade_effects_in_order);
    tcase_add_test(tc, test_S7_upgrade_refused_on_platinum);
    tcase_add_test(tc, test_S8_downgrade_through_post_expiration_action);
    tcase_add_test(tc, test_S8_set_action_refusals);
    tcase_add_test(tc, test_S9_default_action_is_delete_resource);
    tcase_add_test(tc, test_S9_expiry_with_delete_suspends_then_releases_all);
    tcase_add_test(tc, test_S10_action_is_changed_only_after_creation);
    tcase_add_test(tc, test_S11_refund_before_changing_action_refused);
    tcase_add_test(tc, test_S12_refund_is_partial_for_the_unused_time);
    tcase_add_test(tc, test_S13_refund_with_downgrade_is_standard_at_once);
    tcase_add_test(tc, test_S13_expiry_with_downgrade_is_standard_at_once);
    tcase_add_test(tc, test_S14_release_notification_ignored_after_downgrade);
    tcase_add_test(tc, test_S14_release_delay_default_and_custom);
    tcase_add_test(tc, test_X1_topic_names);
    tcase_add_test(tc, test_X1_group_names);
    tcase_add_test(tc, test_X1_duplicates_and_shared_names_refused);
    tcase_add_test(tc, test_X1_instance_id);
    tcase_add_test(tc, test_X2_plan_immediate);
    tcase_add_test(tc, test_X2_plan_at_expiry);
    tcase_add_test(tc, test_X2_plan_refusals);
    tcase_add_test(tc, test_X2_following_the_plan_deletes_nothing);
    tcase_add_test(tc, test_X3_refund_with_allow_data_loss_releases);
    tcase_add_test(tc, test_X3_guard_applies_during_migration);
    tcase_add_test(tc, test_X4_renew_active);
    tcase_add_test(tc, test_X4_renew_expired_before_release);
    tcase_add_test(tc, test_X4_renew_refusals);
    tcase_add_test(tc, test_X4_renewal_from_expired_ending_at_now_refused);
    tcase_add_test(tc, test_X5_add_and_remove_keep_order);
    tcase_add_test(tc, test_X5_migration_blocks_topic_and_group_changes);
    tcase_add_test(tc, test_X5_expired_and_due_refuse_topic_changes);
    tcase_add_test(tc, test_X5_time_and_money_do_not_wait_for_migration);
    tcase_add_test(tc, test_X5_upgrade_waits_for_migration);
    tcase_add_test(tc, test_X6_tick_with_nothing_due_changes_nothing);
    tcase_add_test(tc, test_X6_tick_applies_expire_then_release);
    tcase_add_test(tc, test_X6_next_deadline);
    tcase_add_test(tc, test_I1_id_and_endpoint_never_change);
    tcase_add_test(tc, test_I2_billing_and_cluster_follow_edition);
    tcase_add_test(tc, test_I3_irreversible_only_in_release_refund_or_removal);
    tcase_add_test(tc, test_I4_revision_moves_once_per_transition);
    tcase_add_test(tc, test_I4_refusal_changes_nothing);
    tcase_add_test(tc, test_I5_same_input_same_result);
    tcase_add_test(tc, test_I6_released_refuses_everything);
    tcase_add_test(tc, test_I7_timer_replay_holds_through_every_timer_change);
    tcase_add_test(tc, test_errors_dump_of_an_unknown_action_or_mode_is_invalid_argument);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(rules_suite());
}
