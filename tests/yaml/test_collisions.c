/* No input makes loading quadratic (docs/performance.md): 80,000 topic
 * names crafted to share the low 20 bits of FNV-1a, the unkeyed hash that
 * indexed names before 0.2.0, load within a small factor of the time the
 * same number of ordinary names take. Both are timed in the same run.
 *
 * The generator meets in the middle: FNV-1a's low k bits depend only on
 * the low k bits of its state, and each step (h ^ c) * p is invertible
 * modulo 2^k (p is odd). So a table maps 20-bit states to a 3-character
 * suffix that leads from each to the target (about a fifth of all states
 * have one), and every prefix whose state is in the table gets the suffix
 * that completes it into a collision. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libedition.h"

#define NAMES 80000
#define BITS 20
#define MASK ((1u << BITS) - 1)
#define TARGET 0x5eed1u
#define FNV_OFFSET 0xcbf29ce484222325u
#define FNV_PRIME 0x100000001b3u
#define PREFIX_LEN 5 /* 't' and 4 counter characters */
#define SUFFIX_LEN 3
#define NAME_LEN (PREFIX_LEN + SUFFIX_LEN)
/* A ratio of 4 leaves room for noise on a loaded machine; the crafted
 * names took hundreds of times as long under the old hash. */
#define MAX_RATIO 4.0

/* The 64 characters of a topic name (X1). */
static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static uint64_t fnv1a(const char *s, size_t len, uint64_t h)
{
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= FNV_PRIME;
    }
    return h;
}

/* The inverse of FNV_PRIME modulo 2^64 (Newton's iteration), which is also
 * its inverse modulo 2^BITS. */
static uint64_t prime_inverse(void)
{
    uint64_t x = FNV_PRIME;
    for (int i = 0; i < 6; i++)
        x *= 2 - FNV_PRIME * x;
    return x;
}

static void counter_chars(unsigned v, int n, char *out)
{
    for (int i = n - 1; i >= 0; i--, v /= 64)
        out[i] = alphabet[v % 64];
}

/* names: NAMES * (NAME_LEN + 1) bytes, NUL-separated. */
static char *crafted_names(void)
{
    uint32_t *suffix_for = malloc(sizeof(uint32_t) << BITS);
    ck_assert_ptr_nonnull(suffix_for);
    memset(suffix_for, 0xff, sizeof(uint32_t) << BITS);
    uint64_t inv = prime_inverse();
    ck_assert(inv * FNV_PRIME == 1);
    char suffix[SUFFIX_LEN];
    for (uint32_t v = 0; v < (1u << (6 * SUFFIX_LEN)); v++) {
        counter_chars(v, SUFFIX_LEN, suffix);
        uint64_t h = TARGET;
        for (int i = SUFFIX_LEN - 1; i >= 0; i--)
            h = ((h * inv) & MASK) ^ (unsigned char)suffix[i];
        suffix_for[h & MASK] = v;
    }
    char *names = malloc((size_t)NAMES * (NAME_LEN + 1));
    ck_assert_ptr_nonnull(names);
    size_t made = 0;
    for (unsigned p = 0; made < NAMES; p++) {
        ck_assert_uint_lt(p, 1u << 24);
        char *name = names + made * (NAME_LEN + 1);
        name[0] = 't';
        counter_chars(p, PREFIX_LEN - 1, name + 1);
        uint32_t v = suffix_for[fnv1a(name, PREFIX_LEN, FNV_OFFSET) & MASK];
        if (v == UINT32_MAX)
            continue;
        counter_chars(v, SUFFIX_LEN, name + PREFIX_LEN);
        name[NAME_LEN] = '\0';
        made++;
    }
    free(suffix_for);
    return names;
}

static char *ordinary_names(void)
{
    char *names = malloc((size_t)NAMES * (NAME_LEN + 1));
    ck_assert_ptr_nonnull(names);
    for (unsigned p = 0; p < NAMES; p++) {
        char *name = names + (size_t)p * (NAME_LEN + 1);
        name[0] = 't';
        counter_chars(p, PREFIX_LEN - 1, name + 1);
        memcpy(name + PREFIX_LEN, "zzz", SUFFIX_LEN);
        name[NAME_LEN] = '\0';
    }
    return names;
}

