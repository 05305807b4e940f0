/* The public API around the transitions: version, status and enum names,
 * getters, options, generic commands, and the sharing of name tables
 * between snapshots (a state-only transition must not copy the topics). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

/* ---- version -------------------------------------------------------------- */

START_TEST(test_version_matches_header)
{
    char want[64];
    snprintf(want, sizeof want, "%d.%d.%d", ED_VERSION_MAJOR, ED_VERSION_MINOR,
             ED_VERSION_PATCH);
    ck_assert_ptr_nonnull(ed_version());
    ck_assert_str_eq(ed_version(), want);
    ck_assert_int_eq(ED_ABI_MAJOR, 1);
}
END_TEST

/* ---- status codes ------------------------------------------------------------ */

/* docs/rules.md section 5, in the header's order, with "ok" first. */
static const char *const STATUS_NAMES[] = {
    "ok", "invalid_argument", "invalid_name", "invalid_period", "clock_skew",
    "already_enterprise_platinum", "not_subscription", "no_direct_downgrade", "expiry_due",
    "expired", "released", "migration_in_progress", "no_migration", "exists", "not_found",
    "data_loss_refused", "parse_error", "schema_error", "limit_exceeded", "no_memory",
    "io_error"};

START_TEST(test_status_names_are_the_spec_names)
{
    /* the values are part of the ABI: stable, never reused */
    const ed_status values[] = {
        ED_OK, ED_INVALID_ARGUMENT, ED_INVALID_NAME, ED_INVALID_PERIOD, ED_CLOCK_SKEW,
        ED_ALREADY_ENTERPRISE_PLATINUM, ED_NOT_SUBSCRIPTION, ED_NO_DIRECT_DOWNGRADE,
        ED_EXPIRY_DUE, ED_EXPIRED, ED_RELEASED, ED_MIGRATION_IN_PROGRESS, ED_NO_MIGRATION,
        ED_EXISTS, ED_NOT_FOUND, ED_DATA_LOSS_REFUSED, ED_PARSE_ERROR, ED_SCHEMA_ERROR,
        ED_LIMIT_EXCEEDED, ED_NO_MEMORY, ED_IO_ERROR};
    const size_t n = sizeof STATUS_NAMES / sizeof STATUS_NAMES[0];
    ck_assert_uint_eq(n, sizeof values / sizeof values[0]);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq((int)values[i], (int)i);
        const char *name = ed_status_name(values[i]);
        ck_assert_ptr_nonnull(name);
        ck_assert_str_eq(name, STATUS_NAMES[i]);
        ed_status back = ED_IO_ERROR;
        ck_assert_int_eq(ed_status_from_name(STATUS_NAMES[i], &back), ED_OK);
        ck_assert_int_eq(back, values[i]);
        for (size_t k = 0; k < i; k++)
            ck_assert_str_ne(ed_status_name(values[k]), name);
    }
    ck_assert_ptr_null(ed_status_name((ed_status)21));
    ck_assert_ptr_null(ed_status_name((ed_status)-1));
    ck_assert_ptr_null(ed_status_name((ed_status)1000));
    ed_status out = ED_EXPIRED;
    ck_assert_int_eq(ed_status_from_name("no_such_status", &out), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_status_from_name("OK", &out), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_status_from_name("", &out), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_status_from_name("expired ", &out), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_status_from_name(NULL, &out), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(out, ED_EXPIRED);
}
END_TEST

/* ---- the model's enumerations ------------------------------------------------- */

