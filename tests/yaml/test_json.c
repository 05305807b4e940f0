/* JSON in and out (formats.md, "Scalars" and the JSON output): quoted
 * words load like plain ones, JSON documents load like their YAML twins,
 * the JSON writers give the same documents as the YAML ones and read back,
 * and a UTF-8 byte-order mark is skipped. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "libedition.h"
#include "yaml_support.h"

static const char *const examples[] = {"states/standard.yaml", "states/platinum.yaml",
                                       "states/expired.yaml", "states/migrating.yaml"};

static ed_instance *load_ok(const char *data, size_t len)
{
    ed_instance *inst = NULL;
    ed_error *err = NULL;
    ed_status st = ed_instance_load_yaml(&inst, data, len, NULL, &err);
    ck_assert_msg(st == ED_OK, "load failed: %s at %zu:%zu\n%.*s",
                  err ? ed_error_message(err) : "", err ? ed_error_line(err) : 0,
                  err ? ed_error_column(err) : 0, (int)len, data);
    ed_error_free(err);
    return inst;
}

static ed_scenario *load_scenario_ok(const char *data)
{
    ed_scenario *sc = NULL;
    ed_error *err = NULL;
    ed_status st = ed_scenario_load_yaml(&sc, data, strlen(data), NULL, &err);
    ck_assert_msg(st == ED_OK, "scenario load failed: %s at %zu:%zu\n%s",
                  err ? ed_error_message(err) : "", err ? ed_error_line(err) : 0,
                  err ? ed_error_column(err) : 0, data);
    ed_error_free(err);
    return sc;
}

static char *take(ed_buffer *buf)
{
    char *s = strdup(ed_buffer_data(buf));
    ck_assert_ptr_nonnull(s);
    ed_buffer_free(buf);
    return s;
}

static char *dump_json(const ed_instance *inst)
{
    ed_buffer *buf = ed_buffer_new();
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(ed_instance_dump_json(inst, buf), ED_OK);
    return take(buf);
}

/* One line: a single newline, at the end (JSON Lines). */
static void assert_one_line(const char *s)
{
    size_t len = strlen(s);
    ck_assert_uint_gt(len, 1);
    ck_assert_ptr_eq(strchr(s, '\n'), s + len - 1);
}

/* The document as libyaml reads it, style aside: `{` and `}` around maps,
 * `[` and `]` around sequences, scalars as `=value`, one a line. Twins in
 * YAML and JSON must give the same text: same fields, same order, same
 * values. In JSON every plain scalar must be a number, true, false or null
 * (strings are quoted). */