static char *state_document(const char *names, size_t *len)
{
    static const char head[] = "libedition: 1\n"
                               "instance:\n"
                               "  id: MQ_INST_1_collisions\n"
                               "  endpoint: http://mq.example:8080\n"
                               "  edition: standard\n"
                               "  created_at: 2026-01-01T00:00:00Z\n"
                               "  topics:\n";
    size_t cap = sizeof head + (size_t)NAMES * (NAME_LEN + 6);
    char *doc = malloc(cap);
    ck_assert_ptr_nonnull(doc);
    size_t used = (size_t)snprintf(doc, cap, "%s", head);
    for (size_t i = 0; i < NAMES; i++)
        used += (size_t)snprintf(doc + used, cap - used, "  - %s\n",
                                 names + i * (NAME_LEN + 1));
    *len = used;
    return doc;
}

static double load_seconds(const char *doc, size_t len)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    ed_instance *inst = NULL;
    ed_error *err = NULL;
    ed_status st = ed_instance_load_yaml(&inst, doc, len, NULL, &err);
    clock_gettime(CLOCK_MONOTONIC, &b);
    ck_assert_msg(st == ED_OK, "load failed: %s", err ? ed_error_message(err) : "");
    ck_assert_uint_eq(ed_instance_topic_count(inst), NAMES);
    ed_instance_free(inst);
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

START_TEST(test_generator_makes_distinct_names_colliding_under_fnv1a)
{
    char *names = crafted_names();
    for (size_t i = 0; i < NAMES; i++) {
        const char *name = names + i * (NAME_LEN + 1);
        ck_assert_uint_eq(strlen(name), NAME_LEN);
        ck_assert_uint_eq(fnv1a(name, NAME_LEN, FNV_OFFSET) & MASK, TARGET);
        if (i > 0)
            ck_assert_str_ne(name, name - (NAME_LEN + 1));
    }
    free(names);
}
END_TEST

START_TEST(test_crafted_collisions_load_in_near_the_time_of_ordinary_names)
{
    char *crafted = crafted_names(), *ordinary = ordinary_names();
    size_t crafted_len, ordinary_len;
    char *crafted_doc = state_document(crafted, &crafted_len);
    char *ordinary_doc = state_document(ordinary, &ordinary_len);
    ck_assert_uint_eq(crafted_len, ordinary_len);
    /* the best of three runs each, interleaved, to damp the noise */
    double best_crafted = 1e9, best_ordinary = 1e9;
    for (int run = 0; run < 3; run++) {
        double o = load_seconds(ordinary_doc, ordinary_len);
        double c = load_seconds(crafted_doc, crafted_len);
        best_ordinary = o < best_ordinary ? o : best_ordinary;
        best_crafted = c < best_crafted ? c : best_crafted;
        if (best_crafted > 10 * MAX_RATIO * best_ordinary)
            break; /* quadratic: no need to wait for more */
    }
    double ratio = best_crafted / best_ordinary;
    printf("%d names: ordinary %.3f s, crafted FNV-1a collisions %.3f s, ratio %.2f\n", NAMES,
           best_ordinary, best_crafted, ratio);
    ck_assert_msg(ratio <= MAX_RATIO,
                  "crafted names took %.3f s, %.1f times the %.3f s of ordinary names",
                  best_crafted, ratio, best_ordinary);
    free(crafted_doc);
    free(ordinary_doc);
    free(crafted);
    free(ordinary);
}
END_TEST

static Suite *collisions_suite(void)
{
    Suite *s = suite_create("collisions");
    TCase *tc = tcase_create("collisions");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_generator_makes_distinct_names_colliding_under_fnv1a);
    tcase_add_test(tc, test_crafted_collisions_load_in_near_the_time_of_ordinary_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(collisions_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
