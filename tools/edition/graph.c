/*
 * `edition graph`: the lifecycle as a Graphviz DOT graph, found by running
 * the library rather than drawn by hand, so that it cannot drift from it.
 *
 * A few representative snapshots are built with the library itself (a
 * standard instance, platinum ones with either post-expiration action, with
 * and without a migration in flight, expired, released). Every command is
 * then run on each of them, with each choice of argument, at times before
 * and after each deadline. Every accepted run that changes the snapshot is
 * an edge from the state (edition and lifecycle) before to the state after.
 * The guard of an edge is what its runs had in common that other runs of
 * the same command from the same state did not: the action, the migration,
 * the time relative to the deadlines, the allow-data-loss flag.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define DAY ((ed_time)86400)
#define MAX_NODES 8
#define MAX_SOURCES 12

/* Conditions a run may depend on. */
enum { DIM_ACTION, DIM_MIGRATION, DIM_TIME, DIM_ALLOW, DIM_COUNT };

/* The times probed from a snapshot: intervals separated by deadlines. */
typedef struct time_scale {
    size_t intervals;
    const char *bounds[2]; /* intervals - 1 names of deadlines */
} time_scale;

static const time_scale scale_none = {1, {NULL, NULL}};
static const time_scale scale_active = {3, {"expires_at", "expires_at + release delay"}};
static const time_scale scale_expired = {2, {"release_at", NULL}};

typedef struct node {
    ed_edition edition;
    ed_lifecycle lifecycle;
    char id[64];
    char label[64];
} node;

typedef struct source {
    ed_instance *inst;
    int dims[DIM_COUNT]; /* -1: does not apply */
    const time_scale *scale;
    ed_time times[3];
} source;

typedef struct probe {
    size_t from, to; /* node indexes */
    ed_status status;
    bool changed;    /* accepted and the snapshot moved */
    ed_command_kind kind;
    int dims[DIM_COUNT];
    const time_scale *scale;
} probe;

typedef struct graph {
    node nodes[MAX_NODES];
    size_t node_count;
    source sources[MAX_SOURCES];
    size_t source_count;
    probe *probes;
    size_t probe_count, probe_cap;
    bool failed;
} graph;

static const char *const action_values[] = {"action = delete_resource",
                                            "action = downgrade_to_standard"};
static const char *const migration_values[] = {"no migration", "migration in flight"};
static const char *const allow_values[] = {"without allow_data_loss", "allow_data_loss"};

static size_t node_of(graph *g, const ed_instance *inst)
{
    ed_edition ed = ed_instance_edition(inst);
    ed_lifecycle lc = ed_instance_lifecycle(inst);
    node *n;

    for (size_t i = 0; i < g->node_count; i++) {
        n = &g->nodes[i];
        if (n->lifecycle == lc && (lc == ED_LIFECYCLE_RELEASED || n->edition == ed))
            return i;
    }
    if (g->node_count == MAX_NODES) {
        g->failed = true;
        return 0;
    }
    n = &g->nodes[g->node_count];
    n->edition = ed;
    n->lifecycle = lc;
    if (lc == ED_LIFECYCLE_RELEASED) {
        /* Released is terminal whatever the edition it kept as a record. */
        snprintf(n->id, sizeof n->id, "%s", ed_lifecycle_name(lc));
        snprintf(n->label, sizeof n->label, "%s", ed_lifecycle_name(lc));
    } else {
        snprintf(n->id, sizeof n->id, "%s_%s", ed_edition_name(ed), ed_lifecycle_name(lc));
        snprintf(n->label, sizeof n->label, "%s\\n%s", ed_edition_name(ed),
                 ed_lifecycle_name(lc));
    }
    return g->node_count++;
}

/* Keeps the snapshot of an accepted result (NULL when refused). */
static ed_instance *take(ed_result *r, graph *g)
{
    ed_instance *inst = NULL;
    if (ed_result_status(r) == ED_OK)
        inst = ed_instance_ref(ed_result_instance(r));
    else
        g->failed = true;
    ed_result_free(r);
    return inst;
}

