#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char test_ctx[256];

/* ck_assert_msg with the test's context in front of the message. */
#define CK(cond, fmt, ...) REQUIRE(cond, "%s" fmt, test_ctx, __VA_ARGS__)

ed_time tp(const char *text)
{
    ed_time t = 0;
    ed_status st = ed_time_parse(text, strlen(text), &t);
    CK(st == ED_OK, "cannot parse test time %s: %d", text, (int)st);
    return t;
}

ed_time plus_days(ed_time t, int days)
{
    return t + (ed_time)days * 86400;
}

const char *const TOPICS[2] = {"orders", "payments"};
const char *const GROUPS[2] = {"GID_billing", "GID_audit"};

ed_instance *standard4(void)
{
    ed_time t = tp(T_CREATE);
    ed_instance *s = take_ok(ed_create_standard(TEST_ID, TEST_ENDPOINT, t, NULL));
    for (size_t i = 0; i < 2; i++) {
        ed_instance *n = take_ok(ed_add_topic(s, t, TOPICS[i]));
        ed_instance_free(s);
        s = n;
    }
    for (size_t i = 0; i < 2; i++) {
        ed_instance *n = take_ok(ed_add_group(s, t, GROUPS[i]));
        ed_instance_free(s);
        s = n;
    }
    ck_assert_uint_eq(ed_instance_revision(s), 4);
    return s;
}

ed_instance *upgraded5(void)
{
    ed_instance *s = standard4();
    ed_instance *p = take_ok(ed_upgrade(s, tp(T_UPGRADE), 1));
    ed_instance_free(s);
    ck_assert_uint_eq(ed_instance_revision(p), 5);
    return p;
}

ed_instance *upgraded_downgrade6(void)
{
    ed_instance *p = upgraded5();
    ed_instance *q = take_ok(
        ed_set_post_expiration_action(p, tp("2026-02-10T00:00:00Z"), ED_ACTION_DOWNGRADE_TO_STANDARD));
    ed_instance_free(p);
    return q;
}

ed_options *opts_int(ed_option key, int64_t value)
{
    ed_options *o = ed_options_new();
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(ed_options_set_int(o, key, value), ED_OK);
    return o;
}


ed_instance *take_ok_(int line, ed_result *r)
{
    CK(r != NULL, "line %d: NULL result", line);
    CK(ed_result_status(r) == ED_OK, "line %d: expected ok, got %s: %s", line,
                  ed_status_name(ed_result_status(r)), ed_result_message(r));
    const ed_instance *inst = ed_result_instance(r);
    CK(inst != NULL, "line %d: ok result without a snapshot", line);
    ed_instance *kept = ed_instance_ref(inst);
    ed_result_free(r);
    return kept;
}

void check_refused_(int line, const ed_result *r, ed_status status, const char *id)
{
    CK(r != NULL, "line %d: NULL result", line);
    ed_status got = ed_result_status(r);
    CK(got == status, "line %d: expected %s, got %s (%s)", line, ed_status_name(status),
                  ed_status_name(got), ed_result_message(r));
    CK(ed_result_instance(r) == NULL, "line %d: a refusal returned a snapshot", line);
    CK(ed_result_effects(r) != NULL, "line %d: effect list is NULL", line);
    CK(ed_effect_list_count(ed_result_effects(r)) == 0,
                  "line %d: a refusal produced %zu effects", line,
                  ed_effect_list_count(ed_result_effects(r)));
    if (status != ED_DATA_LOSS_REFUSED) {
        CK(ed_effect_list_count(ed_result_would_have(r)) == 0,
                      "line %d: would_have set on %s", line, ed_status_name(status));
    }
    CK(ed_result_plan_count(r) == 0, "line %d: a refusal carries a plan", line);
    const char *msg = ed_result_message(r);
    CK(msg != NULL && msg[0] != '\0', "line %d: empty refusal message", line);
    if (id != NULL) {
        CK(strstr(msg, id) != NULL, "line %d: message does not name %s: %s", line, id,
                      msg);
    }
}

