/* The options bag: settings keyed by enum, so new keys never change a
 * public layout. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DOCUMENT_LIMIT ((int64_t)1 << 40)

void ed__options_defaults(ed_options *o)
{
    *o = (ed_options){
        .allow_data_loss = false,
        .release_delay_days = ED_RELEASE_DELAY_DEFAULT,
        .region = NULL,
        .max_document_size = ED_DEFAULT_MAX_DOCUMENT,
    };
}

ed_options *ed_options_new(void)
{
    ed_options *o = ed__alloc(sizeof *o);
    if (o == NULL)
        return NULL;
    ed__options_defaults(o);
    return o;
}

void ed_options_free(ed_options *opts)
{
    if (opts == NULL)
        return;
    ed__free(opts->region);
    ed__free(opts);
}

ed_status ed_options_set_int(ed_options *opts, ed_option key, int64_t value)
{
    if (opts == NULL)
        return ED_INVALID_ARGUMENT;
    switch (key) {
    case ED_OPT_ALLOW_DATA_LOSS:
        if (value != 0 && value != 1)
            return ED_INVALID_ARGUMENT;
        opts->allow_data_loss = value == 1;
        return ED_OK;
    case ED_OPT_RELEASE_DELAY_DAYS:
        if (value < 0 || value > ED_RELEASE_DELAY_MAX)
            return ED_INVALID_ARGUMENT;
        opts->release_delay_days = (int)value;
        return ED_OK;
    case ED_OPT_MAX_DOCUMENT_SIZE:
        if (value < 1 || value > MAX_DOCUMENT_LIMIT)
            return ED_INVALID_ARGUMENT;
        opts->max_document_size = value;
        return ED_OK;
    case ED_OPT_REGION:
        break;
    }
    return ED_INVALID_ARGUMENT;
}

ed_status ed_options_set_string(ed_options *opts, ed_option key, const char *value)
{
    if (opts == NULL || key != ED_OPT_REGION)
        return ED_INVALID_ARGUMENT;
    char *copy = NULL;
    if (value != NULL) {
        size_t len = strlen(value);
        if (!ed__is_token(value, len, 1, ED_REGION_MAX))
            return ED_INVALID_NAME;
        copy = ed__strndup(value, len);
        if (copy == NULL)
            return ED_NO_MEMORY;
    }
    ed__free(opts->region);
    opts->region = copy;
    return ED_OK;
}

int64_t ed__options_max_document(const ed_options *opts)
{
    return opts ? opts->max_document_size : ED_DEFAULT_MAX_DOCUMENT;
}
