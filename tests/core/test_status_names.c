/* The 0.2.0 additions around names and statuses: every status but ok is
 * exactly one of refusal or failure; every *_name has an inverse that
 * gives the value back; ed_version_number agrees with ed_version. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ed_status refusals[] = {
    ED_INVALID_NAME,          ED_INVALID_PERIOD,     ED_CLOCK_SKEW,
    ED_ALREADY_ENTERPRISE_PLATINUM, ED_NOT_SUBSCRIPTION, ED_NO_DIRECT_DOWNGRADE,
    ED_EXPIRY_DUE,            ED_EXPIRED,            ED_RELEASED,
    ED_MIGRATION_IN_PROGRESS, ED_NO_MIGRATION,       ED_EXISTS,
    ED_NOT_FOUND,             ED_DATA_LOSS_REFUSED,
};
static const ed_status failures[] = {ED_INVALID_ARGUMENT, ED_PARSE_ERROR, ED_SCHEMA_ERROR,
                                     ED_LIMIT_EXCEEDED,   ED_NO_MEMORY,   ED_IO_ERROR};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_every_status_is_ok_or_exactly_one_of_refusal_or_failure)
{
    ck_assert(!ed_status_is_refusal(ED_OK));
    ck_assert(!ed_status_is_failure(ED_OK));
    for (size_t i = 0; i < COUNT(refusals); i++) {
        ck_assert_msg(ed_status_is_refusal(refusals[i]), "%s", ed_status_name(refusals[i]));
        ck_assert_msg(!ed_status_is_failure(refusals[i]), "%s", ed_status_name(refusals[i]));
    }
    for (size_t i = 0; i < COUNT(failures); i++) {
        ck_assert_msg(ed_status_is_failure(failures[i]), "%s", ed_status_name(failures[i]));
        ck_assert_msg(!ed_status_is_refusal(failures[i]), "%s", ed_status_name(failures[i]));
    }
    /* the two lists name every status there is */
    size_t named = 0;
    for (int v = -5; v < 100; v++)
        if (ed_status_name((ed_status)v) != NULL)
            named++;
    ck_assert_uint_eq(named, 1 + COUNT(refusals) + COUNT(failures));
    /* a value that is not a status is neither */
    ck_assert(!ed_status_is_refusal((ed_status)-1) && !ed_status_is_failure((ed_status)-1));
    ck_assert(!ed_status_is_refusal((ed_status)21) && !ed_status_is_failure((ed_status)21));
}
END_TEST

/* What the transitions refuse with is a refusal, and the snapshot given is
 * unchanged; what a loader fails with is a failure. */
START_TEST(test_refusals_of_commands_and_failures_of_loaders_are_classified_so)
{
    ed_result *c = ed_create_standard(TEST_ID, TEST_ENDPOINT, tp("2026-02-01T00:00:00Z"), NULL);
    const ed_instance *in = ed_result_instance(c);
    ed_result *r = ed_renew(in, tp("2026-02-02T00:00:00Z"), 1);
    ck_assert_int_eq(ed_result_status(r), ED_NOT_SUBSCRIPTION);
    ck_assert(ed_status_is_refusal(ed_result_status(r)));
    ed_result_free(r);
    r = ed_add_topic(in, tp("2026-01-01T00:00:00Z"), "orders");
    ck_assert(ed_status_is_refusal(ed_result_status(r)));
    ed_result_free(r);
    ed_instance *loaded = NULL;
    ed_status st = ed_instance_load_yaml(&loaded, "libedition: 1\n", 14, NULL, NULL);
    ck_assert(ed_status_is_failure(st));
    ed_result_free(c);
}
END_TEST

/* Inverse of `name_fn` over values lo..hi: each named value parses back;
 * NULL and unknown names are invalid and leave *out alone. */
