/* The effects document and the simulate step document (formats.md),
 * against golden text for known transitions. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "libedition.h"
#include "yaml_support.h"

#define ID "MQ_INST_1"
#define EP "http://mq.example.com:8080"

static ed_instance *take(ed_result *r)
{
    ck_assert_msg(ed_result_status(r) == ED_OK, "%s", ed_result_message(r));
    ed_instance *inst = ed_instance_ref(ed_result_instance(r));
    ed_result_free(r);
    return inst;
}

/* Standard, topic orders and group GID_billing, revision 2. */
static ed_instance *standard_with_names(void)
{
    ed_instance *a = take(ed_create_standard(ID, EP, yt("2026-01-05T00:00:00Z"), NULL));
    ed_instance *b = take(ed_add_topic(a, yt("2026-01-06T00:00:00Z"), "orders"));
    ed_instance *c = take(ed_add_group(b, yt("2026-01-06T00:00:00Z"), "GID_billing"));
    ed_instance_free(a);
    ed_instance_free(b);
    return c;
}

static const char upgrade_effects[] =
    "- key: MQ_INST_1/3/0\n"
    "  kind: billing.convert\n"
    "  subject: {instance: MQ_INST_1}\n"
    "  from: pay_as_you_go\n"
    "  to: subscription\n"
    "  at: 2026-02-01T00:00:00Z\n"
    "  period_months: 1\n"
    "  expires_at: 2026-03-01T00:00:00Z\n"
    "  flags: [billing]\n"
    "  text: ";

START_TEST(test_effects_document_upgrade)
{
    ed_instance *in = standard_with_names();
    ed_result *r = ed_upgrade(in, yt("2026-02-01T00:00:00Z"), 1);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_buffer *buf = ed_buffer_new();
    ck_assert_int_eq(ed_effects_dump_yaml(ed_result_effects(r), buf), ED_OK);
    const char *doc = ed_buffer_data(buf);
    ck_assert_msg(strncmp(doc, "libedition: 1\neffects:\n", 23) == 0, "%s", doc);
    ck_assert_msg(strncmp(doc + 23, upgrade_effects, strlen(upgrade_effects)) == 0, "%s", doc);
    /* The topic migration, with the bool field `online`, and a notice with
     * `at`, appear in full. */
    ck_assert_msg(strstr(doc, "- key: MQ_INST_1/3/1\n"
                              "  kind: topic.migrate\n"
                              "  subject: {topic: orders}\n"
                              "  from: shared\n"
                              "  to: dedicated\n"
                              "  online: true\n"
                              "  flags: []\n"
                              "  text: ") != NULL,
                  "%s", doc);
    ck_assert_msg(strstr(doc, "- key: MQ_INST_1/3/2\n"
                              "  kind: consumers.rebalance\n"
                              "  subject: {group: GID_billing}\n"
                              "  from: shared\n"
                              "  to: dedicated\n"
                              "  flags: []\n") != NULL,
                  "%s", doc);
    ck_assert_msg(strstr(doc, "- key: MQ_INST_1/3/3\n"
                              "  kind: timer.schedule\n"
                              "  subject: {instance: MQ_INST_1}\n"
                              "  at: 2026-03-01T00:00:00Z\n"
                              "  timer: expiry\n"
                              "  flags: []\n") != NULL,
                  "%s", doc);
    ck_assert_msg(strstr(doc, "- key: MQ_INST_1/3/4\n"
                              "  kind: ticket.expert_services\n"
                              "  subject: {instance: MQ_INST_1}\n"
                              "  flags: [notice]\n") != NULL,
                  "%s", doc);
    ck_assert_msg(strstr(doc, "- key: MQ_INST_1/3/5\n"
                              "  kind: notice.delete_on_expiry\n"
                              "  subject: {instance: MQ_INST_1}\n"
                              "  at: 2026-03-01T00:00:00Z\n"
                              "  flags: [notice]\n") != NULL,
                  "%s", doc);
    ck_assert_ptr_null(strstr(doc, "/3/6"));
    ed_buffer_free(buf);
    ed_result_free(r);
    ed_instance_free(in);
}
END_TEST