static void add_source(graph *g, ed_instance *inst)
{
    source *s;
    ed_time expires, release;
    ed_action action;

    if (!inst || g->source_count == MAX_SOURCES) {
        g->failed = true;
        ed_instance_free(inst);
        return;
    }
    s = &g->sources[g->source_count++];
    s->inst = inst;
    for (int d = 0; d < DIM_COUNT; d++)
        s->dims[d] = -1;
    s->dims[DIM_MIGRATION] = ed_instance_migration(inst, NULL, NULL, NULL) ? 1 : 0;
    s->scale = &scale_none;
    s->times[0] = ed_instance_updated_at(inst) + DAY;
    if (ed_instance_subscription(inst, NULL, &expires, NULL, &action)) {
        s->dims[DIM_ACTION] = (int)action;
        if (ed_instance_lifecycle(inst) == ED_LIFECYCLE_ACTIVE) {
            s->scale = &scale_active;
            s->times[0] = ed_instance_updated_at(inst);
            s->times[1] = expires;
            s->times[2] = expires + (ed_time)ed_instance_release_delay_days(inst) * DAY;
        }
    }
    if (ed_instance_release_at(inst, &release)) {
        s->scale = &scale_expired;
        s->times[0] = ed_instance_updated_at(inst);
        s->times[1] = release;
    }
    if (ed_instance_lifecycle(inst) == ED_LIFECYCLE_RELEASED)
        s->dims[DIM_MIGRATION] = -1;
}

static void build_sources(graph *g)
{
    const ed_time t0 = 1767225600; /* 2026-01-01T00:00:00Z */
    const char *id = "MQ_INST_graph";
    ed_instance *std, *plat_mig, *plat, *exp;
    ed_result *r;

    std = take(ed_create_standard(id, "http://MQ_INST_graph.example:8080", t0, NULL), g);
    if (!std)
        return;
    {
        ed_instance *with_topic = take(ed_add_topic(std, t0, "orders"), g);
        ed_instance *with_group =
            with_topic ? take(ed_add_group(with_topic, t0, "GID_billing"), g) : NULL;
        ed_instance_free(std);
        ed_instance_free(with_topic);
        std = with_group;
    }
    if (!std)
        return;

    plat_mig = take(ed_upgrade(std, t0 + DAY, 1), g);
    plat = plat_mig ? take(ed_complete_migration(plat_mig, t0 + DAY), g) : NULL;
    add_source(g, std);
    if (!plat)
        return;
    /* Standard with a migration in flight: refunded with the downgrade. */
    r = ed_set_post_expiration_action(plat, t0 + DAY, ED_ACTION_DOWNGRADE_TO_STANDARD);
    {
        ed_instance *down = take(r, g);
        if (down) {
            add_source(g, take(ed_refund(down, t0 + DAY, NULL), g));
            add_source(g, down);
        }
    }
    add_source(g, ed_instance_ref(plat));
    add_source(g, ed_instance_ref(plat_mig));
    add_source(g, take(ed_set_post_expiration_action(plat_mig, t0 + DAY,
                                                     ED_ACTION_DOWNGRADE_TO_STANDARD),
                       g));
    {
        ed_time expires;
        ed_instance_subscription(plat, NULL, &expires, NULL, NULL);
        exp = take(ed_tick(plat, expires), g);
        add_source(g, take(ed_tick(plat_mig, expires), g));
    }
    if (exp) {
        ed_time release;
        ed_instance_release_at(exp, &release);
        add_source(g, ed_instance_ref(exp));
        add_source(g, take(ed_tick(exp, release), g));
        ed_instance_free(exp);
    }
    ed_instance_free(plat);
    ed_instance_free(plat_mig);
}

static void record(graph *g, const source *s, ed_command_kind kind, size_t t, int allow,
                   const ed_result *r)
{
    probe *p;
    if (g->probe_count == g->probe_cap) {
        size_t cap = g->probe_cap ? g->probe_cap * 2 : 256;
        probe *grown = realloc(g->probes, cap * sizeof *grown);
        if (!grown) {
            g->failed = true;
            return;
        }
        g->probes = grown;
        g->probe_cap = cap;
    }
    p = &g->probes[g->probe_count++];
    p->kind = kind;
    p->status = ed_result_status(r);
    p->from = node_of(g, s->inst);
    p->changed = ed_result_status(r) == ED_OK &&
                 ed_instance_revision(ed_result_instance(r)) != ed_instance_revision(s->inst);
    p->to = p->changed ? node_of(g, ed_result_instance(r)) : p->from;
    memcpy(p->dims, s->dims, sizeof p->dims);
    p->dims[DIM_TIME] = s->scale->intervals > 1 ? (int)t : -1;
    p->dims[DIM_ALLOW] = allow;
    p->scale = s->scale;
}

/* The argument values tried: every value of an enumeration, names that
 * exist (a topic, a group) and one that does not. */
