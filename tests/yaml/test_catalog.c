/* The catalog of bad inputs (tests/data/bad/EXPECTED): every file must be
 * refused with its status, line, column and a message naming the field,
 * leaving the output pointer untouched. Plus the limits that need inputs
 * too large to ship as files. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libedition.h"
#include "yaml_support.h"

typedef struct bad_case {
    char file[128];
    char status[32];
    size_t line, column;
    char text[256];
} bad_case;

static bad_case *cases;
static int case_count;

static void load_catalog(void)
{
    size_t len;
    char *index = slurp_data_file("ED_BAD_DIR", "EXPECTED", &len);
    if (!index) {
        fprintf(stderr, "cannot read $ED_BAD_DIR/EXPECTED\n");
        exit(1);
    }
    int cap = 0;
    for (char *line = strtok(index, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (case_count == cap) {
            cap = cap ? cap * 2 : 64;
            cases = realloc(cases, (size_t)cap * sizeof *cases);
            if (!cases)
                abort();
        }
        bad_case *c = &cases[case_count];
        int used = 0;
        if (sscanf(line, "%127s %31s %zu %zu %n", c->file, c->status, &c->line, &c->column,
                   &used) != 4) {
            fprintf(stderr, "bad line in EXPECTED: %s\n", line);
            abort();
        }
        snprintf(c->text, sizeof c->text, "%s", line + used);
        case_count++;
    }
    free(index);
}

START_TEST(test_bad_input_refused_with_position)
{
    const bad_case *c = &cases[_i];
    size_t len;
    char *data = read_data_file("ED_BAD_DIR", c->file, &len);
    ed_error *err = NULL;
    ed_status st;
    bool scenario = strncmp(c->file, "scenario-", 9) == 0;
    if (scenario) {
        ed_scenario *sentinel = (ed_scenario *)&len, *sc = sentinel;
        st = ed_scenario_load_yaml(&sc, data, len, NULL, &err);
        ck_assert_msg(sc == sentinel, "%s: output written on failure", c->file);
    } else {
        ed_instance *sentinel = (ed_instance *)&len, *inst = sentinel;
        st = ed_instance_load_yaml(&inst, data, len, NULL, &err);
        ck_assert_msg(inst == sentinel, "%s: output written on failure", c->file);
    }
    ck_assert_msg(st != ED_OK && err != NULL, "%s: accepted", c->file);
    ck_assert_msg(ed_error_status(err) == st, "%s: error status differs", c->file);
    ck_assert_msg(strcmp(ed_status_name(st), c->status) == 0 && ed_error_line(err) == c->line &&
                      ed_error_column(err) == c->column &&
                      strstr(ed_error_message(err), c->text) != NULL,
                  "%s: want %s %zu:%zu \"%s\", got %s %zu:%zu \"%s\"", c->file, c->status,
                  c->line, c->column, c->text, ed_status_name(st), ed_error_line(err),
                  ed_error_column(err), ed_error_message(err));
    ed_error_free(err);
    free(data);
}
END_TEST

START_TEST(test_catalog_is_large_enough)
{
    ck_assert_int_ge(case_count, 40);
}
END_TEST

/* A valid file is refused once it is larger than ED_OPT_MAX_DOCUMENT_SIZE,
 * before anything is parsed. */
START_TEST(test_limit_document_size)
{
    size_t len;
    char *data = read_data_file("ED_EXAMPLES_DIR", "states/standard.yaml", &len);
    ed_options *opts = ed_options_new();
    ck_assert_int_eq(ed_options_set_int(opts, ED_OPT_MAX_DOCUMENT_SIZE, (int64_t)len), ED_OK);
    ed_instance *inst = NULL;
    ck_assert_int_eq(ed_instance_load_yaml(&inst, data, len, opts, NULL), ED_OK);
    ed_instance_free(inst);
    ck_assert_int_eq(ed_options_set_int(opts, ED_OPT_MAX_DOCUMENT_SIZE, (int64_t)len - 1), ED_OK);
    ed_error *err = NULL;
    inst = NULL;
    ck_assert_int_eq(ed_instance_load_yaml(&inst, data, len, opts, &err), ED_LIMIT_EXCEEDED);
    ck_assert_ptr_null(inst);
    ck_assert_ptr_nonnull(strstr(ed_error_message(err), "more than the limit"));
    ed_error_free(err);
    ed_scenario *sc = NULL;
    err = NULL;
    ck_assert_int_eq(ed_scenario_load_yaml(&sc, data, len, opts, &err), ED_LIMIT_EXCEEDED);
    ed_error_free(err);
    ed_options_free(opts);
    free(data);
}
END_TEST

