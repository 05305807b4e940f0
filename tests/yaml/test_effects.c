/* Effects documents read back (ed_effects_load_yaml): dump -> load -> dump
 * is byte-identical for the effects of every kind of transition, would_have
 * included; one effect's JSON (ed_effect_dump_json) is the object the list's
 * JSON holds for it, and reads back to the same effect; every effect names
 * its instance (ed_effect_instance_id) as its key does; a document holding
 * every effect kind loads and dumps unchanged; ed_effect_list_read fills
 * each record with what the getters answer, and refuses bad arguments
 * writing nothing;
 * a catalog of bad documents is refused with status, line, column and a
 * message naming the field, leaving the output untouched. */
#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libedition.h"
#include "yaml_support.h"

#define ID "MQ_INST_1_effects"
#define EP "http://mq.example:8080"

/* The document `dump` writes of `list`, as a string the caller frees. */
static char *dump_with(ed_status (*dump)(const ed_effect_list *, ed_buffer *),
                       const ed_effect_list *list)
{
    ed_buffer *buf = ed_buffer_new();
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(dump(list, buf), ED_OK);
    char *out = strdup(ed_buffer_data(buf));
    ck_assert_ptr_nonnull(out);
    ed_buffer_free(buf);
    return out;
}

static char *dump_list(const ed_effect_list *list)
{
    return dump_with(ed_effects_dump_yaml, list);
}

static ed_effect_list *load_ok(const char *doc)
{
    ed_effect_list *list = NULL;
    ed_error *err = NULL;
    ed_status st = ed_effects_load_yaml(&list, doc, strlen(doc), NULL, &err);
    ck_assert_msg(st == ED_OK, "load failed: %s at %zu:%zu", err ? ed_error_message(err) : "",
                  err ? ed_error_line(err) : 0, err ? ed_error_column(err) : 0);
    ck_assert_ptr_null(err);
    return list;
}

/* The kinds met by the round trips below, to check they cover the table. */
static unsigned kinds_seen;

/* Every getter of `a` and `b` agrees: the same effect. */
static void assert_same_effect(const ed_effect *a, const ed_effect *b)
{
    ck_assert_int_eq(ed_effect_kind_of(a), ed_effect_kind_of(b));
    ck_assert_str_eq(ed_effect_key(a), ed_effect_key(b));
    ck_assert_str_eq(ed_effect_instance_id(a), ed_effect_instance_id(b));
    ck_assert_uint_eq(ed_effect_revision(a), ed_effect_revision(b));
    ck_assert_uint_eq(ed_effect_index(a), ed_effect_index(b));
    ck_assert_uint_eq(ed_effect_flags(a), ed_effect_flags(b));
    ck_assert_int_eq(ed_effect_subject_kind(a), ed_effect_subject_kind(b));
    ck_assert_str_eq(ed_effect_subject(a), ed_effect_subject(b));
    ck_assert_str_eq(ed_effect_text(a), ed_effect_text(b));
    ck_assert_uint_eq(ed_effect_fields(a), ed_effect_fields(b));
    for (int f = ED_FIELD_FIRST; f <= ED_FIELD_LAST; f++) {
        ed_field field = (ed_field)f;
        ck_assert_int_eq(ed_effect_has(a, field), ed_effect_has(b, field));
        ed_time ta = 0, tb = 0;
        int64_t ia = 0, ib = 0;
        const char *sa = ed_effect_string(a, field), *sb = ed_effect_string(b, field);
        ck_assert_int_eq(sa == NULL, sb == NULL);
        if (sa)
            ck_assert_str_eq(sa, sb);
        ck_assert_int_eq(ed_effect_time(a, field, &ta), ed_effect_time(b, field, &tb));
        ck_assert_int_eq(ta, tb);
        ck_assert_int_eq(ed_effect_int(a, field, &ia), ed_effect_int(b, field, &ib));
        ck_assert_int_eq(ia, ib);
    }
}

/* The instance ID an effect's key names: the key up to its second last
 * '/' (an instance ID may hold a '/'). */
static void assert_instance_id_is_the_keys(const ed_effect *e)
{
    const char *key = ed_effect_key(e), *id = ed_effect_instance_id(e);
    ck_assert_ptr_nonnull(key);
    ck_assert_ptr_nonnull(id);
    size_t n = strlen(id);
    ck_assert_msg(strncmp(key, id, n) == 0 && key[n] == '/', "key %s, instance %s", key, id);
    char rest[64];
    (void)snprintf(rest, sizeof rest, "/%llu/%zu", (unsigned long long)ed_effect_revision(e),
                   ed_effect_index(e));
    ck_assert_str_eq(key + n, rest);
}

/* The wrapper ed_effects_dump_json writes around the objects of a list. */
#define JSON_HEAD "{\"libedition\":1,\"effects\":["
#define JSON_TAIL "]}\n"

/* ed_effect_dump_json of each effect of `list`, appended to one buffer
 * with commas inside the list's wrapper, is ed_effects_dump_json's
 * document; each object alone, wrapped, loads back to the same effect,
 * whose own dump is the same object. */
static void check_one_effect_json(const ed_effect_list *list)
{
    char *whole = dump_with(ed_effects_dump_json, list);
    ed_buffer *joined = ed_buffer_new(), *one = ed_buffer_new(), *again = ed_buffer_new();
    ck_assert_ptr_nonnull(joined);
    ck_assert_ptr_nonnull(one);
    ck_assert_ptr_nonnull(again);
    size_t n = ed_effect_list_count(list);
    char *doc = NULL;
    size_t doc_cap = 0;
    for (size_t i = 0; i < n; i++) {
        const ed_effect *e = ed_effect_list_get(list, i);
        assert_instance_id_is_the_keys(e);
        ed_buffer_clear(one);
        ck_assert_int_eq(ed_effect_dump_json(e, one), ED_OK);
        const char *obj = ed_buffer_data(one);
        size_t len = ed_buffer_len(one);
        ck_assert_uint_gt(len, 2);
        ck_assert_int_eq(obj[0], '{');
        ck_assert_int_eq(obj[len - 1], '}');
        ck_assert_ptr_null(memchr(obj, '\n', len));
        /* the same bytes when appended after other effects */
        size_t at = ed_buffer_len(joined);
        ck_assert_int_eq(ed_effect_dump_json(e, joined), ED_OK);
        ck_assert_uint_eq(ed_buffer_len(joined) - at, len);
        ck_assert_mem_eq(ed_buffer_data(joined) + at, obj, len);

        size_t need = sizeof JSON_HEAD + len + sizeof JSON_TAIL;
        if (need > doc_cap) {
            free(doc);
            doc = malloc(need);
            ck_assert_ptr_nonnull(doc);
            doc_cap = need;
        }
        (void)snprintf(doc, need, JSON_HEAD "%s" JSON_TAIL, obj);
        ed_effect_list *back = load_ok(doc);
        ck_assert_uint_eq(ed_effect_list_count(back), 1);
        assert_same_effect(e, ed_effect_list_get(back, 0));
        ed_buffer_clear(again);
        ck_assert_int_eq(ed_effect_dump_json(ed_effect_list_get(back, 0), again), ED_OK);
        ck_assert_str_eq(ed_buffer_data(again), obj);
        ed_effects_free(back);
    }
    /* the list's document from the objects: commas between them */
    size_t cap = sizeof JSON_HEAD + ed_buffer_len(joined) + n + sizeof JSON_TAIL;
    char *built = malloc(cap);
    ck_assert_ptr_nonnull(built);
    strcpy(built, JSON_HEAD);
    ed_buffer_clear(one);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(ed_effect_dump_json(ed_effect_list_get(list, i), one), ED_OK);
        if (i > 0)
            strcat(built, ",");
        strcat(built, ed_buffer_data(one));
        ed_buffer_clear(one);
    }
    strcat(built, JSON_TAIL);
    ck_assert_str_eq(built, whole);
    free(built);
    free(doc);
    free(whole);
    ed_buffer_free(joined);
    ed_buffer_free(one);
    ed_buffer_free(again);
}

