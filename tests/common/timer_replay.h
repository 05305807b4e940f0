/* Invariant I7 (docs/rules.md): a host that only follows the timer effects
 * always holds exactly the snapshot's next deadline. Public API only, so
 * the core, YAML and fuzz tests share it. */
#ifndef LIBEDITION_TEST_TIMER_REPLAY_H
#define LIBEDITION_TEST_TIMER_REPLAY_H

#include <libedition.h>

/* Checks I7 on the result `r` of a command run on `before` (not NULL: a
 * creation has no timer to start from) at `now`. Replays, from the pending
 * timer that `before` implies, every timer.schedule and timer.cancel of the
 * result's effects in order, then drops the timers due at or before `now`.
 * Returns NULL when what remains is exactly the next deadline of the
 * outcome (the new snapshot, or `before` on a refusal) lying after `now`,
 * under the right timer name, or nothing when there is none; otherwise a
 * description of the difference, in `why` (of `size` bytes). */
const char *timer_replay_violation(const ed_instance *before, ed_time now, const ed_result *r,
                                   char *why, size_t size);

#endif
