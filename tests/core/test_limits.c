/* The limits of docs/semantics.md and formats.md as the transitions meet
 * them: the largest revision, the largest topic and group tables, the
 * latest expiry; and the buffer's handling of nonsense arguments. */
#include "support.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a format: the revision and the action are filled in */
#define PLATINUM_AT_MAX \
    "libedition: 1\n" \
    "instance:\n" \
    "  id: MQ_INST_1380156306793859_BXq3ZzKs\n" \
    "  endpoint: http://mq.example:8080\n" \
    "  edition: enterprise_platinum\n" \
    "  billing: subscription\n" \
    "  cluster: dedicated\n" \
    "  lifecycle: active\n" \
    "  revision: %" PRIu64 "\n" \
    "  created_at: 2026-01-05T00:00:00Z\n" \
    "  updated_at: 2026-02-10T00:00:00Z\n" \
    "  release_delay_days: 7\n" \
    "  subscription:\n" \
    "    started_at: 2026-02-01T00:00:00Z\n" \
    "    expires_at: 2026-03-01T00:00:00Z\n" \
    "    period_months: 1\n" \
    "    post_expiration_action: %s\n" \
    "  topics: [orders, payments]\n" \
    "  groups: [GID_billing]\n"

static ed_instance *load(const char *text)
{
    ed_instance *in = NULL;
    ed_error *err = NULL;
    ed_status st = ed_instance_load_yaml(&in, text, strlen(text), NULL, &err);
    ck_assert_msg(st == ED_OK, "fixture does not load: %s", ed_error_message(err));
    ed_error_free(err);
    return in;
}

static ed_instance *platinum_with_revision(uint64_t revision, const char *action)
{
    char text[2048];
    snprintf(text, sizeof text, PLATINUM_AT_MAX, revision, action);
    return load(text);
}

/* A refusal with limit_exceeded that names the instance and changes
 * nothing (I4). */
static void check_limit_refusal(ed_result *r, const ed_instance *in, uint64_t revision)
{
    ck_assert_str_eq(ed_status_name(ed_result_status(r)), "limit_exceeded");
    ck_assert_ptr_null(ed_result_instance(r));
    ck_assert_uint_eq(ed_effect_list_count(ed_result_effects(r)), 0);
    ck_assert_ptr_nonnull(strstr(ed_result_message(r), TEST_ID));
    ck_assert_uint_eq(ed_instance_revision(in), revision);
    ed_result_free(r);
}

START_TEST(test_semantics_largest_revision_refuses_every_change)
{
    ed_instance *in = platinum_with_revision(UINT64_MAX, "delete_resource");
    ed_time now = tp("2026-02-15T00:00:00Z");
    ed_options *allow = opts_int(ED_OPT_ALLOW_DATA_LOSS, 1);

    check_limit_refusal(ed_set_post_expiration_action(in, now, ED_ACTION_DOWNGRADE_TO_STANDARD),
                        in, UINT64_MAX);
    check_limit_refusal(ed_renew(in, now, 1), in, UINT64_MAX);
    check_limit_refusal(ed_refund(in, now, allow), in, UINT64_MAX);
    check_limit_refusal(ed_refund(in, now, NULL), in, UINT64_MAX);
    check_limit_refusal(ed_add_group(in, now, "GID_new"), in, UINT64_MAX);
    check_limit_refusal(ed_remove_topic(in, now, "orders"), in, UINT64_MAX);
    check_limit_refusal(ed_tick(in, tp("2026-03-01T00:00:00Z")), in, UINT64_MAX);

    /* what changes nothing is still accepted at the limit */
    ed_result *r = ed_tick(in, now);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ck_assert_ptr_eq(ed_result_instance(r), in);
    ed_result_free(r);
    r = ed_plan_downgrade(in, now, ED_PLAN_IMMEDIATE);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_result_free(r);
    ed_options_free(allow);
    ed_instance_free(in);
}
END_TEST

START_TEST(test_semantics_largest_revision_refuses_upgrade_and_migration_end)
{
    ed_time now = tp("2026-02-15T00:00:00Z");
    char text[1024];
    snprintf(text, sizeof text,
             "libedition: 1\ninstance:\n  id: %s\n  endpoint: http://mq.example:8080\n"
             "  edition: standard\n  revision: %" PRIu64 "\n"
             "  created_at: 2026-01-05T00:00:00Z\n",
             TEST_ID, UINT64_MAX);
    ed_instance *standard = load(text);
    check_limit_refusal(ed_upgrade(standard, now, 1), standard, UINT64_MAX);
    ed_instance_free(standard);

    ed_instance *migrating = NULL;
    snprintf(text, sizeof text,
             "libedition: 1\ninstance:\n  id: %s\n  endpoint: http://mq.example:8080\n"
             "  edition: standard\n  revision: %" PRIu64 "\n"
             "  created_at: 2026-01-05T00:00:00Z\n"
             "  migration: {from: dedicated, to: shared, started_at: 2026-01-05T00:00:00Z}\n",
             TEST_ID, UINT64_MAX);
    migrating = load(text);
    check_limit_refusal(ed_complete_migration(migrating, now), migrating, UINT64_MAX);
    ed_instance_free(migrating);
}
END_TEST

