/* Benchmark of the YAML layer on a generated 100,000-topic state file.
 *
 * Load is compared with libyaml's raw event parse of the same bytes (every
 * event parsed and deleted): the floor no libyaml-based loader can beat.
 * Dump is compared with libyaml's raw emit of the same event sequence.
 * Peak memory of a load is measured by counting the bytes handed out by
 * malloc, which this program wraps (libyaml's allocations included).
 * Each side of a ratio is the median of 21 rounds, the two sides taking
 * turns within each round (which goes first alternates), so that the noise
 * of a shared machine falls on both. The ratios are of elapsed time; the
 * same ratios in CPU time are printed too, for information.
 * Targets (issue 3): load >= 0.7 x raw parse, dump >= 0.7 x raw emit, peak
 * load memory <= 3 x file size. Exit status 1 when a target is missed.
 * With the arguments "profile load" (or "profile parse"), runs ten loads
 * (or ten raw parses) of the document instead, for a profiler. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "libedition.h"

/* ---- counting allocator ------------------------------------------------ */

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

static atomic_size_t live_bytes, peak_bytes;

static void count_alloc(void *p)
{
    if (!p)
        return;
    size_t now = atomic_fetch_add(&live_bytes, malloc_usable_size(p)) + malloc_usable_size(p);
    size_t peak = atomic_load(&peak_bytes);
    while (now > peak && !atomic_compare_exchange_weak(&peak_bytes, &peak, now))
        ;
}

static void count_free(void *p)
{
    if (p)
        atomic_fetch_sub(&live_bytes, malloc_usable_size(p));
}

void *malloc(size_t size)
{
    void *p = __libc_malloc(size);
    count_alloc(p);
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);
    count_alloc(p);
    return p;
}

void *realloc(void *p, size_t size)
{
    count_free(p);
    void *q = __libc_realloc(p, size);
    count_alloc(q ? q : (size ? NULL : q));
    if (!q && size && p)
        count_alloc(p); /* failed: the old block lives on */
    return q;
}

void free(void *p)
{
    count_free(p);
    __libc_free(p);
}

/* ---- helpers ----------------------------------------------------------- */

#define TOPICS 100000
#define ROUNDS 21

static double clock_seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double seconds(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

/* CPU time of this thread: leaves out the time other processes ran */
static double cpu_seconds(void)
{
    return clock_seconds(CLOCK_THREAD_CPUTIME_ID);
}

static char *generate(size_t *len)
{
    size_t cap = 1024 + (size_t)TOPICS * 24;
    char *doc = malloc(cap);
    if (!doc)
        exit(2);
    size_t n = (size_t)snprintf(
        doc, cap,
        "libedition: 1\ninstance:\n  id: MQ_INST_1380156306793859_BXq3ZzKs\n"
        "  endpoint: http://MQ_INST_1380156306793859_BXq3ZzKs.cn-hangzhou.mq-internal."
        "aliyuncs.com:8080\n  region: cn-hangzhou\n  edition: enterprise_platinum\n"
        "  billing: subscription\n  cluster: dedicated\n  lifecycle: active\n  revision: 3\n"
        "  created_at: 2026-01-05T00:00:00Z\n  updated_at: 2026-02-10T00:00:00Z\n"
        "  release_delay_days: 7\n  subscription:\n    started_at: 2026-02-01T00:00:00Z\n"
        "    expires_at: 2026-03-01T00:00:00Z\n    period_months: 1\n"
        "    post_expiration_action: downgrade_to_standard\n  topics: [");
    for (int i = 0; i < TOPICS; i++)
        n += (size_t)snprintf(doc + n, cap - n, "%stopic-%06d", i ? ", " : "", i);
    n += (size_t)snprintf(doc + n, cap - n, "]\n  groups: [GID_billing]\n");
    *len = n;
    return doc;
}

static void raw_parse(const char *doc, size_t len)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        exit(2);
    yaml_parser_set_input_string(&parser, (const unsigned char *)doc, len);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev))
            exit(2);
        int end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (end)
            break;
    }
    yaml_parser_delete(&parser);
}

/* The event sequence of the document, to emit again and again. */
typedef struct rec {
    yaml_event_type_t type;
    char *value;
    size_t length;
    int flow;
} rec;