/* `check` of a list made by a transition (its strings not yet written)
 * and of the list its YAML document loads to; the loaded kinds are seen. */
static void check_made_and_loaded(const ed_effect_list *list,
                                  void (*check)(const ed_effect_list *list))
{
    check(list);
    char *yaml = dump_list(list);
    ed_effect_list *loaded = load_ok(yaml);
    check(loaded);
    for (size_t i = 0; i < ed_effect_list_count(list); i++)
        kinds_seen |= 1u << ed_effect_kind_of(ed_effect_list_get(loaded, i));
    ed_effects_free(loaded);
    free(yaml);
}

/* The same for the list and for the list its YAML document loads to. */
static void check_one_effect_json_made_and_loaded(const ed_effect_list *list)
{
    check_made_and_loaded(list, check_one_effect_json);
}

/* dump -> load -> dump gives the same bytes, the JSON dump loads to the
 * same list, and the loaded list reads back through the getters as the
 * original does. */
static void check_round_trip(const ed_effect_list *list)
{
    char *first = dump_list(list);
    ed_effect_list *loaded = load_ok(first);
    char *second = dump_list(loaded);
    ck_assert_str_eq(first, second);
    /* the JSON document (every word quoted) reads back to the same list */
    char *json = dump_with(ed_effects_dump_json, list);
    ed_effect_list *from_json = load_ok(json);
    char *third = dump_list(from_json);
    ck_assert_str_eq(first, third);
    ed_effects_free(from_json);
    free(json);
    free(third);
    ck_assert_uint_eq(ed_effect_list_count(loaded), ed_effect_list_count(list));
    for (size_t i = 0; i < ed_effect_list_count(list); i++) {
        const ed_effect *a = ed_effect_list_get(list, i), *b = ed_effect_list_get(loaded, i);
        assert_same_effect(a, b);
        kinds_seen |= 1u << ed_effect_kind_of(a);
    }
    ed_effects_free(loaded);
    free(first);
    free(second);
}

/* What step() checks of every effect list a transition gives. */
static void (*check_list)(const ed_effect_list *list);

/* Runs `r`'s effects and would_have through check_list; returns the new
 * snapshot (a reference) on success, else `in` (a new reference). */
static ed_instance *step(ed_instance *in, ed_result *r)
{
    check_list(ed_result_effects(r));
    check_list(ed_result_would_have(r));
    ed_instance *next = ed_result_status(r) == ED_OK ? ed_instance_ref(ed_result_instance(r))
                                                     : ed_instance_ref(in);
    ed_result_free(r);
    ed_instance_free(in);
    return next;
}

static ed_instance *create(bool platinum, ed_time now)
{
    ed_result *r = platinum ? ed_create_enterprise_platinum(ID, EP, now, 1, NULL)
                            : ed_create_standard(ID, EP, now, NULL);
    ck_assert_int_eq(ed_result_status(r), ED_OK);
    ed_instance *inst = ed_instance_ref(ed_result_instance(r));
    ed_result_free(r);
    return inst;
}

static ed_instance *with_names(ed_instance *in, ed_time now)
{
    in = step(in, ed_add_topic(in, now, "orders"));
    in = step(in, ed_add_topic(in, now, "payments"));
    in = step(in, ed_add_group(in, now, "GID_billing"));
    return in;
}

/* Transitions that together emit every kind of effect (timer.cancel,
 * which arrives with the refund timers, aside), each list through `check`. */
static void every_transition(void (*check)(const ed_effect_list *list))
{
    check_list = check;
    kinds_seen = 0;
    ed_time t0 = yt("2026-01-31T00:00:00Z");
    ed_options *allow = ed_options_new();
    ck_assert_ptr_nonnull(allow);
    ck_assert_int_eq(ed_options_set_int(allow, ED_OPT_ALLOW_DATA_LOSS, 1), ED_OK);

    /* standard: names, upgrade (migrations, billing, timers, notices) */
    ed_instance *a = with_names(create(false, t0), t0);
    a = step(a, ed_upgrade(a, t0 + 60, 1));
    a = step(a, ed_complete_migration(a, t0 + 120));
    a = step(a, ed_renew(a, t0 + 180, 2));
    a = step(a, ed_refund(a, t0 + 240, NULL)); /* refused: would_have */
    a = step(a, ed_refund(a, t0 + 240, allow)); /* deletes everything */
    ed_instance_free(a);

    /* platinum: action changes, expiry, release, removals */
    ed_instance *b = with_names(create(true, t0), t0);
    b = step(b, ed_remove_topic(b, t0 + 10, "payments"));
    b = step(b, ed_add_group(b, t0 + 10, "GID_other"));
    b = step(b, ed_remove_group(b, t0 + 10, "GID_other"));
    b = step(b, ed_set_post_expiration_action(b, t0 + 20, ED_ACTION_DOWNGRADE_TO_STANDARD));
    b = step(b, ed_set_post_expiration_action(b, t0 + 30, ED_ACTION_DELETE_RESOURCE));
    b = step(b, ed_tick(b, yt("2026-03-01T00:00:00Z"))); /* expire */
    b = step(b, ed_renew(b, yt("2026-03-02T00:00:00Z"), 1)); /* from expired */
    b = step(b, ed_tick(b, yt("2026-05-01T00:00:00Z")));
    b = step(b, ed_tick(b, yt("2026-06-01T00:00:00Z"))); /* release */
    ed_instance_free(b);

    /* platinum downgraded at expiry; and a refund that keeps the data */
    ed_instance *c = with_names(create(true, t0), t0);
    c = step(c, ed_set_post_expiration_action(c, t0 + 20, ED_ACTION_DOWNGRADE_TO_STANDARD));
    c = step(c, ed_tick(c, yt("2026-03-01T00:00:00Z")));
    ed_instance_free(c);
    ed_instance *d = with_names(create(true, t0), t0);
    d = step(d, ed_set_post_expiration_action(d, t0 + 20, ED_ACTION_DOWNGRADE_TO_STANDARD));
    d = step(d, ed_refund(d, t0 + 40, NULL));
    ed_instance_free(d);
    ed_options_free(allow);

    /* every kind the transitions emit today was met (timer.cancel, which
     * arrives with the refund timers, is covered by the next test) */
    for (int k = ED_EFFECT_BILLING_CONVERT; k <= ED_EFFECT_NOTICE_IGNORE_RELEASE_NOTIFICATION; k++)
        if (k != ED_EFFECT_TIMER_CANCEL)
            ck_assert_msg(kinds_seen & (1u << k), "no transition above emitted %s",
                          ed_effect_kind_name((ed_effect_kind)k));
}

