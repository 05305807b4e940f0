/* The words of refusal messages (ed_result_message: "a sentence naming the
 * instance, the rule broken and what to do instead"). Each test asserts the
 * parts a reader acts on: which instance, which deadline or name is meant,
 * the times it names, and the next step. The wording around them is free
 * to change; these parts are not. Then the texts of effects, which people
 * read in effect logs, in full. */
#include <stdio.h>
#include <string.h>

#include "support.h"

/* Every part must appear in the message of `r`, which is refused with
 * `status` for TEST_ID; frees r. */
#define expect_message(r, status, ...)                                                          \
    expect_message_(__LINE__, (r), (status), (const char *const[]){__VA_ARGS__, NULL})
static void expect_message_(int line, ed_result *r, ed_status status, const char *const *parts)
{
    check_refused_(line, r, status, TEST_ID);
    const char *msg = ed_result_message(r);
    for (size_t i = 0; parts[i] != NULL; i++)
        ck_assert_msg(strstr(msg, parts[i]) != NULL, "line %d: message lacks \"%s\": %s", line,
                      parts[i], msg);
    ed_result_free(r);
}

/* No part may appear in the message of `r`; does not free r. */
static void lacks(const ed_result *r, const char *part)
{
    ck_assert_msg(strstr(ed_result_message(r), part) == NULL, "message names \"%s\": %s", part,
                  ed_result_message(r));
}

/* upgraded5() after its migration completed on Feb 2: active platinum,
 * expiring T_EXPIRES, action delete_resource. */
static ed_instance *active_platinum(void)
{
    ed_instance *p = upgraded5();
    ed_instance *q = take_ok(ed_complete_migration(p, tp("2026-02-02T00:00:00Z")));
    ed_instance_free(p);
    return q;
}

/* Expired at T_EXPIRES, suspended until T_RELEASE. */
static ed_instance *expired(void)
{
    ed_instance *p = active_platinum();
    ed_instance *e = take_ok(ed_tick(p, tp(T_EXPIRES)));
    ed_instance_free(p);
    ck_assert_int_eq(ed_instance_lifecycle(e), ED_LIFECYCLE_EXPIRED);
    return e;
}

/* expiry_due on an active subscription names its expiry, not a release:
 * the instance has no release time yet. */
START_TEST(test_expiry_due_on_an_active_subscription_names_the_expiry)
{
    ed_instance *p = active_platinum();
    const ed_time due = tp("2026-03-02T00:00:00Z");
    ed_result *r = ed_add_topic(p, due, "refunds");
    lacks(r, "release");
    expect_message(r, ED_EXPIRY_DUE, "add_topic", "its expiry at " T_EXPIRES,
                   "is due at 2026-03-02T00:00:00Z", "call tick first");
    r = ed_refund(p, tp(T_EXPIRES), NULL);
    lacks(r, "release");
    expect_message(r, ED_EXPIRY_DUE, "refund", "its expiry at " T_EXPIRES,
                   "is due at " T_EXPIRES, "call tick first");
    r = ed_renew(p, due, 1);
    lacks(r, "release");
    expect_message(r, ED_EXPIRY_DUE, "renew", "its expiry at " T_EXPIRES, "call tick first");
    r = ed_set_post_expiration_action(p, due, ED_ACTION_DOWNGRADE_TO_STANDARD);
    lacks(r, "release");
    expect_message(r, ED_EXPIRY_DUE, "set_post_expiration_action", "its expiry at " T_EXPIRES,
                   "call tick first");
    ed_instance_free(p);
}
END_TEST

/* expiry_due on an expired instance names its release time. */
START_TEST(test_expiry_due_on_an_expired_instance_names_the_release)
{
    ed_instance *e = expired();
    ed_result *r = ed_renew(e, tp("2026-03-09T00:00:00Z"), 1);
    lacks(r, "expiry at");
    expect_message(r, ED_EXPIRY_DUE, "renew", "its release at " T_RELEASE,
                   "is due at 2026-03-09T00:00:00Z", "call tick first");
    ed_instance_free(e);
}
END_TEST