static rec *record(const char *doc, size_t len, size_t *count)
{
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)doc, len);
    size_t cap = 1024, n = 0;
    rec *recs = malloc(cap * sizeof *recs);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev))
            exit(2);
        if (n == cap)
            recs = realloc(recs, (cap *= 2) * sizeof *recs);
        rec *r = &recs[n++];
        memset(r, 0, sizeof *r);
        r->type = ev.type;
        if (ev.type == YAML_SCALAR_EVENT) {
            r->length = ev.data.scalar.length;
            r->value = malloc(r->length + 1);
            memcpy(r->value, ev.data.scalar.value, r->length + 1);
        } else if (ev.type == YAML_SEQUENCE_START_EVENT) {
            r->flow = ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
        } else if (ev.type == YAML_MAPPING_START_EVENT) {
            r->flow = ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
        }
        int end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (end)
            break;
    }
    yaml_parser_delete(&parser);
    *count = n;
    return recs;
}

typedef struct sink {
    char *data;
    size_t len, cap;
} sink;

static int to_sink(void *data, unsigned char *bytes, size_t size)
{
    sink *s = data;
    if (s->len + size > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + size)
            cap *= 2;
        char *grown = realloc(s->data, cap);
        if (!grown)
            return 0;
        s->data = grown;
        s->cap = cap;
    }
    memcpy(s->data + s->len, bytes, size);
    s->len += size;
    return 1;
}

static void raw_emit(const rec *recs, size_t count, sink *out)
{
    yaml_emitter_t em;
    if (!yaml_emitter_initialize(&em))
        exit(2);
    out->len = 0;
    yaml_emitter_set_output(&em, to_sink, out);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, -1);
    for (size_t i = 0; i < count; i++) {
        const rec *r = &recs[i];
        yaml_event_t ev;
        switch (r->type) {
        case YAML_STREAM_START_EVENT:
            yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
            break;
        case YAML_STREAM_END_EVENT:
            yaml_stream_end_event_initialize(&ev);
            break;
        case YAML_DOCUMENT_START_EVENT:
            yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
            break;
        case YAML_DOCUMENT_END_EVENT:
            yaml_document_end_event_initialize(&ev, 1);
            break;
        case YAML_SCALAR_EVENT:
            yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)r->value, (int)r->length,
                                         1, 1, YAML_ANY_SCALAR_STYLE);
            break;
        case YAML_SEQUENCE_START_EVENT:
            yaml_sequence_start_event_initialize(
                &ev, NULL, NULL, 1, r->flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
            break;
        case YAML_SEQUENCE_END_EVENT:
            yaml_sequence_end_event_initialize(&ev);
            break;
        case YAML_MAPPING_START_EVENT:
            yaml_mapping_start_event_initialize(
                &ev, NULL, NULL, 1, r->flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
            break;
        case YAML_MAPPING_END_EVENT:
            yaml_mapping_end_event_initialize(&ev);
            break;
        default:
            exit(2);
        }
        if (!yaml_emitter_emit(&em, &ev))
            exit(2);
    }
    yaml_emitter_delete(&em);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(const double *t)
{
    double s[ROUNDS];
    memcpy(s, t, sizeof s);
    qsort(s, ROUNDS, sizeof s[0], cmp_double);
    return s[ROUNDS / 2];
}