/* Release: every effect flagged irreversible; groups before topics. */
START_TEST(test_effects_document_release_golden)
{
    ed_instance *a = take(ed_create_enterprise_platinum(ID, EP, yt("2026-01-01T00:00:00Z"), 1,
                                                        NULL));
    ed_instance *b = take(ed_add_topic(a, yt("2026-01-02T00:00:00Z"), "orders"));
    ed_instance *c = take(ed_tick(b, yt("2026-02-01T00:00:00Z")));
    ed_result *r = ed_tick(c, yt("2026-02-08T00:00:00Z"));
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_buffer *buf = ed_buffer_new();
    ck_assert_int_eq(ed_effects_dump_yaml(ed_result_effects(r), buf), ED_OK);
    ck_assert_str_eq(ed_buffer_data(buf), "libedition: 1\n"
                                          "effects:\n"
                                          "- key: MQ_INST_1/3/0\n"
                                          "  kind: topic.delete\n"
                                          "  subject: {topic: orders}\n"
                                          "  flags: [irreversible]\n"
                                          "  text: delete topic orders and its messages\n"
                                          "- key: MQ_INST_1/3/1\n"
                                          "  kind: instance.delete\n"
                                          "  subject: {instance: MQ_INST_1}\n"
                                          "  at: 2026-02-08T00:00:00Z\n"
                                          "  flags: [irreversible]\n"
                                          "  text: delete instance MQ_INST_1 as of "
                                          "2026-02-08T00:00:00Z\n");
    ed_buffer_free(buf);
    ed_result_free(r);
    ed_instance_free(a);
    ed_instance_free(b);
    ed_instance_free(c);
}
END_TEST

START_TEST(test_effects_document_empty)
{
    ed_instance *in = standard_with_names();
    ed_result *r = ed_tick(in, yt("2026-02-01T00:00:00Z"));
    ed_buffer *buf = ed_buffer_new();
    ck_assert_int_eq(ed_effects_dump_yaml(ed_result_effects(r), buf), ED_OK);
    ck_assert_str_eq(ed_buffer_data(buf), "libedition: 1\neffects: []\n");
    ck_assert_int_eq(ed_effects_dump_yaml(NULL, buf), ED_INVALID_ARGUMENT);
    ed_buffer_free(buf);
    ed_result_free(r);
    ed_instance_free(in);
}
END_TEST

/* A refused step: status, message, the last accepted state, no effects,
 * next_deadline null on standard. */
START_TEST(test_step_document_refused)
{
    ed_instance *in = standard_with_names();
    ed_command *cmd = ed_command_new(ED_CMD_DOWNGRADE);
    ed_result *r = ed_command_apply(cmd, in, yt("2026-02-01T00:00:00Z"));
    ck_assert_int_eq(ed_result_status(r), ED_NO_DIRECT_DOWNGRADE);
    ed_buffer *buf = ed_buffer_new();
    ck_assert_int_eq(ed_step_dump_yaml(buf, 4, yt("2026-02-01T00:00:00Z"), cmd, r, in), ED_OK);
    const char *doc = ed_buffer_data(buf);
    const char *head = "---\n"
                       "step: 4\n"
                       "at: 2026-02-01T00:00:00Z\n"
                       "command: downgrade\n"
                       "status: no_direct_downgrade\n"
                       "message: ";
    ck_assert_msg(strncmp(doc, head, strlen(head)) == 0, "%s", doc);
    const char *tail = "state:\n"
                       "  edition: standard\n"
                       "  billing: pay_as_you_go\n"
                       "  cluster: shared\n"
                       "  lifecycle: active\n"
                       "  revision: 2\n"
                       "  topics: 1\n"
                       "  groups: 1\n"
                       "effects: []\n"
                       "next_deadline: null\n";
    size_t n = strlen(doc), t = strlen(tail);
    ck_assert_msg(n > t && strcmp(doc + n - t, tail) == 0, "%s", doc);
    ed_buffer_free(buf);
    ed_result_free(r);
    ed_command_free(cmd);
    ed_instance_free(in);
}
END_TEST

START_TEST(test_step_document_ok_golden)
{
    ed_instance *in = take(ed_create_standard(ID, EP, yt("2026-01-05T00:00:00Z"), NULL));
    ed_command *cmd = ed_command_new(ED_CMD_UPGRADE);
    ck_assert_int_eq(ed_command_set_int(cmd, ED_ARG_PERIOD_MONTHS, 1), ED_OK);
    ed_result *r = ed_command_apply(cmd, in, yt("2026-02-01T00:00:00Z"));
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_buffer *buf = ed_buffer_new();
    ck_assert_int_eq(ed_step_dump_yaml(buf, 1, yt("2026-02-01T00:00:00Z"), cmd, r,
                                       ed_result_instance(r)),
                     ED_OK);
    const char *doc = ed_buffer_data(buf);
    const char *head = "---\n"
                       "step: 1\n"
                       "at: 2026-02-01T00:00:00Z\n"
                       "command: upgrade\n"
                       "period_months: 1\n"
                       "status: ok\n"
                       "state:\n"
                       "  edition: enterprise_platinum\n"
                       "  billing: subscription\n"
                       "  cluster: dedicated\n"
                       "  lifecycle: active\n"
                       "  revision: 1\n"
                       "  expires_at: 2026-03-01T00:00:00Z\n"
                       "  post_expiration_action: delete_resource\n"
                       "  migration: {from: shared, to: dedicated}\n"
                       "  topics: 0\n"
                       "  groups: 0\n"
                       "effects:\n"
                       "- key: MQ_INST_1/1/0\n"
                       "  kind: billing.convert\n";
    ck_assert_msg(strncmp(doc, head, strlen(head)) == 0, "%s", doc);
    ck_assert_msg(strstr(doc, "\nnext_deadline: 2026-03-01T00:00:00Z\n") != NULL, "%s", doc);
    ck_assert_ptr_null(strstr(doc, "would_have"));
    ck_assert_ptr_null(strstr(doc, "message"));
    ed_buffer_free(buf);
    ed_result_free(r);
    ed_command_free(cmd);
    ed_instance_free(in);
}
END_TEST

