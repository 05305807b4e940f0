/* ed__instance_validate: the cross-field rules every loaded snapshot must
 * satisfy (I2, release_at only when expired, times in range, ...). The YAML
 * reader checks most of them itself, to point at the offending value; this
 * is the net behind it, tested on snapshots altered one field at a time. */
#include "internal.h"
#include "support.h"

#include <stdlib.h>
#include <string.h>

typedef void (*alter_fn)(ed_instance *in);

static ed_instance *platinum(void)
{
    ed_result *r = ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT,
                                                 tp("2026-02-01T00:00:00Z"), 1, NULL);
    ed_instance *in = ed__instance_clone(ed_result_instance(r));
    ed_result_free(r);
    return in;
}

static ed_instance *expired(void)
{
    ed_instance *p = platinum();
    ed_result *r = ed_tick(p, tp("2026-03-01T00:00:00Z"));
    ed_instance *in = ed__instance_clone(ed_result_instance(r));
    ed_result_free(r);
    ed_instance_free(p);
    return in;
}

static void expect_invalid(ed_instance *in, const char *field)
{
    char msg[ED_MESSAGE_MAX] = "";
    ck_assert_int_eq(ed__instance_validate(in, msg, sizeof msg), ED_SCHEMA_ERROR);
    ck_assert_msg(strncmp(msg, field, strlen(field)) == 0, "message '%s' does not name %s", msg,
                  field);
    ed_instance_free(in);
}

START_TEST(test_validate_accepts_what_the_transitions_make)
{
    char msg[ED_MESSAGE_MAX];
    ed_instance *p = platinum(), *e = expired();
    ck_assert_int_eq(ed__instance_validate(p, msg, sizeof msg), ED_OK);
    ck_assert_int_eq(ed__instance_validate(e, msg, sizeof msg), ED_OK);
    ed_instance_free(p);
    ed_instance_free(e);
}
END_TEST

START_TEST(test_I2_validate_subscription_matches_the_edition)
{
    ed_instance *in = platinum();
    in->has_subscription = false;
    expect_invalid(in, "subscription");
    in = platinum();
    in->edition = ED_EDITION_STANDARD;
    expect_invalid(in, "subscription");
}
END_TEST

START_TEST(test_validate_subscription_fields)
{
    ed_instance *in = platinum();
    in->period_months = 37;
    expect_invalid(in, "subscription.period_months");
    in = platinum();
    in->action = (ed_action)7;
    expect_invalid(in, "subscription.post_expiration_action");
    in = platinum();
    in->expires_at = in->started_at;
    expect_invalid(in, "subscription.expires_at");
    in = platinum();
    in->expires_at = ED_TIME_MAX;
    expect_invalid(in, "subscription.expires_at");
    in = platinum();
    in->started_at = ED_TIME_MIN - 1;
    expect_invalid(in, "subscription.started_at");
}
END_TEST

START_TEST(test_validate_release_at_only_when_expired)
{
    ed_instance *in = platinum();
    in->has_release_at = true;
    in->release_at = in->expires_at;
    expect_invalid(in, "release_at");
    in = expired();
    in->has_release_at = false;
    expect_invalid(in, "release_at");
    in = expired();
    in->release_at += 1;
    expect_invalid(in, "release_at");
    in = expired();
    in->edition = ED_EDITION_STANDARD;
    in->has_subscription = false;
    expect_invalid(in, "lifecycle");
}
END_TEST

START_TEST(test_validate_times_and_delay)
{
    ed_instance *in = platinum();
    in->updated_at = in->created_at - 1;
    expect_invalid(in, "updated_at");
    in = platinum();
    in->created_at = ED_TIME_MAX + 1;
    expect_invalid(in, "created_at");
    in = platinum();
    in->release_delay_days = 31;
    expect_invalid(in, "release_delay_days");
}
END_TEST

/* Each time names its own field, so that a bad updated_at is not reported
 * as created_at. */
START_TEST(test_validate_updated_at_out_of_range_names_updated_at)
{
    ed_instance *in = platinum();
    in->updated_at = ED_TIME_MAX + 1;
    expect_invalid(in, "updated_at: out of range");
}
END_TEST

/* The reason ed__instance_validate gives after "<key>: ". */
static const char *validate_reason(ed_instance *in, char *msg, size_t size, const char *key)
{
    ck_assert_int_eq(ed__instance_validate(in, msg, size), ED_SCHEMA_ERROR);
    ck_assert_msg(strncmp(msg, key, strlen(key)) == 0 && strncmp(msg + strlen(key), ": ", 2) == 0,
                  "message '%s' does not start with %s", msg, key);
    ed_instance_free(in);
    return msg + strlen(key) + 2;
}

static void expect_reader_says(const char *doc, const char *reason)
{
    ed_instance *inst = NULL;
    ed_error *err = NULL;
    ck_assert_int_eq(ed_instance_load_yaml(&inst, doc, strlen(doc), NULL, &err), ED_SCHEMA_ERROR);
    ck_assert_msg(strstr(ed_error_message(err), reason) != NULL,
                  "the reader says '%s', the rule says '%s'", ed_error_message(err), reason);
    ed_error_free(err);
}