static size_t arg_choices(const source *s, ed_arg arg, int64_t *ints, const char **names)
{
    switch (arg) {
    case ED_ARG_PERIOD_MONTHS:
        ints[0] = 1;
        return 1;
    case ED_ARG_ACTION:
        ints[0] = ED_ACTION_DELETE_RESOURCE;
        ints[1] = ED_ACTION_DOWNGRADE_TO_STANDARD;
        return 2;
    case ED_ARG_ALLOW_DATA_LOSS:
        ints[0] = 0;
        ints[1] = 1;
        return 2;
    case ED_ARG_MODE:
        ints[0] = ED_PLAN_IMMEDIATE;
        ints[1] = ED_PLAN_AT_EXPIRY;
        return 2;
    case ED_ARG_NAME: {
        size_t n = 0;
        names[n++] = "probe_new_name";
        if (ed_instance_topic_count(s->inst) > 0)
            names[n++] = ed_instance_topic(s->inst, 0);
        if (ed_instance_group_count(s->inst) > 0)
            names[n++] = ed_instance_group(s->inst, 0);
        return n;
    }
    }
    return 0;
}

static void run_probes(graph *g)
{
    for (size_t si = 0; si < g->source_count; si++) {
        const source *s = &g->sources[si];
        for (int k = 1; ed_command_kind_name((ed_command_kind)k); k++) {
            ed_command_kind kind = (ed_command_kind)k;
            ed_arg arg = (ed_arg)0;
            int64_t ints[3] = {0, 0, 0};
            const char *names[3] = {NULL, NULL, NULL};
            size_t choices = 1;

            for (int a = ED_ARG_PERIOD_MONTHS; a <= ED_ARG_MODE; a++)
                if (ed_command_kind_takes(kind, (ed_arg)a))
                    arg = (ed_arg)a;
            if (arg)
                choices = arg_choices(s, arg, ints, names);
            for (size_t c = 0; c < choices; c++) {
                ed_command *cmd = ed_command_new(kind);
                int allow = -1;
                if (!cmd) {
                    g->failed = true;
                    return;
                }
                if (arg == ED_ARG_NAME)
                    ed_command_set_string(cmd, arg, names[c]);
                else if (arg)
                    ed_command_set_int(cmd, arg, ints[c]);
                if (arg == ED_ARG_ALLOW_DATA_LOSS)
                    allow = (int)ints[c];
                for (size_t t = 0; t < s->scale->intervals; t++) {
                    ed_result *r = ed_command_apply(cmd, s->inst, s->times[t]);
                    record(g, s, kind, t, allow, r);
                    ed_result_free(r);
                }
                ed_command_free(cmd);
            }
        }
    }
}

/* The guard of the runs `in` among all runs `all` of a command from one
 * state, appended as "a, b or c". */
static void guard_text(cli_str *s, const probe *const *in, size_t nin, const probe *const *all,
                       size_t nall)
{
    bool first = true;
    for (int d = 0; d < DIM_COUNT; d++) {
        unsigned seen_in = 0, seen_all = 0;
        for (size_t i = 0; i < nin; i++)
            if (in[i]->dims[d] >= 0)
                seen_in |= 1u << in[i]->dims[d];
        for (size_t i = 0; i < nall; i++)
            if (all[i]->dims[d] >= 0)
                seen_all |= 1u << all[i]->dims[d];
        if (seen_in == seen_all)
            continue;
        cli_str_puts(s, first ? "[" : ", ");
        first = false;
        if (d == DIM_TIME) {
            /* Runs of contiguous intervals become one comparison. */
            const time_scale *sc = in[0]->scale;
            bool run_first = true;
            for (size_t i = 0; i < sc->intervals; i++) {
                size_t j = i;
                const char *lower, *upper;
                if (!(seen_in & (1u << i)))
                    continue;
                while (j + 1 < sc->intervals && (seen_in & (1u << (j + 1))))
                    j++;
                lower = i > 0 ? sc->bounds[i - 1] : NULL;
                upper = j + 1 < sc->intervals ? sc->bounds[j] : NULL;
                if (!run_first)
                    cli_str_puts(s, " or ");
                run_first = false;
                if (lower && upper)
                    cli_str_printf(s, "%s <= now < %s", lower, upper);
                else if (lower)
                    cli_str_printf(s, "now >= %s", lower);
                else if (upper)
                    cli_str_printf(s, "now < %s", upper);
                i = j;
            }
            continue;
        }
        {
            const char *const *values = d == DIM_ACTION      ? action_values
                                        : d == DIM_MIGRATION ? migration_values
                                                             : allow_values;
            bool value_first = true;
            for (unsigned v = 0; v < 2; v++) {
                if (!(seen_in & (1u << v)))
                    continue;
                if (!value_first)
                    cli_str_puts(s, " or ");
                value_first = false;
                cli_str_puts(s, values[v]);
            }
        }
    }
    if (!first)
        cli_str_puts(s, "]");
}

