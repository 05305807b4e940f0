/* Every allocation and every release of lib/ goes through here: one place
 * decides the overflow checks, and one place routes memory to the host's
 * allocator when it set one with ed_set_allocator.
 *
 * libyaml allocates through its own yaml_malloc (plain malloc) and offers no
 * hook; its blocks never reach the functions below. The allocation-failure
 * tests wrap malloc itself, which covers libyaml's allocations as well. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static void *libc_malloc(size_t size, void *ctx)
{
    (void)ctx;
    return malloc(size);
}

static void *libc_realloc(void *p, size_t size, void *ctx)
{
    (void)ctx;
    return realloc(p, size);
}

static void libc_free(void *p, void *ctx)
{
    (void)ctx;
    free(p);
}

/* The one piece of process-wide configuration. It is written only by
 * ed_set_allocator, which refuses once `sealed` is set by the first
 * allocation, so every block is released by the allocator that made it. */
static struct {
    void *(*malloc_fn)(size_t, void *);
    void *(*realloc_fn)(void *, size_t, void *);
    void (*free_fn)(void *, void *);
    void *ctx;
} hooks = {libc_malloc, libc_realloc, libc_free, NULL};

static atomic_bool sealed;

static void seal(void)
{
    if (!atomic_load_explicit(&sealed, memory_order_relaxed))
        atomic_store_explicit(&sealed, true, memory_order_relaxed);
}

ed_status ed_set_allocator(void *(*malloc_fn)(size_t size, void *ctx),
                           void *(*realloc_fn)(void *ptr, size_t size, void *ctx),
                           void (*free_fn)(void *ptr, void *ctx), void *ctx)
{
    bool all = malloc_fn != NULL && realloc_fn != NULL && free_fn != NULL;
    bool none = malloc_fn == NULL && realloc_fn == NULL && free_fn == NULL;
    if (!all && !none)
        return ED_INVALID_ARGUMENT;
    if (atomic_load_explicit(&sealed, memory_order_acquire))
        return ED_INVALID_ARGUMENT;
    hooks.malloc_fn = all ? malloc_fn : libc_malloc;
    hooks.realloc_fn = all ? realloc_fn : libc_realloc;
    hooks.free_fn = all ? free_fn : libc_free;
    hooks.ctx = all ? ctx : NULL;
    return ED_OK;
}

bool ed__size_mul(size_t a, size_t b, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b)
        return false;
    *out = a * b;
    return true;
}

bool ed__size_add(size_t a, size_t b, size_t *out)
{
    if (a > SIZE_MAX - b)
        return false;
    *out = a + b;
    return true;
}

void *ed__alloc(size_t size)
{
    seal();
    return hooks.malloc_fn(size == 0 ? 1 : size, hooks.ctx);
}

void *ed__calloc(size_t n, size_t size)
{
    size_t total;
    if (!ed__size_mul(n, size, &total))
        return NULL;
    void *p = ed__alloc(total);
    if (p != NULL)
        memset(p, 0, total == 0 ? 1 : total);
    return p;
}

void *ed__realloc(void *p, size_t size)
{
    if (p == NULL)
        return ed__alloc(size);
    seal();
    return hooks.realloc_fn(p, size == 0 ? 1 : size, hooks.ctx);
}

void *ed__realloc_array(void *p, size_t n, size_t size)
{
    size_t total;
    if (!ed__size_mul(n, size, &total))
        return NULL;
    return ed__realloc(p, total);
}

void *ed__alloc_array(size_t n, size_t size)
{
    size_t total;
    if (!ed__size_mul(n, size, &total))
        return NULL;
    return ed__alloc(total);
}

void ed__free(void *p)
{
    if (p != NULL)
        hooks.free_fn(p, hooks.ctx);
}

char *ed__strndup(const char *s, size_t len)
{
    size_t total;
    if (!ed__size_add(len, 1, &total))
        return NULL;
    char *copy = ed__alloc(total);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}