/* expired: suspended until the release, and renewing is the way out. */
START_TEST(test_expired_names_the_release_time_and_says_renew)
{
    ed_instance *e = expired();
    expect_message(ed_add_group(e, tp("2026-03-02T00:00:00Z"), "GID_new"), ED_EXPIRED,
                   "add_group", "expired", "until its release at " T_RELEASE, "renew it first");
    expect_message(ed_refund(e, tp("2026-03-02T00:00:00Z"), NULL), ED_EXPIRED, "refund",
                   "until its release at " T_RELEASE, "renew it first");
    ed_instance_free(e);
}
END_TEST

/* released: the time it was released, and that a new instance is needed
 * (ticked at the release time itself). */
START_TEST(test_released_names_when_and_says_create_a_new_instance)
{
    ed_instance *e = expired();
    ed_instance *gone = take_ok(ed_tick(e, tp(T_RELEASE)));
    ck_assert_int_eq(ed_instance_lifecycle(gone), ED_LIFECYCLE_RELEASED);
    expect_message(ed_renew(gone, tp("2026-03-11T00:00:00Z"), 1), ED_RELEASED, "renew",
                   "was released at " T_RELEASE, "create a new instance");
    ed_instance_free(gone);
    ed_instance_free(e);
}
END_TEST

/* clock_skew: both times, and to pass the current time. */
START_TEST(test_clock_skew_names_now_and_the_last_change)
{
    ed_instance *p = active_platinum();
    expect_message(ed_add_topic(p, tp("2026-01-20T00:00:00Z"), "refunds"), ED_CLOCK_SKEW,
                   "add_topic", "now (2026-01-20T00:00:00Z)",
                   "last change (2026-02-02T00:00:00Z)", "pass the current time");
    ed_instance_free(p);
}
END_TEST

/* not_subscription: Standard Edition has no subscription; upgrade first. */
START_TEST(test_not_subscription_says_upgrade_first)
{
    ed_instance *s = standard4();
    expect_message(ed_renew(s, tp("2026-01-06T00:00:00Z"), 1), ED_NOT_SUBSCRIPTION, "renew",
                   "Standard Edition", "upgrade it first");
    ed_instance_free(s);
}
END_TEST

/* already_enterprise_platinum: renew is the command that extends. */
START_TEST(test_already_platinum_says_use_renew)
{
    ed_instance *p = active_platinum();
    expect_message(ed_upgrade(p, tp("2026-02-03T00:00:00Z"), 1), ED_ALREADY_ENTERPRISE_PLATINUM,
                   "already Enterprise Platinum", "use renew");
    ed_instance_free(p);
}
END_TEST

/* migration_in_progress: from which cluster to which, since when, and
 * that complete_migration ends it. */
START_TEST(test_migration_in_progress_names_the_clusters_and_complete_migration)
{
    ed_instance *p = upgraded5();
    expect_message(ed_add_topic(p, tp("2026-02-02T00:00:00Z"), "refunds"),
                   ED_MIGRATION_IN_PROGRESS, "add_topic",
                   "from the shared to the dedicated cluster", "since " T_UPGRADE,
                   "call complete_migration");
    ed_instance_free(p);
}
END_TEST

/* invalid_period: the value given and the range. */
START_TEST(test_invalid_period_names_the_value_and_the_range)
{
    ed_instance *p = active_platinum();
    expect_message(ed_renew(p, tp("2026-02-03T00:00:00Z"), 37), ED_INVALID_PERIOD, "renew",
                   "period_months 37 is outside 1..36");
    ed_instance_free(p);
}
END_TEST