typedef struct edge_line {
    size_t from, to;
    char *guard;
    cli_str commands;
} edge_line;

/* The edge lines of the graph: one per (from, to, command) that changed the
 * state, labelled with its guard, merged when commands share from, to and
 * guard. */
typedef struct edge_lines {
    edge_line *line;
    size_t count, cap;
} edge_lines;

/* The line of (from, to, guard), a new one when there is none; NULL when
 * out of memory. Takes `guard` (its text is kept or freed). */
static edge_line *line_for(edge_lines *e, size_t from, size_t to, cli_str *guard)
{
    for (size_t li = 0; li < e->count; li++) {
        if (e->line[li].from == from && e->line[li].to == to &&
            strcmp(e->line[li].guard, guard->data) == 0) {
            cli_str_free(guard);
            cli_str_puts(&e->line[li].commands, ", ");
            return &e->line[li];
        }
    }
    if (e->count == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 32;
        edge_line *grown = realloc(e->line, cap * sizeof *grown);
        if (!grown) {
            cli_str_free(guard);
            return NULL;
        }
        e->line = grown;
        e->cap = cap;
    }
    e->line[e->count].from = from;
    e->line[e->count].to = to;
    e->line[e->count].guard = guard->data;
    memset(&e->line[e->count].commands, 0, sizeof e->line[e->count].commands);
    return &e->line[e->count++];
}

static void collect_edges(graph *g, const probe **all, const probe **in, edge_lines *e)
{
    for (size_t from = 0; from < g->node_count; from++) {
        for (int k = 1; ed_command_kind_name((ed_command_kind)k); k++) {
            size_t nall = 0;
            for (size_t i = 0; i < g->probe_count; i++)
                if (g->probes[i].from == from && (int)g->probes[i].kind == k)
                    all[nall++] = &g->probes[i];
            for (size_t to = 0; to < g->node_count; to++) {
                size_t nin = 0;
                cli_str guard = {0};
                edge_line *line;
                for (size_t i = 0; i < nall; i++)
                    if (all[i]->changed && all[i]->to == to)
                        in[nin++] = all[i];
                if (nin == 0)
                    continue;
                /* An empty guard is still a string to compare. */
                cli_str_puts(&guard, "");
                guard_text(&guard, in, nin, all, nall);
                line = line_for(e, from, to, &guard);
                if (!line) {
                    g->failed = true;
                    return;
                }
                cli_str_puts(&line->commands, ed_command_kind_name((ed_command_kind)k));
                if (line->commands.failed)
                    g->failed = true;
            }
        }
    }
}

static void print_nodes(const graph *g, cli_str *out)
{
    cli_str_puts(out,
                 "// The lifecycle of libedition, generated by `edition graph` from the\n"
                 "// library's own transitions. Regenerate with scripts/graph; do not edit.\n"
                 "digraph lifecycle {\n"
                 "  rankdir=LR;\n"
                 "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
                 "  edge [fontname=\"Helvetica\", fontsize=10];\n"
                 "  start [shape=point, width=0.15];\n");
    for (size_t i = 0; i < g->node_count; i++)
        cli_str_printf(out, "  %s [label=\"%s\"%s];\n", g->nodes[i].id, g->nodes[i].label,
                       g->nodes[i].lifecycle == ED_LIFECYCLE_RELEASED ? ", peripheries=2" : "");
}

/* Creation, found the same way: the state each create function makes. */
static void print_creation(graph *g, cli_str *out)
{
    ed_result *r = ed_create_standard("MQ_INST_graph", "http://MQ_INST_graph.example:8080", 0,
                                      NULL);
    if (ed_result_status(r) == ED_OK)
        cli_str_printf(out, "  start -> %s [label=\"create_standard\"];\n",
                       g->nodes[node_of(g, ed_result_instance(r))].id);
    ed_result_free(r);
    r = ed_create_enterprise_platinum("MQ_INST_graph", "http://MQ_INST_graph.example:8080", 0, 1,
                                      NULL);
    if (ed_result_status(r) == ED_OK)
        cli_str_printf(out, "  start -> %s [label=\"create_enterprise_platinum\"];\n",
                       g->nodes[node_of(g, ed_result_instance(r))].id);
    ed_result_free(r);
}