START_TEST(test_enum_names_round_trip)
{
    ck_assert_str_eq(ed_edition_name(ED_EDITION_STANDARD), "standard");
    ck_assert_str_eq(ed_edition_name(ED_EDITION_ENTERPRISE_PLATINUM), "enterprise_platinum");
    ck_assert_ptr_null(ed_edition_name((ed_edition)2));
    ck_assert_str_eq(ed_billing_name(ED_BILLING_PAY_AS_YOU_GO), "pay_as_you_go");
    ck_assert_str_eq(ed_billing_name(ED_BILLING_SUBSCRIPTION), "subscription");
    ck_assert_ptr_null(ed_billing_name((ed_billing)2));
    ck_assert_str_eq(ed_cluster_name(ED_CLUSTER_SHARED), "shared");
    ck_assert_str_eq(ed_cluster_name(ED_CLUSTER_DEDICATED), "dedicated");
    ck_assert_ptr_null(ed_cluster_name((ed_cluster)-1));
    ck_assert_str_eq(ed_lifecycle_name(ED_LIFECYCLE_ACTIVE), "active");
    ck_assert_str_eq(ed_lifecycle_name(ED_LIFECYCLE_EXPIRED), "expired");
    ck_assert_str_eq(ed_lifecycle_name(ED_LIFECYCLE_RELEASED), "released");
    ck_assert_ptr_null(ed_lifecycle_name((ed_lifecycle)3));
    ck_assert_str_eq(ed_action_name(ED_ACTION_DELETE_RESOURCE), "delete_resource");
    ck_assert_str_eq(ed_action_name(ED_ACTION_DOWNGRADE_TO_STANDARD), "downgrade_to_standard");
    ck_assert_ptr_null(ed_action_name((ed_action)2));
    ck_assert_str_eq(ed_plan_mode_name(ED_PLAN_IMMEDIATE), "immediate");
    ck_assert_str_eq(ed_plan_mode_name(ED_PLAN_AT_EXPIRY), "at_expiry");
    ck_assert_ptr_null(ed_plan_mode_name((ed_plan_mode)2));

    const char *const editions[] = {"standard", "enterprise_platinum"};
    for (int i = 0; i < 2; i++) {
        ed_edition e = (ed_edition)(1 - i);
        ck_assert_int_eq(ed_edition_from_name(editions[i], &e), ED_OK);
        ck_assert_int_eq(e, i);
    }
    const char *const lifecycles[] = {"active", "expired", "released"};
    for (int i = 0; i < 3; i++) {
        ed_lifecycle l = (ed_lifecycle)((i + 1) % 3);
        ck_assert_int_eq(ed_lifecycle_from_name(lifecycles[i], &l), ED_OK);
        ck_assert_int_eq(l, i);
    }
    const char *const actions[] = {"delete_resource", "downgrade_to_standard"};
    for (int i = 0; i < 2; i++) {
        ed_action a = (ed_action)(1 - i);
        ck_assert_int_eq(ed_action_from_name(actions[i], &a), ED_OK);
        ck_assert_int_eq(a, i);
    }
    const char *const modes[] = {"immediate", "at_expiry"};
    for (int i = 0; i < 2; i++) {
        ed_plan_mode m = (ed_plan_mode)(1 - i);
        ck_assert_int_eq(ed_plan_mode_from_name(modes[i], &m), ED_OK);
        ck_assert_int_eq(m, i);
    }
    /* unknown names leave the output alone */
    ed_edition e = ED_EDITION_ENTERPRISE_PLATINUM;
    ck_assert_int_eq(ed_edition_from_name("platinum", &e), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_edition_from_name(NULL, &e), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(e, ED_EDITION_ENTERPRISE_PLATINUM);
    ed_action a = ED_ACTION_DOWNGRADE_TO_STANDARD;
    ck_assert_int_eq(ed_action_from_name("delete", &a), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(a, ED_ACTION_DOWNGRADE_TO_STANDARD);
    ed_lifecycle l = ED_LIFECYCLE_EXPIRED;
    ck_assert_int_eq(ed_lifecycle_from_name("Active", &l), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(l, ED_LIFECYCLE_EXPIRED);
    ed_plan_mode m = ED_PLAN_AT_EXPIRY;
    ck_assert_int_eq(ed_plan_mode_from_name("later", &m), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(m, ED_PLAN_AT_EXPIRY);
}
END_TEST

/* The header: "ED_INVALID_ARGUMENT if the name is unknown or an argument is
 * NULL"; the conventions: NULL arguments never crash. */
START_TEST(test_from_name_with_null_output)
{
    ck_assert_int_eq(ed_status_from_name("ok", NULL), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_edition_from_name("standard", NULL), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_lifecycle_from_name("active", NULL), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_action_from_name("delete_resource", NULL), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_plan_mode_from_name("immediate", NULL), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_command_kind_from_name("tick", NULL), ED_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_command_kind_names)
{
    const char *const names[] = {NULL, "upgrade", "set_post_expiration_action", "refund",
                                 "renew", "tick", "complete_migration", "add_topic",
                                 "remove_topic", "add_group", "remove_group", "downgrade",
                                 "plan_downgrade"};
    for (int k = 1; k <= 12; k++) {
        ck_assert_str_eq(ed_command_kind_name((ed_command_kind)k), names[k]);
        ed_command_kind back = (ed_command_kind)0;
        ck_assert_int_eq(ed_command_kind_from_name(names[k], &back), ED_OK);
        ck_assert_int_eq(back, k);
    }
    ck_assert_ptr_null(ed_command_kind_name((ed_command_kind)0));
    ck_assert_ptr_null(ed_command_kind_name((ed_command_kind)13));
    ed_command_kind out = ED_CMD_TICK;
    ck_assert_int_eq(ed_command_kind_from_name("create", &out), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(out, ED_CMD_TICK);
}
END_TEST

START_TEST(test_effect_tables)
{
    /* docs/rules.md section 3 */
    const char *const kinds[] = {
        NULL, "billing.convert", "billing.refund", "billing.renew", "topic.migrate",
        "consumers.rebalance", "topic.create", "group.create", "topic.delete", "group.delete",
        "instance.suspend", "instance.resume", "instance.delete", "timer.schedule",
        "timer.cancel", "config.post_expiration_action", "ticket.expert_services",
        "notice.delete_on_expiry", "notice.release_pending",
        "notice.ignore_release_notification"};
    for (int k = 1; k <= 19; k++)
        ck_assert_str_eq(ed_effect_kind_name((ed_effect_kind)k), kinds[k]);
    ck_assert_ptr_null(ed_effect_kind_name((ed_effect_kind)0));
    ck_assert_ptr_null(ed_effect_kind_name((ed_effect_kind)20));

    ck_assert_str_eq(ed_effect_flag_name(ED_FLAG_IRREVERSIBLE), "irreversible");
    ck_assert_str_eq(ed_effect_flag_name(ED_FLAG_DISRUPTIVE), "disruptive");
    ck_assert_str_eq(ed_effect_flag_name(ED_FLAG_BILLING), "billing");
    ck_assert_str_eq(ed_effect_flag_name(ED_FLAG_NOTICE), "notice");
    ck_assert_ptr_null(ed_effect_flag_name((ed_effect_flag)0));
    ck_assert_ptr_null(ed_effect_flag_name((ed_effect_flag)(ED_FLAG_IRREVERSIBLE | ED_FLAG_NOTICE)));
    ck_assert_ptr_null(ed_effect_flag_name((ed_effect_flag)(1u << 4)));

    ck_assert_str_eq(ed_subject_kind_name(ED_SUBJECT_INSTANCE), "instance");
    ck_assert_str_eq(ed_subject_kind_name(ED_SUBJECT_TOPIC), "topic");
    ck_assert_str_eq(ed_subject_kind_name(ED_SUBJECT_GROUP), "group");
    ck_assert_ptr_null(ed_subject_kind_name((ed_subject_kind)3));

    const char *const fields[] = {NULL, "from", "to", "at", "period_months", "expires_at",
                                  "refund", "unused_from", "unused_until", "timer", "online"};
    const ed_field_type types[] = {ED_FIELD_TYPE_STRING, ED_FIELD_TYPE_STRING,
                                   ED_FIELD_TYPE_STRING, ED_FIELD_TYPE_TIME,
                                   ED_FIELD_TYPE_INT,    ED_FIELD_TYPE_TIME,
                                   ED_FIELD_TYPE_STRING, ED_FIELD_TYPE_TIME,
                                   ED_FIELD_TYPE_TIME,   ED_FIELD_TYPE_STRING,
                                   ED_FIELD_TYPE_BOOL};
    ck_assert_int_eq(ED_FIELD_FIRST, 1);
    ck_assert_int_eq(ED_FIELD_LAST, 10);
    for (int f = 1; f <= 10; f++) {
        ck_assert_str_eq(ed_field_name((ed_field)f), fields[f]);
        ck_assert_int_eq(ed_field_type_of((ed_field)f), types[f]);
    }
    ck_assert_ptr_null(ed_field_name((ed_field)0));
    ck_assert_ptr_null(ed_field_name((ed_field)11));
    ck_assert_int_eq(ed_field_type_of((ed_field)11), ED_FIELD_TYPE_STRING);

    const char *const args[] = {NULL, "period_months", "action", "allow_data_loss", "name",
                                "mode"};
    for (int a = 1; a <= 5; a++)
        ck_assert_str_eq(ed_arg_name((ed_arg)a), args[a]);
    ck_assert_ptr_null(ed_arg_name((ed_arg)0));
    ck_assert_ptr_null(ed_arg_name((ed_arg)6));
}
END_TEST

/* ---- getters ------------------------------------------------------------------ */

START_TEST(test_getters_on_null)
{
    ck_assert_ptr_null(ed_instance_ref(NULL));
    ed_instance_free(NULL);
    ed_result_free(NULL);
    ed_options_free(NULL);
    ed_command_free(NULL);
    ck_assert_ptr_null(ed_instance_id(NULL));
    ck_assert_ptr_null(ed_instance_endpoint(NULL));
    ck_assert_ptr_null(ed_instance_region(NULL));
    ck_assert_int_eq(ed_instance_edition(NULL), 0);
    ck_assert_int_eq(ed_instance_billing(NULL), 0);
    ck_assert_int_eq(ed_instance_cluster(NULL), 0);
    ck_assert_int_eq(ed_instance_lifecycle(NULL), 0);
    ck_assert_uint_eq(ed_instance_revision(NULL), 0);
    ck_assert_int_eq(ed_instance_created_at(NULL), 0);
    ck_assert_int_eq(ed_instance_updated_at(NULL), 0);
    ck_assert_int_eq(ed_instance_release_delay_days(NULL), 0);
    ed_time t = 99;
    ck_assert(!ed_instance_subscription(NULL, &t, &t, NULL, NULL));
    ck_assert(!ed_instance_release_at(NULL, &t));
    ck_assert(!ed_instance_migration(NULL, NULL, NULL, &t));
    ck_assert(!ed_instance_next_deadline(NULL, &t));
    ck_assert_int_eq(t, 99);
    ck_assert_uint_eq(ed_instance_topic_count(NULL), 0);
    ck_assert_ptr_null(ed_instance_topic(NULL, 0));
    ck_assert(!ed_instance_has_topic(NULL, "orders"));
    ck_assert_uint_eq(ed_instance_group_count(NULL), 0);
    ck_assert_ptr_null(ed_instance_group(NULL, 0));
    ck_assert(!ed_instance_has_group(NULL, "GID_x"));
    ck_assert(ed_instance_equal(NULL, NULL));
    ck_assert_uint_eq(ed_effect_list_count(NULL), 0);
    ck_assert_ptr_null(ed_effect_list_get(NULL, 0));
}
END_TEST

/* "getters return 0, NULL or false for NULL" (the effects section of
 * libedition.h), every one of them: kind 0, subject kind 0 (the
 * instance), no flags, no fields. */
START_TEST(test_effect_getters_answer_null_with_zero_null_or_false)
{
    ck_assert_int_eq(ed_effect_kind_of(NULL), 0);
    ck_assert_ptr_null(ed_effect_key(NULL));
    ck_assert_uint_eq(ed_effect_revision(NULL), 0);
    ck_assert_ptr_null(ed_effect_instance_id(NULL));
    ck_assert_uint_eq(ed_effect_index(NULL), 0);
    ck_assert_uint_eq(ed_effect_flags(NULL), 0);
    ck_assert_int_eq(ed_effect_subject_kind(NULL), 0);
    ck_assert_ptr_null(ed_effect_subject(NULL));
    ck_assert_ptr_null(ed_effect_text(NULL));
    ck_assert_uint_eq(ed_effect_fields(NULL), 0);
    ed_time t = 7;
    int64_t v = 7;
    for (int f = ED_FIELD_FIRST; f <= ED_FIELD_LAST; f++) {
        ck_assert(!ed_effect_has(NULL, (ed_field)f));
        ck_assert_ptr_null(ed_effect_string(NULL, (ed_field)f));
        ck_assert(!ed_effect_time(NULL, (ed_field)f, &t));
        ck_assert(!ed_effect_int(NULL, (ed_field)f, &v));
    }
    ck_assert_int_eq(t, 7);
    ck_assert_int_eq(v, 7);
}
END_TEST

/* A time or int getter given no place for the value answers false, even
 * for a field the effect carries. */
START_TEST(test_effect_value_getters_without_output_answer_false)
{
    ed_result *r = ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, tp(T_CREATE), 1, NULL);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_result *u = ed_renew(ed_result_instance(r), tp(T_CREATE), 2);
    ck_assert_int_eq(ed_result_status(u), ED_OK);
    const ed_effect *renew = ed_effect_list_get(ed_result_effects(u), 0);
    ck_assert_int_eq(ed_effect_kind_of(renew), ED_EFFECT_BILLING_RENEW);
    ck_assert(ed_effect_has(renew, ED_FIELD_EXPIRES_AT));
    ck_assert(ed_effect_has(renew, ED_FIELD_PERIOD_MONTHS));
    ck_assert(!ed_effect_time(renew, ED_FIELD_EXPIRES_AT, NULL));
    ck_assert(!ed_effect_int(renew, ED_FIELD_PERIOD_MONTHS, NULL));
    ed_result_free(u);
    ed_result_free(r);
}
END_TEST

START_TEST(test_getters)
{
    ed_options *o = ed_options_new();
    ck_assert_int_eq(ed_options_set_string(o, ED_OPT_REGION, "cn-hangzhou"), ED_OK);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_RELEASE_DELAY_DAYS, 12), ED_OK);
    ed_time t0 = tp("2026-01-05T08:30:00+08:00");
    ed_instance *c = take_ok(ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, t0, 3, o));
    ed_options_free(o);
    ck_assert_str_eq(ed_instance_id(c), TEST_ID);
    ck_assert_str_eq(ed_instance_endpoint(c), TEST_ENDPOINT);
    ck_assert_str_eq(ed_instance_region(c), "cn-hangzhou");
    ck_assert_int_eq(ed_instance_release_delay_days(c), 12);
    ck_assert_int_eq(ed_instance_created_at(c), tp("2026-01-05T00:30:00Z"));
    /* any out pointer may be NULL */
    ck_assert(ed_instance_subscription(c, NULL, NULL, NULL, NULL));
    int period = 0;
    ck_assert(ed_instance_subscription(c, NULL, NULL, &period, NULL));
    ck_assert_int_eq(period, 3);
    ck_assert(!ed_instance_release_at(c, NULL));
    ed_time deadline = 0;
    ck_assert(ed_instance_next_deadline(c, &deadline));
    ck_assert_int_eq(deadline, tp("2026-04-05T00:30:00Z"));

    ed_instance *a = take_ok(ed_add_topic(c, t0, "orders"));
    ed_instance *b = take_ok(ed_add_group(a, t0, "GID_billing"));
    ck_assert(ed_instance_has_topic(b, "orders"));
    ck_assert(!ed_instance_has_topic(b, "GID_billing"));
    ck_assert(ed_instance_has_group(b, "GID_billing"));
    ck_assert(!ed_instance_has_group(b, "orders"));
    ck_assert(!ed_instance_has_topic(b, NULL));
    ck_assert(!ed_instance_has_topic(b, "order"));
    ck_assert_ptr_null(ed_instance_topic(b, 1));
    ck_assert_ptr_null(ed_instance_group(b, (size_t)-1));

    /* ref hands back the same snapshot */
    ed_instance *r = ed_instance_ref(b);
    ck_assert_ptr_eq(r, b);
    ed_instance_free(r);

    /* equal compares values, not pointers */
    ed_options *o2 = ed_options_new();
    ck_assert_int_eq(ed_options_set_string(o2, ED_OPT_REGION, "cn-hangzhou"), ED_OK);
    ck_assert_int_eq(ed_options_set_int(o2, ED_OPT_RELEASE_DELAY_DAYS, 12), ED_OK);
    ed_instance *c2 = take_ok(ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT, t0, 3, o2));
    ed_options_free(o2);
    ed_instance *a2 = take_ok(ed_add_topic(c2, t0, "orders"));
    ed_instance *b2 = take_ok(ed_add_group(a2, t0, "GID_billing"));
    ck_assert_ptr_ne(b, b2);
    ck_assert(ed_instance_equal(b, b2));
    ck_assert(!ed_instance_equal(a, b));
    ck_assert(!ed_instance_equal(b, NULL));
    ck_assert(!ed_instance_equal(NULL, b));
    ed_instance *other = take_ok(ed_create_enterprise_platinum(TEST_ID2, TEST_ENDPOINT, t0, 3, NULL));
    ck_assert(!ed_instance_equal(c, other));
    ed_instance_free(other);
    ed_instance_free(b2);
    ed_instance_free(a2);
    ed_instance_free(c2);
    ed_instance_free(b);
    ed_instance_free(a);
    ed_instance_free(c);
}
END_TEST

START_TEST(test_result_getters)
{
    ed_instance *p = upgraded5();
    ed_result *r = ed_upgrade(p, tp(T_UPGRADE), 1);
    ck_assert_ptr_nonnull(ed_result_effects(r));
    ck_assert_ptr_nonnull(ed_result_would_have(r));
    ck_assert_ptr_nonnull(ed_result_message(r));
    ck_assert_uint_eq(ed_result_plan_count(r), 0);
    ck_assert_int_eq(ed_result_plan_command(r, 0), 0);
    ed_action a = ED_ACTION_DOWNGRADE_TO_STANDARD;
    ed_time t = 5;
    ck_assert(!ed_result_plan_action(r, 0, &a));
    ck_assert(!ed_result_plan_at(r, 0, &t));
    ck_assert_int_eq(t, 5);
    ck_assert_ptr_null(ed_effect_list_get(ed_result_effects(r), 0));
    ed_result_free(r);
    ed_instance_free(p);
}
END_TEST

START_TEST(test_effect_getters_respect_field_types)
{
    ed_instance *s = standard4();
    ed_result *r = ed_upgrade(s, tp(T_UPGRADE), 1);
    const ed_effect *convert = ed_effect_list_get(ed_result_effects(r), 0);
    const ed_effect *migrate = ed_effect_list_get(ed_result_effects(r), 1);
    ck_assert_int_eq(ed_effect_kind_of(convert), ED_EFFECT_BILLING_CONVERT);
    ed_time t = 42;
    int64_t v = 42;
    /* a string field is not a time or an int */
    ck_assert(!ed_effect_time(convert, ED_FIELD_FROM, &t));
    ck_assert(!ed_effect_int(convert, ED_FIELD_FROM, &v));
    /* a time field is not a string or an int */
    ck_assert_ptr_null(ed_effect_string(convert, ED_FIELD_EXPIRES_AT));
    ck_assert(!ed_effect_int(convert, ED_FIELD_EXPIRES_AT, &v));
    /* an int field is not a time */
    ck_assert(!ed_effect_time(convert, ED_FIELD_PERIOD_MONTHS, &t));
    ck_assert(ed_effect_int(convert, ED_FIELD_PERIOD_MONTHS, &v));
    ck_assert_int_eq(v, 1);
    /* absent fields */
    v = 42;
    ck_assert(!ed_effect_has(convert, ED_FIELD_ONLINE));
    ck_assert(!ed_effect_int(convert, ED_FIELD_ONLINE, &v));
    ck_assert_ptr_null(ed_effect_string(convert, ED_FIELD_TIMER));
    ck_assert(!ed_effect_has(convert, (ed_field)0));
    ck_assert(!ed_effect_has(convert, (ed_field)99));
    ck_assert_int_eq(t, 42);
    ck_assert_int_eq(v, 42);
    /* a bool reads as 0/1 through ed_effect_int */
    ck_assert(ed_effect_int(migrate, ED_FIELD_ONLINE, &v));
    ck_assert_int_eq(v, 1);
    /* NULL effects are answered, not crashed on */
    ck_assert_ptr_null(ed_effect_key(NULL));
    ck_assert_ptr_null(ed_effect_subject(NULL));
    ck_assert_ptr_null(ed_effect_text(NULL));
    ck_assert(!ed_effect_has(NULL, ED_FIELD_FROM));
    ck_assert_ptr_null(ed_effect_string(NULL, ED_FIELD_FROM));
    ed_result_free(r);
    ed_instance_free(s);
}
END_TEST

/* ed_effect_fields (0.3.0) is exactly the set ed_effect_has answers, for
 * effects made by transitions and for effects read back from a document. */
static void assert_fields_match_has(const ed_effect_list *list)
{
    for (size_t i = 0; i < ed_effect_list_count(list); i++) {
        const ed_effect *e = ed_effect_list_get(list, i);
        unsigned want = 0;
        for (int f = 0; f < 32; f++)
            if (ed_effect_has(e, (ed_field)f))
                want |= 1u << f;
        ck_assert_uint_eq(ed_effect_fields(e), want);
        ck_assert_uint_eq(ed_effect_fields(e) & 1u, 0);
    }
}

START_TEST(test_effect_fields_is_the_set_ed_effect_has_answers)
{
    ed_instance *s = standard4();
    ed_result *up = ed_upgrade(s, tp(T_UPGRADE), 1);
    const ed_effect_list *effects = ed_result_effects(up);
    ck_assert_uint_gt(ed_effect_list_count(effects), 2);
    assert_fields_match_has(effects);
    /* billing.convert carries from, to, period_months, expires_at and at */
    unsigned convert = ed_effect_fields(ed_effect_list_get(effects, 0));
    ck_assert(convert & (1u << ED_FIELD_FROM));
    ck_assert(convert & (1u << ED_FIELD_PERIOD_MONTHS));
    ck_assert(!(convert & (1u << ED_FIELD_ONLINE)));
    ed_result *done = ed_complete_migration(ed_result_instance(up), tp("2026-02-01T01:00:00Z"));
    ck_assert_int_eq(ed_result_status(done), ED_OK);
    ed_result *refund = ed_refund(ed_result_instance(done), tp("2026-02-01T02:00:00Z"), NULL);
    assert_fields_match_has(ed_result_effects(refund));
    assert_fields_match_has(ed_result_would_have(refund));
    /* a list read back from its document answers the same */
    ed_buffer *buf = ed_buffer_new();
    ck_assert_int_eq(ed_effects_dump_yaml(effects, buf), ED_OK);
    ed_effect_list *loaded = NULL;
    ck_assert_int_eq(ed_effects_load_yaml(&loaded, ed_buffer_data(buf), ed_buffer_len(buf), NULL, NULL),
                     ED_OK);
    assert_fields_match_has(loaded);
    for (size_t i = 0; i < ed_effect_list_count(effects); i++)
        ck_assert_uint_eq(ed_effect_fields(ed_effect_list_get(loaded, i)),
                          ed_effect_fields(ed_effect_list_get(effects, i)));
    ck_assert_uint_eq(ed_effect_fields(NULL), 0);
    ed_effects_free(loaded);
    ed_buffer_free(buf);
    ed_result_free(refund);
    ed_result_free(done);
    ed_result_free(up);
    ed_instance_free(s);
}
END_TEST

/* ---- options -------------------------------------------------------------------- */

START_TEST(test_options_validation)
{
    ed_options *o = ed_options_new();
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_ALLOW_DATA_LOSS, 0), ED_OK);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_ALLOW_DATA_LOSS, 1), ED_OK);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_ALLOW_DATA_LOSS, 2), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_ALLOW_DATA_LOSS, -1), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_RELEASE_DELAY_DAYS, 0), ED_OK);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_RELEASE_DELAY_DAYS, 30), ED_OK);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_RELEASE_DELAY_DAYS, 31), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_RELEASE_DELAY_DAYS, INT64_MIN),
                     ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_MAX_DOCUMENT_SIZE, 1), ED_OK);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_MAX_DOCUMENT_SIZE, (int64_t)1 << 40), ED_OK);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_MAX_DOCUMENT_SIZE, ((int64_t)1 << 40) + 1),
                     ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_MAX_DOCUMENT_SIZE, 0), ED_INVALID_ARGUMENT);
    /* keys of the other type, unknown keys, NULL options */
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_REGION, 1), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_options_set_string(o, ED_OPT_RELEASE_DELAY_DAYS, "7"), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_options_set_int(o, (ed_option)0, 1), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_options_set_int(o, (ed_option)99, 1), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_options_set_string(o, (ed_option)99, "x"), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_options_set_int(NULL, ED_OPT_ALLOW_DATA_LOSS, 1), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_options_set_string(NULL, ED_OPT_REGION, "cn-hangzhou"),
                     ED_INVALID_ARGUMENT);
    /* regions: 1..64 printable ASCII without spaces */
    char r64[65], r65[66];
    memset(r64, 'r', 64);
    r64[64] = '\0';
    memset(r65, 'r', 65);
    r65[65] = '\0';
    ck_assert_int_eq(ed_options_set_string(o, ED_OPT_REGION, "cn-hangzhou"), ED_OK);
    ck_assert_int_eq(ed_options_set_string(o, ED_OPT_REGION, r64), ED_OK);
    ck_assert_int_eq(ed_options_set_string(o, ED_OPT_REGION, r65), ED_INVALID_NAME);
    ck_assert_int_eq(ed_options_set_string(o, ED_OPT_REGION, "cn hangzhou"), ED_INVALID_NAME);
    ck_assert_int_eq(ed_options_set_string(o, ED_OPT_REGION, ""), ED_INVALID_NAME);
    ck_assert_int_eq(ed_options_set_string(o, ED_OPT_REGION, NULL), ED_OK);
    /* a refused value leaves the options as they were: the last good delay
     * (30) and the cleared region reach the snapshot */
    ed_instance *c = take_ok(ed_create_standard(TEST_ID, TEST_ENDPOINT, tp(T_CREATE), o));
    ck_assert_int_eq(ed_instance_release_delay_days(c), 30);
    ck_assert_ptr_null(ed_instance_region(c));
    ed_instance_free(c);
    ck_assert_int_eq(ed_options_set_string(o, ED_OPT_REGION, "cn-beijing"), ED_OK);
    ck_assert_int_eq(ed_options_set_string(o, ED_OPT_REGION, "bad region"), ED_INVALID_NAME);
    c = take_ok(ed_create_standard(TEST_ID, TEST_ENDPOINT, tp(T_CREATE), o));
    ck_assert_str_eq(ed_instance_region(c), "cn-beijing");
    ed_instance_free(c);
    ed_options_free(o);
}
END_TEST