/* create refuses a period out of range, naming it and the range. */
START_TEST(test_create_refusal_names_the_period_and_the_range)
{
    const int bad[] = {0, 37};
    for (size_t i = 0; i < 2; i++) {
        char want[64];
        (void)snprintf(want, sizeof want, "period_months %d is outside 1..36", bad[i]);
        expect_message(ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, tp(T_CREATE), bad[i],
                                                     NULL),
                       ED_INVALID_PERIOD, "create", want);
    }
}
END_TEST

/* data_loss_refused: what would be deleted, counted with the right
 * plural, and both ways out. */
START_TEST(test_data_loss_refused_counts_what_would_be_deleted)
{
    ed_instance *p = active_platinum();
    ed_time now = tp("2026-02-03T00:00:00Z");
    ed_result *r = ed_refund(p, now, NULL);
    expect_message(r, ED_DATA_LOSS_REFUSED, "refund", "would delete 2 topics and 2 groups",
                   "(S11)", "downgrade_to_standard first", "allow-data-loss");
    /* one topic and one group: singular */
    ed_instance *q = take_ok(ed_remove_topic(p, now, TOPICS[1]));
    ed_instance *one = take_ok(ed_remove_group(q, now, GROUPS[1]));
    expect_message(ed_refund(one, now, NULL), ED_DATA_LOSS_REFUSED,
                   "would delete 1 topic and 1 group (S11)");
    /* none: plural */
    ed_instance *bare = take_ok(
        ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, tp(T_CREATE), 1, NULL));
    expect_message(ed_refund(bare, now, NULL), ED_DATA_LOSS_REFUSED,
                   "would delete 0 topics and 0 groups (S11)");
    ed_instance_free(bare);
    ed_instance_free(one);
    ed_instance_free(q);
    ed_instance_free(p);
}
END_TEST

/* exists: says whether the name is taken by a topic or by a group. */
START_TEST(test_exists_names_what_holds_the_name)
{
    ed_instance *p = active_platinum();
    ed_time now = tp("2026-02-03T00:00:00Z");
    expect_message(ed_add_topic(p, now, TOPICS[0]), ED_EXISTS, "add_topic",
                   "'orders' is already used by a topic");
    expect_message(ed_add_topic(p, now, GROUPS[0]), ED_EXISTS, "add_topic",
                   "'GID_billing' is already used by a group");
    expect_message(ed_add_group(p, now, TOPICS[1]), ED_EXISTS, "add_group",
                   "'payments' is already used by a topic");
    expect_message(ed_add_group(p, now, GROUPS[1]), ED_EXISTS, "add_group",
                   "'GID_audit' is already used by a group");
    expect_message(ed_remove_group(p, now, "GID_none"), ED_NOT_FOUND, "remove_group",
                   "no group named 'GID_none'");
    expect_message(ed_remove_topic(p, now, "nothing"), ED_NOT_FOUND, "remove_topic",
                   "no topic named 'nothing'");
    ed_instance_free(p);
}
END_TEST

/* no_direct_downgrade: the safe workflow. */
START_TEST(test_no_direct_downgrade_names_the_safe_workflow)
{
    ed_instance *p = active_platinum();
    expect_message(ed_downgrade(p, tp("2026-02-03T00:00:00Z")), ED_NO_DIRECT_DOWNGRADE,
                   "downgrade_to_standard", "plan_downgrade");
    ed_instance_free(p);
}
END_TEST

/* ---- effect texts -------------------------------------------------------
 * ed_effect_text: one line for people per effect, naming what is done to
 * what, and when. Written out here from docs/rules.md section 3 and the
 * story of support.h. */

/* The texts of the effects of `r` (ok) are exactly `want`; frees r. */
#define expect_texts(r, ...)                                                                    \
    expect_texts_(__LINE__, (r), (const char *const[]){__VA_ARGS__, NULL})