void check_unchanged_(int line, const ed_result *r, const ed_instance *in)
{
    CK(r != NULL, "line %d: NULL result", line);
    CK(ed_result_status(r) == ED_OK, "line %d: expected ok, got %s: %s", line,
                  ed_status_name(ed_result_status(r)), ed_result_message(r));
    CK(ed_result_instance(r) == in,
                  "line %d: a command that changes nothing must return its input snapshot",
                  line);
    CK(ed_effect_list_count(ed_result_effects(r)) == 0,
                  "line %d: a command that changes nothing produced effects", line);
    CK(ed_result_message(r) != NULL && ed_result_message(r)[0] == '\0',
                  "line %d: message on success: %s", line, ed_result_message(r));
}

static bool field_is_string(ed_field f)
{
    return f == ED_FIELD_FROM || f == ED_FIELD_TO || f == ED_FIELD_REFUND || f == ED_FIELD_TIMER;
}

static bool field_is_time(ed_field f)
{
    return f == ED_FIELD_AT || f == ED_FIELD_EXPIRES_AT || f == ED_FIELD_UNUSED_FROM ||
           f == ED_FIELD_UNUSED_UNTIL;
}

void check_effect_(int line, const ed_effect_list *list, size_t i, const char *id, uint64_t rev,
                   size_t idx, ed_effect_kind kind, ed_subject_kind sk, const char *subject,
                   unsigned flags, const fexp *fields)
{
    CK(i < ed_effect_list_count(list), "line %d: effect %zu missing (only %zu)", line,
                  i, ed_effect_list_count(list));
    const ed_effect *e = ed_effect_list_get(list, i);
    CK(e != NULL, "line %d: effect %zu is NULL", line, i);
    CK(ed_effect_kind_of(e) == kind, "line %d: effect %zu is %s, expected %s", line, i,
                  ed_effect_kind_name(ed_effect_kind_of(e)), ed_effect_kind_name(kind));
    char key[300];
    snprintf(key, sizeof key, "%s/%llu/%zu", id, (unsigned long long)rev, idx);
    CK(ed_effect_key(e) != NULL && strcmp(ed_effect_key(e), key) == 0,
                  "line %d: effect %zu key %s, expected %s", line, i,
                  ed_effect_key(e) ? ed_effect_key(e) : "(null)", key);
    CK(ed_effect_revision(e) == rev, "line %d: effect %zu revision", line, i);
    CK(ed_effect_index(e) == idx, "line %d: effect %zu index", line, i);
    CK(ed_effect_flags(e) == flags, "line %d: effect %zu (%s) flags %#x, expected %#x",
                  line, i, ed_effect_kind_name(kind), ed_effect_flags(e), flags);
    CK(ed_effect_subject_kind(e) == sk, "line %d: effect %zu subject kind %d", line, i,
                  (int)ed_effect_subject_kind(e));
    const char *want_subject = sk == ED_SUBJECT_INSTANCE ? id : subject;
    CK(ed_effect_subject(e) != NULL && strcmp(ed_effect_subject(e), want_subject) == 0,
                  "line %d: effect %zu subject %s, expected %s", line, i,
                  ed_effect_subject(e) ? ed_effect_subject(e) : "(null)", want_subject);
    CK(ed_effect_text(e) != NULL && ed_effect_text(e)[0] != '\0',
                  "line %d: effect %zu has no text", line, i);
    CK(strchr(ed_effect_text(e), '\n') == NULL,
                  "line %d: effect %zu text is not one line", line, i);

    for (int f = ED_FIELD_FIRST; f <= ED_FIELD_LAST; f++) {
        const fexp *want = NULL;
        for (const fexp *x = fields; x->field != 0; x++) {
            if ((int)x->field == f)
                want = x;
        }
        bool has = ed_effect_has(e, (ed_field)f);
        CK(has == (want != NULL), "line %d: effect %zu (%s) field %s present=%d", line,
                      i, ed_effect_kind_name(kind), ed_field_name((ed_field)f), (int)has);
        if (want == NULL)
            continue;
        if (field_is_string((ed_field)f)) {
            const char *s = ed_effect_string(e, (ed_field)f);
            CK(s != NULL && strcmp(s, want->s) == 0,
                          "line %d: effect %zu field %s = %s, expected %s", line, i,
                          ed_field_name((ed_field)f), s ? s : "(null)", want->s);
        } else if (field_is_time((ed_field)f)) {
            ed_time t = 0;
            CK(ed_effect_time(e, (ed_field)f, &t),
                          "line %d: effect %zu field %s is not a time", line, i,
                          ed_field_name((ed_field)f));
            CK(t == want->v, "line %d: effect %zu field %s = %lld, expected %lld",
                          line, i, ed_field_name((ed_field)f), (long long)t, (long long)want->v);
        } else {
            int64_t v = 0;
            CK(ed_effect_int(e, (ed_field)f, &v),
                          "line %d: effect %zu field %s is not an int", line, i,
                          ed_field_name((ed_field)f));
            CK(v == want->v, "line %d: effect %zu field %s = %lld, expected %lld",
                          line, i, ed_field_name((ed_field)f), (long long)v, (long long)want->v);
        }
    }
}