START_TEST(test_effects_of_every_transition_round_trip_byte_identical)
{
    every_transition(check_round_trip);
}
END_TEST

/* Effects, would_have lists, and the lists their documents load to. */
START_TEST(test_one_effect_json_of_every_transition_joins_into_the_list_json)
{
    every_transition(check_one_effect_json_made_and_loaded);
}
END_TEST

/* The JSON object of one effect, as a string the caller frees. */
static char *effect_json(const ed_effect *e)
{
    ed_buffer *buf = ed_buffer_new();
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(ed_effect_dump_json(e, buf), ED_OK);
    char *out = strdup(ed_buffer_data(buf));
    ck_assert_ptr_nonnull(out);
    ed_buffer_free(buf);
    return out;
}

/* A list made by a transition writes its keys and texts into one cached
 * block the first time one is asked for (lib/effects.c); the writers then
 * take them from that block. Reading them changes no byte of the list's
 * YAML and JSON documents nor of any effect's JSON object, and every
 * effect gets its own key, "<instance>/<revision>/<index>" of its getters,
 * and its own text, the one its object held before anything was read. */
static void check_reading_keys_and_texts_changes_no_document(const ed_effect_list *list)
{
    size_t n = ed_effect_list_count(list);
    char *yaml = dump_list(list), *json = dump_with(ed_effects_dump_json, list);
    char **objects = calloc(n + 1, sizeof *objects);
    ck_assert_ptr_nonnull(objects);
    for (size_t i = 0; i < n; i++)
        objects[i] = effect_json(ed_effect_list_get(list, i));
    /* texts first: the first ed_effect_text builds the block */
    for (size_t i = 0; i < n; i++) {
        const ed_effect *e = ed_effect_list_get(list, i);
        const char *text = ed_effect_text(e);
        ck_assert_ptr_nonnull(text);
        char tail[1024];
        (void)snprintf(tail, sizeof tail, ",\"text\":\"%s\"}", text);
        size_t olen = strlen(objects[i]), tlen = strlen(tail);
        ck_assert_msg(olen > tlen && strcmp(objects[i] + olen - tlen, tail) == 0,
                      "effect %zu: text \"%s\", but its object was %s", i, text, objects[i]);
        ck_assert_ptr_eq(ed_effect_text(e), text); /* the same, cached */
        kinds_seen |= 1u << ed_effect_kind_of(e);
    }
    for (size_t i = 0; i < n; i++) {
        const ed_effect *e = ed_effect_list_get(list, i);
        char want[512];
        (void)snprintf(want, sizeof want, "%s/%llu/%zu", ed_effect_instance_id(e),
                       (unsigned long long)ed_effect_revision(e), ed_effect_index(e));
        ck_assert_str_eq(ed_effect_key(e), want);
    }
    char *yaml_after = dump_list(list), *json_after = dump_with(ed_effects_dump_json, list);
    ck_assert_str_eq(yaml_after, yaml);
    ck_assert_str_eq(json_after, json);
    for (size_t i = 0; i < n; i++) {
        char *again = effect_json(ed_effect_list_get(list, i));
        ck_assert_str_eq(again, objects[i]);
        free(again);
        free(objects[i]);
    }
    free(objects);
    free(yaml_after);
    free(json_after);
    free(yaml);
    free(json);
}

START_TEST(test_reading_keys_and_texts_changes_no_document_of_the_list)
{
    every_transition(check_reading_keys_and_texts_changes_no_document);
}
END_TEST

/* One effect of every kind, with every field type, as a host stores them. */
static const char every_kind[] =
    "libedition: 1\n"
    "effects:\n"
    "- key: I1/4/0\n  kind: billing.convert\n  subject: {instance: I1}\n"
    "  from: subscription\n  to: pay_as_you_go\n  at: 2026-03-01T00:00:00Z\n"
    "  flags: [billing]\n  text: switch billing\n"
    "- key: I1/4/1\n  kind: billing.refund\n  subject: {instance: I1}\n  refund: partial\n"
    "  unused_from: 2026-02-01T00:00:00Z\n  unused_until: 2026-03-01T00:00:00Z\n"
    "  flags: [billing]\n  text: refund\n"
    "- key: I1/4/2\n  kind: billing.renew\n  subject: {instance: I1}\n  period_months: 2\n"
    "  expires_at: 2026-05-01T00:00:00Z\n  flags: [billing]\n  text: renew\n"
    "- key: I1/4/3\n  kind: topic.migrate\n  subject: {topic: orders}\n  from: shared\n"
    "  to: dedicated\n  online: true\n  flags: []\n  text: migrate\n"
    "- key: I1/4/4\n  kind: consumers.rebalance\n  subject: {group: GID_a}\n  from: shared\n"
    "  to: dedicated\n  online: false\n  flags: []\n  text: rebalance\n"
    "- key: I1/4/5\n  kind: topic.create\n  subject: {topic: orders}\n  flags: []\n"
    "  text: create topic orders\n"
    "- key: I1/4/6\n  kind: group.create\n  subject: {group: GID_a}\n  flags: []\n"
    "  text: create group\n"
    "- key: I1/4/7\n  kind: topic.delete\n  subject: {topic: orders}\n  flags: [irreversible]\n"
    "  text: delete topic\n"
    "- key: I1/4/8\n  kind: group.delete\n  subject: {group: GID_a}\n  flags: [irreversible]\n"
    "  text: delete group\n"
    "- key: I1/4/9\n  kind: instance.suspend\n  subject: {instance: I1}\n"
    "  at: 2026-03-01T00:00:00Z\n  flags: [disruptive]\n  text: suspend\n"
    "- key: I1/4/10\n  kind: instance.resume\n  subject: {instance: I1}\n  flags: []\n"
    "  text: resume\n"
    "- key: I1/4/11\n  kind: instance.delete\n  subject: {instance: I1}\n"
    "  at: 2026-03-08T00:00:00Z\n  flags: [irreversible]\n  text: delete\n"
    "- key: I1/4/12\n  kind: timer.schedule\n  subject: {instance: I1}\n"
    "  at: 2026-03-01T00:00:00Z\n  timer: expiry\n  flags: []\n  text: schedule\n"
    "- key: I1/4/13\n  kind: timer.cancel\n  subject: {instance: I1}\n  timer: expiry\n"
    "  flags: []\n  text: cancel the expiry timer\n"
    "- key: I1/4/14\n  kind: config.post_expiration_action\n  subject: {instance: I1}\n"
    "  from: delete_resource\n  to: downgrade_to_standard\n  flags: []\n  text: set\n"
    "- key: I1/4/15\n  kind: ticket.expert_services\n  subject: {instance: I1}\n"
    "  flags: [notice]\n  text: ticket\n"
    "- key: I1/4/16\n  kind: notice.delete_on_expiry\n  subject: {instance: I1}\n"
    "  at: 2026-03-01T00:00:00Z\n  flags: [notice]\n  text: 'notify: deleted'\n"
    "- key: I1/5/0\n  kind: notice.release_pending\n  subject: {instance: I1}\n"
    "  at: 2026-03-08T00:00:00Z\n  flags: [notice]\n  text: 'notify: released'\n"
    "- key: I1/6/0\n  kind: notice.ignore_release_notification\n  subject: {instance: I1}\n"
    "  at: 2026-03-08T00:00:00Z\n  flags: [notice]\n  text: 'notify: ignore'\n";

