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

/* X1's name rule, byte by byte: the loader checks names while it copies
 * them (eight bytes at a time from eight on) and the transitions check
 * them one byte at a time; both must accept exactly A-Z a-z 0-9 - _, in
 * every position of names of every length up to 20 (one word, a word and
 * a tail, two words, and overlapping last words). */
static bool rule_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

START_TEST(test_X1_name_rule_byte_by_byte_in_every_position)
{
    ed_names *n = ed__names_new(16);
    ck_assert_ptr_nonnull(n);
    char name[21];
    for (size_t len = 3; len <= 20; len++) {
        for (size_t at = 0; at < len; at++) {
            for (int c = 0; c < 256; c++) {
                memset(name, 'a', len);
                name[at] = (char)c;
                ed_status want = rule_char(c) ? ED_OK : ED_INVALID_NAME;
                uint64_t h = 0;
                const char *staged = NULL;
                ck_assert_int_eq(ed__names_stage(n, name, len, 3, &h, &staged), want);
                ck_assert_int_eq(ed__check_topic_name(name, len), want);
                if (want == ED_OK) {
                    /* staged: an exact copy, NUL-terminated, hashed as pushed */
                    ck_assert_ptr_nonnull(staged);
                    ck_assert_mem_eq(staged, name, len);
                    ck_assert_int_eq(staged[len], '\0');
                    ck_assert(h == ed__names_hash(name, len));
                }
            }
        }
    }
    /* nothing staged became a name */
    ck_assert_uint_eq(ed__names_find(n, "aaa", 3), SIZE_MAX);
    ed__names_unref(n);
}
END_TEST

/* The loader's two steps: a staged name is appended by its commit, a
 * staged duplicate leaves the table as it was, and the table then behaves
 * as if ed__names_push had built it. */
START_TEST(test_staged_names_commit_like_pushed_ones)
{
    ed_names *n = ed__names_new(4);
    ck_assert_ptr_nonnull(n);
    char name[24];
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, "topic-%d", i);
        size_t len = strlen(name);
        uint64_t h = 0;
        const char *staged = NULL;
        ck_assert_int_eq(ed__names_stage(n, name, len, 3, &h, &staged), ED_OK);
        if (staged != NULL) {
            ck_assert_int_eq(ed__names_commit(n, len, h), ED_OK);
        } else { /* no room: the loader pushes */
            ck_assert_int_eq(ed__names_push_hashed(n, name, len, h), ED_OK);
        }
    }
    uint64_t h = 0;
    const char *staged = NULL;
    ck_assert_int_eq(ed__names_stage(n, "topic-7", 7, 3, &h, &staged), ED_OK);
    if (staged != NULL)
        ck_assert_int_eq(ed__names_commit(n, 7, h), ED_EXISTS);
    else
        ck_assert_int_eq(ed__names_push_hashed(n, "topic-7", 7, h), ED_EXISTS);
    ck_assert_int_eq(ed__names_push(n, "topic-1999", 10), ED_EXISTS);
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, "topic-%d", i);
        ck_assert_uint_eq(ed__names_find(n, name, strlen(name)), (size_t)i);
        ck_assert_str_eq(ed__names_at(n, (size_t)i), name);
    }
    ck_assert_uint_eq(ed__names_find(n, "topic-2000", 10), SIZE_MAX);
    ed__names_unref(n);
}
END_TEST

/* The hash reads every byte of a name, the last len % 8 too (they are
 * read as the name's last eight bytes when it has eight): names that
 * differ in one byte only, in any position, hash differently. */
START_TEST(test_name_hash_reads_every_byte)
{
    char a[40], b[40];
    for (size_t len = 1; len <= 40; len++) {
        memset(a, 'x', len);
        for (size_t at = 0; at < len; at++) {
            memcpy(b, a, len);
            b[at] = 'y';
            ck_assert_msg(ed__names_hash(a, len) != ed__names_hash(b, len),
                          "byte %zu of %zu not hashed", at, len);
        }
        ck_assert(ed__names_hash(a, len) != ed__names_hash(a, len - 1));
    }
}
END_TEST