/* ---- generic commands ---------------------------------------------------------------- */

START_TEST(test_command_validation)
{
    /* which command takes and requires which argument */
    const struct {
        ed_command_kind kind;
        int takes;    /* bit per ed_arg */
        int requires; /* bit per ed_arg */
    } table[] = {
        {ED_CMD_UPGRADE, 1 << ED_ARG_PERIOD_MONTHS, 1 << ED_ARG_PERIOD_MONTHS},
        {ED_CMD_SET_POST_EXPIRATION_ACTION, 1 << ED_ARG_ACTION, 1 << ED_ARG_ACTION},
        {ED_CMD_REFUND, 1 << ED_ARG_ALLOW_DATA_LOSS, 0},
        {ED_CMD_RENEW, 1 << ED_ARG_PERIOD_MONTHS, 1 << ED_ARG_PERIOD_MONTHS},
        {ED_CMD_TICK, 0, 0},
        {ED_CMD_COMPLETE_MIGRATION, 0, 0},
        {ED_CMD_ADD_TOPIC, 1 << ED_ARG_NAME, 1 << ED_ARG_NAME},
        {ED_CMD_REMOVE_TOPIC, 1 << ED_ARG_NAME, 1 << ED_ARG_NAME},
        {ED_CMD_ADD_GROUP, 1 << ED_ARG_NAME, 1 << ED_ARG_NAME},
        {ED_CMD_REMOVE_GROUP, 1 << ED_ARG_NAME, 1 << ED_ARG_NAME},
        {ED_CMD_DOWNGRADE, 0, 0},
        {ED_CMD_PLAN_DOWNGRADE, 1 << ED_ARG_MODE, 1 << ED_ARG_MODE},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        ed_command *c = ed_command_new(table[i].kind);
        ck_assert_ptr_nonnull(c);
        ck_assert_int_eq(ed_command_kind_of(c), table[i].kind);
        for (int a = ED_ARG_PERIOD_MONTHS; a <= ED_ARG_MODE; a++) {
            bool takes = (table[i].takes >> a) & 1;
            ck_assert_int_eq(ed_command_kind_takes(table[i].kind, (ed_arg)a), takes);
            ck_assert_int_eq(ed_command_kind_requires(table[i].kind, (ed_arg)a),
                             (table[i].requires >> a) & 1);
            int64_t v = 77;
            ck_assert(!ed_command_get_int(c, (ed_arg)a, &v));
            ck_assert_int_eq(v, 77);
            if (a == ED_ARG_NAME) {
                ck_assert_int_eq(ed_command_set_string(c, (ed_arg)a, "orders"),
                                 takes ? ED_OK : ED_INVALID_ARGUMENT);
                if (takes)
                    ck_assert_str_eq(ed_command_get_string(c, (ed_arg)a), "orders");
                else
                    ck_assert_ptr_null(ed_command_get_string(c, (ed_arg)a));
                ck_assert_int_eq(ed_command_set_int(c, (ed_arg)a, 1), ED_INVALID_ARGUMENT);
            } else {
                ck_assert_int_eq(ed_command_set_int(c, (ed_arg)a, 1),
                                 takes ? ED_OK : ED_INVALID_ARGUMENT);
                ck_assert_int_eq(ed_command_get_int(c, (ed_arg)a, &v), takes);
                if (takes)
                    ck_assert_int_eq(v, 1);
                ck_assert_int_eq(ed_command_set_string(c, (ed_arg)a, "x"), ED_INVALID_ARGUMENT);
            }
        }
        ck_assert_int_eq(ed_command_set_int(c, (ed_arg)0, 1), ED_INVALID_ARGUMENT);
        ck_assert_int_eq(ed_command_set_int(c, (ed_arg)6, 1), ED_INVALID_ARGUMENT);
        ed_command_free(c);
    }
    ck_assert_ptr_null(ed_command_new((ed_command_kind)0));
    ck_assert_ptr_null(ed_command_new((ed_command_kind)13));
    ck_assert_ptr_null(ed_command_new((ed_command_kind)-1));
    ck_assert_int_eq(ed_command_set_int(NULL, ED_ARG_PERIOD_MONTHS, 1), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_command_set_string(NULL, ED_ARG_NAME, "x"), ED_INVALID_ARGUMENT);
    ck_assert(!ed_command_get_int(NULL, ED_ARG_PERIOD_MONTHS, NULL));
    ck_assert_ptr_null(ed_command_get_string(NULL, ED_ARG_NAME));

    /* the string argument is copied */
    ed_command *c = ed_command_new(ED_CMD_ADD_TOPIC);
    char name[16] = "orders";
    ck_assert_int_eq(ed_command_set_string(c, ED_ARG_NAME, name), ED_OK);
    memcpy(name, "zzzzzz", 7);
    ck_assert_str_eq(ed_command_get_string(c, ED_ARG_NAME), "orders");
    ed_command_free(c);
}
END_TEST