int main(int argc, char **argv)
{
    size_t len;
    char *doc = generate(&len);
    if (argc > 2 && strcmp(argv[1], "profile") == 0) {
        /* for a profiler: ten loads, or ten raw parses, of the document */
        int load = strcmp(argv[2], "load") == 0;
        for (int i = 0; i < 10; i++) {
            ed_instance *again = NULL;
            if (!load)
                raw_parse(doc, len);
            else if (ed_instance_load_yaml(&again, doc, len, NULL, NULL) != ED_OK)
                return 2;
            ed_instance_free(again);
        }
        free(doc);
        return 0;
    }
    /* elapsed (t_) and CPU (c_) times of each round */
    double t_parse[ROUNDS], t_load[ROUNDS], t_emit[ROUNDS], t_dump[ROUNDS];
    double c_parse[ROUNDS], c_load[ROUNDS], c_emit[ROUNDS], c_dump[ROUNDS];

    /* Peak memory of one load, above what was live before it. */
    size_t before = atomic_load(&live_bytes);
    atomic_store(&peak_bytes, before);
    ed_instance *inst = NULL;
    ed_error *err = NULL;
    if (ed_instance_load_yaml(&inst, doc, len, NULL, &err) != ED_OK) {
        fprintf(stderr, "load failed: %s\n", ed_error_message(err));
        return 2;
    }
    size_t peak = atomic_load(&peak_bytes) - before;
    size_t kept = atomic_load(&live_bytes) - before;

    /* the two sides take turns going first, so that neither always runs
     * in the state (caches, heap) the other left */
    for (int i = 0; i < ROUNDS; i++) {
        ed_instance *again = NULL;
        for (int side = 0; side < 2; side++) {
            double t0 = seconds(), c0 = cpu_seconds();
            if ((side == 0) == (i % 2 == 0)) {
                raw_parse(doc, len);
                t_parse[i] = seconds() - t0;
                c_parse[i] = cpu_seconds() - c0;
            } else {
                if (ed_instance_load_yaml(&again, doc, len, NULL, NULL) != ED_OK)
                    return 2;
                t_load[i] = seconds() - t0;
                c_load[i] = cpu_seconds() - c0;
            }
        }
        ed_instance_free(again);
    }

    size_t count;
    rec *recs = record(doc, len, &count);
    sink raw = {0};
    ed_buffer *buf = ed_buffer_new();
    for (int i = 0; i < ROUNDS; i++) {
        for (int side = 0; side < 2; side++) {
            double t0 = seconds(), c0 = cpu_seconds();
            if ((side == 0) == (i % 2 == 0)) {
                raw_emit(recs, count, &raw);
                t_emit[i] = seconds() - t0;
                c_emit[i] = cpu_seconds() - c0;
            } else {
                ed_buffer_clear(buf);
                if (ed_instance_dump_yaml(inst, buf) != ED_OK)
                    return 2;
                t_dump[i] = seconds() - t0;
                c_dump[i] = cpu_seconds() - c0;
            }
        }
    }
    int same = ed_buffer_len(buf) == len && memcmp(ed_buffer_data(buf), doc, len) == 0;

    double mb = (double)len / 1e6;
    /* medians, so that one lucky or unlucky round decides nothing */
    double parse = median_of(t_parse), load = median_of(t_load);
    double emit = median_of(t_emit), dump = median_of(t_dump);
    double load_ratio = parse / load, dump_ratio = emit / dump;
    double mem_ratio = (double)peak / (double)len;
    printf("document: %d topics, %zu bytes, %zu events; dump reproduces it: %s\n", TOPICS, len,
           count, same ? "yes" : "NO");
    printf("raw parse  %8.2f MB/s  (%.2f ms)\n", mb / parse, parse * 1e3);
    printf("load       %8.2f MB/s  (%.2f ms)  ratio %.2f (target >= 0.70)\n", mb / load,
           load * 1e3, load_ratio);
    printf("raw emit   %8.2f MB/s  (%.2f ms)\n", mb / emit, emit * 1e3);
    printf("dump       %8.2f MB/s  (%.2f ms)  ratio %.2f (target >= 0.70)\n", mb / dump,
           dump * 1e3, dump_ratio);
    /* the same ratios in CPU time, for information: steadier than elapsed
     * time while other processes share the cores, since the time they run
     * is left out (their effect on the caches is not) */
    printf("cpu time   load ratio %.2f, dump ratio %.2f\n",
           median_of(c_parse) / median_of(c_load), median_of(c_emit) / median_of(c_dump));
    /* the lines scripts/bench collects (elapsed time) */
    printf("RATIO yaml_load_vs_libyaml %.2f 0.7 >=\n", load_ratio);
    printf("RATIO yaml_dump_vs_libyaml %.2f 0.7 >=\n", dump_ratio);
    printf("load peak  %zu bytes, %.2f x file size (target <= 3.00); snapshot keeps %zu bytes\n",
           peak, mem_ratio, kept);

    for (size_t i = 0; i < count; i++)
        free(recs[i].value);
    free(recs);
    free(raw.data);
    ed_buffer_free(buf);
    ed_instance_free(inst);
    free(doc);
    return (load_ratio >= 0.7 && dump_ratio >= 0.7 && mem_ratio <= 3.0 && same) ? 0 : 1;
}
