#include "timer_replay.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum { EXPIRY, RELEASE, TIMERS };
static const char *const timer_names[TIMERS] = {"expiry", "release"};

typedef struct table {
    bool pending[TIMERS];
    ed_time at[TIMERS];
} table;

/* The timer a snapshot's next deadline stands for: release while expired,
 * expiry otherwise (an active subscription). -1 when there is none. */
static int pending_timer(const ed_instance *in, ed_time *at)
{
    if (!ed_instance_next_deadline(in, at))
        return -1;
    return ed_instance_lifecycle(in) == ED_LIFECYCLE_EXPIRED ? RELEASE : EXPIRY;
}

static int timer_of(const ed_effect *e)
{
    const char *name = ed_effect_string(e, ED_FIELD_TIMER);
    for (int t = 0; name != NULL && t < TIMERS; t++) {
        if (strcmp(name, timer_names[t]) == 0)
            return t;
    }
    return -1;
}

const char *timer_replay_violation(const ed_instance *before, ed_time now, const ed_result *r,
                                   char *why, size_t size)
{
    table tab = {{false, false}, {0, 0}};
    ed_time at = 0;
    int t = pending_timer(before, &at);
    if (t >= 0) {
        tab.pending[t] = true;
        tab.at[t] = at;
    }
    const ed_effect_list *fx = ed_result_effects(r);
    for (size_t i = 0; i < ed_effect_list_count(fx); i++) {
        const ed_effect *e = ed_effect_list_get(fx, i);
        ed_effect_kind kind = ed_effect_kind_of(e);
        if (kind != ED_EFFECT_TIMER_SCHEDULE && kind != ED_EFFECT_TIMER_CANCEL)
            continue;
        int which = timer_of(e);
        if (which < 0) {
            (void)snprintf(why, size, "I7: effect %s names no known timer", ed_effect_key(e));
            return why;
        }
        if (kind == ED_EFFECT_TIMER_CANCEL) {
            tab.pending[which] = false;
            continue;
        }
        if (!ed_effect_time(e, ED_FIELD_AT, &tab.at[which])) {
            (void)snprintf(why, size, "I7: timer.schedule %s has no time", ed_effect_key(e));
            return why;
        }
        tab.pending[which] = true; /* replaces the pending timer of that name */
    }
    for (int k = 0; k < TIMERS; k++) {
        if (tab.pending[k] && tab.at[k] <= now)
            tab.pending[k] = false; /* fired */
    }

    const ed_instance *after = ed_result_status(r) == ED_OK ? ed_result_instance(r) : before;
    int want = pending_timer(after, &at);
    if (want >= 0 && at <= now)
        want = -1;
    for (int k = 0; k < TIMERS; k++) {
        bool expected = k == want;
        if (tab.pending[k] != expected || (expected && tab.at[k] != at)) {
            if (want < 0)
                (void)snprintf(why, size,
                               "I7: after replaying the timer effects the %s timer is pending "
                               "(at %lld), but the snapshot has no next deadline after now",
                               timer_names[k], (long long)tab.at[k]);
            else
                (void)snprintf(why, size,
                               "I7: after replaying the timer effects the %s timer is %s (at "
                               "%lld), but the snapshot's next deadline is the %s timer at %lld",
                               timer_names[k], tab.pending[k] ? "pending" : "absent",
                               (long long)tab.at[k], timer_names[want], (long long)at);
            return why;
        }
    }
    return NULL;
}