static char *canonical(const char *doc, bool json)
{
    yaml_parser_t p;
    ck_assert(yaml_parser_initialize(&p));
    yaml_parser_set_input_string(&p, (const unsigned char *)doc, strlen(doc));
    size_t cap = strlen(doc) * 2 + 64, len = 0;
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    for (bool done = false; !done;) {
        yaml_event_t ev;
        ck_assert_msg(yaml_parser_parse(&p, &ev), "does not parse: %s\n%s", p.problem, doc);
        const char *mark = NULL;
        switch (ev.type) {
        case YAML_MAPPING_START_EVENT:
            mark = "{";
            break;
        case YAML_MAPPING_END_EVENT:
            mark = "}";
            break;
        case YAML_SEQUENCE_START_EVENT:
            mark = "[";
            break;
        case YAML_SEQUENCE_END_EVENT:
            mark = "]";
            break;
        case YAML_SCALAR_EVENT: {
            const char *v = (const char *)ev.data.scalar.value;
            if (json && ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
                bool number = v[0] != '\0' && strspn(v, "-0123456789") == strlen(v);
                ck_assert_msg(number || strcmp(v, "true") == 0 || strcmp(v, "false") == 0 ||
                                  strcmp(v, "null") == 0,
                              "unquoted string `%s` in JSON", v);
            }
            size_t n = strlen(v) + 3;
            while (len + n + 1 > cap)
                ck_assert_ptr_nonnull(out = realloc(out, cap *= 2));
            len += (size_t)snprintf(out + len, cap - len, "=%s\n", v);
            break;
        }
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        if (mark) {
            while (len + 3 > cap)
                ck_assert_ptr_nonnull(out = realloc(out, cap *= 2));
            len += (size_t)snprintf(out + len, cap - len, "%s\n", mark);
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    out[len] = '\0';
    return out;
}

static void assert_twins(const char *yaml, const char *json)
{
    assert_one_line(json);
    char *a = canonical(yaml, false), *b = canonical(json, true);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}

START_TEST(test_example_yaml_to_json_to_load_is_equal)
{
    size_t len;
    char *data = read_data_file("ED_EXAMPLES_DIR", examples[_i], &len);
    ed_instance *a = load_ok(data, len);
    char *json = dump_json(a);
    assert_one_line(json);
    ed_instance *b = load_ok(json, strlen(json));
    ck_assert(ed_instance_equal(a, b));
    /* and the YAML of the JSON-loaded snapshot is the example itself */
    char *yaml = dump_instance(b);
    ck_assert_str_eq(yaml, data);
    assert_twins(yaml, json);
    free(yaml);
    free(json);
    ed_instance_free(a);
    ed_instance_free(b);
    free(data);
}
END_TEST

static const char migrating_plain[] =
    "libedition: 1\ninstance:\n  id: MQ_INST_1\n  endpoint: http://e:80\n"
    "  edition: enterprise_platinum\n  billing: subscription\n  cluster: dedicated\n"
    "  lifecycle: active\n  revision: 2\n  created_at: 2026-01-05T00:00:00Z\n"
    "  updated_at: 2026-02-01T00:00:00Z\n  subscription:\n    started_at: 2026-02-01T00:00:00Z\n"
    "    expires_at: 2026-03-01T00:00:00Z\n    period_months: 1\n"
    "    post_expiration_action: downgrade_to_standard\n  migration:\n    from: shared\n"
    "    to: dedicated\n    started_at: 2026-02-01T00:00:00Z\n  topics: [orders]\n";

static const char migrating_quoted[] =
    "libedition: 1\ninstance:\n  id: 'MQ_INST_1'\n  endpoint: \"http://e:80\"\n"
    "  edition: \"enterprise_platinum\"\n  billing: 'subscription'\n  cluster: \"dedicated\"\n"
    "  lifecycle: 'active'\n  revision: 2\n  created_at: '2026-01-05T00:00:00Z'\n"
    "  updated_at: \"2026-02-01T00:00:00Z\"\n  subscription:\n"
    "    started_at: \"2026-02-01T00:00:00Z\"\n    expires_at: '2026-03-01T00:00:00Z'\n"
    "    period_months: 1\n    post_expiration_action: \"downgrade_to_standard\"\n"
    "  migration:\n    from: 'shared'\n    to: \"dedicated\"\n"
    "    started_at: '2026-02-01T00:00:00Z'\n  topics: ['orders']\n";

START_TEST(test_quoted_times_and_enum_names_load_like_plain_ones)
{
    ed_instance *a = load_ok(migrating_plain, strlen(migrating_plain));
    ed_instance *b = load_ok(migrating_quoted, strlen(migrating_quoted));
    ck_assert(ed_instance_equal(a, b));
    ed_instance_free(a);
    ed_instance_free(b);
}
END_TEST

/* What `json.dumps(..., indent=2)` writes: many lines, every string
 * quoted, numbers bare. */
static const char migrating_json_indented[] =
    "{\n  \"libedition\": 1,\n  \"instance\": {\n    \"id\": \"MQ_INST_1\",\n"
    "    \"endpoint\": \"http://e:80\",\n    \"edition\": \"enterprise_platinum\",\n"
    "    \"billing\": \"subscription\",\n    \"cluster\": \"dedicated\",\n"
    "    \"lifecycle\": \"active\",\n    \"revision\": 2,\n"
    "    \"created_at\": \"2026-01-05T00:00:00Z\",\n"
    "    \"updated_at\": \"2026-02-01T00:00:00Z\",\n    \"subscription\": {\n"
    "      \"started_at\": \"2026-02-01T00:00:00Z\",\n"
    "      \"expires_at\": \"2026-03-01T00:00:00Z\",\n      \"period_months\": 1,\n"
    "      \"post_expiration_action\": \"downgrade_to_standard\"\n    },\n"
    "    \"migration\": {\"from\": \"shared\", \"to\": \"dedicated\", "
    "\"started_at\": \"2026-02-01T00:00:00Z\"},\n    \"topics\": [\n      \"orders\"\n    ]\n"
    "  }\n}\n";

START_TEST(test_indented_json_loads_like_its_yaml_twin)
{
    ed_instance *a = load_ok(migrating_plain, strlen(migrating_plain));
    ed_instance *b = load_ok(migrating_json_indented, strlen(migrating_json_indented));
    ck_assert(ed_instance_equal(a, b));
    ed_instance_free(a);
    ed_instance_free(b);
}
END_TEST

/* Writers that sort keys (PyYAML's safe_dump, Go's encoding/json on a map)
 * put `instance` before `libedition`: the version is still checked first. */
START_TEST(test_libedition_after_instance_loads_and_is_checked)
{
    const char *sorted = "{\"instance\": {\"created_at\": \"2026-01-05T00:00:00Z\", "
                         "\"edition\": \"standard\", \"endpoint\": \"http://e:80\", "
                         "\"id\": \"MQ_INST_1\"}, \"libedition\": 1}";
    const char *plain = "libedition: 1\ninstance: {id: MQ_INST_1, endpoint: 'http://e:80', "
                        "edition: standard, created_at: 2026-01-05T00:00:00Z}\n";
    ed_instance *a = load_ok(plain, strlen(plain)), *b = load_ok(sorted, strlen(sorted));
    ck_assert(ed_instance_equal(a, b));
    ed_instance_free(a);
    ed_instance_free(b);
    /* version 2 is named as such, not as the unknown edition before it */
    const char *v2 = "{\"instance\": {\"edition\": \"gold\"}, \"libedition\": 2}";
    ed_instance *inst = NULL;
    ed_error *err = NULL;
    ck_assert_int_eq(ed_instance_load_yaml(&inst, v2, strlen(v2), NULL, &err), ED_SCHEMA_ERROR);
    ck_assert_ptr_nonnull(strstr(ed_error_message(err), "format version 2 is not supported"));
    ed_error_free(err);
}
END_TEST

/* An error in JSON input still names the field, its line and column. */
START_TEST(test_json_error_names_line_and_column)
{
    const char *doc = "{\"libedition\": 1,\n \"instance\": {\"id\": \"MQ_INST_1\", "
                      "\"endpoint\": \"http://e:80\",\n  \"edition\": \"gold\", "
                      "\"created_at\": \"2026-01-05T00:00:00Z\"}}\n";
    ed_instance *inst = NULL;
    ed_error *err = NULL;
    ck_assert_int_eq(ed_instance_load_yaml(&inst, doc, strlen(doc), NULL, &err), ED_SCHEMA_ERROR);
    ck_assert_ptr_nonnull(
        strstr(ed_error_message(err), "instance.edition: unknown edition `gold`"));
    ck_assert_uint_eq(ed_error_line(err), 3);
    ck_assert_uint_eq(ed_error_column(err), 14);
    ed_error_free(err);
}
END_TEST

static const char scenario_plain[] =
    "libedition: 1\ninstance:\n  id: MQ_INST_1\n  endpoint: http://e:80\n  edition: standard\n"
    "  created_at: 2026-01-05T00:00:00Z\n  topics: [orders]\nsteps:\n"
    "  - at: 2026-02-01T00:00:00Z\n    command: upgrade\n    period_months: 1\n"
    "  - at: 2026-02-02T00:00:00Z\n    command: set_post_expiration_action\n"
    "    action: downgrade_to_standard\n"
    "  - at: 2026-02-03T00:00:00Z\n    command: plan_downgrade\n    mode: at_expiry\n"
    "  - at: 2026-02-04T00:00:00Z\n    command: add_topic\n    name: audit\n"
    "  - at: 2026-02-05T00:00:00Z\n    command: refund\n    allow_data_loss: true\n";

static const char scenario_json[] =
    "{\"libedition\":1,\"instance\":{\"id\":\"MQ_INST_1\",\"endpoint\":\"http://e:80\","
    "\"edition\":\"standard\",\"created_at\":\"2026-01-05T00:00:00Z\",\"topics\":[\"orders\"]},"
    "\"steps\":[{\"at\":\"2026-02-01T00:00:00Z\",\"command\":\"upgrade\",\"period_months\":1},"
    "{\"at\":'2026-02-02T00:00:00Z',\"command\":'set_post_expiration_action',"
    "\"action\":\"downgrade_to_standard\"},"
    "{\"at\":\"2026-02-03T00:00:00Z\",\"command\":\"plan_downgrade\",\"mode\":\"at_expiry\"},"
    "{\"at\":\"2026-02-04T00:00:00Z\",\"command\":\"add_topic\",\"name\":\"audit\"},"
    "{\"at\":\"2026-02-05T00:00:00Z\",\"command\":\"refund\",\"allow_data_loss\":true}]}";

START_TEST(test_json_scenario_with_quoted_words_loads_like_yaml)
{
    ed_scenario *a = load_scenario_ok(scenario_plain), *b = load_scenario_ok(scenario_json);
    ck_assert(ed_instance_equal(ed_scenario_instance(a), ed_scenario_instance(b)));
    ck_assert_uint_eq(ed_scenario_step_count(a), 5);
    ck_assert_uint_eq(ed_scenario_step_count(b), 5);
    for (size_t i = 0; i < 5; i++) {
        const ed_command *ca = ed_scenario_step_command(a, i), *cb = ed_scenario_step_command(b, i);
        ck_assert_int_eq(ed_scenario_step_at(a, i), ed_scenario_step_at(b, i));
        ck_assert_int_eq(ed_command_kind_of(ca), ed_command_kind_of(cb));
        for (int arg = 1; ed_arg_name((ed_arg)arg); arg++) {
            int64_t va = -1, vb = -1;
            ck_assert_int_eq(ed_command_get_int(ca, (ed_arg)arg, &va),
                             ed_command_get_int(cb, (ed_arg)arg, &vb));
            ck_assert_int_eq(va, vb);
            const char *sa = ed_command_get_string(ca, (ed_arg)arg);
            const char *sb = ed_command_get_string(cb, (ed_arg)arg);
            ck_assert_int_eq(sa == NULL, sb == NULL);
            if (sa)
                ck_assert_str_eq(sa, sb);
        }
    }
    ed_scenario_free(a);
    ed_scenario_free(b);
}
END_TEST

/* A sample value for each argument, as a scenario writes it. */
static const char *sample_value(ed_arg arg)
{
    switch (arg) {
    case ED_ARG_PERIOD_MONTHS:
        return "1";
    case ED_ARG_ACTION:
        return "'delete_resource'";
    case ED_ARG_ALLOW_DATA_LOSS:
        return "true";
    case ED_ARG_NAME:
        return "\"orders\"";
    case ED_ARG_MODE:
        return "\"immediate\"";
    }
    return NULL;
}

/* Every argument the public API names is a step key the scenario reader
 * knows (its per-argument tables reach the last ed_arg). */
START_TEST(test_every_command_argument_is_a_scenario_key)
{
    int arg;
    for (arg = 1; ed_arg_name((ed_arg)arg); arg++) {
        const char *value = sample_value((ed_arg)arg);
        ck_assert_msg(value != NULL, "no sample value for argument %s", ed_arg_name((ed_arg)arg));
        int kind;
        for (kind = 1; ed_command_kind_name((ed_command_kind)kind); kind++)
            if (ed_command_kind_takes((ed_command_kind)kind, (ed_arg)arg))
                break;
        ck_assert_msg(ed_command_kind_name((ed_command_kind)kind) != NULL,
                      "no command takes %s", ed_arg_name((ed_arg)arg));
        char doc[512];
        snprintf(doc, sizeof doc,
                 "libedition: 1\ninstance: {id: MQ_INST_1, endpoint: 'http://e:80', edition: "
                 "standard, created_at: 2026-01-05T00:00:00Z}\nsteps:\n"
                 "  - {at: 2026-02-01T00:00:00Z, command: %s, %s: %s}\n",
                 ed_command_kind_name((ed_command_kind)kind), ed_arg_name((ed_arg)arg), value);
        ed_scenario *sc = load_scenario_ok(doc);
        const ed_command *cmd = ed_scenario_step_command(sc, 0);
        int64_t v;
        ck_assert(ed_command_get_int(cmd, (ed_arg)arg, &v) ||
                  ed_command_get_string(cmd, (ed_arg)arg) != NULL);
        ed_scenario_free(sc);
    }
    ck_assert_int_ge(arg, 6); /* the five arguments of 1.0 at least */
}
END_TEST

START_TEST(test_utf8_byte_order_mark_is_skipped)
{
    size_t len;
    char *data = read_data_file("ED_EXAMPLES_DIR", "states/platinum.yaml", &len);
    char *bom = malloc(len + 4);
    ck_assert_ptr_nonnull(bom);
    memcpy(bom, "\xEF\xBB\xBF", 3);
    memcpy(bom + 3, data, len + 1);
    ed_instance *a = load_ok(data, len), *b = load_ok(bom, len + 3);
    ck_assert(ed_instance_equal(a, b));
    ed_instance_free(a);
    ed_instance_free(b);
    free(bom);
    free(data);
}
END_TEST

/* CRLF line ends, with and without a byte-order mark (Windows editors). */
START_TEST(test_crlf_loads_with_and_without_bom)
{
    size_t len;
    char *data = read_data_file("ED_EXAMPLES_DIR", "states/migrating.yaml", &len);
    char *crlf = malloc(2 * len + 4);
    ck_assert_ptr_nonnull(crlf);
    size_t n = 3;
    memcpy(crlf, "\xEF\xBB\xBF", 3);
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n')
            crlf[n++] = '\r';
        crlf[n++] = data[i];
    }
    ed_instance *a = load_ok(data, len);
    ed_instance *b = load_ok(crlf + 3, n - 3), *c = load_ok(crlf, n);
    ck_assert(ed_instance_equal(a, b));
    ck_assert(ed_instance_equal(a, c));
    ed_instance_free(a);
    ed_instance_free(b);
    ed_instance_free(c);
    free(crlf);
    free(data);
}
END_TEST

/* An endpoint may hold `"` and `\`: JSON escapes them, and they read back. */
START_TEST(test_json_escapes_quotes_and_backslashes)
{
    ed_result *r = ed_create_standard("MQ_INST_1", "http://e/\"q\"\\b", yt("2026-01-05T00:00:00Z"),
                                      NULL);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    char *json = dump_json(ed_result_instance(r));
    ck_assert_ptr_nonnull(strstr(json, "\"endpoint\":\"http://e/\\\"q\\\"\\\\b\""));
    ed_instance *back = load_ok(json, strlen(json));
    ck_assert(ed_instance_equal(ed_result_instance(r), back));
    ed_instance_free(back);
    free(json);
    ed_result_free(r);
}
END_TEST

/* A refused name is echoed as given: control characters are escaped
 * (RFC 8259), and bytes that are not UTF-8 become U+FFFD in both syntaxes
 * instead of failing the report. */
START_TEST(test_json_escapes_control_characters_and_repairs_utf8)
{
    ed_result *c = ed_create_standard("MQ_INST_1", "http://e:80", yt("2026-01-05T00:00:00Z"),
                                      NULL);
    ed_command *cmd = ed_command_new(ED_CMD_ADD_TOPIC);
    ck_assert_ptr_nonnull(cmd);
    ck_assert_int_eq(ed_command_set_string(cmd, ED_ARG_NAME, "a\tb\x01\"\\\xC3\xA9\xFF\n"),
                     ED_OK);
    ed_time now = yt("2026-02-01T00:00:00Z");
    ed_result *r = ed_command_apply(cmd, ed_result_instance(c), now);
    ck_assert_int_eq(ed_result_status(r), ED_INVALID_NAME);
    ed_buffer *y = ed_buffer_new(), *j = ed_buffer_new();
    ck_assert_int_eq(ed_result_dump_yaml(y, cmd, now, r, ed_result_instance(c)), ED_OK);
    ck_assert_int_eq(ed_result_dump_json(j, cmd, now, r, ed_result_instance(c)), ED_OK);
    char *ys = take(y), *js = take(j);
    ck_assert_msg(strstr(js, "\"name\":\"a\\tb\\u0001\\\"\\\\\xC3\xA9\xEF\xBF\xBD\\n\"") != NULL,
                  "%s", js);
    assert_twins(ys, js);
    free(ys);
    free(js);
    ed_result_free(r);
    ed_command_free(cmd);
    ed_result_free(c);
}
END_TEST

/* Each writer appends a whole document, or nothing on a bad argument. */
START_TEST(test_json_writers_append_or_leave_the_buffer_alone)
{
    ed_result *r = ed_create_standard("MQ_INST_1", "http://e:80", yt("2026-01-05T00:00:00Z"),
                                      NULL);
    const ed_instance *inst = ed_result_instance(r);
    ed_command *cmd = ed_command_new(ED_CMD_TICK);
    ed_buffer *buf = ed_buffer_new();
    ck_assert_ptr_nonnull(cmd);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(ed_instance_dump_json(inst, buf), ED_OK);
    size_t one = ed_buffer_len(buf);
    ck_assert_int_eq(ed_instance_dump_json(inst, buf), ED_OK);
    ck_assert_uint_eq(ed_buffer_len(buf), 2 * one);
    ck_assert_int_eq(memcmp(ed_buffer_data(buf), ed_buffer_data(buf) + one, one), 0);
    ck_assert_int_eq(ed_instance_dump_json(NULL, buf), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_instance_dump_json(inst, NULL), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_effects_dump_json(NULL, buf), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_step_dump_json(buf, 1, 0, NULL, r, inst), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_step_dump_json(buf, 1, ED_TIME_MAX + 1, cmd, r, inst),
                     ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_result_dump_json(buf, cmd, 0, NULL, inst), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_result_dump_json(buf, cmd, 0, r, NULL), ED_INVALID_ARGUMENT);
    ck_assert_uint_eq(ed_buffer_len(buf), 2 * one);
    ed_buffer_free(buf);
    ed_command_free(cmd);
    ed_result_free(r);
}
END_TEST

/* A platinum instance with topics, a group and a migration in flight. */
static ed_instance *busy_platinum(void)
{
    ed_result *r = ed_create_standard("MQ_INST_1", "http://e:80", yt("2026-01-05T00:00:00Z"),
                                      NULL);
    ed_result *t = ed_add_topic(ed_result_instance(r), yt("2026-01-06T00:00:00Z"), "yes");
    ed_result *g = ed_add_group(ed_result_instance(t), yt("2026-01-06T00:00:00Z"), "GID_a");
    ed_result *u = ed_upgrade(ed_result_instance(g), yt("2026-02-01T00:00:00Z"), 1);
    ck_assert_int_eq(ed_result_status(u), ED_OK);
    ed_instance *inst = ed_instance_ref(ed_result_instance(u));
    ed_result_free(r);
    ed_result_free(t);
    ed_result_free(g);
    ed_result_free(u);
    return inst;
}

/* The YAML and JSON writers of steps, outcomes and effects give the same
 * documents: for an accepted upgrade, a refused refund (would_have), a
 * plan_downgrade (plan) and a tick with nothing to do (next_deadline). */
START_TEST(test_json_documents_are_twins_of_the_yaml_ones)
{
    ed_instance *inst = busy_platinum();
    ed_command *cmds[4];
    ck_assert_ptr_nonnull(cmds[0] = ed_command_new(ED_CMD_RENEW));
    ck_assert_int_eq(ed_command_set_int(cmds[0], ED_ARG_PERIOD_MONTHS, 2), ED_OK);
    ck_assert_ptr_nonnull(cmds[1] = ed_command_new(ED_CMD_REFUND));
    ck_assert_ptr_nonnull(cmds[2] = ed_command_new(ED_CMD_PLAN_DOWNGRADE));
    ck_assert_int_eq(ed_command_set_int(cmds[2], ED_ARG_MODE, ED_PLAN_AT_EXPIRY), ED_OK);
    ck_assert_ptr_nonnull(cmds[3] = ed_command_new(ED_CMD_REMOVE_TOPIC));
    ck_assert_int_eq(ed_command_set_string(cmds[3], ED_ARG_NAME, "yes"), ED_OK);
    ed_time now = yt("2026-02-10T00:00:00Z");
    for (size_t i = 0; i < 4; i++) {
        ed_result *r = ed_command_apply(cmds[i], inst, now);
        const ed_instance *cur = ed_result_status(r) == ED_OK ? ed_result_instance(r) : inst;
        ed_buffer *y = ed_buffer_new(), *j = ed_buffer_new();
        ck_assert_int_eq(ed_step_dump_yaml(y, i + 1, now, cmds[i], r, cur), ED_OK);
        ck_assert_int_eq(ed_step_dump_json(j, i + 1, now, cmds[i], r, cur), ED_OK);
        char *ys = take(y), *js = take(j);
        assert_twins(ys, js);
        free(ys);
        free(js);
        y = ed_buffer_new();
        j = ed_buffer_new();
        ck_assert_int_eq(ed_result_dump_yaml(y, cmds[i], now, r, cur), ED_OK);
        ck_assert_int_eq(ed_result_dump_json(j, cmds[i], now, r, cur), ED_OK);
        ys = take(y);
        js = take(j);
        assert_twins(ys, js);
        free(ys);
        free(js);
        y = ed_buffer_new();
        j = ed_buffer_new();
        ck_assert_int_eq(ed_effects_dump_yaml(ed_result_effects(r), y), ED_OK);
        ck_assert_int_eq(ed_effects_dump_json(ed_result_effects(r), j), ED_OK);
        ys = take(y);
        js = take(j);
        assert_twins(ys, js);
        free(ys);
        free(js);
        ed_result_free(r);
        ed_command_free(cmds[i]);
    }
    ed_instance_free(inst);
}
END_TEST

/* The streaming writers hand over the same bytes as the buffer writers,
 * in pieces, and stop at the first piece the sink refuses. */
typedef struct collected {
    char *data;
    size_t len, pieces, largest, refuse_after;
} collected;

static bool collect(void *ctx, const char *data, size_t len)
{
    collected *c = ctx;
    ck_assert_uint_gt(len, 0);
    if (c->refuse_after && c->pieces == c->refuse_after)
        return false;
    c->pieces++;
    if (len > c->largest)
        c->largest = len;
    char *grown = realloc(c->data, c->len + len + 1);
    ck_assert_ptr_nonnull(grown);
    c->data = grown;
    memcpy(c->data + c->len, data, len);
    c->len += len;
    c->data[c->len] = '\0';
    return true;
}

START_TEST(test_streamed_result_documents_equal_the_buffered_ones)
{
    size_t cap = 4096 + 3000 * 24, n = 0;
    char *doc = malloc(cap);
    ck_assert_ptr_nonnull(doc);
    n += (size_t)snprintf(doc + n, cap - n,
                          "libedition: 1\ninstance:\n  id: MQ_STREAM\n  endpoint: http://s:80\n"
                          "  edition: standard\n  created_at: 2026-01-05T00:00:00Z\n"
                          "  updated_at: 2026-01-05T00:00:00Z\n  topics: [");
    for (int i = 0; i < 3000; i++)
        n += (size_t)snprintf(doc + n, cap - n, "%stopic-%04d", i ? ", " : "", i);
    n += (size_t)snprintf(doc + n, cap - n, "]\n");
    ed_instance *inst = NULL;
    ck_assert_int_eq(ed_instance_load_yaml(&inst, doc, n, NULL, NULL), ED_OK);
    free(doc);
    ed_command *cmd = ed_command_new(ED_CMD_UPGRADE);
    ck_assert_int_eq(ed_command_set_int(cmd, ED_ARG_PERIOD_MONTHS, 1), ED_OK);
    ed_time now = yt("2026-02-10T00:00:00Z");
    ed_result *r = ed_command_apply(cmd, inst, now);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    const ed_instance *cur = ed_result_instance(r);
    for (int json = 0; json < 2; json++) {
        ed_buffer *whole = ed_buffer_new();
        ck_assert_int_eq((json ? ed_result_dump_json : ed_result_dump_yaml)(whole, cmd, now, r, cur),
                         ED_OK);
        ed_status (*write)(ed_write_fn, void *, const ed_command *, ed_time, const ed_result *,
                           const ed_instance *) =
            json ? ed_result_write_json : ed_result_write_yaml;
        collected c = {NULL, 0, 0, 0, 0};
        ck_assert_int_eq(write(collect, &c, cmd, now, r, cur), ED_OK);
        ck_assert_uint_gt(c.pieces, 2);
        ck_assert_uint_le(c.largest, 2 * 65536);
        ck_assert_uint_eq(c.len, ed_buffer_len(whole));
        ck_assert(memcmp(c.data, ed_buffer_data(whole), c.len) == 0);
        free(c.data);
        /* a sink that stops: the writer stops with io_error */
        collected stop = {NULL, 0, 0, 0, 1};
        ck_assert_int_eq(write(collect, &stop, cmd, now, r, cur), ED_IO_ERROR);
        ck_assert_uint_eq(stop.pieces, 1);
        free(stop.data);
        ck_assert_int_eq(write(NULL, NULL, cmd, now, r, cur), ED_INVALID_ARGUMENT);
        ck_assert_int_eq(write(collect, &c, NULL, now, r, cur), ED_INVALID_ARGUMENT);
        ed_buffer_free(whole);
    }
    /* a refusal streams too: upgrade again is refused */
    ed_result *again = ed_command_apply(cmd, cur, now);
    ck_assert_int_ne(ed_result_status(again), ED_OK);
    ed_buffer *whole = ed_buffer_new();
    ck_assert_int_eq(ed_result_dump_yaml(whole, cmd, now, again, cur), ED_OK);
    collected c = {NULL, 0, 0, 0, 0};
    ck_assert_int_eq(ed_result_write_yaml(collect, &c, cmd, now, again, cur), ED_OK);
    ck_assert_str_eq(c.data, ed_buffer_data(whole));
    free(c.data);
    ed_buffer_free(whole);
    ed_result_free(again);
    ed_result_free(r);
    ed_command_free(cmd);
    ed_instance_free(inst);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("yaml_json");
    TCase *tc = tcase_create("json");
    tcase_add_loop_test(tc, test_example_yaml_to_json_to_load_is_equal, 0,
                        (int)(sizeof examples / sizeof examples[0]));
    tcase_add_test(tc, test_quoted_times_and_enum_names_load_like_plain_ones);
    tcase_add_test(tc, test_indented_json_loads_like_its_yaml_twin);
    tcase_add_test(tc, test_libedition_after_instance_loads_and_is_checked);
    tcase_add_test(tc, test_json_error_names_line_and_column);
    tcase_add_test(tc, test_json_scenario_with_quoted_words_loads_like_yaml);
    tcase_add_test(tc, test_every_command_argument_is_a_scenario_key);
    tcase_add_test(tc, test_utf8_byte_order_mark_is_skipped);
    tcase_add_test(tc, test_crlf_loads_with_and_without_bom);
    tcase_add_test(tc, test_json_escapes_quotes_and_backslashes);
    tcase_add_test(tc, test_json_escapes_control_characters_and_repairs_utf8);
    tcase_add_test(tc, test_json_writers_append_or_leave_the_buffer_alone);
    tcase_add_test(tc, test_json_documents_are_twins_of_the_yaml_ones);
    tcase_add_test(tc, test_streamed_result_documents_equal_the_buffered_ones);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
