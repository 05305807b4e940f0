/* Round trips on the shipped examples and the short form (formats.md):
 * dump of a loaded full-form file reproduces it byte for byte, and load ->
 * dump -> load gives the same snapshot. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "libedition.h"
#include "yaml_support.h"

static const char *const examples[] = {"states/standard.yaml", "states/platinum.yaml",
                                       "states/expired.yaml", "states/migrating.yaml"};

static ed_instance *load_ok(const char *data, size_t len)
{
    ed_instance *inst = NULL;
    ed_error *err = NULL;
    ed_status st = ed_instance_load_yaml(&inst, data, len, NULL, &err);
    ck_assert_msg(st == ED_OK, "load failed: %s at %zu:%zu", err ? ed_error_message(err) : "",
                  err ? ed_error_line(err) : 0, err ? ed_error_column(err) : 0);
    return inst;
}

START_TEST(test_example_dump_is_byte_identical)
{
    size_t len;
    char *data = read_data_file("ED_EXAMPLES_DIR", examples[_i], &len);
    ed_instance *inst = load_ok(data, len);
    char *out = dump_instance(inst);
    ck_assert_str_eq(out, data);
    free(out);
    ed_instance_free(inst);
    free(data);
}
END_TEST

START_TEST(test_example_load_dump_load_equal)
{
    size_t len;
    char *data = read_data_file("ED_EXAMPLES_DIR", examples[_i], &len);
    ed_instance *a = load_ok(data, len);
    char *out = dump_instance(a);
    ed_instance *b = load_ok(out, strlen(out));
    ck_assert(ed_instance_equal(a, b));
    free(out);
    ed_instance_free(a);
    ed_instance_free(b);
    free(data);
}
END_TEST

/* The example files say what they should hold: check a few fields through
 * the getters so a wrong example cannot pass by round-tripping itself. */
START_TEST(test_example_fields)
{
    size_t len;
    char *data = read_data_file("ED_EXAMPLES_DIR", "states/expired.yaml", &len);
    ed_instance *inst = load_ok(data, len);
    ck_assert_int_eq(ed_instance_edition(inst), ED_EDITION_ENTERPRISE_PLATINUM);
    ck_assert_int_eq(ed_instance_lifecycle(inst), ED_LIFECYCLE_EXPIRED);
    ck_assert_int_eq(ed_instance_release_delay_days(inst), 14);
    ed_time release_at, expires_at;
    ck_assert(ed_instance_release_at(inst, &release_at));
    ck_assert(ed_instance_subscription(inst, NULL, &expires_at, NULL, NULL));
    ck_assert_int_eq(release_at, expires_at + 14 * 86400);
    ck_assert_str_eq(ed_instance_group(inst, 0), "GID-analytics");
    ck_assert_ptr_null(ed_instance_region(inst));
    ed_instance_free(inst);
    free(data);
}
END_TEST

/* Short form: edition alone; revision 0, lifecycle active, updated_at =
 * created_at, release delay 7, no topics or groups. */