static void expect_texts_(int line, ed_result *r, const char *const *want)
{
    ck_assert_msg(ed_result_status(r) == ED_OK, "line %d: %s: %s", line,
                  ed_status_name(ed_result_status(r)), ed_result_message(r));
    const ed_effect_list *l = ed_result_effects(r);
    size_t n = 0;
    while (want[n] != NULL)
        n++;
    ck_assert_msg(ed_effect_list_count(l) == n, "line %d: %zu effects, expected %zu", line,
                  ed_effect_list_count(l), n);
    for (size_t i = 0; i < n; i++) {
        const char *text = ed_effect_text(ed_effect_list_get(l, i));
        ck_assert_msg(text != NULL && strcmp(text, want[i]) == 0,
                      "line %d: effect %zu reads \"%s\", expected \"%s\"", line, i,
                      text ? text : "(null)", want[i]);
    }
    ed_result_free(r);
}

#define TO_DEDICATED "from the shared cluster to the dedicated cluster"
#define TO_SHARED "from the dedicated cluster to the shared cluster"

START_TEST(test_effect_texts_of_an_upgrade)
{
    ed_instance *s = standard4();
    expect_texts(ed_upgrade(s, tp(T_UPGRADE), 1),
                 "switch billing from pay-as-you-go to a 1-month subscription from " T_UPGRADE
                 ", expiring " T_EXPIRES,
                 "migrate topic orders " TO_DEDICATED, "migrate topic payments " TO_DEDICATED,
                 "rebalance consumer group GID_billing " TO_DEDICATED,
                 "rebalance consumer group GID_audit " TO_DEDICATED,
                 "schedule the expiry timer at " T_EXPIRES,
                 "open a ticket with expert services for the upgraded instance",
                 "notify: at " T_EXPIRES " the instance and all its topics and groups will be "
                 "deleted unless the post-expiration action is changed");
    expect_texts(ed_upgrade(s, tp(T_UPGRADE), 12),
                 "switch billing from pay-as-you-go to a 12-month subscription from " T_UPGRADE
                 ", expiring 2027-02-01T00:00:00Z",
                 "migrate topic orders " TO_DEDICATED, "migrate topic payments " TO_DEDICATED,
                 "rebalance consumer group GID_billing " TO_DEDICATED,
                 "rebalance consumer group GID_audit " TO_DEDICATED,
                 "schedule the expiry timer at 2027-02-01T00:00:00Z",
                 "open a ticket with expert services for the upgraded instance",
                 "notify: at 2027-02-01T00:00:00Z the instance and all its topics and groups "
                 "will be deleted unless the post-expiration action is changed");
    ed_instance_free(s);
}
END_TEST

START_TEST(test_effect_texts_of_renewals_and_the_action)
{
    ed_instance *p = active_platinum();
    ed_time now = tp("2026-02-03T00:00:00Z");
    expect_texts(ed_renew(p, now, 1), "renew the subscription by 1 month, to 2026-04-01T00:00:00Z",
                 "schedule the expiry timer at 2026-04-01T00:00:00Z");
    expect_texts(ed_renew(p, now, 2), "renew the subscription by 2 months, to 2026-05-01T00:00:00Z",
                 "schedule the expiry timer at 2026-05-01T00:00:00Z");
    expect_texts(ed_set_post_expiration_action(p, now, ED_ACTION_DOWNGRADE_TO_STANDARD),
                 "set the post-expiration action from delete_resource to downgrade_to_standard");
    ed_instance_free(p);
}
END_TEST

START_TEST(test_effect_texts_of_a_downgrade_at_expiry_and_by_refund)
{
    ed_instance *q = upgraded_downgrade6();
    expect_texts(ed_tick(q, tp("2026-03-02T00:00:00Z")),
                 "switch billing from subscription to pay-as-you-go as of " T_EXPIRES,
                 "migrate topic orders " TO_SHARED, "migrate topic payments " TO_SHARED,
                 "rebalance consumer group GID_billing " TO_SHARED,
                 "rebalance consumer group GID_audit " TO_SHARED,
                 "notify: a release notification around " T_RELEASE
                 " can be ignored; the instance was downgraded, not deleted");
    expect_texts(ed_refund(q, tp("2026-02-12T00:00:00Z"), NULL),
                 "refund the unused subscription time until " T_EXPIRES, "cancel the expiry timer",
                 "switch billing from subscription to pay-as-you-go as of 2026-02-12T00:00:00Z",
                 "migrate topic orders " TO_SHARED, "migrate topic payments " TO_SHARED,
                 "rebalance consumer group GID_billing " TO_SHARED,
                 "rebalance consumer group GID_audit " TO_SHARED,
                 "notify: a release notification around " T_RELEASE
                 " can be ignored; the instance was downgraded, not deleted");
    ed_instance_free(q);
}
END_TEST

