/* The command-line parser of every command (args.h). */
#include "args.h"

#include <stdlib.h>
#include <string.h>

static const cli_option *find_option(const cli_command_line *c, const char *arg, size_t *index,
                                     const char **value)
{
    for (size_t k = 0; k < c->table_len; k++) {
        size_t n = strlen(c->table[k].name);
        if (strncmp(arg, c->table[k].name, n) == 0 && (arg[n] == '\0' || arg[n] == '=')) {
            *index = k;
            *value = arg[n] == '=' ? arg + n + 1 : NULL;
            return &c->table[k];
        }
    }
    return NULL;
}

/* Puts the first positional argument from the environment when it was
 * left out (cli_command_line.first_from_env). */
static int default_first(const cli_command_line *c, cli_parsed *p)
{
    const char *env = c->first_from_env ? getenv(c->first_from_env) : NULL;
    bool left_out = c->max_pos != CLI_ANY ? p->npos + 1 == c->min_pos
                                    : env && *env && p->npos > 0 && c->is_first &&
                                          !c->is_first(p->pos[0]);
    if (!c->first_from_env || !left_out)
        return CLI_EXIT_OK;
    if (!env || !*env)
        return cli_usage("%s: no %s given: give it, or set %s; usage: edition %s", c->name,
                         c->first_name, c->first_from_env, c->synopsis);
    memmove(p->pos + 1, p->pos, p->npos * sizeof *p->pos);
    p->pos[0] = env;
    p->npos++;
    return CLI_EXIT_OK;
}

int cli_parse(int argc, char **argv, int first, const cli_command_line *c, cli_parsed *out)
{
    bool options_done = false;

    memset(out, 0, sizeof *out);
    /* one more slot: default_first may put an argument in front */
    out->pos = calloc((size_t)(argc > 0 ? argc : 0) + 2, sizeof *out->pos);
    if (!out->pos) {
        cli_error("io_error", "out of memory");
        return CLI_EXIT_IO;
    }
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        const cli_option *o;
        const char *value = NULL;
        size_t k = 0;

        if (options_done || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (out->npos == c->max_pos)
                return cli_usage("%s: unexpected argument '%s'; usage: edition %s", c->name, arg,
                                 c->synopsis);
            out->pos[out->npos++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_done = true;
            continue;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            out->help = true;
            continue;
        }
        o = find_option(c, arg, &k, &value);
        if (!o || !((c->options >> k) & 1u))
            return cli_usage("%s: unknown option '%s'; usage: edition %s", c->name, arg,
                             c->synopsis);
        if (cli_given(out, k))
            return cli_usage("%s: %s given twice", c->name, o->name);
        if (o->value && !value) {
            if (i + 1 >= argc)
                return cli_usage("%s: %s needs a value %s", c->name, o->name, o->value);
            value = argv[++i];
        } else if (!o->value && value) {
            return cli_usage("%s: %s takes no value", c->name, o->name);
        }
        out->given |= (uint64_t)1 << k;
        out->value[k] = value;
    }
    if (out->help)
        return CLI_EXIT_OK;
    if (default_first(c, out) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    if (out->npos < c->min_pos)
        return cli_usage("%s: missing arguments; usage: edition %s", c->name, c->synopsis);
    return CLI_EXIT_OK;
}

void cli_parsed_free(cli_parsed *p)
{
    free(p->pos);
    p->pos = NULL;
    p->npos = 0;
}

void cli_print_options(cli_str *out, const cli_command_line *c)
{
    if (!c->options)
        return;
    cli_str_puts(out, "\noptions:\n");
    for (size_t i = 0; i < c->table_len; i++) {
        const cli_option *o = &c->table[i];
        size_t width;
        if (!((c->options >> i) & 1u))
            continue;
        width = strlen(o->name) + (o->value ? strlen(o->value) + 1 : 0);
        cli_str_printf(out, "  %s%s%s%*s %s\n", o->name, o->value ? " " : "",
                       o->value ? o->value : "", width < 22 ? (int)(22 - width) : 0, "",
                       o->help);
    }
}