START_TEST(test_document_of_every_kind_loads_and_dumps_unchanged)
{
    ed_effect_list *list = load_ok(every_kind);
    ck_assert_uint_eq(ed_effect_list_count(list), 19);
    unsigned kinds = 0;
    for (size_t i = 0; i < ed_effect_list_count(list); i++)
        kinds |= 1u << ed_effect_kind_of(ed_effect_list_get(list, i));
    for (int k = ED_EFFECT_BILLING_CONVERT; k <= ED_EFFECT_NOTICE_IGNORE_RELEASE_NOTIFICATION; k++)
        ck_assert_msg(kinds & (1u << k), "missing %s", ed_effect_kind_name((ed_effect_kind)k));

    const ed_effect *e = ed_effect_list_get(list, 11);
    ck_assert_str_eq(ed_effect_key(e), "I1/4/11");
    ck_assert_uint_eq(ed_effect_revision(e), 4);
    ck_assert_uint_eq(ed_effect_index(e), 11);
    ck_assert_uint_eq(ed_effect_flags(e), ED_FLAG_IRREVERSIBLE);
    ed_time at = 0;
    ck_assert(ed_effect_time(e, ED_FIELD_AT, &at));
    ck_assert_int_eq(at, yt("2026-03-08T00:00:00Z"));
    int64_t online = -1;
    ck_assert(ed_effect_int(ed_effect_list_get(list, 3), ED_FIELD_ONLINE, &online));
    ck_assert_int_eq(online, 1);
    ck_assert_str_eq(ed_effect_string(ed_effect_list_get(list, 13), ED_FIELD_TIMER), "expiry");

    char *out = dump_list(list);
    ck_assert_str_eq(out, every_kind);
    free(out);
    ed_effects_free(list);
}
END_TEST

/* A list loaded by ed_effects_load_yaml answers with the keys and texts
 * as the document wrote them, not the library's own wording (the texts of
 * every_kind are short words of a host's). */
START_TEST(test_loaded_effect_text_and_key_are_as_written)
{
    static const char *const texts[] = {
        "switch billing", "refund", "renew", "migrate", "rebalance", "create topic orders",
        "create group", "delete topic", "delete group", "suspend", "resume", "delete",
        "schedule", "cancel the expiry timer", "set", "ticket", "notify: deleted",
        "notify: released", "notify: ignore",
    };
    ed_effect_list *list = load_ok(every_kind);
    size_t n = ed_effect_list_count(list);
    ck_assert_uint_eq(n, sizeof texts / sizeof texts[0]);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(ed_effect_text(ed_effect_list_get(list, i)), texts[i]);
    for (size_t i = 0; i < n; i++) {
        /* I1/4/0 .. I1/4/16, then I1/5/0 and I1/6/0 */
        char key[32];
        (void)snprintf(key, sizeof key, "I1/%d/%zu", i < 17 ? 4 : (int)i - 12, i < 17 ? i : 0);
        ck_assert_str_eq(ed_effect_key(ed_effect_list_get(list, i)), key);
    }
    ed_effects_free(list);
}
END_TEST

/* The texts of a loaded list are kept in one buffer that grows with the
 * document: a long one (2000 effects, about 100 KB of texts) reads back
 * every key and text as written. */
START_TEST(test_loaded_list_keeps_every_text_of_a_long_document)
{
    enum { N = 2000 };
    size_t cap = (size_t)N * 200 + 64, len = 0;
    char *doc = malloc(cap);
    ck_assert_ptr_nonnull(doc);
    len += (size_t)snprintf(doc + len, cap - len, "libedition: 1\neffects:\n");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(doc + len, cap - len,
                                "- key: I1/7/%d\n  kind: topic.create\n  subject: {topic: t%05d}\n"
                                "  flags: []\n  text: host text %05d of a long document, "
                                "written by the host and kept as written\n",
                                i, i, i);
    ck_assert_uint_lt(len, cap - 1);
    ed_effect_list *list = load_ok(doc);
    ck_assert_uint_eq(ed_effect_list_count(list), N);
    for (int i = 0; i < N; i++) {
        char want[128], key[32];
        (void)snprintf(want, sizeof want,
                       "host text %05d of a long document, written by the host and kept as "
                       "written",
                       i);
        (void)snprintf(key, sizeof key, "I1/7/%d", i);
        const ed_effect *e = ed_effect_list_get(list, (size_t)i);
        ck_assert_str_eq(ed_effect_text(e), want);
        ck_assert_str_eq(ed_effect_key(e), key);
    }
    char *out = dump_list(list);
    ck_assert_str_eq(out, doc);
    free(out);
    ed_effects_free(list);
    free(doc);
}
END_TEST

/* A text longer than all the texts before it together (300, 1500, then
 * 4000 characters, near the reader's 4096-byte limit of a scalar) is kept
 * whole: the buffer of a loaded list's texts grows by as much as needed. */
static const size_t long_texts[] = {300, 1500, 4000};

static void fill_text(char *text, size_t n, size_t seed)
{
    for (size_t k = 0; k < n; k++)
        text[k] = (char)('a' + (k * 7 + seed) % 26);
    text[n] = '\0';
}

