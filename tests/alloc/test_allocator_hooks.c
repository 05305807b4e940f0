/* ed_set_allocator: set before anything else, it sees every allocation the
 * library makes; over a whole workflow (options, commands, transitions,
 * loads, dumps, effects read back, scenarios) its allocations and frees
 * balance, every block it frees is one it made, and once the library has
 * allocated it can no longer be changed. One process, one test: the
 * allocator is process-wide and fixed by the first allocation. */
#include <libedition.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                             \
    do {                                                                                      \
        fprintf(stderr, "test_allocator_hooks: " __VA_ARGS__);                                \
        fputc('\n', stderr);                                                                  \
        exit(1);                                                                              \
    } while (0)
#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond))                                                                          \
            FAIL("%s:%d: %s", __FILE__, __LINE__, #cond);                                     \
    } while (0)

/* Each block carries a header with a mark, so that a block the hooks did
 * not make (from malloc directly) is caught when it is freed or resized. */
#define MARK 0x6564616c6c6f63ULL
typedef struct header {
    unsigned long long mark;
    size_t size;
} header;

static long live, allocs, frees, reallocs;
static int ctx_seen;

static void *hook_malloc(size_t size, void *ctx)
{
    CHECK(ctx == &ctx_seen && size > 0);
    header *h = malloc(sizeof *h + size);
    if (h == NULL)
        return NULL;
    h->mark = MARK;
    h->size = size;
    live++;
    allocs++;
    return h + 1;
}

static void *hook_realloc(void *p, size_t size, void *ctx)
{
    CHECK(ctx == &ctx_seen && p != NULL && size > 0);
    header *h = (header *)p - 1;
    CHECK(h->mark == MARK);
    header *g = realloc(h, sizeof *g + size);
    if (g == NULL)
        return NULL;
    g->size = size;
    reallocs++;
    return g + 1;
}

static void hook_free(void *p, void *ctx)
{
    CHECK(ctx == &ctx_seen && p != NULL);
    header *h = (header *)p - 1;
    CHECK(h->mark == MARK);
    h->mark = 0;
    free(h);
    live--;
    frees++;
}

static const char scenario[] = "libedition: 1\n"
                               "instance:\n"
                               "  id: MQ_INST_1_hooks\n"
                               "  endpoint: http://mq.example:8080\n"
                               "  edition: standard\n"
                               "  created_at: 2026-01-01T00:00:00Z\n"
                               "steps:\n"
                               "  - {at: 2026-01-02T00:00:00Z, command: add_topic, name: orders}\n"
                               "  - {at: 2026-01-03T00:00:00Z, command: upgrade, period_months: 1}\n";

static void workflow(void)
{
    ed_options *o = ed_options_new();
    CHECK(o != NULL);
    CHECK(ed_options_set_string(o, ED_OPT_REGION, "cn-hangzhou") == ED_OK);
    ed_result *c = ed_create_standard("MQ_INST_1_hooks", "http://mq.example:8080", 0, o);
    CHECK(ed_result_status(c) == ED_OK);
    ed_result *t = ed_add_topic(ed_result_instance(c), 10, "orders");
    ed_result *g = ed_add_group(ed_result_instance(t), 10, "GID_a");
    ed_command *cmd = ed_command_new(ED_CMD_UPGRADE);
    CHECK(ed_command_set_int(cmd, ED_ARG_PERIOD_MONTHS, 1) == ED_OK);
    ed_result *u = ed_command_apply(cmd, ed_result_instance(g), 20);
    CHECK(ed_result_status(u) == ED_OK);
    ed_result *refused = ed_refund(ed_result_instance(u), 30, NULL);
    CHECK(ed_result_status(refused) == ED_DATA_LOSS_REFUSED);

    ed_buffer *buf = ed_buffer_new();
    CHECK(ed_instance_dump_yaml(ed_result_instance(u), buf) == ED_OK);
    ed_instance *loaded = NULL;
    CHECK(ed_instance_load_yaml(&loaded, ed_buffer_data(buf), ed_buffer_len(buf), o, NULL) ==
          ED_OK);
    CHECK(ed_instance_equal(loaded, ed_result_instance(u)));

    ed_buffer_clear(buf);
    CHECK(ed_effects_dump_yaml(ed_result_would_have(refused), buf) == ED_OK);
    ed_effect_list *effects = NULL;
    CHECK(ed_effects_load_yaml(&effects, ed_buffer_data(buf), ed_buffer_len(buf), NULL, NULL) ==
          ED_OK);
    CHECK(ed_effect_list_count(effects) > 0);

    ed_buffer_clear(buf);
    CHECK(ed_result_dump_yaml(buf, cmd, 20, u, ed_result_instance(u)) == ED_OK);

    ed_error *err = NULL;
    ed_instance *bad = NULL;
    CHECK(ed_instance_load_yaml(&bad, "libedition: 1\n", 14, NULL, &err) == ED_SCHEMA_ERROR);
    CHECK(err != NULL);

    ed_scenario *sc = NULL;
    CHECK(ed_scenario_load_yaml(&sc, scenario, strlen(scenario), NULL, NULL) == ED_OK);
    CHECK(ed_scenario_step_count(sc) == 2);

    ed_scenario_free(sc);
    ed_error_free(err);
    ed_effects_free(effects);
    ed_instance_free(loaded);
    ed_buffer_free(buf);
    ed_result_free(refused);
    ed_result_free(u);
    ed_command_free(cmd);
    ed_result_free(g);
    ed_result_free(t);
    ed_result_free(c);
    ed_options_free(o);
}

int main(void)
{
    /* some but not all three hooks: refused, nothing set */
    CHECK(ed_set_allocator(hook_malloc, NULL, hook_free, &ctx_seen) == ED_INVALID_ARGUMENT);
    /* before any allocation: accepted (and may be set again) */
    CHECK(ed_set_allocator(NULL, NULL, NULL, NULL) == ED_OK);
    CHECK(ed_set_allocator(hook_malloc, hook_realloc, hook_free, &ctx_seen) == ED_OK);

    workflow();
    CHECK(allocs > 50);
    CHECK(reallocs > 0);
    if (live != 0 || allocs != frees)
        FAIL("%ld allocations, %ld frees, %ld blocks live", allocs, frees, live);

    /* the library has allocated: the allocator is fixed from now on */
    CHECK(ed_set_allocator(NULL, NULL, NULL, NULL) == ED_INVALID_ARGUMENT);
    CHECK(ed_set_allocator(hook_malloc, hook_realloc, hook_free, &ctx_seen) ==
          ED_INVALID_ARGUMENT);
    long before = allocs;
    workflow();
    CHECK(allocs > before);
    if (live != 0 || allocs != frees)
        FAIL("second run: %ld allocations, %ld frees, %ld blocks live", allocs, frees, live);
    printf("test_allocator_hooks: %ld allocations and %ld resizes through the hooks, all freed\n",
           allocs, reallocs);
    return 0;
}
