/* Checks the invariants I1–I7 (docs/rules.md) on one transition. */
#ifndef LIBEDITION_TEST_INVARIANTS_H
#define LIBEDITION_TEST_INVARIANTS_H

#include <libedition.h>

/* Runs `cmd` on `before` at `now` twice (I5) and checks I1–I6 on the
 * outcome, and I7 when `before` is not NULL. Returns the first result (caller frees) and sets *violation to
 * NULL, or to a static description of the broken invariant. */
ed_result *inv_step(const ed_instance *before, const ed_command *cmd, ed_time now,
                    const char **violation);

#endif