/* A command carries its integer arguments as int64_t: a value wider than an
 * int is refused like any out-of-range value, and the message names it as
 * given (it was clamped to 1000 or -1 before). */
START_TEST(test_command_apply_names_a_wide_value_as_given)
{
    ed_instance *s = standard4();
    ed_instance *p = upgraded5();
    ed_instance *m = take_ok(ed_complete_migration(p, tp("2026-02-10T00:00:00Z")));
    ed_time t = tp("2026-02-11T00:00:00Z");
    const struct {
        ed_command_kind kind;
        ed_arg arg;
        ed_status status;
    } cases[] = {
        {ED_CMD_UPGRADE, ED_ARG_PERIOD_MONTHS, ED_INVALID_PERIOD},
        {ED_CMD_RENEW, ED_ARG_PERIOD_MONTHS, ED_INVALID_PERIOD},
        {ED_CMD_SET_POST_EXPIRATION_ACTION, ED_ARG_ACTION, ED_INVALID_ARGUMENT},
        {ED_CMD_PLAN_DOWNGRADE, ED_ARG_MODE, ED_INVALID_ARGUMENT},
    };
    const int64_t values[] = {5000, (int64_t)1 << 40, -5000, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
            char shown[64];
            ed_command *c = ed_command_new(cases[i].kind);
            ck_assert_int_eq(ed_command_set_int(c, cases[i].arg, values[k]), ED_OK);
            ed_result *r = ed_command_apply(c, cases[i].kind == ED_CMD_UPGRADE ? s : m, t);
            ck_assert_int_eq(ed_result_status(r), cases[i].status);
            snprintf(shown, sizeof shown, " %lld is ", (long long)values[k]);
            ck_assert_msg(strstr(ed_result_message(r), shown) != NULL, "%s: %s",
                          ed_command_kind_name(cases[i].kind), ed_result_message(r));
            ed_result_free(r);
            ed_command_free(c);
        }
    }
    /* the direct functions name a negative enum value as negative */
    ed_result *r = ed_set_post_expiration_action(m, t, (ed_action)-1);
    ck_assert_ptr_nonnull(strstr(ed_result_message(r), "action -1 is "));
    ed_result_free(r);
    r = ed_plan_downgrade(m, t, (ed_plan_mode)-7);
    ck_assert_ptr_nonnull(strstr(ed_result_message(r), "mode -7 is "));
    ed_result_free(r);
    ed_instance_free(m);
    ed_instance_free(p);
    ed_instance_free(s);
}
END_TEST

