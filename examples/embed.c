/* How a host embeds libedition.
 *
 * The library never reads a clock, touches the network or prints: the host
 * passes the time in, receives a new snapshot and a list of effects, carries
 * the effects out (here: prints them), and calls tick at the next deadline.
 * Every call is checked; the program exits non-zero on the first failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libedition.h"

static int failures;

/* Parses an RFC 3339 time; a bad time is a bug in this example. */
static ed_time at(const char *text)
{
    ed_time t = 0;
    if (ed_time_parse(text, strlen(text), &t) != ED_OK) {
        fprintf(stderr, "embed: bad time %s\n", text);
        exit(EXIT_FAILURE);
    }
    return t;
}

/* "Carries out" the effects of a result: a real host would call the
 * billing system, move topics, set timers... keyed by ed_effect_key so that
 * each effect happens exactly once even across a crash. */
static void carry_out(const ed_result *r)
{
    const ed_effect_list *effects = ed_result_effects(r);
    for (size_t i = 0; i < ed_effect_list_count(effects); i++) {
        const ed_effect *e = ed_effect_list_get(effects, i);
        printf("  %-40s %-36s %s\n", ed_effect_key(e), ed_effect_kind_name(ed_effect_kind_of(e)),
               ed_effect_text(e));
    }
}

/* Takes the new snapshot out of an accepted result and drops the old one.
 * On a refusal the old snapshot stays current and the failure is counted. */
static ed_instance *apply(ed_instance *current, ed_result *r, const char *what)
{
    if (ed_result_status(r) != ED_OK) {
        fprintf(stderr, "embed: %s refused: %s: %s\n", what,
                ed_status_name(ed_result_status(r)), ed_result_message(r));
        failures++;
        ed_result_free(r);
        return current;
    }
    printf("%s -> revision %llu\n", what,
           (unsigned long long)ed_instance_revision(ed_result_instance(r)));
    carry_out(r);
    ed_instance *next = ed_instance_ref(ed_result_instance(r));
    ed_result_free(r);
    ed_instance_free(current);
    return next;
}

int main(void)
{
    const char *id = "MQ_INST_1380156306793859_BXq3ZzKs";
    const char *endpoint =
        "http://MQ_INST_1380156306793859_BXq3ZzKs.cn-hangzhou.mq-internal.aliyuncs.com:8080";
    printf("libedition %s\n", ed_version());

    /* A Standard Edition instance with two topics and a consumer group. */
    ed_options *opts = ed_options_new();
    if (opts == NULL || ed_options_set_string(opts, ED_OPT_REGION, "cn-hangzhou") != ED_OK) {
        fprintf(stderr, "embed: cannot set options\n");
        ed_options_free(opts);
        return EXIT_FAILURE;
    }
    ed_result *created = ed_create_standard(id, endpoint, at("2026-01-05T00:00:00Z"), opts);
    ed_options_free(opts);
    if (ed_result_status(created) != ED_OK) {
        fprintf(stderr, "embed: create refused: %s\n", ed_result_message(created));
        ed_result_free(created);
        return EXIT_FAILURE;
    }
    ed_instance *inst = ed_instance_ref(ed_result_instance(created));
    ed_result_free(created);

    ed_time jan5 = at("2026-01-05T00:00:00Z");
    inst = apply(inst, ed_add_topic(inst, jan5, "orders"), "add_topic orders");
    inst = apply(inst, ed_add_topic(inst, jan5, "payments"), "add_topic payments");
    inst = apply(inst, ed_add_group(inst, jan5, "GID_billing"), "add_group GID_billing");

    /* Upgrade to Enterprise Platinum for one month. */
    inst = apply(inst, ed_upgrade(inst, at("2026-02-01T00:00:00Z"), 1), "upgrade");
    /* The host finished moving the topics. */
    inst = apply(inst, ed_complete_migration(inst, at("2026-02-02T00:00:00Z")),
                 "complete_migration");

    /* Go back to Standard Edition at expiry, deleting nothing. */
    inst = apply(inst,
                 ed_set_post_expiration_action(inst, at("2026-02-10T00:00:00Z"),
                                               ED_ACTION_DOWNGRADE_TO_STANDARD),
                 "set_post_expiration_action downgrade_to_standard");

    /* The host's only timer: tick at the next deadline. */
    ed_time deadline = 0;
    if (!ed_instance_next_deadline(inst, &deadline)) {
        fprintf(stderr, "embed: expected a deadline\n");
        failures++;
    } else {
        char when[ED_TIME_BUFSIZE];
        if (ed_time_format(deadline, when, sizeof when) != ED_OK) {
            fprintf(stderr, "embed: cannot format the deadline\n");
            failures++;
        } else {
            printf("next deadline: %s\n", when);
        }
        inst = apply(inst, ed_tick(inst, deadline), "tick");
    }

    printf("now: %s, %s, %s, revision %llu, %zu topics, %zu groups\n",
           ed_edition_name(ed_instance_edition(inst)), ed_billing_name(ed_instance_billing(inst)),
           ed_lifecycle_name(ed_instance_lifecycle(inst)),
           (unsigned long long)ed_instance_revision(inst), ed_instance_topic_count(inst),
           ed_instance_group_count(inst));
    if (ed_instance_edition(inst) != ED_EDITION_STANDARD || ed_instance_topic_count(inst) != 2) {
        fprintf(stderr, "embed: the instance should be Standard Edition with its topics\n");
        failures++;
    }
    ed_instance_free(inst);
    return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