START_TEST(test_effect_texts_of_expiry_renewal_and_release)
{
    ed_instance *p = active_platinum();
    expect_texts(ed_tick(p, tp(T_EXPIRES)),
                 "suspend instance " TEST_ID " as of " T_EXPIRES
                 ": clients can no longer send or receive",
                 "schedule the release timer at " T_RELEASE,
                 "notify: the instance is suspended and will be released with all its data at "
                 T_RELEASE " unless renewed");
    ed_instance *e = expired();
    expect_texts(ed_renew(e, tp("2026-03-02T00:00:00Z"), 1),
                 "renew the subscription by 1 month, to 2026-04-01T00:00:00Z",
                 "resume instance " TEST_ID, "cancel the release timer",
                 "schedule the expiry timer at 2026-04-01T00:00:00Z");
    expect_texts(ed_tick(e, tp(T_RELEASE)), "delete consumer group GID_billing",
                 "delete consumer group GID_audit", "delete topic orders and its messages",
                 "delete topic payments and its messages",
                 "delete instance " TEST_ID " as of " T_RELEASE);
    ed_instance_free(e);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_effect_texts_of_topics_and_groups)
{
    ed_instance *p = active_platinum();
    ed_time now = tp("2026-02-03T00:00:00Z");
    expect_texts(ed_add_topic(p, now, "refunds"), "create topic refunds");
    expect_texts(ed_add_group(p, now, "GID_new"), "create consumer group GID_new");
    expect_texts(ed_remove_topic(p, now, "orders"), "delete topic orders and its messages");
    expect_texts(ed_remove_group(p, now, "GID_audit"), "delete consumer group GID_audit");
    ed_instance_free(p);
}
END_TEST

static Suite *messages_suite(void)
{
    Suite *s = suite_create("messages");
    TCase *tc = tcase_create("messages");
    tcase_add_test(tc, test_expiry_due_on_an_active_subscription_names_the_expiry);
    tcase_add_test(tc, test_expiry_due_on_an_expired_instance_names_the_release);
    tcase_add_test(tc, test_expired_names_the_release_time_and_says_renew);
    tcase_add_test(tc, test_released_names_when_and_says_create_a_new_instance);
    tcase_add_test(tc, test_clock_skew_names_now_and_the_last_change);
    tcase_add_test(tc, test_not_subscription_says_upgrade_first);
    tcase_add_test(tc, test_already_platinum_says_use_renew);
    tcase_add_test(tc, test_migration_in_progress_names_the_clusters_and_complete_migration);
    tcase_add_test(tc, test_invalid_period_names_the_value_and_the_range);
    tcase_add_test(tc, test_data_loss_refused_counts_what_would_be_deleted);
    tcase_add_test(tc, test_exists_names_what_holds_the_name);
    tcase_add_test(tc, test_no_direct_downgrade_names_the_safe_workflow);
    tcase_add_test(tc, test_create_refusal_names_the_period_and_the_range);
    tcase_add_test(tc, test_effect_texts_of_an_upgrade);
    tcase_add_test(tc, test_effect_texts_of_renewals_and_the_action);
    tcase_add_test(tc, test_effect_texts_of_a_downgrade_at_expiry_and_by_refund);
    tcase_add_test(tc, test_effect_texts_of_expiry_renewal_and_release);
    tcase_add_test(tc, test_effect_texts_of_topics_and_groups);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(messages_suite());
}