START_TEST(test_command_apply_missing_arguments)
{
    ed_instance *s = standard4();
    ed_instance *p = upgraded5();
    ed_instance *m = take_ok(ed_complete_migration(p, tp("2026-02-10T00:00:00Z")));
    ed_time t = tp("2026-02-11T00:00:00Z");
    const ed_command_kind need[] = {ED_CMD_UPGRADE, ED_CMD_SET_POST_EXPIRATION_ACTION,
                                    ED_CMD_RENEW, ED_CMD_ADD_TOPIC, ED_CMD_REMOVE_TOPIC,
                                    ED_CMD_ADD_GROUP, ED_CMD_REMOVE_GROUP,
                                    ED_CMD_PLAN_DOWNGRADE};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        ed_command *c = ed_command_new(need[i]);
        ed_result *r = ed_command_apply(c, need[i] == ED_CMD_UPGRADE ? s : m, t);
        check_refused(r, ED_INVALID_ARGUMENT, NULL);
        ed_result_free(r);
        ed_command_free(c);
    }
    /* refund's allow_data_loss defaults to false */
    ed_command *c = ed_command_new(ED_CMD_REFUND);
    ed_result *r = ed_command_apply(c, m, t);
    check_refused(r, ED_DATA_LOSS_REFUSED, TEST_ID);
    ed_result_free(r);
    r = ed_command_apply(NULL, m, t);
    check_refused(r, ED_INVALID_ARGUMENT, NULL);
    ed_result_free(r);
    r = ed_command_apply(c, NULL, t);
    check_refused(r, ED_INVALID_ARGUMENT, NULL);
    ed_result_free(r);
    ed_command_free(c);
    ed_instance_free(m);
    ed_instance_free(p);
    ed_instance_free(s);
}
END_TEST