START_TEST(test_loaded_list_keeps_a_text_longer_than_all_before_it)
{
    const size_t n = sizeof long_texts / sizeof long_texts[0];
    size_t cap = 64, len = 0;
    for (size_t i = 0; i < n; i++)
        cap += long_texts[i] + 128;
    char *doc = malloc(cap), *text = malloc(long_texts[n - 1] + 1);
    ck_assert_ptr_nonnull(doc);
    ck_assert_ptr_nonnull(text);
    len += (size_t)snprintf(doc + len, cap - len, "libedition: 1\neffects:\n");
    for (size_t i = 0; i < n; i++) {
        fill_text(text, long_texts[i], i);
        len += (size_t)snprintf(doc + len, cap - len,
                                "- key: I1/7/%zu\n  kind: topic.create\n  subject: {topic: topic%zu}\n"
                                "  flags: []\n  text: %s\n",
                                i, i, text);
    }
    ck_assert_uint_lt(len, cap - 1);
    ed_effect_list *list = load_ok(doc);
    ck_assert_uint_eq(ed_effect_list_count(list), n);
    for (size_t i = 0; i < n; i++) {
        fill_text(text, long_texts[i], i);
        ck_assert_str_eq(ed_effect_text(ed_effect_list_get(list, i)), text);
    }
    char *out = dump_list(list);
    ck_assert_str_eq(out, doc);
    free(out);
    ed_effects_free(list);
    free(text);
    free(doc);
}
END_TEST

START_TEST(test_one_effect_json_of_every_kind_loaded_joins_into_the_list_json)
{
    ed_effect_list *list = load_ok(every_kind);
    check_one_effect_json(list);
    ed_effects_free(list);
}
END_TEST

/* Escapes inside strings (a quote, a backslash, a control character in a
 * text) are the list writer's: the objects still join into its document. */
START_TEST(test_one_effect_json_escapes_as_the_list_json_does)
{
    static const char doc[] =
        "libedition: 1\n"
        "effects:\n"
        "- key: I1/2/0\n  kind: topic.create\n  subject: {topic: orders}\n  flags: []\n"
        "  text: \"say \\\"hi\\\" \\\\ then\\ttab\\u0001 and caf\\u00e9\"\n";
    ed_effect_list *list = load_ok(doc);
    check_one_effect_json(list);
    ed_buffer *one = ed_buffer_new();
    ck_assert_ptr_nonnull(one);
    ck_assert_int_eq(ed_effect_dump_json(ed_effect_list_get(list, 0), one), ED_OK);
    ck_assert_ptr_nonnull(strstr(ed_buffer_data(one),
                                 "\"text\":\"say \\\"hi\\\" \\\\ then\\ttab\\u0001 and "
                                 "caf\xc3\xa9\"}"));
    ed_buffer_free(one);
    ed_effects_free(list);
}
END_TEST

/* A NULL argument changes nothing; a dump appends to what the buffer held. */
START_TEST(test_one_effect_json_null_arguments_are_invalid)
{
    ed_effect_list *list = load_ok(every_kind);
    ed_buffer *buf = ed_buffer_new();
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(ed_effect_dump_json(NULL, buf), ED_INVALID_ARGUMENT);
    ck_assert_uint_eq(ed_buffer_len(buf), 0);
    ck_assert_int_eq(ed_effect_dump_json(ed_effect_list_get(list, 0), NULL), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_effect_dump_json(ed_effect_list_get(list, 99), buf), ED_INVALID_ARGUMENT);
    ck_assert_uint_eq(ed_buffer_len(buf), 0);
    ck_assert_int_eq(ed_effect_dump_json(ed_effect_list_get(list, 5), buf), ED_OK);
    ck_assert_str_eq(ed_buffer_data(buf),
                     "{\"key\":\"I1/4/5\",\"kind\":\"topic.create\",\"subject\":"
                     "{\"topic\":\"orders\"},\"flags\":[],\"text\":\"create topic orders\"}");
    ed_buffer_free(buf);
    ed_effects_free(list);
}
END_TEST

/* The instance and revision of an effects document, read without its
 * text: an ID may itself hold a '/', the revision is the key's. */
START_TEST(test_effect_instance_id_is_the_instance_the_key_names)
{
    static const char doc[] =
        "libedition: 1\n"
        "effects:\n"
        "- key: 'a/b/c/17/0'\n  kind: instance.resume\n  subject: {instance: a/b/c}\n"
        "  flags: []\n  text: resume\n"
        "- key: OTHER/18446744073709551615/3\n  kind: topic.create\n"
        "  subject: {topic: orders}\n  flags: []\n  text: create\n";
    ed_effect_list *list = load_ok(doc);
    const ed_effect *a = ed_effect_list_get(list, 0), *b = ed_effect_list_get(list, 1);
    ck_assert_str_eq(ed_effect_instance_id(a), "a/b/c");
    ck_assert_uint_eq(ed_effect_revision(a), 17);
    ck_assert_str_eq(ed_effect_instance_id(b), "OTHER");
    ck_assert_uint_eq(ed_effect_revision(b), UINT64_MAX);
    ck_assert_uint_eq(ed_effect_index(b), 3);
    ed_effects_free(list);
    ck_assert_ptr_null(ed_effect_instance_id(NULL));

    /* a transition's effects, and would_have, name the instance it ran on */
    ed_instance *in = create(true, yt("2026-01-31T00:00:00Z"));
    ed_result *r = ed_refund(in, yt("2026-02-01T00:00:00Z"), NULL);
    ck_assert_int_eq(ed_result_status(r), ED_DATA_LOSS_REFUSED);
    ck_assert_uint_gt(ed_effect_list_count(ed_result_would_have(r)), 0);
    for (size_t i = 0; i < ed_effect_list_count(ed_result_would_have(r)); i++)
        ck_assert_str_eq(ed_effect_instance_id(ed_effect_list_get(ed_result_would_have(r), i)),
                         ID);
    ed_result_free(r);
    r = ed_add_topic(in, yt("2026-02-01T00:00:00Z"), "orders");
    ck_assert_str_eq(ed_effect_instance_id(ed_effect_list_get(ed_result_effects(r), 0)), ID);
    ck_assert_uint_eq(ed_effect_revision(ed_effect_list_get(ed_result_effects(r), 0)), 1);
    ed_result_free(r);
    ed_instance_free(in);
}
END_TEST

START_TEST(test_empty_effects_document_round_trips)
{
    static const char doc[] = "libedition: 1\neffects: []\n";
    ed_effect_list *list = load_ok(doc);
    ck_assert_uint_eq(ed_effect_list_count(list), 0);
    char *out = dump_list(list);
    ck_assert_str_eq(out, doc);
    free(out);
    ed_effects_free(list);
    ed_effects_free(NULL);
}
END_TEST

/* Writers that sort keys (Go's encoding/json, PyYAML) put `effects` before
 * `libedition`; the version is still checked, and still only once. */