/* data_loss_refused carries would_have; plan_downgrade carries plan. Both
 * appended to one buffer form a YAML stream of two documents. */
START_TEST(test_step_stream_would_have_and_plan)
{
    ed_instance *in = take(ed_create_enterprise_platinum(ID, EP, yt("2026-01-01T00:00:00Z"), 1,
                                                         NULL));
    ed_instance *p = take(ed_add_topic(in, yt("2026-01-02T00:00:00Z"), "orders"));
    ed_buffer *buf = ed_buffer_new();

    ed_command *refund = ed_command_new(ED_CMD_REFUND);
    ed_result *r1 = ed_command_apply(refund, p, yt("2026-01-10T00:00:00Z"));
    ck_assert_int_eq(ed_result_status(r1), ED_DATA_LOSS_REFUSED);
    ck_assert_int_eq(ed_step_dump_yaml(buf, 1, yt("2026-01-10T00:00:00Z"), refund, r1, p), ED_OK);

    ed_command *plan = ed_command_new(ED_CMD_PLAN_DOWNGRADE);
    ck_assert_int_eq(ed_command_set_int(plan, ED_ARG_MODE, ED_PLAN_AT_EXPIRY), ED_OK);
    ed_result *r2 = ed_command_apply(plan, p, yt("2026-01-11T00:00:00Z"));
    ck_assert_int_eq(ed_result_status(r2), ED_OK);
    ck_assert_int_eq(ed_step_dump_yaml(buf, 2, yt("2026-01-11T00:00:00Z"), plan, r2, p), ED_OK);

    const char *doc = ed_buffer_data(buf);
    ck_assert_msg(strstr(doc, "status: data_loss_refused\nmessage: ") != NULL, "%s", doc);
    ck_assert_msg(strstr(doc, "effects: []\nwould_have:\n- key: MQ_INST_1/2/0\n"
                              "  kind: billing.refund\n"
                              "  subject: {instance: MQ_INST_1}\n"
                              "  refund: partial\n"
                              "  unused_from: 2026-01-10T00:00:00Z\n"
                              "  unused_until: 2026-02-01T00:00:00Z\n"
                              "  flags: [billing]\n"
                              "  text: refund the unused subscription time until "
                              "2026-02-01T00:00:00Z\n"
                              "- key: MQ_INST_1/2/1\n"
                              "  kind: timer.cancel\n"
                              "  subject: {instance: MQ_INST_1}\n"
                              "  timer: expiry\n"
                              "  flags: []\n"
                              "  text: cancel the expiry timer\n") != NULL,
                  "%s", doc);
    ck_assert_msg(strstr(doc, "---\nstep: 2\n") != NULL, "%s", doc);
    ck_assert_msg(strstr(doc, "effects: []\nplan:\n"
                              "- command: set_post_expiration_action\n"
                              "  action: downgrade_to_standard\n"
                              "- command: tick\n"
                              "  at: 2026-02-01T00:00:00Z\n"
                              "next_deadline: 2026-02-01T00:00:00Z\n") != NULL,
                  "%s", doc);

    /* A YAML parser sees exactly two documents. */
    yaml_parser_t parser;
    ck_assert(yaml_parser_initialize(&parser));
    yaml_parser_set_input_string(&parser, (const unsigned char *)doc, strlen(doc));
    int documents = 0;
    for (;;) {
        yaml_event_t ev;
        ck_assert_msg(yaml_parser_parse(&parser, &ev), "not YAML: %s", parser.problem);
        yaml_event_type_t type = ev.type;
        documents += type == YAML_DOCUMENT_START_EVENT;
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&parser);
    ck_assert_int_eq(documents, 2);

    ck_assert_int_eq(ed_step_dump_yaml(buf, 3, yt("2026-01-11T00:00:00Z"), plan, r2, NULL),
                     ED_INVALID_ARGUMENT);
    ed_result_free(r1);
    ed_result_free(r2);
    ed_command_free(refund);
    ed_command_free(plan);
    ed_buffer_free(buf);
    ed_instance_free(in);
    ed_instance_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("yaml_documents");
    TCase *tc = tcase_create("documents");
    tcase_add_test(tc, test_effects_document_upgrade);
    tcase_add_test(tc, test_effects_document_release_golden);
    tcase_add_test(tc, test_effects_document_empty);
    tcase_add_test(tc, test_step_document_refused);
    tcase_add_test(tc, test_step_document_ok_golden);
    tcase_add_test(tc, test_step_stream_would_have_and_plan);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