/* Runs `kind` with `value` (int or name) both ways and compares. */
static void compare_dispatch(const ed_instance *in, ed_time now, ed_command_kind kind, int value,
                             const char *name)
{
    ed_command *c = ed_command_new(kind);
    ck_assert_ptr_nonnull(c);
    ed_result *direct = NULL;
    ed_options *o = NULL;
    switch (kind) {
    case ED_CMD_UPGRADE:
        ck_assert_int_eq(ed_command_set_int(c, ED_ARG_PERIOD_MONTHS, value), ED_OK);
        direct = ed_upgrade(in, now, value);
        break;
    case ED_CMD_SET_POST_EXPIRATION_ACTION:
        ck_assert_int_eq(ed_command_set_int(c, ED_ARG_ACTION, value), ED_OK);
        direct = ed_set_post_expiration_action(in, now, (ed_action)value);
        break;
    case ED_CMD_REFUND:
        ck_assert_int_eq(ed_command_set_int(c, ED_ARG_ALLOW_DATA_LOSS, value), ED_OK);
        o = opts_int(ED_OPT_ALLOW_DATA_LOSS, value);
        direct = ed_refund(in, now, o);
        break;
    case ED_CMD_RENEW:
        ck_assert_int_eq(ed_command_set_int(c, ED_ARG_PERIOD_MONTHS, value), ED_OK);
        direct = ed_renew(in, now, value);
        break;
    case ED_CMD_TICK:
        direct = ed_tick(in, now);
        break;
    case ED_CMD_COMPLETE_MIGRATION:
        direct = ed_complete_migration(in, now);
        break;
    case ED_CMD_ADD_TOPIC:
        ck_assert_int_eq(ed_command_set_string(c, ED_ARG_NAME, name), ED_OK);
        direct = ed_add_topic(in, now, name);
        break;
    case ED_CMD_REMOVE_TOPIC:
        ck_assert_int_eq(ed_command_set_string(c, ED_ARG_NAME, name), ED_OK);
        direct = ed_remove_topic(in, now, name);
        break;
    case ED_CMD_ADD_GROUP:
        ck_assert_int_eq(ed_command_set_string(c, ED_ARG_NAME, name), ED_OK);
        direct = ed_add_group(in, now, name);
        break;
    case ED_CMD_REMOVE_GROUP:
        ck_assert_int_eq(ed_command_set_string(c, ED_ARG_NAME, name), ED_OK);
        direct = ed_remove_group(in, now, name);
        break;
    case ED_CMD_DOWNGRADE:
        direct = ed_downgrade(in, now);
        break;
    case ED_CMD_PLAN_DOWNGRADE:
        ck_assert_int_eq(ed_command_set_int(c, ED_ARG_MODE, value), ED_OK);
        direct = ed_plan_downgrade(in, now, (ed_plan_mode)value);
        break;
    }
    ed_result *applied = ed_command_apply(c, in, now);
    snprintf(test_ctx, sizeof test_ctx, "%s(%d, %s): ", ed_command_kind_name(kind), value,
             name ? name : "-");
    check_same_result(direct, applied);
    /* an unchanged result is the input itself either way */
    ck_assert(ed_result_instance(direct) != in || ed_result_instance(applied) == in);
    test_ctx[0] = '\0';
    ed_result_free(applied);
    ed_result_free(direct);
    ed_options_free(o);
    ed_command_free(c);
}