START_TEST(test_effects_document_with_sorted_keys_loads)
{
    static const char sorted[] =
        "{\"effects\":[{\"key\":\"I1/1/0\",\"kind\":\"topic.create\",\"subject\":"
        "{\"topic\":\"orders\"},\"flags\":[],\"text\":\"create topic orders\"}],"
        "\"libedition\":1}\n";
    ed_effect_list *list = load_ok(sorted);
    ck_assert_uint_eq(ed_effect_list_count(list), 1);
    ck_assert_str_eq(ed_effect_key(ed_effect_list_get(list, 0)), "I1/1/0");
    ed_effects_free(list);

    ed_error *err = NULL;
    static const char other[] = "effects: []\nlibedition: 2\n";
    ck_assert_int_eq(ed_effects_load_yaml(&list, other, strlen(other), NULL, &err),
                     ED_SCHEMA_ERROR);
    ck_assert_ptr_nonnull(strstr(ed_error_message(err), "format version 2"));
    ed_error_free(err);
    err = NULL;
    static const char twice[] = "effects: []\nlibedition: 1\nlibedition: 1\n";
    ck_assert_int_eq(ed_effects_load_yaml(&list, twice, strlen(twice), NULL, &err),
                     ED_SCHEMA_ERROR);
    ck_assert_ptr_nonnull(strstr(ed_error_message(err), "duplicate key `libedition`"));
    ed_error_free(err);
}
END_TEST

START_TEST(test_effects_load_null_arguments_are_invalid)
{
    ed_effect_list *list = NULL;
    ed_error *err = NULL;
    ck_assert_int_eq(ed_effects_load_yaml(NULL, "x", 1, NULL, &err), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_error_status(err), ED_INVALID_ARGUMENT);
    ed_error_free(err);
    ck_assert_int_eq(ed_effects_load_yaml(&list, NULL, 3, NULL, NULL), ED_INVALID_ARGUMENT);
    ck_assert_ptr_null(list);
}
END_TEST

START_TEST(test_effects_load_respects_max_document_size)
{
    ed_options *o = ed_options_new();
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(ed_options_set_int(o, ED_OPT_MAX_DOCUMENT_SIZE, 16), ED_OK);
    ed_effect_list *list = NULL;
    ed_error *err = NULL;
    ck_assert_int_eq(ed_effects_load_yaml(&list, every_kind, strlen(every_kind), o, &err),
                     ED_LIMIT_EXCEEDED);
    ck_assert_ptr_null(list);
    ed_error_free(err);
    ed_options_free(o);
}
END_TEST

/* ---- the catalog of bad documents -------------------------------------- */

#define HEAD "libedition: 1\neffects:\n"
#define OK_EFFECT                                                                          \
    "- key: I1/1/0\n  kind: topic.create\n  subject: {topic: orders}\n  flags: []\n"         \
    "  text: create\n"

static const struct bad_doc {
    const char *name;
    const char *doc;
    ed_status status;
    size_t line, column;
    const char *text;
} bad_docs[] = {
    {"not yaml", "libedition: 1\neffects: [\n", ED_PARSE_ERROR, 3, 1, "YAML syntax"},
    {"no version", "effects: []\n", ED_SCHEMA_ERROR, 1, 1, "missing key `libedition`"},
    {"other version", "libedition: 2\neffects: []\n", ED_SCHEMA_ERROR, 1, 13,
     "format version 2"},
    {"missing effects", "libedition: 1\n", ED_SCHEMA_ERROR, 1, 1, "missing key `effects`"},
    {"unknown root key", "libedition: 1\neffects: []\nextra: 1\n", ED_SCHEMA_ERROR, 3, 1,
     "unknown key `extra`"},
    {"duplicate effects", "libedition: 1\neffects: []\neffects: []\n", ED_SCHEMA_ERROR, 3, 1,
     "duplicate key `effects`"},
    {"effects not a list", "libedition: 1\neffects: {}\n", ED_SCHEMA_ERROR, 2, 10,
     "effects: expected a sequence"},
    {"effect not a mapping", HEAD "- 3\n", ED_SCHEMA_ERROR, 3, 3, "effects[0]: expected a mapping"},
    {"unknown effect key", HEAD OK_EFFECT "  colour: red\n", ED_SCHEMA_ERROR, 8, 3,
     "effects[0]: unknown key `colour`"},
    {"duplicate effect key", HEAD OK_EFFECT "  text: again\n", ED_SCHEMA_ERROR, 8, 3,
     "effects[0]: duplicate key `text`"},
    {"missing text",
     HEAD "- key: I1/1/0\n  kind: topic.create\n  subject: {topic: orders}\n  flags: []\n",
     ED_SCHEMA_ERROR, 3, 3, "effects[0]: missing key `text`"},
    {"missing key", HEAD "- kind: topic.create\n  subject: {topic: orders}\n  flags: []\n  text: x\n",
     ED_SCHEMA_ERROR, 3, 3, "effects[0]: missing key `key`"},
    {"unknown kind", HEAD "- key: I1/1/0\n  kind: topic.rename\n", ED_SCHEMA_ERROR, 4, 9,
     "effects[0].kind: unknown effect kind `topic.rename`"},
    {"bad key", HEAD "- key: I1-1-0\n", ED_SCHEMA_ERROR, 3, 8,
     "effects[0].key: `I1-1-0` is not <instance id>/<revision>/<index>"},
    {"key with leading zero", HEAD "- key: I1/01/0\n", ED_SCHEMA_ERROR, 3, 8,
     "is not <instance id>/<revision>/<index>"},
    {"key revision too large", HEAD "- key: I1/18446744073709551616/0\n", ED_SCHEMA_ERROR, 3, 8,
     "is not <instance id>/<revision>/<index>"},
    {"subject kind unknown", HEAD "- key: I1/1/0\n  kind: topic.create\n  subject: {queue: q}\n",
     ED_SCHEMA_ERROR, 5, 13, "effects[0].subject: unknown subject kind `queue`"},
    {"subject of wrong kind",
     HEAD "- key: I1/1/0\n  kind: topic.create\n  subject: {group: GID_a}\n  flags: []\n"
          "  text: x\n",
     ED_SCHEMA_ERROR, 5, 20, "a topic.create effect is about a topic, not a group"},
    {"subject with two entries",
     HEAD "- key: I1/1/0\n  kind: topic.create\n  subject: {topic: orders, group: GID_a}\n",
     ED_SCHEMA_ERROR, 5, 28, "a subject has exactly one entry"},
    {"subject name invalid", HEAD "- key: I1/1/0\n  kind: topic.create\n  subject: {topic: a}\n",
     ED_SCHEMA_ERROR, 5, 20, "effects[0].subject.topic: `a` is not a valid topic name"},
    {"instance other than the key's",
     HEAD "- key: I1/1/0\n  kind: instance.resume\n  subject: {instance: I2}\n  flags: []\n"
          "  text: x\n",
     ED_SCHEMA_ERROR, 5, 23, "the instance is not the one the key names"},
    {"flags of another kind",
     HEAD "- key: I1/1/0\n  kind: topic.delete\n  subject: {topic: orders}\n  flags: []\n"
          "  text: x\n",
     ED_SCHEMA_ERROR, 6, 3, "the flags do not match those of kind topic.delete"},
    {"unknown flag", HEAD "- key: I1/1/0\n  flags: [loud]\n", ED_SCHEMA_ERROR, 4, 11,
     "effects[0].flags[0]: unknown flag `loud`"},
    {"flag twice", HEAD "- key: I1/1/0\n  flags: [notice, notice]\n", ED_SCHEMA_ERROR, 4, 19,
     "effects[0].flags[1]: flag `notice` given twice"},
    {"flags not a list", HEAD "- key: I1/1/0\n  flags: notice\n", ED_SCHEMA_ERROR, 4, 10,
     "effects[0].flags: expected a sequence"},
    {"time field not a time", HEAD "- key: I1/1/0\n  at: tomorrow\n", ED_SCHEMA_ERROR, 4, 7,
     "effects[0].at: `tomorrow` is not an RFC 3339 time"},
    {"int field not an int", HEAD "- key: I1/1/0\n  period_months: two\n", ED_SCHEMA_ERROR, 4,
     18, "effects[0].period_months: expected a decimal integer"},
    {"bool field not a bool", HEAD "- key: I1/1/0\n  online: yes\n", ED_SCHEMA_ERROR, 4, 11,
     "effects[0].online: expected true or false"},
    {"string field a number", HEAD "- key: I1/1/0\n  from: 12\n", ED_SCHEMA_ERROR, 4, 9,
     "effects[0].from: expected a string"},
    {"string field a list", HEAD "- key: I1/1/0\n  timer: [expiry]\n", ED_SCHEMA_ERROR, 4, 10,
     "effects[0].timer: expected a string"},
    {"text with NUL", HEAD "- key: I1/1/0\n  text: \"a\\0b\"\n", ED_SCHEMA_ERROR, 4, 9,
     "effects[0].text: the string contains a NUL character"},
    {"alias", HEAD "- key: &k I1/1/0\n", ED_SCHEMA_ERROR, 3, 8, "anchor"},
    {"two documents", "libedition: 1\neffects: []\n---\nlibedition: 1\n", ED_SCHEMA_ERROR, 3, 1,
     "more than one YAML document"},
};

