/* The loaders' messages quote a refused value whole and escaped (by
 * ed_text_escape): a NUL from a quoted escape does not end the value
 * early, U+2028, U+2029 and the bidirectional controls do not reach the
 * message raw, and a long value is cut after 64 bytes of its escapes with
 * the cut marked. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libedition.h"
#include "yaml_support.h"

typedef enum { STATE, SCENARIO, EFFECTS } doc_kind;

/* Loads `len` bytes of `doc` as `kind`, which must be refused with
 * schema_error; returns the message (caller frees). */
static char *refusal(doc_kind kind, const char *doc, size_t len)
{
    ed_error *err = NULL;
    ed_status st;
    if (kind == STATE) {
        ed_instance *inst = NULL;
        st = ed_instance_load_yaml(&inst, doc, len, NULL, &err);
        ck_assert_ptr_null(inst);
    } else if (kind == SCENARIO) {
        ed_scenario *sc = NULL;
        st = ed_scenario_load_yaml(&sc, doc, len, NULL, &err);
        ck_assert_ptr_null(sc);
    } else {
        ed_effect_list *list = NULL;
        st = ed_effects_load_yaml(&list, doc, len, NULL, &err);
        ck_assert_ptr_null(list);
    }
    ck_assert_msg(st == ED_SCHEMA_ERROR, "%s: %s", ed_status_name(st),
                  err ? ed_error_message(err) : "(no error)");
    char *message = strdup(ed_error_message(err));
    ck_assert_ptr_nonnull(message);
    ed_error_free(err);
    return message;
}

static void assert_refused_with(doc_kind kind, const char *doc, const char *want)
{
    char *message = refusal(kind, doc, strlen(doc));
    ck_assert_msg(strstr(message, want) != NULL, "message \"%s\" lacks \"%s\"", message, want);
    free(message);
}

#define STATE_JSON_HEAD                                                                         \
    "{\"libedition\": 1, \"instance\": {\"id\": \"MQ_INST_1\", \"endpoint\": \"http://mq:8080\", "
#define STATE_YAML                                                                              \
    "libedition: 1\n"                                                                           \
    "instance:\n"                                                                               \
    "  id: MQ_INST_1\n"                                                                         \
    "  endpoint: http://mq:8080\n"                                                              \
    "  edition: standard\n"                                                                     \
    "  created_at: 2026-01-05T00:00:00Z\n"
#define SCENARIO_HEAD                                                                           \
    STATE_YAML                                                                                  \
    "steps:\n"                                                                                  \
    "  - at: 2026-02-01T00:00:00Z\n"
#define EFFECT_HEAD                                                                             \
    "libedition: 1\n"                                                                           \
    "effects:\n"                                                                                \
    "  - key: MQ_INST_1/1/0\n"

START_TEST(test_nul_in_a_key_is_shown_whole)
{
    assert_refused_with(STATE,
                        STATE_JSON_HEAD "\"edition\": \"standard\", \"created_at\": "
                                        "\"2026-01-05T00:00:00Z\", \"id\\u0000\": \"x\"}}",
                        "instance: unknown key `id\\x00`");
    assert_refused_with(STATE, "{\"libedition\": 1, \"instance\\u0000x\": {}}",
                        "unknown key `instance\\x00x`");
    assert_refused_with(STATE,
                        STATE_YAML "  subscription: {\"expires_at\\0\": 2026-03-01T00:00:00Z}\n",
                        "unknown key `expires_at\\x00`");
    assert_refused_with(SCENARIO, SCENARIO_HEAD "    command: add_topic\n    \"name\\0\": orders\n",
                        "unknown key `name\\x00` (not a command argument)");
    assert_refused_with(SCENARIO, STATE_YAML "\"steps\\0\": []\n", "unknown key `steps\\x00`");
    assert_refused_with(EFFECTS, EFFECT_HEAD "    \"kind\\0\": topic.create\n",
                        "unknown key `kind\\x00`");
    assert_refused_with(EFFECTS, "libedition: 1\n\"effects\\0\": []\n",
                        "unknown key `effects\\x00`");
    /* these two were read as `topic` and `at` */
    assert_refused_with(EFFECTS,
                        EFFECT_HEAD "    kind: topic.create\n    subject: {\"topic\\0\": a}\n",
                        "unknown subject kind `topic\\x00` (instance, topic or group)");
    assert_refused_with(EFFECTS, EFFECT_HEAD "    \"at\\0x\": 2026-02-01T00:00:00Z\n",
                        "unknown key `at\\x00x`");
}
END_TEST