static void copy_str(char *dst, size_t size, const char *src)
{
    REQUIRE(src != NULL, "%sgetter returned NULL", test_ctx);
    REQUIRE(strlen(src) < size, "%sstring too long for a capture", test_ctx);
    memcpy(dst, src, strlen(src) + 1);
}

void capture_of(const ed_instance *in, capture *out)
{
    memset(out, 0, sizeof *out);
    copy_str(out->id, sizeof out->id, ed_instance_id(in));
    copy_str(out->endpoint, sizeof out->endpoint, ed_instance_endpoint(in));
    out->has_region = ed_instance_region(in) != NULL;
    if (out->has_region)
        copy_str(out->region, sizeof out->region, ed_instance_region(in));
    out->edition = ed_instance_edition(in);
    out->billing = ed_instance_billing(in);
    out->cluster = ed_instance_cluster(in);
    out->lifecycle = ed_instance_lifecycle(in);
    out->revision = ed_instance_revision(in);
    out->created_at = ed_instance_created_at(in);
    out->updated_at = ed_instance_updated_at(in);
    out->release_delay_days = ed_instance_release_delay_days(in);
    out->has_sub = ed_instance_subscription(in, &out->started_at, &out->expires_at,
                                            &out->period_months, &out->action);
    out->has_release_at = ed_instance_release_at(in, &out->release_at);
    out->has_migration =
        ed_instance_migration(in, &out->mig_from, &out->mig_to, &out->mig_started_at);
    out->has_deadline = ed_instance_next_deadline(in, &out->deadline);
    out->topic_count = ed_instance_topic_count(in);
    out->group_count = ed_instance_group_count(in);
    CK(out->topic_count <= CAP_MAX_NAMES && out->group_count <= CAP_MAX_NAMES,
                  "too many names for a capture (%zu)", out->topic_count + out->group_count);
    for (size_t i = 0; i < out->topic_count; i++)
        copy_str(out->topics[i], sizeof out->topics[i], ed_instance_topic(in, i));
    for (size_t i = 0; i < out->group_count; i++)
        copy_str(out->groups[i], sizeof out->groups[i], ed_instance_group(in, i));
}