START_TEST(test_bad_effects_document_refused_with_position)
{
    const struct bad_doc *c = &bad_docs[_i];
    ed_effect_list *sentinel = (ed_effect_list *)&sentinel, *list = sentinel;
    ed_error *err = NULL;
    ed_status st = ed_effects_load_yaml(&list, c->doc, strlen(c->doc), NULL, &err);
    ck_assert_msg(list == sentinel, "%s: output written on failure", c->name);
    ck_assert_msg(st != ED_OK && err != NULL, "%s: accepted", c->name);
    ck_assert_int_eq(ed_error_status(err), st);
    ck_assert_msg(st == c->status && ed_error_line(err) == c->line &&
                      ed_error_column(err) == c->column &&
                      strstr(ed_error_message(err), c->text) != NULL,
                  "%s: want %s %zu:%zu \"%s\", got %s %zu:%zu \"%s\"", c->name,
                  ed_status_name(c->status), c->line, c->column, c->text, ed_status_name(st),
                  ed_error_line(err), ed_error_column(err), ed_error_message(err));
    ed_error_free(err);
}
END_TEST


/* ---- ed_effect_list_read: one record per effect, the getters' answers ---- */

static void assert_str_same(const char *a, const char *b)
{
    ck_assert_int_eq(a == NULL, b == NULL);
    if (a)
        ck_assert_str_eq(a, b);
}

/* The record of `e` holds what each getter answers, field by field. */
static void assert_record_is_the_getters(const ed_effect_record *r, const ed_effect *e)
{
    ck_assert_uint_eq(r->size, sizeof *r);
    ck_assert_int_eq(r->kind, ed_effect_kind_of(e));
    ck_assert_int_eq(r->subject_kind, ed_effect_subject_kind(e));
    ck_assert_uint_eq(r->flags, ed_effect_flags(e));
    ck_assert_uint_eq(r->fields, ed_effect_fields(e));
    ck_assert_uint_eq(r->revision, ed_effect_revision(e));
    ck_assert_uint_eq(r->index, ed_effect_index(e));
    assert_str_same(r->key, ed_effect_key(e));
    assert_str_same(r->instance_id, ed_effect_instance_id(e));
    assert_str_same(r->subject, ed_effect_subject(e));
    assert_str_same(r->text, ed_effect_text(e));
    const struct {
        ed_field field;
        const char *value;
    } strings[] = {{ED_FIELD_FROM, r->from}, {ED_FIELD_TO, r->to}, {ED_FIELD_REFUND, r->refund},
                   {ED_FIELD_TIMER, r->timer}};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        assert_str_same(strings[i].value, ed_effect_string(e, strings[i].field));
    const struct {
        ed_field field;
        ed_time value;
    } times[] = {{ED_FIELD_AT, r->at},
                 {ED_FIELD_EXPIRES_AT, r->expires_at},
                 {ED_FIELD_UNUSED_FROM, r->unused_from},
                 {ED_FIELD_UNUSED_UNTIL, r->unused_until}};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        ed_time t = 0;
        ck_assert_int_eq(ed_effect_time(e, times[i].field, &t),
                         (r->fields >> times[i].field) & 1u);
        ck_assert_int_eq(times[i].value, t);
    }
    int64_t v = 0;
    ck_assert_int_eq(ed_effect_int(e, ED_FIELD_PERIOD_MONTHS, &v),
                     (r->fields >> ED_FIELD_PERIOD_MONTHS) & 1u);
    ck_assert_int_eq(r->period_months, v);
    v = 0;
    ck_assert_int_eq(ed_effect_int(e, ED_FIELD_ONLINE, &v), (r->fields >> ED_FIELD_ONLINE) & 1u);
    ck_assert_int_eq(r->online, v != 0);
    /* every field the effect carries is one of the record's members */
    for (int f = ED_FIELD_FIRST; f <= ED_FIELD_LAST; f++)
        ck_assert_int_eq(ed_effect_has(e, (ed_field)f), (r->fields >> f) & 1u);
}

/* The whole list in one call, then each effect alone, against the getters;
 * reading publishes the keys and texts, which changes no byte of a dump. */