#define CHECK_INVERSE(type, name_fn, parse_fn, lo, hi)                                        \
    do {                                                                                      \
        int seen = 0;                                                                         \
        for (int v = (lo); v <= (hi); v++) {                                                  \
            const char *n = name_fn((type)v);                                                 \
            if (n == NULL)                                                                    \
                continue;                                                                     \
            type back = (type)-7;                                                             \
            ck_assert_int_eq(parse_fn(n, &back), ED_OK);                                      \
            ck_assert_int_eq((int)back, v);                                                   \
            seen++;                                                                           \
        }                                                                                     \
        ck_assert_int_gt(seen, 0);                                                            \
        type keep = (type)-7;                                                                 \
        ck_assert_int_eq(parse_fn("no_such_name", &keep), ED_INVALID_ARGUMENT);               \
        ck_assert_int_eq(parse_fn("", &keep), ED_INVALID_ARGUMENT);                           \
        ck_assert_int_eq(parse_fn(NULL, &keep), ED_INVALID_ARGUMENT);                         \
        ck_assert_int_eq((int)keep, -7);                                                      \
        ck_assert_int_eq(parse_fn(name_fn((type)(lo)) ? name_fn((type)(lo))                   \
                                                       : name_fn((type)(hi)),                 \
                                  NULL),                                                      \
                         ED_INVALID_ARGUMENT);                                                \
    } while (0)

START_TEST(test_every_name_function_has_an_inverse)
{
    CHECK_INVERSE(ed_effect_kind, ed_effect_kind_name, ed_effect_kind_from_name, -2, 40);
    CHECK_INVERSE(ed_subject_kind, ed_subject_kind_name, ed_subject_kind_from_name, -2, 10);
    CHECK_INVERSE(ed_field, ed_field_name, ed_field_from_name, -2, 20);
    CHECK_INVERSE(ed_arg, ed_arg_name, ed_arg_from_name, -2, 10);
    CHECK_INVERSE(ed_status, ed_status_name, ed_status_from_name, -2, 40);
    /* flags are bits: every single-bit value with a name */
    int flags = 0;
    for (unsigned bit = 1; bit != 0; bit <<= 1) {
        const char *n = ed_effect_flag_name((ed_effect_flag)bit);
        if (n == NULL)
            continue;
        ed_effect_flag back = (ed_effect_flag)0;
        ck_assert_int_eq(ed_effect_flag_from_name(n, &back), ED_OK);
        ck_assert_uint_eq((unsigned)back, bit);
        flags++;
    }
    ck_assert_int_eq(flags, 4);
    ed_effect_flag keep = ED_FLAG_NOTICE;
    ck_assert_int_eq(ed_effect_flag_from_name("loud", &keep), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_effect_flag_from_name(NULL, &keep), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_effect_flag_from_name("notice", NULL), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(keep, ED_FLAG_NOTICE);
    /* the examples of the header */
    ed_effect_kind k = (ed_effect_kind)0;
    ck_assert_int_eq(ed_effect_kind_from_name("billing.convert", &k), ED_OK);
    ck_assert_int_eq(k, ED_EFFECT_BILLING_CONVERT);
    ed_field f = (ed_field)0;
    ck_assert_int_eq(ed_field_from_name("period_months", &f), ED_OK);
    ck_assert_int_eq(f, ED_FIELD_PERIOD_MONTHS);
}
END_TEST

START_TEST(test_version_number_matches_version_string_and_header)
{
    int major = -1, minor = -1, patch = -1;
    ck_assert_int_eq(sscanf(ed_version(), "%d.%d.%d", &major, &minor, &patch), 3);
    ck_assert_int_eq(ed_version_number(), major * 10000 + minor * 100 + patch);
    ck_assert_int_eq(ed_version_number(), ED_VERSION_NUMBER);
    ck_assert_int_eq(ED_VERSION_NUMBER,
                     ED_VERSION_MAJOR * 10000 + ED_VERSION_MINOR * 100 + ED_VERSION_PATCH);
}
END_TEST

static Suite *status_names_suite(void)
{
    Suite *s = suite_create("status_names");
    TCase *tc = tcase_create("status_names");
    tcase_add_test(tc, test_every_status_is_ok_or_exactly_one_of_refusal_or_failure);
    tcase_add_test(tc, test_refusals_of_commands_and_failures_of_loaders_are_classified_so);
    tcase_add_test(tc, test_every_name_function_has_an_inverse);
    tcase_add_test(tc, test_version_number_matches_version_string_and_header);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(status_names_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