START_TEST(test_command_apply_dispatches)
{
    ed_instance *s = standard4();
    ed_instance *p = upgraded5();
    ed_instance *q = upgraded_downgrade6();
    ed_instance *m = take_ok(ed_complete_migration(p, tp("2026-02-10T00:00:00Z")));
    const ed_instance *snaps[] = {s, p, q, m};
    const ed_time times[] = {tp("2026-02-20T00:00:00Z"), tp("2026-03-01T00:00:00Z"),
                             tp("2026-03-20T00:00:00Z"), tp("2026-01-01T00:00:00Z")};
    for (size_t i = 0; i < 4; i++) {
        for (size_t k = 0; k < 4; k++) {
            const ed_instance *in = snaps[i];
            ed_time t = times[k];
            compare_dispatch(in, t, ED_CMD_UPGRADE, 1, NULL);
            compare_dispatch(in, t, ED_CMD_UPGRADE, 37, NULL);
            compare_dispatch(in, t, ED_CMD_SET_POST_EXPIRATION_ACTION, 0, NULL);
            compare_dispatch(in, t, ED_CMD_SET_POST_EXPIRATION_ACTION, 1, NULL);
            compare_dispatch(in, t, ED_CMD_REFUND, 0, NULL);
            compare_dispatch(in, t, ED_CMD_REFUND, 1, NULL);
            compare_dispatch(in, t, ED_CMD_RENEW, 6, NULL);
            compare_dispatch(in, t, ED_CMD_TICK, 0, NULL);
            compare_dispatch(in, t, ED_CMD_COMPLETE_MIGRATION, 0, NULL);
            compare_dispatch(in, t, ED_CMD_ADD_TOPIC, 0, "refunds");
            compare_dispatch(in, t, ED_CMD_ADD_TOPIC, 0, "x");
            compare_dispatch(in, t, ED_CMD_REMOVE_TOPIC, 0, "orders");
            compare_dispatch(in, t, ED_CMD_ADD_GROUP, 0, "GID_new");
            compare_dispatch(in, t, ED_CMD_REMOVE_GROUP, 0, "GID_audit");
            compare_dispatch(in, t, ED_CMD_DOWNGRADE, 0, NULL);
            compare_dispatch(in, t, ED_CMD_PLAN_DOWNGRADE, 0, NULL);
            compare_dispatch(in, t, ED_CMD_PLAN_DOWNGRADE, 1, NULL);
        }
    }
    ed_instance_free(m);
    ed_instance_free(q);
    ed_instance_free(p);
    ed_instance_free(s);
}
END_TEST

