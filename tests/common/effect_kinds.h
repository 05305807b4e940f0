/* The flags and subject of every effect kind, as docs/rules.md section 3
 * states them, written out independently of the library's own table, for
 * the tests that check effects against the rules (the random model test
 * and the exhaustive explorer). */
#ifndef LIBEDITION_TEST_EFFECT_KINDS_H
#define LIBEDITION_TEST_EFFECT_KINDS_H

#include <libedition.h>

/* The ed_effect_flag bits of kind `k` (0 for a kind without flags). */
unsigned kind_flags(ed_effect_kind k);
/* The subject kind of kind `k`. */
ed_subject_kind kind_subject(ed_effect_kind k);

#endif