/* A state file with `count` names in one flow list: topics or groups. */
static char *many_names(bool topics, size_t count, size_t *len)
{
    size_t cap = 256 + count * 12;
    char *doc = malloc(cap);
    ck_assert_ptr_nonnull(doc);
    size_t n = (size_t)snprintf(doc, cap,
                                "libedition: 1\ninstance:\n  id: MQ_INST_1\n  endpoint: e\n"
                                "  edition: standard\n  created_at: 2026-01-05T00:00:00Z\n"
                                "  %s: [",
                                topics ? "topics" : "groups");
    for (size_t i = 0; i < count; i++)
        n += (size_t)snprintf(doc + n, cap - n, "%sn%07zu", i ? ", " : "", i);
    n += (size_t)snprintf(doc + n, cap - n, "]\n");
    *len = n;
    return doc;
}

static void check_too_many(bool topics)
{
    size_t len;
    char *doc = many_names(topics, 1000001, &len);
    ed_instance *inst = NULL;
    ed_error *err = NULL;
    ck_assert_int_eq(ed_instance_load_yaml(&inst, doc, len, NULL, &err), ED_LIMIT_EXCEEDED);
    ck_assert_ptr_null(inst);
    ck_assert_uint_eq(ed_error_line(err), 7);
    /* The 1,000,001st name: "  topics: [" then 1,000,000 names of 8
     * characters each followed by ", ". */
    ck_assert_uint_eq(ed_error_column(err), 12 + 1000000 * 10);
    ck_assert_ptr_nonnull(strstr(ed_error_message(err), topics ? "instance.topics[1000000]"
                                                                : "instance.groups[1000000]"));
    ed_error_free(err);
    free(doc);
}

START_TEST(test_limit_million_topics)
{
    check_too_many(true);
}
END_TEST

START_TEST(test_limit_million_groups)
{
    check_too_many(false);
}
END_TEST

START_TEST(test_million_topics_accepted)
{
    size_t len;
    char *doc = many_names(true, 1000000, &len);
    ed_instance *inst = NULL;
    ck_assert_int_eq(ed_instance_load_yaml(&inst, doc, len, NULL, NULL), ED_OK);
    ck_assert_uint_eq(ed_instance_topic_count(inst), 1000000);
    ck_assert_str_eq(ed_instance_topic(inst, 999999), "n0999999");
    ed_instance_free(inst);
    free(doc);
}
END_TEST

/* A NULL error pointer is allowed: the status alone comes back. */
START_TEST(test_error_pointer_optional)
{
    ed_instance *inst = NULL;
    ck_assert_int_eq(ed_instance_load_yaml(&inst, "libedition: 2\n", 14, NULL, NULL),
                     ED_SCHEMA_ERROR);
    ck_assert_int_eq(ed_instance_load_yaml(NULL, "x", 1, NULL, NULL), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_instance_load_yaml(&inst, NULL, 1, NULL, NULL), ED_INVALID_ARGUMENT);
    ck_assert_ptr_null(inst);
}
END_TEST

int main(void)
{
    load_catalog();
    Suite *s = suite_create("yaml_catalog");
    TCase *tc = tcase_create("bad");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_bad_input_refused_with_position, 0, case_count);
    tcase_add_test(tc, test_catalog_is_large_enough);
    tcase_add_test(tc, test_limit_document_size);
    tcase_add_test(tc, test_limit_million_topics);
    tcase_add_test(tc, test_limit_million_groups);
    tcase_add_test(tc, test_million_topics_accepted);
    tcase_add_test(tc, test_error_pointer_optional);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    free(cases);
    return failed ? 1 : 0;
}