START_TEST(test_short_form_standard_defaults)
{
    const char *doc = "libedition: 1\ninstance:\n  id: MQ_INST_1\n  endpoint: http://e:80\n"
                      "  edition: standard\n  created_at: 2026-01-05T08:00:00+08:00\n";
    ed_instance *inst = load_ok(doc, strlen(doc));
    ck_assert_int_eq(ed_instance_billing(inst), ED_BILLING_PAY_AS_YOU_GO);
    ck_assert_int_eq(ed_instance_cluster(inst), ED_CLUSTER_SHARED);
    ck_assert_int_eq(ed_instance_lifecycle(inst), ED_LIFECYCLE_ACTIVE);
    ck_assert_uint_eq(ed_instance_revision(inst), 0);
    ck_assert_int_eq(ed_instance_created_at(inst), yt("2026-01-05T00:00:00Z"));
    ck_assert_int_eq(ed_instance_updated_at(inst), ed_instance_created_at(inst));
    ck_assert_int_eq(ed_instance_release_delay_days(inst), 7);
    ck_assert_uint_eq(ed_instance_topic_count(inst), 0);
    ck_assert_uint_eq(ed_instance_group_count(inst), 0);
    ck_assert(!ed_instance_subscription(inst, NULL, NULL, NULL, NULL));
    /* The dump is the full form, offset normalised to Z. */
    char *out = dump_instance(inst);
    ck_assert_str_eq(out, "libedition: 1\n"
                          "instance:\n"
                          "  id: MQ_INST_1\n"
                          "  endpoint: http://e:80\n"
                          "  edition: standard\n"
                          "  billing: pay_as_you_go\n"
                          "  cluster: shared\n"
                          "  lifecycle: active\n"
                          "  revision: 0\n"
                          "  created_at: 2026-01-05T00:00:00Z\n"
                          "  updated_at: 2026-01-05T00:00:00Z\n"
                          "  release_delay_days: 7\n"
                          "  topics: []\n"
                          "  groups: []\n");
    free(out);
    ed_instance_free(inst);
}
END_TEST

START_TEST(test_short_form_platinum_default_action)
{
    const char *doc = "libedition: 1\ninstance:\n  id: MQ_INST_1\n  endpoint: http://e:80\n"
                      "  edition: enterprise_platinum\n  created_at: 2026-01-05T00:00:00Z\n"
                      "  subscription:\n    started_at: 2026-01-05T00:00:00Z\n"
                      "    expires_at: 2026-02-05T00:00:00Z\n    period_months: 1\n";
    ed_instance *inst = load_ok(doc, strlen(doc));
    ed_action action;
    int period;
    ck_assert(ed_instance_subscription(inst, NULL, NULL, &period, &action));
    ck_assert_int_eq(action, ED_ACTION_DELETE_RESOURCE);
    ck_assert_int_eq(period, 1);
    ck_assert_int_eq(ed_instance_billing(inst), ED_BILLING_SUBSCRIPTION);
    ck_assert_int_eq(ed_instance_cluster(inst), ED_CLUSTER_DEDICATED);
    ed_instance_free(inst);
}
END_TEST

/* Keys may come in any order; block and flow lists both load; quoted
 * strings are strings. */
START_TEST(test_any_key_order_and_styles)
{
    const char *doc = "libedition: 1\ninstance:\n  groups:\n  - 'yes'\n  topics: [\"123\", orders]\n"
                      "  created_at: 2026-01-05T00:00:00Z\n  edition: standard\n"
                      "  endpoint: \"http://e:80\"\n  id: MQ_INST_1\n  billing: pay_as_you_go\n";
    ed_instance *inst = load_ok(doc, strlen(doc));
    ck_assert_str_eq(ed_instance_topic(inst, 0), "123");
    ck_assert_str_eq(ed_instance_group(inst, 0), "yes");
    /* Such names are written quoted so that they read back as strings. */
    char *out = dump_instance(inst);
    ck_assert_ptr_nonnull(strstr(out, "  topics: ['123', orders]\n  groups: ['yes']\n"));
    ed_instance *back = load_ok(out, strlen(out));
    ck_assert(ed_instance_equal(inst, back));
    ed_instance_free(back);
    free(out);
    ed_instance_free(inst);
}
END_TEST

/* Dumping appends to what the buffer holds. */
START_TEST(test_dump_appends)
{
    size_t len;
    char *data = read_data_file("ED_EXAMPLES_DIR", "states/standard.yaml", &len);
    ed_instance *inst = load_ok(data, len);
    ed_buffer *buf = ed_buffer_new();
    ck_assert_int_eq(ed_instance_dump_yaml(inst, buf), ED_OK);
    ck_assert_int_eq(ed_instance_dump_yaml(inst, buf), ED_OK);
    ck_assert_uint_eq(ed_buffer_len(buf), 2 * len);
    ck_assert_int_eq(memcmp(ed_buffer_data(buf) + len, data, len), 0);
    ck_assert_int_eq(ed_instance_dump_yaml(NULL, buf), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_instance_dump_yaml(inst, NULL), ED_INVALID_ARGUMENT);
    ck_assert_uint_eq(ed_buffer_len(buf), 2 * len);
    ed_buffer_free(buf);
    ed_instance_free(inst);
    free(data);
}
END_TEST

