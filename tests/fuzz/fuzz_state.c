/* State-file loader: never crashes or leaks on any input, and every error
 * names a status the loader may return, with a position when it has one,
 * in a message that quotes values escaped (nothing in it to escape). */
#include <libedition.h>

#include <stdlib.h>
#include <string.h>

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
        const char *message = ed_error_message(err);
        size_t len = strlen(message);
        if (len == 0 || ed_text_escape(NULL, 0, message, len) != len)
            abort();
    }
    ed_error_free(err);
    ed_instance_free(in);
    return 0;
}