START_TEST(test_nul_in_an_enum_value_is_shown_whole)
{
    assert_refused_with(STATE,
                        STATE_JSON_HEAD "\"edition\": \"standard\\u0000x\", \"created_at\": "
                                        "\"2026-01-05T00:00:00Z\"}}",
                        "instance.edition: unknown edition `standard\\x00x`");
    assert_refused_with(STATE, STATE_YAML "  lifecycle: \"active\\0\"\n",
                        "instance.lifecycle: unknown lifecycle `active\\x00`");
    assert_refused_with(STATE, STATE_YAML "  updated_at: \"2026-01-05T00:00:00Z\\0\"\n",
                        "`2026-01-05T00:00:00Z\\x00` is not an RFC 3339 time");
    assert_refused_with(SCENARIO, SCENARIO_HEAD "    command: \"tick\\0x\"\n",
                        "unknown command `tick\\x00x`");
    assert_refused_with(SCENARIO,
                        SCENARIO_HEAD "    command: set_post_expiration_action\n"
                                      "    action: \"downgrade_to_standard\\0\"\n",
                        "unknown action `downgrade_to_standard\\x00`");
    assert_refused_with(SCENARIO,
                        SCENARIO_HEAD "    command: plan_downgrade\n    mode: \"immediate\\0!\"\n",
                        "unknown mode `immediate\\x00!`");
    assert_refused_with(EFFECTS, EFFECT_HEAD "    kind: \"topic.create\\0\"\n",
                        "unknown effect kind `topic.create\\x00`");
    assert_refused_with(EFFECTS,
                        EFFECT_HEAD "    kind: topic.delete\n    subject: {topic: orders}\n"
                                    "    flags: [\"irreversible\\0\"]\n",
                        "unknown flag `irreversible\\x00`");
}
END_TEST

/* U+2028, U+2029 and the bidirectional controls */
static const unsigned hidden_code_points[] = {0x2028, 0x2029, 0x202A, 0x202B, 0x202C, 0x202D,
                                              0x202E, 0x2066, 0x2067, 0x2068, 0x2069};

START_TEST(test_line_separators_and_bidi_controls_in_a_refused_value_are_escaped)
{
    for (size_t i = 0; i < sizeof hidden_code_points / sizeof hidden_code_points[0]; i++) {
        unsigned cp = hidden_code_points[i];
        /* its UTF-8, and that as escapes; the documents hold it as a YAML
         * escape, since YAML reads a raw U+2028 or U+2029 as a line break */
        unsigned b2 = 0x80 | ((cp >> 6) & 0x3f), b3 = 0x80 | (cp & 0x3f);
        char raw[4] = {(char)0xe2, (char)b2, (char)b3, 0};
        char shown[16], doc[512], want[128];
        (void)snprintf(shown, sizeof shown, "\\xe2\\x%02x\\x%02x", b2, b3);
        /* in a name */
        (void)snprintf(doc, sizeof doc, STATE_YAML "  topics: [orders, \"sredro\\u%04Xorders\"]\n",
                       cp);
        (void)snprintf(want, sizeof want, "invalid topic name `sredro%sorders`", shown);
        char *message = refusal(STATE, doc, strlen(doc));
        ck_assert_msg(strstr(message, want) != NULL, "\"%s\" lacks \"%s\"", message, want);
        ck_assert_msg(strstr(message, raw) == NULL, "raw in \"%s\"", message);
        free(message);
        /* in a key */
        (void)snprintf(doc, sizeof doc, STATE_YAML "  \"region\\u%04X\": x\n", cp);
        (void)snprintf(want, sizeof want, "instance: unknown key `region%s`", shown);
        message = refusal(STATE, doc, strlen(doc));
        ck_assert_msg(strstr(message, want) != NULL, "\"%s\" lacks \"%s\"", message, want);
        ck_assert_msg(strstr(message, raw) == NULL, "raw in \"%s\"", message);
        free(message);
    }
}
END_TEST

/* 100 bytes of key: 64 shown, then "...". Two-byte characters are never
 * split: 40 of `é` (80 bytes) show 32. */
START_TEST(test_long_value_is_cut_after_64_bytes_between_characters_and_marked)
{
    char key[101], want[128], doc[512];
    memset(key, 'k', 100);
    key[100] = '\0';
    (void)snprintf(doc, sizeof doc, STATE_YAML "  %s: x\n", key);
    (void)snprintf(want, sizeof want, "unknown key `%.64s...`", key);
    assert_refused_with(STATE, doc, want);

    char accents[81] = "";
    for (int i = 0; i < 40; i++)
        strcat(accents, "\xc3\xa9");
    (void)snprintf(doc, sizeof doc, STATE_YAML "  %s: x\n", accents);
    (void)snprintf(want, sizeof want, "unknown key `%.64s...`", accents);
    assert_refused_with(STATE, doc, want);

    /* a value of exactly 64 bytes is whole and unmarked */
    key[64] = '\0';
    (void)snprintf(doc, sizeof doc, STATE_YAML "  %s: x\n", key);
    (void)snprintf(want, sizeof want, "unknown key `%s`", key);
    assert_refused_with(STATE, doc, want);
}
END_TEST

static Suite *messages_suite(void)
{
    Suite *s = suite_create("messages");
    TCase *tc = tcase_create("messages");
    tcase_add_test(tc, test_nul_in_a_key_is_shown_whole);
    tcase_add_test(tc, test_nul_in_an_enum_value_is_shown_whole);
    tcase_add_test(tc, test_line_separators_and_bidi_controls_in_a_refused_value_are_escaped);
    tcase_add_test(tc, test_long_value_is_cut_after_64_bytes_between_characters_and_marked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(messages_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