#define DOC_HEAD "libedition: 1\ninstance:\n  id: MQ_INST_1\n  endpoint: http://e:80\n" \
                 "  created_at: 2026-01-05T00:00:00Z\n"
#define DOC_SUBSCRIPTION "  subscription: {started_at: 2026-02-01T00:00:00Z, " \
                         "expires_at: 2026-03-01T00:00:00Z, period_months: 1}\n"

/* The subscription and release_at rules have one statement: the reader,
 * which points at the offending key, gives the same reason as the
 * validation behind it. */
START_TEST(test_reader_and_validate_share_the_parts_rules)
{
    char msg[ED_MESSAGE_MAX];
    ed_instance *in = platinum();
    in->edition = ED_EDITION_STANDARD;
    expect_reader_says(DOC_HEAD "  edition: standard\n" DOC_SUBSCRIPTION,
                       validate_reason(in, msg, sizeof msg, "subscription"));
    in = platinum();
    in->has_subscription = false;
    expect_reader_says(DOC_HEAD "  edition: enterprise_platinum\n",
                       validate_reason(in, msg, sizeof msg, "subscription"));
    in = platinum();
    in->has_release_at = true;
    in->release_at = in->expires_at;
    expect_reader_says(DOC_HEAD "  edition: enterprise_platinum\n  release_at: "
                                "2026-03-01T00:00:00Z\n" DOC_SUBSCRIPTION,
                       validate_reason(in, msg, sizeof msg, "release_at"));
    in = expired();
    in->has_release_at = false;
    expect_reader_says(DOC_HEAD "  edition: enterprise_platinum\n  lifecycle: expired\n"
                                DOC_SUBSCRIPTION,
                       validate_reason(in, msg, sizeof msg, "release_at"));
}
END_TEST

START_TEST(test_validate_migration)
{
    ed_instance *in = platinum();
    in->has_migration = true;
    in->migration_from = ED_CLUSTER_DEDICATED;
    in->migration_to = ED_CLUSTER_DEDICATED;
    expect_invalid(in, "migration");
    in = platinum();
    in->has_migration = true;
    in->migration_from = ED_CLUSTER_DEDICATED;
    in->migration_to = ED_CLUSTER_SHARED; /* platinum lives on dedicated */
    expect_invalid(in, "migration.to");
    in = platinum();
    in->has_migration = true;
    in->migration_from = ED_CLUSTER_SHARED;
    in->migration_to = ED_CLUSTER_DEDICATED;
    in->migration_started_at = ED_TIME_MAX + 1;
    expect_invalid(in, "migration.started_at");
}
END_TEST

START_TEST(test_X1_validate_names_and_identity)
{
    ed_instance *in = platinum();
    ed_names *groups = ed__names_new(1);
    ck_assert_int_eq(ed__names_push(groups, "orders", 6), ED_OK);
    ed_names *topics = ed__names_new(1);
    ck_assert_int_eq(ed__names_push(topics, "orders", 6), ED_OK);
    ed__names_unref(in->groups);
    ed__names_unref(in->topics);
    in->groups = groups;
    in->topics = topics;
    expect_invalid(in, "groups");

    in = platinum();
    ed__ident_unref(in->ident);
    in->ident = ed__ident_new("has space", "http://x", NULL);
    expect_invalid(in, "id");
    in = platinum();
    ed__ident_unref(in->ident);
    in->ident = ed__ident_new("MQ_INST_x", "", NULL);
    expect_invalid(in, "endpoint");
    in = platinum();
    ed__ident_unref(in->ident);
    in->ident = ed__ident_new("MQ_INST_x", "http://x", "cn hangzhou");
    expect_invalid(in, "region");
}
END_TEST

START_TEST(test_S9_validate_released_has_no_topics)
{
    ed_instance *in = expired();
    in->lifecycle = ED_LIFECYCLE_RELEASED;
    in->has_release_at = false;
    ed_names *topics = ed__names_new(1);
    ck_assert_int_eq(ed__names_push(topics, "orders", 6), ED_OK);
    ed__names_unref(in->topics);
    in->topics = topics;
    expect_invalid(in, "topics");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("validate");
    tcase_add_test(tc, test_validate_accepts_what_the_transitions_make);
    tcase_add_test(tc, test_I2_validate_subscription_matches_the_edition);
    tcase_add_test(tc, test_validate_subscription_fields);
    tcase_add_test(tc, test_validate_release_at_only_when_expired);
    tcase_add_test(tc, test_validate_times_and_delay);
    tcase_add_test(tc, test_validate_updated_at_out_of_range_names_updated_at);
    tcase_add_test(tc, test_reader_and_validate_share_the_parts_rules);
    tcase_add_test(tc, test_validate_migration);
    tcase_add_test(tc, test_X1_validate_names_and_identity);
    tcase_add_test(tc, test_S9_validate_released_has_no_topics);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