/* A tick that is due to expire and release needs two revisions: one short
 * of the limit, it is refused whole rather than applied in half. */
START_TEST(test_semantics_tick_needing_two_revisions_at_the_limit_is_refused_whole)
{
    ed_instance *in = platinum_with_revision(UINT64_MAX - 1, "delete_resource");
    check_limit_refusal(ed_tick(in, tp("2026-03-20T00:00:00Z")), in, UINT64_MAX - 1);

    /* expiry alone fits */
    ed_result *r = ed_tick(in, tp("2026-03-02T00:00:00Z"));
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ck_assert_uint_eq(ed_instance_revision(ed_result_instance(r)), UINT64_MAX);
    ck_assert_int_eq(ed_instance_lifecycle(ed_result_instance(r)), ED_LIFECYCLE_EXPIRED);
    ed_result_free(r);
    ed_instance_free(in);
}
END_TEST

/* X1 with the limits of formats.md: an instance holds at most 1,000,000
 * topics and 1,000,000 groups. */
START_TEST(test_X1_no_more_than_a_million_topics_or_groups)
{
    const size_t n = 1000000;
    for (int groups = 0; groups < 2; groups++) {
        size_t size = 512 + n * 16;
        char *text = malloc(size);
        ck_assert_ptr_nonnull(text);
        int len = snprintf(text, size,
                           "libedition: 1\ninstance:\n  id: %s\n  endpoint: http://mq.example:80\n"
                           "  edition: standard\n  created_at: 2026-01-05T00:00:00Z\n  %s: [",
                           TEST_ID, groups ? "groups" : "topics");
        size_t at = (size_t)len;
        for (size_t i = 0; i < n; i++)
            at += (size_t)snprintf(text + at, size - at, "%sname_%07zu", i ? ", " : "", i);
        at += (size_t)snprintf(text + at, size - at, "]\n");
        ed_instance *in = NULL;
        ck_assert_int_eq(ed_instance_load_yaml(&in, text, at, NULL, NULL), ED_OK);
        free(text);
        ck_assert_uint_eq(groups ? ed_instance_group_count(in) : ed_instance_topic_count(in), n);

        ed_time now = tp("2026-02-01T00:00:00Z");
        ed_result *r = groups ? ed_add_group(in, now, "GID_one_more") : ed_add_topic(in, now, "one_more");
        check_limit_refusal(r, in, 0);
        /* a removal is still possible, and then the addition */
        r = groups ? ed_remove_group(in, now, "name_0000000") : ed_remove_topic(in, now, "name_0000000");
        ck_assert_int_eq(ed_result_status(r), ED_OK);
        ed_result *again = groups ? ed_add_group(ed_result_instance(r), now, "GID_one_more")
                                  : ed_add_topic(ed_result_instance(r), now, "one_more");
        ck_assert_int_eq(ed_result_status(again), ED_OK);
        ed_result_free(again);
        ed_result_free(r);
        ed_instance_free(in);
    }
}
END_TEST

/* docs/semantics.md: an expiry must leave room for the longest release
 * delay before 9999-12-31T23:59:59Z. */
START_TEST(test_semantics_expiry_leaves_room_for_the_release_delay)
{
    ed_time late = tp("9999-10-01T00:00:00Z");
    ed_result *r = ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, late, 1, NULL);
    ck_assert_int_eq(ed_result_status(r), ED_OK); /* Nov 1 + 30 days fits */
    ed_result_free(r);
    r = ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, late, 3, NULL);
    ck_assert_int_eq(ed_result_status(r), ED_INVALID_PERIOD); /* Jan 1, 10000 does not */
    ed_result_free(r);
    r = ed_create_standard(TEST_ID, TEST_ENDPOINT, late, NULL);
    ed_instance *s = ed_instance_ref(ed_result_instance(r));
    ed_result_free(r);
    r = ed_upgrade(s, late, 3);
    ck_assert_int_eq(ed_result_status(r), ED_INVALID_PERIOD);
    ed_result_free(r);
    ed_instance_free(s);
}
END_TEST

START_TEST(test_buffer_nonsense_arguments)
{
    ck_assert_str_eq(ed_buffer_data(NULL), "");
    ck_assert_uint_eq(ed_buffer_len(NULL), 0);
    ed_buffer_clear(NULL);
    ed_buffer_free(NULL);
    ed_buffer *b = ed_buffer_new();
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(ed_buffer_data(b), "");
    ed_buffer_clear(b); /* empty, nothing allocated yet */
    ck_assert_int_eq(ed_instance_dump_yaml(NULL, b), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_effects_dump_yaml(NULL, b), ED_INVALID_ARGUMENT);
    ck_assert_uint_eq(ed_buffer_len(b), 0);
    ed_buffer_free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("limits");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_semantics_largest_revision_refuses_every_change);
    tcase_add_test(tc, test_semantics_largest_revision_refuses_upgrade_and_migration_end);
    tcase_add_test(tc, test_semantics_tick_needing_two_revisions_at_the_limit_is_refused_whole);
    tcase_add_test(tc, test_X1_no_more_than_a_million_topics_or_groups);
    tcase_add_test(tc, test_semantics_expiry_leaves_room_for_the_release_delay);
    tcase_add_test(tc, test_buffer_nonsense_arguments);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
