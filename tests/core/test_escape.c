/* Untrusted text as messages show it (lib/escape.c): ed_text_escape, the
 * cut of a quoted value (ed__show), and the messages of commands that
 * quote a name or an ID they refuse. */
#include "internal.h"
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* U+2028, U+2029 and the bidirectional controls, all E2 80 xx or E2 81 xx */
static const char *const hidden_chars[] = {
    "\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac", "\xe2\x80\xad",
    "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9",
};
#define HIDDEN_COUNT (sizeof hidden_chars / sizeof hidden_chars[0])

/* The escaped form of `len` bytes, in a buffer the test frees. */
static char *escaped(const char *text, size_t len)
{
    size_t need = ed_text_escape(NULL, 0, text, len);
    char *out = malloc(need + 1);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(ed_text_escape(out, need + 1, text, len), need);
    ck_assert_uint_eq(strlen(out), need);
    return out;
}

static void assert_escapes(const char *text, size_t len, const char *want)
{
    char *got = escaped(text, len);
    ck_assert_msg(strcmp(got, want) == 0, "got \"%s\", want \"%s\"", got, want);
    free(got);
}

/* Hex form of a string's bytes, for the expectations below. */
static void hex_bytes(const char *s, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (; *s; s++, out += 4) {
        unsigned char c = (unsigned char)*s;
        out[0] = '\\';
        out[1] = 'x';
        out[2] = hex[c >> 4];
        out[3] = hex[c & 15];
    }
    *out = '\0';
}

START_TEST(test_text_escape_shows_c0_controls_del_and_nul_as_escapes)
{
    assert_escapes("a\nb\tc\rd", 7, "a\\nb\\tc\\rd");
    assert_escapes("id\0x", 4, "id\\x00x");
    assert_escapes("\x1b[31m\x07\x7f\x01\x1f", 9, "\\x1b[31m\\x07\\x7f\\x01\\x1f");
    /* printable ASCII, space and backslash included, is itself */
    assert_escapes(" ~`'\"\\x00", 9, " ~`'\"\\x00");
}
END_TEST

START_TEST(test_text_escape_shows_line_separators_and_bidi_controls_byte_by_byte)
{
    for (size_t i = 0; i < HIDDEN_COUNT; i++) {
        char text[16], want[32], hex[16];
        (void)snprintf(text, sizeof text, "ab%scd", hidden_chars[i]);
        hex_bytes(hidden_chars[i], hex);
        (void)snprintf(want, sizeof want, "ab%scd", hex);
        assert_escapes(text, strlen(text), want);
    }
    /* the C1 controls likewise: U+0085 (next line) and U+009B (CSI) */
    assert_escapes("\xc2\x85.\xc2\x9b", 5, "\\xc2\\x85.\\xc2\\x9b");
}
END_TEST

