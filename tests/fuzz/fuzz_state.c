/* State-file loader: never crashes or leaks on any input, and every error
 * names a status the loader may return, with a position when it has one. */
#include <libedition.h>

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ed_instance *in = NULL;
    ed_error *err = NULL;
    ed_status st = ed_instance_load_yaml(&in, (const char *)data, size, NULL, &err);
    if (st == ED_OK) {
        if (in == NULL || err != NULL)
            abort();
    } else {
        if (in != NULL || err == NULL || ed_error_status(err) != st)
            abort();
        if (st != ED_PARSE_ERROR && st != ED_SCHEMA_ERROR && st != ED_LIMIT_EXCEEDED &&
            st != ED_NO_MEMORY)
            abort();
        if (ed_error_message(err)[0] == '\0')
            abort();
    }
    ed_error_free(err);
    ed_instance_free(in);
    return 0;
}