void check_capture_(int line, const ed_instance *in, const capture *cap)
{
    capture now;
    capture_of(in, &now);
    CK(strcmp(now.id, cap->id) == 0, "line %d: id changed", line);
    CK(strcmp(now.endpoint, cap->endpoint) == 0, "line %d: endpoint changed", line);
    CK(now.has_region == cap->has_region && strcmp(now.region, cap->region) == 0,
                  "line %d: region changed", line);
    CK(now.edition == cap->edition && now.billing == cap->billing &&
                      now.cluster == cap->cluster,
                  "line %d: edition/billing/cluster changed", line);
    CK(now.lifecycle == cap->lifecycle, "line %d: lifecycle changed", line);
    CK(now.revision == cap->revision, "line %d: revision changed", line);
    CK(now.created_at == cap->created_at && now.updated_at == cap->updated_at,
                  "line %d: times changed", line);
    CK(now.release_delay_days == cap->release_delay_days,
                  "line %d: release delay changed", line);
    CK(now.has_sub == cap->has_sub && now.started_at == cap->started_at &&
                      now.expires_at == cap->expires_at &&
                      now.period_months == cap->period_months && now.action == cap->action,
                  "line %d: subscription changed", line);
    CK(now.has_release_at == cap->has_release_at && now.release_at == cap->release_at,
                  "line %d: release_at changed", line);
    CK(now.has_migration == cap->has_migration && now.mig_from == cap->mig_from &&
                      now.mig_to == cap->mig_to && now.mig_started_at == cap->mig_started_at,
                  "line %d: migration changed", line);
    CK(now.has_deadline == cap->has_deadline && now.deadline == cap->deadline,
                  "line %d: next deadline changed", line);
    CK(now.topic_count == cap->topic_count && now.group_count == cap->group_count,
                  "line %d: name counts changed", line);
    for (size_t i = 0; i < now.topic_count; i++)
        CK(strcmp(now.topics[i], cap->topics[i]) == 0, "line %d: topic %zu changed",
                      line, i);
    for (size_t i = 0; i < now.group_count; i++)
        CK(strcmp(now.groups[i], cap->groups[i]) == 0, "line %d: group %zu changed",
                      line, i);
}

static bool same_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

void check_same_effects_(int line, const ed_effect_list *a, const ed_effect_list *b)
{
    CK(ed_effect_list_count(a) == ed_effect_list_count(b),
                  "line %d: effect counts differ: %zu vs %zu", line, ed_effect_list_count(a),
                  ed_effect_list_count(b));
    for (size_t i = 0; i < ed_effect_list_count(a); i++) {
        const ed_effect *x = ed_effect_list_get(a, i);
        const ed_effect *y = ed_effect_list_get(b, i);
        CK(ed_effect_kind_of(x) == ed_effect_kind_of(y) &&
                          same_str(ed_effect_key(x), ed_effect_key(y)) &&
                          ed_effect_revision(x) == ed_effect_revision(y) &&
                          ed_effect_index(x) == ed_effect_index(y) &&
                          ed_effect_flags(x) == ed_effect_flags(y) &&
                          ed_effect_subject_kind(x) == ed_effect_subject_kind(y) &&
                          same_str(ed_effect_subject(x), ed_effect_subject(y)) &&
                          same_str(ed_effect_text(x), ed_effect_text(y)),
                      "line %d: effect %zu differs (%s vs %s)", line, i, ed_effect_key(x),
                      ed_effect_key(y));
        for (int f = ED_FIELD_FIRST; f <= ED_FIELD_LAST; f++) {
            ed_field fld = (ed_field)f;
            CK(ed_effect_has(x, fld) == ed_effect_has(y, fld),
                          "line %d: effect %zu field %s presence differs", line, i,
                          ed_field_name(fld));
            if (!ed_effect_has(x, fld))
                continue;
            ed_time tx = 0, ty = 0;
            int64_t vx = 0, vy = 0;
            CK(same_str(ed_effect_string(x, fld), ed_effect_string(y, fld)) &&
                              ed_effect_time(x, fld, &tx) == ed_effect_time(y, fld, &ty) &&
                              tx == ty &&
                              ed_effect_int(x, fld, &vx) == ed_effect_int(y, fld, &vy) && vx == vy,
                          "line %d: effect %zu field %s differs", line, i, ed_field_name(fld));
        }
    }
}

