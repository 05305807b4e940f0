/* Every allocation of lib/ goes through here, so that a single place
 * decides the overflow checks. Allocation-failure tests wrap malloc itself,
 * which covers libyaml's allocations as well. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void *ed__alloc(size_t size)
{
    return malloc(size == 0 ? 1 : size);
}

void *ed__calloc(size_t n, size_t size)
{
    if (n == 0 || size == 0)
        return calloc(1, 1);
    return calloc(n, size);
}

void *ed__realloc(void *p, size_t size)
{
    return realloc(p, size == 0 ? 1 : size);
}

char *ed__strndup(const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}