/* ---- name tables are shared, not copied -------------------------------------------- */

/* A platinum state file with `n` topics t0000000, t0000001, ... */
static char *state_file(size_t n, size_t *len)
{
    static const char head[] =
        "libedition: 1\n"
        "instance:\n"
        "  id: " TEST_ID "\n"
        "  endpoint: " TEST_ENDPOINT "\n"
        "  edition: enterprise_platinum\n"
        "  billing: subscription\n"
        "  cluster: dedicated\n"
        "  lifecycle: active\n"
        "  revision: 3\n"
        "  created_at: 2026-01-05T00:00:00Z\n"
        "  updated_at: 2026-02-01T00:00:00Z\n"
        "  release_delay_days: 7\n"
        "  subscription:\n"
        "    started_at: 2026-02-01T00:00:00Z\n"
        "    expires_at: 2026-03-01T00:00:00Z\n"
        "    period_months: 1\n"
        "    post_expiration_action: delete_resource\n"
        "  topics: [";
    static const char tail[] = "]\n  groups: [GID_billing]\n";
    size_t cap = sizeof head + n * 10 + sizeof tail + 16;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    size_t at = 0;
    memcpy(buf, head, sizeof head - 1);
    at = sizeof head - 1;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + at, cap - at, "%st%07zu", i ? ", " : "", i);
        at += (size_t)w;
    }
    memcpy(buf + at, tail, sizeof tail);
    at += sizeof tail - 1;
    *len = at;
    return buf;
}

static ed_instance *load_topics(size_t n)
{
    size_t len = 0;
    char *doc = state_file(n, &len);
    ed_instance *in = NULL;
    ed_error *err = NULL;
    ed_status st = ed_instance_load_yaml(&in, doc, len, NULL, &err);
    ck_assert_msg(st == ED_OK, "loading %zu topics: %s: %s", n, ed_status_name(st),
                  err ? ed_error_message(err) : "");
    ed_error_free(err);
    free(doc);
    ck_assert_uint_eq(ed_instance_topic_count(in), n);
    return in;
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define RUNS 1000

/* Average seconds of one state-only transition on `in`; checks that the
 * new snapshot shares the topic table (same string pointers). */
static double time_state_only(const ed_instance *in, bool tick)
{
    ed_time t = tick ? tp("2026-03-01T00:00:00Z") : tp("2026-02-10T00:00:00Z");
    double start = seconds();
    for (int i = 0; i < RUNS; i++) {
        ed_result *r = tick ? ed_tick(in, t)
                            : ed_set_post_expiration_action(in, t, ED_ACTION_DOWNGRADE_TO_STANDARD);
        REQUIRE(ed_result_status(r) == ED_OK, "transition refused: %s", ed_result_message(r));
        const ed_instance *out = ed_result_instance(r);
        REQUIRE(out != in, "nothing changed");
        REQUIRE(ed_instance_topic(out, 0) == ed_instance_topic(in, 0),
                "the topic table was copied (%s)", tick ? "tick" : "set_post_expiration_action");
        REQUIRE(ed_instance_group(out, 0) == ed_instance_group(in, 0), "groups were copied");
        ed_result_free(r);
    }
    return (seconds() - start) / RUNS;
}

START_TEST(test_state_only_transition_does_not_copy_topics)
{
    ed_instance *small = load_topics(10);
    ed_instance *big = load_topics(1000000);
    ck_assert_str_eq(ed_instance_topic(big, 999999), "t0999999");
    for (int tick = 0; tick < 2; tick++) {
        double a = time_state_only(small, tick);
        double b = time_state_only(big, tick);
        printf("%s: 10 topics %.2f us, 1000000 topics %.2f us per transition\n",
               tick ? "tick (expire)" : "set_post_expiration_action", a * 1e6, b * 1e6);
        ck_assert_msg(a < 1e-3, "10 topics: %.3f ms per transition", a * 1e3);
        ck_assert_msg(b < 1e-3, "1,000,000 topics: %.3f ms per transition", b * 1e3);
    }
    /* the same holds along a chain: expire, then renew from expired */
    ed_instance *e = take_ok(ed_tick(big, tp("2026-03-01T00:00:00Z")));
    ed_instance *r = take_ok(ed_renew(e, tp("2026-03-02T00:00:00Z"), 1));
    ck_assert_ptr_eq(ed_instance_topic(r, 0), ed_instance_topic(big, 0));
    ck_assert_ptr_eq(ed_instance_topic(r, 999999), ed_instance_topic(big, 999999));
    ed_instance_free(r);
    ed_instance_free(e);
    ed_instance_free(big);
    ed_instance_free(small);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("api");
    tcase_add_test(tc, test_version_matches_header);
    tcase_add_test(tc, test_status_names_are_the_spec_names);
    tcase_add_test(tc, test_enum_names_round_trip);
    tcase_add_test(tc, test_from_name_with_null_output);
    tcase_add_test(tc, test_command_kind_names);
    tcase_add_test(tc, test_effect_tables);
    tcase_add_test(tc, test_getters_on_null);
    tcase_add_test(tc, test_effect_getters_answer_null_with_zero_null_or_false);
    tcase_add_test(tc, test_effect_value_getters_without_output_answer_false);
    tcase_add_test(tc, test_getters);
    tcase_add_test(tc, test_result_getters);
    tcase_add_test(tc, test_effect_getters_respect_field_types);
    tcase_add_test(tc, test_effect_fields_is_the_set_ed_effect_has_answers);
    tcase_add_test(tc, test_options_validation);
    tcase_add_test(tc, test_command_validation);
    tcase_add_test(tc, test_command_apply_missing_arguments);
    tcase_add_test(tc, test_command_apply_names_a_wide_value_as_given);
    tcase_add_test(tc, test_command_apply_dispatches);
    tcase_add_test(tc, test_state_only_transition_does_not_copy_topics);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
