#include "yaml_support.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *slurp_data_file(const char *env, const char *name, size_t *len)
{
    const char *dir = getenv(env);
    if (!dir)
        return NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *data = malloc(cap);
    while (data) {
        if (n + 1 >= cap) {
            cap *= 2;
            char *grown = realloc(data, cap);
            if (!grown) {
                free(data);
                data = NULL;
                break;
            }
            data = grown;
        }
        size_t got = fread(data + n, 1, cap - n - 1, f);
        if (got == 0)
            break;
        n += got;
    }
    if (data && ferror(f)) {
        free(data);
        data = NULL;
    }
    fclose(f);
    if (data) {
        data[n] = '\0';
        *len = n;
    }
    return data;
}

char *read_data_file(const char *env, const char *name, size_t *len)
{
    char *data = slurp_data_file(env, name, len);
    ck_assert_msg(data != NULL, "cannot read %s/%s (is %s set?)", getenv(env), name, env);
    return data;
}

ed_time yt(const char *text)
{
    ed_time t = 0;
    ck_assert_int_eq(ed_time_parse(text, strlen(text), &t), ED_OK);
    return t;
}

char *dump_instance(const ed_instance *inst)
{
    ed_buffer *buf = ed_buffer_new();
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(ed_instance_dump_yaml(inst, buf), ED_OK);
    char *copy = malloc(ed_buffer_len(buf) + 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, ed_buffer_data(buf), ed_buffer_len(buf) + 1);
    ed_buffer_free(buf);
    return copy;
}
