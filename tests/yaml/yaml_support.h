/* Helpers shared by the YAML tests. Only the public API is used. */
#ifndef ED_YAML_TEST_SUPPORT_H
#define ED_YAML_TEST_SUPPORT_H

#include <stddef.h>

#include "libedition.h"

/* The whole file at `dir`/`name` (dir from the environment variable `env`),
 * NUL-terminated; *len receives its size. Aborts the test on failure.
 * Caller frees with free(). */
char *read_data_file(const char *env, const char *name, size_t *len);
/* The same without check assertions (usable outside tests); NULL on
 * failure. */
char *slurp_data_file(const char *env, const char *name, size_t *len);

/* An RFC 3339 time; the test fails if the library cannot parse it. */
ed_time yt(const char *text);

/* Dumps `inst` into a new NUL-terminated string (caller frees). */
char *dump_instance(const ed_instance *inst);

#endif