START_TEST(test_scenario_loads)
{
    size_t len;
    char *data = read_data_file("ED_DATA_DIR", "scenarios/upgrade-and-downgrade.yaml", &len);
    ed_scenario *sc = NULL;
    ed_error *err = NULL;
    ed_status st = ed_scenario_load_yaml(&sc, data, len, NULL, &err);
    ck_assert_msg(st == ED_OK, "%s", err ? ed_error_message(err) : "");
    ck_assert_int_eq(ed_instance_edition(ed_scenario_instance(sc)), ED_EDITION_STANDARD);
    ck_assert_uint_eq(ed_instance_topic_count(ed_scenario_instance(sc)), 2);
    ck_assert_uint_eq(ed_scenario_step_count(sc), 7);
    static const ed_command_kind kinds[] = {
        ED_CMD_UPGRADE,        ED_CMD_SET_POST_EXPIRATION_ACTION, ED_CMD_ADD_TOPIC,
        ED_CMD_COMPLETE_MIGRATION, ED_CMD_PLAN_DOWNGRADE,         ED_CMD_REFUND,
        ED_CMD_TICK};
    static const size_t lines[] = {10, 13, 16, 19, 21, 24, 27};
    for (size_t i = 0; i < 7; i++) {
        ck_assert_int_eq(ed_command_kind_of(ed_scenario_step_command(sc, i)), kinds[i]);
        ck_assert_uint_eq(ed_scenario_step_line(sc, i), lines[i]);
    }
    int64_t v;
    ck_assert(ed_command_get_int(ed_scenario_step_command(sc, 0), ED_ARG_PERIOD_MONTHS, &v));
    ck_assert_int_eq(v, 37); /* out of range, but not a file error */
    ck_assert(ed_command_get_int(ed_scenario_step_command(sc, 1), ED_ARG_ACTION, &v));
    ck_assert_int_eq(v, ED_ACTION_DOWNGRADE_TO_STANDARD);
    ck_assert_str_eq(ed_command_get_string(ed_scenario_step_command(sc, 2), ED_ARG_NAME), "audit");
    ck_assert(ed_command_get_int(ed_scenario_step_command(sc, 4), ED_ARG_MODE, &v));
    ck_assert_int_eq(v, ED_PLAN_AT_EXPIRY);
    ck_assert(ed_command_get_int(ed_scenario_step_command(sc, 5), ED_ARG_ALLOW_DATA_LOSS, &v));
    ck_assert_int_eq(v, 1);
    ck_assert(!ed_command_get_int(ed_scenario_step_command(sc, 6), ED_ARG_ALLOW_DATA_LOSS, &v));
    ck_assert_int_eq(ed_scenario_step_at(sc, 6), yt("2026-03-01T00:00:00Z"));
    ck_assert_ptr_null(ed_scenario_step_command(sc, 7));
    ed_scenario_free(sc);
    free(data);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("yaml_roundtrip");
    TCase *tc = tcase_create("roundtrip");
    int n = (int)(sizeof examples / sizeof examples[0]);
    tcase_add_loop_test(tc, test_example_dump_is_byte_identical, 0, n);
    tcase_add_loop_test(tc, test_example_load_dump_load_equal, 0, n);
    tcase_add_test(tc, test_example_fields);
    tcase_add_test(tc, test_short_form_standard_defaults);
    tcase_add_test(tc, test_short_form_platinum_default_action);
    tcase_add_test(tc, test_any_key_order_and_styles);
    tcase_add_test(tc, test_dump_appends);
    tcase_add_test(tc, test_scenario_loads);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