static void check_records(const ed_effect_list *list)
{
    size_t n = ed_effect_list_count(list);
    char *yaml = dump_list(list);
    char *json = dump_with(ed_effects_dump_json, list);
    ed_effect_record *all = calloc(n + 1, sizeof *all);
    ck_assert_ptr_nonnull(all);
    all[0].size = sizeof all[0];
    ck_assert_int_eq(ed_effect_list_read(list, 0, n, all), ED_OK);
    for (size_t i = 0; i < n; i++) {
        const ed_effect *e = ed_effect_list_get(list, i);
        kinds_seen |= 1u << ed_effect_kind_of(e);
        assert_record_is_the_getters(&all[i], e);
        ed_effect_record one = {.size = sizeof one};
        ck_assert_int_eq(ed_effect_list_read(list, i, 1, &one), ED_OK);
        ck_assert_int_eq(memcmp(&one, &all[i], sizeof one), 0);
    }
    char *yaml_after = dump_list(list);
    char *json_after = dump_with(ed_effects_dump_json, list);
    ck_assert_str_eq(yaml_after, yaml);
    ck_assert_str_eq(json_after, json);
    free(yaml_after);
    free(json_after);
    free(yaml);
    free(json);
    free(all);
}

/* Made lists (as transitions give them, strings not yet written), and the
 * lists their documents load to. */
static void check_records_made_and_loaded(const ed_effect_list *list)
{
    check_made_and_loaded(list, check_records);
}

START_TEST(test_effect_list_read_of_every_transition_is_what_the_getters_answer)
{
    every_transition(check_records_made_and_loaded);
}
END_TEST

START_TEST(test_effect_list_read_of_every_kind_loaded_is_what_the_getters_answer)
{
    ed_effect_list *list = load_ok(every_kind);
    kinds_seen = 0;
    check_records(list);
    for (int k = ED_EFFECT_BILLING_CONVERT; k <= ED_EFFECT_NOTICE_IGNORE_RELEASE_NOTIFICATION; k++)
        ck_assert_msg(kinds_seen & (1u << k), "missing %s", ed_effect_kind_name((ed_effect_kind)k));
    ed_effects_free(list);
}
END_TEST

START_TEST(test_effect_list_read_refuses_bad_arguments_and_writes_nothing)
{
    ed_effect_list *list = load_ok(every_kind);
    size_t n = ed_effect_list_count(list);
    ed_effect_record recs[2];
    memset(recs, 0xA5, sizeof recs);
    recs[0].size = sizeof recs[0];
    ed_effect_record before[2];
    memcpy(before, recs, sizeof recs);
    ck_assert_int_eq(ed_effect_list_read(NULL, 0, 1, recs), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_effect_list_read(list, 0, 1, NULL), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_effect_list_read(list, n - 1, 2, recs), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_effect_list_read(list, n + 1, 0, recs), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_effect_list_read(list, 1, SIZE_MAX, recs), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(memcmp(recs, before, sizeof recs), 0);
    /* a record smaller than 0.4.0's is not one this library can fill */
    recs[0].size = offsetof(ed_effect_record, online);
    before[0].size = recs[0].size;
    ck_assert_int_eq(ed_effect_list_read(list, 0, 1, recs), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(memcmp(recs, before, sizeof recs), 0);
    /* none to read, at the end too, is fine and writes nothing */
    recs[0].size = sizeof recs[0];
    before[0].size = recs[0].size;
    ck_assert_int_eq(ed_effect_list_read(list, n, 0, recs), ED_OK);
    ck_assert_int_eq(memcmp(recs, before, sizeof recs), 0);
    ed_effects_free(list);
}
END_TEST

/* A caller built against a later header (a larger record): its records are
 * that many bytes apart, and the members this library does not know are
 * zero. */
START_TEST(test_effect_list_read_zeroes_the_members_of_a_later_record)
{
    enum { LATER = sizeof(ed_effect_record) + 24 };
    ed_effect_list *list = load_ok(every_kind);
    size_t n = ed_effect_list_count(list);
    unsigned char *buf = malloc(n * LATER);
    ck_assert_ptr_nonnull(buf);
    memset(buf, 0xA5, n * LATER);
    ed_effect_record first = {.size = LATER};
    memcpy(buf, &first, sizeof first.size);
    ck_assert_int_eq(ed_effect_list_read(list, 0, n, (ed_effect_record *)(void *)buf), ED_OK);
    for (size_t i = 0; i < n; i++) {
        ed_effect_record r;
        memcpy(&r, buf + i * LATER, sizeof r);
        ck_assert_uint_eq(r.size, LATER);
        r.size = sizeof r;
        assert_record_is_the_getters(&r, ed_effect_list_get(list, i));
        for (size_t b = sizeof r; b < LATER; b++)
            ck_assert_uint_eq(buf[i * LATER + b], 0);
    }
    free(buf);
    ed_effects_free(list);
}
END_TEST

static Suite *effects_suite(void)
{
    Suite *s = suite_create("effects_load");
    TCase *tc = tcase_create("effects_load");
    tcase_add_test(tc, test_effects_of_every_transition_round_trip_byte_identical);
    tcase_add_test(tc, test_one_effect_json_of_every_transition_joins_into_the_list_json);
    tcase_add_test(tc, test_one_effect_json_of_every_kind_loaded_joins_into_the_list_json);
    tcase_add_test(tc, test_one_effect_json_escapes_as_the_list_json_does);
    tcase_add_test(tc, test_one_effect_json_null_arguments_are_invalid);
    tcase_add_test(tc, test_effect_instance_id_is_the_instance_the_key_names);
    tcase_add_test(tc, test_document_of_every_kind_loads_and_dumps_unchanged);
    tcase_add_test(tc, test_reading_keys_and_texts_changes_no_document_of_the_list);
    tcase_add_test(tc, test_loaded_effect_text_and_key_are_as_written);
    tcase_add_test(tc, test_loaded_list_keeps_every_text_of_a_long_document);
    tcase_add_test(tc, test_loaded_list_keeps_a_text_longer_than_all_before_it);
    tcase_add_test(tc, test_effects_document_with_sorted_keys_loads);
    tcase_add_test(tc, test_empty_effects_document_round_trips);
    tcase_add_test(tc, test_effects_load_null_arguments_are_invalid);
    tcase_add_test(tc, test_effects_load_respects_max_document_size);
    tcase_add_test(tc, test_effect_list_read_of_every_transition_is_what_the_getters_answer);
    tcase_add_test(tc, test_effect_list_read_of_every_kind_loaded_is_what_the_getters_answer);
    tcase_add_test(tc, test_effect_list_read_refuses_bad_arguments_and_writes_nothing);
    tcase_add_test(tc, test_effect_list_read_zeroes_the_members_of_a_later_record);
    tcase_add_loop_test(tc, test_bad_effects_document_refused_with_position, 0,
                        (int)(sizeof bad_docs / sizeof bad_docs[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(effects_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
