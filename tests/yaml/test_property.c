/* Property: every snapshot the lifecycle can reach dumps and loads back
 * equal, and dumping the loaded copy gives the same bytes. Snapshots come
 * from random public commands driven by a fixed seed, so they are exactly
 * the ones hosts will store. Every step also checks the timer replay (I7). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libedition.h"
#include "timer_replay.h"
#include "yaml_support.h"

#define SEED 0x5eed2026u
#define CHAINS 200
#define STEPS 100

typedef struct rng {
    uint64_t s;
} rng;

static uint32_t next(rng *r)
{
    /* xorshift64*: deterministic on every platform */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return (uint32_t)((r->s * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t below(rng *r, uint32_t n)
{
    return next(r) % n;
}

/* Names include ones a plain YAML scalar would turn into something else. */
static const char *const pool[] = {"orders",   "payments", "GID_billing", "yes",   "on",
                                   "null",     "123",      "2026-01-01",  "0x1F",  "1e5",
                                   "-12",      "True",     "GID-a",       ".inf",  "OFF",
                                   "topic_9",  "a-b-c",    "007",         "1_000", "12e"};

static size_t checked;

static void check_round_trip(const ed_instance *inst)
{
    char *first = dump_instance(inst);
    ed_instance *back = NULL;
    ed_error *err = NULL;
    ed_status st = ed_instance_load_yaml(&back, first, strlen(first), NULL, &err);
    ck_assert_msg(st == ED_OK, "reload failed: %s at %zu:%zu\n%s", ed_error_message(err),
                  ed_error_line(err), ed_error_column(err), first);
    ck_assert_msg(ed_instance_equal(inst, back), "reloaded snapshot differs:\n%s", first);
    char *second = dump_instance(back);
    ck_assert_str_eq(first, second);
    /* The same snapshot through JSON: names such as `yes` or `123` are
     * quoted there as everything else, and read back as strings. */
    ed_buffer *json = ed_buffer_new();
    ck_assert_ptr_nonnull(json);
    ck_assert_int_eq(ed_instance_dump_json(inst, json), ED_OK);
    ed_instance *from_json = NULL;
    st = ed_instance_load_yaml(&from_json, ed_buffer_data(json), ed_buffer_len(json), NULL, &err);
    ck_assert_msg(st == ED_OK, "JSON reload failed: %s at %zu:%zu\n%s", ed_error_message(err),
                  ed_error_line(err), ed_error_column(err), ed_buffer_data(json));
    ck_assert_msg(ed_instance_equal(inst, from_json), "JSON-reloaded snapshot differs:\n%s",
                  ed_buffer_data(json));
    ed_instance_free(from_json);
    ed_buffer_free(json);
    free(first);
    free(second);
    ed_instance_free(back);
    checked++;
}

static ed_result *random_command(rng *r, const ed_instance *in, ed_time now)
{
    const char *name = pool[below(r, sizeof pool / sizeof pool[0])];
    switch (below(r, 11)) {
    case 0:
        return ed_upgrade(in, now, (int)below(r, 38));
    case 1:
        return ed_set_post_expiration_action(in, now, (ed_action)below(r, 2));
    case 2: {
        ed_options *opts = ed_options_new();
        ck_assert_ptr_nonnull(opts);
        ck_assert_int_eq(ed_options_set_int(opts, ED_OPT_ALLOW_DATA_LOSS, below(r, 2)), ED_OK);
        ed_result *res = ed_refund(in, now, opts);
        ed_options_free(opts);
        return res;
    }
    case 3:
        return ed_renew(in, now, (int)below(r, 13));
    case 4:
        return ed_complete_migration(in, now);
    case 5:
    case 6:
        return ed_add_topic(in, now, name);
    case 7:
        return ed_add_group(in, now, name);
    case 8:
        return ed_remove_topic(in, now, name);
    case 9:
        return ed_remove_group(in, now, name);
    default:
        return ed_tick(in, now);
    }
}

START_TEST(test_random_snapshots_round_trip)
{
    rng r = {SEED};
    ed_time start = yt("2026-01-01T00:00:00Z");
    for (int chain = 0; chain < CHAINS; chain++) {
        ed_options *opts = ed_options_new();
        ck_assert_ptr_nonnull(opts);
        ck_assert_int_eq(ed_options_set_int(opts, ED_OPT_RELEASE_DELAY_DAYS, below(&r, 31)),
                         ED_OK);
        if (below(&r, 2))
            ck_assert_int_eq(ed_options_set_string(opts, ED_OPT_REGION, "cn-hangzhou"), ED_OK);
        char id[64];
        snprintf(id, sizeof id, "MQ_INST_%d_%u", chain, below(&r, 100000));
        ed_time now = start + (ed_time)below(&r, 86400 * 365);
        ed_result *res = below(&r, 2)
                             ? ed_create_standard(id, "http://mq.example.com:8080", now, opts)
                             : ed_create_enterprise_platinum(id, "http://mq.example.com:8080",
                                                             now, 1 + (int)below(&r, 36), opts);
        ed_options_free(opts);
        ck_assert_int_eq(ed_result_status(res), ED_OK);
        ed_instance *cur = ed_instance_ref(ed_result_instance(res));
        ed_result_free(res);
        check_round_trip(cur);
        for (int step = 0; step < STEPS; step++) {
            /* Mostly small steps, sometimes past an expiry or a release. */
            now += below(&r, 4) == 0 ? (ed_time)below(&r, 86400 * 60) : (ed_time)below(&r, 7200);
            res = random_command(&r, cur, now);
            char why[256];
            const char *broken = timer_replay_violation(cur, now, res, why, sizeof why);
            ck_assert_msg(broken == NULL, "chain %d step %d: %s", chain, step, broken);
            if (ed_result_status(res) == ED_OK && ed_result_instance(res) != cur) {
                ed_instance *next_inst = ed_instance_ref(ed_result_instance(res));
                ed_instance_free(cur);
                cur = next_inst;
                check_round_trip(cur);
            }
            ed_result_free(res);
        }
        ed_instance_free(cur);
    }
    /* The walk must really reach thousands of distinct snapshots. */
    ck_assert_uint_ge(checked, 2000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("yaml_property");
    TCase *tc = tcase_create("property");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_random_snapshots_round_trip);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