void check_same_result_(int line, const ed_result *a, const ed_result *b)
{
    CK(ed_result_status(a) == ed_result_status(b), "line %d: statuses differ", line);
    CK(same_str(ed_result_message(a), ed_result_message(b)),
                  "line %d: messages differ: '%s' vs '%s'", line, ed_result_message(a),
                  ed_result_message(b));
    CK((ed_result_instance(a) == NULL) == (ed_result_instance(b) == NULL),
                  "line %d: one result has a snapshot, the other not", line);
    CK(ed_instance_equal(ed_result_instance(a), ed_result_instance(b)),
                  "line %d: snapshots differ", line);
    check_same_effects_(line, ed_result_effects(a), ed_result_effects(b));
    check_same_effects_(line, ed_result_would_have(a), ed_result_would_have(b));
    CK(ed_result_plan_count(a) == ed_result_plan_count(b),
                  "line %d: plans differ in length", line);
    for (size_t i = 0; i < ed_result_plan_count(a); i++) {
        ed_action aa = ED_ACTION_DELETE_RESOURCE, ab = ED_ACTION_DELETE_RESOURCE;
        ed_time ta = 0, tb = 0;
        CK(ed_result_plan_command(a, i) == ed_result_plan_command(b, i) &&
                          ed_result_plan_action(a, i, &aa) == ed_result_plan_action(b, i, &ab) &&
                          aa == ab && ed_result_plan_at(a, i, &ta) == ed_result_plan_at(b, i, &tb) &&
                          ta == tb,
                      "line %d: plan step %zu differs", line, i);
    }
}

void check_i2_(int line, const ed_instance *in)
{
    ed_edition ed = ed_instance_edition(in);
    bool sub = ed_instance_subscription(in, NULL, NULL, NULL, NULL);
    if (ed == ED_EDITION_STANDARD) {
        CK(ed_instance_billing(in) == ED_BILLING_PAY_AS_YOU_GO &&
                          ed_instance_cluster(in) == ED_CLUSTER_SHARED && !sub,
                      "line %d: I2 broken on a standard snapshot", line);
    } else {
        CK(ed == ED_EDITION_ENTERPRISE_PLATINUM, "line %d: unknown edition", line);
        CK(ed_instance_billing(in) == ED_BILLING_SUBSCRIPTION &&
                          ed_instance_cluster(in) == ED_CLUSTER_DEDICATED && sub,
                      "line %d: I2 broken on a platinum snapshot", line);
    }
}

int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ---- calendar ------------------------------------------------------------ */

bool cal_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int cal_month_days(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && cal_leap(y) ? 29 : days[m - 1];
}

int64_t cal_days_before_year(int64_t y)
{
    if (y == 0)
        return 0;
    /* year 0 is a leap year; then every leap year in 1..y-1 */
    return 365 * y + 1 + (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400;
}

#define DAYS_0000_TO_1970 719528

civil cal_civil(int64_t y, int mo, int d, int h, int mi, int s)
{
    civil c = {y, mo, d, h, mi, s};
    return c;
}

ed_time cal_to_time(civil c)
{
    int64_t days = cal_days_before_year(c.y);
    for (int m = 1; m < c.mo; m++)
        days += cal_month_days(c.y, m);
    days += c.d - 1;
    return (days - DAYS_0000_TO_1970) * 86400 + c.h * 3600 + c.mi * 60 + c.s;
}

civil cal_to_civil(ed_time t)
{
    civil c;
    int64_t days = (t - ED_TIME_MIN) / 86400;
    int64_t secs = (t - ED_TIME_MIN) % 86400;
    c.y = days / 366;
    while (cal_days_before_year(c.y + 1) <= days)
        c.y++;
    days -= cal_days_before_year(c.y);
    c.mo = 1;
    while (days >= cal_month_days(c.y, c.mo)) {
        days -= cal_month_days(c.y, c.mo);
        c.mo++;
    }
    c.d = (int)days + 1;
    c.h = (int)(secs / 3600);
    c.mi = (int)(secs / 60 % 60);
    c.s = (int)(secs % 60);
    return c;
}

void cal_format(civil c, char *buf, size_t size)
{
    snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)c.y, c.mo, c.d, c.h,
             c.mi, c.s);
}

bool cal_add_months(ed_time t, int months, ed_time *out)
{
    if (t < ED_TIME_MIN || t > ED_TIME_MAX)
        return false;
    civil c = cal_to_civil(t);
    int64_t total = c.y * 12 + (c.mo - 1) + months;
    if (total < 0 || total >= 10000 * 12)
        return false;
    c.y = total / 12;
    c.mo = (int)(total % 12) + 1;
    if (c.d > cal_month_days(c.y, c.mo))
        c.d = cal_month_days(c.y, c.mo);
    *out = cal_to_time(c);
    return true;
}