/* One edge per pair of states, a label line per command group, so that the
 * labels of loops do not pile up on each other. Frees the lines. */
static void print_edges(const graph *g, edge_lines *e, cli_str *out)
{
    edge_line *lines = e->line;
    for (size_t li = 0; li < e->count; li++) {
        if (!lines[li].guard)
            continue;
        cli_str_printf(out, "  %s -> %s [label=\"", g->nodes[lines[li].from].id,
                       g->nodes[lines[li].to].id);
        for (size_t lj = li; lj < e->count; lj++) {
            if (!lines[lj].guard || lines[lj].from != lines[li].from ||
                lines[lj].to != lines[li].to)
                continue;
            cli_str_printf(out, "%s%s%s%s", lj == li ? "" : "\\n", lines[lj].commands.data,
                           lines[lj].guard[0] ? " " : "", lines[lj].guard);
            if (lj != li) {
                free(lines[lj].guard);
                lines[lj].guard = NULL;
                cli_str_free(&lines[lj].commands);
            }
        }
        cli_str_puts(out, "\"];\n");
        free(lines[li].guard);
        cli_str_free(&lines[li].commands);
    }
    free(lines);
    memset(e, 0, sizeof *e);
}

/* Commands that never move a state: refused everywhere, or reports. */
static void print_note(graph *g, cli_str *out)
{
    cli_str note = {0};
    for (int k = 1; ed_command_kind_name((ed_command_kind)k); k++) {
        bool changed = false, accepted = false;
        unsigned statuses = 0; /* refusals other than released (I6) */
        for (size_t i = 0; i < g->probe_count; i++) {
            const probe *p = &g->probes[i];
            if ((int)p->kind != k)
                continue;
            changed |= p->changed;
            accepted |= p->status == ED_OK;
            if (p->status != ED_OK && p->status != ED_RELEASED && p->status < 32)
                statuses |= 1u << p->status;
        }
        if (changed)
            continue;
        cli_str_printf(&note, "%s: %s", ed_command_kind_name((ed_command_kind)k),
                       accepted ? "changes nothing (reports only)" : "refused in every state");
        if (!accepted) {
            const char *sep = " (";
            for (int st = 0; st < 32; st++) {
                if (statuses & (1u << st)) {
                    cli_str_printf(&note, "%s%s", sep, ed_status_name((ed_status)st));
                    sep = ", ";
                }
            }
            if (statuses)
                cli_str_puts(&note, ")");
        }
        cli_str_puts(&note, "\\l");
    }
    if (note.len > 0)
        cli_str_printf(out, "  note [shape=note, fontsize=10, label=\"%s\"];\n", note.data);
    if (note.failed)
        g->failed = true;
    cli_str_free(&note);
}

/* The graph in DOT, stage by stage: edges collected from the probes, then
 * the nodes, the creation edges, the edges and the note printed. */
static void print_dot(graph *g, cli_str *out)
{
    const probe **all = malloc((g->probe_count + 1) * sizeof(const probe *));
    const probe **in = malloc((g->probe_count + 1) * sizeof(const probe *));
    edge_lines edges = {NULL, 0, 0};

    if (all && in)
        collect_edges(g, all, in, &edges);
    else
        g->failed = true;
    free(all);
    free(in);
    print_nodes(g, out);
    print_creation(g, out);
    print_edges(g, &edges, out);
    print_note(g, out);
    cli_str_puts(out, "}\n");
}

int cli_graph(FILE *stream)
{
    graph g;
    cli_str out = {0};
    int rc = CLI_EXIT_OK;

    memset(&g, 0, sizeof g);
    build_sources(&g);
    /* Nodes in the order of the lifecycle: the sources are built in it. */
    for (size_t i = 0; i < g.source_count; i++)
        node_of(&g, g.sources[i].inst);
    if (!g.failed)
        run_probes(&g);
    if (!g.failed)
        print_dot(&g, &out);
    if (g.failed || out.failed) {
        cli_error("io_error", "graph: cannot explore the lifecycle (out of memory, or the "
                              "library refused a step of the exploration)");
        rc = CLI_EXIT_IO;
    } else if (!cli_str_write(&out, stream) || fflush(stream) != 0) {
        cli_error("io_error", "standard output: cannot write");
        rc = CLI_EXIT_IO;
    }
    cli_str_free(&out);
    free(g.probes);
    for (size_t i = 0; i < g.source_count; i++)
        ed_instance_free(g.sources[i].inst);
    return rc;
}