/* Tables share a store (lib/names.c): an addition to the table that ends
 * where the store's written part ends appends in place; the older table
 * must still see exactly its own names, a second addition to it gets a
 * store of its own, and a dropped addition gives its position back. */
static bool has(const ed_names *n, const char *name)
{
    return ed__names_find(n, name, strlen(name)) != SIZE_MAX;
}

START_TEST(test_name_tables_sharing_a_store_keep_their_own_names)
{
    ed_names *a = ed__names_new(4);
    ck_assert_int_eq(ed__names_push(a, "one", 3), ED_OK);
    ck_assert_int_eq(ed__names_push(a, "two", 3), ED_OK);
    ed_names *b = ed__names_with(a, "x-b"); /* in place */
    ck_assert_ptr_eq(b->store, a->store);
    ed_names *c = ed__names_with(a, "y-c"); /* b took the tail: a copy */
    ck_assert_ptr_ne(c->store, a->store);
    ck_assert(!has(a, "x-b") && !has(a, "y-c") && has(a, "two"));
    ck_assert(has(b, "x-b") && !has(b, "y-c") && has(b, "one"));
    ck_assert(has(c, "y-c") && !has(c, "x-b") && has(c, "one"));
    ck_assert_uint_eq(a->count, 2);
    ck_assert_ptr_null(ed__names_at(a, 2));
    ck_assert_str_eq(ed__names_at(b, 2), "x-b");
    ck_assert_str_eq(ed__names_at(c, 2), "y-c");
    /* an existing name is refused, the limit too */
    ck_assert_ptr_null(ed__names_with(b, "one"));

    /* b dropped: its position comes back, and a appends in place again */
    ed__names_unref(b);
    ed_names *d = ed__names_with(a, "z-d");
    ck_assert_ptr_eq(d->store, a->store);
    ck_assert(has(d, "z-d") && !has(d, "x-b") && !has(a, "z-d"));
    /* a chain on d; dropping d then keeps the chain's names */
    ed_names *e = ed__names_with(d, "w-e");
    ck_assert_ptr_eq(e->store, a->store);
    ed__names_unref(d);
    ck_assert(has(e, "z-d") && has(e, "w-e"));
    ed_names *f = ed__names_with(a, "v-f"); /* the tail is e's: a copy */
    ck_assert_ptr_ne(f->store, a->store);
    ck_assert(has(f, "v-f") && !has(f, "z-d") && !has(f, "w-e"));
    ck_assert(ed__names_equal(a, a) && !ed__names_equal(a, f));

    /* a long chain grows past the room of its store, one copy at a time */
    ed_names *g = ed__names_ref(e);
    char name[16];
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof name, "chain-%04d", i);
        ed_names *next = ed__names_with(g, name);
        ck_assert_ptr_nonnull(next);
        ed__names_unref(g);
        g = next;
    }
    ck_assert_uint_eq(g->count, 3004);
    ck_assert_uint_eq(ed__names_find(g, "chain-1234", 10), 1238);
    ck_assert(has(g, "w-e") && !has(e, "chain-0000"));
    /* removal marks the position; the name can come back */
    ed_names *h = ed__names_without(g, "z-d", 3);
    ck_assert(!has(h, "z-d") && has(h, "w-e"));
    ed_names *i2 = ed__names_with(h, "z-d");
    ck_assert_uint_eq(ed__names_find(i2, "z-d", 3), i2->count - 1);
    ed__names_unref(i2);
    ed__names_unref(h);
    ed__names_unref(g);
    ed__names_unref(e);
    ed__names_unref(f);
    ed__names_unref(c);
    ed__names_unref(a);
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
    tcase_add_test(tc, test_X1_name_rule_byte_by_byte_in_every_position);
    tcase_add_test(tc, test_staged_names_commit_like_pushed_ones);
    tcase_add_test(tc, test_name_hash_reads_every_byte);
    tcase_add_test(tc, test_name_tables_sharing_a_store_keep_their_own_names);
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