START_TEST(test_text_escape_keeps_other_utf8_and_the_neighbours_of_escaped_ranges)
{
    /* é, U+00A0, U+2027, U+202F, U+2065, U+206A, U+200F, an emoji */
    const char *kept[] = {"\xc3\xa9",     "\xc2\xa0",     "\xe2\x80\xa7",    "\xe2\x80\xaf",
                          "\xe2\x81\xa5", "\xe2\x81\xaa", "\xe2\x80\x8f",    "\xf0\x9f\x99\x82",
                          "\xe4\xb8\xad"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        assert_escapes(kept[i], strlen(kept[i]), kept[i]);
}
END_TEST

START_TEST(test_text_escape_shows_bytes_that_are_not_utf8_as_escapes)
{
    assert_escapes("a\xff" "b", 3, "a\\xffb");
    assert_escapes("\xc3", 1, "\\xc3");                   /* cut short */
    assert_escapes("\xc3(", 2, "\\xc3(");                 /* no continuation */
    assert_escapes("\xc0\xaf", 2, "\\xc0\\xaf");          /* overlong */
    assert_escapes("\xe0\x80\xaf", 3, "\\xe0\\x80\\xaf"); /* overlong */
    assert_escapes("\xed\xa0\x80", 3, "\\xed\\xa0\\x80"); /* a surrogate */
    assert_escapes("\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80"); /* past U+10FFFF */
    assert_escapes("\xf5", 1, "\\xf5");
    assert_escapes("\x80", 1, "\\x80"); /* a lone continuation byte */
}
END_TEST

/* Escaping twice changes nothing: a host may escape a whole line that
 * holds a message the library escaped already. */
START_TEST(test_text_escape_of_escaped_text_changes_nothing)
{
    const char text[] = "k\0\n\xe2\x80\xae\xff\\x41";
    char *once = escaped(text, sizeof text - 1);
    char *twice = escaped(once, strlen(once));
    ck_assert_str_eq(once, "k\\x00\\n\\xe2\\x80\\xae\\xff\\x41");
    ck_assert_str_eq(twice, once);
    free(once);
    free(twice);
}
END_TEST

START_TEST(test_text_escape_cuts_between_whole_characters_and_returns_the_full_length)
{
    char buf[8];
    /* "a" then U+202E (12 bytes escaped): only "a" fits in 7 */
    ck_assert_uint_eq(ed_text_escape(buf, sizeof buf, "a\xe2\x80\xae" "b", 5), 14);
    ck_assert_str_eq(buf, "a");
    /* nothing after a character that did not fit, even what would fit */
    ck_assert_uint_eq(ed_text_escape(buf, 3, "a\nb", 3), 4);
    ck_assert_str_eq(buf, "a");
    ck_assert_uint_eq(ed_text_escape(buf, 4, "a\nb", 3), 4);
    ck_assert_str_eq(buf, "a\\n");
    ck_assert_uint_eq(ed_text_escape(buf, 5, "a\nb", 3), 4);
    ck_assert_str_eq(buf, "a\\nb");
    /* é is two bytes: never one of them alone */
    ck_assert_uint_eq(ed_text_escape(buf, 2, "\xc3\xa9", 2), 2);
    ck_assert_str_eq(buf, "");
    /* size 0 writes nothing; NULL text is empty text */
    buf[0] = 'z';
    ck_assert_uint_eq(ed_text_escape(buf, 0, "abc", 3), 3);
    ck_assert_int_eq(buf[0], 'z');
    ck_assert_uint_eq(ed_text_escape(NULL, 0, "\x01", 1), 4);
    ck_assert_uint_eq(ed_text_escape(NULL, 5, "\x01", 1), 4);
    ck_assert_uint_eq(ed_text_escape(buf, sizeof buf, NULL, 5), 0);
    ck_assert_str_eq(buf, "");
}
END_TEST

/* The decoder the escaping and the writers share: one character of each
 * length, with its code point. */
START_TEST(test_utf8_decoder_reads_one_character_of_each_length)
{
    static const struct {
        const char *s;
        size_t n;
        uint32_t cp;
    } chars[] = {{"a", 1, 0x61}, {"\xc3\xa9", 2, 0xe9}, {"\xe2\x80\xae", 3, 0x202e},
                 {"\xf0\x9f\x99\x82", 4, 0x1f642}};
    for (size_t i = 0; i < sizeof chars / sizeof chars[0]; i++) {
        uint32_t cp = 0;
        const unsigned char *p = (const unsigned char *)chars[i].s;
        ck_assert_uint_eq(ed__utf8_next(p, strlen(chars[i].s), &cp), chars[i].n);
        ck_assert_uint_eq(cp, chars[i].cp);
        /* cut short, it is no character */
        if (chars[i].n > 1)
            ck_assert_uint_eq(ed__utf8_next(p, chars[i].n - 1, &cp), 0);
    }
}
END_TEST

/* A quoted value is cut after `limit` bytes of its escapes, between whole
 * characters, and the cut is marked, so that a long value cannot pass for
 * a shorter one. */
START_TEST(test_shown_value_is_cut_between_whole_characters_and_marked)
{
    ed_shown v;
    char long_key[100];
    memset(long_key, 'a', sizeof long_key);
    const char *s = ed__show(&v, long_key, sizeof long_key, ED_SHOW_VALUE);
    ck_assert_uint_eq(strlen(s), ED_SHOW_VALUE + 3);
    ck_assert_str_eq(s + ED_SHOW_VALUE, "...");
    /* 64 bytes exactly: whole, unmarked */
    ck_assert_str_eq(ed__show(&v, long_key, ED_SHOW_VALUE, ED_SHOW_VALUE),
                     ED_SHOWN(long_key, 64, 64));
    ck_assert_uint_eq(strlen(ED_SHOWN(long_key, 64, ED_SHOW_VALUE)), ED_SHOW_VALUE);
    /* 20 NULs are 80 bytes of escapes: 16 of them fit */
    char nuls[20] = {0};
    s = ED_SHOWN(nuls, sizeof nuls, ED_SHOW_VALUE);
    ck_assert_uint_eq(strlen(s), 16 * 4 + 3);
    ck_assert_str_eq(s + 60, "\\x00...");
    /* U+202E is 12 bytes escaped: five fit in 64, not a part of the sixth */
    char bidi[6 * 3 + 1] = "";
    for (int i = 0; i < 6; i++)
        strcat(bidi, "\xe2\x80\xae");
    s = ED_SHOWN(bidi, strlen(bidi), ED_SHOW_VALUE);
    ck_assert_uint_eq(strlen(s), 5 * 12 + 3);
    ck_assert_str_eq(s + 48, "\\xe2\\x80\\xae...");
    /* a limit past ED_SHOW_MAX is ED_SHOW_MAX */
    char big[ED_SHOW_MAX * 2];
    memset(big, 'b', sizeof big);
    ck_assert_uint_eq(strlen(ED_SHOWN(big, sizeof big, ED_SHOW_MAX * 2)), ED_SHOW_MAX + 3);
}
END_TEST

/* ---- messages of commands ------------------------------------------------ */

static ed_instance *standard(void)
{
    ed_result *r = ed_create_standard(TEST_ID, TEST_ENDPOINT, tp("2026-01-05T00:00:00Z"), NULL);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_instance *in = ed_instance_ref(ed_result_instance(r));
    ed_result_free(r);
    return in;
}

/* No byte of a C0 control, DEL, or a lead byte of U+2028..U+206F. */
static void assert_no_raw_hidden_byte(const char *message)
{
    for (const unsigned char *p = (const unsigned char *)message; *p; p++)
        ck_assert_msg(*p >= 0x20 && *p != 0x7f && *p != 0xe2, "raw byte %02x in: %s", *p,
                      message);
}

START_TEST(test_refused_name_in_a_command_message_is_escaped)
{
    ed_instance *in = standard();
    for (size_t i = 0; i < HIDDEN_COUNT; i++) {
        char name[32], want[64], hex[16];
        (void)snprintf(name, sizeof name, "orders%sredro", hidden_chars[i]);
        hex_bytes(hidden_chars[i], hex);
        (void)snprintf(want, sizeof want, "topic name 'orders%sredro' must be", hex);
        ed_result *r = ed_add_topic(in, tp("2026-02-01T00:00:00Z"), name);
        ck_assert_int_eq(ed_result_status(r), ED_INVALID_NAME);
        ck_assert_msg(strstr(ed_result_message(r), want) != NULL, "%s", ed_result_message(r));
        assert_no_raw_hidden_byte(ed_result_message(r));
        ed_result_free(r);
    }
    /* a control character, and a byte that is not UTF-8 */
    ed_result *r = ed_add_group(in, tp("2026-02-01T00:00:00Z"), "GID_\x1b[8m\xff");
    ck_assert_int_eq(ed_result_status(r), ED_INVALID_NAME);
    ck_assert_msg(strstr(ed_result_message(r), "group name 'GID_\\x1b[8m\\xff' must be") != NULL,
                  "%s", ed_result_message(r));
    ed_result_free(r);
    ed_instance_free(in);
}
END_TEST

START_TEST(test_refused_id_in_a_create_message_is_escaped_and_cut_at_160_bytes)
{
    ed_result *r = ed_create_standard("MQ\xe2\x80\xa8INST\n", TEST_ENDPOINT,
                                      tp("2026-01-05T00:00:00Z"), NULL);
    ck_assert_int_eq(ed_result_status(r), ED_INVALID_NAME);
    ck_assert_msg(strstr(ed_result_message(r), "instance ID 'MQ\\xe2\\x80\\xa8INST\\n' must") !=
                      NULL,
                  "%s", ed_result_message(r));
    assert_no_raw_hidden_byte(ed_result_message(r));
    ed_result_free(r);

    char id[301];
    memset(id, 'M', 300);
    id[300] = '\0';
    r = ed_create_standard(id, TEST_ENDPOINT, tp("2026-01-05T00:00:00Z"), NULL);
    char want[ED_SHOW_ID + 16];
    (void)snprintf(want, sizeof want, "'%.*s...' must", ED_SHOW_ID, id);
    ck_assert_msg(strstr(ed_result_message(r), want) != NULL, "%s", ed_result_message(r));
    ed_result_free(r);
}
END_TEST

static Suite *escape_suite(void)
{
    Suite *s = suite_create("escape");
    TCase *tc = tcase_create("escape");
    tcase_add_test(tc, test_text_escape_shows_c0_controls_del_and_nul_as_escapes);
    tcase_add_test(tc, test_text_escape_shows_line_separators_and_bidi_controls_byte_by_byte);
    tcase_add_test(tc, test_text_escape_keeps_other_utf8_and_the_neighbours_of_escaped_ranges);
    tcase_add_test(tc, test_text_escape_shows_bytes_that_are_not_utf8_as_escapes);
    tcase_add_test(tc, test_text_escape_of_escaped_text_changes_nothing);
    tcase_add_test(tc, test_text_escape_cuts_between_whole_characters_and_returns_the_full_length);
    tcase_add_test(tc, test_utf8_decoder_reads_one_character_of_each_length);
    tcase_add_test(tc, test_shown_value_is_cut_between_whole_characters_and_marked);
    tcase_add_test(tc, test_refused_name_in_a_command_message_is_escaped);
    tcase_add_test(tc, test_refused_id_in_a_create_message_is_escaped_and_cut_at_160_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(escape_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
