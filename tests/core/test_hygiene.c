/* Internal safety nets that no public input reaches: size arithmetic that
 * cannot wrap, and an effect kind without a description reported as the
 * programming error it is (invalid_argument), never as no_memory. */
#include "internal.h"
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_size_arithmetic_refuses_overflow)
{
    size_t out = 7;
    ck_assert(ed__size_mul(SIZE_MAX / 2 + 1, 2, &out) == false);
    ck_assert_uint_eq(out, 7);
    ck_assert(ed__size_add(SIZE_MAX, 1, &out) == false);
    ck_assert_uint_eq(out, 7);
    ck_assert(ed__size_mul(SIZE_MAX, 0, &out));
    ck_assert_uint_eq(out, 0);
    ck_assert(ed__size_mul(SIZE_MAX / 4, 4, &out));
    ck_assert_uint_eq(out, (SIZE_MAX / 4) * 4);
    ck_assert(ed__size_add(SIZE_MAX - 1, 1, &out));
    ck_assert_uint_eq(out, SIZE_MAX);
}
END_TEST

START_TEST(test_array_allocation_with_overflowing_size_returns_null)
{
    ck_assert_ptr_null(ed__alloc_array(SIZE_MAX / 8 + 2, 8));
    ck_assert_ptr_null(ed__calloc(SIZE_MAX / 2 + 1, 4));
    ck_assert_ptr_null(ed__strndup("abc", SIZE_MAX));
    void *p = ed__alloc_array(4, 8);
    ck_assert_ptr_nonnull(p);
    /* a failed resize leaves the block alone */
    ck_assert_ptr_null(ed__realloc_array(p, SIZE_MAX / 4 + 1, 8));
    memset(p, 1, 32);
    ed__free(p);
}
END_TEST

START_TEST(test_unknown_effect_kind_is_a_programming_error_not_no_memory)
{
    ed_effect_list list;
    memset(&list, 0, sizeof list);
    ck_assert_ptr_nonnull(ed__effects_add(&list, ED_EFFECT_TOPIC_CREATE, "I1", 1, "orders"));
    ck_assert_ptr_nonnull(ed__effects_add(&list, (ed_effect_kind)99, "I1", 1, "I1"));
    ck_assert_int_eq(ed__effects_seal(&list), ED_INVALID_ARGUMENT);
    ed__effects_release(&list);

    /* an effect that somehow got a kind without a name is not dumped */
    memset(&list, 0, sizeof list);
    ed_effect *e = ed__effects_add(&list, ED_EFFECT_TOPIC_CREATE, "I1", 1, "orders");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(ed__effects_seal(&list), ED_OK);
    list.items[0].kind = (ed_effect_kind)0;
    ed_buffer *buf = ed_buffer_new();
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(ed_effects_dump_yaml(&list, buf), ED_INVALID_ARGUMENT);
    ck_assert_uint_eq(ed_buffer_len(buf), 0);
    ed_buffer_free(buf);
    ed__effects_release(&list);
}
END_TEST

START_TEST(test_effect_kind_info_refuses_values_outside_the_table)
{
    ed_subject_kind subject = ED_SUBJECT_GROUP;
    unsigned flags = 99;
    ck_assert(!ed__effect_kind_info((ed_effect_kind)0, &subject, &flags));
    ck_assert(!ed__effect_kind_info((ed_effect_kind)20, &subject, &flags));
    ck_assert(!ed__effect_kind_info((ed_effect_kind)-1, &subject, &flags));
    ck_assert(ed__effect_kind_info(ED_EFFECT_TOPIC_DELETE, &subject, &flags));
    ck_assert_int_eq(subject, ED_SUBJECT_TOPIC);
    ck_assert_uint_eq(flags, ED_FLAG_IRREVERSIBLE);
}
END_TEST

/* The options a command builds for ed_refund are the library's defaults:
 * refund through ed_command_apply and through ed_refund(NULL options) give
 * the same outcome, both ways of the allow-data-loss flag. */
START_TEST(test_command_refund_uses_the_one_set_of_option_defaults)
{
    ed_options defaults;
    ed__options_defaults(&defaults);
    ed_options *fresh = ed_options_new();
    ck_assert_ptr_nonnull(fresh);
    ck_assert_int_eq(fresh->release_delay_days, defaults.release_delay_days);
    ck_assert_int_eq(fresh->max_document_size, defaults.max_document_size);
    ck_assert(fresh->allow_data_loss == defaults.allow_data_loss);
    ck_assert_ptr_null(fresh->region);
    ck_assert_int_eq(ed__options_max_document(NULL), defaults.max_document_size);

    ed_result *c = ed_create_enterprise_platinum(TEST_ID, TEST_ENDPOINT,
                                                 tp("2026-02-01T00:00:00Z"), 1, NULL);
    ed_result *t = ed_add_topic(ed_result_instance(c), tp("2026-02-01T00:00:00Z"), "orders");
    const ed_instance *in = ed_result_instance(t);
    for (int allow = 0; allow <= 1; allow++) {
        ck_assert_int_eq(ed_options_set_int(fresh, ED_OPT_ALLOW_DATA_LOSS, allow), ED_OK);
        ed_command *cmd = ed_command_new(ED_CMD_REFUND);
        ck_assert_int_eq(ed_command_set_int(cmd, ED_ARG_ALLOW_DATA_LOSS, allow), ED_OK);
        ed_result *a = ed_command_apply(cmd, in, tp("2026-02-10T00:00:00Z"));
        ed_result *b = ed_refund(in, tp("2026-02-10T00:00:00Z"), fresh);
        ck_assert_int_eq(ed_result_status(a), ed_result_status(b));
        ck_assert_uint_eq(ed_effect_list_count(ed_result_effects(a)),
                          ed_effect_list_count(ed_result_effects(b)));
        ck_assert(ed_instance_equal(ed_result_instance(a), ed_result_instance(b)));
        ed_result_free(a);
        ed_result_free(b);
        ed_command_free(cmd);
    }
    ed_result_free(t);
    ed_result_free(c);
    ed_options_free(fresh);
}
END_TEST

/* Name tables are sized with checked arithmetic: a table grown one name
 * at a time far past its first capacity keeps every name findable. */
START_TEST(test_name_table_grows_past_its_hint_and_finds_every_name)
{
    ed_names *n = ed__names_new(0);
    ck_assert_ptr_nonnull(n);
    char name[16];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "t%05d", i);
        ck_assert_int_eq(ed__names_push(n, name, strlen(name)), ED_OK);
    }
    ck_assert_int_eq(ed__names_push(n, "t00042", 6), ED_EXISTS);
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "t%05d", i);
        ck_assert_uint_eq(ed__names_find(n, name, strlen(name)), (size_t)i);
        ck_assert_str_eq(ed__names_at(n, (size_t)i), name);
    }
    ed__names_unref(n);
}
END_TEST

static Suite *hygiene_suite(void)
{
    Suite *s = suite_create("hygiene");
    TCase *tc = tcase_create("hygiene");
    tcase_add_test(tc, test_size_arithmetic_refuses_overflow);
    tcase_add_test(tc, test_array_allocation_with_overflowing_size_returns_null);
    tcase_add_test(tc, test_unknown_effect_kind_is_a_programming_error_not_no_memory);
    tcase_add_test(tc, test_effect_kind_info_refuses_values_outside_the_table);
    tcase_add_test(tc, test_command_refund_uses_the_one_set_of_option_defaults);
    tcase_add_test(tc, test_name_table_grows_past_its_hint_and_finds_every_name);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hygiene_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
